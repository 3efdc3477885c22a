#!/bin/bash
# test_nat_kernel_ref: the NAT client scenarios against the Linux kernel as a
# reference and against natgw, on the same lab and the same [nat] config (the
# kernel: natgw-gw routes, nftables masquerades and port-forwards, see
# scripts/lab.sh, LAB_KERNEL_ROUTER=1). Scenarios: curl from priv1 and priv2 to
# nginx in natgw-inet (source seen), dig (also a 2.6 KB answer in fragments), ping, traceroute (UDP, ICMP, TCP), EIM
# (one UDP socket, two servers), an unsolicited SYN and UDP datagram to the public
# address (nothing comes back), the port-forward from outside and hairpin.
# Where they must agree the test checks that they do (and that the kernel gives
# the expected answer, so the reference itself is sound). Where natgw differs on
# purpose it says so: public port choice (Linux keeps the source port when it is
# free, natgw randomises, RFC 6056), ICMP identifiers, and the default timeouts
# (ICMP 60 s vs the kernel's 30 s, ...).
# With LAB_KERNEL_ROUTER=1 only the kernel half runs (and is checked against
# the expected answers); without it natgw must have NAT (else: skip).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need curl nginx dig dnsmasq traceroute tcpdump nft
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
routers=(kernel)
if ! kernel_mode; then
	[ -x "$NATGW_BIN" ] || skip "$NATGW_BIN not built (scripts/build.sh)"
	nat_available || skip "natgw has no NAT yet (no [nat] section in config/lab.ini)"
	routers+=(natgw)
fi
nat_config "$T/nat.ini"
if [[ " ${routers[*]} " == *" natgw "* ]] &&
	! timeout 30 "$NATGW_BIN" --check -c "$T/nat.ini" >"$T/check.out" 2>&1; then
	cat "$T/check.out"
	fail "natgw --check accepts the NAT config"
	exit 1
fi
lab_lock
LAB_STARTED=1 # lib.sh's teardown takes the lab down
"$LAB" up >"$T/lab-up.log" 2>&1 || { cat "$T/lab-up.log"; fail "lab up"; exit 1; }
nsx "$INET" sysctl -qw net.ipv4.icmp_ratelimit=0

# Servers, up for both routers. big.natgw-test.example: 12 TXT records, a
# ~2.6 KB answer over UDP (fragments on the way back).
big_txt=()
long=$(printf 'natgw-%03d-' $(seq 1 20))
for i in $(seq 10 21); do
	big_txt+=(--txt-record="big.natgw-test.example,$i$long")
done
nginx_start "$INET" "$INET_IP:80" inet || finish
nginx_start "$P1" "$P1_IP:80" priv1 || finish
helper_bg "$INET" acc accept-log "$INET_IP" 7002 "$T/peers.log" || finish
helper_bg "$INET" u1 udp-peer "$INET_IP" 5301 || finish
helper_bg "$INET" u2 udp-peer "$INET_IP" 5302 || finish
ip netns exec "$INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--no-poll --bind-interfaces --listen-address="$INET_IP" --user=root --group=root \
	--pid-file="$T/dnsmasq.pid" --log-queries --log-facility="$T/dnsmasq.log" \
	--address=/www.natgw-test.example/198.51.100.80 --edns-packet-max=4096 \
	"${big_txt[@]}" >"$T/dnsmasq.out" 2>&1 &
bg_add $!
wait_until 10 bash -c "ip netns exec $INET ss -lun | grep -q '$INET_IP:53 '" || fail "dnsmasq started"

# r KEY VALUE: record one result of the current router.
r() { printf '%s\t%s\n' "$1" "$2" >>"$T/res.$ROUTER"; }
# r_if KEY YES NO CMD...: record YES when CMD succeeds, else NO.
r_if() {
	local k=$1 y=$2 n=$3
	shift 3
	if "$@"; then r "$k" "$y"; else r "$k" "$n"; fi
}

# trace MODE ARGS...: "hop1 hop2 | hops" of a traceroute to 203.0.113.10.
trace() {
	nsx "$P1" traceroute -n -w 2 -q 1 -m 5 "$@" "$INET_IP" 2>/dev/null |
		awk 'NR > 1 { h[$1] = $2; n = $1 } END { printf "%s %s | %d hops", h[1], h[2], n }'
}

