#!/bin/bash
# The S1-S3 side of bench/run, inside its VM or, when the host kernel has
# sch_fq, on the host (in namespaces of its own, as every network test here):
# builds one topology and measures every mode in it, one mode after the other:
#
#   none               no limit
#   tbf-default-burst  the CNI bandwidth plugin, containerd's burst (2^32-1 bits)
#   tbf                the CNI bandwidth plugin, burst max(64 KiB, 20 ms of the rate)
#   edt-2s             bwmd configured as Cilium's bandwidth manager (bench/modes/)
#   bwm                bwmd with its defaults (bench/modes/)
#
# and, in each, the scenarios S1 (many request/response flows, one per pod),
# S2 (a ping-pong probe alone, then beside 4 bulk flows of the same pod) and
# S3 (goodput at several limits, 1 and 8 flows). It writes the tools' raw
# output, with qdisc and bwm counters before and after every run, under
# $BENCH_RESULTS/<mode>/; bench/report.py turns them into figures.
#
# A run that fails is recorded (<mode>/errors) and the next one goes on: the
# benchmark records, it does not judge. Load is bounded by the tools' own
# durations and by timeout(1).
#
#   BENCH_RESULTS=DIR BENCH_PROFILE=short|full [BENCH_MODES="none bwm"] bench/guest.sh
# shellcheck disable=SC2119  # bwmd_start/bwmd_stop: no extra arguments here
set -euo pipefail

[ "${BWM_VM:-}" = 1 ] || [ "${BENCH_ON_HOST:-}" = 1 ] ||
	{ echo "bench/guest.sh is run by bench/run" >&2; exit 2; }
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Namespaces, bwmd and clean-up on any exit (re-executes this script in a
# private mount namespace).
source "$SRC_DIR/tests/netns/lib.sh"

R=${BENCH_RESULTS:?BENCH_RESULTS must name the results directory}
PROFILE=${BENCH_PROFILE:-short}
MODES=${BENCH_MODES:-none tbf-default-burst tbf edt-2s bwm}
PROBER=$BUILD_DIR/bench/rr_prober
CNI_PLUGIN=/usr/lib/cni/bandwidth
SERVER=198.19.0.2
PORT_RR=5000
PORT_SOCKPERF=5001
PORT_IPERF=5201
# The probe's and the cross-check's message: sockperf's minimum is 14 bytes.
PROBE_SIZE=64
# S1's request and response: netperf TCP_RR's default, as in the published
# comparison.
S1_SIZE=1
S1_LIMIT=100M
S2_LIMIT=100M
S2_BULK_FLOWS=4
S3_FLOWS="1 8"

case $PROFILE in
# S1_FLOWS: the 2-vCPU TCG VM peaks at ~4 500 transactions/s from 8 flows
# on; more flows only queue for its CPUs (bench/README.md). S3_RATES: its
# ceiling is ~560-820 Mbit/s, so 400 is the highest limit it sustains; the
# full profile adds 1000 to show where the VM, not the shaper, binds.
# S2_HEAD: how long the bulk flows run before the probe starts, so that
# the probe meets the queue they build, not their slow start. S2_TAIL: how
# much longer than the probe's own time they run: sockperf's handshake and
# warm-up messages cross that queue first, which takes seconds when it is
# hundreds of ms deep (edt-2s). S2_ROUNDS: the probe runs alone, then
# under load, that many times in turn, and the report pools each kind's
# samples. Under TCG one probe's p99 swings 1-6 ms with the host's other
# work (bench/README.md); alternating spreads that over both kinds, so
# their ratio measures the load, not when a burst of host work came.
short)
	S1_FLOWS=8; S1_TIME=3; S2_TIME=3; S2_HEAD=3; S2_TAIL=6; S2_ROUNDS=2
	S3_TIME=2; S3_OMIT=1; WARMUP=1
	S3_RATES="10 100 400" ;;
full)
	S1_FLOWS=32; S1_TIME=15; S2_TIME=10; S2_HEAD=5; S2_TAIL=10; S2_ROUNDS=3
	S3_TIME=10; S3_OMIT=2; WARMUP=2
	S3_RATES="10 100 400 1000" ;;
*)
	echo "unknown profile '$PROFILE' (short, full)" >&2; exit 2 ;;
esac

note() {
	echo "bench: $*" >&2
}

# record_error MODE WHAT: a failed run, kept for the report.
record_error() {
	note "$1: $2 failed"
	echo "$2" >>"$R/$1/errors"
}

