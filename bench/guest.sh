#!/bin/bash
# The S1-S5 side of bench/run (S4 runs on the host), inside its VM or, when
# asked (--where host), on the host, in namespaces of its own as every
# network test here: builds one topology and measures every mode in it, one
# mode after the other (bench/modes.sh), each with the scenarios S1 (many
# request/response flows, one per pod), S2 (a ping-pong probe alone, then
# beside 4 bulk flows of the same pod), S3 (goodput at several limits, 1
# and 8 flows) and S5 (RPC flows beside bulk flows in one pod)
# (bench/scenarios.sh). It writes the tools' raw output, with qdisc and bwm
# counters before and after every run, under $BENCH_RESULTS/<mode>/;
# bench/report.py turns them into figures.
#
# A run that fails is recorded (<mode>/errors) and the next one goes on: the
# benchmark records, it does not judge. Load is bounded by the tools' own
# durations and by timeout(1).
#
#   BENCH_RESULTS=DIR BENCH_PROFILE=short|full [BENCH_MODES="none bwm"]
#   [BENCH_SCENARIOS="s1 s2 s3 s5"] bench/guest.sh
# shellcheck disable=SC2119  # bwmd_start/bwmd_stop: no extra arguments here
set -euo pipefail

[ "${BWM_VM:-}" = 1 ] || [ "${BENCH_ON_HOST:-}" = 1 ] ||
	{ echo "bench/guest.sh is run by bench/run" >&2; exit 2; }
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Namespaces, bwmd and clean-up on any exit (re-executes this script in a
# private mount namespace).
source "$SRC_DIR/tests/netns/lib.sh"
# CNI chains as libcni runs them, for the chain modes.
source "$SRC_DIR/tests/cni/lib.sh"
source "$SRC_DIR/bench/modes.sh"
source "$SRC_DIR/bench/scenarios.sh"

# The tools write to the guest's own memory ($R) and each mode's results
# are copied out when it ends: writes to the VM's 9p share take host I/O
# time, which the guest's clock sees (sockperf's log of 10^5 messages took
# 2.5 s there).
RESULTS=${BENCH_RESULTS:?BENCH_RESULTS must name the results directory}
R=$TMP/results
PROFILE=${BENCH_PROFILE:-short}
MODES=${BENCH_MODES:-none paced tbf-default-burst tbf cni-bandwidth edt-2s bwm bwm-cni}
SCENARIOS=${BENCH_SCENARIOS:-s1 s2 s3 s5}
PROBER=$BUILD_DIR/bench/rr_prober
SERVER=198.19.0.2
SERVER6=fd00:19::2
PORT_RR=5000
PORT_SOCKPERF=5001
PORT_IPERF=5201
# The probe's, the cross-check's and the RPC flows' message: sockperf's
# minimum is 14 bytes.
PROBE_SIZE=64
# S1's request and response: netperf TCP_RR's default, as in the published
# comparison. Its flows together offer S1_LOAD transactions a second,
# Poisson arrivals, about half of what one vCPU does back to back: a load
# that leaves the CPU idle part of the time, so that every mode does the
# same transactions and the CPU time they took is each mode's cost.
# Back to back, the figure measured the scheduler as much: the transaction
# rate of mode none moved from 25 962 to 30 582 a second between runs
# (2026-12-02, 12-04), and how many transactions the vCPU served per
# context switch differed by mode (9 in none, 2.4 in bwm, one run;
# docs/design.md).
S1_SIZE=1
S1_LIMIT=100M
S1_LOAD=12800
S2_LIMIT=100M
S2_BULK_FLOWS=4
# S5 (in S2's pod, at its limit): 32 RPC flows of 64-byte requests and
# responses, each at 100 requests a second (a request every 10 ms on
# average, Poisson arrivals; 3.3% of the pod's rate together), beside 4
# bulk flows.
S5_RPC_FLOWS=32
S5_RPC_RATE=100
S5_BULK_FLOWS=4

case $PROFILE in
# Virtual time costs about 2.7 s of host time per busy guest second
# (docs/testing.md), and the short profile must fit CI's 10 minutes with
# every mode, so its runs are short: 1 s each, 4 S1 pods, no S1
# cross-check, S3 with one flow at 100 Mbit/s, from the pod and to it.
# With the cross-check and S3 egress at 10 and 100, 8 modes took 258 guest
# seconds, 11 minutes; without the cross-check 218 guest seconds, 537 s
# for bench/run (2026-12-01). S3 at 10 Mbit/s then went: 1 s of it is a
# few GSO packets' worth. Its figures show that each mode works and
# roughly how; the goals are judged on the full profile. S1_FLOWS: the
# flows S1_LOAD is shared by, one per pod. S3_RATES: 400 Mbit/s is well
# under the one vCPU's ceiling; the full profile adds 1000. S2_HEAD: how
# long the bulk flows run before the probe's first measured round trip (S2)
# or the RPC flows' start (S5), so that those meet the queue they build,
# not their slow start.
# S2_TAIL: how much longer than the probe they run (its connection and
# warm-up cross their queue first). S2_ROUNDS: the probe runs alone, then
# under load, that many times in turn; the report gives each round and the
# spread. S5_ROUNDS: the same for S5's RPC flows.
# S2_MODES: the modes that run S2 and S5 (bench/modes.sh: mode_runs). A
# busy guest second costs 7-18 s of host time (bench/README.md), and S2 and
# S5 are most of them, so in the short profile the chain modes run only
# S3: their datapath is tbf-default-burst's and bwm's, measured beside
# them, and S3 shows that the chain's limits hold both ways. Mode none
# skips them too: its unlimited bulk flows keep the vCPU busy throughout,
# and paced, on the same path, is the reference those scenarios compare
# with. BENCH_S2_MODES overrides it (bench/s2-trace.sh).
short)
	S2_MODES="paced tbf-default-burst tbf edt-2s bwm"
	S1_FLOWS=4; S1_TIME=1; S2_TIME=1; S2_HEAD=1; S2_TAIL=1; S2_ROUNDS=2
	S5_ROUNDS=1; S3_TIME=1; S3_OMIT=1; S5_TIME=1; WARMUP=0.3
	S3_RATES=100; S3_FLOWS=1 ;;
