# shellcheck shell=bash disable=SC2034
# lib.sh: helpers for the natgw system tests (tests/system/test_*.sh).
# Source it, then call lab_begin: the netns lab is created and natgw (or, with
# LAB_KERNEL_ROUTER=1, the kernel of natgw-gw as a stand-in) is started; an EXIT
# trap always stops natgw, the background servers the test registered with bg_add,
# removes the namespaces and the test's temp dir. Assertions print one
# "PASS: ..." / "FAIL: ..." line each; finish exits 0 (all passed) or 1.
# A test exits 77 (skip) through skip.
#
# Environment: NATGW_BIN (natgw binary, default build/natgw), LAB_KERNEL_ROUTER=1
# (kernel router stand-in: counter checks are skipped), NATGW_LAB_PMD, and
# NATGW_TEST_KEEP=1 (leave the lab up after the test, for debugging).

set -euo pipefail

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SYS_DIR/../.." && pwd)
LAB=$ROOT/scripts/lab.sh
if [ -z "${NATGW_BIN:-}" ]; then
	NATGW_BIN=$ROOT/build/natgw
	[ -x "$NATGW_BIN" ] || [ ! -x "$ROOT/build/src/dataplane/natgw" ] ||
		NATGW_BIN=$ROOT/build/src/dataplane/natgw
fi
export NATGW_BIN
NATGW_LOG=/run/natgw-lab/natgw.log
TEST_NAME=$(basename "${0%.sh}")
T=$(mktemp -d "/tmp/natgw-$TEST_NAME.XXXXXX")
chmod 755 "$T"
N_PASS=0
N_FAIL=0
BG_PIDS=()
LAB_STARTED=0

# Names of the namespaces and the addresses in them (see scripts/lab.sh).
P1=natgw-priv1
P2=natgw-priv2
INET=natgw-inet
GW=natgw-gw
# (the variables here are used by the tests that source this file)
P1_IP=10.0.1.10 P2_IP=10.0.2.10 INET_IP=203.0.113.10
GW_IN1=10.0.1.1 GW_IN2=10.0.2.1 GW_OUT=203.0.113.1

say() { echo "[$TEST_NAME] $*"; }

kernel_mode() { [ "${LAB_KERNEL_ROUTER:-0}" = 1 ]; }

# nsx NS CMD...: run CMD in a lab namespace.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

pass() {
	N_PASS=$((N_PASS + 1))
	echo "PASS: $TEST_NAME: $*"
}

fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $TEST_NAME: $*"
}

# skip REASON: the whole test is skipped (exit 77).
skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# check DESC CMD...: PASS when CMD exits 0; its output is shown on failure.
check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc (exit $rc)"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
}

# check_grep DESC FILE REGEX: PASS when the file has a line matching REGEX (ERE).
check_grep() {
	if grep -Eq -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1 (no line matching /$3/ in:)"
		tail -n 20 "$2" | sed 's/^/    | /'
	fi
}

# check_ge DESC ACTUAL MIN: PASS when ACTUAL >= MIN (integers).
check_ge() {
	if [ "$2" -ge "$3" ]; then
		pass "$1 ($2 >= $3)"
	else
		fail "$1 ($2 < $3)"
	fi
}

# check_eq DESC ACTUAL EXPECTED: string equality.
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1 ($2)"
	else
		fail "$1 (got '$2', expected '$3')"
	fi
}

# need CMD...: skip the test when one of the commands is missing.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed (scripts/install-deps.sh)"
	done
}

# need_natgw: skip when the natgw binary is not built.
need_natgw() {
	[ -x "$NATGW_BIN" ] || skip "$NATGW_BIN not built (scripts/build.sh)"
}

# bg_add PID: a background process to end (by pid) at teardown.
bg_add() { BG_PIDS+=("$1"); }

# bg_kill_all: end the registered background processes.
bg_kill_all() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
	BG_PIDS=()
}

