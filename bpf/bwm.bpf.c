// SPDX-License-Identifier: GPL-2.0-only
/*
 * bwm uplink egress datapath, attached at tc egress (clsact) of every uplink.
 *
 * For each packet, top to bottom:
 *   1. reset the TX queue choice a veth may have recorded upstream;
 *   2. find the IP header, behind up to two in-band VLAN tags, and the pod
 *      the packet comes from (the id its host-side interface wrote into
 *      skb->mark, else its ingress interface, else its source address);
 *      packets of no pod, and packets a bwm program charged already at
 *      an earlier device, pass untouched;
 *   3. schedule it on the pod's departure clock (EDT): its time on the wire
 *      at the pod's rate after the pod's previous packet, within a horizon
 *      floored at a few of the pod's largest packets, so that a GSO packet
 *      longer than the horizon is shaped, not dropped;
 *   4. a packet of a sparse flow leaves ahead of the pod's queue, at once
 *      or at its flow's share of the rate, within the flow's and the pod's
 *      sparse budgets;
 *   5. any other packet is dropped if it would leave beyond the horizon, or
 *      stamped with its departure time, which the fq qdisc honours, unless
 *      CoDel, watching how long packets wait in the pod's virtual queue,
 *      signals it: then it is CE-marked (ECN-capable) or dropped;
 *   6. the packet's time is committed to the pod's clock atomically, as
 *      several CPUs pace one pod at once (issue 12), and counted per CPU,
 *      with the delay it was stamped with in the pod's histogram (issue 17);
 *      its mark then says it was charged (bpf/mark.h).
 *
 * The programs of pods' host-side interfaces (issue 16) follow at the end:
 * they write the pod's identity at its interface, and shape what goes to
 * the pod, with the same steps 3-6 on the pod's ingress clock.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "aqm.h"
#include "atomic.h"
#include "bwm_maps.h"
#include "classify.h"
#include "edt.h"
#include "horizon.h"
#include "mark.h"
#include "sparse.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bwm_settings);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_settings SEC(".maps");

/* Host-side interface of a pod -> pod id (routed topologies). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_by_ifindex SEC(".maps");

/* Pod address -> pod id (bridged topologies, or no interface known). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT * 2);
	__type(key, struct bwm_addr_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_by_addr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_limit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_state SEC(".maps");

/* Counters, one copy per CPU: counting never contends between CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_counters SEC(".maps");

/* Sparse-flow state; an LRU so that the flows of the past age out alone. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bwm_flow_key);
	__type(value, struct bwm_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_flows SEC(".maps");

/* Read by bwmctl and by a restarted bwmd only. No preallocation: a pod's
 * metadata costs memory only while the pod exists. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct bwm_pod_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_meta SEC(".maps");

/* Issue 16: the pod's ingress (traffic to it), as the three maps above
 * are its egress. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_limit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_ingress_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_ingress_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_ingress_counters SEC(".maps");

/* The host-side interface bwmd set up for the pod, and what it has. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_link);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_links SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BWM_MAX_PODS_DEFAULT);
	__type(key, __u32);
	__type(value, struct bwm_pod_link_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bwm_pod_link_counters SEC(".maps");

enum direction { EGRESS, INGRESS };

static __always_inline const struct bwm_settings *settings(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&bwm_settings, &key);
}

/*
 * A veth used to record its RX queue in skb->queue_mapping (fixed by kernel
 * commit 710ad98c363a, "veth: Do not record rx queue hint in veth_xmit").
 * The recorded index survives forwarding, and skb_tx_hash() then picks the
 * uplink TX queue from it, so every pod lands on one TX queue (and one fq).
 * tc egress runs before the TX queue is picked in __dev_queue_xmit(), so
 * zeroing the mapping here makes the stack hash the flow afresh.
 */
static __always_inline void reset_queue_mapping(struct __sk_buff *skb, const struct bwm_settings *s)
{
	if (s && (s->flags & BWM_SETTING_QUEUE_FIX))
		skb->queue_mapping = 0;
}

/* Where a packet's network header is, and its protocol (network order). */
struct l3 {
	__u32 offset;
	__u16 protocol;
};

