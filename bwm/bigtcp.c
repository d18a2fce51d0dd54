// SPDX-License-Identifier: GPL-2.0-only
/*
 * BIG TCP sizes through rtnetlink. See bigtcp.h for the interface.
 *
 * Kernel behaviour this file relies on (net/core/rtnetlink.c unless noted):
 * - rtnl_fill_ifinfo() puts every size the kernel knows into each
 *   RTM_NEWLINK answer, so presence is the support probe; an older kernel
 *   ignores attributes above its IFLA_MAX on RTM_NEWLINK (rtnl_setlink()
 *   parses with nlmsg_parse_deprecated()), so setting alone proves nothing
 *   and every write is read back.
 * - validate_linkmsg() refuses, before changing anything, a GSO size above
 *   the device's tso_max_size and a GRO size above GRO_MAX_SIZE (EINVAL).
 * - do_setlink() sets IFLA_GSO_MAX_SIZE through netif_set_gso_max_size() and
 *   IFLA_GRO_MAX_SIZE through netif_set_gro_max_size() (net/core/dev.h),
 *   which also write the IPv4 size when the new size is at or below 64 KiB,
 *   so that programs that only know the old attributes keep working
 *   (9eefedd58ae1). Hence IPv6 first, IPv4 second: the other way round, an
 *   IPv6 size <= 64 KiB would undo an IPv4 size above it.
 * - IFLA_TARGET_NETNSID on RTM_GETLINK makes ifi_index refer to the namespace
 *   with that nsid (rtnl_getlink() through rtnl_get_net_ns_capable(), which
 *   wants CAP_NET_ADMIN over it). On RTM_NEWLINK for an existing link it means
 *   "move the link there" instead (do_setlink()), so writes never carry it.
 */
#include "bigtcp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "log.h"
#include "nl_request.h"
#include "util.h"

/* The numbering in bigtcp.h continues Debian 12's header from here. */
_Static_assert(IFLA_ALLMULTI == 61, "IFLA_* numbering differs from include/uapi/linux/if_link.h");
#define BIGTCP_IFLA_MAX BIGTCP_IFLA_GRO_IPV4_MAX_SIZE

bool bigtcp_supported(const struct bigtcp_sizes *s)
{
	return s->tso_max > BIGTCP_LEGACY_MAX_SIZE;
}

unsigned bigtcp_plan(const struct bigtcp_sizes *cur, uint32_t size, struct bigtcp_sizes *ret_target)
{
	/* No IFLA_TSO_MAX_SIZE: a kernel before 5.19 (89527be8d8d6 added the
	 * attribute in the release that allowed BIG TCP), where neither GSO
	 * nor GRO may exceed 64 KiB. */
	uint32_t gso_cap = cur->tso_max ?: BIGTCP_LEGACY_MAX_SIZE;
	uint32_t gro_cap = cur->tso_max ? BIGTCP_GRO_MAX_SIZE : BIGTCP_LEGACY_MAX_SIZE;
	struct bigtcp_sizes t = *cur;
	unsigned capped = 0;

	t.gso_max = MIN(size, gso_cap);
	if (t.gso_max < size)
		capped |= BIGTCP_CAPPED_GSO;
	/* gro_max 0: IFLA_GRO_MAX_SIZE unknown (before 5.16), left alone. */
	if (cur->gro_max) {
		t.gro_max = MIN(size, gro_cap);
		if (t.gro_max < size)
			capped |= BIGTCP_CAPPED_GRO;
	}
	if (cur->has_ipv4) {
		t.gso_ipv4_max = t.gso_max;
		t.gro_ipv4_max = t.gro_max;
	}
	*ret_target = t;
	return capped;
}

static void step_add(struct bigtcp_step *s, uint16_t attr, uint32_t value)
{
	s->attr[s->n] = attr;
	s->value[s->n] = value;
	s->n++;
}

unsigned bigtcp_steps(const struct bigtcp_sizes *target, struct bigtcp_step ret[BIGTCP_MAX_STEPS])
{
	unsigned n = 0;

	ret[n] = (struct bigtcp_step){ 0 };
	step_add(&ret[n], IFLA_GSO_MAX_SIZE, target->gso_max);
	if (target->gro_max)
		step_add(&ret[n], IFLA_GRO_MAX_SIZE, target->gro_max);
	n++;
	if (target->has_ipv4) {
		ret[n] = (struct bigtcp_step){ 0 };
		step_add(&ret[n], BIGTCP_IFLA_GSO_IPV4_MAX_SIZE, target->gso_ipv4_max);
		step_add(&ret[n], BIGTCP_IFLA_GRO_IPV4_MAX_SIZE, target->gro_ipv4_max);
		n++;
	}
	return n;
}

