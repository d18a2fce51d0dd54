#!/bin/bash
# Pods' host-side interfaces (issue 16), on whatever kernel runs it:
#  A. qdisc = fq. Every pod interface gets bwm's two programs; where the
#     kernel has sch_fq, an fq root (b3d:), else bwmd says that traffic to
#     the pod is not shaped there and attaches the programs all the same
#     (the pod is still identified and counted). The programs follow the
#     interfaces: one that appears later is set up, one that vanishes is
#     forgotten, a pod whose file goes gets its interface back exactly. A
#     restart (kill -9) adopts what is there; 'bwmd --cleanup' restores
#     every pod interface exactly as it was.
#  B. qdisc = none, on any kernel: the uplink tells a bridged pod by the
#     mark its interface wrote (no bwm.io/ips needed); a bridged pod that
#     sends with its neighbour's source address is counted as spoofing and
#     charged itself, not the neighbour; traffic that leaves by a device
#     bwm does not manage is shown as escaped, and bwmd warns once.
source "$(dirname "$0")/lib.sh"

topo_node 1
topo_pod_routed 1
topo_pod_routed 2
topo_bridge
topo_pod_bridged 11
topo_pod_bridged 12
# An unmanaged way out: up1 to the peer, for 198.19.1.0/24 only.
ip -n "$NS_node" link add up1 type veth peer name up1p netns "$NS_peer"
ip -n "$NS_node" addr add 198.19.1.1/24 dev up1
ip -n "$NS_peer" addr add 198.19.1.2/24 dev up1p
ip -n "$NS_node" link set up1 up
ip -n "$NS_peer" link set up1p up
ip -n "$NS_peer" route add 198.18.0.0/16 via 198.19.1.1 table 100
# pod2h starts with a root of its own, which bwm must put back exactly.
in_node tc qdisc replace dev pod2h root handle 3: pfifo limit 42

PODIFS="pod1h pod2h pod11h pod12h"
snapshot() {   # snapshot DEV: its qdiscs and filters (a program replaced by the same is the same)
	{
		in_node tc -d qdisc show dev "$1"
		in_node tc filter show dev "$1" ingress
		in_node tc filter show dev "$1" egress
	} | sed -E 's/:\[[0-9]+\]//; s/ id [0-9]+//'
}
for dev in $PODIFS; do
	snapshot "$dev" > "$TMP/before-$dev"
done
attached() {   # attached DEV: both pod programs on DEV
	has 'bwm_frompod_eth' in_node tc filter show dev "$1" ingress &&
		has 'bwm_topod_eth' in_node tc filter show dev "$1" egress
}
unchanged() {  # unchanged DEV: exactly as before bwm
	[ "$(snapshot "$1")" = "$(cat "$TMP/before-$1")" ]
}

echo "== A. qdisc = fq: programs on every pod interface"
if kernel_has_fq; then uplinks=up0; else uplinks=absent0; fi
write_config "$(printf '[datapath]\nqdisc = fq')"
sed -i "s/^uplinks = up0/uplinks = $uplinks/" "$TMP/bwm.conf"
pod_file routed-1 kubernetes.io/egress-bandwidth=10M kubernetes.io/ingress-bandwidth=20M bwm.io/interface=pod1h
pod_file routed-2 kubernetes.io/ingress-bandwidth=5M bwm.io/interface=pod2h
pod_file bridged-11 kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod11h bwm.io/ips=198.18.100.11
pod_file bridged-12 kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod12h bwm.io/ips=198.18.100.12
pod_file late-5 kubernetes.io/ingress-bandwidth=1M bwm.io/interface=pod5h bwm.io/ips=198.18.5.2
bwmd_start
for dev in $PODIFS; do
	wait_for 10 attached "$dev" || fail "$dev: programs not attached: $(snapshot "$dev")"
	if kernel_has_fq; then
		has '^qdisc fq b3d: root' in_node tc qdisc show dev "$dev" || fail "$dev: no fq root: $(snapshot "$dev")"
	else
		grep -q "Pod interface '$dev': traffic to the pod is not shaped there" "$TMP/bwmd.log" ||
			fail "$dev: no word that it is not shaped (no fq)"
		grep -q "Cannot install fq on '$dev': the kernel has no 'fq' qdisc" "$TMP/bwmd.log" ||
			fail "$dev: no word that the kernel lacks fq"
		has '^qdisc noqueue 0: root\|^qdisc pfifo 3: root' in_node tc qdisc show dev "$dev" ||
			fail "$dev: root changed without fq: $(snapshot "$dev")"
	fi
