#!/bin/sh
# Installs the Debian 12 packages bwm needs to build, test, benchmark and demo.
# Used by both quick-start commands in README.md; safe to run again.
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: must run as root (apt-get install)" >&2
	exit 1
fi

packages="
	build-essential pkg-config meson ninja-build python3 python3-yaml
	clang llvm lld libclang-rt-14-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev libiniparser-dev libsystemd-dev libcmocka-dev libjansson-dev
	iproute2 iputils-ping curl ethtool iperf3 sockperf containernetworking-plugins gnuplot-nox jq wireguard-tools
	qemu-system-x86 busybox-static kmod cpio xz-utils valgrind systemd procps
"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "install-deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
