// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drives bwm/qdisc.c from the shell tests, in the caller's network namespace:
 *
 *   qdisc_tool save    IFNAME STATEFILE   record the root qdisc in STATEFILE
 *   qdisc_tool install IFNAME [CONFIG]    mq + fq (or fq), [datapath] keys of CONFIG
 *   qdisc_tool restore IFNAME STATEFILE   put the recorded root back
 *   qdisc_tool has     IFNAME             exit 0 if the root is bwm's, else 1
 *
 * Exit status: 0, or 1 on failure (the library's messages say why).
 */
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "qdisc.h"
#include "util.h"

static void nl_socket_freep(struct nl_sock **sk)
{
	if (*sk)
		nl_socket_free(*sk);
}

static int usage(void)
{
	fprintf(stderr, "usage: qdisc_tool save|install|restore|has IFNAME [STATEFILE|CONFIG]\n");
	return 2;
}

static int run(const char *cmd, const char *ifname, int ifindex, const char *arg, struct nl_sock *sk)
{
	_cleanup_qdisc_saved_ struct qdisc_saved *s = NULL;
	int r;

	if (strcmp(cmd, "has") == 0)
		return qdisc_has_bwm_root(sk, ifindex) ? 0 : 1;

	if (strcmp(cmd, "install") == 0) {
		struct bwm_config config;
		struct qdisc_fq_params p;

		if (arg)
			r = config_load(arg, false, &config);
		else {
			config_init_defaults(&config);
			r = 0;
		}
		if (r < 0)
			return r;
		p = qdisc_fq_params_of(&config);
		config_free(&config);
		return qdisc_install_fq(sk, ifindex, ifname, &p);
	}

	if (strcmp(cmd, "save") == 0) {
		r = qdisc_save_root(sk, ifindex, ifname, &s);
		if (r < 0)
			return r;
		r = qdisc_saved_write(s, arg);
		if (r < 0)
			return log_error_errno(r, "Failed to write '%s': %m", arg);
		return 0;
	}
	/* restore */
	r = qdisc_saved_read(arg, &s);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", arg);
	return qdisc_restore_root(sk, ifindex, ifname, s);
}

int main(int argc, char *argv[])
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	unsigned ifindex;
	int r;

	if (argc < 3 || argc > 4)
		return usage();
	if (strcmp(argv[1], "has") != 0 && strcmp(argv[1], "install") != 0 &&
	    ((strcmp(argv[1], "save") != 0 && strcmp(argv[1], "restore") != 0) || argc != 4))
		return usage();
	log_set_prefix(false);
	if (getenv("BWM_DEBUG"))
		log_set_max_level(LOG_DEBUG);

	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		log_error_errno(errno, "No interface '%s': %m", argv[2]);
		return 1;
	}
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		log_error("Failed to open an rtnetlink socket");
		return 1;
	}

	r = run(argv[1], argv[2], (int)ifindex, argc > 3 ? argv[3] : NULL, sk);
	return r == 0 ? 0 : 1;
}
