/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CoDel (RFC 8289) on a pod's virtual queue, shared by the datapath and the
 * cmocka tests.
 *
 * EDT knows each packet's queueing delay exactly when it stamps it: the
 * departure time minus now. CoDel needs nothing else: once that delay has
 * stayed above target for an interval, signal one packet (CE-mark it if it
 * is ECN-capable, else drop it), and signal again at intervals shrinking
 * as interval / sqrt(count) until the delay falls below target. This
 * replaces a fixed horizon cliff with a control law that TCP converges to.
 *
 * No floating point in BPF: 1/sqrt(count) is kept in Q0.32 and refined by
 * one Newton-Raphson step per change of count, x' = x (3 - count x^2) / 2,
 * as CoDel implementations do.
 *
 * Several CPUs run it on one pod at once (issue 12), without a lock:
 * - each signal is claimed by one compare-and-swap on signal_next_ns, so two
 *   CPUs that both see a signal due never both signal (which would double
 *   CoDel's drop rate for that step); the loser lets its packet pass;
 * - count and 1/sqrt(count) share one 64-bit word, written whole, so no CPU
 *   reads a count with another count's square root;
 * - what a race can still do is lose one step of the control law (two CPUs
 *   claiming consecutive signals within nanoseconds both count from the
 *   same step), which makes the next signal come a little later; CoDel's
 *   feedback absorbs that as it absorbs any change of load.
 */
#ifndef BWM_AQM_H
#define BWM_AQM_H

#include <linux/types.h>

#include "atomic.h"

#define AQM_INV_SQRT_ONE 0xffffffffU   /* 1.0 in Q0.32, saturated */
/* interval * 1/sqrt(count) in Q0.32 must fit 64 bits. */
#define AQM_INTERVAL_MAX_NS 0xffffffffULL

struct aqm_params {
	__u64 target_ns;
	__u64 interval_ns;
};

/* Per-pod CoDel state; zero is the idle state. */
struct aqm_state {
	__u64 first_above_ns;   /* when the delay may first count as persistent; 0: below target */
	__u64 signal_next_ns;   /* when the next signal is due; 0: not signalling */
	__u64 law;              /* count << 32 | 1/sqrt(count) in Q0.32 (aqm_law) */
	__u64 ended_next_ns;    /* signal_next_ns when the last episode ended */
	__u32 last_count;       /* count when the last episode began */
	__u32 reserved;
};

static __always_inline __u64 aqm_law(__u32 count, __u32 inv_sqrt)
{
	return (__u64)count << 32 | inv_sqrt;
}

static __always_inline __u32 aqm_law_count(__u64 law)
{
	return (__u32)(law >> 32);
}

static __always_inline __u32 aqm_law_inv_sqrt(__u64 law)
{
	return (__u32)law;
}

/*
 * The parameters for a pod whose largest packet lately takes big_tx_ns on
 * the wire (horizon.h). A queue of less than two packets is no standing
 * queue: with GSO (64 KiB, BIG TCP 192 KiB) one packet can outlast the
 * target, so the target never drops below two of them on the wire (CAKE's
 * rule of thumb, with its MTU made the packet), and the interval grows by
 * as much as the target did, as CAKE's does (sch_cake.c, cake_set_rate()),
 * so that a packet's own time does not count as the queue's persistence.
 */
static __always_inline struct aqm_params aqm_params_for(__u64 target_ns, __u64 interval_ns,
							__u64 big_tx_ns)
{
	struct aqm_params p = { .target_ns = target_ns, .interval_ns = interval_ns };

	if (2 * big_tx_ns > target_ns) {
		p.target_ns = 2 * big_tx_ns;
		p.interval_ns = interval_ns + (p.target_ns - target_ns);
	}
	if (p.interval_ns > AQM_INTERVAL_MAX_NS)
		p.interval_ns = AQM_INTERVAL_MAX_NS;
	return p;
}

/* One Newton-Raphson step of 1/sqrt(count) from the previous estimate x. */
static __always_inline __u32 aqm_inv_sqrt_step(__u32 x, __u32 count)
{
	const __u64 three = 3ULL << 32;
	__u64 x_squared = ((__u64)x * x) >> 32;         /* Q0.32 */
	__u64 c_x_squared = (__u64)count * x_squared;   /* Q32.32 */
	__u64 next;

	if (c_x_squared >= three)   /* estimate far too high: restart low */
		return AQM_INV_SQRT_ONE >> 4;
	/* x * (3 - c x^2) / 2; the >> 2 keeps the product within 64 bits. */
	next = (((three - c_x_squared) >> 2) * x) >> 31;
	return next > AQM_INV_SQRT_ONE ? AQM_INV_SQRT_ONE : (__u32)next;
}

/* t + interval / sqrt(count) */
static __always_inline __u64 aqm_control_law(__u64 t, __u64 interval_ns, __u32 inv_sqrt)
{
	return t + ((interval_ns * inv_sqrt) >> 32);
}

/* Whether the delay has been above target for at least an interval. Stores
 * only what changes: every store dirties a cache line the pod's other CPUs
 * then fetch again. Two CPUs racing here store nearly the same time. */
static __always_inline int aqm_persistent(struct aqm_state *s, __u64 now, __u64 delay_ns,
					  const struct aqm_params *p)
{
	__u64 first_above = BWM_READ_ONCE(s->first_above_ns);

	if (delay_ns < p->target_ns) {
		if (first_above)
			BWM_WRITE_ONCE(s->first_above_ns, 0);
		return 0;
	}
	if (first_above == 0) {
		BWM_WRITE_ONCE(s->first_above_ns, now + p->interval_ns);
		return 0;
	}
	return now >= first_above;
}

/* The count an episode starting now begins with: near the signalling rate
 * that ended the last one, if that was lately, rather than from scratch
 * (RFC 8289, 5.4; Linux's codel_should_drop() caller, codel_dequeue()). */
static __always_inline __u64 aqm_law_at_start(const struct aqm_state *s, __u64 now,
					      const struct aqm_params *p)
{
	__u64 law = BWM_READ_ONCE(s->law);
	__u64 ended = BWM_READ_ONCE(s->ended_next_ns);
	__u32 delta = aqm_law_count(law) - BWM_READ_ONCE(s->last_count);

	if (delta > 1 && (now < ended || now - ended < 16 * p->interval_ns))
		return aqm_law(delta, aqm_inv_sqrt_step(aqm_law_inv_sqrt(law), delta));
	return aqm_law(1, AQM_INV_SQRT_ONE);
}

/*
 * Called for each packet that waits in the virtual queue, with its delay.
 * Returns 1 if this packet is to be signalled (CE-marked or dropped).
 * interval_ns must be at most AQM_INTERVAL_MAX_NS (aqm_params_for() caps it).
 */
static __always_inline int aqm_on_packet(struct aqm_state *s, __u64 now, __u64 delay_ns,
					 const struct aqm_params *p)
{
	int persistent = aqm_persistent(s, now, delay_ns, p);
	__u64 next = BWM_READ_ONCE(s->signal_next_ns);
	__u64 law;
	__u32 count, inv_sqrt;

	if (next) {   /* signalling */
		if (!persistent) {
			if (atomic_cas_u64(&s->signal_next_ns, next, 0))
				BWM_WRITE_ONCE(s->ended_next_ns, next);
			return 0;
		}
		if (now < next)
			return 0;
		law = BWM_READ_ONCE(s->law);
		count = aqm_law_count(law) + 1;
		inv_sqrt = aqm_inv_sqrt_step(aqm_law_inv_sqrt(law), count);
		if (!atomic_cas_u64(&s->signal_next_ns, next,
				    aqm_control_law(next, p->interval_ns, inv_sqrt)))
			return 0;   /* another CPU took this signal */
		BWM_WRITE_ONCE(s->law, aqm_law(count, inv_sqrt));
		return 1;
	}
	if (!persistent)
		return 0;

	law = aqm_law_at_start(s, now, p);
	if (!atomic_cas_u64(&s->signal_next_ns, 0,
			    aqm_control_law(now, p->interval_ns, aqm_law_inv_sqrt(law))))
		return 0;   /* another CPU started the episode */
	BWM_WRITE_ONCE(s->law, law);
	BWM_WRITE_ONCE(s->last_count, aqm_law_count(law));
	return 1;
}

#endif /* BWM_AQM_H */
