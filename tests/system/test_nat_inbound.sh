#!/bin/bash
# test_nat_inbound: nothing gets in without a session or a port-forward, and the
# lab's port-forward (203.0.113.1:8080 -> 10.0.1.10:80 tcp) works, hairpin too.
#  - curl from natgw-inet to 203.0.113.1:12345 (no forward) times out: no
#    SYN-ACK and no RST come back (tcpdump); a UDP datagram to 203.0.113.1:12345
#    gets no answer either (no port unreachable); natgw counts nat_no_session;
#  - curl from natgw-inet to http://203.0.113.1:8080/ reaches the nginx in priv1
#    (10.0.1.10:80), which sees the client as 203.0.113.10 (DNAT only);
#  - hairpin: curl from priv2 to http://203.0.113.1:8080/ works too and nginx sees
#    the client as 203.0.113.1 (both translated); natgw counts sessions_dnat and
#    sessions_hairpin;
#  - ping 203.0.113.1 from natgw-inet is still answered (natgw's own address).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need curl nginx tcpdump
nat_begin

nginx_start "$P1" "$P1_IP:80" priv1 || finish
printf 'port-forwarded to priv1\n' >"$T/www-priv1/pf.txt"
nat_snap "$T/c0"

# 1. No forward: silence.
capture_start "$INET" back "ip src $NAT_PUB and (tcp or udp or icmp[icmptype] != icmp-echoreply)"
rc=0
nsx "$INET" curl -sS --connect-timeout 3 -o /dev/null "http://$NAT_PUB:12345/" 2>"$T/curl-closed.err" || rc=$?
check_eq "curl inet -> $NAT_PUB:12345 (no forward): times out (28), not refused (7)" "$rc" 28
nsx "$INET" bash -c "echo probe >/dev/udp/$NAT_PUB/12345" || true
nsx "$INET" "$PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.connect(('$NAT_PUB', 12346)); s.send(b'probe')
try: s.recv(100); print('answer')
except socket.timeout: print('silence')
except OSError as e: print('error', e)
" >"$T/udp-closed" 2>&1 || true
check_eq "UDP inet -> $NAT_PUB:12346 (no forward): no answer, no port unreachable" "$(cat "$T/udp-closed")" silence
check "ping inet -> $NAT_PUB still answered" ping_ok "$INET" "$NAT_PUB"
capture_stop
pcap_read back | sed 's/^/    /' | head -n 5
check_eq "nothing came back from $NAT_PUB (no SYN-ACK, RST, ICMP error)" "$(pcap_read back | grep -c . || true)" 0
nat_snap "$T/c1"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c1" | sed 's/^/    /'
	# the SYN (and its retransmission), and the two datagrams
	check_nat_grew "unsolicited SYN and UDP" "$T/c0" "$T/c1" nat_no_session 3
	check_eq "no session was created by them" "$(nat_delta "$T/c0" "$T/c1" sessions_created)" 0
fi

# 2. Port-forward from outside.
check "curl inet -> http://$NAT_PUB:8080/pf.txt (forward to 10.0.1.10:80)" \
	nsx "$INET" curl -sS --max-time 10 -o "$T/pf.inet" "http://$NAT_PUB:8080/pf.txt"
check "inet: body byte for byte" cmp "$T/www-priv1/pf.txt" "$T/pf.inet"
check_grep "nginx in priv1 saw the outside client as $INET_IP" "$T/nginx-priv1/access.log" "^$INET_IP [0-9]+ \"GET /pf.txt"

# 3. Hairpin from priv2.
check "hairpin: curl priv2 -> http://$NAT_PUB:8080/pf.txt" \
	nsx "$P2" curl -sS --max-time 10 -o "$T/pf.priv2" "http://$NAT_PUB:8080/pf.txt"
check "priv2: body byte for byte" cmp "$T/www-priv1/pf.txt" "$T/pf.priv2"
sleep 0.2
tail -n 3 "$T/nginx-priv1/access.log" | sed 's/^/    /'
check_eq "nginx saw the hairpin client as $NAT_PUB" \
	"$(tail -n 1 "$T/nginx-priv1/access.log" | awk '{ print $1 }')" "$NAT_PUB"
nat_snap "$T/c2"
if ! kernel_mode; then
	sed -n '/nat /p;/drop/p' "$T/c2" | sed 's/^/    /'
	check_nat_grew "the forward" "$T/c1" "$T/c2" sessions_dnat 1
	check_nat_grew "the hairpin" "$T/c1" "$T/c2" sessions_hairpin 1
fi

# 4. A second forward request after all that still works (sessions coexist).
check "curl inet -> $NAT_PUB:8080 again" \
	nsx "$INET" curl -sS --max-time 10 -o /dev/null "http://$NAT_PUB:8080/pf.txt"
check "$(router_name) still running" natgw_running
finish
