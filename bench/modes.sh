#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The benchmark's modes, sourced by bench/guest.sh: how each one shapes a
# pod's egress, set up and torn down in the topology guest.sh built.
#
#   none               nothing shapes; up0 has a NIC's qdiscs (nic_qdiscs, below:
#                      mq with fq_codel per TX queue), as in every mode until
#                      bwmd replaces them
#   fq-only            nothing shapes; the qdiscs bwm puts in place (mq with
#                      one fq per TX queue on the uplink, fq on each pod's
#                      interface) and no program: what fq itself costs, which
#                      any EDT shaper pays (S1 only)
#   paced              nothing shapes; the bulk senders pace themselves to the
#                      limit (iperf3 --fq-rate: SO_MAX_PACING_RATE, the
#                      kernel's own TCP pacing), the reference a perfect
#                      shaper would match
#   tbf-default-burst  the CNI bandwidth plugin, called directly (one plugin,
#                      a prevResult naming the bench's veths), containerd's
#                      burst (2^32-1 bits)
#   tbf                the same, burst max(64 KiB, 20 ms of the rate)
#   cni-bandwidth      pods made by a CNI chain run as libcni runs it
#                      (tests/cni/cni_chain.py: loopback; ptp + host-local,
#                      then the bandwidth plugin), containerd's burst
#   edt-2s             bwm's own program, configured as Cilium's bandwidth
#                      manager is (bench/modes/edt-2s.conf); not Cilium
#   bwm                bwmd with its defaults (bench/modes/bwm.conf)
#   bwm-cni            the chain of cni-bandwidth with bwm-cni last, bwmd with
#                      its defaults
#
# A mode's pods: the routed pods of guest.sh's topology, or, for the chain
# modes, pods the chain makes (one per S3 rate; S2 and S5 use the one at
# their limit). mode_pods MODE lists them.
#
# S3's pods are limited both ways at their rate (kubernetes.io/ingress-
# bandwidth too), for S3's ingress runs, in the modes that shape ingress:
# the CNI plugin (TBF on the pod's host-side veth) and bwm (EDT under fq
# there). edt-2s does not: Cilium polices ingress with a token bucket
# that drops (cilium/cilium#36351), which bwm's program does not model.

# Pods of the chain modes: 300 + the index of their rate in S3_RATES.
CHAIN_POD_BASE=300

chain_mode() {
	case $1 in cni-bandwidth|bwm-cni) return 0 ;; *) return 1 ;; esac
}

bwm_mode() {
	[ -f "$SRC_DIR/bench/modes/$1.conf" ] || [ "$1" = bwm-cni ]
}

mode_shapes_ingress() {
	case $1 in tbf|tbf-default-burst|cni-bandwidth|bwm|bwm-cni) return 0 ;; *) return 1 ;; esac
}

# ingress_limited MODE POD: whether POD has an ingress limit in MODE.
ingress_limited() {
	mode_shapes_ingress "$1" && { chain_mode "$1" || [ "$2" -gt 200 ]; }
}

# The scenarios a mode runs: paced has no limit for S1 and S3 to measure;
# the chain modes make only S3's pods (a chain ADD takes seconds of guest
# CPU), so no S1; S2 and S5 only the modes in S2_MODES (the profile's).
mode_runs() {
	local mode=$1 scenario=$2
	case $mode/$scenario in
	paced/s1|paced/s3) return 1 ;;
	fq-only/s1) return 0 ;;
	fq-only/*) return 1 ;;
	cni-bandwidth/s1|bwm-cni/s1) return 1 ;;
	*/s2|*/s5) [[ " $S2_MODES " == *" $mode "* ]] ;;
	*) return 0 ;;
	esac
}

# rate_index MBIT: its place in S3_RATES (1-based), or nothing.
rate_index() {
	local i=0 rate
	for rate in $S3_RATES; do
		i=$((i + 1))
		[ "$rate" = "$1" ] && { echo "$i"; return; }
	done
}

# s3_pod MODE MBIT: the pod of S3's limit MBIT.
s3_pod() {
	local base=200
	chain_mode "$1" && base=$CHAIN_POD_BASE
	echo $((base + $(rate_index "$2")))
}

# load_pod MODE: S2's and S5's pod (S2_LIMIT): S1's first, or the chain's
# pod at that limit.
load_pod() {
	if chain_mode "$1"; then
		s3_pod "$1" "${S2_LIMIT%M}"
	else
		echo 1
	fi
}

mode_pods() {
	local rate
	if chain_mode "$1"; then
		for rate in $S3_RATES; do s3_pod "$1" "$rate"; done
	else
		echo "$ALL_PODS"
	fi
}

