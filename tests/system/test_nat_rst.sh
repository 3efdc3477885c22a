#!/bin/bash
# test_nat_rst: RFC 7857 / RFC 5961: an out-of-window RST does not tear a NAT
# session down. A TCP connection from priv1 to an echo server in natgw-inet
# (203.0.113.10:7000) is established; scapy in natgw-inet injects RSTs towards
# the public side (203.0.113.10:7000 > 203.0.113.1:PORT, the right ports) with bad
# sequence numbers (2^31 ahead, 2^24 behind); the connection still carries data
# afterwards, and natgw counts tcp_rst_ignored. Control: a RST with the exact
# sequence number does reset the connection (so the injection itself works).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_scapy
need tcpdump
nat_begin
helper_bg "$INET" echo tcp-echo "$INET_IP" 7000 || finish

holder_start "$P1" h1
check_eq "priv1 connects to $INET_IP:7000" "$(holder_cmd h1 "open 1 $INET_IP 7000 3")" "opened 1 0"
pub=$(nsx "$INET" ss -Htn state established "( sport = :7000 )" | awk '{ print $NF }' | head -n1)
pport=${pub##*:}
say "natgw-inet sees the connection from $pub"
check_eq "the server sees the client as $NAT_PUB" "${pub%:*}" "$NAT_PUB"

# The server's next sequence number, from a capture of one echo.
capture_start "$INET" seq "tcp and src $INET_IP and src port 7000"
check_eq "echo before the RSTs" "$(holder_cmd h1 "echo 3")" "echo 1 0"
capture_stop
next=$(tcpdump -S -n -r "$T/seq.pcap" 2>/dev/null | sed -n 's/.* seq [0-9]*:\([0-9]*\),.*/\1/p' | tail -n1)
if [ -z "$next" ]; then
	tcpdump -S -n -r "$T/seq.pcap" 2>/dev/null | sed 's/^/    | /'
	fail "learnt the server's sequence number"
	finish
fi
say "server's next sequence number: $next"
# ahead: 2^31 beyond the next sequence number; behind: 2^24 before it (natgw
# accepts RSTs up to 1 MiB below what it saw, for scaled windows in flight).
i=0
for what in "ahead of" behind; do
	if [ "$what" = "ahead of" ]; then seq=$((next + 2147483648)); else seq=$((next - 16777216)); fi
	nat_snap "$T/r$i"
	check "scapy: RST $INET_IP:7000 > $NAT_PUB:$pport seq $(((seq + 4294967296) % 4294967296)) ($what the window)" \
		helper "$INET" rst "$INET_IP" 7000 "$NAT_PUB" "$pport" "$seq"
	sleep 0.3
	nat_snap "$T/r$((i + 1))"
	check_eq "the connection still carries data after the RST $what the window" "$(holder_cmd h1 "echo 3")" "echo 1 0"
	check_nat_grew "the RST $what the window" "$T/r$i" "$T/r$((i + 1))" tcp_rst_ignored 1
	i=$((i + 1))
done
check_eq "and again" "$(holder_cmd h1 "echo 3")" "echo 1 0"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/r$i" | sed 's/^/    /'
fi

# Control: a RST with the exact sequence number (learnt again after one more
# echo) resets the connection.
capture_start "$INET" seq2 "tcp and src $INET_IP and src port 7000"
holder_cmd h1 "echo 3" >/dev/null
capture_stop
next=$(tcpdump -S -n -r "$T/seq2.pcap" 2>/dev/null | sed -n 's/.* seq [0-9]*:\([0-9]*\),.*/\1/p' | tail -n1)
check "scapy: RST with the exact sequence number $next" helper "$INET" rst "$INET_IP" 7000 "$NAT_PUB" "$pport" "${next:-0}"
sleep 0.5
check_eq "control: the in-window RST resets the connection" "$(holder_cmd h1 "echo 2")" "echo 0 1"
holder_stop h1
check "$(router_name) still running" natgw_running
finish
