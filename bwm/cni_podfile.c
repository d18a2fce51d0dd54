// SPDX-License-Identifier: GPL-2.0-only
#include "cni_podfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "util.h"

/* containerd's and CRI-O's IDs: 64 hex digits, shown by their first 12. */
#define LONG_ID_LEN 64
#define SHORT_ID_LEN 12

static bool is_hex_id(const char *id)
{
	if (strlen(id) != LONG_ID_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* FNV-1a: enough to tell apart IDs that share their first 47 characters. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

void cni_pod_file_suffix(const char *container_id, const char *ifname, char ret[CNI_POD_FILE_SUFFIX_SIZE])
{
	size_t len = strlen(container_id);

	if (is_hex_id(container_id))
		snprintf(ret, CNI_POD_FILE_SUFFIX_SIZE, "%.*s_%s", SHORT_ID_LEN, container_id, ifname);
	else if (len <= LONG_ID_LEN)
		snprintf(ret, CNI_POD_FILE_SUFFIX_SIZE, "%s_%s", container_id, ifname);
	else
		snprintf(ret, CNI_POD_FILE_SUFFIX_SIZE, "%.47s-%016" PRIx64 "_%s", container_id,
			 fnv1a(container_id), ifname);
}

void cni_pod_file_name(const struct cni_invocation *inv, char ret[CNI_POD_FILE_NAME_SIZE])
{
	char suffix[CNI_POD_FILE_SUFFIX_SIZE];
	size_t ns_len = strlen(inv->pod_namespace), pod_len = strlen(inv->pod_name), suffix_len;
	char *p = ret;

	cni_pod_file_suffix(inv->container_id, inv->ifname, suffix);
	suffix_len = strlen(suffix);
	if (ns_len && pod_len) {
		/* NAMESPACE_POD_SUFFIX within NAME_MAX: the pod name gives way. */
		pod_len = MIN(pod_len, NAME_MAX - ns_len - suffix_len - 2);
		p = mempcpy(p, inv->pod_namespace, ns_len);
		*p++ = '_';
		p = mempcpy(p, inv->pod_name, pod_len);
		*p++ = '_';
	}
	memcpy(p, suffix, suffix_len + 1);
}

struct line {
	const char *key;
	char *value;   /* owned */
};

static int compare_lines(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->key, ((const struct line *)b)->key);
}

static char *format_addrs(const struct bwm_pod_addr *addrs, size_t n)
{
	char *out = malloc(n * (INET6_ADDRSTRLEN + 1) + 1), *p = out;

	if (!out)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		inet_ntop(addrs[i].family, addrs[i].family == AF_INET ? (const void *)&addrs[i].v4 :
			  (const void *)&addrs[i].v6, p, INET6_ADDRSTRLEN);
		p += strlen(p);
	}
	return out;
}

static char *format_u64(uint64_t v)
{
	char *s;

	return asprintf(&s, "%" PRIu64, v) < 0 ? NULL : s;
}

/* Appends key = value (taken, may be NULL from a failed strdup) when want. */
static bool add(struct line *lines, size_t *n, bool want, const char *key, char *value)
{
	if (!want) {
		free(value);
		return true;
	}
	if (!value)
		return false;
	lines[(*n)++] = (struct line) { key, value };
	return true;
}

