#!/bin/bash
# bwmd starts in a namespace, attaches to the uplink, stops cleanly; pinned
# enforcement outlives it until 'bwmd --cleanup', which leaves the device as
# it was. Also the clear failures: an uplink whose root qdisc bwm cannot
# record (on any kernel), no sch_fq (where the kernel has none), an unknown
# uplink (waited for, not fatal).
source "$(dirname "$0")/lib.sh"

topo_node 4

snapshot() {
	in_node tc qdisc show dev up0
	in_node tc filter show dev up0 egress
	in_node tc filter show dev up0 ingress
}

# expect_refusal LOG WHAT PATTERN: bwmd, run in the foreground with the
# current config, exits non-zero within 30 s, says PATTERN (naming up0), and
# leaves the device exactly as it was.
expect_refusal() {
	local log=$1 what=$2 pattern=$3 before rc=0
	before=$(snapshot)
	timeout 30 ip netns exec "$NS_node" "$BWMD" --config "$TMP/bwm.conf" >"$log" 2>&1 || rc=$?
	cat "$log"
	[ "$rc" != 124 ] || fail "$what: bwmd still running after 30 s"
	[ "$rc" != 0 ] || fail "$what: bwmd started"
	grep -q "$pattern" "$log" || fail "$what: the error does not say '$pattern'"
	[ "$(snapshot)" = "$before" ] || fail "$what: device left changed: $(snapshot)"
}

write_config
before=$(snapshot)

echo "== a root qdisc bwm cannot record is refused, not replaced"
in_node tc qdisc replace dev up0 root handle 1: htb default 10
in_node tc class add dev up0 parent 1: classid 1:10 htb rate 10mbit
expect_refusal "$TMP/htb.log" "htb root" "'up0'.*htb"
in_node tc qdisc del dev up0 root
[ "$(snapshot)" = "$before" ] || fail "test set-up: up0 not back to its default root"

if kernel_has_fq; then
	echo "== this kernel has sch_fq: bwmd installs mq + fq on the 4-queue uplink"
	bwmd_start
	has '^qdisc mq b3d: root' in_node tc qdisc show dev up0 || fail "no mq root: $(snapshot)"
	[ "$(in_node tc qdisc show dev up0 | grep -c '^qdisc fq .* parent b3d:')" = 4 ] ||
		fail "not one fq per TX queue: $(snapshot)"
	bwmd_stop TERM || fail "bwmd exited with $? on SIGTERM"
	has '^qdisc mq b3d: root' in_node tc qdisc show dev up0 || fail "fq did not outlive bwmd"
	in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup || fail "--cleanup failed"
	[ "$(snapshot)" = "$before" ] || fail "--cleanup left the device changed: $(snapshot)"
	[ ! -e "$PIN_DIR" ] || fail "pins left behind: $(ls "$PIN_DIR")"
else
	echo "== this kernel has no sch_fq: bwmd says so and leaves the device alone"
	expect_refusal "$TMP/nofq.log" "no fq" "'up0'.*no 'fq' qdisc"
fi

echo "== an uplink that does not exist is waited for, not fatal"
write_config "$(printf '[datapath]\nqdisc = none')"
sed -i 's/^uplinks = up0/uplinks = up0, nosuch0/' "$TMP/bwm.conf"
bwmd_start
grep -q "Uplink 'nosuch0' does not exist" "$TMP/bwmd.log" || fail "no message for the missing uplink"
has "handle 0x62776d bwm_egress_eth" in_node tc filter show dev up0 egress ||
	fail "program not attached to up0"
[ -e "$PIN_DIR/bwm_pod_state" ] || fail "maps not pinned"
[ -e "$PIN_DIR/bwm_egress_eth" ] || fail "program not pinned"

# The uplink appearing later is set up at once (netlink link event).
in_node ip link add nosuch0 type veth peer name nosuch0p
wait_for 5 has bwm_egress in_node tc filter show dev nosuch0 egress ||
	fail "late uplink not set up"
in_node ip link del nosuch0

bwmd_stop TERM || fail "bwmd exited with $? on SIGTERM"
grep -q "Stopped; pinned programs keep enforcing" "$TMP/bwmd.log" || fail "no stop message"
has bwm_egress_eth in_node tc filter show dev up0 egress ||
	fail "enforcement did not outlive bwmd"

in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup || fail "--cleanup failed"
[ "$(snapshot)" = "$before" ] || fail "--cleanup left the device changed: $(snapshot)"
[ ! -e "$PIN_DIR" ] || fail "pins left behind: $(ls "$PIN_DIR")"

echo "== cleanup_on_exit = yes: SIGTERM alone leaves nothing behind"
write_config "$(printf 'cleanup_on_exit = yes\n[datapath]\nqdisc = none')"
bwmd_start
bwmd_stop INT || fail "bwmd exited with $? on SIGINT"
[ "$(snapshot)" = "$before" ] || fail "cleanup_on_exit left the device changed: $(snapshot)"
[ ! -e "$PIN_DIR" ] || fail "pins left behind after cleanup_on_exit"
echo "PASS"
