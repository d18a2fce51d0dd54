// SPDX-License-Identifier: GPL-2.0-only
/* The EDT step that the datapath runs, tested here as plain C. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "edt.h"

#define MS 1000000ULL
#define KBIT_S 125ULL                 /* 1 kbit/s in bytes/s */
#define PBIT_S 125000000000000ULL     /* 1 Pbit/s in bytes/s */
#define BIG_TCP_MAX (512U * 1024)

static void tx_time_is_exact_at_round_rates(void **state)
{
	/* 1500 bytes at 100 Mbit/s (12.5 MB/s) take 120 us. */
	assert_int_equal(edt_tx_time_ns(1500, 12500000), 120000);
	/* 1 byte at 1 Pbit/s is shorter than a nanosecond. */
	assert_int_equal(edt_tx_time_ns(1, PBIT_S), 0);
}

static void tx_time_does_not_overflow_at_extremes(void **state)
{
	/* 512 KiB at 1 kbit/s: 4194.304 s, exactly. */
	assert_int_equal(edt_tx_time_ns(BIG_TCP_MAX, KBIT_S), 4194304000000ULL);
	/* The largest wire_len the kernel can report, at the slowest rate. */
	assert_int_equal(edt_tx_time_ns(UINT32_MAX, KBIT_S),
			 (uint64_t)UINT32_MAX * 1000000000ULL / KBIT_S);
	/* 512 KiB at 1 Pbit/s: 4.19 ns. */
	assert_int_equal(edt_tx_time_ns(BIG_TCP_MAX, PBIT_S), 4);
	/* Rate 0 never divides by zero. */
	assert_int_equal(edt_tx_time_ns(1, 0), 1000000000ULL);
}

static void first_packet_after_idle_goes_now(void **state)
{
	struct edt_result r = edt_schedule(1000 * MS, 0, 0, 1500, 12500000, 100 * MS);

	assert_int_equal(r.verdict, EDT_SEND_NOW);
	assert_int_equal(r.t_last_ns, 1000 * MS);
}

static void back_to_back_packets_are_spaced_by_their_wire_time(void **state)
{
	uint64_t now = 1000 * MS, t_last = 0;

	/* 10 packets of 1500 B at the same instant, 100 Mbit/s: each leaves
	 * 120 us after the previous one. */
	for (int i = 0; i < 10; i++) {
		struct edt_result r = edt_schedule(now, 0, t_last, 1500, 12500000, 100 * MS);

		if (i == 0) {
			assert_int_equal(r.verdict, EDT_SEND_NOW);
		} else {
			assert_int_equal(r.verdict, EDT_DELAY);
			assert_int_equal(r.departure_ns, now + i * 120000ULL);
		}
		t_last = r.t_last_ns;
	}
}

static void packet_beyond_horizon_drops_and_keeps_clock(void **state)
{
	uint64_t now = 1000 * MS;
	uint64_t t_last = now + 99 * MS;
	/* 1500 B at 1 Mbit/s take 12 ms: 99 + 12 > 100 ms horizon. */
	struct edt_result r = edt_schedule(now, 0, t_last, 1500, 125000, 100 * MS);

	assert_int_equal(r.verdict, EDT_DROP_HORIZON);
	assert_int_equal(r.t_last_ns, t_last);
}

static void tcp_pacing_time_is_respected(void **state)
{
	uint64_t now = 1000 * MS;
	/* TCP (fq pacing, BBR) already asked for a departure 5 ms out, later
	 * than the pod's clock would: the packet keeps it. */
	struct edt_result r = edt_schedule(now, now + 5 * MS, now, 1500, 12500000, 100 * MS);

	assert_int_equal(r.verdict, EDT_SEND_NOW);
	assert_int_equal(r.t_last_ns, now + 5 * MS);
}

static void nonsense_tstamp_is_ignored(void **state)
{
	uint64_t now = 1000 * MS;
	/* A wall-clock receive timestamp (decades ahead of CLOCK_MONOTONIC). */
	struct edt_result r = edt_schedule(now, 1700000000ULL * 1000000000ULL, 0, 1500,
					   12500000, 100 * MS);

	assert_int_equal(r.verdict, EDT_SEND_NOW);
	assert_int_equal(r.t_last_ns, now);
}

static void clock_saturates_instead_of_wrapping(void **state)
{
	struct edt_result r = edt_schedule(1000, 0, UINT64_MAX - 10, UINT32_MAX, KBIT_S, 100 * MS);

	assert_int_equal(r.verdict, EDT_DROP_HORIZON);
}

