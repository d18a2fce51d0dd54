// SPDX-License-Identifier: GPL-2.0-only
/* The pure half of bwm/bigtcp.c: what to write (caps) and in which order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/if_link.h>

#include "bigtcp.h"

/* A veth on 6.18: legacy sizes, tso_max_size 524280, IPv4 sizes known. */
static const struct bigtcp_sizes veth_6_18 = {
	.gso_max = 65536, .gro_max = 65536, .gso_ipv4_max = 65536, .gro_ipv4_max = 65536,
	.tso_max = 524280, .has_ipv4 = true,
};

/*
 * The kernel's side of one RTM_NEWLINK, as do_setlink() in
 * net/core/rtnetlink.c and netif_set_gso_max_size()/netif_set_gro_max_size()
 * in net/core/dev.h do it: an IPv6 size at or below 64 KiB is copied into
 * the IPv4 one.
 */
static void kernel_setlink(struct bigtcp_sizes *dev, const struct bigtcp_step *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		uint32_t v = s->value[i];

		switch (s->attr[i]) {
		case IFLA_GSO_MAX_SIZE:
			dev->gso_max = v;
			if (v <= 65536)
				dev->gso_ipv4_max = v;
			break;
		case IFLA_GRO_MAX_SIZE:
			dev->gro_max = v;
			if (v <= 65536)
				dev->gro_ipv4_max = v;
			break;
		case BIGTCP_IFLA_GSO_IPV4_MAX_SIZE:
			dev->gso_ipv4_max = v;
			break;
		case BIGTCP_IFLA_GRO_IPV4_MAX_SIZE:
			dev->gro_ipv4_max = v;
			break;
		default:
			fail_msg("unexpected attribute %u", s->attr[i]);
		}
	}
}

static void assert_sizes_equal(const struct bigtcp_sizes *a, const struct bigtcp_sizes *b)
{
	assert_int_equal(a->gso_max, b->gso_max);
	assert_int_equal(a->gro_max, b->gro_max);
	assert_int_equal(a->gso_ipv4_max, b->gso_ipv4_max);
	assert_int_equal(a->gro_ipv4_max, b->gro_ipv4_max);
}

static void plan_sets_all_four_when_below_the_caps(void **state)
{
	struct bigtcp_sizes t;

	assert_int_equal(bigtcp_plan(&veth_6_18, 196608, &t), 0);
	assert_int_equal(t.gso_max, 196608);
	assert_int_equal(t.gro_max, 196608);
	assert_int_equal(t.gso_ipv4_max, 196608);
	assert_int_equal(t.gro_ipv4_max, 196608);
	assert_int_equal(t.tso_max, 524280);
	assert_true(t.has_ipv4);
}

static void plan_caps_gso_at_tso_max_size(void **state)
{
	/* A bridge or tap: tso_max_size 65536. GRO is a receive-side limit
	 * that tso_max_size does not bound. */
	struct bigtcp_sizes cur = veth_6_18, t;

	cur.tso_max = 65536;
	assert_int_equal(bigtcp_plan(&cur, 196608, &t), BIGTCP_CAPPED_GSO);
	assert_int_equal(t.gso_max, 65536);
	assert_int_equal(t.gso_ipv4_max, 65536);
	assert_int_equal(t.gro_max, 196608);
	assert_int_equal(t.gro_ipv4_max, 196608);
	assert_false(bigtcp_supported(&cur));
}

static void plan_caps_gro_at_gro_max_size(void **state)
{
	struct bigtcp_sizes t;

	assert_int_equal(bigtcp_plan(&veth_6_18, 600000, &t), BIGTCP_CAPPED_GSO | BIGTCP_CAPPED_GRO);
	assert_int_equal(t.gso_max, 524280);
	assert_int_equal(t.gro_max, BIGTCP_GRO_MAX_SIZE);
	assert_int_equal(t.gro_ipv4_max, BIGTCP_GRO_MAX_SIZE);
}

static void plan_without_ipv4_sizes_leaves_them_out(void **state)
{
	/* 6.1: IPv6 sizes only. */
	struct bigtcp_sizes cur = veth_6_18, t;
	struct bigtcp_step steps[BIGTCP_MAX_STEPS];

	cur.has_ipv4 = false;
	cur.gso_ipv4_max = cur.gro_ipv4_max = 0;
	assert_int_equal(bigtcp_plan(&cur, 196608, &t), 0);
	assert_int_equal(t.gso_max, 196608);
	assert_int_equal(t.gro_max, 196608);
	assert_false(t.has_ipv4);
	assert_int_equal(bigtcp_steps(&t, steps), 1);
	assert_int_equal(steps[0].n, 2);
	assert_int_equal(steps[0].attr[0], IFLA_GSO_MAX_SIZE);
	assert_int_equal(steps[0].attr[1], IFLA_GRO_MAX_SIZE);
}

