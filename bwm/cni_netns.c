// SPDX-License-Identifier: GPL-2.0-only
#include "cni_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* A NETLINK_ROUTE socket in the namespace at path; a socket stays in the
 * namespace it was made in, so only its creation happens there. */
static int socket_in_netns(const char *path, struct nl_sock **ret, struct cni_error *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	struct nl_sock *sk;
	int r;

	if (target < 0)
		return cni_fail(err, CNI_ERR_UNKNOWN_CONTAINER, "cannot open the container's network namespace",
				"CNI_NETNS %s: %s", cni_quote(path), strerror(errno));
	if (self < 0)
		return cni_fail(err, CNI_ERR_IO, "cannot open this network namespace", "%s", strerror(errno));
	if (setns(target, CLONE_NEWNET) < 0)
		return cni_fail(err, CNI_ERR_UNKNOWN_CONTAINER, "cannot enter the container's network namespace",
				"CNI_NETNS %s: %s", cni_quote(path), strerror(errno));
	sk = nl_socket_alloc();
	r = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	/* Back before anything else: the pod file is written from here. */
	if (setns(self, CLONE_NEWNET) < 0) {
		nl_socket_free(sk);
		return cni_fail(err, CNI_ERR_IO, "cannot return to this network namespace", "%s", strerror(errno));
	}
	if (r < 0) {
		nl_socket_free(sk);
		return cni_fail(err, CNI_ERR_IO, "cannot open rtnetlink in the container", "%s", nl_geterror(r));
	}
	*ret = sk;
	return 0;
}

int cni_netns_veth_peer(const char *netns_path, const char *ifname, char ret[IFNAMSIZ], struct cni_error *err)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *link = NULL;
	char name[IFNAMSIZ];
	int r, peer;

	r = socket_in_netns(netns_path, &sk, err);
	if (r < 0)
		return r;
	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	nl_socket_free(sk);
	if (r < 0)
		return cni_fail(err, CNI_ERR_UNKNOWN_CONTAINER, "no such interface in the container",
				"%s in %s: %s", cni_quote(ifname), cni_quote(netns_path), nl_geterror(r));
	/* A veth's IFLA_LINK is its peer's ifindex, in the peer's namespace. */
	peer = rtnl_link_get_link(link);
	rtnl_link_put(link);
	if (peer <= 0 || !if_indextoname((unsigned)peer, name))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "cannot tell the pod's host-side interface",
				"%s in the container has no peer in this namespace, and prevResult lists "
				"several host-side interfaces", cni_quote(ifname));
	memcpy(ret, name, IFNAMSIZ);
	return 0;
}
