// SPDX-License-Identifier: GPL-2.0-only
#include "reconcile.h"

#include <string.h>

static bool meta_same(const struct bwm_pod_meta *a, const struct bwm_pod_meta *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->ifname, b->ifname) == 0 &&
	       a->ifindex == b->ifindex && a->naddrs == b->naddrs &&
	       memcmp(a->addrs, b->addrs, a->naddrs * sizeof(a->addrs[0])) == 0;
}

bool reconcile_same(const struct reconcile_want *want, const struct reconcile_have *have)
{
	return have->id != 0 && meta_same(&want->meta, &have->meta) &&
	       memcmp(&want->limit, &have->limit, sizeof(want->limit)) == 0;
}

static int one(const struct reconcile_want *want, const struct reconcile_have *have,
	       reconcile_fn fn, void *userdata)
{
	bool in_maps = have && have->id != 0;

	if (want && want->enforceable) {
		if (!in_maps)
			return fn(RECONCILE_ADD, want, have, userdata);
		if (!reconcile_same(want, have))
			return fn(RECONCILE_UPDATE, want, have, userdata);
		return 0;
	}
	return in_maps ? fn(RECONCILE_REMOVE, want, have, userdata) : 0;
}

int reconcile_diff(const struct reconcile_want *want, size_t n_want,
		   const struct reconcile_have *have, size_t n_have, reconcile_fn fn, void *userdata)
{
	size_t i = 0, j = 0;
	int r;

	/* A merge of two sorted lists. Removals and additions interleave in
	 * name order; ids freed by a removal are reused only by the caller's
	 * allocator, never reordered here. */
	while (i < n_want || j < n_have) {
		int cmp = i == n_want ? 1 : j == n_have ? -1 : strcmp(want[i].name, have[j].name);

		if (cmp < 0)
			r = one(&want[i++], NULL, fn, userdata);
		else if (cmp > 0)
			r = one(NULL, &have[j++], fn, userdata);
		else
			r = one(&want[i++], &have[j++], fn, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}
