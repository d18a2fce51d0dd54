// SPDX-License-Identifier: GPL-2.0-only
#include "bigtcp_links.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigtcp.h"
#include "log.h"
#include "util.h"

#define BIGTCP_STATE_SUBDIR "bigtcp"
#define PEER_SUFFIX ".peer"

struct pod_link {
	int ifindex;
	char ifname[IFNAMSIZ];
};

struct bigtcp_links {
	struct pod_link *pods;   /* pod links that have the size now */
	size_t n_pods;
};

int bigtcp_links_new(struct bigtcp_links **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

struct bigtcp_links *bigtcp_links_free(struct bigtcp_links *b)
{
	if (b) {
		free(b->pods);
		free(b);
	}
	return NULL;
}

/* <state_dir>/bigtcp/<ifname>, or <ifname>.peer for the peer of ifname. */
static void state_path(const struct bwm_config *config, const char *ifname, bool peer,
		       char *buf, size_t size)
{
	snprintf(buf, size, "%s/" BIGTCP_STATE_SUBDIR "/%s%s", config->state_dir, ifname,
		 peer ? PEER_SUFFIX : "");
}

static int write_sizes(const char *path, const struct bigtcp_sizes *s)
{
	char tmp[PATH_MAX];
	FILE *f;
	int r = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%u %u %u %u %u\n", s->gso_max, s->gro_max, s->gso_ipv4_max, s->gro_ipv4_max,
		s->has_ipv4);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		r = -errno;
	fclose(f);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static int read_sizes(const char *path, struct bigtcp_sizes *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	struct bigtcp_sizes s = {};
	unsigned has_ipv4;

	if (!f)
		return -errno;
	if (fscanf(f, "%u %u %u %u %u", &s.gso_max, &s.gro_max, &s.gso_ipv4_max, &s.gro_ipv4_max,
		   &has_ipv4) != 5)
		return -EBADMSG;
	s.has_ipv4 = has_ipv4;
	*ret = s;
	return 0;
}

/* A state file's name -> the interface it is about, and whether it is
 * about that interface's veth peer. False for anything else. */
static bool parse_state_name(const char *name, char ifname[IFNAMSIZ], bool *ret_peer)
{
	size_t len = strlen(name), suffix = strlen(PEER_SUFFIX);
	bool peer = len > suffix && strcmp(name + len - suffix, PEER_SUFFIX) == 0;

	if (peer)
		len -= suffix;
	if (name[0] == '.' || len == 0 || len >= IFNAMSIZ || memchr(name, '.', len))
		return false;
	memcpy(ifname, name, len);
	ifname[len] = '\0';
	*ret_peer = peer;
	return true;
}

static int ensure_state_dir(const struct bwm_config *config)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" BIGTCP_STATE_SUBDIR, config->state_dir);
	return mkdir_p(path, 0700);
}

/* Records the link's sizes (unless an earlier bwmd did), then sets the size.
 * sk is a socket in the link's own namespace. */
static void apply_link(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
		       const char *label, const char *path)
{
	struct bigtcp_sizes now, ignored;
	int r;

	r = bigtcp_read(sk, -1, ifindex, &now);
	if (r < 0) {
		log_warning_errno(r, "BIG TCP: cannot read the sizes of %s: %m", label);
		return;
	}
	if (config->bigtcp_enable < 0 && !bigtcp_supported(&now)) {
		log_debug("BIG TCP: %s does not support it, left alone", label);
		return;
	}
	if (access(path, F_OK) < 0) {
		r = ensure_state_dir(config);
		if (r >= 0)
			r = write_sizes(path, &now);
		if (r < 0) {
			log_warning_errno(r, "BIG TCP: cannot record the sizes of %s in '%s', left alone: %m",
					  label, path);
			return;
		}
	}
	/* bigtcp_apply() caps, rolls back and says why on failure. */
	r = bigtcp_apply(sk, ifindex, label, config->bigtcp_size, &ignored);
	if (r < 0)
		unlink(path);
	else
		log_debug("BIG TCP: %s set to %u", label, config->bigtcp_size);
}

static void restore_link(struct nl_sock *sk, int ifindex, const char *label, const char *path)
{
	struct bigtcp_sizes before;
	int r = read_sizes(path, &before);

	if (r < 0) {
		log_warning_errno(r, "BIG TCP: cannot read '%s'; %s keeps its sizes: %m", path, label);
		unlink(path);
		return;
	}
	if (ifindex > 0 && bigtcp_restore(sk, ifindex, label, &before) >= 0)
		log_debug("BIG TCP: %s restored", label);
	unlink(path);
}

