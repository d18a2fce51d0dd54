// SPDX-License-Identifier: GPL-2.0-only
#include "pods.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "datapath.h"
#include "log.h"
#include "podspec.h"
#include "reconcile.h"
#include "util.h"

struct pod_entry {
	char *name;
	uint32_t id;                 /* 0: not in the maps */
	struct bwm_pod_meta meta;    /* as written to the maps */
	struct bwm_pod_limit limit;
	char *report;                /* the problems last logged for this file */
};

struct pods {
	struct pod_entry *entries;   /* sorted by name */
	size_t n_entries;
	uint8_t *id_used;            /* [max_pods]; id 0 is never used */
	uint32_t max_pods;
	uint32_t next_id_hint;
};

/* A pod file as this reconcile read it; scan.wants[i] is what it asks of
 * the maps, scan.pods[i] what is to be logged about it. */
struct scanned_pod {
	char *name;
	char *report;        /* problems of the file and of classification */
	size_t report_len;
	uint32_t id;         /* its pod id once applied; 0: not in the maps */
	const struct pod_entry *old;   /* the pod as known before this scan, if it was */
};

struct scan {
	struct scanned_pod *pods;
	struct reconcile_want *wants;
	size_t n;
};

int pods_new(uint32_t max_pods, struct pods **ret)
{
	struct pods *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->id_used = calloc(max_pods, 1);
	if (!p->id_used) {
		free(p);
		return -ENOMEM;
	}
	p->max_pods = max_pods;
	p->next_id_hint = 1;
	*ret = p;
	return 0;
}

static void entry_clear(struct pod_entry *e)
{
	free(e->name);
	free(e->report);
}

struct pods *pods_free(struct pods *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_entries; i++)
		entry_clear(&p->entries[i]);
	free(p->entries);
	free(p->id_used);
	free(p);
	return NULL;
}

static uint32_t id_alloc(struct pods *p)
{
	for (uint32_t n = 1; n < p->max_pods; n++) {
		uint32_t id = (p->next_id_hint + n - 1) % p->max_pods;

		if (id != 0 && !p->id_used[id]) {
			p->id_used[id] = 1;
			p->next_id_hint = id + 1;
			return id;
		}
	}
	return 0;
}

static void id_free(struct pods *p, uint32_t id)
{
	if (id && id < p->max_pods)
		p->id_used[id] = 0;
}

static int compare_entries(const void *a, const void *b)
{
	return strcmp(((const struct pod_entry *)a)->name, ((const struct pod_entry *)b)->name);
}

struct adopt_ctx {
	struct pods *pods;
	struct datapath *dp;
	size_t cap;
};

