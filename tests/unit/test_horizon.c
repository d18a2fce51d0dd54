// SPDX-License-Identifier: GPL-2.0-only
/* The pod's horizon, floored at its largest packets, as the datapath runs it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "horizon.h"

#define MS 1000000ULL
#define MBIT_S(x) ((x) * 125000ULL)
#define FQ_HORIZON (10000 * MS)

/* The horizon a packet of the pod's largest size sees, at the rates and
 * sizes of issue 12: 100 ms configured, fq's 10 s horizon as the cap. */
static void horizon_is_floored_at_four_packets(void **unused)
{
	static const struct {
		uint32_t big;
		uint64_t rate, want;
	} cases[] = {
		/* 1514 B at 100 Mbit/s: 121 us; the horizon as configured */
		{ 1514, MBIT_S(100), 100 * MS },
		/* 64 KB at 100 Mbit/s: 4 x 5.24 ms is below 100 ms */
		{ 65536, MBIT_S(100), 100 * MS },
		/* 64 KB at 4 Mbit/s: 131 ms each */
		{ 65536, MBIT_S(4), 4 * 131072000ULL },
		/* 192 KB (BIG TCP) at 10 Mbit/s: 157 ms each */
		{ 196608, MBIT_S(10), 4 * 157286400ULL },
		/* 64 KB at 1 Mbit/s: 524 ms each */
		{ 65536, MBIT_S(1), 4 * 524288000ULL },
		/* 192 KB at 1 Mbit/s: 1.57 s each, 6.3 s */
		{ 196608, MBIT_S(1), 4 * 1572864000ULL },
		/* 64 KB at 100 kbit/s: 5.2 s each; fq would drop beyond 10 s */
		{ 65536, MBIT_S(1) / 10, FQ_HORIZON },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(horizon_floored(100 * MS, FQ_HORIZON,
						 edt_tx_time_ns(cases[i].big, cases[i].rate)),
				 cases[i].want);
	/* No cap: no floor (tests, and limits from before the floor). */
	assert_int_equal(horizon_floored(100 * MS, 0, edt_tx_time_ns(65536, MBIT_S(1))), 100 * MS);
	/* A configured horizon above the floor stays. */
	assert_int_equal(horizon_floored(60000 * MS, FQ_HORIZON, edt_tx_time_ns(65536, MBIT_S(1))),
			 60000 * MS);
}

/* The largest packet since the queue was last empty: it only grows while
 * the queue is busy, and starts again from the packet that finds it empty. */
static void largest_packet_is_remembered_while_busy(void **unused)
{
	static const struct {
		uint32_t wire_len;
		int queue_empty;
		uint32_t want;
	} steps[] = {
		{ 1514, 1, 1514 },
		{ 65536, 0, 65536 },
		{ 1514, 0, 65536 },    /* small packets behind a big one */
		{ 196608, 0, 196608 },
		{ 65536, 0, 196608 },
		{ 100, 1, 100 },       /* idle: forgotten */
		{ 1514, 0, 1514 },
	};
	uint32_t big = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(horizon_big_packet(&big, steps[i].wire_len, steps[i].queue_empty),
				 steps[i].want);
		assert_int_equal(big, steps[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(horizon_is_floored_at_four_packets),
		cmocka_unit_test(largest_packet_is_remembered_while_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