# Pods: 1..S1_FLOWS carry S1 (and pod1 S2) at 100 Mbit/s; 200+i carries
# S3's i-th rate, so that no limit changes while a mode is up.
S1_PODS=$(seq 1 "$S1_FLOWS")
s3_pod() {
	local i=0 rate
	for rate in $S3_RATES; do
		i=$((i + 1))
		[ "$rate" = "$1" ] && { echo $((200 + i)); return; }
	done
}
pod_limit_mbit() {
	if [ "$1" -gt 200 ]; then
		echo "$S3_RATES" | cut -d' ' -f$(($1 - 200))
	else
		echo "${S1_LIMIT%M}"
	fi
}
ALL_PODS="$S1_PODS $(for rate in $S3_RATES; do s3_pod "$rate"; done)"

write_env() {
	local mem
	mem=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
	cat >"$R/env-guest.json" <<EOF
{"kernel": "$(uname -r)", "cores": $(nproc), "mem_kib": $mem, "profile": "$PROFILE",
 "modes": "$MODES", "s1_flows": $S1_FLOWS, "s1_size": $S1_SIZE, "s1_time_s": $S1_TIME,
 "s1_limit_mbit": ${S1_LIMIT%M}, "s2_time_s": $S2_TIME, "s2_limit_mbit": ${S2_LIMIT%M},
 "s2_bulk_flows": $S2_BULK_FLOWS, "s2_head_s": $S2_HEAD, "s2_tail_s": $S2_TAIL,
 "s2_rounds": $S2_ROUNDS, "probe_size": $PROBE_SIZE, "s3_time_s": $S3_TIME,
 "s3_omit_s": $S3_OMIT, "s3_rates_mbit": [${S3_RATES// /, }], "s3_flows": [${S3_FLOWS// /, }],
 "uplink_txqueues": 2,
 "iperf3": "$(iperf3 --version | head -n 1)", "sockperf": "$(sockperf --version 2>&1 | head -n 1)",
 "cni_bandwidth": "$(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null || echo unknown)"}
EOF
}

# --- modes -----------------------------------------------------------------

# cni POD COMMAND RATE_BIT BURST_BIT: the bandwidth plugin as a container
# runtime chains it after the main plugin: prevResult names the pod's host
# and container interfaces, runtimeConfig.bandwidth carries the pod's
# egress annotation (bit/s, bits; no ingress limit: 0 and 0, as a runtime
# passes for a pod without the ingress annotation). It runs in the node
# namespace, where the host side of the pod lives.
cni() {
	local k=$1 cmd=$2 rate=$3 burst=$4 ns_var="NS_pod$1"
	in_node env CNI_COMMAND="$cmd" CNI_CONTAINERID="bench-pod$k" \
		CNI_NETNS="/var/run/netns/${!ns_var}" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		timeout 60 "$CNI_PLUGIN" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "bench",
  "type": "bandwidth",
  "runtimeConfig": {"bandwidth": {"ingressRate": 0, "ingressBurst": 0,
                                   "egressRate": $rate, "egressBurst": $burst}},
  "prevResult": {
    "cniVersion": "1.0.0",
    "interfaces": [
      {"name": "pod${k}h"},
      {"name": "eth0", "sandbox": "/var/run/netns/${!ns_var}"}
    ],
    "ips": [{"address": "$(pod_addr "$k")/24", "interface": 1}]
  }
}
EOF
}

pod_addr() {
	echo "198.18.$1.2"
}

# tbf_burst_bits MODE RATE_BIT: containerd passes 2^32-1 bits when the pod
# names no burst; the sane burst is 20 ms of the rate (the plugin's own
# queue is 25 ms), at least 64 KiB so that a 64 KiB GSO packet fits.
tbf_burst_bits() {
	if [ "$1" = tbf-default-burst ]; then
		echo 4294967295
	else
		local b=$(($2 / 50))
		echo $((b > 524288 ? b : 524288))
	fi
}

# cni_all MODE COMMAND: the plugin for every pod, four at a time (under TCG
# one call takes most of a second).
cni_all() {
	local mode=$1 cmd=$2 k rate pids=() rc=0 pid
	for k in $ALL_PODS; do
		rate=$(($(pod_limit_mbit "$k") * 1000000))
		cni "$k" "$cmd" "$rate" "$(tbf_burst_bits "$mode" "$rate")" >>"$R/$mode/cni.log" 2>&1 &
		pids+=($!)
		if [ ${#pids[@]} -ge 4 ]; then
			for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
			pids=()
		fi
	done
	for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
	return $rc
}

bwm_mode() {
	[ -f "$SRC_DIR/bench/modes/$1.conf" ]
}

mode_up() {
	local mode=$1 k
	case $mode in
	none) ;;
	tbf|tbf-default-burst)
		cni_all "$mode" ADD ;;
	*)
		bwm_mode "$mode" || { note "unknown mode '$mode'"; return 1; }
		# Common to the bwm modes: leave nothing behind for the next
		# mode (qdisc, filter, pins), and no BIG TCP, which would change
		# the pods' links for the modes after it (bench/bigtcp.sh
		# measures it on its own).
		write_config "$(printf 'cleanup_on_exit = yes\n\n[bigtcp]\nenable = no\n\n')
$(cat "$SRC_DIR/bench/modes/$mode.conf")"
		cp "$TMP/bwm.conf" "$R/$mode/bwm.conf"
		for k in $ALL_PODS; do
			pod_file "pod$k" "kubernetes.io/egress-bandwidth=$(pod_limit_mbit "$k")M" \
				"bwm.io/interface=pod${k}h"
		done
		bwmd_start
		local n
		n=$(echo "$ALL_PODS" | wc -w)
		wait_for 10 bwm_pods_are "$n" || { note "bwmd enforces $(bwm_pod_count) of $n pods"; return 1; }
		;;
	esac
}

