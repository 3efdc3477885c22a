#!/bin/bash
# test_mgmt_roundtrip: every natgwctl command against a running natgw in the
# lab (issue 5): add, show, delete, show for routes, port-forwards, NAT
# timeouts, security-group rules and members, prefix-list entries, NACL
# rules and static neighbours; ports, neighbours, sessions (filter, count, flush), counters (reset),
# config dump (natgw --check accepts it) and reload; the change takes effect
# on the wire (a route, a port-forward, a group rule); -j output parses as JSON
# and says what the text says; errors exit non-zero with natgw's message;
# wrong arguments exit 2.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_natgwctl
need curl nginx
filter_begin \
	"port in1:security_groups=lab-clients" \
	"sg lab-clients:rule.1=ingress tcp 80 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress icmp from 10.0.1.0/24" \
	"sg lab-clients:members=10.0.1.10" \
	"prefix_list office:prefix.1=192.0.2.0/24" \
	"port in2:nacl=edge" \
	"nacl edge:ingress.100=allow all from 0.0.0.0/0" \
	"nacl edge:egress.100=allow all to 0.0.0.0/0"
nginx_start "$INET" "$INET_IP:80" inet || finish
nginx_start "$P1" "$P1_IP:80" priv1 || finish

# json_ok FILE: FILE is valid JSON.
json_ok() { "$PY" -m json.tool "$1" >/dev/null; }
# jlen FILE: number of elements of the JSON array in FILE.
jlen() { "$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

# ---- routes ----
check "route add 198.51.100.0/24 via 203.0.113.10" ctl route add 198.51.100.0/24 via 203.0.113.10 table main
ctl route show table main >"$T/routes.txt"
check_grep "route show lists it" "$T/routes.txt" '^198\.51\.100\.0/24 via 203\.0\.113\.10 dev out'
ctl -j route show table main >"$T/routes.json"
check "route show -j is JSON" json_ok "$T/routes.json"
check_eq "JSON and text list the same number of routes" "$(jlen "$T/routes.json")" "$(grep -c . "$T/routes.txt")"
rc=0
ctl route add 198.51.100.0/24 via 203.0.113.10 table main 2>"$T/dup.err" || rc=$?
check_eq "adding it twice fails (exit 1)" "$rc" 1
check_grep "... with natgw's message" "$T/dup.err" 'exists|already'
check "route replace 198.51.100.0/24 blackhole" ctl route replace 198.51.100.0/24 blackhole table main
check_grep "replaced" <(ctl route show table main) '^198\.51\.100\.0/24 blackhole'
check "route del 198.51.100.0/24" ctl route del 198.51.100.0/24 table main
check_eq "route show: gone" "$(ctl route show table main | grep -c '^198\.51\.100\.' || true)" 0
rc=0
ctl route add 10.9.0.1/16 via 203.0.113.10 2>"$T/hostbits.err" || rc=$?
check_eq "host bits set: refused (exit 1)" "$rc" 1
check_grep "... saying what was meant" "$T/hostbits.err" 'did you mean 10\.9\.0\.0/16'
rc=0
ctl route frobnicate 2>/dev/null || rc=$?
check_eq "unknown route command: usage error (exit 2)" "$rc" 2

# A route changes forwarding: a host route for the internet host via a
# blackhole cuts it, deleting it restores it.
check "ping inet before" ping_ok "$P1" "$INET_IP"
check "route add $INET_IP/32 blackhole" ctl route add "$INET_IP/32" blackhole
rc=0
nsx "$P1" ping -c 2 -i 0.2 -W 1 -q "$INET_IP" >/dev/null 2>&1 || rc=$?
check_eq "ping inet through the blackhole fails" "$([ "$rc" -ne 0 ] && echo lost || echo answered)" lost
check "route del $INET_IP/32" ctl route del "$INET_IP/32"
check "ping inet again" ping_ok "$P1" "$INET_IP"

# ---- NAT: port-forwards, timeouts, sessions ----
check "nat forward add 203.0.113.1:8081 to 10.0.1.10:80 tcp" ctl nat forward add 203.0.113.1:8081 to 10.0.1.10:80 tcp
check_grep "nat forward show lists it" <(ctl nat forward show) '203\.0\.113\.1:8081.*10\.0\.1\.10:80'
# the group on in1 has the default egress rule: the forwarded flow may leave in1
check "curl inet -> 203.0.113.1:8081 (the new forward)" \
	nsx "$INET" curl -sS --max-time 10 -o /dev/null "http://$NAT_PUB:8081/hello.txt"
check "nat forward del 203.0.113.1:8081 tcp" ctl nat forward del 203.0.113.1:8081 tcp
check_eq "nat forward show: gone" "$(ctl nat forward show | grep -c 8081 || true)" 0
check "nat timeouts set udp 123" ctl nat timeouts set udp 123
check_grep "nat timeouts shows udp 123" <(ctl nat timeouts) 'udp 123'
check "nat timeouts set udp 300" ctl nat timeouts set udp 300
check "curl priv1 -> inet (a session)" nsx "$P1" curl -sS --max-time 10 -o /dev/null "http://$INET_IP/hello.txt"
ctl nat sessions src "$P1_IP" >"$T/sess.txt"
ctl -j nat sessions src "$P1_IP" >"$T/sess.json"
check_grep "nat sessions src $P1_IP shows the TCP session" "$T/sess.txt" "^tcp $P1_IP:[0-9]+ -> $INET_IP:80"
check "nat sessions -j is JSON" json_ok "$T/sess.json"
check_eq "JSON and text show the same sessions" \
	"$("$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j["sessions"]), j["count"])' "$T/sess.json")" \
	"$(grep -c -E '^(tcp|udp|icmp) ' "$T/sess.txt") $(awk '/ sessions$/ { print $1 }' "$T/sess.txt")"
