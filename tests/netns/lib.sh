#!/bin/bash
# Shared by the netns tests: each test makes its own network namespaces,
# named after the test and its pid, and deletes them on any exit.
# Addresses come from 198.18.0.0/15 and fd00::/8, inside these namespaces only.
set -euo pipefail

SKIP=77   # meson's exit code for a skipped test

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit $SKIP
fi

BUILD_DIR=${BUILD_DIR:?BUILD_DIR must name the meson build directory}
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NS_PREFIX="bwmt$$"
NETNS_LIST=()
PIDS=()
TMP=$(mktemp -d /tmp/bwm-test.XXXXXX)

# netns_add NAME: creates namespace $NS_PREFIX-NAME with lo up, prints its name.
netns_add() {
	local ns="$NS_PREFIX-$1"
	ip netns add "$ns"
	NETNS_LIST+=("$ns")
	ip -n "$ns" link set lo up
	# bpffs: 'ip netns exec' remounts /sys, hiding /sys/fs/bpf.
	echo "$ns"
}

# in_ns NS CMD...: runs CMD inside NS with bpffs mounted.
in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$@"' sh "$@"
}

# bg PIDVAR CMD...: starts CMD in the background, remembers its pid for cleanup.
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
	for ns in "${NETNS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for TIMEOUT_S CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}
