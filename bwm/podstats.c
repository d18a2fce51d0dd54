// SPDX-License-Identifier: GPL-2.0-only
#include "podstats.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "annotations.h"
#include "classify.h"
#include "pod_counters.h"
#include "utf8.h"
#include "util.h"

struct pinned_maps {
	int meta_fd, limits_fd, state_fd, counters_fd;
};

/* The maps this build reads, as bwm.bpf.c declares them. */
struct map_layout {
	const char *name;
	uint32_t type, key_size, value_size;
};

static const struct map_layout layouts[] = {
	{ "bwm_pod_meta", BPF_MAP_TYPE_HASH, sizeof(uint32_t), sizeof(struct bwm_pod_meta) },
	{ "bwm_pod_limits", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct bwm_pod_limit) },
	{ "bwm_pod_state", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct bwm_pod_state) },
	/* value_size is one CPU's */
	{ "bwm_pod_counters", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(struct bwm_pod_counters) },
};

/* Opens a pinned map read-only and checks it is the map this build knows:
 * another bwm version's maps (or another program's under that name) would
 * have lookups write past our buffers. */
static int open_pinned(const char *pin_dir, const struct map_layout *want, char *why, size_t why_size)
{
	char path[PATH_MAX];
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, want->name);
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		return -errno;
	r = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (r < 0) {
		r = -errno;
		close(fd);
		snprintf(why, why_size, "%s is not a BPF map", want->name);
		return r == -EINVAL ? -EPROTO : r;
	}
	if (info.type != want->type || info.key_size != want->key_size ||
	    info.value_size != want->value_size) {
		close(fd);
		snprintf(why, why_size, "%s is a map of type %u, key %u and value %u bytes; this bwmctl "
			 "reads type %u, %u and %u", want->name, info.type, info.key_size, info.value_size,
			 want->type, want->key_size, want->value_size);
		return -EPROTO;
	}
	return fd;
}

int pinned_maps_open(const char *pin_dir, struct pinned_maps **ret, char *ret_why, size_t why_size)
{
	struct pinned_maps *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return -ENOMEM;
	int *fds[] = { &m->meta_fd, &m->limits_fd, &m->state_fd, &m->counters_fd };

	m->meta_fd = m->limits_fd = m->state_fd = m->counters_fd = -1;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(layouts); i++)
		r = *fds[i] = open_pinned(pin_dir, &layouts[i], ret_why, why_size);
	if (r < 0) {
		pinned_maps_close(m);
		return r;
	}
	*ret = m;
	return 0;
}

struct pinned_maps *pinned_maps_close(struct pinned_maps *m)
{
	if (!m)
		return NULL;
	if (m->meta_fd >= 0)
		close(m->meta_fd);
	if (m->limits_fd >= 0)
		close(m->limits_fd);
	if (m->state_fd >= 0)
		close(m->state_fd);
	if (m->counters_fd >= 0)
		close(m->counters_fd);
	free(m);
	return NULL;
}

static int compare_pods(const void *a, const void *b)
{
	return strcmp(((const struct pod_stats *)a)->meta.name, ((const struct pod_stats *)b)->meta.name);
}

