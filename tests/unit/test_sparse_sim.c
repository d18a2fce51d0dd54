// SPDX-License-Identifier: GPL-2.0-only
/*
 * Issue 12's case, simulated with the datapath's own headers (edt.h,
 * horizon.h, sparse.h), composed as bpf/bwm.bpf.c's pace_pod() composes
 * them (CoDel off, as in the issue): a 10 Mbit/s pod, 100 ms horizon; 16
 * flows each sending 1000-byte packets just under their own sparse share
 * (1/SPARSE_SHARE of the pod's rate) and one bulk flow offering twice the pod's rate
 * in full-size frames, for 10 s.
 *
 * Run without the pod's sparse budget (the rule before issue 12) and with
 * it, it prints both; it asserts what the budget promises (sparse.h): the
 * sparse flows send at most 1/SPARSE_POD_SHARE of the rate ahead of the queue, the
 * bulk flow keeps more than a third of its fair share, and over any window
 * the pod sends no more than its rate plus the documented burst.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "edt.h"
#include "horizon.h"
#include "sparse.h"

#define MS 1000000ULL
#define US 1000ULL
#define RATE 1250000ULL              /* 10 Mbit/s */
#define HORIZON (100 * MS)
#define FQ_HORIZON (10000 * MS)
#define QUANTUM 3028
#define DURATION (10000 * MS)
#define N_SPARSE 16
#define SPARSE_LEN 1000
/* Each sparse flow's own budget: SPARSE_SHARE x 800 us per 1000-byte
 * packet; a packet every 65/64 of that is just under it (with a share of
 * 1/3, every 2.44 ms: 0.328 of the pod's rate). */
#define SPARSE_PERIOD (SPARSE_SHARE * 800 * US * 65 / 64)
#define BULK_LEN 1514
#define BULK_PERIOD (BULK_LEN * 1000000000ULL / (2 * RATE))
#define MAX_DEPARTURES 200000

struct departure {
	uint64_t t;
	uint32_t bytes;
};

struct sim_result {
	uint64_t sparse_bytes, bulk_bytes, bypass_bytes;
	uint64_t bulk_offered, bulk_dropped;
	uint64_t max_lead_ns;            /* the pod's clock ahead of now, at most */
	uint64_t window_ns[3], window_max_bytes[3];
	size_t n;
	struct departure *departures;
};

struct pod {
	__u64 clock;
	__u32 big;
	struct sparse_budget budget;
	struct bwm_flow flows[N_SPARSE + 1];
};

/* When the packet leaves ahead of the queue (0: it queues), whose
 * departure for it would be queue_departure: with the pod's budget (now)
 * or by its own flow's budget alone (before issue 12). */
static uint64_t skip_queue(struct pod *pod, struct bwm_flow *flow, uint64_t now,
			   uint64_t queue_departure, uint32_t len, int with_budget)
{
	uint64_t at;

	if (with_budget)
		return sparse_admit(flow, &pod->budget, now, queue_departure, len, QUANTUM, RATE);
	at = sparse_flow_slot(flow, now, len, QUANTUM, RATE);
	if (!at || at >= queue_departure)
		return 0;
	sparse_flow_charge(flow, at, len, RATE);
	return at;
}

/* One packet through pace_pod()'s steps; returns its departure time, or 0
 * if dropped. *bypassed tells whether it skipped the queue. */
static uint64_t pace(struct pod *pod, int f, uint64_t now, uint32_t len, int with_budget,
		     int *bypassed)
{
	uint64_t seen = pod->clock, big_tx, horizon, departure, at = 0;
	struct bwm_flow *flow = NULL;
	struct edt_result r;

	*bypassed = 0;
	big_tx = edt_tx_time_ns(horizon_big_packet(&pod->big, len, seen <= now), RATE);
	horizon = horizon_floored(HORIZON, FQ_HORIZON, big_tx);
	r = edt_schedule(now, 0, seen, len, RATE, 2 * horizon);
	if (r.verdict == EDT_DROP_HORIZON)
		return 0;
	if (r.verdict == EDT_DELAY)
		flow = &pod->flows[f];
	if (flow)
		at = skip_queue(pod, flow, now, r.departure_ns, len, with_budget);
	if (at) {
		edt_charge(&pod->clock, r.tx_ns);
		*bypassed = 1;
		return at;
	}
	if (r.verdict == EDT_DELAY && r.departure_ns - now >= horizon)
		return 0;
	departure = edt_commit(&pod->clock, seen, &r);
	if (departure && flow)
		sparse_queued(flow, departure);
	return departure ? departure : now;
}

