// SPDX-License-Identifier: GPL-2.0-only
/*
 * bwm-cni: a chained CNI plugin that stands in for the bandwidth plugin.
 * ADD writes the pod's file into bwmd's pods directory (the host-side
 * interface and addresses from prevResult, the limits from the bandwidth
 * runtimeConfig), DEL removes it, CHECK compares it and asks bwmd's pinned
 * maps whether the pod is enforced. bwmd stays the only program that
 * touches the datapath. Run with arguments, it installs itself on a node
 * (cni_install.h). See bwm-cni(8) and docs/cni.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni_bwmd.h"
#include "cni_config.h"
#include "cni_install.h"
#include "cni_invocation.h"
#include "cni_netns.h"
#include "cni_output.h"
#include "cni_podfile.h"
#include "cni_result.h"
#include "cni_store.h"
#include "fileio.h"
#include "log.h"
#include "util.h"

#ifndef BWM_CNI_BIN_DIR
#define BWM_CNI_BIN_DIR "/usr/lib/cni"
#endif
#define CNI_CONF_DIR_DEFAULT "/etc/cni/net.d"
/* A network configuration with its prevResult is a few KiB. */
#define STDIN_MAX (4 * 1024 * 1024)

/* One call's inputs, and the pod they describe. */
struct request {
	struct cni_invocation inv;
	struct cni_config conf;
	struct cni_bwmd_paths paths;
	struct cni_pod_net net;
	char host_ifname[IFNAMSIZ];
	struct cni_pod pod;
	char name[CNI_POD_FILE_NAME_SIZE];
};

/* The pod's host-side interface among prevResult's: the only one, or the
 * veth peer of its interface in the container. */
static int pick_host_ifname(struct request *q, struct cni_error *err)
{
	char peer[IFNAMSIZ];
	int r;

	if (q->net.n_host_ifnames == 0)
		return 0;
	if (q->net.n_host_ifnames == 1) {
		strcpy(q->host_ifname, q->net.host_ifnames[0]);
		return 0;
	}
	r = cni_netns_veth_peer(q->inv.netns, q->inv.ifname, peer, err);
	if (r < 0)
		return r;
	if (cni_result_find_host_ifname(&q->net, peer) < 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "cannot tell the pod's host-side interface",
				"the container's %s is paired with %s, which prevResult does not list",
				cni_quote(q->inv.ifname), cni_quote(peer));
	strcpy(q->host_ifname, peer);
	return 0;
}

/* ADD and CHECK: the pod as prevResult and the limits describe it. */
static int describe_pod(struct request *q, struct cni_error *err)
{
	int r;

	q->pod = (struct cni_pod) { .inv = &q->inv, .network = q->conf.name };
	r = cni_limits_from_bandwidth(&q->conf.bandwidth, &q->pod.limits, err);
	if (r < 0)
		return r;
	if (!q->conf.prev_result)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "no prevResult",
				"bwm-cni must be chained after a plugin that makes the pod's interface "
				"(bridge, ptp, calico, ...): it reads the interface and addresses from its result");
	r = cni_result_parse(q->conf.prev_result, q->conf.cni_version, &q->net, err);
	if (r == 0)
		r = pick_host_ifname(q, err);
	if (r < 0)
		return r;
	q->pod.host_ifname = q->host_ifname[0] ? q->host_ifname : NULL;
	q->pod.addrs = q->net.addrs;
	q->pod.n_addrs = q->net.n_addrs;
	cni_pod_file_name(&q->inv, q->name);
	return 0;
}

/* Whether bwmd could tell the pod's packets at all; without a limit there
 * is nothing to lose by writing no file. */
static int classifiable(const struct request *q, bool *ret, struct cni_error *err)
{
	const struct cni_limits *l = &q->pod.limits;

	*ret = q->pod.host_ifname || q->pod.n_addrs;
	if (!*ret && (l->egress_bps || l->ingress_bps))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "nothing to classify the pod by",
				"prevResult lists no host-side interface and no pod address, so bwmd "
				"could not tell the pod's packets and its limit would not hold");
	return 0;
}

static int cmd_add(struct request *q, struct cni_error *err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *text = NULL, *result = NULL;
	bool write;
	int r;

	r = describe_pod(q, err);
	if (r == 0)
		r = classifiable(q, &write, err);
	if (r < 0)
		return r;
	if (write) {
		text = cni_pod_file_render(&q->pod);
		if (!text)
			return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
		r = cni_store_open(q->paths.pods_dir, 1, &dirfd, err);
		if (r == 0)
			r = cni_store_write(dirfd, q->paths.pods_dir, q->name, text, err);
		if (r < 0)
			return r;
	}
	result = cni_output_result(q->conf.prev_result, q->conf.cni_version);
	if (!result)
		return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
	fputs(result, stdout);
	return 0;
}

static int cmd_check(struct request *q, struct cni_error *err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *want = NULL, *have = NULL, *difference = NULL;
	size_t size;
	bool written;
	int r;

	r = describe_pod(q, err);
	if (r == 0)
		r = classifiable(q, &written, err);
	if (r < 0 || !written)
		return r;
	want = cni_pod_file_render(&q->pod);
	if (!want)
		return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
	r = cni_store_open(q->paths.pods_dir, 0, &dirfd, err);
	if (r == 0)
		r = cni_store_read(dirfd, q->paths.pods_dir, q->name, &have, &size, err);
	if (r < 0)
		return r;
	r = cni_pod_file_compare(want, strlen(want), have, size, &difference);
	if (r < 0)
		return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
	if (r > 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "the pod file differs", "%s in %s: %s",
				cni_quote(q->name), cni_quote(q->paths.pods_dir), difference);
	return cni_bwmd_check_enforced(q->paths.pin_dir, q->name, &q->pod.limits, q->pod.host_ifname, err);
}

