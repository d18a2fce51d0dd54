// SPDX-License-Identifier: GPL-2.0-only
#include "podlinks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datapath.h"
#include "log.h"
#include "managed_link.h"
#include "netlink.h"
#include "util.h"

static const struct managed_kind podlink_kind = {
	.subdir = "podlinks", .label = "Pod interface", .detach = datapath_detach_pod,
};

/* An interface bwmd set up. */
struct podlink {
	uint32_t pod;
	int ifindex;
	char ifname[IFNAMSIZ];
	bool attached;             /* false: setting it up failed (said once); not retried */
	struct bwm_pod_link link;  /* as written to bwm_pod_links[pod] */
};

struct podlinks {
	struct podlink *links;
	size_t n_links;
	bool started;              /* the records of an earlier bwmd were looked at */
};

int podlinks_new(struct podlinks **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

struct podlinks *podlinks_free(struct podlinks *pl)
{
	if (pl) {
		free(pl->links);
		free(pl);
	}
	return NULL;
}

static struct bwm_pod_link link_of(const struct podlink_want *w, bool shape)
{
	return (struct bwm_pod_link) {
		.ifindex = (uint32_t)w->ifindex,
		.flags = (shape ? BWM_LINK_SHAPE : 0) | (w->own_addrs ? BWM_LINK_OWN_ADDRS : 0),
	};
}

/* The interface's fq: installed (or adopted), or, where qdisc = none, the
 * operator's. Returns whether packets to the pod may be stamped there. */
static bool setup_shaping(const struct uplink_env *env, const struct podlink_want *w)
{
	int r;

	if (env->config->qdisc == BWM_QDISC_NONE)
		return true;
	r = managed_link_setup_qdisc(env->sk, env->config, &podlink_kind, w->ifindex, w->ifname, NULL);
	if (r >= 0)
		return true;
	/* managed_link_setup_qdisc() said why (no fq, a root bwm cannot record). */
	log_warning("Pod interface '%s': traffic to the pod is not shaped there (its %s, pod-to-pod "
		    "traffic of the node); it is still identified and counted", w->ifname,
		    "kubernetes.io/ingress-bandwidth");
	return false;
}

static void setup(struct podlinks *pl, const struct uplink_env *env, const struct podlink_want *w,
		  struct podlink *ret)
{
	bool l3 = false, created_clsact = false, shape;
	int r;

	*ret = (struct podlink) { .pod = w->pod, .ifindex = w->ifindex };
	memcpy(ret->ifname, w->ifname, sizeof(ret->ifname));
	r = managed_link_prepare(env->config, &podlink_kind);
	if (r < 0)
		return;
	r = netlink_link_is_l3(env->sk, w->ifindex, &l3);
	if (r < 0) {
		log_error_errno(r, "Pod interface '%s': failed to read the link: %m", w->ifname);
		return;
	}
	shape = setup_shaping(env, w);
	r = datapath_attach_pod(env->dp, env->sk, w->ifindex, w->ifname, l3, w->pod,
				&created_clsact);
	if (r < 0) {
		if (shape && env->config->qdisc == BWM_QDISC_FQ)
			managed_link_restore_qdisc(env->sk, env->config, &podlink_kind, w->ifindex, w->ifname);
		return;
	}
	managed_link_attached(env->config, &podlink_kind, w->ifname, created_clsact);
	ret->attached = true;
	ret->link = link_of(w, shape);
	r = datapath_pod_set_link(env->dp, w->pod, &ret->link);
	if (r < 0)
		log_error_errno(r, "Pod interface '%s': failed to write its flags: %m", w->ifname);
	log_info("Pod interface '%s' (ifindex %d): programs attached, %s", w->ifname, w->ifindex,
		 !shape ? "not shaping" : env->config->qdisc == BWM_QDISC_FQ ? "fq installed" :
		 "qdisc left alone");
}

/* A new pod on the interface: its filters' classid names it (bwm_maps.h).
 * Until they do, the programs find it by bwm_pod_by_ifindex. */
static void reattach(const struct uplink_env *env, const struct podlink_want *w)
{
	bool l3 = false, created_clsact = false;

	if (netlink_link_is_l3(env->sk, w->ifindex, &l3) < 0 ||
	    datapath_attach_pod(env->dp, env->sk, w->ifindex, w->ifname, l3, w->pod,
				&created_clsact) < 0)
		log_warning("Pod interface '%s': its filters still name its previous pod; the pod is "
			    "found by its interface instead", w->ifname);
}

/* The pod's flags go, unless the id has another interface by now. */
static void clear_link(const struct uplink_env *env, const struct podlink *l)
{
	struct bwm_pod_link now;

	if (datapath_pod_link(env->dp, l->pod, &now) >= 0 && now.ifindex == (uint32_t)l->ifindex)
		datapath_pod_set_link(env->dp, l->pod, &(struct bwm_pod_link) {});
}

static void teardown(const struct uplink_env *env, const struct podlink *l)
{
	clear_link(env, l);
	if (!l->attached)
		return;
	/* A pod deleted takes its veth with it: nothing to restore. */
	if ((int)if_nametoindex(l->ifname) != l->ifindex) {
		managed_link_forget(env->config, &podlink_kind, l->ifname);
		return;
	}
	managed_link_teardown(env->sk, env->config, &podlink_kind, l->ifindex, l->ifname);
}

static const struct podlink_want *find_want(const struct podlink_want *wants, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (wants[i].ifindex == ifindex)
			return &wants[i];
	return NULL;
}

struct wanted_set {
	const struct podlink_want *wants;
	size_t n;
};

static bool still_wanted(const char *ifname, int ifindex, void *userdata)
{
	const struct wanted_set *set = userdata;
	const struct podlink_want *w = find_want(set->wants, set->n, ifindex);

	return ifindex > 0 && w && strcmp(w->ifname, ifname) == 0;
}

void podlinks_apply(struct podlinks *pl, const struct uplink_env *env,
		    const struct podlink_want *wants, size_t n)
{
	struct podlink *next;
	size_t kept = 0;

	if (!env->config->pod_interfaces)
		n = 0;
	if (!pl->started) {
		struct wanted_set set = { .wants = wants, .n = n };

		managed_link_cleanup(env->sk, env->config, &podlink_kind, still_wanted, &set);
		pl->started = true;
	}
	next = calloc(n ? n : 1, sizeof(*next));
	if (!next)
		return;
	for (size_t i = 0; i < pl->n_links; i++)
		if (!find_want(wants, n, pl->links[i].ifindex))
			teardown(env, &pl->links[i]);
	for (size_t i = 0; i < n; i++) {
		const struct podlink_want *w = &wants[i];
		struct podlink *old = NULL;

		for (size_t j = 0; j < pl->n_links; j++)
			if (pl->links[j].ifindex == w->ifindex)
				old = &pl->links[j];
		if (!old) {
			setup(pl, env, w, &next[kept++]);
			continue;
		}
		next[kept] = *old;
		if (old->attached && old->pod != w->pod) {
			clear_link(env, old);
			reattach(env, w);
		}
		if (old->attached) {
			struct bwm_pod_link link = link_of(w, old->link.flags & BWM_LINK_SHAPE);

			/* A new pod on the interface, or its addresses came or went. */
			if (old->pod != w->pod || memcmp(&link, &old->link, sizeof(link)) != 0) {
				if (datapath_pod_set_link(env->dp, w->pod, &link) >= 0)
					next[kept].link = link;
			}
		}
		next[kept++].pod = w->pod;
	}
	free(pl->links);
	pl->links = next;
	pl->n_links = kept;
}

void podlinks_teardown_all(struct podlinks *pl, const struct uplink_env *env)
{
	for (size_t i = 0; i < pl->n_links; i++)
		teardown(env, &pl->links[i]);
	pl->n_links = 0;
}

int podlinks_cleanup_all(struct nl_sock *sk, const struct bwm_config *config)
{
	return managed_link_cleanup(sk, config, &podlink_kind, NULL, NULL);
}
