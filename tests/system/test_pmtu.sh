#!/bin/bash
# test_pmtu: the 9001/1500 MTU boundary. natgw forwards jumbo packets between the
# 9001-byte private links; a DF packet too big for `out` (MTU 1500) gets ICMP
# fragmentation-needed with mtu 1500 from 10.0.1.1, so ping reports it and
# tracepath learns pmtu 1500; a DF-clear packet too big for `out` is fragmented
# by natgw and the internet host reassembles it.
# (203.0.113.10 has no route back to 10/8 until natgw does NAT, so nothing here
# needs an answer from it.)
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need tracepath tcpdump
lab_begin

flush_pmtu() { nsx "$P1" ip route flush cache; }

# Jumbo between the private subnets, with and without DF.
check "priv1 -> priv2: 4000-byte echo, DF clear" ping_ok "$P1" "$P2_IP" -Mdont -s 4000
check "priv1 -> priv2: 8000-byte echo, DF set (9001 both sides)" ping_ok "$P1" "$P2_IP" -Mdo -s 8000
check "priv2 -> priv1: 8972-byte echo, DF set (full 9000-byte packet)" ping_ok "$P2" "$P1_IP" -Mdo -s 8972

# Fragmentation by natgw: a 4028-byte DF-clear packet leaves through `out` as
# fragments of at most 1500 bytes, and natgw-inet reassembles them.
# shellcheck disable=SC2016 # awk program
reasm() { nsx "$INET" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["ReasmOKs"] }' /proc/net/snmp; }
flush_pmtu
before=$(reasm)
# With NAT in the lab config the fragments come from 203.0.113.1.
nsx "$INET" timeout 15 tcpdump -l -n -e -v -i eth0 -c 6 "ip and (src $P1_IP or src $GW_OUT)" \
	>"$T/frag.dump" 2>"$T/frag.err" &
bg_add $!
wait_until 5 grep -q 'listening on' "$T/frag.err" || true
nsx "$P1" ping -c 2 -i 0.3 -W 1 -Mdont -s 4000 "$INET_IP" >"$T/frag.ping" 2>&1 || true
wait_until 5 test "$(grep -c 'length' "$T/frag.dump" 2>/dev/null)" -ge 6 || true
after=$(reasm)
check_ge "natgw-inet reassembled the fragmented echo requests" "$((after - before))" 2
check_grep "fragments with MF set reach natgw-inet" "$T/frag.dump" 'flags \[\+\]'
max=$(awk '/ethertype IPv4/ { for (i = 1; i < NF; i++) if ($i == "length") { l = $(i + 1); sub(/:$/, "", l); if (l + 0 > m) m = l + 0; break } } END { print m + 0 }' "$T/frag.dump")
check "every frame on out is at most 1514 bytes (got $max)" test "$max" -le 1514 -a "$max" -gt 0

# Fragmentation needed: 8028-byte DF packet towards the 1500-MTU side.
flush_pmtu
nsx "$P1" ping -c 1 -W 2 -Mdo -s 8000 "$INET_IP" >"$T/df.ping" 2>&1 || true
sed 's/^/    /' "$T/df.ping"
check_grep "ping -Mdo -s 8000 203.0.113.10: frag needed from 10.0.1.1, mtu = 1500" \
	"$T/df.ping" 'From 10\.0\.1\.1 .*(Frag needed|[Ff]rag.*needed).*mtu = 1500'
check "priv1 learnt PMTU 1500 for 203.0.113.10" bash -c \
	"ip netns exec $P1 ip route get $INET_IP | grep -q 'mtu 1500'"

# tracepath from scratch learns pmtu 1500 from natgw's frag-needed.
flush_pmtu
nsx "$P1" timeout 20 tracepath -n -m 3 "$INET_IP" >"$T/tracepath" 2>&1 || true
sed 's/^/    /' "$T/tracepath"
check_grep "tracepath -n 203.0.113.10 learns pmtu 1500" "$T/tracepath" 'pmtu 1500'
check_grep "tracepath: hop 1 is 10.0.1.1" "$T/tracepath" '^ *1: +10\.0\.1\.1 '

check "natgw still running" natgw_running
finish
