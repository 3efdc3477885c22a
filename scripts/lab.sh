#!/bin/bash
# lab.sh: the natgw netns lab. Four network namespaces joined by veth pairs:
#
#   natgw-priv1 eth0 10.0.1.10/24  ==  in1  \
#   natgw-priv2 eth0 10.0.2.10/24  ==  in2   > natgw-gw (natgw runs here; the
#   natgw-inet  eth0 203.0.113.10  ==  out  /   gw ends have no kernel IPv4 address)
#
# in1/in2 and their peers have MTU 9001, out and its peer 1500. priv1/priv2 route
# by default via 10.0.1.1/10.0.2.1 (natgw); natgw-inet has no default route and
# no route to 10/8 (it only reaches hosts through NAT, once natgw does NAT).
#
# usage: scripts/lab.sh up | start [CONFIG] | stop | down | status | stats | reload
#                       | far up|down | exec NS CMD...  (NS: priv1, priv2, inet, gw, far or natgw-*)
# `reload` sends SIGHUP: natgw reloads the file it was started with (the running
# configuration stays when the file is invalid or needs a restart).
#
# `far up` adds a fifth namespace behind natgw-inet, for path-MTU tests: natgw-inet
# (ip_forward on) eth1 198.51.100.1/24 == natgw-far eth0 198.51.100.10/24, MTU 1280 on
# that link, natgw-far's default route via 198.51.100.1. natgw needs a route to
# 198.51.100.0/24 via 203.0.113.10 (in its config) to reach it.
# Environment:
#   NATGW_BIN           natgw binary (default build/natgw, else build/src/dataplane/natgw)
#   NATGW_LAB_PMD       af_xdp | af_packet: force a PMD (default: af_xdp, retried
#                       once with af_packet when natgw does not come up)
#   NATGW_LAB_QUEUES    queues per veth (default 1)
#   NATGW_LAB_START_TIMEOUT / NATGW_LAB_STOP_TIMEOUT  seconds (20 / 10)
#   LAB_KERNEL_ROUTER=1 `start` makes the natgw-gw kernel the router (addresses
#                       on in1/in2/out, ip_forward=1) instead of running natgw: a
#                       stand-in and reference for comparisons. The static routes
#                       of CONFIG's [table] sections (route.N) are added to the
#                       kernel, and when CONFIG (default config/lab.ini) has a [nat]
#                       section, or KERNEL_NAT=1, nftables does what the section
#                       says: masquerade of the inside prefixes leaving the nat port
#                       (pool address, `ports` range), port-forwards (DNAT) with
#                       hairpin (SNAT to the pool address), nothing else accepted
#                       from outside (to the gw's own address only ping), per-host
#                       cap (ct count) and the timeouts as conntrack sysctls.
#                       KERNEL_NAT=1 without a [nat] section uses the lab's NAT:
#                       10.0.1.0/24 10.0.2.0/24 behind 203.0.113.1 on out, forward
#                       203.0.113.1:8080 -> 10.0.1.10:80 tcp. KERNEL_NAT=0: no NAT.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNDIR=/run/natgw-lab
PIDFILE=$RUNDIR/natgw.pid
LOG=$RUNDIR/natgw.log
MODEFILE=$RUNDIR/mode
# natgw: build/natgw, or where meson puts it (build/src/dataplane/natgw).
if [ -z "${NATGW_BIN:-}" ]; then
	NATGW_BIN=$ROOT/build/natgw
	[ -x "$NATGW_BIN" ] || [ ! -x "$ROOT/build/src/dataplane/natgw" ] ||
		NATGW_BIN=$ROOT/build/src/dataplane/natgw
fi
QUEUES=${NATGW_LAB_QUEUES:-1}
START_TIMEOUT=${NATGW_LAB_START_TIMEOUT:-20}
STOP_TIMEOUT=${NATGW_LAB_STOP_TIMEOUT:-10}

