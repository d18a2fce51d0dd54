/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwm-cni's side of the pods directory: one file per attachment, written
 * whole (fileio.h), read back for CHECK, removed on DEL. Failures come
 * back as CNI errors that name the directory, the file and the reason.
 */
#ifndef BWM_CNI_STORE_H
#define BWM_CNI_STORE_H

#include <stddef.h>

#include "cni_error.h"

/* Pod files are a few hundred bytes; bwmd reads at most this much. */
#define CNI_POD_FILE_MAX (256 * 1024)

/* Opens dir, creating it (0755, as tmpfiles.d makes it) when create. */
int cni_store_open(const char *dir, int create, int *ret_fd, struct cni_error *err);

/* Writes name = text, mode 0644, owned by root. */
int cni_store_write(int dirfd, const char *dir, const char *name, const char *text, struct cni_error *err);

/* Reads name; -ENOENT (with *err filled) when there is none. */
int cni_store_read(int dirfd, const char *dir, const char *name, char **ret_text, size_t *ret_size,
		   struct cni_error *err);

/*
 * Removes name, or when there is none, any file of the directory whose name
 * ends in suffix and whose keys say it is container_id's attachment on
 * ifname (the file of an ADD whose CNI_ARGS differed). Nothing to remove is
 * fine: DEL is idempotent.
 */
int cni_store_remove(int dirfd, const char *dir, const char *name, const char *suffix,
		     const char *container_id, const char *ifname, struct cni_error *err);

#endif /* BWM_CNI_STORE_H */
