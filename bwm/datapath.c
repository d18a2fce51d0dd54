// SPDX-License-Identifier: GPL-2.0-only
#include "datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bwm.skel.h"
#include "log.h"
#include "mark.h"
#include "nl_request.h"
#include "pod_counters.h"
#include "util.h"

/* Fixed so that a new bwmd replaces the old filter in place, atomically:
 * enforcement never stops across a restart or upgrade. "bwm" in ASCII. */
#define BWM_TC_HANDLE 0x62776d
#define BWM_TC_PRIORITY 1

struct datapath {
	struct bwm_bpf *skel;
	char *pin_dir;
	uint32_t max_pods;
	struct bwm_settings settings;   /* as written to bwm_settings[0] */
};

static int pin_program(struct bpf_program *prog, const char *pin_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_program__name(prog));
	/* The previous bwmd's program stays attached until replaced; only its
	 * pin goes. */
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return bpf_program__pin(prog, path);
}

static int set_capacity(struct bwm_bpf *skel, uint32_t max_pods, uint32_t max_flows)
{
	struct bpf_map *per_pod[] = {
		skel->maps.bwm_pod_by_ifindex, skel->maps.bwm_pod_limits,
		skel->maps.bwm_pod_state, skel->maps.bwm_pod_counters, skel->maps.bwm_pod_meta,
		skel->maps.bwm_pod_ingress_limits, skel->maps.bwm_pod_ingress_state,
		skel->maps.bwm_pod_ingress_counters, skel->maps.bwm_pod_links,
		skel->maps.bwm_pod_link_counters,
	};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(per_pod); i++) {
		r = bpf_map__set_max_entries(per_pod[i], max_pods);
		if (r < 0)
			return r;
	}
	r = bpf_map__set_max_entries(skel->maps.bwm_flows, max_flows);
	if (r < 0)
		return r;
	/* Dual-stack pods have two addresses, some more. */
	return bpf_map__set_max_entries(skel->maps.bwm_pod_by_addr, max_pods * 4);
}

/*
 * libbpf reuses a pinned map only if it matches the object's definition,
 * and then fails the whole load with -EINVAL. Said here per map, with what
 * differs: another bwm version's layout, or max_pods / max_flows changed.
 * Reusing them anyway would mean reading one layout as another.
 */
static int check_pinned_maps(struct bwm_bpf *skel, const char *pin_dir)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj) {
		const char *path = bpf_map__pin_path(map);   /* set by pin_root_path */
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		int fd, r;

		if (!path)
			continue;   /* not a pinned map (.rodata, ...) */
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;   /* not pinned yet: made afresh */
		r = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (r < 0)
			return log_error_errno(errno, "'%s' is not a BPF map: %m; 'bwmd --cleanup' removes "
					       "what is pinned under '%s'", path, pin_dir);
		if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    info.max_entries != bpf_map__max_entries(map))
			return log_error_errno(EPROTO, "Pinned map '%s' has type %u, key %u, value %u bytes "
					       "and %u entries; this bwmd needs %u, %u, %u and %u (pinned by "
					       "another bwm version, or max_pods / max_flows changed): "
					       "'bwmd --cleanup' removes the pins, and enforcement with them, "
					       "until bwmd starts again", path, info.type, info.key_size,
					       info.value_size, info.max_entries, bpf_map__type(map),
					       bpf_map__key_size(map), bpf_map__value_size(map),
					       bpf_map__max_entries(map));
	}
	return 0;
}

#define BPFFS_ROOT "/sys/fs/bpf"

/* systemd mounts bpffs at boot; 'ip netns exec' and minimal containers do
 * not, so mount it where the pin directory expects it. */
