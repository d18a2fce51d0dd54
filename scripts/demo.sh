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

# Whether this kernel has fq: tried on a veth of a scratch namespace.
kernel_has_fq() {
	local ns="bwmdemo-probe$$" ok=1
	modprobe -q sch_fq 2>/dev/null || true
	ip netns add "$ns"
	if ip -n "$ns" link add probe0 type veth peer name probe1 &&
	   ip netns exec "$ns" tc qdisc add dev probe0 root fq 2>/dev/null; then
		ok=0
	fi
	ip netns del "$ns"
	return $ok
}

export BUILD_DIR=$PWD/$BUILD_DIR SRC_DIR=$PWD
if kernel_has_fq; then
	exec bash scripts/demo-run.sh
fi
echo "This kernel ($(uname -r)) has no fq qdisc: running the demo in the test VM (Debian 6.1 kernel)."
exec tests/vm/vm-run --timeout 300 -- bash scripts/demo-run.sh
