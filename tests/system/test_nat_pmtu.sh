#!/bin/bash
# test_nat_pmtu: path-MTU discovery through the NAT. A router beyond natgw
# (scripts/lab.sh far up: natgw-inet forwards to natgw-far 198.51.100.10 over a
# link with MTU 1280; natgw routes 198.51.100.0/24 via 203.0.113.10). From priv1:
#   ping -M do -s 1400 198.51.100.10 -> "Frag needed and DF set (mtu = 1280)" from
#   203.0.113.10, sent to 203.0.113.1 and translated back to 10.0.1.10 (inner
#   header and checksums fixed, RFC 5508), so priv1 learns PMTU 1280;
#   tracepath learns pmtu 1500 (natgw's own frag-needed for out) then 1280;
#   ping -M do -s 1200 gets through; a 1 MB upload over TCP (scp-like) completes.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need tracepath socat sha256sum
nat_begin "table main:route.1=$FAR_NET via $INET_IP dev out"
"$LAB" far up >"$T/far.log" 2>&1 || { cat "$T/far.log"; fail "far network up"; finish; }
FAR=natgw-far

flush_pmtu() { nsx "$P1" ip route flush cache; }
check "priv1 -> $FAR_IP (two routers away): ping" ping_ok "$P1" "$FAR_IP"
nat_snap "$T/c0"

flush_pmtu
nsx "$P1" ping -c 2 -i 0.3 -W 2 -Mdo -s 1400 "$FAR_IP" >"$T/df.ping" 2>&1 || true
sed 's/^/    /' "$T/df.ping"
check_grep "ping -Mdo -s 1400 $FAR_IP: frag needed from $INET_IP, mtu = 1280" \
	"$T/df.ping" "From $INET_IP .*(Frag needed|[Ff]rag.*needed).*mtu = 1280"
check "priv1 learnt PMTU 1280 for $FAR_IP" bash -c \
	"ip netns exec $P1 ip route get $FAR_IP | grep -q 'mtu 1280'"
nat_snap "$T/c1"
check "priv1 -> $FAR_IP: 1200-byte echo, DF set" ping_ok "$P1" "$FAR_IP" -Mdo -s 1200

flush_pmtu
nsx "$P1" timeout 20 tracepath -n -m 4 "$FAR_IP" >"$T/tracepath" 2>&1 || true
sed 's/^/    /' "$T/tracepath"
check_grep "tracepath learns pmtu 1500 (natgw, out)" "$T/tracepath" 'pmtu 1500'
check_grep "tracepath learns pmtu 1280 (203.0.113.10, through the NAT)" "$T/tracepath" 'pmtu 1280'
check_grep "tracepath reaches $FAR_IP" "$T/tracepath" "(reached|$FAR_IP)"

# TCP over the path: 1 MB upload to natgw-far, then its sha256.
flush_pmtu
head -c 1048576 /dev/urandom >"$T/up.bin"
ip netns exec "$FAR" timeout 30 socat -u "TCP-LISTEN:9000,bind=$FAR_IP,reuseaddr" \
	"OPEN:$T/up.recv,creat,trunc" &
srv=$!
bg_add "$srv"
wait_until 5 bash -c "ip netns exec $FAR ss -ltn | grep -q '$FAR_IP:9000'" || true
check "socat priv1 -> $FAR_IP: 1 MB upload" nsx "$P1" timeout 30 socat -u "OPEN:$T/up.bin" "TCP:$FAR_IP:9000"
wait "$srv" 2>/dev/null || true
check_eq "upload sha256" "$(sha256sum <"$T/up.recv" 2>/dev/null | cut -d' ' -f1)" \
	"$(sha256sum <"$T/up.bin" | cut -d' ' -f1)"

if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	check_nat_grew "the frag-needed" "$T/c0" "$T/c1" icmp_errors_translated 1
fi
check "$(router_name) still running" natgw_running
finish
