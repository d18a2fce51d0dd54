/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pod's limits, read from its annotation file in the pods directory.
 *
 * The pod's name is its file's name. Names starting with '.' are not pods:
 * they are kubelet's "..data" link and "..<timestamp>" directories, and the
 * hidden temporary files of editors and atomic writers.
 *
 * The directory may hold plain files, kubelet's atomic-writer layout, or
 * both:
 *
 *	..2026_11_21_10_00_00.123456789/web-1    the data
 *	..data -> ..2026_11_21_10_00_00.123456789
 *	web-1 -> ..data/web-1
 *
 * A symlink is followed only in that shape, and only to a directory of the
 * pods directory itself; anything else is refused. Kubelet swaps "..data"
 * with a rename, so a reader sees either the old or the new data, whole.
 *
 * Every problem is reported through a bwm_problem_fn (see annotations.h) and
 * drops only the effect of the key it is about; the rest of the file counts.
 * Non-logging.
 */
#ifndef BWM_PODSPEC_H
#define BWM_PODSPEC_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "annotations.h"
#include "bwm_maps.h"
#include "k8s_names.h"

#define BWM_POD_KEY_EGRESS    "kubernetes.io/egress-bandwidth"
#define BWM_POD_KEY_INGRESS   "kubernetes.io/ingress-bandwidth"
#define BWM_POD_KEY_INTERFACE "bwm.io/interface"
#define BWM_POD_KEY_IPS       "bwm.io/ips"
/* Written by bwm-cni (bits, as a quantity); not read by bwmd yet: the
 * datapath has no burst credit (cni_limits.h, docs/cni.md). */
#define BWM_POD_KEY_EGRESS_BURST  "bwm.io/egress-burst"
#define BWM_POD_KEY_INGRESS_BURST "bwm.io/ingress-burst"
/* Who the pod is, for messages and metrics; bwm-cni writes them. */
#define BWM_POD_KEY_NAMESPACE     "bwm.io/pod-namespace"
#define BWM_POD_KEY_POD_NAME      "bwm.io/pod-name"
#define BWM_POD_KEY_UID           "bwm.io/pod-uid"
/* bwm-cni's own record of the container and network it wrote the file for. */
#define BWM_POD_KEY_CONTAINER_ID  "bwm.io/cni-container-id"
#define BWM_POD_KEY_CNI_IFNAME    "bwm.io/cni-ifname"
#define BWM_POD_KEY_NETWORK       "bwm.io/cni-network"

/* A pod file lists at most as many addresses as the maps hold per pod. */
#define BWM_POD_MAX_ADDRS BWM_MAX_ADDRS_PER_POD
/* Kubelet's annotation files are a few KiB; this bounds a bad one's cost. */
#define BWM_POD_FILE_MAX (256 * 1024)

struct bwm_pod_addr {
	int family;                   /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* What a file says of one key. bwmd keeps what it last applied for a key
 * that is INVALID, and for one that went ABSENT from a file that still
 * exists (fail closed, bwm.conf(5)). */
enum podspec_field {
	PODSPEC_ABSENT = 0,   /* the file has no such key */
	PODSPEC_SET,          /* a value that parsed */
	PODSPEC_INVALID,      /* a value that did not (reported) */
};

struct bwm_pod_spec {
	char *name;
	uint64_t egress_bps, ingress_bps;   /* bit/s, where SET */
	char ifname[IFNAMSIZ];              /* where SET */
	struct bwm_pod_addr addrs[BWM_POD_MAX_ADDRS];
	size_t n_addrs;                     /* where SET; may be 0 (an empty list) */
	enum podspec_field egress, ingress, interface, ips;
	/* Who the pod is, for labels (bwm.io/pod-namespace, bwm.io/pod-name);
	 * "" when not given or not a valid Kubernetes name (reported). */
	char k8s_namespace[K8S_NAMESPACE_MAX + 1];
	char k8s_pod[K8S_POD_NAME_MAX + 1];
};

/*
 * NULL if name is a valid interface name: the kernel's dev_valid_name(),
 * plus no control characters, which would only ever be a mistake and garble
 * messages. Otherwise why not, as a static string.
 */
const char *podspec_check_ifname(const char *name);

/* Whether a directory entry of the pods directory names a pod. */
bool podspec_is_pod_name(const char *name);

/*
 * Builds *ret from parsed annotations. Returns the number of problems
 * reported to on_problem (may be NULL), or -ENOMEM; *ret is only set on
 * success.
 */
int podspec_from_annotations(const char *pod_name, const struct bwm_annotations *annotations,
			     bwm_problem_fn on_problem, void *userdata, struct bwm_pod_spec *ret);

/*
 * Reads the pod file name in the pods directory dirfd, following kubelet's
 * ..data layout. Returns the number of problems reported, with *ret set; or a
 * negative errno with *ret untouched. A file bwm refuses is reported (line 0)
 * before its error is returned: -EPERM (not owned by root, or
 * world-writable), -EFBIG (larger than BWM_POD_FILE_MAX), -EXDEV (a symlink
 * outside kubelet's layout), -EINVAL (not a pod name or not a regular file).
 * Errors of the system (-ENOENT when the file went away, -ENOMEM, -EIO) are
 * returned without a report, as is -EINPROGRESS: another process has the
 * file open for writing (it may be half written; its close will tell).
 */
int podspec_load_file(int dirfd, const char *name, bwm_problem_fn on_problem, void *userdata,
		      struct bwm_pod_spec *ret);

/* Frees what *spec owns and clears it; accepts NULL. */
void podspec_free(struct bwm_pod_spec *spec);

#endif /* BWM_PODSPEC_H */
