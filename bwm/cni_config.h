/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network configuration a runtime gives bwm-cni on stdin: the plugin's
 * entry of the conflist with "name", "cniVersion", "prevResult" and
 * "runtimeConfig" injected as libcni does (libcni/api.go buildOneConfig).
 *
 *	{ "type": "bwm-cni", "name": "pods", "cniVersion": "1.0.0",
 *	  "capabilities": { "bandwidth": true },
 *	  "podsDir": "/run/bwm/pods",              optional
 *	  "bwmConfig": "/etc/bwm/bwm.conf",        optional
 *	  "runtimeConfig": { "bandwidth": { "egressRate": 10000000,
 *	                                    "egressBurst": 4294967295 } },
 *	  "prevResult": { ... } }
 *
 * Bandwidth is read as the CNI bandwidth plugin reads it: integers, rates in
 * bit/s and bursts in bits; the four keys at the top level of the entry (a
 * static limit in the conflist) win over runtimeConfig.bandwidth. JSON is
 * parsed with jansson: strict RFC 8259, duplicate keys refused (a later
 * "type" or "podsDir" must not silently win), no NUL in strings.
 */
#ifndef BWM_CNI_CONFIG_H
#define BWM_CNI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cni_error.h"

/* Spec versions whose configuration and result bwm-cni reads: the result
 * format of 0.3.0 up to 1.0.0 (0.1/0.2 had ip4/ip6 objects). 1.1.0 adds the
 * GC and STATUS commands, which bwm-cni does not implement. */
#define CNI_VERSIONS_SUPPORTED { "0.3.0", "0.3.1", "0.4.0", "1.0.0" }
#define CNI_VERSION_NEWEST "1.0.0"

/* What the bandwidth plugin's BandwidthEntry holds; 0 = not given. */
struct cni_bandwidth {
	uint64_t ingress_rate, ingress_burst;   /* bit/s, bits */
	uint64_t egress_rate, egress_burst;
};

struct cni_config {
	json_t *root;              /* owns everything below */
	const char *cni_version;   /* one of CNI_VERSIONS_SUPPORTED */
	const char *name;          /* the network's name */
	const char *pods_dir;      /* "podsDir", or NULL */
	const char *bwm_config;    /* "bwmConfig", or NULL */
	struct cni_bandwidth bandwidth;
	json_t *prev_result;       /* borrowed from root; NULL when absent */
};

/* Whether version is one of CNI_VERSIONS_SUPPORTED. */
bool cni_version_supported(const char *version);

/*
 * Parses size bytes of text into *ret (released with cni_config_free).
 * CNI_ERR_DECODE for what is not JSON or has a key of the wrong type,
 * CNI_ERR_INCOMPATIBLE_VERSION, CNI_ERR_UNSUPPORTED_FIELD for the bandwidth
 * plugin's shapedSubnets/unshapedSubnets (bwm limits all of a pod's egress),
 * CNI_ERR_INVALID_CONFIG for a negative or non-integer rate or burst.
 */
int cni_config_parse(const char *text, size_t size, struct cni_config *ret, struct cni_error *err);

/* Frees what cni_config_parse allocated and clears it; accepts NULL. */
void cni_config_free(struct cni_config *config);

#endif /* BWM_CNI_CONFIG_H */
