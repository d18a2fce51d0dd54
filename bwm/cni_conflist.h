/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The installer's edit of a node's CNI configuration list: the bandwidth
 * plugin's entry becomes bwm-cni's ("type": "bandwidth" -> "bwm-cni") and
 * back. Only "type" changes: the entry's capabilities (bandwidth: true,
 * which makes libcni pass runtimeConfig.bandwidth), any static limits and
 * every other plugin stay as they are, in their order. The text is written
 * out again with jansson (two-space indent, keys in their order), so
 * whitespace may change. Pure.
 */
#ifndef BWM_CNI_CONFLIST_H
#define BWM_CNI_CONFLIST_H

#include <stddef.h>

#define CNI_BANDWIDTH_TYPE "bandwidth"
#define CNI_BWM_TYPE "bwm-cni"

enum cni_conflist_edit {
	CNI_CONFLIST_INSTALL,     /* bandwidth -> bwm-cni */
	CNI_CONFLIST_UNINSTALL,   /* bwm-cni -> bandwidth */
};

/*
 * Rewrites the conflist text. Returns the number of entries changed, with
 * *ret_text (malloc'd, ends in a newline) when that is > 0 and NULL when 0;
 * or -EINVAL with *ret_reason (malloc'd) when text is not a conflist
 * ("plugins" must be an array of objects) or, when installing, a bandwidth
 * entry limits only some subnets (shapedSubnets/unshapedSubnets), which
 * bwm cannot do: the file is then left as it is. -ENOMEM.
 */
int cni_conflist_rewrite(const char *text, size_t size, enum cni_conflist_edit edit, char **ret_text,
			 char **ret_reason);

#endif /* BWM_CNI_CONFLIST_H */
