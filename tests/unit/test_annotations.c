// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "annotations.h"
#include "util.h"

#define MAX_PROBLEMS 16

/* What the parser reported, copied, in order. */
struct problems {
	size_t n;
	unsigned line[MAX_PROBLEMS];
	char *key[MAX_PROBLEMS];
	char *value[MAX_PROBLEMS];
	const char *reason[MAX_PROBLEMS];
};

static void collect(const struct bwm_annotation_problem *p, void *userdata)
{
	struct problems *ps = userdata;

	assert_true(ps->n < MAX_PROBLEMS);
	ps->line[ps->n] = p->line;
	ps->key[ps->n] = p->key ? strdup(p->key) : NULL;
	ps->value[ps->n] = p->value ? strdup(p->value) : NULL;
	ps->reason[ps->n] = p->reason;
	ps->n++;
}

static void problems_free(struct problems *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->key[i]);
		free(ps->value[i]);
	}
}

/* Parses a C string; the caller frees a and ps. */
static int parse(const char *text, struct bwm_annotations *a, struct problems *ps)
{
	*ps = (struct problems) {};
	return annotations_parse(text, strlen(text), collect, ps, a);
}

static void assert_annotation(const struct bwm_annotations *a, const char *key, const char *value, unsigned line)
{
	const struct bwm_annotation *found = annotations_get(a, key);

	if (!found)
		fail_msg("no annotation \"%s\"", key);
	assert_string_equal(found->value, value);
	assert_int_equal(found->line, line);
}

static void kubelet_file(void **state)
{
	struct bwm_annotations a;
	struct problems ps;

	/* As FormatMap writes it: sorted, no newline after the last line. */
	assert_int_equal(parse("bwm.io/interface=\"veth1\"\n"
			       "kubernetes.io/config.seen=\"2026-11-21T10:00:00.123456789Z\"\n"
			       "kubernetes.io/egress-bandwidth=\"10M\"", &a, &ps), 0);
	assert_int_equal(a.n_items, 3);
	assert_annotation(&a, "bwm.io/interface", "veth1", 1);
	assert_annotation(&a, "kubernetes.io/config.seen", "2026-11-21T10:00:00.123456789Z", 2);
	assert_annotation(&a, "kubernetes.io/egress-bandwidth", "10M", 3);
	assert_null(annotations_get(&a, "kubernetes.io/ingress-bandwidth"));
	annotations_free(&a);
}

static void line_ends(void **state)
{
	static const char *const texts[] = {
		"a=\"1\"\nb=\"2\"",          /* no trailing newline */
		"a=\"1\"\nb=\"2\"\n",        /* trailing newline */
		"a=\"1\"\r\nb=\"2\"\r\n",    /* CRLF */
		"a=\"1\"\r\nb=\"2\"",        /* CRLF, none at the end */
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct bwm_annotations a;
		struct problems ps;

		assert_int_equal(parse(texts[i], &a, &ps), 0);
		assert_int_equal(a.n_items, 2);
		assert_annotation(&a, "a", "1", 1);
		assert_annotation(&a, "b", "2", 2);
		annotations_free(&a);
	}
}

static void empty_and_blank(void **state)
{
	static const char *const texts[] = { "", "\n", "\r\n", "\n\n\n", "  \t\n" };
	struct bwm_annotations a;
	struct problems ps;

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		assert_int_equal(parse(texts[i], &a, &ps), 0);
		assert_int_equal(a.n_items, 0);
		assert_null(annotations_get(&a, "a"));
		annotations_free(&a);
	}

	/* Blank lines are skipped but counted. */
	assert_int_equal(parse("\n\na=\"1\"\n \n\r\nb=\"\"\n\n", &a, &ps), 0);
	assert_annotation(&a, "a", "1", 3);
	assert_annotation(&a, "b", "", 6);
	annotations_free(&a);
}

struct quoting_case {
	const char *quoted;
	const char *value;    /* when reason is NULL */
	const char *reason;
};

