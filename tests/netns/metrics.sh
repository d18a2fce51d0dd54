#!/bin/bash
# Metrics (issue 17) through the real node_exporter: bwmd writes bwm.prom
# into a textfile directory; node_exporter (Debian's, unpacked by
# scripts/debian-tool, listening on loopback inside the node namespace)
# serves it; curl scrapes it. For a pod with known traffic the series carry
# bwmctl's own figures, both directions; promtool (Debian's) finds nothing wrong with what
# bwmctl and node_exporter print, nor with the example alert rules; a pod
# name with quotes, backslashes, a newline and a byte that is not UTF-8 is
# escaped as the format wants (node_exporter parses the file); an
# unwritable textfile directory is reported once and changes nothing else.
source "$(dirname "$0")/lib.sh"

NODE_EXPORTER=$("$SRC_DIR/scripts/debian-tool" prometheus-node-exporter /usr/bin/prometheus-node-exporter) ||
	{ echo "SKIP: no prometheus-node-exporter package through apt"; exit "$SKIP"; }
PROMTOOL=$("$SRC_DIR/scripts/debian-tool" prometheus /usr/bin/promtool) ||
	{ echo "SKIP: no prometheus package through apt"; exit "$SKIP"; }
PORT=19100

topo_node 1
topo_pod_routed 1
mkdir "$TMP/textfile"
write_config "$(printf '[datapath]\nqdisc = none\n[metrics]\ntextfile_dir = %s\ninterval = 1s' "$TMP/textfile")"
pod_file web-1 kubernetes.io/egress-bandwidth=10M kubernetes.io/ingress-bandwidth=20M bwm.io/interface=pod1h \
	bwm.io/pod-namespace=shop bwm.io/pod-name=web-1-7d9f
weird=$(printf 'we"ird\\\\na\nme\377')
printf 'kubernetes.io/egress-bandwidth="5M"\nbwm.io/ips="198.18.60.1"\n' >"$PODS_DIR/.weird"
mv "$PODS_DIR/.weird" "$PODS_DIR/$weird"
bwmd_start

bg_start ip netns exec "$NS_node" "$NODE_EXPORTER" --web.listen-address=127.0.0.1:$PORT \
	--collector.disable-defaults --collector.textfile --collector.textfile.directory="$TMP/textfile" \
	2>"$TMP/node_exporter.log"
scrape() {
	in_node curl -sf "http://127.0.0.1:$PORT/metrics"
}
wait_for 10 scrape || fail "node_exporter does not answer"

echo "== a pod with known traffic: 5 pings"
ip netns exec "$NS_pod1" ping -c 5 -i 0.05 -W 2 198.19.0.2 >/dev/null || fail "pod1 cannot reach the peer"
packets() {  # POD [ingress]: its packets (sent, or received), as bwmctl reads them
	in_node "$BWMCTL" --config "$TMP/bwm.conf" -i 0 --json status | python3 -c '
import json, sys
pods = {p["name"]: p for p in json.load(sys.stdin)["pods"]}
p = pods.get(sys.argv[1])
print("" if p is None else (p["ingress"] if len(sys.argv) > 2 else p)["packets"])' "$@"
}
want=$(packets web-1)
[ "$want" -ge 5 ] || fail "web-1 counted $want packets"
want_in=$(packets web-1 ingress)
[ "$want_in" -ge 5 ] || fail "web-1 received $want_in packets by bwmctl's count (5 replies)"
series='bwm_pod_sent_packets_total{kube_pod="web-1-7d9f",namespace="shop",pod="web-1"}'
scraped() {  # SERIES: its value as node_exporter serves it
	scrape | awk -v s="$1" '$1 == s { print $2 }'
}
scraped_is() {
	[ "$(scraped "$1")" = "$2" ]
}
# bwm.prom is rewritten every second.
wait_for 5 scraped_is "$series" "$want" ||
	fail "node_exporter serves '$(scraped "$series")' for $series, bwmctl says $want"
