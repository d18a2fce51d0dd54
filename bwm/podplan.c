// SPDX-License-Identifier: GPL-2.0-only
#include "podplan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int plan_key_compare(const struct plan_key *a, const struct plan_key *b)
{
	if (a->ifindex != b->ifindex) {
		/* Interfaces (nonzero) before addresses (0), then by index. */
		if (!a->ifindex || !b->ifindex)
			return a->ifindex ? -1 : 1;
		return a->ifindex < b->ifindex ? -1 : 1;
	}
	return a->ifindex ? 0 : memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

size_t plan_meta_keys(const struct bwm_pod_meta *meta, uint32_t id, struct plan_have_key *ret)
{
	size_t n = 0;

	if (meta->ifindex)
		ret[n++] = (struct plan_have_key) { .key = { .ifindex = meta->ifindex }, .id = id };
	for (uint32_t a = 0; a < MIN(meta->naddrs, (uint32_t)BWM_MAX_ADDRS_PER_POD); a++)
		ret[n++] = (struct plan_have_key) { .key = { .addr = meta->addrs[a] }, .id = id };
	return n;
}

static int compare_have_keys(const void *a, const void *b)
{
	return plan_key_compare(&((const struct plan_have_key *)a)->key,
				&((const struct plan_have_key *)b)->key);
}

/* A key some want claims (want: its index). */
struct claim {
	struct plan_key key;
	size_t want;
};

static int compare_claims(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int c = plan_key_compare(&x->key, &y->key);

	return c ? c : (x->want > y->want) - (x->want < y->want);
}

/* The working state of one plan_make(). */
struct planner {
	const struct plan_input *in;
	struct plan_pod *pods;
	const struct plan_have_pod **prev;   /* [n_wants]: the want's pod in the maps, or NULL */
	bool *retained;                      /* [n_pods]: stays in the maps */
	struct plan_have_key *have_keys;     /* in->keys, sorted */
	struct claim *claims;
	size_t n_claims;
	struct plan_op *ops;
	size_t n_ops, cap_ops;
};

/* Which pod in the maps holds key, 0 if none. */
static uint32_t holder(const struct planner *p, const struct plan_key *key)
{
	struct plan_have_key probe = { .key = *key };
	const struct plan_have_key *k = bsearch(&probe, p->have_keys, p->in->n_keys,
						sizeof(*p->have_keys), compare_have_keys);

	return k ? k->id : 0;
}

static int compare_pods_by_name(const void *a, const void *b)
{
	const struct plan_have_pod *x = *(const struct plan_have_pod *const *)a;
	const struct plan_have_pod *y = *(const struct plan_have_pod *const *)b;
	int c = strncmp(x->meta.name, y->meta.name, sizeof(x->meta.name));

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Finds each want's pod in the maps by name. Should two ids carry one name
 * (two bwmd once ran side by side), the lowest id is the pod; the others
 * are left unretained, so the plan drops them. */
static int match_prev(struct planner *p)
{
	const struct plan_input *in = p->in;
	const struct plan_have_pod **by_name = calloc(in->n_pods ? in->n_pods : 1, sizeof(*by_name));
	size_t j = 0;

	if (!by_name)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_pods; i++)
		by_name[i] = &in->pods[i];
	qsort(by_name, in->n_pods, sizeof(*by_name), compare_pods_by_name);
	for (size_t i = 0; i < in->n_wants; i++) {
		while (j < in->n_pods && strncmp(by_name[j]->meta.name, in->wants[i].name,
						 sizeof(by_name[j]->meta.name)) < 0)
			j++;
		if (j < in->n_pods && strncmp(by_name[j]->meta.name, in->wants[i].name,
					      sizeof(by_name[j]->meta.name)) == 0)
			p->prev[i] = by_name[j];
	}
	free(by_name);
	return 0;
}

/* One field of a file that was read: true if the file's value counts (it
 * is SET); else the pod keeps its present value, and *ret_kept tells
 * whether it has one. */
static bool field_from_file(enum podspec_field f, bool prev_has, bool *ret_kept)
{
	*ret_kept = f != PODSPEC_SET && prev_has;
	return f == PODSPEC_SET;
}

/*
 * What want i asks, with what its pod keeps: pods[i].meta (name,
 * interface, addresses) and .limit, the kept_* flags and status. Returns
 * false if the pod is refused outright.
 */
static bool resolve_want(struct planner *p, size_t i)
{
	const struct plan_want *w = &p->in->wants[i];
	const struct plan_have_pod *prev = p->prev[i];
	struct plan_pod *pod = &p->pods[i];
	struct bwm_pod_meta *m = &pod->meta;
	uint64_t rate = 0;

	snprintf(m->name, sizeof(m->name), "%s", w->name);
	if (w->file != PLAN_FILE_READ) {
		if (!prev)
			return false;
		pod->kept_all = true;
		rate = prev->limit.rate_bytes_per_sec;
		memcpy(m->ifname, prev->meta.ifname, sizeof(m->ifname));
		m->naddrs = MIN(prev->meta.naddrs, (uint32_t)BWM_MAX_ADDRS_PER_POD);
		memcpy(m->addrs, prev->meta.addrs, m->naddrs * sizeof(m->addrs[0]));
		memcpy(m->k8s_namespace, prev->meta.k8s_namespace, sizeof(m->k8s_namespace));
		memcpy(m->k8s_pod, prev->meta.k8s_pod, sizeof(m->k8s_pod));
	} else {
		/* Labels follow the file; they enforce nothing. */
		memcpy(m->k8s_namespace, w->k8s_namespace, sizeof(m->k8s_namespace));
		memcpy(m->k8s_pod, w->k8s_pod, sizeof(m->k8s_pod));
		/* A limit that does not parse never applies as "no limit". */
		if (w->egress == PODSPEC_INVALID && !prev)
			return false;
		if (field_from_file(w->egress, prev && prev->limit.rate_bytes_per_sec, &pod->kept_limit))
			rate = w->egress_bytes_per_sec;
		else if (prev)
			rate = prev->limit.rate_bytes_per_sec;

		if (field_from_file(w->interface, prev && prev->meta.ifname[0], &pod->kept_interface))
			memcpy(m->ifname, w->ifname, sizeof(m->ifname));
		else if (prev)
			memcpy(m->ifname, prev->meta.ifname, sizeof(m->ifname));

		if (field_from_file(w->ips, prev && prev->meta.naddrs, &pod->kept_ips)) {
			m->naddrs = MIN(w->naddrs, (uint32_t)BWM_MAX_ADDRS_PER_POD);
			memcpy(m->addrs, w->addrs, m->naddrs * sizeof(m->addrs[0]));
		} else if (prev) {
			m->naddrs = MIN(prev->meta.naddrs, (uint32_t)BWM_MAX_ADDRS_PER_POD);
			memcpy(m->addrs, prev->meta.addrs, m->naddrs * sizeof(m->addrs[0]));
		}
	}
	m->ifname[sizeof(m->ifname) - 1] = '\0';
	m->k8s_namespace[sizeof(m->k8s_namespace) - 1] = '\0';
	m->k8s_pod[sizeof(m->k8s_pod) - 1] = '\0';
	pod->limit = p->in->limit_template;
	pod->limit.rate_bytes_per_sec = rate;
	if (m->ifname[0]) {
		int ifindex = p->in->ifindex_of(m->ifname, p->in->userdata);

		/* Unknown for now (EMFILE, ...): as it was, if it was this one. */
		if (ifindex < 0 && prev && strcmp(prev->meta.ifname, m->ifname) == 0)
			ifindex = (int)prev->meta.ifindex;
		m->ifindex = ifindex > 0 ? (uint32_t)ifindex : 0;
		pod->interface_missing = m->ifindex == 0;
	}
	return true;
}

static int add_claim(struct planner *p, size_t *cap, const struct plan_key *key, size_t want)
{
	if (p->n_claims == *cap) {
		size_t bigger_cap = *cap ? *cap * 2 : 64;
		struct claim *bigger = realloc(p->claims, bigger_cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		p->claims = bigger;
		*cap = bigger_cap;
	}
	p->claims[p->n_claims++] = (struct claim) { .key = *key, .want = want };
	return 0;
}

static int collect_claims(struct planner *p)
{
	size_t cap = 0;
	int r;

	for (size_t i = 0; i < p->in->n_wants; i++) {
		const struct bwm_pod_meta *m = &p->pods[i].meta;

		if (p->pods[i].status != PLAN_ENFORCED)   /* not yet decided otherwise */
			continue;
		if (m->ifindex) {
			r = add_claim(p, &cap, &(struct plan_key) { .ifindex = m->ifindex }, i);
			if (r < 0)
				return r;
		}
		for (uint32_t a = 0; a < m->naddrs; a++) {
			r = add_claim(p, &cap, &(struct plan_key) { .addr = m->addrs[a] }, i);
			if (r < 0)
				return r;
		}
	}
	if (p->n_claims)   /* claims is NULL without any */
		qsort(p->claims, p->n_claims, sizeof(*p->claims), compare_claims);
	return 0;
}

static void lose_key(struct planner *p, size_t loser, const struct plan_key *key, size_t winner)
{
	struct plan_pod *pod = &p->pods[loser];
	struct bwm_pod_meta *m = &pod->meta;

	if (key->ifindex) {
		m->ifindex = 0;
		memcpy(pod->taken_ifname, m->ifname, sizeof(pod->taken_ifname));
		memset(m->ifname, 0, sizeof(m->ifname));
		pod->interface_taken_by = p->in->wants[winner].name;
		return;
	}
	for (uint32_t a = 0; a < m->naddrs; a++) {
		if (memcmp(&m->addrs[a], &key->addr, sizeof(key->addr)) != 0)
			continue;
		memmove(&m->addrs[a], &m->addrs[a + 1], (m->naddrs - a - 1) * sizeof(m->addrs[0]));
		m->naddrs--;
		memset(&m->addrs[m->naddrs], 0, sizeof(m->addrs[0]));
		break;
	}
	pod->addrs_taken_by = p->in->wants[winner].name;
	pod->addrs_taken++;
}

/* Each key claimed twice goes to the pod that holds it in the maps, else to
 * the first claimant by name (claims are sorted by key, then want). */
static void resolve_conflicts(struct planner *p)
{
	for (size_t g = 0; g < p->n_claims;) {
		size_t end = g + 1, winner = p->claims[g].want;
		uint32_t held_by = holder(p, &p->claims[g].key);

		while (end < p->n_claims && plan_key_compare(&p->claims[end].key, &p->claims[g].key) == 0)
			end++;
		for (size_t c = g; c < end && held_by; c++) {
			const struct plan_have_pod *prev = p->prev[p->claims[c].want];

			if (prev && prev->id == held_by) {
				winner = p->claims[c].want;
				break;
			}
		}
		for (size_t c = g; c < end; c++)
			if (p->claims[c].want != winner)
				lose_key(p, p->claims[c].want, &p->claims[c].key, winner);
		g = end;
	}
}

static uint32_t alloc_id(struct planner *p, uint8_t *used, uint32_t *hint)
{
	uint32_t max = p->in->max_pods;

	for (uint32_t n = 0; n < max; n++) {
		uint32_t id = (*hint + n) % max;

		if (id != 0 && !used[id]) {
			used[id] = 1;
			*hint = id + 1;
			return id;
		}
	}
	return 0;
}

/* Ids: a pod in the maps keeps its own; a new one takes a free id, never
 * one any map entry names now (a pod about to be dropped, a stray key), so
 * no packet is charged to the newcomer before the old entries are gone. */
static int assign_ids(struct planner *p, uint32_t *hint)
{
	const struct plan_input *in = p->in;
	uint8_t *used = calloc(in->max_pods ? in->max_pods : 1, 1);

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_pods; i++)
		if (in->pods[i].id < in->max_pods)
			used[in->pods[i].id] = 1;
	for (size_t i = 0; i < in->n_keys; i++)
		if (in->keys[i].id < in->max_pods)
			used[in->keys[i].id] = 1;
	for (size_t i = 0; i < in->n_wants; i++) {
		struct plan_pod *pod = &p->pods[i];
		const struct plan_have_pod *prev = p->prev[i];

		if (pod->status != PLAN_ENFORCED)
			continue;
		if (!pod->meta.ifindex && !pod->meta.naddrs) {
			pod->status = PLAN_PENDING;
			continue;
		}
		pod->id = prev ? prev->id : alloc_id(p, used, hint);
		if (!pod->id) {
			pod->status = PLAN_NO_ID;
			continue;
		}
		if (prev)
			p->retained[prev - in->pods] = true;
		if (pod->kept_all || pod->kept_limit || pod->kept_interface || pod->kept_ips)
			pod->status = PLAN_KEPT;
	}
	free(used);
	return 0;
}

static int add_op(struct planner *p, struct plan_op op)
{
	if (p->n_ops == p->cap_ops) {
		size_t cap = p->cap_ops ? p->cap_ops * 2 : 64;
		struct plan_op *bigger = realloc(p->ops, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		p->ops = bigger;
		p->cap_ops = cap;
	}
	p->ops[p->n_ops++] = op;
	return 0;
}

static bool in_maps(const struct plan_pod *pod)
{
	return pod->status == PLAN_ENFORCED || pod->status == PLAN_KEPT;
}

/* The keys the maps are to hold, sorted: the claims the pods kept. */
static size_t wanted_keys(struct planner *p, struct plan_have_key *ret)
{
	size_t n = 0;

	for (size_t i = 0; i < p->in->n_wants; i++) {
		const struct plan_pod *pod = &p->pods[i];

		if (in_maps(pod))
			n += plan_meta_keys(&pod->meta, pod->id, ret + n);
	}
	qsort(ret, n, sizeof(*ret), compare_have_keys);
	return n;
}

/* The operations, in the order the header promises; the keys they leave
 * go to *ret_keys. */
static int emit_ops(struct planner *p, struct plan_have_key **ret_keys, size_t *ret_n_keys)
{
	const struct plan_input *in = p->in;
	/* At most the claims survive: each pod's interface and addresses. */
	struct plan_have_key *want = calloc(p->n_claims ? p->n_claims : 1, sizeof(*want));
	size_t n_want;
	int r = 0;

	if (!want)
		return -ENOMEM;
	n_want = wanted_keys(p, want);

	for (size_t i = 0; r >= 0 && i < in->n_wants; i++) {
		const struct plan_pod *pod = &p->pods[i];
		const struct plan_have_pod *prev = p->prev[i];

		if (!in_maps(pod))
			continue;
		if (!prev)
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_NEW_POD, .id = pod->id, .pod = pod });
		else if (memcmp(&pod->limit, &prev->limit, sizeof(pod->limit)) != 0)
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_SET_LIMIT, .id = pod->id, .pod = pod });
	}
	for (size_t k = 0; r >= 0 && k < in->n_keys; k++) {
		const struct plan_have_key *h = &p->have_keys[k];

		if (!bsearch(h, want, n_want, sizeof(*want), compare_have_keys))
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_DELETE_KEY, .id = h->id,
							 .key = h->key });
	}
	for (size_t k = 0; r >= 0 && k < n_want; k++)
		if (holder(p, &want[k].key) != want[k].id)
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_SET_KEY, .id = want[k].id,
							 .key = want[k].key });
	for (size_t i = 0; r >= 0 && i < in->n_wants; i++) {
		const struct plan_pod *pod = &p->pods[i];
		const struct plan_have_pod *prev = p->prev[i];

		if (in_maps(pod) && (!prev || memcmp(&pod->meta, &prev->meta, sizeof(pod->meta)) != 0))
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_SET_META, .id = pod->id, .pod = pod });
	}
	for (size_t i = 0; r >= 0 && i < in->n_pods; i++)
		if (!p->retained[i])
			r = add_op(p, (struct plan_op) { .kind = PLAN_OP_DROP_POD, .id = in->pods[i].id });
	if (r < 0) {
		free(want);
		return r;
	}
	*ret_keys = want;
	*ret_n_keys = n_want;
	return 0;
}