char *cni_pod_file_render(const struct cni_pod *pod)
{
	const struct cni_invocation *inv = pod->inv;
	const struct cni_limits *l = &pod->limits;
	struct line lines[16];
	size_t n = 0, size = 1;
	bool ok = true;
	char *text = NULL, *p;

	ok &= add(lines, &n, true, BWM_POD_KEY_CONTAINER_ID, strdup(inv->container_id));
	ok &= add(lines, &n, true, BWM_POD_KEY_CNI_IFNAME, strdup(inv->ifname));
	ok &= add(lines, &n, true, BWM_POD_KEY_NETWORK, strdup(pod->network));
	ok &= add(lines, &n, inv->pod_namespace[0], BWM_POD_KEY_NAMESPACE, strdup(inv->pod_namespace));
	ok &= add(lines, &n, inv->pod_name[0], BWM_POD_KEY_POD_NAME, strdup(inv->pod_name));
	ok &= add(lines, &n, inv->pod_uid[0], BWM_POD_KEY_UID, strdup(inv->pod_uid));
	ok &= add(lines, &n, pod->host_ifname, BWM_POD_KEY_INTERFACE,
		  pod->host_ifname ? strdup(pod->host_ifname) : NULL);
	ok &= add(lines, &n, pod->n_addrs, BWM_POD_KEY_IPS, format_addrs(pod->addrs, pod->n_addrs));
	ok &= add(lines, &n, l->egress_bps, BWM_POD_KEY_EGRESS, format_u64(l->egress_bps));
	ok &= add(lines, &n, l->ingress_bps, BWM_POD_KEY_INGRESS, format_u64(l->ingress_bps));
	ok &= add(lines, &n, l->egress_burst_bits, BWM_POD_KEY_EGRESS_BURST, format_u64(l->egress_burst_bits));
	ok &= add(lines, &n, l->ingress_burst_bits, BWM_POD_KEY_INGRESS_BURST,
		  format_u64(l->ingress_burst_bits));
	if (!ok)
		goto out;

	qsort(lines, n, sizeof(lines[0]), compare_lines);
	for (size_t i = 0; i < n; i++) {
		char *quoted = annotation_quote(lines[i].value, SIZE_MAX);

		if (!quoted)
			goto out;
		free(lines[i].value);
		lines[i].value = quoted;
		size += strlen(lines[i].key) + strlen(quoted) + 2;
	}
	text = p = malloc(size);
	if (!text)
		goto out;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s=%s\n", lines[i].key, lines[i].value);
	*p = '\0';
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i].value);
	return text;
}

static void note_problem(const struct bwm_annotation_problem *problem, void *userdata)
{
	char **first = userdata;

	if (!*first)
		*first = annotation_problem_format("the pod file", problem);
}

static int describe(char **ret, const char *format, const char *key, const char *a, const char *b)
{
	_cleanup_free_ char *qa = a ? annotation_quote(a, 128) : NULL, *qb = b ? annotation_quote(b, 128) : NULL;

	if ((a && !qa) || (b && !qb) || asprintf(ret, format, key, qa ?: "", qb ?: "") < 0)
		return -ENOMEM;
	return 1;
}

static int compare_parsed(const struct bwm_annotations *want, const struct bwm_annotations *have,
			  char **ret_difference)
{
	size_t i = 0, j = 0;

	/* Both sorted by key: a merge. */
	while (i < want->n_items || j < have->n_items) {
		const struct bwm_annotation *w = i < want->n_items ? &want->items[i] : NULL;
		const struct bwm_annotation *h = j < have->n_items ? &have->items[j] : NULL;
		int c = !w ? 1 : !h ? -1 : strcmp(w->key, h->key);

		if (c < 0)
			return describe(ret_difference, "%s is missing (expected %s)%s", w->key, w->value, NULL);
		if (c > 0)
			return describe(ret_difference, "%s = %s is not expected%s", h->key, h->value, NULL);
		if (strcmp(w->value, h->value) != 0)
			return describe(ret_difference, "%s is %s, expected %s", w->key, h->value, w->value);
		i++;
		j++;
	}
	return 0;
}

int cni_pod_file_compare(const char *expected, size_t expected_size, const char *actual,
			 size_t actual_size, char **ret_difference)
{
	struct bwm_annotations want = {}, have = {};
	char *problem = NULL;
	int r;

	r = annotations_parse(expected, expected_size, NULL, NULL, &want);
	if (r < 0)
		return r;
	r = annotations_parse(actual, actual_size, note_problem, &problem, &have);
	if (r > 0 && problem) {
		*ret_difference = problem;
		r = 1;
	} else if (r >= 0) {
		free(problem);
		r = compare_parsed(&want, &have, ret_difference);
	}
	annotations_free(&want);
	annotations_free(&have);
	return r;
}

bool cni_pod_file_is_attachment(const char *text, size_t size, const char *container_id, const char *ifname)
{
	struct bwm_annotations a;
	const struct bwm_annotation *id, *name;
	bool match;

	if (annotations_parse(text, size, NULL, NULL, &a) < 0)
		return false;
	id = annotations_get(&a, BWM_POD_KEY_CONTAINER_ID);
	name = annotations_get(&a, BWM_POD_KEY_CNI_IFNAME);
	match = id && name && strcmp(id->value, container_id) == 0 && strcmp(name->value, ifname) == 0;
	annotations_free(&a);
	return match;
}
