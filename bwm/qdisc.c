// SPDX-License-Identifier: GPL-2.0-only
/*
 * Uplink root qdisc: install mq + fq, record what was there, put it back.
 * See qdisc.h for what "restore exactly" covers.
 */
#include "qdisc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/pkt_sched.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "nl_request.h"
#include "util.h"

#define BWM_HANDLE TC_H_MAKE(QDISC_BWM_MAJOR << 16, 0)
#define KIND_MAX 16                /* TCA_KIND: IFNAMSIZ in the kernel */
#define OPTS_MAX (64 * 1024)       /* an rtnetlink attribute's length is 16 bits */
#define SAVED_MAGIC "bwm-qdisc-saved 1"

/* One qdisc as the kernel dumped it: enough to ask for it again. */
struct qrec {
	uint32_t handle, parent;
	char kind[KIND_MAX];
	bool has_opts;             /* TCA_OPTIONS present (mq has none) */
	bool has_stab;             /* TCA_STAB present: not replayable */
	size_t opts_len;
	uint8_t *opts;             /* TCA_OPTIONS payload, as dumped */
};

struct qdisc_saved {
	struct qrec root;          /* handle 0: the kernel's default root */
	size_t n_leaves;
	struct qrec *leaves;       /* configured qdiscs directly below the root */
};

static void qrecs_free(struct qrec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].opts);
	free(v);
}

struct qdisc_saved *qdisc_saved_free(struct qdisc_saved *s)
{
	if (!s)
		return NULL;
	free(s->root.opts);
	qrecs_free(s->leaves, s->n_leaves);
	free(s);
	return NULL;
}

static bool is_bwm_handle(uint32_t handle)
{
	return TC_H_MAJ(handle) == BWM_HANDLE;
}

/*
 * Qdiscs whose classes are made by the user (their class ops have ->change):
 * their configuration is classes plus filters, which bwm does not record.
 */
static bool kind_has_user_classes(const char *kind)
{
	static const char *const kinds[] = { "htb", "hfsc", "drr", "qfq", "cbq", "atm" };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

/* ---- messages ---- */

/* A RTM_*QDISC request for ifindex; kind may be NULL (deletion). */
static struct nl_msg *qdisc_msg(int type, int flags, int ifindex, uint32_t parent,
				uint32_t handle, const char *kind)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_parent = parent,
		.tcm_handle = handle,
	};

	if (!msg || nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0)
		return NULL;
	if (kind && nla_put_string(msg, TCA_KIND, kind) < 0)
		return NULL;
	return TAKE_PTR(msg);
}

static int link_num_tx_queues(struct nl_sock *sk, int ifindex, uint32_t *ret);

/* ---- dump ---- */

struct qdisc_list {
	int ifindex;
	int error;
	size_t n;
	struct qrec *v;
};

static void qdisc_list_done(struct qdisc_list *l)
{
	qrecs_free(l->v, l->n);
}

static int on_qdisc(struct nl_msg *msg, void *arg)
{
	struct qdisc_list *l = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	const struct tcmsg *tcm;
	struct qrec *v, *q;

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlmsg_datalen(nlh) < (int)sizeof(*tcm))
		return NL_OK;
	tcm = nlmsg_data(nlh);
	/* tc_dump_qdisc() lists every device's qdiscs: filter here. */
	if (tcm->tcm_ifindex != l->ifindex || l->error < 0)
		return NL_OK;
	/* Keep reading on errors: stopping would leave the rest of the dump
	 * on the socket for the next request to trip over. */
	if (nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    nla_len(tb[TCA_KIND]) > KIND_MAX) {
		l->error = -EBADMSG;
		return NL_OK;
	}
	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (!v) {
		l->error = -ENOMEM;
		return NL_OK;
	}
	l->v = v;
	q = &v[l->n];
	*q = (struct qrec) {
		.handle = tcm->tcm_handle,
		.parent = tcm->tcm_parent,
		.has_stab = tb[TCA_STAB],
	};
	nla_strlcpy(q->kind, tb[TCA_KIND], sizeof(q->kind));
	if (tb[TCA_OPTIONS]) {
		q->has_opts = true;
		q->opts_len = nla_len(tb[TCA_OPTIONS]);
		if (q->opts_len > 0) {
			q->opts = malloc(q->opts_len);
			if (!q->opts) {
				l->error = -ENOMEM;
				return NL_OK;
			}
			memcpy(q->opts, nla_data(tb[TCA_OPTIONS]), q->opts_len);
		}
	}
	l->n++;
	return NL_OK;
}

