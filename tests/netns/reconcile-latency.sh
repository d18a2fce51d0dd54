#!/bin/bash
# How fast pod files reach the maps: 100 limit changes of one pod (median
# and worst) and 1000 pods written at once. Records the figures; asserts
# only generous sanity bounds (a shared machine is noisy).
source "$(dirname "$0")/lib.sh"

topo_node 1
write_config "$(printf 'max_pods = 2048\n[datapath]\nqdisc = none')"
bwmd_start
out=$(in_node "$BUILD_DIR/tests/netns/reconcile_latency" "$PODS_DIR" "$PIN_DIR" 100 1000) ||
	fail "measurement failed"
echo "$out"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["change_worst_ms"] < 2000, r
assert r["pods_all_in_maps_ms"] < 60000, r' "$out" || fail "beyond the sanity bounds"
bwmd_stop
echo "PASS"
