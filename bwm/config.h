/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwm.conf: an INI file read with iniparser. Every key has a default, so bwmd
 * runs without a file. Keys are listed once, in config.c's table, which
 * drives defaults, parsing, validation and the warning for unknown keys.
 */
#ifndef BWM_CONFIG_H
#define BWM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* BWM_CONFIG_PATH_DEFAULT comes from meson (sysconfdir), so that the
 * binaries, the unit and the man pages of one install name one file. */
#ifndef BWM_CONFIG_PATH_DEFAULT
#error "BWM_CONFIG_PATH_DEFAULT is set by meson.build"
#endif

enum bwm_qdisc_mode {
	BWM_QDISC_FQ,   /* bwm installs mq + fq (or fq) as the uplink root */
	BWM_QDISC_NONE, /* bwm leaves the root qdisc alone (pacing needs an EDT qdisc there) */
};

struct bwm_config {
	/* [bwm] */
	char **uplinks;            /* NULL-terminated; empty: devices of the default routes */
	char *pods_dir;
	char *pin_dir;
	char *state_dir;
	uint32_t max_pods;
	int log_level;             /* syslog priority */
	bool cleanup_on_exit;      /* on stop, detach and restore qdiscs (default: keep enforcing) */
	uint64_t resync_interval_ns; /* full re-read of files and maps; 0: never */

	/* [datapath] */
	enum bwm_qdisc_mode qdisc;
	bool queue_fix;
	uint64_t pod_horizon_ns;   /* drop a pod's packet due later than this */
	uint64_t fq_horizon_ns;    /* fq's own horizon (TCA_FQ_HORIZON) */
	uint32_t fq_buckets_log;   /* fq flow table: 2^n buckets per TX queue */
	uint32_t fq_limit;         /* fq packet limit per TX queue */
	uint32_t fq_flow_limit;    /* fq packet limit per flow */
	uint32_t fq_orphan_mask;   /* fq's TCA_FQ_ORPHAN_MASK: hash bits that tell
				    * forwarded flows (every pod's) apart */
	/* Issue 16: programs and fq on pods' host-side interfaces (identity,
	 * ingress limits, same-node traffic), and the mark bits they use. */
	bool pod_interfaces;
	uint32_t pod_mark_mask;    /* contiguous; room for max_pods ids (bpf/mark.h) */

	/* [latency]: bounded latency under load (bpf/aqm.h, bpf/sparse.h) */
	bool aqm;                  /* CoDel on each pod's virtual queue */
	uint64_t aqm_target_ns;
	uint64_t aqm_interval_ns;
	bool ecn;                  /* CE-mark ECN-capable packets rather than drop them */
	bool sparse_flows;         /* flows that send little skip the pod's queue */
	uint32_t sparse_quantum;   /* largest packet that may skip it, bytes */
	uint32_t max_flows;        /* flows tracked for that, per node (LRU) */

	/* [metrics] */
	char *metrics_textfile_dir;   /* node_exporter's textfile directory; "": none */
	uint64_t metrics_interval_ns; /* how often bwm.prom is written there */

	/* [bigtcp] */
	int bigtcp_enable;         /* 1 on, 0 off, -1 auto: on where the kernel supports it */
	uint32_t bigtcp_size;      /* GSO/GRO max size in bytes, capped per device */
	bool bigtcp_uplinks;       /* set on the uplinks */
	bool bigtcp_pod_links;     /* set on pods' host-side interfaces */
	bool bigtcp_pod_peers;     /* set on the pods' own ends, inside their namespaces */
};

/* Fills *ret with the defaults. */
void config_init_defaults(struct bwm_config *ret);

/*
 * Reads path into *ret (defaults first). A missing file is fine when
 * missing_ok. Returns 0, or a negative errno after logging the file, line,
 * key and reason; *ret is untouched on failure.
 */
int config_load(const char *path, bool missing_ok, struct bwm_config *ret);

/* Frees what config_init_defaults/config_load allocated; accepts NULL. */
void config_free(struct bwm_config *config);

/* Parses "10ms", "2s", "500us", "100ns", "1.5s" into nanoseconds. */
int config_parse_duration_ns(const char *text, uint64_t *ret_ns);

#endif /* BWM_CONFIG_H */