static int ensure_bpffs(const char *pin_dir)
{
	struct statfs st;

	if (strncmp(pin_dir, BPFFS_ROOT "/", strlen(BPFFS_ROOT "/")) != 0)
		return 0;
	if (statfs(BPFFS_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return log_error_errno(errno, "Failed to mount bpffs on %s: %m", BPFFS_ROOT);
	log_info("Mounted bpffs on %s", BPFFS_ROOT);
	return 0;
}

int datapath_prepare_pin_dir(const char *pin_dir)
{
	int r = ensure_bpffs(pin_dir);

	if (r < 0)
		return r;
	r = mkdir_p(pin_dir, 0700);
	if (r < 0)
		return log_error_errno(r, "Failed to create pin directory '%s': %m (is bpffs mounted?)",
				       pin_dir);
	return 0;
}

int datapath_open(const struct datapath_options *options, struct datapath **ret)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = options->pin_dir);
	_cleanup_free_ struct datapath *dp = calloc(1, sizeof(*dp));
	struct bpf_program *prog;
	int r;

	if (!dp)
		return -ENOMEM;
	dp->max_pods = options->max_pods;
	dp->pin_dir = strdup(options->pin_dir);
	if (!dp->pin_dir)
		return -ENOMEM;

	r = datapath_prepare_pin_dir(options->pin_dir);
	if (r < 0) {
		free(dp->pin_dir);
		return r;
	}

	dp->skel = bwm_bpf__open_opts(&open_opts);
	if (!dp->skel) {
		r = -errno;
		free(dp->pin_dir);
		return log_error_errno(r, "Failed to open the BPF object: %m");
	}
	r = set_capacity(dp->skel, options->max_pods, options->max_flows ? options->max_flows : 65536);
	if (r >= 0)
		r = check_pinned_maps(dp->skel, options->pin_dir);
	if (r == -EPROTO) {
		bwm_bpf__destroy(dp->skel);
		free(dp->pin_dir);
		return r;
	}
	if (r >= 0)
		r = bwm_bpf__load(dp->skel);
	if (r < 0) {
		bwm_bpf__destroy(dp->skel);
		free(dp->pin_dir);
		if (r == -EPERM)
			return log_error_errno(r, "Failed to load the BPF programs: %m "
					       "(needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, or root)");
		if (r == -EINVAL)
			return log_error_errno(r, "Failed to load the BPF programs: %m (maps pinned under '%s' "
					       "by another bwm version, or max_pods/max_flows changed? 'bwmd --cleanup' removes them)",
					       options->pin_dir);
		return log_error_errno(r, "Failed to load the BPF programs: %m");
	}

	bpf_object__for_each_program(prog, dp->skel->obj) {
		r = pin_program(prog, options->pin_dir);
		if (r < 0) {
			log_error_errno(r, "Failed to pin program '%s' under '%s': %m",
					bpf_program__name(prog), options->pin_dir);
			dp = datapath_close(TAKE_PTR(dp));
			return r;
		}
	}

	dp->settings.flags = options->queue_fix ? BWM_SETTING_QUEUE_FIX : 0;
	r = datapath_set_pod_mark(dp, options->pod_mark_mask);
	if (r < 0) {
		dp = datapath_close(TAKE_PTR(dp));
		return log_error_errno(r, "Failed to write datapath settings: %m");
	}
	*ret = TAKE_PTR(dp);
	return 0;
}

struct datapath *datapath_close(struct datapath *dp)
{
	if (!dp)
		return NULL;
	bwm_bpf__destroy(dp->skel);
	free(dp->pin_dir);
	free(dp);
	return NULL;
}

int datapath_prog_fd(struct datapath *dp, bool l3)
{
	return bpf_program__fd(l3 ? dp->skel->progs.bwm_egress_l3 : dp->skel->progs.bwm_egress_eth);
}

int datapath_pod_prog_fd(struct datapath *dp, bool to_pod, bool l3)
{
	if (to_pod)
		return bpf_program__fd(l3 ? dp->skel->progs.bwm_topod_l3 : dp->skel->progs.bwm_topod_eth);
	return bpf_program__fd(l3 ? dp->skel->progs.bwm_frompod_l3 : dp->skel->progs.bwm_frompod_eth);
}

static int write_settings(struct datapath *dp)
{
	uint32_t key = 0;

	return bpf_map__update_elem(dp->skel->maps.bwm_settings, &key, sizeof(key),
				    &dp->settings, sizeof(dp->settings), BPF_ANY);
}

int datapath_set_queue_fix(struct datapath *dp, bool on)
{
	dp->settings.flags = (dp->settings.flags & ~BWM_SETTING_QUEUE_FIX) |
			     (on ? BWM_SETTING_QUEUE_FIX : 0);
	return write_settings(dp);
}

int datapath_set_pod_mark(struct datapath *dp, uint32_t mask)
{
	dp->settings.flags &= ~BWM_SETTING_POD_MARK;
	dp->settings.pod_mark_mask = mask;
	dp->settings.pod_mark_shift = mask ? mark_mask_shift(mask) : 0;
	if (mask)
		dp->settings.flags |= BWM_SETTING_POD_MARK;
	return write_settings(dp);
}

