/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Earliest-departure-time arithmetic, shared by the BPF datapath and the
 * cmocka tests so that both run the very same function.
 *
 * The step is the one Cilium's bandwidth manager uses (bpf/lib/edt.h): a pod
 * has one departure clock t_last; a packet of wire_len bytes needs
 * wire_len * 1e9 / rate nanoseconds on the wire, so it may leave at
 * t_last + delay. Packets already due leave now; packets due beyond the
 * horizon are dropped; the rest are stamped and the fq qdisc holds them.
 *
 * Ranges: rate 125 B/s (1 kbit/s) .. 1.25e14 B/s (1 Pbit/s), wire_len up to
 * 4 GiB (BIG TCP super-packets are at most 512 KiB). wire_len * 1e9 is below
 * 2^32 * 2^30 = 2^62, so the product never overflows a u64; the sums saturate.
 */
#ifndef BWM_EDT_H
#define BWM_EDT_H

#include <linux/types.h>

#include "atomic.h"

#define EDT_NSEC_PER_SEC 1000000000ULL

enum edt_verdict {
	EDT_SEND_NOW = 0,   /* leave skb->tstamp as it is */
	EDT_DELAY = 1,      /* set skb->tstamp to the departure time */
	EDT_DROP_HORIZON = 2,
};

struct edt_result {
	__u64 departure_ns;   /* when the packet may leave */
	__u64 t_last_ns;      /* the pod's new departure clock */
	__u64 tx_ns;          /* the packet's own time on the wire at the pod's rate */
	enum edt_verdict verdict;
};

/* How long the packet waits before its own transmission starts: the pod's
 * virtual queue ahead of it. CoDel's sojourn time, without the packet's own
 * serialisation (a 64 KB GSO packet alone is 52 ms at 10 Mbit/s). */
static __always_inline __u64 edt_wait_ns(const struct edt_result *r, __u64 now)
{
	if (r->verdict != EDT_DELAY || r->departure_ns <= now + r->tx_ns)
		return 0;
	return r->departure_ns - r->tx_ns - now;
}

static __always_inline __u64 edt_sat_add(__u64 a, __u64 b)
{
	__u64 sum = a + b;

	return sum < a ? ~0ULL : sum;
}

/* Nanoseconds that wire_len bytes take at rate bytes/s; rate 0 is treated as
 * 1 B/s rather than dividing by zero (bwmd never configures it). */
static __always_inline __u64 edt_tx_time_ns(__u32 wire_len, __u64 rate_bytes_per_sec)
{
	if (rate_bytes_per_sec == 0)
		rate_bytes_per_sec = 1;
	return (__u64)wire_len * EDT_NSEC_PER_SEC / rate_bytes_per_sec;
}

/*
 * now: CLOCK_MONOTONIC; skb_tstamp: the departure time already on the packet
 * (TCP's own pacing, or 0). A tstamp further out than the horizon cannot be a
 * delivery time (e.g. a stray receive timestamp) and is ignored.
 */
static __always_inline struct edt_result
edt_schedule(__u64 now, __u64 skb_tstamp, __u64 t_last, __u32 wire_len,
	     __u64 rate_bytes_per_sec, __u64 horizon_ns)
{
	struct edt_result r;
	__u64 t = now;
	__u64 t_next;

	if (skb_tstamp > now && skb_tstamp - now < horizon_ns)
		t = skb_tstamp;

	r.tx_ns = edt_tx_time_ns(wire_len, rate_bytes_per_sec);
	t_next = edt_sat_add(t_last, r.tx_ns);
	if (t_next <= t) {
		r.verdict = EDT_SEND_NOW;
		r.departure_ns = t;
		r.t_last_ns = t;
		return r;
	}
	if (t_next - now >= horizon_ns) {
		r.verdict = EDT_DROP_HORIZON;
		r.departure_ns = t_next;
		r.t_last_ns = t_last;
		return r;
	}
	r.verdict = EDT_DELAY;
	r.departure_ns = t_next;
	r.t_last_ns = t_next;
	return r;
}

/*
 * Commits a packet that edt_schedule() let through to the pod's clock, which
 * other CPUs update at the same time (atomic.h), from the value 'seen' the
 * schedule was computed from. Returns the departure time to stamp, or 0 to
 * leave the packet's tstamp as it is (it leaves now, or at TCP's own time).
 *
 * - Backlogged (EDT_DELAY): a fetch-and-add of the packet's time. Whatever
 *   other CPUs added since 'seen', the packet takes the slot after theirs,
 *   so the clock advances by exactly the sum of the packets' times.
 * - Idle (EDT_SEND_NOW): a compare-and-swap from 'seen' to the packet's
 *   departure. If another CPU moved the clock first, the packet is charged
 *   as a backlogged one instead, after wherever that CPU left the clock; a
 *   late idle store can never move the clock back.
 *
 * The horizon was checked against 'seen': packets other CPUs admitted at the
 * same instant may push this one past it by their own times.
 */
static __always_inline __u64 edt_commit(__u64 *clock, __u64 seen, const struct edt_result *r)
{
	__u64 departure;

	if (r->verdict == EDT_SEND_NOW && atomic_cas_u64(clock, seen, r->t_last_ns))
		return 0;
	departure = atomic_fetch_add_u64(clock, r->tx_ns) + r->tx_ns;
	if (r->verdict == EDT_DELAY)
		return departure;
	return departure > r->departure_ns ? departure : 0;
}

/* A packet that leaves at once, ahead of the queue (sparse.h), still takes
 * its time on the wire from the pod's clock, as if it had queued. */
static __always_inline void edt_charge(__u64 *clock, __u64 tx_ns)
{
	atomic_fetch_add_u64(clock, tx_ns);
}

#endif /* BWM_EDT_H */
