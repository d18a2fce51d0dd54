// SPDX-License-Identifier: GPL-2.0-only
#include "util.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

char **strv_split(const char *s, const char *separators)
{
	size_t n = 0, cap = 4;
	char **l = calloc(cap + 1, sizeof(char *));

	if (!l)
		return NULL;
	while (*s) {
		size_t len;

		s += strspn(s, separators);
		len = strcspn(s, separators);
		if (len == 0)
			break;
		if (n == cap) {
			char **bigger = realloc(l, (cap * 2 + 1) * sizeof(char *));

			if (!bigger)
				goto fail;
			l = bigger;
			cap *= 2;
		}
		l[n] = strndup(s, len);
		if (!l[n])
			goto fail;
		l[++n] = NULL;
		s += len;
	}
	return l;
fail:
	strv_free(l);
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

char **strv_copy(char *const *l)
{
	size_t n = strv_length(l);
	char **copy = calloc(n + 1, sizeof(char *));

	for (size_t i = 0; copy && i < n; i++)
		if (!(copy[i] = strdup(l[i]))) {
			strv_free(copy);
			return NULL;
		}
	return copy;
}

void strv_free(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

int parse_boolean(const char *v)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

unsigned long long now_usec_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
