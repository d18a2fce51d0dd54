/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Map keys and values shared by the BPF datapath (bwm.bpf.c) and bwmd/bwmctl.
 *
 * Pods are numbered by bwmd: a pod id is an index into the pod_limits and
 * pod_state arrays. Id 0 is never given to a pod, so a zero lookup result
 * means "not a pod" and the packet passes untouched.
 *
 * The limit (written by bwmd) and the state (written by the datapath) live in
 * separate maps so that bwmd can change a limit without racing the
 * datapath's departure clock and counters. The state every CPU shares (the
 * clock, CoDel, the sparse budget) is one 64-byte value per pod; the
 * counters are per CPU (issue 12), so that counting does not bounce that
 * line between CPUs, and readers sum them.
 */
#ifndef BWM_MAPS_H
#define BWM_MAPS_H

#include <linux/types.h>

#include "aqm.h"
#include "histogram.h"
#include "sparse.h"

#define BWM_MAX_PODS_DEFAULT 4096
#define BWM_MAX_ADDRS_PER_POD 16
#define BWM_POD_NAME_MAX 256
#define BWM_IFNAME_MAX 16
/* Kubernetes' namespace (63) and pod name (253) limits, NUL included. */
#define BWM_K8S_NAMESPACE_MAX 64
#define BWM_K8S_POD_NAME_MAX 256

/* An IPv6 address, or an IPv4 address mapped into ::ffff:0:0/96, so that one
 * exact-match hash serves dual-stack pods. */
struct bwm_addr_key {
	__u8 addr[16];
};

/* bwm_settings[0]: datapath-wide switches, written by bwmd. */
#define BWM_SETTING_QUEUE_FIX (1U << 0)
/* Pods' host-side interfaces carry the pod's id in skb->mark (issue 16). */
#define BWM_SETTING_POD_MARK  (1U << 1)

struct bwm_settings {
	__u32 flags;
	__u32 reserved;
	/* Issue 16: the bits of skb->mark that carry a pod's identity from
	 * its host-side interface to the device it leaves by (bpf/mark.h). */
	__u32 pod_mark_mask;      /* contiguous */
	__u32 pod_mark_shift;     /* its lowest bit */
};

/* bwm_pod_limits[pod id]: the pod's egress limit, written by bwmd. */
#define BWM_LIMIT_ECN (1U << 0)   /* CE-mark ECN-capable packets instead of dropping */

struct bwm_pod_limit {
	__u64 rate_bytes_per_sec; /* 0: counted but not limited */
	__u64 horizon_ns;         /* a packet due later than now + horizon is dropped */
	__u64 horizon_max_ns;     /* the horizon's floor (horizon.h) stops here; 0: no floor */
	__u64 aqm_target_ns;      /* CoDel on the virtual queue; 0: off */
	__u64 aqm_interval_ns;
	__u32 sparse_quantum;     /* largest packet a sparse flow sends ahead; 0: no bypass */
	__u32 flags;              /* BWM_LIMIT_* */
};

enum bwm_drop_reason {
	BWM_DROP_HORIZON = 0,     /* departure beyond the pod's horizon */
	BWM_DROP_AQM = 1,         /* CoDel's signal to a packet that is not ECN-capable */
	BWM_DROP__MAX = 4,        /* room for reasons added without a layout change */
};

/* bwm_pod_state[pod id]: written by the datapath, by every CPU at once
 * (atomic.h); bwmd only zeroes it when a pod id is given to a new pod. The
 * pod's virtual queue, read at any time, is t_last_ns - now. */
struct bwm_pod_state {
	__u64 t_last_ns;          /* departure time of the pod's last packet (CLOCK_MONOTONIC) */
	struct sparse_budget sparse;
	struct aqm_state aqm;
	__u32 big_wire_len;       /* largest packet since the queue was empty (horizon.h) */
	__u32 reserved;
};

/* bwm_pod_counters[pod id]: one per CPU (BPF_MAP_TYPE_PERCPU_ARRAY), zeroed
 * with the state; a pod's counters are the sums over CPUs, cumulative since
 * then. */
