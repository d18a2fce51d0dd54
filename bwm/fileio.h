/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole files. Replacing one: the data goes to a hidden temporary file in the
 * same directory (".bwm-tmp.PID.NAME", which bwmd never reads: names
 * starting with '.' are not pods), is flushed, gets its mode and root as
 * owner, and is renamed over NAME. A reader sees the old file or the new
 * one, never a part; on any failure the temporary file is removed.
 * Non-logging.
 */
#ifndef BWM_FILEIO_H
#define BWM_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Returns 0 or a negative errno. Owned by root when run as root. */
int atomic_file_write(int dirfd, const char *name, const void *data, size_t size, mode_t mode);

/*
 * Reads fd to its end, at most max bytes (-EFBIG beyond: one byte more is
 * read to tell a file of exactly max from a longer one). The data is
 * malloc'd and NUL-terminated for convenience; may contain NULs.
 */
int fd_read_all(int fd, size_t max, char **ret_data, size_t *ret_size);

/* The same for the file name in dirfd. */
int file_read_all(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_size);

#endif /* BWM_FILEIO_H */