full)
	S2_MODES="none paced tbf-default-burst tbf cni-bandwidth edt-2s bwm bwm-cni"
	S1_FLOWS=32; S1_TIME=10; S2_TIME=10; S2_HEAD=3; S2_TAIL=2; S2_ROUNDS=3
	S5_ROUNDS=3; S3_TIME=10; S3_OMIT=2; S5_TIME=10; WARMUP=1
	S3_RATES="10 100 400 1000"; S3_FLOWS="1 8" ;;
*)
	echo "unknown profile '$PROFILE' (short, full)" >&2; exit 2 ;;
esac
S2_MODES=${BENCH_S2_MODES:-$S2_MODES}

# Each note carries the guest seconds since the start and the guest's idle
# seconds by then: in virtual time the host pays for the busy ones (2.7 to
# 10 s of host time each, with the host's speed) and idles along with the
# guest's idle ones.
note() {
	echo "bench: [${SECONDS} s] [idle $(awk '/^cpu / { print $5 / 100 }' /proc/stat) s] $*" >&2
}

# record_error MODE WHAT: a failed run, kept for the report.
record_error() {
	note "$1: $2 failed"
	echo "$2" >>"$R/$1/errors"
}

# Pods of the routed topology: 1..S1_FLOWS carry S1 at 100 Mbit/s, pod1
# S2 and S5 too; 200+i carries S3's i-th rate, so that no limit changes
# while a mode is up. The chain modes make their own (bench/modes.sh).
S1_PODS=$(seq 1 "$S1_FLOWS")
S1_RATE=$((S1_LOAD / S1_FLOWS))
ALL_PODS="$S1_PODS $(for rate in $S3_RATES; do s3_pod routed "$rate"; done)"

pod_addr() {
	echo "198.18.$1.2"
}

