// SPDX-License-Identifier: GPL-2.0-only
#include "pods.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "annotations.h"
#include "classify.h"
#include "datapath.h"
#include "log.h"
#include "podplan.h"
#include "podstats.h"
#include "util.h"

/* A pod file as the last reconcile left it. */
struct pod_entry {
	char *name;
	struct plan_pod pod;
	char *report;           /* the problems last logged for it */
};

struct pods {
	/* What the maps hold, as bwmd believes. */
	struct plan_have_pod *have;
	size_t n_have;
	struct plan_have_key *keys;
	size_t n_keys;
	bool stale;             /* read it back from the maps before the next plan */

	struct pod_entry *entries;   /* sorted by name */
	size_t n_entries;
	uint32_t max_pods;
	uint32_t next_id_hint;
	int dir_error;          /* the pods directory's last read error, logged once */
};

int pods_new(uint32_t max_pods, struct pods **ret)
{
	struct pods *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->max_pods = max_pods;
	p->next_id_hint = 1;
	p->stale = true;
	*ret = p;
	return 0;
}

static void entries_free(struct pod_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].name);
		free(entries[i].report);
	}
	free(entries);
}

struct pods *pods_free(struct pods *p)
{
	if (!p)
		return NULL;
	entries_free(p->entries, p->n_entries);
	free(p->have);
	free(p->keys);
	free(p);
	return NULL;
}

/* A growing array of n elements of size, capacity *cap. */
static int grow(void **array, size_t n, size_t *cap, size_t size)
{
	void *bigger;
	size_t new_cap;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 64;
	bigger = realloc(*array, new_cap * size);
	if (!bigger)
		return -ENOMEM;
	*array = bigger;
	*cap = new_cap;
	return 0;
}

struct reader {
	struct datapath *dp;
	struct plan_have_pod *pods;
	size_t n_pods, cap_pods;
	struct plan_have_key *keys;
	size_t n_keys, cap_keys;
};

static int read_pod(uint32_t id, const struct bwm_pod_meta *meta, void *userdata)
{
	struct reader *rd = userdata;
	struct bwm_pod_state state;
	struct plan_have_pod *pod;
	int r = grow((void **)&rd->pods, rd->n_pods, &rd->cap_pods, sizeof(*rd->pods));

	if (r < 0)
		return r;
	pod = &rd->pods[rd->n_pods];
	*pod = (struct plan_have_pod) { .id = id, .meta = *meta };
	/* No limit readable: an id out of range, left by another layout. */
	if (datapath_pod_read(rd->dp, id, &pod->limit, &state) < 0 ||
	    datapath_pod_ingress_limit(rd->dp, id, &pod->ingress_limit) < 0)
		return 0;
	rd->n_pods++;
	return 0;
}

static int read_key(const struct plan_key *key, uint32_t id, void *userdata)
{
	struct reader *rd = userdata;
	int r = grow((void **)&rd->keys, rd->n_keys, &rd->cap_keys, sizeof(*rd->keys));

	if (r < 0)
		return r;
	rd->keys[rd->n_keys++] = (struct plan_have_key) { .key = *key, .id = id };
	return 0;
}

int pods_adopt(struct pods *p, struct datapath *dp)
{
	struct reader rd = { .dp = dp };
	int r;

	r = datapath_pod_foreach(dp, read_pod, &rd);
	if (r >= 0)
		r = datapath_key_foreach(dp, read_key, &rd);
	if (r < 0) {
		free(rd.pods);
		free(rd.keys);
		return r;
	}
	free(p->have);
	free(p->keys);
	p->have = rd.pods;
	p->n_have = rd.n_pods;
	p->keys = rd.keys;
	p->n_keys = rd.n_keys;
	p->stale = false;
	return (int)MIN(rd.n_pods, (size_t)INT_MAX);
}

void pods_resync(struct pods *p)
{
	p->stale = true;
}

