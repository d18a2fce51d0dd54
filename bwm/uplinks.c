// SPDX-License-Identifier: GPL-2.0-only
#include "uplinks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datapath.h"
#include "log.h"
#include "netlink.h"
#include "qdisc.h"
#include "util.h"

#define UPLINK_STATE_SUBDIR "uplinks"

/* <state_dir>/uplinks/<ifname>.attached: bwm's program is (or was) attached.
 * <state_dir>/uplinks/<ifname>.qdisc: the root qdisc before bwm.
 * <state_dir>/uplinks/<ifname>.clsact: present when bwm created clsact. */
static void state_path(const struct bwm_config *config, const char *ifname, const char *suffix,
		       char *buf, size_t size)
{
	snprintf(buf, size, "%s/" UPLINK_STATE_SUBDIR "/%s.%s", config->state_dir, ifname, suffix);
}

static int ensure_state_dir(const struct bwm_config *config)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" UPLINK_STATE_SUBDIR, config->state_dir);
	return mkdir_p(path, 0700);
}

static int write_marker(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static const struct qdisc_fq_params *fq_params(const struct bwm_config *config,
					       struct qdisc_fq_params *p)
{
	*p = (struct qdisc_fq_params) {
		.horizon_ns = config->fq_horizon_ns,
		.buckets_log = config->fq_buckets_log,
		.limit = config->fq_limit,
		.flow_limit = config->fq_flow_limit,
	};
	return p;
}

/*
 * Saves the current root, then installs fq. If an earlier bwmd already did
 * (its state file is there and the root is bwm's), the file holds the
 * original root and is kept; installing again applies changed fq parameters
 * in place and completes an install a kill -9 cut short.
 */
static int setup_qdisc(const struct uplink_env *env, struct uplink *u)
{
	struct qdisc_saved *saved = NULL;
	struct qdisc_fq_params params;
	char path[PATH_MAX];
	bool adopting;
	int r;

	state_path(env->config, u->name, "qdisc", path, sizeof(path));
	adopting = access(path, F_OK) == 0 && qdisc_has_bwm_root(env->sk, u->ifindex);
	if (adopting) {
		log_info("Uplink '%s': adopting the fq set up by an earlier bwmd", u->name);
	} else {
		/* qdisc_save_root() names the device and reason itself. */
		r = qdisc_save_root(env->sk, u->ifindex, u->name, &saved);
		if (r < 0)
			return r;
		r = qdisc_saved_write(saved, path);
		qdisc_saved_free(saved);
		if (r < 0)
			return log_error_errno(r, "Uplink '%s': failed to record the root qdisc in '%s': %m",
					       u->name, path);
	}
	r = qdisc_install_fq(env->sk, u->ifindex, u->name, fq_params(env->config, &params));
	if (r < 0 && !adopting)
		/* qdisc_install_fq() rolled the device back and said why. */
		unlink(path);
	return r;
}

/* Returns 1 if a recorded root was put back, 0 if there was none. */
static int restore_qdisc(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
			 const char *ifname)
{
	struct qdisc_saved *saved = NULL;
	char path[PATH_MAX];
	int r;

	state_path(config, ifname, "qdisc", path, sizeof(path));
	r = qdisc_saved_read(path, &saved);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "Uplink '%s': failed to read '%s': %m", ifname, path);
	r = qdisc_restore_root(sk, ifindex, ifname, saved);
	qdisc_saved_free(saved);
	if (r < 0)
		return r;
	unlink(path);
	return 1;
}