check_eq "nat sessions dport 80 count" "$(ctl nat sessions dst "$INET_IP" dport 80 count)" \
	"$(grep -c -E "^tcp .* -> $INET_IP:80 " "$T/sess.txt")"
check_grep "nat sessions flush src $P1_IP" <(ctl nat sessions src "$P1_IP" flush) '^flushed [1-9][0-9]* sessions'
check_eq "no session of priv1 left" "$(ctl nat sessions src "$P1_IP" count)" 0

# ---- security groups, prefix lists, NACLs ----
check "sg rule add lab-clients ingress udp 5300 from 10.0.1.0/24" \
	ctl sg rule add lab-clients ingress udp 5300 from 10.0.1.0/24
check_grep "sg show lists it" <(ctl sg show lab-clients) 'ingress udp 5300 from 10\.0\.1\.0/24'
helper_bg "$INET" udp5300 udp-peer "$INET_IP" 5300 || finish
check_eq "udp/5300 now passes" "$(helper "$P1" udp-ask "$P1_IP" "$INET_IP" 5300 | cut -d: -f1)" "$NAT_PUB"
check "sg rule del lab-clients ingress udp 5300 from 10.0.1.0/24" \
	ctl sg rule del lab-clients ingress udp 5300 from 10.0.1.0/24
check_eq "sg show: gone" "$(ctl sg show lab-clients | grep -c 'udp 5300' || true)" 0
check "sg member add lab-clients 10.0.1.99" ctl sg member add lab-clients 10.0.1.99
check_grep "member listed" <(ctl sg show lab-clients) '10\.0\.1\.99'
check "sg member del lab-clients 10.0.1.99" ctl sg member del lab-clients 10.0.1.99
check_eq "member gone" "$(ctl sg show lab-clients | grep -c '10\.0\.1\.99' || true)" 0
ctl -j sg show >"$T/sg.json"
check "sg show -j is JSON" json_ok "$T/sg.json"
check "pl prefix add office 198.18.0.0/15" ctl pl prefix add office 198.18.0.0/15
check_grep "pl show lists it" <(ctl pl show office) '198\.18\.0\.0/15'
check "pl prefix del office 198.18.0.0/15" ctl pl prefix del office 198.18.0.0/15
check_eq "pl show: gone" "$(ctl pl show office | grep -c '198\.18\.' || true)" 0
check "nacl rule add edge ingress 50 deny tcp 22 from 10.0.2.0/24" \
	ctl nacl rule add edge ingress 50 deny tcp 22 from 10.0.2.0/24
