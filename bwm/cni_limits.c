// SPDX-License-Identifier: GPL-2.0-only
#include "cni_limits.h"

#include <inttypes.h>

#include "quantity.h"
#include "util.h"

uint64_t cni_burst_effective(uint64_t rate_bps, uint64_t burst_bits)
{
	/* rate <= 1P bit/s: the product needs more than 64 bits. */
	uint64_t cap = (uint64_t)((unsigned __int128)rate_bps * CNI_BURST_MAX_CREDIT_NS / 1000000000ULL);

	if (burst_bits == CNI_BURST_CONTAINERD || burst_bits == CNI_BURST_CRIO)
		return 0;
	return MIN(burst_bits, cap);
}

static int direction(const char *name, uint64_t rate, uint64_t burst, uint64_t *ret_bps,
		     uint64_t *ret_burst, struct cni_error *err)
{
	if (rate == 0 && burst != 0)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid bandwidth",
				"%sBurst %" PRIu64 " without %sRate: if a burst is set, the rate must be too",
				name, burst, name);
	/* The bandwidth plugin's validateRateAndBurst(). */
	if (burst / 8 >= 4294967295ULL)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid bandwidth",
				"%sBurst %" PRIu64 ": a burst must be below 4 GiB", name, burst);
	if (rate != 0 && (rate < BWM_BANDWIDTH_MIN_BPS || rate > BWM_BANDWIDTH_MAX_BPS))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "bandwidth out of range",
				"%sRate %" PRIu64 " bit/s: bwm takes 1000 (1k) to 10^15 (1P) bit/s, as "
				"kubelet does", name, rate);
	*ret_bps = rate;
	*ret_burst = rate ? cni_burst_effective(rate, burst) : 0;
	return 0;
}

int cni_limits_from_bandwidth(const struct cni_bandwidth *bw, struct cni_limits *ret, struct cni_error *err)
{
	struct cni_limits l;
	int r;

	r = direction("egress", bw->egress_rate, bw->egress_burst, &l.egress_bps, &l.egress_burst_bits, err);
	if (r < 0)
		return r;
	r = direction("ingress", bw->ingress_rate, bw->ingress_burst, &l.ingress_bps, &l.ingress_burst_bits,
		      err);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}
