/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Escape detection (issue 16): a pod's host-side interface program counts
 * the GSO segments that come in from the pod; every bwm program that
 * charges the pod's egress clock on the way out (an uplink, a tunnel,
 * another pod's interface) counts them again. What the first saw and no
 * second did left unshaped: by a device bwm does not manage, by a tunnel
 * whose underlay it does not manage either, or to the node itself (or the
 * stack dropped it). bwmctl status shows the difference for every pod;
 * bwmd warns once per limited pod when it passes ESCAPE_MIN_SEGS and
 * ESCAPE_MIN_PERCENT of what the pod sent. Logging.
 */
#ifndef BWM_ESCAPES_H
#define BWM_ESCAPES_H

#include <stdbool.h>
#include <stddef.h>

#include "bwm_maps.h"
#include "podlinks.h"

struct datapath;

#define ESCAPE_MIN_SEGS 1000     /* not the odd ARP or DNS packet to the node */
#define ESCAPE_MIN_PERCENT 1

/* Whether what escaped of a pod's traffic is worth a warning. Pure. */
bool escape_is_notable(const struct bwm_pod_link_counters *from_pod,
		       const struct bwm_pod_counters *egress);

struct escapes;

int escapes_new(struct escapes **ret);
struct escapes *escapes_free(struct escapes *e);

/* Reads the counters of the pods with interfaces; warns about each limited
 * pod once (again only once it has been given to another pod). managed
 * names the devices bwm manages, for the message. */
void escapes_check(struct escapes *e, struct datapath *dp, const struct podlink_want *pods, size_t n,
		   const char *managed);

#endif /* BWM_ESCAPES_H */