static int adopt_one(uint32_t id, const struct bwm_pod_meta *meta, void *userdata)
{
	struct adopt_ctx *ctx = userdata;
	struct pods *p = ctx->pods;
	struct bwm_pod_state state;
	struct pod_entry *e;

	if (id == 0 || id >= p->max_pods || p->id_used[id])
		return 0;
	if (p->n_entries == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 64;
		struct pod_entry *bigger = realloc(p->entries, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		p->entries = bigger;
		ctx->cap = cap;
	}
	e = &p->entries[p->n_entries];
	*e = (struct pod_entry) { .id = id, .meta = *meta };
	e->name = strdup(meta->name);
	if (!e->name)
		return -ENOMEM;
	datapath_pod_read(ctx->dp, id, &e->limit, &state);
	p->id_used[id] = 1;
	p->n_entries++;
	return 0;
}

int pods_adopt(struct pods *p, struct datapath *dp)
{
	struct adopt_ctx ctx = { .pods = p, .dp = dp };
	int r;

	r = datapath_pod_foreach(dp, adopt_one, &ctx);
	if (r < 0)
		return r;
	qsort(p->entries, p->n_entries, sizeof(*p->entries), compare_entries);
	if (p->n_entries)
		log_info("Adopted %zu pod(s) from the pinned maps", p->n_entries);
	return 0;
}

/* Problems are gathered per file and logged only when they differ from the
 * last ones logged, so a bad file is reported once, not at every scan. */
static void report_append(struct scanned_pod *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report_append(struct scanned_pod *s, const char *fmt, ...)
{
	char line[1024];
	char *bigger;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = MIN(n, (int)sizeof(line) - 1);
	bigger = realloc(s->report, s->report_len + n + 2);
	if (!bigger)
		return;
	s->report = bigger;
	memcpy(s->report + s->report_len, line, n);
	s->report_len += n;
	s->report[s->report_len++] = '\n';
	s->report[s->report_len] = '\0';
}

struct problem_ctx {
	struct scanned_pod *pod;
	const char *dir;
};

static void on_problem(const struct bwm_annotation_problem *pr, void *userdata)
{
	struct problem_ctx *ctx = userdata;
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;

	/* Values are escaped and cut there: a pod file cannot forge log lines. */
	snprintf(path, sizeof(path), "%s/%s", ctx->dir, ctx->pod->name);
	text = annotation_problem_format(path, pr);
	if (text)
		report_append(ctx->pod, "%s", text);
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

static void want_from_spec(struct scanned_pod *s, struct reconcile_want *w,
			   const struct bwm_pod_spec *spec, const struct bwm_config *config)
{
	snprintf(w->meta.name, sizeof(w->meta.name), "%s", spec->name);
	snprintf(w->meta.ifname, sizeof(w->meta.ifname), "%s", spec->ifname);
	for (size_t i = 0; i < spec->n_addrs && i < BWM_MAX_ADDRS_PER_POD; i++) {
		if (spec->addrs[i].family == AF_INET)
			bwm_addr_key_from_ipv4(&w->meta.addrs[i], spec->addrs[i].v4.s_addr);
		else
			bwm_addr_key_from_ipv6(&w->meta.addrs[i], spec->addrs[i].v6.s6_addr);
		w->meta.naddrs++;
	}
	/* bit/s -> bytes/s; the smallest limit kubelet accepts (1k) is 125. */
	pod_limit_from_config(config, spec->egress_bps / 8, &w->limit);

	if (spec->ifname[0]) {
		w->meta.ifindex = if_nametoindex(spec->ifname);
		if (w->meta.ifindex == 0) {
			report_append(s, "pod '%s' pending: interface '%s' does not exist (yet)",
				      s->name, spec->ifname);
			return;
		}
	} else if (w->meta.naddrs == 0) {
		report_append(s, "pod '%s' pending: no %s nor %s to classify its traffic by",
			      s->name, BWM_POD_KEY_INTERFACE, BWM_POD_KEY_IPS);
		return;
	}
	w->enforceable = true;
}

static void scan_free(struct scan *scan)
{
	for (size_t i = 0; i < scan->n; i++) {
		free(scan->pods[i].name);
		free(scan->pods[i].report);
	}
	free(scan->pods);
	free(scan->wants);
	*scan = (struct scan) {};
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_pod_names(DIR *d, char ***ret_names, size_t *ret_n)
{
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	size_t n = 0, cap = 1;
	struct dirent *de;

	if (!names)
		return -ENOMEM;
	while ((de = readdir(d))) {
		if (!podspec_is_pod_name(de->d_name))
			continue;
		if (n + 1 >= cap) {
			char **bigger = realloc(names, cap * 2 * sizeof(char *));

			if (!bigger)
				return -ENOMEM;
			names = bigger;
			cap *= 2;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			return -ENOMEM;
		names[++n] = NULL;
	}
	qsort(names, n, sizeof(char *), compare_names);
	*ret_names = TAKE_PTR(names);
	*ret_n = n;
	return 0;
}

/* Reads every pod file; the result is sorted by name. */
static int scan_dir(const struct bwm_config *config, struct scan *ret)
{
	_cleanup_strv_free_ char **names = NULL;
	struct scan scan = {};
	size_t n;
	DIR *d;
	int r;

	d = opendir(config->pods_dir);
	if (!d)
		return -errno;
	r = list_pod_names(d, &names, &n);
	if (r >= 0) {
		scan.pods = calloc(n ? n : 1, sizeof(*scan.pods));
		scan.wants = calloc(n ? n : 1, sizeof(*scan.wants));
		if (!scan.pods || !scan.wants)
			r = -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct scanned_pod *s = &scan.pods[i];
		struct problem_ctx ctx = { .pod = s, .dir = config->pods_dir };
		struct bwm_pod_spec spec;
		int k;

		s->name = TAKE_PTR(names[i]);
		scan.wants[i].name = s->name;
		scan.n = i + 1;
		k = podspec_load_file(dirfd(d), s->name, on_problem, &ctx, &spec);
		if (k == -ENOMEM)
			r = k;
		if (k < 0)
			continue;   /* refused (reported) or gone meanwhile: not enforceable */
		want_from_spec(s, &scan.wants[i], &spec, config);
		podspec_free(&spec);
	}
	closedir(d);
	if (r < 0) {
		scan_free(&scan);
		return r;
	}
	*ret = scan;
	return 0;
}

static bool held_ifindex(const struct scanned_pod *s, uint32_t ifindex)
{
	return s->old && s->old->id && s->old->meta.ifindex == ifindex;
}

static bool held_addr(const struct scanned_pod *s, const struct bwm_addr_key *key)
{
	if (!s->old || !s->old->id)
		return false;
	for (uint32_t i = 0; i < s->old->meta.naddrs; i++)
		if (memcmp(&s->old->meta.addrs[i], key, sizeof(*key)) == 0)
			return true;
	return false;
}

static void drop_addr(struct bwm_pod_meta *m, uint32_t a)
{
	m->addrs[a] = m->addrs[--m->naddrs];
	memset(&m->addrs[m->naddrs], 0, sizeof(m->addrs[0]));
}

/*
 * Two pods claiming one interface or address: the pod that holds it in the
 * maps keeps it (a new file never takes an enforced pod's traffic away), and
 * between newcomers the first by name does. The loser is told. Without this,
 * removing one pod would delete a key the other relies on.
 */
static void resolve_conflicts(struct scan *scan)
{
	for (size_t i = 1; i < scan->n; i++) {
		for (size_t j = 0; j < i; j++) {
			struct scanned_pod *si = &scan->pods[i], *sj = &scan->pods[j];
			struct bwm_pod_meta *mi = &scan->wants[i].meta, *mj = &scan->wants[j].meta;

			if (!scan->wants[i].enforceable || !scan->wants[j].enforceable)
				continue;
			if (mi->ifindex && mi->ifindex == mj->ifindex) {
				bool i_keeps = held_ifindex(si, mi->ifindex) && !held_ifindex(sj, mj->ifindex);
				struct scanned_pod *loser = i_keeps ? sj : si;
				struct bwm_pod_meta *lm = i_keeps ? mj : mi;

				report_append(loser, "pod '%s': interface '%s' already belongs to pod '%s'; ignored",
					      loser->name, lm->ifname, i_keeps ? si->name : sj->name);
				lm->ifindex = 0;
				lm->ifname[0] = '\0';
			}
			for (uint32_t a = 0; a < mi->naddrs; a++) {
				for (uint32_t b = 0; b < mj->naddrs; b++) {
					bool i_keeps;

					if (memcmp(&mi->addrs[a], &mj->addrs[b], sizeof(mi->addrs[a])))
						continue;
					i_keeps = held_addr(si, &mi->addrs[a]) && !held_addr(sj, &mj->addrs[b]);
					report_append(i_keeps ? sj : si,
						      "pod '%s': an address already belongs to pod '%s'; ignored",
						      i_keeps ? sj->name : si->name, i_keeps ? si->name : sj->name);
					if (i_keeps) {
						drop_addr(mj, b);
					} else {
						drop_addr(mi, a);
						a--;
					}
					break;
				}
			}
			/* Nothing left to classify by: not enforceable. */
			if (!mi->ifindex && !mi->naddrs)
				scan->wants[i].enforceable = false;
			if (!mj->ifindex && !mj->naddrs)
				scan->wants[j].enforceable = false;
		}
	}
}

static void describe_limit(const struct bwm_pod_limit *limit, char *buf, size_t size)
{
	double bps = (double)limit->rate_bytes_per_sec * 8;

	if (!limit->rate_bytes_per_sec)
		snprintf(buf, size, "no egress limit");
	else if (bps >= 1e9)
		snprintf(buf, size, "egress %.3g Gbit/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, size, "egress %.3g Mbit/s", bps / 1e6);
	else
		snprintf(buf, size, "egress %.3g kbit/s", bps / 1e3);
}

struct apply_ctx {
	struct pods *pods;
	struct datapath *dp;
	struct scan *scan;
	unsigned failures;
};

static int apply_op(enum reconcile_op op, const struct reconcile_want *want,
		    const struct reconcile_have *have, void *userdata)
{
	struct apply_ctx *ctx = userdata;
	struct scanned_pod *s = want ? &ctx->scan->pods[want - ctx->scan->wants] : NULL;
	char limit[64];
	uint32_t id;
	int r;

	switch (op) {
	case RECONCILE_REMOVE:
		r = datapath_pod_remove(ctx->dp, have->id);
		if (r < 0) {
			ctx->failures++;
			return log_error_errno(r, "Pod '%s': failed to remove from the maps: %m", have->name), 0;
		}
		id_free(ctx->pods, have->id);
		if (s)
			s->id = 0;
		log_info("Pod '%s': %s", have->name, want ? "not enforced any more" : "removed");
		return 0;
	case RECONCILE_ADD:
		id = id_alloc(ctx->pods);
		if (id == 0) {
			ctx->failures++;
			log_error("Pod '%s': no free pod id (max_pods = %u)", want->name,
				  ctx->pods->max_pods);
			return 0;
		}
		break;
	case RECONCILE_UPDATE:
		id = have->id;
		break;
	default:
		return 0;
	}
	r = datapath_pod_update(ctx->dp, id, &want->meta, &want->limit);
	if (r < 0) {
		ctx->failures++;
		if (op == RECONCILE_ADD)
			id_free(ctx->pods, id);
		log_error_errno(r, "Pod '%s': failed to write the maps: %m", want->name);
		return 0;
	}
	s->id = id;
	describe_limit(&want->limit, limit, sizeof(limit));
	log_info("Pod '%s': %s%s%s%s, %u address(es)%s", want->name, limit,
		 want->meta.ifname[0] ? " via '" : "", want->meta.ifname,
		 want->meta.ifname[0] ? "'" : "", want->meta.naddrs,
		 op == RECONCILE_UPDATE ? " (updated)" : "");
	return 0;
}

/* Logs a file's problems when they differ from what was logged last time. */
static void log_report_changes(const struct scanned_pod *s, const struct pod_entry *old)
{
	const char *prev = old && old->report ? old->report : "";
	const char *line, *end;

	if (strcmp(prev, s->report ? s->report : "") == 0)
		return;
	for (line = s->report; line && *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			break;
		log_warning("%.*s", (int)(end - line), line);
	}
}

/* The new table: one entry per scanned pod, carrying its report. */
static int rebuild_entries(struct pods *p, struct scan *scan)
{
	struct pod_entry *next = calloc(scan->n ? scan->n : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < scan->n; i++) {
		struct scanned_pod *s = &scan->pods[i];

		next[i] = (struct pod_entry) {
			.name = TAKE_PTR(s->name), .id = s->id, .report = TAKE_PTR(s->report),
			.meta = scan->wants[i].meta, .limit = scan->wants[i].limit,
		};
		scan->wants[i].name = next[i].name;
	}
	for (size_t i = 0; i < p->n_entries; i++)
		entry_clear(&p->entries[i]);
	free(p->entries);
	p->entries = next;
	p->n_entries = scan->n;
	return 0;
}

/* Matches scanned pods to known entries by name (both sorted): ids carry
 * over, held keys win conflicts, and the last report decides what is news. */
static void match_known(struct pods *p, struct scan *scan)
{
	for (size_t i = 0, j = 0; i < scan->n; i++) {
		while (j < p->n_entries && strcmp(p->entries[j].name, scan->pods[i].name) < 0)
			j++;
		if (j < p->n_entries && strcmp(p->entries[j].name, scan->pods[i].name) == 0)
			scan->pods[i].old = &p->entries[j];
		scan->pods[i].id = scan->pods[i].old ? scan->pods[i].old->id : 0;
	}
}

int pods_reconcile(struct pods *p, struct datapath *dp, const struct bwm_config *config,
		   struct pods_summary *ret_summary)
{
	struct pods_summary summary = {};
	struct scan scan = {};
	struct reconcile_have *have;
	struct apply_ctx ctx = { .pods = p, .dp = dp, .scan = &scan };
	size_t i;
	int r;

	r = scan_dir(config, &scan);
	if (r < 0)
		return log_error_errno(r, "Failed to read pods directory '%s': %m; enforcement unchanged",
				       config->pods_dir);
	match_known(p, &scan);
	resolve_conflicts(&scan);

	have = calloc(p->n_entries ? p->n_entries : 1, sizeof(*have));
	if (!have) {
		scan_free(&scan);
		return -ENOMEM;
	}
	for (i = 0; i < p->n_entries; i++)
		have[i] = (struct reconcile_have) { .name = p->entries[i].name, .id = p->entries[i].id,
						    .meta = p->entries[i].meta,
						    .limit = p->entries[i].limit };
	for (i = 0; i < scan.n; i++)
		log_report_changes(&scan.pods[i], scan.pods[i].old);

	r = reconcile_diff(scan.wants, scan.n, have, p->n_entries, apply_op, &ctx);
	free(have);
	if (r >= 0)
		r = rebuild_entries(p, &scan);

	for (i = 0; i < scan.n; i++) {
		const struct pod_entry *e = &p->entries[i];

		if (e->id)
			summary.enforced++;
		else
			summary.pending++;
		if (e->report && strstr(e->report, ": ") && !strstr(e->report, "pending:"))
			summary.errors++;
	}
	summary.errors += ctx.failures;
	scan_free(&scan);
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
		const struct pod_entry *e = &p->entries[i];

		if (!e->id || !e->meta.ifindex)
			continue;
		ifindexes[n] = (int)e->meta.ifindex;
		ifnames[n] = strdup(e->meta.ifname);
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
