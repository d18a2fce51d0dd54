#!/bin/bash
# vm test (inside tests/vm/vm-run, Debian's 6.1 kernel): BIG TCP where the
# kernel has the IPv6 sizes (5.19+) but not the IPv4 ones (6.3+). Through
# tests/netns/bigtcp_tool: IPv6 sizes set on an uplink veth and on both ends
# of a pod pair, IPv4 reported unsupported, nothing fails or warns, restore.
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit "$SKIP"; }

TOOL=$BUILD_DIR/tests/netns/bigtcp_tool
[ -x "$TOOL" ] || fail "$TOOL is not built"
modprobe veth || fail "veth missing in $(uname -r)"
BIG=196608

# Not node=$(netns_add node): the subshell would keep the name from
# NETNS_LIST, and cleanup would leave the namespace behind.
netns_add node >/dev/null
netns_add pod >/dev/null
node=$NS_PREFIX-node
pod=$NS_PREFIX-pod
ip -n "$node" link add up0 type veth peer name up1
ip -n "$node" link add pod0 type veth peer name eth0 netns "$pod"

tool() { ip netns exec "$node" "$TOOL" "$@"; }
size() { tool "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }'; }  # size show|show-peer DEV KEY
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

expect "gso_ipv4_max_size on $(uname -r)" "$(size show up0 gso_ipv4_max_size)" unsupported
expect "gro_ipv4_max_size on $(uname -r)" "$(size show up0 gro_ipv4_max_size)" unsupported
expect "veth can go above 64 KiB" "$(size show up0 bigtcp)" yes

tool apply up0 $BIG "$TMP/up0.state" 2>"$TMP/err"
tool apply pod0 $BIG "$TMP/pod0.state" 2>>"$TMP/err"
tool apply-peer pod0 $BIG "$TMP/eth0.state" 2>>"$TMP/err"
[ ! -s "$TMP/err" ] || { cat "$TMP/err"; fail "apply said something on $(uname -r)"; }
for key in gso_max_size gro_max_size; do
	expect "up0 $key" "$(size show up0 $key)" $BIG
	expect "pod0 $key" "$(size show pod0 $key)" $BIG
	expect "eth0 $key" "$(size show-peer pod0 $key)" $BIG
	expect "eth0 $key (ip -d link)" "$(ip -n "$pod" -d link show eth0 | grep -oE " $key [0-9]+" | awk '{ print $2 }')" $BIG
done
ip -n "$pod" -d link show eth0

tool restore up0 "$TMP/up0.state"
tool restore pod0 "$TMP/pod0.state"
tool restore-peer pod0 "$TMP/eth0.state"
for key in gso_max_size gro_max_size; do
	expect "up0 $key restored" "$(size show up0 $key)" 65536
	expect "eth0 $key restored" "$(size show-peer pod0 $key)" 65536
done
echo PASS