pod_limit_mbit() {
	local k=$1
	if [ "$k" -gt "$CHAIN_POD_BASE" ]; then
		echo "$S3_RATES" | cut -d' ' -f$((k - CHAIN_POD_BASE))
	elif [ "$k" -gt 200 ]; then
		echo "$S3_RATES" | cut -d' ' -f$((k - 200))
	else
		echo "${S1_LIMIT%M}"
	fi
}

# --- the CNI bandwidth plugin, called directly -------------------------------

# cni_direct POD COMMAND RATE_BIT BURST_BIT IN_RATE_BIT IN_BURST_BIT: the
# bandwidth plugin as a container runtime chains it after the main plugin:
# prevResult names the pod's host and container interfaces,
# runtimeConfig.bandwidth carries the pod's annotations (bit/s, bits; no
# ingress limit is 0 and 0, as a runtime passes for a pod without the
# ingress annotation). It runs in the node namespace, where the host side
# of the pod lives.
cni_direct() {
	local k=$1 cmd=$2 rate=$3 burst=$4 in_rate=$5 in_burst=$6 ns_var="NS_pod$1"
	in_node env CNI_COMMAND="$cmd" CNI_CONTAINERID="bench-pod$k" \
		CNI_NETNS="/var/run/netns/${!ns_var}" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		timeout 60 /usr/lib/cni/bandwidth <<EOF
{
  "cniVersion": "1.0.0",
  "name": "bench",
  "type": "bandwidth",
  "runtimeConfig": {"bandwidth": {"ingressRate": $in_rate, "ingressBurst": $in_burst,
                                   "egressRate": $rate, "egressBurst": $burst}},
  "prevResult": {
    "cniVersion": "1.0.0",
    "interfaces": [
      {"name": "pod${k}h"},
      {"name": "eth0", "sandbox": "/var/run/netns/${!ns_var}"}
    ],
    "ips": [{"address": "$(pod_addr "$k")/24", "interface": 1}]
  }
}
EOF
}

# tbf_burst_bits MODE RATE_BIT: containerd passes 2^32-1 bits when the pod
# names no burst; the sane burst is 20 ms of the rate (the plugin's own
# queue is 25 ms), at least 64 KiB so that a 64 KiB GSO packet fits.
tbf_burst_bits() {
	if [ "$1" = tbf ]; then
		local b=$(($2 / 50))
		echo $((b > 524288 ? b : 524288))
	else
		echo "$CNI_CONTAINERD_BURST"
	fi
}

