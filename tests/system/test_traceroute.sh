#!/bin/bash
# test_traceroute: natgw generates ICMP time exceeded, so `traceroute -n` from
# priv1 to priv2 shows natgw (10.0.1.1) as hop 1 and 10.0.2.10 as hop 2, with UDP
# probes (the default) and with ICMP echo probes (-I).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need traceroute
lab_begin

# hop_is FILE HOP ADDR: hop HOP of a traceroute output answered by ADDR.
hop_is() {
	# shellcheck disable=SC2317 # called through check
	awk -v h="$2" -v a="$3" '$1 == h { for (i = 2; i <= NF; i++) if ($i == a) ok = 1 }
		END { exit !ok }' "$1"
}

for mode in udp icmp; do
	args=(-n -w 2 -q 3 -m 5)
	[ "$mode" = icmp ] && args+=(-I)
	nsx "$P1" traceroute "${args[@]}" "$P2_IP" >"$T/tr.$mode" 2>&1 || true
	sed 's/^/    /' "$T/tr.$mode"
	check "traceroute ($mode): hop 1 is 10.0.1.1" hop_is "$T/tr.$mode" 1 "$GW_IN1"
	check "traceroute ($mode): hop 2 is 10.0.2.10" hop_is "$T/tr.$mode" 2 "$P2_IP"
	check "traceroute ($mode): no lost probe" bash -c "! grep -Eq '^ *[12] .*\\*' '$T/tr.$mode'"
	check "traceroute ($mode): ends at hop 2" bash -c "! grep -Eq '^ *3 ' '$T/tr.$mode'"
done

check "natgw still running" natgw_running
finish