/* A socket in the namespace of host_ifindex's veth peer, and the peer's
 * index there. Writes must go through a socket in that namespace: see
 * bigtcp_socket_new_in_nsid(). */
static int open_peer(struct nl_sock *sk, int host_ifindex, struct nl_sock **ret_sk,
		     int *ret_peer_ifindex)
{
	int netnsid, peer, r;

	r = bigtcp_peer_of(sk, host_ifindex, &netnsid, &peer);
	if (r < 0)
		return r;
	r = bigtcp_socket_new_in_nsid(sk, netnsid, ret_sk);
	if (r < 0)
		return r;
	*ret_peer_ifindex = peer;
	return 0;
}

static void apply_pod_link(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
			   const char *ifname)
{
	char path[PATH_MAX], label[64];
	struct nl_sock *peer_sk = NULL;
	int peer, r;

	if (config->bigtcp_pod_links) {
		snprintf(label, sizeof(label), "'%s'", ifname);
		state_path(config, ifname, false, path, sizeof(path));
		apply_link(sk, config, ifindex, label, path);
	}
	if (!config->bigtcp_pod_peers)
		return;
	r = open_peer(sk, ifindex, &peer_sk, &peer);
	if (r < 0) {
		log_debug_errno(r, "BIG TCP: no veth peer of '%s' to set: %m", ifname);
		return;
	}
	snprintf(label, sizeof(label), "the pod end of '%s'", ifname);
	state_path(config, ifname, true, path, sizeof(path));
	apply_link(peer_sk, config, peer, label, path);
	bigtcp_socket_free(peer_sk);
}

static void restore_pod_link(struct nl_sock *sk, const struct bwm_config *config, int ifindex,
			     const char *ifname)
{
	char path[PATH_MAX], label[64];
	struct nl_sock *peer_sk = NULL;
	int peer = 0;

	state_path(config, ifname, true, path, sizeof(path));
	if (access(path, F_OK) == 0) {
		snprintf(label, sizeof(label), "the pod end of '%s'", ifname);
		if (ifindex > 0 && open_peer(sk, ifindex, &peer_sk, &peer) >= 0) {
			restore_link(peer_sk, peer, label, path);
			bigtcp_socket_free(peer_sk);
		} else {
			unlink(path);   /* the pair is gone, and its sizes with it */
		}
	}
	state_path(config, ifname, false, path, sizeof(path));
	if (access(path, F_OK) == 0) {
		snprintf(label, sizeof(label), "'%s'", ifname);
		restore_link(sk, ifindex, label, path);
	}
}

void bigtcp_links_uplink(struct bigtcp_links *b, struct nl_sock *sk,
			 const struct bwm_config *config, int ifindex, const char *ifname)
{
	char path[PATH_MAX], label[64];

	if (!config->bigtcp_enable || !config->bigtcp_uplinks)
		return;
	snprintf(label, sizeof(label), "uplink '%s'", ifname);
	state_path(config, ifname, false, path, sizeof(path));
	apply_link(sk, config, ifindex, label, path);
}

static bool listed(const int *ifindexes, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (ifindexes[i] == ifindex)
			return true;
	return false;
}

void bigtcp_links_pods(struct bigtcp_links *b, struct nl_sock *sk, const struct bwm_config *config,
		       const int *ifindexes, char *const *ifnames, size_t n)
{
	struct pod_link *now;
	size_t kept = 0;

	if (!config->bigtcp_enable)
		n = 0;
	now = calloc(n ? n : 1, sizeof(*now));
	if (!now)
		return;
	/* Gone from the list (pod removed, or its interface): sizes back. A
	 * deleted interface took its sizes with it; restore_link copes. */
	for (size_t i = 0; i < b->n_pods; i++)
		if (!listed(ifindexes, n, b->pods[i].ifindex))
			restore_pod_link(sk, config,
					 (int)if_nametoindex(b->pods[i].ifname) == b->pods[i].ifindex ?
					 b->pods[i].ifindex : 0, b->pods[i].ifname);
	for (size_t i = 0; i < n; i++) {
		bool known = false;

		for (size_t j = 0; j < b->n_pods; j++)
			known |= b->pods[j].ifindex == ifindexes[i];
		if (!known)
			apply_pod_link(sk, config, ifindexes[i], ifnames[i]);
		now[kept].ifindex = ifindexes[i];
		snprintf(now[kept].ifname, sizeof(now[kept].ifname), "%s", ifnames[i]);
		kept++;
	}
	free(b->pods);
	b->pods = now;
	b->n_pods = kept;
}

