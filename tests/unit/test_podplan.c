// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reconcile plan (bwm/podplan.c), on tables and on a model.
 *
 * The model: pod files in memory, maps in memory that apply the plan's
 * operations as bwm/datapath.c does, and a bwmd that may be killed after
 * any operation, then restarts by reading the maps back. Random sequences
 * of create / delete / rename / edit / hand-over / break, with and without
 * kills, and after each step (once a plan ran to its end) the maps must
 * say what the files claim. It catches a key deleted from under the pod it
 * was handed to (issue 12, defect 1) and keys lost to a kill half-way
 * (defect 4) if either comes back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "classify.h"
#include "podplan.h"

#define MAX_PODS 32
#define MAX_KEYS 256

/* ---- maps in memory, with bwm/datapath.c's semantics ---- */

struct fake_maps {
	struct bwm_pod_limit limits[MAX_PODS];
	struct bwm_pod_limit ingress_limits[MAX_PODS];
	struct bwm_pod_meta meta[MAX_PODS];
	bool has_meta[MAX_PODS];
	unsigned state_resets[MAX_PODS];   /* NEW_POD zeroes the clock and counters */
	struct plan_have_key keys[MAX_KEYS];
	size_t n_keys;
};

static struct plan_have_key *fake_key(struct fake_maps *m, const struct plan_key *key)
{
	for (size_t i = 0; i < m->n_keys; i++)
		if (plan_key_compare(&m->keys[i].key, key) == 0)
			return &m->keys[i];
	return NULL;
}

static void fake_apply(struct fake_maps *m, const struct plan_op *op)
{
	struct plan_have_key *k;

	assert_true(op->id > 0 && op->id < MAX_PODS);
	switch (op->kind) {
	case PLAN_OP_NEW_POD:
		m->state_resets[op->id]++;
		m->limits[op->id] = op->pod->limit;
		m->ingress_limits[op->id] = op->pod->ingress_limit;
		break;
	case PLAN_OP_SET_LIMIT:
		m->limits[op->id] = op->pod->limit;
		m->ingress_limits[op->id] = op->pod->ingress_limit;
		break;
	case PLAN_OP_DELETE_KEY:
		k = fake_key(m, &op->key);
		if (k && k->id == op->id)
			*k = m->keys[--m->n_keys];
		break;
	case PLAN_OP_SET_KEY:
		k = fake_key(m, &op->key);
		if (!k) {
			assert_true(m->n_keys < MAX_KEYS);
			k = &m->keys[m->n_keys++];
			k->key = op->key;
		}
		k->id = op->id;
		break;
	case PLAN_OP_SET_META:
		m->meta[op->id] = op->pod->meta;
		m->has_meta[op->id] = true;
		break;
	case PLAN_OP_DROP_POD:
		memset(&m->limits[op->id], 0, sizeof(m->limits[op->id]));
		memset(&m->ingress_limits[op->id], 0, sizeof(m->ingress_limits[op->id]));
		m->has_meta[op->id] = false;
		break;
	}
}

/* What a (re)started bwmd reads back: pods with metadata, every key. */
static size_t fake_have(const struct fake_maps *m, struct plan_have_pod *pods)
{
	size_t n = 0;

	for (uint32_t id = 1; id < MAX_PODS; id++)
		if (m->has_meta[id])
			pods[n++] = (struct plan_have_pod) { .id = id, .meta = m->meta[id], .limit = m->limits[id],
							     .ingress_limit = m->ingress_limits[id] };
	return n;
}

/* Which pod id key maps to, 0 if none. */
static uint32_t holder_of(const struct fake_maps *m, struct plan_key key)
{
	for (size_t i = 0; i < m->n_keys; i++)
		if (plan_key_compare(&m->keys[i].key, &key) == 0)
			return m->keys[i].id;
	return 0;
}