/* The visible qdiscs of ifindex (the kernel's default children of tbf & co
 * are TCQ_F_INVISIBLE and only dumped on TCA_DUMP_INVISIBLE, not asked for). */
static int qdisc_dump(struct nl_sock *sk, int ifindex, struct qdisc_list *ret)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = qdisc_msg(RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0, NULL);
	struct qdisc_list l = { .ifindex = ifindex };
	int r;

	if (!msg)
		return -ENOMEM;
	r = nl_request(sk, msg, on_qdisc, &l, NULL, 0);
	if (r >= 0)
		r = l.error;
	if (r < 0) {
		qdisc_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

static const struct qrec *qdisc_list_root(const struct qdisc_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].parent == TC_H_ROOT)
			return &l->v[i];
	return NULL;
}

static int qrec_copy(const struct qrec *from, struct qrec *to)
{
	*to = *from;
	to->opts = NULL;
	if (from->opts_len) {
		to->opts = malloc(from->opts_len);
		if (!to->opts)
			return -ENOMEM;
		memcpy(to->opts, from->opts, from->opts_len);
	}
	return 0;
}

static int unrecordable(const char *ifname, const struct qrec *root, const struct qrec *q, const char *why)
{
	return log_full_errno(LOG_ERR, EBUSY,
			      "Not replacing root qdisc '%s' %x: of '%s': bwm cannot record %s '%s' %x: to restore it later; "
			      "remove it or set [datapath] qdisc = none",
			      root->kind, TC_H_MAJ(root->handle) >> 16, ifname, why, q->kind, TC_H_MAJ(q->handle) >> 16);
}

