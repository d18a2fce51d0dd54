// SPDX-License-Identifier: GPL-2.0-only
#include "managed_link.h"

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

static void state_path(const struct bwm_config *config, const struct managed_kind *kind,
		       const char *ifname, const char *suffix, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%s.%s", config->state_dir, kind->subdir, ifname, suffix);
}

int managed_link_prepare(const struct bwm_config *config, const struct managed_kind *kind)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", config->state_dir, kind->subdir);
	r = mkdir_p(path, 0700);
	if (r < 0)
		return log_error_errno(r, "Failed to create state directory '%s': %m", path);
	return 0;
}

static int write_marker(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Saves the current root, then installs fq. If an earlier bwmd already did
 * (its state file is there and the root is bwm's), the file holds the
 * original root and is kept; installing again applies changed fq parameters
 * in place and completes an install a kill -9 cut short.
 */
int managed_link_setup_qdisc(struct nl_sock *sk, const struct bwm_config *config,
			     const struct managed_kind *kind, int ifindex, const char *ifname,
			     bool *ret_adopted)
{
	struct qdisc_saved *saved = NULL;
	struct qdisc_fq_params params = qdisc_fq_params_of(config);
	char path[PATH_MAX];
	bool adopting;
	int r;

	state_path(config, kind, ifname, "qdisc", path, sizeof(path));
	adopting = access(path, F_OK) == 0 && qdisc_has_bwm_root(sk, ifindex);
	if (adopting) {
		log_info("%s '%s': adopting the fq set up by an earlier bwmd", kind->label, ifname);
	} else {
		/* qdisc_save_root() names the device and reason itself. */
		r = qdisc_save_root(sk, ifindex, ifname, &saved);
		if (r < 0)
			return r;
		r = qdisc_saved_write(saved, path);
		qdisc_saved_free(saved);
		if (r < 0)
			return log_error_errno(r, "%s '%s': failed to record the root qdisc in '%s': %m",
					       kind->label, ifname, path);
	}
	if (ret_adopted)
		*ret_adopted = adopting;
	r = qdisc_install_fq(sk, ifindex, ifname, &params);
	if (r < 0 && !adopting)
		/* qdisc_install_fq() rolled the device back and said why. */
		unlink(path);
	return r;
}

int managed_link_restore_qdisc(struct nl_sock *sk, const struct bwm_config *config,
			       const struct managed_kind *kind, int ifindex, const char *ifname)
{
	struct qdisc_saved *saved = NULL;
	char path[PATH_MAX];
	int r;

	state_path(config, kind, ifname, "qdisc", path, sizeof(path));
	r = qdisc_saved_read(path, &saved);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "%s '%s': failed to read '%s': %m", kind->label, ifname, path);
	r = qdisc_restore_root(sk, ifindex, ifname, saved);
	qdisc_saved_free(saved);
	if (r < 0)
		return r;
	unlink(path);
	return 1;
}

void managed_link_attached(const struct bwm_config *config, const struct managed_kind *kind,
			   const char *ifname, bool created_clsact)
{
	char path[PATH_MAX];
	int r;

	state_path(config, kind, ifname, "attached", path, sizeof(path));
	r = write_marker(path);
	if (r >= 0 && created_clsact) {
		state_path(config, kind, ifname, "clsact", path, sizeof(path));
		r = write_marker(path);
	}
	if (r < 0)
		log_warning_errno(r, "%s '%s': failed to write '%s' ('bwmd --cleanup' may miss it): %m",
				  kind->label, ifname, path);
}

/* clsact goes only if bwm created it and no other tool has put a filter on
 * either of its hooks since. */
static void remove_own_clsact(struct nl_sock *sk, const struct bwm_config *config,
			      const struct managed_kind *kind, int ifindex, const char *ifname)
{
	const unsigned hooks[] = {
		TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
	};
	char path[PATH_MAX];
	int count;

	state_path(config, kind, ifname, "clsact", path, sizeof(path));
	if (access(path, F_OK) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		if (netlink_tc_filter_count(sk, ifindex, hooks[i], &count) < 0 || count > 0) {
			log_info("%s '%s': clsact has other filters, left in place", kind->label, ifname);
			unlink(path);
			return;
		}
	if (datapath_remove_clsact(ifindex, ifname) >= 0)
		unlink(path);
}

int managed_link_teardown(struct nl_sock *sk, const struct bwm_config *config,
			  const struct managed_kind *kind, int ifindex, const char *ifname)
{
	char path[PATH_MAX];
	int r, r2;

	r = kind->detach(ifindex, ifname);
	if (r >= 0)
		remove_own_clsact(sk, config, kind, ifindex, ifname);
	r2 = managed_link_restore_qdisc(sk, config, kind, ifindex, ifname);
	if (r < 0 || r2 < 0)
		return r < 0 ? r : r2;
	state_path(config, kind, ifname, "attached", path, sizeof(path));
	unlink(path);
	log_info("%s '%s': detached%s", kind->label, ifname, r2 > 0 ? ", root qdisc restored" : "");
	return 0;
}

void managed_link_forget(const struct bwm_config *config, const struct managed_kind *kind,
			 const char *ifname)
{
	static const char *const suffixes[] = { "attached", "qdisc", "clsact" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		state_path(config, kind, ifname, suffixes[i], path, sizeof(path));
		unlink(path);
	}
}

int managed_link_cleanup(struct nl_sock *sk, const struct bwm_config *config,
			 const struct managed_kind *kind, managed_link_keep_fn keep, void *userdata)
{
	char dir_path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(dir_path, sizeof(dir_path), "%s/%s", config->state_dir, kind->subdir);
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
		if (keep && keep(ifname, ifindex, userdata))
			continue;
		if (ifindex == 0) {
			log_info("%s '%s' no longer exists, forgetting it", kind->label, ifname);
			managed_link_forget(config, kind, ifname);
			continue;
		}
		k = managed_link_teardown(sk, config, kind, ifindex, ifname);
		if (k < 0)
			r = k;
	}
	closedir(d);
	return r;
}