void pod_limit_from_config(const struct bwm_config *config, uint64_t rate_bytes_per_sec,
			   struct bwm_pod_limit *ret)
{
	*ret = (struct bwm_pod_limit) {
		.rate_bytes_per_sec = rate_bytes_per_sec,
		.horizon_ns = config->pod_horizon_ns,
		/* The horizon's floor of four of the pod's largest packets
		 * (bpf/horizon.h) stops where fq would drop them anyway. */
		.horizon_max_ns = config->fq_horizon_ns,
	};
	if (config->aqm) {
		ret->aqm_target_ns = config->aqm_target_ns;
		ret->aqm_interval_ns = config->aqm_interval_ns;
	}
	if (config->sparse_flows)
		ret->sparse_quantum = config->sparse_quantum;
	if (config->ecn)
		ret->flags |= BWM_LIMIT_ECN;
}

/* What a read pod file asks, as the plan takes it. */
static void want_from_file(const struct pod_file *f, struct plan_want *w)
{
	const struct bwm_pod_spec *spec = &f->spec;

	*w = (struct plan_want) { .name = f->name, .file = f->state };
	if (f->state != PLAN_FILE_READ)
		return;
	w->egress = spec->egress;
	w->ingress = spec->ingress;
	w->interface = spec->interface;
	w->ips = spec->ips;
	/* bit/s -> bytes/s; the smallest limit kubelet accepts (1k) is 125. */
	w->egress_bytes_per_sec = spec->egress_bps / 8;
	w->ingress_bytes_per_sec = spec->ingress_bps / 8;
	snprintf(w->ifname, sizeof(w->ifname), "%s", spec->ifname);
	snprintf(w->k8s_namespace, sizeof(w->k8s_namespace), "%s", spec->k8s_namespace);
	snprintf(w->k8s_pod, sizeof(w->k8s_pod), "%s", spec->k8s_pod);
	for (size_t i = 0; i < spec->n_addrs && i < BWM_MAX_ADDRS_PER_POD; i++) {
		if (spec->addrs[i].family == AF_INET)
			bwm_addr_key_from_ipv4(&w->addrs[i], spec->addrs[i].v4.s_addr);
		else
			bwm_addr_key_from_ipv6(&w->addrs[i], spec->addrs[i].v6.s6_addr);
		w->naddrs++;
	}
}

static int ifindex_of(const char *ifname, void *userdata)
{
	unsigned ifindex = if_nametoindex(ifname);

	/* 0 with ENODEV: no such interface; with anything else (EMFILE for
	 * its socket, ...): not known now. */
	if (ifindex == 0)
		return errno == ENODEV ? 0 : -errno;
	return ifindex > INT_MAX ? -ERANGE : (int)ifindex;
}

static void describe_rate(const char *direction, uint64_t bytes_per_sec, char *buf, size_t size)
{
	char rate[32];

	if (!bytes_per_sec) {
		snprintf(buf, size, "no %s limit", direction);
		return;
	}
	format_bitrate((double)bytes_per_sec * 8, rate, sizeof(rate));
	snprintf(buf, size, "%s %s", direction, rate);
}

/* "egress 10 Mbit/s", with ", ingress 50 Mbit/s" where the pod has one. */
static void describe_limit(const struct plan_pod *pod, char *buf, size_t size)
{
	char in[64];

	describe_rate("egress", pod->limit.rate_bytes_per_sec, buf, size);
	if (!pod->ingress_limit.rate_bytes_per_sec)
		return;
	describe_rate("ingress", pod->ingress_limit.rate_bytes_per_sec, in, sizeof(in));
	snprintf(buf + strlen(buf), size - strlen(buf), ", %s", in);
}

/* Appends item to a comma-separated list in buf. */
static void list_add(char *buf, size_t size, const char *item)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? ", " : "", item);
}

/* A report: lines appended with report_add(), compared whole. */
struct report {
	char *text;
	size_t len;
	bool failed;   /* out of memory: the report is not to be trusted */
};

static void report_add(struct report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_add(struct report *rep, const char *fmt, ...)
{
	char *line = NULL, *bigger;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		rep->failed = true;
		return;
	}
	bigger = realloc(rep->text, rep->len + (size_t)n + 2);
	if (!bigger) {
		free(line);
		rep->failed = true;
		return;
	}
	rep->text = bigger;
	memcpy(rep->text + rep->len, line, (size_t)n);
	rep->len += (size_t)n;
	rep->text[rep->len++] = '\n';
	rep->text[rep->len] = '\0';
	free(line);
}

