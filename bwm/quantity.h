/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kubernetes resource quantities ("10M", "1.5G", "100Mi", "1e9", "500m"), as
 * in k8s.io/apimachinery/pkg/api/resource:
 *
 *	quantity ::= [+-] number [suffix]
 *	number   ::= digits | digits "." digits | digits "." | "." digits
 *	suffix   ::= n | u | m | k | M | G | T | P | E        (powers of 1000)
 *	           | Ki | Mi | Gi | Ti | Pi | Ei              (powers of 1024)
 *	           | ("e" | "E") [+-] digits                  (powers of 10)
 *
 * "E" alone is exa; "1E3" is an exponent. No whitespace anywhere; "K" is not
 * a suffix. The value is exact (no floating point) and rounded up, away from
 * zero, to a whole number, as Quantity.Value() does: "0.5" and "1m" are 1,
 * "1.5Ki" is 1536.
 *
 * Unlike Kubernetes, which silently caps binary quantities at 2^63-1 and
 * keeps larger decimal ones, a magnitude above 2^63-1 is an error.
 *
 * Non-logging: failures come back as a negative errno plus a static reason
 * string for the caller's message.
 */
#ifndef BWM_QUANTITY_H
#define BWM_QUANTITY_H

#include <stdint.h>

/*
 * Parses text into *ret_value. Returns 0, or -EINVAL (syntax) or -ERANGE (the
 * value does not fit int64) with *ret_reason set to "empty", "not a number",
 * "unknown suffix", "bad exponent" or "too large"; *ret_value is untouched on
 * failure. ret_reason may be NULL.
 */
int quantity_parse(const char *text, int64_t *ret_value, const char **ret_reason);

/* Kubelet's range for the bandwidth annotations (validateBandwidthIsReasonable). */
#define BWM_BANDWIDTH_MIN_BPS 1000ULL                  /* 1k */
#define BWM_BANDWIDTH_MAX_BPS 1000000000000000ULL      /* 1P */

/*
 * Parses a bandwidth in bit/s and checks kubelet's range, 1k..1P inclusive.
 * Errors as quantity_parse, plus -ERANGE with "below 1k" or "above 1P".
 */
int quantity_parse_bandwidth(const char *text, uint64_t *ret_bits_per_sec, const char **ret_reason);

#endif /* BWM_QUANTITY_H */