/* Records the root of ifindex as it is, bwm's own included. */
static int snapshot(struct nl_sock *sk, int ifindex, const char *ifname, struct qdisc_saved **ret)
{
	_cleanup_(qdisc_list_done) struct qdisc_list l = {};
	_cleanup_qdisc_saved_ struct qdisc_saved *s = NULL;
	const struct qrec noop = { .parent = TC_H_ROOT, .kind = "noop" };
	const struct qrec *root;
	int r;

	r = qdisc_dump(sk, ifindex, &l);
	if (r < 0)
		return log_debug_errno(r, "Failed to dump the qdiscs of '%s': %m", ifname);
	root = qdisc_list_root(&l);
	if (!root) {
		/* noop, the root of a device never brought up, is TCQ_F_BUILTIN
		 * and so never dumped (tc_qdisc_dump_ignore()). */
		uint32_t ntx;

		r = link_num_tx_queues(sk, ifindex, &ntx);
		if (r < 0)
			return log_debug_errno(r, "Failed to look up '%s': %m", ifname);
		root = &noop;
	}
	if (kind_has_user_classes(root->kind))
		return unrecordable(ifname, root, root, "the classes and filters of");
	if (root->has_stab)
		return unrecordable(ifname, root, root, "the size table (stab) of");

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = qrec_copy(root, &s->root);
	if (r < 0)
		return r;

	for (size_t i = 0; i < l.n; i++) {
		const struct qrec *q = &l.v[i];

		/* clsact/ingress belong to the BPF attachment, not to us. */
		if (q == root || q->parent == TC_H_INGRESS)
			continue;
		if (TC_H_MAJ(q->parent) != TC_H_MAJ(root->handle))
			return unrecordable(ifname, root, q, "the qdiscs below");
		/* Handle 0: the kernel made it (mq's leaves, mq_init()), and
		 * makes it again when the root is re-created. */
		if (q->handle == 0)
			continue;
		if (kind_has_user_classes(q->kind))
			return unrecordable(ifname, root, q, "the classes and filters of");
		if (q->has_stab)
			return unrecordable(ifname, root, q, "the size table (stab) of");

		struct qrec *v = reallocarray(s->leaves, s->n_leaves + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->leaves = v;
		r = qrec_copy(q, &v[s->n_leaves]);
		if (r < 0)
			return r;
		s->n_leaves++;
	}

	*ret = TAKE_PTR(s);
	return 0;
}

int qdisc_save_root(struct nl_sock *sk, int ifindex, const char *ifname, struct qdisc_saved **ret)
{
	_cleanup_qdisc_saved_ struct qdisc_saved *s = NULL;
	int r;

	r = snapshot(sk, ifindex, ifname, &s);
	if (r < 0)
		return r;
	if (is_bwm_handle(s->root.handle)) {
		/* What came before bwm is unknown: settle for the default. */
		log_debug("Root qdisc of '%s' is bwm's already; recording the kernel's default", ifname);
		free(s->root.opts);
		s->root = (struct qrec) { .parent = TC_H_ROOT, .kind = "unknown" };
		qrecs_free(s->leaves, s->n_leaves);
		s->leaves = NULL;
		s->n_leaves = 0;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

bool qdisc_has_bwm_root(struct nl_sock *sk, int ifindex)
{
	_cleanup_(qdisc_list_done) struct qdisc_list l = {};
	const struct qrec *root;

	if (qdisc_dump(sk, ifindex, &l) < 0)
		return false;
	root = qdisc_list_root(&l);
	return root && is_bwm_handle(root->handle);
}

/* ---- requests ---- */

/*
 * The requests below leave the kernel's extended-ack message in extack, ""
 * when there is none (also when they fail before asking).
 */

/* Creates q (kind, handle, options as dumped) at its parent, replacing what
 * is there; with the same kind and handle the kernel changes it in place
 * (tc_modify_qdisc()). */
static int qdisc_replay(struct nl_sock *sk, int ifindex, const struct qrec *q, char *extack, size_t extack_size)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg =
		qdisc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, q->parent, q->handle, q->kind);

	extack[0] = '\0';
	if (!msg)
		return -ENOMEM;
	if (q->has_opts && nla_put(msg, TCA_OPTIONS, (int)q->opts_len, q->opts) < 0)
		return -EMSGSIZE;
	return nl_request(sk, msg, NULL, NULL, extack, extack_size);
}

static int qdisc_delete_root(struct nl_sock *sk, int ifindex, uint32_t handle, char *extack, size_t extack_size)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = qdisc_msg(RTM_DELQDISC, 0, ifindex, TC_H_ROOT, handle, NULL);

	extack[0] = '\0';
	if (!msg)
		return -ENOMEM;
	return nl_request(sk, msg, NULL, NULL, extack, extack_size);
}

struct qdisc_fq_params qdisc_fq_params_of(const struct bwm_config *config)
{
	return (struct qdisc_fq_params) {
		.horizon_ns = config->fq_horizon_ns,
		.buckets_log = config->fq_buckets_log,
		.limit = config->fq_limit,
		.flow_limit = config->fq_flow_limit,
		.orphan_mask = config->fq_orphan_mask,
	};
}

static int fq_request(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
		      const struct qdisc_fq_params *p, char *extack, size_t extack_size)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg =
		qdisc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, parent, handle, "fq");
	struct nlattr *opts;

	extack[0] = '\0';
	if (!msg)
		return -ENOMEM;
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts ||
	    nla_put_u32(msg, TCA_FQ_PLIMIT, p->limit) < 0 ||
	    nla_put_u32(msg, TCA_FQ_FLOW_PLIMIT, p->flow_limit) < 0 ||
	    nla_put_u32(msg, TCA_FQ_BUCKETS_LOG, p->buckets_log) < 0 ||
	    nla_put_u32(msg, TCA_FQ_ORPHAN_MASK, p->orphan_mask) < 0 ||
	    nla_put_u32(msg, TCA_FQ_HORIZON, (uint32_t)(p->horizon_ns / 1000)) < 0 ||
	    /* Drop, fq's default since the horizon came in (39d010504e6b
	     * "net_sched: sch_fq: add horizon attribute"), set explicitly:
	     * bwm's program drops a pod's packets past the pod horizon
	     * first, so one beyond fq's is a bug better dropped than held. */
	    nla_put_u8(msg, TCA_FQ_HORIZON_DROP, 1) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, opts);
	return nl_request(sk, msg, NULL, NULL, extack, extack_size);
}