scenarios() {
	local rc v n
	: >"$T/res.$ROUTER"
	for ns in "$P1" "$P2"; do
		v=$(nsx "$ns" curl -s --max-time 10 "http://$INET_IP/hello.txt" || true)
		r_if "http_${ns#natgw-}" ok fail test "$v" = "natgw inet says hello"
	done
	r http_source_seen "$(awk '{ print $1 }' "$T/nginx-inet/access.log" | sort -u | paste -sd,)"
	: >"$T/nginx-inet/access.log"
	r dig "$(nsx "$P1" dig +time=2 +tries=2 +short "@$INET_IP" www.natgw-test.example A 2>&1 | paste -sd,)"
	r dig_large_udp_answer "$(nsx "$P1" dig +time=2 +tries=2 +bufsize=4096 +ignore "@$INET_IP" \
		big.natgw-test.example TXT 2>&1 | grep -c '^big\.natgw-test\.example\..*TXT') records"
	sleep 0.2
	r dig_source_seen "$(grep 'query\[' "$T/dnsmasq.log" | awk '{ print $NF }' | sort -u | paste -sd,)"
	: >"$T/dnsmasq.log"
	capture_start "$INET" "icmp.$ROUTER" "icmp[icmptype] == icmp-echo"
	nsx "$P1" ping -c 3 -i 0.2 -W 2 -e 4343 "$INET_IP" >"$T/ping.$ROUTER" 2>&1 || true
	capture_stop
	r_if ping ok fail grep -q ' 0% packet loss' "$T/ping.$ROUTER"
	r ping_source_seen "$(pcap_read "icmp.$ROUTER" | awk '{ print $3 }' | sort -u | paste -sd,)"
	pcap_read "icmp.$ROUTER" >"$T/icmp.$ROUTER.txt"
	r_if icmp_id_kept yes no grep -q 'id 4343,' "$T/icmp.$ROUTER.txt"
	r traceroute_udp "$(trace)"
	r traceroute_icmp "$(trace -I)"
	r traceroute_tcp "$(trace -T -p 80)"
	helper "$P1" udp-eim "$P1_IP" 45000 "$INET_IP:5301" "$INET_IP:5302" >"$T/eim.$ROUTER" 2>&1 || true
	n=$(awk '{ print $2 }' "$T/eim.$ROUTER" | sort -u | grep -c '^203\.0\.113\.1:' || true)
	r_if eim_same_mapping yes no test "$(grep -c . "$T/eim.$ROUTER")$n" = 21
	r eim_public_port "$(awk 'NR == 1 { sub(/.*:/, "", $2); print $2 }' "$T/eim.$ROUTER")"
	: >"$T/peers.log"
	helper "$P1" burst "$P1_IP" "$INET_IP" 7002 50 42000 >/dev/null 2>&1 || true
	wait_until 3 test "$(grep -c . "$T/peers.log")" -ge 50 || true
	# shellcheck disable=SC2016 # awk program
	r source_ports "$(awk '{ p = $2; if (p >= 42000 && p < 42050) k++; if (NR > 1 && (p - q == 1 || q - p == 1)) s++; q = p }
		END { if (k >= 45) print "kept"; else if (s < 5) print "random"; else print "other" }' "$T/peers.log")"
	rc=0
	nsx "$INET" curl -s --connect-timeout 3 -o /dev/null "http://$NAT_PUB:12345/" || rc=$?
	r inbound_syn_no_forward "curl exit $rc"
	capture_start "$INET" "back.$ROUTER" "ip src $NAT_PUB and (tcp or udp or icmp[icmptype] != icmp-echoreply)"
	nsx "$INET" curl -s --connect-timeout 2 -o /dev/null "http://$NAT_PUB:12346/" || true
	nsx "$INET" bash -c "echo probe >/dev/udp/$NAT_PUB/12347" || true
	sleep 1
	capture_stop
	r inbound_answers "$(pcap_read "back.$ROUTER" | grep -c . || true)"
	: >"$T/nginx-priv1/access.log"
	v=$(nsx "$INET" curl -s --max-time 10 "http://$NAT_PUB:8080/hello.txt" || true)
	r_if port_forward ok fail test "$v" = "natgw priv1 says hello"
	v=$(nsx "$P2" curl -s --max-time 10 "http://$NAT_PUB:8080/hello.txt" || true)
	r_if hairpin ok fail test "$v" = "natgw priv1 says hello"
	sleep 0.2
	r forward_sources_seen "$(awk '{ print $1 }' "$T/nginx-priv1/access.log" | paste -sd,)"
}

