// SPDX-License-Identifier: GPL-2.0-only
/* The reconcile diff: what the pods directory wants against what the maps hold. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "reconcile.h"

struct op {
	enum reconcile_op op;
	const char *name;
};

struct ops {
	struct op list[16];
	size_t n;
};

static int record(enum reconcile_op op, const struct reconcile_want *want,
		  const struct reconcile_have *have, void *userdata)
{
	struct ops *ops = userdata;

	ops->list[ops->n++] = (struct op) { op, want ? want->name : have->name };
	return 0;
}

static struct reconcile_want want(const char *name, uint64_t rate, uint32_t ifindex)
{
	struct reconcile_want w = { .name = name, .enforceable = true,
				    .meta = { .ifindex = ifindex },
				    .limit = { .rate_bytes_per_sec = rate, .horizon_ns = 100 } };

	snprintf(w.meta.name, sizeof(w.meta.name), "%s", name);
	return w;
}

static struct reconcile_have have(const char *name, uint32_t id, uint64_t rate, uint32_t ifindex)
{
	struct reconcile_want w = want(name, rate, ifindex);

	return (struct reconcile_have) { .name = name, .id = id, .meta = w.meta, .limit = w.limit };
}

static void assert_ops(const struct ops *ops, const struct op *expected, size_t n)
{
	assert_int_equal(ops->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ops->list[i].op, expected[i].op);
		assert_string_equal(ops->list[i].name, expected[i].name);
	}
}

static void nothing_to_do_when_maps_match(void **unused)
{
	struct reconcile_want w[] = { want("a", 1000, 5), want("b", 2000, 6) };
	struct reconcile_have h[] = { have("a", 1, 1000, 5), have("b", 2, 2000, 6) };
	struct ops ops = {};

	assert_int_equal(reconcile_diff(w, 2, h, 2, record, &ops), 0);
	assert_int_equal(ops.n, 0);
}

static void adds_updates_and_removes_in_name_order(void **unused)
{
	struct reconcile_want w[] = {
		want("a", 1000, 5),    /* unchanged */
		want("b", 4000, 6),    /* new limit */
		want("c", 3000, 7),    /* new pod */
		want("e", 1000, 9),    /* interface changed */
	};
	struct reconcile_have h[] = {
		have("a", 1, 1000, 5),
		have("b", 2, 2000, 6),
		have("d", 3, 1000, 8),   /* file gone */
		have("e", 4, 1000, 10),
	};
	const struct op expected[] = {
		{ RECONCILE_UPDATE, "b" }, { RECONCILE_ADD, "c" }, { RECONCILE_REMOVE, "d" },
		{ RECONCILE_UPDATE, "e" },
	};
	struct ops ops = {};

	assert_int_equal(reconcile_diff(w, 4, h, 4, record, &ops), 0);
	assert_ops(&ops, expected, 4);
}

static void pending_pods_leave_the_maps_and_stay_out(void **unused)
{
	struct reconcile_want w[] = { want("a", 1000, 5), want("b", 1000, 6) };
	struct reconcile_have h[] = { have("a", 1, 1000, 5), have("b", 0, 1000, 6) };
	const struct op expected[] = { { RECONCILE_REMOVE, "a" } };
	struct ops ops = {};

	/* a's interface went away; b was pending and still is. */
	w[0].enforceable = false;
	w[1].enforceable = false;
	assert_int_equal(reconcile_diff(w, 2, h, 2, record, &ops), 0);
	assert_ops(&ops, expected, 1);
}

static void known_pod_not_in_the_maps_is_added(void **unused)
{
	struct reconcile_want w[] = { want("a", 1000, 5) };
	struct reconcile_have h[] = { have("a", 0, 1000, 5) };   /* was pending */
	const struct op expected[] = { { RECONCILE_ADD, "a" } };
	struct ops ops = {};

	assert_int_equal(reconcile_diff(w, 1, h, 1, record, &ops), 0);
	assert_ops(&ops, expected, 1);
}

static void any_limit_field_counts_as_a_change(void **unused)
{
	struct reconcile_want w = want("a", 1000, 5);
	struct reconcile_have h = have("a", 1, 1000, 5);

	assert_true(reconcile_same(&w, &h));
	w.limit.aqm_target_ns = 2000000;
	assert_false(reconcile_same(&w, &h));
	w = want("a", 1000, 5);
	w.limit.flags = BWM_LIMIT_ECN;
	assert_false(reconcile_same(&w, &h));
	w = want("a", 1000, 5);
	w.meta.naddrs = 1;
	w.meta.addrs[0].addr[15] = 7;
	assert_false(reconcile_same(&w, &h));
}

static void empty_sides(void **unused)
{
	struct reconcile_want w[] = { want("a", 1000, 5) };
	struct reconcile_have h[] = { have("z", 9, 1000, 5) };
	const struct op add[] = { { RECONCILE_ADD, "a" } };
	const struct op remove[] = { { RECONCILE_REMOVE, "z" } };
	struct ops ops = {};

	assert_int_equal(reconcile_diff(w, 1, NULL, 0, record, &ops), 0);
	assert_ops(&ops, add, 1);
	ops = (struct ops) {};
	assert_int_equal(reconcile_diff(NULL, 0, h, 1, record, &ops), 0);
	assert_ops(&ops, remove, 1);
}

static int fail_on_second(enum reconcile_op op, const struct reconcile_want *w,
			  const struct reconcile_have *h, void *userdata)
{
	int *calls = userdata;

	return ++*calls == 2 ? -5 : 0;
}

static void first_error_stops_the_walk(void **unused)
{
	struct reconcile_want w[] = { want("a", 1, 1), want("b", 1, 2), want("c", 1, 3) };
	int calls = 0;

	assert_int_equal(reconcile_diff(w, 3, NULL, 0, fail_on_second, &calls), -5);
	assert_int_equal(calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_to_do_when_maps_match),
		cmocka_unit_test(adds_updates_and_removes_in_name_order),
		cmocka_unit_test(pending_pods_leave_the_maps_and_stay_out),
		cmocka_unit_test(known_pod_not_in_the_maps_is_added),
		cmocka_unit_test(any_limit_field_counts_as_a_change),
		cmocka_unit_test(empty_sides),
		cmocka_unit_test(first_error_stops_the_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
