// SPDX-License-Identifier: GPL-2.0-only
/*
 * Measures how fast bwmd turns pod files into map entries (issue 4):
 *  - one pod's limit rewritten COUNT times: file rename -> the new rate in
 *    the pinned bwm_pod_limits map (median and worst);
 *  - PODS pod files written at once -> all of them in bwm_pod_meta.
 * It reads the maps directly, polling every 50 us, so bwmctl's start-up
 * is not in the figures. Prints one JSON object.
 *
 *   reconcile_latency PODS_DIR PIN_DIR COUNT PODS
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bwm_maps.h"

#define POLL_NS 50000ULL
#define GIVE_UP_NS (30 * 1000000000ULL)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pause_poll(void)
{
	struct timespec ts = { .tv_nsec = POLL_NS };

	nanosleep(&ts, NULL);
}

static int open_map(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "reconcile_latency: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Writes a pod file atomically, as kubelet does. */
static void write_pod(const char *dir, const char *name, unsigned mbit, unsigned k)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		exit(1);
	}
	fprintf(f, "bwm.io/ips=\"fd00:18:77::%x:%x\"\nkubernetes.io/egress-bandwidth=\"%uM\"",
		k >> 16, k & 0xffff, mbit);
	fclose(f);
	if (rename(tmp, path) < 0) {
		perror(path);
		exit(1);
	}
}

static uint32_t count_pods(int meta_fd, const char *only, uint32_t *ret_id)
{
	struct bwm_pod_meta meta;
	uint32_t key, next, n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(meta_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (only && bpf_map_lookup_elem(meta_fd, &key, &meta) == 0 &&
		    strcmp(meta.name, only) == 0) {
			*ret_id = key;
			return 1;
		}
		n++;
	}
	return only ? 0 : n;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Time from each rewrite of one pod's limit to the new rate in the map. */
static void limit_changes(const char *dir, int meta_fd, int limits_fd, unsigned count,
			  uint64_t *samples)
{
	uint64_t deadline;
	uint32_t id = 0;

	write_pod(dir, "latency-probe", 1, 1);
	for (deadline = now_ns() + GIVE_UP_NS; !count_pods(meta_fd, "latency-probe", &id);
	     pause_poll())
		if (now_ns() > deadline) {
			fprintf(stderr, "reconcile_latency: latency-probe never appeared\n");
			exit(1);
		}
	for (unsigned i = 0; i < count; i++) {
		unsigned mbit = 2 + i;
		struct bwm_pod_limit limit = {};
		uint64_t t0 = now_ns();

		write_pod(dir, "latency-probe", mbit, 1);
		for (;;) {
			if (bpf_map_lookup_elem(limits_fd, &id, &limit) == 0 &&
			    limit.rate_bytes_per_sec == mbit * 125000ULL)
				break;
			if (now_ns() - t0 > GIVE_UP_NS) {
				fprintf(stderr, "reconcile_latency: limit %u Mbit/s never applied\n", mbit);
				exit(1);
			}
			pause_poll();
		}
		samples[i] = now_ns() - t0;
	}
}

/* Time from writing `pods` files to all of them in the maps. */
static uint64_t many_pods(const char *dir, int meta_fd, unsigned pods)
{
	uint32_t before = count_pods(meta_fd, NULL, NULL), unused;
	uint64_t t0 = now_ns();
	char name[64];

	for (unsigned k = 0; k < pods; k++) {
		snprintf(name, sizeof(name), "bulk-%u", k);
		write_pod(dir, name, 10, 100 + k);
	}
	while (count_pods(meta_fd, NULL, &unused) < before + pods) {
		if (now_ns() - t0 > GIVE_UP_NS) {
			fprintf(stderr, "reconcile_latency: only %u of %u pods after %llu s\n",
				count_pods(meta_fd, NULL, &unused) - before, pods,
				GIVE_UP_NS / 1000000000ULL);
			exit(1);
		}
		pause_poll();
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	unsigned count, pods;
	uint64_t *samples, all;
	int meta_fd, limits_fd;

	if (argc != 5) {
		fprintf(stderr, "usage: reconcile_latency PODS_DIR PIN_DIR COUNT PODS\n");
		return 2;
	}
	count = (unsigned)atoi(argv[3]);
	pods = (unsigned)atoi(argv[4]);
	samples = calloc(count ? count : 1, sizeof(*samples));
	if (!samples || count == 0)
		return 2;
	meta_fd = open_map(argv[2], "bwm_pod_meta");
	limits_fd = open_map(argv[2], "bwm_pod_limits");

	limit_changes(argv[1], meta_fd, limits_fd, count, samples);
	all = many_pods(argv[1], meta_fd, pods);
	qsort(samples, count, sizeof(*samples), compare_u64);
	printf("{\"changes\": %u, \"change_median_ms\": %.2f, \"change_worst_ms\": %.2f, "
	       "\"pods\": %u, \"pods_all_in_maps_ms\": %.1f}\n", count,
	       (double)samples[count / 2] / 1e6, (double)samples[count - 1] / 1e6, pods,
	       (double)all / 1e6);
	free(samples);
	return 0;
}
