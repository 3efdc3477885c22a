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
# usage: scripts/lab.sh up | start [CONFIG] | stop | down | status | stats
#                       | exec NS CMD...    (NS: priv1, priv2, inet, gw or natgw-*)
# Environment:
#   NATGW_BIN           natgw binary (default build/natgw, else build/src/dataplane/natgw)
#   NATGW_LAB_PMD       af_xdp | af_packet: force a PMD (default: af_xdp, retried
#                       once with af_packet when natgw does not come up)
#   NATGW_LAB_QUEUES    queues per veth (default 1)
#   NATGW_LAB_START_TIMEOUT / NATGW_LAB_STOP_TIMEOUT  seconds (20 / 10)
#   LAB_KERNEL_ROUTER=1 `start` makes the natgw-gw kernel the router (addresses
#                       on in1/in2/out, ip_forward=1) instead of running natgw: a
#                       stand-in and reference for comparisons.
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
	for ns in "${ALL_NS[@]}"; do
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

kernel_router_start() {
	local ns
	for ns in "${NS_HOSTS[@]}"; do
		ip -n "$NS_GW" addr replace "${GW_ADDR[$ns]}" dev "${GW_IF[$ns]}"
	done
	nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 net.ipv4.icmp_ratelimit=0
	for ns in "${NS_HOSTS[@]}"; do
		nsx "$NS_GW" sysctl -qw "net.ipv4.conf.${GW_IF[$ns]}.send_redirects=0"
	done
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
	rm -f "$MODEFILE"
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
		kernel_router_start
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
	for ns in "${ALL_NS[@]}"; do
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
exec) lab_exec "$@" ;;
*)
	echo "usage: $0 up | start [CONFIG] | stop | down | status | stats | exec NS CMD..." >&2
	exit 2
	;;
esac
