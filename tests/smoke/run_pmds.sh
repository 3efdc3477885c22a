#!/bin/bash
# natgw on net_ring and net_null: it starts, the ring carries its gratuitous ARP
# back to it (RX and TX both work), net_null's zero frames are all counted as
# drops by reason (nothing forwarded, no crash), SIGUSR1 prints the table and
# SIGTERM stops it with exit status 0.
# usage: run_pmds.sh NATGW_BINARY
set -euo pipefail
natgw=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/natgw-smoke.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

"$natgw" -c "$here/pmds.ini" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do
	grep -q "running with" "$dir/err" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
sleep 1
kill -USR1 "$pid"
sleep 0.5
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
fail=0
check() { # check DESCRIPTION CONDITION...
	local d=$1
	shift
	if "$@"; then echo "ok: $d"; else echo "FAIL: $d"; fail=1; fi
}
# value ROWNAME COLUMN: from the last counters table
port_col() { awk -v p="$1" -v c="$2" '$1 == p && $2 == "all" { v = $c } END { print v + 0 }' "$dir/out"; }
drop() { awk -v r="$1" '$1 == "drop" && $2 == r { v = $3 } END { print v + 0 }' "$dir/out"; }
tables=$(grep -c '==== end of counters ====' "$dir/out" || true)
check "exit status 0 (got $rc)" test "$rc" = 0
check "two counter tables (SIGUSR1 and exit), got $tables" test "$tables" = 2
check "ring port received its own gratuitous ARP (rx $(port_col r 3))" test "$(port_col r 3)" -ge 1
check "ring port transmitted (tx $(port_col r 5))" test "$(port_col r 5)" -ge 1
nrx=$(port_col n 3)
nd=$(drop eth_not_for_us)
check "null port received frames ($nrx)" test "$nrx" -gt 1000
check "every null frame counted as eth_not_for_us ($nd of $nrx)" test "$nd" = "$nrx"
check "nothing forwarded" test "$(port_col r 7)" = 0 -a "$(port_col n 7)" = 0
if [ "$fail" != 0 ]; then
	echo "---- stdout"; cat "$dir/out"; echo "---- stderr"; cat "$dir/err"
	exit 1
fi
echo "pmd smoke: PASS"