bwm_status() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 --json status
}

bwm_pod_count() {
	bwm_status | jq '.pods | length'
}

bwm_pods_are() {
	[ "$(bwm_pod_count)" = "$1" ]
}

mode_down() {
	local mode=$1 k rc=0
	case $mode in
	none) ;;
	tbf|tbf-default-burst)
		cni_all "$mode" DEL || rc=1
		# The plugin's DEL removes its ifb only: a runtime deletes the
		# pod's veth, and the ingress qdisc with it. The veths stay here.
		for k in $ALL_PODS; do
			in_node tc qdisc del dev "pod${k}h" ingress 2>/dev/null || true
		done ;;
	*)
		rm -f "$PODS_DIR"/pod*
		bwmd_stop || rc=1
		cp "$TMP/bwmd.log" "$R/$mode/bwmd.log" ;;
	esac
	return $rc
}

# --- measurements ----------------------------------------------------------

# snapshot MODE RUN WHEN: the node's qdisc counters (fq on up0, TBF on the
# ifbs) and bwm's pod counters, for the report's drop figures.
snapshot() {
	local mode=$1 file="$R/$1/$2.$3"
	in_node tc -s -j qdisc show >"$file.qdisc.json" 2>/dev/null || true
	if bwm_mode "$mode"; then
		bwm_status >"$file.bwm.json" 2>/dev/null || true
	fi
}

# measured MODE RUN CMD...: CMD between two snapshots; a failure is recorded.
measured() {
	local mode=$1 run=$2
	shift 2
	snapshot "$mode" "$run" before
	if ! "$@"; then
		record_error "$mode" "$run"
	fi
	snapshot "$mode" "$run" after
}

in_pod() {
	local ns_var="NS_pod$1"
	shift
	ip netns exec "${!ns_var}" "$@"
}

# probe POD SECONDS OUT: sockperf TCP ping-pong, round-trip times, every
# message logged (for the CDF).
probe() {
	in_pod "$1" timeout $(($2 + 30)) sockperf ping-pong --tcp -i "$SERVER" -p "$PORT_SOCKPERF" \
		-m "$PROBE_SIZE" -t "$2" --full-rtt --full-log "$3.csv" >"$3.sockperf.txt" 2>&1
}

# bulk POD FLOWS SECONDS OMIT OUT: iperf3 TCP from POD to the peer.
bulk() {
	in_pod "$1" timeout $(($3 + $4 + 30)) iperf3 -c "$SERVER" -p "$PORT_IPERF" -P "$2" \
		-t "$3" -O "$4" --json >"$5.iperf3.json"
}

s1() {
	local mode=$1 netns
	netns=$(for k in $S1_PODS; do printf '%s,' "$NS_PREFIX-pod$k"; done)
	timeout $((S1_TIME + WARMUP + 60)) "$PROBER" client --server "$SERVER" --port "$PORT_RR" \
		--netns "${netns%,}" --size "$S1_SIZE" --time "$S1_TIME" --warmup "$WARMUP" \
		--cdf "$R/$mode/s1.cdf" >"$R/$mode/s1.json"
}

