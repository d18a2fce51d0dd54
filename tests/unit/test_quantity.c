// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "quantity.h"
#include "util.h"

struct quantity_case {
	const char *text;
	int64_t value;        /* when reason is NULL */
	const char *reason;   /* expected failure */
};

#define OK(text, value) { text, value, NULL }
#define BAD(text, reason) { text, 0, reason }

static const struct quantity_case quantity_cases[] = {
	/* The annotation examples of the design. */
	OK("10M", 10000000),
	OK("1.5G", 1500000000),
	OK("500k", 500000),
	OK("100Mi", 104857600),
	/* Every suffix. */
	OK("1k", 1000), OK("1M", 1000000), OK("1G", 1000000000), OK("1T", 1000000000000),
	OK("1P", 1000000000000000), OK("1E", 1000000000000000000),
	OK("1Ki", 1024), OK("1Mi", 1048576), OK("1Gi", 1073741824), OK("1Ti", 1099511627776),
	OK("1Pi", 1125899906842624), OK("1Ei", 1152921504606846976),
	/* Exponents: "E" alone is exa, "E3" an exponent. */
	OK("1e9", 1000000000), OK("1E3", 1000), OK("1e+3", 1000), OK("1e0", 1),
	OK("25e-1", 3), OK("1.5e3", 1500), OK("12345678901234567890e-1", 1234567890123456789),
	/* Fractions round up, away from zero, as Quantity.Value(). */
	OK("0.5", 1), OK("1m", 1), OK("1500m", 2), OK("1000m", 1), OK("1n", 1), OK("1u", 1),
	OK("1.0000000000000000000000001", 2), OK("-1.5", -2), OK("1.5Ki", 1536),
	OK("0.1Ki", 103), OK("0.000000000000000000000000001Ei", 1), OK("1e-999999999999", 1),
	/* Number forms of the grammar. */
	OK("999", 999), OK("2P", 2000000000000000), OK("+10k", 10000), OK(".5k", 500), OK("5.", 5),
	OK("1.G", 1000000000), OK("0", 0), OK("-0", 0), OK("000", 0), OK("0.0", 0),
	OK("00000000000000000000000001", 1), OK("0e999999999999", 0),
	/* The edges of int64. */
	OK("9223372036854775807", INT64_MAX), OK("-9223372036854775807", -INT64_MAX),
	OK("7Ei", 8070450532247928832), OK("9E", 9000000000000000000),
	BAD("9223372036854775808", "too large"), BAD("8Ei", "too large"),
	BAD("10E", "too large"), BAD("1e19", "too large"), BAD("1e999", "too large"),
	BAD("1e99999999999999999999999", "too large"), BAD("-9223372036854775808", "too large"),
	BAD("100000000000000000000000000000000000000", "too large"),
	/* Not quantities. */
	BAD("", "empty"),
	BAD("10Q", "unknown suffix"), BAD("1K", "unknown suffix"), BAD("1ki", "unknown suffix"),
	BAD("1KiB", "unknown suffix"), BAD("10Mbit", "unknown suffix"), BAD("1e", "unknown suffix"),
	BAD("K", "not a number"), BAD("Mi", "not a number"), BAD(" 10M", "not a number"),
	BAD("10M ", "not a number"), BAD("10 M", "not a number"), BAD("1.5.5", "not a number"),
	BAD(".", "not a number"), BAD("-", "not a number"), BAD("+-1", "not a number"),
	BAD("--1", "not a number"), BAD("0x10", "not a number"), BAD("1,5", "not a number"),
	BAD("1e+", "bad exponent"), BAD("1e3.5", "bad exponent"), BAD("1ee3", "bad exponent"),
	BAD("1e3k", "bad exponent"),
};

static void quantity_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(quantity_cases); i++) {
		const struct quantity_case *c = &quantity_cases[i];
		const char *reason = NULL;
		int64_t value = 42;
		int r = quantity_parse(c->text, &value, &reason);

		if (c->reason) {
			if (r == 0)
				fail_msg("\"%s\" parsed as %lld, expected \"%s\"", c->text, (long long)value, c->reason);
			assert_int_equal(r, strcmp(c->reason, "too large") == 0 ? -ERANGE : -EINVAL);
			assert_string_equal(reason, c->reason);
			assert_int_equal(value, 42);   /* untouched */
		} else {
			if (r < 0)
				fail_msg("\"%s\" failed: %s", c->text, reason);
			assert_null(reason);
			if (value != c->value)
				fail_msg("\"%s\" parsed as %lld, expected %lld", c->text, (long long)value,
					 (long long)c->value);
		}
	}
}

static void reason_is_optional(void **state)
{
	int64_t value;

	assert_int_equal(quantity_parse("10Q", &value, NULL), -EINVAL);
}

struct bandwidth_case {
	const char *text;
	uint64_t bps;
	const char *reason;
};

static const struct bandwidth_case bandwidth_cases[] = {
	OK("10M", 10000000), OK("1.5G", 1500000000), OK("500k", 500000), OK("100Mi", 104857600),
	OK("1e9", 1000000000),
	/* Kubelet's range is inclusive: 1k..1P. */
	OK("1k", 1000), OK("1000", 1000), OK("1P", 1000000000000000), OK("1e15", 1000000000000000),
	BAD("999", "below 1k"), BAD("0.5", "below 1k"), BAD("1m", "below 1k"),
	BAD("0", "below 1k"), BAD("-10M", "below 1k"),
	OK("999.9", 1000),   /* rounded up before the range check, as kubelet does */
	BAD("2P", "above 1P"), BAD("1000000000000001", "above 1P"), BAD("1Pi", "above 1P"),
	BAD("1e16", "above 1P"), BAD("8E", "above 1P"),
	BAD("10Q", "unknown suffix"), BAD("K", "not a number"), BAD("", "empty"),
	BAD("1e999", "too large"),
};

static void bandwidth_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bandwidth_cases); i++) {
		const struct bandwidth_case *c = &bandwidth_cases[i];
		const char *reason = NULL;
		uint64_t bps = 42;
		int r = quantity_parse_bandwidth(c->text, &bps, &reason);

		if (c->reason) {
			if (r == 0)
				fail_msg("\"%s\" accepted as %llu, expected \"%s\"", c->text,
					 (unsigned long long)bps, c->reason);
			assert_string_equal(reason, c->reason);
			assert_int_equal(bps, 42);
		} else {
			if (r < 0)
				fail_msg("\"%s\" refused: %s", c->text, reason);
			assert_int_equal(bps, c->bps);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quantity_table),
		cmocka_unit_test(reason_is_optional),
		cmocka_unit_test(bandwidth_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
