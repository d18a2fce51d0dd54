// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "log.h"

static char *write_temp(const char *text)
{
	char tmpl[] = "/tmp/bwm-config-XXXXXX";
	int fd = mkstemp(tmpl);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return strdup(tmpl);
}

static void defaults_without_a_file(void **state)
{
	struct bwm_config c;

	assert_int_equal(config_load("/nonexistent/bwm.conf", true, &c), 0);
	assert_null(c.uplinks[0]);
	assert_string_equal(c.pods_dir, "/run/bwm/pods");
	assert_string_equal(c.pin_dir, "/sys/fs/bpf/bwm");
	assert_int_equal(c.qdisc, BWM_QDISC_FQ);
	assert_true(c.queue_fix);
	assert_int_equal(c.pod_horizon_ns, 100000000ULL);
	assert_int_equal(c.aqm_target_ns, 5000000ULL);
	assert_int_equal(c.aqm_interval_ns, 100000000ULL);
	config_free(&c);
}

static void missing_file_is_an_error_when_named(void **state)
{
	struct bwm_config c;

	assert_int_equal(config_load("/nonexistent/bwm.conf", false, &c), -ENOENT);
}

static void keys_are_read(void **state)
{
	char *path = write_temp("[bwm]\n"
				"uplinks = eth0, eth1\n"
				"pods_dir = /tmp/pods\n"
				"max_pods = 65535\n"
				"[datapath]\n"
				"qdisc = none\n"
				"queue_fix = no\n"
				"horizon = 2s\n"
				"fq_buckets_log = 12\n"
				"fq_orphan_mask = 4294967295\n"
				"pod_mark_mask = 0xffff0000\n");
	struct bwm_config c;

	assert_int_equal(config_load(path, false, &c), 0);
	assert_string_equal(c.uplinks[0], "eth0");
	assert_string_equal(c.uplinks[1], "eth1");
	assert_null(c.uplinks[2]);
	assert_string_equal(c.pods_dir, "/tmp/pods");
	assert_string_equal(c.pin_dir, "/sys/fs/bpf/bwm");
	assert_int_equal(c.max_pods, 65535);
	assert_int_equal(c.qdisc, BWM_QDISC_NONE);
	assert_false(c.queue_fix);
	assert_int_equal(c.pod_horizon_ns, 2000000000ULL);
	assert_int_equal(c.fq_buckets_log, 12);
	assert_int_equal(c.fq_orphan_mask, UINT32_MAX);
	assert_int_equal(c.pod_mark_mask, 0xffff0000);
	config_free(&c);
	unlink(path);
	free(path);
}

static void unknown_keys_are_ignored(void **state)
{
	char *path = write_temp("[bwm]\nupllinks = eth0\n[nosuchsection]\nx = 1\n");
	struct bwm_config c;

	assert_int_equal(config_load(path, false, &c), 0);
	assert_null(c.uplinks[0]);
	config_free(&c);
	unlink(path);
	free(path);
}

static void bad_values_are_rejected(void **state)
{
	static const char *const bad[] = {
		"[datapath]\nqdisc = htb\n",
		"[datapath]\nqueue_fix = maybe\n",
		"[datapath]\nhorizon = 10 parsecs\n",
		"[datapath]\nhorizon = 1ns\n",          /* below the minimum */
		"[datapath]\nfq_buckets_log = 40\n",
		"[datapath]\nfq_orphan_mask = 0\n",
		"[datapath]\nfq_orphan_mask = 4294967296\n",
		"[bwm]\nmax_pods = -1\n",
		"[bwm]\nmax_pods = 12abc\n",
		"[bwm]\nlog_level = loud\n",
		/* Issue 16: the mark's field is contiguous, and holds every id. */
		"[datapath]\npod_mark_mask = 0x3f0f\n",
		"[datapath]\npod_mark_mask = 0\n",
		"[datapath]\npod_mark_mask = 0x1\n",
		"[datapath]\npod_mark_mask = 0x1ffffffff\n",
		"[bwm]\nmax_pods = 65535\n",   /* with the default mask: ids up to 16382 */
		"[bwm]\nmax_pods = 300\n[datapath]\npod_mark_mask = 0xff00\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = write_temp(bad[i]);
		struct bwm_config c = { .max_pods = 7 };

		assert_true(config_load(path, false, &c) < 0);
		assert_int_equal(c.max_pods, 7); /* untouched on failure */
		unlink(path);
		free(path);
	}
}

