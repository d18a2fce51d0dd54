// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for bwm-cni's JSON input: the network configuration on
 * stdin (cni_config), the prevResult in it (cni_result), the limits
 * (cni_limits), the pod file rendered from them, and the installer's
 * conflist edit on the same bytes. Besides sanitizer reports, it checks
 * what the plugin relies on: every error has a code and printable ASCII
 * text and renders as an error object; a pod file bwm-cni writes reads
 * back without a problem, with the limits it was given; the conflist edit
 * undoes itself.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "cni_config.h"
#include "cni_conflist.h"
#include "cni_limits.h"
#include "cni_output.h"
#include "cni_podfile.h"
#include "cni_result.h"
#include "podspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_error(const struct cni_error *err)
{
	char *out = cni_output_error(err, "1.0.0");

	CHECK(err->code > 0 && err->msg[0]);
	for (const char *c = err->details; *c; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
	CHECK(out);
	free(out);
}

static void check_pod_file(const struct cni_config *c, const struct cni_pod_net *net, const struct cni_limits *l)
{
	struct cni_invocation inv;
	struct bwm_annotations a;
	struct bwm_pod_spec spec;
	char *text;

	CHECK(cni_invocation_parse("ADD", "fuzz", "/run/netns/fuzz", "eth0", "", &inv, NULL) == 0);
	text = cni_pod_file_render(&(struct cni_pod) {
		.inv = &inv, .network = c->name, .host_ifname = net->n_host_ifnames ? net->host_ifnames[0] : NULL,
		.addrs = net->addrs, .n_addrs = net->n_addrs, .limits = *l,
	});
	CHECK(text);
	CHECK(annotations_parse(text, strlen(text), NULL, NULL, &a) == 0);
	CHECK(podspec_from_annotations("fuzz", &a, NULL, NULL, &spec) == 0);
	CHECK(spec.egress_bps == l->egress_bps && spec.ingress_bps == l->ingress_bps);
	CHECK(spec.n_addrs == net->n_addrs);
	CHECK(strcmp(annotations_get(&a, BWM_POD_KEY_NETWORK)->value, c->name) == 0);
	podspec_free(&spec);
	annotations_free(&a);
	free(text);
}

static void check_config(const char *text, size_t size)
{
	struct cni_config c;
	struct cni_pod_net net = {};
	struct cni_limits l;
	struct cni_error err = {};

	if (cni_config_parse(text, size, &c, &err) < 0) {
		check_error(&err);
		return;
	}
	if (cni_limits_from_bandwidth(&c.bandwidth, &l, &err) < 0) {
		check_error(&err);
	} else if (c.prev_result && cni_result_parse(c.prev_result, c.cni_version, &net, &err) < 0) {
		check_error(&err);
	} else {
		CHECK(l.egress_burst_bits <= l.egress_bps);
		check_pod_file(&c, &net, &l);
	}
	cni_config_free(&c);
}

static void check_conflist(const char *text, size_t size)
{
	char *installed = NULL, *back = NULL, *again = NULL, *reason = NULL;
	int n = cni_conflist_rewrite(text, size, CNI_CONFLIST_INSTALL, &installed, &reason);

	if (n < 0) {
		CHECK(reason || n == -12);
		free(reason);
		return;
	}
	if (n == 0)
		return;
	/* No bandwidth entry is left, and undoing the edit restores them. */
	CHECK(cni_conflist_rewrite(installed, strlen(installed), CNI_CONFLIST_INSTALL, &again, &reason) == 0);
	CHECK(cni_conflist_rewrite(installed, strlen(installed), CNI_CONFLIST_UNINSTALL, &back, &reason) >= n);
	free(installed);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_config((const char *)data, size);
	check_conflist((const char *)data, size);
	return 0;
}