#define VLAN_TAG_LEN 4       /* TPID, TCI */
#define VLAN_MAX_TAGS 2      /* 802.1ad outer + 802.1Q inner (QinQ) */

static __always_inline int is_vlan(__u16 protocol)
{
	return protocol == bpf_htons(ETH_P_8021Q) || protocol == bpf_htons(ETH_P_8021AD);
}

/*
 * A VLAN tag the stack put in skb->vlan_tci (hardware-accelerated, or
 * moved there on receive by skb_vlan_untag()) is not in the packet. One
 * that is in-band (the inner tag of QinQ, or frames forwarded from a trunk
 * port) sits between the MAC header and the IP header, and skb->protocol is
 * then its TPID (issue 12). Up to two tags are skipped; the protocol after
 * them is the one each tag carries in its last two bytes. A truncated tag
 * leaves no protocol (0): the packet may still be a pod's by its ingress
 * interface.
 */
static __always_inline struct l3 find_l3(struct __sk_buff *skb, __u32 l2_len)
{
	struct l3 l3 = { .offset = l2_len, .protocol = (__u16)skb->protocol };

#pragma unroll
	for (int i = 0; i < VLAN_MAX_TAGS; i++) {
		if (!is_vlan(l3.protocol))
			break;
		if (bpf_skb_load_bytes(skb, l3.offset + 2, &l3.protocol, sizeof(l3.protocol)))
			l3.protocol = 0;
		l3.offset += VLAN_TAG_LEN;
	}
	return l3;
}

static __always_inline int load_source_key(struct __sk_buff *skb, const struct l3 *l3,
					   struct bwm_addr_key *key)
{
	if (l3->protocol == bpf_htons(ETH_P_IP)) {
		__u32 saddr;

		if (bpf_skb_load_bytes(skb, l3->offset + offsetof(struct iphdr, saddr),
				       &saddr, sizeof(saddr)))
			return -1;
		bwm_addr_key_from_ipv4(key, saddr);
		return 0;
	}
	if (l3->protocol == bpf_htons(ETH_P_IPV6)) {
		__u8 saddr[16];

		if (bpf_skb_load_bytes(skb, l3->offset + offsetof(struct ipv6hdr, saddr),
				       saddr, sizeof(saddr)))
			return -1;
		bwm_addr_key_from_ipv6(key, saddr);
		return 0;
	}
	return -1;
}

/* The GSO segments a packet stands for on the wire. */
static __always_inline __u32 segments(const struct __sk_buff *skb)
{
	return skb->gso_segs ? skb->gso_segs : 1;
}

/*
 * The pod whose host-side interface wrote its id into the mark (issue 16),
 * if it is a pod with such an interface now: bits of another program's
 * mark that fall into the field name no such pod, or one by chance only
 * (bwm.conf(5), pod_mark_mask). MARK_PACED is returned as it is.
 */
static __always_inline __u32 pod_of_mark(const struct __sk_buff *skb, const struct bwm_settings *s)
{
	const struct bwm_pod_link *link;
	__u32 id;

	if (!s || !(s->flags & BWM_SETTING_POD_MARK))
		return 0;
	id = mark_field(skb->mark, s->pod_mark_mask, s->pod_mark_shift);
	if (!id || id == mark_paced(s->pod_mark_mask, s->pod_mark_shift))
		return id;
	link = bpf_map_lookup_elem(&bwm_pod_links, &id);
	return link && link->ifindex ? id : 0;
}

/* The packet has been charged to its pod: no later bwm program charges it
 * again (a tunnel and its underlay, a VLAN and its NIC). */
static __always_inline void mark_charged(struct __sk_buff *skb, const struct bwm_settings *s)
{
	if (s && (s->flags & BWM_SETTING_POD_MARK))
		skb->mark = mark_with_field(skb->mark, s->pod_mark_mask, s->pod_mark_shift,
					    mark_paced(s->pod_mark_mask, s->pod_mark_shift));
}

/*
 * Without a mark (no program at the pod's interface: pod_interfaces off,
 * or its interface not set up yet), the interface a forwarded packet came
 * in on identifies a routed pod even after SNAT; on a bridge that
 * interface is the bridge itself (shared by all its pods, never in the
 * map), so the source address decides there.
 */
