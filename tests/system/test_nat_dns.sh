#!/bin/bash
# test_nat_dns: DNS through NAT. dnsmasq in natgw-inet (listening on
# 203.0.113.10 only, static records, no upstream) answers `dig @203.0.113.10`
# from priv1 and priv2 over UDP and over TCP (+tcp); a 12-record TXT answer over
# UDP (+bufsize=4096: a ~2.7 KB datagram, larger than the 1500-byte MTU of out, so
# it comes back in fragments) too.
# dnsmasq's query log shows every query coming from 203.0.113.1.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need dig dnsmasq
nat_begin

NAME=www.natgw-test.example ADDR=198.51.100.80
args=(--keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll
	--bind-interfaces --listen-address="$INET_IP" --port=53 --user=root --group=root
	--pid-file="$T/dnsmasq.pid" --log-queries --log-facility="$T/dnsmasq.log"
	--address="/$NAME/$ADDR" --txt-record="txt.natgw-test.example,natgw says hello"
	--edns-packet-max=4096)
long=$(printf 'natgw-%03d-' $(seq 1 20))
for i in $(seq 10 21); do
	args+=(--txt-record="big.natgw-test.example,$i$long")
done
ip netns exec "$INET" dnsmasq "${args[@]}" >"$T/dnsmasq.out" 2>&1 &
bg_add $!
if ! wait_until 10 bash -c "ip netns exec $INET ss -lun | grep -q '$INET_IP:53 '"; then
	cat "$T/dnsmasq.out" "$T/dnsmasq.log" 2>/dev/null || true
	fail "dnsmasq started in natgw-inet"
	finish
fi
nat_snap "$T/c0"

dig_q() { nsx "$1" dig +time=2 +tries=2 +short "@$INET_IP" "${@:2}" 2>&1; }

for ns in "$P1" "$P2"; do
	h=${ns#natgw-}
	check_eq "$h: dig @$INET_IP $NAME A (UDP)" "$(dig_q "$ns" "$NAME" A)" "$ADDR"
	check_eq "$h: dig +tcp @$INET_IP $NAME A" "$(dig_q "$ns" +tcp "$NAME" A)" "$ADDR"
	check_eq "$h: dig TXT" "$(dig_q "$ns" txt.natgw-test.example TXT)" '"natgw says hello"'
done
nsx "$P1" dig +time=2 +tries=2 +bufsize=4096 +ignore "@$INET_IP" big.natgw-test.example TXT \
	>"$T/big.dig" 2>&1 || true
size=$(sed -n 's/.*MSG SIZE *rcvd: *\([0-9]*\).*/\1/p' "$T/big.dig")
check_eq "priv1: 12-record TXT answer over UDP, not truncated" "$(grep -c '^big\.natgw-test\.example\..*TXT' "$T/big.dig")" 12
check_ge "priv1: that answer was one ${size:-0}-byte datagram (> 1472: fragmented on out)" "${size:-0}" 1473
nat_snap "$T/c1"

sleep 0.3
grep 'query\[' "$T/dnsmasq.log" | sed 's/^/    /' | head -n 10
check_ge "dnsmasq logged the queries" "$(grep -c 'query\[' "$T/dnsmasq.log")" 7
check_eq "every query came from $NAT_PUB" \
	"$(grep 'query\[' "$T/dnsmasq.log" | awk '{ print $NF }' | sort -u | paste -sd,)" "$NAT_PUB"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	check_nat_grew "dig" "$T/c0" "$T/c1" sessions_snat 7
	say "info: fragments_reassembled grew by $(nat_delta "$T/c0" "$T/c1" fragments_reassembled) (the large answer)"
fi
check "$(router_name) still running" natgw_running
finish