# Expected answers (what both must give).
declare -A WANT=(
	[http_priv1]=ok [http_priv2]=ok [http_source_seen]=$NAT_PUB
	[dig]=198.51.100.80 [dig_large_udp_answer]="12 records" [dig_source_seen]=$NAT_PUB [ping]=ok [ping_source_seen]=$NAT_PUB
	[traceroute_udp]="$GW_IN1 $INET_IP | 2 hops" [traceroute_icmp]="$GW_IN1 $INET_IP | 2 hops"
	[traceroute_tcp]="$GW_IN1 $INET_IP | 2 hops" [eim_same_mapping]=yes
	[inbound_syn_no_forward]="curl exit 28" [inbound_answers]=0
	[port_forward]=ok [hairpin]=ok [forward_sources_seen]="$INET_IP,$NAT_PUB"
)
# Where natgw differs on purpose: key -> explanation.
declare -A DIFFER=(
	[icmp_id_kept]="Linux keeps the ICMP echo identifier when it is free; natgw picks a random one"
	[source_ports]="Linux keeps the source port when it is free (sequential clients stay sequential); natgw randomises (RFC 6056)"
	[eim_public_port]="the public port itself: Linux keeps 45000, natgw picks a random port (both keep one mapping)"
)

for ROUTER in "${routers[@]}"; do
	say "---- router: $ROUTER ----"
	if [ "$ROUTER" = kernel ]; then
		export LAB_KERNEL_ROUTER=1
	else
		export LAB_KERNEL_ROUTER=0
	fi
	if ! "$LAB" start "$T/nat.ini" >"$T/start.$ROUTER" 2>&1; then
		cat "$T/start.$ROUTER"
		fail "$ROUTER started"
		continue
	fi
	scenarios
	sed 's/\t/ = /; s/^/    /' "$T/res.$ROUTER"
	while IFS=$'\t' read -r k v; do
		[ -n "${WANT[$k]:-}" ] || continue
		check_eq "$ROUTER: $k" "$v" "${WANT[$k]}"
	done <"$T/res.$ROUTER"
	if [ "$ROUTER" = kernel ]; then
		# the kernel's own defaults (scripts/lab.sh saved them before applying
		# the [nat] timeouts)
		cp /run/natgw-lab/kernel-nat.defaults "$T/kernel.defaults" 2>/dev/null || true
	fi
done
export LAB_KERNEL_ROUTER=0

if [ "${#routers[@]}" = 2 ]; then
	say "---- natgw vs kernel ----"
	while IFS=$'\t' read -r k kv; do
		nv=$(awk -F'\t' -v k="$k" '$1 == k { print $2 }' "$T/res.natgw")
		if [ -n "${DIFFER[$k]:-}" ]; then
			say "differs on purpose: $k: kernel '$kv', natgw '$nv': ${DIFFER[$k]}"
		else
			check_eq "natgw and the kernel agree: $k" "$nv" "$kv"
		fi
	done <"$T/res.kernel"
	# The ports natgw chose must not be the kept ones.
	check_eq "natgw: source ports randomised" "$(awk -F'\t' '$1 == "source_ports" { print $2 }' "$T/res.natgw")" random
fi
kdef() { awk -v k="nf_conntrack_$1" '$1 == k { print $2 }' "$T/kernel.defaults" 2>/dev/null; }
say "differs on purpose: default timeouts: ICMP query natgw 60 s (RFC 5508 REQ-1: >= 60 s)," \
	"kernel $(kdef icmp_timeout) s; UDP natgw 300 s (RFC 4787 REQ-5: >= 120 s), kernel" \
	"$(kdef udp_timeout) s ($(kdef udp_timeout_stream) s once both sides spoke); TCP established" \
	"natgw 7440 s (RFC 5382 REQ-5), kernel $(kdef tcp_timeout_established) s; TCP transitory natgw" \
	"240 s, kernel TIME_WAIT $(kdef tcp_timeout_time_wait) s. (This run gave the kernel the" \
	"config's timeout_* values, so the scenarios above do not depend on them.)"
finish