static __always_inline __u32 classify_pod(struct __sk_buff *skb, const struct l3 *l3)
{
	struct bwm_addr_key key;
	__u32 ifindex = skb->ingress_ifindex;
	__u32 *pod;

	if (ifindex) {
		pod = bpf_map_lookup_elem(&bwm_pod_by_ifindex, &ifindex);
		if (pod)
			return *pod;
	}
	if (load_source_key(skb, l3, &key))
		return 0;
	pod = bpf_map_lookup_elem(&bwm_pod_by_addr, &key);
	return pod ? *pod : 0;
}

/* The flow's state, created on its first packet. NULL only if the map
 * refuses the entry; the packet is then treated as a bulk one. */
static __always_inline struct bwm_flow *lookup_flow(struct __sk_buff *skb, __u32 pod,
						  enum direction dir)
{
	struct bwm_flow_key key = { .pod = dir == INGRESS ? pod | BWM_FLOW_INGRESS : pod,
				    .hash = bpf_get_hash_recalc(skb) };
	struct bwm_flow fresh = {};
	struct bwm_flow *flow = bpf_map_lookup_elem(&bwm_flows, &key);

	if (flow)
		return flow;
	bpf_map_update_elem(&bwm_flows, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&bwm_flows, &key);
}

/* Sets CE in an ECN-capable packet (RFC 3168). Returns 0 if marked (or CE
 * already), -1 if the packet is not ECN-capable and must be dropped. */
static __always_inline int mark_ce(struct __sk_buff *skb, const struct l3 *l3)
{
	__u32 offset = l3->offset;
	__u8 tos;

	if (l3->protocol == bpf_htons(ETH_P_IP)) {
		__u16 old_word, new_word;

		if (bpf_skb_load_bytes(skb, offset, &old_word, sizeof(old_word)))
			return -1;
		tos = ((__u8 *)&old_word)[1];
		if ((tos & 3) == 0)
			return -1;
		new_word = old_word;
		((__u8 *)&new_word)[1] = tos | 3;
		bpf_l3_csum_replace(skb, offset + offsetof(struct iphdr, check), old_word, new_word,
				    sizeof(new_word));
		return bpf_skb_store_bytes(skb, offset, &new_word, sizeof(new_word), 0) ? -1 : 0;
	}
	if (l3->protocol == bpf_htons(ETH_P_IPV6)) {
		/* Traffic class straddles bytes 0 and 1; ECN is bits 4-5 of byte 1. */
		if (bpf_skb_load_bytes(skb, offset + 1, &tos, sizeof(tos)))
			return -1;
		if ((tos & 0x30) == 0)
			return -1;
		tos |= 0x30;
		return bpf_skb_store_bytes(skb, offset + 1, &tos, sizeof(tos), 0) ? -1 : 0;
	}
	return -1;
}

/*
 * One of the pod's two clocks: its egress, or (issue 16) its ingress.
 * shape 0: count only (no EDT qdisc where the packet goes).
 */
static __always_inline int pace_pod(struct __sk_buff *skb, __u32 pod, const struct l3 *l3,
				    enum direction dir, int shape)
{
	const struct bwm_pod_limit *limit = dir == INGRESS ?
		bpf_map_lookup_elem(&bwm_pod_ingress_limits, &pod) :
		bpf_map_lookup_elem(&bwm_pod_limits, &pod);
	struct bwm_pod_state *state = dir == INGRESS ?
		bpf_map_lookup_elem(&bwm_pod_ingress_state, &pod) :
		bpf_map_lookup_elem(&bwm_pod_state, &pod);
	struct bwm_pod_counters *counters = dir == INGRESS ?
		bpf_map_lookup_elem(&bwm_pod_ingress_counters, &pod) :
		bpf_map_lookup_elem(&bwm_pod_counters, &pod);
	__u32 wire_len = skb->wire_len ? skb->wire_len : skb->len;
	__u64 now, seen, rate, big_tx, horizon, departure, delay = 0;
	struct bwm_flow *flow = NULL;
	struct edt_result r;

	if (!limit || !state || !counters)
		return TC_ACT_UNSPEC;
	counters->segs += segments(skb);
	rate = limit->rate_bytes_per_sec;
	if (!rate || !shape)
		goto sent;

