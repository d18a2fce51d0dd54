// SPDX-License-Identifier: GPL-2.0-only
#include "quantity.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util.h"

/*
 * A decimal exponent beyond this already makes any non-zero value overflow
 * (or round up to 1 when negative), so larger ones are clamped here rather
 * than carried in wider integers.
 */
#define EXPONENT_CLAMP 1000000000LL

/* 10^19 > INT64_MAX: an integer part with more digits cannot fit. */
#define INT64_MAX_DIGITS 19

struct suffix {
	const char *text;
	int decimal_exponent;   /* value *= 10^decimal_exponent */
	unsigned binary_shift;  /* value *= 2^binary_shift */
};

static const struct suffix suffixes[] = {
	{ "n", -9, 0 }, { "u", -6, 0 }, { "m", -3, 0 },
	{ "k", 3, 0 }, { "M", 6, 0 }, { "G", 9, 0 }, { "T", 12, 0 }, { "P", 15, 0 }, { "E", 18, 0 },
	{ "Ki", 0, 10 }, { "Mi", 0, 20 }, { "Gi", 0, 30 }, { "Ti", 0, 40 }, { "Pi", 0, 50 }, { "Ei", 0, 60 },
};

/* The mantissa's digits, integer part then fraction, without the dot. */
struct mantissa {
	const char *int_digits;
	size_t n_int;
	const char *frac_digits;
	size_t n_frac;
};

static size_t mantissa_length(const struct mantissa *m)
{
	return m->n_int + m->n_frac;
}

