#!/bin/bash
# test_local: natgw as a host. It answers ARP for its addresses with the
# veth's own MAC, answers ping to its own addresses (also jumbo, and to the
# address of another port), and sends "Time to live exceeded" from 10.0.1.1
# for a TTL-1 packet it would have to forward.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
lab_begin

check "priv1 -> 10.0.1.1 (natgw in1): ping, 0% loss" ping_ok "$P1" "$GW_IN1"
mac=$(nsx "$P1" ip neigh show "$GW_IN1" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
want=$(ip -n "$GW" link show in1 | awk '/link\/ether/ { print $2 }')
check_eq "ARP: 10.0.1.1 is at in1's MAC" "$mac" "$want"
check "priv2 -> 10.0.2.1 (natgw in2): ping, 0% loss" ping_ok "$P2" "$GW_IN2"
check "inet -> 203.0.113.1 (natgw out): ping, 0% loss" ping_ok "$INET" "$GW_OUT"
check "priv1 -> 10.0.1.1: 8000-byte echo (MTU 9001)" ping_ok "$P1" "$GW_IN1" -Mdo -s 8000
check "priv1 -> 10.0.2.1 (natgw's address on another port)" ping_ok "$P1" "$GW_IN2"

nsx "$P1" ping -c 1 -W 2 -t 1 "$P2_IP" >"$T/ttl" 2>&1 || true
sed 's/^/    /' "$T/ttl"
check_grep "ping -t 1 10.0.2.10: Time to live exceeded from 10.0.1.1" "$T/ttl" \
	'From 10\.0\.1\.1 .*Time to live exceeded'

check "natgw still running" natgw_running
finish