static void wait_excludes_the_packets_own_wire_time(void **state)
{
	uint64_t now = 1000 * MS;
	/* 10 Mbit/s: a 64 KB packet takes 52.4 ms; 3 ms of queue ahead of it. */
	struct edt_result r = edt_schedule(now, 0, now + 3 * MS, 65536, 1250000, 1000 * MS);

	assert_int_equal(r.verdict, EDT_DELAY);
	assert_int_equal(r.tx_ns, 52428800);
	assert_int_equal(edt_wait_ns(&r, now), 3 * MS);
	/* Leaving now: no wait. */
	r = edt_schedule(now, 0, 0, 65536, 1250000, 1000 * MS);
	assert_int_equal(edt_wait_ns(&r, now), 0);
}

static void long_run_holds_the_rate(void **state)
{
	/* 1 s of saturating 64 KB GSO packets at 1 Gbit/s: the clock advances
	 * by exactly bytes / rate. */
	uint64_t now = 5000 * MS, t_last = now, bytes = 0;
	const uint64_t rate = 125000000;

	while (t_last < now + 1000 * MS) {
		struct edt_result r = edt_schedule(now, 0, t_last, 65536, rate, 2000 * MS);

		assert_int_not_equal(r.verdict, EDT_DROP_HORIZON);
		t_last = r.t_last_ns;
		bytes += 65536;
	}
	/* Within one packet of 125 MB. */
	assert_true(bytes >= rate && bytes <= rate + 65536);
}

static void commit_of_a_backlogged_packet_adds_its_time(void **state)
{
	uint64_t now = 1000 * MS;
	__u64 clock = now + 3 * MS;
	struct edt_result r = edt_schedule(now, 0, clock, 1500, 12500000, 100 * MS);

	/* Another CPU added a packet since the schedule read the clock: this
	 * one leaves after it, not at the time predicted. */
	clock += 120000;
	assert_int_equal(edt_commit(&clock, now + 3 * MS, &r), now + 3 * MS + 240000);
	assert_int_equal(clock, now + 3 * MS + 240000);
}

static void commit_after_idle_sets_the_clock_or_queues(void **state)
{
	uint64_t now = 1000 * MS, seen = 10 * MS;
	__u64 clock = seen;
	struct edt_result r = edt_schedule(now, 0, seen, 1500, 12500000, 100 * MS);

	assert_int_equal(r.verdict, EDT_SEND_NOW);
	assert_int_equal(edt_commit(&clock, seen, &r), 0);
	assert_int_equal(clock, now);

	/* Another CPU's idle packet moved the clock to now first: this packet
	 * queues behind it instead of moving the clock back or over it. */
	clock = now;
	assert_int_equal(edt_commit(&clock, seen, &r), now + 120000);
	assert_int_equal(clock, now + 120000);

	/* The other CPU's move was long ago: the packet still leaves now. */
	clock = now - 5 * MS;
	assert_int_equal(edt_commit(&clock, seen, &r), 0);
	assert_int_equal(clock, now - 5 * MS + 120000);
}

/* Two threads commit backlogged packets to one clock as two CPUs would:
 * not one charge is lost (a plain load and store loses many here). */
#define THREAD_PACKETS 1000000
static __u64 shared_clock;

static void *commit_packets(void *unused)
{
	for (int i = 0; i < THREAD_PACKETS; i++) {
		uint64_t seen = BWM_READ_ONCE(shared_clock);
		struct edt_result r = edt_schedule(1, 0, seen, 1500, 12500000, UINT64_MAX);

		edt_commit(&shared_clock, seen, &r);
	}
	return NULL;
}

static void concurrent_commits_lose_no_charge(void **state)
{
	pthread_t threads[2];

	shared_clock = 1000 * MS;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, commit_packets, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	assert_int_equal(shared_clock, 1000 * MS + 2ULL * THREAD_PACKETS * 120000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tx_time_is_exact_at_round_rates),
		cmocka_unit_test(tx_time_does_not_overflow_at_extremes),
		cmocka_unit_test(first_packet_after_idle_goes_now),
		cmocka_unit_test(back_to_back_packets_are_spaced_by_their_wire_time),
		cmocka_unit_test(packet_beyond_horizon_drops_and_keeps_clock),
		cmocka_unit_test(tcp_pacing_time_is_respected),
		cmocka_unit_test(nonsense_tstamp_is_ignored),
		cmocka_unit_test(clock_saturates_instead_of_wrapping),
		cmocka_unit_test(wait_excludes_the_packets_own_wire_time),
		cmocka_unit_test(long_run_holds_the_rate),
		cmocka_unit_test(commit_of_a_backlogged_packet_adds_its_time),
		cmocka_unit_test(commit_after_idle_sets_the_clock_or_queues),
		cmocka_unit_test(concurrent_commits_lose_no_charge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
