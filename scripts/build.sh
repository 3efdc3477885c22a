#!/bin/bash
# build.sh: configure and build natgw with meson/ninja.
#   build/       release-ish (debugoptimized, -O2 -g, -Werror): what the lab and
#                system tests run.
#   build-asan/  AddressSanitizer + UBSan (-Werror): what the unit tests run.
#   build-fuzz/  clang, ASan + UBSan, -Dfuzz=true: the libFuzzer harnesses of
#                tests/fuzz (suite 'fuzz'). Only when clang is installed; "all"
#                skips it with a note otherwise, "fuzz" fails.
# usage: scripts/build.sh [release|asan|fuzz|all]   (default: all)
# Idempotent: an existing build directory is reconfigured, not recreated.
# Environment: NINJA_JOBS (default: number of CPUs), CC (compiler, as meson reads it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

what=${1:-all}
jobs=${NINJA_JOBS:-$(nproc)}

# setup DIR OPTIONS...: configure DIR, or reconfigure it when it already exists.
setup() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp)
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" >"$log" 2>&1 || rc=$?
	else
		rm -rf "$dir"
		meson setup "$dir" "$@" >"$log" 2>&1 || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		cat "$log" >&2
		echo "build: meson setup $dir failed" >&2
	fi
	rm -f "$log"
	return "$rc"
}

# build DIR: compile everything in DIR.
build() {
	echo "build: ninja -C $1"
	ninja -C "$1" -j "$jobs"
}

case "$what" in
release | all)
	setup build --buildtype=debugoptimized -Dwerror=true -Db_ndebug=false
	build build
	;;&
asan | all)
	setup build-asan --buildtype=debug -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false
	build build-asan
	;;&
fuzz | all)
	# libFuzzer needs clang (and its runtime, libclang-rt-*-dev). Warnings
	# are not errors here (clang warns where gcc does not; build/ and
	# build-asan/ enforce -Werror); the harnesses themselves use -Werror.
	if command -v clang >/dev/null 2>&1; then
		CC=clang setup build-fuzz --buildtype=debugoptimized -Dwerror=false -Dfuzz=true \
			-Db_sanitize=address,undefined -Db_lundef=false
		build build-fuzz
	elif [ "$what" = fuzz ]; then
		echo "build: clang not found: cannot build the fuzz harnesses" >&2
		exit 1
	else
		echo "build: clang not found: build-fuzz skipped"
	fi
	;;
release | asan) ;;
*)
	echo "usage: $0 [release|asan|fuzz|all]" >&2
	exit 2
	;;
esac
