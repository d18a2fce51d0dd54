#!/bin/bash
# Installs what bwm needs, builds it, and runs the demo: three pods limited
# to 10, 50 and 200 Mbit/s send at once, bwmd paces them under fq, a limit
# changes live, bwmctl shows achieved rates against limits. Run as root.
#
# Pacing needs the fq qdisc. On a kernel that has it (Debian's has sch_fq as
# a module) the demo runs here, in network namespaces of its own; on one
# without it, inside the test VM (tests/vm/vm-run), whose kernel has it.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

scripts/install-deps.sh
[ -d "$BUILD_DIR" ] || meson setup "$BUILD_DIR" >/dev/null
ninja -C "$BUILD_DIR" >/dev/null

export BUILD_DIR=$PWD/$BUILD_DIR SRC_DIR=$PWD
if scripts/kernel-has-fq; then
	exec bash scripts/demo-run.sh
fi
echo "This kernel ($(uname -r)) has no fq qdisc: running the demo in the test VM (Debian 6.1"
echo "kernel, in virtual time, so the figures do not depend on what else this machine runs)."
exec tests/vm/vm-run --clock virtual --timeout 300 -- bash scripts/demo-run.sh