	now = bpf_ktime_get_ns();
	/* A plain read: the schedule is a prediction that edt_commit() makes
	 * good atomically, whatever other CPUs did meanwhile. */
	seen = BWM_READ_ONCE(state->t_last_ns);
	big_tx = edt_tx_time_ns(horizon_big_packet(&state->big_wire_len, wire_len, seen <= now), rate);
	horizon = horizon_floored(limit->horizon_ns, limit->horizon_max_ns, big_tx);
	/* Sparse flows may skip a queue that has reached the horizon (TCP's
	 * slow start overshoots there before CoDel has caught up), so the
	 * clock may run up to two horizons ahead; queued packets still drop
	 * at one. */
	r = edt_schedule(now, skb->tstamp, seen, wire_len, rate,
			 limit->sparse_quantum ? 2 * horizon : horizon);
	if (r.verdict == EDT_DROP_HORIZON)
		goto drop_horizon;

	/* Only a packet that would wait has a queue to skip. */
	if (r.verdict == EDT_DELAY && limit->sparse_quantum)
		flow = lookup_flow(skb, pod, dir);
	if (flow) {
		__u64 at = sparse_admit(flow, &state->sparse, now, r.departure_ns, wire_len,
					limit->sparse_quantum, rate);

		if (at) {
			/* The clock advances as if the packet had queued; it
			 * leaves now, or at its flow's own pace (sparse.h). */
			edt_charge(&state->t_last_ns, r.tx_ns);
			if (at > now && at > skb->tstamp) {
				skb->tstamp = at;
				delay = at - now;
			}
			counters->sparse_packets++;
			goto sent;
		}
	}
	if (r.verdict == EDT_DELAY && r.departure_ns - now >= horizon)
		goto drop_horizon;

	if (limit->aqm_target_ns) {
		struct aqm_params p = aqm_params_for(limit->aqm_target_ns, limit->aqm_interval_ns,
						     big_tx);

		if (aqm_on_packet(&state->aqm, now, edt_wait_ns(&r, now), &p)) {
			if (!(limit->flags & BWM_LIMIT_ECN) || mark_ce(skb, l3) < 0) {
				/* A dropped packet does not advance the clock. */
				counters->drops[BWM_DROP_AQM]++;
				return TC_ACT_SHOT;
			}
			counters->ecn_marks++;
		}
	}

	departure = edt_commit(&state->t_last_ns, seen, &r);
	if (departure) {
		skb->tstamp = departure;
		delay = departure - now;
		if (flow)
			sparse_queued(flow, departure);
	}
sent:
	/* Per-CPU values, and tc runs with bottom halves off: plain adds. A
	 * pod without a limit, or a hook without fq, stamps nothing and has
	 * no histogram. */
	if (rate && shape)
		hist_record(&counters->delay, delay);
	counters->bytes += wire_len;
	counters->packets++;
	return TC_ACT_UNSPEC;
drop_horizon:
	/* A dropped packet does not advance the clock. */
	counters->drops[BWM_DROP_HORIZON]++;
	return TC_ACT_SHOT;
}

static __always_inline int bwm_egress(struct __sk_buff *skb, __u32 l2_len)
{
	const struct bwm_settings *s = settings();
	struct l3 l3;
	__u32 pod, marked;
	int verdict;

	reset_queue_mapping(skb, s);
	/* The mark its host-side interface wrote identifies a pod on every
	 * path: after SNAT, out of a bridge, inside a tunnel (bpf/mark.h). */
	marked = pod_of_mark(skb, s);
	/* marked is 0 without the field (pod_interfaces = no), whose
	 * MARK_PACED would be 0 too. */
	if (marked && marked == mark_paced(s->pod_mark_mask, s->pod_mark_shift))
		return TC_ACT_UNSPEC;
	l3 = find_l3(skb, l2_len);
	pod = marked ? marked : classify_pod(skb, &l3);
	if (!pod)
		return TC_ACT_UNSPEC;
	verdict = pace_pod(skb, pod, &l3, EGRESS, 1);
	/* A packet known by interface or address has lost those after a
	 * tunnel; one known by its mark keeps it, and is told so. */
	if (marked)
		mark_charged(skb, s);
	return verdict;
}

