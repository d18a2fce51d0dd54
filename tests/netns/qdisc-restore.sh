#!/bin/bash
# qdisc-restore: bwm/qdisc.c through tests/netns/qdisc_tool, on whatever
# kernel runs it. For each starting root:
#   - save it;
#   - where the kernel has sch_fq: install mq + fq (a 4-queue veth: mq b3d:
#     with 4 fq leaves; 1 queue: fq b3d: root) with the configured horizon,
#     buckets, limits and orphan mask; install again with other parameters (changed in
#     place, as a restarted bwmd does); restore;
#   - where it has none: the install fails with a message that names the
#     device and the missing fq, and leaves the root exactly as it was; then
#     a stand-in for bwm's root (bwm's handle b3d:) is restored from the
#     state file written by another process (as after kill -9 of bwmd);
#   - either way the restored root is exactly the saved one (tc -d qdisc
#     show, before and after).
# Then the roots bwm refuses to record, foreign roots, refused replays and
# malformed state files, which need no fq.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOL=$BUILD_DIR/tests/netns/qdisc_tool
NS=$(netns_add qdisc)

tool() { ip netns exec "$NS" "$TOOL" "$@"; }
show() { tc -n "$NS" -d qdisc show dev "$1"; }
q() { tc -n "$NS" qdisc "$@"; }

# Devices: veths with 1 and 4 TX queues (veth is IFF_NO_QUEUE: default root
# noqueue, even with 4 queues), and a 4-queue ifb, whose default root is the
# kernel's own mq 0: with default leaves. (A veth has as many queues as the
# machine has possible CPUs unless told, hence numtxqueues 1.)
ip -n "$NS" link add name sq0 numtxqueues 1 numrxqueues 1 type veth \
	peer name sq0p numtxqueues 1 numrxqueues 1
ip -n "$NS" link add name mq0 numtxqueues 4 numrxqueues 4 type veth \
	peer name mq0p numtxqueues 4 numrxqueues 4
ip -n "$NS" link add name ifbq numtxqueues 4 numrxqueues 4 type ifb
ip -n "$NS" link add name down0 numtxqueues 4 numrxqueues 4 type veth \
	peer name down0p numtxqueues 4 numrxqueues 4
for dev in sq0 sq0p mq0 mq0p ifbq; do
	ip -n "$NS" link set dev "$dev" up
done

if kernel_has_fq; then
	echo "this kernel has sch_fq: install, reinstall, restore"
else
	echo "this kernel has no sch_fq: refused install, restore of a stand-in"
fi

# conf FILE HORIZON BUCKETS_LOG LIMIT FLOW_LIMIT ORPHAN_MASK
conf() {
	cat >"$1" <<-EOF
	[datapath]
	qdisc = fq
	fq_horizon = $2
	fq_buckets_log = $3
	fq_limit = $4
	fq_flow_limit = $5
	fq_orphan_mask = $6
	EOF
}
conf "$TMP/a.conf" 2s 12 5000 200 4095
conf "$TMP/b.conf" 500ms 8 3000 50 65535

# fq_ok LINE HORIZON BUCKETS LIMIT FLOW_LIMIT ORPHAN_MASK: the fq line of tc
# -d qdisc show carries these parameters, and drops past the horizon.
fq_ok() {
	[[ $1 == *" limit $4p flow_limit $5p buckets $3 orphan_mask $6 "* ]] || return 1
	[[ $1 == *" horizon $2 "* || $1 == *" horizon $2" ]] || return 1
	[[ $1 != *horizon_cap* ]]
}

num_tx_queues() {
	ip -n "$NS" -d -j link show dev "$1" | sed -n 's/.*"num_tx_queues":\([0-9]*\).*/\1/p'
}

# layout_ok DEV HORIZON BUCKETS LIMIT FLOW_LIMIT ORPHAN_MASK: bwm's mq + fq
# (or fq).
layout_ok() {
	local dev=$1 out line n=0 i
	shift
	# clsact is not bwm's to touch, nor counted.
	out=$(show "$dev" | grep -v ' parent ffff:fff1')
	if [ "$(num_tx_queues "$dev")" -gt 1 ]; then
		grep -q '^qdisc mq b3d: root' <<<"$out" || { echo "no mq b3d: root"; return 1; }
		for i in 1 2 3 4; do
			line=$(grep "^qdisc fq [0-9a-f]*: parent b3d:$i " <<<"$out") ||
				{ echo "no fq at b3d:$i"; return 1; }
			fq_ok "$line" "$@" || { echo "b3d:$i: $line"; return 1; }
		done
		n=$(grep -c '^qdisc ' <<<"$out")
		[ "$n" -eq 5 ] || { echo "$n qdiscs, expected mq + 4 fq"; return 1; }
	else
		line=$(grep '^qdisc fq b3d: root' <<<"$out") || { echo "no fq b3d: root"; return 1; }
		fq_ok "$line" "$@" || { echo "$line"; return 1; }
		n=$(grep -c '^qdisc ' <<<"$out")
		[ "$n" -eq 1 ] || { echo "$n qdiscs, expected one fq"; return 1; }
	fi
}

