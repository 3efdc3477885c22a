#!/bin/bash
# run-tests.sh: the whole natgw test run (what CI runs).
#   1. scripts/install-deps.sh      (NATGW_SKIP_DEPS=1 skips it)
#   2. scripts/build.sh             build/ (release-ish) and build-asan/ (ASan+UBSan)
#   3. meson test -C build-asan     suites unit, pcap, smoke (those that exist)
#   4. scripts/build.sh fuzz and    libFuzzer harnesses (clang; SKIP without it),
#      meson test -C build-fuzz     suite fuzz, each for a bounded time
#   5. tests/system/test_*.sh       netns lab + real clients against build/natgw
# Prints one PASS/FAIL/SKIP line per test, the output of failed tests, and ends
# with exactly one line "N passed, N failed, N skipped". Exit 0 only when nothing
# failed. The lab is torn down (and stray lab processes ended) on every exit.
# usage: scripts/run-tests.sh [PATTERN]   (only system tests whose name matches)
# Environment: NATGW_SYSTEST_TIMEOUT (per system test, default 300 s),
# LAB_KERNEL_ROUTER=1 (system tests against the kernel stand-in), NATGW_LAB_PMD,
# NATGW_FUZZ_SECONDS (run time of each fuzz harness; default per harness, the
# suite stays under ~90 s), NATGW_SKIP_FUZZ=1 (skip the fuzz suite).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PATTERN=${1:-}
SYSTEST_TIMEOUT=${NATGW_SYSTEST_TIMEOUT:-300}
RESULTS=$ROOT/build/test-results
N_PASS=0
N_FAIL=0
N_SKIP=0
CHILD=
FAILED_NAMES=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -TERM "$CHILD" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$CHILD" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$CHILD" 2>/dev/null
	fi
	# lab down stops natgw and ends every process left in the lab namespaces
	# (nginx, socat, tcpdump...), by pid.
	if [ "$(id -u)" -eq 0 ]; then
		"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "run-tests: interrupted"; exit 130' INT
trap 'echo "run-tests: terminated"; exit 143' TERM

# result NAME STATUS [LOG]: record and print one test's result.
result() {
	local name=$1 status=$2 log=${3:-}
	case "$status" in
	PASS) N_PASS=$((N_PASS + 1)) ;;
	SKIP) N_SKIP=$((N_SKIP + 1)) ;;
	*)
		N_FAIL=$((N_FAIL + 1))
		FAILED_NAMES+=("$name")
		;;
	esac
	echo "$status $name"
	if [ "$status" = FAIL ] && [ -n "$log" ] && [ -f "$log" ]; then
		echo "---- output of $name ($log) ----"
		tail -n 150 "$log"
		echo "---- end of $name ----"
	fi
}

section() { printf '\n==== %s ====\n' "$*"; }

section "dependencies"
if [ "${NATGW_SKIP_DEPS:-0}" = 1 ]; then
	echo "NATGW_SKIP_DEPS=1: not installing"
else
	scripts/install-deps.sh
fi

section "build"
build_ok=1
build_log=$(mktemp /tmp/natgw-build.XXXXXX)
if ! { scripts/build.sh release && scripts/build.sh asan; } >"$build_log" 2>&1; then
	build_ok=0
fi
mkdir -p "$RESULTS"
mv "$build_log" "$RESULTS/build.log"
if [ "$build_ok" = 1 ]; then
	tail -n 3 "$RESULTS/build.log"
	result build PASS
else
	result build FAIL "$RESULTS/build.log"
fi

# meson_suite DIR SUITE: run one meson suite of DIR, one result line per test.
meson_suite() {
	local dir=$1 suite=$2 log json
	log=$RESULTS/meson-$suite.log
	json=$dir/meson-logs/suite-$suite.json
	rm -f "$json"
	meson test -C "$dir" --suite "$suite" --logbase "suite-$suite" \
		--print-errorlogs --num-processes 2 >"$log" 2>&1 || true
	if [ ! -s "$json" ]; then
		result "meson:$suite" FAIL "$log"
		return
	fi
	while IFS=$'\t' read -r name res; do
		case "$res" in
		OK | EXPECTEDFAIL) result "$name" PASS ;;
		SKIP) result "$name" SKIP ;;
		*) result "$name" FAIL "$log" ;;
		esac
	done < <(jq -r '[.name, .result] | @tsv' "$json")
}

