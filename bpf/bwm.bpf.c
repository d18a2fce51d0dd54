// SPDX-License-Identifier: GPL-2.0-only
/*
 * bwm uplink egress datapath, attached at tc egress (clsact) of every uplink.
 *
 * For each packet, top to bottom:
 *   1. reset the TX queue choice a veth may have recorded upstream;
 *   2. find the pod the packet comes from (ingress interface, else source
 *      address); packets of no pod pass untouched;
 *   3. stamp the pod's earliest departure time, which the fq qdisc honours,
 *      or drop the packet when it would leave beyond the pod's horizon.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "bwm_maps.h"
#include "classify.h"
#include "edt.h"

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

/*
 * A veth used to record its RX queue in skb->queue_mapping (fixed by kernel
 * commit 710ad98c363a, "veth: Do not record rx queue hint in veth_xmit").
 * The recorded index survives forwarding, and skb_tx_hash() then picks the
 * uplink TX queue from it, so every pod lands on one TX queue (and one fq).
 * tc egress runs before the TX queue is picked in __dev_queue_xmit(), so
 * zeroing the mapping here makes the stack hash the flow afresh.
 */
static __always_inline void reset_queue_mapping(struct __sk_buff *skb)
{
	__u32 key = 0;
	const struct bwm_settings *settings = bpf_map_lookup_elem(&bwm_settings, &key);

	if (settings && (settings->flags & BWM_SETTING_QUEUE_FIX))
		skb->queue_mapping = 0;
}

static __always_inline int load_source_key(struct __sk_buff *skb, __u32 l2_len,
					   struct bwm_addr_key *key)
{
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u32 saddr;

		if (bpf_skb_load_bytes(skb, l2_len + offsetof(struct iphdr, saddr),
				       &saddr, sizeof(saddr)))
			return -1;
		bwm_addr_key_from_ipv4(key, saddr);
		return 0;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		__u8 saddr[16];

		if (bpf_skb_load_bytes(skb, l2_len + offsetof(struct ipv6hdr, saddr),
				       saddr, sizeof(saddr)))
			return -1;
		bwm_addr_key_from_ipv6(key, saddr);
		return 0;
	}
	return -1;
}

/*
 * The interface a forwarded packet came in on identifies a routed pod even
 * after SNAT; on a bridge that interface is the bridge itself (shared by all
 * its pods, never in the map), so the source address decides there.
 */
static __always_inline __u32 classify_pod(struct __sk_buff *skb, __u32 l2_len)
{
	struct bwm_addr_key key;
	__u32 ifindex = skb->ingress_ifindex;
	__u32 *pod;

	if (ifindex) {
		pod = bpf_map_lookup_elem(&bwm_pod_by_ifindex, &ifindex);
		if (pod)
			return *pod;
	}
	if (load_source_key(skb, l2_len, &key))
		return 0;
	pod = bpf_map_lookup_elem(&bwm_pod_by_addr, &key);
	return pod ? *pod : 0;
}

static __always_inline int pace_pod(struct __sk_buff *skb, __u32 pod)
{
	const struct bwm_pod_limit *limit = bpf_map_lookup_elem(&bwm_pod_limits, &pod);
	struct bwm_pod_state *state = bpf_map_lookup_elem(&bwm_pod_state, &pod);
	__u32 wire_len = skb->wire_len ? skb->wire_len : skb->len;
	struct edt_result r;
	__u64 now;

	if (!limit || !state)
		return TC_ACT_UNSPEC;

	if (limit->rate_bytes_per_sec) {
		now = bpf_ktime_get_ns();
		/* Concurrent CPUs may race on t_last; like Cilium we accept a
		 * lost update, which errs by one packet's time at most. */
		r = edt_schedule(now, skb->tstamp, *(volatile __u64 *)&state->t_last_ns, wire_len,
				 limit->rate_bytes_per_sec, limit->horizon_ns);
		if (r.verdict == EDT_DROP_HORIZON) {
			__sync_fetch_and_add(&state->drops[BWM_DROP_HORIZON], 1);
			return TC_ACT_SHOT;
		}
		state->t_last_ns = r.t_last_ns;
		if (r.verdict == EDT_DELAY)
			skb->tstamp = r.departure_ns;
	}
	__sync_fetch_and_add(&state->bytes, wire_len);
	__sync_fetch_and_add(&state->packets, 1);
	return TC_ACT_UNSPEC;
}

static __always_inline int bwm_egress(struct __sk_buff *skb, __u32 l2_len)
{
	__u32 pod;

	reset_queue_mapping(skb);
	pod = classify_pod(skb, l2_len);
	if (!pod)
		return TC_ACT_UNSPEC;
	return pace_pod(skb, pod);
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
