/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pod's counters from the per-CPU bwm_pod_counters map (bpf/bwm_maps.h):
 * the datapath counts on each CPU apart, so that no cache line bounces
 * between them (issue 12); a reader sums the copies. Works on any fd of
 * that map: bwmd's loaded one, bwmctl's pinned read-only one.
 */
#ifndef BWM_POD_COUNTERS_H
#define BWM_POD_COUNTERS_H

#include <stdint.h>

#include "bwm_maps.h"

/* The sums over CPUs of pod id's counters. */
int pod_counters_read(int map_fd, uint32_t id, struct bwm_pod_counters *ret);

/* Zeroes pod id's counters on every CPU (a pod id given to a new pod). */
int pod_counters_zero(int map_fd, uint32_t id);

/* The same for bwm_pod_link_counters (issue 16), what came in from the
 * pod on its host-side interface. */
int pod_link_counters_read(int map_fd, uint32_t id, struct bwm_pod_link_counters *ret);
int pod_link_counters_zero(int map_fd, uint32_t id);

#endif /* BWM_POD_COUNTERS_H */
