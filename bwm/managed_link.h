/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device bwm manages: an uplink (bwm/uplinks.c) or a pod's host-side
 * interface (bwm/podlinks.c, issue 16). Setting one up records its root
 * qdisc to a file under <state_dir>/<kind>/ before anything changes, so
 * that a restarted bwmd (even after kill -9) adopts what an earlier one
 * installed without taking bwm's own root for the original, and
 * 'bwmd --cleanup' restores it exactly (bwm/qdisc.h). Files per device:
 *   <ifname>.qdisc     the root qdisc before bwm
 *   <ifname>.attached  bwm's programs are (or were) attached
 *   <ifname>.clsact    bwm created clsact (removed only if it is empty)
 * Logging.
 */
#ifndef BWM_MANAGED_LINK_H
#define BWM_MANAGED_LINK_H

#include <stdbool.h>

#include "config.h"

struct nl_sock;

struct managed_kind {
	const char *subdir;   /* under state_dir: "uplinks", "podlinks" */
	const char *label;    /* for messages: "Uplink", "Pod interface" */
	/* Removes bwm's programs; works without an open datapath. */
	int (*detach)(int ifindex, const char *ifname);
};

/* Creates <state_dir>/<kind>/. */
int managed_link_prepare(const struct bwm_config *config, const struct managed_kind *kind);

/*
 * Records the root qdisc (unless an earlier bwmd did and the root is bwm's
 * still: then *ret_adopted), then installs fq (qdisc_install_fq(), which
 * names the device and the reason on failure: -EOPNOTSUPP without fq).
 */
int managed_link_setup_qdisc(struct nl_sock *sk, const struct bwm_config *config,
			     const struct managed_kind *kind, int ifindex, const char *ifname,
			     bool *ret_adopted);

/* Puts the recorded root back; 1 if there was one, 0 if not. */
int managed_link_restore_qdisc(struct nl_sock *sk, const struct bwm_config *config,
			       const struct managed_kind *kind, int ifindex, const char *ifname);

/* Records that bwm's programs are attached (and whether bwm made clsact). */
void managed_link_attached(const struct bwm_config *config, const struct managed_kind *kind,
			   const char *ifname, bool created_clsact);

/* Detaches, removes bwm's own empty clsact, restores the root qdisc and
 * forgets the device. */
int managed_link_teardown(struct nl_sock *sk, const struct bwm_config *config,
			  const struct managed_kind *kind, int ifindex, const char *ifname);

/* The device went away: nothing to restore, its records go. */
void managed_link_forget(const struct bwm_config *config, const struct managed_kind *kind,
			 const char *ifname);

/*
 * Tears down every device recorded for kind for which keep (may be NULL)
 * says false, and forgets those that no longer exist. For 'bwmd --cleanup'
 * (keep NULL), and for a bwmd that starts and finds records of devices it
 * no longer wants.
 */
typedef bool (*managed_link_keep_fn)(const char *ifname, int ifindex, void *userdata);
int managed_link_cleanup(struct nl_sock *sk, const struct bwm_config *config,
			 const struct managed_kind *kind, managed_link_keep_fn keep, void *userdata);

#endif /* BWM_MANAGED_LINK_H */
