// SPDX-License-Identifier: GPL-2.0-only
#include "podspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "quantity.h"
#include "util.h"

#define KUBELET_DATA_LINK "..data"
/* Opens of ..data that may race with kubelet's swaps before giving up. */
#define DATA_SWAP_ATTEMPTS 3

struct reporter {
	bwm_problem_fn on_problem;
	void *userdata;
	int n_problems;
};

static void report(struct reporter *rep, const struct bwm_annotation *a, const char *reason)
{
	struct bwm_annotation_problem problem = {
		a ? a->line : 0, a ? a->key : NULL, a ? a->value : NULL, reason
	};

	if (rep->on_problem)
		rep->on_problem(&problem, rep->userdata);
	rep->n_problems++;
}

const char *podspec_check_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return "empty interface name";
	if (len >= IFNAMSIZ)
		return "interface name longer than 15 characters";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "invalid interface name";
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return "invalid interface name";
	return NULL;
}

static bool is_list_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool addr_equal(const struct bwm_pod_addr *a, const struct bwm_pod_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

static const char *parse_one_addr(const char *text, size_t len, struct bwm_pod_addr *ret)
{
	/* Longer than the longest IPv6 text form means invalid, not truncated. */
	char buf[INET6_ADDRSTRLEN];

	if (len >= sizeof(buf))
		return "invalid address";
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &ret->v4) == 1) {
		ret->family = AF_INET;
		return NULL;
	}
	if (inet_pton(AF_INET6, buf, &ret->v6) == 1) {
		ret->family = AF_INET6;
		return NULL;
	}
	return "invalid address";
}

/*
 * "10.0.0.5, fd00::5": all or nothing, so that a typo does not leave a pod
 * half-classified. A blank value is an empty list.
 */
static const char *parse_addrs(const char *value, struct bwm_pod_addr *addrs, size_t *ret_n)
{
	const char *p = value;
	size_t n = 0;

	while (is_list_space(*p))
		p++;
	if (*p == '\0') {
		*ret_n = 0;
		return NULL;
	}
	for (;;) {
		const char *comma = strchrnul(p, ','), *start = p, *end = comma, *reason;

		while (start < end && is_list_space(*start))
			start++;
		while (end > start && is_list_space(end[-1]))
			end--;
		if (start == end)
			return "empty entry in the address list";
		if (n == BWM_POD_MAX_ADDRS)
			return "more than " STRINGIFY(BWM_POD_MAX_ADDRS) " addresses";
		reason = parse_one_addr(start, (size_t)(end - start), &addrs[n]);
		if (reason)
			return reason;
		for (size_t i = 0; i < n; i++)
			if (addr_equal(&addrs[i], &addrs[n]))
				return "duplicate address";
		n++;
		if (*comma == '\0')
			break;
		p = comma + 1;
	}
	*ret_n = n;
	return NULL;
}

bool podspec_is_pod_name(const char *name)
{
	return name[0] != '\0' && name[0] != '.' && !strchr(name, '/') && strlen(name) <= NAME_MAX;
}

static enum podspec_field apply_bandwidth(struct reporter *rep,
					  const struct bwm_annotations *annotations, const char *key,
					  uint64_t *ret_bps)
{
	const struct bwm_annotation *a = annotations_get(annotations, key);
	const char *reason;

	if (!a)
		return PODSPEC_ABSENT;
	if (quantity_parse_bandwidth(a->value, ret_bps, &reason) < 0) {
		report(rep, a, reason);
		return PODSPEC_INVALID;
	}
	return PODSPEC_SET;
}

/* A Kubernetes name for labels: copied if valid, reported if not. */
static void apply_k8s_name(struct reporter *rep, const struct bwm_annotations *annotations,
			   const char *key, bool (*valid)(const char *), char *ret, size_t size)
{
	const struct bwm_annotation *a = annotations_get(annotations, key);

	if (!a)
		return;
	if (!valid(a->value) || strlen(a->value) >= size) {
		report(rep, a, "not a valid Kubernetes name; left out of labels");
		return;
	}
	strcpy(ret, a->value);
}

/* Every key of bwm's own namespace it knows; see podspec.h. */
static const char *const known_bwm_keys[] = {
	BWM_POD_KEY_INTERFACE, BWM_POD_KEY_IPS, BWM_POD_KEY_EGRESS_BURST,
	BWM_POD_KEY_INGRESS_BURST, BWM_POD_KEY_NAMESPACE, BWM_POD_KEY_POD_NAME, BWM_POD_KEY_UID,
	BWM_POD_KEY_CONTAINER_ID, BWM_POD_KEY_CNI_IFNAME, BWM_POD_KEY_NETWORK,
};