int pod_stats_take(struct pinned_maps *m, struct pod_stats_snapshot *ret)
{
	struct pod_stats_snapshot s = {};
	size_t cap = 0;
	uint32_t key, next;
	void *prev = NULL;
	struct timespec ts;

	while (bpf_map_get_next_key(m->meta_fd, prev, &next) == 0) {
		struct pod_stats *p;

		key = next;
		prev = &key;
		if (s.n_pods == cap) {
			size_t bigger_cap = cap ? cap * 2 : 32;
			struct pod_stats *bigger = realloc(s.pods, bigger_cap * sizeof(*bigger));

			if (!bigger) {
				pod_stats_free(&s);
				return -ENOMEM;
			}
			s.pods = bigger;
			cap = bigger_cap;
		}
		p = &s.pods[s.n_pods];
		memset(p, 0, sizeof(*p));
		p->id = key;
		p->rate_bps = -1;
		if (bpf_map_lookup_elem(m->meta_fd, &key, &p->meta) < 0 ||
		    bpf_map_lookup_elem(m->limits_fd, &key, &p->limit) < 0 ||
		    bpf_map_lookup_elem(m->state_fd, &key, &p->state) < 0 ||
		    pod_counters_read(m->counters_fd, key, &p->counters) < 0)
			continue;   /* removed meanwhile */
		p->meta.name[sizeof(p->meta.name) - 1] = '\0';
		p->meta.ifname[sizeof(p->meta.ifname) - 1] = '\0';
		s.n_pods++;
	}
	/* The same clock as bpf_ktime_get_ns(). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.taken_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (size_t i = 0; i < s.n_pods; i++) {
		const struct pod_stats *p = &s.pods[i];

		s.pods[i].queue_delay_ns = p->state.t_last_ns > s.taken_ns ?
					   p->state.t_last_ns - s.taken_ns : 0;
	}
	if (s.n_pods)
		qsort(s.pods, s.n_pods, sizeof(*s.pods), compare_pods);
	*ret = s;
	return 0;
}

void pod_stats_free(struct pod_stats_snapshot *s)
{
	free(s->pods);
	*s = (struct pod_stats_snapshot) {};
}

void pod_stats_rates(struct pod_stats_snapshot *now, const struct pod_stats_snapshot *before)
{
	double seconds = (double)(now->taken_ns - before->taken_ns) / 1e9;

	if (seconds <= 0)
		return;
	for (size_t i = 0; i < now->n_pods; i++) {
		struct pod_stats *p = &now->pods[i];
		const struct pod_stats *b = bsearch(p, before->pods, before->n_pods, sizeof(*p), compare_pods);

		if (b && b->id == p->id && p->counters.bytes >= b->counters.bytes)
			p->rate_bps = (double)(p->counters.bytes - b->counters.bytes) * 8 / seconds;
	}
}

void format_bitrate(double bits_per_sec, char *buf, size_t size)
{
	static const struct { double scale; const char *unit; } units[] = {
		{ 1e15, "Pbit/s" }, { 1e12, "Tbit/s" }, { 1e9, "Gbit/s" }, { 1e6, "Mbit/s" },
		{ 1e3, "kbit/s" },
	};

	if (bits_per_sec <= 0) {
		snprintf(buf, size, "%s", bits_per_sec < 0 ? "-" : "0");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (bits_per_sec >= units[i].scale) {
			snprintf(buf, size, "%.4g %s", bits_per_sec / units[i].scale, units[i].unit);
			return;
		}
	snprintf(buf, size, "%.0f bit/s", bits_per_sec);
}

static void format_delay(uint64_t ns, char *buf, size_t size)
{
	if (ns >= 1000000)
		snprintf(buf, size, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%.0f us", (double)ns / 1e3);
}

size_t pod_stats_print_table(FILE *out, const struct pod_stats_snapshot *s, const char *only)
{
	size_t n = 0;

	fprintf(out, "%-24s %-15s %12s %12s %12s %10s %10s %10s\n", "POD", "INTERFACE", "LIMIT", "RATE",
		"PACKETS", "DROPS", "ECN-CE", "QUEUE");
	for (size_t i = 0; i < s->n_pods; i++) {
		const struct pod_stats *p = &s->pods[i];
		_cleanup_free_ char *name = NULL, *ifname = NULL;
		char limit[32], rate[32], delay[32];
		uint64_t drops = 0;

		if (only && strcmp(only, p->meta.name) != 0)
			continue;
		for (int d = 0; d < BWM_DROP__MAX; d++)
			drops += p->counters.drops[d];
		format_bitrate((double)p->limit.rate_bytes_per_sec * 8, limit, sizeof(limit));
		if (!p->limit.rate_bytes_per_sec)
			snprintf(limit, sizeof(limit), "none");
		format_bitrate(p->rate_bps, rate, sizeof(rate));
		format_delay(p->queue_delay_ns, delay, sizeof(delay));
		/* Names come from pod files: no terminal escapes, no forged rows. */
		name = annotation_escape(p->meta.name, BWM_POD_NAME_MAX);
		ifname = annotation_escape(p->meta.ifname, BWM_IFNAME_MAX);
		fprintf(out, "%-24s %-15s %12s %12s %12llu %10llu %10llu %10s\n", name ?: "?",
			p->meta.ifname[0] ? ifname ?: "?" : "-", limit, rate,
			(unsigned long long)p->counters.packets, (unsigned long long)drops,
			(unsigned long long)p->counters.ecn_marks, delay);
		n++;
	}
	return n;
}

