// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "podspec.h"
#include "util.h"

#define MAX_MESSAGES 16

/* Problems as the daemon would log them, for a file named "web-1". */
struct messages {
	size_t n;
	char *text[MAX_MESSAGES];
};

static void collect(const struct bwm_annotation_problem *p, void *userdata)
{
	struct messages *m = userdata;

	assert_true(m->n < MAX_MESSAGES);
	m->text[m->n] = annotation_problem_format("web-1", p);
	assert_non_null(m->text[m->n]);
	m->n++;
}

static void messages_free(struct messages *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->text[i]);
	*m = (struct messages) {};
}

/* Parses text as the file of pod "web-1"; returns the number of problems. */
static int spec_from_text(const char *text, struct bwm_pod_spec *spec, struct messages *m)
{
	struct bwm_annotations a;
	int r, n;

	*m = (struct messages) {};
	n = annotations_parse(text, strlen(text), collect, m, &a);
	assert_true(n >= 0);
	r = podspec_from_annotations("web-1", &a, collect, m, spec);
	annotations_free(&a);
	assert_true(r >= 0);
	return n + r;
}

static void full_file(void **state)
{
	struct bwm_pod_spec spec;
	struct messages m;
	char text[INET6_ADDRSTRLEN];

	assert_int_equal(spec_from_text("bwm.io/interface=\"veth1a2b\"\n"
					"bwm.io/ips=\"10.0.0.5, fd00::5\"\n"
					"kubernetes.io/egress-bandwidth=\"10M\"\n"
					"kubernetes.io/ingress-bandwidth=\"1.5G\"\n"
					"other.io/ignored=\"anything \\u00e9\"", &spec, &m), 0);
	assert_string_equal(spec.name, "web-1");
	assert_int_equal(spec.egress_bps, 10000000);
	assert_int_equal(spec.ingress_bps, 1500000000);
	assert_string_equal(spec.ifname, "veth1a2b");
	assert_int_equal(spec.n_addrs, 2);
	assert_int_equal(spec.addrs[0].family, AF_INET);
	assert_string_equal(inet_ntop(AF_INET, &spec.addrs[0].v4, text, sizeof(text)), "10.0.0.5");
	assert_int_equal(spec.addrs[1].family, AF_INET6);
	assert_string_equal(inet_ntop(AF_INET6, &spec.addrs[1].v6, text, sizeof(text)), "fd00::5");
	podspec_free(&spec);
	assert_null(spec.name);
}

static void no_keys_no_limits(void **state)
{
	struct bwm_pod_spec spec;
	struct messages m;

	assert_int_equal(spec_from_text("", &spec, &m), 0);
	assert_string_equal(spec.name, "web-1");
	assert_int_equal(spec.egress_bps, 0);
	assert_int_equal(spec.ingress_bps, 0);
	assert_string_equal(spec.ifname, "");
	assert_int_equal(spec.n_addrs, 0);
	podspec_free(&spec);
}

static void bad_value_drops_only_its_key(void **state)
{
	struct bwm_pod_spec spec;
	struct messages m;

	assert_int_equal(spec_from_text("bwm.io/interface=\"veth1\"\n"
					"kubernetes.io/egress-bandwidth=\"10Q\"\n"
					"kubernetes.io/ingress-bandwidth=\"20M\"", &spec, &m), 1);
	assert_string_equal(m.text[0], "web-1:2: kubernetes.io/egress-bandwidth: \"10Q\": unknown suffix");
	assert_int_equal(spec.egress_bps, 0);
	assert_int_equal(spec.ingress_bps, 20000000);
	assert_string_equal(spec.ifname, "veth1");
	messages_free(&m);
	podspec_free(&spec);
}