/*
 * A misspelt key would silently mean "no such key" (and, for a pod bwm
 * enforces, keep its last value). Kubelet's files carry every annotation of
 * the pod, so only keys that look like bwm's are reported: any bwm.io/ key
 * bwm does not know, and kubernetes.io/ keys about bandwidth other than the
 * two there are.
 */
static void report_unknown_keys(struct reporter *rep, const struct bwm_annotations *annotations)
{
	static const char bwm_prefix[] = "bwm.io/", k8s_prefix[] = "kubernetes.io/";

	for (size_t i = 0; i < annotations->n_items; i++) {
		const struct bwm_annotation *a = &annotations->items[i];
		bool known = false;

		if (strncmp(a->key, bwm_prefix, sizeof(bwm_prefix) - 1) == 0) {
			for (size_t k = 0; k < ARRAY_SIZE(known_bwm_keys); k++)
				known |= strcmp(a->key, known_bwm_keys[k]) == 0;
			if (!known)
				report(rep, a, "unknown bwm.io/ key; ignored");
		} else if (strncmp(a->key, k8s_prefix, sizeof(k8s_prefix) - 1) == 0 &&
			   strstr(a->key, "bandwidth") && strcmp(a->key, BWM_POD_KEY_EGRESS) != 0 &&
			   strcmp(a->key, BWM_POD_KEY_INGRESS) != 0) {
			report(rep, a, "unknown key (" BWM_POD_KEY_EGRESS " or " BWM_POD_KEY_INGRESS
				       "?); ignored");
		}
	}
}

int podspec_from_annotations(const char *pod_name, const struct bwm_annotations *annotations,
			     bwm_problem_fn on_problem, void *userdata, struct bwm_pod_spec *ret)
{
	struct reporter rep = { on_problem, userdata, 0 };
	struct bwm_pod_spec spec = {};
	const struct bwm_annotation *a;
	const char *reason;

	spec.name = strdup(pod_name);
	if (!spec.name)
		return -ENOMEM;

	spec.egress = apply_bandwidth(&rep, annotations, BWM_POD_KEY_EGRESS, &spec.egress_bps);
	spec.ingress = apply_bandwidth(&rep, annotations, BWM_POD_KEY_INGRESS, &spec.ingress_bps);

	a = annotations_get(annotations, BWM_POD_KEY_INTERFACE);
	if (a) {
		reason = podspec_check_ifname(a->value);
		if (reason) {
			report(&rep, a, reason);
			spec.interface = PODSPEC_INVALID;
		} else {
			strcpy(spec.ifname, a->value);
			spec.interface = PODSPEC_SET;
		}
	}

	a = annotations_get(annotations, BWM_POD_KEY_IPS);
	if (a) {
		struct bwm_pod_addr addrs[BWM_POD_MAX_ADDRS];
		size_t n;

		reason = parse_addrs(a->value, addrs, &n);
		if (reason) {
			report(&rep, a, reason);
			spec.ips = PODSPEC_INVALID;
		} else {
			memcpy(spec.addrs, addrs, n * sizeof(addrs[0]));
			spec.n_addrs = n;
			spec.ips = PODSPEC_SET;
		}
	}
	apply_k8s_name(&rep, annotations, BWM_POD_KEY_NAMESPACE, k8s_is_namespace, spec.k8s_namespace,
		       sizeof(spec.k8s_namespace));
	apply_k8s_name(&rep, annotations, BWM_POD_KEY_POD_NAME, k8s_is_pod_name, spec.k8s_pod,
		       sizeof(spec.k8s_pod));
	report_unknown_keys(&rep, annotations);

	*ret = spec;
	return rep.n_problems;
}

/* Refusals of a whole file: reported once, then returned. */
static int refuse(struct reporter *rep, int error, const char *reason)
{
	report(rep, NULL, reason);
	return error;
}

/*
 * Opens kubelet's ..data directory, which must be a directory of the pods
 * directory itself: its ".." is dirfd.
 */
