/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kubernetes object names as the API server accepts them, for what bwm-cni
 * takes from CNI_ARGS and bwmd from pod files (metrics labels): a
 * namespace is an RFC 1123 label, a pod name an RFC 1123 subdomain, a UID
 * what the API server makes (a UUID). Pure.
 */
#ifndef BWM_K8S_NAMES_H
#define BWM_K8S_NAMES_H

#include <stdbool.h>

#define K8S_NAMESPACE_MAX 63
#define K8S_POD_NAME_MAX 253
#define K8S_UID_MAX 36

bool k8s_is_namespace(const char *s);
bool k8s_is_pod_name(const char *s);
bool k8s_is_uid(const char *s);

#endif /* BWM_K8S_NAMES_H */
