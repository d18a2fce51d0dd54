/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pod's queue-delay histogram (issue 17), shared by the datapath and the
 * cmocka tests: the delay each packet of a limited pod is stamped with
 * (its departure time minus now; 0 for a packet that leaves at once), in
 * fixed power-of-two buckets, so that p50 and p99 of the shaper's own
 * delay can be read per pod on a live node (histogram_quantile() over
 * bwm_pod_queue_delay_seconds).
 *
 * Bucket i (0..HIST_FINITE-1) counts delays below 2^(HIST_SHIFT_MIN + i) ns:
 * 8.2 us, 16.4 us, ..., 268 ms; the last one (HIST_FINITE) counts the rest.
 * The counts are per bucket, not cumulative: the exporter adds them up.
 * Kept per CPU, in the pod's counters (bwm_maps.h), so recording is two
 * plain adds on a cache line no other CPU writes.
 */
#ifndef BWM_HISTOGRAM_H
#define BWM_HISTOGRAM_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define HIST_SHIFT_MIN 13   /* the first bound, 2^13 ns = 8.192 us */
#define HIST_FINITE 16      /* bounds 2^13 .. 2^28 ns (268 ms; the horizon is 100 ms) */
#define HIST_BUCKETS (HIST_FINITE + 1)

struct bwm_delay_hist {
	__u64 bucket[HIST_BUCKETS];
	__u64 sum_ns;
};

/* floor(log2(v)) for v > 0, by halving the range: no loop, no clz in BPF. */
static __always_inline __u32 hist_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

/* The bucket of a delay: the first whose bound is above it. */
static __always_inline __u32 hist_bucket(__u64 delay_ns)
{
	__u32 log2;

	if (delay_ns < (1ULL << HIST_SHIFT_MIN))
		return 0;
	/* delay in [2^k, 2^(k+1)): below the bound 2^(k+1), bucket k+1-SHIFT_MIN. */
	log2 = hist_log2(delay_ns);
	return log2 + 1 - HIST_SHIFT_MIN < HIST_FINITE ? log2 + 1 - HIST_SHIFT_MIN : HIST_FINITE;
}

static __always_inline void hist_record(struct bwm_delay_hist *h, __u64 delay_ns)
{
	__u32 b = hist_bucket(delay_ns);

	/* Never true; it tells the verifier the index is in bounds. */
	if (b > HIST_FINITE)
		b = HIST_FINITE;
	h->bucket[b]++;
	h->sum_ns += delay_ns;
}

#endif /* BWM_HISTOGRAM_H */
