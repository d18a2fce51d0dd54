// SPDX-License-Identifier: GPL-2.0-only
#include "metrics_export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "annotations.h"
#include "fileio.h"
#include "log.h"
#include "util.h"

struct metrics_export {
	struct metrics_node node;
	int textfile_error;     /* the last write's error, logged once; 0: it worked */
	int node_file_error;
};

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int metrics_export_new(struct metrics_export **ret)
{
	struct metrics_export *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->node.version = BWM_VERSION;
	m->node.start_time_seconds = unix_now();
	*ret = m;
	return 0;
}

struct metrics_export *metrics_export_free(struct metrics_export *m)
{
	free(m);
	return NULL;
}

void metrics_export_reconciled(struct metrics_export *m, double seconds,
			       const struct pods_summary *summary)
{
	m->node.reconciles++;
	m->node.reconcile_seconds_total += seconds;
	m->node.last_reconcile_seconds = seconds;
	m->node.pods_enforced = summary->enforced;
	m->node.pods_kept = summary->kept;
	m->node.pods_pending = summary->pending;
	m->node.pods_errors = summary->errors;
}

int metrics_render_pinned_pods(FILE *out, const char *pin_dir, size_t max_series, char *ret_why,
			       size_t why_size)
{
	struct pinned_maps *maps = NULL;
	struct pod_stats_snapshot s = {};
	int r;

	r = pinned_maps_open(pin_dir, &maps, ret_why, why_size);
	if (r < 0)
		return r;
	r = pod_stats_take(maps, &s);
	pinned_maps_close(maps);
	if (r < 0)
		return r;
	metrics_render_pods(out, &s, max_series);
	pod_stats_free(&s);
	return 0;
}

/* Writes text atomically as dir/name; reports a failure once per errno. */
static int write_once_reported(const char *dir, const char *name, const char *text, size_t size,
			       int *last_error, const char *what)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = fd < 0 ? -errno : atomic_file_write(fd, name, text, size, 0644);
	_cleanup_free_ char *qdir = NULL;

	if (fd >= 0)
		close(fd);
	if (r < 0 && r != *last_error) {
		qdir = annotation_escape(dir, PATH_MAX);
		log_warning_errno(r, "Cannot write %s to '%s': %m; enforcement is not affected, "
				  "retrying at each interval", what, qdir ?: "?");
	} else if (r >= 0 && *last_error) {
		log_info("Writing %s again", what);
	}
	*last_error = r < 0 ? r : 0;
	return r;
}

void metrics_export_write(struct metrics_export *m, const struct bwm_config *config,
			  const struct metrics_uplink *uplinks, size_t n_uplinks, bool textfile)
{
	char *text = NULL;
	size_t size = 0, node_size;
	char why[256];
	FILE *out;
	int r;

	m->node.uplinks = uplinks;
	m->node.n_uplinks = n_uplinks;
	m->node.updated_seconds = unix_now();
	out = open_memstream(&text, &size);
	if (!out)
		return;
	metrics_render_node(out, &m->node);
	fflush(out);
	node_size = size;
	write_once_reported(config->state_dir, METRICS_NODE_FILE, text, node_size, &m->node_file_error,
			    "bwmd's metrics");
	if (textfile && config->metrics_textfile_dir[0]) {
		r = metrics_render_pinned_pods(out, config->pin_dir, config->max_pods, why, sizeof(why));
		if (r < 0)
			log_debug_errno(r, "Cannot read the pinned maps for metrics: %m");
		fflush(out);
		if (write_once_reported(config->metrics_textfile_dir, METRICS_TEXTFILE, text, size,
					&m->textfile_error, "metrics for node_exporter") < 0)
			m->node.textfile_errors++;
	}
	fclose(out);
	free(text);
	m->node.uplinks = NULL;
	m->node.n_uplinks = 0;
}