/* A JSON string. Pod names are file names, so any byte but '/' and NUL:
 * control characters are escaped, and bytes that are not UTF-8 become
 * U+FFFD, so the output is always valid JSON (RFC 8259 wants UTF-8). */
static void print_json_string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(out, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			fputc(*s++, out);
		} else if ((n = utf8_sequence(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
	fputc('"', out);
}

static void print_json_addr(FILE *out, const struct bwm_addr_key *key)
{
	char text[INET6_ADDRSTRLEN];

	if (bwm_addr_key_is_ipv4(key))
		inet_ntop(AF_INET, &key->addr[12], text, sizeof(text));
	else
		inet_ntop(AF_INET6, key->addr, text, sizeof(text));
	fprintf(out, "\"%s\"", text);
}

size_t pod_stats_print_json(FILE *out, const struct pod_stats_snapshot *s, const char *only)
{
	size_t n = 0;

	fprintf(out, "{\"pods\":[");
	for (size_t i = 0; i < s->n_pods; i++) {
		const struct pod_stats *p = &s->pods[i];

		if (only && strcmp(only, p->meta.name) != 0)
			continue;
		fprintf(out, "%s{\"name\":", n ? "," : "");
		print_json_string(out, p->meta.name);
		fprintf(out, ",\"id\":%u,\"interface\":", p->id);
		if (p->meta.ifname[0])
			print_json_string(out, p->meta.ifname);
		else
			fprintf(out, "null");
		fprintf(out, ",\"ifindex\":%u,\"addresses\":[", p->meta.ifindex);
		for (uint32_t a = 0; a < p->meta.naddrs && a < BWM_MAX_ADDRS_PER_POD; a++) {
			if (a)
				fputc(',', out);
			print_json_addr(out, &p->meta.addrs[a]);
		}
		fprintf(out, "],\"limit_bps\":%llu,\"horizon_ns\":%llu,\"rate_bps\":",
			(unsigned long long)p->limit.rate_bytes_per_sec * 8,
			(unsigned long long)p->limit.horizon_ns);
		if (p->rate_bps >= 0)
			fprintf(out, "%.0f", p->rate_bps);
		else
			fprintf(out, "null");
		fprintf(out, ",\"bytes\":%llu,\"packets\":%llu,\"drops\":{\"horizon\":%llu,\"aqm\":%llu}"
			",\"ecn_marks\":%llu,\"sparse_packets\":%llu,\"queue_delay_ns\":%llu}",
			(unsigned long long)p->counters.bytes, (unsigned long long)p->counters.packets,
			(unsigned long long)p->counters.drops[BWM_DROP_HORIZON],
			(unsigned long long)p->counters.drops[BWM_DROP_AQM],
			(unsigned long long)p->counters.ecn_marks, (unsigned long long)p->counters.sparse_packets,
			(unsigned long long)p->queue_delay_ns);
		n++;
	}
	fprintf(out, "]}\n");
	return n;
}
