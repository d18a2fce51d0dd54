/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging to stderr, with sd-daemon priority prefixes ("<3>...") when stderr
 * is the journal, which turns them into message priorities. Functions taking an error return it negated
 * so that callers can log and fail in one step:
 *
 *	return log_error_errno(r, "Failed to attach to '%s': %m", ifname);
 *
 * %m in a format expands to strerror of that error.
 */
#ifndef BWM_LOG_H
#define BWM_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_set_max_level(int level);
int log_get_max_level(void);
/* Prefix lines with "<N>" (journald) or not. Default: prefix only when
 * stderr is the journal ($JOURNAL_STREAM names it). */
void log_set_prefix(bool prefix);

int log_internal(int level, int error, const char *file, int line, const char *format, ...)
	__attribute__((format(printf, 5, 6)));

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...)    log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...)   log_full_errno(LOG_ERR, (e), __VA_ARGS__)

/* Route libbpf's own messages through this logger: warnings as warnings,
 * the rest at debug level. */
void log_setup_libbpf(void);

#endif /* BWM_LOG_H */
