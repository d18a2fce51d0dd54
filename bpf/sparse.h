/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sparse flows, shared by the datapath and the cmocka tests.
 *
 * A pod's departure clock is one FIFO in time: a request/response flow, a
 * DNS query or an ACK stream waits behind every byte the pod's bulk flows
 * queued. As fq_codel does for new flows, a flow that sends little may skip
 * that queue. Its bytes still advance the pod's clock exactly as if they had
 * been queued (edt_charge()), so the pod's rate over time is unchanged; only
 * the order of departures changes.
 *
 * Two budgets, both kept as clocks that a packet sent ahead advances:
 * - the flow's own: SPARSE_SHARE times the packet's time at the pod's rate.
 *   A flow that used more than 1/SPARSE_SHARE of the pod's rate lately
 *   leaves at its own clock, paced at that share, while that is earlier
 *   than the queue and at most a quantum ahead; a packet larger than the
 *   quantum, or of a flow that has one waiting in the queue, waits in the
 *   queue like any bulk flow's. So a bulk flow, or a flood of small
 *   packets, cannot take the bypass over.
 * - the pod's, for all its sparse flows together (issue 12): without it, 16
 *   flows each just under their own share sent twice the pod's rate ahead of
 *   the queue, ran the pod's clock two horizons ahead and starved every bulk
 *   flow at the horizon. This clock advances by SPARSE_POD_SHARE times the
 *   packet's time, and may run ahead of now by at most SPARSE_POD_BURST
 *   quanta's worth: the pod's sparse flows together send at most
 *   1/SPARSE_POD_SHARE of the pod's rate ahead of the queue, after a burst
 *   of SPARSE_POD_BURST quanta. Their other packets queue with the bulk
 *   flows', which keep the rest of the rate.
 *
 * What a pod sends over any time T is then at most rate x T plus what its
 * sparse flows sent ahead of a queue that was still draining: at most
 * rate x T / SPARSE_POD_SHARE + SPARSE_POD_BURST quanta, and never more than the queue
 * ahead of them (rate x 2 horizons: the bypass may pass a queue at the
 * horizon, bwm.bpf.c).
 */
#ifndef BWM_SPARSE_H
#define BWM_SPARSE_H

#include <linux/types.h>

#include "atomic.h"
#include "edt.h"

/* One flow may take the pod's whole sparse budget, a third of its rate
 * (issue 14). With 1/8, a ping-pong at 27% of its pod's rate (the
 * benchmark's S2 probe: a 130-byte frame every 38 us) was paced at 1/8: a
 * p99 of 195 us against 111 us for the same traffic with no shaper. At 1/4
 * it was still paced, a little: its requests were stamped a few
 * microseconds ahead, and about 11% of its round trips took 70-90 us (p90
 * 77 us against 39 with no shaper, p99 109-117 against 79). At 1/3 it keeps
 * its own pace: p90 43, p99 88. Our reading (docs/design.md): fq's watchdog,
 * which releases such a packet, releases the bulk flows' due packets with
 * it, and on one CPU the probe waits behind their processing. Two such
 * flows share the budget, and the one it refuses queues with the bulk
 * flows, which keep 2/3 of the rate whatever the sparse flows do. */
#define SPARSE_SHARE 3
#define SPARSE_POD_SHARE 3
#define SPARSE_POD_BURST 4

/* Per-flow state in an LRU map: a flow not seen for a while is forgotten,
 * and a forgotten flow is sparse. */
struct bwm_flow {
	__u64 clock_ns;   /* the flow's own clock; see below */
};

/* Per-pod state: the pod's sparse budget. */
struct sparse_budget {
	__u64 clock_ns;
};

/*
 * A flow's clock says one of two things, told apart by its lowest bit (a
 * nanosecond nobody misses, and the map's layout stays as it was):
 * - SPARSE_QUEUED clear: the earliest its next packet may leave ahead of
 *   the queue: its previous one sent ahead, plus SPARSE_SHARE times that
 *   packet's time at the pod's rate. A flow over its share is paced at its
 *   share, not sent to the back of the pod's queue: a request/response
 *   flow with one message in flight, a little over its share, waited for
 *   the whole queue (a ping-pong at 23% of the pod's rate got a p99 of
 *   11 ms behind 4 bulk flows, issue 14), and now waits for a few of its
 *   own small packets' time at most.
 * - SPARSE_QUEUED set: one of its packets waits in the pod's queue until
 *   then: the flow's packets queue behind it until it has left.
 * A flow may run at most one quantum (at its share) ahead of now on its
 * own clock; more, and its packets queue like any bulk flow's, so that a
 * bulk flow of small packets keeps the share it had before: 1/SPARSE_SHARE.
 */