static unsigned mantissa_digit(const struct mantissa *m, size_t i)
{
	char c = i < m->n_int ? m->int_digits[i] : m->frac_digits[i - m->n_int];

	return (unsigned)(c - '0');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int fail(int error, const char *reason, const char **ret_reason)
{
	if (ret_reason)
		*ret_reason = reason;
	return error;
}

/* "e-3", "E12": a signed decimal exponent, nothing after it. */
static bool parse_exponent(const char *s, long long *ret)
{
	bool negative = false;
	long long e = 0;

	if (*s == '+' || *s == '-')
		negative = *s++ == '-';
	if (!is_digit(*s))
		return false;
	for (; is_digit(*s); s++)
		e = MIN(e * 10 + (*s - '0'), EXPONENT_CLAMP);
	if (*s)
		return false;
	*ret = negative ? -e : e;
	return true;
}

static int parse_suffix(const char *s, long long *ret_decimal_exponent, unsigned *ret_binary_shift,
			const char **ret_reason)
{
	size_t i;

	if (*s == '\0') {
		*ret_decimal_exponent = 0;
		*ret_binary_shift = 0;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (strcmp(s, suffixes[i].text) == 0) {
			*ret_decimal_exponent = suffixes[i].decimal_exponent;
			*ret_binary_shift = suffixes[i].binary_shift;
			return 0;
		}
	/* After the table, so that "1E" stays exa. */
	if ((*s == 'e' || *s == 'E') && s[1] != '\0') {
		if (!parse_exponent(s + 1, ret_decimal_exponent))
			return fail(-EINVAL, "bad exponent", ret_reason);
		*ret_binary_shift = 0;
		return 0;
	}
	/* Letters read as a unit ("10Q", "1K", "5Mbit"); anything else as a
	 * malformed number ("1.5.5", "10 M"). */
	for (i = 0; s[i]; i++)
		if (!is_letter(s[i]))
			return fail(-EINVAL, "not a number", ret_reason);
	return fail(-EINVAL, "unknown suffix", ret_reason);
}

/*
 * ceil(digits * 10^scale10 * 2^binary_shift), exactly. The integer part of
 * digits * 10^scale10 is multiplied by 2^shift directly; the fraction is
 * multiplied by long multiplication from its last digit, whose carry out is
 * the whole part it contributes and whose leftover digits tell whether to
 * round up. Every step fits in 64 bits: a carry stays below 2^shift <= 2^60.
 */
static int mantissa_scale(const struct mantissa *m, long long scale10, unsigned binary_shift,
			  uint64_t *ret_magnitude, const char **ret_reason)
{
	const uint64_t multiplier = UINT64_C(1) << binary_shift;
	size_t n = mantissa_length(m), first = 0, n_sig, frac_start, i;
	long long int_len;
	uint64_t int_part = 0, carry = 0, magnitude;
	bool has_remainder = false;

	while (first < n && mantissa_digit(m, first) == 0)
		first++;
	if (first == n) {
		*ret_magnitude = 0;
		return 0;
	}
	n_sig = n - first;

	/* Digits left of the decimal point once scaled; may be <= 0 or > n_sig. */
	int_len = (long long)n_sig + scale10;
	if (int_len > INT64_MAX_DIGITS)
		return fail(-ERANGE, "too large", ret_reason);
	for (long long d = 0; d < int_len; d++)
		int_part = int_part * 10 + ((size_t)d < n_sig ? mantissa_digit(m, first + (size_t)d) : 0);

	frac_start = int_len > 0 ? (size_t)int_len : 0;
	for (i = n_sig; i > frac_start; i--) {
		uint64_t t = mantissa_digit(m, first + i - 1) * multiplier + carry;

		has_remainder |= t % 10 != 0;
		carry = t / 10;
	}
	/* Zeros between the point and the first significant digit ("1m" = 0.001):
	 * they only shift the carry right, so stop once it is gone. */
	for (long long z = int_len; z < 0 && carry; z++) {
		has_remainder |= carry % 10 != 0;
		carry /= 10;
	}

	if (__builtin_mul_overflow(int_part, multiplier, &magnitude) ||
	    __builtin_add_overflow(magnitude, carry + has_remainder, &magnitude) ||
	    magnitude > INT64_MAX)
		return fail(-ERANGE, "too large", ret_reason);
	*ret_magnitude = magnitude;
	return 0;
}

int quantity_parse(const char *text, int64_t *ret_value, const char **ret_reason)
{
	struct mantissa m = {};
	const char *p = text;
	bool negative = false;
	long long decimal_exponent;
	unsigned binary_shift;
	uint64_t magnitude;
	int r;

	if (*p == '\0')
		return fail(-EINVAL, "empty", ret_reason);
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';

	m.int_digits = p;
	while (is_digit(*p))
		p++;
	m.n_int = (size_t)(p - m.int_digits);
	if (*p == '.') {
		m.frac_digits = ++p;
		while (is_digit(*p))
			p++;
		m.n_frac = (size_t)(p - m.frac_digits);
	}
	/* "." and "-" alone, or a suffix without a number ("K", "Mi"). */
	if (mantissa_length(&m) == 0)
		return fail(-EINVAL, "not a number", ret_reason);

	r = parse_suffix(p, &decimal_exponent, &binary_shift, ret_reason);
	if (r < 0)
		return r;

	r = mantissa_scale(&m, decimal_exponent - (long long)m.n_frac, binary_shift, &magnitude, ret_reason);
	if (r < 0)
		return r;

	*ret_value = negative ? -(int64_t)magnitude : (int64_t)magnitude;
	return 0;
}

int quantity_parse_bandwidth(const char *text, uint64_t *ret_bits_per_sec, const char **ret_reason)
{
	int64_t value;
	int r;

	r = quantity_parse(text, &value, ret_reason);
	if (r < 0)
		return r;
	if (value < (int64_t)BWM_BANDWIDTH_MIN_BPS)
		return fail(-ERANGE, "below 1k", ret_reason);
	if (value > (int64_t)BWM_BANDWIDTH_MAX_BPS)
		return fail(-ERANGE, "above 1P", ret_reason);
	*ret_bits_per_sec = (uint64_t)value;
	return 0;
}
