# shellcheck shell=bash disable=SC2034
# lib.sh: helpers for the natgw system tests (tests/system/test_*.sh).
# Source it, then call lab_begin: the netns lab is created and natgw (or, with
# LAB_KERNEL_ROUTER=1, the kernel of natgw-gw as a stand-in) is started; an EXIT
# trap always stops natgw, the background servers the test registered with bg_add,
# removes the namespaces and the test's temp dir. Assertions print one
# "PASS: ..." / "FAIL: ..." line each; finish exits 0 (all passed) or 1.
# A test exits 77 (skip) through skip.
#
# Environment: NATGW_BIN (natgw binary, default build/natgw), LAB_KERNEL_ROUTER=1
# (kernel router stand-in: counter checks are skipped), NATGW_LAB_PMD, and
# NATGW_TEST_KEEP=1 (leave the lab up after the test, for debugging).

set -euo pipefail

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SYS_DIR/../.." && pwd)
LAB=$ROOT/scripts/lab.sh
if [ -z "${NATGW_BIN:-}" ]; then
	NATGW_BIN=$ROOT/build/natgw
	[ -x "$NATGW_BIN" ] || [ ! -x "$ROOT/build/src/dataplane/natgw" ] ||
		NATGW_BIN=$ROOT/build/src/dataplane/natgw
fi
export NATGW_BIN
NATGW_LOG=/run/natgw-lab/natgw.log
TEST_NAME=$(basename "${0%.sh}")
T=$(mktemp -d "/tmp/natgw-$TEST_NAME.XXXXXX")
chmod 755 "$T"
N_PASS=0
N_FAIL=0
BG_PIDS=()
LAB_STARTED=0

# Names of the namespaces and the addresses in them (see scripts/lab.sh).
P1=natgw-priv1
P2=natgw-priv2
INET=natgw-inet
GW=natgw-gw
# (the variables here are used by the tests that source this file)
P1_IP=10.0.1.10 P2_IP=10.0.2.10 INET_IP=203.0.113.10
GW_IN1=10.0.1.1 GW_IN2=10.0.2.1 GW_OUT=203.0.113.1

say() { echo "[$TEST_NAME] $*"; }

kernel_mode() { [ "${LAB_KERNEL_ROUTER:-0}" = 1 ]; }

# nsx NS CMD...: run CMD in a lab namespace.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

pass() {
	N_PASS=$((N_PASS + 1))
	echo "PASS: $TEST_NAME: $*"
}

fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $TEST_NAME: $*"
}

# skip REASON: the whole test is skipped (exit 77).
skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# check DESC CMD...: PASS when CMD exits 0; its output is shown on failure.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc (exit $rc)"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
}

# check_grep DESC FILE REGEX: PASS when the file has a line matching REGEX (ERE).
check_grep() {
	if grep -Eq -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1 (no line matching /$3/ in:)"
		tail -n 20 "$2" | sed 's/^/    | /'
	fi
}

# check_ge DESC ACTUAL MIN: PASS when ACTUAL >= MIN (integers).
check_ge() {
	if [ "$2" -ge "$3" ]; then
		pass "$1 ($2 >= $3)"
	else
		fail "$1 ($2 < $3)"
	fi
}

# check_eq DESC ACTUAL EXPECTED: string equality.
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1 ($2)"
	else
		fail "$1 (got '$2', expected '$3')"
	fi
}

# need CMD...: skip the test when one of the commands is missing.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed (scripts/install-deps.sh)"
	done
}

# need_natgw: skip when the natgw binary is not built.
need_natgw() {
	[ -x "$NATGW_BIN" ] || skip "$NATGW_BIN not built (scripts/build.sh)"
}

# bg_add PID: a background process to end (by pid) at teardown.
bg_add() { BG_PIDS+=("$1"); }

# bg_kill_all: end the registered background processes.
bg_kill_all() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
	BG_PIDS=()
}

teardown() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	bg_kill_all
	if [ "$N_FAIL" -gt 0 ] && [ -s "$NATGW_LOG" ] && ! kernel_mode; then
		echo "---- natgw log (last 30 lines) ----"
		tail -n 30 "$NATGW_LOG"
		echo "-----------------------------------"
	fi
	if [ "${NATGW_TEST_KEEP:-0}" = 1 ]; then
		say "NATGW_TEST_KEEP=1: lab left up, temp dir $T"
	else
		[ "$LAB_STARTED" = 1 ] && "$LAB" down >/dev/null 2>&1
		rm -rf "$T"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lab_begin: create the lab and start the router (natgw or the kernel stand-in)
# with config LAB_CONFIG (default: config/lab.ini).
lab_begin() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	need ip ping ethtool
	if ! kernel_mode; then
		need_natgw
	fi
	LAB_STARTED=1
	"$LAB" up >"$T/lab-up.log" 2>&1 || {
		cat "$T/lab-up.log"
		fail "lab up"
		exit 1
	}
	if ! "$LAB" start ${LAB_CONFIG:+"$LAB_CONFIG"} >"$T/lab-start.log" 2>&1; then
		cat "$T/lab-start.log"
		fail "router start"
		exit 1
	fi
	if grep -q 'retrying once with net_af_packet' "$T/lab-start.log"; then
		say "note: natgw fell back to net_af_packet (af_xdp did not come up)"
	fi
	if kernel_mode; then
		say "router: kernel of natgw-gw (LAB_KERNEL_ROUTER=1)"
	else
		say "router: natgw ($(cat /run/natgw-lab/pmd 2>/dev/null || echo '?') PMD)"
	fi
}

# natgw_running: natgw still runs (always true for the kernel stand-in).
natgw_running() {
	kernel_mode && return 0
	"$LAB" status >/dev/null 2>&1
}

# counters_snapshot FILE: SIGUSR1 natgw and save the table it prints.
counters_snapshot() {
	"$LAB" stats >"$1" 2>&1
}

# counter FILE NAME: value of counter NAME in a table saved by counters_snapshot:
# the first integer after the word NAME (or NAME: / NAME=) on the last line
# naming it; 0 when no line names it.
counter() {
	awk -v n="$2" '
	{
		for (i = 1; i <= NF; i++) {
			f = $i
			if (f ~ ("^" n "[=:][0-9]+$")) {
				sub("^" n "[=:]", "", f); v = f; found = 1; break
			}
			sub(/[:=,|]+$/, "", f)
			if (f == n) {
				for (j = i + 1; j <= NF; j++) {
					g = $j; gsub(/[,|]/, "", g)
					if (g ~ /^[0-9]+$/) { v = g; found = 1; break }
				}
				break
			}
		}
	}
	END { print (found ? v : 0) }' "$1"
}

# counter_named FILE NAME: true when the table has a line naming NAME.
counter_named() {
	grep -Eq "(^|[^a-z0-9_])$2([^a-z0-9_]|$)" "$1"
}

# wait_until TIMEOUT CMD...: retry CMD every 0.2 s until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$deadline" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# ping_ok NS DST [ARGS...]: ping 3 times with 0% loss.
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	nsx "$ns" ping -c 3 -i 0.2 -W 2 "$@" "$dst"
}

# finish: summary line and exit status.
finish() {
	if [ "$N_FAIL" -eq 0 ]; then
		say "all $N_PASS checks passed"
		exit 0
	fi
	say "$N_FAIL of $((N_PASS + N_FAIL)) checks failed"
	exit 1
}
