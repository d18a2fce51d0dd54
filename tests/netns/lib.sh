#!/bin/bash
# Shared by the netns tests, the demo and the benchmark: each run makes its
# own network namespaces, named after its pid, and deletes them on any exit.
# Addresses come from 198.18.0.0/15 and fd00::/8, inside these namespaces only.
#
# Topology (topo_* functions):
#
#   pod ns (198.18.<k>.2)            node ns                      peer ns
#   eth0 ==veth== <pod iface>  [routed, or on bridge br0]  up0 ==veth== up0p (198.19.0.2)
#                                    198.19.0.1
set -euo pipefail

SKIP=77   # meson's exit code for a skipped test

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit $SKIP
fi

# A private mount namespace: the bpffs this run pins to is its own, and
# survives 'ip netns exec' (which remounts /sys, hiding /sys/fs/bpf).
if [ -z "${BWM_TEST_UNSHARED:-}" ]; then
	export BWM_TEST_UNSHARED=1
	exec unshare --mount --propagation private bash "$0" "$@"
fi

BUILD_DIR=${BUILD_DIR:?BUILD_DIR must name the meson build directory}
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BWMD="$BUILD_DIR/bwm/bwmd"
BWMCTL="$BUILD_DIR/bwm/bwmctl"
NS_PREFIX="bwmt$$"
PIDS=()
TMP=$(mktemp -d /tmp/bwm-test.XXXXXX)
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs"
PIN_DIR="$TMP/bpffs/bwm"
PODS_DIR="$TMP/pods"
STATE_DIR="$TMP/state"
mkdir -p "$PODS_DIR"

# A sanitizer build: every report goes to a file under $TMP, and any makes
# the test fail at cleanup (bwmd's exit status is not always looked at).
if [ -n "${BWM_SANITIZERS:-}" ] && [ "$BWM_SANITIZERS" != none ]; then
	export ASAN_OPTIONS="log_path=$TMP/sanitizer:halt_on_error=1:detect_leaks=1"
	export UBSAN_OPTIONS="log_path=$TMP/sanitizer:halt_on_error=1:print_stacktrace=1"
fi

# netns_add NAME: creates namespace $NS_PREFIX-NAME with lo up, sets NS_<NAME>
# and prints the name. Cleanup finds it by prefix, so NS=$(netns_add x) works too.
netns_add() {
	local ns="$NS_PREFIX-$1"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	printf -v "NS_$1" '%s' "$ns"
	echo "$ns"
}

# in_ns NS CMD...: runs CMD inside NS with a bpffs on /sys/fs/bpf (tools such
# as tc pin there).
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$@"' sh "$@"
}

# bg_start CMD...: starts CMD in the background; its pid is in $! and is
# ended on exit.
bg_start() {
	"$@" &
	PIDS+=("$!")
}