static const char *file_trouble(const struct pod_file *f)
{
	if (f->state == PLAN_FILE_REFUSED)
		return "was refused";
	if (f->error == EINPROGRESS)
		return "is being written";
	return "could not be read";
}

/* Everything worth a warning about one pod file, the file's own problems
 * first; names escaped. */
static void build_report(struct report *rep, const struct pod_file *f, const struct plan_pod *pod,
			 const char *qname, const char *dir, uint32_t max_pods)
{
	_cleanup_free_ char *qif = annotation_escape(pod->meta.ifname, BWM_IFNAME_MAX);
	_cleanup_free_ char *qtaken = annotation_escape(pod->taken_ifname, BWM_IFNAME_MAX);
	_cleanup_free_ char *qdir = annotation_escape(dir, PATH_MAX);
	char limit[128];

	if (!qif || !qtaken || !qdir) {
		rep->failed = true;
		return;
	}
	for (size_t i = 0; i < f->n_problems; i++)
		report_add(rep, "%s", f->problems[i]);
	if (f->n_more_problems)
		report_add(rep, "%s/%s: %zu more problem(s) not shown", qdir, qname, f->n_more_problems);

	describe_limit(pod, limit, sizeof(limit));
	switch (pod->status) {
	case PLAN_KEPT:
		if (pod->kept_all) {
			bool with_errno = f->state == PLAN_FILE_UNREADABLE && f->error != EINPROGRESS;

			report_add(rep, "Pod '%s': its file %s%s%s; keeping what it had: %s", qname,
				   file_trouble(f), with_errno ? ": " : "", with_errno ? strerror(f->error) : "",
				   limit);
		} else {
			char keys[256] = "", kept[256] = "", rate[64];

			if (pod->kept_limit) {
				list_add(keys, sizeof(keys), BWM_POD_KEY_EGRESS);
				describe_rate("egress", pod->limit.rate_bytes_per_sec, rate, sizeof(rate));
				list_add(kept, sizeof(kept), rate);
			}
			if (pod->kept_ingress) {
				list_add(keys, sizeof(keys), BWM_POD_KEY_INGRESS);
				describe_rate("ingress", pod->ingress_limit.rate_bytes_per_sec, rate, sizeof(rate));
				list_add(kept, sizeof(kept), rate);
			}
			if (pod->kept_interface) {
				list_add(keys, sizeof(keys), BWM_POD_KEY_INTERFACE);
				list_add(kept, sizeof(kept), "its interface");
			}
			if (pod->kept_ips) {
				list_add(keys, sizeof(keys), BWM_POD_KEY_IPS);
				list_add(kept, sizeof(kept), "its addresses");
			}
			report_add(rep, "Pod '%s': no valid %s in its file; keeping %s", qname, keys, kept);
		}
		break;
	case PLAN_PENDING:
		if (pod->interface_missing)
			report_add(rep, "pod '%s' pending: interface '%s' does not exist (yet)", qname, qif);
		else if (!pod->interface_taken_by && !pod->addrs_taken_by)
			report_add(rep, "pod '%s' pending: no %s nor %s to classify its traffic by", qname,
				   BWM_POD_KEY_INTERFACE, BWM_POD_KEY_IPS);
		break;
	case PLAN_REFUSED:
		if (f->state != PLAN_FILE_READ)
			report_add(rep, "Pod '%s' not enforced: its file %s", qname, file_trouble(f));
		else
			report_add(rep, "Pod '%s' not enforced: no valid %s", qname,
				   pod->refused_ingress ? BWM_POD_KEY_INGRESS : BWM_POD_KEY_EGRESS);
		break;
	case PLAN_NO_ID:
		report_add(rep, "Pod '%s' not enforced: no free pod id (max_pods = %u)", qname, max_pods);
		break;
	case PLAN_ENFORCED:
		if (pod->interface_missing)
			report_add(rep, "pod '%s': interface '%s' does not exist (yet); its addresses classify it meanwhile",
				   qname, qif);
		break;
	}
	if (pod->interface_taken_by) {
		_cleanup_free_ char *qother = annotation_escape(pod->interface_taken_by, NAME_MAX);

		report_add(rep, "pod '%s': interface '%s' already belongs to pod '%s'; ignored", qname,
			   qtaken, qother ?: "?");
	}
	if (pod->addrs_taken_by) {
		_cleanup_free_ char *qother = annotation_escape(pod->addrs_taken_by, NAME_MAX);

		report_add(rep, "pod '%s': %u address(es) already belong to pod '%s'; ignored", qname,
			   pod->addrs_taken, qother ?: "?");
	}
}

