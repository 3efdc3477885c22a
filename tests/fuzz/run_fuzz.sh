#!/bin/bash
# run_fuzz.sh: run one libFuzzer harness for a bounded time (meson suite 'fuzz').
# usage: run_fuzz.sh HARNESS SEED_DIR SECONDS [LIBFUZZER_FLAGS...]
# The seed corpus is copied to a temporary directory (the source tree is never
# written). Exit 0 when the time ran out without a finding; 1 on any crash,
# sanitizer report, leak, timeout or out-of-memory (libFuzzer's own exit codes,
# 77 among them, would read as "skipped" to meson). Findings are kept in
# ./fuzz-artifacts/NAME/ (relative to the test's working directory, the build
# directory under meson) and printed as hex; reproduce with: HARNESS FILE.
# Environment: NATGW_FUZZ_SECONDS overrides SECONDS; NATGW_FUZZ_NICE (default
# 0) runs the harness under nice -n N.
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: $0 HARNESS SEED_DIR SECONDS [FLAGS...]" >&2
	exit 2
fi
exe=$1
seeds=$2
secs=${NATGW_FUZZ_SECONDS:-$3}
shift 3
name=$(basename "$exe")

tmp=$(mktemp -d "/tmp/natgw-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/corpus" "$tmp/artifacts"
if [ -d "$seeds" ]; then
	cp -r "$seeds"/. "$tmp/corpus/"
fi
echo "$name: $(find "$tmp/corpus" -type f | wc -l) seeds, ${secs}s"

# UBSan only reports and goes on unless told to stop; LSan on for leaks.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}

# Known findings first (tests/fuzz/crashes/NAME/*): each must now pass.
crashes=$(cd "$seeds/../.." 2>/dev/null && pwd)/crashes/$name
if [ -d "$crashes" ] && [ -n "$(ls -A "$crashes" 2>/dev/null)" ]; then
	bad=0
	for f in "$crashes"/*; do
		if ! "$exe" "$@" "$f" >"$tmp/regress.log" 2>&1; then
			echo "$name: known finding still fails: $f"
			grep -E 'INVARIANT|ERROR|SUMMARY|^ +#[0-9]+ ' "$tmp/regress.log" | head -n 25
			bad=1
		fi
	done
	if [ "$bad" = 1 ]; then
		echo "$name: FAILED (reproducers in $crashes; see tests/fuzz/crashes/README)"
		exit 1
	fi
	echo "$name: $(find "$crashes" -type f | wc -l) known finding(s) pass"
fi

rc=0
nice -n "${NATGW_FUZZ_NICE:-0}" "$exe" -max_total_time="$secs" -rss_limit_mb=2048 \
	-timeout=20 -print_final_stats=1 -artifact_prefix="$tmp/artifacts/" "$@" \
	"$tmp/corpus" || rc=$?

found=$(find "$tmp/artifacts" -type f | head -n 20)
if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
	echo "$name: no findings in ${secs}s"
	exit 0
fi
echo "$name: FAILED (libFuzzer exit $rc)"
if [ -n "$found" ]; then
	keep="$PWD/fuzz-artifacts/$name"
	mkdir -p "$keep"
	for f in $found; do
		cp "$f" "$keep/"
		echo "---- $keep/$(basename "$f") ($(stat -c %s "$f") bytes); reproduce: $exe $keep/$(basename "$f")"
		od -A d -t x1 -v "$f" | head -n 40
	done
fi
exit 1
