/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From the bandwidth plugin's rates and bursts to what a bwm pod file says.
 *
 * Rates: bit/s, kubelet's range (1k..1P, quantity.h), or 0 for no limit.
 * bwm-cni refuses a rate outside it rather than write a file that bwmd
 * would refuse, which would leave the pod unlimited.
 *
 * Bursts: the runtimes fill the burst in when the pod has none, containerd
 * with math.MaxUint32 bits (512 MiB) and CRI-O with math.MaxUint32 * 8 - 1;
 * under TBF such a bucket let a 10 Mbit/s pod send at line rate for its
 * first seconds (kubernetes/kubernetes#90838). Both mean "no burst" here.
 *
 * An explicit burst becomes credit for EDT: the pod's departure clock may
 * lag behind now by up to burst / rate, so after an idle spell the pod
 * sends that many bits back to back before pacing resumes, and its average
 * over any window of length T stays at or below rate * T + burst. The
 * credit is capped at CNI_BURST_MAX_CREDIT_NS: bwm keeps latency and
 * fq's memory bounded, and a large bucket is what #90838 was about. The
 * datapath does not honour it yet (docs/cni.md says what it needs); the
 * pod file records it (BWM_POD_KEY_EGRESS_BURST) for when it does.
 *
 * As the bandwidth plugin: a burst without a rate is an error, and so is a
 * burst of 4 GiB (2^35 bits) or more. Unlike it, a rate without a burst is
 * fine (no burst).
 */
#ifndef BWM_CNI_LIMITS_H
#define BWM_CNI_LIMITS_H

#include <stdint.h>

#include "cni_config.h"
#include "cni_error.h"

#define CNI_BURST_CONTAINERD 4294967295ULL              /* math.MaxUint32 */
#define CNI_BURST_CRIO (4294967295ULL * 8 - 1)          /* math.MaxUint32*8 - 1 */
/* The most credit a burst buys: 100 ms at the pod's rate. */
#define CNI_BURST_MAX_CREDIT_NS 100000000ULL

struct cni_limits {
	uint64_t egress_bps, ingress_bps;                 /* 0: no limit */
	uint64_t egress_burst_bits, ingress_burst_bits;   /* 0: no burst; capped */
};

/* Fills *ret from bw; CNI_ERR_INVALID_CONFIG naming the key and value. */
int cni_limits_from_bandwidth(const struct cni_bandwidth *bw, struct cni_limits *ret, struct cni_error *err);

/* The burst bwm grants for burst_bits at rate_bps: 0 for the runtimes'
 * "none" values, else at most CNI_BURST_MAX_CREDIT_NS worth of the rate. */
uint64_t cni_burst_effective(uint64_t rate_bps, uint64_t burst_bits);

#endif /* BWM_CNI_LIMITS_H */
