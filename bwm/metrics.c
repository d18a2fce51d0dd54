// SPDX-License-Identifier: GPL-2.0-only
#include "metrics.h"

#include "histogram.h"
#include "utf8.h"

#define NS_PER_SEC 1e9

void metrics_label_value(FILE *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;

	fputc('"', out);
	while (*s) {
		size_t n;

		if (*s == '\\' || *s == '"') {
			fprintf(out, "\\%c", *s++);
		} else if (*s == '\n') {
			fputs("\\n", out);
			s++;
		} else if (*s >= 0x20 && *s < 0x7f) {
			fputc(*s++, out);
		} else if (*s >= 0x80 && (n = utf8_sequence(s)) > 0) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fputs("\xef\xbf\xbd", out);   /* U+FFFD */
			s++;
		}
	}
	fputc('"', out);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* pod="...",namespace="...",kube_pod="..." (the last two "" where the pod
 * file does not say). */
static void pod_labels(FILE *out, const struct pod_stats *p)
{
	fputs("pod=", out);
	metrics_label_value(out, p->meta.name);
	fputs(",namespace=", out);
	metrics_label_value(out, p->meta.k8s_namespace);
	fputs(",kube_pod=", out);
	metrics_label_value(out, p->meta.k8s_pod);
}

/* name{<pod labels>[,extra]} and a space: the value follows. */
static void pod_series(FILE *out, const char *name, const struct pod_stats *p, const char *extra)
{
	fprintf(out, "%s{", name);
	pod_labels(out, p);
	if (extra)
		fprintf(out, ",%s", extra);
	fputs("} ", out);
}

/* One value per pod: what each pod-level family reads from a pod. */
typedef double (*pod_value_fn)(const struct pod_stats *p);

static double limit_bytes(const struct pod_stats *p) { return (double)p->limit.rate_bytes_per_sec; }
static double sent_bytes(const struct pod_stats *p) { return (double)p->counters.bytes; }
static double sent_packets(const struct pod_stats *p) { return (double)p->counters.packets; }
static double ecn_marks(const struct pod_stats *p) { return (double)p->counters.ecn_marks; }
static double sparse_packets(const struct pod_stats *p) { return (double)p->counters.sparse_packets; }
static double queue_seconds(const struct pod_stats *p) { return (double)p->queue_delay_ns / NS_PER_SEC; }
/* Issue 16: traffic to the pod, through its host-side interface. */
static double ingress_limit_bytes(const struct pod_stats *p) { return (double)p->ingress_limit.rate_bytes_per_sec; }
static double received_bytes(const struct pod_stats *p) { return (double)p->ingress_counters.bytes; }
static double received_packets(const struct pod_stats *p) { return (double)p->ingress_counters.packets; }
static double ingress_queue_seconds(const struct pod_stats *p)
{
	return (double)p->ingress_queue_delay_ns / NS_PER_SEC;
}
static double spoofed_packets(const struct pod_stats *p) { return (double)p->from_pod.spoofed_packets; }
static double escaped_segments(const struct pod_stats *p) { return (double)p->escaped_segs; }

static const struct {
	const char *name, *type, *help;
	pod_value_fn value;
} pod_families[] = {
	{ "bwm_pod_egress_limit_bytes_per_second", "gauge",
	  "The pod's egress limit in wire bytes per second (0: counted, not limited).", limit_bytes },
	{ "bwm_pod_sent_bytes_total", "counter", "Wire bytes of the pod sent (not dropped).", sent_bytes },
	{ "bwm_pod_sent_packets_total", "counter", "Packets of the pod sent (not dropped).", sent_packets },
	{ "bwm_pod_ecn_marked_packets_total", "counter",
	  "Packets CoDel CE-marked instead of dropping them.", ecn_marks },
	{ "bwm_pod_sparse_packets_total", "counter",
	  "Packets of sparse flows sent ahead of the pod's queue.", sparse_packets },
	{ "bwm_pod_queue_seconds", "gauge",
	  "The pod's virtual queue when read: how long a packet queued now would wait.", queue_seconds },
	{ "bwm_pod_ingress_limit_bytes_per_second", "gauge",
	  "The pod's ingress limit in wire bytes per second (0: counted, not limited).", ingress_limit_bytes },
	{ "bwm_pod_received_bytes_total", "counter",
	  "Wire bytes to the pod through its host-side interface (not dropped).", received_bytes },
	{ "bwm_pod_received_packets_total", "counter",
	  "Packets to the pod through its host-side interface (not dropped).", received_packets },
	{ "bwm_pod_ingress_queue_seconds", "gauge",
	  "The pod's ingress virtual queue when read.", ingress_queue_seconds },
	{ "bwm_pod_spoofed_packets_total", "counter",
	  "Packets from the pod's interface with a source address that is not the pod's "
	  "(charged to the pod itself).", spoofed_packets },
	{ "bwm_pod_escaped_segments_total", "counter",
	  "GSO segments from the pod that no managed device shaped (they left unlimited).", escaped_segments },
};