# cni_direct_all MODE COMMAND: the plugin for every pod, four at a time
# (one call takes most of a second of guest CPU).
cni_direct_all() {
	local mode=$1 cmd=$2 k rate burst in=() pids=() rc=0 pid
	for k in $ALL_PODS; do
		rate=$(($(pod_limit_mbit "$k") * 1000000))
		burst=$(tbf_burst_bits "$mode" "$rate")
		in=(0 0)
		ingress_limited "$mode" "$k" && in=("$rate" "$burst")
		cni_direct "$k" "$cmd" "$rate" "$burst" "${in[@]}" >>"$R/$mode/cni.log" 2>&1 &
		pids+=($!)
		if [ ${#pids[@]} -ge 4 ]; then
			for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
			pids=()
		fi
	done
	for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
	return $rc
}

# --- pods made by a CNI chain --------------------------------------------------

# chain_pods MODE add|del: the chain modes' pods, one after the other, as
# a runtime makes them (tests/cni/lib.sh): ptp's veth and host-local's
# addresses, then the last plugin (bandwidth or bwm-cni) with the
# runtimeConfig.bandwidth containerd passes for both annotations and no
# burst. DEL also removes the pod's namespace, as a runtime does.
chain_pods() {
	local mode=$1 cmd=$2 last=bandwidth k rc=0 caps
	[ "$mode" = cni-bandwidth ] || last=bwm-cni
	for k in $(mode_pods "$mode"); do
		caps=$(cni_bandwidth_both $(($(pod_limit_mbit "$k") * 1000000)))
		if [ "$cmd" = add ]; then
			cni_pod_add "$k" "$(cni_conflist ptp 1.0.0 "$last")" "$caps" >>"$R/$mode/cni.log" 2>&1 ||
				{ cat "$TMP/result-$k.json" >>"$R/$mode/cni.log"; rc=1; }
		else
			local ns_var="NS_pod$k"
			cni_pod_del "$k" "$(cni_conflist ptp 1.0.0 "$last")" >>"$R/$mode/cni.log" 2>&1 || rc=1
			ip netns del "${!ns_var}" 2>/dev/null || true
		fi
	done
	return $rc
}

# --- bwmd ----------------------------------------------------------------------

# bwm_up MODE: bwmd with the mode's bwm.conf fragment; the routed pods' files
# written by hand, the chain's by bwm-cni. cleanup_on_exit: each mode
# starts from the uplink as the last one found it, and BIG TCP (on by
# default) is restored on the links for the modes after it.
bwm_up() {
	local mode=$1 k n conf=$SRC_DIR/bench/modes/$1.conf
	[ -f "$conf" ] || conf=$SRC_DIR/bench/modes/bwm.conf
	write_config "$(printf 'cleanup_on_exit = yes\n\n')
$(cat "$conf")"
	cp "$TMP/bwm.conf" "$R/$mode/bwm.conf"
	bwmd_start
	if chain_mode "$mode"; then
		chain_pods "$mode" add || return 1
	else
		local in=()
		for k in $ALL_PODS; do
			in=()
			ingress_limited "$mode" "$k" && in=("kubernetes.io/ingress-bandwidth=$(pod_limit_mbit "$k")M")
			pod_file "pod$k" "kubernetes.io/egress-bandwidth=$(pod_limit_mbit "$k")M" \
				"bwm.io/interface=pod${k}h" "${in[@]}"
		done
	fi
	n=$(mode_pods "$mode" | wc -w)
	wait_for 10 bwm_pods_are "$n" || { note "bwmd enforces $(bwm_pod_count) of $n pods"; return 1; }
}

bwm_status() {
	in_node "$BWMCTL" --config "$TMP/bwm.conf" --interval 0 --json status
}

bwm_pod_count() {
	bwm_status | jq '.pods | length'
}

bwm_pods_are() {
	[ "$(bwm_pod_count)" = "$1" ]
}

# --- the uplink as a NIC -------------------------------------------------------

# nic_qdiscs: up0 stands for the node's NIC, but a veth has no qdisc
# (IFF_NO_QUEUE: noqueue), which no NIC has. A multiqueue NIC gets mq with
# one copy of the kernel's default qdisc per TX queue, and Debian 12's
# kernels default to fq_codel (CONFIG_DEFAULT_NET_SCH="fq_codel"; Debian's
# systemd ships no default_qdisc sysctl). Every mode starts from that:
# without it "none" would be a node without the qdisc layer, and fq would
# be charged for all of it rather than for what it costs above fq_codel.
# tc's defaults for fq_codel's parameters, as the kernel's default is.
nic_qdiscs() {
	uplink_mq_of fq_codel
}

# uplink_mq_of KIND: mq at up0's root, a KIND qdisc per TX queue.
uplink_mq_of() {
	local kind=$1 q txq
	txq=$(in_node ls /sys/class/net/up0/queues | grep -c '^tx-')
	in_node tc qdisc replace dev up0 root handle 1: mq || return 1
	for q in $(seq "$txq"); do
		in_node tc qdisc replace dev up0 parent "1:$(printf '%x' "$q")" "$kind" || return 1
	done
}

# --- fq-only -------------------------------------------------------------------

# fq_only_up: the roots bwmd installs, with tc's defaults for fq's
# parameters (bwm's differ in limits, which S1's packets never reach).
fq_only_up() {
	local k
	uplink_mq_of fq || return 1
	for k in $ALL_PODS; do
		in_node tc qdisc replace dev "pod${k}h" root fq || return 1
	done
}

fq_only_down() {
	local k rc=0
	nic_qdiscs || rc=1
	for k in $ALL_PODS; do
		in_node tc qdisc del dev "pod${k}h" root || rc=1
	done
	return $rc
}

# --- up and down ---------------------------------------------------------------

mode_up() {
	local mode=$1
	nic_qdiscs || return 1
	case $mode in
	none|paced) ;;
	fq-only) fq_only_up ;;
	tbf|tbf-default-burst) cni_direct_all "$mode" ADD ;;
	cni-bandwidth) chain_pods "$mode" add ;;
	*)
		bwm_mode "$mode" || { note "unknown mode '$mode'"; return 1; }
		bwm_up "$mode" ;;
	esac
}

mode_down() {
	local mode=$1 k rc=0
	case $mode in
	none|paced) ;;
	fq-only) fq_only_down || rc=1 ;;
	tbf|tbf-default-burst)
		cni_direct_all "$mode" DEL || rc=1
		# The plugin's DEL removes its ifb only: a runtime deletes the
		# pod's veth, and its qdiscs (ingress; the TBF of an ingress
		# limit at root) with it. The veths stay here.
		for k in $ALL_PODS; do
			in_node tc qdisc del dev "pod${k}h" ingress 2>/dev/null || true
			in_node tc qdisc del dev "pod${k}h" root 2>/dev/null || true
		done ;;
	cni-bandwidth) chain_pods "$mode" del || rc=1 ;;
	*)
		if [ "$mode" = bwm-cni ]; then
			chain_pods "$mode" del || rc=1
		fi
		rm -f "$PODS_DIR"/pod*
		bwmd_stop || rc=1
		cp "$TMP/bwmd.log" "$R/$mode/bwmd.log" ;;
	esac
	return $rc
}
