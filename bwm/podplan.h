/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reconcile plan: what the pod files ask, against what the pinned maps
 * hold, as an ordered list of map operations. Pure (no I/O), so the unit
 * tests run it on tables and replay it with a crash after any operation.
 *
 * Its promises (issue 12):
 *  - Fail closed. A pod in the maps keeps what it has for every value its
 *    file no longer gives: a file that could not be read or was refused
 *    keeps the whole pod; a value that does not parse, or a key that went
 *    missing from a file that still exists, keeps that value. Only a pod
 *    whose file is gone (it is not among the wants) leaves the maps; so
 *    does one whose traffic can no longer be told (its interface is gone
 *    and it has no addresses).
 *  - No key is lost. Keys are planned one by one, not pod by pod: a key
 *    that moves from one pod to another is rewritten in place (one map
 *    update, no gap), and a key is deleted only when no pod wants it, and
 *    then only if it still maps to the pod it is deleted for.
 *  - Any prefix of the operations is recoverable: a bwmd killed after any
 *    of them reads the maps back (plan_have) and the next plan completes
 *    the work. New pods get their state and limit before their keys, and
 *    their metadata (which bwmctl and adoption read) after; removed pods
 *    lose their keys before their limit and metadata.
 *  - Conflicts: two pods wanting one key, the pod that holds it in the
 *    maps keeps it (a new file never takes an enforced pod's traffic),
 *    and between newcomers the first by name.
 */
#ifndef BWM_PODPLAN_H
#define BWM_PODPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bwm_maps.h"
#include "podspec.h"

/* A classifier key: a host-side interface, or else an address. */
struct plan_key {
	uint32_t ifindex;           /* nonzero: bwm_pod_by_ifindex */
	struct bwm_addr_key addr;   /* ifindex 0: bwm_pod_by_addr */
};

/* The maps as they are: one pod id's metadata and limit... */
struct plan_have_pod {
	uint32_t id;
	struct bwm_pod_meta meta;
	struct bwm_pod_limit limit;
};

/* ...and one classifier entry. Entries may name ids that have no pod
 * (left by a bwmd killed mid-way): the plan removes them. */
struct plan_have_key {
	struct plan_key key;
	uint32_t id;
};

enum plan_file {
	PLAN_FILE_READ,         /* read whole: the fields of the want count */
	PLAN_FILE_UNREADABLE,   /* a read error, or still being written */
	PLAN_FILE_REFUSED,      /* not root's, world-writable, too large, a stray symlink */
};

/* One pod file. */
struct plan_want {
	const char *name;
	enum plan_file file;
	enum podspec_field egress, interface, ips;   /* where file is READ */
	uint64_t egress_bytes_per_sec;               /* where egress is SET */
	char ifname[BWM_IFNAME_MAX];                 /* where interface is SET */
	uint32_t naddrs;                             /* where ips is SET */
	struct bwm_addr_key addrs[BWM_MAX_ADDRS_PER_POD];
	char k8s_namespace[BWM_K8S_NAMESPACE_MAX];   /* labels, where READ */
	char k8s_pod[BWM_K8S_POD_NAME_MAX];
};

struct plan_input {
	const struct plan_want *wants;       /* sorted by name (strcmp), names unique */
	size_t n_wants;
	const struct plan_have_pod *pods;    /* any order */
	size_t n_pods;
	const struct plan_have_key *keys;    /* any order, keys unique */
	size_t n_keys;
	/* The limit a pod gets from the configuration; the rate is its own. */
	struct bwm_pod_limit limit_template;
	uint32_t max_pods;                   /* pod ids are 1..max_pods-1 */
	uint32_t next_id_hint;               /* where the search for a free id starts */
	/* The interface's index now, 0 if there is no such interface, or a
	 * negative errno if that cannot be told now (the pod then keeps the
	 * index it has). */
	int (*ifindex_of)(const char *ifname, void *userdata);
	void *userdata;
};

enum plan_status {
	PLAN_ENFORCED,   /* in the maps, as its file says */
	PLAN_KEPT,       /* in the maps, with some or all values from before (see kept_*) */
	PLAN_PENDING,    /* not in the maps: nothing to tell its traffic by (yet) */
	PLAN_REFUSED,    /* not in the maps: its file was never read whole with a valid limit */
	PLAN_NO_ID,      /* not in the maps: max_pods - 1 pods are */
};

/* What becomes of one want (same index). */
struct plan_pod {
	enum plan_status status;
	uint32_t id;                      /* 0 unless in the maps */
	struct bwm_pod_meta meta;         /* what the maps get (name, interface, addresses) */
	struct bwm_pod_limit limit;
	/* Which values come from the maps rather than from the file. */
	bool kept_all;                    /* the file was unreadable or refused */
	bool kept_limit, kept_interface, kept_ips;
	bool interface_missing;           /* its interface does not exist (now) */
	const char *interface_taken_by;   /* the pod that holds its interface, or NULL; */
	char taken_ifname[BWM_IFNAME_MAX];  /* then the interface's name */
	const char *addrs_taken_by;       /* a pod that holds some of its addresses, or NULL */
	uint32_t addrs_taken;             /* how many of them */
};

enum plan_op_kind {
	PLAN_OP_NEW_POD,      /* id: state zeroed, then limit written */
	PLAN_OP_SET_LIMIT,    /* id: limit */
	PLAN_OP_DELETE_KEY,   /* key, if it still maps to id */
	PLAN_OP_SET_KEY,      /* key -> id */
	PLAN_OP_SET_META,     /* id: metadata */
	PLAN_OP_DROP_POD,     /* id: limit cleared, metadata deleted */
};

struct plan_op {
	enum plan_op_kind kind;
	uint32_t id;
	struct plan_key key;              /* DELETE_KEY, SET_KEY */
	const struct plan_pod *pod;       /* NEW_POD, SET_LIMIT, SET_META */
};

struct plan {
	struct plan_pod *pods;            /* [n_wants] */
	struct plan_op *ops;
	size_t n_ops;
	struct plan_have_key *keys;       /* the classifier entries once all ops are done, sorted */
	size_t n_keys;
	uint32_t next_id_hint;
};

/* Returns 0 with *ret (free with plan_free), or -ENOMEM. */
int plan_make(const struct plan_input *in, struct plan *ret);
void plan_free(struct plan *plan);

/* The keys a pod's metadata lists (its interface if known, its addresses),
 * mapped to id, into ret[0..1 + BWM_MAX_ADDRS_PER_POD); returns how many. */
size_t plan_meta_keys(const struct bwm_pod_meta *meta, uint32_t id, struct plan_have_key *ret);

/* Orders keys (ifindex keys first, then addresses): for tables and bsearch. */
int plan_key_compare(const struct plan_key *a, const struct plan_key *b);

#endif /* BWM_PODPLAN_H */
