// SPDX-License-Identifier: GPL-2.0-only
#include "escapes.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "datapath.h"
#include "log.h"
#include "podstats.h"
#include "util.h"

/* A pod warned about, by id and name (an id given to a new pod is new). */
struct warned {
	uint32_t pod;
	char name[BWM_POD_NAME_MAX];
};

struct escapes {
	struct warned *warned;
	size_t n_warned;
};

bool escape_is_notable(const struct bwm_pod_link_counters *from_pod,
		       const struct bwm_pod_counters *egress)
{
	uint64_t escaped = pod_stats_escaped(from_pod, egress);

	return escaped >= ESCAPE_MIN_SEGS && escaped * 100 >= from_pod->segs * ESCAPE_MIN_PERCENT;
}

int escapes_new(struct escapes **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

struct escapes *escapes_free(struct escapes *e)
{
	if (e) {
		free(e->warned);
		free(e);
	}
	return NULL;
}

static bool was_warned(const struct escapes *e, const struct podlink_want *p)
{
	for (size_t i = 0; i < e->n_warned; i++)
		if (e->warned[i].pod == p->pod && strcmp(e->warned[i].name, p->name) == 0)
			return true;
	return false;
}

void escapes_check(struct escapes *e, struct datapath *dp, const struct podlink_want *pods, size_t n,
		   const char *managed)
{
	struct warned *still = calloc(n ? n : 1, sizeof(*still));
	size_t kept = 0;

	if (!still)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct podlink_want *p = &pods[i];
		struct bwm_pod_link_counters from;
		struct bwm_pod_counters egress;
		struct bwm_pod_limit limit;
		struct bwm_pod_state state;

		if (was_warned(e, p)) {
			still[kept].pod = p->pod;
			snprintf(still[kept++].name, sizeof(still->name), "%s", p->name);
			continue;
		}
		if (datapath_pod_read(dp, p->pod, &limit, &state) < 0 || !limit.rate_bytes_per_sec ||
		    datapath_pod_link_counters(dp, p->pod, &from) < 0 ||
		    datapath_pod_counters(dp, p->pod, &egress) < 0 || !escape_is_notable(&from, &egress))
			continue;
		_cleanup_free_ char *qname = annotation_escape(p->name, NAME_MAX);
		log_warning("Pod '%s': %llu of the %llu packets (GSO segments) it sent through '%s' met no "
			    "device bwm manages on the way out, so its egress limit did not hold for them: "
			    "they left by a device that is not an uplink, by a tunnel whose underlay is not "
			    "one either, or went to the node itself (bwm manages: %s; 'bwmctl status' shows "
			    "ESCAPED)", qname ?: "?", (unsigned long long)pod_stats_escaped(&from, &egress),
			    (unsigned long long)from.segs, p->ifname, managed);
		still[kept].pod = p->pod;
		snprintf(still[kept++].name, sizeof(still->name), "%s", p->name);
	}
	free(e->warned);
	e->warned = still;
	e->n_warned = kept;
}
