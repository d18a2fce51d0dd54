#!/bin/bash
# unit test: 'systemd-analyze verify' and 'security' on bwm.service as
# 'meson install' lays it out (in a DESTDIR). verify checks that ExecStart=
# binaries exist, so in this copy only the prefix of the paths is rewritten
# to the DESTDIR; everything else is the installed unit.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:?}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
meson install -C "$BUILD_DIR" --destdir "$D" --no-rebuild --quiet >/dev/null
unit=$(find "$D" -path '*/systemd/system/bwm.service')
[ -n "$unit" ] || { echo "FAIL: no bwm.service installed"; exit 1; }
for f in tmpfiles.d/bwm.conf bwm/bwm.conf man8/bwmd.8 man8/bwmctl.8 man5/bwm.conf.5 sbin/bwmd sbin/bwmctl; do
	[ -n "$(find "$D" -path "*/$f")" ] || { echo "FAIL: $f not installed"; exit 1; }
done
prefix=$(sed -n 's|^ExecStart=\(.*\)/sbin/bwmd .*|\1|p' "$unit")
mkdir -p "$D/check"
sed "s|=$prefix/|=$D$prefix/|; s|$prefix/lib/tmpfiles.d|$D$prefix/lib/tmpfiles.d|" "$unit" >"$D/check/bwm.service"
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$D/check/bwm.service" 2>&1) || true
if [ -n "$out" ]; then
	echo "$out"
	echo "FAIL: systemd-analyze verify is not clean"
	exit 1
fi
systemd-analyze security --offline=yes "$D/check/bwm.service" | grep -E '✗|Overall'
