#!/bin/bash
# test_lifecycle: natgw's signals. SIGUSR1 prints the counters table (per port
# rx/tx, drop reasons, generated ICMP/ARP) to stdout while natgw keeps running;
# traffic shows up in it; SIGTERM stops natgw within the stop timeout with exit
# status 0 and prints the table once more. natgw only (skipped in kernel mode).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
kernel_mode && skip "signals are natgw's (LAB_KERNEL_ROUTER=1)"
lab_begin

counters_snapshot "$T/t0"
check "SIGUSR1 prints a table" test -s "$T/t0"
sed 's/^/    /' "$T/t0"
for w in in1 in2 out ip_bad_checksum ttl_exceeded; do
	check "the table names $w" counter_named "$T/t0" "$w"
done
check "natgw still running after SIGUSR1" natgw_running

ping_ok "$P1" "$P2_IP" -c 10 >/dev/null 2>&1 || true
nsx "$P1" ping -c 1 -W 1 -t 1 "$P2_IP" >/dev/null 2>&1 || true
counters_snapshot "$T/t1"
check "a second SIGUSR1 prints a table" test -s "$T/t1"
check_ge "ttl_exceeded counted the TTL-1 ping" \
	"$(($(counter "$T/t1" ttl_exceeded) - $(counter "$T/t0" ttl_exceeded)))" 1

"$LAB" stop >"$T/stop" 2>&1 || true
sed 's/^/    /' "$T/stop"
check_eq "SIGTERM: natgw exits by itself (no SIGKILL)" "$(cat /run/natgw-lab/last-stop 2>/dev/null)" clean
check_eq "SIGTERM: exit status 0" "$(cat /run/natgw-lab/natgw.rc 2>/dev/null)" 0
check "SIGTERM: final table printed" counter_named "$T/stop" ip_bad_checksum
finish