static const struct quoting_case quoting_cases[] = {
	{ "\"\"", "", NULL },
	{ "\"plain text, with = and spaces\"", "plain text, with = and spaces", NULL },
	{ "\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\"", "\a\b\f\n\r\t\v\\\"", NULL },
	{ "\"\\x41\\x7e\\xFf\"", "A~\xff", NULL },
	{ "\"\\101\\177\\377\"", "A\177\377", NULL },
	{ "\"\\u00e9\\u20AC\"", "\xc3\xa9\xe2\x82\xac", NULL },
	{ "\"\\U0001F600\\U0010ffff\"", "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", NULL },
	{ "\"caf\xc3\xa9 \xff raw\"", "caf\xc3\xa9 \xff raw", NULL },   /* raw bytes pass */
	{ "\"{\\\"a\\\":[1,2]}\"", "{\"a\":[1,2]}", NULL },            /* JSON in a value */
	{ "\"\\'\"", NULL, "invalid escape sequence" },           /* only in '...' in Go */
	{ "\"\\q\"", NULL, "invalid escape sequence" },
	{ "\"\\x4\"", NULL, "invalid escape sequence" },
	{ "\"\\x4g\"", NULL, "invalid escape sequence" },
	{ "\"\\u12\"", NULL, "invalid escape sequence" },
	{ "\"\\12\"", NULL, "invalid escape sequence" },
	{ "\"\\18\"", NULL, "invalid escape sequence" },
	{ "\"\\400\"", NULL, "invalid escape sequence" },
	{ "\"\\ud800\"", NULL, "invalid Unicode code point" },
	{ "\"\\U00110000\"", NULL, "invalid Unicode code point" },
	{ "\"a\\x00b\"", NULL, "NUL in value" },
	{ "\"a\\000b\"", NULL, "NUL in value" },
	{ "\"a\\u0000b\"", NULL, "NUL in value" },
	{ "\"abc", NULL, "unterminated quoted value" },
	{ "\"abc\\", NULL, "unterminated quoted value" },
	{ "\"abc\\\"", NULL, "unterminated quoted value" },
	{ "\"a\"b", NULL, "text after the closing quote" },
	{ "\"a\" ", NULL, "text after the closing quote" },
	{ "abc", NULL, "value not quoted" },
	{ "'abc'", NULL, "value not quoted" },
	{ "", NULL, "value not quoted" },
};

static void quoting_and_escapes(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(quoting_cases); i++) {
		const struct quoting_case *c = &quoting_cases[i];
		_cleanup_free_ char *line = NULL;
		struct bwm_annotations a;
		struct problems ps;
		int r;

		assert_true(asprintf(&line, "k=%s", c->quoted) > 0);
		r = parse(line, &a, &ps);
		if (c->reason) {
			if (r != 1)
				fail_msg("%s: %d problems, expected \"%s\"", line, r, c->reason);
			assert_int_equal(a.n_items, 0);
			assert_int_equal(ps.line[0], 1);
			assert_string_equal(ps.key[0], "k");
			assert_null(ps.value[0]);
			assert_string_equal(ps.reason[0], c->reason);
		} else {
			if (r != 0)
				fail_msg("%s: %s", line, ps.reason[0]);
			assert_annotation(&a, "k", c->value, 1);
		}
		problems_free(&ps);
		annotations_free(&a);
	}
}

static void embedded_nul_is_refused(void **state)
{
	static const char text[] = "a=\"x\0y\"\nb=\"2\"";
	struct bwm_annotations a;
	struct problems ps = {};

	assert_int_equal(annotations_parse(text, sizeof(text) - 1, collect, &ps, &a), 1);
	assert_int_equal(ps.line[0], 1);
	assert_string_equal(ps.reason[0], "NUL in value");
	assert_null(annotations_get(&a, "a"));
	assert_annotation(&a, "b", "2", 2);
	problems_free(&ps);
	annotations_free(&a);
}

static void garbage_lines_are_reported_and_skipped(void **state)
{
	struct bwm_annotations a;
	struct problems ps;

	assert_int_equal(parse("garbage\n"
			       "a=\"1\"\n"
			       "=\"no key\"\n"
			       "bad key=\"x\"\n"
			       "# comment\n"
			       " b=\"indented\"\n"
			       "c=unquoted\n"
			       "d=\"2\"", &a, &ps), 6);
	assert_int_equal(a.n_items, 2);
	assert_annotation(&a, "a", "1", 2);
	assert_annotation(&a, "d", "2", 8);

	assert_int_equal(ps.line[0], 1);
	assert_null(ps.key[0]);
	assert_string_equal(ps.reason[0], "expected key=\"value\"");
	assert_int_equal(ps.line[1], 3);
	assert_string_equal(ps.reason[1], "invalid key");
	assert_int_equal(ps.line[2], 4);
	assert_string_equal(ps.reason[2], "invalid key");
	assert_int_equal(ps.line[3], 5);
	assert_string_equal(ps.reason[3], "expected key=\"value\"");
	assert_int_equal(ps.line[4], 6);
	assert_string_equal(ps.reason[4], "invalid key");
	assert_int_equal(ps.line[5], 7);
	assert_string_equal(ps.key[5], "c");
	assert_string_equal(ps.reason[5], "value not quoted");
	problems_free(&ps);
	annotations_free(&a);
}

