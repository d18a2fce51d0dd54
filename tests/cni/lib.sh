#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# CNI chains for the netns and vm tiers, sourced after tests/netns/lib.sh:
# conflists over the real Debian plugins (bridge, ptp, host-local,
# loopback) with bwm-cni (or the bandwidth plugin) last, run by
# cni_chain.py as libcni runs them, in the node namespace.
#
#   bridge network: cni0 198.18.64.1/24, fd00:18:64::1/64 (pods on a bridge)
#   ptp network:    198.18.65.0/24, fd00:18:65::/64        (routed veths)
#
# The host-local IPAM keeps its leases in $TMP/ipam (its dataDir), never
# in /var/lib/cni; libcni's result cache is $TMP/cni-cache.
CNI_PLUGIN_DIR=${CNI_PLUGIN_DIR:-/usr/lib/cni}
CNI_CHAIN="$SRC_DIR/tests/cni/cni_chain.py"
CNI_BIN_DIR="$TMP/cni-bin"      # bwm-cni, beside the Debian plugins on CNI_PATH
CNI_CONF_DIR="$TMP/cni-conf"
CNI_CACHE="$TMP/cni-cache"
# containerd's burst when a pod sets none (math.MaxUint32 bits).
CNI_CONTAINERD_BURST=4294967295

[ -x "$CNI_PLUGIN_DIR/bridge" ] || { echo "SKIP: no CNI plugins in $CNI_PLUGIN_DIR (containernetworking-plugins)"; exit "$SKIP"; }
mkdir -p "$CNI_BIN_DIR" "$CNI_CONF_DIR" "$CNI_CACHE" "$TMP/ipam"
cp "$BUILD_DIR/bwm/bwm-cni" "$CNI_BIN_DIR/"

# cni_ipam SUBNET4 SUBNET6: a host-local IPAM object, JSON.
cni_ipam() {
	printf '{"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "%s"}], [{"subnet": "%s"}]],
	 "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}' "$TMP/ipam" "$1" "$2"
}

# cni_last TYPE: the chained plugin's entry, bwm-cni or bandwidth.
cni_last() {
	if [ "$1" = bwm-cni ]; then
		printf '{"type": "bwm-cni", "capabilities": {"bandwidth": true}, "podsDir": "%s", "bwmConfig": "%s"}' \
			"${CNI_PODS_DIR:-$PODS_DIR}" "$TMP/bwm.conf"
	else
		printf '{"type": "bandwidth", "capabilities": {"bandwidth": true}}'
	fi
}

# cni_conflist NETWORK VERSION [LAST]: writes $CNI_CONF_DIR/NETWORK-VERSION.conflist
# (bridge or ptp network, LAST bwm-cni by default) and prints its path.
cni_conflist() {
	local network=$1 version=$2 last=${3:-bwm-cni} main
	local file="$CNI_CONF_DIR/$network-$version-$last.conflist"
	case $network in
	bridge) main=$(printf '{"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "ipam": %s}' \
			"$(cni_ipam 198.18.64.0/24 fd00:18:64::/64)") ;;
	ptp) main=$(printf '{"type": "ptp", "ipMasq": false, "ipam": %s}' "$(cni_ipam 198.18.65.0/24 fd00:18:65::/64)") ;;
	*) fail "unknown network $network" ;;
	esac
	printf '{"cniVersion": "%s", "name": "bwm-%s", "plugins": [%s, %s]}\n' \
		"$version" "$network" "$main" "$(cni_last "$last")" > "$file"
	echo "$file"
}

# The loopback network containerd runs before the pod's own.
printf '{"cniVersion": "1.0.0", "name": "cni-loopback", "plugins": [{"type": "loopback"}]}\n' \
	> "$CNI_CONF_DIR/loopback.conflist"

# cni_run COMMAND CONFLIST POD_NS ID [CAPABILITY_ARGS] [CNI_ARGS]: cni_chain.py
# in the node namespace for the pod whose namespace is POD_NS.
cni_run() {
	local command=$1 conflist=$2 pod_ns=$3 id=$4 caps=${5:-} args=${6:-}
	in_node python3 "$CNI_CHAIN" "$command" --conflist "$conflist" --cni-path "$CNI_BIN_DIR:$CNI_PLUGIN_DIR" \
		--cache-dir "$CNI_CACHE" --netns "/run/netns/$pod_ns" --container-id "$id" --ifname eth0 \
		--args "$args" --capability-args "$caps"
}

# cni_bandwidth EGRESS_BPS [BURST]: the capability args containerd passes
# for kubernetes.io/egress-bandwidth.
cni_bandwidth() {
	printf '{"bandwidth": {"egressRate": %s, "egressBurst": %s}}' "$1" "${2:-$CNI_CONTAINERD_BURST}"
}

# cni_bandwidth_both BPS: the capability args for both annotations at BPS
# (kubernetes.io/ingress-bandwidth and egress-bandwidth), no burst.
cni_bandwidth_both() {
	printf '{"bandwidth": {"ingressRate": %s, "ingressBurst": %s, "egressRate": %s, "egressBurst": %s}}' \
		"$1" "$CNI_CONTAINERD_BURST" "$1" "$CNI_CONTAINERD_BURST"
}

# cni_k8s_args NAMESPACE NAME UID: CNI_ARGS as containerd sets them.
cni_k8s_args() {
	printf 'IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s;K8S_POD_UID=%s' \
		"$1" "$2" "$4" "$3"
}

# cni_container_id K: a 64-hex-digit sandbox id, as containerd makes them.
cni_container_id() {
	local sum
	sum=$(printf 'bwm-test-pod-%d' "$1" | sha256sum)
	echo "${sum%% *}"
}

# cni_pod_add K CONFLIST CAPS: pod<K>'s namespace (DAD off, so the plugins
# need not wait for IPv6 addresses to settle), the loopback network, then
# CONFLIST; the result in $TMP/result-K.json.
cni_pod_add() {
	local k=$1 conflist=$2 caps=${3:-} ns id ns_var="NS_pod$1"
	netns_add "pod$k" >/dev/null
	ns=${!ns_var}
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	id=$(cni_container_id "$k")
	cni_run add "$CNI_CONF_DIR/loopback.conflist" "$ns" "$id" >/dev/null
	cni_run add "$conflist" "$ns" "$id" "$caps" "$(cni_k8s_args "ns$((k % 3))" "pod-$k" "uid-$k" "$id")" \
		> "$TMP/result-$k.json"
}

# cni_pod_del K CONFLIST
cni_pod_del() {
	local k=$1 conflist=$2 ns_var="NS_pod$1"
	cni_run del "$conflist" "${!ns_var}" "$(cni_container_id "$k")" "" \
		"$(cni_k8s_args "ns$((k % 3))" "pod-$k" "uid-$k" "$(cni_container_id "$k")")"
}

# cni_pod_file K: the pod file name bwm-cni gives pod<K> (bwm/cni_podfile.h).
cni_pod_file() {
	printf 'ns%d_pod-%d_%.12s_eth0' "$(($1 % 3))" "$1" "$(cni_container_id "$1")"
}
