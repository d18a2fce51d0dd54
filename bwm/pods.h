/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod table of bwmd: reads the pods directory, turns each file into the
 * maps' entries (reconcile.c decides what changes), gives pod ids, and
 * reports each file's problems once (again only when they change).
 */
#ifndef BWM_PODS_H
#define BWM_PODS_H

#include <stdint.h>

#include "bwm_maps.h"
#include "config.h"

struct datapath;
struct pods;

struct pods_summary {
	unsigned enforced;   /* in the maps */
	unsigned pending;    /* known, not in the maps (interface missing, ...) */
	unsigned errors;     /* files with problems */
};

int pods_new(uint32_t max_pods, struct pods **ret);
struct pods *pods_free(struct pods *p);

/* Takes over the pods a previous bwmd left in the pinned maps, with their
 * ids, so that the first reconcile changes only what changed meanwhile. */
int pods_adopt(struct pods *p, struct datapath *dp);

/* Makes the maps match the pods directory. A directory that cannot be read
 * changes nothing (enforcement stays as it is). */
int pods_reconcile(struct pods *p, struct datapath *dp, const struct bwm_config *config,
		   struct pods_summary *ret_summary);

/* The maps' limit for a pod of that rate under config: its horizon and the
 * latency control ([datapath], [latency]). */
void pod_limit_from_config(const struct bwm_config *config, uint64_t rate_bytes_per_sec,
			   struct bwm_pod_limit *ret);

/* The host-side interfaces of the pods in the maps (index and name, n
 * each); the caller frees both arrays and the names. */
int pods_interfaces(const struct pods *p, int **ret_ifindexes, char ***ret_ifnames, size_t *ret_n);

#endif /* BWM_PODS_H */