# The prober and sockperf on one flow, same message, same path.
s1_crosscheck() {
	local mode=$1
	timeout $((S1_TIME + WARMUP + 60)) "$PROBER" client --server "$SERVER" --port "$PORT_RR" \
		--netns "$NS_PREFIX-pod1" --size "$PROBE_SIZE" --time "$S1_TIME" --warmup "$WARMUP" \
		>"$R/$mode/s1-xcheck.json" &&
		probe 1 "$S1_TIME" "$R/$mode/s1-xcheck"
}

# s2_load MODE ROUND
s2_load() {
	local mode=$1 round=$2 pid rc=0
	# The bulk flows start first and outlast the probe: the probe sees a
	# pod whose queue is already full. iperf3 omits the head start from
	# its figures and runs -t seconds after it.
	bulk 1 "$S2_BULK_FLOWS" $((S2_TIME + S2_TAIL)) "$S2_HEAD" "$R/$mode/s2-load.$round" &
	pid=$!
	sleep "$S2_HEAD"
	probe 1 "$S2_TIME" "$R/$mode/s2-load.$round" || rc=1
	# A probe that outlived the bulk measured an idle pod in part: the
	# report lists it with the failed runs.
	if ! kill -0 "$pid" 2>/dev/null; then
		record_error "$mode" "s2-load.$round-probe-outlived-bulk"
	fi
	wait "$pid" || rc=1
	return $rc
}

run_mode() {
	local mode=$1 rate flows round
	mkdir -p "$R/$mode"
	note "mode $mode: setting up"
	if ! mode_up "$mode"; then
		record_error "$mode" setup
		mode_down "$mode" || true
		return
	fi
	note "mode $mode: S1 ($S1_FLOWS flows)"
	measured "$mode" s1 s1 "$mode"
	if [ "$mode" = none ]; then
		note "mode $mode: S1 cross-check (prober and sockperf, 1 flow)"
		measured "$mode" s1-xcheck s1_crosscheck "$mode"
	fi
	for round in $(seq "$S2_ROUNDS"); do
		note "mode $mode: S2, round $round of $S2_ROUNDS"
		measured "$mode" "s2-idle.$round" probe 1 "$S2_TIME" "$R/$mode/s2-idle.$round"
		measured "$mode" "s2-load.$round" s2_load "$mode" "$round"
	done
	for flows in $S3_FLOWS; do
		# Without a limit, S3 measures the VM's own ceiling, once.
		if [ "$mode" = none ]; then
			note "mode $mode: S3 ceiling, $flows flow(s)"
			measured "$mode" "s3-ceiling-$flows" bulk 1 "$flows" "$S3_TIME" "$S3_OMIT" \
				"$R/$mode/s3-ceiling-$flows"
			continue
		fi
		for rate in $S3_RATES; do
			note "mode $mode: S3 $rate Mbit/s, $flows flow(s)"
			measured "$mode" "s3-$rate-$flows" bulk "$(s3_pod "$rate")" "$flows" "$S3_TIME" \
				"$S3_OMIT" "$R/$mode/s3-$rate-$flows"
		done
	done
	note "mode $mode: tearing down"
	mode_down "$mode" || record_error "$mode" teardown
}

main() {
	local mode k port start=$SECONDS
	mkdir -p "$R"
	# The plugin's TBF needs these; fq for bwm's uplink (bwmd would load
	# it on demand too).
	# A kernel with them built in (or without module support) has no
	# modules to load; a mode whose parts are missing fails on its own.
	modprobe -qa sch_fq ifb act_mirred cls_u32 sch_tbf sch_ingress || true
	write_env

	note "topology: node, peer, $(echo "$ALL_PODS" | wc -w) pods"
	topo_node 2
	for k in $ALL_PODS; do
		topo_pod_routed "$k"
	done
	bg_start in_ns "$NS_peer" iperf3 -s -p "$PORT_IPERF" >/dev/null 2>&1
	bg_start in_ns "$NS_peer" sockperf server --tcp -i "$SERVER" -p "$PORT_SOCKPERF" >/dev/null 2>&1
	bg_start in_ns "$NS_peer" "$PROBER" server --port "$PORT_RR"
	# iperf3 would take a bare connection for a broken test: probe the
	# other two, started after it.
	for port in "$PORT_SOCKPERF" "$PORT_RR"; do
		wait_for 20 in_pod 1 timeout 2 bash -c "exec 3<>/dev/tcp/$SERVER/$port" ||
			fail "the servers in the peer namespace did not come up"
	done
	note "topology ready in $((SECONDS - start)) s"

	for mode in $MODES; do
		run_mode "$mode"
	done
	note "all modes done in $((SECONDS - start)) s"
}

main