static void tc_hook(struct bpf_tc_hook *hook, int ifindex, enum bpf_tc_attach_point where)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = where;
}

static void egress_hook(struct bpf_tc_hook *hook, int ifindex)
{
	tc_hook(hook, ifindex, BPF_TC_EGRESS);
}

static const char *hook_name(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? "ingress" : "egress";
}

/* clsact on ifindex, for the hook where; *ret_created_clsact: bwm made it. */
static int ensure_clsact(struct bpf_tc_hook *hook, int ifindex, const char *ifname,
			 enum bpf_tc_attach_point where, bool *ret_created_clsact)
{
	int r;

	tc_hook(hook, ifindex, where);
	/* Another tool's clsact is fine to share. */
	r = bpf_tc_hook_create(hook);
	if (r < 0 && r != -EEXIST)
		return log_error_errno(r, "Failed to create clsact on '%s': %m", ifname);
	*ret_created_clsact |= r == 0;
	return 0;
}

/* prog_fd at clsact's hook where; *ret_created_clsact: bwm made clsact. */
static int attach_at(int ifindex, const char *ifname, enum bpf_tc_attach_point where, int prog_fd,
		     bool *ret_created_clsact)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BWM_TC_HANDLE, .priority = BWM_TC_PRIORITY,
		    .flags = BPF_TC_F_REPLACE, .prog_fd = prog_fd);
	struct bpf_tc_hook hook;
	int r;

	r = ensure_clsact(&hook, ifindex, ifname, where, ret_created_clsact);
	if (r < 0)
		return r;
	r = bpf_tc_attach(&hook, &opts);
	if (r < 0)
		return log_error_errno(r, "Failed to attach the %s program to '%s': %m", hook_name(where),
				       ifname);
	return 0;
}

/*
 * attach_at() for a pod's interface: the filter bpf_tc_attach() makes
 * (direct action, bwm's handle and priority, replacing bwm's older one;
 * its name as libbpf gives it), and the classid that carries the pod's id
 * (bwm_maps.h), which libbpf 1.1's bpf_tc_opts cannot carry.
 */
static int attach_pod_filter(struct nl_sock *sk, int ifindex, const char *ifname,
			     enum bpf_tc_attach_point where, int prog_fd, uint32_t pod,
			     bool *ret_created_clsact)
{
	_cleanup_(nl_msg_freep) struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWTFILTER, NLM_F_CREATE);
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC,
		.tcm_ifindex = ifindex,
		.tcm_handle = BWM_TC_HANDLE,
		.tcm_parent = TC_H_MAKE(TC_H_CLSACT,
					where == BPF_TC_INGRESS ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS),
		.tcm_info = TC_H_MAKE(BWM_TC_PRIORITY << 16, htons(ETH_P_ALL)),
	};
	struct bpf_prog_info info = {};
	uint32_t info_len = sizeof(info);
	char name[BPF_OBJ_NAME_LEN + 16], extack[256];
	struct bpf_tc_hook hook;
	struct nlattr *opts;
	int r;

	if (pod > 0xffff)
		return log_error_errno(ERANGE, "Pod id %u does not fit a classid", pod);
	r = bpf_obj_get_info_by_fd(prog_fd, &info, &info_len);
	if (r < 0)
		return log_error_errno(errno, "Failed to read the %s program's id: %m", hook_name(where));
	snprintf(name, sizeof(name), "%s:[%u]", info.name, info.id);
	r = ensure_clsact(&hook, ifindex, ifname, where, ret_created_clsact);
	if (r < 0)
		return r;
	if (!msg || nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, TCA_KIND, "bpf") < 0 || !(opts = nla_nest_start(msg, TCA_OPTIONS)) ||
	    nla_put_u32(msg, TCA_BPF_FD, (uint32_t)prog_fd) < 0 ||
	    nla_put_string(msg, TCA_BPF_NAME, name) < 0 ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0 ||
	    nla_put_u32(msg, TCA_BPF_CLASSID, TC_H_MAKE(BWM_POD_CLASSID_MAJOR << 16, pod)) < 0)
		return log_error_errno(ENOMEM, "Pod interface '%s': failed to build the filter request: %m",
				       ifname);
	nla_nest_end(msg, opts);
	r = nl_request(sk, msg, NULL, NULL, extack, sizeof(extack));
	if (r < 0)
		return log_error_errno(r, "Failed to attach the %s program to '%s': %m%s%s",
				       hook_name(where), ifname, *extack ? ": " : "", extack);
	return 0;
}

