// SPDX-License-Identifier: GPL-2.0-only
/* bwm-cni's pure parts: the environment, the network configuration,
 * prevResult across spec versions, rates and bursts, the pod file, the
 * conflist edit and what goes to stdout. */
#include <errno.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "annotations.h"
#include "cni_config.h"
#include "cni_conflist.h"
#include "cni_invocation.h"
#include "cni_limits.h"
#include "cni_output.h"
#include "cni_podfile.h"
#include "cni_result.h"
#include "podspec.h"
#include "quantity.h"

#define HEX_ID "5eed0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
#define K8S_ARGS "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;" \
		 "K8S_POD_INFRA_CONTAINER_ID=" HEX_ID ";K8S_POD_UID=0f1e2d3c-aaaa-bbbb-cccc-0123456789ab"

static void invocation_ok(void **state)
{
	struct cni_invocation inv;
	struct cni_error err = {};

	assert_int_equal(cni_invocation_parse("ADD", HEX_ID, "/run/netns/p", "eth0", K8S_ARGS, &inv, &err), 0);
	assert_int_equal(inv.command, CNI_CMD_ADD);
	assert_string_equal(inv.container_id, HEX_ID);
	assert_string_equal(inv.ifname, "eth0");
	assert_string_equal(inv.pod_namespace, "default");
	assert_string_equal(inv.pod_name, "web-1");
	assert_string_equal(inv.pod_uid, "0f1e2d3c-aaaa-bbbb-cccc-0123456789ab");

	/* DEL may come without a namespace; no CNI_ARGS is fine. */
	assert_int_equal(cni_invocation_parse("DEL", "abc", "", "eth0", NULL, &inv, &err), 0);
	assert_string_equal(inv.pod_name, "");
	/* VERSION needs nothing else. */
	assert_int_equal(cni_invocation_parse("VERSION", NULL, NULL, NULL, NULL, &inv, &err), 0);
	assert_int_equal(inv.command, CNI_CMD_VERSION);
	/* Empty pairs and a trailing ';' are skipped. */
	assert_int_equal(cni_invocation_parse("CHECK", "a", "/n", "eth0", ";K8S_POD_NAME=x;;", &inv, &err), 0);
	assert_string_equal(inv.pod_name, "x");
}