int bigtcp_socket_new(struct nl_sock **ret)
{
	struct nl_sock *sk;
	int one = 1, r;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return log_debug_errno(EIO, "Failed to connect a NETLINK_ROUTE socket: %s", nl_geterror(r));
	}
	/* Both are optional comforts (kernel 4.12+ / 4.3+): the reason string,
	 * and acks that do not echo the whole request. */
	(void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*ret = sk;
	return 0;
}

struct nl_sock *bigtcp_socket_free(struct nl_sock *sk)
{
	nl_socket_free(sk);  /* accepts NULL */
	return NULL;
}

/* What one RTM_NEWLINK answer says about the link. */
struct link_info {
	bool seen;
	bool has_gso, has_link, has_link_netnsid, is_veth;
	struct bigtcp_sizes sizes;
	int link, link_netnsid;
};

/* What the answers to one request said. */
struct answers {
	int ifindex;          /* answers about other links are skipped */
	struct link_info link;
	int nsid;             /* from RTM_NEWNSID */
	bool has_nsid;
	int error;            /* a malformed answer: -EBADMSG */
};

static struct nla_policy link_policy[BIGTCP_IFLA_MAX + 1] = {
	[IFLA_LINK] = { .type = NLA_U32 },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
	[IFLA_LINK_NETNSID] = { .type = NLA_S32 },
	[IFLA_GSO_MAX_SIZE] = { .type = NLA_U32 },
	[IFLA_GRO_MAX_SIZE] = { .type = NLA_U32 },
	[IFLA_TSO_MAX_SIZE] = { .type = NLA_U32 },
	[BIGTCP_IFLA_GSO_IPV4_MAX_SIZE] = { .type = NLA_U32 },
	[BIGTCP_IFLA_GRO_IPV4_MAX_SIZE] = { .type = NLA_U32 },
};

static struct nla_policy nsid_policy[NETNSA_MAX + 1] = {
	[NETNSA_NSID] = { .type = NLA_S32 },
};

static int on_nsid(struct nlmsghdr *nlh, struct answers *t)
{
	struct nlattr *tb[NETNSA_MAX + 1];

	if (!nlmsg_valid_hdr(nlh, sizeof(struct rtgenmsg)))
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(struct rtgenmsg), tb, NETNSA_MAX, nsid_policy) < 0 || !tb[NETNSA_NSID]) {
		t->error = -EBADMSG;
		return NL_SKIP;
	}
	t->nsid = nla_get_s32(tb[NETNSA_NSID]);
	t->has_nsid = true;
	return NL_OK;
}

static int on_answer(struct nl_msg *msg, void *arg)
{
	struct answers *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[BIGTCP_IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct link_info *l = &t->link;
	struct ifinfomsg *ifi;

	if (nlh->nlmsg_type == RTM_NEWNSID)
		return on_nsid(nlh, t);
	if (nlh->nlmsg_type != RTM_NEWLINK || !nlmsg_valid_hdr(nlh, sizeof(*ifi)))
		return NL_SKIP;
	ifi = nlmsg_data(nlh);
	if (ifi->ifi_index != t->ifindex)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(*ifi), tb, BIGTCP_IFLA_MAX, link_policy) < 0) {
		t->error = -EBADMSG;
		return NL_SKIP;
	}

	*l = (struct link_info){ .seen = true, .link_netnsid = -1 };
	if (tb[IFLA_GSO_MAX_SIZE]) {
		l->has_gso = true;
		l->sizes.gso_max = nla_get_u32(tb[IFLA_GSO_MAX_SIZE]);
	}
	if (tb[IFLA_GRO_MAX_SIZE])
		l->sizes.gro_max = nla_get_u32(tb[IFLA_GRO_MAX_SIZE]);
	if (tb[IFLA_TSO_MAX_SIZE])
		l->sizes.tso_max = nla_get_u32(tb[IFLA_TSO_MAX_SIZE]);
	if (tb[BIGTCP_IFLA_GSO_IPV4_MAX_SIZE] && tb[BIGTCP_IFLA_GRO_IPV4_MAX_SIZE]) {
		l->sizes.has_ipv4 = true;
		l->sizes.gso_ipv4_max = nla_get_u32(tb[BIGTCP_IFLA_GSO_IPV4_MAX_SIZE]);
		l->sizes.gro_ipv4_max = nla_get_u32(tb[BIGTCP_IFLA_GRO_IPV4_MAX_SIZE]);
	}
	if (tb[IFLA_LINK]) {
		l->has_link = true;
		l->link = (int) nla_get_u32(tb[IFLA_LINK]);
	}
	if (tb[IFLA_LINK_NETNSID]) {
		l->has_link_netnsid = true;
		l->link_netnsid = nla_get_s32(tb[IFLA_LINK_NETNSID]);
	}
	if (tb[IFLA_LINKINFO] && nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0 &&
	    li[IFLA_INFO_KIND])
		l->is_veth = nla_strcmp(li[IFLA_INFO_KIND], "veth") == 0;
	return NL_OK;
}