ctl nacl show edge >"$T/nacl.txt"
check_grep "nacl show lists rule 50 before 100" "$T/nacl.txt" 'ingress 50 deny tcp 22 from 10\.0\.2\.0/24'
check_eq "rules in evaluation order" "$(grep -o -E 'ingress (50|100)' "$T/nacl.txt" | tr '\n' ' ')" "ingress 50 ingress 100 "
rc=0
ctl nacl rule add edge ingress 50 allow all from 0.0.0.0/0 2>"$T/nacl-dup.err" || rc=$?
check_eq "a duplicate rule number is refused" "$rc" 1
check "nacl rule del edge ingress 50" ctl nacl rule del edge ingress 50
check_eq "nacl show: gone" "$(ctl nacl show edge | grep -c 'ingress 50 ' || true)" 0
check "ping priv2 -> inet (NACL hits)" ping_ok "$P2" "$INET_IP"
check_grep "nacl show has hit counters" <(ctl nacl show edge) 'ingress 100 allow .*hits [1-9]'

# ---- ports, neighbours, counters, config ----
ctl port show >"$T/ports.txt"
check_eq "port show: three ports" "$(grep -c -E '^[0-9]+: ' "$T/ports.txt")" 3
check_grep "port show: link state" "$T/ports.txt" '^2: out .*link up'
ctl -j port show >"$T/ports.json"
check "port show -j is JSON" json_ok "$T/ports.json"
check_eq "JSON lists the same ports" "$(jlen "$T/ports.json")" 3
check_grep "neigh show lists priv1" <(ctl neigh show) "^$P1_IP dev in1 lladdr"
check "neigh add 10.0.1.77 lladdr 02:00:00:00:77:77 dev in1 (static)" \
	ctl neigh add 10.0.1.77 lladdr 02:00:00:00:77:77 dev in1
check_grep "neigh show lists the static entry" <(ctl neigh show) '^10\.0\.1\.77 dev in1 lladdr 02:00:00:00:77:77'
check_grep "config dump has it" <(ctl config dump) '^neigh\.[0-9]+ = 10\.0\.1\.77 lladdr 02:00:00:00:77:77 dev in1'
rc=0
ctl neigh add 10.0.2.77 lladdr 02:00:00:00:77:77 dev in1 2>"$T/neigh.err" || rc=$?
check_eq "a neighbour outside the port's subnet is refused" "$rc" 1
check "neigh del 10.0.1.77 dev in1" ctl neigh del 10.0.1.77 dev in1
check_eq "neigh show: gone" "$(ctl neigh show | grep -c '^10\.0\.1\.77 ' || true)" 0
ctl -j stats >"$T/stats.json"
check "stats -j is JSON" json_ok "$T/stats.json"
check "counters reset" ctl counters reset
ctl counters >"$T/ctr.txt"
check_eq "after reset: rx_packets of in1 small" "$(awk '$1 == "rx_packets" { print ($2 < 50) ? "small" : $2; exit }' "$T/ctr.txt")" small
ctl config dump >"$T/dump.ini"
check "config dump: natgw --check accepts it" timeout 30 "$NATGW_BIN" --check -c "$T/dump.ini"
check_grep "config dump has the group" "$T/dump.ini" '^\[sg lab-clients\]'
cp "$T/nat.ini" "$T/reload.ini"
ini_set "$T/reload.ini" "sg lab-clients" rule.9 "ingress tcp 9999 from 10.0.1.0/24"
check "config reload FILE" ctl config reload "$T/reload.ini"
check_grep "the reloaded rule is there" <(ctl sg show lab-clients) 'tcp 9999'
rc=0
ctl -s /run/natgw-lab/nope.sock port show 2>"$T/nosock.err" || rc=$?
check_eq "no such socket: exit 1" "$rc" 1
check_grep "... with a message" "$T/nosock.err" 'nope\.sock'
check "$(router_name) still running" natgw_running
finish