done
[ "$(pod_field routed-1 ingress.limit_bps)" = 20000000 ] || fail "routed-1: ingress limit $(pod_field routed-1 ingress.limit_bps)"
echo "ok: programs attached$(kernel_has_fq && echo ', fq installed' || echo ', not shaping (no fq), said so')"

# Classified, whatever the kernel: the pod's own ping is counted at its interface.
ip netns exec "$NS_pod1" ping -c 3 -i 0.05 -W 1 198.18.1.1 >/dev/null || fail "pod1 cannot reach its gateway"
wait_for 5 pod_field_at_least routed-1 from_pod.packets 3 ||
	fail "routed-1: its interface counted $(pod_field routed-1 from_pod.packets) packets"
echo "ok: counted at its interface without fq as with it"

# Issue 14: the filters' classid carries the pod's id, and the programs
# use it: with the interface's entry gone from bwm_pod_by_ifindex, the
# pod is still found (the maps are put back afterwards, as bwmd wrote them).
id=$(pod_field routed-1 id)
classid=$(printf 'b3d:%x' "$id")
for hook in ingress egress; do
	has "flowid $classid " in_node tc filter show dev pod1h "$hook" ||
		fail "pod1h $hook: no flowid (classid) $classid: $(in_node tc filter show dev pod1h "$hook")"
done
ifindex_key=$(printf '%08x' "$(in_node cat /sys/class/net/pod1h/ifindex)" |
	sed -E 's/(..)(..)(..)(..)/0x\4 0x\3 0x\2 0x\1/')
id_value=$(printf '%08x' "$id" | sed -E 's/(..)(..)(..)(..)/0x\4 0x\3 0x\2 0x\1/')
# shellcheck disable=SC2086  # the bytes are separate words
bpftool map delete pinned "$PIN_DIR/bwm_pod_by_ifindex" key $ifindex_key ||
	fail "could not remove pod1h from bwm_pod_by_ifindex"
before=$(pod_field routed-1 from_pod.packets)
ip netns exec "$NS_pod1" ping -c 3 -i 0.05 -W 1 198.18.1.1 >/dev/null || fail "pod1 cannot reach its gateway by classid"
wait_for 5 pod_field_at_least routed-1 from_pod.packets $((before + 3)) ||
	fail "routed-1: by classid alone its interface counted $(pod_field routed-1 from_pod.packets) packets (before: $before)"
# A classid that bwm_pod_links does not confirm (it names another
# interface for the id: a filter a pod left behind) finds no pod.
# shellcheck disable=SC2086
links_value=$(bpftool -j map lookup pinned "$PIN_DIR/bwm_pod_links" key $id_value | jq -r '.value | join(" ")')
# shellcheck disable=SC2086
bpftool map update pinned "$PIN_DIR/bwm_pod_links" key $id_value value 0xff 0xff 0 0 0 0 0 0 ||
	fail "could not point the pod's link elsewhere"
before=$(pod_field routed-1 from_pod.packets)
ip netns exec "$NS_pod1" ping -c 3 -i 0.05 -W 1 198.18.1.1 >/dev/null || fail "pod1 cannot reach its gateway"
sleep 0.5
[ "$(pod_field routed-1 from_pod.packets)" = "$before" ] ||
	fail "routed-1: found by a classid its link does not confirm ($before -> $(pod_field routed-1 from_pod.packets) packets)"
# shellcheck disable=SC2086
bpftool map update pinned "$PIN_DIR/bwm_pod_links" key $id_value value $links_value ||
	fail "could not put the pod's link back"
