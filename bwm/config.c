// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iniparser.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"
#include "mark.h"
#include "util.h"

enum key_type {
	KEY_STRING,
	KEY_STRING_LIST,
	KEY_BOOL,
	KEY_U32,
	KEY_DURATION,
	KEY_LOG_LEVEL,
	KEY_QDISC_MODE,
	KEY_AUTO_BOOL,
	KEY_MARK_MASK,
};

struct key_spec {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	uint64_t min, max;     /* KEY_U32 and KEY_DURATION (ns) */
};

#define FIELD(f) offsetof(struct bwm_config, f)

static const struct key_spec keys[] = {
	{ "bwm", "uplinks",   KEY_STRING_LIST, FIELD(uplinks), 0, 0 },
	{ "bwm", "pods_dir",  KEY_STRING,      FIELD(pods_dir), 0, 0 },
	{ "bwm", "pin_dir",   KEY_STRING,      FIELD(pin_dir), 0, 0 },
	{ "bwm", "state_dir", KEY_STRING,      FIELD(state_dir), 0, 0 },
	{ "bwm", "max_pods",  KEY_U32,         FIELD(max_pods), 16, 65535 },
	{ "bwm", "log_level", KEY_LOG_LEVEL,   FIELD(log_level), 0, 0 },
	{ "bwm", "cleanup_on_exit", KEY_BOOL,  FIELD(cleanup_on_exit), 0, 0 },
	{ "bwm", "resync_interval", KEY_DURATION, FIELD(resync_interval_ns), 0, 86400000000000ULL },
	{ "datapath", "qdisc",          KEY_QDISC_MODE, FIELD(qdisc), 0, 0 },
	{ "datapath", "queue_fix",      KEY_BOOL,       FIELD(queue_fix), 0, 0 },
	{ "datapath", "horizon",        KEY_DURATION,   FIELD(pod_horizon_ns), 100000ULL, 60000000000ULL },
	{ "datapath", "fq_horizon",     KEY_DURATION,   FIELD(fq_horizon_ns), 1000000ULL, 3600000000000ULL },
	{ "datapath", "fq_buckets_log", KEY_U32,        FIELD(fq_buckets_log), 1, 18 },
	{ "datapath", "fq_limit",       KEY_U32,        FIELD(fq_limit), 1, 1000000 },
	{ "datapath", "fq_flow_limit",  KEY_U32,        FIELD(fq_flow_limit), 1, 1000000 },
	{ "datapath", "fq_orphan_mask", KEY_U32,        FIELD(fq_orphan_mask), 1, UINT32_MAX },
	{ "datapath", "pod_interfaces", KEY_BOOL,       FIELD(pod_interfaces), 0, 0 },
	{ "datapath", "pod_mark_mask",  KEY_MARK_MASK,  FIELD(pod_mark_mask), 0, 0 },
	{ "latency", "aqm",            KEY_BOOL,     FIELD(aqm), 0, 0 },
	{ "latency", "target",         KEY_DURATION, FIELD(aqm_target_ns), 10000ULL, 1000000000ULL },
	{ "latency", "interval",       KEY_DURATION, FIELD(aqm_interval_ns), 100000ULL, 4000000000ULL },
	{ "latency", "ecn",            KEY_BOOL,     FIELD(ecn), 0, 0 },
	{ "latency", "sparse_flows",   KEY_BOOL,     FIELD(sparse_flows), 0, 0 },
	{ "latency", "sparse_quantum", KEY_U32,      FIELD(sparse_quantum), 64, 65536 },
	{ "latency", "max_flows",      KEY_U32,      FIELD(max_flows), 1024, 4194304 },
	{ "metrics", "textfile_dir", KEY_STRING, FIELD(metrics_textfile_dir), 0, 0 },
	{ "metrics", "interval",     KEY_DURATION, FIELD(metrics_interval_ns), 1000000000ULL, 3600000000000ULL },
	{ "bigtcp", "enable",    KEY_AUTO_BOOL, FIELD(bigtcp_enable), 0, 0 },
	{ "bigtcp", "size",      KEY_U32,       FIELD(bigtcp_size), 65536, 524280 },
	{ "bigtcp", "uplinks",   KEY_BOOL,      FIELD(bigtcp_uplinks), 0, 0 },
	{ "bigtcp", "pod_links", KEY_BOOL,      FIELD(bigtcp_pod_links), 0, 0 },
	{ "bigtcp", "pod_peers", KEY_BOOL,      FIELD(bigtcp_pod_peers), 0, 0 },
};