static void log_report(const char *text)
{
	for (const char *line = text, *end; line && *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		log_warning("%.*s", (int)(end - line), line);
	}
}

static const struct pod_entry *find_entry(const struct pods *p, const char *name)
{
	size_t lo = 0, hi = p->n_entries;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(p->entries[mid].name, name);

		if (c == 0)
			return &p->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The name a pod id has in the maps, for messages about it. */
static const char *have_name(const struct pods *p, uint32_t id)
{
	for (size_t i = 0; i < p->n_have; i++)
		if (p->have[i].id == id)
			return p->have[i].meta.name;
	return NULL;
}

static int apply_op(struct datapath *dp, const struct plan_op *op)
{
	switch (op->kind) {
	case PLAN_OP_NEW_POD:
		return datapath_pod_new(dp, op->id, &op->pod->limit, &op->pod->ingress_limit);
	case PLAN_OP_SET_LIMIT:
		return datapath_pod_set_limits(dp, op->id, &op->pod->limit, &op->pod->ingress_limit);
	case PLAN_OP_DELETE_KEY:
		return datapath_key_delete(dp, &op->key, op->id);
	case PLAN_OP_SET_KEY:
		return datapath_key_set(dp, &op->key, op->id);
	case PLAN_OP_SET_META:
		return datapath_pod_set_meta(dp, op->id, &op->pod->meta);
	case PLAN_OP_DROP_POD:
		return datapath_pod_drop(dp, op->id);
	}
	return -EINVAL;
}

static const char *const op_names[] = {
	[PLAN_OP_NEW_POD] = "add the pod", [PLAN_OP_SET_LIMIT] = "write the limit",
	[PLAN_OP_DELETE_KEY] = "remove a classifier key", [PLAN_OP_SET_KEY] = "write a classifier key",
	[PLAN_OP_SET_META] = "write the metadata", [PLAN_OP_DROP_POD] = "remove the pod",
};

/* Applies the plan in order, up to the first failure: what the ops did is
 * a prefix the next plan completes once the maps are read back. Returns
 * the number of operations applied. */
static size_t apply_plan(struct pods *p, struct datapath *dp, const struct plan *plan)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct plan_op *op = &plan->ops[i];
		int r = apply_op(dp, op);

		if (r < 0) {
			const char *name = op->pod ? op->pod->meta.name : have_name(p, op->id);
			_cleanup_free_ char *qname = annotation_escape(name ?: "?", NAME_MAX);

			log_error_errno(r, "Pod '%s' (id %u): failed to %s: %m; reconciling again soon",
					qname ?: "?", op->id, op_names[op->kind]);
			return i;
		}
	}
	return plan->n_ops;
}

/* What changed for the pods, at info level: added, updated, removed. */
static bool wanted(const struct plan_want *wants, size_t n_wants, const char *name)
{
	for (size_t i = 0; i < n_wants; i++)
		if (strcmp(wants[i].name, name) == 0)
			return true;
	return false;
}

static void log_changes(const struct pods *p, const struct plan *plan, const struct plan_want *wants,
			size_t n_wants)
{
	for (size_t i = 0; i < n_wants; i++) {
		const struct plan_pod *pod = &plan->pods[i];
		bool added = false, changed = false;
		_cleanup_free_ char *qname = NULL, *qif = NULL;
		char limit[128];

		for (size_t k = 0; k < plan->n_ops; k++) {
			const struct plan_op *op = &plan->ops[k];

			if (op->id != pod->id || !pod->id)
				continue;
			added |= op->kind == PLAN_OP_NEW_POD;
			changed |= op->kind == PLAN_OP_SET_LIMIT || op->kind == PLAN_OP_SET_META ||
				   op->kind == PLAN_OP_SET_KEY || op->kind == PLAN_OP_DELETE_KEY;
		}
		if (!added && !changed)
			continue;
		qname = annotation_escape(wants[i].name, NAME_MAX);
		qif = annotation_escape(pod->meta.ifname, BWM_IFNAME_MAX);
		describe_limit(pod, limit, sizeof(limit));
		log_info("Pod '%s': %s%s%s%s, %u address(es)%s", qname ?: "?", limit,
			 pod->meta.ifindex ? " via '" : "", pod->meta.ifindex ? qif ?: "?" : "",
			 pod->meta.ifindex ? "'" : "", pod->meta.naddrs, added ? "" : " (updated)");
	}
	for (size_t k = 0; k < plan->n_ops; k++) {
		const struct plan_op *op = &plan->ops[k];
		const char *name = have_name(p, op->id);
		_cleanup_free_ char *qname = NULL;

		if (op->kind != PLAN_OP_DROP_POD)
			continue;
		qname = annotation_escape(name ?: "?", NAME_MAX);
		log_info("Pod '%s': %s", qname ?: "?",
			 name && wanted(wants, n_wants, name) ? "not enforced any more" : "removed");
	}
}

