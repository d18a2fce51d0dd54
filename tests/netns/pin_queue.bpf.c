// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only: reproduces what veth did before kernel commit 710ad98c363a
 * ("veth: Do not record rx queue hint in veth_xmit"): it recorded the RX
 * queue in skb->queue_mapping (queue 0 recorded as 1), the hint survived
 * forwarding, and skb_tx_hash() on the uplink then chose the TX queue from
 * it instead of the flow hash. Attached at tc ingress of a pod's host-side
 * veth.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int record_rx_queue(struct __sk_buff *skb)
{
	skb->queue_mapping = 1;   /* skb_record_rx_queue(skb, 0) */
	return TC_ACT_OK;
}