teardown() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	bg_kill_all
	if [ "$N_FAIL" -gt 0 ] && [ -s "$NATGW_LOG" ] && ! kernel_mode; then
		echo "---- natgw log (last 30 lines) ----"
		tail -n 30 "$NATGW_LOG"
		echo "-----------------------------------"
	fi
	if [ "${NATGW_TEST_KEEP:-0}" = 1 ]; then
		say "NATGW_TEST_KEEP=1: lab left up, temp dir $T"
	else
		[ "$LAB_STARTED" = 1 ] && "$LAB" down >/dev/null 2>&1
		rm -rf "$T"
	fi
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lab_lock: one test at a time on this machine's lab (its namespaces and
# /run/natgw-lab are shared): wait up to NATGW_LAB_LOCK_WAIT seconds (900) for
# the test holding /run/natgw-lab.lock. A background flock holds the lock (its
# file descriptor is not inherited by the test's servers or natgw) until this
# test's shell exits.
lab_lock() {
	local wait=${NATGW_LAB_LOCK_WAIT:-900} st=$T/lab-lock.state holder
	command -v flock >/dev/null 2>&1 || return 0
	# shellcheck disable=SC2016 # for the inner sh
	flock -o -w "$wait" /run/natgw-lab.lock sh -c \
		'echo locked >"$1"; while kill -0 "$2" 2>/dev/null; do sleep 0.3; done' \
		lab-lock "$st" "$$" </dev/null >/dev/null 2>&1 &
	holder=$!
	local said=0
	while [ ! -s "$st" ]; do
		if ! kill -0 "$holder" 2>/dev/null; then
			fail "the lab stayed busy (lock /run/natgw-lab.lock) for ${wait}s"
			exit 1
		fi
		if [ "$said" = 0 ]; then
			sleep 0.2
			[ -s "$st" ] || say "waiting for the lab: another test holds /run/natgw-lab.lock"
			said=1
		fi
		sleep 0.1
	done
}

# lab_begin: create the lab and start the router (natgw or the kernel stand-in)
# with config LAB_CONFIG (default: config/lab.ini).
lab_begin() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	need ip ping ethtool
	if ! kernel_mode; then
		need_natgw
	fi
	lab_lock
	LAB_STARTED=1
	"$LAB" up >"$T/lab-up.log" 2>&1 || {
		cat "$T/lab-up.log"
		fail "lab up"
		exit 1
	}
	if ! "$LAB" start ${LAB_CONFIG:+"$LAB_CONFIG"} >"$T/lab-start.log" 2>&1; then
		cat "$T/lab-start.log"
		fail "router start"
		exit 1
	fi
	if grep -q 'retrying once with net_af_packet' "$T/lab-start.log"; then
		say "note: natgw fell back to net_af_packet (af_xdp did not come up)"
	fi
	if kernel_mode; then
		say "router: kernel of natgw-gw (LAB_KERNEL_ROUTER=1)"
	else
		say "router: natgw ($(cat /run/natgw-lab/pmd 2>/dev/null || echo '?') PMD)"
	fi
}

# natgw_running: natgw still runs (always true for the kernel stand-in).
natgw_running() {
	kernel_mode && return 0
	"$LAB" status >/dev/null 2>&1
}

# counters_snapshot FILE: SIGUSR1 natgw and save the table it prints.
counters_snapshot() {
	"$LAB" stats >"$1" 2>&1
}

# counter FILE NAME: value of counter NAME in a table saved by counters_snapshot:
# the first integer after the word NAME (or NAME: / NAME=) on the last line
# naming it; 0 when no line names it.
counter() {
	awk -v n="$2" '
	{
		for (i = 1; i <= NF; i++) {
			f = $i
			if (f ~ ("^" n "[=:][0-9]+$")) {
				sub("^" n "[=:]", "", f); v = f; found = 1; break
			}
			sub(/[:=,|]+$/, "", f)
			if (f == n) {
				for (j = i + 1; j <= NF; j++) {
					g = $j; gsub(/[,|]/, "", g)
					if (g ~ /^[0-9]+$/) { v = g; found = 1; break }
				}
				break
			}
		}
	}
	END { print (found ? v : 0) }' "$1"
}

# counter_named FILE NAME: true when the table has a line naming NAME.
counter_named() {
	grep -Eq "(^|[^a-z0-9_])$2([^a-z0-9_]|$)" "$1"
}

# wait_until TIMEOUT CMD...: retry CMD every 0.2 s until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$deadline" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# ping_ok NS DST [ARGS...]: ping 3 times with 0% loss.
ping_ok() {
	local ns=$1 dst=$2
	shift 2
	nsx "$ns" ping -c 3 -i 0.2 -W 2 "$@" "$dst"
}

# finish: summary line and exit status.
finish() {
	if [ "$N_FAIL" -eq 0 ]; then
		say "all $N_PASS checks passed"
		exit 0
	fi
	say "$N_FAIL of $((N_PASS + N_FAIL)) checks failed"
	exit 1
}

