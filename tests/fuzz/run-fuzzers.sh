#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs each libFuzzer target of BUILD_DIR for SECONDS on a scratch copy of
# its seed corpus (the repository is never written) and fails on the first
# crash, sanitizer report, leak or timeout. A failing input is kept in
# BUILD_DIR/fuzz-artifacts/TARGET/ to reproduce with: TARGET FILE
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build_dir=$(cd "$1" && pwd)
seconds=$2
src_dir=$(cd "$(dirname "$0")" && pwd)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bwm-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# UBSan only prints by default; a report must fail the run like a crash.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=0
for target in fuzz_quantity fuzz_annotations fuzz_cni; do
	binary=$build_dir/tests/fuzz/$target
	if [ ! -x "$binary" ]; then
		echo "$binary: missing; configure with CC=clang and -Dfuzz=true" >&2
		exit 1
	fi
	artifacts=$build_dir/fuzz-artifacts/$target
	mkdir -p "$scratch/$target" "$artifacts"
	cp "$src_dir/corpus/$target/"* "$scratch/$target/"
	dict=$src_dir/${target#fuzz_}.dict

	echo "== $target, ${seconds}s"
	# -timeout: one input taking a second is a hang for parsers of a few KiB.
	if "$binary" -max_total_time="$seconds" -timeout=1 -max_len=4096 -rss_limit_mb=2048 \
		-dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
		"$scratch/$target" 2>"$scratch/$target.log"; then
		grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+[[:space:]]+DONE)' \
			"$scratch/$target.log" || true
	else
		tail -n 60 "$scratch/$target.log" >&2
		echo "$target: FAILED; inputs in $artifacts" >&2
		failed=1
	fi
done
exit $failed
