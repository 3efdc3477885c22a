#!/bin/bash
# test_filter_groups: security groups enforced by natgw in the lab (issue 4).
#  - group lab-clients on in1: ingress tcp/80 and icmp from 10.0.1.0/24 only:
#    from priv1, curl to natgw-inet's nginx and ping work; TCP to port 22 and
#    5201 and UDP/53 get nothing (sg_no_match counted, nothing opened);
#  - group public-web on out: ingress tcp/80 only, for the port-forward
#    203.0.113.1:80 -> 10.0.1.10:80: curl from natgw-inet works; the other
#    forward (203.0.113.1:2222 -> 10.0.1.10:22, a listener there) gets nothing;
#  - replies to priv1's outbound flows come back through out with no inbound
#    rule for them (stateful), and through in1 whose group has no egress rule
#    of its own besides the default;
#  - a 1,000-port SYN scan (scapy) from natgw-inet of 203.0.113.1 finds only
#    port 80 open, and nothing answers the other 999 (no RST, no ICMP);
#  - per-rule hit counters and sg_no_match show in the counters table.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need curl nginx
need_scapy
filter_begin \
	"forward.1=203.0.113.1:80 -> 10.0.1.10:80 tcp" \
	"forward.2=203.0.113.1:2222 -> 10.0.1.10:22 tcp" \
	"port in1:security_groups=lab-clients" \
	"port out:security_groups=public-web" \
	"sg lab-clients:rule.1=ingress tcp 80 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress icmp from 10.0.1.0/24" \
	"sg public-web:rule.1=ingress tcp 80 from 0.0.0.0/0"

nginx_start "$INET" "$INET_IP:80" inet || finish
nginx_start "$P1" "$P1_IP:80" priv1 || finish
: >"$T/ssh.log"
helper_bg "$INET" inet-ssh accept-log "$INET_IP" 22 "$T/ssh.log" || finish
helper_bg "$INET" inet-5201 tcp-echo "$INET_IP" 5201 || finish
helper_bg "$INET" inet-dns udp-peer "$INET_IP" 53 || finish
helper_bg "$P1" priv1-ssh tcp-echo "$P1_IP" 22 || finish
nat_snap "$T/c0"

# 1. What lab-clients allows from priv1, and the replies (stateful).
check "priv1: curl http://$INET_IP/hello.txt (tcp/80 allowed)" \
	nsx "$P1" curl -sS --max-time 10 -o "$T/hello.p1" "http://$INET_IP/hello.txt"
check "priv1: body byte for byte" cmp "$T/www-inet/hello.txt" "$T/hello.p1"
check "priv1: ping $INET_IP (icmp allowed)" ping_ok "$P1" "$INET_IP"
check "priv1: ping natgw 10.0.1.1 (icmp allowed)" ping_ok "$P1" "$GW_IN1"

# 2. What it does not allow.
rc=0
tcp_connects "$P1" "$INET_IP" 22 3 || rc=$?
check_eq "priv1 -> $INET_IP:22 (ssh port, not allowed): no connection" "$rc" 1
rc=0
tcp_connects "$P1" "$INET_IP" 5201 3 || rc=$?
check_eq "priv1 -> $INET_IP:5201 (not allowed): no connection" "$rc" 1
check_eq "priv1 -> $INET_IP udp/53 (not allowed): no answer" \
	"$(helper "$P1" udp-ask "$P1_IP" "$INET_IP" 53)" "-"
nat_snap "$T/c1"
check_nat_grew "tcp/22, tcp/5201 (with retransmissions), udp/53" "$T/c0" "$T/c1" sg_no_match 3
check_ge "the denied flows opened no session" \
	"$(( $(counter "$T/c0" sessions_created) + 2 ))" "$(counter "$T/c1" sessions_created)"
check_eq "no connection reached the ssh listener" "$(grep -c . "$T/ssh.log" || true)" 0

# 3. public-web on out: the tcp/80 forward only.
printf 'forwarded to priv1\n' >"$T/www-priv1/pf.txt"
check "inet: curl http://$NAT_PUB/pf.txt (forward, tcp/80 allowed)" \
	nsx "$INET" curl -sS --max-time 10 -o "$T/pf.inet" "http://$NAT_PUB/pf.txt"
check "inet: body byte for byte" cmp "$T/www-priv1/pf.txt" "$T/pf.inet"
rc=0
tcp_connects "$INET" "$NAT_PUB" 2222 3 || rc=$?
check_eq "inet -> $NAT_PUB:2222 (forwarded, but not allowed by public-web): no connection" "$rc" 1
rc=0
nsx "$INET" curl -sS --connect-timeout 3 -o /dev/null "http://$NAT_PUB:8080/" 2>/dev/null || rc=$?
check_eq "inet -> $NAT_PUB:8080 (nothing there): times out" "$rc" 28

# 4. The 1,000-port scan.
nat_snap "$T/c2"
nsx "$INET" "$PY" "$SYS_DIR/port_scan.py" "$INET_IP" "$NAT_PUB" 1 1000 >"$T/scan.out" 2>"$T/scan.err" || {
	cat "$T/scan.err"
	fail "port scan ran"
}
grep -v '^closed' "$T/scan.out" | head -n 5 | sed 's/^/    /'
check_eq "scan of $NAT_PUB ports 1-1000: only 80 open" "$(grep '^open' "$T/scan.out" | tr '\n' ' ')" "open 80 "
check_eq "scan: no RST and no ICMP from the other 999 ports" \
	"$(grep -c -E '^(closed|icmp)' "$T/scan.out" || true)" 0
nat_snap "$T/c3"
check_nat_grew "the scan" "$T/c2" "$T/c3" sg_no_match 999

# 5. Hit counters.
sed -n '/^filters/,/^neighbours/p' "$T/c3" | sed 's/^/    /'
check_ge "hits of lab-clients rule.1 (tcp/80) on in1 ingress" \
	"$(filter_hits "$T/c3" in1 ingress 'sg lab-clients rule.1')" 1
check_ge "hits of lab-clients rule.2 (icmp) on in1 ingress" \
	"$(filter_hits "$T/c3" in1 ingress 'sg lab-clients rule.2')" 4
check_ge "hits of public-web rule.1 (tcp/80) on out ingress" \
	"$(filter_hits "$T/c3" out ingress 'sg public-web rule.1')" 2
check_ge "packets on out ingress no group rule matched" \
	"$(filter_hits "$T/c3" out ingress 'sg no-rule')" 999
check "$(router_name) still running" natgw_running
finish