static int on_link(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	uint32_t *ntx = arg;

	if (nlh->nlmsg_type == RTM_NEWLINK &&
	    nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) == 0 &&
	    tb[IFLA_NUM_TX_QUEUES])
		*ntx = nla_get_u32(tb[IFLA_NUM_TX_QUEUES]);
	return NL_OK;
}

static int link_num_tx_queues(struct nl_sock *sk, int ifindex, uint32_t *ret)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	uint32_t ntx = 0;
	int r;

	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		return -ENOMEM;
	r = nl_request(sk, msg, on_link, &ntx, NULL, 0);
	if (r < 0)
		return r;
	if (ntx == 0)
		return -EBADMSG;
	*ret = ntx;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/*
 * real_num_tx_queues: sysfs has a queues/tx-N directory for each queue in
 * use (netdev_queue_update_kobjects()). Without sysfs (not mounted, or of
 * another network namespace), num_tx_queues, as the kernel's own choice of
 * a default root does (attach_default_qdiscs(): netif_is_multiqueue()).
 */
static uint32_t sysfs_real_tx_queues(const char *ifname, uint32_t num_tx_queues)
{
	_cleanup_(closedirp) DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	uint32_t n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d) {
		log_debug_errno(errno, "Failed to open '%s', assuming %" PRIu32 " TX queues in use: %m",
				path, num_tx_queues);
		return num_tx_queues;
	}
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "tx-", 3) == 0)
			n++;
	return n ? MIN(n, num_tx_queues) : num_tx_queues;
}

/* The kernel's answer when sch_fq is not built in and cannot be loaded:
 * qdisc_create() fails with ENOENT "Specified qdisc kind is unknown"; some
 * paths answer EINVAL/EOPNOTSUPP with "Unknown qdisc" in the extack. */
static bool is_unknown_kind(int r, const char *extack)
{
	if (r == -ENOENT)
		return true;
	return (r == -EINVAL || r == -EOPNOTSUPP) && strcasestr(extack, "unknown");
}

/* ---- restore ---- */

static const char *extack_sep(const char *extack)
{
	return extack[0] ? ": " : "";
}

int qdisc_restore_root(struct nl_sock *sk, int ifindex, const char *ifname, const struct qdisc_saved *s)
{
	_cleanup_(qdisc_list_done) struct qdisc_list l = {};
	const struct qrec *now;
	char extack[160];
	int r, ret = 0;

	r = qdisc_dump(sk, ifindex, &l);
	if (r < 0)
		return log_debug_errno(r, "Failed to dump the qdiscs of '%s': %m", ifname);
	now = qdisc_list_root(&l);
	if (!now || !is_bwm_handle(now->handle)) {
		/* Only take down what bwm put up: somebody else owns it now. */
		log_debug("Root qdisc of '%s' is not bwm's, leaving it alone", ifname);
		return 0;
	}

	if (s->root.handle == 0) {
		/* Deleting the root makes the kernel attach its default again
		 * (qdisc_graft() -> dev_activate() -> attach_default_qdiscs()). */
		r = qdisc_delete_root(sk, ifindex, now->handle, extack, sizeof(extack));
		if (r < 0)
			return log_warning_errno(r, "Failed to delete bwm's root qdisc of '%s': %m%s%s",
						 ifname, extack_sep(extack), extack);
	} else {
		r = qdisc_replay(sk, ifindex, &s->root, extack, sizeof(extack));
		if (r < 0) {
			log_warning_errno(r, "Failed to restore root qdisc '%s' %x: of '%s', leaving the kernel's default: %m%s%s",
					  s->root.kind, TC_H_MAJ(s->root.handle) >> 16, ifname, extack_sep(extack), extack);
			if (qdisc_delete_root(sk, ifindex, now->handle, extack, sizeof(extack)) < 0)
				log_warning_errno(r, "Failed to delete bwm's root qdisc of '%s': %m%s%s",
						  ifname, extack_sep(extack), extack);
			return r;
		}
	}

	for (size_t i = 0; i < s->n_leaves; i++) {
		const struct qrec *q = &s->leaves[i];

		r = qdisc_replay(sk, ifindex, q, extack, sizeof(extack));
		if (r < 0) {
			log_warning_errno(r, "Failed to restore qdisc '%s' %x: at parent %x:%x of '%s', leaving the kernel's default there: %m%s%s",
					  q->kind, TC_H_MAJ(q->handle) >> 16, TC_H_MAJ(q->parent) >> 16,
					  TC_H_MIN(q->parent), ifname, extack_sep(extack), extack);
			if (ret == 0)
				ret = r;
		}
	}
	return ret;
}

