#!/bin/bash
# vm test: the whole netns suite inside the VM, on Debian 12's own 6.1
# kernel, which has sch_fq and modules as a real node's kernel does. The
# same scripts pass on the host kernel (6.18, no fq, no modules), so a test
# that assumes either kernel's gaps fails here or there. meson runs them as
# on the host, from the build dir the guest sees through its overlay.
set -euo pipefail
[ "${BWM_VM:-}" = 1 ] || { echo "SKIP: runs only inside tests/vm/vm-run"; exit 77; }
: "${BUILD_DIR:?}"
# What a node's kernel has as modules, loaded as they would be on first use.
modprobe -a veth sch_fq bridge
exec meson test -C "$BUILD_DIR" --no-rebuild --suite netns --verbose \
	--timeout-multiplier 2
