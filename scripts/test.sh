#!/bin/bash
# Installs what bwm needs, builds it, and runs the whole test suite, fast
# tiers first: unit and bpf (seconds), netns (about two minutes), fuzz and
# netns again on the clang ASan/UBSan build (a few minutes with the build),
# vm (qemu VMs with Debian's 6.1 kernel, which has sch_fq; most of the
# time), and the benchmark's short profile. Each test is printed as it
# finishes. Run as root on Debian 12.
#
#   scripts/test.sh [BUILD_DIR]     (default: build)
set -euo pipefail

cd "$(dirname "$0")/.."
# Debian's own tools, as on a fresh node, not what a developer's shell puts
# first: a pyenv shim costs ~100 ms per python3 here, seconds in the VM,
# which gets this PATH too.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
BUILD_DIR=${1:-build}
FUZZ_BUILD_DIR="$BUILD_DIR-fuzz"
start=$SECONDS

scripts/install-deps.sh

[ -d "$BUILD_DIR" ] || meson setup "$BUILD_DIR"
ninja -C "$BUILD_DIR"

status=0
LOGS=()
# tier NAME BUILD SUITE...: one meson run, logged as meson-logs/NAME.json.
tier() {
	local name=$1 build=$2 args=() suite
	shift 2
	for suite in "$@"; do
		args+=(--suite "$suite")
	done
	echo
	echo "== $name ($(( (SECONDS - start) / 60 )) min in)"
	meson test -C "$build" --no-rebuild --print-errorlogs --logbase "$name" "${args[@]}" || status=1
	LOGS+=("$build/meson-logs/$name.json")
}

tier unit-bpf "$BUILD_DIR" unit bpf
tier netns "$BUILD_DIR" netns

# libFuzzer needs clang for the whole build, with ASan and UBSan.
if [ ! -d "$FUZZ_BUILD_DIR" ]; then
	CC=clang meson setup "$FUZZ_BUILD_DIR" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null
fi
ninja -C "$FUZZ_BUILD_DIR"
tier fuzz "$FUZZ_BUILD_DIR" fuzz
# The daemon's tests again on that build, under ASan and UBSan.
tier netns-sanitized "$FUZZ_BUILD_DIR" netns

tier vm "$BUILD_DIR" vm
tier bench "$BUILD_DIR" bench

if [ -f "$BUILD_DIR/bench-results/ci/results.md" ]; then
	echo
	echo "== benchmark (short profile): $BUILD_DIR/bench-results/ci"
	cat "$BUILD_DIR/bench-results/ci/results.md"
fi

# One closing line over every tier, in the plain form any CI reads.
python3 - "$(( (SECONDS - start) / 60 ))" "${LOGS[@]}" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for log in sys.argv[2:]:
    try:
        lines = open(log).read().splitlines()
    except OSError:
        counts["failed"] += 1   # a tier that left no log did not run
        continue
    for line in lines:
        result = json.loads(line)["result"]
        if result in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif result == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
counts["minutes"] = int(sys.argv[1])
print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped in %(minutes)d min" % counts)
PY
exit $status