/* Ethernet uplinks (physical NICs, veth, bonds, VLANs). */
SEC("tc")
int bwm_egress_eth(struct __sk_buff *skb)
{
	return bwm_egress(skb, ETH_HLEN);
}

/* Uplinks without a link-layer header (WireGuard, tun, ipip). */
SEC("tc")
int bwm_egress_l3(struct __sk_buff *skb)
{
	return bwm_egress(skb, 0);
}

/*
 * ---- Pod interfaces (issue 16) ----
 *
 * Attached to each pod's host-side interface (its veth; a bridge port for a
 * bridged pod), which bwmd sets up like an uplink (bwm/podlinks.c).
 *
 * bwm_frompod_*, at tc ingress (traffic from the pod), top to bottom:
 *   1. the pod is the one whose interface this is (the filter's classid,
 *      else bwm_pod_by_ifindex);
 *   2. count what it sends (packets, bytes, GSO segments): set against the
 *      segments its egress clock charged on any device, this tells what
 *      escaped the limit (bwmctl status, bwmd's warning);
 *   3. where the pod lists its addresses, a packet from any other source
 *      (not unspecified, not IPv6 link-local) is counted as spoofed. It is
 *      not dropped: filtering is the CNI's business, pods may send from
 *      addresses bwm is not told of (secondary, SLAAC), and the packet is
 *      charged to its sender anyway (4.), so a spoofed source charges no
 *      neighbour (docs/design.md);
 *   4. write the pod's id into skb->mark (bpf/mark.h), which every device
 *      it reaches next reads: uplinks, tunnels, other pods' interfaces.
 *
 * bwm_topod_*, at tc egress (traffic to the pod):
 *   1. reset the TX queue choice, as on an uplink;
 *   2. a packet from another pod of the node (its mark names the sender,
 *      not yet charged) is charged to the sender's egress clock here, the
 *      only bwm device it meets: pod-to-pod traffic on one node keeps the
 *      sender's egress limit. Not for broadcast and multicast frames,
 *      which a bridge floods to every port (one copy each);
 *   3. then to the receiver's ingress clock (kubernetes.io/ingress-
 *      bandwidth), EDT under the interface's fq, with the same CoDel,
 *      sparse-flow and horizon steps as egress: shaping, not policing;
 *   4. the packet waits for the later of the two departures. Each clock is
 *      charged its own time at its own rate, as two links in a row would
 *      be: the sender's link carried a packet that the receiver's queue
 *      may still drop.
 *   Without an EDT qdisc on the interface (the kernel has no fq: bwmd said
 *   so), the packet is counted, not stamped: an EDT clock no qdisc drains
 *   would only run into its horizon and drop.
 */

/* The pod of a pod interface, and the flags bwmd wrote for the interface. */
struct pod_interface {
	__u32 pod;                /* 0: not a pod's */
	__u32 flags;              /* BWM_LINK_* */
};

/*
 * The pod whose host-side interface this is: the id in the filter's
 * classid (skb->tc_classid is its minor: the kernel keeps 16 bits) if
 * bwm_pod_links confirms this interface is that pod's (a filter another
 * bwmd left behind, or one whose pod went, is not), else
 * bwm_pod_by_ifindex (a filter attached without a classid, which reads 0,
 * or before the pod's link was written). The classid saves a hash lookup
 * per packet (issue 14, docs/design.md). The flags are those of the pod's
 * link if it is this interface: those of another interface (the pod's file
 * changed since) do not apply.
 */
static __always_inline struct pod_interface pod_of_interface(const struct __sk_buff *skb)
{
	__u32 id = skb->tc_classid, ifindex = skb->ifindex;
	const struct bwm_pod_link *link;
	struct pod_interface r = {};
	__u32 *pod;

	if (id) {
		link = bpf_map_lookup_elem(&bwm_pod_links, &id);
		if (link && link->ifindex == ifindex) {
			r.pod = id;
			r.flags = link->flags;
			return r;
		}
	}
	pod = bpf_map_lookup_elem(&bwm_pod_by_ifindex, &ifindex);
	if (!pod)
		return r;
	r.pod = *pod;
	link = bpf_map_lookup_elem(&bwm_pod_links, &r.pod);
	if (link && link->ifindex == ifindex)
		r.flags = link->flags;
	return r;
}

