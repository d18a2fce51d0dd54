// SPDX-License-Identifier: GPL-2.0-only
#include "cni_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotations.h"
#include "util.h"

int cni_fail(struct cni_error *err, unsigned code, const char *msg, const char *details_format, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->code = code;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	va_start(ap, details_format);
	vsnprintf(err->details, sizeof(err->details), details_format, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cni_quote(const char *untrusted)
{
	/* 128 bytes of input make at most 128 * 4 + 6 bytes of output. */
	static char bufs[4][128 * 4 + 6];
	static unsigned next;
	char *buf = bufs[next++ % ARRAY_SIZE(bufs)];
	_cleanup_free_ char *quoted = annotation_quote(untrusted ?: "", 128);

	snprintf(buf, sizeof(bufs[0]), "%s", quoted ?: "\"(out of memory)\"");
	return buf;
}
