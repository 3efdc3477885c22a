#!/bin/bash
# test_garbage: scapy in priv1 sends 200 malformed frames to natgw's MAC on in1
# (bad checksum, bad IHL, truncated, IP options, bad version, bad total length,
# martian source, truncated L4, random bytes, runts). natgw must count each kind
# under its drop reason (SIGUSR1 table, compared before/after), keep running,
# and still route: ping priv1 -> priv2 afterwards.
# With LAB_KERNEL_ROUTER=1 the counter checks are skipped.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
# Debian's python3 has python3-scapy; a python3 earlier in PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy not installed"
lab_begin

check "ping priv1 -> priv2 before" ping_ok "$P1" "$P2_IP"
gw_mac=$(ip -n "$GW" link show in1 | awk '/link\/ether/ { print $2 }')
if ! kernel_mode; then
	counters_snapshot "$T/before"
fi
if ! nsx "$P1" "$PY" "$SYS_DIR/send_garbage.py" eth0 "$gw_mac" "$P1_IP" "$P2_IP" 20 \
	>"$T/sent" 2>"$T/scapy.err"; then
	cat "$T/scapy.err"
	fail "scapy sent the malformed frames"
	finish
fi
pass "scapy sent $(awk '{ s += $3 } END { print s }' "$T/sent") malformed frames to $gw_mac"
sleep 0.5

check "natgw still running after the garbage" natgw_running
if ! kernel_mode; then
	counters_snapshot "$T/after"
	sed 's/^/    /' "$T/after"
	while read -r kind reason count; do
		if [ "$reason" = - ]; then
			continue
		fi
		b=$(counter "$T/before" "$reason")
		a=$(counter "$T/after" "$reason")
		check_ge "drop counter $reason grew for $count '$kind' frames" "$((a - b))" "$count"
	done <"$T/sent"
	# Every frame is dropped and counted exactly once ("drop total" line).
	sent=$(awk '{ s += $3 } END { print s }' "$T/sent")
	check_eq "drop total grew by exactly the $sent frames sent" \
		"$(($(counter "$T/after" total) - $(counter "$T/before" total)))" "$sent"
	# Runts reach natgw padded to 14 bytes by the sending kernel, so they show
	# up as eth_not_for_us / ethertype_unsupported / arp_malformed rather than
	# eth_truncated: informational only.
	for r in eth_truncated eth_not_for_us ethertype_unsupported arp_malformed; do
		say "info: $r grew by $(($(counter "$T/after" "$r") - $(counter "$T/before" "$r")))"
	done
fi
check "ping priv1 -> priv2 after" ping_ok "$P1" "$P2_IP"
check "ping priv2 -> priv1 after" ping_ok "$P2" "$P1_IP"
check "natgw still running at the end" natgw_running
finish
