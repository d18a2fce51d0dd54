/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The watch on the pods directory (issue 12): inotify on the directory,
 * kept on the directory that is at the path now, whatever happens to it.
 *
 *  - Removed, moved away, or mounted over: the watch follows the path.
 *    IN_DELETE_SELF / IN_MOVE_SELF / IN_IGNORED / IN_UNMOUNT drop it at
 *    once, and a check every second compares the path's device and inode
 *    with the watched directory's (a mount over it sends nothing), as does
 *    each reconcile with the directory it read, then watches whatever is
 *    there now, or waits for the path to come back.
 *    bwmd never recreates a directory that went away: until one is back,
 *    the pods directory reads as an error, which keeps enforcement as it is.
 *  - Files still being written: a file written to (IN_MODIFY) and not yet
 *    closed (IN_CLOSE_WRITE) is "busy" for up to PODWATCH_BUSY_MAX_USEC, so
 *    a reconcile does not apply half a file from a writer that is not
 *    atomic; kubelet's and bwm-cni's renames never make a file busy.
 *
 * Every change calls the owner's callback, which reconciles.
 */
#ifndef BWM_PODWATCH_H
#define BWM_PODWATCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

/* How long a file open for writing is left alone (a writer holding it open
 * for longer gets read anyway). */
#define PODWATCH_BUSY_MAX_USEC (10ULL * 1000000ULL)

struct podwatch;
typedef void (*podwatch_fn)(void *userdata);

/* Creates the directory if it is missing (at start only), watches it. The
 * functions below take a NULL watch (a reload's new one failed) as one
 * that has seen nothing. */
int podwatch_new(sd_event *event, const char *dir, podwatch_fn changed, void *userdata,
		 struct podwatch **ret);
struct podwatch *podwatch_free(struct podwatch *w);

/* The owner read the directory dev/ino (a reconcile's scan). If the watch
 * is on another one, the path changed under both (a mount over it came and
 * went between two checks): the watch moves to the path's directory now,
 * and the owner is told to read that. dev and ino 0: nothing was read. */
void podwatch_scanned(struct podwatch *w, dev_t dev, ino_t ino);

/* Whether a file of the directory is being written (a podscan_busy_fn). */
bool podwatch_busy(const char *name, void *userdata);

#endif /* BWM_PODWATCH_H */
