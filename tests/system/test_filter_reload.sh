#!/bin/bash
# test_filter_reload: changing security groups on a running natgw (SIGHUP
# reload, a new snapshot published with RCU; issue 4).
#  - group lab-clients on in1 allows tcp/5201 and icmp; an iperf3 TCP transfer
#    priv1 -> natgw-inet runs 10 s; after 3 s rule tcp/5201 is removed and
#    natgw reloads: the running transfer goes on to the end (every 1-second
#    interval after the change carried data, iperf3 exits 0) while a new
#    connection to the same port fails (as in cloud VPCs: tracked flows stay);
#  - a file that fails validation changes nothing (natgw says why); a change
#    that needs a restart (a port's MTU) is refused and changes nothing;
#  - putting the rule back lets new connections through again.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need iperf3 jq
filter_begin \
	"port in1:security_groups=lab-clients" \
	"sg lab-clients:rule.1=ingress tcp 5201 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress icmp from 10.0.1.0/24"

ip netns exec "$INET" iperf3 -s -B "$INET_IP" -p 5201 >"$T/iperf3-server.log" 2>&1 &
bg_add $!
wait_until 5 tcp_connects "$P1" "$INET_IP" 5201 1 || true
sleep 0.5

ip netns exec "$P1" timeout 30 iperf3 -c "$INET_IP" -p 5201 -t 10 -i 1 -J >"$T/iperf.json" 2>"$T/iperf.err" &
IPERF=$!
sleep 3
if filter_reload "sg lab-clients:rule.1=-"; then
	pass "rule tcp/5201 removed, natgw reloaded: $(cat "$T/reload.out")"
else
	fail "reload without rule.1: $(cat "$T/reload.out")"
fi
CHANGED_AT=$SECONDS
rc=0
tcp_connects "$P1" "$INET_IP" 5201 3 || rc=$?
check_eq "a new connection to tcp/5201 fails after the removal" "$rc" 1
rc=0
wait "$IPERF" || rc=$?
check_eq "the running iperf3 transfer completed (exit status)" "$rc" 0
if [ -s "$T/iperf.json" ]; then
	jq -r '.intervals[] | .sum | "\(.start|floor)-\(.end|floor) s: \(.bytes) bytes"' "$T/iperf.json" | sed 's/^/    /'
	check_eq "every 1-second interval carried data, before and after the change" \
		"$(jq '[.intervals[] | select(.sum.bytes == 0)] | length' "$T/iperf.json")" 0
	check_ge "intervals after the change" "$(jq '[.intervals[] | select(.sum.start >= 4)] | length' "$T/iperf.json")" 5
	check_ge "bytes received by the server" "$(jq '.end.sum_received.bytes | floor' "$T/iperf.json")" 1000000
else
	cat "$T/iperf.err"
	fail "iperf3 wrote its JSON report"
fi
say "reload happened $((SECONDS - CHANGED_AT)) s before iperf3 ended"

# Invalid file: nothing changes.
cp "$T/nat.ini" "$T/nat.good"
printf '\n[sg lab-clients]\nrule.9 = ingress tcp 99999 from 10.0.1.0/24\n' >>"$T/nat.ini"
if "$LAB" reload >"$T/reload-bad.out" 2>&1; then
	fail "a file with an error was applied: $(cat "$T/reload-bad.out")"
else
	check_grep "an invalid file is refused with the loader's message" "$T/reload-bad.out" 'reload refused.*nat.ini:[0-9]+: '
fi
cp "$T/nat.good" "$T/nat.ini"
check "ping still allowed after the refused reload" ping_ok "$P1" "$INET_IP"
rc=0
tcp_connects "$P1" "$INET_IP" 5201 2 || rc=$?
check_eq "tcp/5201 still denied after the refused reload" "$rc" 1

# A change that needs a restart.
if filter_reload "port in1:mtu=1400"; then
	fail "an MTU change was applied live: $(cat "$T/reload.out")"
else
	check_grep "an MTU change is refused (needs a restart)" "$T/reload.out" 'restart'
fi
cp "$T/nat.good" "$T/nat.ini"

# Rule back: new connections pass again.
if filter_reload "sg lab-clients:rule.1=ingress tcp 5201 from 10.0.1.0/24"; then
	pass "rule tcp/5201 back: $(cat "$T/reload.out")"
else
	fail "reload with rule.1: $(cat "$T/reload.out")"
fi
check "a new connection to tcp/5201 works again" tcp_connects "$P1" "$INET_IP" 5201 3
check "$(router_name) still running" natgw_running
finish
