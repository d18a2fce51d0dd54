#!/bin/bash
# The demo itself (scripts/demo.sh runs it): a node namespace with a 4-queue
# uplink to a peer, pods in namespaces of their own behind veth pairs, two
# routed (as Calico does) and one on a bridge (as the bridge CNI does).
source "$SRC_DIR/tests/netns/lib.sh"

modprobe -q -a veth sch_fq bridge 2>/dev/null || true
LIMITS=(10 50 200)
SECONDS_OF_LOAD=10

echo "== topology: node + peer namespaces, uplink up0 with 4 TX queues, 3 pods"
topo_node 4
topo_pod_routed 1
topo_pod_routed 2
topo_bridge
topo_pod_bridged 3
pod_file web-1 kubernetes.io/egress-bandwidth=${LIMITS[0]}M bwm.io/interface=pod1h
pod_file web-2 kubernetes.io/egress-bandwidth=${LIMITS[1]}M bwm.io/interface=pod2h
pod_file db-3 kubernetes.io/egress-bandwidth=${LIMITS[2]}M "bwm.io/ips=198.18.100.3, fd00:18:100::3"
for f in web-1 web-2 db-3; do echo "   $PODS_DIR/$f: $(tr '\n' ' ' < "$PODS_DIR/$f")"; done

echo "== bwmd (its log follows)"
write_config
bg_start ip netns exec "$NS_node" "$BWMD" --config "$TMP/bwm.conf"
BWMD_PID=$!
wait_for 20 has "qdisc fq" in_node tc qdisc show dev up0 || fail "bwmd did not set up up0"
sleep 0.5
echo "== uplink qdiscs set up by bwmd"
in_node tc qdisc show dev up0 | sed 's/^/   /'

for port in 5201 5202 5203; do
	bg_start ip netns exec "$NS_peer" iperf3 -s -p $port >/dev/null 2>&1
done
sleep 0.5

echo "== load: each pod sends 4 TCP flows for ${SECONDS_OF_LOAD} s, all at once"
for k in 1 2 3; do
	ns_var="NS_pod$k"
	ip netns exec "${!ns_var}" iperf3 -c 198.19.0.2 -p $((5200 + k)) -P 4 -t $SECONDS_OF_LOAD -J \
		> "$TMP/iperf-$k.json" &
	iperf_pids+=($!)
done
sleep 3
echo "== bwmctl status (achieved rate over 1 s)"
in_node "$BWMCTL" --config "$TMP/bwm.conf" status
echo "   RATE counts wire bytes, as the limit does. DROPS: packets bwm dropped to keep a"
echo "   pod's queue short (CoDel on packets that are not ECN-capable, or past the horizon);"
echo "   ECN-CE: packets it marked instead. TCP backs off from either, as from a full queue."
echo "== live change: web-1 from ${LIMITS[0]}M to 20M (the pod file is rewritten)"
pod_file web-1 kubernetes.io/egress-bandwidth=20M bwm.io/interface=pod1h
sleep 3
echo "== bwmctl status"
in_node "$BWMCTL" --config "$TMP/bwm.conf" status
for pid in "${iperf_pids[@]}"; do wait "$pid"; done

echo "== goodput over the whole run (iperf3 receiver)"
echo "   A limit counts wire bytes: a full TCP segment is 1514 bytes on the wire for 1448"
echo "   bytes of payload, so goodput tops out at 95.6% of the limit."
NAMES=(web-1 web-2 db-3)
for k in 1 2 3; do
	python3 -c '
import json, sys
path, name, limit, ceiling = sys.argv[1:]
mbps = json.load(open(path))["end"]["sum_received"]["bits_per_second"] / 1e6
print("   %-6s %6.1f Mbit/s   (limit %s; payload ceiling %s)" % (name, mbps, limit, ceiling))' \
		"$TMP/iperf-$k.json" "${NAMES[k - 1]}" \
		"$( [ $k = 1 ] && echo "${LIMITS[0]}M, then 20M" || echo "${LIMITS[k - 1]}M")" \
		"$(python3 -c 'import sys; print("%.1f Mbit/s" % (float(sys.argv[1]) * 1448 / 1514))' "${LIMITS[k - 1]}")"
done
echo "   (web-1 ran at 10M for 3 s and at 20M for the rest, so it lands between them.)"

echo "== stop bwmd and clean up: programs detached, qdiscs restored"
kill -TERM "$BWMD_PID"; wait "$BWMD_PID" || true
in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup
in_node tc qdisc show dev up0 | sed 's/^/   /'
echo "== done"
