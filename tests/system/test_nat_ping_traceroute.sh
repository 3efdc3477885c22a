#!/bin/bash
# test_nat_ping_traceroute: ICMP echo through NAT (priv1 and priv2 to
# 203.0.113.10: no loss, natgw-inet sees the requests from 203.0.113.1), and
# `traceroute -n` from priv1 to 203.0.113.10 with UDP probes (default), ICMP echo
# probes (-I) and TCP SYN probes to port 80 (-T, an nginx listens there): hop 1
# is natgw (10.0.1.1, time exceeded), hop 2 is 203.0.113.10 (port unreachable /
# echo reply / SYN-ACK translated back through the NAT), and nothing beyond.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need traceroute tcpdump
nat_begin
nginx_start "$INET" "$INET_IP:80" inet || finish
nat_snap "$T/c0"

capture_start "$INET" echo "icmp[icmptype] == icmp-echo"
check "priv1 -> $INET_IP: ping, 0% loss" ping_ok "$P1" "$INET_IP"
check "priv2 -> $INET_IP: ping, 0% loss" ping_ok "$P2" "$INET_IP"
nsx "$P1" ping -c 3 -i 0.2 -W 2 "$INET_IP" >"$T/ping" 2>&1 || true
check_grep "priv1: replies with TTL 63 (one hop)" "$T/ping" "from $INET_IP: icmp_seq=[0-9]+ ttl=63 "
check "priv1 -> $INET_IP: 1400-byte echo, DF set" ping_ok "$P1" "$INET_IP" -Mdo -s 1400
check "priv1: a 200-echo flood, 0% loss" bash -c \
	"ip netns exec $P1 ping -f -c 200 -W 2 $INET_IP | grep -q '200 packets transmitted, 200 received'"
capture_stop
n_all=$(pcap_read echo | grep -c . || true)
n_pub=$(pcap_read echo "src $NAT_PUB" | grep -c . || true)
check_ge "natgw-inet received the echo requests" "$n_all" 212
check_eq "every echo request came from $NAT_PUB" "$n_pub" "$n_all"

for mode in udp icmp tcp; do
	args=(-n -w 2 -q 3 -m 5)
	case "$mode" in
	icmp) args+=(-I) ;;
	tcp) args+=(-T -p 80) ;;
	esac
	nsx "$P1" traceroute "${args[@]}" "$INET_IP" >"$T/tr.$mode" 2>&1 || true
	sed 's/^/    /' "$T/tr.$mode"
	check "traceroute ($mode): hop 1 is 10.0.1.1" hop_is "$T/tr.$mode" 1 "$GW_IN1"
	check "traceroute ($mode): hop 2 is $INET_IP" hop_is "$T/tr.$mode" 2 "$INET_IP"
	check "traceroute ($mode): no lost probe" bash -c "! grep -Eq '^ *[12] .*\\*' '$T/tr.$mode'"
	check "traceroute ($mode): ends at hop 2" bash -c "! grep -Eq '^ *3 ' '$T/tr.$mode'"
done
nat_snap "$T/c1"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	# UDP traceroute's last hop: 3 port unreachables; ICMP mode's echo replies
	# are not errors.
	check_nat_grew "traceroute's port unreachables" "$T/c0" "$T/c1" icmp_errors_translated 3
	check_nat_grew "pings and probes" "$T/c0" "$T/c1" sessions_snat 5
fi
check "$(router_name) still running" natgw_running
finish
