#!/bin/bash
# test_nat_limits: port exhaustion and the per-host cap (issue 3, "Limits").
# 1. ports = 20000-20099 (100 public ports), port_reuse_delay = 0,
#    timeout_tcp_transitory = 2: priv1 opens 100 long-lived TCP connections to
#    one server (203.0.113.10:7000, an echo server): all succeed; the 101st to the
#    same destination fails (no port left for that destination; natgw counts
#    nat_ports_exhausted); the 100 still carry data (nothing evicted); priv2 can't
#    get a port to that destination either; after 10 are closed (and their
#    sessions expired) new connections succeed again.
# 2. max_sessions_per_host = 10 and icmp_on_exhaustion = yes: priv1's 10
#    connections work, its 11th is refused at once with ICMP 3/13 (connect:
#    "No route to host"; nat_host_limit) while priv2 still gets through.
# LAB_KERNEL_ROUTER=1: nftables snat to 203.0.113.1:20000-20099, ct count (and
# reject with icmp admin-prohibited).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"

# check_refused DESC ANSWER: a holder "try" that failed (timeout: dropped
# silently; unreachable: ICMP 3/13 with icmp_on_exhaustion = yes).
check_refused() {
	case "$2" in
	"try fail timeout" | "try fail unreachable") pass "$1 ($2)" ;;
	*) fail "$1 (got '$2', expected 'try fail timeout|unreachable')" ;;
	esac
}

nat_begin ports=20000-20099 port_reuse_delay=0 timeout_tcp_transitory=2
helper_bg "$INET" echo tcp-echo "$INET_IP" 7000 || finish
helper_bg "$INET" echo2 tcp-echo "$INET_IP" 7001 || finish

say "1. exhaustion: 100 ports"
holder_start "$P1" h1
nat_snap "$T/c0"
check_eq "priv1 opens 100 connections to $INET_IP:7000" "$(holder_cmd h1 "open 100 $INET_IP 7000 3")" "opened 100 0"
check_refused "the 101st connection to the same destination fails" "$(holder_cmd h1 "try $INET_IP 7000 3")"
holder_start "$P2" h2
check_refused "priv2 gets no port to that destination either" "$(holder_cmd h2 "try $INET_IP 7000 2")"
nat_snap "$T/c1"
check_eq "the 100 connections still carry data" "$(holder_cmd h1 "echo 5")" "echo 100 0"
# Another destination is another tuple: the public ports can be shared.
check_eq "a connection to another destination ($INET_IP:7001) works (tuple-unique sharing)" \
	"$(holder_cmd h2 "try $INET_IP 7001 3")" "try ok"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	check_nat_grew "the refused SYNs" "$T/c0" "$T/c1" nat_ports_exhausted 2
	check_ge "sessions_active >= 100" "$(counter "$T/c1" sessions_active)" 100
fi
check_eq "close 10 of them" "$(holder_cmd h1 "close 10")" "closed 10"
# Their sessions are transitory for 2 s, then the ports are free (reuse delay 0).
ok=0
for _ in $(seq 1 20); do
	if [ "$(holder_cmd h1 "try $INET_IP 7000 1")" = "try ok" ]; then
		ok=1
		break
	fi
	sleep 0.5
done
check_eq "a new connection succeeds once closed ones expired" "$ok" 1
check_eq "then 9 more succeed (the 10 freed ports)" "$(holder_cmd h1 "open 9 $INET_IP 7000 3")" "opened 9 0"
check_refused "and the next fails again" "$(holder_cmd h1 "try $INET_IP 7000 2")"
check_eq "all 100 connections carry data" "$(holder_cmd h1 "echo 5")" "echo 100 0"
holder_stop h1
holder_stop h2

say "2. per-host cap: 10 sessions, ICMP 3/13 on refusal"
"$LAB" stop >/dev/null 2>&1 || true
nat_config "$T/cap.ini" max_sessions_per_host=10 icmp_on_exhaustion=yes
if ! kernel_mode && ! "$NATGW_BIN" --check -c "$T/cap.ini" >"$T/cap.check" 2>&1; then
	cat "$T/cap.check"
	fail "natgw --check accepts max_sessions_per_host = 10"
	finish
fi
"$LAB" start "$T/cap.ini" >"$T/cap.start" 2>&1 || { cat "$T/cap.start"; fail "restart with the cap"; finish; }
holder_start "$P1" h3
holder_start "$P2" h4
nat_snap "$T/d0"
check_eq "priv1 opens 10 connections" "$(holder_cmd h3 "open 10 $INET_IP 7000 3")" "opened 10 0"
check_eq "priv1's 11th is refused with ICMP 3/13" "$(holder_cmd h3 "try $INET_IP 7000 3")" "try fail unreachable"
check_eq "priv2 still gets through (5 connections)" "$(holder_cmd h4 "open 5 $INET_IP 7000 3")" "opened 5 0"
check_eq "priv1's 10 still carry data" "$(holder_cmd h3 "echo 5")" "echo 10 0"
nat_snap "$T/d1"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/d1" | sed 's/^/    /'
	check_nat_grew "priv1's 11th" "$T/d0" "$T/d1" nat_host_limit 1
fi
holder_stop h3
holder_stop h4
check "$(router_name) still running" natgw_running
finish