static int cmd_del(struct request *q, struct cni_error *err)
{
	_cleanup_close_ int dirfd = -1;
	char suffix[CNI_POD_FILE_SUFFIX_SIZE];
	int r;

	/* Neither prevResult nor the pod's namespace is needed: after a
	 * reboot, or a second DEL, there may be neither. */
	cni_pod_file_name(&q->inv, q->name);
	cni_pod_file_suffix(q->inv.container_id, q->inv.ifname, suffix);
	if (access(q->paths.pods_dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	r = cni_store_open(q->paths.pods_dir, 0, &dirfd, err);
	if (r < 0)
		return r;
	return cni_store_remove(dirfd, q->paths.pods_dir, q->name, suffix, q->inv.container_id, q->inv.ifname,
				err);
}

static int read_stdin(char **ret, size_t *ret_size, struct cni_error *err)
{
	int r = fd_read_all(STDIN_FILENO, STDIN_MAX, ret, ret_size);

	if (r == -EFBIG)
		return cni_fail(err, CNI_ERR_DECODE, "network configuration too large", "more than %d bytes on stdin",
				STDIN_MAX);
	if (r < 0)
		return cni_fail(err, CNI_ERR_IO, "cannot read stdin", "%s", strerror(-r));
	return 0;
}

static int run_plugin(struct request *q, struct cni_error *err)
{
	_cleanup_free_ char *input = NULL, *version = NULL;
	size_t size = 0;
	int r;

	r = cni_invocation_parse(getenv("CNI_COMMAND"), getenv("CNI_CONTAINERID"), getenv("CNI_NETNS"),
				 getenv("CNI_IFNAME"), getenv("CNI_ARGS"), &q->inv, err);
	if (r < 0)
		return r;
	if (q->inv.command == CNI_CMD_VERSION) {
		version = cni_output_version();
		if (!version)
			return cni_fail(err, CNI_ERR_IO, "out of memory", "%s", "");
		fputs(version, stdout);
		return 0;
	}
	r = read_stdin(&input, &size, err);
	if (r == 0)
		r = cni_config_parse(input, size, &q->conf, err);
	if (r == 0)
		r = cni_bwmd_locate(q->conf.pods_dir, q->conf.bwm_config, &q->paths, err);
	if (r < 0)
		return r;
	switch (q->inv.command) {
	case CNI_CMD_ADD:
		return cmd_add(q, err);
	case CNI_CMD_CHECK:
		return cmd_check(q, err);
	case CNI_CMD_DEL:
		return cmd_del(q, err);
	case CNI_CMD_VERSION:
		break;
	}
	return 0;
}

static int plugin_main(void)
{
	struct request q = {};
	struct cni_error err = {};
	_cleanup_free_ char *out = NULL;
	int r;

	/* stdout is the runtime's; stderr reaches its log. Quiet unless wrong. */
	log_set_max_level(LOG_WARNING);
	log_set_prefix(false);
	r = run_plugin(&q, &err);
	if (r < 0) {
		out = cni_output_error(&err, q.conf.cni_version);
		fputs(out ?: "{\"code\":5,\"msg\":\"out of memory\"}\n", stdout);
	}
	cni_bwmd_paths_free(&q.paths);
	cni_config_free(&q.conf);
	if (fflush(stdout) != 0)
		return EXIT_FAILURE;
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: bwm-cni                      (a CNI plugin: the runtime runs it, with CNI_COMMAND)\n"
		"       bwm-cni install [OPTIONS]    copy bwm-cni into the CNI bin dir; bandwidth -> bwm-cni\n"
		"       bwm-cni uninstall [OPTIONS]  bwm-cni -> bandwidth in the conflists\n\n"
		"  -b, --bin-dir DIR   CNI plugin directory (default " BWM_CNI_BIN_DIR ")\n"
		"  -c, --conf-dir DIR  CNI configuration directory (default " CNI_CONF_DIR_DEFAULT ")\n"
		"  -s, --source PATH   the binary to install (default: this one)\n"
		"  -r, --remove-binary uninstall: remove BIN_DIR/bwm-cni too (pods added with it\n"
		"                      can then no longer be torn down)\n"
		"  -h, --help          show this help\n");
}

static int install_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bin-dir", required_argument, NULL, 'b' },
		{ "conf-dir", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, 's' },
		{ "remove-binary", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *bin_dir = BWM_CNI_BIN_DIR, *conf_dir = CNI_CONF_DIR_DEFAULT, *source = "/proc/self/exe";
	bool install, remove_binary = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "b:c:s:rh", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			bin_dir = optarg;
			break;
		case 'c':
			conf_dir = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case 'r':
			remove_binary = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (strcmp(argv[optind], "install") != 0 && strcmp(argv[optind], "uninstall") != 0)) {
		usage(stderr);
		return 2;
	}
	install = strcmp(argv[optind], "install") == 0;
	log_set_prefix(false);
	if (install) {
		r = cni_install_binary(source, bin_dir);
		if (r == 0)
			r = cni_install_conflists(conf_dir, CNI_CONFLIST_INSTALL);
	} else {
		r = cni_install_conflists(conf_dir, CNI_CONFLIST_UNINSTALL);
		if (r >= 0 && remove_binary)
			r = cni_uninstall_binary(bin_dir);
	}
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	return argc > 1 ? install_main(argc, argv) : plugin_main();
}
