/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BIG TCP on the links bwmd manages: uplinks, pods' host-side interfaces,
 * and their veth peers inside the pods' namespaces (BIG TCP helps only when
 * both ends and every hop allow it). bigtcp.c does the netlink work; this
 * file decides which links, and remembers each link's sizes from before
 * bwm in <state_dir>/bigtcp/, written before the first change, so that a
 * restarted bwmd (even after kill -9) never takes its own sizes for the
 * original ones. Like the qdiscs, the sizes stay while bwmd restarts and
 * are restored on clean-up ('bwmd --cleanup', cleanup_on_exit) or when
 * [bigtcp] is disabled.
 */
#ifndef BWM_BIGTCP_LINKS_H
#define BWM_BIGTCP_LINKS_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

struct nl_sock;
struct bigtcp_links;

int bigtcp_links_new(struct bigtcp_links **ret);
struct bigtcp_links *bigtcp_links_free(struct bigtcp_links *b);

/* Sets the configured size on an uplink. */
void bigtcp_links_uplink(struct bigtcp_links *b, struct nl_sock *sk,
			 const struct bwm_config *config, int ifindex, const char *ifname);

/* The pods' host-side interfaces now: new ones (and their peers) get the
 * size, ones no longer listed get their sizes back. ifindexes and ifnames
 * have n entries. */
void bigtcp_links_pods(struct bigtcp_links *b, struct nl_sock *sk, const struct bwm_config *config,
		       const int *ifindexes, char *const *ifnames, size_t n);

/* Restores every link recorded under state_dir and forgets them. */
int bigtcp_links_restore_all(struct bigtcp_links *b, struct nl_sock *sk,
			     const struct bwm_config *config);

/* For bwmctl: each recorded link with its sizes now and before bwm.
 * Returns how many links it printed, or a negative errno. */
int bigtcp_links_print(FILE *out, struct nl_sock *sk, const struct bwm_config *config, bool json);

#endif /* BWM_BIGTCP_LINKS_H */
