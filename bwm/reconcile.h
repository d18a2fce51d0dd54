/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reconcile diff: what the pods directory asks for against what the
 * datapath holds, as a list of operations. Pure: no I/O, so the unit tests
 * run it on tables.
 */
#ifndef BWM_RECONCILE_H
#define BWM_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bwm_maps.h"

/* One pod as the directory wants it. enforceable is false while the pod
 * cannot be classified (its interface is missing, no interface nor
 * addresses), or its file was refused: then it must not be in the maps. */
struct reconcile_want {
	const char *name;
	bool enforceable;
	struct bwm_pod_meta meta;
	struct bwm_pod_limit limit;
};

/* One pod as the maps hold it (id != 0), or a pod known but not in the maps
 * (id == 0). */
struct reconcile_have {
	const char *name;
	uint32_t id;
	struct bwm_pod_meta meta;
	struct bwm_pod_limit limit;
};

enum reconcile_op {
	RECONCILE_ADD,      /* into the maps, with a new id */
	RECONCILE_UPDATE,   /* same id, new meta/limit: clocks and counters kept */
	RECONCILE_REMOVE,   /* out of the maps (file gone, or not enforceable now) */
};

/* want[i] and have[j] are NULL where that side has no such pod. */
typedef int (*reconcile_fn)(enum reconcile_op op, const struct reconcile_want *want,
			    const struct reconcile_have *have, void *userdata);

/*
 * Both arrays sorted by name (strcmp), names unique. Calls fn for each pod
 * whose maps must change; a pod whose entry already matches gets no call.
 * Stops at, and returns, the first negative return of fn.
 */
int reconcile_diff(const struct reconcile_want *want, size_t n_want,
		   const struct reconcile_have *have, size_t n_have, reconcile_fn fn, void *userdata);

/* Whether the maps already hold what want asks (metadata and limit). */
bool reconcile_same(const struct reconcile_want *want, const struct reconcile_have *have);

#endif /* BWM_RECONCILE_H */