/* Interfaces 1..4 exist; "gone" does not; while lookups_fail, nothing
 * can be looked up (EMFILE for if_nametoindex's socket). */
static bool lookups_fail;

static int ifindex_of(const char *ifname, void *userdata)
{
	if (lookups_fail)
		return -EMFILE;
	if (strncmp(ifname, "if", 2) == 0 && ifname[2] >= '1' && ifname[2] <= '4' && !ifname[3])
		return ifname[2] - '0';
	return 0;
}

static const struct bwm_pod_limit template = { .horizon_ns = 100000000 };

/* Plans wants against m; applies the first `apply` ops (all if SIZE_MAX).
 * Returns the plan (the caller frees it). */
static struct plan run_plan(struct fake_maps *m, const struct plan_want *wants, size_t n, size_t apply,
			    uint32_t *hint)
{
	struct plan_have_pod pods[MAX_PODS];
	struct plan_input in = {
		.wants = wants, .n_wants = n, .pods = pods, .n_pods = fake_have(m, pods),
		.keys = m->keys, .n_keys = m->n_keys, .limit_template = template,
		.max_pods = MAX_PODS, .next_id_hint = hint ? *hint : 1, .ifindex_of = ifindex_of,
	};
	struct plan plan;

	assert_int_equal(plan_make(&in, &plan), 0);
	for (size_t i = 0; i < plan.n_ops && i < apply; i++)
		fake_apply(m, &plan.ops[i]);
	if (hint)
		*hint = plan.next_id_hint;
	return plan;
}

/* Runs plans until one has nothing to do; fails if that takes more than two
 * (the first does the work, the second must find nothing). */
static void settle(struct fake_maps *m, const struct plan_want *wants, size_t n, uint32_t *hint)
{
	for (int round = 0; round < 2; round++) {
		struct plan plan = run_plan(m, wants, n, SIZE_MAX, hint);
		size_t ops = plan.n_ops;

		plan_free(&plan);
		if (ops == 0)
			return;
	}
	fail_msg("the plan does not settle: a plan after a complete one still has work");
}

/* ---- wants ---- */

static struct plan_want want_if(const char *name, uint64_t rate, const char *ifname)
{
	struct plan_want w = { .name = name, .egress = PODSPEC_SET, .egress_bytes_per_sec = rate };

	if (ifname) {
		w.interface = PODSPEC_SET;
		snprintf(w.ifname, sizeof(w.ifname), "%s", ifname);
	}
	return w;
}

static void add_addr(struct plan_want *w, uint8_t last)
{
	w->ips = PODSPEC_SET;
	bwm_addr_key_from_ipv4(&w->addrs[w->naddrs++], 0x000012c6 | ((uint32_t)last << 24));
}

static struct plan_key ifkey(uint32_t ifindex)
{
	return (struct plan_key) { .ifindex = ifindex };
}

static struct plan_key addrkey(uint8_t last)
{
	struct plan_key k = {};

	bwm_addr_key_from_ipv4(&k.addr, 0x000012c6 | ((uint32_t)last << 24));
	return k;
}

static size_t count_ops(const struct plan *plan, enum plan_op_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_ops; i++)
		n += plan->ops[i].kind == kind;
	return n;
}

/* ---- tables ---- */

static void new_pod_order_state_limit_keys_meta(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("web-1", 1250000, "if1") };
	struct plan plan;

	add_addr(&w[0], 5);
	plan = run_plan(&m, w, 1, 0, NULL);
	assert_int_equal(plan.n_ops, 4);
	assert_int_equal(plan.ops[0].kind, PLAN_OP_NEW_POD);
	assert_int_equal(plan.ops[1].kind, PLAN_OP_SET_KEY);
	assert_int_equal(plan.ops[2].kind, PLAN_OP_SET_KEY);
	assert_int_equal(plan.ops[3].kind, PLAN_OP_SET_META);
	assert_int_equal(plan.pods[0].status, PLAN_ENFORCED);
	assert_int_equal(plan.pods[0].limit.rate_bytes_per_sec, 1250000);
	assert_int_equal(plan.pods[0].limit.horizon_ns, template.horizon_ns);
	plan_free(&plan);
}

