// SPDX-License-Identifier: GPL-2.0-only
#include "pod_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>

#include "util.h"

_Static_assert(sizeof(struct bwm_pod_counters) % 8 == 0,
	       "per-CPU copies are 8-byte aligned: the layout must not need padding");

/* A per-CPU map's value, as the syscall reads and writes it: one copy per
 * possible CPU, each rounded up to 8 bytes (struct bwm_pod_counters is). */
static int percpu_values(struct bwm_pod_counters **ret, int *ret_n)
{
	int n = libbpf_num_possible_cpus();

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	*ret = calloc((size_t)n, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	*ret_n = n;
	return 0;
}

int pod_counters_read(int map_fd, uint32_t id, struct bwm_pod_counters *ret)
{
	_cleanup_free_ struct bwm_pod_counters *values = NULL;
	struct bwm_pod_counters sum = {};
	int n, r;

	r = percpu_values(&values, &n);
	if (r < 0)
		return r;
	if (bpf_map_lookup_elem(map_fd, &id, values) < 0)
		return -errno;
	for (int cpu = 0; cpu < n; cpu++) {
		sum.bytes += values[cpu].bytes;
		sum.packets += values[cpu].packets;
		for (int d = 0; d < BWM_DROP__MAX; d++)
			sum.drops[d] += values[cpu].drops[d];
		sum.ecn_marks += values[cpu].ecn_marks;
		sum.sparse_packets += values[cpu].sparse_packets;
		for (int b = 0; b < HIST_BUCKETS; b++)
			sum.delay.bucket[b] += values[cpu].delay.bucket[b];
		sum.delay.sum_ns += values[cpu].delay.sum_ns;
	}
	*ret = sum;
	return 0;
}

int pod_counters_zero(int map_fd, uint32_t id)
{
	_cleanup_free_ struct bwm_pod_counters *zero = NULL;
	int n, r;

	r = percpu_values(&zero, &n);
	if (r < 0)
		return r;
	return bpf_map_update_elem(map_fd, &id, zero, BPF_ANY) < 0 ? -errno : 0;
}
