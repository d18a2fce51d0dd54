// SPDX-License-Identifier: GPL-2.0-only
/* The sparse-flow rules, per flow and per pod, as the datapath runs them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sparse.h"

#define MS 1000000ULL
#define US 1000ULL
#define QUANTUM 3028
static const uint64_t rate = 12500000;   /* 100 Mbit/s */
/* A queue that would hold a packet for 50 ms. */
#define QUEUE (50 * MS)

static void sparse_flow_skips_the_queue(void **unused)
{
	struct bwm_flow f = {};
	struct sparse_budget pod = {};
	uint64_t now = 1000 * MS;

	/* A ping-pong: a 100-byte request every 500 us, each leaves now. */
	for (int i = 0; i < 100; i++, now += 500 * US)
		assert_int_equal(sparse_admit(&f, &pod, now, now + QUEUE, 100, QUANTUM, rate), now);
}

/* Issue 14's probe: a ping-pong a little over its share (100-byte requests,
 * 8 us each at the pod's rate, so one per SPARSE_SHARE x 8 us is the flow's
 * share; one every 3/4 of that) is paced at its share, never sent behind
 * the queue. */
static void a_flow_over_its_share_is_paced_at_it(void **unused)
{
	struct bwm_flow f = {};
	struct sparse_budget pod = {};
	uint64_t now = 1000 * MS, at, previous = 0, share_gap = SPARSE_SHARE * 8 * US;

	for (int i = 0; i < 1000; i++) {
		at = sparse_admit(&f, &pod, now, now + QUEUE, 100, QUANTUM, rate);
		assert_true(at >= now);
		if (previous)
			assert_int_equal(at, previous + share_gap);
		previous = at;
		/* The response comes soon after the request left. */
		now = at + share_gap * 3 / 4;
	}
}

static void bulk_and_large_packets_wait(void **unused)
{
	struct bwm_flow f = {};
	struct sparse_budget pod = {};
	uint64_t now = 1000 * MS;
	int admitted = 0;

	/* A 64 KB GSO packet is above the quantum. */
	assert_false(sparse_admit(&f, &pod, now, now + QUEUE, 65536, QUANTUM, rate));
	/* Full-size frames back to back: the flow's own clock runs
	 * SPARSE_SHARE times the pod's rate and may lead now by one quantum
	 * at that share, so one frame in SPARSE_SHARE gets through, after the
	 * first two or three. */
	for (int i = 0; i < 800; i++, now += 120 * US)   /* 1500 B at 100 Mbit/s */
		admitted += !!sparse_admit(&f, &pod, now, now + QUEUE, 1500, QUANTUM, rate);
	assert_in_range(admitted, 800 / SPARSE_SHARE, 800 / SPARSE_SHARE + 3);
	/* Queued behind the pod's clock: busy until that departure. */
	sparse_queued(&f, now + 50 * MS);
	assert_false(sparse_admit(&f, &pod, now + 49 * MS, now + 99 * MS, 100, QUANTUM, rate));
	assert_true(sparse_admit(&f, &pod, now + 50 * MS, now + 100 * MS, 100, QUANTUM, rate));
}

/* A flow's own pace never takes it past the queue: where the queue would
 * send the packet first, it queues. */
static void the_queue_when_it_is_sooner(void **unused)
{
	struct bwm_flow f = { .clock_ns = 1000 * MS + 100 * US };
	struct sparse_budget pod = {};
	uint64_t now = 1000 * MS;

	assert_false(sparse_admit(&f, &pod, now, now + 100 * US, 100, QUANTUM, rate));
	assert_int_equal(sparse_admit(&f, &pod, now, now + 101 * US, 100, QUANTUM, rate),
			 now + 100 * US);
}

