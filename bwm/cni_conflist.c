// SPDX-License-Identifier: GPL-2.0-only
#include "cni_conflist.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int refuse(char **ret_reason, const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = vasprintf(ret_reason, format, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	/* jansson's messages quote the text near the error: keep them printable. */
	for (char *p = *ret_reason; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return -EINVAL;
}

/* What bwm cannot do: limit only part of the pod's traffic. */
static bool has_subnets(const json_t *entry)
{
	static const char *const keys[] = { "shapedSubnets", "unshapedSubnets" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const json_t *v = json_object_get(entry, keys[i]);

		if (v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0))
			return true;
	}
	return false;
}

int cni_conflist_rewrite(const char *text, size_t size, enum cni_conflist_edit edit, char **ret_text,
			 char **ret_reason)
{
	const char *from = edit == CNI_CONFLIST_INSTALL ? CNI_BANDWIDTH_TYPE : CNI_BWM_TYPE;
	const char *to = edit == CNI_CONFLIST_INSTALL ? CNI_BWM_TYPE : CNI_BANDWIDTH_TYPE;
	json_auto_t *root = NULL;
	json_t *plugins, *entry;
	json_error_t jerr;
	size_t i;
	int n = 0;
	char *out;

	root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return refuse(ret_reason, "not JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	plugins = json_object_get(root, "plugins");
	if (!json_is_array(plugins))
		return refuse(ret_reason, "not a conflist: no \"plugins\" array");

	/* Check every entry before changing any: all or nothing. */
	json_array_foreach(plugins, i, entry) {
		const char *type = json_string_value(json_object_get(entry, "type"));

		if (!json_is_object(entry))
			return refuse(ret_reason, "plugins[%zu] is not an object", i);
		if (edit == CNI_CONFLIST_INSTALL && type && strcmp(type, from) == 0 && has_subnets(entry))
			return refuse(ret_reason, "plugins[%zu] (bandwidth) limits only some subnets "
				      "(shapedSubnets/unshapedSubnets), which bwm cannot do", i);
	}
	json_array_foreach(plugins, i, entry) {
		const char *type = json_string_value(json_object_get(entry, "type"));

		if (!type || strcmp(type, from) != 0)
			continue;
		/* json_object_set keeps the key where it was. */
		if (json_object_set_new(entry, "type", json_string(to)) < 0)
			return -ENOMEM;
		n++;
	}
	if (n == 0) {
		*ret_text = NULL;
		return 0;
	}
	out = json_dumps(root, JSON_INDENT(2));
	if (!out)
		return -ENOMEM;
	/* A text file ends in a newline. */
	*ret_text = realloc(out, strlen(out) + 2);
	if (!*ret_text) {
		free(out);
		return -ENOMEM;
	}
	strcat(*ret_text, "\n");
	return n;
}
