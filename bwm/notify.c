// SPDX-License-Identifier: GPL-2.0-only
#include "notify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "util.h"

static void notify(const char *state)
{
	int r = sd_notify(false, state);

	/* 0: no $NOTIFY_SOCKET, not run by systemd. */
	if (r < 0)
		log_debug_errno(r, "Failed to notify the service manager of '%s': %m", state);
}

void notify_ready(void)
{
	notify("READY=1");
}

void notify_reloading(void)
{
	char state[64];

	/* MONOTONIC_USEC= (systemd 253's Type=notify-reload checks that it is
	 * later than the reload request; 252 ignores it) is CLOCK_MONOTONIC
	 * in microseconds, in the same message as RELOADING=1. */
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu", now_usec_monotonic());
	notify(state);
}

void notify_stopping(void)
{
	notify("STOPPING=1");
}

void notify_statusf(const char *format, ...)
{
	char state[256] = "STATUS=";
	va_list ap;

	va_start(ap, format);
	vsnprintf(state + 7, sizeof(state) - 7, format, ap);
	va_end(ap);
	notify(state);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
	uint64_t period = (uint64_t)(uintptr_t)userdata;
	int r;

	notify("WATCHDOG=1");
	/* From now, not from the due time: after a stall, one ping, not a burst. */
	r = sd_event_source_set_time_relative(s, period);
	if (r >= 0)
		r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	if (r < 0)
		log_warning_errno(r, "Failed to re-arm the watchdog timer: %m");
	return 0;
}

int notify_watchdog_start(sd_event *event)
{
	uint64_t timeout_usec, period;
	int r;

	r = sd_watchdog_enabled(false, &timeout_usec);
	if (r < 0)
		log_warning_errno(r, "Ignoring a malformed $WATCHDOG_USEC/$WATCHDOG_PID: %m");
	if (r <= 0)
		return 0;
	period = timeout_usec / 2;
	if (period == 0)
		period = 1;
	notify("WATCHDOG=1");
	/* Floating: the loop owns the source. Accuracy 1% of the period, so
	 * the kernel may batch wake-ups without eating into the margin. */
	r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, period, period / 100,
				       on_watchdog, (void *)(uintptr_t)period);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the watchdog timer: %m");
	log_debug("Watchdog: WATCHDOG=1 every %llu ms (WatchdogSec=%llu ms)",
		  (unsigned long long)period / 1000, (unsigned long long)timeout_usec / 1000);
	return 0;
}
