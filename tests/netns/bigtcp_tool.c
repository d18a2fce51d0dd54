// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drives bwm/bigtcp.c for the netns and vm tests:
 *
 *   bigtcp_tool show IFNAME
 *   bigtcp_tool apply IFNAME SIZE [STATEFILE]
 *   bigtcp_tool restore IFNAME STATEFILE
 *   bigtcp_tool show-peer|apply-peer|restore-peer HOST_IFNAME ...
 *
 * The -peer forms act on the other end of veth HOST_IFNAME, in whatever
 * namespace it is, through its nsid: show-peer reads with IFLA_TARGET_NETNSID,
 * apply-peer and restore-peer write through a socket opened in that namespace
 * (bigtcp.h says why). STATEFILE keeps the sizes apply found.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigtcp.h"
#include "log.h"
#include "util.h"

static void sk_freep(struct nl_sock **sk)
{
	bigtcp_socket_free(*sk);
}

static void print_sizes(const struct bigtcp_sizes *s)
{
	printf("gso_max_size %u\ngro_max_size %u\n", s->gso_max, s->gro_max);
	if (s->has_ipv4)
		printf("gso_ipv4_max_size %u\ngro_ipv4_max_size %u\n", s->gso_ipv4_max, s->gro_ipv4_max);
	else
		printf("gso_ipv4_max_size unsupported\ngro_ipv4_max_size unsupported\n");
	printf("tso_max_size %u\nbigtcp %s\n", s->tso_max, bigtcp_supported(s) ? "yes" : "no");
}

static int state_save(const char *path, const struct bigtcp_sizes *s)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");

	if (!f)
		return log_error_errno(errno, "Failed to create '%s': %m", path);
	fprintf(f, "%u %u %u %u %u %d\n", s->gso_max, s->gro_max, s->gso_ipv4_max, s->gro_ipv4_max, s->tso_max,
		s->has_ipv4);
	if (fflush(f) != 0 || ferror(f))
		return log_error_errno(EIO, "Failed to write '%s'", path);
	return 0;
}

static int state_load(const char *path, struct bigtcp_sizes *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	struct bigtcp_sizes s;
	int has_ipv4;

	if (!f)
		return log_error_errno(errno, "Failed to open '%s': %m", path);
	if (fscanf(f, "%u %u %u %u %u %d", &s.gso_max, &s.gro_max, &s.gso_ipv4_max, &s.gro_ipv4_max,
		   &s.tso_max, &has_ipv4) != 6)
		return log_error_errno(EINVAL, "'%s' is not a bigtcp_tool state file", path);
	s.has_ipv4 = has_ipv4;
	*ret = s;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bigtcp_tool show|apply|restore|show-peer|apply-peer|restore-peer "
			"IFNAME [SIZE] [STATEFILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	_cleanup_(sk_freep) struct nl_sock *sk = NULL, *peer_sk = NULL;
	struct nl_sock *wsk;
	struct bigtcp_sizes sizes;
	const char *cmd, *ifname, *label;
	int netnsid = -1, ifindex, r;
	bool peer;

	log_set_prefix(false);
	if (getenv("BWM_DEBUG"))
		log_set_max_level(LOG_DEBUG);
	if (argc < 3)
		return usage();
	cmd = argv[1];
	ifname = argv[2];
	peer = strstr(cmd, "-peer") != NULL;

	ifindex = (int) if_nametoindex(ifname);
	if (ifindex == 0) {
		log_error_errno(errno, "No interface '%s': %m", ifname);
		return 1;
	}
	r = bigtcp_socket_new(&sk);
	if (r < 0) {
		log_error_errno(r, "Failed to open a NETLINK_ROUTE socket: %m");
		return 1;
	}
	label = ifname;
	wsk = sk;
	if (peer) {
		r = bigtcp_peer_of(sk, ifindex, &netnsid, &ifindex);
		if (r < 0) {
			log_error_errno(r, "Failed to find the peer of '%s': %m", ifname);
			return 1;
		}
		label = NULL;  /* its name is not known here: "ifindex N" */
		printf("peer netnsid %d ifindex %d\n", netnsid, ifindex);
		if (netnsid >= 0 && strcmp(cmd, "show-peer") != 0) {
			r = bigtcp_socket_new_in_nsid(sk, netnsid, &peer_sk);
			if (r < 0) {
				log_error_errno(r, "Failed to open a socket in the namespace of '%s''s peer: %m",
						ifname);
				return 1;
			}
			wsk = peer_sk;
		}
	}

	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "show-peer") == 0) {
		r = bigtcp_read(sk, netnsid, ifindex, &sizes);
		if (r < 0) {
			log_error_errno(r, "Failed to read the sizes of '%s'%s: %m", ifname, peer ? "'s peer" : "");
			return 1;
		}
		print_sizes(&sizes);
	} else if (strcmp(cmd, "apply") == 0 || strcmp(cmd, "apply-peer") == 0) {
		char *end;
		unsigned long size;

		if (argc < 4 || argc > 5)
			return usage();
		errno = 0;
		size = strtoul(argv[3], &end, 10);
		if (errno != 0 || *end != '\0' || size == 0 || size > UINT32_MAX)
			return usage();
		r = bigtcp_apply(wsk, ifindex, label, (uint32_t) size, &sizes);
		if (r < 0)
			return 1;
		if (argc == 5 && state_save(argv[4], &sizes) < 0)
			return 1;
	} else if (strcmp(cmd, "restore") == 0 || strcmp(cmd, "restore-peer") == 0) {
		if (argc != 4)
			return usage();
		if (state_load(argv[3], &sizes) < 0)
			return 1;
		if (bigtcp_restore(wsk, ifindex, label, &sizes) < 0)
			return 1;
	} else
		return usage();
	return 0;
}
