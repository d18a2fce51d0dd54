// SPDX-License-Identifier: GPL-2.0-only
/* CoDel on the virtual queue, as the datapath runs it. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "aqm.h"

#define MS 1000000ULL
static const struct aqm_params params = { .target_ns = 2 * MS, .interval_ns = 20 * MS };

static void inverse_square_root_converges(void **unused)
{
	uint32_t x = AQM_INV_SQRT_ONE;

	/* One Newton step per count, as the control law takes them, stays
	 * within 1% of 1/sqrt(count) after the first few. */
	for (uint32_t count = 2; count <= 10000; count++) {
		x = aqm_inv_sqrt_step(x, count);
		if (count >= 8) {
			double want = 1.0 / sqrt((double)count);
			double got = (double)x / 4294967296.0;

			assert_true(fabs(got - want) / want < 0.01);
		}
	}
}

static void control_law_shrinks_the_interval(void **unused)
{
	/* count 4: interval / 2. Newton's first steps from 1.0 undershoot
	 * (count 2 gives 0.5, not 0.707) and recover; at count 4 the estimate
	 * is within 5%, from count 8 on within 1% (above). */
	uint32_t x = AQM_INV_SQRT_ONE;

	for (uint32_t c = 2; c <= 4; c++)
		x = aqm_inv_sqrt_step(x, c);
	assert_in_range(aqm_control_law(1000, 20 * MS, x) - 1000, 9.5 * MS, 10.5 * MS);
	assert_in_range(aqm_control_law(1000, 20 * MS, AQM_INV_SQRT_ONE) - 1000, 20 * MS - 1, 20 * MS);
}

static void short_bursts_are_not_signalled(void **unused)
{
	struct aqm_state s = {};
	uint64_t now = 1000 * MS;

	/* 19 ms above target, then below: less than an interval. */
	for (int i = 0; i < 19; i++, now += MS)
		assert_false(aqm_on_packet(&s, now, 5 * MS, &params));
	assert_false(aqm_on_packet(&s, now, 1 * MS, &params));
	assert_int_equal(s.first_above_ns, 0);
	for (int i = 0; i < 19; i++, now += MS)
		assert_false(aqm_on_packet(&s, now, 5 * MS, &params));
}

static void persistent_delay_is_signalled_ever_faster(void **unused)
{
	struct aqm_state s = {};
	uint64_t now = 1000 * MS, last = 0, gap_prev = UINT64_MAX;
	int signals = 0;

	/* A standing 10 ms queue, a packet every 100 us for 1 s. */
	for (int i = 0; i < 10000; i++, now += 100000) {
		if (!aqm_on_packet(&s, now, 10 * MS, &params))
			continue;
		if (signals == 0)
			assert_true(now >= 1000 * MS + 20 * MS);   /* after one interval */
		/* interval / sqrt(count), within a packet's spacing, once past
		 * the estimate's start-up (see above). */
		if (signals >= 5)
			assert_true(now - last <= gap_prev + 100000);
		if (signals >= 4)
			gap_prev = now - last;
		last = now;
		signals++;
	}
	/* interval/sqrt(n) summed over 1 s gives about (1 s / 20 ms / 2)^2 signals. */
	assert_in_range(signals, 150, 900);
	assert_true(s.signal_next_ns != 0);
}

static void queue_below_target_ends_the_episode(void **unused)
{
	struct aqm_state s = {};
	uint64_t now = 1000 * MS;

	for (int i = 0; i < 100; i++, now += MS)
		aqm_on_packet(&s, now, 10 * MS, &params);
	assert_true(s.signal_next_ns != 0);
	assert_false(aqm_on_packet(&s, now, 0, &params));
	assert_int_equal(s.signal_next_ns, 0);
	assert_int_equal(s.first_above_ns, 0);
}

static void episode_soon_after_resumes_its_rate(void **unused)
{
	struct aqm_state s = {};
	uint64_t now = 1000 * MS;
	uint32_t count_before;

	for (int i = 0; i < 1000; i++, now += MS / 10)
		aqm_on_packet(&s, now, 10 * MS, &params);
	count_before = aqm_law_count(s.law);
	assert_true(count_before > 3);
	aqm_on_packet(&s, now, 0, &params);
	now += MS;
	/* Above target again for an interval: the new episode starts from
	 * the signals of the last one rather than from 1. */
	for (int i = 0; i < 300 && !aqm_on_packet(&s, now, 10 * MS, &params); i++)
		now += MS / 10;
	assert_true(aqm_law_count(s.law) > 1);
}

/* The target never drops below two of the pod's largest packets on the
 * wire, and the interval grows by as much (CAKE's rule); capped so that
 * the control law's product fits 64 bits. */
static void parameters_follow_the_largest_packet(void **unused)
{
	static const struct {
		uint64_t target, interval, big_tx, want_target, want_interval;
	} cases[] = {
		/* 1500 B at 100 Mbit/s: 120 us, far below the target */
		{ 5 * MS, 100 * MS, 120000, 5 * MS, 100 * MS },
		/* 64 KB at 100 Mbit/s: 5.24 ms */
		{ 5 * MS, 100 * MS, 5242880, 10485760, 100 * MS + 10485760 - 5 * MS },
		/* exactly half the target: unchanged */
		{ 5 * MS, 100 * MS, 2500000, 5 * MS, 100 * MS },
		/* 192 KB at 1 Mbit/s: 1.57 s; the interval reaches its cap */
		{ 5 * MS, 4000 * MS, 1572864000, 3145728000, AQM_INTERVAL_MAX_NS },
		/* 64 KB at 1 Mbit/s: 524 ms */
		{ 5 * MS, 100 * MS, 524288000, 1048576000, 100 * MS + 1048576000 - 5 * MS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aqm_params p = aqm_params_for(cases[i].target, cases[i].interval, cases[i].big_tx);

		assert_int_equal(p.target_ns, cases[i].want_target);
		assert_int_equal(p.interval_ns, cases[i].want_interval);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inverse_square_root_converges),
		cmocka_unit_test(control_law_shrinks_the_interval),
		cmocka_unit_test(short_bursts_are_not_signalled),
		cmocka_unit_test(persistent_delay_is_signalled_ever_faster),
		cmocka_unit_test(queue_below_target_ends_the_episode),
		cmocka_unit_test(episode_soon_after_resumes_its_rate),
		cmocka_unit_test(parameters_follow_the_largest_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
