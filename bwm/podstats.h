/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads the pinned maps for bwmctl: a snapshot of every pod (metadata, limit,
 * counters), without loading any program, so it works whether bwmd runs or
 * not. Formatting (table, JSON) is pure and tested on its own.
 */
#ifndef BWM_PODSTATS_H
#define BWM_PODSTATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bwm_maps.h"

struct pod_stats {
	uint32_t id;
	struct bwm_pod_meta meta;
	struct bwm_pod_limit limit;
	struct bwm_pod_state state;
	struct bwm_pod_counters counters;   /* summed over CPUs */
	uint64_t queue_delay_ns;   /* the virtual queue when read: t_last - now, or 0 */
	double rate_bps;           /* achieved over the sampling interval; < 0 if not sampled */
	/* Issue 16: the pod's ingress, as the above are its egress... */
	struct bwm_pod_limit ingress_limit;
	struct bwm_pod_state ingress_state;
	struct bwm_pod_counters ingress_counters;
	uint64_t ingress_queue_delay_ns;
	double ingress_rate_bps;
	/* ...and what its interface saw come from it. */
	struct bwm_pod_link_counters from_pod;
	uint64_t escaped_segs;     /* from_pod.segs its egress clock never charged (pod_stats_escaped) */
};

struct pod_stats_snapshot {
	struct pod_stats *pods;    /* sorted by name */
	size_t n_pods;
	uint64_t taken_ns;         /* CLOCK_MONOTONIC */
};

/* Opens the pinned maps under pin_dir, read-only. -ENOENT: nothing pinned
 * there; -EPROTO: a map of another layout (another bwm version), with what
 * differs in ret_why. */
struct pinned_maps;
int pinned_maps_open(const char *pin_dir, struct pinned_maps **ret, char *ret_why, size_t why_size);
struct pinned_maps *pinned_maps_close(struct pinned_maps *m);

int pod_stats_take(struct pinned_maps *m, struct pod_stats_snapshot *ret);
void pod_stats_free(struct pod_stats_snapshot *s);

/* Fills rate_bps of now from the byte counters of before (same pod id and
 * name; pods new since then get no rate). */
void pod_stats_rates(struct pod_stats_snapshot *now, const struct pod_stats_snapshot *before);

/* Output, for all pods or only the one named (NULL: all). Returns the
 * number of pods written. */
size_t pod_stats_print_table(FILE *out, const struct pod_stats_snapshot *s, const char *only);
size_t pod_stats_print_json(FILE *out, const struct pod_stats_snapshot *s, const char *only);

/* The GSO segments that came in from the pod on its interface and met no
 * bwm program on the way out (issue 16): an unmanaged device, a tunnel
 * bwm does not cover, the node itself. 0 for a pod without an interface
 * program (nothing seen). */
uint64_t pod_stats_escaped(const struct bwm_pod_link_counters *from_pod,
			   const struct bwm_pod_counters *egress);

/* "10 Mbit/s", "1.5 Gbit/s", "-" for 0. */
void format_bitrate(double bits_per_sec, char *buf, size_t size);

#endif /* BWM_PODSTATS_H */
