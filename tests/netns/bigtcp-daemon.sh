#!/bin/bash
# bwmd sets BIG TCP sizes on the uplink, on pods' host-side links and on
# their ends inside the pods' namespaces, also for a pod that appears later;
# a restart keeps the sizes recorded from before bwm; removing a pod,
# disabling [bigtcp] (SIGHUP) and 'bwmd --cleanup' restore them.
source "$(dirname "$0")/lib.sh"

SIZE=196608
topo_node 1
topo_pod_routed 1

# gso NS DEV: gso_max_size of DEV in NS, as iproute2 reads it (the IPv6 size).
gso() {
	ip -n "$1" -d link show dev "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "gso_max_size") {print $(i + 1); exit}}'
}
gso_is() {
	[ "$(gso "$2" "$3")" = "$1" ]
}
expect_gso() {   # expect_gso WANT NS DEV
	wait_for 3 gso_is "$@" || fail "$3 in $2: gso_max_size $(gso "$2" "$3"), expected $1"
}

before=$(gso "$NS_node" up0)
write_config "$(printf '[datapath]\nqdisc = none\n[bigtcp]\nenable = yes\nsize = %s' $SIZE)"
pod_file web-1 kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod1h
bwmd_start

expect_gso $SIZE "$NS_node" up0
expect_gso $SIZE "$NS_node" pod1h
expect_gso $SIZE "$NS_pod1" eth0
in_node "$BWMCTL" --config "$TMP/bwm.conf" links
# 6.3+ kernels have the IPv4 sizes too, and bwmd sets them; before, it
# reports them as unsupported (JSON null).
ipv4=$SIZE
kernel_has_bigtcp_ipv4 || ipv4=None
in_node "$BWMCTL" --config "$TMP/bwm.conf" --json links | python3 -c '
import json, sys
links = {(l["link"], l["pod_end"]): l for l in json.load(sys.stdin)["links"]}
size, ipv4 = int(sys.argv[1]), None if sys.argv[2] == "None" else int(sys.argv[2])
for key in [("up0", False), ("pod1h", False), ("pod1h", True)]:
    now = links[key]["now"]
    assert now["gso_max_size"] == size, (key, now)
    assert now.get("gso_ipv4_max_size") == ipv4, (key, now)
print("bwmctl links: sizes set on", len(links), "links; IPv4:", ipv4)' $SIZE $ipv4 ||
	fail "bwmctl links disagrees"

echo "== a pod that appears later gets the sizes"
topo_pod_routed 2
pod_file web-2 kubernetes.io/egress-bandwidth=10M bwm.io/interface=pod2h
expect_gso $SIZE "$NS_node" pod2h
expect_gso $SIZE "$NS_pod2" eth0

echo "== a restart keeps the sizes and what they were before"
bwmd_stop
expect_gso $SIZE "$NS_node" up0
bwmd_start
in_node "$BWMCTL" --config "$TMP/bwm.conf" --json links | python3 -c '
import json, sys
for l in json.load(sys.stdin)["links"]:
    assert l["before"]["gso_max_size"] == int(sys.argv[1]), l
' "$before" || fail "a restart recorded bwm's own sizes as the originals"

echo "== a removed pod gets its sizes back"
rm "$PODS_DIR/web-2"
expect_gso "$before" "$NS_node" pod2h
expect_gso "$before" "$NS_pod2" eth0

echo "== [bigtcp] enable = no, by SIGHUP: everything restored"
sed -i 's/^enable = yes/enable = no/' "$TMP/bwm.conf"
kill -HUP "$BWMD_PID"
expect_gso "$before" "$NS_node" up0
expect_gso "$before" "$NS_node" pod1h
expect_gso "$before" "$NS_pod1" eth0

echo "== enabled again, then 'bwmd --cleanup' restores"
sed -i 's/^enable = no/enable = yes/' "$TMP/bwm.conf"
kill -HUP "$BWMD_PID"
expect_gso $SIZE "$NS_node" up0
expect_gso $SIZE "$NS_pod1" eth0
bwmd_stop
in_node "$BWMD" --config "$TMP/bwm.conf" --cleanup || fail "--cleanup failed"
expect_gso "$before" "$NS_node" up0
expect_gso "$before" "$NS_node" pod1h
expect_gso "$before" "$NS_pod1" eth0
echo "PASS"