# ---- NAT tests (test_nat_*.sh) ----
# The NAT tests run natgw with a variant of config/lab.ini written to the test's
# temp dir (nat_begin KEY=VALUE ...), or, with LAB_KERNEL_ROUTER=1, the kernel
# of natgw-gw with nftables doing what the same [nat] section says (scripts/lab.sh).
# Until config/lab.ini has a [nat] section natgw has no NAT to test: the tests
# skip, unless NATGW_TEST_NAT=1 (then NAT_DEFAULT_SECTION is appended).

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
NAT_HELPER=$SYS_DIR/nat_helper.py
LAB_INI=$ROOT/config/lab.ini
NAT_PUB=203.0.113.1
FAR_IP=198.51.100.10 FAR_NET=198.51.100.0/24
NAT_DEFAULT_SECTION='[nat]
port = out
pool = 203.0.113.1
inside = 10.0.1.0/24 10.0.2.0/24
forward.1 = 203.0.113.1:8080 -> 10.0.1.10:80 tcp'

# need_scapy: skip without Debian's python3-scapy.
need_scapy() {
	"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy not installed"
}

# has_nat_section FILE: FILE has a [nat] section.
has_nat_section() {
	grep -Eiq '^[[:space:]]*\[[[:space:]]*nat[[:space:]]*\]' "$1"
}

