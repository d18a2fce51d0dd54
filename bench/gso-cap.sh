#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Experiment (issue 14's hypotheses table, docs/design.md): does a smaller
# GSO packet cut the delay a low-limit pod's packets are stamped with? A
# 10 Mbit/s pod, 4 bulk TCP flows (IPv4, CUBIC) and an RPC probe
# (rr_prober --rate 100) from the same pod, for each gso_max_size of the
# pod's eth0 in GSO_SIZES. Prints, from bwm's own counters over the bulk
# run: mean packet size (bytes / packets), mean stamped delay (the delay
# histogram's sum / count), goodput, and the probe's p50/p99. Figures only,
# no pass/fail. Run it in virtual time:
#
#   BUILD_DIR=build tests/vm/vm-run --clock virtual -- bash bench/gso-cap.sh
source "$SRC_DIR/tests/netns/lib.sh"

[ "${BWM_VM:-}" = 1 ] || { echo "bench/gso-cap.sh runs inside tests/vm/vm-run" >&2; exit 2; }
modprobe -a veth sch_fq cls_bpf sch_ingress || fail "modules missing in $(uname -r)"

PROBER="$BUILD_DIR/bench/rr_prober"
GSO_SIZES=${GSO_SIZES:-65536 16384 4096}
BULK_SECONDS=10
PROBE_SECONDS=5

one_limited_pod 1 10

echo "| gso_max_size | mean packet bytes | mean stamped delay ms | goodput Mbit/s | probe p50 / p99 us |"
echo "|---:|---:|---:|---:|---:|"
for gso in $GSO_SIZES; do
	ip -n "$NS_pod1" link set dev eth0 gso_max_size "$gso"
	ip netns exec "$NS_pod1" iperf3 -c 198.19.0.2 -p 5201 -P 4 -t $BULK_SECONDS -O 2 -J \
		>"$TMP/bulk.json" &
	bulk=$!
	sleep 2
	bwm_metrics >"$TMP/before.prom"
	"$PROBER" client --server 198.19.0.2 --port 7000 --netns "$NS_pod1" --size 64 --rate 100 \
		--time $PROBE_SECONDS --warmup 0.5 >"$TMP/probe.json"
	bwm_metrics >"$TMP/after.prom"
	wait $bulk || fail "iperf3 failed"
	python3 - "$gso" "$TMP/before.prom" "$TMP/after.prom" "$TMP/bulk.json" "$TMP/probe.json" <<'PY'
import json, re, sys

def series(path):
    out = {}
    for line in open(path):
        m = re.match(r'(bwm_pod_\w+)\{(.*)\} (\S+)$', line)
        if m and 'pod="web-1"' in m.group(2) and 'le="' not in m.group(2):
            out[m.group(1)] = float(m.group(3))
    return out

b, a = series(sys.argv[2]), series(sys.argv[3])
d = {k: a[k] - b.get(k, 0) for k in a}
count = d["bwm_pod_packet_delay_seconds_count"]
goodput = json.load(open(sys.argv[4]))["end"]["sum_received"]["bits_per_second"] / 1e6
probe = json.load(open(sys.argv[5]))
print("| %s | %.0f | %.1f | %.2f | %.0f / %.0f |" % (
    sys.argv[1], d["bwm_pod_sent_bytes_total"] / max(d["bwm_pod_sent_packets_total"], 1),
    d["bwm_pod_packet_delay_seconds_sum"] / max(count, 1) * 1e3, goodput,
    probe["p50_us"], probe["p99_us"]))
PY
done
bwmd_stop
