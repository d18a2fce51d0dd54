/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pod's identity in skb->mark (issue 16), shared by the datapath, bwmd's
 * configuration check and the cmocka tests.
 *
 * The program at a pod's host-side interface (tc ingress: traffic from the
 * pod) writes the pod's id into a contiguous field of skb->mark; the
 * program at the device the packet leaves by reads it there. skb->mark is
 * the one field that the kernel keeps on that way, whatever comes between:
 *  - IP forwarding and bridging leave it alone (only ip_forward() rewrites
 *    skb->priority, from the TOS);
 *  - encapsulation by a kernel tunnel in the same namespace keeps it:
 *    VXLAN, Geneve, IPIP and GRE transmit through iptunnel_xmit(), whose
 *    skb_scrub_packet(skb, xnet) clears skb_iif (the ingress interface
 *    the uplink classified by before) but clears the mark only when the
 *    packet changes namespace; WireGuard does not keep it (its
 *    wg_reset_packet() scrubs everything but the hash), so a WireGuard
 *    device is managed itself (docs/design.md);
 *  - skb->queue_mapping, where Cilium carries its EDT aggregate, is
 *    rewritten by every transmit (netdev_core_pick_tx()), the tunnel
 *    device's included, and a NIC's recorded RX queue is indistinguishable
 *    from an id; tc_index is overwritten by any tc filter that returns
 *    TC_ACT_OK; cb[] by every layer.
 * Crossing into another namespace (the veth into the pod) clears the mark,
 * so a pod cannot forge it: the host side writes it after that crossing.
 *
 * The field holds 0 (no pod), a pod id, or all ones (MARK_PACED: a bwm
 * program has charged the packet already), so that a packet passing two
 * managed devices (a tunnel and its underlay, a VLAN and its NIC) is
 * counted once. Other bits of the mark are left as they are.
 */
#ifndef BWM_MARK_H
#define BWM_MARK_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The field's largest value, MARK_PACED; ids are 1 .. MARK_PACED - 1. */
static __always_inline __u32 mark_paced(__u32 mask, __u32 shift)
{
	return mask >> shift;
}

static __always_inline __u32 mark_field(__u32 mark, __u32 mask, __u32 shift)
{
	return (mark & mask) >> shift;
}

static __always_inline __u32 mark_with_field(__u32 mark, __u32 mask, __u32 shift, __u32 value)
{
	return (mark & ~mask) | ((value << shift) & mask);
}

/* The lowest set bit of a nonzero mask; whether the mask is contiguous. */
static __always_inline __u32 mark_mask_shift(__u32 mask)
{
	__u32 shift = 0;

	while (shift < 31 && !(mask & (1U << shift)))
		shift++;
	return shift;
}

static __always_inline int mark_mask_is_contiguous(__u32 mask)
{
	__u32 field;

	if (!mask)
		return 0;
	field = mask >> mark_mask_shift(mask);
	return (field & (field + 1)) == 0;
}

#endif /* BWM_MARK_H */
