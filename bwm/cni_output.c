// SPDX-License-Identifier: GPL-2.0-only
#include "cni_output.h"

#include <stdlib.h>
#include <string.h>

#include "cni_config.h"
#include "util.h"

static char *dump(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL, *out;

	json_decref(j);
	if (!text)
		return NULL;
	out = realloc(text, strlen(text) + 2);
	if (!out) {
		free(text);
		return NULL;
	}
	strcat(out, "\n");
	return out;
}

char *cni_output_result(const json_t *prev_result, const char *cni_version)
{
	json_t *result = json_deep_copy(prev_result);

	/* A result is in the version of the configuration that asked for it;
	 * libcni already converted prevResult to it. */
	if (result && json_object_set_new(result, "cniVersion", json_string(cni_version)) < 0) {
		json_decref(result);
		return NULL;
	}
	return dump(result);
}

char *cni_output_version(void)
{
	static const char *const versions[] = CNI_VERSIONS_SUPPORTED;
	json_t *list = json_array();

	for (size_t i = 0; list && i < ARRAY_SIZE(versions); i++)
		if (json_array_append_new(list, json_string(versions[i])) < 0) {
			json_decref(list);
			return NULL;
		}
	return dump(json_pack("{s:s, s:o}", "cniVersion", CNI_VERSION_NEWEST, "supportedVersions", list));
}

char *cni_output_error(const struct cni_error *err, const char *cni_version)
{
	return dump(json_pack("{s:s, s:I, s:s, s:s}", "cniVersion", cni_version ?: CNI_VERSION_NEWEST,
			      "code", (json_int_t)err->code, "msg", err->msg, "details", err->details));
}
