/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which host-side interface is the pod's: the veth peer of the pod's
 * interface, asked of the kernel, as the bandwidth plugin does
 * (getHostInterface). Needed when prevResult lists several host-side
 * interfaces, as the bridge plugin does (the bridge and the pod's port).
 */
#ifndef BWM_CNI_NETNS_H
#define BWM_CNI_NETNS_H

#include <net/if.h>

#include "cni_error.h"

/*
 * The name, in this network namespace, of the peer of the veth ifname in
 * the namespace at netns_path. CNI_ERR_UNKNOWN_CONTAINER when the
 * namespace or the interface is not there, CNI_ERR_INVALID_CONFIG when it
 * is no veth with a peer here, CNI_ERR_IO otherwise.
 */
int cni_netns_veth_peer(const char *netns_path, const char *ifname, char ret[IFNAMSIZ], struct cni_error *err);

#endif /* BWM_CNI_NETNS_H */