/* Issue 12 defect 1: mv zz-old aa-new. "add aa-new" comes first by name;
 * the old code then deleted the keys it had just written. */
static void rename_hands_keys_over_without_a_delete(void **unused)
{
	struct fake_maps m = {};
	struct plan_want before[] = { want_if("zz-old", 1250000, "if1") };
	struct plan_want after[] = { want_if("aa-new", 1250000, "if1") };
	struct plan plan;
	uint32_t id;

	add_addr(&before[0], 7);
	add_addr(&after[0], 7);
	settle(&m, before, 1, NULL);
	plan = run_plan(&m, after, 1, SIZE_MAX, NULL);
	id = plan.pods[0].id;
	assert_int_not_equal(id, 0);
	assert_int_equal(count_ops(&plan, PLAN_OP_DELETE_KEY), 0);
	assert_int_equal(count_ops(&plan, PLAN_OP_DROP_POD), 1);
	assert_int_equal(holder_of(&m, (struct plan_key) { .ifindex = 1 }), id);
	assert_int_equal(holder_of(&m, addrkey(7)), id);
	plan_free(&plan);
	settle(&m, after, 1, NULL);
}

static void handover_between_two_pods_in_one_plan(void **unused)
{
	struct fake_maps m = {};
	struct plan_want before[] = { want_if("a", 1000, NULL), want_if("b", 2000, NULL) };
	struct plan_want after[] = { want_if("a", 1000, NULL), want_if("b", 2000, NULL) };
	struct plan plan;

	add_addr(&before[0], 1);
	add_addr(&before[0], 2);
	add_addr(&before[1], 3);
	add_addr(&after[0], 1);
	add_addr(&after[1], 2);   /* 2 moves from a to b */
	add_addr(&after[1], 3);
	settle(&m, before, 2, NULL);
	plan = run_plan(&m, after, 2, SIZE_MAX, NULL);
	assert_int_equal(count_ops(&plan, PLAN_OP_DELETE_KEY), 0);
	assert_int_equal(holder_of(&m, addrkey(2)), plan.pods[1].id);
	assert_int_equal(plan.pods[1].addrs_taken, 0);
	plan_free(&plan);
}

static void conflict_holder_keeps_then_waiter_gets_it(void **unused)
{
	struct fake_maps m = {};
	struct plan_want one[] = { want_if("zz-holder", 1000, "if2") };
	struct plan_want both[] = { want_if("aa-newcomer", 2000, "if2"), want_if("zz-holder", 1000, "if2") };
	struct plan_want last[] = { want_if("aa-newcomer", 2000, "if2") };
	struct plan plan;

	settle(&m, one, 1, NULL);
	plan = run_plan(&m, both, 2, SIZE_MAX, NULL);
	/* The newcomer, first by name, does not take the held interface. */
	assert_int_equal(plan.pods[0].status, PLAN_PENDING);
	assert_string_equal(plan.pods[0].interface_taken_by, "zz-holder");
	assert_string_equal(plan.pods[0].taken_ifname, "if2");
	assert_int_equal(holder_of(&m, ifkey(2)), plan.pods[1].id);
	plan_free(&plan);
	/* The holder goes: the waiter gets the key in the same plan. */
	plan = run_plan(&m, last, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].status, PLAN_ENFORCED);
	assert_int_equal(holder_of(&m, ifkey(2)), plan.pods[0].id);
	plan_free(&plan);
}