static int compare_departures(const void *a, const void *b)
{
	const struct departure *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

/* The most bytes that leave within any window of the given length. */
static uint64_t max_in_window(const struct departure *d, size_t n, uint64_t window)
{
	uint64_t in = 0, most = 0;
	size_t first = 0;

	for (size_t i = 0; i < n; i++) {
		in += d[i].bytes;
		while (d[i].t - d[first].t >= window)
			in -= d[first++].bytes;
		if (in > most)
			most = in;
	}
	return most;
}

static void simulate(int with_budget, struct sim_result *res)
{
	static const uint64_t windows[3] = { 10 * MS, 100 * MS, 1000 * MS };
	uint64_t next[N_SPARSE + 1];
	struct pod pod = {};

	*res = (struct sim_result) { .departures = calloc(MAX_DEPARTURES, sizeof(struct departure)) };
	assert_non_null(res->departures);
	for (int f = 0; f < N_SPARSE; f++)
		next[f] = 1000 * MS + f * (SPARSE_PERIOD / N_SPARSE);
	next[N_SPARSE] = 1000 * MS;

	for (;;) {
		int f = 0, bypassed;
		uint64_t now, departure;
		uint32_t len;

		for (int i = 1; i <= N_SPARSE; i++)
			if (next[i] < next[f])
				f = i;
		now = next[f];
		if (now >= 1000 * MS + DURATION)
			break;
		len = f == N_SPARSE ? BULK_LEN : SPARSE_LEN;
		next[f] += f == N_SPARSE ? BULK_PERIOD : SPARSE_PERIOD;

		departure = pace(&pod, f, now, len, with_budget, &bypassed);
		if (f == N_SPARSE)
			res->bulk_offered++;
		if (pod.clock > now && pod.clock - now > res->max_lead_ns)
			res->max_lead_ns = pod.clock - now;
		if (!departure) {
			res->bulk_dropped += f == N_SPARSE;
			continue;
		}
		if (departure >= 1000 * MS + DURATION)
			continue;   /* leaves after the run */
		*(f == N_SPARSE ? &res->bulk_bytes : &res->sparse_bytes) += len;
		res->bypass_bytes += bypassed ? len : 0;
		assert_true(res->n < MAX_DEPARTURES);
		res->departures[res->n++] = (struct departure) { .t = departure, .bytes = len };
	}
	qsort(res->departures, res->n, sizeof(*res->departures), compare_departures);
	for (int w = 0; w < 3; w++) {
		res->window_ns[w] = windows[w];
		res->window_max_bytes[w] = max_in_window(res->departures, res->n, windows[w]);
	}
	free(res->departures);
}

static double mbit_s(uint64_t bytes)
{
	return (double)bytes * 8 / ((double)DURATION / 1e9) / 1e6;
}

static void print_result(const char *label, const struct sim_result *r)
{
	printf("# %-18s sparse %.2f Mbit/s (%.2f ahead of the queue), bulk %.2f Mbit/s "
	       "(%.1f%% dropped), clock up to %.0f ms ahead; most in 10/100/1000 ms: "
	       "%.0f%%/%.0f%%/%.0f%% of the rate\n", label, mbit_s(r->sparse_bytes),
	       mbit_s(r->bypass_bytes), mbit_s(r->bulk_bytes),
	       100.0 * (double)r->bulk_dropped / (double)r->bulk_offered, (double)r->max_lead_ns / 1e6,
	       100.0 * (double)r->window_max_bytes[0] / (RATE * r->window_ns[0] / 1e9),
	       100.0 * (double)r->window_max_bytes[1] / (RATE * r->window_ns[1] / 1e9),
	       100.0 * (double)r->window_max_bytes[2] / (RATE * r->window_ns[2] / 1e9));
}

static void sixteen_sparse_flows_beside_a_bulk_one(void **unused)
{
	const uint64_t fair = RATE * (DURATION / MS) / 1000 / (N_SPARSE + 1);
	struct sim_result before, after;

	simulate(0, &before);
	simulate(1, &after);
	print_result("flow budget only:", &before);
	print_result("with pod budget:", &after);

	/* Before: the sparse flows took the pod over. */
	assert_true(before.bulk_bytes < fair / 3);
	/* After: at most 1/SPARSE_POD_SHARE of the rate ahead of the queue, plus the
	 * burst and the packet that takes the budget past it; the bulk flow
	 * more than a third of its fair share. */
	assert_true(after.bypass_bytes <= RATE * (DURATION / MS) / 1000 / SPARSE_POD_SHARE +
					  SPARSE_POD_BURST * QUANTUM + SPARSE_LEN);
	assert_true(after.bulk_bytes >= fair / 3);
	/* The pod's rate holds: over any window, rate x window plus what the
	 * sparse flows sent ahead of the queue (rate x window / SPARSE_POD_SHARE +
	 * the burst),
	 * plus one packet that straddles the window's edge. */
	for (int w = 0; w < 3; w++) {
		uint64_t at_rate = RATE * after.window_ns[w] / 1000000000ULL;

		assert_true(after.window_max_bytes[w] <= at_rate + at_rate / SPARSE_POD_SHARE +
							 SPARSE_POD_BURST * QUANTUM + BULK_LEN);
	}
	/* Over the whole run, within 1% of the rate. */
	assert_in_range(after.sparse_bytes + after.bulk_bytes, RATE * 99 / 100 * (DURATION / MS) / 1000,
			RATE * 101 / 100 * (DURATION / MS) / 1000);
	assert_true(after.max_lead_ns < 2 * HORIZON);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sixteen_sparse_flows_beside_a_bulk_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
