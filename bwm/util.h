/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers used across bwm: cleanup attributes, string vectors. */
#ifndef BWM_UTIL_H
#define BWM_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
/* A macro's value as a string literal: STRINGIFY(BWM_POD_MAX_ADDRS) is "16". */
#define STRINGIFY(x) STRINGIFY_(x)
#define STRINGIFY_(x) #x

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hands a pointer over to the caller, so that cleanup does not free it. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/* NULL-terminated string vectors. */
char **strv_split(const char *s, const char *separators);
size_t strv_length(char *const *l);
/* A deep copy, NULL on allocation failure. */
char **strv_copy(char *const *l);
void strv_free(char **l);
static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Creates path and its missing parents with mode; existing ones are fine. */
int mkdir_p(const char *path, mode_t mode);

/* CLOCK_MONOTONIC in microseconds (sd_notify's MONOTONIC_USEC=). */
unsigned long long now_usec_monotonic(void);

/* yes/no, true/false, on/off, 1/0 -> 1/0; anything else -> -EINVAL. */
int parse_boolean(const char *v);

#endif /* BWM_UTIL_H */
