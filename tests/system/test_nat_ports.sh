#!/bin/bash
# test_nat_ports: public port choice. 1000 short TCP connections from priv1, from
# the consecutive source ports 41000..41999 (the most predictable client there
# is), to a server in natgw-inet that logs each peer: it sees 1000 connections
# from 203.0.113.1 with 1000 distinct public ports. natgw randomises (RFC 6056):
# fewer than 5 % of consecutive differences are +-1, and the ports spread over
# the range (more than half of it, 12 of 16 slices used). Linux masquerade keeps
# the source port when it is free: with LAB_KERNEL_ROUTER=1 the randomness checks
# are replaced by a note (natgw differs deliberately).
# EIM (RFC 4787 REQ-1): one UDP socket in priv1 (10.0.1.10:45000) talking to
# three servers (203.0.113.10:5301, :5302, 203.0.113.11:5301) is seen from the
# same public address:port by all three (natgw: mapping_eim_reused grows).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
nat_begin
N=1000 BASE=41000

helper_bg "$INET" accept-log accept-log "$INET_IP" 7002 "$T/peers.log" || finish
nat_snap "$T/c0"
start=$SECONDS
res=$(helper "$P1" burst "$P1_IP" "$INET_IP" 7002 "$N" "$BASE" 2>"$T/burst.err") || true
say "$N connections in $((SECONDS - start)) s: $res"
check_eq "priv1: $N connections completed" "$res" "ok $N fail 0"
sed 's/^/    | /' "$T/burst.err" | head -n 5
wait_until 5 test "$(grep -c . "$T/peers.log")" -ge "$N" || true
nat_snap "$T/c1"

check_eq "the server logged $N connections" "$(grep -c . "$T/peers.log")" "$N"
check_eq "all from $NAT_PUB" "$(awk '{ print $1 }' "$T/peers.log" | sort -u | paste -sd,)" "$NAT_PUB"
check_eq "$N distinct public ports" "$(awk '{ print $2 }' "$T/peers.log" | sort -u | grep -c .)" "$N"
# stats: consecutive +-1 steps, min, max, slices of the range used.
lo=1024 hi=65535
read -r pm1 pmin pmax slices kept < <(awk -v lo=$lo -v hi=$hi -v base=$BASE '
	{ p = $2; if (NR > 1 && (p - prev == 1 || prev - p == 1)) s++; prev = p
	  if (min == "" || p < min) min = p; if (p > max) max = p
	  sl[int((p - lo) * 16 / (hi - lo + 1))] = 1
	  if (p >= base && p < base + 1000) kept++ }
	END { n = 0; for (k in sl) n++; print s + 0, min, max, n, kept + 0 }' "$T/peers.log")
say "public ports: min $pmin max $pmax, $pm1 consecutive +-1 steps, $slices/16 slices, $kept kept the source port"
if kernel_mode; then
	say "note: Linux masquerade kept $kept of $N source ports (it keeps the port when free);" \
		"natgw deliberately randomises (RFC 6056): the randomness checks run against natgw only"
else
	check "fewer than 5% of consecutive differences are +-1 ($pm1 of $((N - 1)))" test "$((pm1 * 20))" -lt "$N"
	check "ports spread over more than half of $lo-$hi ($pmin..$pmax)" test "$((pmax - pmin))" -gt "$(((hi - lo) / 2))"
	check_ge "ports fall in most of the 16 slices of the range" "$slices" 12
	check "source ports not kept (random, not $BASE+i): $kept of $N" test "$kept" -lt 100
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	check_nat_grew "$N connections" "$T/c0" "$T/c1" sessions_snat "$N"
fi

# EIM: one UDP socket, three servers.
nsx "$INET" ip addr add 203.0.113.11/24 dev eth0
helper_bg "$INET" udp5301 udp-peer "$INET_IP" 5301 || finish
helper_bg "$INET" udp5302 udp-peer "$INET_IP" 5302 || finish
helper_bg "$INET" udp11 udp-peer 203.0.113.11 5301 || finish
nat_snap "$T/e0"
helper "$P1" udp-eim "$P1_IP" 45000 "$INET_IP:5301" "$INET_IP:5302" 203.0.113.11:5301 >"$T/eim" 2>&1 || true
nat_snap "$T/e1"
sed 's/^/    /' "$T/eim"
seen=$(awk '{ print $2 }' "$T/eim" | sort -u | paste -sd,)
check_eq "all three servers answered" "$(awk '$2 != "-"' "$T/eim" | grep -c .)" 3
check "EIM: all three servers see the same public address:port ($seen)" \
	bash -c "[ '$(awk '{ print $2 }' "$T/eim" | sort -u | grep -c .)' = 1 ] && [[ '$seen' == $NAT_PUB:* ]]"
if ! kernel_mode; then
	check_nat_grew "EIM" "$T/e0" "$T/e1" mapping_eim_reused 2
fi
check "$(router_name) still running" natgw_running
finish
