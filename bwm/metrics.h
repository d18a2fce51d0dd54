/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwm's state as Prometheus metrics (issue 17), in the text exposition
 * format (version 0.0.4) that node_exporter's textfile collector reads and
 * every Prometheus scrapes; names, units and types follow Prometheus'
 * conventions (base units, _total for counters, _seconds, _bytes). Pure:
 * it writes to a FILE, from a snapshot of the pinned maps (podstats.h) and
 * what bwmd knows of itself.
 *
 * The node's part (bwmd's own state) and the pods' part (the maps) are
 * rendered apart: bwmd writes both to the textfile collector's directory,
 * and the node part alone to its state directory, where `bwmctl metrics`
 * reads it to print the same text as bwmd would.
 *
 * Label values come from pod files: they are escaped as the format says
 * (\\, \", \n), bytes that are not UTF-8 and other control characters become
 * U+FFFD, so no pod file can break the exposition or a terminal.
 */
#ifndef BWM_METRICS_H
#define BWM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "podstats.h"

struct metrics_uplink {
	const char *name;
	bool active;             /* program attached (and fq installed, if managed) */
	bool qdisc_managed;      /* [datapath] qdisc = fq */
};

/* What bwmd knows of itself. */
struct metrics_node {
	const char *version;
	double start_time_seconds;         /* Unix time */
	double updated_seconds;            /* Unix time this was rendered */
	unsigned long long reconciles;
	double reconcile_seconds_total;
	double last_reconcile_seconds;
	unsigned pods_enforced, pods_kept, pods_pending, pods_errors;
	const struct metrics_uplink *uplinks;
	size_t n_uplinks;
	unsigned long long textfile_errors;
};

void metrics_render_node(FILE *out, const struct metrics_node *node);

/* One series per pod in the maps; pods beyond max_series are left out
 * (their count is in bwm_pods_omitted), so that cardinality stays bounded
 * by max_pods. */
void metrics_render_pods(FILE *out, const struct pod_stats_snapshot *s, size_t max_series);

/* A label value, quoted and escaped as above. */
void metrics_label_value(FILE *out, const char *value);

#endif /* BWM_METRICS_H */