/* ---- install ---- */

int qdisc_install_fq(struct nl_sock *sk, int ifindex, const char *ifname, const struct qdisc_fq_params *p)
{
	_cleanup_qdisc_saved_ struct qdisc_saved *before = NULL;
	char extack[160];
	uint32_t ntx, real;
	int r, rr;

	if (p->horizon_ns / 1000 > UINT32_MAX)
		return log_error_errno(ERANGE, "fq horizon of %" PRIu64 " ns is too large for '%s'", p->horizon_ns, ifname);

	/* The state to roll back to: exactly what is there, bwm's own
	 * (a parameter change) included. */
	r = snapshot(sk, ifindex, ifname, &before);
	if (r < 0)
		return r == -EBUSY ? r : log_error_errno(r, "Failed to read the root qdisc of '%s': %m", ifname);
	r = link_num_tx_queues(sk, ifindex, &ntx);
	if (r < 0)
		return log_error_errno(r, "Failed to read the TX queue count of '%s': %m", ifname);

	/*
	 * mq when the device uses several TX queues now, a plain fq root
	 * otherwise. Netlink reports only num_tx_queues, the queues the device
	 * could use: a veth has one per possible CPU but uses one. Under mq,
	 * an fq on each of the num_tx_queues leaves, not only on those in use:
	 * queues turned on later (ethtool -L) would otherwise keep the leaf
	 * mq_init() made them, pfifo_fast, which ignores skb->tstamp.
	 */
	real = sysfs_real_tx_queues(ifname, ntx);
	if (real > 1) {
		r = qdisc_replay(sk, ifindex, &(struct qrec) {
			.parent = TC_H_ROOT, .handle = BWM_HANDLE, .kind = "mq" }, extack, sizeof(extack));
		for (uint32_t i = 0; r >= 0 && i < ntx; i++)
			r = fq_request(sk, ifindex, TC_H_MAKE(BWM_HANDLE, i + 1), 0, p, extack, sizeof(extack));
	} else
		r = fq_request(sk, ifindex, TC_H_ROOT, BWM_HANDLE, p, extack, sizeof(extack));
	if (r >= 0) {
		log_debug("Installed %s on '%s' (%" PRIu32 " of %" PRIu32 " TX queues in use)",
			  real > 1 ? "mq + fq" : "fq", ifname, real, ntx);
		return 0;
	}

	/* Don't leave the device half configured (mq with default leaves).
	 * extack stays the failed request's: the restore has its own. */
	rr = qdisc_restore_root(sk, ifindex, ifname, before);
	if (is_unknown_kind(r, extack))
		return log_full_errno(LOG_ERR, EOPNOTSUPP,
				      "Cannot install fq on '%s': the kernel has no 'fq' qdisc "
				      "(build it with CONFIG_NET_SCH_FQ or load module sch_fq); %s",
				      ifname, rr < 0 ? "restoring the previous root qdisc failed" : "the previous root qdisc is back");
	return log_error_errno(r, "Failed to install %s on '%s': %m%s%s; %s",
			       real > 1 ? "mq + fq" : "fq", ifname, extack_sep(extack), extack,
			       rr < 0 ? "restoring the previous root qdisc failed" : "the previous root qdisc is back");
}

/* ---- state file ---- */

