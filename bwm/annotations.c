// SPDX-License-Identifier: GPL-2.0-only
#include "annotations.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int fail(int error, const char *reason, const char **ret_reason)
{
	*ret_reason = reason;
	return error;
}

/* Returns the value of count hex digits at s, or -1. */
static long parse_hex(const char *s, size_t count)
{
	long v = 0;

	for (size_t i = 0; i < count; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decodes the escape after a backslash at text[*i] into out, advancing *i and
 * *n. Mirrors Go's strconv.UnquoteChar for double-quoted strings.
 */
static int unescape(const char *text, size_t size, size_t *i, char *out, size_t *n, const char **ret_reason)
{
	static const char simple_from[] = "abfnrtv\\\"";
	static const char simple_to[] = "\a\b\f\n\r\t\v\\\"";
	char c = text[(*i)++];
	const char *simple = c ? strchr(simple_from, c) : NULL;
	size_t digits;
	long v;

	if (simple) {
		out[(*n)++] = simple_to[simple - simple_from];
		return 0;
	}
	switch (c) {
	case 'x':
	case 'u':
	case 'U':
		digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		if (size - *i < digits || (v = parse_hex(text + *i, digits)) < 0)
			return fail(-EINVAL, "invalid escape sequence", ret_reason);
		*i += digits;
		if (v == 0)
			return fail(-EINVAL, "NUL in value", ret_reason);
		if (c == 'x') {
			/* A byte, not a code point: "\xff" is the byte 0xff. */
			out[(*n)++] = (char)v;
			return 0;
		}
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return fail(-EINVAL, "invalid Unicode code point", ret_reason);
		*n += utf8_encode((uint32_t)v, out + *n);
		return 0;
	case '0' ... '7':
		/* Exactly three octal digits, at most \377. */
		if (size - *i < 2 || text[*i] < '0' || text[*i] > '7' || text[*i + 1] < '0' || text[*i + 1] > '7')
			return fail(-EINVAL, "invalid escape sequence", ret_reason);
		v = (c - '0') * 64 + (text[*i] - '0') * 8 + (text[*i + 1] - '0');
		*i += 2;
		if (v > 0377)
			return fail(-EINVAL, "invalid escape sequence", ret_reason);
		if (v == 0)
			return fail(-EINVAL, "NUL in value", ret_reason);
		out[(*n)++] = (char)v;
		return 0;
	default:
		return fail(-EINVAL, "invalid escape sequence", ret_reason);
	}
}

int annotation_unquote(const char *text, size_t size, char **ret_value, const char **ret_reason)
{
	_cleanup_free_ char *out = NULL;
	size_t i = 1, n = 0;
	int r;

	if (size == 0 || text[0] != '"')
		return fail(-EINVAL, "value not quoted", ret_reason);
	/* Every escape decodes to fewer bytes than it takes, so the text
	 * without its opening quote bounds the value and its NUL. */
	out = malloc(size);
	if (!out)
		return -ENOMEM;
	for (;;) {
		char c;

		if (i >= size)
			return fail(-EINVAL, "unterminated quoted value", ret_reason);
		c = text[i++];
		if (c == '"')
			break;
		if (c == '\0')
			return fail(-EINVAL, "NUL in value", ret_reason);
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (i >= size)
			return fail(-EINVAL, "unterminated quoted value", ret_reason);
		r = unescape(text, size, &i, out, &n, ret_reason);
		if (r < 0)
			return r;
	}
	if (i != size)
		return fail(-EINVAL, "text after the closing quote", ret_reason);
	out[n] = '\0';
	*ret_value = TAKE_PTR(out);
	return 0;
}

/*
 * Writes value[0..take) to out with escapes: \\, the quote character (if
 * any), the C escapes, and \xHH for every other byte outside printable
 * ASCII. out needs take * 4 bytes. Returns the bytes written.
 */
static size_t escape_into(char *out, const char *value, size_t take, char quote)
{
	static const char special_from[] = "\a\b\f\n\r\t\v\\";
	static const char special_to[] = "abfnrtv\\";
	size_t n = 0;

	for (size_t i = 0; i < take; i++) {
		unsigned char c = (unsigned char)value[i];
		const char *special = c ? strchr(special_from, c) : NULL;

		if (special) {
			out[n++] = '\\';
			out[n++] = special_to[special - special_from];
		} else if (c == (unsigned char)quote) {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[n++] = (char)c;
		} else {
			n += (size_t)sprintf(out + n, "\\x%02x", c);
		}
	}
	return n;
}

/* quote: '"' for annotation_quote, 0 for annotation_escape. */
static char *escape(const char *value, size_t max_input, char quote)
{
	size_t len = strlen(value), take = MIN(len, max_input), n = 0;
	/* \xHH is the longest escape; then quotes, "..." and NUL. */
	char *out = malloc(take * 4 + 6);

	if (!out)
		return NULL;
	if (quote)
		out[n++] = quote;
	n += escape_into(out + n, value, take, quote ? quote : '\'');
	if (quote)
		out[n++] = quote;
	if (take < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

char *annotation_quote(const char *value, size_t max_input)
{
	return escape(value, max_input, '"');
}

char *annotation_escape(const char *value, size_t max_input)
{
	return escape(value, max_input, 0);
}

char *annotation_problem_format(const char *file, const struct bwm_annotation_problem *problem)
{
	_cleanup_free_ char *quoted = NULL, *escaped_file = annotation_escape(file, PATH_MAX);
	char line[sizeof(":4294967295")] = "";
	char *s;

	if (!escaped_file)
		return NULL;
	if (problem->value) {
		quoted = annotation_quote(problem->value, 128);
		if (!quoted)
			return NULL;
	}
	if (problem->line > 0)
		snprintf(line, sizeof(line), ":%u", problem->line);
	if (asprintf(&s, "%s%s: %s%s%s%s%s", escaped_file, line,
		     problem->key ?: "", problem->key ? ": " : "",
		     quoted ?: "", quoted ? ": " : "",
		     problem->reason) < 0)
		return NULL;
	return s;
}

/* Annotation keys are [prefix/]name: DNS subdomain characters and '/'. */
static bool is_valid_key(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == '/'))
			return false;
	}
	return true;
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

struct parser {
	struct bwm_annotation *items;
	size_t n_items, allocated;
	bwm_problem_fn on_problem;
	void *userdata;
	int n_problems;
};

static void report(struct parser *p, unsigned line, const char *key, const char *value, const char *reason)
{
	struct bwm_annotation_problem problem = { line, key, value, reason };

	if (p->on_problem)
		p->on_problem(&problem, p->userdata);
	p->n_problems++;
}

static int append(struct parser *p, char *key, char *value, unsigned line)
{
	if (p->n_items == p->allocated) {
		size_t allocated = p->allocated ? p->allocated * 2 : 16;
		struct bwm_annotation *items = reallocarray(p->items, allocated, sizeof(*items));

		if (!items)
			return -ENOMEM;
		p->items = items;
		p->allocated = allocated;
	}
	p->items[p->n_items++] = (struct bwm_annotation) { key, value, line };
	return 0;
}

static int parse_line(struct parser *p, const char *text, size_t len, unsigned line)
{
	const char *eq = memchr(text, '=', len), *reason;
	_cleanup_free_ char *key = NULL, *value = NULL;
	size_t key_len;
	int r;

	if (!eq) {
		report(p, line, NULL, NULL, "expected key=\"value\"");
		return 0;
	}
	key_len = (size_t)(eq - text);
	if (!is_valid_key(text, key_len)) {
		report(p, line, NULL, NULL, "invalid key");
		return 0;
	}
	key = strndup(text, key_len);
	if (!key)
		return -ENOMEM;

	r = annotation_unquote(eq + 1, len - key_len - 1, &value, &reason);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		report(p, line, key, NULL, reason);
		return 0;
	}

	r = append(p, key, value, line);
	if (r < 0)
		return r;
	TAKE_PTR(key);
	TAKE_PTR(value);
	return 0;
}

static int compare_key_then_line(const void *a, const void *b)
{
	const struct bwm_annotation *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Sorts by key and drops every repeated key but its first line. */
static void drop_duplicates(struct parser *p)
{
	size_t kept = 0;

	/* qsort's base must not be NULL, even for no items. */
	if (p->n_items == 0)
		return;
	qsort(p->items, p->n_items, sizeof(*p->items), compare_key_then_line);
	for (size_t i = 0; i < p->n_items; i++) {
		struct bwm_annotation *a = &p->items[i];

		if (kept > 0 && strcmp(p->items[kept - 1].key, a->key) == 0) {
			report(p, a->line, a->key, a->value, "duplicate key (the first one counts)");
			free(a->key);
			free(a->value);
			continue;
		}
		p->items[kept++] = *a;
	}
	p->n_items = kept;
}

int annotations_parse(const char *buf, size_t size, bwm_problem_fn on_problem, void *userdata,
		      struct bwm_annotations *ret)
{
	struct parser p = { .on_problem = on_problem, .userdata = userdata };
	const char *end = buf + size;
	unsigned line = 0;
	int r;

	for (const char *start = buf; start < end;) {
		const char *newline = memchr(start, '\n', (size_t)(end - start));
		size_t len = (size_t)((newline ?: end) - start);

		line++;
		if (len > 0 && start[len - 1] == '\r')
			len--;
		if (!is_blank(start, len)) {
			r = parse_line(&p, start, len, line);
			if (r < 0) {
				annotations_free(&(struct bwm_annotations) { p.items, p.n_items });
				return r;
			}
		}
		start = newline ? newline + 1 : end;
	}
	drop_duplicates(&p);

	*ret = (struct bwm_annotations) { p.items, p.n_items };
	return p.n_problems;
}

void annotations_free(struct bwm_annotations *annotations)
{
	if (!annotations)
		return;
	for (size_t i = 0; i < annotations->n_items; i++) {
		free(annotations->items[i].key);
		free(annotations->items[i].value);
	}
	free(annotations->items);
	*annotations = (struct bwm_annotations) {};
}

static int compare_key(const void *key, const void *item)
{
	return strcmp(key, ((const struct bwm_annotation *)item)->key);
}

const struct bwm_annotation *annotations_get(const struct bwm_annotations *annotations, const char *key)
{
	if (annotations->n_items == 0)
		return NULL;
	return bsearch(key, annotations->items, annotations->n_items, sizeof(*annotations->items), compare_key);
}