static int detach_at(int ifindex, const char *ifname, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BWM_TC_HANDLE, .priority = BWM_TC_PRIORITY);
	struct bpf_tc_hook hook;
	int r;

	tc_hook(&hook, ifindex, where);
	r = bpf_tc_detach(&hook, &opts);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		return log_error_errno(r, "Failed to detach the %s program from '%s': %m", hook_name(where),
				       ifname);
	return 0;
}

int datapath_attach(struct datapath *dp, int ifindex, const char *ifname, bool l3,
		    bool *ret_created_clsact)
{
	*ret_created_clsact = false;
	return attach_at(ifindex, ifname, BPF_TC_EGRESS, datapath_prog_fd(dp, l3), ret_created_clsact);
}

int datapath_attach_pod(struct datapath *dp, struct nl_sock *sk, int ifindex, const char *ifname,
			bool l3, uint32_t pod, bool *ret_created_clsact)
{
	int r;

	*ret_created_clsact = false;
	r = attach_pod_filter(sk, ifindex, ifname, BPF_TC_INGRESS, datapath_pod_prog_fd(dp, false, l3),
			      pod, ret_created_clsact);
	if (r >= 0)
		r = attach_pod_filter(sk, ifindex, ifname, BPF_TC_EGRESS,
				      datapath_pod_prog_fd(dp, true, l3), pod, ret_created_clsact);
	return r;
}

bool datapath_is_attached(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = BWM_TC_HANDLE, .priority = BWM_TC_PRIORITY);
	struct bpf_tc_hook hook;

	egress_hook(&hook, ifindex);
	return bpf_tc_query(&hook, &opts) == 0;
}

int datapath_detach(int ifindex, const char *ifname)
{
	return detach_at(ifindex, ifname, BPF_TC_EGRESS);
}

int datapath_detach_pod(int ifindex, const char *ifname)
{
	int r = detach_at(ifindex, ifname, BPF_TC_INGRESS);
	int r2 = detach_at(ifindex, ifname, BPF_TC_EGRESS);

	return r < 0 ? r : r2;
}

int datapath_remove_clsact(int ifindex, const char *ifname)
{
	struct bpf_tc_hook hook;
	int r;

	egress_hook(&hook, ifindex);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	r = bpf_tc_hook_destroy(&hook);
	if (r < 0 && r != -ENOENT)
		return log_warning_errno(r, "Failed to remove clsact from '%s': %m", ifname);
	return 0;
}

/* The map a classifier key lives in, and its key as that map takes it. */
static struct bpf_map *key_map(struct datapath *dp, const struct plan_key *key, const void **ret_raw,
			       size_t *ret_size)
{
	if (key->ifindex) {
		*ret_raw = &key->ifindex;
		*ret_size = sizeof(key->ifindex);
		return dp->skel->maps.bwm_pod_by_ifindex;
	}
	*ret_raw = &key->addr;
	*ret_size = sizeof(key->addr);
	return dp->skel->maps.bwm_pod_by_addr;
}

static int check_id(const struct datapath *dp, uint32_t id)
{
	return id == 0 || id >= dp->max_pods ? -ERANGE : 0;
}

int datapath_pod_new(struct datapath *dp, uint32_t id, const struct bwm_pod_limit *limit,
		     const struct bwm_pod_limit *ingress_limit)
{
	struct bwm_pod_state zero = {};
	struct bwm_pod_link no_link = {};
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	r = bpf_map__update_elem(dp->skel->maps.bwm_pod_state, &id, sizeof(id), &zero, sizeof(zero),
				 BPF_ANY);
	if (r >= 0)
		r = pod_counters_zero(bpf_map__fd(dp->skel->maps.bwm_pod_counters), id);
	/* Issue 16: the pod's ingress clock, its interface's counters and
	 * flags, as a previous holder of the id left them, go too. */
	if (r >= 0)
		r = bpf_map__update_elem(dp->skel->maps.bwm_pod_ingress_state, &id, sizeof(id), &zero,
					 sizeof(zero), BPF_ANY);
	if (r >= 0)
		r = pod_counters_zero(bpf_map__fd(dp->skel->maps.bwm_pod_ingress_counters), id);
	if (r >= 0)
		r = pod_link_counters_zero(bpf_map__fd(dp->skel->maps.bwm_pod_link_counters), id);
	if (r >= 0)
		r = bpf_map__update_elem(dp->skel->maps.bwm_pod_links, &id, sizeof(id), &no_link,
					 sizeof(no_link), BPF_ANY);
	if (r < 0)
		return r;
	return datapath_pod_set_limits(dp, id, limit, ingress_limit);
}