/* Sends msg and reads its answers into t. reason, if not NULL, gets the
 * kernel's extended-ack message. */
static int transact(struct nl_sock *sk, struct nl_msg *msg, struct answers *t, char *reason, size_t reason_size)
{
	int r = nl_request(sk, msg, on_answer, t, reason, reason_size);

	return r < 0 ? r : t->error;
}

static struct nl_msg *link_msg(int type, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK);
	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int get_link(struct nl_sock *sk, int netnsid, int ifindex, struct link_info *ret)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
	struct answers t = { .ifindex = ifindex };
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	msg = link_msg(RTM_GETLINK, ifindex);
	if (!msg || nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0 ||
	    (netnsid >= 0 && nla_put_s32(msg, IFLA_TARGET_NETNSID, netnsid) < 0))
		return -ENOMEM;
	r = transact(sk, msg, &t, NULL, 0);
	if (r < 0)
		return log_debug_errno(r, "RTM_GETLINK for ifindex %d (netnsid %d) failed: %m", ifindex, netnsid);
	if (!t.link.seen)
		return log_debug_errno(EBADMSG, "No RTM_NEWLINK answer for ifindex %d (netnsid %d)", ifindex,
				       netnsid);
	*ret = t.link;
	return 0;
}

int bigtcp_read(struct nl_sock *sk, int netnsid, int ifindex, struct bigtcp_sizes *ret)
{
	struct link_info l;
	int r;

	r = get_link(sk, netnsid, ifindex, &l);
	if (r < 0)
		return r;
	if (!l.has_gso)
		return log_debug_errno(EOPNOTSUPP, "ifindex %d reports no gso_max_size", ifindex);
	*ret = l.sizes;
	return 0;
}

int bigtcp_peer_of(struct nl_sock *sk, int ifindex, int *ret_netnsid, int *ret_peer_ifindex)
{
	struct link_info l;
	int r;

	r = get_link(sk, -1, ifindex, &l);
	if (r < 0)
		return r;
	if (!l.is_veth || !l.has_link)
		return log_debug_errno(EMEDIUMTYPE, "ifindex %d is not a veth", ifindex);
	/* NETNSA_NSID_NOT_ASSIGNED (-1) in IFLA_LINK_NETNSID: the peer's
	 * namespace could not be given an id, it is going away. */
	if (l.has_link_netnsid && l.link_netnsid < 0)
		return log_debug_errno(ENXIO, "The peer of ifindex %d is in a namespace without nsid", ifindex);
	*ret_netnsid = l.has_link_netnsid ? l.link_netnsid : -1;
	*ret_peer_ifindex = l.link;
	return 0;
}

/* The nsid that sk's namespace gives the namespace of fd; -1: none. */
static int nsid_of_netns_fd(struct nl_sock *sk, int fd, int *ret)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct answers t = { 0 };
	int r;

	msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg || nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t) fd) < 0)
		return -ENOMEM;
	r = transact(sk, msg, &t, NULL, 0);
	if (r < 0)
		return r;
	if (!t.has_nsid)
		return -EBADMSG;
	*ret = t.nsid;
	return 0;
}

/* 1: path is the namespace with netnsid (*ret_fd open on it), 0: not. */
static int netns_match(struct nl_sock *sk, const char *path, int netnsid, int *ret_fd)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int nsid;

	/* Processes and namespaces come and go during the scan. */
	if (fd < 0 || nsid_of_netns_fd(sk, fd, &nsid) < 0 || nsid != netnsid)
		return 0;
	*ret_fd = fd;
	fd = -1;
	return 1;
}

static int find_netns_in_run(struct nl_sock *sk, int netnsid, int *ret_fd)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	char path[300];
	int r = 0;

	if (!d)
		return 0;
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
			r = netns_match(sk, path, netnsid, ret_fd);
		}
	closedir(d);
	return r;
}

