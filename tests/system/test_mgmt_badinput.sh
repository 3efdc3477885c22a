#!/bin/bash
# test_mgmt_badinput: bad management input never hurts natgw (issue 5). While
# priv1 pings natgw-inet every 20 ms through natgw:
#  - malformed requests on the socket (mgmt_client.py badinput: truncated,
#    wrong lengths, no family header, unknown or reply-only command, wrong
#    version or message type, attributes of the wrong type or size, unknown
#    attribute, string without NUL, trailing bytes, oversized, random bytes)
#    each get an NLMSG_ERROR with a message (or the connection is closed),
#    and a valid request still works;
#  - clients that disconnect in the middle of a route dump and of a session
#    dump (with 3,000 routes and 300 sessions to dump) are cleaned up;
#  - an unprivileged client (uid 65534) is refused;
#  - natgwctl with wrong arguments exits 2 and says why;
#  - natgw keeps forwarding: no ping is lost, and it still answers.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_natgwctl
need setpriv
nat_begin
kernel_mode && skip "the kernel stand-in has no management plane"
MC=$SYS_DIR/mgmt_client.py

# Something to dump: 3,000 routes and 300 sessions.
check "3000 routes added (batches of 200)" "$PY" "$MC" add-routes "$NATGW_SOCK" 3000 main 203.0.113.10 200
check_ge "route show lists them" "$(ctl route show table main | grep -c '^198\.18\.')" 3000
helper_bg "$INET" udpsrv udp-peer "$INET_IP" 5300 || finish
nsx "$P1" "$PY" -c "
import socket
socks = []
for i in range(300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('$P1_IP', 20000 + i)); s.sendto(b'x', ('$INET_IP', 5300)); socks.append(s)"
check_ge "sessions to dump" "$(ctl nat sessions count)" 250

nsx "$P1" ping -i 0.02 -c 400 -W 1 "$INET_IP" >"$T/ping.out" 2>&1 &
PING=$!
bg_add "$PING"

"$PY" "$MC" badinput "$NATGW_SOCK" >"$T/bad.out" 2>&1 || true
sed 's/^/    /' "$T/bad.out"
check_eq "every malformed request got an error (or a disconnect)" \
	"$(grep -c '^case ' "$T/bad.out")" "$(grep -E '^case ' "$T/bad.out" | grep -c -E ': (-[0-9]+|closed) ')"
check_ge "the malformed cases that ran" "$(grep -c '^case ' "$T/bad.out")" 15
check_grep "errors carry a message naming the problem" "$T/bad.out" 'case LEN as u32: -22 attribute ROUTE\.LEN'
check_grep "a valid request still works afterwards" "$T/bad.out" 'valid request after the bad ones: 0'
check_eq "clients leaving in the middle of dumps" "$("$PY" "$MC" dump-disconnect "$NATGW_SOCK" 2>&1)" ok
check_eq "natgw still dumps the sessions" "$(ctl nat sessions count)" "$(ctl -j nat sessions | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
check_grep "an unprivileged client (uid 65534) is refused" \
	<(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$MC" refused "$NATGW_SOCK" 2>&1) '^refused'
rc=0
"$NATGWCTL" -s "$NATGW_SOCK" route add 2>"$T/usage.err" || rc=$?
check_eq "natgwctl route add without a prefix: exit 2" "$rc" 2
check_grep "... with a usage message" "$T/usage.err" 'usage|expected|missing'
rc=0
"$NATGWCTL" -s "$NATGW_SOCK" frobnicate 2>"$T/obj.err" || rc=$?
check_eq "natgwctl with an unknown object: exit 2" "$rc" 2
wait "$PING" || true
tail -n 2 "$T/ping.out" | sed 's/^/    /'
check_grep "no ping lost while all that happened" "$T/ping.out" ' 0% packet loss'
check "$(router_name) still running" natgw_running
finish
