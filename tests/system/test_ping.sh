#!/bin/bash
# test_ping: ICMP echo between the two private subnets through natgw, both ways:
# no loss, and the TTL is decremented once (64 -> 63) in each direction, seen by
# the receiver of the request (tcpdump) and of the reply (ping).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need tcpdump
lab_begin

# The request as priv2 receives it: TTL 63.
nsx "$P2" timeout 15 tcpdump -l -n -v -i eth0 -c 3 'icmp[icmptype] == icmp-echo' \
	>"$T/p2.dump" 2>"$T/p2.tcpdump.err" &
bg_add $!
wait_until 5 grep -q 'listening on' "$T/p2.tcpdump.err" || true

nsx "$P1" ping -c 5 -i 0.2 -W 2 "$P2_IP" >"$T/p1.ping" 2>&1 || true
check_grep "priv1 -> priv2: 0% packet loss" "$T/p1.ping" ' 0% packet loss'
check_grep "priv1 -> priv2: reply TTL 63" "$T/p1.ping" 'from 10\.0\.2\.10: icmp_seq=[0-9]+ ttl=63 '
wait_until 5 test "$(grep -c 'ttl 63' "$T/p2.dump" 2>/dev/null)" -ge 3 || true
check_grep "priv2 receives the request with TTL 63" "$T/p2.dump" 'ttl 63,.*proto ICMP'

nsx "$P2" ping -c 5 -i 0.2 -W 2 "$P1_IP" >"$T/p2.ping" 2>&1 || true
check_grep "priv2 -> priv1: 0% packet loss" "$T/p2.ping" ' 0% packet loss'
check_grep "priv2 -> priv1: reply TTL 63" "$T/p2.ping" 'from 10\.0\.1\.10: icmp_seq=[0-9]+ ttl=63 '

# A burst: 200 echo requests as fast as ping sends them (flood, root only).
nsx "$P1" ping -f -c 200 -W 2 "$P2_IP" >"$T/flood" 2>&1 || true
check_grep "priv1 -> priv2: 200-packet flood, 0% loss" "$T/flood" '200 packets transmitted, 200 received'

check "natgw still running" natgw_running
finish