static const char *const drop_reasons[BWM_DROP__MAX] = {
	[BWM_DROP_HORIZON] = "horizon", [BWM_DROP_AQM] = "aqm",
};

/* A counter family by drop reason, of the pod's egress or its ingress. */
static void render_drops(FILE *out, const struct pod_stats_snapshot *s, size_t n, const char *name,
			 const char *help, bool ingress)
{
	family(out, name, "counter", help);
	for (size_t i = 0; i < n; i++) {
		const struct bwm_pod_counters *c = ingress ? &s->pods[i].ingress_counters : &s->pods[i].counters;

		for (int d = 0; d < BWM_DROP__MAX; d++) {
			char reason[32];

			if (!drop_reasons[d])
				continue;
			snprintf(reason, sizeof(reason), "reason=\"%s\"", drop_reasons[d]);
			pod_series(out, name, &s->pods[i], reason);
			fprintf(out, "%llu\n", (unsigned long long)c->drops[d]);
		}
	}
}

/* The histogram's bounds as Prometheus' le: 2^(13+i) ns in seconds. */
static void render_histograms(FILE *out, const struct pod_stats_snapshot *s, size_t n)
{
	family(out, "bwm_pod_packet_delay_seconds", "histogram",
	       "Delay each packet of a limited pod was stamped with (departure time minus now).");
	for (size_t i = 0; i < n; i++) {
		const struct pod_stats *p = &s->pods[i];
		const struct bwm_delay_hist *h = &p->counters.delay;
		unsigned long long cumulative = 0;
		char le[48];

		for (int b = 0; b < HIST_BUCKETS; b++) {
			cumulative += h->bucket[b];
			if (b < HIST_FINITE)
				snprintf(le, sizeof(le), "le=\"%.9g\"",
					 (double)(1ULL << (HIST_SHIFT_MIN + b)) / NS_PER_SEC);
			else
				snprintf(le, sizeof(le), "le=\"+Inf\"");
			pod_series(out, "bwm_pod_packet_delay_seconds_bucket", p, le);
			fprintf(out, "%llu\n", cumulative);
		}
		pod_series(out, "bwm_pod_packet_delay_seconds_sum", p, NULL);
		fprintf(out, "%.9g\n", (double)h->sum_ns / NS_PER_SEC);
		pod_series(out, "bwm_pod_packet_delay_seconds_count", p, NULL);
		fprintf(out, "%llu\n", cumulative);
	}
}

