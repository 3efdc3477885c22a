#!/bin/bash
# test_nat_iperf: iperf3 through NAT sessions, TCP and UDP, both directions
# (-R: the server in natgw-inet sends to the client's public address:port), 2 s
# each, from priv1 and one from priv2. Each transfer completes (iperf3 exits 0,
# bytes arrive); UDP at 20 Mbit/s loses less than 5 %.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need iperf3 jq
nat_begin

ip netns exec "$INET" iperf3 -s -B "$INET_IP" -p 5201 >"$T/iperf3-server.log" 2>&1 &
bg_add $!
wait_until 5 bash -c "ip netns exec $INET ss -ltn | grep -q '$INET_IP:5201'" || true
nat_snap "$T/c0"

# run NAME NS ARGS...: one iperf3 client run; JSON in $T/NAME.json.
run() {
	local name=$1 ns=$2 rc=0
	shift 2
	nsx "$ns" timeout 20 iperf3 -c "$INET_IP" -p 5201 -t 2 -J "$@" >"$T/$name.json" 2>"$T/$name.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "iperf3 $name ($*): exit $rc"
		jq -r '.error // empty' "$T/$name.json" 2>/dev/null | sed 's/^/    | /'
		sed 's/^/    | /' "$T/$name.err"
		return 1
	fi
	pass "iperf3 $name ($*): completed"
}

for dir in fwd rev; do
	args=()
	[ "$dir" = rev ] && args=(-R)
	if run "tcp-$dir" "$P1" "${args[@]}"; then
		bytes=$(jq -r '.end.sum_received.bytes' "$T/tcp-$dir.json")
		mbps=$(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$T/tcp-$dir.json")
		say "TCP $dir: $bytes bytes received, $mbps Mbit/s"
		check_ge "TCP $dir: at least 1 MB arrived" "$bytes" 1000000
	fi
	if run "udp-$dir" "$P1" -u -b 20M -l 1400 "${args[@]}"; then
		pkts=$(jq -r '.end.sum.packets' "$T/udp-$dir.json")
		lost=$(jq -r '.end.sum.lost_packets' "$T/udp-$dir.json")
		say "UDP $dir: $pkts datagrams, $lost lost"
		check_ge "UDP $dir: datagrams sent" "$pkts" 1000
		check "UDP $dir: less than 5% lost ($lost of $pkts)" test "$((lost * 20))" -lt "$pkts"
	fi
done
if run "tcp-priv2-rev" "$P2" -R; then
	check_ge "TCP priv2 rev: at least 1 MB arrived" "$(jq -r '.end.sum_received.bytes' "$T/tcp-priv2-rev.json")" 1000000
fi
nat_snap "$T/c1"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	# 5 runs, each a TCP control connection plus a TCP or UDP data flow.
	check_nat_grew "iperf3" "$T/c0" "$T/c1" sessions_snat 10
	check_nat_grew "iperf3" "$T/c0" "$T/c1" translated_in2out 3000
	check_nat_grew "iperf3" "$T/c0" "$T/c1" translated_out2in 3000
fi
check "$(router_name) still running" natgw_running
finish
