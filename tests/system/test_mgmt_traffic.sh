#!/bin/bash
# test_mgmt_traffic: live changes without loss (issue 5). While an iperf3 TCP
# transfer runs priv1 -> natgw-inet (NAT, security group on in1) and priv2
# pings natgw-inet every 5 ms (both outlast the changes), the management plane makes 10,000 route
# changes (5,000 additions and 5,000 deletions of /32 routes, one request
# each) and 100 security-group changes (a rule added and removed 50 times):
# no ping is lost, iperf3 completes with data in every second, the routes are
# gone at the end and natgw still runs. Prints the route changes per second.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_natgwctl
need iperf3 jq
filter_begin \
	"port in1:security_groups=lab-clients" \
	"sg lab-clients:rule.1=ingress tcp 5201 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress icmp from 10.0.1.0/24"
MC=$SYS_DIR/mgmt_client.py
base=$(ctl route show | grep -c .)

ip netns exec "$INET" iperf3 -s -B "$INET_IP" -p 5201 >"$T/iperf3-server.log" 2>&1 &
bg_add $!
wait_until 5 tcp_connects "$P1" "$INET_IP" 5201 1 || true

ip netns exec "$P1" timeout 60 iperf3 -c "$INET_IP" -p 5201 -t 45 -i 1 -J >"$T/iperf.json" 2>"$T/iperf.err" &
IPERF=$!
ip netns exec "$P2" ping -i 0.005 -c 10000 -W 1 -q "$INET_IP" >"$T/ping.out" 2>&1 &
PING=$!
sleep 1

start=$SECONDS
"$PY" "$MC" routes "$NATGW_SOCK" 5000 main 203.0.113.10 >"$T/routes.out" 2>&1 || true
sg_fail=0
for i in $(seq 1 50); do
	ctl sg rule add lab-clients ingress udp 9999 from 10.0.1.0/24 || sg_fail=$((sg_fail + 1))
	ctl sg rule del lab-clients ingress udp 9999 from 10.0.1.0/24 || sg_fail=$((sg_fail + 1))
done
SECONDS_CHANGES=$((SECONDS - start))
say "changes took $SECONDS_CHANGES s while traffic ran: $(cat "$T/routes.out")"
check_grep "10,000 route changes made (5,000 add + 5,000 del)" "$T/routes.out" '^routes 5000 batch 1 '
check_eq "100 security-group changes made" "$sg_fail" 0

rc=0
wait "$PING" || rc=$?
PING_END=$SECONDS
sed 's/^/    /' "$T/ping.out" | tail -n 2
check_grep "ping flood priv2 -> inet: no packet lost" "$T/ping.out" ' 0% packet loss'
rc=0
wait "$IPERF" || rc=$?
check_eq "iperf3 completed" "$rc" 0
if [ -s "$T/iperf.json" ]; then
	check_eq "iperf3: every second carried data" \
		"$(jq '[.intervals[] | select(.sum.bytes == 0)] | length' "$T/iperf.json")" 0
	check_ge "iperf3: seconds measured" "$(jq '.intervals | length' "$T/iperf.json")" 44
fi
check_eq "the routes are gone again" "$(ctl route show | grep -c .)" "$base"
check_eq "the group has no udp/9999 rule left" "$(ctl sg show lab-clients | grep -c 'udp 9999' || true)" 0
check_grep "... and still its tcp/5201 rule" <(ctl sg show lab-clients) 'ingress tcp 5201 from 10\.0\.1\.0/24'
check_ge "the changes ran while the ping flood did (s)" "$((PING_END - start))" "$((SECONDS_CHANGES))"
check "$(router_name) still running" natgw_running
finish