int bigtcp_links_restore_all(struct bigtcp_links *b, struct nl_sock *sk,
			     const struct bwm_config *config)
{
	char dir_path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (b)
		b->n_pods = 0;
	snprintf(dir_path, sizeof(dir_path), "%s/" BIGTCP_STATE_SUBDIR, config->state_dir);
	d = opendir(dir_path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char ifname[IFNAMSIZ], path[PATH_MAX], label[64];
		bool peer;

		if (!parse_state_name(de->d_name, ifname, &peer))
			continue;
		if (peer) {
			restore_pod_link(sk, config, (int)if_nametoindex(ifname), ifname);
			continue;
		}
		snprintf(label, sizeof(label), "'%s'", ifname);
		state_path(config, ifname, false, path, sizeof(path));
		if (access(path, F_OK) == 0)   /* not restored with its peer already */
			restore_link(sk, (int)if_nametoindex(ifname), label, path);
	}
	closedir(d);
	return 0;
}

static void print_sizes_json(FILE *out, const struct bigtcp_sizes *s)
{
	fprintf(out, "{\"gso_max_size\":%u,\"gro_max_size\":%u", s->gso_max, s->gro_max);
	if (s->has_ipv4)
		fprintf(out, ",\"gso_ipv4_max_size\":%u,\"gro_ipv4_max_size\":%u", s->gso_ipv4_max,
			s->gro_ipv4_max);
	fputc('}', out);
}

static void print_sizes_text(FILE *out, const struct bigtcp_sizes *s)
{
	if (s->has_ipv4)
		fprintf(out, "%8u %8u %9u %9u", s->gso_max, s->gro_max, s->gso_ipv4_max, s->gro_ipv4_max);
	else
		fprintf(out, "%8u %8u %9s %9s", s->gso_max, s->gro_max, "-", "-");
}

/* The sizes a recorded link has now; the peer is read through its nsid. */
static int read_now(struct nl_sock *sk, const char *ifname, bool peer, struct bigtcp_sizes *ret)
{
	int ifindex = (int)if_nametoindex(ifname);
	int netnsid = -1, r;

	if (ifindex <= 0)
		return -ENODEV;
	if (peer) {
		r = bigtcp_peer_of(sk, ifindex, &netnsid, &ifindex);
		if (r < 0)
			return r;
	}
	return bigtcp_read(sk, netnsid, ifindex, ret);
}

int bigtcp_links_print(FILE *out, struct nl_sock *sk, const struct bwm_config *config, bool json)
{
	char dir_path[PATH_MAX];
	struct dirent *de;
	int shown = 0;
	DIR *d;

	snprintf(dir_path, sizeof(dir_path), "%s/" BIGTCP_STATE_SUBDIR, config->state_dir);
	d = opendir(dir_path);
	if (!d && errno != ENOENT)
		return -errno;
	if (json)
		fprintf(out, "{\"links\":[");
	else
		fprintf(out, "%-28s %8s %8s %9s %9s   %s\n", "LINK (BIG TCP)", "GSO", "GRO", "GSO-IPv4",
			"GRO-IPv4", "BEFORE BWM (GSO/GRO)");
	while (d && (de = readdir(d))) {
		char ifname[IFNAMSIZ], path[PATH_MAX], label[64];
		struct bigtcp_sizes now, before;
		bool peer;

		if (!parse_state_name(de->d_name, ifname, &peer))
			continue;
		state_path(config, ifname, peer, path, sizeof(path));
		if (read_sizes(path, &before) < 0 || read_now(sk, ifname, peer, &now) < 0)
			continue;
		snprintf(label, sizeof(label), "%s%s", ifname, peer ? " (pod end)" : "");
		if (json) {
			fprintf(out, "%s{\"link\":\"%s\",\"pod_end\":%s,\"now\":", shown ? "," : "",
				ifname, peer ? "true" : "false");
			print_sizes_json(out, &now);
			fprintf(out, ",\"before\":");
			print_sizes_json(out, &before);
			fputc('}', out);
		} else {
			fprintf(out, "%-28s ", label);
			print_sizes_text(out, &now);
			fprintf(out, "   %u/%u\n", before.gso_max, before.gro_max);
		}
		shown++;
	}
	if (json)
		fprintf(out, "]}\n");
	if (d)
		closedir(d);
	return shown;
}
