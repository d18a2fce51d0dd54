#!/bin/bash
# Installs what bwm needs, builds it, and runs the whole test suite: unit,
# bpf, netns, vm (a qemu VM whose kernel has sch_fq), the benchmark's short
# profile, and a bounded fuzzing run. Run as root on Debian 12.
#
#   scripts/test.sh [BUILD_DIR]     (default: build)
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
FUZZ_BUILD_DIR="$BUILD_DIR-fuzz"

scripts/install-deps.sh

[ -d "$BUILD_DIR" ] || meson setup "$BUILD_DIR"
ninja -C "$BUILD_DIR"

# libFuzzer needs clang for the whole build, with ASan and UBSan.
if [ ! -d "$FUZZ_BUILD_DIR" ]; then
	CC=clang meson setup "$FUZZ_BUILD_DIR" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null
fi
ninja -C "$FUZZ_BUILD_DIR"

status=0
meson test -C "$BUILD_DIR" --print-errorlogs || status=1
meson test -C "$FUZZ_BUILD_DIR" --suite fuzz --print-errorlogs || status=1

if [ -f "$BUILD_DIR/bench-results/ci/results.md" ]; then
	echo
	echo "== benchmark (short profile): $BUILD_DIR/bench-results/ci"
	cat "$BUILD_DIR/bench-results/ci/results.md"
fi

# One closing line over both runs, in the plain form any CI reads.
python3 - "$BUILD_DIR" "$FUZZ_BUILD_DIR" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for build in sys.argv[1:]:
    try:
        lines = open(build + "/meson-logs/testlog.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif result == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
PY
exit $status
