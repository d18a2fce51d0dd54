// SPDX-License-Identifier: GPL-2.0-only
#include "instance.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "annotations.h"
#include "log.h"
#include "util.h"

#define LOCK_FILE "bwmd.lock"

struct instance_lock {
	int state_fd, pin_fd;
};

/* The pid the holder wrote into the state lock, 0 if unknown. */
static long holder_pid(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? strtol(buf, NULL, 10) : 0;
}

static int refuse(int fd, const char *what, const char *path, long pid)
{
	_cleanup_free_ char *q = annotation_escape(path, PATH_MAX);

	close(fd);
	if (pid > 0)
		return log_error_errno(EBUSY, "Another bwmd (pid %ld) holds %s '%s'; stop it first",
				       pid, what, q ?: "?");
	return log_error_errno(EBUSY, "Another bwmd holds %s '%s'; stop it first", what, q ?: "?");
}

int instance_lock_take(const char *state_dir, const char *pin_dir, struct instance_lock **ret)
{
	char path[PATH_MAX], pid[32];
	struct instance_lock *l;
	int state_fd, pin_fd, r;

	r = mkdir_p(state_dir, 0700);
	if (r < 0)
		return log_error_errno(r, "Failed to create state directory '%s': %m", state_dir);
	snprintf(path, sizeof(path), "%s/" LOCK_FILE, state_dir);
	state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (state_fd < 0)
		return log_error_errno(errno, "Failed to open '%s': %m", path);
	if (flock(state_fd, LOCK_EX | LOCK_NB) < 0)
		return refuse(state_fd, "the state directory", state_dir, holder_pid(state_fd));

	pin_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pin_fd < 0) {
		r = -errno;
		close(state_fd);
		return log_error_errno(r, "Failed to open pin directory '%s': %m", pin_dir);
	}
	if (flock(pin_fd, LOCK_EX | LOCK_NB) < 0) {
		close(state_fd);
		/* Its holder uses another state directory: no pid to name. */
		return refuse(pin_fd, "the pin directory", pin_dir, 0);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(state_fd, 0) < 0 || pwrite(state_fd, pid, strlen(pid), 0) < 0)
		log_warning_errno(errno, "Failed to record the pid in '%s': %m", path);

	l = calloc(1, sizeof(*l));
	if (!l) {
		close(state_fd);
		close(pin_fd);
		return -ENOMEM;
	}
	*l = (struct instance_lock) { .state_fd = state_fd, .pin_fd = pin_fd };
	*ret = l;
	return 0;
}

struct instance_lock *instance_lock_release(struct instance_lock *l)
{
	if (!l)
		return NULL;
	close(l->pin_fd);
	close(l->state_fd);
	free(l);
	return NULL;
}