static void newcomers_first_by_name_wins(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 1000, NULL), want_if("b", 2000, NULL) };
	struct plan plan;

	add_addr(&w[0], 9);
	add_addr(&w[1], 9);
	add_addr(&w[1], 10);
	plan = run_plan(&m, w, 2, SIZE_MAX, NULL);
	assert_int_equal(holder_of(&m, addrkey(9)), plan.pods[0].id);
	assert_int_equal(plan.pods[1].addrs_taken, 1);
	assert_string_equal(plan.pods[1].addrs_taken_by, "a");
	assert_int_equal(plan.pods[1].status, PLAN_ENFORCED);   /* by its other address */
	plan_free(&plan);
}

/* Issue 12 defect 2: a typo, a vanished key, a bad file keep the limit. */
static void fail_closed_keeps_the_last_good_values(void **unused)
{
	struct fake_maps m = {};
	struct plan_want good[] = { want_if("web", 1250000, "if1") };
	struct plan_want bad = good[0];
	struct plan plan;
	uint32_t id;

	add_addr(&good[0], 4);
	settle(&m, good, 1, NULL);
	id = holder_of(&m, ifkey(1));

	/* A value that does not parse ("10MM", "-5M", "0", "1e30", ""). */
	bad = good[0];
	bad.egress = PODSPEC_INVALID;
	bad.egress_bytes_per_sec = 0;
	plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].status, PLAN_KEPT);
	assert_true(plan.pods[0].kept_limit);
	assert_int_equal(m.limits[id].rate_bytes_per_sec, 1250000);
	plan_free(&plan);

	/* The key misspelt or deleted. */
	bad = good[0];
	bad.egress = PODSPEC_ABSENT;
	plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].status, PLAN_KEPT);
	assert_int_equal(m.limits[id].rate_bytes_per_sec, 1250000);
	plan_free(&plan);

	/* Classification keys: a bad interface name, the ips line gone. */
	bad = good[0];
	bad.interface = PODSPEC_INVALID;
	bad.ips = PODSPEC_ABSENT;
	plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
	assert_true(plan.pods[0].kept_interface && plan.pods[0].kept_ips);
	assert_int_equal(holder_of(&m, ifkey(1)), id);
	assert_int_equal(holder_of(&m, addrkey(4)), id);
	plan_free(&plan);

	/* A read error, a file still being written, a refused file. */
	for (enum plan_file f = PLAN_FILE_UNREADABLE; f <= PLAN_FILE_REFUSED; f++) {
		bad = (struct plan_want) { .name = "web", .file = f };
		plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
		assert_int_equal(plan.pods[0].status, PLAN_KEPT);
		assert_true(plan.pods[0].kept_all);
		assert_int_equal(plan.pods[0].id, id);
		assert_int_equal(plan.n_ops, 0);
		plan_free(&plan);
	}
	/* Clock and counters survived all of it. */
	assert_int_equal(m.state_resets[id], 1);
	/* Only the file's removal removes the pod. */
	settle(&m, NULL, 0, NULL);
	assert_int_equal(m.n_keys, 0);
	assert_false(m.has_meta[id]);
}

