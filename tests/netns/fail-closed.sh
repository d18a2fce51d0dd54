#!/bin/bash
# Enforcement that holds (issue 12): each way a limit escaped before, on a
# running bwmd, checked in the maps (bwmctl, and bpftool through
# maps_match_files.py):
#   1. keys handed from one pod to another (a rename, an address moved, a
#      conflict's winner removed) stay with the pod that has them;
#   2. a typo, a missing key, a half-written file, a read error (EIO,
#      EMFILE) keep the pod's limit; only removing the file removes it;
#   3. the watch follows the directory: removed and recreated, moved away
#      and replaced, mounted over;
#   5. a second bwmd (or a --cleanup) on the same pin dir is refused;
#  10. names from pod files are escaped in the log, the table and JSON;
#      a file with 10 000 bad lines is reported in a few lines, once;
#  11. bwmctl and bwmd refuse maps of another layout.
source "$(dirname "$0")/lib.sh"

topo_node 1
topo_pod_routed 1
topo_pod_routed 2
# The pods directory on a shared mount, so that bwmd's mount namespace
# ('ip netns exec' makes one) sees what is mounted over it later (3.).
mkdir "$TMP/shared"
mount -t tmpfs -o mode=0755 tmpfs "$TMP/shared"
mount --make-shared "$TMP/shared"
PODS_DIR=$TMP/shared/pods
mkdir "$PODS_DIR"
write_config "$(printf 'max_pods = 16\n[datapath]\nqdisc = none')"

status_json() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 --json status
}
# limit_of POD: limit_bps in bwmctl's JSON, "" if the pod is not enforced.
limit_of() {
	status_json | python3 -c '
import json, sys
pods = {p["name"]: p for p in json.load(sys.stdin)["pods"]}
print(pods[sys.argv[1]]["limit_bps"] if sys.argv[1] in pods else "")' "$1"
}
limit_is() {
	[ "$(limit_of "$1")" = "$2" ]
}
expect_limit() {  # expect_limit TIMEOUT POD BPS
	wait_for "$1" limit_is "$2" "$3" || fail "$2: limit '$(limit_of "$2")', expected '$3'"
}
maps_match() {
	python3 "$SRC_DIR/tests/netns/maps_match_files.py" "$PIN_DIR" "$PODS_DIR" "$NS_node"
}
expect_maps_match() {
	wait_for 3 maps_match || { maps_match; fail "$1: the maps do not say what the files do"; }
}
# unmount DIR: a umount while bwmd reads the directory fails with EBUSY
# (bwmd's mount namespace has a copy of the mount); try again, as one would.
unmount() {
	wait_for 3 umount "$1" || fail "cannot unmount $1"
}
# log_says TIMEOUT PATTERN: bwmd's log gets a line matching PATTERN.
log_says() {
	wait_for "$1" grep -q -- "$2" "$TMP/bwmd.log"
}

pod_file zz-old kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod1h "bwm.io/ips=198.18.1.2,fd00:18:1::2"
pod_file web kubernetes.io/egress-bandwidth=10M bwm.io/ips=198.18.7.1,198.18.7.2
pod_file other kubernetes.io/egress-bandwidth=20M bwm.io/ips=198.18.8.1
bwmd_start
expect_maps_match "start"

