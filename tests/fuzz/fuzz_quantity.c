// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for quantity_parse. Beyond "no crash, no sanitizer
 * report", it checks properties that a slip in the exact arithmetic would
 * break: an explicit '+' or a leading zero changes nothing, a '-' negates,
 * and the bandwidth check agrees with the plain parse.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

struct result {
	int r;
	int64_t value;
	const char *reason;
};

static struct result parse(const char *text)
{
	struct result res = { .value = 0x5a5a5a5a };

	res.r = quantity_parse(text, &res.value, &res.reason);
	if (res.r < 0) {
		CHECK(res.r == -EINVAL || res.r == -ERANGE);
		CHECK(res.reason && *res.reason);
		CHECK(res.value == 0x5a5a5a5a);   /* untouched on failure */
	}
	return res;
}

/* parse(prefix + text) */
static struct result parse_prefixed(const char *prefix, const char *text, size_t len)
{
	char *s = malloc(len + 2);
	struct result res;

	CHECK(s);
	s[0] = prefix[0];
	memcpy(s + 1, text, len + 1);
	res = parse(s);
	free(s);
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result res, plus, minus, zero;
	const char *bw_reason;
	uint64_t bps;
	char *text;
	int r;

	/* quantity_parse takes C strings; a NUL would only end the text early. */
	if (memchr(data, 0, size))
		return 0;
	text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';

	res = parse(text);

	r = quantity_parse_bandwidth(text, &bps, &bw_reason);
	if (r == 0)
		CHECK(res.r == 0 && (uint64_t)res.value == bps &&
		      bps >= BWM_BANDWIDTH_MIN_BPS && bps <= BWM_BANDWIDTH_MAX_BPS);
	else if (res.r == 0)
		CHECK(res.value < (int64_t)BWM_BANDWIDTH_MIN_BPS || res.value > (int64_t)BWM_BANDWIDTH_MAX_BPS);
	else
		CHECK(r == res.r && strcmp(bw_reason, res.reason) == 0);

	/* Unsigned numbers only: "+-1" is not "-1". */
	if ((text[0] >= '0' && text[0] <= '9') || text[0] == '.') {
		plus = parse_prefixed("+", text, size);
		minus = parse_prefixed("-", text, size);
		CHECK(plus.r == res.r && minus.r == res.r);
		if (res.r == 0) {
			CHECK(plus.value == res.value && minus.value == -res.value);
		} else {
			CHECK(strcmp(plus.reason, res.reason) == 0 && strcmp(minus.reason, res.reason) == 0);
		}
	}
	/* Not before a '.': "." is no number, "0." is. */
	if (text[0] >= '0' && text[0] <= '9') {
		zero = parse_prefixed("0", text, size);
		CHECK(zero.r == res.r);
		CHECK(res.r == 0 ? zero.value == res.value : strcmp(zero.reason, res.reason) == 0);
	}

	free(text);
	return 0;
}
