/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Uplinks: the devices whose egress bwm paces. Setting one up records its
 * root qdisc (to a file under state_dir, so a restarted bwmd or
 * 'bwmd --cleanup' can restore it), installs mq + fq, and attaches the
 * egress program. A bwmd that finds the uplink already set up by an earlier
 * bwmd adopts it without touching the qdiscs.
 */
#ifndef BWM_UPLINKS_H
#define BWM_UPLINKS_H

#include <stdbool.h>

#include "config.h"

struct datapath;
struct nl_sock;

struct uplink {
	char *name;
	int ifindex;          /* 0 while the device does not exist */
	bool active;          /* qdisc installed (if managed) and program attached */
};

struct uplink_env {
	struct nl_sock *sk;
	struct datapath *dp;
	const struct bwm_config *config;
};

int uplink_setup(const struct uplink_env *env, struct uplink *u);
/* Detaches and restores what bwm changed on the device, then forgets it. */
int uplink_teardown(const struct uplink_env *env, struct uplink *u);
/* The device went away: nothing to restore, forget the saved state. */
void uplink_gone(const struct uplink_env *env, struct uplink *u);

/* 'bwmd --cleanup': tears down every uplink recorded under state_dir. */
int uplinks_cleanup_all(struct nl_sock *sk, const struct bwm_config *config);

#endif /* BWM_UPLINKS_H */