/* Whether the packet's source is the pod's own (or not an IP packet). */
static __always_inline int source_is_own(struct __sk_buff *skb, const struct l3 *l3, __u32 pod)
{
	struct bwm_addr_key key;
	__u32 *holder;

	if (load_source_key(skb, l3, &key) || bwm_addr_key_is_link_scope(&key))
		return 1;
	holder = bpf_map_lookup_elem(&bwm_pod_by_addr, &key);
	return holder && *holder == pod;
}

static __always_inline int from_pod(struct __sk_buff *skb, __u32 l2_len)
{
	const struct bwm_settings *s = settings();
	struct bwm_pod_link_counters *c;
	struct pod_interface pi = pod_of_interface(skb);
	__u32 pod = pi.pod;
	struct l3 l3;

	if (!pod || !s)
		return TC_ACT_UNSPEC;
	c = bpf_map_lookup_elem(&bwm_pod_link_counters, &pod);
	if (!c)
		return TC_ACT_UNSPEC;
	c->packets++;
	c->bytes += skb->len;
	c->segs += segments(skb);
	if (pi.flags & BWM_LINK_OWN_ADDRS) {
		l3 = find_l3(skb, l2_len);
		if (!source_is_own(skb, &l3, pod)) {
			c->spoofed_packets++;
			c->spoofed_bytes += skb->len;
		}
	}
	/* An id that does not fit the field is not carried (bwm.conf(5)):
	 * the uplink classifies such a pod by interface or address. */
	if ((s->flags & BWM_SETTING_POD_MARK) && pod < mark_paced(s->pod_mark_mask, s->pod_mark_shift))
		skb->mark = mark_with_field(skb->mark, s->pod_mark_mask, s->pod_mark_shift, pod);
	return TC_ACT_UNSPEC;
}

static __always_inline int is_group_frame(struct __sk_buff *skb, __u32 l2_len)
{
	__u8 first;

	return l2_len && !bpf_skb_load_bytes(skb, 0, &first, sizeof(first)) && (first & 1);
}

static __always_inline int to_pod(struct __sk_buff *skb, __u32 l2_len)
{
	const struct bwm_settings *s = settings();
	struct pod_interface pi = pod_of_interface(skb);
	__u32 pod = pi.pod, sender;
	__u64 arrived = skb->tstamp, sender_departure = 0;
	struct l3 l3;
	int shape, verdict;

	reset_queue_mapping(skb, s);
	if (!pod)
		return TC_ACT_UNSPEC;
	shape = pi.flags & BWM_LINK_SHAPE;
	l3 = find_l3(skb, l2_len);
	sender = pod_of_mark(skb, s);
	if (s && sender && sender != mark_paced(s->pod_mark_mask, s->pod_mark_shift) &&
	    !is_group_frame(skb, l2_len)) {
		mark_charged(skb, s);
		if (shape) {
			verdict = pace_pod(skb, sender, &l3, EGRESS, 1);
			if (verdict == TC_ACT_SHOT)
				return verdict;
			/* The receiver's clock is charged on its own: see 4. */
			sender_departure = skb->tstamp;
			skb->tstamp = arrived;
		}
	}
	verdict = pace_pod(skb, pod, &l3, INGRESS, shape);
	if (verdict != TC_ACT_SHOT && sender_departure > skb->tstamp)
		skb->tstamp = sender_departure;
	return verdict;
}

SEC("tc")
int bwm_frompod_eth(struct __sk_buff *skb)
{
	return from_pod(skb, ETH_HLEN);
}

SEC("tc")
int bwm_topod_eth(struct __sk_buff *skb)
{
	return to_pod(skb, ETH_HLEN);
}

/* Pod interfaces without a link-layer header (tun, a pod's ipvlan in L3). */
SEC("tc")
int bwm_frompod_l3(struct __sk_buff *skb)
{
	return from_pod(skb, 0);
}

SEC("tc")
int bwm_topod_l3(struct __sk_buff *skb)
{
	return to_pod(skb, 0);
}
