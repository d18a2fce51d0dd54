/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwmd's event loop (sd-event): one loop owns all state. Signals (SIGTERM,
 * SIGINT: stop; SIGHUP: re-read the configuration), link events (netlink),
 * pod file changes (inotify) and the systemd watchdog all arrive here.
 */
#ifndef BWM_DAEMON_H
#define BWM_DAEMON_H

struct daemon;

int daemon_new(const char *config_path, struct daemon **ret);
/* Sets up uplinks and pods, tells systemd READY=1, runs until stopped.
 * Returns 0 on a clean stop. */
int daemon_run(struct daemon *d);
struct daemon *daemon_free(struct daemon *d);

/* 'bwmd --cleanup': detach from every uplink bwm manages, restore the root
 * qdiscs, remove the pins. */
int daemon_cleanup(const char *config_path);

#endif /* BWM_DAEMON_H */