void config_init_defaults(struct bwm_config *ret)
{
	*ret = (struct bwm_config) {
		.uplinks = calloc(1, sizeof(char *)),
		.pods_dir = strdup("/run/bwm/pods"),
		.pin_dir = strdup("/sys/fs/bpf/bwm"),
		.state_dir = strdup("/run/bwm"),
		.max_pods = 4096,
		.log_level = LOG_INFO,
		/* A safety net behind inotify and netlink: a minute at most of
		 * anything they missed (issue 12). */
		.resync_interval_ns = 60 * 1000000000ULL,
		.qdisc = BWM_QDISC_FQ,
		.queue_fix = true,
		/* Cilium's default is 2 s; bwm keeps the virtual queue short. */
		.pod_horizon_ns = 100 * 1000000ULL,
		/* fq's own default horizon (10 s) and drop behaviour. */
		.fq_horizon_ns = 10 * 1000000000ULL,
		.fq_buckets_log = 10,  /* 1024 buckets per TX queue, fq's default */
		.fq_limit = 10000,
		.fq_flow_limit = 1000,
		/* fq tells a packet without a local socket (every pod's, on
		 * the uplink and the pod's interface) by skb->hash & this
		 * mask; fq's own 1023 puts two of 40 flows in one fq flow
		 * more often than not. A flow that shares one with a bulk
		 * flow waits for the bulk flow's next departure: fq holds a
		 * throttled flow until then (fq_dequeue() sets its
		 * time_next_packet) even for an earlier packet. In the
		 * benchmark's S5 one round of 12 gave a p99 of 3.7 ms for
		 * RPC flows that every other round served in 0.2 ms. */
		.fq_orphan_mask = 65535,
		/* Bits 0-13: below kube-proxy's 0x4000 and 0x8000, outside
		 * Calico's 0xffff0000 (bwm.conf(5) lists who uses what). */
		.pod_interfaces = true,
		.pod_mark_mask = 0x3fff,
		/* RFC 8289's defaults. Sparse flows skip the queue, so its depth
		 * is the bulk flows' own: measured (docs/design.md), 2 ms / 20 ms
		 * cost 4.6% of a 100 Mbit/s pod's goodput for no gain in the
		 * probe's latency; 5 ms / 100 ms cost 0.4%. */
		.aqm = true,
		.aqm_target_ns = 5 * 1000000ULL,
		.aqm_interval_ns = 100 * 1000000ULL,
		.ecn = true,
		.sparse_flows = true,
		.sparse_quantum = 3028,   /* two full-size frames: fq's quantum */
		.max_flows = 65536,
		/* Off unless asked for; Prometheus' default scrape interval. */
		.metrics_textfile_dir = strdup(""),
		.metrics_interval_ns = 15 * 1000000000ULL,
		.bigtcp_enable = -1,
		/* 192 KiB, the size Cilium's BIG TCP support uses. */
		.bigtcp_size = 196608,
		.bigtcp_uplinks = true,
		.bigtcp_pod_links = true,
		.bigtcp_pod_peers = true,
	};
}

void config_free(struct bwm_config *config)
{
	if (!config)
		return;
	strv_free(config->uplinks);
	free(config->pods_dir);
	free(config->pin_dir);
	free(config->state_dir);
	free(config->metrics_textfile_dir);
	memset(config, 0, sizeof(*config));
}

