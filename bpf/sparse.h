/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sparse flows, shared by the datapath and the cmocka tests.
 *
 * A pod's departure clock is one FIFO in time: a request/response flow, a
 * DNS query or an ACK stream waits behind every byte the pod's bulk flows
 * queued. As fq_codel does for new flows, a flow that sends little may skip
 * that queue. Its bytes still advance the pod's clock exactly as if they had
 * been queued, so the pod's rate is unchanged; only the order of departures
 * changes.
 *
 * "Sends little" is measured by the flow's own clock: each packet that skips
 * the queue advances it by SPARSE_SHARE times the packet's time at the pod's
 * rate. A flow whose clock is ahead of now (it used more than 1/SPARSE_SHARE
 * of the pod's rate lately), or whose packet is larger than the quantum,
 * waits in the queue like any bulk flow; so a bulk flow, or a flood of small
 * packets, cannot take the bypass over.
 */
#ifndef BWM_SPARSE_H
#define BWM_SPARSE_H

#include <linux/types.h>

#include "edt.h"

#define SPARSE_SHARE 8

/* Per-flow state in an LRU map: a flow not seen for a while is forgotten,
 * and a forgotten flow is sparse. */
struct bwm_flow {
	__u64 clock_ns;   /* the flow's own clock; see above */
};

/* Whether a packet of wire_len bytes may leave at once; if so, charges the
 * flow's clock. */
static __always_inline int sparse_admit(struct bwm_flow *f, __u64 now, __u32 wire_len,
					__u32 quantum, __u64 rate_bytes_per_sec)
{
	if (wire_len > quantum || f->clock_ns > now)
		return 0;
	f->clock_ns = now + SPARSE_SHARE * edt_tx_time_ns(wire_len, rate_bytes_per_sec);
	return 1;
}

/* A packet that waited in the queue: the flow is busy until it leaves. */
static __always_inline void sparse_queued(struct bwm_flow *f, __u64 departure_ns)
{
	if (departure_ns > f->clock_ns)
		f->clock_ns = departure_ns;
}

#endif /* BWM_SPARSE_H */