/* Each namespace once: many processes share one. */
static int find_netns_in_proc(struct nl_sock *sk, int netnsid, int *ret_fd)
{
	_cleanup_free_ ino_t *seen = NULL;
	size_t n_seen = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300];
	int r = 0;

	if (!d)
		return -errno;
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		ino_t *grown;
		size_t i;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (i = 0; i < n_seen && seen[i] != st.st_ino; i++)
			;
		if (i < n_seen)
			continue;
		grown = realloc(seen, (n_seen + 1) * sizeof(*seen));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		seen = grown;
		seen[n_seen++] = st.st_ino;
		r = netns_match(sk, path, netnsid, ret_fd);
	}
	closedir(d);
	return r;
}

int bigtcp_socket_new_in_nsid(struct nl_sock *sk, int netnsid, struct nl_sock **ret)
{
	_cleanup_close_ int self = -1, target = -1;
	int r, k;

	if (netnsid < 0)
		return -EINVAL;
	r = find_netns_in_run(sk, netnsid, &target);
	if (r == 0)
		r = find_netns_in_proc(sk, netnsid, &target);
	if (r < 0)
		return log_debug_errno(r, "Failed to look for the namespace with nsid %d: %m", netnsid);
	if (r == 0)
		return log_debug_errno(ENOENT, "No namespace with nsid %d in /run/netns or /proc", netnsid);

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return log_debug_errno(errno, "Failed to open this thread's network namespace: %m");
	if (setns(target, CLONE_NEWNET) < 0)
		return log_debug_errno(errno, "Failed to enter the namespace with nsid %d: %m", netnsid);
	/* A netlink socket stays in the namespace it was created in. */
	r = bigtcp_socket_new(ret);
	if (setns(self, CLONE_NEWNET) < 0) {
		k = -errno;
		if (r == 0)
			*ret = bigtcp_socket_free(*ret);
		return log_error_errno(k, "Failed to return to this thread's network namespace: %m");
	}
	return r;
}

/* "'eth0'", or "ifindex 7" when the name is not known here: for messages. */
static const char *link_label(char *buf, size_t n, int ifindex, const char *ifname)
{
	if (ifname)
		snprintf(buf, n, "'%s'", ifname);
	else
		snprintf(buf, n, "ifindex %d", ifindex);
	return buf;
}

static const char *ifla_name(uint16_t attr)
{
	switch (attr) {
	case IFLA_GSO_MAX_SIZE:
		return "gso_max_size";
	case IFLA_GRO_MAX_SIZE:
		return "gro_max_size";
	case BIGTCP_IFLA_GSO_IPV4_MAX_SIZE:
		return "gso_ipv4_max_size";
	default:
		return "gro_ipv4_max_size";
	}
}

static uint32_t sizes_get(const struct bigtcp_sizes *s, uint16_t attr)
{
	switch (attr) {
	case IFLA_GSO_MAX_SIZE:
		return s->gso_max;
	case IFLA_GRO_MAX_SIZE:
		return s->gro_max;
	case BIGTCP_IFLA_GSO_IPV4_MAX_SIZE:
		return s->gso_ipv4_max;
	default:
		return s->gro_ipv4_max;
	}
}

/*
 * Writes target in bigtcp_steps() order, then reads the link back and checks
 * every size written. reason gets the kernel's message or the mismatch.
 */
static int write_sizes(struct nl_sock *sk, int ifindex, const struct bigtcp_sizes *target,
		       char *reason, size_t reason_size)
{
	struct bigtcp_step steps[BIGTCP_MAX_STEPS];
	struct bigtcp_sizes now;
	unsigned n = bigtcp_steps(target, steps);
	int r;

	reason[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		_cleanup_(nl_msg_freep) struct nl_msg *msg = NULL;
		struct answers t = { .ifindex = ifindex };
		char extack[160];

		msg = link_msg(RTM_NEWLINK, ifindex);
		if (!msg)
			return -ENOMEM;
		for (unsigned j = 0; j < steps[i].n; j++)
			if (nla_put_u32(msg, steps[i].attr[j], steps[i].value[j]) < 0)
				return -ENOMEM;
		r = transact(sk, msg, &t, extack, sizeof(extack));
		if (r < 0) {
			snprintf(reason, reason_size, "setting %s to %u%s%s", ifla_name(steps[i].attr[0]),
				 steps[i].value[0], extack[0] ? ": " : "", extack);
			return r;
		}
	}

	r = bigtcp_read(sk, -1, ifindex, &now);
	if (r < 0) {
		snprintf(reason, reason_size, "reading the sizes back");
		return r;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < steps[i].n; j++) {
			uint16_t a = steps[i].attr[j];

			if (sizes_get(&now, a) != steps[i].value[j]) {
				snprintf(reason, reason_size, "the kernel reports %s %u after setting %u",
					 ifla_name(a), sizes_get(&now, a), steps[i].value[j]);
				return -EIO;
			}
		}
	return 0;
}

