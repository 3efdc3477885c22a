#!/bin/bash
# natgw on net_ring and net_null: it starts, the ring carries its gratuitous ARP
# back to it (RX and TX both work), net_null's zero frames are all counted as
# drops by reason (nothing forwarded, no crash), SIGUSR1 prints the table and
# SIGTERM stops it with exit status 0.
# usage: run_pmds.sh NATGW_BINARY
set -euo pipefail
natgw=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/natgw_run.sh
. "$here/../lib/natgw_run.sh"
natgw_run_init
dir=$NATGW_DIR

natgw_run_start "$natgw" "$here/pmds.ini"
sleep 1
kill -USR1 "$NATGW_PID"
sleep 0.5
natgw_run_stop
rc=$NATGW_RC
fail=0
check() { # check DESCRIPTION CONDITION...
	local d=$1
	shift
	if "$@"; then echo "ok: $d"; else echo "FAIL: $d"; fail=1; fi
}
# value ROWNAME COLUMN: from the last counters table
port_col() { awk -v p="$1" -v c="$2" '$1 == p && $2 == "all" { v = $c } END { print v + 0 }' "$dir/stdout"; }
drop() { awk -v r="$1" '$1 == "drop" && $2 == r { v = $3 } END { print v + 0 }' "$dir/stdout"; }
tables=$(grep -c '==== end of counters ====' "$dir/stdout" || true)
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
	echo "---- stdout"; cat "$dir/stdout"; echo "---- stderr"; cat "$dir/stderr"
	exit 1
fi
echo "pmd smoke: PASS"