static void every_problem_is_reported(void **state)
{
	struct bwm_pod_spec spec;
	struct messages m;

	assert_int_equal(spec_from_text("bwm.io/interface=\"eth0/1\"\n"
					"bwm.io/ips=\"10.0.0.256\"\n"
					"garbage\n"
					"kubernetes.io/egress-bandwidth=\"999\"\n"
					"kubernetes.io/ingress-bandwidth=\"2P\"\n"
					"kubernetes.io/egress-bandwidth=\"10M\"", &spec, &m), 6);
	assert_string_equal(m.text[0], "web-1:3: expected key=\"value\"");
	assert_string_equal(m.text[1], "web-1:6: kubernetes.io/egress-bandwidth: \"10M\": "
			    "duplicate key (the first one counts)");
	assert_string_equal(m.text[2], "web-1:4: kubernetes.io/egress-bandwidth: \"999\": below 1k");
	assert_string_equal(m.text[3], "web-1:5: kubernetes.io/ingress-bandwidth: \"2P\": above 1P");
	assert_string_equal(m.text[4], "web-1:1: bwm.io/interface: \"eth0/1\": invalid interface name");
	assert_string_equal(m.text[5], "web-1:2: bwm.io/ips: \"10.0.0.256\": invalid address");
	assert_int_equal(spec.egress_bps, 0);
	assert_int_equal(spec.ingress_bps, 0);
	assert_string_equal(spec.ifname, "");
	assert_int_equal(spec.n_addrs, 0);
	messages_free(&m);
	podspec_free(&spec);
}

struct value_case {
	const char *value;
	const char *reason;   /* NULL: accepted */
};

static const struct value_case interface_cases[] = {
	{ "eth0", NULL }, { "veth1234567890a", NULL }, { "a", NULL }, { "br-lan.100", NULL }, { "\xc3\xa9th0", NULL },
	{ "", "empty interface name" },
	{ "veth1234567890ab", "interface name longer than 15 characters" },
	{ ".", "invalid interface name" }, { "..", "invalid interface name" },
	{ "a/b", "invalid interface name" }, { "a b", "invalid interface name" },
	{ "a:b", "invalid interface name" }, { "a\tb", "invalid interface name" },
	{ "a\nb", "invalid interface name" }, { "a\x7f", "invalid interface name" },
};

static void interface_names(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(interface_cases); i++) {
		const struct value_case *c = &interface_cases[i];
		_cleanup_free_ char *quoted = annotation_quote(c->value, SIZE_MAX), *text = NULL;
		struct bwm_pod_spec spec;
		struct messages m;

		assert_true(asprintf(&text, "bwm.io/interface=%s", quoted) > 0);
		if (c->reason) {
			_cleanup_free_ char *expected = NULL;

			assert_int_equal(spec_from_text(text, &spec, &m), 1);
			assert_true(asprintf(&expected, "web-1:1: bwm.io/interface: %s: %s", quoted, c->reason) > 0);
			assert_string_equal(m.text[0], expected);
			assert_string_equal(spec.ifname, "");
		} else {
			if (spec_from_text(text, &spec, &m) != 0)
				fail_msg("%s", m.text[0]);
			assert_string_equal(spec.ifname, c->value);
		}
		messages_free(&m);
		podspec_free(&spec);
	}
}

struct ips_case {
	const char *value;
	size_t n_addrs;
	const char *reason;
};

static const struct ips_case ips_cases[] = {
	{ "10.0.0.1", 1, NULL }, { "fd00::1", 1, NULL }, { "10.0.0.1,fd00::1", 2, NULL },
	{ " 10.0.0.1 ,\tfd00::1 ", 2, NULL }, { "\\n10.0.0.1,\\r\\n10.0.0.2\\n", 2, NULL }, { "::ffff:10.0.0.1", 1, NULL },
	{ "", 0, NULL }, { "  ", 0, NULL },
	{ "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,"
	  "1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16", 16, NULL },
	{ "1.0.0.1,1.0.0.2,1.0.0.3,1.0.0.4,1.0.0.5,1.0.0.6,1.0.0.7,1.0.0.8,"
	  "1.0.0.9,1.0.0.10,1.0.0.11,1.0.0.12,1.0.0.13,1.0.0.14,1.0.0.15,1.0.0.16,1.0.0.17", 0,
	  "more than 16 addresses" },
	{ "10.0.0.1,,10.0.0.2", 0, "empty entry in the address list" },
	{ "10.0.0.1,", 0, "empty entry in the address list" },
	{ ",10.0.0.1", 0, "empty entry in the address list" },
	{ "10.0.0.1, ,10.0.0.2", 0, "empty entry in the address list" },
	{ "10.0.0.256", 0, "invalid address" }, { "10.0.0", 0, "invalid address" },
	{ "10.0.0.1/24", 0, "invalid address" }, { "fe80::1%eth0", 0, "invalid address" },
	{ "10.0.0.1 10.0.0.2", 0, "invalid address" }, { "pod.example", 0, "invalid address" },
	{ "0000:0000:0000:0000:0000:0000:0000:0000:0000:0001", 0, "invalid address" },
	{ "10.0.0.1,10.0.0.1", 0, "duplicate address" },
	{ "::1, 0::1", 0, "duplicate address" },
};