void metrics_render_pods(FILE *out, const struct pod_stats_snapshot *s, size_t max_series)
{
	size_t n = s->n_pods < max_series ? s->n_pods : max_series;

	family(out, "bwm_pod_info", "gauge", "A pod bwm enforces, with its host-side interface.");
	for (size_t i = 0; i < n; i++) {
		const struct pod_stats *p = &s->pods[i];

		fputs("bwm_pod_info{", out);
		pod_labels(out, p);
		fputs(",interface=", out);
		metrics_label_value(out, p->meta.ifname);
		fputs("} 1\n", out);
	}
	for (size_t f = 0; f < sizeof(pod_families) / sizeof(pod_families[0]); f++) {
		family(out, pod_families[f].name, pod_families[f].type, pod_families[f].help);
		for (size_t i = 0; i < n; i++) {
			pod_series(out, pod_families[f].name, &s->pods[i], NULL);
			fprintf(out, "%.17g\n", pod_families[f].value(&s->pods[i]));
		}
	}
	render_drops(out, s, n, "bwm_pod_dropped_packets_total",
		     "Packets of the pod bwm dropped: beyond the pod's horizon, or CoDel's signal to a "
		     "packet that is not ECN-capable.", false);
	render_drops(out, s, n, "bwm_pod_ingress_dropped_packets_total",
		     "Packets to the pod bwm dropped, for the same reasons.", true);
	render_histograms(out, s, n);
	family(out, "bwm_pods_omitted", "gauge", "Pods in the maps left out of these metrics (max_pods).");
	fprintf(out, "bwm_pods_omitted %zu\n", s->n_pods - n);
}

/* One gauge per uplink: whether its program is attached, or (qdisc) whether
 * bwm manages its root qdisc. */
static void render_uplink_flag(FILE *out, const struct metrics_node *node, const char *name,
			       const char *help, bool qdisc)
{
	family(out, name, "gauge", help);
	for (size_t i = 0; i < node->n_uplinks; i++) {
		const struct metrics_uplink *u = &node->uplinks[i];

		fprintf(out, "%s{uplink=", name);
		metrics_label_value(out, u->name);
		fprintf(out, "} %d\n", qdisc ? u->qdisc_managed : u->active);
	}
}

void metrics_render_node(FILE *out, const struct metrics_node *node)
{
	static const char *const states[] = { "enforced", "kept", "pending" };
	const unsigned counts[] = { node->pods_enforced, node->pods_kept, node->pods_pending };

	family(out, "bwm_build_info", "gauge", "bwmd's version.");
	fputs("bwm_build_info{version=", out);
	metrics_label_value(out, node->version);
	fputs("} 1\n", out);
	family(out, "bwm_start_time_seconds", "gauge", "When bwmd started, in Unix time.");
	fprintf(out, "bwm_start_time_seconds %.3f\n", node->start_time_seconds);
	family(out, "bwm_last_update_timestamp_seconds", "gauge",
	       "When bwmd wrote these metrics, in Unix time (a stale value: bwmd is not running).");
	fprintf(out, "bwm_last_update_timestamp_seconds %.3f\n", node->updated_seconds);
	family(out, "bwm_reconciles_total", "counter", "Reconciles of the pods directory with the maps.");
	fprintf(out, "bwm_reconciles_total %llu\n", node->reconciles);
	family(out, "bwm_reconcile_duration_seconds_total", "counter", "Time spent reconciling.");
	fprintf(out, "bwm_reconcile_duration_seconds_total %.9g\n", node->reconcile_seconds_total);
	family(out, "bwm_last_reconcile_duration_seconds", "gauge", "How long the last reconcile took.");
	fprintf(out, "bwm_last_reconcile_duration_seconds %.9g\n", node->last_reconcile_seconds);
	family(out, "bwm_pods", "gauge",
	       "Pod files by state: enforced (kept ones included), kept (with values from before: "
	       "their files have problems), pending (nothing to classify their traffic by yet).");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(out, "bwm_pods{state=\"%s\"} %u\n", states[i], counts[i]);
	family(out, "bwm_pod_files_with_problems", "gauge",
	       "Pod files with problems (logged once each): bad values, refused, no free pod id.");
	fprintf(out, "bwm_pod_files_with_problems %u\n", node->pods_errors);
	render_uplink_flag(out, node, "bwm_uplink_up",
			   "An uplink bwm manages: 1 if its program is attached.", false);
	render_uplink_flag(out, node, "bwm_uplink_qdisc_managed",
			   "1 if bwm installs the uplink's root qdisc (mq + fq), 0 if it leaves it alone.",
			   true);
	family(out, "bwm_metrics_textfile_errors_total", "counter",
	       "Failed writes of these metrics to the textfile collector's directory.");
	fprintf(out, "bwm_metrics_textfile_errors_total %llu\n", node->textfile_errors);
}