scrape >"$TMP/scrape"
grep -q '^node_textfile_scrape_error 0$' "$TMP/scrape" || fail "node_exporter could not parse bwm.prom"
has '^bwm_pod_egress_limit_bytes_per_second{kube_pod="web-1-7d9f",namespace="shop",pod="web-1"} 1.25e+06$' \
	cat "$TMP/scrape" || fail "no limit series for web-1"
has '^bwm_pod_ingress_limit_bytes_per_second{kube_pod="web-1-7d9f",namespace="shop",pod="web-1"} 2.5e+06$' \
	cat "$TMP/scrape" || fail "no ingress limit series for web-1"
# (Neighbour discovery reaches the pod whenever it likes: the count served,
# once bwm.prom has caught up, lies between bwmctl's before and after.)
series_in='bwm_pod_received_packets_total{kube_pod="web-1-7d9f",namespace="shop",pod="web-1"}'
scraped_at_least() {
	local v
	v=$(scraped "$1") && [ -n "$v" ] && [ "$v" -ge "$2" ]
}
wait_for 5 scraped_at_least "$series_in" "$want_in" ||
	fail "node_exporter serves '$(scraped "$series_in")' for $series_in, bwmctl says $want_in"
got_in=$(scraped "$series_in")
after_in=$(packets web-1 ingress)
[ "$got_in" -le "$after_in" ] || fail "web-1 received $got_in packets by the metrics, $after_in by bwmctl after"
has '^bwm_pod_ingress_dropped_packets_total{kube_pod="web-1-7d9f",namespace="shop",pod="web-1",reason="horizon"} 0$' \
	cat "$TMP/scrape" || fail "no ingress drops series for web-1"
# Pings are not queued at 10 Mbit/s: every one was stamped with no delay.
has "^bwm_pod_packet_delay_seconds_bucket{kube_pod=\"web-1-7d9f\",namespace=\"shop\",pod=\"web-1\",le=\"8.192e-06\"} $want\$" \
	cat "$TMP/scrape" || fail "web-1's delay histogram: $(grep 'delay_seconds_bucket.*web-1' "$TMP/scrape" | head -3)"
has '^bwm_uplink_up{uplink="up0"} 1$' cat "$TMP/scrape" || fail "no bwm_uplink_up for up0"
has '^bwm_pods{state="enforced"} 2$' cat "$TMP/scrape" || fail "bwm_pods{state=enforced} is not 2"

echo "== names escaped as the format says"
grep -q 'pod="we\\"ird\\\\\\\\na\\nme'$'\xef\xbf\xbd''"' "$TMP/scrape" ||
	fail "the weird name is not escaped: $(grep -a 'bwm_pod_info' "$TMP/scrape")"

echo "== promtool: what bwmctl prints, what node_exporter serves, the alert rules"
bwm_metrics >"$TMP/bwmctl.prom"
grep -q '^bwm_reconciles_total [1-9]' "$TMP/bwmctl.prom" || fail "bwmctl metrics has no node part"
for f in "$TMP/bwmctl.prom" "$TMP/textfile/bwm.prom"; do
	out=$("$PROMTOOL" check metrics <"$f" 2>&1) || fail "promtool check metrics $f: $out"
	[ -z "$out" ] || fail "promtool check metrics $f: $out"
done
"$PROMTOOL" check rules "$SRC_DIR/etc/prometheus/bwm-alerts.yml" || fail "promtool check rules"

echo "== an unwritable textfile directory: said once, nothing else changes"
sed -i "s|^textfile_dir = .*|textfile_dir = $TMP/no-such-dir|" "$TMP/bwm.conf"
kill -HUP "$BWMD_PID"
sleep 3.5
[ "$(grep -c 'Cannot write metrics for node_exporter' "$TMP/bwmd.log")" = 1 ] ||
	fail "the unwritable directory was reported $(grep -c 'Cannot write metrics' "$TMP/bwmd.log") times"
[ "$(packets web-1)" -ge "$want" ] || fail "web-1 is not enforced any more"
grep -q '^bwm_metrics_textfile_errors_total [1-9]' "$TMP/state/metrics-node.prom" ||
	fail "the failures are not counted"
echo PASS
