#!/bin/bash
# test_filter_flush: tracked connections outlive the rule that allowed them,
# and an explicit flush cuts them (issue 4, cloud VPC semantics).
#  - group lab-clients on in1 allows tcp/7000 and icmp from 10.0.1.0/24; two
#    TCP connections priv1 -> natgw-inet:7000 (echo server) are opened and echo;
#  - rule tcp/7000 is removed (`natgwctl sg rule del`): both connections still
#    echo, a new connection fails;
#  - `natgwctl nat sessions flush dport 7000` deletes their sessions: the
#    connections stop working (their next segments are new flows no rule
#    allows: sg_no_match), and the other sessions (a UDP flow) are kept.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_natgwctl
filter_begin \
	"port in1:security_groups=lab-clients" \
	"sg lab-clients:rule.1=ingress tcp 7000 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress icmp from 10.0.1.0/24" \
	"sg lab-clients:rule.3=ingress udp 5300 from 10.0.1.0/24"

helper_bg "$INET" echo7000 tcp-echo "$INET_IP" 7000 || finish
helper_bg "$INET" udp5300 udp-peer "$INET_IP" 5300 || finish
holder_start "$P1" h
check_eq "two connections priv1 -> $INET_IP:7000 open" "$(holder_cmd h "open 2 $INET_IP 7000 5")" "opened 2 0"
check_eq "both echo" "$(holder_cmd h "echo 3")" "echo 2 0"
check_eq "a UDP flow to $INET_IP:5300" "$(helper "$P1" udp-ask "$P1_IP" "$INET_IP" 5300)" "$NAT_PUB:$(ctl nat sessions proto udp | awk '/5300/ { split($8, a, ":"); print a[2]; exit }')"

# Remove the rule through the management plane.
check "natgwctl sg rule del lab-clients rule.1" ctl sg rule del lab-clients rule.1
ctl sg show lab-clients | sed 's/^/    /'
check_eq "rule.1 is gone" "$(ctl sg show lab-clients | grep -c 'tcp 7000' || true)" 0
check_eq "the tracked connections still echo after the removal" "$(holder_cmd h "echo 3")" "echo 2 0"
check_eq "a new connection to tcp/7000 fails" "$(holder_cmd h "try $INET_IP 7000 2" | cut -d' ' -f1-2)" "try fail"

# Flush the two connections' sessions.
n=$(ctl nat sessions dport 7000 count)
check_eq "natgwctl counts the two sessions" "$n" 2
check_grep_out() { ctl nat sessions flush dport 7000 >"$T/flush.out" 2>&1; }
check "natgwctl nat sessions flush dport 7000" check_grep_out
check_grep "flush says how many" "$T/flush.out" 'flushed 2 sessions'
nat_snap "$T/c0"
check_eq "after the flush the connections are cut" "$(holder_cmd h "echo 3")" "echo 0 2"
nat_snap "$T/c1"
check_nat_grew "the cut connections' segments" "$T/c0" "$T/c1" sg_no_match 2
check_eq "the UDP session was kept" "$(ctl nat sessions proto udp dport 5300 count)" 1
check "ping still allowed" ping_ok "$P1" "$INET_IP"
holder_stop h
check "$(router_name) still running" natgw_running
finish
