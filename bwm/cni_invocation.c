// SPDX-License-Identifier: GPL-2.0-only
#include "cni_invocation.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "k8s_names.h"
#include "podspec.h"
#include "util.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* libcni's ValidateContainerID: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ */
static bool is_valid_container_id(const char *id)
{
	if (!is_alnum(id[0]))
		return false;
	for (const char *p = id + 1; *p; p++)
		if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

struct k8s_key {
	const char *key;
	size_t offset, size;
	bool (*valid)(const char *value);
};

static const struct k8s_key k8s_keys[] = {
	{ "K8S_POD_NAMESPACE", offsetof(struct cni_invocation, pod_namespace),
	  K8S_NAMESPACE_MAX + 1, k8s_is_namespace },
	{ "K8S_POD_NAME", offsetof(struct cni_invocation, pod_name), K8S_POD_NAME_MAX + 1,
	  k8s_is_pod_name },
	{ "K8S_POD_UID", offsetof(struct cni_invocation, pod_uid), K8S_UID_MAX + 1, k8s_is_uid },
};

/* "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;..." */
static int parse_args(const char *args, struct cni_invocation *inv, struct cni_error *err)
{
	for (const char *p = args; *p;) {
		const char *end = strchrnul(p, ';'), *eq = memchr(p, '=', (size_t)(end - p));

		if (end == p) {   /* "a=1;;b=2" and a trailing ';' */
			p = end + (*end == ';');
			continue;
		}
		if (!eq)
			return cni_fail(err, CNI_ERR_INVALID_ENV, "invalid CNI_ARGS",
					"CNI_ARGS %s: expected KEY=VALUE pairs separated by ';'", cni_quote(args));
		for (size_t i = 0; i < ARRAY_SIZE(k8s_keys); i++) {
			const struct k8s_key *k = &k8s_keys[i];
			size_t key_len = (size_t)(eq - p), value_len = (size_t)(end - eq - 1);
			char *field = (char *)inv + k->offset;

			if (key_len != strlen(k->key) || memcmp(p, k->key, key_len) != 0)
				continue;
			if (value_len >= k->size)
				return cni_fail(err, CNI_ERR_INVALID_ENV, "invalid CNI_ARGS",
						"%s is longer than %zu characters", k->key, k->size - 1);
			memcpy(field, eq + 1, value_len);
			field[value_len] = '\0';
			/* Kubernetes never sends an empty one; treat it as absent. */
			if (value_len && !k->valid(field))
				return cni_fail(err, CNI_ERR_INVALID_ENV, "invalid CNI_ARGS",
						"%s %s is not a valid Kubernetes value", k->key, cni_quote(field));
		}
		p = end + (*end == ';');
	}
	return 0;
}

static int parse_command(const char *command, enum cni_command *ret, struct cni_error *err)
{
	static const char *const names[] = {
		[CNI_CMD_ADD] = "ADD", [CNI_CMD_DEL] = "DEL", [CNI_CMD_CHECK] = "CHECK",
		[CNI_CMD_VERSION] = "VERSION",
	};

	if (!command || !*command)
		return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_COMMAND is not set",
				"bwm-cni is a CNI plugin: the container runtime runs it with CNI_COMMAND "
				"set; to install it on a node, run 'bwm-cni install'");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(command, names[i]) == 0) {
			*ret = (enum cni_command)i;
			return 0;
		}
	/* GC and STATUS are CNI 1.1.0's, which bwm-cni does not claim. */
	return cni_fail(err, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND",
			"CNI_COMMAND %s: expected ADD, DEL, CHECK or VERSION", cni_quote(command));
}

int cni_invocation_parse(const char *command, const char *container_id, const char *netns,
			 const char *ifname, const char *args, struct cni_invocation *ret,
			 struct cni_error *err)
{
	struct cni_invocation inv = {};
	const char *reason;
	int r;

	r = parse_command(command, &inv.command, err);
	if (r < 0)
		return r;
	if (inv.command == CNI_CMD_VERSION) {
		*ret = inv;
		return 0;
	}

	if (!container_id || !*container_id)
		return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID is not set", "%s needs it",
				command);
	if (!is_valid_container_id(container_id))
		return cni_fail(err, CNI_ERR_INVALID_ENV, "invalid CNI_CONTAINERID",
				"CNI_CONTAINERID %s: must start with a letter or digit, then letters, "
				"digits, '_', '.' or '-'", cni_quote(container_id));
	inv.container_id = container_id;

	/* The spec lets DEL come without a namespace (it may be gone). */
	if ((!netns || !*netns) && inv.command != CNI_CMD_DEL)
		return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_NETNS is not set", "%s needs it", command);
	inv.netns = netns ?: "";

	if (!ifname || !*ifname)
		return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_IFNAME is not set", "%s needs it", command);
	reason = podspec_check_ifname(ifname);
	if (reason)
		return cni_fail(err, CNI_ERR_INVALID_ENV, "invalid CNI_IFNAME", "CNI_IFNAME %s: %s",
				cni_quote(ifname), reason);
	strcpy(inv.ifname, ifname);

	r = parse_args(args ?: "", &inv, err);
	if (r < 0)
		return r;
	*ret = inv;
	return 0;
}