int datapath_pod_set_limits(struct datapath *dp, uint32_t id, const struct bwm_pod_limit *limit,
			    const struct bwm_pod_limit *ingress_limit)
{
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	r = bpf_map__update_elem(dp->skel->maps.bwm_pod_ingress_limits, &id, sizeof(id),
				 ingress_limit, sizeof(*ingress_limit), BPF_ANY);
	if (r < 0)
		return r;
	return bpf_map__update_elem(dp->skel->maps.bwm_pod_limits, &id, sizeof(id), limit,
				    sizeof(*limit), BPF_ANY);
}

int datapath_pod_set_link(struct datapath *dp, uint32_t id, const struct bwm_pod_link *link)
{
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	return bpf_map__update_elem(dp->skel->maps.bwm_pod_links, &id, sizeof(id), link,
				    sizeof(*link), BPF_ANY);
}

int datapath_pod_link(struct datapath *dp, uint32_t id, struct bwm_pod_link *ret)
{
	return bpf_map__lookup_elem(dp->skel->maps.bwm_pod_links, &id, sizeof(id), ret, sizeof(*ret), 0);
}

int datapath_pod_set_meta(struct datapath *dp, uint32_t id, const struct bwm_pod_meta *meta)
{
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	if (meta->naddrs > BWM_MAX_ADDRS_PER_POD)
		return -E2BIG;
	return bpf_map__update_elem(dp->skel->maps.bwm_pod_meta, &id, sizeof(id), meta, sizeof(*meta),
				    BPF_ANY);
}

int datapath_pod_drop(struct datapath *dp, uint32_t id)
{
	struct bwm_pod_limit no_limit = {};
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	r = datapath_pod_set_limits(dp, id, &no_limit, &no_limit);
	if (r < 0)
		return r;
	r = bpf_map__delete_elem(dp->skel->maps.bwm_pod_meta, &id, sizeof(id), 0);
	return r == -ENOENT ? 0 : r;
}

int datapath_key_set(struct datapath *dp, const struct plan_key *key, uint32_t id)
{
	const void *raw;
	size_t size;
	struct bpf_map *map = key_map(dp, key, &raw, &size);
	int r = check_id(dp, id);

	if (r < 0)
		return r;
	return bpf_map__update_elem(map, raw, size, &id, sizeof(id), BPF_ANY);
}

int datapath_key_delete(struct datapath *dp, const struct plan_key *key, uint32_t id)
{
	const void *raw;
	size_t size;
	struct bpf_map *map = key_map(dp, key, &raw, &size);
	uint32_t holder;
	int r;

	/* bwmd is the maps' only writer (it holds the pin directory's lock),
	 * so what it reads here is still true when it deletes. */
	r = bpf_map__lookup_elem(map, raw, size, &holder, sizeof(holder), 0);
	if (r == -ENOENT || (r >= 0 && holder != id))
		return 0;
	if (r < 0)
		return r;
	r = bpf_map__delete_elem(map, raw, size, 0);
	return r == -ENOENT ? 0 : r;
}

int datapath_pod_update(struct datapath *dp, uint32_t id, const struct bwm_pod_meta *meta,
			const struct bwm_pod_limit *limit, const struct bwm_pod_limit *ingress_limit)
{
	static const struct bwm_pod_limit no_limit;
	struct plan_have_key keys[1 + BWM_MAX_ADDRS_PER_POD];
	size_t n = plan_meta_keys(meta, id, keys);
	struct bwm_pod_meta old;
	int r;

	if (meta->naddrs > BWM_MAX_ADDRS_PER_POD)
		return -E2BIG;
	if (!ingress_limit)
		ingress_limit = &no_limit;
	r = bpf_map__lookup_elem(dp->skel->maps.bwm_pod_meta, &id, sizeof(id), &old, sizeof(old), 0);
	r = r == 0 ? datapath_pod_set_limits(dp, id, limit, ingress_limit) :
		     datapath_pod_new(dp, id, limit, ingress_limit);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = datapath_key_set(dp, &keys[i].key, id);
	return r < 0 ? r : datapath_pod_set_meta(dp, id, meta);
}