NS_GW=natgw-gw
NS_HOSTS=(natgw-priv1 natgw-priv2 natgw-inet)
ALL_NS=("$NS_GW" "${NS_HOSTS[@]}")
# per host: gw-side interface, host address/prefix, gateway ("" = none), MTU,
# natgw's address on that link.
declare -A GW_IF=([natgw-priv1]=in1 [natgw-priv2]=in2 [natgw-inet]=out)
declare -A HOST_ADDR=([natgw-priv1]=10.0.1.10/24 [natgw-priv2]=10.0.2.10/24 [natgw-inet]=203.0.113.10/24)
declare -A HOST_GW=([natgw-priv1]=10.0.1.1 [natgw-priv2]=10.0.2.1 [natgw-inet]="")
declare -A LINK_MTU=([natgw-priv1]=9001 [natgw-priv2]=9001 [natgw-inet]=1500)
declare -A GW_ADDR=([natgw-priv1]=10.0.1.1/24 [natgw-priv2]=10.0.2.1/24 [natgw-inet]=203.0.113.1/24)
# Fixed MACs keep captures and neighbour tables readable and repeatable.
declare -A GW_MAC=([natgw-priv1]=02:00:00:00:01:01 [natgw-priv2]=02:00:00:00:02:01 [natgw-inet]=02:00:00:00:03:01)
declare -A HOST_MAC=([natgw-priv1]=02:00:00:00:01:0a [natgw-priv2]=02:00:00:00:02:0a [natgw-inet]=02:00:00:00:03:0a)

# The optional far network (`lab.sh far up`).
NS_FAR=natgw-far
FAR_NET=198.51.100.0/24 FAR_GW=198.51.100.1 FAR_HOST=198.51.100.10 FAR_MTU=1280

