/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bwm-cni install / uninstall, what a DaemonSet's init container runs on
 * a node:
 *
 *   install:   copies the running binary to BIN_DIR/bwm-cni (0755, whole,
 *              atomic), then turns each bandwidth entry of the conflists in
 *              CONF_DIR into bwm-cni (cni_conflist.h). The binary comes
 *              first so that no conflist names a plugin that is not there.
 *   uninstall: turns them back; the binary stays unless asked, because a
 *              runtime tears down pods added with bwm-cni with bwm-cni
 *              (libcni's cached configuration) and fails if it is gone.
 *
 * Conflists are the files libcni reads (*.conflist, *.conf, *.json) that
 * have a "plugins" array; each is replaced whole with its mode kept. A
 * file that cannot be rewritten (a bandwidth entry bwm cannot stand in for)
 * is reported and left alone, and the command fails. Logs on stderr.
 */
#ifndef BWM_CNI_INSTALL_H
#define BWM_CNI_INSTALL_H

#include <stdbool.h>

#include "cni_conflist.h"

int cni_install_binary(const char *source, const char *bin_dir);
int cni_uninstall_binary(const char *bin_dir);

/* Rewrites every conflist in conf_dir; returns how many files changed. */
int cni_install_conflists(const char *conf_dir, enum cni_conflist_edit edit);

#endif /* BWM_CNI_INSTALL_H */
