#!/bin/bash
# vm test (issue 8): while 4 bulk TCP flows fill a pod's 100 Mbit/s limit,
# a request/response probe from the same pod stays fast: its p99 under load
# is below 10x its p99 unloaded (a loose sanity bound; the benchmark records
# the real figures), and the bulk goodput stays within 5% of the limit.
# For CUBIC and BBR senders, with and without ECN, IPv4 and IPv6.
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit "$SKIP"; }
modprobe -a veth sch_fq cls_bpf sch_ingress tcp_bbr || fail "modules missing in $(uname -r)"

PROBER="$BUILD_DIR/bench/rr_prober"
LIMIT=100          # Mbit/s
BULK_SECONDS=10
PROBE_SECONDS=5
TOLERANCE=5        # percent

topo_node 4
topo_pod_routed 1
pod_file web-1 kubernetes.io/egress-bandwidth=${LIMIT}M bwm.io/interface=pod1h
write_config
bwmd_start

bg_start ip netns exec "$NS_peer" iperf3 -s -p 5201 >/dev/null 2>&1
bg_start ip netns exec "$NS_peer" "$PROBER" server --port 7000
sleep 0.5

# probe TARGET: p99 of 64-byte request/response round trips, in us.
probe() {
	"$PROBER" client --server "$1" --port 7000 --netns "$NS_pod1" --size 64 \
		--time $PROBE_SECONDS --warmup 0.5 | python3 -c 'import json,sys; print(json.load(sys.stdin)["p99_us"])'
}

# counters: the pod's CE marks, CoDel drops, horizon drops, sparse packets.
counters() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" -i 0 --json status web-1 | python3 -c '
import json, sys
p = json.load(sys.stdin)["pods"][0]
print(p["ecn_marks"], p["drops"]["aqm"], p["drops"]["horizon"], p["sparse_packets"])'
}

failures=0
echo "| cc | ECN | family | p99 unloaded us | p99 loaded us | ratio | goodput Mbit/s | expected | CE marks | AQM drops | horizon drops |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for combo in "cubic 1 4" "cubic 0 6" "bbr 0 4" "bbr 1 6"; do
	read -r cc ecn family <<< "$combo"
	if [ "$family" = 4 ]; then target=198.19.0.2; payload=1448; else target=fd00:19::2; payload=1428; fi
	ip netns exec "$NS_pod1" sysctl -qw net.ipv4.tcp_congestion_control="$cc" net.ipv4.tcp_ecn="$ecn"

	unloaded=$(probe "$target")
	read -r ce0 aqm0 hz0 _ < <(counters)
	ip netns exec "$NS_pod1" iperf3 -c "$target" -p 5201 -P 4 -t $BULK_SECONDS -J > "$TMP/bulk.json" &
	bulk=$!
	sleep 2
	loaded=$(probe "$target")
	wait $bulk || fail "iperf3 failed"
	goodput=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$TMP/bulk.json")
	read -r expected ratio ok < <(python3 -c '
import sys
unloaded, loaded, goodput, limit, payload, tol = map(float, sys.argv[1:7])
expected = limit * payload / 1514
ratio = loaded / unloaded
ok = ratio < 10 and abs(goodput - expected) / expected * 100 <= tol
print("%.1f %.2f %d" % (expected, ratio, ok))' "$unloaded" "$loaded" "$goodput" $LIMIT $payload $TOLERANCE)
	read -r ce1 aqm1 hz1 _ < <(counters)
	echo "| $cc | $ecn | IPv$family | $unloaded | $loaded | $ratio | $goodput | $expected | $((ce1 - ce0)) | $((aqm1 - aqm0)) | $((hz1 - hz0)) |"
	[ "$ok" = 1 ] || failures=$((failures + 1))
done
read -r _ _ _ sparse < <(counters)
echo "sparse packets sent ahead of the queue: $sparse"
bwmd_stop
[ $failures = 0 ] || fail "$failures combination(s) missed the latency bound or the rate"
echo "PASS"
