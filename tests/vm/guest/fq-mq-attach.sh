#!/bin/bash
# vm test (inside tests/vm/vm-run): the uplink qdisc layout bwm builds, a
# multi-queue device with mq as root and one fq per TX queue, with bwm's
# egress program at clsact egress. Traffic must pass and reach the fq leaves.
#
#   namespace "up" (the node)            namespace "peer"
#   bwm-up: mq -> 4 x fq, bwm egress  <->  bwm-peer
#   198.18.0.1/30, fd00:b:1::1/64          198.18.0.2/30, fd00:b:1::2/64
# shellcheck source=tests/netns/lib.sh
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit "$SKIP"; }

QUEUES=4
BPF_OBJ=$BUILD_DIR/bpf/bwm.bpf.o
BPF_PROG=bwm_egress_eth
IPERF_SECONDS=3

[ -f "$BPF_OBJ" ] || fail "$BPF_OBJ is not built"
# Loaded on demand too; loading them here makes a missing module fail clearly.
modprobe -a veth sch_fq cls_bpf sch_ingress || fail "modules missing in $(uname -r)"

NS_UP=$(netns_add up)
NS_PEER=$(netns_add peer)

make_link() {
	ip -n "$NS_UP" link add bwm-up numtxqueues $QUEUES numrxqueues $QUEUES type veth \
		peer name bwm-peer netns "$NS_PEER" numtxqueues $QUEUES numrxqueues $QUEUES
	ip -n "$NS_UP" addr add 198.18.0.1/30 dev bwm-up
	ip -n "$NS_UP" addr add fd00:b:1::1/64 dev bwm-up nodad
	ip -n "$NS_PEER" addr add 198.18.0.2/30 dev bwm-peer
	ip -n "$NS_PEER" addr add fd00:b:1::2/64 dev bwm-peer nodad
}

# Last, so that every packet bwm-up sends passes both the program and an fq.
links_up() {
	ip -n "$NS_UP" link set bwm-up up
	ip -n "$NS_PEER" link set bwm-peer up
}

# mq's classes 1:1..1:N are the TX queues; each gets its own fq.
add_mq_fq() {
	local q
	tc -n "$NS_UP" qdisc add dev bwm-up root handle 1: mq
	for q in $(seq 1 $QUEUES); do
		tc -n "$NS_UP" qdisc add dev bwm-up parent "1:$(printf %x "$q")" \
			fq horizon 2s buckets 1024
	done
}

# tc picks the first program of section "tc", which must be the Ethernet
# one: checked by name below. tc pins the object's maps in bpffs, hence in_ns.
attach_bwm() {
	local id name
	tc -n "$NS_UP" qdisc add dev bwm-up clsact
	in_ns "$NS_UP" tc filter add dev bwm-up egress bpf direct-action obj "$BPF_OBJ" sec tc
	id=$(tc -n "$NS_UP" filter show dev bwm-up egress |
		sed -n 's/.* id \([0-9]*\) .*/\1/p')
	[ -n "$id" ] || fail "no BPF program at bwm-up egress"
	name=$(bpftool prog show id "$id" | sed -n 's/.* name \([^ ]*\) .*/\1/p')
	[ "$name" = "$BPF_PROG" ] || fail "bwm-up egress runs '$name', not $BPF_PROG"
	BPF_PROG_ID=$id
}

port_listening() {
	has . ip netns exec "$NS_PEER" ss -Hltn 'sport = :5201'
}

# Sets RATE to the receiver's rate in Mbit/s. Four streams so that more than
# one TX queue (and fq) carries traffic.
run_iperf3() {
	bg_start ip netns exec "$NS_PEER" iperf3 -s -1 -B 198.18.0.2 >"$TMP/iperf3-server" 2>&1
	wait_for 5 port_listening || fail "iperf3 server did not start"
	timeout 30 ip netns exec "$NS_UP" iperf3 -c 198.18.0.2 -t $IPERF_SECONDS -P 4 -f m >"$TMP/iperf3" ||
		{ cat "$TMP/iperf3"; fail "iperf3 failed"; }
	RATE=$(awk '/receiver/ { rate = $(NF - 2) } END { print rate }' "$TMP/iperf3")
}

# Prints "PARENT PACKETS" for each fq leaf of bwm-up.
fq_leaf_packets() {
	tc -n "$NS_UP" -s qdisc show dev bwm-up | awk '
		$1 == "qdisc" { fq = ($2 == "fq"); parent = $5 }
		fq && $1 == "Sent" { print parent, $4 }'
}

# Statistics make the program's run count visible; the VM is ours alone.
sysctl -q kernel.bpf_stats_enabled=1
make_link
add_mq_fq
attach_bwm
links_up

# busybox's ping: the VM tier needs busybox-static anyway, iputils may be absent.
ip netns exec "$NS_UP" busybox ping -q -c 3 -i 0.2 -w 5 198.18.0.2 >/dev/null || fail "IPv4 ping failed"
ip netns exec "$NS_UP" busybox ping -q -c 3 -i 0.2 -w 5 fd00:b:1::2 >/dev/null || fail "IPv6 ping failed"
run_iperf3

echo "kernel $(uname -r); $BPF_PROG (prog id $BPF_PROG_ID) at bwm-up egress"
echo "iperf3, 4 streams, ${IPERF_SECONDS} s: $RATE Mbit/s"
total=0
leaves=0
while read -r parent packets; do
	echo "fq under $parent: $packets packets"
	total=$((total + packets))
	leaves=$((leaves + 1))
done < <(fq_leaf_packets)
runs=$(bpftool prog show id "$BPF_PROG_ID" | sed -n 's/.* run_cnt \([0-9]*\).*/\1/p')
echo "fq leaves: $leaves, packets: $total; $BPF_PROG ran ${runs:-0} times"

[ "$leaves" = $QUEUES ] || fail "expected $QUEUES fq leaves, found $leaves"
# 3 s of TCP at any useful rate is far more than 1000 packets.
[ "$total" -ge 1000 ] || fail "the fq leaves counted only $total packets"
# The program runs once per skb, fq counts GSO segments: a 64 KiB TCP skb
# holds at most 45 segments of 1448 bytes.
[ $(( ${runs:-0} * 45 )) -ge "$total" ] || fail "$BPF_PROG ran ${runs:-0} times for $total packets"
echo "PASS"
