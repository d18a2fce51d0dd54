/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A CNI error, as the spec's error object carries it ("code", "msg",
 * "details"). Every bwm-cni function that can fail fills one, so that the
 * plugin's main prints exactly one error object on stdout and exits.
 *
 * Codes (CNI spec, "Error"): 1-99 are the spec's own; bwm-cni uses none of
 * its own (100+), so that runtimes that match on codes understand them.
 */
#ifndef BWM_CNI_ERROR_H
#define BWM_CNI_ERROR_H

enum cni_error_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,   /* msg names the key and value */
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,         /* CNI_COMMAND, CNI_CONTAINERID, CNI_ARGS, ... */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,              /* stdin is not the JSON it should be */
	CNI_ERR_INVALID_CONFIG = 7,      /* decodes, but a value is wrong */
	CNI_ERR_TRY_AGAIN = 11,          /* transient: bwmd has not applied the pod yet */
};

struct cni_error {
	unsigned code;        /* 0: no error */
	char msg[160];        /* short, constant-ish: what failed */
	char details[1024];   /* why, with the values involved (quoted) */
};

/*
 * Fills *err (which may be NULL) and returns -EINVAL, so that callers fail
 * in one step: return cni_fail(err, CNI_ERR_DECODE, "...", "%s", why);
 */
int cni_fail(struct cni_error *err, unsigned code, const char *msg, const char *details_format, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * untrusted, quoted for a message (annotation_quote: printable ASCII, at
 * most 128 bytes of input), in one of four static buffers used in turn: up
 * to four quoted values fit in one message. Single-threaded callers only.
 */
const char *cni_quote(const char *untrusted);

#endif /* BWM_CNI_ERROR_H */