# ini_set FILE SECTION KEY VALUE: set KEY in [SECTION] of FILE (in place):
# replace the key's line, or add it at the end of the section, or add the
# section. Names compare case-insensitively. VALUE "-" deletes the key.
ini_set() {
	local f=$1
	# shellcheck disable=SC2016 # awk program
	awk -v sec="$2" -v key="$3" -v val="$4" '
	function sname(l) { s = l; sub(/^[ \t]*\[[ \t]*/, "", s); sub(/[ \t]*\].*$/, "", s); gsub(/[ \t]+/, " ", s); return tolower(s) }
	function kname(l) { k = l; sub(/=.*/, "", k); gsub(/[ \t]/, "", k); return tolower(k) }
	function emit() { if (val != "-") print key " = " val; done = 1 }
	/^[ \t]*\[/ {
		if (insec && !done) { emit() }
		insec = (sname($0) == tolower(sec)); seen = seen || insec
		print; next
	}
	insec && !done && /=/ && $0 !~ /^[ \t]*[;#]/ && kname($0) == tolower(key) { emit(); next }
	{ print }
	END {
		if (insec && !done) emit()
		else if (!seen && val != "-") { print ""; print "[" sec "]"; print key " = " val }
	}' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
}

# nat_config OUT [SET...]: config/lab.ini (plus NAT_DEFAULT_SECTION when it has
# no [nat]) with changes, into OUT. SET: KEY=VALUE for [nat], or
# SECTION:KEY=VALUE ("table main:route.1=198.51.100.0/24 via 203.0.113.10 dev out").
nat_config() {
	local outf=$1 s sec kv
	shift
	cp "$LAB_INI" "$outf"
	has_nat_section "$outf" || printf '\n%s\n' "$NAT_DEFAULT_SECTION" >>"$outf"
	for s in "$@"; do
		sec=nat kv=$s
		case "${s%%=*}" in *:*) sec=${s%%:*} kv=${s#*:} ;; esac
		ini_set "$outf" "$sec" "$(echo "${kv%%=*}" | xargs)" "$(echo "${kv#*=}" | xargs)"
	done
}

# nat_available: natgw has NAT to test (always true in kernel mode).
nat_available() {
	kernel_mode || has_nat_section "$LAB_INI" || [ "${NATGW_TEST_NAT:-0}" = 1 ]
}

# nat_begin [SET...]: start the lab with a NAT config (nat_config SET...) in
# $T/nat.ini: natgw (which must accept it with --check) or the kernel reference.
# shellcheck disable=SC2120 # tests call it with and without arguments
nat_begin() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	kernel_mode || need_natgw
	nat_available || skip "natgw has no NAT yet (no [nat] section in config/lab.ini; NATGW_TEST_NAT=1 forces)"
	kernel_mode && need nft
	nat_config "$T/nat.ini" "$@"
	if ! kernel_mode && ! timeout 30 "$NATGW_BIN" --check -c "$T/nat.ini" >"$T/check.out" 2>&1; then
		sed 's/^/    | /' "$T/check.out"
		fail "natgw --check accepts the test's NAT config ($T/nat.ini)"
		sed -n '/^\[nat\]/,$p' "$T/nat.ini" | sed 's/^/    | /'
		exit 1
	fi
	LAB_CONFIG=$T/nat.ini
	lab_begin
	# The "internet" host answers every probe (traceroute sends bursts; the
	# kernel's per-destination ICMP rate limit would hide answers).
	nsx "$INET" sysctl -qw net.ipv4.icmp_ratelimit=0
	if kernel_mode; then
		[ -f /run/natgw-lab/kernel-nat ] || { fail "kernel NAT (nftables) set up"; exit 1; }
		say "kernel NAT: $(grep -c . /run/natgw-lab/kernel-nat.nft) lines of nftables in /run/natgw-lab/kernel-nat.nft"
	fi
}

# nat_snap FILE: counters table into FILE; in kernel mode only a line
# "  nat  sessions_created N" (connections conntrack created, from nftables).
nat_snap() {
	if kernel_mode; then
		echo "  nat  sessions_created $(kernel_sessions_created)" >"$1"
	else
		counters_snapshot "$1"
	fi
}

# nat_delta A B NAME: growth of counter NAME between two nat_snap files.
nat_delta() {
	echo $(($(counter "$2" "$3") - $(counter "$1" "$3")))
}

# check_nat_grew DESC A B NAME [MIN]: natgw only: counter NAME grew by >= MIN (1).
check_nat_grew() {
	kernel_mode && return 0
	check_ge "$1: $4 grew" "$(nat_delta "$2" "$3" "$4")" "${5:-1}"
}

# kernel_sessions_created: connections the kernel router tracked so far (the
# "sessions_created" counter of scripts/lab.sh's nftables rules; kernel mode).
kernel_sessions_created() {
	nsx "$GW" nft list counter ip natgw_lab sessions_created 2>/dev/null |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# helper_bg NS NAME ARGS...: run nat_helper.py ARGS in NS in the background
# (output in $T/NAME.out), wait for its "ready" line.
helper_bg() {
	local ns=$1 name=$2
	shift 2
	# ip netns exec, not the nsx function: $! must be the process itself.
	ip netns exec "$ns" "$PY" -u "$NAT_HELPER" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	bg_add $!
	if ! wait_until 10 grep -q '^ready' "$T/$name.out"; then
		cat "$T/$name.err"
		fail "$name ($*) started in $ns"
		return 1
	fi
}

# helper NS ARGS...: run nat_helper.py ARGS in NS in the foreground.
helper() {
	local ns=$1
	shift
	nsx "$ns" "$PY" -u "$NAT_HELPER" "$@"
}

# nginx_start NS ADDR:PORT NAME: an nginx in NS serving $T/www-NAME, its access
# log $T/nginx-NAME/access.log with lines "REMOTE_ADDR REMOTE_PORT REQUEST STATUS".
nginx_start() {
	local ns=$1 listen=$2 name=$3 d=$T/nginx-$3
	need nginx curl
	mkdir -p "$d" "$T/www-$name"
	cat >"$d/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 512; }
http {
    log_format natgw '\$remote_addr \$remote_port "\$request" \$status';
    access_log $d/access.log natgw;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    default_type application/octet-stream;
    server {
        listen $listen;
        root $T/www-$name;
    }
}
CONF
	printf 'natgw %s says hello\n' "$name" >"$T/www-$name/hello.txt"
	ip netns exec "$ns" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" -g 'daemon off;' \
		>"$d/stdout" 2>&1 &
	bg_add $!
	if ! wait_until 10 nsx "$ns" curl -sf -o /dev/null "http://$listen/hello.txt"; then
		cat "$d/stdout" "$d/error.log" 2>/dev/null || true
		fail "nginx $name started in $ns on $listen"
		return 1
	fi
	: >"$d/access.log"
}

# capture_start NS NAME FILTER: tcpdump on NS's eth0 into $T/NAME.pcap.
capture_start() {
	need tcpdump
	ip netns exec "$1" tcpdump --immediate-mode -U -n -i eth0 -w "$T/$2.pcap" "$3" 2>"$T/$2.tcpdump.err" &
	CAPTURE_PID=$!
	bg_add "$CAPTURE_PID"
	wait_until 5 grep -q 'listening on' "$T/$2.tcpdump.err" || true
}

# capture_stop: end the last capture_start (after a moment for the last packets).
capture_stop() {
	sleep 0.5
	kill "$CAPTURE_PID" 2>/dev/null || true
	wait "$CAPTURE_PID" 2>/dev/null || true
}

# pcap_read NAME [FILTER]: tcpdump's one-line view of $T/NAME.pcap.
pcap_read() {
	tcpdump -n -r "$T/$1.pcap" ${2:+"$2"} 2>/dev/null
}

# hop_is FILE HOP ADDR: hop HOP of a traceroute output answered by ADDR.
hop_is() {
	# shellcheck disable=SC2317 # called through check
	awk -v h="$2" -v a="$3" '$1 == h { for (i = 2; i <= NF; i++) if ($i == a) ok = 1 }
		END { exit !ok }' "$1"
}

# holder_start NS NAME: a TCP connection holder (nat_helper.py holder) in NS,
# driven through two fifos; holder_cmd NAME CMD [TIMEOUT] prints its one-line
# answer; holder_stop NAME ends it.
declare -A HIN HOUT
holder_start() {
	local fifo_in=$T/$2.in fifo_out=$T/$2.outp
	trap '' PIPE # a holder that died makes holder_cmd answer "(holder gone)"
	mkfifo "$fifo_in" "$fifo_out"
	ip netns exec "$1" "$PY" -u "$NAT_HELPER" holder <"$fifo_in" >"$fifo_out" 2>"$T/$2.err" &
	bg_add $!
	exec {fd_in}>"$fifo_in" {fd_out}<"$fifo_out"
	HIN[$2]=$fd_in HOUT[$2]=$fd_out
}
holder_cmd() {
	local line=""
	{ echo "$2" >&"${HIN[$1]}"; } 2>/dev/null || { echo "(holder gone)"; return 0; }
	read -r -t "${3:-60}" line <&"${HOUT[$1]}" || line="(no answer)"
	echo "$line"
}
holder_stop() {
	{ echo quit >&"${HIN[$1]}"; } 2>/dev/null || true
	eval "exec ${HIN[$1]}>&- ${HOUT[$1]}<&-"
}

# router_name: "natgw" or "kernel", for messages.
router_name() {
	if kernel_mode; then echo kernel; else echo natgw; fi
}

# ---- management plane (natgwctl) ----
if [ -z "${NATGWCTL:-}" ]; then
	NATGWCTL=$ROOT/build/src/cli/natgwctl
	[ -x "$NATGWCTL" ] || NATGWCTL=$ROOT/build/natgwctl
fi
NATGW_SOCK=/run/natgw-lab/natgw.sock

# ctl ARGS...: natgwctl on the lab's socket.
ctl() { "$NATGWCTL" -s "$NATGW_SOCK" "$@"; }

# need_natgwctl: skip when natgwctl is not built.
need_natgwctl() {
	[ -x "$NATGWCTL" ] || skip "$NATGWCTL not built (scripts/build.sh)"
}

# ---- filtering tests (test_filter_*.sh) ----

# filter_begin [SET...]: nat_begin with security groups / NACLs (SET as for
# nat_config, e.g. "port in1:security_groups=web" "sg web:rule.1=ingress tcp 80
# from 10.0.1.0/24"). The kernel stand-in does not filter: skip in kernel mode.
filter_begin() {
	kernel_mode && skip "the kernel stand-in (LAB_KERNEL_ROUTER=1) has no security groups or NACLs"
	nat_begin "$@"
}

# filter_reload [SET...]: change $T/nat.ini (nat_config SET syntax; VALUE "-"
# deletes a key) and SIGHUP natgw; true when natgw reloaded it.
filter_reload() {
	local s sec kv
	for s in "$@"; do
		sec=nat kv=$s
		case "${s%%=*}" in *:*) sec=${s%%:*} kv=${s#*:} ;; esac
		ini_set "$T/nat.ini" "$sec" "$(echo "${kv%%=*}" | xargs)" "$(echo "${kv#*=}" | xargs)"
	done
	"$LAB" reload >"$T/reload.out" 2>&1
}

# tcp_connects NS DST PORT [TIMEOUT]: a TCP connection from NS to DST:PORT
# completes within TIMEOUT seconds (2).
tcp_connects() {
	nsx "$1" "$PY" -c "
import socket, sys
s = socket.socket(); s.settimeout(float(sys.argv[3]))
try: s.connect((sys.argv[1], int(sys.argv[2])))
except OSError: sys.exit(1)
" "$2" "$3" "${4:-2}"
}

# filter_hits FILE PORT DIR WHAT: the hit count of a filter line in a counters
# table ("filter in1 ingress sg web rule.1 N"; WHAT = "sg web rule.1",
# "nacl iso #50", "sg no-rule"); 0 when absent.
filter_hits() {
	awk -v p="$2" -v d="$3" -v w="$4" '
	$1 == "filter" && $2 == p && $3 == d {
		rest = $0; sub(/^[ \t]*filter[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+/, "", rest)
		if (index(rest, w) == 1) v = $NF
	}
	END { print (v == "" ? 0 : v) }' "$1"
}
