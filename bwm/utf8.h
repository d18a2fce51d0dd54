/* SPDX-License-Identifier: GPL-2.0-only */
/* UTF-8 well-formedness, for output that must be UTF-8 (JSON, Prometheus'
 * text format) while pod names are any bytes. Pure. */
#ifndef BWM_UTF8_H
#define BWM_UTF8_H

#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none. Reads
 * no further than the first byte that does not fit, so a NUL-terminated s
 * is safe. */
size_t utf8_sequence(const unsigned char *s);

#endif /* BWM_UTF8_H */
