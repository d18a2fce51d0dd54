// SPDX-License-Identifier: GPL-2.0-only
#include "pod_counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

_Static_assert(sizeof(struct bwm_pod_counters) % 8 == 0,
	       "per-CPU copies are 8-byte aligned: the layout must not need padding");
_Static_assert(sizeof(struct bwm_pod_link_counters) % 8 == 0,
	       "per-CPU copies are 8-byte aligned: the layout must not need padding");

/*
 * Sums a per-CPU value of size bytes, all of it 64-bit counters, over the
 * possible CPUs: the syscall reads one copy per possible CPU, each rounded
 * up to 8 bytes (the counter structs need no rounding).
 */
static int percpu_sum(int map_fd, uint32_t id, size_t size, void *ret)
{
	int n = libbpf_num_possible_cpus();
	size_t words = size / sizeof(uint64_t);
	_cleanup_free_ uint64_t *values = NULL;
	uint64_t *sum = ret;

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	values = calloc((size_t)n, size);
	if (!values)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &id, values) < 0)
		return -errno;
	memset(sum, 0, size);
	for (int cpu = 0; cpu < n; cpu++)
		for (size_t w = 0; w < words; w++)
			sum[w] += values[(size_t)cpu * words + w];
	return 0;
}

static int percpu_zero(int map_fd, uint32_t id, size_t size)
{
	int n = libbpf_num_possible_cpus();
	_cleanup_free_ void *zero = NULL;

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	zero = calloc((size_t)n, size);
	if (!zero)
		return -ENOMEM;
	return bpf_map_update_elem(map_fd, &id, zero, BPF_ANY) < 0 ? -errno : 0;
}

int pod_counters_read(int map_fd, uint32_t id, struct bwm_pod_counters *ret)
{
	return percpu_sum(map_fd, id, sizeof(*ret), ret);
}

int pod_counters_zero(int map_fd, uint32_t id)
{
	return percpu_zero(map_fd, id, sizeof(struct bwm_pod_counters));
}

int pod_link_counters_read(int map_fd, uint32_t id, struct bwm_pod_link_counters *ret)
{
	return percpu_sum(map_fd, id, sizeof(*ret), ret);
}

int pod_link_counters_zero(int map_fd, uint32_t id)
{
	return percpu_zero(map_fd, id, sizeof(struct bwm_pod_link_counters));
}