static void durations(void **state)
{
	uint64_t ns;

	assert_int_equal(config_parse_duration_ns("10ms", &ns), 0);
	assert_int_equal(ns, 10000000);
	assert_int_equal(config_parse_duration_ns("1.5s", &ns), 0);
	assert_int_equal(ns, 1500000000);
	assert_int_equal(config_parse_duration_ns("250 us", &ns), 0);
	assert_int_equal(ns, 250000);
	assert_int_equal(config_parse_duration_ns("5", &ns), -EINVAL);
	assert_int_equal(config_parse_duration_ns("-5ms", &ns), -EINVAL);
	assert_int_equal(config_parse_duration_ns("ms", &ns), -EINVAL);
}

/* etc/bwm.conf shows every key commented out at its default: with each
 * "#key = value" line uncommented, it must read as the defaults. */
static void reference_file_is_the_defaults(void **state)
{
	const char *src = getenv("SRC_DIR");
	char path[4096], line[1024];
	struct bwm_config d, c;
	char *text = NULL, *tmp;
	size_t len = 0;
	FILE *in, *out;
	unsigned keys = 0;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/etc/bwm.conf", src);
	in = fopen(path, "r");
	assert_non_null(in);
	out = open_memstream(&text, &len);
	while (fgets(line, sizeof(line), in)) {
		/* "#key = value", not a comment in prose: # then a key, then " =". */
		size_t key_len = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_0123456789");
		bool setting = line[0] == '#' && key_len > 0 && strncmp(line + 1 + key_len, " =", 2) == 0;
		keys += setting;
		fputs(setting ? line + 1 : line, out);
	}
	fclose(in);
	fclose(out);
	assert_true(keys >= 25);   /* every key of config.c's table, give or take new ones */
	tmp = write_temp(text);
	free(text);
	config_init_defaults(&d);
	assert_int_equal(config_load(tmp, false, &c), 0);
	unlink(tmp);
	free(tmp);
	assert_string_equal(c.pods_dir, d.pods_dir);
	assert_string_equal(c.pin_dir, d.pin_dir);
	assert_string_equal(c.state_dir, d.state_dir);
	assert_null(c.uplinks[0]);
	/* The rest are numbers and flags. */
	assert_int_equal(c.max_pods, d.max_pods);
	assert_int_equal(c.log_level, d.log_level);
	assert_int_equal(c.cleanup_on_exit, d.cleanup_on_exit);
	assert_int_equal(c.resync_interval_ns, d.resync_interval_ns);
	assert_int_equal(c.qdisc, d.qdisc);
	assert_int_equal(c.queue_fix, d.queue_fix);
	assert_int_equal(c.pod_horizon_ns, d.pod_horizon_ns);
	assert_int_equal(c.fq_horizon_ns, d.fq_horizon_ns);
	assert_int_equal(c.fq_buckets_log, d.fq_buckets_log);
	assert_int_equal(c.fq_limit, d.fq_limit);
	assert_int_equal(c.fq_flow_limit, d.fq_flow_limit);
	assert_int_equal(c.fq_orphan_mask, d.fq_orphan_mask);
	assert_int_equal(c.pod_interfaces, d.pod_interfaces);
	assert_int_equal(c.pod_mark_mask, d.pod_mark_mask);
	assert_int_equal(c.aqm, d.aqm);
	assert_int_equal(c.aqm_target_ns, d.aqm_target_ns);
	assert_int_equal(c.aqm_interval_ns, d.aqm_interval_ns);
	assert_int_equal(c.ecn, d.ecn);
	assert_int_equal(c.sparse_flows, d.sparse_flows);
	assert_int_equal(c.sparse_quantum, d.sparse_quantum);
	assert_int_equal(c.max_flows, d.max_flows);
	assert_string_equal(c.metrics_textfile_dir, d.metrics_textfile_dir);
	assert_int_equal(c.metrics_interval_ns, d.metrics_interval_ns);
	assert_int_equal(c.bigtcp_enable, d.bigtcp_enable);
	assert_int_equal(c.bigtcp_size, d.bigtcp_size);
	assert_int_equal(c.bigtcp_uplinks, d.bigtcp_uplinks);
	assert_int_equal(c.bigtcp_pod_links, d.bigtcp_pod_links);
	assert_int_equal(c.bigtcp_pod_peers, d.bigtcp_pod_peers);
	config_free(&c);
	config_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_without_a_file),
		cmocka_unit_test(missing_file_is_an_error_when_named),
		cmocka_unit_test(keys_are_read),
		cmocka_unit_test(unknown_keys_are_ignored),
		cmocka_unit_test(bad_values_are_rejected),
		cmocka_unit_test(durations),
		cmocka_unit_test(reference_file_is_the_defaults),
	};

	log_set_max_level(LOG_EMERG);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
