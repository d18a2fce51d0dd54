// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the pod annotation file parser and podspec on its
 * result. Besides sanitizer reports, it checks what the daemon relies on:
 * keys sorted and unique, values that quote and unquote back to themselves,
 * problem messages that are printable ASCII (safe to log whatever the file
 * holds), and specs within their documented ranges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "podspec.h"
#include "quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_problem(const struct bwm_annotation_problem *p, void *userdata)
{
	char *message = annotation_problem_format("/run/bwm/pods/fuzz", p);
	int *n_problems = userdata;

	CHECK(p->reason && *p->reason);
	CHECK(message);
	for (const char *c = message; *c; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
	free(message);
	(*n_problems)++;
}

static void check_round_trip(const char *value)
{
	char *quoted = annotation_quote(value, SIZE_MAX), *back = NULL;
	const char *reason;

	CHECK(quoted);
	CHECK(annotation_unquote(quoted, strlen(quoted), &back, &reason) == 0);
	CHECK(strcmp(back, value) == 0);
	free(quoted);
	free(back);
}

static void check_bandwidth(uint64_t bps)
{
	CHECK(bps == 0 || (bps >= BWM_BANDWIDTH_MIN_BPS && bps <= BWM_BANDWIDTH_MAX_BPS));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bwm_annotations annotations;
	struct bwm_pod_spec spec;
	int n_problems = 0, r;

	r = annotations_parse((const char *)data, size, check_problem, &n_problems, &annotations);
	CHECK(r == n_problems);

	for (size_t i = 0; i < annotations.n_items; i++) {
		const struct bwm_annotation *a = &annotations.items[i];

		CHECK(*a->key);
		CHECK(a->line >= 1);
		if (i > 0)
			CHECK(strcmp(annotations.items[i - 1].key, a->key) < 0);
		CHECK(annotations_get(&annotations, a->key) == a);
		check_round_trip(a->value);
	}

	n_problems = 0;
	r = podspec_from_annotations("fuzz", &annotations, check_problem, &n_problems, &spec);
	CHECK(r == n_problems);
	CHECK(strcmp(spec.name, "fuzz") == 0);
	check_bandwidth(spec.egress_bps);
	check_bandwidth(spec.ingress_bps);
	CHECK(strlen(spec.ifname) < sizeof(spec.ifname));
	CHECK(spec.n_addrs <= BWM_POD_MAX_ADDRS);

	podspec_free(&spec);
	annotations_free(&annotations);
	return 0;
}