int plan_make(const struct plan_input *in, struct plan *ret)
{
	struct planner p = { .in = in };
	struct plan_have_key *keys = NULL;
	uint32_t hint = in->next_id_hint;
	size_t n_keys = 0;
	int r = -ENOMEM;

	p.pods = calloc(in->n_wants ? in->n_wants : 1, sizeof(*p.pods));
	p.prev = calloc(in->n_wants ? in->n_wants : 1, sizeof(*p.prev));
	p.retained = calloc(in->n_pods ? in->n_pods : 1, sizeof(*p.retained));
	p.have_keys = malloc((in->n_keys ? in->n_keys : 1) * sizeof(*p.have_keys));
	if (!p.pods || !p.prev || !p.retained || !p.have_keys)
		goto out;
	if (in->n_keys)
		memcpy(p.have_keys, in->keys, in->n_keys * sizeof(*p.have_keys));
	qsort(p.have_keys, in->n_keys, sizeof(*p.have_keys), compare_have_keys);

	r = match_prev(&p);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < in->n_wants; i++)
		p.pods[i].status = resolve_want(&p, i) ? PLAN_ENFORCED : PLAN_REFUSED;
	r = collect_claims(&p);
	if (r < 0)
		goto out;
	resolve_conflicts(&p);
	r = assign_ids(&p, &hint);
	if (r >= 0)
		r = emit_ops(&p, &keys, &n_keys);
out:
	free(p.prev);
	free(p.retained);
	free(p.have_keys);
	free(p.claims);
	if (r < 0) {
		free(p.pods);
		free(p.ops);
		return r;
	}
	*ret = (struct plan) { .pods = p.pods, .ops = p.ops, .n_ops = p.n_ops, .keys = keys,
			       .n_keys = n_keys, .next_id_hint = hint };
	return 0;
}

void plan_free(struct plan *plan)
{
	if (!plan)
		return;
	free(plan->pods);
	free(plan->ops);
	free(plan->keys);
	*plan = (struct plan) {};
}
