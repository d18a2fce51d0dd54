// SPDX-License-Identifier: GPL-2.0-only
/* The queue-delay histogram's buckets (bpf/histogram.h), as the datapath
 * fills them and bwm's exporter reads them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "histogram.h"

static void log2_of_powers_and_neighbours(void **unused)
{
	for (unsigned k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;

		assert_int_equal(hist_log2(p), k);
		if (k > 1)
			assert_int_equal(hist_log2(p - 1), k - 1);
		if (k > 0 && k < 63)   /* (1 + 1 is the next power) */
			assert_int_equal(hist_log2(p + 1), k);
	}
	assert_int_equal(hist_log2(UINT64_MAX), 63);
}

static void buckets_are_below_their_bound(void **unused)
{
	static const struct {
		uint64_t delay_ns;
		uint32_t bucket;
	} cases[] = {
		{ 0, 0 },                            /* sent at once */
		{ 8191, 0 },                         /* < 8.192 us */
		{ 8192, 1 },
		{ 16383, 1 },                        /* < 16.384 us */
		{ 16384, 2 },
		{ 5000000, 10 },                     /* 5 ms, CoDel's target: < 8.39 ms */
		{ 100000000, 14 },                   /* 100 ms, the horizon: < 134 ms */
		{ (1ULL << 28) - 1, 15 },            /* < 268 ms, the last bound */
		{ 1ULL << 28, HIST_FINITE },         /* +Inf */
		{ 6300000000ULL, HIST_FINITE },      /* a floored horizon: seconds */
		{ UINT64_MAX, HIST_FINITE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(hist_bucket(cases[i].delay_ns), cases[i].bucket);
	/* Every finite bucket's bound is 2^(13+i) ns. */
	for (uint32_t b = 0; b < HIST_FINITE; b++) {
		assert_int_equal(hist_bucket((1ULL << (HIST_SHIFT_MIN + b)) - 1), b);
		assert_int_equal(hist_bucket(1ULL << (HIST_SHIFT_MIN + b)), b + 1);
	}
}

static void record_counts_and_sums(void **unused)
{
	struct bwm_delay_hist h = {};

	hist_record(&h, 0);
	hist_record(&h, 10000);
	hist_record(&h, 10000);
	hist_record(&h, 1ULL << 40);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[1], 2);
	assert_int_equal(h.bucket[HIST_FINITE], 1);
	assert_int_equal(h.sum_ns, 20000 + (1ULL << 40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log2_of_powers_and_neighbours),
		cmocka_unit_test(buckets_are_below_their_bound),
		cmocka_unit_test(record_counts_and_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