write_env() {
	local mem
	mem=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
	cat >"$R/env-guest.json" <<EOF
{"kernel": "$(uname -r)", "cores": $(nproc), "mem_kib": $mem, "profile": "$PROFILE",
 "modes": "$MODES", "s1_flows": $S1_FLOWS, "s1_size": $S1_SIZE, "s1_time_s": $S1_TIME,
 "s1_limit_mbit": ${S1_LIMIT%M}, "s1_load": $S1_LOAD, "s2_time_s": $S2_TIME, "s2_limit_mbit": ${S2_LIMIT%M},
 "s2_bulk_flows": $S2_BULK_FLOWS, "s2_head_s": $S2_HEAD, "s2_tail_s": $S2_TAIL,
 "s2_rounds": $S2_ROUNDS, "s2_modes": "$S2_MODES", "probe_size": $PROBE_SIZE, "s3_time_s": $S3_TIME,
 "s3_omit_s": $S3_OMIT, "s3_rates_mbit": [${S3_RATES// /, }], "s3_flows": [${S3_FLOWS// /, }],
 "s5_time_s": $S5_TIME, "s5_limit_mbit": ${S2_LIMIT%M}, "s5_rpc_flows": $S5_RPC_FLOWS,
 "s5_rpc_rate": $S5_RPC_RATE, "s5_bulk_flows": $S5_BULK_FLOWS, "s5_rounds": $S5_ROUNDS,
 "warmup_s": $WARMUP,
 "vcpu": "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)",
 "vcpu_erms": $(grep -qw erms /proc/cpuinfo && echo true || echo false),
 "scenarios": "$SCENARIOS", "uplink_txqueues": 2, "clock": "${BWM_VM_CLOCK:-host}",
 "iperf3": "$(iperf3 --version | head -n 1)", "sockperf": "$(sockperf --version 2>&1 | head -n 1)",
 "cni_bandwidth": "$(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null || echo unknown)"}
EOF
}

scenario_on() {
	[[ " $SCENARIOS " == *" $1 "* ]] && mode_runs "$2" "$1"
}

run_mode() {
	local mode=$1 flows round
	mkdir -p "$R/$mode"
	note "mode $mode: setting up"
	if ! mode_up "$mode"; then
		record_error "$mode" setup
		mode_down "$mode" || true
		cp -r "$R/$mode" "$RESULTS/"
		return
	fi
	if scenario_on s1 "$mode"; then
		note "mode $mode: S1 ($S1_FLOWS flows)"
		measured "$mode" s1 s1 "$mode"
		if [ "$mode" = none ] && [ "$PROFILE" = full ]; then
			note "mode $mode: S1 cross-check (prober and sockperf, 1 flow)"
			measured "$mode" s1-xcheck s1_crosscheck "$mode"
		fi
	fi
	if scenario_on s2 "$mode"; then
		for round in $(seq "$S2_ROUNDS"); do
			note "mode $mode: S2, round $round of $S2_ROUNDS"
			s2 "$mode" "$round"
		done
	fi
	if scenario_on s5 "$mode"; then
		for round in $(seq "$S5_ROUNDS"); do
			note "mode $mode: S5 ($S5_RPC_FLOWS RPC flows, $S5_BULK_FLOWS bulk), round $round of $S5_ROUNDS"
			s5 "$mode" "$round"
		done
	fi
	if scenario_on s3 "$mode"; then
		for flows in $S3_FLOWS; do
			note "mode $mode: S3, $flows flow(s)"
			s3 "$mode" "$flows"
		done
	fi
	note "mode $mode: tearing down"
	mode_down "$mode" || record_error "$mode" teardown
	cp -r "$R/$mode" "$RESULTS/"
}

main() {
	local mode k port start=$SECONDS
	mkdir -p "$R" "$RESULTS"
	# The plugin's TBF needs these; fq for bwm's uplink (bwmd would load
	# it on demand too).
	# A kernel with them built in (or without module support) has no
	# modules to load; a mode whose parts are missing fails on its own.
	modprobe -qa sch_fq ifb act_mirred cls_u32 sch_tbf sch_ingress || true
	write_env
	cp "$R/env-guest.json" "$RESULTS/"

	note "topology: node, peer, $(echo "$ALL_PODS" | wc -w) pods"
	topo_node 2
	# The chain modes' ptp plugin gives the node's side of each veth an
	# IPv6 address too: no DAD to wait for (as tests/vm/guest/cni-rate.sh).
	in_node sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
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