/* Issue 16: kubernetes.io/ingress-bandwidth fails closed as egress does. */
static void ingress_limit_is_planned_and_fails_closed(void **unused)
{
	struct fake_maps m = {};
	struct plan_want good[] = { want_if("web", 1250000, "if1") };
	struct plan_want bad;
	struct plan plan;
	uint32_t id;

	good[0].ingress = PODSPEC_SET;
	good[0].ingress_bytes_per_sec = 6250000;
	settle(&m, good, 1, NULL);
	id = holder_of(&m, ifkey(1));
	assert_int_equal(m.ingress_limits[id].rate_bytes_per_sec, 6250000);
	/* The rest of the ingress limit is the configuration's. */
	assert_int_equal(m.ingress_limits[id].horizon_ns, template.horizon_ns);

	/* A changed ingress value alone is a SET_LIMIT, state untouched. */
	good[0].ingress_bytes_per_sec = 12500000;
	plan = run_plan(&m, good, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.n_ops, 1);
	assert_int_equal(plan.ops[0].kind, PLAN_OP_SET_LIMIT);
	assert_int_equal(m.ingress_limits[id].rate_bytes_per_sec, 12500000);
	plan_free(&plan);

	/* Invalid, then vanished: the last applied value stays. */
	for (enum podspec_field f = PODSPEC_ABSENT; f <= PODSPEC_INVALID; f += 2) {
		bad = good[0];
		bad.ingress = f;
		bad.ingress_bytes_per_sec = 0;
		plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
		assert_int_equal(plan.pods[0].status, PLAN_KEPT);
		assert_true(plan.pods[0].kept_ingress);
		assert_false(plan.pods[0].kept_limit);
		assert_int_equal(plan.n_ops, 0);
		assert_int_equal(m.ingress_limits[id].rate_bytes_per_sec, 12500000);
		plan_free(&plan);
	}
	/* An unreadable file keeps both directions. */
	bad = (struct plan_want) { .name = "web", .file = PLAN_FILE_UNREADABLE };
	plan = run_plan(&m, &bad, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.n_ops, 0);
	assert_int_equal(plan.pods[0].ingress_limit.rate_bytes_per_sec, 12500000);
	plan_free(&plan);
	assert_int_equal(m.state_resets[id], 1);

	/* A new file with a bad ingress value is not applied at all. */
	bad = want_if("new", 1000, "if2");
	bad.ingress = PODSPEC_INVALID;
	plan = run_plan(&m, (struct plan_want[]) { bad, good[0] }, 2, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].status, PLAN_REFUSED);
	assert_true(plan.pods[0].refused_ingress);
	assert_int_equal(holder_of(&m, ifkey(2)), 0);
	plan_free(&plan);

	/* Only the file's removal lifts it. */
	settle(&m, NULL, 0, NULL);
	assert_int_equal(m.ingress_limits[id].rate_bytes_per_sec, 0);
}

static void failed_lookups_keep_the_interface(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 1000, "if3") };
	struct plan plan;

	settle(&m, w, 1, NULL);
	lookups_fail = true;
	plan = run_plan(&m, w, 1, SIZE_MAX, NULL);
	lookups_fail = false;
	assert_int_equal(plan.n_ops, 0);
	assert_int_equal(holder_of(&m, ifkey(3)), plan.pods[0].id);
	plan_free(&plan);
}

static void bad_new_files_never_apply_as_no_limit(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 0, "if1"), { .name = "b", .file = PLAN_FILE_UNREADABLE },
				 { .name = "c", .file = PLAN_FILE_REFUSED } };
	struct plan plan;

	w[0].egress = PODSPEC_INVALID;
	plan = run_plan(&m, w, 3, SIZE_MAX, NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(plan.pods[i].status, PLAN_REFUSED);
		assert_int_equal(plan.pods[i].id, 0);
	}
	assert_int_equal(plan.n_ops, 0);
	plan_free(&plan);
}

static void explicit_empty_list_clears_absent_keeps(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 1000, "if1") };
	struct plan plan;

	add_addr(&w[0], 3);
	settle(&m, w, 1, NULL);
	w[0].naddrs = 0;   /* bwm.io/ips="" */
	plan = run_plan(&m, w, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].meta.naddrs, 0);
	assert_int_equal(holder_of(&m, addrkey(3)), 0);
	plan_free(&plan);
}

static void interface_gone_pending_or_by_address(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 1000, "gone"), want_if("b", 1000, "gone") };
	struct plan plan;

	add_addr(&w[1], 8);
	plan = run_plan(&m, w, 2, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].status, PLAN_PENDING);
	assert_true(plan.pods[0].interface_missing);
	assert_int_equal(plan.pods[1].status, PLAN_ENFORCED);
	assert_true(plan.pods[1].interface_missing);
	assert_int_equal(holder_of(&m, addrkey(8)), plan.pods[1].id);
	plan_free(&plan);
}

