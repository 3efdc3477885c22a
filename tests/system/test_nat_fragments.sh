#!/bin/bash
# test_nat_fragments: fragmented UDP through the NAT (issue 3, item 6). Scapy in
# priv1 sends 4000-byte UDP datagrams to 203.0.113.10:5400 as 1400-byte fragments:
# in order, last fragment first, and shuffled; the server (natgw-inet) answers
# each with its length and sha256, which must match (the datagram is reassembled
# — by the kernel's af_packet fanout DEFRAG on these ports — NATed, and
# fragmented again by natgw for the 1500-byte out link). Back the other way: a 4000-byte
# echo that natgw-inet's kernel fragments (in order), and a 4000-byte datagram
# scapy sends as fragments last-first; priv1's socket gets both byte-identical.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_scapy
nat_begin
helper_bg "$INET" frag frag-server "$INET_IP" 5400 || finish
nat_snap "$T/c0"
helper "$P1" frag-client "$P1_IP" 47000 "$INET_IP" 5400 >"$T/client" 2>"$T/client.err" || true
nat_snap "$T/c1"
sed 's/^/    /' "$T/client"
sed 's/^/    | /' "$T/client.err" | tail -n 5
for step in out-in-order out-last-first out-shuffled back-in-order back-last-first; do
	line=$(grep "^$step" "$T/client" || echo "$step (no result)")
	check_eq "${line%% *}: datagram arrives byte-identical" "${line##* }" ok
done
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	# On af_packet ports the kernel hands natgw fragments already reassembled
	# (DPDK's af_packet joins a fanout group with PACKET_FANOUT_FLAG_DEFRAG),
	# so natgw's own reassembly (fragments_reassembled) only runs on other
	# PMDs; tests/pcap covers it through net_pcap.
	say "info: fragments_reassembled grew by $(nat_delta "$T/c0" "$T/c1" fragments_reassembled) (0 expected on af_packet: the kernel defragments)"
	check_eq "no fragment dropped for reassembly" "$(nat_delta "$T/c0" "$T/c1" nat_reassembly_failed 2>/dev/null || echo 0)" 0
fi
check "$(router_name) still running" natgw_running
finish
