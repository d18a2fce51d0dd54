/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One bwmd per node state (issue 12): two bwmd on one pin directory would
 * each allocate pod ids and rewrite the other's keys, and two on one state
 * directory would record and restore each other's uplinks. bwmd, and
 * 'bwmd --cleanup', take an exclusive flock on both directories (the pin
 * directory itself, as bpffs holds no regular files; state_dir/bwmd.lock,
 * which also records the holder's pid for the message), and give up with a
 * clear message when another process holds either. The kernel drops the
 * locks when the process ends, however it ends.
 */
#ifndef BWM_INSTANCE_H
#define BWM_INSTANCE_H

struct instance_lock;

/* Creates the directories if needed and locks them. -EBUSY (after a
 * message naming the holder) if another bwmd holds either. */
int instance_lock_take(const char *state_dir, const char *pin_dir, struct instance_lock **ret);
struct instance_lock *instance_lock_release(struct instance_lock *l);

#endif /* BWM_INSTANCE_H */
