/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BIG TCP: GSO/GRO packets larger than 64 KiB, set per device through
 * rtnetlink (RTM_GETLINK / RTM_NEWLINK), with libnl-3's message API because
 * libnl 3.7 has getters but no setters for these attributes.
 *
 *   IPv6 sizes  IFLA_GSO_MAX_SIZE, IFLA_GRO_MAX_SIZE            above 64 KiB: kernel 5.19+
 *   IPv4 sizes  IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE  kernel 6.3+
 *   limit       IFLA_TSO_MAX_SIZE (the device's TSO limit, read-only)
 *
 * Support is read per device: an attribute present in the RTM_GETLINK answer
 * is one the kernel knows.
 *
 * Links in another network namespace (a pod's end of its veth pair): reading
 * goes by nsid, with IFLA_TARGET_NETNSID on RTM_GETLINK. Writing cannot: on
 * RTM_NEWLINK/RTM_SETLINK the kernel looks ifi_index up in the socket's own
 * namespace and takes IFLA_TARGET_NETNSID as "move that device into the
 * namespace with this nsid" (do_setlink() -> __dev_change_net_namespace(),
 * net/core/rtnetlink.c, up to 6.18 at least; seen moving a host device into a
 * pod). The next best thing is a socket opened inside the pod's namespace,
 * found by its nsid: bigtcp_socket_new_in_nsid().
 *
 * Non-logging except for messages that name a device and a reason (the cap
 * warning, a failed set and its rollback); everything else is debug level.
 * Functions return 0 or a negative errno (the kernel's own, not libnl's
 * translation); ret_* parameters are untouched on failure.
 *
 * sk: a connected NETLINK_ROUTE socket used for requests only (not joined to
 * multicast groups: replies are matched by sequence number). bigtcp_socket_new()
 * makes one that also carries the kernel's extended ack messages.
 */
#ifndef BWM_BIGTCP_H
#define BWM_BIGTCP_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;

/* GSO_LEGACY_MAX_SIZE / GRO_LEGACY_MAX_SIZE in include/linux/netdevice.h: the
 * sizes every device starts with, and the most a kernel before 5.19 allows. */
#define BIGTCP_LEGACY_MAX_SIZE 65536u
/* GRO_MAX_SIZE in include/net/gro.h since 0fe79f28bfaf ("net: allow
 * gro_max_size to exceed 65536"); validate_linkmsg() in net/core/rtnetlink.c
 * rejects larger GRO sizes. */
#define BIGTCP_GRO_MAX_SIZE (8u * 65535u)

/* The IPv4 size attributes came with 9eefedd58ae1 ("net: add gso_ipv4_max_size
 * and gro_ipv4_max_size per device", v6.3), after IFLA_ALLMULTI (61) and
 * IFLA_DEVLINK_PORT (62) in include/uapi/linux/if_link.h; Debian 12's
 * <linux/if_link.h> (6.1) predates them, so they are numbered here. */
#define BIGTCP_IFLA_GSO_IPV4_MAX_SIZE 63
#define BIGTCP_IFLA_GRO_IPV4_MAX_SIZE 64

struct bigtcp_sizes {
	uint32_t gso_max, gro_max;           /* IPv6 (and every protocol before 6.3) */
	uint32_t gso_ipv4_max, gro_ipv4_max; /* meaningful when has_ipv4 */
	uint32_t tso_max;                    /* 0: not reported (kernel before 5.19) */
	bool has_ipv4;                       /* the kernel knows the IPv4 sizes (6.3+) */
};

/* Whether the device can take a GSO size above 64 KiB (kernel 5.19+ and a
 * driver that raised its tso_max_size). */
bool bigtcp_supported(const struct bigtcp_sizes *sizes);

/*
 * The sizes to write for a requested size, given what the device reports
 * (pure; unit-tested). GSO sizes are capped at tso_max_size, which the kernel
 * would otherwise refuse with EINVAL (validate_linkmsg(), net/core/rtnetlink.c);
 * GRO sizes at BIGTCP_GRO_MAX_SIZE, or 64 KiB before 5.19. Sizes the kernel
 * does not report are copied from cur and not written. Returns a mask of
 * BIGTCP_CAPPED_* saying what was capped.
 */
#define BIGTCP_CAPPED_GSO (1u << 0)
#define BIGTCP_CAPPED_GRO (1u << 1)
unsigned bigtcp_plan(const struct bigtcp_sizes *cur, uint32_t size, struct bigtcp_sizes *ret_target);

/*
 * The requests that take a device to target, in the order to send them
 * (pure; unit-tested): one RTM_NEWLINK with the IPv6 sizes, then, when the
 * kernel has them, one with the IPv4 sizes. The order matters because setting
 * an IPv6 size at or below 64 KiB also overwrites the IPv4 one (see bigtcp.c).
 * Returns the number of steps filled in ret (at most BIGTCP_MAX_STEPS).
 */
#define BIGTCP_MAX_STEPS 2
struct bigtcp_step {
	unsigned n;
	uint16_t attr[2];  /* IFLA_* */
	uint32_t value[2];
};
unsigned bigtcp_steps(const struct bigtcp_sizes *target, struct bigtcp_step ret[BIGTCP_MAX_STEPS]);

/* A NETLINK_ROUTE socket for the calls below, with NETLINK_EXT_ACK and
 * NETLINK_CAP_ACK on so that a refusal comes with the kernel's reason. */
int bigtcp_socket_new(struct nl_sock **ret);
struct nl_sock *bigtcp_socket_free(struct nl_sock *sk);

/*
 * Such a socket inside the namespace that sk's namespace knows as netnsid,
 * for writing to links there. The namespace is found among the files in /run/netns
 * (ip-netns, and CNI runtimes such as containerd and CRI-O, bind-mount pod
 * namespaces there), then /proc/<pid>/ns/net, by asking the kernel each
 * one's nsid (RTM_GETNSID with NETNSA_FD); the calling thread enters it
 * (setns) only to create the socket. -ENOENT: no such namespace found.
 */
int bigtcp_socket_new_in_nsid(struct nl_sock *sk, int netnsid, struct nl_sock **ret);

/* Reads the sizes of ifindex in the namespace with that nsid (-1: the
 * socket's own). -ENODEV: no such link; -EOPNOTSUPP: the kernel reports no
 * GSO size at all. */
int bigtcp_read(struct nl_sock *sk, int netnsid, int ifindex, struct bigtcp_sizes *ret);

/*
 * Sets GSO and GRO sizes (IPv6, then IPv4 where supported) of ifindex in sk's
 * own namespace (see above for why there is no netnsid here) to size, capped
 * per device with a warning, then reads them back. On any failure the device
 * is rolled back to the sizes it had, and the failure is logged with the
 * device (ifname, or the ifindex when NULL) and the reason. On success, the
 * sizes it had are in *ret_previous (may be NULL), for bigtcp_restore().
 */
int bigtcp_apply(struct nl_sock *sk, int ifindex, const char *ifname, uint32_t size,
		 struct bigtcp_sizes *ret_previous);

/* Writes previous back (same order and checks as bigtcp_apply, without a
 * cap). A link that is gone (-ENODEV) is not logged: its namespace or the
 * link went away with everything set on it. */
int bigtcp_restore(struct nl_sock *sk, int ifindex, const char *ifname, const struct bigtcp_sizes *previous);

/*
 * The other end of veth ifindex (in the socket's namespace): its nsid as seen
 * from here (IFLA_LINK_NETNSID; -1 when it is in this same namespace) and its
 * ifindex there (IFLA_LINK). The kernel assigns an nsid when it reports one
 * (peernet2id_alloc() in rtnl_fill_link_netnsid(), net/core/rtnetlink.c).
 * -EMEDIUMTYPE: not a veth; -ENXIO: the peer's namespace has no nsid (it is
 * being torn down), so it cannot be addressed by nsid.
 */
int bigtcp_peer_of(struct nl_sock *sk, int ifindex, int *ret_netnsid, int *ret_peer_ifindex);

#endif /* BWM_BIGTCP_H */
