#!/bin/bash
# vm test (inside tests/vm/vm-run, a kernel with sch_fq): bwm/qdisc.c's
# install and restore through tests/netns/qdisc_tool.
#   - install on a 4-queue veth: mq b3d: with 4 fq leaves carrying the
#     configured horizon, buckets and limits; on a 1-queue veth: fq b3d: root;
#   - install again with other parameters: changed in place;
#   - restore brings each starting root back exactly (tc -d qdisc show).
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit "$SKIP"; }

TOOL=$BUILD_DIR/tests/netns/qdisc_tool
[ -x "$TOOL" ] || fail "$TOOL is not built"
modprobe -a veth sch_fq sch_tbf || fail "modules missing in $(uname -r)"

NS=$(netns_add qfq)
tool() { ip netns exec "$NS" "$TOOL" "$@"; }
show() { tc -n "$NS" -d qdisc show dev "$1"; }
q() { tc -n "$NS" qdisc "$@"; }

ip -n "$NS" link add name sq0 type veth peer name sq0p
ip -n "$NS" link add name mq0 numtxqueues 4 numrxqueues 4 type veth \
	peer name mq0p numtxqueues 4 numrxqueues 4
for dev in sq0 sq0p mq0 mq0p; do
	ip -n "$NS" link set dev "$dev" up
done

# conf FILE HORIZON BUCKETS_LOG LIMIT FLOW_LIMIT
conf() {
	cat >"$1" <<-EOF
	[datapath]
	qdisc = fq
	fq_horizon = $2
	fq_buckets_log = $3
	fq_limit = $4
	fq_flow_limit = $5
	EOF
}
conf "$TMP/a.conf" 2s 12 5000 200
conf "$TMP/b.conf" 500ms 8 3000 50

# fq_ok LINE HORIZON BUCKETS LIMIT FLOW_LIMIT: the fq line of tc -d qdisc show
# carries these parameters, and drops past the horizon.
fq_ok() {
	[[ $1 == *" limit $4p flow_limit $5p buckets $3 "* ]] || return 1
	[[ $1 == *" horizon $2 "* || $1 == *" horizon $2" ]] || return 1
	[[ $1 != *horizon_cap* ]]
}

# layout_ok DEV HORIZON BUCKETS LIMIT FLOW_LIMIT
layout_ok() {
	local dev=$1 out line n=0 i
	shift
	# clsact is not bwm's to touch, nor counted.
	out=$(show "$dev" | grep -v ' parent ffff:fff1')
	if [ "$dev" = mq0 ]; then
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

# check NAME DEV: the starting root is in place.
check() {
	local name=$1 dev=$2 before after why
	before=$(show "$dev")
	tool save "$dev" "$TMP/$name.state" || fail "$name: save failed"
	tool has "$dev" && fail "$name: 'has' before install"

	tool install "$dev" "$TMP/a.conf" || fail "$name: install failed"
	why=$(layout_ok "$dev" 2s 4096 5000 200) ||
		fail "$name: install: $why"$'\n'"$(show "$dev")"
	tool has "$dev" || fail "$name: 'has' does not see bwm's root"

	# Adoption after a restart re-installs with the configuration of the
	# day: parameters change in place, the layout stays.
	tool install "$dev" "$TMP/b.conf" || fail "$name: second install failed"
	why=$(layout_ok "$dev" 500ms 256 3000 50) ||
		fail "$name: reinstall: $why"$'\n'"$(show "$dev")"

	tool restore "$dev" "$TMP/$name.state" || fail "$name: restore failed"
	after=$(show "$dev")
	[ "$before" = "$after" ] ||
		fail "$name: restore is not exact:"$'\n'"$before"$'\n'"---"$'\n'"$after"
	tool has "$dev" && fail "$name: bwm's root left behind"
	echo "ok: $name"
}

reset() {
	q del dev "$1" root 2>/dev/null || true
}

check veth-noqueue sq0
check veth4-noqueue mq0

q replace dev mq0 root mq
check veth4-mq-default-leaves mq0
reset mq0

q replace dev mq0 root handle 7: mq
q replace dev mq0 parent 7:2 handle 72: tbf rate 1mbit burst 10k limit 20k
q replace dev mq0 parent 7:4 handle 74: fq_codel limit 777 target 3ms
q add dev mq0 clsact
check veth4-mq-configured-leaves mq0
[ -n "$(q show dev mq0 | grep '^qdisc clsact ffff:')" ] || fail "clsact lost"
q del dev mq0 clsact
reset mq0

q replace dev mq0 root handle 5: tbf rate 10mbit burst 32k latency 40ms
check veth4-tbf mq0
reset mq0

q replace dev sq0 root handle 3: pfifo limit 42
check veth-pfifo sq0
reset sq0

q replace dev sq0 root handle 8: fq_codel limit 1234 flows 512 ecn
check veth-fq_codel sq0
reset sq0

q replace dev sq0 root handle 9: fq limit 99 flow_limit 9 buckets 64 horizon 1s horizon_cap
check veth-fq-own sq0
reset sq0

# A state file is saved on a root that is bwm's already (a restarted bwmd
# whose state file is gone): it records the kernel's default.
tool install mq0 "$TMP/a.conf" || fail "install failed"
tool save mq0 "$TMP/again.state" || fail "save on bwm's root failed"
tool restore mq0 "$TMP/again.state" || fail "restore failed"
has '^qdisc noqueue 0: root' show mq0 || fail "not back to the default: $(show mq0)"
echo "ok: bwm's own root recorded as the default"
