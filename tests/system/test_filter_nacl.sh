#!/bin/bash
# test_filter_nacl: a stateless network ACL in the lab (issue 4). NACL iso on
# in1 denies 10.0.2.0/24 -> 10.0.1.0/24 (egress.100 = deny all to
# 10.0.1.0/24 from 10.0.2.0/24), everything else allowed:
#  (a) without an ephemeral-ports rule: priv2 cannot reach priv1's nginx
#      (nacl_deny counted), and priv1 cannot reach priv2's either: its
#      request passes but the replies (10.0.2.10:80 -> 10.0.1.10:ephemeral)
#      are denied, a NACL does not track connections; priv1 -> natgw-inet works;
#  (b) with egress.50 = allow tcp 1024-65535 to 10.0.1.0/24 from 10.0.2.0/24
#      (applied by SIGHUP reload): priv1 -> priv2 works; priv2 -> priv1:80 is
#      still denied; the rules' hit counters show it.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need curl nginx tcpdump
filter_begin \
	"port in1:nacl=iso" \
	"nacl iso:ingress.100=allow all from 0.0.0.0/0" \
	"nacl iso:egress.100=deny all to 10.0.1.0/24 from 10.0.2.0/24" \
	"nacl iso:egress.200=allow all to 0.0.0.0/0"

nginx_start "$P1" "$P1_IP:80" priv1 || finish
nginx_start "$P2" "$P2_IP:80" priv2 || finish
nginx_start "$INET" "$INET_IP:80" inet || finish
nat_snap "$T/c0"

# (a) no ephemeral rule.
rc=0
nsx "$P2" curl -sS --connect-timeout 3 -o /dev/null "http://$P1_IP/hello.txt" 2>/dev/null || rc=$?
check_eq "(a) priv2 -> priv1:80 denied (curl times out)" "$rc" 28
capture_start "$P2" p2syn "tcp port 80 and src host $P1_IP"
rc=0
nsx "$P1" curl -sS --connect-timeout 3 -o /dev/null "http://$P2_IP/hello.txt" 2>/dev/null || rc=$?
capture_stop
check_eq "(a) priv1 -> priv2:80: the replies are denied (stateless; curl times out)" "$rc" 28
check_ge "(a) ... although priv1's SYNs reached priv2 (tcpdump in priv2)" \
	"$(pcap_read p2syn | grep -c 'Flags \[S\]' || true)" 1
check "(a) priv1 -> inet:80 is not concerned" \
	nsx "$P1" curl -sS --max-time 10 -o /dev/null "http://$INET_IP/hello.txt"
rc=0
ping_ok "$P2" "$P1_IP" >/dev/null 2>&1 || rc=$?
check_eq "(a) ping priv2 -> priv1 denied" "$([ "$rc" -ne 0 ] && echo denied || echo passed)" denied
nat_snap "$T/c1"
check_nat_grew "(a)" "$T/c0" "$T/c1" nacl_deny 5
check_ge "(a) egress.100 (deny) hits on in1" "$(filter_hits "$T/c1" in1 egress 'nacl iso #100')" 5

# (b) the ephemeral-ports rule, by reload.
if filter_reload "nacl iso:egress.50=allow tcp 1024-65535 to 10.0.1.0/24 from 10.0.2.0/24"; then
	pass "(b) natgw reloaded the NACL: $(cat "$T/reload.out")"
else
	fail "(b) reload: $(cat "$T/reload.out")"
fi
check "(b) priv1 -> priv2:80 works with the ephemeral rule" \
	nsx "$P1" curl -sS --max-time 10 -o "$T/hello.p2" "http://$P2_IP/hello.txt"
check "(b) body byte for byte" cmp "$T/www-priv2/hello.txt" "$T/hello.p2"
rc=0
nsx "$P2" curl -sS --connect-timeout 3 -o /dev/null "http://$P1_IP/hello.txt" 2>/dev/null || rc=$?
check_eq "(b) priv2 -> priv1:80 still denied" "$rc" 28
check_eq "(b) priv1's nginx never saw priv2" "$(grep -c "^$P2_IP " "$T/nginx-priv1/access.log" || true)" 0
nat_snap "$T/c2"
sed -n '/^filters/,/^neighbours/p' "$T/c2" | sed 's/^/    /'
check_ge "(b) egress.50 (ephemeral) hits on in1" "$(filter_hits "$T/c2" in1 egress 'nacl iso #50')" 3
check_ge "(b) egress.100 (deny) hits since the reload" "$(filter_hits "$T/c2" in1 egress 'nacl iso #100')" 1
check "$(router_name) still running" natgw_running
finish