/* The pod's budget, one packet at a time: its clock, the time, the packet,
 * whether it is taken and the clock after. 100 Mbit/s, quantum 3028 B
 * (242.24 us at the pod's rate): the burst allows the clock up to
 * SPARSE_POD_BURST quanta x SPARSE_POD_SHARE (2906.88 us) ahead of now; each
 * packet moves it by SPARSE_POD_SHARE x its own time (1500 B: 3 x 120 us). */
#define BUDGET_BURST (SPARSE_POD_BURST * SPARSE_POD_SHARE * 242240ULL)
#define BUDGET_COST(us) (SPARSE_POD_SHARE * (us) * US)
static void pod_budget_table(void **unused)
{
	static const struct {
		uint64_t clock, now;
		uint32_t wire_len;
		int taken;
		uint64_t clock_after;
	} cases[] = {
		/* idle budget: from now */
		{ 0, 1000 * MS, 1500, 1, 1000 * MS + BUDGET_COST(120) },
		{ 999 * MS, 1000 * MS, 100, 1, 1000 * MS + BUDGET_COST(8) },
		/* ahead of now, within the burst: from the clock */
		{ 1000 * MS + BUDGET_BURST, 1000 * MS, 1500, 1,
		  1000 * MS + BUDGET_BURST + BUDGET_COST(120) },
		/* one nanosecond beyond the burst */
		{ 1000 * MS + BUDGET_BURST + 1, 1000 * MS, 100, 0, 1000 * MS + BUDGET_BURST + 1 },
		{ 2000 * MS, 1000 * MS, 64, 0, 2000 * MS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sparse_budget b = { .clock_ns = cases[i].clock };

		assert_int_equal(sparse_budget_take(&b, cases[i].now, cases[i].wire_len, QUANTUM, rate),
				 cases[i].taken);
		assert_int_equal(b.clock_ns, cases[i].clock_after);
	}
}

/* Flows each well under their own share, together far over the pod's: the
 * pod's budget holds all of them to 1/SPARSE_POD_SHARE of its rate, plus the
 * burst.
 * 64 flows, each a 1000-byte packet every 2 ms (4 Mbit/s, 1/25 of the
 * pod), 256 Mbit/s in all, for 1 s. */
static void many_flows_share_the_pod_budget(void **unused)
{
	struct bwm_flow flows[64] = {};
	struct sparse_budget pod = {};
	uint64_t start = 1000 * MS, bytes = 0;

	for (uint64_t t = 0; t < 1000 * MS; t += 2 * MS)
		for (int i = 0; i < 64; i++)
			if (sparse_admit(&flows[i], &pod, start + t + i * 31 * US,
					 start + t + i * 31 * US + QUEUE, 1000, QUANTUM, rate))
				bytes += 1000;
	/* That share of the rate over 1 s, give or take one packet, plus the
	 * burst. */
	assert_in_range(bytes, rate / SPARSE_POD_SHARE - 1000,
			rate / SPARSE_POD_SHARE + SPARSE_POD_BURST * QUANTUM + 1000);
}

/* A flow that is within its own share but finds the pod's budget spent is
 * not charged for it: it may skip the queue as soon as the budget allows. */
static void a_flow_refused_by_the_pod_is_not_charged(void **unused)
{
	struct bwm_flow f = {};
	struct sparse_budget spent = { .clock_ns = 2000 * MS };
	uint64_t now = 1000 * MS;

	assert_false(sparse_admit(&f, &spent, now, now + QUEUE, 100, QUANTUM, rate));
	assert_int_equal(f.clock_ns, 0);
	assert_int_equal(sparse_flow_slot(&f, now, 100, QUANTUM, rate), now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sparse_flow_skips_the_queue),
		cmocka_unit_test(a_flow_over_its_share_is_paced_at_it),
		cmocka_unit_test(bulk_and_large_packets_wait),
		cmocka_unit_test(the_queue_when_it_is_sooner),
		cmocka_unit_test(pod_budget_table),
		cmocka_unit_test(many_flows_share_the_pod_budget),
		cmocka_unit_test(a_flow_refused_by_the_pod_is_not_charged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
