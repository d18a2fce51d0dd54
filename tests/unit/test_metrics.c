// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus text rendering (bwm/metrics.c): escaping of names from pod
 * files, the histogram's cumulative buckets, bounded cardinality, the
 * uplinks' gauges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

/* What render wrote, NUL-terminated (the caller frees it). */
static char *render_label(const char *value)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	metrics_label_value(out, value);
	fclose(out);
	return text;
}

static void label_values_are_escaped(void **unused)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "web-1", "\"web-1\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a\nb", "\"a\\nb\"" },
		/* not UTF-8, a terminal escape, DEL: U+FFFD each */
		{ "a\xff", "\"a\xef\xbf\xbd\"" },
		{ "\x1b[31m", "\"\xef\xbf\xbd[31m\"" },
		{ "\x7f", "\"\xef\xbf\xbd\"" },
		/* UTF-8 passes as it is */
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		/* an overlong form and a surrogate are not UTF-8 */
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "", "\"\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = render_label(cases[i].in);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static char *render_pods(struct pod_stats *pods, size_t n, size_t max_series)
{
	struct pod_stats_snapshot s = { .pods = pods, .n_pods = n };
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	metrics_render_pods(out, &s, max_series);
	fclose(out);
	return text;
}

static void histogram_buckets_are_cumulative(void **unused)
{
	struct pod_stats p = {};
	char *text;

	snprintf(p.meta.name, sizeof(p.meta.name), "web");
	p.counters.delay.bucket[0] = 3;
	p.counters.delay.bucket[2] = 2;
	p.counters.delay.bucket[HIST_FINITE] = 1;
	p.counters.delay.sum_ns = 1500000000;
	text = render_pods(&p, 1, 10);
	assert_non_null(strstr(text, "bwm_pod_packet_delay_seconds_bucket{pod=\"web\",namespace=\"\","
				     "kube_pod=\"\",le=\"8.192e-06\"} 3\n"));
	assert_non_null(strstr(text, "le=\"1.6384e-05\"} 3\n"));
	assert_non_null(strstr(text, "le=\"3.2768e-05\"} 5\n"));
	assert_non_null(strstr(text, "le=\"0.268435456\"} 5\n"));
	assert_non_null(strstr(text, "le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(text, "bwm_pod_packet_delay_seconds_count{pod=\"web\",namespace=\"\",kube_pod=\"\"} 6\n"));
	assert_non_null(strstr(text, "bwm_pod_packet_delay_seconds_sum{pod=\"web\",namespace=\"\",kube_pod=\"\"} 1.5\n"));
	free(text);
}

static void series_are_bounded(void **unused)
{
	struct pod_stats pods[3] = {};
	char *text;

	for (int i = 0; i < 3; i++)
		snprintf(pods[i].meta.name, sizeof(pods[i].meta.name), "p%d", i);
	text = render_pods(pods, 3, 2);
	assert_non_null(strstr(text, "pod=\"p1\""));
	assert_null(strstr(text, "pod=\"p2\""));
	assert_non_null(strstr(text, "bwm_pods_omitted 1\n"));
	free(text);
}

static char *render_node(const struct metrics_node *node)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	metrics_render_node(out, node);
	fclose(out);
	return text;
}

/* Each uplink's two gauges, its name escaped as any label value. */
static void uplink_gauges(void **unused)
{
	const struct metrics_uplink uplinks[] = {
		/* qdisc = none; an uplink whose attach failed */
		{ .name = "eth0", .active = true, .qdisc_managed = false },
		{ .name = "wg\"0", .active = false, .qdisc_managed = true },
	};
	const struct metrics_node node = { .version = "test", .uplinks = uplinks, .n_uplinks = 2 };
	char *text = render_node(&node);

	assert_non_null(strstr(text, "# TYPE bwm_uplink_up gauge\n"));
	assert_non_null(strstr(text, "\nbwm_uplink_up{uplink=\"eth0\"} 1\n"));
	assert_non_null(strstr(text, "\nbwm_uplink_up{uplink=\"wg\\\"0\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE bwm_uplink_qdisc_managed gauge\n"));
	assert_non_null(strstr(text, "\nbwm_uplink_qdisc_managed{uplink=\"eth0\"} 0\n"));
	assert_non_null(strstr(text, "\nbwm_uplink_qdisc_managed{uplink=\"wg\\\"0\"} 1\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(label_values_are_escaped),
		cmocka_unit_test(histogram_buckets_are_cumulative),
		cmocka_unit_test(series_are_bounded),
		cmocka_unit_test(uplink_gauges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
