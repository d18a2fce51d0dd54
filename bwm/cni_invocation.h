/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the runtime says about one call of the plugin besides stdin: the CNI
 * spec's environment (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,
 * CNI_ARGS; CNI_PATH is not needed by a plugin that calls none), checked as
 * libcni checks them, and the Kubernetes pod's identity from CNI_ARGS
 * (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, as containerd and CRI-O
 * pass them). Pure: the caller passes getenv()'s answers.
 */
#ifndef BWM_CNI_INVOCATION_H
#define BWM_CNI_INVOCATION_H

#include <net/if.h>

#include "cni_error.h"
#include "k8s_names.h"

enum cni_command {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_VERSION,
};

struct cni_invocation {
	enum cni_command command;
	const char *container_id;    /* borrowed; NULL for VERSION */
	const char *netns;           /* borrowed; may be "" for DEL */
	char ifname[IFNAMSIZ];
	/* "" when CNI_ARGS does not carry them */
	char pod_namespace[K8S_NAMESPACE_MAX + 1];
	char pod_name[K8S_POD_NAME_MAX + 1];
	char pod_uid[K8S_UID_MAX + 1];
};

/*
 * Checks the environment's values (NULL: not set) for command and fills
 * *ret, whose strings borrow from the arguments. CNI_ERR_INVALID_ENV when a
 * value the command needs is missing or malformed; CNI_ARGS keys other than
 * the three above are ignored, as IgnoreUnknown=1 asks.
 */
int cni_invocation_parse(const char *command, const char *container_id, const char *netns,
			 const char *ifname, const char *args, struct cni_invocation *ret,
			 struct cni_error *err);

#endif /* BWM_CNI_INVOCATION_H */