/* The maps as the plan left them, once every operation succeeded. */
static int remember_maps(struct pods *p, struct plan *plan, size_t n_wants)
{
	size_t n_pods = 0;
	struct plan_have_pod *have = calloc(n_wants ? n_wants : 1, sizeof(*have));

	if (!have)
		return -ENOMEM;
	for (size_t i = 0; i < n_wants; i++) {
		const struct plan_pod *pod = &plan->pods[i];

		if (pod->id)
			have[n_pods++] = (struct plan_have_pod) { .id = pod->id, .meta = pod->meta,
								  .limit = pod->limit,
								  .ingress_limit = pod->ingress_limit };
	}
	free(p->have);
	free(p->keys);
	p->have = have;
	p->n_have = n_pods;
	p->keys = TAKE_PTR(plan->keys);
	p->n_keys = plan->n_keys;
	return 0;
}

/* The new entries, each with the report it logged (or, when nothing
 * changed, the one it had), and the summary. */
static int report_all(struct pods *p, const struct pod_scan *scan, const struct plan *plan,
		      const struct bwm_config *config, struct pods_summary *summary)
{
	struct pod_entry *next = calloc(scan->n_files ? scan->n_files : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < scan->n_files; i++) {
		const struct pod_file *f = &scan->files[i];
		const struct plan_pod *pod = &plan->pods[i];
		const struct pod_entry *old = find_entry(p, f->name);
		_cleanup_free_ char *qname = annotation_escape(f->name, NAME_MAX);
		struct report rep = {};

		if (qname)
			build_report(&rep, f, pod, qname, config->pods_dir, p->max_pods);
		if (!qname || rep.failed) {
			/* Try again next time, rather than drop a warning. */
			free(rep.text);
			rep.text = NULL;
		} else if (strcmp(old && old->report ? old->report : "", rep.text ?: "") != 0) {
			log_report(rep.text);
		}
		next[i] = (struct pod_entry) { .name = strdup(f->name), .pod = *pod, .report = rep.text };
		if (!next[i].name) {
			entries_free(next, i + 1);
			return -ENOMEM;
		}
		summary->enforced += pod->id != 0;
		summary->kept += pod->status == PLAN_KEPT;
		summary->pending += pod->status == PLAN_PENDING;
		summary->errors += f->n_problems || pod->status == PLAN_KEPT ||
				   pod->status == PLAN_REFUSED || pod->status == PLAN_NO_ID ||
				   pod->interface_taken_by || pod->addrs_taken_by;
	}
	entries_free(p->entries, p->n_entries);
	p->entries = next;
	p->n_entries = scan->n_files;
	return 0;
}

