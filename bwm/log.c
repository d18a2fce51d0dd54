// SPDX-License-Identifier: GPL-2.0-only
#include "log.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int max_level = LOG_INFO;
static int prefix = -1; /* -1: decide on first use */

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_set_prefix(bool on)
{
	prefix = on;
}

/* Whether stderr is the journal: systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it connects, and a process that inherited
 * another stderr (a terminal, a file, a pipe) must not write "<N>" into it.
 * The same test systemd's own tools make (sd_journal_stream_fd(3)). */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int log_internal(int level, int error, const char *file, int line, const char *format, ...)
{
	int saved_errno = errno;
	char buf[2048];
	va_list ap;

	if (error < 0)
		error = -error;
	if (level > max_level)
		return -error;
	if (prefix < 0)
		prefix = stderr_is_journal();

	/* %m stands for this error, not whatever errno happens to hold. */
	errno = error;
	va_start(ap, format);
	vsnprintf(buf, sizeof(buf), format, ap);
	va_end(ap);

	if (prefix)
		fprintf(stderr, "<%d>%s", level, buf);
	else
		fputs(buf, stderr);
	if (max_level >= LOG_DEBUG)
		fprintf(stderr, " (%s:%d)", file, line);
	fputc('\n', stderr);

	errno = saved_errno;
	return -error;
}

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list ap)
{
	int prio = level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG;
	char buf[1024];
	size_t n;

	if (prio > max_level)
		return 0;
	vsnprintf(buf, sizeof(buf), format, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* bpf_tc_hook_create() on an existing clsact: expected (-EEXIST is
	 * fine to bwm), but libbpf passes the kernel's extack on as a warning. */
	if (strstr(buf, "Exclusivity flag on"))
		prio = LOG_DEBUG;
	if (prio <= max_level)
		log_full_errno(prio, 0, "%s", buf);
	return 0;
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
