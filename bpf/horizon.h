/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pod's horizon, floored at a few of its largest packets (issue 12),
 * shared by the datapath and the cmocka tests.
 *
 * A packet's departure is its own time on the wire after the pod's clock, so
 * a packet whose own time approaches the horizon can wait behind nothing:
 * at 100 ms, a 64 KB GSO packet (131 ms at 4 Mbit/s) or a 192 KB BIG TCP
 * one (157 ms at 10 Mbit/s) is accepted only after idle and dropped behind
 * any queue, and at 1 Mbit/s never: EDT polices instead of shaping. TCP's
 * own TSO sizing does not help: below tcp_tso_rtt_log's 512 us of minimum
 * RTT it sends gso_max_size packets whatever its pacing rate (net/ipv4/
 * tcp_output.c, tcp_tso_autosize()), and a changed gso_max_size reaches new
 * sockets only.
 *
 * So the horizon is never less than HORIZON_FLOOR_PACKETS times the largest
 * packet the pod has sent since its queue was last empty. Per pod, not per
 * packet: a small packet behind big ones sees the same horizon, so no flow
 * of the pod is dropped for sending smaller packets than another. Four
 * packets: one on the wire, and room above CoDel's target of two waiting
 * (aqm_params_for()) for CoDel to act before the horizon does.
 *
 * The floor stops at the limit's horizon_max_ns, fq's own horizon, past which
 * fq would drop the packet anyway.
 */
#ifndef BWM_HORIZON_H
#define BWM_HORIZON_H

#include <linux/types.h>

#include "atomic.h"
#include "edt.h"

#define HORIZON_FLOOR_PACKETS 4

/*
 * The largest packet the pod has sent since its queue was last empty, this
 * one included; *big is the pod's memory of it. Stored only when it changes,
 * as that line is shared by the pod's CPUs; a race between two CPUs stores
 * one of two packets that both were just sent.
 */
static __always_inline __u32 horizon_big_packet(__u32 *big, __u32 wire_len, int queue_empty)
{
	__u32 seen = BWM_READ_ONCE(*big);

	if (queue_empty ? wire_len == seen : wire_len <= seen)
		return seen;
	BWM_WRITE_ONCE(*big, wire_len);
	return wire_len;
}

/* max(horizon, HORIZON_FLOOR_PACKETS x big on the wire), the floor capped
 * at max_ns; max_ns 0: no floor. */
static __always_inline __u64 horizon_floored(__u64 horizon_ns, __u64 max_ns, __u64 big_tx_ns)
{
	__u64 floor = HORIZON_FLOOR_PACKETS * big_tx_ns;

	if (floor > max_ns)
		floor = max_ns;
	return floor > horizon_ns ? floor : horizon_ns;
}

#endif /* BWM_HORIZON_H */
