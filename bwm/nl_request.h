/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One netlink request on a libnl socket: send it, hand each reply to the
 * caller, wait for the kernel's ack (or the end of a dump, or an error) and
 * return the kernel's errno with its extended-ack message. Plus libnl's own
 * error codes as errno, and cleanup helpers for libnl objects.
 * Non-logging: debug messages at most.
 */
#ifndef BWM_NL_REQUEST_H
#define BWM_NL_REQUEST_H

#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <stddef.h>

struct nl_sock;

/*
 * Sends msg on sk with NLM_F_ACK and reads until the ack, NLMSG_DONE or an
 * NLMSG_ERROR; a reply and its ack may come in separate datagrams. on_reply,
 * if not NULL, gets each reply message (NL_CB_VALID) with userdata. Enables
 * NETLINK_EXT_ACK on sk first (libnl 3.7 has no setter; failure is harmless).
 * Uses a private callback set: sk's own is left alone.
 *
 * Returns 0 or a negative errno: the kernel's (an NLMSG_ERROR), or libnl's
 * failure to send or receive as nlerr_to_errno(). extack, if not NULL, is
 * cleared and then gets the kernel's extended-ack message with an error
 * (NLMSGERR_ATTR_MSG, "Specified qdisc kind is unknown"), truncated to
 * extack_size; it stays "" when the kernel gave none.
 */
int nl_request(struct nl_sock *sk, struct nl_msg *msg, nl_recvmsg_msg_cb_t on_reply, void *userdata,
	       char *extack, size_t extack_size);

/* A libnl error code (NLE_*, either sign) as a negative errno; -EIO for
 * those without one. For libnl's own failures only: the kernel's answers
 * come with their errno (nl_request()). */
int nlerr_to_errno(int nlerr);

static inline void nl_msg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}

static inline void nl_cb_putp(struct nl_cb **cb)
{
	if (*cb)
		nl_cb_put(*cb);
}

#endif /* BWM_NL_REQUEST_H */
