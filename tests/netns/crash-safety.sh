#!/bin/bash
# A bwmd killed at any bpf() call of a reconcile leaves maps that the next
# bwmd repairs (issue 12, defect 4: metadata written before the keys, and
# a restarted bwmd that trusted it, lost the keys for good).
#
# Each round: bwmd enforces pods a, b, d; while it is stopped the files
# change (a renamed to a2 with its interface and address, b's limit, c
# new, d removed); a bwmd under strace is killed (SIGKILL, injected) at its
# K-th bpf() call; a plain bwmd then starts, and the maps must say what the
# files claim (maps_match_files.py, through bpftool). K runs over every
# call of the reconcile, found from a run that was not killed.
source "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { echo "SKIP: strace missing"; exit "$SKIP"; }
topo_node 1
topo_pod_routed 1
topo_pod_routed 2
write_config "$(printf '[datapath]\nqdisc = none')"

start_files() {
	rm -f "$PODS_DIR"/*
	pod_file a kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod1h bwm.io/ips=198.18.1.2
	pod_file b kubernetes.io/egress-bandwidth=20M bwm.io/ips=198.18.9.2,fd00:18:9::2
	pod_file d kubernetes.io/egress-bandwidth=5M bwm.io/interface=pod2h
}
change_files() {
	mv "$PODS_DIR/a" "$PODS_DIR/a2"
	pod_file b kubernetes.io/egress-bandwidth=30M bwm.io/ips=198.18.9.2
	pod_file c kubernetes.io/egress-bandwidth=1M "bwm.io/ips=198.18.9.3,fd00:18:9::2"
	rm "$PODS_DIR/d"
}

# enforce_start_files: a fresh pin dir, bwmd enforcing the start files.
enforce_start_files() {
	in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup >/dev/null 2>&1 || true
	start_files
	bwmd_start
	bwmd_stop
}

# bwm_under_strace INJECT...: bwmd under strace, in the foreground, until
# it dies or is stopped after 5 s; the bpf() calls go to $TMP/bpf.log.
bwmd_under_strace() {
	# (LeakSanitizer cannot run under ptrace; the plain bwmd runs check leaks.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -s INT 5 ip netns exec "$NS_node" strace -f -qq -o "$TMP/bpf.log" -e trace=bpf "$@" \
		"$BWMD" --config "$TMP/bwm.conf" >"$TMP/strace-bwmd.log" 2>&1 || true
}

check_maps() {
	python3 "$SRC_DIR/tests/netns/maps_match_files.py" "$PIN_DIR" "$PODS_DIR" "$NS_node"
}

# The reconcile's calls: the writes after the last pin of the start-up.
enforce_start_files
change_files
bwmd_under_strace
total=$(grep -c " bpf(" "$TMP/bpf.log")
first=$(grep " bpf(" "$TMP/bpf.log" | grep -n BPF_OBJ_PIN | tail -n 1 | cut -d: -f1)
[ -n "$first" ] && [ "$total" -gt "$first" ] || fail "no reconcile in the strace log: $(tail "$TMP/bpf.log")"
check_maps || fail "maps wrong after a run that was not killed"
# The host kills bwmd at every call. The VM, where each kill costs about
# 1.5 busy guest seconds (eight host seconds), at three: the reconcile's
# first call, a third and two thirds through it. With qdisc = none the
# calls are the same on both kernels; what the VM adds is 6.1's bpf().
step=${BWM_CRASH_STEP:-1}
[ "${BWM_VM:-}" != 1 ] || step=${BWM_CRASH_STEP:-$(( (total - first + 2) / 3 ))}
echo "bwmd makes $total bpf() calls; killing it at each of $((first + 1))..$total, step $step"

kills=0
for ((k = first + 1; k <= total; k += step)); do
	enforce_start_files
	change_files
	bwmd_under_strace -e inject=bpf:signal=SIGKILL:when=$k
	grep -q "killed by SIGKILL" "$TMP/bpf.log" || { tail -5 "$TMP/bpf.log"; cat "$TMP/strace-bwmd.log"; fail "call $k: bwmd was not killed"; }
	kills=$((kills + 1))
	bwmd_start
	check_maps || fail "killed at bpf() call $k of $total: the next bwmd did not repair the maps"
	bwmd_stop
done
echo "killed $kills times; every restart repaired the maps"
echo PASS
