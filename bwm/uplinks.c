// SPDX-License-Identifier: GPL-2.0-only
#include "uplinks.h"

#include "datapath.h"
#include "log.h"
#include "managed_link.h"
#include "netlink.h"

static const struct managed_kind uplink_kind = {
	.subdir = "uplinks", .label = "Uplink", .detach = datapath_detach,
};

int uplink_setup(const struct uplink_env *env, struct uplink *u)
{
	bool l3 = false, created_clsact = false;
	int r;

	r = managed_link_prepare(env->config, &uplink_kind);
	if (r < 0)
		return r;
	r = netlink_link_is_l3(env->sk, u->ifindex, &l3);
	if (r < 0)
		return log_error_errno(r, "Uplink '%s': failed to read the link: %m", u->name);

	if (env->config->qdisc == BWM_QDISC_FQ) {
		r = managed_link_setup_qdisc(env->sk, env->config, &uplink_kind, u->ifindex, u->name, NULL);
		if (r < 0)
			return r;
	}
	r = datapath_attach(env->dp, u->ifindex, u->name, l3, &created_clsact);
	if (r < 0) {
		if (env->config->qdisc == BWM_QDISC_FQ)
			managed_link_restore_qdisc(env->sk, env->config, &uplink_kind, u->ifindex, u->name);
		return r;
	}
	managed_link_attached(env->config, &uplink_kind, u->name, created_clsact);
	u->active = true;
	log_info("Uplink '%s' (ifindex %d): %s egress program attached", u->name, u->ifindex,
		 env->config->qdisc == BWM_QDISC_FQ ? "fq installed," : "qdisc left alone,");
	return 0;
}

int uplink_teardown(const struct uplink_env *env, struct uplink *u)
{
	int r;

	if (!u->active || u->ifindex <= 0)
		return 0;
	r = managed_link_teardown(env->sk, env->config, &uplink_kind, u->ifindex, u->name);
	u->active = false;
	return r;
}

void uplink_gone(const struct uplink_env *env, struct uplink *u)
{
	managed_link_forget(env->config, &uplink_kind, u->name);
	u->active = false;
	u->ifindex = 0;
}

int uplinks_cleanup_all(struct nl_sock *sk, const struct bwm_config *config)
{
	return managed_link_cleanup(sk, config, &uplink_kind, NULL, NULL);
}