# reset DEV: back to the kernel's default root.
reset() {
	q del dev "$1" root 2>/dev/null || true
}

# stand_in DEV: a root with bwm's handle, as bwm's mq/fq would have.
stand_in() {
	if [ "$(num_tx_queues "$1")" -gt 1 ]; then
		q replace dev "$1" root handle b3d: mq
		q replace dev "$1" parent b3d:1 handle 901: pfifo limit 77
	else
		q replace dev "$1" root handle b3d: tbf rate 3mbit burst 8k latency 5ms
	fi
	tool has "$1" || fail "$1: 'has' does not see bwm's handle on $(show "$1")"
}

# install_with_fq NAME DEV: install, reinstall with other parameters.
install_with_fq() {
	local name=$1 dev=$2 why
	tool install "$dev" "$TMP/a.conf" || fail "$name: install failed"
	why=$(layout_ok "$dev" 2s 4096 5000 200 4095) ||
		fail "$name: install: $why"$'\n'"$(show "$dev")"
	tool has "$dev" || fail "$name: 'has' does not see bwm's root"
	# Adoption after a restart re-installs with the configuration of the
	# day: parameters change in place, the layout stays.
	tool install "$dev" "$TMP/b.conf" || fail "$name: second install failed"
	why=$(layout_ok "$dev" 500ms 256 3000 50 65535) ||
		fail "$name: reinstall: $why"$'\n'"$(show "$dev")"
}

# install_without_fq NAME DEV BEFORE: the install fails cleanly.
install_without_fq() {
	local name=$1 dev=$2 before=$3 err
	if tool install "$dev" 2>"$TMP/err"; then
		fail "$name: install succeeded on a kernel without sch_fq"
	fi
	err=$(cat "$TMP/err")
	[[ $err == *"'$dev'"*"no 'fq' qdisc"*CONFIG_NET_SCH_FQ*sch_fq* ]] ||
		fail "$name: unclear install error: $err"
	[ "$before" = "$(show "$dev")" ] ||
		fail "$name: root changed by the failed install:"$'\n'"$before"$'\n'"---"$'\n'"$(show "$dev")"
	tool has "$dev" && fail "$name: bwm's handle left behind"
	stand_in "$dev"
}

# check NAME DEV: the rounds described at the top; the starting root must
# be in place.
check() {
	local name=$1 dev=$2 before after
	before=$(show "$dev")
	tool save "$dev" "$TMP/$name.state" || fail "$name: save failed"
	grep -q '^bwm-qdisc-saved 1$' "$TMP/$name.state" || fail "$name: no state file"
	tool has "$dev" && fail "$name: 'has' before install"
	if kernel_has_fq; then
		install_with_fq "$name" "$dev"
	else
		install_without_fq "$name" "$dev" "$before"
	fi
	tool restore "$dev" "$TMP/$name.state" || fail "$name: restore failed"
	after=$(show "$dev")
	[ "$before" = "$after" ] ||
		fail "$name: restore is not exact:"$'\n'"$before"$'\n'"---"$'\n'"$after"
	tool has "$dev" && fail "$name: bwm's handle left behind by restore"
	echo "ok: $name"
}

# try_root DEV ARGS...: sets a root the kernel may lack (fq_codel, fq are
# modules on a node's kernel, absent from the CI host's); 1 if it lacks it.
try_root() {
	local dev=$1
	shift
	q replace dev "$dev" root "$@" 2>/dev/null
}

check veth-noqueue sq0
check veth4-noqueue mq0

reset ifbq
check ifb4-default-mq ifbq
# (The leaves of the kernel's mq 0: cannot be configured: qdisc_lookup()
# finds no qdisc for handle 0, so "parent :2" is refused.)

q replace dev mq0 root mq
check veth4-mq-default-leaves mq0
reset mq0

q replace dev mq0 root handle 7: mq
q replace dev mq0 parent 7:2 handle 72: tbf rate 1mbit burst 10k limit 20k
q replace dev mq0 parent 7:4 handle 74: bfifo limit 12345
q add dev mq0 clsact
check veth4-mq-configured-leaves mq0
has '^qdisc clsact ffff:' q show dev mq0 || fail "clsact lost"
q del dev mq0 clsact
reset mq0