# shellcheck disable=SC2086
bpftool map update pinned "$PIN_DIR/bwm_pod_by_ifindex" key $ifindex_key value $id_value ||
	fail "could not put pod1h back into bwm_pod_by_ifindex"
echo "ok: the filters carry the pod's id ($classid), which finds the pod alone, if its link confirms it"

echo "== an interface that appears later is set up; one that vanishes is forgotten"
topo_pod_routed 5
wait_for 10 attached pod5h || fail "pod5h: not set up when it appeared: $(snapshot pod5h)"
[ -e "$STATE_DIR/podlinks/pod5h.attached" ] || fail "pod5h: no record"
ip -n "$NS_node" link del pod5h
wait_for 10 test ! -e "$STATE_DIR/podlinks/pod5h.attached" || fail "pod5h: record kept after it vanished"
grep -q "pod 'late-5'.*does not exist\|pod 'late-5' pending" "$TMP/bwmd.log" || true
echo "ok: followed pod5h in and out"

echo "== a restart (kill -9) adopts the interfaces"
bwmd_stop KILL || true
for dev in $PODIFS; do
	snapshot "$dev" > "$TMP/running-$dev"
done
bwmd_start
for dev in $PODIFS; do
	wait_for 10 attached "$dev" || fail "$dev: programs gone after a restart"
	[ "$(snapshot "$dev")" = "$(cat "$TMP/running-$dev")" ] ||
		fail "$dev: changed by the restart:"$'\n'"$(cat "$TMP/running-$dev")"$'\n---\n'"$(snapshot "$dev")"
done
if kernel_has_fq; then
	grep -q "Pod interface 'pod2h': adopting the fq set up by an earlier bwmd" "$TMP/bwmd.log" ||
		fail "pod2h: not adopted"
fi
echo "ok: adopted"

echo "== a pod whose file goes gets its interface back exactly"
rm "$PODS_DIR/routed-2"
wait_for 10 unchanged pod2h || fail "pod2h not restored:"$'\n'"$(cat "$TMP/before-pod2h")"$'\n---\n'"$(snapshot pod2h)"
pod_file routed-2 kubernetes.io/ingress-bandwidth=5M bwm.io/interface=pod2h
wait_for 10 attached pod2h || fail "pod2h: not set up again"
echo "ok: restored, and set up again"

echo "== another pod on the same interface: its filters name the new pod"
mv "$PODS_DIR/routed-2" "$PODS_DIR/routed-2b"
wait_for 10 pod_field routed-2b id >/dev/null || fail "routed-2b: not enforced"
classid=$(printf 'b3d:%x' "$(pod_field routed-2b id)")
wait_for 10 has "flowid $classid " in_node tc filter show dev pod2h ingress ||
	fail "pod2h: filters do not name routed-2b ($classid): $(in_node tc filter show dev pod2h ingress)"
has "flowid $classid " in_node tc filter show dev pod2h egress || fail "pod2h egress: not $classid"
mv "$PODS_DIR/routed-2b" "$PODS_DIR/routed-2"
wait_for 10 pod_field routed-2 id >/dev/null || fail "routed-2: not enforced again"
echo "ok: the filters follow the pod ($classid)"

echo "== bwmd --cleanup restores every pod interface"
bwmd_stop TERM || fail "bwmd failed on SIGTERM"
attached pod1h || fail "programs did not outlive bwmd"
in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup || fail "--cleanup failed"
for dev in $PODIFS; do
	unchanged "$dev" || fail "$dev: not restored by --cleanup:"$'\n'"$(cat "$TMP/before-$dev")"$'\n---\n'"$(snapshot "$dev")"
done
[ -z "$(ls -A "$STATE_DIR/podlinks" 2>/dev/null)" ] || fail "records left: $(ls "$STATE_DIR/podlinks")"
echo "ok: every pod interface as it was"

