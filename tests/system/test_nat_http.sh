#!/bin/bash
# test_nat_http: masquerade with a real client and server. curl in priv1 and in
# priv2 fetch from an nginx in natgw-inet (a small file byte for byte, 1 MB by
# sha256); natgw-inet (tcpdump, nginx's access log) sees only 203.0.113.1 as
# source, never a 10.x address; natgw counts the SNAT sessions and translations.
# LAB_KERNEL_ROUTER=1: the same against nftables masquerade (no counter checks).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need curl nginx tcpdump sha256sum
nat_begin

nginx_start "$INET" "$INET_IP:80" inet || finish
head -c 1048576 /dev/urandom >"$T/www-inet/big1m.bin"
capture_start "$INET" inet "ip and not src $INET_IP"
nat_snap "$T/c0"

for ns in "$P1" "$P2"; do
	h=${ns#natgw-}
	check "curl $h -> http://$INET_IP/hello.txt" \
		nsx "$ns" curl -sS --max-time 10 -o "$T/$h.hello" "http://$INET_IP/hello.txt"
	check "$h: hello.txt byte for byte" cmp "$T/www-inet/hello.txt" "$T/$h.hello"
	check "curl $h -> http://$INET_IP/big1m.bin" \
		nsx "$ns" curl -sS --max-time 20 -o "$T/$h.big" "http://$INET_IP/big1m.bin"
	check_eq "$h: big1m.bin sha256" "$(sha256sum <"$T/$h.big" 2>/dev/null | cut -d' ' -f1)" \
		"$(sha256sum <"$T/www-inet/big1m.bin" | cut -d' ' -f1)"
done
capture_stop
nat_snap "$T/c1"

pcap_read inet >"$T/inet.txt"
n_all=$(grep -c ' IP ' "$T/inet.txt" || true)
n_pub=$(grep -c " IP $NAT_PUB\." "$T/inet.txt" || true)
n_priv=$(pcap_read inet 'src net 10.0.0.0/8' | grep -c . || true)
say "natgw-inet received $n_all IPv4 packets, $n_pub from $NAT_PUB, $n_priv from 10/8"
check_ge "natgw-inet received the HTTP traffic" "$n_all" 20
check_eq "natgw-inet saw no source in 10.0.0.0/8" "$n_priv" 0
check_eq "natgw-inet saw $NAT_PUB as the only source" "$n_pub" "$n_all"
log=$T/nginx-inet/access.log
check_eq "nginx logged 4 requests" "$(grep -c . "$log")" 4
check_eq "nginx saw every client as $NAT_PUB" "$(awk '{ print $1 }' "$log" | sort -u | paste -sd,)" "$NAT_PUB"

if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	check_nat_grew "4 curl connections" "$T/c0" "$T/c1" sessions_snat 4
	check_nat_grew "HTTP out" "$T/c0" "$T/c1" translated_in2out 20
	check_nat_grew "HTTP back" "$T/c0" "$T/c1" translated_out2in 700
	check_ge "sessions_active >= 4" "$(counter "$T/c1" sessions_active)" 4
fi
check "$(router_name) still running" natgw_running
finish