cleanup() {
	local rc=$?
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for ns in $(ip netns list 2>/dev/null | awk -v p="$NS_PREFIX-" 'index($1, p) == 1 {print $1}'); do
		ip netns del "$ns" 2>/dev/null || true
	done
	if compgen -G "$TMP/sanitizer.*" >/dev/null; then
		cat "$TMP"/sanitizer.* >&2
		echo "FAIL: sanitizer reports (above)" >&2
		rc=1
	fi
	# A failure keeps bwmd's last words: in the VM, $TMP is all there was.
	if [ "$rc" != 0 ] && [ "$rc" != "$SKIP" ] && [ -s "$TMP/bwmd.log" ]; then
		echo "--- last lines of bwmd's log ($TMP/bwmd.log):" >&2
		tail -n 40 "$TMP/bwmd.log" >&2
	fi
	# bpffs, and whatever else a test mounted under $TMP (deepest first).
	findmnt -rn -o TARGET | awk -v t="$TMP/" 'index($0, t) == 1' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT INT TERM

# has PATTERN CMD...: whether CMD's output has a line matching PATTERN. Not
# 'CMD | grep -q': grep leaves at the first match, CMD may then die of
# SIGPIPE, and pipefail turns that into a failure.
has() {
	local pattern=$1 out
	shift
	out=$("$@" 2>&1) || true
	grep -q -- "$pattern" <<< "$out"
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# What the running kernel has. Tests branch on these, never on what one
# kernel lacks: the suite runs on the CI host's kernel (6.18: no sch_fq, no
# modules) and inside the VM on Debian 12's own 6.1 (sch_fq and modules,
# IPv6-only BIG TCP), as on a real node.
kernel_has_fq() {
	[ -n "${KERNEL_HAS_FQ:-}" ] || {
		KERNEL_HAS_FQ=no
		! "$SRC_DIR/scripts/kernel-has-fq" || KERNEL_HAS_FQ=yes
	}
	[ "$KERNEL_HAS_FQ" = yes ]
}

# IPv4 BIG TCP sizes (IFLA_GSO_IPV4_MAX_SIZE, kernel 6.3+), read on a veth
# of a scratch namespace through bwm's own netlink code.
kernel_has_bigtcp_ipv4() {
	[ -n "${KERNEL_HAS_BIGTCP_IPV4:-}" ] || {
		local ns
		ns=$(netns_add bigtcp-probe)
		ip -n "$ns" link add probe0 type veth peer name probe1
		KERNEL_HAS_BIGTCP_IPV4=yes
		if ip netns exec "$ns" "$BUILD_DIR/tests/netns/bigtcp_tool" show probe0 |
			grep -q '^gso_ipv4_max_size unsupported'; then
			KERNEL_HAS_BIGTCP_IPV4=no
		fi
		ip netns del "$ns"
	}
	[ "$KERNEL_HAS_BIGTCP_IPV4" = yes ]
}

# Whether this runs in the VM's virtual time (tests/vm/vm-run --clock
# virtual), where the guest's work is timed in instructions and figures
# repeat; its idle waits still follow the host's clock (--idle host,
# docs/testing.md), so a bound on anything that waits on a timer needs
# room for the host's wake-up latency. Elsewhere, timing checks are only
# generous sanity bounds: the host is shared and noisy.
in_virtual_time() {
	[ "${BWM_VM_CLOCK:-}" = virtual ]
}

# wait_for TIMEOUT_S CMD...: polls CMD every 20 ms until it succeeds. The
# timeouts are sanity bounds for what takes a few ms natively; in the VM
# (software emulation, where starting python3 alone takes ~1 s) they are
# ten times longer, and it polls every 200 ms: a poll there costs about
# what it waits for (bwmctl and python3 take the one vCPU from bwmd).
wait_for() {
	local scale=1 pause=0.02
	[ "${BWM_VM:-}" = 1 ] && scale=10 pause=0.2
	local deadline=$(( $(date +%s%N) + $1 * scale * 1000000000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep "$pause"
	done
}

# topo_node [TXQ]: node and peer namespaces, uplink up0 (TXQ TX queues) in
# the node namespace, forwarding on (the node namespace's own sysctl).
topo_node() {
	local txq=${1:-1}
	netns_add node >/dev/null
	netns_add peer >/dev/null
	ip -n "$NS_node" link add up0 numtxqueues "$txq" numrxqueues "$txq" type veth \
		peer name up0p numtxqueues "$txq" numrxqueues "$txq" netns "$NS_peer"
	ip -n "$NS_node" addr add 198.19.0.1/24 dev up0
	ip -n "$NS_node" addr add fd00:19::1/64 dev up0 nodad
	ip -n "$NS_peer" addr add 198.19.0.2/24 dev up0p
	ip -n "$NS_peer" addr add fd00:19::2/64 dev up0p nodad
	ip -n "$NS_node" link set up0 up
	ip -n "$NS_peer" link set up0p up
	ip -n "$NS_peer" route add 198.18.0.0/15 via 198.19.0.1
	ip -n "$NS_peer" route add fd00:18::/32 via fd00:19::1
	ip netns exec "$NS_node" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# make_pod K ADDR4/LEN ADDR6/LEN GW4 GW6: namespace pod<K> whose eth0 is
# paired with pod<K>h in the node namespace, with default routes via GW4/GW6.
make_pod() {
	local k=$1 addr4=$2 addr6=$3 gw4=$4 gw6=$5
	netns_add "pod$k" >/dev/null
	local ns_var="NS_pod$k"
	local ns=${!ns_var}
	# One ip process per namespace: under TCG each start costs ~0.1 s.
	ip -n "$NS_node" link add "pod${k}h" type veth peer name eth0 netns "$ns"
	ip -n "$ns" -batch - <<-EOB
		addr add $addr4 dev eth0
		addr add $addr6 dev eth0 nodad
		link set eth0 up
		route add default via $gw4
		route add default via $gw6
	EOB
}

# topo_pod_routed K: pod<K> behind host interface pod<K>h, addresses
# 198.18.K.2 and fd00:18:K::2, routed (as Calico does).
topo_pod_routed() {
	local k=$1
	make_pod "$k" "198.18.$k.2/24" "fd00:18:$k::2/64" "198.18.$k.1" "fd00:18:$k::1"
	ip -n "$NS_node" -batch - <<-EOB
		addr add 198.18.$k.1/24 dev pod${k}h
		addr add fd00:18:$k::1/64 dev pod${k}h nodad
		link set pod${k}h up
	EOB
}

# topo_bridge: bridge br0 in the node namespace, 198.18.100.1/24, fd00:18:100::1/64.
topo_bridge() {
	ip -n "$NS_node" link add br0 type bridge
	ip -n "$NS_node" addr add 198.18.100.1/24 dev br0
	ip -n "$NS_node" addr add fd00:18:100::1/64 dev br0 nodad
	ip -n "$NS_node" link set br0 up
}

# topo_pod_bridged K: pod<K> on br0 (as the bridge CNI does), addresses
# 198.18.100.K and fd00:18:100::K.
topo_pod_bridged() {
	local k=$1
	make_pod "$k" "198.18.100.$k/24" "fd00:18:100::$k/64" 198.18.100.1 fd00:18:100::1
	ip -n "$NS_node" link set "pod${k}h" master br0 up
}

# write_config [EXTRA_LINES]: bwm.conf for this run at $TMP/bwm.conf.
write_config() {
	cat > "$TMP/bwm.conf" <<EOC
[bwm]
uplinks = up0
pods_dir = $PODS_DIR
pin_dir = $PIN_DIR
state_dir = $STATE_DIR
${1:-}
EOC
}

# pod_file NAME KEY=VALUE...: writes a pod annotation file atomically, as
# kubelet and bwm-cni do: a hidden file of the same directory, renamed.
pod_file() {
	local name=$1 tmp="$PODS_DIR/.pod.tmp"
	shift
	local kv
	: > "$tmp"
	for kv in "$@"; do
		printf '%s="%s"\n' "${kv%%=*}" "${kv#*=}" >> "$tmp"
	done
	mv "$tmp" "$PODS_DIR/$name"
}

# bwmd_start: bwmd in the node namespace, in the background; waits until
# it is ready (its log says so). Sets BWMD_PID, log in $TMP/bwmd.log.
bwmd_start() {
	: > "$TMP/bwmd.log"
	bg_start ip netns exec "$NS_node" ${BWMD_WRAPPER:-} "$BWMD" --config "$TMP/bwm.conf" "$@" \
		>> "$TMP/bwmd.log" 2>&1
	BWMD_PID=$!
	wait_for 30 grep -q "bwmd ready" "$TMP/bwmd.log" || { cat "$TMP/bwmd.log"; fail "bwmd did not get ready"; }
}

# bwmd_stop [SIGNAL]: stops bwmd and waits; returns its exit status.
bwmd_stop() {
	kill -"${1:-TERM}" "$BWMD_PID"
	local rc=0
	wait "$BWMD_PID" || rc=$?
	return $rc
}

in_node() {
	ip netns exec "$NS_node" "$@"
}

# pod_field POD PATH: a value of the pod's object in bwmctl's JSON status
# (run in the node namespace, config $TMP/bwm.conf), PATH like from_pod.segs.
pod_field() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 --json status | python3 -c '
import json, sys
pods = {p["name"]: p for p in json.load(sys.stdin)["pods"]}
v = pods[sys.argv[1]]
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}

# pod_field_at_least POD PATH N: whether that value is N or more (a
# condition for wait_for, which reads it afresh at every try).
pod_field_at_least() {
	[ "$(pod_field "$1" "$2")" -ge "$3" ]
}

# one_limited_pod TXQUEUES MBIT: what the vm tests that measure one pod
# share: the node (up0 with TXQUEUES queues) and the peer, routed pod 1
# limited to MBIT Mbit/s egress, bwmd with its defaults, iperf3's server on
# the peer (port 5201) and, when PROBER is set, rr_prober's (port 7000).
one_limited_pod() {
	topo_node "$1"
	topo_pod_routed 1
	pod_file web-1 "kubernetes.io/egress-bandwidth=$2M" bwm.io/interface=pod1h
	write_config
	bwmd_start
	bg_start ip netns exec "$NS_peer" iperf3 -s -p 5201 >/dev/null 2>&1
	[ -z "${PROBER:-}" ] || bg_start ip netns exec "$NS_peer" "$PROBER" server --port 7000
	sleep 0.5
}

# bwm_metrics: bwmctl's Prometheus text.
bwm_metrics() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" metrics
}

# udp_send NS DST COUNT SIZE [SRC]: COUNT UDP datagrams of SIZE bytes from
# namespace NS to DST port 9, from source address SRC if given.
udp_send() {
	ip netns exec "$1" python3 -c '
import socket, sys
dst, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if len(sys.argv) > 4:
    s.bind((sys.argv[4], 0))
for _ in range(count):
    s.sendto(b"x" * size, (dst, 9))' "$2" "$3" "$4" ${5:+"$5"}
}
