// SPDX-License-Identifier: GPL-2.0-only
#include "cni_result.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int bad(struct cni_error *err, unsigned code, const char *details, size_t index, const char *value)
{
	return cni_fail(err, code, "invalid prevResult", details, index, cni_quote(value));
}

/* Whether interfaces[index] lives in the pod (has a sandbox). */
static bool in_sandbox(const json_t *iface)
{
	const char *sandbox = json_string_value(json_object_get(iface, "sandbox"));

	return sandbox && *sandbox;
}

static int parse_interfaces(const json_t *ifaces, struct cni_pod_net *net, struct cni_error *err)
{
	size_t i;
	json_t *iface;

	if (!ifaces)
		return 0;
	if (!json_is_array(ifaces))
		return cni_fail(err, CNI_ERR_DECODE, "invalid prevResult", "interfaces must be an array");
	json_array_foreach(ifaces, i, iface) {
		const json_t *name = json_object_get(iface, "name"), *sandbox = json_object_get(iface, "sandbox");
		const char *reason;

		if (!json_is_object(iface) || !json_is_string(name) ||
		    (sandbox && !json_is_string(sandbox) && !json_is_null(sandbox)))
			return cni_fail(err, CNI_ERR_DECODE, "invalid prevResult",
					"interfaces[%zu] must be an object with a string \"name\" "
					"and an optional string \"sandbox\"", i);
		if (in_sandbox(iface))
			continue;
		reason = podspec_check_ifname(json_string_value(name));
		if (reason)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid prevResult", "interfaces[%zu].name %s: %s",
					i, cni_quote(json_string_value(name)), reason);
		if (net->n_host_ifnames == CNI_RESULT_MAX_HOST_IFACES)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid prevResult",
					"more than %d interfaces outside the sandbox", CNI_RESULT_MAX_HOST_IFACES);
		strcpy(net->host_ifnames[net->n_host_ifnames++], json_string_value(name));
	}
	return 0;
}

/* "198.18.64.5/24" -> the address; the prefix length must fit the family. */
static int parse_cidr(const char *text, struct bwm_pod_addr *ret)
{
	const char *slash = strchr(text, '/');
	char buf[INET6_ADDRSTRLEN];
	size_t len = slash ? (size_t)(slash - text) : 0;
	char *end;
	long prefix;

	if (!slash || len == 0 || len >= sizeof(buf) || slash[1] < '0' || slash[1] > '9')
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (*end)
		return -1;
	if (inet_pton(AF_INET, buf, &ret->v4) == 1) {
		ret->family = AF_INET;
		return prefix <= 32 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, buf, &ret->v6) == 1) {
		ret->family = AF_INET6;
		return prefix <= 128 ? 0 : -1;
	}
	return -1;
}

static bool addr_equal(const struct bwm_pod_addr *a, const struct bwm_pod_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr : memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

static int add_addr(struct cni_pod_net *net, const struct bwm_pod_addr *addr, struct cni_error *err)
{
	for (size_t i = 0; i < net->n_addrs; i++)
		if (addr_equal(&net->addrs[i], addr))
			return 0;
	if (net->n_addrs == BWM_POD_MAX_ADDRS)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid prevResult",
				"more than %d pod addresses (bwm.io/ips holds at most that many)", BWM_POD_MAX_ADDRS);
	net->addrs[net->n_addrs++] = *addr;
	return 0;
}

static int parse_ip(const json_t *ip, size_t i, const json_t *ifaces, bool has_version,
		    struct cni_pod_net *net, struct cni_error *err)
{
	const json_t *address = json_object_get(ip, "address"), *index = json_object_get(ip, "interface");
	const json_t *version = json_object_get(ip, "version");
	struct bwm_pod_addr addr;

	if (!json_is_object(ip) || !json_is_string(address) || (index && !json_is_integer(index)) ||
	    (version && !json_is_string(version)))
		return cni_fail(err, CNI_ERR_DECODE, "invalid prevResult",
				"ips[%zu] must be an object with a string \"address\" and an optional "
				"integer \"interface\"", i);
	if (parse_cidr(json_string_value(address), &addr) < 0)
		return bad(err, CNI_ERR_INVALID_CONFIG, "ips[%zu].address %s: expected ADDRESS/PREFIX", i,
			   json_string_value(address));
	/* 0.3.x and 0.4.0 name the family; it must agree with the address. */
	if (has_version && version &&
	    strcmp(json_string_value(version), addr.family == AF_INET ? "4" : "6") != 0)
		return bad(err, CNI_ERR_INVALID_CONFIG, "ips[%zu].version %s does not match the address", i,
			   json_string_value(version));
	if (index) {
		json_int_t k = json_integer_value(index);

		if (k < 0 || (size_t)k >= json_array_size(ifaces))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid prevResult",
					"ips[%zu].interface %lld is not an index of interfaces", i, (long long)k);
		/* An address of a host-side interface (a gateway) is not the pod's. */
		if (!in_sandbox(json_array_get(ifaces, (size_t)k)))
			return 0;
	}
	return add_addr(net, &addr, err);
}

int cni_result_parse(const json_t *prev, const char *cni_version, struct cni_pod_net *ret,
		     struct cni_error *err)
{
	struct cni_pod_net net = {};
	const json_t *ifaces = json_object_get(prev, "interfaces"), *ips = json_object_get(prev, "ips");
	bool has_version = strcmp(cni_version, "1.0.0") != 0;
	size_t i;
	json_t *ip;
	int r;

	if (ifaces && json_is_null(ifaces))
		ifaces = NULL;
	r = parse_interfaces(ifaces, &net, err);
	if (r < 0)
		return r;
	if (ips && !json_is_null(ips)) {
		if (!json_is_array(ips))
			return cni_fail(err, CNI_ERR_DECODE, "invalid prevResult", "ips must be an array");
		json_array_foreach(ips, i, ip) {
			r = parse_ip(ip, i, ifaces, has_version, &net, err);
			if (r < 0)
				return r;
		}
	}
	*ret = net;
	return 0;
}

int cni_result_find_host_ifname(const struct cni_pod_net *net, const char *name)
{
	for (size_t i = 0; i < net->n_host_ifnames; i++)
		if (strcmp(net->host_ifnames[i], name) == 0)
			return (int)i;
	return -1;
}