int uplink_setup(const struct uplink_env *env, struct uplink *u)
{
	char path[PATH_MAX];
	bool l3 = false, created_clsact = false;
	int r;

	r = ensure_state_dir(env->config);
	if (r < 0)
		return log_error_errno(r, "Failed to create state directory '%s': %m",
				       env->config->state_dir);
	r = netlink_link_is_l3(env->sk, u->ifindex, &l3);
	if (r < 0)
		return log_error_errno(r, "Uplink '%s': failed to read the link: %m", u->name);

	if (env->config->qdisc == BWM_QDISC_FQ) {
		r = setup_qdisc(env, u);
		if (r < 0)
			return r;
	}
	r = datapath_attach(env->dp, u->ifindex, u->name, l3, &created_clsact);
	if (r < 0) {
		if (env->config->qdisc == BWM_QDISC_FQ)
			restore_qdisc(env->sk, env->config, u->ifindex, u->name);
		return r;
	}
	state_path(env->config, u->name, "attached", path, sizeof(path));
	r = write_marker(path);
	if (r >= 0 && created_clsact) {
		state_path(env->config, u->name, "clsact", path, sizeof(path));
		r = write_marker(path);
	}
	if (r < 0)
		log_warning_errno(r, "Uplink '%s': failed to write '%s' ('bwmd --cleanup' may miss it): %m",
				  u->name, path);
	u->active = true;
	log_info("Uplink '%s' (ifindex %d): %s egress program attached", u->name, u->ifindex,
		 env->config->qdisc == BWM_QDISC_FQ ? "fq installed," : "qdisc left alone,");
	return 0;
}

/* clsact goes only if bwm created it and no other tool has put a filter on
 * either of its hooks since. */
static void remove_own_clsact(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
			      const char *ifname)
{
	const unsigned hooks[] = {
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
	};
	char path[PATH_MAX];
	int count;

	state_path(config, ifname, "clsact", path, sizeof(path));
	if (access(path, F_OK) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		if (netlink_tc_filter_count(sk, ifindex, hooks[i], &count) < 0 || count > 0) {
			log_info("Uplink '%s': clsact has other filters, left in place", ifname);
			unlink(path);
			return;
		}
	if (datapath_remove_clsact(ifindex, ifname) >= 0)
		unlink(path);
}

static int teardown_device(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
			   const char *ifname)
{
	char path[PATH_MAX];
	int r, r2;

	r = datapath_detach(ifindex, ifname);
	if (r >= 0)
		remove_own_clsact(sk, config, ifindex, ifname);
	r2 = restore_qdisc(sk, config, ifindex, ifname);
	if (r < 0 || r2 < 0)
		return r < 0 ? r : r2;
	state_path(config, ifname, "attached", path, sizeof(path));
	unlink(path);
	log_info("Uplink '%s': detached%s", ifname, r2 > 0 ? ", root qdisc restored" : "");
	return 0;
}

int uplink_teardown(const struct uplink_env *env, struct uplink *u)
{
	int r;

	if (!u->active || u->ifindex <= 0)
		return 0;
	r = teardown_device(env->sk, env->config, u->ifindex, u->name);
	u->active = false;
	return r;
}

void uplink_gone(const struct uplink_env *env, struct uplink *u)
{
	char path[PATH_MAX];

	static const char *const suffixes[] = { "attached", "qdisc", "clsact" };

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		state_path(env->config, u->name, suffixes[i], path, sizeof(path));
		unlink(path);
	}
	u->active = false;
	u->ifindex = 0;
}

int uplinks_cleanup_all(struct nl_sock *sk, const struct bwm_config *config)
{
	char dir_path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(dir_path, sizeof(dir_path), "%s/" UPLINK_STATE_SUBDIR, config->state_dir);
	d = opendir(dir_path);
	if (!d)
		return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open '%s': %m", dir_path);
	while ((de = readdir(d))) {
		char ifname[IFNAMSIZ];
		const char *dot = strrchr(de->d_name, '.');
		size_t len;
		int ifindex, k;

		if (!dot || strcmp(dot, ".attached") != 0)
			continue;
		len = MIN((size_t)(dot - de->d_name), sizeof(ifname) - 1);
		memcpy(ifname, de->d_name, len);
		ifname[len] = '\0';
		ifindex = (int)if_nametoindex(ifname);
		if (ifindex == 0) {
			struct uplink gone = { .name = ifname };
			struct uplink_env env = { .sk = sk, .config = config };

			log_info("Uplink '%s' no longer exists, forgetting it", ifname);
			uplink_gone(&env, &gone);
			continue;
		}
		k = teardown_device(sk, config, ifindex, ifname);
		if (k < 0)
			r = k;
	}
	closedir(d);
	return r;
}