static void strays_are_cleaned_up(void **unused)
{
	struct fake_maps m = {};
	struct plan_want w[] = { want_if("a", 1000, "if1") };
	struct plan plan;

	/* A key for an id with no pod (a bwmd killed before the metadata),
	 * and two ids carrying one name (two bwmd ran side by side). */
	m.keys[m.n_keys++] = (struct plan_have_key) { .key = addrkey(1), .id = 9 };
	m.has_meta[3] = m.has_meta[5] = true;
	snprintf(m.meta[3].name, sizeof(m.meta[3].name), "a");
	snprintf(m.meta[5].name, sizeof(m.meta[5].name), "a");
	plan = run_plan(&m, w, 1, SIZE_MAX, NULL);
	assert_int_equal(plan.pods[0].id, 3);
	assert_int_equal(holder_of(&m, addrkey(1)), 0);
	assert_false(m.has_meta[5]);
	assert_int_equal(holder_of(&m, ifkey(1)), 3);
	plan_free(&plan);
}

static void out_of_ids(void **unused)
{
	struct fake_maps m = {};
	char names[MAX_PODS][8];
	struct plan_want w[MAX_PODS];
	struct plan plan;

	for (int i = 0; i < MAX_PODS; i++) {
		snprintf(names[i], sizeof(names[i]), "p%02d", i);
		w[i] = want_if(names[i], 1000, NULL);
		add_addr(&w[i], (uint8_t)(100 + i));
	}
	plan = run_plan(&m, w, MAX_PODS, SIZE_MAX, NULL);
	/* Ids 1..MAX_PODS-1: the last one has none. */
	assert_int_equal(plan.pods[MAX_PODS - 1].status, PLAN_NO_ID);
	assert_int_equal(holder_of(&m, addrkey(100 + MAX_PODS - 1)), 0);
	plan_free(&plan);
}

static void dropped_ids_are_not_reused_in_the_same_plan(void **unused)
{
	struct fake_maps m = {};
	struct plan_want a[] = { want_if("a", 1000, "if1") };
	struct plan_want b[] = { want_if("b", 1000, "if2") };
	struct plan plan;
	uint32_t hint = 1, old;

	settle(&m, a, 1, &hint);
	old = holder_of(&m, ifkey(1));
	hint = old;   /* the search would start at the freed id */
	plan = run_plan(&m, b, 1, SIZE_MAX, &hint);
	assert_int_not_equal(plan.pods[0].id, old);
	plan_free(&plan);
}

/* ---- the model ---- */

#define NAMES 6
#define ADDRS 6

struct model_file {
	bool exists;
	enum plan_file state;
	enum podspec_field egress, ingress, interface, ips;
	uint64_t rate, ingress_rate;
	int ifnum;                 /* if1..if4, 5: "gone" */
	uint8_t addrs[ADDRS];      /* address numbers */
	uint32_t naddrs;
};

static const char *const model_names[NAMES] = { "a", "b", "c", "d", "e", "f" };

/* What the files claim, in the plan's terms (sorted: the names are). */
static size_t model_wants(const struct model_file *files, struct plan_want *wants)
{
	size_t n = 0;

	for (int i = 0; i < NAMES; i++) {
		const struct model_file *f = &files[i];
		struct plan_want *w;

		if (!f->exists)
			continue;
		w = &wants[n++];
		*w = (struct plan_want) { .name = model_names[i], .file = f->state, .egress = f->egress,
					  .ingress = f->ingress, .interface = f->interface, .ips = f->ips,
					  .egress_bytes_per_sec = f->rate,
					  .ingress_bytes_per_sec = f->ingress_rate };
		if (f->ifnum == 5)
			snprintf(w->ifname, sizeof(w->ifname), "gone");
		else
			snprintf(w->ifname, sizeof(w->ifname), "if%d", f->ifnum);
		for (uint32_t a = 0; a < f->naddrs; a++)
			bwm_addr_key_from_ipv4(&w->addrs[w->naddrs++], 0x000012c6 | ((uint32_t)f->addrs[a] << 24));
	}
	return n;
}