static void invocation_errors(void **state)
{
	static const struct {
		const char *command, *id, *netns, *ifname, *args, *detail;
	} cases[] = {
		{ NULL, "a", "/n", "eth0", "", "bwm-cni install" },
		{ "GC", "a", "/n", "eth0", "", "\"GC\"" },
		{ "ADD", NULL, "/n", "eth0", "", "ADD needs it" },
		{ "ADD", "-a", "/n", "eth0", "", "\"-a\"" },
		{ "ADD", "a/b", "/n", "eth0", "", "\"a/b\"" },
		{ "ADD", "a", "", "eth0", "", "ADD needs it" },
		{ "ADD", "a", "/n", "", "", "ADD needs it" },
		{ "ADD", "a", "/n", "eth0/1", "", "invalid interface name" },
		{ "ADD", "a", "/n", "0123456789abcdef", "", "longer than 15" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_NAME", "KEY=VALUE" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_NAMESPACE=Default", "\"Default\"" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_NAME=web_1", "\"web_1\"" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_NAME=..", "\"..\"" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_NAME=a\x1b[31m", "\"a\\x1b[31m\"" },
		{ "ADD", "a", "/n", "eth0", "K8S_POD_UID=a/b", "\"a/b\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_invocation inv;
		struct cni_error err = {};

		assert_int_equal(cni_invocation_parse(cases[i].command, cases[i].id, cases[i].netns, cases[i].ifname,
						      cases[i].args, &inv, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INVALID_ENV);
		if (!strstr(err.details, cases[i].detail))
			fail_msg("case %zu: details %s lack %s", i, err.details, cases[i].detail);
	}
}

static int parse(const char *text, struct cni_config *c, struct cni_error *err)
{
	*err = (struct cni_error) {};
	return cni_config_parse(text, strlen(text), c, err);
}

static void config_versions(void **state)
{
	static const char *const ok[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0" };
	static const char *const bad[] = { "0.2.0", "1.1.0", "", "1.0" };
	struct cni_config c;
	struct cni_error err;
	char text[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "{\"cniVersion\": \"%s\", \"name\": \"n\", \"type\": \"bwm-cni\"}", ok[i]);
		assert_int_equal(parse(text, &c, &err), 0);
		assert_string_equal(c.cni_version, ok[i]);
		assert_null(c.prev_result);
		assert_null(c.pods_dir);
		cni_config_free(&c);

		snprintf(text, sizeof(text), "{\"cniVersion\": \"%s\", \"name\": \"n\"}", bad[i]);
		assert_int_equal(parse(text, &c, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INCOMPATIBLE_VERSION);
	}
	assert_int_equal(parse("{\"name\": \"n\"}", &c, &err), -EINVAL);
	assert_int_equal(err.code, CNI_ERR_INCOMPATIBLE_VERSION);
}

static void config_bandwidth(void **state)
{
	struct cni_config c;
	struct cni_error err;

	/* What containerd sends for kubernetes.io/egress-bandwidth: 10M. */
	assert_int_equal(parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"podsDir\": \"/p\","
			       " \"bwmConfig\": \"/c\", \"runtimeConfig\": {\"bandwidth\":"
			       " {\"egressRate\": 10000000, \"egressBurst\": 4294967295}}}", &c, &err), 0);
	assert_int_equal(c.bandwidth.egress_rate, 10000000);
	assert_int_equal(c.bandwidth.egress_burst, 4294967295ULL);
	assert_int_equal(c.bandwidth.ingress_rate, 0);
	assert_string_equal(c.pods_dir, "/p");
	assert_string_equal(c.bwm_config, "/c");
	cni_config_free(&c);

	/* A static entry wins over runtimeConfig, as in the bandwidth plugin. */
	assert_int_equal(parse("{\"cniVersion\": \"0.4.0\", \"name\": \"n\", \"ingressRate\": 5000,"
			       " \"ingressBurst\": 100, \"runtimeConfig\": {\"bandwidth\": {\"egressRate\": 1}}}",
			       &c, &err), 0);
	assert_int_equal(c.bandwidth.ingress_rate, 5000);
	assert_int_equal(c.bandwidth.egress_rate, 0);
	cni_config_free(&c);

	/* No bandwidth at all, or null: no limits. */
	assert_int_equal(parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"portMappings\": []}}",
			       &c, &err), 0);
	assert_int_equal(c.bandwidth.egress_rate, 0);
	cni_config_free(&c);
	assert_int_equal(parse("{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"bandwidth\": null}}",
			       &c, &err), 0);
	cni_config_free(&c);
}

static void config_errors(void **state)
{
	static const struct {
		const char *text;
		unsigned code;
		const char *detail;
	} cases[] = {
		{ "", CNI_ERR_DECODE, "line 1" },
		{ "[1]", CNI_ERR_DECODE, "JSON object" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\",}", CNI_ERR_DECODE, "column" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"name\": \"m\"}", CNI_ERR_DECODE, "duplicate" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"a\\u0000b\"}", CNI_ERR_DECODE, "" },
		{ "{\"cniVersion\": \"1.0.0\"}", CNI_ERR_DECODE, "\"name\"" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": 5}", CNI_ERR_DECODE, "\"name\"" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"podsDir\": \"run/pods\"}", CNI_ERR_INVALID_CONFIG,
		  "absolute" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": 1}", CNI_ERR_DECODE, "runtimeConfig" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"bandwidth\": \"10M\"}}",
		  CNI_ERR_DECODE, "runtimeConfig.bandwidth must be an object" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"bandwidth\": {\"egressRate\": -1}}}",
		  CNI_ERR_INVALID_CONFIG, "egressRate" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"bandwidth\": {\"egressRate\": 1.5e7}}}",
		  CNI_ERR_INVALID_CONFIG, "whole number" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"runtimeConfig\": {\"bandwidth\": {\"egressRate\": \"1M\"}}}",
		  CNI_ERR_INVALID_CONFIG, "egressRate" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"egressRate\": 1000, \"unshapedSubnets\": [\"10.0.0.0/8\"]}",
		  CNI_ERR_UNSUPPORTED_FIELD, "unshapedSubnets = \"[\\\"10.0.0.0/8\\\"]\"" },
		{ "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"prevResult\": []}", CNI_ERR_DECODE, "prevResult" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_config c;
		struct cni_error err;

		if (parse(cases[i].text, &c, &err) != -EINVAL)
			fail_msg("case %zu parsed", i);
		if (err.code != cases[i].code || !strstr(err.details, cases[i].detail))
			fail_msg("case %zu: code %u, details %s", i, err.code, err.details);
	}
}

/* prevResult of the bridge plugin (1.1.1) at 0.4.0: the bridge, the pod's
 * port, the pod's interface; ips with "version". */
static const char bridge_040[] =
	"{\"cniVersion\": \"0.4.0\", \"interfaces\": ["
	"{\"name\": \"cni0\", \"mac\": \"8e:7b:0c:01:02:03\"},"
	"{\"name\": \"veth5f2c1a3e\", \"mac\": \"aa:01:02:03:04:05\"},"
	"{\"name\": \"eth0\", \"mac\": \"0a:58:c6:12:40:05\", \"sandbox\": \"/run/netns/p\"}],"
	"\"ips\": [{\"version\": \"4\", \"interface\": 2, \"address\": \"198.18.64.5/24\", \"gateway\": \"198.18.64.1\"},"
	"{\"version\": \"6\", \"interface\": 2, \"address\": \"fd00:18:64::5/64\", \"gateway\": \"fd00:18:64::1\"}],"
	"\"routes\": [{\"dst\": \"0.0.0.0/0\"}], \"dns\": {}}";
/* ptp at 1.0.0: no "version" in ips. */
static const char ptp_100[] =
	"{\"cniVersion\": \"1.0.0\", \"interfaces\": ["
	"{\"name\": \"veth0d1e2f3a\", \"mac\": \"aa:01:02:03:04:06\"},"
	"{\"name\": \"eth0\", \"mac\": \"0a:58:c6:12:41:05\", \"sandbox\": \"/run/netns/q\"}],"
	"\"ips\": [{\"interface\": 1, \"address\": \"198.18.65.5/24\", \"gateway\": \"198.18.65.1\"}]}";

static int parse_result(const char *text, const char *version, struct cni_pod_net *net, struct cni_error *err)
{
	json_t *j = json_loads(text, 0, NULL);
	int r;

	assert_non_null(j);
	*err = (struct cni_error) {};
	r = cni_result_parse(j, version, net, err);
	json_decref(j);
	return r;
}

static void result_versions(void **state)
{
	struct cni_pod_net net;
	struct cni_error err;
	char text[INET6_ADDRSTRLEN];

	assert_int_equal(parse_result(bridge_040, "0.4.0", &net, &err), 0);
	assert_int_equal(net.n_host_ifnames, 2);
	assert_string_equal(net.host_ifnames[0], "cni0");
	assert_string_equal(net.host_ifnames[1], "veth5f2c1a3e");
	assert_int_equal(cni_result_find_host_ifname(&net, "veth5f2c1a3e"), 1);
	assert_int_equal(cni_result_find_host_ifname(&net, "eth0"), -1);
	assert_int_equal(net.n_addrs, 2);
	assert_int_equal(net.addrs[0].family, AF_INET);
	inet_ntop(AF_INET6, &net.addrs[1].v6, text, sizeof(text));
	assert_string_equal(text, "fd00:18:64::5");
	/* The same result at 0.3.1 reads the same. */
	assert_int_equal(parse_result(bridge_040, "0.3.1", &net, &err), 0);
	assert_int_equal(net.n_addrs, 2);

	assert_int_equal(parse_result(ptp_100, "1.0.0", &net, &err), 0);
	assert_int_equal(net.n_host_ifnames, 1);
	assert_string_equal(net.host_ifnames[0], "veth0d1e2f3a");
	assert_int_equal(net.n_addrs, 1);

	/* Nothing but addresses (macvlan), no "interface" index, duplicates,
	 * an address of a host-side interface (not the pod's). */
	assert_int_equal(parse_result("{\"interfaces\": [{\"name\": \"h\"}, {\"name\": \"eth0\", \"sandbox\": \"/x\"}],"
				      "\"ips\": [{\"address\": \"198.18.0.9/32\"}, {\"address\": \"198.18.0.9/24\"},"
				      "{\"address\": \"198.18.0.1/24\", \"interface\": 0}]}",
				      "1.0.0", &net, &err), 0);
	assert_int_equal(net.n_addrs, 1);
	assert_int_equal(parse_result("{\"cniVersion\": \"1.0.0\"}", "1.0.0", &net, &err), 0);
	assert_int_equal(net.n_host_ifnames + net.n_addrs, 0);
}

static void result_errors(void **state)
{
	static const struct {
		const char *text;
		unsigned code;
		const char *detail;
	} cases[] = {
		{ "{\"interfaces\": {}}", CNI_ERR_DECODE, "array" },
		{ "{\"interfaces\": [{\"mac\": \"x\"}]}", CNI_ERR_DECODE, "interfaces[0]" },
		{ "{\"interfaces\": [{\"name\": \"a b\"}]}", CNI_ERR_INVALID_CONFIG, "\"a b\"" },
		{ "{\"interfaces\": [{\"name\": \"x\", \"sandbox\": 1}]}", CNI_ERR_DECODE, "sandbox" },
		{ "{\"ips\": [{\"address\": \"198.18.0.5\"}]}", CNI_ERR_INVALID_CONFIG, "ADDRESS/PREFIX" },
		{ "{\"ips\": [{\"address\": \"198.18.0.5/33\"}]}", CNI_ERR_INVALID_CONFIG, "ips[0]" },
		{ "{\"ips\": [{\"address\": \"nope/24\"}]}", CNI_ERR_INVALID_CONFIG, "\"nope/24\"" },
		{ "{\"ips\": [{\"address\": \"fd00::1/64\", \"version\": \"4\"}]}", CNI_ERR_INVALID_CONFIG, "version" },
		{ "{\"ips\": [{\"address\": \"fd00::1/64\", \"interface\": 3}]}", CNI_ERR_INVALID_CONFIG, "index" },
		{ "{\"ips\": [{\"address\": 5}]}", CNI_ERR_DECODE, "ips[0]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_pod_net net;
		struct cni_error err;

		if (parse_result(cases[i].text, "0.4.0", &net, &err) != -EINVAL)
			fail_msg("case %zu parsed", i);
		if (err.code != cases[i].code || !strstr(err.details, cases[i].detail))
			fail_msg("case %zu: code %u, details %s", i, err.code, err.details);
	}
}

static void result_too_many_addresses(void **state)
{
	char text[4096] = "{\"ips\": [";
	struct cni_pod_net net;
	struct cni_error err;

	for (int i = 0; i < BWM_POD_MAX_ADDRS + 1; i++)
		sprintf(text + strlen(text), "%s{\"address\": \"198.18.0.%d/24\"}", i ? "," : "", i + 1);
	strcat(text, "]}");
	assert_int_equal(parse_result(text, "1.0.0", &net, &err), -EINVAL);
	assert_non_null(strstr(err.details, "more than 16"));
}

static void limits(void **state)
{
	struct cni_limits l;
	struct cni_error err = {};

	/* The runtimes' "no burst". */
	assert_int_equal(cni_limits_from_bandwidth(&(struct cni_bandwidth) { .egress_rate = 10000000,
		.egress_burst = CNI_BURST_CONTAINERD, .ingress_rate = 20000000, .ingress_burst = CNI_BURST_CRIO },
		&l, &err), 0);
	assert_int_equal(l.egress_bps, 10000000);
	assert_int_equal(l.ingress_bps, 20000000);
	assert_int_equal(l.egress_burst_bits + l.ingress_burst_bits, 0);
	/* An explicit burst below the cap is kept; a rate alone has none. */
	assert_int_equal(cni_limits_from_bandwidth(&(struct cni_bandwidth) { .egress_rate = 10000000,
		.egress_burst = 80000, .ingress_rate = 1000 }, &l, &err), 0);
	assert_int_equal(l.egress_burst_bits, 80000);
	assert_int_equal(l.ingress_burst_bits, 0);

	/* 100 ms of credit at most, at any rate, without overflow. */
	assert_int_equal(cni_burst_effective(10000000, 100000000), 1000000);
	assert_int_equal(cni_burst_effective(BWM_BANDWIDTH_MAX_BPS, 34359738000ULL), 34359738000ULL);
	assert_int_equal(cni_burst_effective(BWM_BANDWIDTH_MAX_BPS, 4294967294ULL * 8), 4294967294ULL * 8);
	assert_int_equal(cni_burst_effective(1000, 1000), 100);
	assert_int_equal(cni_burst_effective(1000, CNI_BURST_CRIO), 0);
}

static void limits_errors(void **state)
{
	static const struct {
		struct cni_bandwidth bw;
		const char *detail;
	} cases[] = {
		{ { .egress_burst = 100 }, "egressBurst 100 without egressRate" },
		{ { .ingress_burst = 100 }, "ingressBurst 100 without ingressRate" },
		{ { .egress_rate = 999 }, "egressRate 999 bit/s" },
		{ { .egress_rate = BWM_BANDWIDTH_MAX_BPS + 1 }, "egressRate 1000000000000001" },
		{ { .ingress_rate = 1000, .ingress_burst = 4294967295ULL * 8 }, "below 4 GiB" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_limits l;
		struct cni_error err = {};

		assert_int_equal(cni_limits_from_bandwidth(&cases[i].bw, &l, &err), -EINVAL);
		assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
		if (!strstr(err.details, cases[i].detail))
			fail_msg("case %zu: %s", i, err.details);
	}
	/* The range's ends are fine. */
	assert_int_equal(cni_limits_from_bandwidth(&(struct cni_bandwidth) { .egress_rate = BWM_BANDWIDTH_MIN_BPS,
		.ingress_rate = BWM_BANDWIDTH_MAX_BPS }, &(struct cni_limits) {}, NULL), 0);
}

static struct cni_invocation invocation(const char *id, const char *args)
{
	struct cni_invocation inv;

	assert_int_equal(cni_invocation_parse("ADD", id, "/run/netns/p", "eth0", args, &inv, NULL), 0);
	return inv;
}

static void pod_file_names(void **state)
{
	char name[CNI_POD_FILE_NAME_SIZE], other[CNI_POD_FILE_NAME_SIZE], suffix[CNI_POD_FILE_SUFFIX_SIZE];
	char long_name[300], args[400];
	struct cni_invocation inv = invocation(HEX_ID, K8S_ARGS);

	cni_pod_file_name(&inv, name);
	assert_string_equal(name, "default_web-1_5eed01234567_eth0");
	cni_pod_file_suffix(HEX_ID, "eth0", suffix);
	assert_string_equal(suffix, "5eed01234567_eth0");

	/* No Kubernetes: the whole ID when it is not containerd's kind. */
	inv = invocation("podman-web.1", NULL);
	cni_pod_file_name(&inv, name);
	assert_string_equal(name, "podman-web.1_eth0");
	assert_true(podspec_is_pod_name(name));

	/* A long ID: its start and a hash, so IDs that share 47 characters differ. */
	memset(long_name, 'a', 100);
	long_name[100] = '\0';
	inv = invocation(long_name, NULL);
	cni_pod_file_name(&inv, name);
	assert_int_equal(strlen(name), 47 + 1 + 16 + 1 + 4);
	long_name[99] = 'b';
	inv = invocation(long_name, NULL);
	cni_pod_file_name(&inv, other);
	assert_string_not_equal(name, other);

	/* The longest namespace and pod name (labels of 63) still fit in NAME_MAX. */
	memset(long_name, 'x', 253);
	long_name[63] = long_name[127] = long_name[191] = '.';
	long_name[253] = '\0';
	snprintf(args, sizeof(args), "K8S_POD_NAMESPACE=%.63s;K8S_POD_NAME=%s", long_name, long_name);
	inv = invocation(HEX_ID, args);
	cni_pod_file_name(&inv, name);
	assert_int_equal(strlen(name), NAME_MAX);
	assert_true(podspec_is_pod_name(name));
	assert_string_equal(name + NAME_MAX - strlen("_5eed01234567_eth0"), "_5eed01234567_eth0");
}

static char *render_example(const char *network, struct cni_invocation *inv)
{
	static struct bwm_pod_addr addrs[2];

	addrs[0].family = AF_INET;
	inet_pton(AF_INET, "198.18.64.5", &addrs[0].v4);
	addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd00:18:64::5", &addrs[1].v6);
	*inv = invocation(HEX_ID, K8S_ARGS);
	return cni_pod_file_render(&(struct cni_pod) {
		.inv = inv, .network = network, .host_ifname = "veth5f2c1a3e", .addrs = addrs, .n_addrs = 2,
		.limits = { .egress_bps = 10000000, .egress_burst_bits = 80000 },
	});
}

static void pod_file_render(void **state)
{
	struct cni_invocation inv;
	char *text = render_example("k8s-pod-network", &inv);
	struct bwm_annotations a;
	struct bwm_pod_spec spec;

	assert_non_null(text);
	assert_string_equal(text,
		"bwm.io/cni-container-id=\"" HEX_ID "\"\n"
		"bwm.io/cni-ifname=\"eth0\"\n"
		"bwm.io/cni-network=\"k8s-pod-network\"\n"
		"bwm.io/egress-burst=\"80000\"\n"
		"bwm.io/interface=\"veth5f2c1a3e\"\n"
		"bwm.io/ips=\"198.18.64.5,fd00:18:64::5\"\n"
		"bwm.io/pod-name=\"web-1\"\n"
		"bwm.io/pod-namespace=\"default\"\n"
		"bwm.io/pod-uid=\"0f1e2d3c-aaaa-bbbb-cccc-0123456789ab\"\n"
		"kubernetes.io/egress-bandwidth=\"10000000\"\n");
	/* What bwmd makes of it. */
	assert_int_equal(annotations_parse(text, strlen(text), NULL, NULL, &a), 0);
	assert_int_equal(podspec_from_annotations("p", &a, NULL, NULL, &spec), 0);
	assert_int_equal(spec.egress_bps, 10000000);
	assert_int_equal(spec.ingress_bps, 0);
	assert_string_equal(spec.ifname, "veth5f2c1a3e");
	assert_int_equal(spec.n_addrs, 2);
	assert_true(cni_pod_file_is_attachment(text, strlen(text), HEX_ID, "eth0"));
	assert_false(cni_pod_file_is_attachment(text, strlen(text), HEX_ID, "net1"));
	podspec_free(&spec);
	annotations_free(&a);
	free(text);
}

static void pod_file_quoting(void **state)
{
	/* A network name is the conflist's, any text: it must not break out
	 * of its line or forge another key. */
	struct cni_invocation inv;
	char *text = render_example("evil\"\nkubernetes.io/egress-bandwidth=\"1P\\", &inv);
	struct bwm_annotations a;
	const struct bwm_annotation *network;

	assert_non_null(text);
	assert_non_null(strstr(text, "bwm.io/cni-network=\"evil\\\"\\nkubernetes.io/egress-bandwidth=\\\"1P\\\\\"\n"));
	assert_int_equal(annotations_parse(text, strlen(text), NULL, NULL, &a), 0);
	network = annotations_get(&a, BWM_POD_KEY_NETWORK);
	assert_string_equal(network->value, "evil\"\nkubernetes.io/egress-bandwidth=\"1P\\");
	assert_string_equal(annotations_get(&a, BWM_POD_KEY_EGRESS)->value, "10000000");
	annotations_free(&a);
	free(text);
}

static void pod_file_compare(void **state)
{
	struct cni_invocation inv;
	char *want = render_example("n", &inv), *difference = NULL;
	const char *reordered = "kubernetes.io/egress-bandwidth=\"10000000\"\r\n"
		"bwm.io/cni-container-id=\"" HEX_ID "\"\nbwm.io/cni-ifname=\"eth0\"\nbwm.io/cni-network=\"\\x6e\"\n"
		"bwm.io/egress-burst=\"80000\"\nbwm.io/interface=\"veth5f2c1a3e\"\n"
		"bwm.io/ips=\"198.18.64.5,fd00:18:64::5\"\nbwm.io/pod-name=\"web-1\"\n"
		"bwm.io/pod-namespace=\"default\"\nbwm.io/pod-uid=\"0f1e2d3c-aaaa-bbbb-cccc-0123456789ab\"";

	assert_int_equal(cni_pod_file_compare(want, strlen(want), want, strlen(want), &difference), 0);
	assert_int_equal(cni_pod_file_compare(want, strlen(want), reordered, strlen(reordered), &difference), 0);

	assert_int_equal(cni_pod_file_compare(want, strlen(want), "", 0, &difference), 1);
	assert_string_equal(difference, "bwm.io/cni-container-id is missing (expected \"" HEX_ID "\")");
	free(difference);
	assert_int_equal(cni_pod_file_compare(want, strlen(want), "x=\"", 3, &difference), 1);
	assert_string_equal(difference, "the pod file:1: x: unterminated quoted value");
	free(difference);
	{
		char other[1024], *p;

		snprintf(other, sizeof(other), "%s", want);
		p = strstr(other, "10000000");

		p[0] = '2';
		assert_int_equal(cni_pod_file_compare(want, strlen(want), other, strlen(other), &difference), 1);
		assert_string_equal(difference, "kubernetes.io/egress-bandwidth is \"20000000\", expected \"10000000\"");
		free(difference);
		strcat(other, "zz=\"\x1b\"\n");
		p[0] = '1';
		assert_int_equal(cni_pod_file_compare(want, strlen(want), other, strlen(other), &difference), 1);
		assert_string_equal(difference, "zz = \"\\x1b\" is not expected");
		free(difference);
	}
	free(want);
}

/* A bridge conflist as containerd's template writes it. */
static const char bridge_conflist[] =
	"{\"cniVersion\": \"1.0.0\", \"name\": \"containerd-net\", \"plugins\": ["
	"{\"type\": \"bridge\", \"bridge\": \"cni0\", \"isGateway\": true, \"ipMasq\": true,"
	" \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"10.88.0.0/16\"}]]}},"
	"{\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}},"
	"{\"type\": \"bandwidth\", \"capabilities\": {\"bandwidth\": true}, \"egressRate\": 1000000,"
	" \"egressBurst\": 4294967295, \"mtu\": 1.5e3}]}";

static void conflist_round_trip(void **state)
{
	char *installed = NULL, *back = NULL, *reason = NULL;
	json_t *orig = json_loads(bridge_conflist, 0, NULL), *mid, *end, *entry;

	assert_int_equal(cni_conflist_rewrite(bridge_conflist, strlen(bridge_conflist), CNI_CONFLIST_INSTALL,
					      &installed, &reason), 1);
	assert_int_equal(installed[strlen(installed) - 1], '\n');
	mid = json_loads(installed, 0, NULL);
	assert_non_null(mid);
	entry = json_array_get(json_object_get(mid, "plugins"), 2);
	assert_string_equal(json_string_value(json_object_get(entry, "type")), "bwm-cni");
	assert_true(json_is_true(json_object_get(json_object_get(entry, "capabilities"), "bandwidth")));
	/* "type" stays where it was: the first key. */
	assert_string_equal(json_object_iter_key(json_object_iter(entry)), "type");
	/* The other plugins are as they were. */
	for (size_t i = 0; i < 2; i++)
		assert_true(json_equal(json_array_get(json_object_get(orig, "plugins"), i),
				       json_array_get(json_object_get(mid, "plugins"), i)));

	/* Installing twice changes nothing; uninstalling gives the original. */
	assert_int_equal(cni_conflist_rewrite(installed, strlen(installed), CNI_CONFLIST_INSTALL, &back, &reason), 0);
	assert_null(back);
	assert_int_equal(cni_conflist_rewrite(installed, strlen(installed), CNI_CONFLIST_UNINSTALL, &back, &reason), 1);
	end = json_loads(back, 0, NULL);
	assert_true(json_equal(orig, end));

	json_decref(orig);
	json_decref(mid);
	json_decref(end);
	free(installed);
	free(back);
}

static void conflist_refusals(void **state)
{
	static const struct {
		const char *text, *reason;
	} cases[] = {
		{ "{\"type\": \"bridge\"}", "no \"plugins\" array" },
		{ "not json", "not JSON" },
		{ "{\"plugins\": [1]}", "plugins[0] is not an object" },
		{ "{\"plugins\": [{\"type\": \"bandwidth\", \"shapedSubnets\": [\"10.0.0.0/8\"]}]}", "shapedSubnets" },
		{ "{\"plugins\": [], \"plugins\": []}", "duplicate" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL, *reason = NULL;

		assert_int_equal(cni_conflist_rewrite(cases[i].text, strlen(cases[i].text), CNI_CONFLIST_INSTALL, &out,
						      &reason), -EINVAL);
		assert_null(out);
		if (!strstr(reason, cases[i].reason))
			fail_msg("case %zu: %s", i, reason);
		free(reason);
	}
}

static void output(void **state)
{
	struct cni_error err = { .code = 7, .msg = "invalid bandwidth", .details = "egressRate \"x\"" };
	char *text = cni_output_error(&err, "0.4.0");
	json_t *prev = json_loads(ptp_100, 0, NULL);

	assert_string_equal(text, "{\"cniVersion\":\"0.4.0\",\"code\":7,\"msg\":\"invalid bandwidth\","
				  "\"details\":\"egressRate \\\"x\\\"\"}\n");
	free(text);
	text = cni_output_version();
	assert_string_equal(text, "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]}\n");
	free(text);

	/* prevResult goes on whole, in the configuration's version. */
	json_object_del(prev, "cniVersion");
	text = cni_output_result(prev, "1.0.0");
	{
		json_t *result = json_loads(text, 0, NULL);

		assert_string_equal(json_string_value(json_object_get(result, "cniVersion")), "1.0.0");
		json_object_del(result, "cniVersion");
		assert_true(json_equal(result, prev));
		json_decref(result);
	}
	free(text);
	json_decref(prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invocation_ok),
		cmocka_unit_test(invocation_errors),
		cmocka_unit_test(config_versions),
		cmocka_unit_test(config_bandwidth),
		cmocka_unit_test(config_errors),
		cmocka_unit_test(result_versions),
		cmocka_unit_test(result_errors),
		cmocka_unit_test(result_too_many_addresses),
		cmocka_unit_test(limits),
		cmocka_unit_test(limits_errors),
		cmocka_unit_test(pod_file_names),
		cmocka_unit_test(pod_file_render),
		cmocka_unit_test(pod_file_quoting),
		cmocka_unit_test(pod_file_compare),
		cmocka_unit_test(conflist_round_trip),
		cmocka_unit_test(conflist_refusals),
		cmocka_unit_test(output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
