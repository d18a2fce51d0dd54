// SPDX-License-Identifier: GPL-2.0-only
/* One netlink request and its replies. See nl_request.h. */
#include "nl_request.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_EXIST: return -EEXIST;
	case NLE_BUSY: return -EBUSY;
	case NLE_INVAL: return -EINVAL;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_NOACCESS: return -EACCES;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BAD_SOCK: return -EBADF;
	default: return -EIO;
	}
}

struct request {
	nl_recvmsg_msg_cb_t on_reply;  /* may be NULL */
	void *userdata;
	char *extack;                  /* may be NULL */
	size_t extack_size;
	bool done;                     /* ack, end of dump or error seen */
	int error;                     /* the kernel's errno, negative */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *q = arg;

	return q->on_reply ? q->on_reply(msg, q->userdata) : NL_OK;
}

static int on_end(struct nl_msg *msg, void *arg)
{
	struct request *q = arg;

	q->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request *q = arg;
	/* libnl hands over the payload of the NLMSG_ERROR message. */
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const uint8_t *)e - NLMSG_HDRLEN);
	size_t len = nlmsg_datalen(nlh);
	size_t off = sizeof(*e);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	q->done = true;
	q->error = e->error < 0 ? e->error : -EIO;

	/* Extended ack TLVs follow the echoed request, or just its header
	 * when NETLINK_CAP_ACK capped it (include/uapi/linux/netlink.h,
	 * netlink_ack()). */
	if (!q->extack || q->extack_size == 0 || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off < len &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((uint8_t *)e + off), (int)(len - off), NULL) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(q->extack, q->extack_size, "%.*s",
			 (int)strnlen(nla_data(tb[NLMSGERR_ATTR_MSG]), nla_len(tb[NLMSGERR_ATTR_MSG])),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

int nl_request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t on_reply, void *userdata,
	       char *extack, size_t extack_size)
{
	_cleanup_(nl_cb_putp) struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct request q = {
		.on_reply = on_reply,
		.userdata = userdata,
		.extack = extack,
		.extack_size = extack_size,
	};
	static const int one = 1;
	int r;

	if (extack && extack_size > 0)
		extack[0] = '\0';
	if (!cb)
		return -ENOMEM;
	/* The kernel's reason with errors (kernel 4.12+). */
	(void) setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &q);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_end, &q);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_end, &q);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &q);

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	r = nl_send_auto(sk, msg);
	if (r < 0)
		return log_debug_errno(nlerr_to_errno(r), "Failed to send netlink request: %s", nl_geterror(r));

	while (!q.done) {
		r = nl_recvmsgs(sk, cb);
		if (q.error < 0)
			return q.error;
		if (r < 0)
			return log_debug_errno(nlerr_to_errno(r), "Failed to read netlink reply: %s", nl_geterror(r));
	}
	return 0;
}
