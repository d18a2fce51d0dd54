/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The uplink's root qdisc: bwm installs mq + one fq per TX queue (a plain fq
 * root on a single-queue device) so that the EDT timestamps its tc egress
 * program writes are honoured, records the root it replaces, and puts that
 * root back when it stops managing the device.
 *
 * All requests go over rtnetlink on the caller's libnl socket (libnl has no fq
 * module, so messages are built by hand). Use a socket that is not subscribed
 * to multicast groups: replies are read from it synchronously.
 *
 * Multi-queue means more than one TX queue in use (real_num_tx_queues, read
 * from sysfs: netlink reports only num_tx_queues); the mq root then gets an
 * fq on each of its num_tx_queues leaves, so queues enabled later pace too.
 *
 * "Restore exactly" means: the root qdisc comes back with its kind, handle and
 * TCA_OPTIONS as the kernel dumped them (dumps are accepted as set requests
 * by tbf, pfifo, bfifo, pfifo_fast, fq_codel, fq, mq, ...), and every qdisc
 * configured directly below it (an mq leaf, a tbf's inner qdisc: one with a
 * handle) comes back the same way at its parent. A root the kernel made
 * itself (handle 0: noqueue, noop, pfifo_fast, a default mq with default
 * leaves) comes back by deleting bwm's root, which makes the kernel attach
 * its default again (on a device that is down: when it comes up).
 * Not recorded, so bwm refuses to replace a root that has them
 * (qdisc_save_root() and qdisc_install_fq() fail with -EBUSY):
 *  - qdiscs two levels below the root or deeper (mq -> tbf -> pfifo);
 *  - qdiscs whose classes are made by the user (htb, hfsc, drr, qfq, cbq,
 *    atm): their meaning lives in classes and filters, and filters may hold
 *    BPF programs and actions that cannot be re-created from a dump;
 *  - size tables (TCA_STAB): the kernel dumps only their header.
 * Not recorded, and lost on replace: filters attached to a classless root
 * or leaf (fq_codel, sfq and cake classify with them), TCA_RATE estimators.
 */
#ifndef BWM_QDISC_H
#define BWM_QDISC_H

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;

/* bwm's root handle, "b3d:": below 0x8000, so the kernel never picks it
 * when it allocates a handle itself (qdisc_alloc_handle() counts from 8000:). */
#define QDISC_BWM_MAJOR 0x0b3dU

struct qdisc_fq_params {
	uint64_t horizon_ns;   /* TCA_FQ_HORIZON (kernel unit: us), with TCA_FQ_HORIZON_DROP */
	uint32_t buckets_log;  /* TCA_FQ_BUCKETS_LOG */
	uint32_t limit;        /* TCA_FQ_PLIMIT, per fq instance */
	uint32_t flow_limit;   /* TCA_FQ_FLOW_PLIMIT */
	uint32_t orphan_mask;  /* TCA_FQ_ORPHAN_MASK */
};

struct bwm_config;

/* The fq parameters of bwm.conf's [datapath] section. */
struct qdisc_fq_params qdisc_fq_params_of(const struct bwm_config *config);

/* The device's root qdisc (and an mq root's configured leaves) before bwm. */
struct qdisc_saved;

/*
 * Records the root of ifindex. If the root is bwm's already (a restarted bwmd
 * whose state file is gone), what came before is unknown and the kernel's
 * default is recorded. Returns -EBUSY after a message naming the device and
 * the reason if the root cannot be recorded (see above): bwm must then leave
 * it alone. Other errors are not logged above debug level.
 */
int qdisc_save_root(struct nl_sock *sk, int ifindex, const char *ifname, struct qdisc_saved **ret);

/* Writes s to path atomically (a temporary file renamed over it). */
int qdisc_saved_write(const struct qdisc_saved *s, const char *path);
/* Reads what qdisc_saved_write() wrote; -EBADMSG if the file is malformed. */
int qdisc_saved_read(const char *path, struct qdisc_saved **ret);

/*
 * Replaces the root of ifindex with mq + fq (or fq), the fq parameters set
 * explicitly; on a root that is bwm's already it changes the parameters in
 * place (call it again when adopting bwm's root after a restart: it also
 * completes an install that a kill -9 interrupted). On any failure the root
 * is rolled back to what it was, and the error is returned after a message
 * naming the device and the reason (callers need not log it again):
 * -EOPNOTSUPP if the kernel has no fq qdisc, -EBUSY if the present root
 * cannot be recorded (so it is not replaced).
 */
int qdisc_install_fq(struct nl_sock *sk, int ifindex, const char *ifname,
		     const struct qdisc_fq_params *p);

/* Whether the root of ifindex carries bwm's handle, i.e. was installed by bwm
 * (adopt it after a restart, and restore from the state file). */
bool qdisc_has_bwm_root(struct nl_sock *sk, int ifindex);

/*
 * Puts s back as the root of ifindex if the root is bwm's; a root that is
 * not bwm's (somebody replaced it, or bwm never installed one) is left
 * alone. Where the kernel refuses to re-create a recorded qdisc, a warning
 * names the device and the kernel's default root is left instead.
 */
int qdisc_restore_root(struct nl_sock *sk, int ifindex, const char *ifname,
		       const struct qdisc_saved *s);

struct qdisc_saved *qdisc_saved_free(struct qdisc_saved *s);
static inline void qdisc_saved_freep(struct qdisc_saved **s)
{
	qdisc_saved_free(*s);
}
#define _cleanup_qdisc_saved_ __attribute__((cleanup(qdisc_saved_freep)))

#endif /* BWM_QDISC_H */
