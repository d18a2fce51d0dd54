/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What bwm-cni prints on stdout (CNI spec, "Result" and "Error"): the
 * result of ADD, the VERSION answer, or an error object. Pure; each returns
 * malloc'd text ending in a newline, or NULL on ENOMEM.
 */
#ifndef BWM_CNI_OUTPUT_H
#define BWM_CNI_OUTPUT_H

#include <jansson.h>

#include "cni_error.h"

/* ADD's result: prevResult passed on, in the configuration's version. */
char *cni_output_result(const json_t *prev_result, const char *cni_version);

/* VERSION: the versions bwm-cni supports (cni_config.h). */
char *cni_output_version(void);

/* {"cniVersion": ..., "code": ..., "msg": ..., "details": ...} */
char *cni_output_error(const struct cni_error *err, const char *cni_version);

#endif /* BWM_CNI_OUTPUT_H */
