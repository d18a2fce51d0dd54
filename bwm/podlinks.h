/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pods' host-side interfaces (issue 16): the interface of every pod in the
 * maps gets bwm's two pod programs (bpf/bwm.bpf.c, "Pod interfaces") and,
 * where the kernel has it, an fq root for the departure times its egress
 * program stamps. Managed as the uplinks are (bwm/managed_link.h): the root
 * qdisc recorded before the change, adopted after a restart, restored when
 * the pod or its interface leaves the maps and on clean-up; an interface
 * that went away is forgotten. Logging.
 *
 * Without fq (a kernel built without it), the programs are attached all
 * the same: the pod is still identified on every path and counted, but
 * what goes to it is not shaped there (its ingress limit, and pod-to-pod
 * traffic on the node), which bwmd says once per interface.
 */
#ifndef BWM_PODLINKS_H
#define BWM_PODLINKS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "uplinks.h"

/* A pod in the maps with an interface (pods_links()). */
struct podlink_want {
	uint32_t pod;
	const char *name;          /* the pod's, for messages (owned by the caller) */
	int ifindex;
	char ifname[IFNAMSIZ];
	bool own_addrs;            /* its file lists its addresses */
};

struct podlinks;

int podlinks_new(struct podlinks **ret);
struct podlinks *podlinks_free(struct podlinks *pl);

/* Makes the managed interfaces those of wants (all of them go when
 * [datapath] pod_interfaces is off). The first call also tears down the
 * interfaces an earlier bwmd recorded that no pod wants any more. */
void podlinks_apply(struct podlinks *pl, const struct uplink_env *env,
		    const struct podlink_want *wants, size_t n);

/* cleanup_on_exit: every managed interface restored. */
void podlinks_teardown_all(struct podlinks *pl, const struct uplink_env *env);

/* 'bwmd --cleanup': every interface recorded under state_dir restored. */
int podlinks_cleanup_all(struct nl_sock *sk, const struct bwm_config *config);

#endif /* BWM_PODLINKS_H */