static void plan_before_5_19_stays_at_64k(void **state)
{
	/* No IFLA_TSO_MAX_SIZE, and no IFLA_GRO_MAX_SIZE either (before 5.16). */
	struct bigtcp_sizes cur = { .gso_max = 65536 }, t;
	struct bigtcp_step steps[BIGTCP_MAX_STEPS];

	assert_false(bigtcp_supported(&cur));
	assert_int_equal(bigtcp_plan(&cur, 196608, &t), BIGTCP_CAPPED_GSO);
	assert_int_equal(t.gso_max, 65536);
	assert_int_equal(t.gro_max, 0);
	assert_int_equal(bigtcp_steps(&t, steps), 1);
	assert_int_equal(steps[0].n, 1);
	assert_int_equal(steps[0].attr[0], IFLA_GSO_MAX_SIZE);
}

static void steps_put_ipv6_before_ipv4(void **state)
{
	struct bigtcp_sizes t;
	struct bigtcp_step steps[BIGTCP_MAX_STEPS];

	bigtcp_plan(&veth_6_18, 196608, &t);
	assert_int_equal(bigtcp_steps(&t, steps), 2);
	assert_int_equal(steps[0].attr[0], IFLA_GSO_MAX_SIZE);
	assert_int_equal(steps[0].attr[1], IFLA_GRO_MAX_SIZE);
	assert_int_equal(steps[1].attr[0], BIGTCP_IFLA_GSO_IPV4_MAX_SIZE);
	assert_int_equal(steps[1].attr[1], BIGTCP_IFLA_GRO_IPV4_MAX_SIZE);
	assert_int_equal(steps[1].value[0], 196608);
}

/* Every transition between these ends where the steps say, in the model of
 * the kernel, including the one that needs the order: back to IPv6 64 KiB
 * with IPv4 left big (someone had set IPv4 BIG TCP only). */
static void steps_reach_every_target(void **state)
{
	static const struct bigtcp_sizes ends[] = {
		{ 65536, 65536, 65536, 65536, 524280, true },
		{ 196608, 196608, 196608, 196608, 524280, true },
		{ 65536, 65536, 196608, 196608, 524280, true },
		{ 196608, 196608, 65536, 65536, 524280, true },
		{ 524280, 524280, 131072, 131072, 524280, true },
	};

	for (size_t from = 0; from < sizeof(ends) / sizeof(ends[0]); from++)
		for (size_t to = 0; to < sizeof(ends) / sizeof(ends[0]); to++) {
			struct bigtcp_sizes dev = ends[from];
			struct bigtcp_step steps[BIGTCP_MAX_STEPS];
			unsigned n = bigtcp_steps(&ends[to], steps);

			for (unsigned i = 0; i < n; i++)
				kernel_setlink(&dev, &steps[i]);
			assert_sizes_equal(&dev, &ends[to]);
		}
}

static void reversed_order_would_lose_ipv4(void **state)
{
	/* The reason for the order, shown on the model: IPv4 first, then an
	 * IPv6 size of 64 KiB overwrites the IPv4 size just written. */
	const struct bigtcp_sizes from = { 196608, 196608, 196608, 196608, 524280, true };
	const struct bigtcp_sizes to = { 65536, 65536, 196608, 196608, 524280, true };
	struct bigtcp_sizes dev = from;
	struct bigtcp_step steps[BIGTCP_MAX_STEPS];

	assert_int_equal(bigtcp_steps(&to, steps), 2);
	kernel_setlink(&dev, &steps[1]);
	kernel_setlink(&dev, &steps[0]);
	assert_int_equal(dev.gso_ipv4_max, 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_sets_all_four_when_below_the_caps),
		cmocka_unit_test(plan_caps_gso_at_tso_max_size),
		cmocka_unit_test(plan_caps_gro_at_gro_max_size),
		cmocka_unit_test(plan_without_ipv4_sizes_leaves_them_out),
		cmocka_unit_test(plan_before_5_19_stays_at_64k),
		cmocka_unit_test(steps_put_ipv6_before_ipv4),
		cmocka_unit_test(steps_reach_every_target),
		cmocka_unit_test(reversed_order_would_lose_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
