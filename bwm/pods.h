/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwmd's pods: reads the pods directory (podscan.c), plans what the maps
 * must become (podplan.c, pure), writes them in the plan's order, and
 * reports each file's problems and each pod's fate once (again only when
 * they change). Logging.
 *
 * What bwmd believes the maps hold is read back from them at start
 * (adoption), after any failed write, and at each full resync, so neither
 * a kill -9 at any point nor a stray write by another tool leaves them
 * wrong for longer than one reconcile.
 */
#ifndef BWM_PODS_H
#define BWM_PODS_H

#include <stdbool.h>
#include <stdint.h>

#include "bwm_maps.h"
#include "config.h"
#include "podlinks.h"
#include "podscan.h"

struct datapath;
struct pods;

struct pods_summary {
	unsigned enforced;   /* in the maps (kept ones included) */
	unsigned kept;       /* in the maps with values from before: their files have problems */
	unsigned pending;    /* known, not in the maps: nothing to classify by (yet) */
	unsigned errors;     /* files with problems, pods refused or without an id */
	bool retry;          /* a map write failed, or a file is being written: reconcile again soon */
	dev_t dir_dev;       /* the pods directory read (0 and 0: it could not be) */
	ino_t dir_ino;
};

int pods_new(uint32_t max_pods, struct pods **ret);
struct pods *pods_free(struct pods *p);

/* Reads what the pinned maps hold, whoever wrote it (a previous bwmd, one
 * killed half-way), as what the next reconcile plans against. Returns the
 * number of pods there, or a negative errno. */
int pods_adopt(struct pods *p, struct datapath *dp);

/* The next reconcile reads the maps back first (the periodic resync). */
void pods_resync(struct pods *p);

/* Makes the maps what the pods directory asks (bwm/podplan.h says how, and
 * what is kept when a file is bad). A directory that cannot be read
 * changes nothing. busy (may be NULL) tells files still being written. */
int pods_reconcile(struct pods *p, struct datapath *dp, const struct bwm_config *config,
		   podscan_busy_fn busy, void *userdata, struct pods_summary *ret_summary);

/* The maps' limit for a pod of that rate under config: its horizon and the
 * latency control ([datapath], [latency]). */
void pod_limit_from_config(const struct bwm_config *config, uint64_t rate_bytes_per_sec,
			   struct bwm_pod_limit *ret);

/* The host-side interfaces of the pods in the maps (index and name, n
 * each); the caller frees both arrays and the names. */
int pods_interfaces(const struct pods *p, int **ret_ifindexes, char ***ret_ifnames, size_t *ret_n);

/* Issue 16: the pods in the maps that have an interface, for podlinks;
 * the caller frees *ret. */
int pods_links(const struct pods *p, struct podlink_want **ret, size_t *ret_n);

#endif /* BWM_PODS_H */