struct bwm_pod_counters {
	__u64 bytes;              /* wire bytes sent (not dropped) */
	__u64 packets;            /* packets sent (not dropped) */
	__u64 drops[BWM_DROP__MAX];
	__u64 ecn_marks;          /* CoDel's signals as CE marks */
	__u64 sparse_packets;     /* packets of sparse flows sent ahead of the queue */
	struct bwm_delay_hist delay;   /* delays stamped on a limited pod's packets (histogram.h) */
	/* Issue 16: the GSO segments of every packet this hook handled for
	 * the pod, sent or dropped; a pod's egress segments, set against
	 * those seen on its interface (bwm_pod_link_counters), tell what
	 * escaped. Segments, not bytes: encapsulation changes the bytes. */
	__u64 segs;
};

/* bwm_flows: sparse-flow state (sparse.h), per pod and flow hash. */
struct bwm_flow_key {
	__u32 pod;                /* | BWM_FLOW_INGRESS for the pod's ingress */
	__u32 hash;
};

/* bwm_pod_meta[pod id]: for bwmctl and for a restarted bwmd adopting the
 * pinned state; the datapath never reads it. */
struct bwm_pod_meta {
	char name[BWM_POD_NAME_MAX];
	char ifname[BWM_IFNAME_MAX];
	__u32 ifindex;
	__u32 naddrs;
	struct bwm_addr_key addrs[BWM_MAX_ADDRS_PER_POD];
	/* From the pod file, for metrics labels; "" if not given. */
	char k8s_namespace[BWM_K8S_NAMESPACE_MAX];
	char k8s_pod[BWM_K8S_POD_NAME_MAX];
};

/*
 * Issue 16: pods' host-side interfaces. The programs there (bwm.bpf.c,
 * "Pod interfaces") identify the pod by the interface its traffic comes in
 * by, and shape kubernetes.io/ingress-bandwidth on the way to it with
 * maps of the same layout as the egress ones: bwm_pod_ingress_limits,
 * bwm_pod_ingress_state and bwm_pod_ingress_counters, indexed by pod id.
 */

/* A flow key's pod with this bit is the pod's ingress direction: a TCP
 * connection's two directions share one skb->hash. */
#define BWM_FLOW_INGRESS (1U << 31)

/* bwm_pod_links[pod id]: written by bwmd for the interface it set up. */
#define BWM_LINK_SHAPE      (1U << 0)  /* an EDT qdisc (fq) there: packets to the pod may be stamped */
#define BWM_LINK_OWN_ADDRS  (1U << 1)  /* the pod lists its addresses: other sources are spoofed */

/* The classid of the filters bwmd attaches at a pod's interface (issue 14):
 * TC_H_MAKE(BWM_POD_CLASSID_MAJOR << 16, pod id), "flowid b3d:<id>" in tc's
 * words. cls_bpf writes its minor into skb->tc_classid (16 bits in struct
 * qdisc_skb_cb) before it runs the program (net/sched/cls_bpf.c,
 * cls_bpf_classify()), so the program has the pod's id without a hash
 * lookup; bwm_pod_links confirms it. max_pods (at most 65535) keeps ids
 * within the minor; the major is for people reading tc's output. */
#define BWM_POD_CLASSID_MAJOR 0x0b3dU

struct bwm_pod_link {
	__u32 ifindex;            /* the interface the flags are about; 0: none */
	__u32 flags;              /* BWM_LINK_* */
};

/* bwm_pod_link_counters[pod id]: per CPU, zeroed with the pod's state;
 * what came in from the pod on its interface. */
struct bwm_pod_link_counters {
	__u64 packets;
	__u64 bytes;              /* skb->len */
	__u64 segs;               /* GSO segments (1 for a packet without GSO) */
	__u64 spoofed_packets;    /* with a source address that is not the pod's */
	__u64 spoofed_bytes;
};

#endif /* BWM_MAPS_H */