echo "== B. qdisc = none: identity by mark, spoofing, escapes"
rm -f "$PODS_DIR"/*
write_config "$(printf '[datapath]\nqdisc = none')"
# bridged-11 has no addresses: only the mark its interface writes tells
# the uplink whose its traffic is (it leaves by the bridge, not by pod11h).
pod_file bridged-11 kubernetes.io/egress-bandwidth=100M bwm.io/interface=pod11h
pod_file bridged-12 kubernetes.io/egress-bandwidth=100M bwm.io/interface=pod12h bwm.io/ips=198.18.100.12
pod_file routed-1 kubernetes.io/egress-bandwidth=100M bwm.io/interface=pod1h
bwmd_start
for dev in pod1h pod11h pod12h; do
	wait_for 10 attached "$dev" || fail "$dev: programs not attached"
done
ip netns exec "$NS_pod11" ping -c 5 -i 0.05 -W 1 198.19.0.2 >/dev/null || fail "pod11 cannot reach the peer"
wait_for 5 pod_field_at_least bridged-11 packets 5 ||
	fail "bridged-11: the uplink counted $(pod_field bridged-11 packets) packets by its mark"
echo "ok: a bridged pod without addresses is classified at the uplink by its mark"

# pod11, its addresses now listed, sends 200 UDP packets from pod12's
# address: counted as spoofed, charged to pod11, not to pod12.
pod_file bridged-11 kubernetes.io/egress-bandwidth=100M bwm.io/interface=pod11h bwm.io/ips=198.18.100.11
wait_for 10 grep -q "Pod 'bridged-11'.*1 address(es) (updated)" "$TMP/bwmd.log" || fail "bridged-11 not updated"
before12=$(pod_field bridged-12 bytes)
before11=$(pod_field bridged-11 packets)
ip -n "$NS_pod11" addr add 198.18.100.12/32 dev eth0 noprefixroute
ip netns exec "$NS_pod11" sysctl -qw net.ipv4.conf.eth0.arp_ignore=8
udp_send "$NS_pod11" 198.19.0.2 200 1000 198.18.100.12
wait_for 5 pod_field_at_least bridged-11 from_pod.spoofed_packets 200 ||
	fail "bridged-11: $(pod_field bridged-11 from_pod.spoofed_packets) packets counted as spoofed"
[ "$(pod_field bridged-12 bytes)" = "$before12" ] ||
	fail "bridged-12 was charged for its neighbour's packets: $before12 -> $(pod_field bridged-12 bytes) bytes"
python3 -c 'import sys; sys.exit(int(sys.argv[2]) - int(sys.argv[1]) < 200)' "$before11" "$(pod_field bridged-11 packets)" ||
	fail "bridged-11 was not charged for what it sent: $before11 -> $(pod_field bridged-11 packets)"
echo "ok: spoofed source counted, the sender charged, the neighbour not"

# pod1 sends 2000 packets to 198.19.1.2, which only up1 (not managed) reaches.
[ "$(pod_field routed-1 escaped_segs)" -lt 100 ] || fail "routed-1 escaped before the test: $(pod_field routed-1 escaped_segs)"
udp_send "$NS_pod1" 198.19.1.2 2000 100
wait_for 5 pod_field_at_least routed-1 escaped_segs 2000 ||
	fail "routed-1: escaped $(pod_field routed-1 escaped_segs)"
wait_for 15 grep -q "Pod 'routed-1': [0-9]* of the [0-9]* packets (GSO segments) it sent through 'pod1h' met no device bwm manages" "$TMP/bwmd.log" ||
	fail "no warning about routed-1's escape: $(cat "$TMP/bwmd.log")"
in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 status
udp_send "$NS_pod1" 198.19.1.2 2000 100
sleep 11
[ "$(grep -c "Pod 'routed-1': .* met no device bwm manages" "$TMP/bwmd.log")" = 1 ] || fail "warned more than once"
grep -q "Pod 'bridged-1[12]'.*met no device" "$TMP/bwmd.log" && fail "warned about a pod whose traffic was shaped"
echo "ok: the escape is shown and warned about once"
bwmd_stop TERM || fail "bwmd failed on SIGTERM"
in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup || fail "--cleanup failed"
echo PASS
