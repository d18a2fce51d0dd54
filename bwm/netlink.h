/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rtnetlink through libnl-3: a request socket, the default-route devices,
 * and a monitor of link events for the event loop.
 */
#ifndef BWM_NETLINK_H
#define BWM_NETLINK_H

#include <stdbool.h>

struct nl_sock;

/* A connected NETLINK_ROUTE socket for requests. */
int netlink_open(struct nl_sock **ret);
struct nl_sock *netlink_close(struct nl_sock *sk);

/* Names of the devices of the IPv4 and IPv6 default routes of the main
 * table (each nexthop of a multipath route), without duplicates;
 * NULL-terminated. */
int netlink_default_route_devices(struct nl_sock *sk, char ***ret_names);

/* Whether the device has no link-layer header (WireGuard, tun, ipip). */
int netlink_link_is_l3(struct nl_sock *sk, int ifindex, bool *ret_l3);

/* Number of tc filters of ifindex under parent (e.g. clsact's egress hook). */
int netlink_tc_filter_count(struct nl_sock *sk, int ifindex, unsigned parent, int *ret_count);

enum link_event {
	LINK_EVENT_NEW,      /* appeared, or changed (name, state) */
	LINK_EVENT_DEL,
	LINK_EVENT_RESYNC,   /* events were lost (socket overrun): re-read everything */
};
typedef void (*link_event_fn)(enum link_event event, int ifindex, const char *ifname,
			      void *userdata);

struct link_monitor;
/* Subscribes to RTNLGRP_LINK; link_monitor_fd() goes into the event loop and
 * link_monitor_dispatch() runs when it is readable. */
int link_monitor_open(link_event_fn fn, void *userdata, struct link_monitor **ret);
int link_monitor_fd(const struct link_monitor *m);
int link_monitor_dispatch(struct link_monitor *m);
struct link_monitor *link_monitor_close(struct link_monitor *m);

#endif /* BWM_NETLINK_H */
