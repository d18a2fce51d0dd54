#!/bin/bash
# The veth queue fix, reproduced: a pod's traffic carries a recorded queue
# index (pin_queue.bpf.o plays the old veth), and on a 4-queue uplink under
# mq it all lands on one TX queue; with bwm attached it spreads over all four.
source "$(dirname "$0")/lib.sh"

PIN_OBJ="$BUILD_DIR/tests/netns/pin_queue.bpf.o"
FLOWS=200

topo_node 4
topo_pod_routed 1
in_node tc qdisc add dev up0 root handle 1: mq
in_node tc qdisc add dev pod1h clsact
in_node tc filter add dev pod1h ingress bpf direct-action obj "$PIN_OBJ" sec tc

# Packets sent by each TX queue's leaf qdisc of up0, in queue order.
per_queue_packets() {
	in_node tc -s qdisc show dev up0 | awk '/parent 1:/ {q=1; next} q && /Sent/ {print $4; q=0}'
}

# FLOWS UDP flows from the pod, each from its own source port.
send_flows() {
	ip netns exec "$NS_pod1" bash -c "for i in \$(seq $FLOWS); do echo x > /dev/udp/198.19.0.2/9; done"
}

# delta BEFORE AFTER: per-queue differences, space-separated.
delta() {
	paste <(echo "$1") <(echo "$2") | awk '{printf "%d ", $2 - $1}'
}

# queues_used DELTAS: how many queues carried at least 5% of the flows.
queues_used() {
	echo "$1" | tr ' ' '\n' | awk -v min=$((FLOWS / 20)) '$1 >= min {n++} END {print n + 0}'
}

ip netns exec "$NS_pod1" ping -c1 -W2 198.19.0.2 >/dev/null || fail "no connectivity"

before=$(per_queue_packets)
send_flows
without=$(delta "$before" "$(per_queue_packets)")
echo "without bwm: packets per TX queue: $without"
[ "$(queues_used "$without")" = 1 ] || fail "the recorded queue did not pin the flows: $without"

write_config "$(printf '[datapath]\nqdisc = none')"
bwmd_start
before=$(per_queue_packets)
send_flows
with=$(delta "$before" "$(per_queue_packets)")
echo "with bwm:    packets per TX queue: $with"
[ "$(queues_used "$with")" = 4 ] || fail "bwm did not spread the flows over the 4 TX queues: $with"

# queue_fix = no: the pinning is back (the setting is live, via SIGHUP).
sed -i 's/^\[datapath\]/[datapath]\nqueue_fix = no/' "$TMP/bwm.conf"
kill -HUP "$BWMD_PID"
wait_for 5 grep -q "Reloading configuration" "$TMP/bwmd.log" || fail "no reload"
sleep 0.2
before=$(per_queue_packets)
send_flows
off=$(delta "$before" "$(per_queue_packets)")
echo "queue_fix=no: packets per TX queue: $off"
[ "$(queues_used "$off")" = 1 ] || fail "queue_fix = no still spread the flows: $off"
bwmd_stop
echo "PASS"
