// SPDX-License-Identifier: GPL-2.0-only
#include "cni_install.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "util.h"

/* A plugin binary is a few MiB; a conflist a few KiB. */
#define BINARY_MAX (64 * 1024 * 1024)
#define CONFLIST_MAX (1024 * 1024)

int cni_install_binary(const char *source, const char *bin_dir)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = file_read_all(AT_FDCWD, source, BINARY_MAX, &data, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", source);
	r = mkdir_p(bin_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", bin_dir);
	dirfd = open(bin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return log_error_errno(errno, "Failed to open '%s': %m", bin_dir);
	r = atomic_file_write(dirfd, CNI_BWM_TYPE, data, size, 0755);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s/%s': %m", bin_dir, CNI_BWM_TYPE);
	log_info("Installed %s/%s", bin_dir, CNI_BWM_TYPE);
	return 0;
}

int cni_uninstall_binary(const char *bin_dir)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/%s", bin_dir, CNI_BWM_TYPE) < 0)
		return log_error_errno(ENOMEM, "Out of memory");
	if (unlink(path) < 0 && errno != ENOENT)
		return log_error_errno(errno, "Failed to remove '%s': %m", path);
	log_info("Removed %s", path);
	return 0;
}

/* libcni's ConfFiles(): the extensions it reads. */
static bool is_conf_file(const char *name)
{
	static const char *const extensions[] = { ".conflist", ".conf", ".json" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(extensions); i++) {
		size_t m = strlen(extensions[i]);

		if (n > m && strcmp(name + n - m, extensions[i]) == 0)
			return true;
	}
	return false;
}

/* 1 when rewritten, 0 when nothing to change, < 0 after logging. */
static int rewrite_one(int dirfd, const char *dir, const char *name, enum cni_conflist_edit edit)
{
	_cleanup_free_ char *text = NULL, *out = NULL, *reason = NULL;
	struct stat st;
	size_t size;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return log_error_errno(errno, "Failed to stat '%s/%s': %m", dir, name);
	/* A link points into files someone else manages: leave it. */
	if (!S_ISREG(st.st_mode))
		return 0;
	r = file_read_all(dirfd, name, CONFLIST_MAX, &text, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s/%s': %m", dir, name);
	r = cni_conflist_rewrite(text, size, edit, &out, &reason);
	if (r == -ENOMEM)
		return log_error_errno(r, "Out of memory");
	if (r < 0) {
		/* A single-plugin .conf has no chain to join: not an error. */
		if (!strstr(name, ".conflist") && strstr(reason, "no \"plugins\""))
			return 0;
		return log_error_errno(EINVAL, "%s/%s: %s; left as it is", dir, name, reason);
	}
	if (r == 0)
		return 0;
	r = atomic_file_write(dirfd, name, out, strlen(out), st.st_mode & 07777);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s/%s': %m", dir, name);
	log_info("%s/%s: %s -> %s", dir, name, edit == CNI_CONFLIST_INSTALL ? CNI_BANDWIDTH_TYPE : CNI_BWM_TYPE,
		 edit == CNI_CONFLIST_INSTALL ? CNI_BWM_TYPE : CNI_BANDWIDTH_TYPE);
	return 1;
}

int cni_install_conflists(const char *conf_dir, enum cni_conflist_edit edit)
{
	struct dirent **entries = NULL;
	_cleanup_close_ int dirfd = open(conf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int n, changed = 0, failed = 0;

	if (dirfd < 0)
		return log_error_errno(errno, "Failed to open '%s': %m", conf_dir);
	n = scandir(conf_dir, &entries, NULL, alphasort);
	if (n < 0)
		return log_error_errno(errno, "Failed to list '%s': %m", conf_dir);
	for (int i = 0; i < n; i++) {
		int r = is_conf_file(entries[i]->d_name) ? rewrite_one(dirfd, conf_dir, entries[i]->d_name, edit) : 0;

		if (r < 0)
			failed = r;
		else
			changed += r;
		free(entries[i]);
	}
	free(entries);
	if (failed < 0)
		return failed;
	if (changed == 0)
		log_info("%s: no conflist had a %s entry", conf_dir,
			 edit == CNI_CONFLIST_INSTALL ? CNI_BANDWIDTH_TYPE : CNI_BWM_TYPE);
	return changed;
}