int pods_reconcile(struct pods *p, struct datapath *dp, const struct bwm_config *config,
		   podscan_busy_fn busy, void *userdata, struct pods_summary *ret_summary)
{
	struct pods_summary summary = {};
	struct pod_scan scan = {};
	struct plan plan = {};
	struct plan_input in;
	_cleanup_free_ struct plan_want *wants = NULL;
	size_t applied;
	int r;

	if (p->stale) {
		r = pods_adopt(p, dp);
		if (r < 0) {
			if (ret_summary)
				ret_summary->retry = true;
			return log_error_errno(r, "Failed to read the pinned maps: %m; enforcement unchanged");
		}
	}
	r = podscan_read(config->pods_dir, busy, userdata, &scan);
	if (r < 0) {
		_cleanup_free_ char *qdir = annotation_escape(config->pods_dir, PATH_MAX);

		/* Once per kind of failure, not at every event. */
		if (r != p->dir_error)
			log_error_errno(r, "Failed to read pods directory '%s': %m; enforcement unchanged",
					qdir ?: "?");
		p->dir_error = r;
		return r;
	}
	if (p->dir_error)
		log_info("Pods directory readable again");
	p->dir_error = 0;
	/* A file being written, whether the watch saw it modified (busy) or
	 * another process holds it open for writing (podspec.c), is read
	 * again soon: its writer may finish by a path that tells this
	 * directory's watch nothing (a hard link made from elsewhere, a bind
	 * mount), and nothing else would read it before the next resync. */
	for (size_t i = 0; i < scan.n_files; i++)
		if (scan.files[i].state == PLAN_FILE_UNREADABLE && scan.files[i].error == EINPROGRESS)
			summary.retry = true;

	wants = calloc(scan.n_files ? scan.n_files : 1, sizeof(*wants));
	if (!wants) {
		podscan_free(&scan);
		return log_error_errno(ENOMEM, "Out of memory reconciling pods");
	}
	for (size_t i = 0; i < scan.n_files; i++)
		want_from_file(&scan.files[i], &wants[i]);
	in = (struct plan_input) {
		.wants = wants, .n_wants = scan.n_files,
		.pods = p->have, .n_pods = p->n_have, .keys = p->keys, .n_keys = p->n_keys,
		.max_pods = p->max_pods, .next_id_hint = p->next_id_hint,
		.ifindex_of = ifindex_of,
	};
	pod_limit_from_config(config, 0, &in.limit_template);
	r = plan_make(&in, &plan);
	if (r < 0) {
		podscan_free(&scan);
		return log_error_errno(r, "Out of memory planning the pods: %m");
	}

	applied = apply_plan(p, dp, &plan);
	if (applied == plan.n_ops) {
		log_changes(p, &plan, wants, scan.n_files);
		p->next_id_hint = plan.next_id_hint;
		if (remember_maps(p, &plan, scan.n_files) < 0)
			p->stale = true;
	} else {
		/* Read back what the ops before the failure did. */
		p->stale = true;
		summary.retry = true;
	}
	r = report_all(p, &scan, &plan, config, &summary);
	summary.dir_dev = scan.dir_dev;
	summary.dir_ino = scan.dir_ino;
	plan_free(&plan);
	podscan_free(&scan);
	if (ret_summary)
		*ret_summary = summary;
	return r;
}

int pods_interfaces(const struct pods *p, int **ret_ifindexes, char ***ret_ifnames, size_t *ret_n)
{
	int *ifindexes = calloc(p->n_entries + 1, sizeof(int));
	char **ifnames = calloc(p->n_entries + 1, sizeof(char *));
	size_t n = 0;

	if (!ifindexes || !ifnames)
		goto fail;
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct plan_pod *pod = &p->entries[i].pod;

		if (!pod->id || !pod->meta.ifindex)
			continue;
		ifindexes[n] = (int)pod->meta.ifindex;
		ifnames[n] = strdup(pod->meta.ifname);
		if (!ifnames[n++])
			goto fail;
	}
	*ret_ifindexes = ifindexes;
	*ret_ifnames = ifnames;
	*ret_n = n;
	return 0;
fail:
	free(ifindexes);
	strv_free(ifnames);
	return -ENOMEM;
}

int pods_links(const struct pods *p, struct podlink_want **ret, size_t *ret_n)
{
	struct podlink_want *wants = calloc(p->n_entries + 1, sizeof(*wants));
	size_t n = 0;

	if (!wants)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct plan_pod *pod = &p->entries[i].pod;

		if (!pod->id || !pod->meta.ifindex)
			continue;
		wants[n] = (struct podlink_want) { .pod = pod->id, .name = p->entries[i].name,
						   .ifindex = (int)pod->meta.ifindex,
						   .own_addrs = pod->meta.naddrs > 0 };
		snprintf(wants[n].ifname, sizeof(wants[n].ifname), "%s", pod->meta.ifname);
		n++;
	}
	*ret = wants;
	*ret_n = n;
	return 0;
}
