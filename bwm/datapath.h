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
#include "podplan.h"

struct nl_sock;

struct datapath;

struct datapath_options {
	const char *pin_dir;
	uint32_t max_pods;   /* pod ids are 1..max_pods-1 */
	uint32_t max_flows;  /* sparse-flow state entries (LRU) */
	bool queue_fix;
	/* Issue 16: the bits of skb->mark that carry a pod's id from its
	 * host-side interface (bpf/mark.h); 0: none. */
	uint32_t pod_mark_mask;
};

/* Mounts bpffs where the pin directory needs it and not there yet, and
 * creates the directory. */
int datapath_prepare_pin_dir(const char *pin_dir);

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
/* Issue 16: a pod's host-side interface, both hooks: the program that
 * identifies the pod at ingress, the one that shapes what goes to it at
 * egress (each replacing an older bwm program atomically). Their filters'
 * classid carries pod, the interface's pod id (issue 14, bwm_maps.h); sk
 * is a NETLINK_ROUTE socket. */
int datapath_attach_pod(struct datapath *dp, struct nl_sock *sk, int ifindex, const char *ifname,
			bool l3, uint32_t pod, bool *ret_created_clsact);
int datapath_detach_pod(int ifindex, const char *ifname);
/* Removes the clsact qdisc of ifindex (the caller checked it is bwm's and empty). */
int datapath_remove_clsact(int ifindex, const char *ifname);
/* Whether bwm's filter is attached at egress of ifindex. */
bool datapath_is_attached(int ifindex);

/*
 * A pod's entries, one map at a time, as bwm/podplan.h orders them. Ids are
 * 1..max_pods-1 (-ERANGE otherwise).
 */
/* State zeroed (clocks, counters, interface flags), then the limits: a
 * new pod. A pod has two limits: its egress and its ingress (issue 16). */
int datapath_pod_new(struct datapath *dp, uint32_t id, const struct bwm_pod_limit *limit,
		     const struct bwm_pod_limit *ingress_limit);
int datapath_pod_set_limits(struct datapath *dp, uint32_t id, const struct bwm_pod_limit *limit,
			    const struct bwm_pod_limit *ingress_limit);
/* The pod's host-side interface as bwmd set it up (bwm/podlinks.c). */
int datapath_pod_set_link(struct datapath *dp, uint32_t id, const struct bwm_pod_link *link);
int datapath_pod_link(struct datapath *dp, uint32_t id, struct bwm_pod_link *ret);
int datapath_pod_set_meta(struct datapath *dp, uint32_t id, const struct bwm_pod_meta *meta);
/* The limit cleared and the metadata deleted; its keys must be gone first. */
int datapath_pod_drop(struct datapath *dp, uint32_t id);
int datapath_key_set(struct datapath *dp, const struct plan_key *key, uint32_t id);
/* Deletes key only if it still maps to id; a key of another pod stays. */
int datapath_key_delete(struct datapath *dp, const struct plan_key *key, uint32_t id);

/* A whole pod at once, for tests and the benchmark (bwmd goes through the
 * plan): limits (a pod id without metadata starts zeroed; ingress_limit
 * may be NULL: none), keys, metadata.
 * Remove deletes the keys its metadata lists that still map to it. */
int datapath_pod_update(struct datapath *dp, uint32_t id, const struct bwm_pod_meta *meta,
			const struct bwm_pod_limit *limit, const struct bwm_pod_limit *ingress_limit);
int datapath_pod_remove(struct datapath *dp, uint32_t id);

/* Calls fn for every pod in the pinned metadata map (adoption, bwmctl). */
typedef int (*datapath_pod_fn)(uint32_t id, const struct bwm_pod_meta *meta, void *userdata);
int datapath_pod_foreach(struct datapath *dp, datapath_pod_fn fn, void *userdata);

/* Calls fn for every classifier entry (adoption reads what is there, not
 * what the metadata says should be). */
typedef int (*datapath_key_fn)(const struct plan_key *key, uint32_t id, void *userdata);
int datapath_key_foreach(struct datapath *dp, datapath_key_fn fn, void *userdata);

int datapath_pod_read(struct datapath *dp, uint32_t id, struct bwm_pod_limit *ret_limit,
		      struct bwm_pod_state *ret_state);

int datapath_pod_ingress_limit(struct datapath *dp, uint32_t id, struct bwm_pod_limit *ret);

/* The pod's counters, summed over CPUs: its egress, its ingress, what its
 * interface saw come in from it. */
int datapath_pod_counters(struct datapath *dp, uint32_t id, struct bwm_pod_counters *ret);
int datapath_pod_ingress_counters(struct datapath *dp, uint32_t id, struct bwm_pod_counters *ret);
int datapath_pod_link_counters(struct datapath *dp, uint32_t id, struct bwm_pod_link_counters *ret);

int datapath_set_queue_fix(struct datapath *dp, bool on);
/* The mark's field for pods' ids (0: pods are not identified by mark). */
int datapath_set_pod_mark(struct datapath *dp, uint32_t mask);

/* File descriptors of the loaded programs (tests run them with
 * BPF_PROG_TEST_RUN): the uplink's, and a pod interface's (to_pod: the
 * egress one, else the ingress one). */
int datapath_prog_fd(struct datapath *dp, bool l3);
int datapath_pod_prog_fd(struct datapath *dp, bool to_pod, bool l3);

/* Removes the pins under pin_dir (programs and maps), then pin_dir if empty. */
int datapath_unpin(const char *pin_dir);

#endif /* BWM_DATAPATH_H */
