#!/bin/bash
# BIG TCP on/off between two network namespaces on a veth pair: single-stream
# iperf3 throughput and TCP request/response round trips with 65000-byte
# messages, over IPv6 and IPv4. sockperf 3.7 (Debian 12) takes no IPv6
# address ('-i' Invalid address: fd00::2), so the ping-pong is a few lines of
# Python below, the same for both families. Sizes are set on both ends with
# bigtcp_tool (bwm/bigtcp.c): 196608 (on) and 65536 (off). Figures only, no
# pass/fail; prints a markdown table.
#
#   BUILD_DIR=build bench/bigtcp.sh [SECONDS]     (root; default 10 s per iperf3 run)
#
# Everything runs in the script's own namespaces (198.18.0.0/15, fd00::/8)
# and is bounded by timeouts; the namespaces go on any exit.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
TOOL=$BUILD_DIR/tests/netns/bigtcp_tool
SECS=${1:-10}
PP_SECS=5
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$TOOL" ] || { echo "$TOOL not built (ninja -C $BUILD_DIR)" >&2; exit 1; }
for p in iperf3 python3; do
	command -v $p >/dev/null || { echo "$p missing" >&2; exit 1; }
done

A=bwmbench$$-a
B=bwmbench$$-b
TMP=$(mktemp -d /tmp/bwm-bench.XXXXXX)
MSG=65000
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add va type veth peer name vb netns "$B"
for ns in "$A" "$B"; do
	ip -n "$ns" link set lo up
done
ip -n "$A" addr add 198.18.0.1/24 dev va
ip -n "$B" addr add 198.18.0.2/24 dev vb
ip -n "$A" addr add fd00::1/64 dev va nodad
ip -n "$B" addr add fd00::2/64 dev vb nodad
ip -n "$A" link set va up
ip -n "$B" link set vb up

# ping-pong: the server echoes each MSG-byte request; the client sends one,
# waits for the whole answer, and prints the p50 and p99 round trip in us.
cat >"$TMP/pingpong.py" <<'PY'
import socket, sys, time

def recv_exact(s, n):
    got = 0
    while got < n:
        k = s.recv_into(memoryview(buf)[got:n])
        if k == 0:
            return False
        got += k
    return True

role, family, addr, port, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
fam = socket.AF_INET6 if family == "6" else socket.AF_INET
buf = bytearray(n)
if role == "server":
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", port))  # all of B's addresses
    ls.listen(4)
    while True:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while recv_exact(c, n):
            c.sendall(buf)
        c.close()
else:
    secs = float(sys.argv[6])
    c = socket.create_connection((addr, port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts = []
    end = time.monotonic() + secs
    while time.monotonic() < end:
        t0 = time.perf_counter_ns()
        c.sendall(buf)
        if not recv_exact(c, n):
            sys.exit("server closed the connection")
        rtts.append((time.perf_counter_ns() - t0) / 1000)
    rtts.sort()
    print("%.0f %.0f %d" % (rtts[len(rtts) // 2], rtts[len(rtts) * 99 // 100], len(rtts)))
PY

# Servers live for the whole run, in B.
ip netns exec "$B" timeout 600 iperf3 -s -p 5201 >/dev/null 2>&1 &
PIDS+=("$!")
ip netns exec "$B" timeout 600 python3 "$TMP/pingpong.py" server 4 198.18.0.2 11111 $MSG &
PIDS+=("$!")
ip netns exec "$B" timeout 600 python3 "$TMP/pingpong.py" server 6 fd00::2 11112 $MSG &
PIDS+=("$!")
sleep 1
for port in 5201 11111 11112; do
	for _ in $(seq 50); do
		ip netns exec "$B" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
done

set_size() {  # set_size SIZE: both ends
	ip netns exec "$A" "$TOOL" apply va "$1" >/dev/null
	ip netns exec "$B" "$TOOL" apply vb "$1" >/dev/null
}

# throughput ADDR -> Gbit/s received
throughput() {
	ip netns exec "$A" timeout $((SECS + 20)) iperf3 -c "$1" -p 5201 -t "$SECS" -J >"$TMP/iperf.json"
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
		"$TMP/iperf.json"
}

# pingpong 4|6 ADDR PORT -> "p50 p99 count", round trips in microseconds
pingpong() {
	ip netns exec "$A" timeout $((PP_SECS + 20)) python3 "$TMP/pingpong.py" client "$1" "$2" "$3" $MSG $PP_SECS
}

echo "| family | BIG TCP | gso/gro size | iperf3 1 stream, Gbit/s | 65000 B req/resp RTT p50, us | p99, us | round trips |"
echo "|---|---|---|---|---|---|---|"
for fam in IPv6 IPv4; do
	if [ $fam = IPv6 ]; then v=6 addr=fd00::2 port=11112; else v=4 addr=198.18.0.2 port=11111; fi
	for mode in on off; do
		if [ $mode = on ]; then size=196608; else size=65536; fi
		set_size $size
		tput=$(throughput $addr)
		read -r p50 p99 count < <(pingpong $v $addr $port)
		echo "| $fam | $mode | $size | $tput | $p50 | $p99 | $count |"
	done
done
echo
echo "kernel $(uname -r), $(nproc) CPUs; iperf3 ${SECS} s, ping-pong ${PP_SECS} s, veth MTU 1500"
