// SPDX-License-Identifier: GPL-2.0-only
#include "cni_config.h"

#include <stddef.h>
#include <string.h>

#include "util.h"

bool cni_version_supported(const char *version)
{
	static const char *const versions[] = CNI_VERSIONS_SUPPORTED;

	for (size_t i = 0; i < ARRAY_SIZE(versions); i++)
		if (strcmp(version, versions[i]) == 0)
			return true;
	return false;
}

/* An optional string member: NULL when absent or null. */
static int get_string(json_t *obj, const char *key, const char **ret, struct cni_error *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return cni_fail(err, CNI_ERR_DECODE, "invalid network configuration", "\"%s\" must be a string",
				key);
	*ret = json_string_value(v);
	return 0;
}

/* The keys of the bandwidth plugin's BandwidthEntry. */
static const struct {
	const char *key;
	size_t offset;
} bandwidth_keys[] = {
	{ "ingressRate", offsetof(struct cni_bandwidth, ingress_rate) },
	{ "ingressBurst", offsetof(struct cni_bandwidth, ingress_burst) },
	{ "egressRate", offsetof(struct cni_bandwidth, egress_rate) },
	{ "egressBurst", offsetof(struct cni_bandwidth, egress_burst) },
};
static const char *const subnet_keys[] = { "shapedSubnets", "unshapedSubnets" };

static bool has_bandwidth_keys(json_t *obj)
{
	for (size_t i = 0; i < ARRAY_SIZE(bandwidth_keys); i++)
		if (json_object_get(obj, bandwidth_keys[i].key))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(subnet_keys); i++)
		if (json_object_get(obj, subnet_keys[i]))
			return true;
	return false;
}

/*
 * A BandwidthEntry at where (for messages). Go decodes its uint64 fields
 * from integers only: a negative number, a fraction or a string is an error
 * there too.
 */
static int parse_bandwidth(json_t *obj, const char *where, struct cni_bandwidth *ret, struct cni_error *err)
{
	struct cni_bandwidth bw = {};

	if (!json_is_object(obj))
		return cni_fail(err, CNI_ERR_DECODE, "invalid bandwidth", "%s must be an object", where);
	for (size_t i = 0; i < ARRAY_SIZE(bandwidth_keys); i++) {
		json_t *v = json_object_get(obj, bandwidth_keys[i].key);

		if (!v || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid bandwidth",
					"%s.%s must be a whole number >= 0 (bit/s for rates, bits for bursts)",
					where, bandwidth_keys[i].key);
		*(uint64_t *)((char *)&bw + bandwidth_keys[i].offset) = (uint64_t)json_integer_value(v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(subnet_keys); i++) {
		json_t *v = json_object_get(obj, subnet_keys[i]);
		_cleanup_free_ char *text = NULL;

		if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
			continue;
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		return cni_fail(err, CNI_ERR_UNSUPPORTED_FIELD, "unsupported field",
				"%s.%s = %s: bwm limits all of a pod's egress; it cannot leave subnets out "
				"or shape only some", where, subnet_keys[i], text ? cni_quote(text) : "(...)");
	}
	*ret = bw;
	return 0;
}

static int parse_any_bandwidth(json_t *root, struct cni_bandwidth *ret, struct cni_error *err)
{
	json_t *runtime = json_object_get(root, "runtimeConfig"), *bw;

	/* As the bandwidth plugin's getBandwidth(): a static entry wins. */
	if (has_bandwidth_keys(root))
		return parse_bandwidth(root, "the plugin's configuration", ret, err);
	if (!runtime || json_is_null(runtime))
		return 0;
	if (!json_is_object(runtime))
		return cni_fail(err, CNI_ERR_DECODE, "invalid runtimeConfig", "runtimeConfig must be an object");
	bw = json_object_get(runtime, "bandwidth");
	if (!bw || json_is_null(bw))
		return 0;
	return parse_bandwidth(bw, "runtimeConfig.bandwidth", ret, err);
}

static int parse_root(json_t *root, struct cni_config *c, struct cni_error *err)
{
	int r;

	if (!json_is_object(root))
		return cni_fail(err, CNI_ERR_DECODE, "invalid network configuration", "stdin must be a JSON object");
	r = get_string(root, "cniVersion", &c->cni_version, err);
	if (r < 0)
		return r;
	if (!c->cni_version || !cni_version_supported(c->cni_version))
		return cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, "incompatible CNI version",
				"cniVersion %s: bwm-cni supports 0.3.0, 0.3.1, 0.4.0 and 1.0.0",
				c->cni_version ? cni_quote(c->cni_version) : "missing");
	r = get_string(root, "name", &c->name, err);
	if (r == 0)
		r = get_string(root, "podsDir", &c->pods_dir, err);
	if (r == 0)
		r = get_string(root, "bwmConfig", &c->bwm_config, err);
	if (r < 0)
		return r;
	if (!c->name || !*c->name)
		return cni_fail(err, CNI_ERR_DECODE, "invalid network configuration", "\"name\" is missing");
	if ((c->pods_dir && c->pods_dir[0] != '/') || (c->bwm_config && c->bwm_config[0] != '/'))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "invalid network configuration",
				"podsDir and bwmConfig must be absolute paths");

	r = parse_any_bandwidth(root, &c->bandwidth, err);
	if (r < 0)
		return r;

	c->prev_result = json_object_get(root, "prevResult");
	if (c->prev_result && json_is_null(c->prev_result))
		c->prev_result = NULL;
	if (c->prev_result && !json_is_object(c->prev_result))
		return cni_fail(err, CNI_ERR_DECODE, "invalid prevResult", "prevResult must be an object");
	return 0;
}

int cni_config_parse(const char *text, size_t size, struct cni_config *ret, struct cni_error *err)
{
	struct cni_config c = {};
	json_error_t jerr;
	int r;

	c.root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!c.root)
		return cni_fail(err, CNI_ERR_DECODE, "failed to decode the network configuration",
				"stdin, line %d, column %d: %s", jerr.line, jerr.column, cni_quote(jerr.text));
	r = parse_root(c.root, &c, err);
	if (r < 0) {
		cni_config_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

void cni_config_free(struct cni_config *config)
{
	if (!config)
		return;
	json_decref(config->root);
	*config = (struct cni_config) {};
}
