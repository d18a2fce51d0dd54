/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bwmd tells its service manager (sd_notify(3)), in one place, so the
 * protocol is readable at a glance:
 *
 *   start:   STATUS=<summary> ... READY=1   (uplinks attached, pods reconciled)
 *   reload:  RELOADING=1 + MONOTONIC_USEC=<CLOCK_MONOTONIC us>, ... READY=1
 *   stop:    STOPPING=1
 *   alive:   WATCHDOG=1 every WATCHDOG_USEC/2, from the event loop
 *
 * Without $NOTIFY_SOCKET (not run by systemd) every call is a no-op and
 * bwmd behaves the same. Failures to send are logged at debug level only:
 * the service manager going away is no reason to stop enforcing.
 */
#ifndef BWM_NOTIFY_H
#define BWM_NOTIFY_H

#include <systemd/sd-event.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_statusf(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * If the service manager asked for a watchdog ($WATCHDOG_USEC, and
 * $WATCHDOG_PID is ours or unset), sends WATCHDOG=1 now and then every half
 * interval from a timer in event's loop: a loop stuck in one handler stops
 * the pings and systemd's WatchdogSec= restarts bwmd. (sd_event_set_watchdog()
 * pings somewhere between 1/2 and 3/4 of the interval; bwm wants the
 * documented half, with the slack that leaves on a loaded node.)
 * Returns 0 also when no watchdog is asked for, negative errno on failure.
 */
int notify_watchdog_start(sd_event *event);

#endif /* BWM_NOTIFY_H */