q replace dev mq0 root handle 5: tbf rate 10mbit burst 32k latency 40ms
check veth4-tbf mq0
reset mq0

# A qdisc configured below a classful root other than mq.
q replace dev mq0 root handle 5: tbf rate 10mbit burst 32k latency 40ms
q replace dev mq0 parent 5:1 handle 51: pfifo limit 10
check veth4-tbf-inner-pfifo mq0
reset mq0

q replace dev sq0 root handle 6: tbf rate 2gbit burst 1m latency 1ms peakrate 8gbit mtu 9000
check veth-tbf-peakrate sq0
reset sq0

q replace dev sq0 root handle 3: pfifo limit 42
check veth-pfifo sq0
reset sq0

q replace dev mq0 root handle 4: pfifo_fast
check veth4-pfifo_fast mq0
reset mq0

if try_root sq0 handle 8: fq_codel limit 1234 flows 512 ecn; then
	check veth-fq_codel sq0
	reset sq0
fi
if try_root sq0 handle 9: fq limit 99 flow_limit 9 buckets 64 horizon 1s horizon_cap; then
	check veth-fq-own sq0
	reset sq0
fi

# A device never brought up has the builtin noop root, which is not dumped.
check down-noop down0

if kernel_has_fq; then
	# A state file saved on a root that is bwm's already (a restarted bwmd
	# whose state file is gone) records the kernel's default.
	tool install mq0 "$TMP/a.conf" || fail "install failed"
	tool save mq0 "$TMP/again.state" || fail "save on bwm's root failed"
	tool restore mq0 "$TMP/again.state" || fail "restore failed"
	has '^qdisc noqueue 0: root' show mq0 || fail "not back to the default: $(show mq0)"
	echo "ok: bwm's own root recorded as the default"
fi

# Roots bwm cannot record are neither recorded nor replaced.
q replace dev mq0 root handle 1: htb default 10
tc -n "$NS" class add dev mq0 parent 1: classid 1:10 htb rate 10mbit
before=$(show mq0)
tool save mq0 "$TMP/htb.state" 2>"$TMP/err" && fail "htb: save succeeded"
grep -q "'mq0'.*htb" "$TMP/err" || fail "htb: unclear save error: $(cat "$TMP/err")"
tool install mq0 2>/dev/null && fail "htb: install succeeded"
[ "$before" = "$(show mq0)" ] || fail "htb: root changed"
reset mq0
q replace dev mq0 root handle 7: mq
q replace dev mq0 parent 7:3 handle 73: tbf rate 10mbit burst 32k latency 40ms
q replace dev mq0 parent 73:1 handle 731: pfifo limit 10
tool save mq0 "$TMP/deep.state" 2>"$TMP/err" && fail "mq/tbf/pfifo: save succeeded"
grep -q "'mq0'.*below" "$TMP/err" || fail "mq/tbf/pfifo: unclear save error: $(cat "$TMP/err")"
reset mq0
echo "ok: unrecordable roots refused"

# A root that is not bwm's is left alone by restore.
q replace dev sq0 root handle 9: pfifo limit 99
before=$(show sq0)
tool restore sq0 "$TMP/veth-noqueue.state" || fail "foreign: restore failed"
[ "$before" = "$(show sq0)" ] || fail "foreign: restore replaced a root that is not bwm's"
reset sq0
echo "ok: foreign root left alone"

# A kernel that refuses the replay: bwm's root goes, the default comes back.
sed -i 's/^root \([0-9a-f]*\) \([0-9a-f]*\) tbf hex:.*/root \1 \2 tbf hex:0400ff00/' "$TMP/veth4-tbf.state"
stand_in mq0
tool restore mq0 "$TMP/veth4-tbf.state" 2>"$TMP/err" && fail "bad replay: restore reported success"
grep -q "'mq0'" "$TMP/err" || fail "bad replay: warning does not name the device: $(cat "$TMP/err")"
has '^qdisc noqueue 0: root' show mq0 || fail "bad replay: not back to the default: $(show mq0)"
echo "ok: refused replay falls back to the default"

# Malformed state files are rejected.
printf 'bwm-qdisc-saved 1\nroot zz\n' >"$TMP/bad.state"
tool restore sq0 "$TMP/bad.state" 2>/dev/null && fail "malformed state file accepted"
printf 'something else\n' >"$TMP/bad.state"
tool restore sq0 "$TMP/bad.state" 2>/dev/null && fail "foreign state file accepted"
echo "ok: malformed state files rejected"
