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
 */
#ifndef BWM_AQM_H
#define BWM_AQM_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define AQM_INV_SQRT_ONE 0xffffffffU   /* 1.0 in Q0.32, saturated */

struct aqm_params {
	__u64 target_ns;
	__u64 interval_ns;
};

/* Per-pod CoDel state; zero is the idle state. */
struct aqm_state {
	__u64 first_above_ns;   /* when the delay may first count as persistent; 0: below target */
	__u64 signal_next_ns;   /* when the next signal is due while signalling */
	__u32 count;            /* signals in this episode */
	__u32 last_count;       /* count when the last episode ended */
	__u32 inv_sqrt;         /* 1/sqrt(count), Q0.32 */
	__u32 signalling;       /* in a signalling episode */
};

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

/* Whether the delay has been above target for at least an interval. */
static __always_inline int aqm_persistent(struct aqm_state *s, __u64 now, __u64 delay_ns,
					  const struct aqm_params *p)
{
	if (delay_ns < p->target_ns) {
		s->first_above_ns = 0;
		return 0;
	}
	if (s->first_above_ns == 0) {
		s->first_above_ns = now + p->interval_ns;
		return 0;
	}
	return now >= s->first_above_ns;
}

/*
 * Called for each packet that waits in the virtual queue, with its delay.
 * Returns 1 if this packet is to be signalled (CE-marked or dropped).
 * interval_ns must be below 2^32 ns (about 4.3 s); bwmd's range is smaller.
 */
static __always_inline int aqm_on_packet(struct aqm_state *s, __u64 now, __u64 delay_ns,
					 const struct aqm_params *p)
{
	int persistent = aqm_persistent(s, now, delay_ns, p);
	__u32 delta;

	if (s->signalling) {
		if (!persistent) {
			s->signalling = 0;
			return 0;
		}
		if (now < s->signal_next_ns)
			return 0;
		s->count++;
		s->inv_sqrt = aqm_inv_sqrt_step(s->inv_sqrt, s->count);
		s->signal_next_ns = aqm_control_law(s->signal_next_ns, p->interval_ns, s->inv_sqrt);
		return 1;
	}
	if (!persistent)
		return 0;

	/* A new episode soon after the last one starts near the signalling
	 * rate that ended it rather than from scratch (RFC 8289, 5.4). */
	s->signalling = 1;
	delta = s->count - s->last_count;
	if (delta > 1 && now - s->signal_next_ns < 16 * p->interval_ns) {
		s->count = delta;
		s->inv_sqrt = aqm_inv_sqrt_step(s->inv_sqrt, s->count);
	} else {
		s->count = 1;
		s->inv_sqrt = AQM_INV_SQRT_ONE;
	}
	s->last_count = s->count;
	s->signal_next_ns = aqm_control_law(now, p->interval_ns, s->inv_sqrt);
	return 1;
}

#endif /* BWM_AQM_H */