int datapath_pod_remove(struct datapath *dp, uint32_t id)
{
	struct plan_have_key keys[1 + BWM_MAX_ADDRS_PER_POD];
	struct bwm_pod_meta old;
	size_t n;
	int r;

	r = bpf_map__lookup_elem(dp->skel->maps.bwm_pod_meta, &id, sizeof(id), &old, sizeof(old), 0);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	n = plan_meta_keys(&old, id, keys);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = datapath_key_delete(dp, &keys[i].key, id);
	return r < 0 ? r : datapath_pod_drop(dp, id);
}

int datapath_pod_foreach(struct datapath *dp, datapath_pod_fn fn, void *userdata)
{
	struct bpf_map *map = dp->skel->maps.bwm_pod_meta;
	uint32_t key, next;
	void *prev = NULL;
	int r;

	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		struct bwm_pod_meta meta;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &meta, sizeof(meta), 0) < 0)
			continue;
		meta.name[sizeof(meta.name) - 1] = '\0';
		meta.ifname[sizeof(meta.ifname) - 1] = '\0';
		r = fn(key, &meta, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Walks one classifier map; a key deleted meanwhile is skipped. */
static int foreach_key_of(struct bpf_map *map, bool by_ifindex, datapath_key_fn fn, void *userdata)
{
	struct plan_key key = {}, next = {};
	void *raw = by_ifindex ? (void *)&key.ifindex : (void *)&key.addr;
	void *raw_next = by_ifindex ? (void *)&next.ifindex : (void *)&next.addr;
	size_t size = by_ifindex ? sizeof(key.ifindex) : sizeof(key.addr);
	bool first = true;
	int r;

	while (bpf_map__get_next_key(map, first ? NULL : raw, raw_next, size) == 0) {
		uint32_t id;

		first = false;
		key = next;
		if (bpf_map__lookup_elem(map, raw, size, &id, sizeof(id), 0) < 0)
			continue;
		r = fn(&key, id, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

int datapath_key_foreach(struct datapath *dp, datapath_key_fn fn, void *userdata)
{
	int r = foreach_key_of(dp->skel->maps.bwm_pod_by_ifindex, true, fn, userdata);

	return r < 0 ? r : foreach_key_of(dp->skel->maps.bwm_pod_by_addr, false, fn, userdata);
}

int datapath_pod_read(struct datapath *dp, uint32_t id, struct bwm_pod_limit *ret_limit,
		      struct bwm_pod_state *ret_state)
{
	struct bwm_pod_limit limit;
	struct bwm_pod_state state;
	int r;

	r = bpf_map__lookup_elem(dp->skel->maps.bwm_pod_limits, &id, sizeof(id),
				 &limit, sizeof(limit), 0);
	if (r < 0)
		return r;
	r = bpf_map__lookup_elem(dp->skel->maps.bwm_pod_state, &id, sizeof(id),
				 &state, sizeof(state), 0);
	if (r < 0)
		return r;
	*ret_limit = limit;
	*ret_state = state;
	return 0;
}

int datapath_pod_ingress_limit(struct datapath *dp, uint32_t id, struct bwm_pod_limit *ret)
{
	return bpf_map__lookup_elem(dp->skel->maps.bwm_pod_ingress_limits, &id, sizeof(id), ret,
				    sizeof(*ret), 0);
}

int datapath_pod_counters(struct datapath *dp, uint32_t id, struct bwm_pod_counters *ret)
{
	return pod_counters_read(bpf_map__fd(dp->skel->maps.bwm_pod_counters), id, ret);
}

int datapath_pod_ingress_counters(struct datapath *dp, uint32_t id, struct bwm_pod_counters *ret)
{
	return pod_counters_read(bpf_map__fd(dp->skel->maps.bwm_pod_ingress_counters), id, ret);
}

int datapath_pod_link_counters(struct datapath *dp, uint32_t id, struct bwm_pod_link_counters *ret)
{
	return pod_link_counters_read(bpf_map__fd(dp->skel->maps.bwm_pod_link_counters), id, ret);
}

int datapath_unpin(const char *pin_dir)
{
	DIR *d = opendir(pin_dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "bwm_", 4) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			r = -errno;
	}
	closedir(d);
	if (rmdir(pin_dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		r = -errno;
	return r;
}
