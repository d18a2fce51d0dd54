/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where bwmd's metrics go (issue 17), the way node daemons deliver them:
 *  - node_exporter's textfile collector: [metrics] textfile_dir, rewritten
 *    atomically every [metrics] interval as bwm.prom (off by default);
 *  - state_dir/metrics-node.prom: bwmd's own part, after every reconcile,
 *    for `bwmctl metrics`, which adds the pods' part from the pinned maps.
 * A write that fails is reported once (again when it works, and when it
 * fails anew) and counted; it never touches enforcement. Logging.
 */
#ifndef BWM_METRICS_EXPORT_H
#define BWM_METRICS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "metrics.h"
#include "pods.h"

/* The node part's file under state_dir. */
#define METRICS_NODE_FILE "metrics-node.prom"
/* The textfile collector reads *.prom only; the temporary file is hidden. */
#define METRICS_TEXTFILE "bwm.prom"

struct metrics_export;

int metrics_export_new(struct metrics_export **ret);
struct metrics_export *metrics_export_free(struct metrics_export *m);

/* A reconcile took seconds and left summary. */
void metrics_export_reconciled(struct metrics_export *m, double seconds,
			       const struct pods_summary *summary);

/* Writes the node part to state_dir, and, if textfile, node and pods to
 * the textfile directory. uplinks: what bwmd manages now. */
void metrics_export_write(struct metrics_export *m, const struct bwm_config *config,
			  const struct metrics_uplink *uplinks, size_t n_uplinks, bool textfile);

/* The pods' part from the pinned maps, as bwmd and bwmctl render it;
 * pinned_maps_open()'s errors (-EPROTO: why in ret_why). */
int metrics_render_pinned_pods(FILE *out, const char *pin_dir, size_t max_series, char *ret_why,
			       size_t why_size);

#endif /* BWM_METRICS_EXPORT_H */
