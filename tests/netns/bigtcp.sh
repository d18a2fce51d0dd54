#!/bin/bash
# BIG TCP through bwm/bigtcp.c on the host kernel: IPv6 and IPv4 GSO/GRO sizes
# set on an "uplink" veth and on both ends of a pod pair (the pod end inside
# the pod's namespace, found through the nsid of the host end), read back
# through netlink (bigtcp_tool) and with `ip -d link show`, restored; a size
# above tso_max_size capped with a warning.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOL=$BUILD_DIR/tests/netns/bigtcp_tool
[ -x "$TOOL" ] || fail "$TOOL not built"
BIG=196608

# Not node=$(netns_add node): the subshell would keep the name from
# NETNS_LIST, and cleanup would leave the namespace behind.
netns_add node >/dev/null
netns_add pod >/dev/null
node=$NS_PREFIX-node
pod=$NS_PREFIX-pod
ip -n "$node" link add up0 type veth peer name up1
ip -n "$node" link add pod0 type veth peer name eth0 netns "$pod"

tool() {  # tool NS ARGS...
	local ns=$1
	shift
	ip netns exec "$ns" "$TOOL" "$@"
}
# tool_size NS show|show-peer DEV KEY: a size as bigtcp_tool reads it.
tool_size() {
	tool "$1" "$2" "$3" | awk -v k="$4" '$1 == k { print $2 }'
}
# ip_size NS DEV KEY: a size as iproute2 prints it (empty if it does not).
ip_size() {
	ip -n "$1" -d link show "$2" | grep -oE "(^| )$3 [0-9]+" | awk '{ print $2 }' || true
}
expect() {  # expect WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# IPv4 sizes: kernel 6.3+. The host kernel has them; say so if not.
if [ "$(tool_size "$node" show up0 gso_ipv4_max_size)" = unsupported ]; then
	ipv4=no
	echo "note: this kernel has no IPv4 GSO/GRO sizes; checking IPv6 only"
else
	ipv4=yes
fi
[ "$(tool_size "$node" show up0 bigtcp)" = yes ] || { echo "SKIP: veth cannot go above 64 KiB here"; exit $SKIP; }

# check_sizes NS show|show-peer DEV WANT [IP_NS IP_DEV]: all four sizes read
# back through netlink, and iproute2's view of the same device.
check_sizes() {
	local ns=$1 how=$2 dev=$3 want=$4 ipns=${5:-$1} ipdev=${6:-$3} key
	for key in gso_max_size gro_max_size; do
		expect "$dev $key (netlink)" "$(tool_size "$ns" "$how" "$dev" $key)" "$want"
		expect "$ipdev $key (ip -d link)" "$(ip_size "$ipns" "$ipdev" $key)" "$want"
	done
	[ $ipv4 = yes ] || return 0
	for key in gso_ipv4_max_size gro_ipv4_max_size; do
		expect "$dev $key (netlink)" "$(tool_size "$ns" "$how" "$dev" $key)" "$want"
		# iproute2 6.1 does not print these; a newer one does.
		local v
		v=$(ip_size "$ipns" "$ipdev" $key)
		[ -z "$v" ] || expect "$ipdev $key (ip -d link)" "$v" "$want"
	done
}

echo "# before: legacy sizes"
check_sizes "$node" show up0 65536
check_sizes "$node" show-peer pod0 65536 "$pod" eth0

echo "# apply $BIG: uplink, pod host end, pod end (by nsid)"
tool "$node" apply up0 $BIG "$TMP/up0.state" 2>"$TMP/err"
tool "$node" apply pod0 $BIG "$TMP/pod0.state" 2>>"$TMP/err"
tool "$node" apply-peer pod0 $BIG "$TMP/eth0.state" 2>>"$TMP/err"
# A kernel without the IPv4 sizes (5.19..6.2, Debian 12's 6.1) is no
# problem to report: IPv6 BIG TCP is all it has.
[ ! -s "$TMP/err" ] || { cat "$TMP/err"; fail "apply said something on $(uname -r)"; }
check_sizes "$node" show up0 $BIG
check_sizes "$node" show pod0 $BIG
check_sizes "$node" show-peer pod0 $BIG "$pod" eth0
# Writes never carry IFLA_TARGET_NETNSID (it would move a device, see
# bigtcp.h): every device is still where it was.
expect "links in the node namespace" "$(ip -n "$node" -o link show | awk -F'[:@ ]+' '{ print $2 }' | sort | xargs)" \
	"lo pod0 up0 up1"
expect "links in the pod namespace" "$(ip -n "$pod" -o link show | awk -F'[:@ ]+' '{ print $2 }' | sort | xargs)" \
	"eth0 lo"
# The other ends were not touched.
check_sizes "$node" show up1 65536

echo "# restore"
tool "$node" restore up0 "$TMP/up0.state"
tool "$node" restore pod0 "$TMP/pod0.state"
tool "$node" restore-peer pod0 "$TMP/eth0.state"
check_sizes "$node" show up0 65536
check_sizes "$node" show pod0 65536
check_sizes "$node" show-peer pod0 65536 "$pod" eth0

echo "# restore brings back what was there, not the defaults"
ip -n "$pod" link set eth0 gso_max_size 98304 gro_max_size 98304
tool "$node" apply-peer pod0 $BIG "$TMP/eth0.state"
expect "eth0 gso_max_size after apply" "$(ip_size "$pod" eth0 gso_max_size)" $BIG
tool "$node" restore-peer pod0 "$TMP/eth0.state"
expect "eth0 gso_max_size after restore" "$(ip_size "$pod" eth0 gso_max_size)" 98304
expect "eth0 gro_max_size after restore" "$(ip_size "$pod" eth0 gro_max_size)" 98304

echo "# above tso_max_size: capped, with a warning that names the device"
tso=$(tool_size "$node" show up1 tso_max_size)
[ "$tso" -gt 0 ] && [ "$tso" -lt 600000 ] || fail "veth tso_max_size '$tso'"
tool "$node" apply up1 600000 "$TMP/up1.state" 2>"$TMP/warn"
cat "$TMP/warn"
grep -q "'up1'.*tso_max_size $tso" "$TMP/warn" || fail "no tso_max_size warning naming up1"
expect "up1 gso_max_size capped" "$(tool_size "$node" show up1 gso_max_size)" "$tso"
tool "$node" restore up1 "$TMP/up1.state"
check_sizes "$node" show up1 65536
# A tap keeps the legacy tso_max_size of 64 KiB: GSO stays there, GRO (a
# receive-side limit) does not depend on it.
# /dev/net/tun exists once the tun module is in (a node's udev loads it).
[ -e /dev/net/tun ] || modprobe tun || fail "no /dev/net/tun and no tun module"
ip -n "$node" tuntap add tap0 mode tap
tool "$node" apply tap0 $BIG 2>"$TMP/warn"
cat "$TMP/warn"
grep -q "'tap0'.*tso_max_size 65536" "$TMP/warn" || fail "no tso_max_size warning naming tap0"
expect "tap0 gso_max_size" "$(ip_size "$node" tap0 gso_max_size)" 65536
expect "tap0 gro_max_size" "$(ip_size "$node" tap0 gro_max_size)" $BIG

echo "# a pod namespace held only by its process (no /run/netns entry)"
bg_start unshare --net sleep 60
holder=${PIDS[-1]}
wait_for 5 sh -c "[ \"\$(readlink /proc/$holder/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]" ||
	fail "unshare did not start"
ip -n "$node" link add pod1 type veth peer name eth1 netns "$holder"
tool "$node" apply-peer pod1 $BIG "$TMP/eth1.state"
expect "eth1 gso_max_size" "$(nsenter -t "$holder" -n ip -d link show eth1 | grep -oE ' gso_max_size [0-9]+' | awk '{ print $2 }')" $BIG
tool "$node" restore-peer pod1 "$TMP/eth1.state"
expect "eth1 gso_max_size restored" "$(nsenter -t "$holder" -n ip -d link show eth1 | grep -oE ' gso_max_size [0-9]+' | awk '{ print $2 }')" 65536

echo "PASS"