int config_parse_duration_ns(const char *text, uint64_t *ret_ns)
{
	static const struct { const char *suffix; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "min", 60e9 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double ns = v * units[i].ns;

			if (ns > (double)UINT64_MAX / 2)
				return -ERANGE;
			*ret_ns = (uint64_t)llround(ns);
			return 0;
		}
	}
	return -EINVAL;
}

/* iniparser keeps no line numbers; find the key's line for messages. */
static int find_key_line(const char *path, const char *section, const char *name)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024], cur[128] = "";
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *q;

		n++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '[') {
			q = strchr(p, ']');
			if (q) {
				size_t len = MIN((size_t)(q - p - 1), sizeof(cur) - 1);

				memcpy(cur, p + 1, len);
				cur[len] = '\0';
			}
			continue;
		}
		q = p;
		while (*q && *q != '=' && !isspace((unsigned char)*q))
			q++;
		if (strcasecmp(cur, section) == 0 && (size_t)(q - p) == strlen(name) &&
		    strncasecmp(p, name, q - p) == 0)
			return n;
	}
	return 0;
}

static int parse_value(const struct key_spec *k, const char *value, struct bwm_config *config,
		       const char **ret_reason)
{
	void *field = (char *)config + k->offset;
	uint64_t ns;
	char *end;
	unsigned long long u;
	int b;

	switch (k->type) {
	case KEY_STRING: {
		char *copy = strdup(value);

		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	case KEY_STRING_LIST: {
		char **list = strv_split(value, ", \t");

		if (!list)
			return -ENOMEM;
		strv_free(*(char ***)field);
		*(char ***)field = list;
		return 0;
	}
	case KEY_BOOL:
		b = parse_boolean(value);
		if (b < 0) {
			*ret_reason = "expected yes/no, true/false, on/off or 1/0";
			return -EINVAL;
		}
		*(bool *)field = b;
		return 0;
	case KEY_U32:
		errno = 0;
		u = strtoull(value, &end, 10);
		if (errno || end == value || *end || value[0] == '-') {
			*ret_reason = "expected a whole number";
			return -EINVAL;
		}
		if (u < k->min || u > k->max) {
			*ret_reason = "out of range";
			return -ERANGE;
		}
		*(uint32_t *)field = (uint32_t)u;
		return 0;
	case KEY_DURATION:
		if (config_parse_duration_ns(value, &ns) < 0) {
			*ret_reason = "expected a duration such as 500us, 10ms or 2s";
			return -EINVAL;
		}
		if (ns < k->min || ns > k->max) {
			*ret_reason = "out of range";
			return -ERANGE;
		}
		*(uint64_t *)field = ns;
		return 0;
	case KEY_LOG_LEVEL: {
		static const char *const names[] = {
			[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
			[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (names[i] && strcasecmp(value, names[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		*ret_reason = "expected error, warning, notice, info or debug";
		return -EINVAL;
	}
	case KEY_AUTO_BOOL:
		if (strcasecmp(value, "auto") == 0) {
			*(int *)field = -1;
			return 0;
		}
		b = parse_boolean(value);
		if (b < 0) {
			*ret_reason = "expected auto, yes or no";
			return -EINVAL;
		}
		*(int *)field = b;
		return 0;
	case KEY_MARK_MASK:
		errno = 0;
		u = strtoull(value, &end, 0);
		if (errno || end == value || *end || value[0] == '-' || u > UINT32_MAX) {
			*ret_reason = "expected a 32-bit mask such as 0x3fff";
			return -EINVAL;
		}
		if (!mark_mask_is_contiguous((uint32_t)u) || (u >> mark_mask_shift((uint32_t)u)) < 3) {
			*ret_reason = "expected contiguous bits, at least two of them";
			return -EINVAL;
		}
		*(uint32_t *)field = (uint32_t)u;
		return 0;
	case KEY_QDISC_MODE:
		if (strcasecmp(value, "fq") == 0)
			*(enum bwm_qdisc_mode *)field = BWM_QDISC_FQ;
		else if (strcasecmp(value, "none") == 0)
			*(enum bwm_qdisc_mode *)field = BWM_QDISC_NONE;
		else {
			*ret_reason = "expected fq or none";
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

static const struct key_spec *find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcasecmp(keys[i].section, section) == 0 && strcasecmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void warn_unknown_keys(const char *path, dictionary *ini)
{
	int nsec = iniparser_getnsec(ini);

	for (int s = 0; s < nsec; s++) {
		const char *section = iniparser_getsecname(ini, s);
		int nkeys = iniparser_getsecnkeys(ini, section);
		_cleanup_free_ const char **names = NULL;

		if (nkeys <= 0)
			continue;
		names = calloc(nkeys, sizeof(*names));
		if (!names || !iniparser_getseckeys(ini, section, names))
			continue;
		for (int i = 0; i < nkeys; i++) {
			/* iniparser names keys "section:key". */
			const char *colon = strchr(names[i], ':');
			const char *name = colon ? colon + 1 : names[i];

			if (!find_key(section, name))
				log_warning("%s:%d: unknown key '%s' in section [%s], ignored",
					    path, find_key_line(path, section, name), name, section);
		}
	}
}

int config_load(const char *path, bool missing_ok, struct bwm_config *ret)
{
	struct bwm_config config;
	dictionary *ini;
	FILE *f;
	int r = 0;

	config_init_defaults(&config);
	if (!config.uplinks || !config.pods_dir || !config.pin_dir || !config.state_dir ||
	    !config.metrics_textfile_dir) {
		config_free(&config);
		return log_error_errno(ENOMEM, "Out of memory reading the configuration");
	}

	f = fopen(path, "re");
	if (!f) {
		r = errno;
		if (r == ENOENT && missing_ok) {
			log_info("No configuration at '%s', using defaults", path);
			*ret = config;
			return 0;
		}
		config_free(&config);
		return log_error_errno(r, "Failed to open configuration '%s': %m", path);
	}
	fclose(f);
	/* iniparser prints its own syntax errors to stderr; keep them, they
	 * name the line. */
	ini = iniparser_load(path);
	if (!ini) {
		config_free(&config);
		return log_error_errno(EINVAL, "Failed to parse configuration '%s'", path);
	}

	warn_unknown_keys(path, ini);
	for (size_t i = 0; i < ARRAY_SIZE(keys) && r == 0; i++) {
		char full[128];
		const char *value, *reason = "invalid value";

		snprintf(full, sizeof(full), "%s:%s", keys[i].section, keys[i].name);
		value = iniparser_getstring(ini, full, NULL);
		if (!value)
			continue;
		r = parse_value(&keys[i], value, &config, &reason);
		if (r < 0)
			log_error("%s:%d: [%s] %s: \"%s\": %s", path,
				  find_key_line(path, keys[i].section, keys[i].name),
				  keys[i].section, keys[i].name, value, reason);
	}
	iniparser_freedict(ini);

	/* Every pod id must fit the mark's field, below its MARK_PACED. */
	if (r == 0 && config.pod_interfaces &&
	    config.max_pods > mark_paced(config.pod_mark_mask, mark_mask_shift(config.pod_mark_mask))) {
		log_error("%s: [bwm] max_pods = %u does not fit [datapath] pod_mark_mask = 0x%x, which "
			  "carries pod ids up to %u: widen the mask, or lower max_pods", path,
			  config.max_pods, config.pod_mark_mask,
			  mark_paced(config.pod_mark_mask, mark_mask_shift(config.pod_mark_mask)) - 1);
		r = -EINVAL;
	}
	if (r < 0) {
		config_free(&config);
		return r;
	}
	*ret = config;
	return 0;
}
