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
sed 's/^/    /' "$T/t0"
check_grep "SIGUSR1 prints the table header" "$T/t0" 'natgw counters'
check_grep "SIGUSR1 prints the table footer" "$T/t0" 'end of counters'
for p in in1 in2 out; do
	check_grep "the table has a row for port $p" "$T/t0" "^ *$p +"
done
check "natgw still running after SIGUSR1" natgw_running

# port_rx FILE PORT: rx_packets of PORT's "all" row.
port_rx() { awk -v p="$2" '$1 == p && $2 == "all" { v = $3 } END { print v + 0 }' "$1"; }

ping_ok "$P1" "$P2_IP" >/dev/null 2>&1 || true
nsx "$P1" ping -c 1 -W 1 -t 1 "$P2_IP" >/dev/null 2>&1 || true
counters_snapshot "$T/t1"
check_grep "a second SIGUSR1 prints a table" "$T/t1" 'end of counters'
check_ge "in1 rx_packets grew by the 4 pings" "$(($(port_rx "$T/t1" in1) - $(port_rx "$T/t0" in1)))" 4
check_ge "in2 rx_packets grew by the 3 replies" "$(($(port_rx "$T/t1" in2) - $(port_rx "$T/t0" in2)))" 3
check_ge "drop ttl_exceeded counted the TTL-1 ping" \
	"$(($(counter "$T/t1" ttl_exceeded) - $(counter "$T/t0" ttl_exceeded)))" 1
check_ge "gen icmp_time_exceeded counted the answer" \
	"$(($(counter "$T/t1" icmp_time_exceeded) - $(counter "$T/t0" icmp_time_exceeded)))" 1

"$LAB" stop >"$T/stop" 2>&1 || true
sed 's/^/    /' "$T/stop"
check_eq "SIGTERM: natgw exits by itself (no SIGKILL)" "$(cat /run/natgw-lab/last-stop 2>/dev/null)" clean
check_eq "SIGTERM: exit status 0" "$(cat /run/natgw-lab/natgw.rc 2>/dev/null)" 0
check_grep "SIGTERM: final table printed" "$T/stop" 'end of counters'
finish