static void random_file(struct model_file *f, unsigned *seed)
{
	*f = (struct model_file) { .exists = true, .egress = PODSPEC_SET,
				   .rate = 1000 * (1 + (uint64_t)(rand_r(seed) % 50)) };
	if (rand_r(seed) % 2) {
		f->ingress = PODSPEC_SET;
		f->ingress_rate = 1000 * (1 + (uint64_t)(rand_r(seed) % 50));
	}
	if (rand_r(seed) % 2) {
		f->interface = PODSPEC_SET;
		f->ifnum = 1 + rand_r(seed) % 5;
	}
	if (rand_r(seed) % 2) {
		uint32_t want = (uint32_t)(rand_r(seed) % 3);

		f->ips = PODSPEC_SET;
		for (int a = 0; a < ADDRS && f->naddrs < want; a++)
			if (rand_r(seed) % 2)
				f->addrs[f->naddrs++] = (uint8_t)a;
	}
}

static void mutate(struct model_file *files, unsigned *seed)
{
	int i = rand_r(seed) % NAMES, j = rand_r(seed) % NAMES;
	struct model_file *f = &files[i];

	switch (rand_r(seed) % 8) {
	case 0: /* create or rewrite */
		random_file(f, seed);
		break;
	case 1: /* delete */
		f->exists = false;
		break;
	case 2: /* rename i -> j */
		if (f->exists && i != j) {
			files[j] = *f;
			f->exists = false;
		}
		break;
	case 3: /* edit a limit, or break it */
		if (rand_r(seed) % 2) {
			f->egress = rand_r(seed) % 3 ? PODSPEC_SET :
				    (rand_r(seed) % 2 ? PODSPEC_INVALID : PODSPEC_ABSENT);
			f->rate = 1000 * (1 + (uint64_t)(rand_r(seed) % 50));
		} else {
			f->ingress = rand_r(seed) % 3 ? PODSPEC_SET :
				     (rand_r(seed) % 2 ? PODSPEC_INVALID : PODSPEC_ABSENT);
			f->ingress_rate = 1000 * (1 + (uint64_t)(rand_r(seed) % 50));
		}
		break;
	case 4: /* hand the interface or an address over from i to j */
		if (f->exists && files[j].exists && i != j) {
			if (rand_r(seed) % 2 && f->interface == PODSPEC_SET) {
				files[j].interface = PODSPEC_SET;
				files[j].ifnum = f->ifnum;
				f->ifnum = 5;
			} else if (f->naddrs && files[j].naddrs < 3) {
				files[j].ips = PODSPEC_SET;
				files[j].addrs[files[j].naddrs++] = f->addrs[--f->naddrs];
			}
		}
		break;
	case 5: /* unreadable, refused, or readable again */
		f->state = (enum plan_file)(rand_r(seed) % 3);
		break;
	case 6: /* a classification key breaks or goes */
		if (rand_r(seed) % 2)
			f->interface = rand_r(seed) % 2 ? PODSPEC_INVALID : PODSPEC_ABSENT;
		else
			f->ips = rand_r(seed) % 2 ? PODSPEC_INVALID : PODSPEC_ABSENT;
		break;
	default: /* an explicit empty address list */
		f->ips = PODSPEC_SET;
		f->naddrs = 0;
		break;
	}
}

/* After a settled plan: the maps say what the plan's pods say, and every
 * key wanted by exactly one pod that could hold it maps to that pod. */
