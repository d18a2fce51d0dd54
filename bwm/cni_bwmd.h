/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwmd as bwm-cni sees it: where its pods directory and pinned maps are
 * (from its configuration file), and whether it enforces a pod (from the
 * pinned maps, read-only, as bwmctl reads them: bwmd need not run).
 */
#ifndef BWM_CNI_BWMD_H
#define BWM_CNI_BWMD_H

#include "cni_error.h"
#include "cni_limits.h"

struct cni_bwmd_paths {
	char *pods_dir;
	char *pin_dir;
};

/*
 * The pods directory: pods_dir (the plugin's "podsDir") when given, else
 * the pods_dir of bwmd's configuration at config_path ("bwmConfig", NULL:
 * the path the systemd unit gives bwmd), whose own default is
 * /run/bwm/pods. A missing configuration file means bwmd's defaults; a
 * broken one is an error (CNI_ERR_INVALID_CONFIG), not a guess.
 */
int cni_bwmd_locate(const char *pods_dir, const char *config_path, struct cni_bwmd_paths *ret,
		    struct cni_error *err);
void cni_bwmd_paths_free(struct cni_bwmd_paths *paths);

/*
 * Whether bwmd enforces pod_name with these limits on host_ifname (NULL:
 * none): 0 if so, else CNI_ERR_TRY_AGAIN saying what differs (bwmd applies
 * files as it sees them; a pod it has not applied may be pending, or
 * refused: its log says which).
 */
int cni_bwmd_check_enforced(const char *pin_dir, const char *pod_name, const struct cni_limits *limits,
			    const char *host_ifname, struct cni_error *err);

#endif /* BWM_CNI_BWMD_H */