static int write_qrec(FILE *f, const char *tag, const struct qrec *q)
{
	fprintf(f, "%s %08" PRIx32 " %08" PRIx32 " %s ", tag, q->handle, q->parent, q->kind);
	if (!q->has_opts)
		fputs("-", f);
	else {
		fputs("hex:", f);
		for (size_t i = 0; i < q->opts_len; i++)
			fprintf(f, "%02x", q->opts[i]);
	}
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int qdisc_saved_write(const struct qdisc_saved *s, const char *path)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_debug_errno(errno, "Failed to create a file beside '%s': %m", path);
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		goto fail;
	}

	fprintf(f, SAVED_MAGIC "\n"
		"# bwm: the root qdisc before bwm replaced it (kind, handle, TCA_OPTIONS as dumped)\n");
	r = write_qrec(f, "root", &s->root);
	for (size_t i = 0; r >= 0 && i < s->n_leaves; i++)
		r = write_qrec(f, "leaf", &s->leaves[i]);
	if (r >= 0 && (fchmod(fd, 0644) < 0 || fflush(f) != 0 || fsync(fd) < 0))
		r = -errno;
	if (r < 0)
		goto fail;
	r = fclose(TAKE_PTR(f)) == 0 ? 0 : -errno;
	if (r < 0)
		goto fail;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;

fail:
	(void) unlink(tmp);
	return log_debug_errno(r, "Failed to write '%s': %m", path);
}

static int parse_hex(const char *hex, uint8_t **ret, size_t *ret_len)
{
	size_t n = strlen(hex);
	_cleanup_free_ uint8_t *b = NULL;

	if (n % 2 || n / 2 > OPTS_MAX)
		return -EBADMSG;
	if (n) {
		b = malloc(n / 2);
		if (!b)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n / 2; i++) {
		if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]))
			return -EBADMSG;
		sscanf(hex + 2 * i, "%2hhx", &b[i]);
	}
	*ret = TAKE_PTR(b);
	*ret_len = n / 2;
	return 0;
}

static int parse_qrec(char *line, const char *tag, struct qrec *ret)
{
	_cleanup_free_ char *t = NULL, *kind = NULL, *opts = NULL;
	struct qrec q = {};
	int r;

	if (sscanf(line, "%ms %" SCNx32 " %" SCNx32 " %ms %ms", &t, &q.handle, &q.parent, &kind, &opts) != 5 ||
	    strcmp(t, tag) != 0 || strlen(kind) >= KIND_MAX)
		return -EBADMSG;
	for (const char *c = kind; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return -EBADMSG;
	strcpy(q.kind, kind);
	if (strcmp(opts, "-") != 0) {
		if (strncmp(opts, "hex:", 4) != 0)
			return -EBADMSG;
		r = parse_hex(opts + 4, &q.opts, &q.opts_len);
		if (r < 0)
			return r;
		q.has_opts = true;
	}
	*ret = q;
	return 0;
}

int qdisc_saved_read(const char *path, struct qdisc_saved **ret)
{
	_cleanup_qdisc_saved_ struct qdisc_saved *s = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	bool have_root = false;
	size_t size = 0;
	unsigned n = 0;
	int r;

	f = fopen(path, "re");
	if (!f)
		return log_debug_errno(errno, "Failed to open '%s': %m", path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;

	while (getline(&line, &size, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (++n == 1) {
			if (strcmp(line, SAVED_MAGIC) != 0)
				return log_debug_errno(EBADMSG, "'%s' is not a bwm qdisc state file", path);
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!have_root) {
			r = parse_qrec(line, "root", &s->root);
			have_root = r >= 0;
		} else {
			struct qrec *v = reallocarray(s->leaves, s->n_leaves + 1, sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->leaves = v;
			r = parse_qrec(line, "leaf", &v[s->n_leaves]);
			if (r >= 0)
				s->n_leaves++;
		}
		if (r < 0)
			return log_debug_errno(r, "'%s':%u: malformed line", path, n);
	}
	if (ferror(f))
		return log_debug_errno(EIO, "Failed to read '%s'", path);
	if (!have_root)
		return log_debug_errno(EBADMSG, "'%s' records no root qdisc", path);
	*ret = TAKE_PTR(s);
	return 0;
}
