/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kubernetes downward-API annotation files, as kubelet writes them
 * (pkg/fieldpath FormatMap): one line per annotation, keys sorted,
 *
 *	kubernetes.io/egress-bandwidth="10M"
 *	bwm.io/ips="10.0.0.5, fd00::5"
 *
 * the value quoted as Go's %q (strconv.Quote), no newline after the last one.
 *
 * The parser reads that and what people write by hand: CRLF line ends, blank
 * lines, a trailing newline or not, lines of any length. A line it cannot
 * read is reported with its number and a reason, and the other lines still
 * count. Non-logging: problems go to the caller's callback, which knows the
 * file name.
 *
 * Duplicate keys cannot come from kubelet (it writes a map). When they occur,
 * the first line counts and each later one is reported and ignored, so that a
 * bad line never changes what the lines before it meant.
 */
#ifndef BWM_ANNOTATIONS_H
#define BWM_ANNOTATIONS_H

#include <stddef.h>

struct bwm_annotation {
	char *key;
	char *value;      /* unquoted; never contains NUL */
	unsigned line;    /* 1-based */
};

struct bwm_annotations {
	struct bwm_annotation *items;   /* sorted by key, keys unique */
	size_t n_items;
};

/* Something wrong in a pod annotation file. */
struct bwm_annotation_problem {
	unsigned line;        /* 1-based; 0 for the file as a whole */
	const char *key;      /* NULL when the line has no usable key */
	const char *value;    /* unquoted; NULL when it could not be unquoted */
	const char *reason;   /* static text */
};

typedef void (*bwm_problem_fn)(const struct bwm_annotation_problem *problem, void *userdata);

/*
 * Parses size bytes of buf (need not be NUL-terminated; may contain NULs,
 * which are errors). Problems go to on_problem (may be NULL). Returns the
 * number of problems reported, or -ENOMEM; *ret is only set on success and
 * is then released with annotations_free.
 */
int annotations_parse(const char *buf, size_t size, bwm_problem_fn on_problem, void *userdata,
		      struct bwm_annotations *ret);

/* Frees what annotations_parse allocated; accepts NULL. */
void annotations_free(struct bwm_annotations *annotations);

/* The annotation with this key, or NULL. */
const struct bwm_annotation *annotations_get(const struct bwm_annotations *annotations, const char *key);

/*
 * Decodes one %q-quoted string: text[0..size) must be exactly the quoted
 * string, quotes included. Accepts \a \b \f \n \r \t \v \\ \" \xHH, \ooo
 * (octal, up to \377), \uHHHH and \UHHHHHHHH (valid code points, written as
 * UTF-8); other bytes are taken as they are. Returns 0 with *ret_value
 * (malloc'd) or -EINVAL with *ret_reason, -ENOMEM.
 */
int annotation_unquote(const char *text, size_t size, char **ret_value, const char **ret_reason);

/*
 * Quotes value for messages: between double quotes, with \\ \" \a \b \f \n
 * \r \t \v and \xHH for every other byte outside printable ASCII, so that a
 * value can never forge log lines or terminal escapes. What it writes reads
 * back with annotation_unquote. Values longer than max_input bytes are cut
 * there and marked with "..." after the closing quote. Returns NULL on ENOMEM.
 */
char *annotation_quote(const char *value, size_t max_input);

/*
 * The same escapes without the double quotes, and with ' escaped instead:
 * for names printed between single quotes ('web-1'). NULL on ENOMEM.
 */
char *annotation_escape(const char *value, size_t max_input);

/*
 * "FILE:LINE: KEY: "VALUE": reason" (FILE escaped with annotation_escape), leaving out the parts the problem does
 * not have (no ":LINE" for line 0); the value is quoted with
 * annotation_quote and cut at 128 bytes. Returns NULL on ENOMEM.
 */
char *annotation_problem_format(const char *file, const struct bwm_annotation_problem *problem);

#endif /* BWM_ANNOTATIONS_H */
