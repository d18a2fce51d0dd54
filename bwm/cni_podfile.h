/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pod file bwm-cni writes for one attachment (container + interface):
 * its name in the pods directory and its text, in the format bwmd reads
 * (podspec.h): one key="value" line per key, sorted by key as kubelet
 * writes annotations, values quoted with annotation_quote (which
 * annotation_unquote, Go's strconv.Unquote, read back).
 *
 * Name: "NAMESPACE_POD_ID_IFNAME" for a Kubernetes pod, "ID_IFNAME"
 * otherwise. ID is the container (sandbox) ID, shortened to its first 12
 * digits when it is the 64 hex digits containerd and CRI-O use (as crictl
 * shows it). The ID and CNI_IFNAME make it unique per attachment, so a
 * pod recreated under the same name, or a second network of one pod
 * (Multus), never takes over or removes another's file; the namespace and
 * pod name are there for people (bwmctl shows the name). '_' cannot occur
 * in Kubernetes names, a name never starts with '.' (container IDs and
 * namespaces start with a letter or digit) and never holds '/'. A long pod
 * name is cut to keep the whole within NAME_MAX.
 *
 * Keys besides bwmd's: bwm.io/cni-container-id, bwm.io/cni-ifname and
 * bwm.io/cni-network (which attachment the file is, for DEL and people),
 * bwm.io/pod-namespace, bwm.io/pod-name and bwm.io/pod-uid when CNI_ARGS
 * has them, and the bursts (podspec.h).
 */
#ifndef BWM_CNI_PODFILE_H
#define BWM_CNI_PODFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cni_invocation.h"
#include "cni_limits.h"
#include "podspec.h"

/* A pod file name, NUL included. */
#define CNI_POD_FILE_NAME_SIZE (NAME_MAX + 1)
/* Its "ID_IFNAME" end: an ID of at most 64 characters, '_', an interface. */
#define CNI_POD_FILE_SUFFIX_SIZE (64 + 1 + IFNAMSIZ)

struct cni_pod {
	const struct cni_invocation *inv;   /* container ID, CNI_IFNAME, K8S_* */
	const char *network;                /* the network's name */
	const char *host_ifname;            /* NULL: no host-side interface */
	const struct bwm_pod_addr *addrs;
	size_t n_addrs;
	struct cni_limits limits;
};

/* The file name for inv's attachment; always a pod name (podspec.h). */
void cni_pod_file_name(const struct cni_invocation *inv, char ret[CNI_POD_FILE_NAME_SIZE]);

/* The "_ID_IFNAME" (or "ID_IFNAME") end every name of this attachment has,
 * whatever CNI_ARGS said when it was added. */
void cni_pod_file_suffix(const char *container_id, const char *ifname, char ret[CNI_POD_FILE_SUFFIX_SIZE]);

/* The file's text; NULL on ENOMEM. */
char *cni_pod_file_render(const struct cni_pod *pod);

/*
 * Compares a pod file's text with what cni_pod_file_render wrote: the same
 * keys and values, in any order and quoting. Returns 0 when they match, 1
 * with *ret_difference (malloc'd, values quoted) when not, -ENOMEM.
 */
int cni_pod_file_compare(const char *expected, size_t expected_size, const char *actual,
			 size_t actual_size, char **ret_difference);

/* Whether text is the file of container_id's attachment on ifname (its
 * bwm.io/cni-container-id and bwm.io/cni-ifname say so). */
bool cni_pod_file_is_attachment(const char *text, size_t size, const char *container_id,
				const char *ifname);

#endif /* BWM_CNI_PODFILE_H */