#define SPARSE_QUEUED 1ULL

/* When a packet of wire_len bytes of the flow may leave ahead of the
 * queue by the flow's own clock: a time >= now, or 0 if it may not. */
static __always_inline __u64 sparse_flow_slot(const struct bwm_flow *f, __u64 now,
					      __u32 wire_len, __u32 quantum,
					      __u64 rate_bytes_per_sec)
{
	__u64 clock = BWM_READ_ONCE(f->clock_ns);

	if (wire_len > quantum)
		return 0;
	if (clock & SPARSE_QUEUED)
		return (clock & ~SPARSE_QUEUED) <= now ? now : 0;
	if (clock <= now)
		return now;
	/* Only a flow ahead of now pays for the division. */
	if (clock - now > SPARSE_SHARE * edt_tx_time_ns(quantum, rate_bytes_per_sec))
		return 0;
	return clock;
}

/* Charges the flow for a packet sent ahead of the queue, leaving at 'at'. */
static __always_inline void sparse_flow_charge(struct bwm_flow *f, __u64 at, __u32 wire_len,
					       __u64 rate_bytes_per_sec)
{
	__u64 next = at + SPARSE_SHARE * edt_tx_time_ns(wire_len, rate_bytes_per_sec);

	BWM_WRITE_ONCE(f->clock_ns, next & ~SPARSE_QUEUED);
}

/*
 * Takes a packet of wire_len bytes from the pod's budget, if it has room:
 * the budget's clock may be at most SPARSE_POD_BURST quanta (at the sparse
 * share of the rate) ahead of now. One compare-and-swap, as the pod's CPUs
 * share the budget: if another CPU took from it first, the packet queues.
 */
static __always_inline int sparse_budget_take(struct sparse_budget *b, __u64 now, __u32 wire_len,
					      __u32 quantum, __u64 rate_bytes_per_sec)
{
	__u64 seen = BWM_READ_ONCE(b->clock_ns);
	__u64 burst = SPARSE_POD_BURST * SPARSE_POD_SHARE * edt_tx_time_ns(quantum, rate_bytes_per_sec);
	__u64 from = seen > now ? seen : now;

	if (from - now > burst)
		return 0;
	return atomic_cas_u64(&b->clock_ns, seen,
			      from + SPARSE_POD_SHARE * edt_tx_time_ns(wire_len, rate_bytes_per_sec));
}

/* When a packet of wire_len bytes leaves ahead of the pod's queue, whose
 * departure for it would be queue_departure: a time >= now (its flow's
 * clock, or now), charged to the flow's and the pod's budgets; 0 if it
 * queues. */
static __always_inline __u64 sparse_admit(struct bwm_flow *f, struct sparse_budget *pod, __u64 now,
					  __u64 queue_departure, __u32 wire_len, __u32 quantum,
					  __u64 rate_bytes_per_sec)
{
	__u64 at = sparse_flow_slot(f, now, wire_len, quantum, rate_bytes_per_sec);

	if (!at || at >= queue_departure ||
	    !sparse_budget_take(pod, now, wire_len, quantum, rate_bytes_per_sec))
		return 0;
	sparse_flow_charge(f, at, wire_len, rate_bytes_per_sec);
	return at;
}

/* A packet that waited in the queue: the flow is busy until it leaves. */
static __always_inline void sparse_queued(struct bwm_flow *f, __u64 departure_ns)
{
	__u64 clock = BWM_READ_ONCE(f->clock_ns) & ~SPARSE_QUEUED;

	BWM_WRITE_ONCE(f->clock_ns, (departure_ns > clock ? departure_ns : clock) | SPARSE_QUEUED);
}

#endif /* BWM_SPARSE_H */
