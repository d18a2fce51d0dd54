#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Experiment (issue 14's hypotheses table, docs/design.md): where does the
# S2 probe's round trip go under load? Runs bench/guest.sh's short S2 for
# each mode in S2_TRACE_MODES with the kernel's net tracepoints on for the
# probe's frames (100-160 bytes: sockperf's 64-byte messages, not the bulk
# flows' ACKs or data) and for the bulk's packets leaving a device, then
# bench/s2_trace.py follows each request and its response through the
# stack: time in each step, for the round trips the bulk traffic was near
# and, apart, for the slow ones among them. Tracing costs each round trip
# time of its own (in virtual time: its instructions), so it shows where
# time goes, not the benchmark's figures. Run it in virtual time:
#
#   BUILD_DIR=build tests/vm/vm-run --clock virtual -- bash bench/s2-trace.sh
set -euo pipefail

[ "${BWM_VM:-}" = 1 ] || { echo "bench/s2-trace.sh runs inside tests/vm/vm-run" >&2; exit 2; }
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
MODES=${S2_TRACE_MODES:-paced bwm}
TRACING=/sys/kernel/tracing
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

mountpoint -q "$TRACING" || mount -t tracefs nodev "$TRACING"

# trace_events on|off: the probe's frames at each step, and every packet
# over 1000 bytes leaving a device (what the probe waits behind).
trace_events() {
	local on=$1 event
	for event in net_dev_queue net_dev_start_xmit netif_rx netif_receive_skb; do
		echo 'len >= 100 && len <= 160' >"$TRACING/events/net/$event/filter"
		echo "$on" >"$TRACING/events/net/$event/enable"
	done
	echo 'len > 1000' >"$TRACING/events/net/net_dev_xmit/filter"
	echo "$on" >"$TRACING/events/net/net_dev_xmit/enable"
}

# A short S2 logs some 10^6 events per mode: 256 MB keeps them all.
echo 262144 >"$TRACING/buffer_size_kb"
for mode in $MODES; do
	echo >"$TRACING/trace"
	trace_events 1
	echo 1 >"$TRACING/tracing_on"
	BENCH_RESULTS=$OUT/$mode BENCH_PROFILE=short BENCH_MODES=$mode BENCH_S2_MODES=$mode \
		BENCH_SCENARIOS=s2 \
		bash "$SRC_DIR/bench/guest.sh"
	echo 0 >"$TRACING/tracing_on"
	trace_events 0
	if grep -q '^overrun: [1-9]' "$TRACING"/per_cpu/cpu*/stats; then
		echo "s2-trace: mode $mode: the trace buffer overflowed, some events are missing" >&2
	fi
	echo "== mode $mode"
	python3 "$SRC_DIR/bench/s2_trace.py" "$TRACING/trace"
done