static void check_maps(const struct fake_maps *m, const struct plan *plan, const struct plan_want *wants,
		       size_t n)
{
	for (size_t k = 0; k < m->n_keys; k++)
		assert_true(m->has_meta[m->keys[k].id]);   /* no stray keys */
	for (uint32_t id = 1; id < MAX_PODS; id++) {
		bool named = false;

		for (size_t i = 0; i < n; i++)
			named |= plan->pods[i].id == id;
		assert_int_equal(m->has_meta[id], named);   /* no pod without a file */
	}
	for (size_t i = 0; i < n; i++) {
		const struct plan_pod *pod = &plan->pods[i];

		if (!pod->id)
			continue;
		assert_memory_equal(&m->limits[pod->id], &pod->limit, sizeof(pod->limit));
		assert_string_equal(m->meta[pod->id].name, wants[i].name);
		if (pod->meta.ifindex)
			assert_int_equal(holder_of(m, ifkey(pod->meta.ifindex)), pod->id);
		for (uint32_t a = 0; a < pod->meta.naddrs; a++)
			assert_int_equal(holder_of(m, (struct plan_key) { .addr = pod->meta.addrs[a] }),
					 pod->id);
		assert_memory_equal(&m->ingress_limits[pod->id], &pod->ingress_limit,
				    sizeof(pod->ingress_limit));
		/* A file read whole with a valid limit is what the maps hold. */
		if (wants[i].file == PLAN_FILE_READ && wants[i].egress == PODSPEC_SET)
			assert_int_equal(m->limits[pod->id].rate_bytes_per_sec, wants[i].egress_bytes_per_sec);
		if (wants[i].file == PLAN_FILE_READ && wants[i].ingress == PODSPEC_SET)
			assert_int_equal(m->ingress_limits[pod->id].rate_bytes_per_sec,
					 wants[i].ingress_bytes_per_sec);
	}
}

static void model(unsigned seed, bool kills)
{
	struct model_file files[NAMES] = {};
	struct fake_maps m = {};
	uint32_t hint = 1;

	for (int step = 0; step < 400; step++) {
		struct plan_want wants[NAMES];
		size_t n;
		struct plan plan;

		mutate(files, &seed);
		n = model_wants(files, wants);
		if (kills && rand_r(&seed) % 3 == 0) {
			/* bwmd killed after some of the plan's operations; the next
			 * one starts from what the maps hold. */
			plan = run_plan(&m, wants, n, (size_t)rand_r(&seed) % 8, &hint);
			plan_free(&plan);
		}
		plan = run_plan(&m, wants, n, SIZE_MAX, &hint);
		check_maps(&m, &plan, wants, n);
		plan_free(&plan);
		settle(&m, wants, n, &hint);
	}
}

static void model_without_kills(void **unused)
{
	for (unsigned seed = 1; seed <= 50; seed++)
		model(seed, false);
}

static void model_with_kills(void **unused)
{
	for (unsigned seed = 1; seed <= 50; seed++)
		model(seed, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_pod_order_state_limit_keys_meta),
		cmocka_unit_test(rename_hands_keys_over_without_a_delete),
		cmocka_unit_test(handover_between_two_pods_in_one_plan),
		cmocka_unit_test(conflict_holder_keeps_then_waiter_gets_it),
		cmocka_unit_test(newcomers_first_by_name_wins),
		cmocka_unit_test(fail_closed_keeps_the_last_good_values),
		cmocka_unit_test(ingress_limit_is_planned_and_fails_closed),
		cmocka_unit_test(failed_lookups_keep_the_interface),
		cmocka_unit_test(bad_new_files_never_apply_as_no_limit),
		cmocka_unit_test(explicit_empty_list_clears_absent_keeps),
		cmocka_unit_test(interface_gone_pending_or_by_address),
		cmocka_unit_test(strays_are_cleaned_up),
		cmocka_unit_test(out_of_ids),
		cmocka_unit_test(dropped_ids_are_not_reused_in_the_same_plan),
		cmocka_unit_test(model_without_kills),
		cmocka_unit_test(model_with_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