log() { echo "lab: $*"; }
die() {
	echo "lab: error: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

# nsx NS CMD...: run CMD in namespace NS.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# offloads_off NS IF: make frames wire-sized with full checksums.
offloads_off() {
	local f
	for f in tx tso gso gro; do
		nsx "$1" ethtool -K "$2" "$f" off >/dev/null 2>&1 || true
	done
}

# pid_running: print natgw's pid when it runs.
pid_running() {
	local pid
	[ -f "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

lab_up() {
	local ns
	if ns_exists "$NS_GW" || ns_exists natgw-priv1; then
		log "lab exists: recreating"
		lab_down
	fi
	mkdir -p "$RUNDIR"
	for ns in "${ALL_NS[@]}"; do
		ip netns add "$ns"
		# No IPv6 at all: the kernel must send nothing natgw did not ask for
		# (router solicitations, MLD, DAD).
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		nsx "$ns" ip link set lo up
	done
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=0
	for ns in "${NS_HOSTS[@]}"; do
		local gif=${GW_IF[$ns]} mtu=${LINK_MTU[$ns]}
		ip -n "$NS_GW" link add "$gif" numrxqueues "$QUEUES" numtxqueues "$QUEUES" \
			address "${GW_MAC[$ns]}" mtu "$mtu" type veth \
			peer name eth0 netns "$ns" numrxqueues "$QUEUES" numtxqueues "$QUEUES" \
			address "${HOST_MAC[$ns]}" mtu "$mtu"
		nsx "$NS_GW" sysctl -qw "net.ipv6.conf.$gif.disable_ipv6=1"
		nsx "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		offloads_off "$NS_GW" "$gif"
		offloads_off "$ns" eth0
		ip -n "$ns" addr add "${HOST_ADDR[$ns]}" dev eth0
		ip -n "$NS_GW" link set "$gif" up
		ip -n "$ns" link set eth0 up
		if [ -n "${HOST_GW[$ns]}" ]; then
			ip -n "$ns" route add default via "${HOST_GW[$ns]}" dev eth0
		fi
	done
	log "up: natgw-priv1 10.0.1.10 -- in1 [natgw-gw] in2 -- natgw-priv2 10.0.2.10;" \
		"out -- natgw-inet 203.0.113.10 (queues per veth: $QUEUES)"
}

# kill_ns_procs NS: end every process running inside namespace NS, by pid.
kill_ns_procs() {
	local pids
	ns_exists "$1" || return 0
	pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
	[ -n "${pids// /}" ] || return 0
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null || true
	sleep 0.3
	pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
	# shellcheck disable=SC2086
	[ -z "${pids// /}" ] || kill -9 $pids 2>/dev/null || true
}

lab_down() {
	local ns
	lab_stop quiet
	for ns in "$NS_FAR" "${ALL_NS[@]}"; do
		kill_ns_procs "$ns"
		if ns_exists "$ns"; then
			ip netns del "$ns"
		fi
	done
	rm -f "$MODEFILE"
	log "down"
}

# rewrite_af_packet IN OUT: af_xdp devargs -> af_packet devargs:
#   net_af_xdpN,iface=X,start_queue=0,queue_count=Q -> net_af_packetK,iface=X,qpairs=Q
# (K: the first vdev number no other net_af_packet in the file uses).
# For a port whose mtu is above 1500, framesz/blocksz are added so that jumbo
# frames fit af_packet's ring frames (default 2048 bytes would truncate them).
rewrite_af_packet() {
	# shellcheck disable=SC2016 # awk program
	awk '
	function sect(line) { s = line; sub(/^[ \t]*\[[ \t]*/, "", s); sub(/[ \t]*\].*$/, "", s); return tolower(s) }
	FNR == NR {
		# first pass: the mtu of each section, and the af_packet vdev numbers in use
		t = $0
		while (match(t, /net_af_packet[0-9]+/)) {
			used[substr(t, RSTART + 13, RLENGTH - 13) + 0] = 1
			t = substr(t, RSTART + RLENGTH)
		}
		if ($0 ~ /^[ \t]*\[/) cur = sect($0)
		else if (tolower($0) ~ /^[ \t]*mtu[ \t]*=/) { v = $0; sub(/^[^=]*=[ \t]*/, "", v); mtu[cur] = v + 0 }
		next
	}
	/^[ \t]*\[/ { cur = sect($0) }
	{
		line = $0
		if (match(line, /net_af_xdp[0-9]+,iface=[^,"[:space:]]+,start_queue=0,queue_count=[0-9]+/)) {
			d = substr(line, RSTART, RLENGTH)
			n = 0; while (n in used) n++; used[n] = 1
			ifc = d; sub(/^[^,]*,iface=/, "", ifc); sub(/,.*/, "", ifc)
			q = d; sub(/.*queue_count=/, "", q)
			r = "net_af_packet" n ",iface=" ifc ",qpairs=" q
			m = mtu[cur]
			if (m > 1500) {
				fs = int((m + 14 + 64 + 1023) / 1024) * 1024
				bs = int((fs + 4095) / 4096) * 4096
				r = r ",blocksz=" bs ",framesz=" fs
			}
			line = substr(line, 1, RSTART - 1) r substr(line, RSTART + RLENGTH)
		}
		print line
	}' "$1" "$1" >"$2"
}

# pmd_of CONFIG: the PMDs its devargs use, e.g. "af_packet+af_xdp".
pmd_of() {
	local p
	p=$(grep -Eio '^[[:space:]]*devargs[[:space:]]*=[[:space:]]*net_[a-z_]+[a-z]' "$1" |
		sed -E 's/.*=[[:space:]]*net_//' | sort -u | paste -sd+)
	echo "${p:-unknown}"
}

# launch CONFIG: start natgw in natgw-gw in the background, pid to PIDFILE.
# CONFIG "" runs natgw without -c: its embedded default configuration.
launch() {
	local cfg=$1 stdbuf=(stdbuf -oL -eL) cfgargs=()
	[ -n "$cfg" ] && cfgargs=(-c "$cfg")
	# stdbuf's LD_PRELOAD upsets ASan builds (ASan wants to be first).
	if ldd "$NATGW_BIN" 2>/dev/null | grep -q libasan; then
		stdbuf=()
	fi
	: >"$LOG"
	rm -f "$PIDFILE" "$RUNDIR/natgw.rc"
	# A detached bash (setsid: no terminal signals) runs natgw as its child,
	# writes natgw's pid (ip netns exec and stdbuf exec, so $! is natgw) and,
	# when natgw ends, its exit status.
	# shellcheck disable=SC2016 # $! and $@ are for the inner bash
	setsid bash -c 'ulimit -l unlimited 2>/dev/null || ulimit -l "$(ulimit -Hl)" 2>/dev/null; pf=$1 rf=$2; shift 2
		"$@" & echo $! >"$pf"; wait $!; echo $? >"$rf"' \
		natgw-launch "$PIDFILE" "$RUNDIR/natgw.rc" ip netns exec "$NS_GW" \
		"${stdbuf[@]}" "$NATGW_BIN" "${cfgargs[@]}" </dev/null >>"$LOG" 2>&1 &
	local i
	for i in $(seq 50); do
		[ -s "$PIDFILE" ] && break
		sleep 0.05
	done
	echo natgw >"$MODEFILE"
	log "natgw started (pid $(cat "$PIDFILE"), config ${cfg:-<embedded default>}, log $LOG)"
}

# wait_ready: wait until 10.0.1.1 answers ping from priv1; fails early when the
# process died.
wait_ready() {
	local deadline=$((SECONDS + START_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if [ "$(cat "$MODEFILE" 2>/dev/null)" = natgw ] && ! pid_running >/dev/null; then
			log "natgw exited during start"
			return 1
		fi
		if nsx natgw-priv1 ping -c 1 -W 1 -q 10.0.1.1 >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	log "natgw did not answer ping to 10.0.1.1 within ${START_TIMEOUT}s"
	return 1
}

show_log_tail() {
	echo "---- natgw log (last 20 lines) ----"
	tail -n 20 "$LOG" 2>/dev/null || true
	echo "-----------------------------------"
}

# far_up: the far network behind natgw-inet (see the header).
far_up() {
	ns_exists natgw-inet || die "no lab: run '$0 up' first"
	if ns_exists "$NS_FAR"; then
		far_down
	fi
	ip netns add "$NS_FAR"
	nsx "$NS_FAR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$NS_FAR" ip link set lo up
	ip -n natgw-inet link add eth1 mtu "$FAR_MTU" type veth peer name eth0 netns "$NS_FAR" mtu "$FAR_MTU"
	offloads_off natgw-inet eth1
	offloads_off "$NS_FAR" eth0
	ip -n natgw-inet addr add "$FAR_GW/24" dev eth1
	ip -n "$NS_FAR" addr add "$FAR_HOST/24" dev eth0
	ip -n natgw-inet link set eth1 up
	ip -n "$NS_FAR" link set eth0 up
	ip -n "$NS_FAR" route add default via "$FAR_GW" dev eth0
	# natgw-inet routes between 203.0.113.0/24 and the far net and sends every
	# ICMP error it has to (no rate limit), e.g. frag-needed for the 1280 link.
	nsx natgw-inet sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
	log "far up: natgw-inet eth1 $FAR_GW -- natgw-far $FAR_HOST ($FAR_NET, MTU $FAR_MTU)"
}

far_down() {
	kill_ns_procs "$NS_FAR"
	if ns_exists "$NS_FAR"; then
		ip netns del "$NS_FAR"
	fi
	if ns_exists natgw-inet; then
		ip -n natgw-inet link del eth1 2>/dev/null || true
		nsx natgw-inet sysctl -qw net.ipv4.ip_forward=0 2>/dev/null || true
	fi
	log "far down"
}

# ini_section CONFIG SECTION: "key<TAB>value" lines of [SECTION] (name matched
# case-insensitively, keys lower-cased, comments and quotes removed).
ini_section() {
	# shellcheck disable=SC2016 # awk program
	awk -v want="$2" '
	function trim(x) { sub(/^[ \t\r]+/, "", x); sub(/[ \t\r]+$/, "", x); return x }
	/^[ \t]*[;#]/ { next }
	/^[ \t]*\[/ {
		s = $0; sub(/^[ \t]*\[[ \t]*/, "", s); sub(/[ \t]*\].*$/, "", s); gsub(/[ \t]+/, " ", s)
		cur = tolower(s); next
	}
	cur == want && index($0, "=") {
		k = tolower(trim(substr($0, 1, index($0, "=") - 1)))
		v = substr($0, index($0, "=") + 1)
		if (v ~ /^[ \t]*["\047]/) { v = trim(v); q = substr(v, 1, 1); v = substr(v, 2); sub(q ".*$", "", v) }
		else { sub(/[ \t]+[;#].*$/, "", v); v = trim(v) }
		print k "\t" v
	}' "$1"
}

# ini_sections CONFIG PREFIX: names of the sections starting with PREFIX.
ini_sections() {
	sed -nE 's/^[[:space:]]*\[[[:space:]]*([^]]*[^][:space:]])[[:space:]]*\].*$/\1/p' "$1" |
		tr '[:upper:]' '[:lower:]' | tr -s ' \t' ' ' | grep "^$2" || true
}

# kernel_routes CONFIG: the static routes of CONFIG's tables into natgw-gw's kernel.
kernel_routes() {
	local t k v
	[ -f "$1" ] || return 0
	while read -r t; do
		while IFS=$'\t' read -r k v; do
			case "$k" in route.*) ;; *) continue ;; esac
			case "$v" in *[[:space:]]blackhole) v="blackhole ${v%%[[:space:]]*}" ;; esac
			# shellcheck disable=SC2086 # the route is ip-route syntax
			ip -n "$NS_GW" route replace $v || die "kernel router: cannot add route '$v'"
			log "kernel route: $v"
		done < <(ini_section "$1" "$t")
	done < <(ini_sections "$1" 'table ')
}

# kernel_nat CONFIG: nftables NAT in natgw-gw after CONFIG's [nat] section.
kernel_nat() {
	local cfg=$1 k v nat=() port=out pool="" inside="" ports="" cap=0 fwd=() f profile=rfc refuse=drop
	local -A to=()
	if [ -f "$cfg" ] && grep -Eiq '^[[:space:]]*\[[[:space:]]*nat[[:space:]]*\]' "$cfg"; then
		mapfile -t nat < <(ini_section "$cfg" nat)
	elif [ "${KERNEL_NAT:-}" = 1 ]; then
		nat=($'inside\t10.0.1.0/24 10.0.2.0/24' $'forward.1\t203.0.113.1:8080 -> 10.0.1.10:80 tcp')
	fi
	[ "${#nat[@]}" -gt 0 ] && [ "${KERNEL_NAT:-}" != 0 ] || return 0
	for f in "${nat[@]}"; do
		k=${f%%$'\t'*} v=${f#*$'\t'}
		case "$k" in
		port) port=$v ;;
		pool) pool=${v//,/ } ;;
		inside) inside=${v//,/ } ;;
		ports) ports=${v// /} ;;
		max_sessions_per_host) cap=$v ;;
		profile) profile=$v ;;
		icmp_on_exhaustion) case "${v,,}" in yes | on | true | 1) refuse="reject with icmp type admin-prohibited" ;; esac ;;
		forward.*) fwd+=("$v") ;;
		timeout_*) to[$k]=$v ;;
		esac
	done
	# profile = cloud: 350 s idle wherever no timeout_* key says otherwise.
	# (mapping = tuple-unique has no nftables equivalent: Linux always keeps the
	# source port when it is free.)
	if [ "$profile" = cloud ]; then
		for k in timeout_udp timeout_tcp_established timeout_tcp_transitory timeout_icmp; do
			to[$k]=${to[$k]:-350}
		done
	fi
	[ -n "$pool" ] || pool=$(ip -n "$NS_GW" -4 -o addr show dev "$port" | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	pool=${pool%% *} # the kernel masquerades behind the port's address; first pool address
	[ -n "$inside" ] || die "kernel NAT: [nat] has no inside prefixes"
	local set pf="" pp proto snat_rule hostcap=""
	set=$(echo "$inside" | xargs | sed 's/ /, /g')
	for f in "${fwd[@]}"; do
		# PUBLIC:PORT -> INSIDE:PORT PROTO
		read -r pp _ v proto <<<"$f"
		pf+=$'\t\t'"ip daddr ${pp%:*} $proto dport ${pp##*:} dnat to $v"$'\n'
	done
	snat_rule="oifname \"$port\" ip saddr @inside snat to $pool"
	if [ -n "$ports" ]; then
		# Only TCP/UDP take the range; ICMP ids keep the plain rule.
		snat_rule="oifname \"$port\" ip saddr @inside meta l4proto { tcp, udp } snat to $pool:$ports"$'\n\t\t'"$snat_rule"
	fi
	if [ "$cap" -gt 0 ] 2>/dev/null; then
		hostcap="oifname \"$port\" ip saddr @inside ct state new add @hosts { ip saddr ct count over $cap } $refuse"
	fi
	rules="table ip natgw_lab {
	set inside { type ipv4_addr; flags interval; elements = { $set } }
	set hosts { type ipv4_addr; flags dynamic; size 65535; }
	counter sessions_created { }
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
$pf	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		$snat_rule
		oifname != \"$port\" ip saddr @inside ct status dnat snat to $pool
	}
	chain fwd_filter {
		type filter hook forward priority filter; policy accept;
		ct state new counter name sessions_created
		iifname \"$port\" ct state invalid drop
		iifname \"$port\" ct state established,related accept
		iifname \"$port\" ct status dnat accept
		iifname \"$port\" drop
		$hostcap
	}
	chain in_filter {
		type filter hook input priority filter; policy accept;
		iifname \"$port\" ct state established,related accept
		iifname \"$port\" icmp type echo-request accept
		iifname \"$port\" drop
	}
}"
	printf '%s\n' "$rules" >"$RUNDIR/kernel-nat.nft"
	nsx "$NS_GW" nft -f "$RUNDIR/kernel-nat.nft" || die "kernel NAT: nft rejected $RUNDIR/kernel-nat.nft"
	# Timeouts: conntrack's per-namespace sysctls (they exist once nft loaded conntrack).
	local sc=/proc/sys/net/netfilter
	# ksys NAME VALUE: set one; the kernel's own value goes to kernel-nat.defaults.
	ksys() {
		echo "$1 $(nsx "$NS_GW" cat "$sc/$1" 2>/dev/null)" >>"$RUNDIR/kernel-nat.defaults"
		nsx "$NS_GW" sh -c "echo $2 >$sc/$1" || true
	}
	: >"$RUNDIR/kernel-nat.defaults"
	[ -z "${to[timeout_udp]:-}" ] || { ksys nf_conntrack_udp_timeout "${to[timeout_udp]}"; ksys nf_conntrack_udp_timeout_stream "${to[timeout_udp]}"; }
	[ -z "${to[timeout_icmp]:-}" ] || ksys nf_conntrack_icmp_timeout "${to[timeout_icmp]}"
	[ -z "${to[timeout_tcp_established]:-}" ] || ksys nf_conntrack_tcp_timeout_established "${to[timeout_tcp_established]}"
	if [ -n "${to[timeout_tcp_syn]:-}" ]; then
		ksys nf_conntrack_tcp_timeout_syn_sent "${to[timeout_tcp_syn]}"
		ksys nf_conntrack_tcp_timeout_syn_recv "${to[timeout_tcp_syn]}"
	fi
	if [ -n "${to[timeout_tcp_transitory]:-}" ]; then
		for k in time_wait close fin_wait close_wait last_ack; do
			ksys "nf_conntrack_tcp_timeout_$k" "${to[timeout_tcp_transitory]}"
		done
	fi
	echo yes >"$RUNDIR/kernel-nat"
	log "kernel NAT (nftables, $RUNDIR/kernel-nat.nft): $inside -> $pool on $port${ports:+ ports $ports}," \
		"${#fwd[@]} port-forward(s), per-host cap ${cap:-0}"
}

kernel_router_start() {
	local cfg=${1:-$ROOT/config/lab.ini}
	local ns
	for ns in "${NS_HOSTS[@]}"; do
		ip -n "$NS_GW" addr replace "${GW_ADDR[$ns]}" dev "${GW_IF[$ns]}"
	done
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 net.ipv4.icmp_ratelimit=0
	for ns in "${NS_HOSTS[@]}"; do
		nsx "$NS_GW" sysctl -qw "net.ipv4.conf.${GW_IF[$ns]}.send_redirects=0"
	done
	kernel_routes "$cfg"
	kernel_nat "$cfg"
	echo kernel >"$MODEFILE"
	wait_ready || die "kernel router does not answer ping to 10.0.1.1"
	log "kernel router running in natgw-gw (LAB_KERNEL_ROUTER=1; no natgw)"
}

kernel_router_stop() {
	local ns
	for ns in "${NS_HOSTS[@]}"; do
		ip -n "$NS_GW" addr flush dev "${GW_IF[$ns]}" 2>/dev/null || true
	done
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=0 2>/dev/null || true
	nsx "$NS_GW" nft delete table ip natgw_lab 2>/dev/null || true
	ip -n "$NS_GW" route flush proto static 2>/dev/null || true
	ip -n "$NS_GW" route flush proto boot 2>/dev/null || true
	rm -f "$MODEFILE" "$RUNDIR/kernel-nat" "$RUNDIR/kernel-nat.defaults"
	log "kernel router stopped"
}

lab_start() {
	local cfg=${1:-} pmd=${NATGW_LAB_PMD:-auto} pcfg embedded=0
	ns_exists "$NS_GW" || die "no lab: run '$0 up' first"
	mkdir -p "$RUNDIR"
	if [ -n "$(pid_running)" ] || [ "$(cat "$MODEFILE" 2>/dev/null)" = kernel ]; then
		log "already running: restarting"
		lab_stop quiet
	fi
	# Forget neighbours learnt from a previous run.
	nsx natgw-priv1 ip neigh flush dev eth0 2>/dev/null || true
	nsx natgw-priv2 ip neigh flush dev eth0 2>/dev/null || true
	nsx natgw-inet ip neigh flush dev eth0 2>/dev/null || true
	if [ "${LAB_KERNEL_ROUTER:-0}" = 1 ]; then
		[ -z "$cfg" ] || [ -f "$cfg" ] || die "config $cfg not found"
		kernel_router_start "$cfg"
		return
	fi
	[ -x "$NATGW_BIN" ] || die "$NATGW_BIN not built (scripts/build.sh)"
	if [ -z "$cfg" ]; then
		# No CONFIG: natgw runs on its embedded default (config/lab.ini built
		# in); a copy is written for the PMD rewrite below.
		embedded=1
		cfg=$RUNDIR/embedded-default.ini
		"$NATGW_BIN" --print-default-config >"$cfg"
	fi
	[ -f "$cfg" ] || die "config $cfg not found"
	cfg=$(readlink -f "$cfg")
	pcfg=$RUNDIR/$(basename "${cfg%.ini}")-af_packet.ini
	case "$pmd" in
	af_packet)
		rewrite_af_packet "$cfg" "$pcfg"
		log "NATGW_LAB_PMD=af_packet: using $pcfg"
		pmd_of "$pcfg" >"$RUNDIR/pmd"
		launch "$pcfg"
		wait_ready || { show_log_tail; lab_stop quiet; die "natgw did not come up"; }
		;;
	af_xdp | auto)
		pmd_of "$cfg" >"$RUNDIR/pmd"
		if [ "$embedded" = 1 ]; then launch ""; else launch "$cfg"; fi
		if ! wait_ready; then
			show_log_tail
			lab_stop quiet
			if [ "$pmd" = auto ] && grep -q net_af_xdp "$cfg"; then
				cp "$LOG" "$RUNDIR/natgw-af_xdp.log"
				log "natgw did not come up with net_af_xdp (log kept in" \
					"$RUNDIR/natgw-af_xdp.log); retrying once with net_af_packet"
				rewrite_af_packet "$cfg" "$pcfg"
				pmd_of "$pcfg" >"$RUNDIR/pmd"
				launch "$pcfg"
				wait_ready || { show_log_tail; lab_stop quiet; die "natgw did not come up with net_af_packet either"; }
			else
				die "natgw did not come up"
			fi
		fi
		;;
	*) die "NATGW_LAB_PMD must be af_xdp or af_packet, not '$pmd'" ;;
	esac
	log "natgw is up ($(cat "$RUNDIR/pmd") PMD): 10.0.1.1 answers ping from natgw-priv1"
}

# new_output SIZE: print what the log gained after byte SIZE once it stops growing.
new_output() {
	local start=$1 timeout=${2:-5} last=-1 cur stable=0
	local deadline=$((SECONDS + timeout))
	while [ "$SECONDS" -lt "$deadline" ]; do
		cur=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
		# natgw ends its table with "==== end of counters ====".
		if [ "$cur" -gt "$start" ] &&
			tail -c +"$((start + 1))" "$LOG" | grep -q 'end of counters'; then
			break
		fi
		if [ "$cur" -gt "$start" ] && [ "$cur" -eq "$last" ]; then
			stable=$((stable + 1))
			[ "$stable" -ge 10 ] && break
		else
			stable=0
		fi
		last=$cur
		sleep 0.1
	done
	tail -c +"$((start + 1))" "$LOG"
}

lab_stats() {
	local pid size
	pid=$(pid_running) || die "natgw is not running"
	size=$(stat -c %s "$LOG")
	kill -USR1 "$pid"
	new_output "$size" 5
}

# lab_reload: SIGHUP natgw (it reloads its config file) and print its verdict
# line; exit 0 when it reloaded, 1 when it refused (the running config stays).
lab_reload() {
	local pid size deadline out
	pid=$(pid_running) || die "natgw is not running"
	size=$(stat -c %s "$LOG")
	kill -HUP "$pid"
	deadline=$((SECONDS + 10))
	while [ "$SECONDS" -lt "$deadline" ]; do
		out=$(tail -c +"$((size + 1))" "$LOG" | grep -E 'SIGHUP: (configuration reloaded|reload refused)' || true)
		if [ -n "$out" ]; then
			echo "$out"
			case "$out" in *"configuration reloaded"*) return 0 ;; *) return 1 ;; esac
		fi
		sleep 0.1
	done
	die "natgw did not answer SIGHUP within 10 s"
}

# lab_stop [quiet]: SIGTERM natgw, SIGKILL after STOP_TIMEOUT; print final counters.
lab_stop() {
	local quiet=${1:-} pid size i
	if [ "$(cat "$MODEFILE" 2>/dev/null)" = kernel ]; then
		kernel_router_stop
		return 0
	fi
	if ! pid=$(pid_running); then
		rm -f "$PIDFILE"
		[ -n "$quiet" ] || log "natgw is not running"
		return 0
	fi
	size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "natgw (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		echo "killed" >"$RUNDIR/last-stop"
	else
		echo "clean" >"$RUNDIR/last-stop"
	fi
	rm -f "$PIDFILE" "$MODEFILE"
	for ((i = 0; i < 20; i++)); do
		[ -s "$RUNDIR/natgw.rc" ] && break
		sleep 0.05
	done
	if [ -z "$quiet" ]; then
		log "natgw (pid $pid) stopped, exit status $(cat "$RUNDIR/natgw.rc" 2>/dev/null || echo '?'); final output:"
		tail -c +"$((size + 1))" "$LOG"
	fi
}

lab_status() {
	local ns pid
	for ns in "${ALL_NS[@]}" "$NS_FAR"; do
		[ "$ns" != "$NS_FAR" ] || ns_exists "$ns" || continue
		if ns_exists "$ns"; then
			echo "namespace $ns:"
			ip -n "$ns" -br addr show | grep -v '^lo ' | sed 's/^/    /'
		else
			echo "namespace $ns: absent"
		fi
	done
	if [ "$(cat "$MODEFILE" 2>/dev/null)" = kernel ]; then
		echo "router: kernel (LAB_KERNEL_ROUTER=1)"
	elif pid=$(pid_running); then
		echo "router: natgw running, pid $pid, PMD $(cat "$RUNDIR/pmd" 2>/dev/null || echo ?), log $LOG"
	else
		echo "router: none running"
		return 3
	fi
}

lab_exec() {
	local ns=${1:-}
	[ -n "$ns" ] || die "usage: $0 exec NS CMD..."
	shift
	case "$ns" in natgw-*) ;; *) ns=natgw-$ns ;; esac
	ns_exists "$ns" || die "no namespace $ns"
	exec ip netns exec "$ns" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
up) lab_up ;;
start) lab_start "$@" ;;
stop) lab_stop ;;
down) lab_down ;;
status) lab_status ;;
stats) lab_stats ;;
reload) lab_reload ;;
exec) lab_exec "$@" ;;
far)
	case "${1:-}" in
	up) far_up ;;
	down) far_down ;;
	*) die "usage: $0 far up|down" ;;
	esac
	;;
*)
	echo "usage: $0 up | start [CONFIG] | stop | down | status | stats | reload | far up|down | exec NS CMD..." >&2
	exit 2
	;;
esac
