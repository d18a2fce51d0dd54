#!/bin/bash
# vm test (issue 15): pods made by real CNI chains with bwm-cni last are held
# at their egress limits: two on the bridge network, one on ptp, sending at
# once (4 TCP flows each); each pod's goodput within 5% of its limit (wire
# bytes: a 1514-byte frame carries 1448 bytes of IPv4 TCP payload, so the
# goodput expected is limit * 1448 / 1514). The CNI bandwidth plugin in
# bwm-cni's place, side by side, is the benchmark's cni-bandwidth mode.
#
# Rates are asserted, so this runs under vm-run --clock virtual. CoDel and
# BIG TCP are off, as in pods-rate.sh: this checks what bwm-cni hands bwmd,
# not the latency controls.
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit "$SKIP"; }
modprobe -a veth sch_fq cls_bpf sch_ingress bridge ||
	fail "modules missing in $(uname -r)"
source "$SRC_DIR/tests/cni/lib.sh"

SECONDS_PER_RUN=${SECONDS_PER_RUN:-8}
LIMITS=(10 50 100)            # Mbit/s
NETWORKS=(bridge bridge ptp)
TOLERANCE=5                   # percent

topo_node 4
in_node sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
write_config "$(printf '[latency]\naqm = no\n[bigtcp]\nenable = no')"
bwmd_start
has "qdisc fq " in_node tc qdisc show dev up0 || fail "no fq on up0: $(in_node tc qdisc show dev up0)"
for i in 0 1 2; do
	bg_start ip netns exec "$NS_peer" iperf3 -s -p $((5201 + i)) >/dev/null 2>&1
done

goodput_mbps() {
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$1"
}

# measure: pods 1..3 through the chains with bwm-cni last (containerd's
# burst, which bwm-cni reads as none), all three sending at once; a table
# row per pod; FAILURES counts pods off their limit.
FAILURES=0
measure() {
	local i k pids=() got row list
	for i in 0 1 2; do
		k=$((1 + i))
		cni_pod_add "$k" "$(cni_conflist "${NETWORKS[i]}" 1.0.0 bwm-cni)" \
			"$(cni_bandwidth $((LIMITS[i] * 1000000)) "$CNI_CONTAINERD_BURST")" ||
			fail "ADD pod$k: $(cat "$TMP/result-$k.json")"
	done
	wait_for 10 sh -c "[ \$(\"$BWMCTL\" --config \"$TMP/bwm.conf\" -i 0 --json status | grep -o '\"name\"' | wc -l) = 3 ]" ||
		fail "bwmd does not enforce the 3 pods: $(in_node "$BWMCTL" --config "$TMP/bwm.conf" -i 0 status)"
	sleep 0.5
	for i in 0 1 2; do
		k=$((1 + i))
		local ns_var="NS_pod$k"
		ip netns exec "${!ns_var}" iperf3 -c 198.19.0.2 -p $((5201 + i)) -P 4 -t "$SECONDS_PER_RUN" -O 1 -J \
			> "$TMP/iperf-$k.json" &
		pids+=($!)
	done
	for i in 0 1 2; do wait "${pids[i]}" || fail "iperf3 of pod$((1 + i)) failed"; done
	for i in 0 1 2; do
		k=$((1 + i))
		got=$(goodput_mbps "$TMP/iperf-$k.json")
		read -r row ok < <(python3 -c '
import sys
limit, got, tol = map(float, sys.argv[1:4])
expected = limit * 1448 / 1514
err = (got - expected) / expected * 100
print("%.2f|%+.1f %d" % (expected, err, abs(err) <= tol))' "${LIMITS[i]}" "$got" $TOLERANCE)
		echo "| ${NETWORKS[i]} | ${LIMITS[i]} | $got | ${row%%|*} | ${row#*|} |"
		[ "$ok" = 1 ] || FAILURES=$((FAILURES + 1))
	done
	in_node "$BWMCTL" --config "$TMP/bwm.conf" -i 0 status >&2
	for i in 0 1 2; do
		list=$(cni_conflist "${NETWORKS[i]}" 1.0.0 bwm-cni)
		cni_pod_del $((1 + i)) "$list" || fail "DEL pod$((1 + i))"
	done
}

echo "| network | limit Mbit/s | goodput Mbit/s | expected | error % |"
echo "|---|---|---|---|---|"
measure
[ -z "$(ls -A "$PODS_DIR")" ] || fail "pod files left after DEL: $(ls -A "$PODS_DIR")"
[ $FAILURES = 0 ] || fail "$FAILURES pod(s) off their limit by more than $TOLERANCE% under bwm-cni"
bwmd_stop
echo "PASS"
