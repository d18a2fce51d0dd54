// SPDX-License-Identifier: GPL-2.0-only
#include "k8s_names.h"

#include <stddef.h>
#include <string.h>

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63. */
static bool is_dns_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool k8s_is_namespace(const char *s)
{
	return is_dns_label(s, strlen(s));
}

/* RFC 1123 subdomain: labels joined by dots. */
bool k8s_is_pod_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > K8S_POD_NAME_MAX)
		return false;
	for (const char *label = s;;) {
		const char *dot = strchrnul(label, '.');

		if (!is_dns_label(label, (size_t)(dot - label)))
			return false;
		if (!*dot)
			return true;
		label = dot + 1;
	}
}

/* Any case, dashes. */
bool k8s_is_uid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > K8S_UID_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_alnum(*p) && *p != '-')
			return false;
	return true;
}