int bigtcp_apply(struct nl_sock *sk, int ifindex, const char *ifname, uint32_t size,
		 struct bigtcp_sizes *ret_previous)
{
	struct bigtcp_sizes cur, target;
	char label[IF_NAMESIZE + 16], reason[200], rb_reason[200];
	unsigned capped;
	int r, rb;

	link_label(label, sizeof(label), ifindex, ifname);
	r = bigtcp_read(sk, -1, ifindex, &cur);
	if (r < 0)
		return log_error_errno(r, "Failed to read the GSO/GRO sizes of %s: %m", label);

	capped = bigtcp_plan(&cur, size, &target);
	if (capped & BIGTCP_CAPPED_GSO)
		log_warning("%s: BIG TCP size %u is above the device's tso_max_size %u, using %u", label, size,
			    cur.tso_max ?: BIGTCP_LEGACY_MAX_SIZE, target.gso_max);
	if (capped & BIGTCP_CAPPED_GRO)
		log_warning("%s: BIG TCP size %u is above the kernel's GRO limit, using gro_max_size %u", label,
			    size, target.gro_max);
	if (!cur.has_ipv4)
		log_debug("%s: kernel has no IPv4 GSO/GRO sizes (before 6.3), IPv6 only", label);

	r = write_sizes(sk, ifindex, &target, reason, sizeof(reason));
	if (r < 0) {
		rb = write_sizes(sk, ifindex, &cur, rb_reason, sizeof(rb_reason));
		if (rb < 0)
			return log_error_errno(r, "Failed to set BIG TCP size %u on %s (%s): %m; rolling back "
					       "failed too (%s): %s", target.gso_max, label, reason, rb_reason,
					       strerrordesc_np(-rb) ?: "unknown error");
		return log_error_errno(r, "Failed to set BIG TCP size %u on %s (%s): %m; rolled back to "
				       "gso_max_size %u gro_max_size %u", target.gso_max, label, reason,
				       cur.gso_max, cur.gro_max);
	}
	log_debug("%s: gso_max_size %u gro_max_size %u%s", label, target.gso_max, target.gro_max,
		  target.has_ipv4 ? " (IPv4 too)" : "");
	if (ret_previous)
		*ret_previous = cur;
	return 0;
}

int bigtcp_restore(struct nl_sock *sk, int ifindex, const char *ifname, const struct bigtcp_sizes *previous)
{
	struct bigtcp_sizes cur, target;
	char label[IF_NAMESIZE + 16], reason[200];
	int r;

	link_label(label, sizeof(label), ifindex, ifname);
	r = bigtcp_read(sk, -1, ifindex, &cur);
	if (r == -ENODEV)
		return log_debug_errno(r, "%s is gone, nothing to restore", label);
	if (r < 0)
		return log_error_errno(r, "Failed to read the GSO/GRO sizes of %s: %m", label);

	/* Write only what this kernel knows: previous may come from a state
	 * file written before a kernel change. */
	target = cur;
	target.gso_max = previous->gso_max;
	if (cur.gro_max && previous->gro_max)
		target.gro_max = previous->gro_max;
	if (cur.has_ipv4 && previous->has_ipv4) {
		target.gso_ipv4_max = previous->gso_ipv4_max;
		target.gro_ipv4_max = previous->gro_ipv4_max;
	} else if (cur.has_ipv4) {
		/* Recorded without IPv4 sizes: the old kernel tied them to the
		 * IPv6 ones. */
		target.gso_ipv4_max = MIN(target.gso_max, BIGTCP_LEGACY_MAX_SIZE);
		target.gro_ipv4_max = MIN(target.gro_max, BIGTCP_LEGACY_MAX_SIZE);
	}

	r = write_sizes(sk, ifindex, &target, reason, sizeof(reason));
	if (r < 0)
		return log_error_errno(r, "Failed to restore the GSO/GRO sizes of %s (%s): %m", label, reason);
	return 0;
}
