/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads the pods directory: every pod file, whole or not at all, with what
 * was wrong in it. Non-logging: the problems are lines for the caller
 * (bwm/pods.c), which logs each file's once.
 *
 * A file that could not be read (EIO, EMFILE, ...) or is still being
 * written is UNREADABLE, one bwm refuses (owner, mode, size, symlinks) is
 * REFUSED: either way bwmd keeps what it enforces for that pod. A file
 * that went away between the listing and the read is not in the scan (it
 * is removed). A directory that cannot be listed fails the whole scan, so
 * that enforcement stays as it is.
 */
#ifndef BWM_PODSCAN_H
#define BWM_PODSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "podplan.h"
#include "podspec.h"

/* Lines of problems kept per file and scan; more are counted. A bad file
 * of 10 000 lines must not flood the journal. */
#define PODSCAN_MAX_PROBLEMS 5

struct pod_file {
	char *name;
	enum plan_file state;
	int error;                      /* UNREADABLE: the errno; EINPROGRESS: being written */
	struct bwm_pod_spec spec;       /* READ */
	char *problems[PODSCAN_MAX_PROBLEMS];   /* "FILE:LINE: ...: reason", escaped */
	size_t n_problems;
	size_t n_more_problems;         /* reported beyond the kept lines */
};

struct pod_scan {
	struct pod_file *files;         /* sorted by name */
	size_t n_files;
	dev_t dir_dev;                  /* the directory read: what the path led to then */
	ino_t dir_ino;
};

/* Whether the daemon saw the file opened for writing and not yet closed. */
typedef bool (*podscan_busy_fn)(const char *name, void *userdata);

/* Reads dir. Returns 0 with *ret (free with podscan_free), or a negative
 * errno if the directory itself could not be read. */
int podscan_read(const char *dir, podscan_busy_fn busy, void *userdata, struct pod_scan *ret);
void podscan_free(struct pod_scan *scan);

#endif /* BWM_PODSCAN_H */