static void duplicate_keys_first_one_counts(void **state)
{
	struct bwm_annotations a;
	struct problems ps;

	assert_int_equal(parse("a=\"1\"\nb=\"x\"\na=\"2\"\na=\"3\"", &a, &ps), 2);
	assert_int_equal(a.n_items, 2);
	assert_annotation(&a, "a", "1", 1);
	assert_annotation(&a, "b", "x", 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(ps.line[i], 3 + i);
		assert_string_equal(ps.key[i], "a");
		assert_string_equal(ps.value[i], i == 0 ? "2" : "3");
		assert_string_equal(ps.reason[i], "duplicate key (the first one counts)");
	}
	problems_free(&ps);
	annotations_free(&a);
}

static void unsorted_keys_are_found(void **state)
{
	struct bwm_annotations a;
	struct problems ps;

	assert_int_equal(parse("z=\"1\"\nm=\"2\"\na=\"3\"", &a, &ps), 0);
	assert_string_equal(a.items[0].key, "a");
	assert_string_equal(a.items[2].key, "z");
	assert_annotation(&a, "z", "1", 1);
	assert_annotation(&a, "m", "2", 2);
	assert_annotation(&a, "a", "3", 3);
	annotations_free(&a);
}

static void long_lines_are_not_truncated(void **state)
{
	const size_t len = 1024 * 1024;
	_cleanup_free_ char *value = malloc(len + 1), *text = NULL;
	struct bwm_annotations a;
	struct problems ps;

	assert_non_null(value);
	for (size_t i = 0; i < len; i++)
		value[i] = (char)('a' + i % 26);
	value[len] = '\0';
	assert_true(asprintf(&text, "before=\"1\"\nlong=\"%s\"\nafter=\"2\"", value) > 0);

	assert_int_equal(parse(text, &a, &ps), 0);
	assert_annotation(&a, "long", value, 2);
	assert_annotation(&a, "after", "2", 3);
	annotations_free(&a);
}

static void quote_round_trips_every_byte(void **state)
{
	char value[256];
	_cleanup_free_ char *quoted = NULL, *back = NULL;
	const char *reason;

	for (int i = 1; i < 256; i++)
		value[i - 1] = (char)i;
	value[255] = '\0';
	quoted = annotation_quote(value, SIZE_MAX);
	assert_non_null(quoted);
	/* Nothing but printable ASCII, whatever the value holds. */
	for (const char *p = quoted; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	assert_int_equal(annotation_unquote(quoted, strlen(quoted), &back, &reason), 0);
	assert_string_equal(back, value);
}

static void quote_cuts_long_values(void **state)
{
	_cleanup_free_ char *cut = annotation_quote("abcdef", 3), *whole = annotation_quote("abc", 3);
	_cleanup_free_ char *escaped = annotation_quote("a\n\x1b[31m\"", 100);

	assert_string_equal(cut, "\"abc\"...");
	assert_string_equal(whole, "\"abc\"");
	assert_string_equal(escaped, "\"a\\n\\x1b[31m\\\"\"");
}

static void problem_format(void **state)
{
	const struct bwm_annotation_problem value_problem = {
		2, "kubernetes.io/egress-bandwidth", "10Q", "unknown suffix"
	};
	const struct bwm_annotation_problem key_problem = { 3, "k", NULL, "unterminated quoted value" };
	const struct bwm_annotation_problem line_problem = { 4, NULL, NULL, "invalid key" };
	const struct bwm_annotation_problem file_problem = { 0, NULL, NULL, "world-writable" };
	_cleanup_free_ char *s1 = annotation_problem_format("/run/bwm/pods/web-1", &value_problem);
	_cleanup_free_ char *s2 = annotation_problem_format("web-1", &key_problem);
	_cleanup_free_ char *s3 = annotation_problem_format("web-1", &line_problem);
	_cleanup_free_ char *s4 = annotation_problem_format("web-1", &file_problem);

	assert_string_equal(s1, "/run/bwm/pods/web-1:2: kubernetes.io/egress-bandwidth: \"10Q\": unknown suffix");
	assert_string_equal(s2, "web-1:3: k: unterminated quoted value");
	assert_string_equal(s3, "web-1:4: invalid key");
	assert_string_equal(s4, "web-1: world-writable");
}

static void free_accepts_null(void **state)
{
	annotations_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kubelet_file),
		cmocka_unit_test(line_ends),
		cmocka_unit_test(empty_and_blank),
		cmocka_unit_test(quoting_and_escapes),
		cmocka_unit_test(embedded_nul_is_refused),
		cmocka_unit_test(garbage_lines_are_reported_and_skipped),
		cmocka_unit_test(duplicate_keys_first_one_counts),
		cmocka_unit_test(unsorted_keys_are_found),
		cmocka_unit_test(long_lines_are_not_truncated),
		cmocka_unit_test(quote_round_trips_every_byte),
		cmocka_unit_test(quote_cuts_long_values),
		cmocka_unit_test(problem_format),
		cmocka_unit_test(free_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