# meson suites: one result line per meson test.
section "meson tests (build-asan)"
if [ "$build_ok" = 1 ]; then
	suites=$(meson introspect build-asan --tests 2>/dev/null |
		jq -r '.[].suite[]' | sed 's/^.*://' | sort -u)
	for suite in unit pcap smoke; do
		if ! grep -qx "$suite" <<<"$suites"; then
			echo "(no '$suite' suite yet)"
			continue
		fi
		meson_suite build-asan "$suite"
	done
else
	echo "(build failed: meson tests not run)"
fi

# fuzz suite: libFuzzer harnesses built with clang in build-fuzz (a failure
# to build them is reported on its own line and does not stop the rest).
section "fuzz tests (build-fuzz, libFuzzer)"
if [ "${NATGW_SKIP_FUZZ:-0}" = 1 ]; then
	echo "NATGW_SKIP_FUZZ=1: fuzz suite not run"
	result fuzz SKIP
elif ! command -v clang >/dev/null 2>&1; then
	echo "(clang not installed: fuzz suite skipped)"
	result fuzz SKIP
else
	fuzz_log=$RESULTS/build-fuzz.log
	if scripts/build.sh fuzz >"$fuzz_log" 2>&1; then
		tail -n 1 "$fuzz_log"
		if meson introspect build-fuzz --tests 2>/dev/null | jq -r '.[].suite[]' |
			sed 's/^.*://' | grep -qx fuzz; then
			meson_suite build-fuzz fuzz
		else
			echo "(build-fuzz has no 'fuzz' suite)"
			result fuzz SKIP
		fi
	else
		result build-fuzz FAIL "$fuzz_log"
	fi
fi

section "system tests (netns lab, build/natgw)"
NATGW_BIN=${NATGW_BIN:-$ROOT/build/natgw}
if [ ! -x "$NATGW_BIN" ] && [ -x "$ROOT/build/src/dataplane/natgw" ]; then
	NATGW_BIN=$ROOT/build/src/dataplane/natgw
fi
export NATGW_BIN
echo "natgw: $NATGW_BIN"
if [ "${LAB_KERNEL_ROUTER:-0}" = 1 ]; then
	echo "LAB_KERNEL_ROUTER=1: the kernel of natgw-gw routes instead of natgw"
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "(not root: system tests skipped)"
fi
scripts/lab.sh down >/dev/null 2>&1 || true
for t in tests/system/test_*.sh; do
	name=system/$(basename "${t%.sh}")
	if [ -n "$PATTERN" ] && [[ "$name" != *$PATTERN* ]]; then
		continue
	fi
	if [ "$(id -u)" -ne 0 ]; then
		result "$name" SKIP
		continue
	fi
	log=$RESULTS/$(basename "${t%.sh}").log
	start=$SECONDS
	rc=0
	timeout -k 15 "$SYSTEST_TIMEOUT" "$t" </dev/null >"$log" 2>&1 &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	case "$rc" in
	0) status=PASS ;;
	77) status=SKIP ;;
	124 | 137)
		echo "(timed out after ${SYSTEST_TIMEOUT}s)" >>"$log"
		status=FAIL
		;;
	*) status=FAIL ;;
	esac
	result "$name" "$status" "$log"
	if [ "$status" = SKIP ]; then
		grep -m1 '^SKIP' "$log" | sed 's/^/    /' || true
	fi
	echo "    ($((SECONDS - start)) s, log $log)"
	# A test that died hard may leave the lab behind: start the next clean.
	scripts/lab.sh down >/dev/null 2>&1 || true
done

section "summary"
if [ "${#FAILED_NAMES[@]}" -gt 0 ]; then
	echo "failed: ${FAILED_NAMES[*]}"
fi
echo "$N_PASS passed, $N_FAIL failed, $N_SKIP skipped"
[ "$N_FAIL" -eq 0 ]
