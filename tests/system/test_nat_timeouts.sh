#!/bin/bash
# test_nat_timeouts: idle sessions expire after the configured timeouts and new
# traffic re-creates them. Config: timeout_udp = 3, timeout_icmp = 3 (natgw counts
# whole seconds, so a session may go up to 1 s early: 3 s leaves room for the
# refresh after 1 s).
#  - a UDP exchange priv1 (one socket, 10.0.1.10:46000) <-> 203.0.113.10:5300
#    creates a session; traffic 1 s later refreshes it (no new session); after it
#    is idle natgw counts it in sessions_expired (not before 2 s) and
#    sessions_active drops; a new datagram from the same socket works again and
#    creates a new session (sessions_created grows) with another public port
#    (the old one cools down for port_reuse_delay, 120 s);
#  - the same for ping (an ICMP query session, same identifier each time).
# LAB_KERNEL_ROUTER=1: conntrack's udp/icmp timeouts are 3 s; conntrack entries
# created (an nftables counter) stand in for sessions_created; expiry is seen
# as re-creation after 5 s idle.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
nat_begin timeout_udp=3 timeout_icmp=3
helper_bg "$INET" udp udp-peer "$INET_IP" 5300 || finish

# flow KIND: one exchange of the flow; prints the public address:port for UDP.
flow() {
	if [ "$1" = udp ]; then
		helper "$P1" udp-eim "$P1_IP" 46000 "$INET_IP:5300" | awk '{ print $2 }'
	else
		# ping -e: the same ICMP identifier every time (one flow).
		nsx "$P1" ping -c 1 -W 2 -e 4242 "$INET_IP" >/dev/null && echo "$NAT_PUB:-"
	fi
}
created() { counter "$1" sessions_created; }
# now: seconds since the epoch, with decimals.
now() { date +%s.%N; }
# since T0: seconds since T0, one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# idle: natgw holds no session (the previous phase's are gone).
# shellcheck disable=SC2317 # called through wait_until
idle() {
	counters_snapshot "$T/now"
	[ "$(counter "$T/now" sessions_active)" -eq 0 ]
}
# expired SNAP: sessions_expired grew since the counters snapshot SNAP (natgw).
# shellcheck disable=SC2317 # called through wait_until
expired() {
	counters_snapshot "$T/now"
	[ "$(nat_delta "$1" "$T/now" sessions_expired)" -ge 1 ]
}

for kind in udp icmp; do
	say "$kind (timeout 3 s)"
	if ! kernel_mode && ! wait_until 15 idle; then
		fail "$kind: natgw holds no session before the $kind phase"
	fi
	nat_snap "$T/$kind.0"
	first=$(flow "$kind" || true)
	check "$kind: exchange through the NAT ($first)" test "${first%:*}" = "$NAT_PUB"
	nat_snap "$T/$kind.1"
	check_ge "$kind: a session was created" "$(($(created "$T/$kind.1") - $(created "$T/$kind.0")))" 1
	sleep 1
	check "$kind: again after 1 s" test "$(flow "$kind" || true)" = "$first"
	t0=$(now)
	nat_snap "$T/$kind.2"
	check_eq "$kind: ... in the same session (none created)" \
		"$(($(created "$T/$kind.2") - $(created "$T/$kind.1")))" 0
	if kernel_mode; then
		sleep 5
	else
		a1=$(counter "$T/$kind.2" sessions_active)
		check_ge "$kind: sessions_active" "$a1" 1
		if wait_until 12 expired "$T/$kind.2"; then
			el=$(since "$t0")
			pass "$kind: the idle session expired after ${el} s"
			# natgw's session clock counts whole seconds: up to 1 s early.
			check "$kind: not before 2 s idle (timeout 3 s, 1 s clock granularity)" \
				awk -v e="$el" 'BEGIN { exit !(e >= 2.0) }'
		else
			fail "$kind: the idle session did not expire within 12 s"
		fi
		sed -n '/nat /p' "$T/now" | sed 's/^/    /'
		a2=$(counter "$T/now" sessions_active)
		check "$kind: sessions_active dropped ($a1 -> $a2)" test "$a2" -lt "$a1"
	fi
	nat_snap "$T/$kind.3"
	again=$(flow "$kind" || true)
	check "$kind: new traffic gets through ($again)" test "${again%:*}" = "$NAT_PUB"
	nat_snap "$T/$kind.4"
	check_ge "$kind: ... and re-created a session" "$(($(created "$T/$kind.4") - $(created "$T/$kind.3")))" 1
	if [ "$kind" = udp ]; then
		if kernel_mode; then
			say "note: the kernel maps the flow to $again again (it keeps the source port);" \
				"natgw picks another port: a released port cools down for port_reuse_delay (120 s)"
		else
			check "the new mapping has another public port ($first -> $again: reuse delay)" test "$again" != "$first"
		fi
	fi
done
check "$(router_name) still running" natgw_running
finish
