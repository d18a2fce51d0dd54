// SPDX-License-Identifier: GPL-2.0-only
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static int write_all(int fd, const char *data, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

static int fill(int fd, const void *data, size_t size, mode_t mode)
{
	int r = write_all(fd, data, size);

	if (r < 0)
		return r;
	/* Explicit, whatever the umask; root's, as bwmd requires of pod files. */
	if (fchmod(fd, mode) < 0)
		return -errno;
	if (geteuid() == 0 && fchown(fd, 0, 0) < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int atomic_file_write(int dirfd, const char *name, const void *data, size_t size, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	/* Cut to fit: the pid alone makes it unique among writers. */
	snprintf(tmp, sizeof(tmp), ".bwm-tmp.%d.%.200s", (int)getpid(), name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = fill(fd, data, size, mode);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int fd_read_all(int fd, size_t max, char **ret_data, size_t *ret_size)
{
	_cleanup_free_ char *buf = malloc(max + 2);
	size_t size = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + size, max + 1 - size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > max)
			return -EFBIG;
	}
	buf[size] = '\0';
	*ret_data = TAKE_PTR(buf);
	*ret_size = size;
	return 0;
}

int file_read_all(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	return fd_read_all(fd, max, ret_data, ret_size);
}
