// SPDX-License-Identifier: GPL-2.0-only
#include "netlink.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <string.h>

#include "log.h"
#include "nl_request.h"
#include "util.h"

int netlink_open(struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nlerr_to_errno(r);
	}
	*ret = sk;
	return 0;
}

struct nl_sock *netlink_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
	return NULL;
}

static int strv_add_unique(char ***l, const char *s)
{
	size_t n = strv_length(*l);
	char **bigger;

	for (size_t i = 0; i < n; i++)
		if (strcmp((*l)[i], s) == 0)
			return 0;
	bigger = realloc(*l, (n + 2) * sizeof(char *));
	if (!bigger)
		return -ENOMEM;
	*l = bigger;
	bigger[n] = strdup(s);
	bigger[n + 1] = NULL;
	return bigger[n] ? 0 : -ENOMEM;
}

struct default_route_walk {
	struct nl_cache *links;
	char ***names;
	int r;
};

static void collect_nexthop(struct rtnl_nexthop *nh, void *userdata)
{
	struct default_route_walk *w = userdata;
	char name[IFNAMSIZ];
	int ifindex = rtnl_route_nh_get_ifindex(nh);

	if (w->r < 0 || ifindex <= 0)
		return;
	if (!rtnl_link_i2name(w->links, ifindex, name, sizeof(name)))
		return;
	w->r = strv_add_unique(w->names, name);
}

static void collect_default_route(struct nl_object *obj, void *userdata)
{
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(route);

	if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_type(route) != RTN_UNICAST)
		return;
	if (dst && nl_addr_get_prefixlen(dst) != 0)
		return;
	rtnl_route_foreach_nexthop(route, collect_nexthop, userdata);
}

int netlink_default_route_devices(struct nl_sock *sk, char ***ret_names)
{
	struct nl_cache *routes = NULL, *links = NULL;
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	struct default_route_walk w = { .names = &names };
	int r;

	if (!names)
		return -ENOMEM;
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (r < 0)
		return nlerr_to_errno(r);
	r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes);
	if (r < 0) {
		nl_cache_free(links);
		return nlerr_to_errno(r);
	}
	w.links = links;
	nl_cache_foreach(routes, collect_default_route, &w);
	nl_cache_free(routes);
	nl_cache_free(links);
	if (w.r < 0)
		return w.r;
	*ret_names = TAKE_PTR(names);
	return 0;
}

int netlink_link_is_l3(struct nl_sock *sk, int ifindex, bool *ret_l3)
{
	struct rtnl_link *link = NULL;
	unsigned type;
	int r;

	r = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (r < 0)
		return nlerr_to_errno(r);
	type = rtnl_link_get_arptype(link);
	rtnl_link_put(link);
	*ret_l3 = type == ARPHRD_NONE || type == ARPHRD_RAWIP || type == ARPHRD_TUNNEL ||
		  type == ARPHRD_TUNNEL6 || type == ARPHRD_PPP;
	return 0;
}

int netlink_tc_filter_count(struct nl_sock *sk, int ifindex, unsigned parent, int *ret_count)
{
	struct nl_cache *filters = NULL;
	int r = rtnl_cls_alloc_cache(sk, ifindex, parent, &filters);

	if (r < 0)
		return nlerr_to_errno(r);
	*ret_count = nl_cache_nitems(filters);
	nl_cache_free(filters);
	return 0;
}

struct link_monitor {
	struct nl_sock *sk;
	link_event_fn fn;
	void *userdata;
	int current_type;   /* RTM_NEWLINK or RTM_DELLINK, while parsing */
};

static void on_link_object(struct nl_object *obj, void *userdata)
{
	struct link_monitor *m = userdata;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(link);

	m->fn(m->current_type == RTM_NEWLINK ? LINK_EVENT_NEW : LINK_EVENT_DEL,
	      rtnl_link_get_ifindex(link), name ? name : "", m->userdata);
}

static int on_link_message(struct nl_msg *msg, void *userdata)
{
	struct link_monitor *m = userdata;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);

	if (hdr->nlmsg_type != RTM_NEWLINK && hdr->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	m->current_type = hdr->nlmsg_type;
	nl_msg_parse(msg, on_link_object, m);
	return NL_OK;
}

int link_monitor_open(link_event_fn fn, void *userdata, struct link_monitor **ret)
{
	_cleanup_free_ struct link_monitor *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->fn = fn;
	m->userdata = userdata;
	m->sk = nl_socket_alloc();
	if (!m->sk)
		return -ENOMEM;
	/* Events are not answers to requests: no sequence numbers to check. */
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, on_link_message, m);
	r = nl_connect(m->sk, NETLINK_ROUTE);
	if (r >= 0)
		r = nl_socket_add_memberships(m->sk, RTNLGRP_LINK, 0);
	if (r >= 0)
		r = nl_socket_set_nonblocking(m->sk);
	if (r >= 0)
		r = nl_socket_set_buffer_size(m->sk, 4 * 1024 * 1024, 0);
	if (r < 0) {
		nl_socket_free(m->sk);
		return nlerr_to_errno(r);
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int link_monitor_fd(const struct link_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int link_monitor_dispatch(struct link_monitor *m)
{
	for (;;) {
		int r = nl_recvmsgs_default(m->sk);

		if (r >= 0)
			continue;
		if (r == -NLE_AGAIN)
			return 0;
		/* ENOBUFS: the kernel dropped events; whoever listens must
		 * re-read the state. */
		if (r == -NLE_NOMEM || r == -NLE_MSG_OVERFLOW || r == -NLE_DUMP_INTR) {
			m->fn(LINK_EVENT_RESYNC, 0, "", m->userdata);
			return 0;
		}
		return nlerr_to_errno(r);
	}
}

struct link_monitor *link_monitor_close(struct link_monitor *m)
{
	if (!m)
		return NULL;
	nl_socket_free(m->sk);
	free(m);
	return NULL;
}