static void address_lists(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(ips_cases); i++) {
		const struct ips_case *c = &ips_cases[i];
		_cleanup_free_ char *text = NULL;
		struct bwm_pod_spec spec;
		struct messages m;
		int r;

		assert_true(asprintf(&text, "bwm.io/ips=\"%s\"", c->value) > 0);
		r = spec_from_text(text, &spec, &m);
		if (c->reason) {
			if (r != 1)
				fail_msg("\"%s\": %d problems, expected \"%s\"", c->value, r, c->reason);
			assert_non_null(strstr(m.text[0], c->reason));
		} else if (r != 0) {
			fail_msg("%s", m.text[0]);
		}
		assert_int_equal(spec.n_addrs, c->n_addrs);
		messages_free(&m);
		podspec_free(&spec);
	}
}

static void pod_names(void **state)
{
	char long_name[NAME_MAX + 2];

	assert_true(podspec_is_pod_name("web-1"));
	assert_true(podspec_is_pod_name("ns_web-1.v2"));
	assert_false(podspec_is_pod_name(""));
	assert_false(podspec_is_pod_name("..data"));
	assert_false(podspec_is_pod_name("..2026_11_21_10_00_00.123456789"));
	assert_false(podspec_is_pod_name(".web-1.swp"));
	assert_false(podspec_is_pod_name("a/b"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(podspec_is_pod_name(long_name));
}

static void free_accepts_null_and_twice(void **state)
{
	struct bwm_pod_spec spec;
	struct messages m;

	podspec_free(NULL);
	assert_int_equal(spec_from_text("", &spec, &m), 0);
	podspec_free(&spec);
	podspec_free(&spec);
}

/* Files: a temporary pods directory per test. */

struct pods_dir {
	char path[64];
	int fd;
};

static int pods_dir_setup(void **state)
{
	struct pods_dir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	strcpy(d->path, "/tmp/bwm-pods-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->fd >= 0);
	*state = d;
	return 0;
}

static int pods_dir_teardown(void **state)
{
	struct pods_dir *d = *state;
	_cleanup_free_ char *cmd = NULL;

	close(d->fd);
	assert_true(asprintf(&cmd, "rm -rf '%s'", d->path) > 0);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

static void write_file_at(int dirfd, const char *name, const char *text, size_t size, mode_t mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, size), (ssize_t)size);
	/* Not subject to the umask, so that tests can make world-writable files. */
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void write_file(int dirfd, const char *name, const char *text)
{
	write_file_at(dirfd, name, text, strlen(text), 0644);
}

/* Files owned by root are the only ones bwm reads. */
static void skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* Loads name and expects the file to be refused with error and reason. */
static void assert_refused(int dirfd, const char *name, int error, const char *reason)
{
	struct bwm_pod_spec spec = { .name = (char *)"untouched" };
	struct messages m = {};
	_cleanup_free_ char *expected = NULL;

	assert_int_equal(podspec_load_file(dirfd, name, collect, &m, &spec), error);
	assert_string_equal(spec.name, "untouched");
	assert_int_equal(m.n, 1);
	assert_true(asprintf(&expected, "web-1: %s", reason) > 0);
	assert_string_equal(m.text[0], expected);
	messages_free(&m);
}

static void plain_file(void **state)
{
	struct pods_dir *d = *state;
	struct bwm_pod_spec spec;
	struct messages m = {};

	skip_unless_root();
	write_file(d->fd, "web-1", "kubernetes.io/egress-bandwidth=\"10M\"\nkubernetes.io/ingress-bandwidth=\"x\"");
	assert_int_equal(podspec_load_file(d->fd, "web-1", collect, &m, &spec), 1);
	assert_string_equal(m.text[0], "web-1:2: kubernetes.io/ingress-bandwidth: \"x\": not a number");
	assert_string_equal(spec.name, "web-1");
	assert_int_equal(spec.egress_bps, 10000000);
	messages_free(&m);
	podspec_free(&spec);
}

/* Kubelet's AtomicWriter: data in ..<timestamp>/, swapped by renaming ..data. */
static void kubelet_layout_and_swap(void **state)
{
	struct pods_dir *d = *state;
	struct bwm_pod_spec spec;
	struct messages m = {};
	int ts;

	skip_unless_root();
	assert_int_equal(mkdirat(d->fd, "..2026_11_21_10_00_00.1", 0755), 0);
	ts = openat(d->fd, "..2026_11_21_10_00_00.1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	write_file(ts, "web-1", "kubernetes.io/egress-bandwidth=\"10M\"");
	close(ts);
	assert_int_equal(symlinkat("..2026_11_21_10_00_00.1", d->fd, "..data"), 0);
	assert_int_equal(symlinkat("..data/web-1", d->fd, "web-1"), 0);

	assert_int_equal(podspec_load_file(d->fd, "web-1", collect, &m, &spec), 0);
	assert_int_equal(spec.egress_bps, 10000000);
	podspec_free(&spec);

	assert_int_equal(mkdirat(d->fd, "..2026_11_21_10_00_01.2", 0755), 0);
	ts = openat(d->fd, "..2026_11_21_10_00_01.2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	write_file(ts, "web-1", "kubernetes.io/egress-bandwidth=\"20M\"");
	close(ts);
	assert_int_equal(symlinkat("..2026_11_21_10_00_01.2", d->fd, "..data_tmp"), 0);
	assert_int_equal(renameat(d->fd, "..data_tmp", d->fd, "..data"), 0);

	assert_int_equal(podspec_load_file(d->fd, "web-1", collect, &m, &spec), 0);
	assert_int_equal(spec.egress_bps, 20000000);
	assert_int_equal(m.n, 0);
	podspec_free(&spec);
}

static void symlinks_outside_the_layout_are_refused(void **state)
{
	struct pods_dir *d = *state;
	char outside[] = "/tmp/bwm-outside-XXXXXX", target[128];
	int fd;

	assert_int_equal(symlinkat("/etc/hostname", d->fd, "web-1"), 0);
	assert_refused(d->fd, "web-1", -EXDEV, "symlink other than kubelet's NAME -> ..data/NAME");
	assert_int_equal(unlinkat(d->fd, "web-1", 0), 0);

	/* The right shape, but ..data leads out of the pods directory. */
	assert_non_null(mkdtemp(outside));
	fd = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	write_file(fd, "web-1", "kubernetes.io/egress-bandwidth=\"10M\"");
	close(fd);
	assert_int_equal(symlinkat(outside, d->fd, "..data"), 0);
	assert_int_equal(symlinkat("..data/web-1", d->fd, "web-1"), 0);
	assert_refused(d->fd, "web-1", -EXDEV, "..data leads outside the pods directory");
	snprintf(target, sizeof(target), "%s/web-1", outside);
	assert_int_equal(unlink(target), 0);
	assert_int_equal(rmdir(outside), 0);

	/* ..data inside, but the file in it a symlink. */
	assert_int_equal(unlinkat(d->fd, "..data", 0), 0);
	assert_int_equal(mkdirat(d->fd, "..ts", 0755), 0);
	assert_int_equal(symlinkat("..ts", d->fd, "..data"), 0);
	fd = openat(d->fd, "..ts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(symlinkat("/etc/hostname", fd, "web-1"), 0);
	close(fd);
	assert_refused(d->fd, "web-1", -EXDEV, "symlink inside ..data");
}

static void world_writable_and_foreign_files_are_refused(void **state)
{
	struct pods_dir *d = *state;
	int fd;

	write_file_at(d->fd, "web-1", "", 0, 0646);
	if (geteuid() == 0)
		assert_refused(d->fd, "web-1", -EPERM, "world-writable");

	write_file(d->fd, "web-1", "");
	if (geteuid() == 0) {
		fd = openat(d->fd, "web-1", O_RDONLY | O_CLOEXEC);
		assert_int_equal(fchown(fd, 65534, 65534), 0);
		close(fd);
	}
	assert_refused(d->fd, "web-1", -EPERM, "not owned by root");
}

static void size_cap(void **state)
{
	struct pods_dir *d = *state;
	static const char egress[] = "kubernetes.io/egress-bandwidth=\"10M\"";
	_cleanup_free_ char *text = malloc(BWM_POD_FILE_MAX + 1);
	struct bwm_pod_spec spec;

	skip_unless_root();
	assert_non_null(text);
	/* Exactly at the cap: blank lines around one annotation. */
	memset(text, '\n', BWM_POD_FILE_MAX + 1);
	memcpy(text, egress, strlen(egress));
	write_file_at(d->fd, "web-1", text, BWM_POD_FILE_MAX, 0644);
	assert_int_equal(podspec_load_file(d->fd, "web-1", NULL, NULL, &spec), 0);
	assert_int_equal(spec.egress_bps, 10000000);
	podspec_free(&spec);

	write_file_at(d->fd, "web-1", text, BWM_POD_FILE_MAX + 1, 0644);
	assert_refused(d->fd, "web-1", -EFBIG, "larger than 256 KiB");
}

static void not_pods_and_not_files(void **state)
{
	struct pods_dir *d = *state;
	struct messages m = {};
	struct bwm_pod_spec spec;

	assert_int_equal(podspec_load_file(d->fd, "..data", collect, &m, &spec), -EINVAL);
	assert_string_equal(m.text[0], "web-1: not a pod file name");
	messages_free(&m);

	/* A FIFO must not block the daemon. */
	assert_int_equal(mkfifoat(d->fd, "web-1", 0644), 0);
	assert_refused(d->fd, "web-1", -EINVAL, "not a regular file");
	assert_int_equal(unlinkat(d->fd, "web-1", 0), 0);
	assert_int_equal(mkdirat(d->fd, "web-1", 0755), 0);
	assert_refused(d->fd, "web-1", -EINVAL, "not a regular file");

	/* A file that went away is the caller's to handle: no report. */
	assert_int_equal(podspec_load_file(d->fd, "web-2", collect, &m, &spec), -ENOENT);
	assert_int_equal(m.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_file),
		cmocka_unit_test(no_keys_no_limits),
		cmocka_unit_test(bad_value_drops_only_its_key),
		cmocka_unit_test(every_problem_is_reported),
		cmocka_unit_test(interface_names),
		cmocka_unit_test(address_lists),
		cmocka_unit_test(pod_names),
		cmocka_unit_test(free_accepts_null_and_twice),
		cmocka_unit_test_setup_teardown(plain_file, pods_dir_setup, pods_dir_teardown),
		cmocka_unit_test_setup_teardown(kubelet_layout_and_swap, pods_dir_setup, pods_dir_teardown),
		cmocka_unit_test_setup_teardown(symlinks_outside_the_layout_are_refused, pods_dir_setup,
						pods_dir_teardown),
		cmocka_unit_test_setup_teardown(world_writable_and_foreign_files_are_refused, pods_dir_setup,
						pods_dir_teardown),
		cmocka_unit_test_setup_teardown(size_cap, pods_dir_setup, pods_dir_teardown),
		cmocka_unit_test_setup_teardown(not_pods_and_not_files, pods_dir_setup, pods_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
