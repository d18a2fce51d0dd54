// SPDX-License-Identifier: GPL-2.0-only
#include "cni_bwmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "podstats.h"
#include "util.h"

#ifndef BWM_CNI_BWM_CONFIG
#define BWM_CNI_BWM_CONFIG BWM_CONFIG_PATH_DEFAULT
#endif

int cni_bwmd_locate(const char *pods_dir, const char *config_path, struct cni_bwmd_paths *ret,
		    struct cni_error *err)
{
	struct bwm_config config;
	struct cni_bwmd_paths p = {};
	const char *path = config_path ?: BWM_CNI_BWM_CONFIG;
	int r;

	/* config_load logs its reasons (file, line, key) on stderr. */
	r = config_load(path, true, &config);
	if (r < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "cannot read bwmd's configuration",
				"%s: %s (bwm-cni's stderr has the line)", cni_quote(path), strerror(-r));
	p.pods_dir = strdup(pods_dir ?: config.pods_dir);
	p.pin_dir = strdup(config.pin_dir);
	config_free(&config);
	if (!p.pods_dir || !p.pin_dir) {
		cni_bwmd_paths_free(&p);
		return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
	}
	*ret = p;
	return 0;
}

void cni_bwmd_paths_free(struct cni_bwmd_paths *paths)
{
	if (!paths)
		return;
	free(paths->pods_dir);
	free(paths->pin_dir);
	*paths = (struct cni_bwmd_paths) {};
}

static int compare_pod(const struct pod_stats *p, const struct cni_limits *limits, const char *host_ifname,
		       struct cni_error *err)
{
	/* bwmd's conversion (pods.c): bit/s -> bytes/s, rounded down. */
	uint64_t want = limits->egress_bps / 8;

	if (p->limit.rate_bytes_per_sec != want)
		return cni_fail(err, CNI_ERR_TRY_AGAIN, "bwmd enforces another limit",
				"pod %s: %" PRIu64 " bit/s in the maps, %" PRIu64 " in its file",
				cni_quote(p->meta.name), (uint64_t)p->limit.rate_bytes_per_sec * 8,
				limits->egress_bps);
	if (strcmp(p->meta.ifname, host_ifname ?: "") != 0)
		return cni_fail(err, CNI_ERR_TRY_AGAIN, "bwmd classifies the pod by another interface",
				"pod %s: %s in the maps, %s in its file", cni_quote(p->meta.name),
				cni_quote(p->meta.ifname), cni_quote(host_ifname ?: ""));
	return 0;
}

int cni_bwmd_check_enforced(const char *pin_dir, const char *pod_name, const struct cni_limits *limits,
			    const char *host_ifname, struct cni_error *err)
{
	struct pinned_maps *maps = NULL;
	struct pod_stats_snapshot s = {};
	const struct pod_stats *found = NULL;
	char why[256] = "";
	int r;

	r = pinned_maps_open(pin_dir, &maps, why, sizeof(why));
	if (r == -EPROTO)
		return cni_fail(err, CNI_ERR_IO, "bwmd's maps are of another version", "%s: %s",
				cni_quote(pin_dir), why);
	if (r < 0)
		return cni_fail(err, CNI_ERR_TRY_AGAIN, "bwmd's maps are not there",
				"%s: %s (bwmd has not started on this node, or bwmd --cleanup removed them)",
				cni_quote(pin_dir), strerror(-r));
	r = pod_stats_take(maps, &s);
	pinned_maps_close(maps);
	if (r < 0)
		return cni_fail(err, CNI_ERR_IO, "cannot read bwmd's maps", "%s: %s", cni_quote(pin_dir),
				strerror(-r));
	for (size_t i = 0; i < s.n_pods && !found; i++)
		if (strcmp(s.pods[i].meta.name, pod_name) == 0)
			found = &s.pods[i];
	if (!found)
		r = cni_fail(err, CNI_ERR_TRY_AGAIN, "bwmd does not enforce the pod",
			     "pod %s is not in bwmd's maps under %s: bwmd has not seen its file yet, or "
			     "holds it pending or refused (bwmd's log says which)", cni_quote(pod_name),
			     cni_quote(pin_dir));
	else
		r = compare_pod(found, limits, host_ifname, err);
	pod_stats_free(&s);
	return r;
}
