#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bwm-cni install / uninstall on copies of the conflists in etc/cni/ (bridge,
# ptp, Calico, Flannel): the binary lands in the bin dir whole and
# executable; every bandwidth entry becomes bwm-cni with its capabilities,
# every other plugin and key stays; files without a bandwidth entry are not
# touched; an entry bwm cannot stand in for fails the install and is left
# alone; uninstall gives back the originals (as JSON) and keeps the binary
# unless --remove-binary.
set -euo pipefail
BUILD_DIR=${BUILD_DIR:?BUILD_DIR must name the meson build directory}
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CNI="$BUILD_DIR/bwm/bwm-cni"
T=$(mktemp -d /tmp/bwm-cni-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$T/orig" "$T/net.d"
cp "$SRC_DIR"/etc/cni/*.conflist "$T/orig/"
# Besides: a single-plugin .conf (no chain), a list without bandwidth, a
# link (someone else's file).
printf '{"cniVersion": "1.0.0", "name": "lo", "type": "loopback"}\n' > "$T/orig/99-loopback.conf"
printf '{"cniVersion": "1.0.0", "name": "plain", "plugins": [{"type": "ptp"}]}\n' > "$T/orig/20-plain.conflist"
touch -d '2020-01-01' "$T/orig/"*
cp -p "$T/orig/"* "$T/net.d/"
chmod 0600 "$T/net.d/10-calico.conflist"   # Calico's is private: the mode must stay
ln -s "$T/orig/10-flannel.conflist" "$T/net.d/30-link.conflist"

# compare DIR EXPECTED_TYPE: each conflist of DIR against its original.
compare() {
	python3 - "$T/orig" "$1" "$2" <<-'EOPY'
	import json, os, sys
	orig_dir, dir, want = sys.argv[1:4]
	for name in sorted(os.listdir(orig_dir)):
	    a = json.load(open(os.path.join(orig_dir, name)))
	    b = json.load(open(os.path.join(dir, name)))
	    if "plugins" not in a:
	        assert a == b, name
	        continue
	    assert set(a) == set(b) and all(a[k] == b[k] for k in a if k != "plugins"), name
	    assert len(a["plugins"]) == len(b["plugins"]), name
	    for p, q in zip(a["plugins"], b["plugins"]):
	        if p["type"] == "bandwidth":
	            assert q["type"] == want, (name, q)
	            assert q.get("capabilities") == p.get("capabilities") == {"bandwidth": True}, (name, q)
	            p, q = dict(p), dict(q)
	            del p["type"], q["type"]
	        assert p == q, (name, p, q)
	    print("  %s: plugins %s" % (name, [q["type"] for q in b["plugins"]]))
	EOPY
}

echo "== install"
"$CNI" install --bin-dir "$T/bin" --conf-dir "$T/net.d" --source "$CNI" || fail "install failed"
cmp "$CNI" "$T/bin/bwm-cni" || fail "the binary differs"
[ "$(stat -c %a "$T/bin/bwm-cni")" = 755 ] || fail "binary mode $(stat -c %a "$T/bin/bwm-cni")"
compare "$T/net.d" bwm-cni || fail "install changed more than the bandwidth entries"
[ "$(stat -c %a "$T/net.d/10-calico.conflist")" = 600 ] || fail "the conflist's mode changed"
for f in 99-loopback.conf 20-plain.conflist; do
	cmp "$T/orig/$f" "$T/net.d/$f" || fail "$f changed"
	[ "$(stat -c %Y "$T/net.d/$f")" = "$(stat -c %Y "$T/orig/$f")" ] || fail "$f was rewritten"
done
[ -L "$T/net.d/30-link.conflist" ] || fail "the link was replaced"
cmp "$T/orig/10-flannel.conflist" "$(readlink "$T/net.d/30-link.conflist")" || fail "the link's target changed"
ls -A "$T/net.d" "$T/bin" | grep -q '^\.' && fail "temporary files left: $(ls -A "$T/net.d" "$T/bin")"

echo "== install again: nothing to change"
cp -p "$T/net.d/10-bridge.conflist" "$T/bridge.installed"
"$CNI" install --bin-dir "$T/bin" --conf-dir "$T/net.d" --source "$CNI" || fail "second install failed"
cmp "$T/bridge.installed" "$T/net.d/10-bridge.conflist" || fail "a second install changed the file"

echo "== the installed plugin answers VERSION"
CNI_COMMAND=VERSION "$T/bin/bwm-cni" | grep -q '"1.0.0"' || fail "installed bwm-cni does not answer VERSION"

echo "== uninstall"
"$CNI" uninstall --bin-dir "$T/bin" --conf-dir "$T/net.d" || fail "uninstall failed"
compare "$T/net.d" bandwidth || fail "uninstall did not give the originals back"
[ -x "$T/bin/bwm-cni" ] || fail "uninstall removed the binary without --remove-binary"
"$CNI" uninstall --remove-binary --bin-dir "$T/bin" --conf-dir "$T/net.d" || fail "uninstall --remove-binary failed"
[ ! -e "$T/bin/bwm-cni" ] || fail "the binary is still there"

echo "== a bandwidth entry bwm cannot stand in for: install fails, the file stays"
printf '{"cniVersion": "1.0.0", "name": "s", "plugins": [{"type": "ptp"}, {"type": "bandwidth", "unshapedSubnets": ["10.0.0.0/8"]}]}\n' \
	> "$T/net.d/05-subnets.conflist"
cp "$T/net.d/05-subnets.conflist" "$T/subnets.orig"
if "$CNI" install --bin-dir "$T/bin" --conf-dir "$T/net.d" --source "$CNI" 2> "$T/err"; then
	fail "install passed"
fi
grep -q "05-subnets.conflist.*unshapedSubnets" "$T/err" || fail "no reason given: $(cat "$T/err")"
cmp "$T/subnets.orig" "$T/net.d/05-subnets.conflist" || fail "the refused file changed"
grep -q '"bwm-cni"' "$T/net.d/10-bridge.conflist" || fail "the other files were not installed"

echo "== usage"
"$CNI" --help | grep -q "bwm-cni install" || fail "no usage"
"$CNI" frobnicate 2>/dev/null && fail "an unknown command passed"
out=$("$CNI" < /dev/null) && fail "without CNI_COMMAND it passed"
grep -q '"code":4' <<< "$out" || fail "without CNI_COMMAND: $out"
echo "PASS"
