#!/bin/bash
# bwmd starts in a namespace, attaches to the uplink, stops cleanly; pinned
# enforcement outlives it until 'bwmd --cleanup', which leaves the device as
# it was. Also: the clear failures (no fq on this kernel, unknown uplink).
source "$(dirname "$0")/lib.sh"

topo_node 4

snapshot() {
	in_node tc qdisc show dev up0
	in_node tc filter show dev up0 egress
	in_node tc filter show dev up0 ingress
}
before=$(snapshot)

# The host kernel has no sch_fq: bwmd must say so, naming the qdisc and the
# device, exit non-zero, and leave the device exactly as it was.
write_config
rc=0
in_node "$BWMD" --config "$TMP/bwm.conf" > "$TMP/nofq.log" 2>&1 || rc=$?
cat "$TMP/nofq.log"
[ "$rc" != 0 ] || fail "bwmd started without fq"
grep -q "up0" "$TMP/nofq.log" && grep -qi "fq" "$TMP/nofq.log" ||
	fail "the error names neither the device nor fq"
[ "$(snapshot)" = "$before" ] || fail "device left changed after the fq failure: $(snapshot)"

# An uplink that does not exist is waited for, not fatal; the message names it.
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

# cleanup_on_exit = yes: SIGTERM alone leaves nothing behind.
write_config "$(printf 'cleanup_on_exit = yes\n[datapath]\nqdisc = none')"
bwmd_start
bwmd_stop INT || fail "bwmd exited with $? on SIGINT"
[ "$(snapshot)" = "$before" ] || fail "cleanup_on_exit left the device changed: $(snapshot)"
[ ! -e "$PIN_DIR" ] || fail "pins left behind after cleanup_on_exit"
echo "PASS"