echo "== 1. keys handed over"
mv "$PODS_DIR/zz-old" "$PODS_DIR/aa-new"
expect_limit 3 aa-new 10000000
expect_maps_match "mv zz-old aa-new"
[ "$(bpftool -j map dump pinned "$PIN_DIR/bwm_pod_by_addr" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 2 ] ||
	fail "mv zz-old aa-new: bwm_pod_by_addr lost its keys"
# An address moves from web to other in one step.
pod_file web kubernetes.io/egress-bandwidth=10M bwm.io/ips=198.18.7.1
pod_file other kubernetes.io/egress-bandwidth=20M bwm.io/ips=198.18.8.1,198.18.7.2
expect_maps_match "address handed from web to other"
# A newcomer wants other's address: it waits; other goes: it has it.
pod_file late kubernetes.io/egress-bandwidth=30M bwm.io/ips=198.18.8.1
log_says 3 "pod 'late'.*already belong to pod 'other'" || fail "no conflict message"
rm "$PODS_DIR/other"
expect_limit 3 late 30000000
expect_maps_match "conflict's winner removed"

echo "== 2. fail closed: typos, missing keys, half-written files, read errors"
for value in 10MM abc -5M 0 1e30 ""; do
	pod_file web kubernetes.io/egress-bandwidth="$value" bwm.io/ips=198.18.7.1
	log_says 3 "web.*egress-bandwidth: \"$value\"" || fail "no report for \"$value\""
	limit_is web 10000000 || { cat "$TMP/bwmd.log"; fail "\"$value\" changed web's limit to '$(limit_of web)'"; }
	pod_file web kubernetes.io/egress-bandwidth=10M bwm.io/ips=198.18.7.1
	expect_limit 3 web 10000000
done
grep -q "Pod 'web': no valid kubernetes.io/egress-bandwidth in its file; keeping egress 10 Mbit/s" "$TMP/bwmd.log" ||
	fail "no 'keeping' message"
pod_file web kubernetes.io/egres-bandwidth=10M bwm.io/ips=198.18.7.1   # misspelt
log_says 3 "web:1: kubernetes.io/egres-bandwidth.*unknown key" || fail "misspelt key not reported"
limit_is web 10000000 || fail "a misspelt key changed web's limit"
pod_file web bwm.io/ips=198.18.7.1                                     # the line deleted
sleep 0.5
limit_is web 10000000 || fail "a deleted line changed web's limit"
pod_file web kubernetes.io/egress-bandwidth=10M bwm.io/ips=198.18.7.1

# A writer that is not atomic: a new file, half written, held open.
exec {writer}>"$PODS_DIR/half"
printf 'bwm.io/ips="198.18.9.9"\n' >&$writer
sleep 1
[ -z "$(limit_of half)" ] || fail "a half-written file was applied: limit '$(limit_of half)'"
printf 'kubernetes.io/egress-bandwidth="7M"\n' >&$writer
exec {writer}>&-
expect_limit 3 half 7000000
# The same, with no event to go by: a file half written and held open is
# linked in from elsewhere (no IN_MODIFY, no IN_CLOSE_WRITE in the pods
# directory), as when a reconcile asked for earlier reads a file that a slow
# writer has just begun (seen in the VM). What bwmd reads must tell, and
# with no event when the writer is done either, bwmd must read it again by
# itself, a second later (before, only an event or the 60 s resync did:
# this part ended with a touch, and once in the 6.1 VM the file was still
# unread 30 s after it, for a reason not found: that run kept no bwmd log).
exec {writer}>"$TMP/shared/half2"
printf 'bwm.io/ips="198.18.9.8"\n' >&$writer
ln "$TMP/shared/half2" "$PODS_DIR/half2"
log_says 3 "Pod 'half2'.*is being written" || fail "no 'being written' report for half2"
[ -z "$(limit_of half2)" ] || fail "a file open for writing was applied: limit '$(limit_of half2)'"
printf 'kubernetes.io/egress-bandwidth="8M"\n' >&$writer
exec {writer}>&-
expect_limit 3 half2 8000000
rm "$PODS_DIR/half2" "$TMP/shared/half2"
expect_limit 3 half2 ""   # that reconcile done: bwmd's descriptors are counted next

# Read errors keep the pod: EMFILE (bwmd's descriptors limited so that one
# more is free, for the directory), then back. ('ip netns exec' execs
# bwmd: $BWMD_PID is bwmd's own.)
# bwmd must be idle, too: after its maps, the reconcile still sets up pod
# interfaces and writes the metrics' state file, and a descriptor held
# then and free a moment later leaves two free.
fds_settled() {
	local a b
	a=$(ls "/proc/$BWMD_PID/fd")
	sleep 0.2
	b=$(ls "/proc/$BWMD_PID/fd")
	[ "$a" = "$b" ]
}
wait_for 3 fds_settled || fail "bwmd's descriptors do not settle"
free_fd=0
while [ -e "/proc/$BWMD_PID/fd/$free_fd" ]; do free_fd=$((free_fd + 1)); done
read -r soft hard < <(prlimit --pid "$BWMD_PID" --nofile --noheadings -o SOFT,HARD)
prlimit --pid "$BWMD_PID" --nofile=$((free_fd + 1)):"$hard"
touch "$PODS_DIR/web"
log_says 3 "Pod 'web': its file could not be read: Too many open files; keeping" ||
	fail "no EMFILE report"
limit_is web 10000000 || fail "EMFILE changed web's limit to '$(limit_of web)'"
prlimit --pid "$BWMD_PID" --nofile="$soft:$hard"
touch "$PODS_DIR/web"
expect_maps_match "after EMFILE"

echo "== 3. the watch follows the directory"
saved=$TMP/saved-pods
mkdir "$saved"
cp -a "$PODS_DIR"/. "$saved"/
# Moved away: the path is gone, nothing changes until a directory is back.
mv "$PODS_DIR" "$TMP/shared/moved-pods"
log_says 3 "Pods directory .* was removed, moved or unmounted" || fail "move not seen"
sleep 1.5
limit_is web 10000000 || fail "web lost its limit while the directory was away"
mkdir "$PODS_DIR"
cp -a "$saved"/. "$PODS_DIR"/
pod_file after-move kubernetes.io/egress-bandwidth=1M bwm.io/ips=198.18.9.1
expect_limit 5 after-move 1000000
# Removed and recreated: the new directory's files count (late is not
# among them). (Whether the pods go while rm -rf deletes their files
# depends on when bwmd looks; either is right.)
rm -rf "$PODS_DIR"
sleep 1.5
mkdir "$PODS_DIR"
cp -a "$saved"/. "$PODS_DIR"/
rm "$PODS_DIR/late"
wait_for 5 limit_is late "" || fail "late enforced without its file in the new directory"
expect_limit 5 web 10000000
# Mounted over: the files of the new mount count.
mount -t tmpfs -o mode=0755 tmpfs "$PODS_DIR"
cp -a "$saved"/. "$PODS_DIR"/
pod_file on-mount kubernetes.io/egress-bandwidth=2M bwm.io/ips=198.18.9.2
expect_limit 5 on-mount 2000000
unmount "$PODS_DIR"
wait_for 3 limit_is on-mount "" || fail "on-mount still enforced after the mount went"
# Mounted over and unmounted again before bwmd's once-a-second check saw
# the mount, with a reconcile in between that read the mount (asked for by
# an event in the directory underneath, touched through a bind mount of
# it): the mount's pods go with it, not at the next resync. Five times, as
# the check may see some of the mounts first (a CI run in the 6.1 VM once
# kept on-mount above for 30 s).
mkdir "$TMP/shared/underneath"
mount --bind "$PODS_DIR" "$TMP/shared/underneath"
mount --make-private "$TMP/shared/underneath"   # not a peer: mounts over the path stay off it
# bwmd's inotify watch is on the directory underneath (/proc/PID/fdinfo
# lists each watch's inode, in hex).
underneath_ino=$(printf '%x' "$(stat -c %i "$PODS_DIR")")
watches_underneath() {
	grep -qs "^inotify wd:[0-9a-f]* ino:$underneath_ino " /proc/"$BWMD_PID"/fdinfo/*
}
for i in 1 2 3 4 5; do
	wait_for 3 watches_underneath || fail "bwmd does not watch the pods directory again"
	mount -t tmpfs -o mode=0755 tmpfs "$PODS_DIR"
	cp -a "$TMP/shared/underneath"/. "$PODS_DIR"/
	pod_file "brief-$i" kubernetes.io/egress-bandwidth=3M bwm.io/ips=198.18.9.3
	touch "$TMP/shared/underneath/web"
	expect_limit 5 "brief-$i" 3000000
	unmount "$PODS_DIR"
	wait_for 3 limit_is "brief-$i" "" || fail "brief-$i enforced after its mount went"
done
umount "$TMP/shared/underneath"

expect_maps_match "after the mount went"

echo "== 5. one bwmd per pin dir"
rc=0
timeout 10 ip netns exec "$NS_node" "$BWMD" --config "$TMP/bwm.conf" >"$TMP/second.log" 2>&1 || rc=$?
cat "$TMP/second.log"
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "a second bwmd ran (exit $rc)"
grep -q "Another bwmd (pid [0-9]*) holds the state directory" "$TMP/second.log" || fail "unclear refusal"
rc=0
in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup >"$TMP/cleanup.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "--cleanup ran under a running bwmd"
expect_maps_match "after the refused second bwmd"

echo "== 10. untrusted names escaped; floods reported in a few lines, once"
printf 'kubernetes.io/egress-bandwidth="3M"\nbwm.io/ips="198.18.9.3"\n' >"$PODS_DIR/.evil"
mv "$PODS_DIR/.evil" "$PODS_DIR/$(printf 'evil\n<3>FORGED \033[31mred\377')"
log_says 3 "Pod 'evil\\\\n<3>FORGED \\\\x1b\\[31mred\\\\xff'" || fail "the name is not escaped in the log"
! grep -q $'^<3>FORGED' "$TMP/bwmd.log" || fail "a pod file name forged a log line"
! grep -q $'\033' "$TMP/bwmd.log" || fail "a terminal escape reached the log"
in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 status >"$TMP/table"
! grep -q $'\033' "$TMP/table" || fail "a terminal escape reached bwmctl's table"
[ "$(wc -l < "$TMP/table")" = $(( $(status_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["pods"]))') + 1 )) ] ||
	fail "a name broke bwmctl's table into more rows"
status_json | python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))' ||
	fail "bwmctl --json is not valid UTF-8 JSON"
python3 -c 'print("\n".join("bad line %d" % i for i in range(10000)))' >"$PODS_DIR/.flood"
mv "$PODS_DIR/.flood" "$PODS_DIR/flood"
log_says 3 "flood: 9995 more problem(s) not shown" || fail "no summary of the flood"
touch "$PODS_DIR/web"
sleep 0.5
[ "$(grep -c 'flood' "$TMP/bwmd.log")" -le 7 ] || fail "the flood was reported in $(grep -c flood "$TMP/bwmd.log") lines"
rm "$PODS_DIR/flood"
# max_pods = 16: ids 1..15; a pod past them is reported once.
for i in $(seq 1 16); do pod_file "many-$i" kubernetes.io/egress-bandwidth=1M bwm.io/ips=198.18.10.$i; done
log_says 5 "no free pod id (max_pods = 16)" || fail "no report of the full table"
sleep 0.5
reports=$(grep -c 'no free pod id' "$TMP/bwmd.log")
touch "$PODS_DIR/web"
sleep 0.5
[ "$(grep -c 'no free pod id' "$TMP/bwmd.log")" = "$reports" ] || fail "'no free pod id' repeated"
rm "$PODS_DIR"/many-*

echo "== 11. maps of another layout are refused"
bwmd_stop
mkdir -p "$TMP/bpffs/foreign"
bpftool map create "$TMP/bpffs/foreign/bwm_pod_meta" type hash key 64 value 8 entries 16 name bwm_pod_meta
for m in bwm_pod_limits bwm_pod_state; do
	bpftool map pin pinned "$PIN_DIR/$m" "$TMP/bpffs/foreign/$m"
done
rc=0
in_node "$BWMCTL" --pin-dir "$TMP/bpffs/foreign" --interval 0 status >"$TMP/foreign.log" 2>&1 || rc=$?
cat "$TMP/foreign.log"
[ "$rc" = 1 ] || fail "bwmctl on foreign maps: exit $rc"
grep -q "not this bwmctl's: bwm_pod_meta is a map of type 1, key 64 and value 8 bytes" "$TMP/foreign.log" ||
	fail "unclear refusal of foreign maps"
sed -i "s|^pin_dir = .*|pin_dir = $TMP/bpffs/foreign|" "$TMP/bwm.conf"
rc=0
timeout 10 ip netns exec "$NS_node" "$BWMD" --config "$TMP/bwm.conf" >"$TMP/foreign-bwmd.log" 2>&1 || rc=$?
cat "$TMP/foreign-bwmd.log"
[ "$rc" = 1 ] || fail "bwmd on foreign maps: exit $rc"
grep -q "Pinned map '.*bwm_pod_meta' has type 1, key 64" "$TMP/foreign-bwmd.log" || fail "bwmd: unclear refusal"
echo PASS
