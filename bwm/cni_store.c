// SPDX-License-Identifier: GPL-2.0-only
#include "cni_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "cni_podfile.h"
#include "util.h"

static int io_error(struct cni_error *err, int r, const char *what, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s", dir, name ? "/" : "", name ?: "");
	cni_fail(err, CNI_ERR_IO, what, "%s: %s", cni_quote(path), strerror(-r));
	return r;
}

int cni_store_open(const char *dir, int create, int *ret_fd, struct cni_error *err)
{
	int fd, r;

	if (create) {
		r = mkdir_p(dir, 0755);
		if (r < 0)
			return io_error(err, r, "cannot create the pods directory", dir, NULL);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return io_error(err, -errno, "cannot open the pods directory", dir, NULL);
	*ret_fd = fd;
	return 0;
}

int cni_store_write(int dirfd, const char *dir, const char *name, const char *text, struct cni_error *err)
{
	int r = atomic_file_write(dirfd, name, text, strlen(text), 0644);

	return r < 0 ? io_error(err, r, "cannot write the pod file", dir, name) : 0;
}

int cni_store_read(int dirfd, const char *dir, const char *name, char **ret_text, size_t *ret_size,
		   struct cni_error *err)
{
	int r = file_read_all(dirfd, name, CNI_POD_FILE_MAX, ret_text, ret_size);

	return r < 0 ? io_error(err, r, "cannot read the pod file", dir, name) : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int remove_by_suffix(int dirfd, const char *dir, const char *suffix, const char *container_id,
			    const char *ifname, struct cni_error *err)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return io_error(err, -errno, "cannot list the pods directory", dir, NULL);
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		_cleanup_free_ char *text = NULL;
		size_t size;

		if (de->d_name[0] == '.' || !ends_with(de->d_name, suffix))
			continue;
		if (file_read_all(dirfd, de->d_name, CNI_POD_FILE_MAX, &text, &size) < 0 ||
		    !cni_pod_file_is_attachment(text, size, container_id, ifname))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
			r = io_error(err, -errno, "cannot remove the pod file", dir, de->d_name);
			break;
		}
	}
	closedir(d);
	return r;
}

int cni_store_remove(int dirfd, const char *dir, const char *name, const char *suffix,
		     const char *container_id, const char *ifname, struct cni_error *err)
{
	struct stat st;

	/* Looked up first: on a read-only directory, unlinking what is not
	 * there fails with EROFS, and a DEL of nothing must pass. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return io_error(err, -errno, "cannot look up the pod file", dir, name);
		return remove_by_suffix(dirfd, dir, suffix, container_id, ifname, err);
	}
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return io_error(err, -errno, "cannot remove the pod file", dir, name);
	return 0;
}
