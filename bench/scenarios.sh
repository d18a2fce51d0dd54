#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The benchmark's scenarios, sourced by bench/guest.sh; each writes its
# tools' raw output under $R/<mode>/ for bench/report.py:
#
#   S1  many request/response flows, one per pod, at a fixed load (rr_prober,
#       Poisson arrivals): latency and CPU time per transaction
#   S2  a ping-pong probe from one pod, alone, then beside bulk flows of the
#       same pod, in alternating rounds
#   S3  goodput at several limits, 1 and 8 flows, from the pod and to it
#   S5  one pod at its limit: RPC flows (their own connections, a request
#       rate each) beside bulk flows

# snapshot MODE RUN WHEN: the node's qdisc counters (fq on up0, TBF on the
# ifbs) and bwm's pod counters, for the report's drop figures, and the time
# (guest clock, ns) they were taken at.
snapshot() {
	local mode=$1 file="$R/$1/$2.$3"
	date +%s%N >"$file.time"
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

# probe POD SECONDS OUT: sockperf TCP ping-pong, back to back, round-trip
# times, every message logged (for the CDF).
probe() {
	in_pod "$1" timeout $(($2 + 30)) sockperf ping-pong --tcp -i "$SERVER" -p "$PORT_SOCKPERF" \
		-m "$PROBE_SIZE" -t "$2" --full-rtt --full-log "$3.csv" >"$3.sockperf.txt" 2>&1
}

# bulk MODE POD FLOWS SECONDS OMIT OUT [ADDRESS [reverse]]: iperf3 TCP from
# POD to the peer (IPv4 unless ADDRESS), or from the peer to POD (reverse:
# iperf3 -R). In mode paced, each flow paces itself to its share of the
# pod's limit in payload: 1448 bytes of each 1514-byte frame, as a shaper
# counting wire bytes leaves them (paced at the limit itself, the flows
# got 99.9 Mbit/s of goodput, 4.5% over what a limit allows).
bulk() {
	local mode=$1 k=$2 flows=$3 secs=$4 omit=$5 out=$6 addr=${7:-$SERVER} opts=()
	if [ "$mode" = paced ]; then
		opts=(--fq-rate "$(($(pod_limit_mbit "$k") * 1000000 * 1448 / 1514 / flows))")
	fi
	[ "${8:-}" = reverse ] && opts+=(-R)
	in_pod "$k" timeout $((secs + omit + 30)) iperf3 -c "$addr" -p "$PORT_IPERF" -P "$flows" \
		-t "$secs" -O "$omit" "${opts[@]}" --json >"$out.iperf3.json"
}

# The tools' timeouts: the run (S1_TIME may have a fraction: rounded up),
# a warm-up of at most 1 s, and a minute.
s1() {
	local mode=$1 netns
	netns=$(for k in $S1_PODS; do printf '%s,' "$NS_PREFIX-pod$k"; done)
	timeout $((${S1_TIME%.*} + 63)) "$PROBER" client --server "$SERVER" --port "$PORT_RR" \
		--netns "${netns%,}" --size "$S1_SIZE" --time "$S1_TIME" --warmup "$WARMUP" \
		--rate "$S1_RATE" --poisson --cdf "$R/$mode/s1.cdf" >"$R/$mode/s1.json"
}

# The prober and sockperf on one flow, same message, same path.
s1_crosscheck() {
	local mode=$1
	timeout $((${S1_TIME%.*} + 63)) "$PROBER" client --server "$SERVER" --port "$PORT_RR" \
		--netns "$NS_PREFIX-pod1" --size "$PROBE_SIZE" --time "$S1_TIME" --warmup "$WARMUP" \
		>"$R/$mode/s1-xcheck.json" &&
		probe 1 "$S1_TIME" "$R/$mode/s1-xcheck"
}

# beside_bulk MODE RUN POD FLOWS HEAD OMIT SECONDS CMD...: CMD while FLOWS bulk
# flows of POD run. They start HEAD s before CMD (a negative HEAD: that
# long after it), and iperf3 leaves their first OMIT s out of its figures,
# so that CMD meets the queue they build, not their slow start; they run
# SECONDS after that, and CMD must end by then. Counters are taken right
# before and after CMD. A CMD that outlived the bulk measured an idle pod
# in part: listed with the failures.
beside_bulk() {
	local mode=$1 run=$2 k=$3 flows=$4 head=$5 omit=$6 secs=$7 delay=0 pid rc=0
	shift 7
	if [[ $head == -* ]]; then
		delay=${head#-} head=0
	fi
	{ sleep "$delay" && bulk "$mode" "$k" "$flows" "$secs" "$omit" "$R/$mode/$run"; } &
	pid=$!
	sleep "$head"
	measured "$mode" "$run" "$@" || rc=1
	if ! kill -0 "$pid" 2>/dev/null; then
		record_error "$mode" "$run-outlived-bulk"
	fi
	wait "$pid" || rc=1
	return $rc
}

# sockperf sleeps 2 s after its warm-up messages, then leaves its first
# 400 ms out (sockperf 3.7, client.cpp): its first measured round trip comes
# 2.4 s after it starts. The bulk flows start S2_HEAD s before that, after
# the probe when S2_HEAD is shorter (the short profile: they ran 2 s longer
# per round when they started with it), and iperf3 leaves those S2_HEAD s
# out: both measure the same seconds.
SOCKPERF_FIRST_RTT=2.4

# s2 MODE ROUND: the probe alone, then beside the bulk flows.
s2() {
	local mode=$1 round=$2 k head
	k=$(load_pod "$mode")
	measured "$mode" "s2-idle.$round" probe "$k" "$S2_TIME" "$R/$mode/s2-idle.$round"
	head=$(awk -v head="$S2_HEAD" -v first="$SOCKPERF_FIRST_RTT" 'BEGIN { print head - first }')
	beside_bulk "$mode" "s2-load.$round" "$k" "$S2_BULK_FLOWS" "$head" "$S2_HEAD" \
		$((S2_TIME + S2_TAIL)) probe "$k" "$S2_TIME" "$R/$mode/s2-load.$round"
}

# rpc MODE POD OUT SEED: S5's request/response flows, each on its own
# connection at S5_RPC_RATE requests a second, Poisson arrivals from SEED:
# 32 periodic flows of one period stay as their first round trips aligned
# them, and their latencies showed that alignment (p50 alone 549 us in mode
# none, 40 in paced, the same path; rr_prober.c).
rpc() {
	local mode=$1 k=$2 out=$3 seed=$4
	timeout $((S5_TIME + 60)) "$PROBER" client --server "$SERVER" --port "$PORT_RR" \
		--netns "$NS_PREFIX-pod$k" --flows-per-ns "$S5_RPC_FLOWS" --size "$PROBE_SIZE" \
		--rate "$S5_RPC_RATE" --poisson --seed "$seed" --time "$S5_TIME" --warmup "$WARMUP" \
		--samples "$out.samples" >"$out.json"
}

# s5 MODE ROUND: the RPC flows alone, then beside the bulk flows. Each
# round draws its own arrivals (seed ROUND - 1), the same in every run:
# one 10 s round's p99 moved 11% between two runs (199.5 / 178.8 us,
# 2026-12-03), as the few slowest round trips (1% of them) fell.
s5() {
	local mode=$1 round=$2 k
	k=$(load_pod "$mode")
	measured "$mode" "s5-idle.$round" rpc "$mode" "$k" "$R/$mode/s5-idle.$round" $((round - 1))
	# rr_prober's warm-up (whole seconds of it; the full profile's is 1 s:
	# with 1 s for it all, the RPC flows outlived the bulk) and its
	# connections: under a second more.
	beside_bulk "$mode" "s5-load.$round" "$k" "$S5_BULK_FLOWS" "$S2_HEAD" "$S2_HEAD" \
		$((S5_TIME + 1 + ${WARMUP%.*})) \
		rpc "$mode" "$k" "$R/$mode/s5-load.$round" $((round - 1))
}

# s3 MODE FLOWS: goodput at each limit (IPv6, where BIG TCP applies on
# every kernel that has it), from the pod, then to it where the mode shapes
# ingress; without a limit, the VM's own ceiling.
s3() {
	local mode=$1 flows=$2
	if [ "$mode" = none ]; then
		measured "$mode" "s3-ceiling-$flows" bulk "$mode" 1 "$flows" "$S3_TIME" "$S3_OMIT" \
			"$R/$mode/s3-ceiling-$flows" "$SERVER6"
		return
	fi
	s3_direction "$mode" "$flows" s3 ""
	mode_shapes_ingress "$mode" || return 0
	s3_direction "$mode" "$flows" s3in "ingress " reverse
}

# s3_direction MODE FLOWS RUN LABEL [reverse]: S3's runs one way, named
# RUN-<rate>-<flows>: from the pod, or to it (reverse).
s3_direction() {
	local mode=$1 flows=$2 run=$3 label=$4 reverse=${5:-} rate
	for rate in $S3_RATES; do
		note "mode $mode: S3 $label$rate Mbit/s, $flows flow(s)"
		measured "$mode" "$run-$rate-$flows" bulk "$mode" "$(s3_pod "$mode" "$rate")" "$flows" \
			"$S3_TIME" "$S3_OMIT" "$R/$mode/$run-$rate-$flows" "$SERVER6" ${reverse:+"$reverse"}
	done
}