static int open_data_dir(struct reporter *rep, int dirfd)
{
	_cleanup_close_ int fd = -1;
	struct stat dir, parent;
	int r;

	fd = openat(dirfd, KUBELET_DATA_LINK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? refuse(rep, -EXDEV, "..data is not a directory") : -errno;
	if (fstat(dirfd, &dir) < 0 || fstatat(fd, "..", &parent, 0) < 0)
		return -errno;
	if (dir.st_dev != parent.st_dev || dir.st_ino != parent.st_ino)
		return refuse(rep, -EXDEV, "..data leads outside the pods directory");
	r = fd;
	fd = -1;
	return r;
}

/* A visible symlink must be kubelet's "name -> ..data/name". */
static int check_kubelet_symlink(struct reporter *rep, int dirfd, const char *name)
{
	static const char prefix[] = KUBELET_DATA_LINK "/";
	char target[sizeof(prefix) + NAME_MAX + 1];
	ssize_t len = readlinkat(dirfd, name, target, sizeof(target));
	size_t name_len = strlen(name);

	if (len < 0)
		return -errno;
	if ((size_t)len != sizeof(prefix) - 1 + name_len ||
	    memcmp(target, prefix, sizeof(prefix) - 1) != 0 ||
	    memcmp(target + sizeof(prefix) - 1, name, name_len) != 0)
		return refuse(rep, -EXDEV, "symlink other than kubelet's NAME -> ..data/NAME");
	return 0;
}

static int open_pod_file(struct reporter *rep, int dirfd, const char *name)
{
	/* O_NONBLOCK: opening a FIFO must not hang the daemon. */
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW;
	int fd, r;

	fd = openat(dirfd, name, flags);
	if (fd >= 0)
		return fd;
	if (errno != ELOOP)
		return -errno;

	r = check_kubelet_symlink(rep, dirfd, name);
	if (r < 0)
		return r;
	/*
	 * Kubelet removes the old ..<timestamp> directory right after swapping
	 * ..data, so a directory opened just before the swap can lose its files
	 * under us. The new one has them: look again.
	 */
	for (int attempt = 1;; attempt++) {
		_cleanup_close_ int data_fd = open_data_dir(rep, dirfd);

		if (data_fd < 0)
			return data_fd;
		fd = openat(data_fd, name, flags);
		if (fd >= 0)
			return fd;
		if (errno == ELOOP)
			return refuse(rep, -EXDEV, "symlink inside ..data");
		if (errno != ENOENT || attempt == DATA_SWAP_ATTEMPTS)
			return -errno;
	}
}

/* Reads all of fd, refusing files larger than BWM_POD_FILE_MAX. */
static int read_capped(struct reporter *rep, int fd, char **ret_buf, size_t *ret_size)
{
	int r = fd_read_all(fd, BWM_POD_FILE_MAX, ret_buf, ret_size);

	return r == -EFBIG ? refuse(rep, -EFBIG, "larger than 256 KiB") : r;
}

/* Whether another process has the file open for writing: a writer that is
 * not atomic may have written only part of it. Inotify cannot tell (a
 * reconcile asked for by an earlier event may read the file before its own
 * IN_MODIFY is dispatched); the kernel refuses a read lease on a file open
 * for writing (fcntl(2) F_SETLEASE, EAGAIN), and the lease is given back at
 * once. The file's owner needs no CAP_LEASE, and pod files are root's.
 * Where leases are not to be had (a filesystem without them, EINVAL; leases
 * disabled, EACCES), the file is read as it is. */
static bool open_for_writing_elsewhere(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
		(void) fcntl(fd, F_SETLEASE, F_UNLCK);
		return false;
	}
	return errno == EAGAIN;
}

int podspec_load_file(int dirfd, const char *name, bwm_problem_fn on_problem, void *userdata,
		      struct bwm_pod_spec *ret)
{
	struct reporter rep = { on_problem, userdata, 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct bwm_annotations annotations;
	struct stat st;
	size_t size = 0;
	int r, n_problems;

	if (!podspec_is_pod_name(name))
		return refuse(&rep, -EINVAL, "not a pod file name");

	fd = open_pod_file(&rep, dirfd, name);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return refuse(&rep, -EINVAL, "not a regular file");
	/* Whoever can write the file sets the pod's limits. */
	if (st.st_uid != 0)
		return refuse(&rep, -EPERM, "not owned by root");
	if (st.st_mode & S_IWOTH)
		return refuse(&rep, -EPERM, "world-writable");
	if (open_for_writing_elsewhere(fd))
		return -EINPROGRESS;

	r = read_capped(&rep, fd, &buf, &size);
	if (r < 0)
		return r;

	r = annotations_parse(buf, size, on_problem, userdata, &annotations);
	if (r < 0)
		return r;
	n_problems = r;

	r = podspec_from_annotations(name, &annotations, on_problem, userdata, ret);
	annotations_free(&annotations);
	if (r < 0)
		return r;
	return n_problems + r;
}

void podspec_free(struct bwm_pod_spec *spec)
{
	if (!spec)
		return;
	free(spec->name);
	*spec = (struct bwm_pod_spec) {};
}
