/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bwm-cni takes from the main plugin's result (prevResult), in the
 * format of spec versions 0.3.0 to 1.0.0 (the same but for ips[].version,
 * which 1.0.0 dropped):
 *
 *	"interfaces": [ { "name": "cni0", "mac": "..." },                 the bridge
 *	                { "name": "veth1a2b3c4d", "mac": "..." },         the pod's port
 *	                { "name": "eth0", "sandbox": "/run/netns/x" } ],  in the pod
 *	"ips": [ { "address": "198.18.64.5/24", "gateway": "...", "interface": 2 } ]
 *
 * The host-side interfaces are those without a sandbox. A bridge plugin
 * reports the bridge as one of them, so when there are several the caller
 * picks the pod's own with the kernel (cni_netns.h); one is the pod's. The
 * pod's addresses are those of ips whose interface is in the sandbox, or
 * not given.
 */
#ifndef BWM_CNI_RESULT_H
#define BWM_CNI_RESULT_H

#include <jansson.h>
#include <net/if.h>
#include <stddef.h>

#include "cni_error.h"
#include "podspec.h"

/* More host-side interfaces than a chain makes (bridge + port) by far. */
#define CNI_RESULT_MAX_HOST_IFACES 8

struct cni_pod_net {
	char host_ifnames[CNI_RESULT_MAX_HOST_IFACES][IFNAMSIZ];
	size_t n_host_ifnames;
	struct bwm_pod_addr addrs[BWM_POD_MAX_ADDRS];
	size_t n_addrs;
};

/*
 * Reads prev (a prevResult object) for a configuration of cni_version.
 * CNI_ERR_DECODE for members of the wrong type, CNI_ERR_INVALID_CONFIG for
 * bad values (an interface name the kernel would refuse, an address that is
 * not one, more than 16 pod addresses or 8 host interfaces).
 */
int cni_result_parse(const json_t *prev, const char *cni_version, struct cni_pod_net *ret,
		     struct cni_error *err);

/* The host-side interface in net named name, or -1. */
int cni_result_find_host_ifname(const struct cni_pod_net *net, const char *name);

#endif /* BWM_CNI_RESULT_H */
