/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF datapath as bwmd and bwmctl see it: load (or adopt) the pinned
 * maps, attach the egress program to uplinks, and write pods into the maps.
 *
 * The pinned maps are the source of truth. bwm_pod_meta records, per pod id,
 * the name and the classifier keys bwmd wrote, so a restarted bwmd (or
 * bwmctl) finds everything there without a state file, and an update can
 * remove exactly the keys it no longer wants.
 */
#ifndef BWM_DATAPATH_H
#define BWM_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "bwm_maps.h"

struct datapath;

struct datapath_options {
	const char *pin_dir;
	uint32_t max_pods;   /* pod ids are 1..max_pods-1 */
	uint32_t max_flows;  /* sparse-flow state entries (LRU) */
	bool queue_fix;
};

/* Loads the programs, creating the pinned maps under pin_dir or reusing
 * those a previous bwmd left there (their departure clocks and counters are
 * kept), and pins the programs. */
int datapath_open(const struct datapath_options *options, struct datapath **ret);

/* Frees user-space state; attachments and pins stay, so enforcement goes on. */
struct datapath *datapath_close(struct datapath *dp);

/* Attaches (or atomically replaces an older bwm program) at clsact egress.
 * l3: the device has no link-layer header. *ret_created_clsact tells whether
 * bwm created the clsact qdisc (so that clean-up removes only its own). */
int datapath_attach(struct datapath *dp, int ifindex, const char *ifname, bool l3,
		    bool *ret_created_clsact);
/* Removes bwm's filter. Works without an open datapath (for --cleanup). */
int datapath_detach(int ifindex, const char *ifname);
/* Removes the clsact qdisc of ifindex (the caller checked it is bwm's and empty). */
int datapath_remove_clsact(int ifindex, const char *ifname);
/* Whether bwm's filter is attached at egress of ifindex. */
bool datapath_is_attached(int ifindex);

/* Writes a pod: classifier keys from meta (ifindex, addrs), the limit, the
 * metadata; keys the pod had before and no longer has are removed. A pod id
 * not in use before starts with zeroed state. */
int datapath_pod_update(struct datapath *dp, uint32_t id, const struct bwm_pod_meta *meta,
			const struct bwm_pod_limit *limit);
int datapath_pod_remove(struct datapath *dp, uint32_t id);

/* Calls fn for every pod in the pinned metadata map (adoption, bwmctl). */
typedef int (*datapath_pod_fn)(uint32_t id, const struct bwm_pod_meta *meta, void *userdata);
int datapath_pod_foreach(struct datapath *dp, datapath_pod_fn fn, void *userdata);

int datapath_pod_read(struct datapath *dp, uint32_t id, struct bwm_pod_limit *ret_limit,
		      struct bwm_pod_state *ret_state);

/* The pod's counters, summed over CPUs. */
int datapath_pod_counters(struct datapath *dp, uint32_t id, struct bwm_pod_counters *ret);

int datapath_set_queue_fix(struct datapath *dp, bool on);

/* File descriptors of the loaded programs (tests run them with
 * BPF_PROG_TEST_RUN). */
int datapath_prog_fd(struct datapath *dp, bool l3);

/* Removes the pins under pin_dir (programs and maps), then pin_dir if empty. */
int datapath_unpin(const char *pin_dir);

#endif /* BWM_DATAPATH_H */
