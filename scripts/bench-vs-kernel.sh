#!/bin/bash
# bench-vs-kernel.sh: natgw side by side with the Linux kernel, over veth.
#
# One topology, one generator:
#
#   nb-tg                         nb-dut (device under test)               nb-tg
#   nbgen  02:00:00:aa:00:01 ==== nbdin 10.0.0.1/24   nbdout 192.0.2.1/24 ==== nbsnk 02:00:00:aa:00:02
#   (generator, natgw-bench wire        02:00:00:bb:00:01  02:00:00:bb:00:02       (sink, the same
#    --tx-port)                                                                     natgw-bench --rx-port)
#
# The generator and the sink are ONE natgw-bench wire process (it needs both
# ports), so both of their veth ends live in one namespace, nb-tg (the
# "generator" and "sink" sides of the topology); the device under test is in
# nb-dut. The generator sends 64-byte UDP, 1,024 flows, from 10.0.0.2.. (the
# generator's subnet 10.0.0.0/24) to 198.18.0.0.. port 5001; nb-dut routes
# 198.18.0.0/15 via 192.0.2.2, a static neighbour with nbsnk's MAC (no ARP).
# Offloads off on every veth (gro gso tso tx rx).
#
# For every round (--runs R, default 3) it measures, interleaved:
#   kernel  Linux forwarding in nb-dut, ip_forward=1, one nftables table
#           masquerading 10.0.0.0/24 out of nbdout;
#   ceiling natgw-bench fwd on nbdin/nbdout: MAC forwarding over the same PMD
#           (testpmd's macfwd; natgw-bench has no testpmd), the I/O ceiling;
#   natgw   natgw with [nat] (masquerade 10.0.0.0/24 out of nbdout) and one
#           security group on nbdin allowing the generator's UDP, static
#           neighbour for 192.0.2.2, its own file_prefix and socket.
# Each measurement is natgw-bench wire's no-drop-rate search (--mode ndr,
# default) or a max-rate run (--mode max: the received rate). The DPDK ports
# use net_af_xdp, else net_af_packet (as scripts/lab.sh: retried once).
# CPUs: the generator/sink on --gen-cpu (default 0), natgw and fwd on
# --dut-cpu (default 1; the kernel forwards wherever softirqs run).
#
# Prints a table (date, machine, three medians, natgw/kernel and
# natgw/ceiling) and, with --json, one JSON object at the end.
# Needs root. Namespaces nb-tg and nb-dut are deleted at exit (also on
# failure or Ctrl-C), with every process this script started.
#
# usage: scripts/bench-vs-kernel.sh [--runs R] [--mode ndr|max] [--duration S]
#            [--precision PCT] [--loss PCT] [--flows N] [--pmd af_xdp|af_packet]
#            [--gen-cpu N] [--dut-cpu N] [--json] [--keep-logs]
# env: NATGW_BIN, NATGW_BENCH (default build-rel, else build binaries).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3 MODE=ndr DURATION=1 PRECISION=10 LOSS=0.1 FLOWS=1024 PMD=auto
GEN_CPU=0 DUT_CPU=1 JSON=0 KEEP=0
TRIAL_TIMEOUT=180   # seconds: any single measurement
START_TIMEOUT=20    # seconds: natgw / fwd coming up

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift ;;
	--mode) MODE=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--precision) PRECISION=$2; shift ;;
	--loss) LOSS=$2; shift ;;
	--flows) FLOWS=$2; shift ;;
	--pmd) PMD=$2; shift ;;
	--gen-cpu) GEN_CPU=$2; shift ;;
	--dut-cpu) DUT_CPU=$2; shift ;;
	--json) JSON=1 ;;
	--keep-logs) KEEP=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench-vs-kernel: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done
case "$MODE" in ndr | max) ;; *) echo "--mode: ndr or max" >&2; exit 2 ;; esac
case "$PMD" in auto | af_xdp | af_packet) ;; *) echo "--pmd: af_xdp or af_packet" >&2; exit 2 ;; esac
[[ "$RUNS" =~ ^[1-9][0-9]?$ ]] || { echo "--runs: 1..99" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench-vs-kernel: needs root (namespaces, AF_XDP)" >&2; exit 1; }

pick() { local f; for f in "$@"; do [ -x "$f" ] && { echo "$f"; return; }; done; echo "$1"; }
NATGW_BIN=${NATGW_BIN:-$(pick "$ROOT/build-rel/src/dataplane/natgw" "$ROOT/build/src/dataplane/natgw")}
NATGW_BENCH=${NATGW_BENCH:-$(pick "$ROOT/build-rel/src/bench/natgw-bench" "$ROOT/build/src/bench/natgw-bench")}
for b in "$NATGW_BIN" "$NATGW_BENCH"; do
	[ -x "$b" ] || { echo "bench-vs-kernel: $b not built" >&2; exit 1; }
done
"$NATGW_BENCH" fwd --help >/dev/null 2>&1 || { echo "bench-vs-kernel: $NATGW_BENCH has no fwd mode (rebuild)" >&2; exit 1; }

NS_TG=nb-tg NS_DUT=nb-dut
MAC_GEN=02:00:00:aa:00:01 MAC_SNK=02:00:00:aa:00:02
MAC_DIN=02:00:00:bb:00:01 MAC_DOUT=02:00:00:bb:00:02
TMP=$(mktemp -d /tmp/nb-vs-kernel.XXXXXX)
PIDS=()

log() { echo "[bench-vs-kernel] $*" >&2; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$NS_TG" 2>/dev/null
	ip netns del "$NS_DUT" 2>/dev/null
	if [ "$KEEP" = 1 ]; then log "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { log "$*"; exit 1; }
tg() { ip netns exec "$NS_TG" "$@"; }
dut() { ip netns exec "$NS_DUT" "$@"; }

offloads_off() {
	ip netns exec "$1" ethtool -K "$2" gro off gso off tso off tx off rx off >/dev/null 2>&1 ||
		for f in gro gso tso tx rx; do ip netns exec "$1" ethtool -K "$2" "$f" off >/dev/null 2>&1; done
	return 0
}

# ---- topology ----
for ns in "$NS_TG" "$NS_DUT"; do
	ip netns list | grep -qw "$ns" && die "namespace $ns exists (another run?); delete it first"
done
ip netns add "$NS_TG" || die "cannot create namespaces"
ip netns add "$NS_DUT" || die "cannot create namespaces"
for ns in "$NS_TG" "$NS_DUT"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$NS_TG" link add nbgen numrxqueues 1 numtxqueues 1 address $MAC_GEN type veth \
	peer name nbdin netns "$NS_DUT" numrxqueues 1 numtxqueues 1 address $MAC_DIN ||
	die "cannot create the veth pairs"
ip -n "$NS_TG" link add nbsnk numrxqueues 1 numtxqueues 1 address $MAC_SNK type veth \
	peer name nbdout netns "$NS_DUT" numrxqueues 1 numtxqueues 1 address $MAC_DOUT ||
	die "cannot create the veth pairs"
for i in nbgen nbsnk; do offloads_off "$NS_TG" $i; ip -n "$NS_TG" link set $i up; done
for i in nbdin nbdout; do offloads_off "$NS_DUT" $i; ip -n "$NS_DUT" link set $i up; done
dut sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.nbdin.rp_filter=0 net.ipv4.conf.nbdout.rp_filter=0

# Kernel in nb-dut: addresses, route, static neighbour (used by the kernel case
# and removed while a DPDK program owns the veths).
kernel_addrs_on() {
	ip -n "$NS_DUT" addr add 10.0.0.1/24 dev nbdin 2>/dev/null
	ip -n "$NS_DUT" addr add 192.0.2.1/24 dev nbdout 2>/dev/null
	ip -n "$NS_DUT" route replace 198.18.0.0/15 via 192.0.2.2 dev nbdout
	ip -n "$NS_DUT" neigh replace 192.0.2.2 lladdr $MAC_SNK dev nbdout nud permanent
}
kernel_addrs_off() {
	dut sysctl -qw net.ipv4.ip_forward=0
	dut nft delete table ip nb_masq 2>/dev/null
	ip -n "$NS_DUT" addr flush dev nbdin
	ip -n "$NS_DUT" addr flush dev nbdout
}
kernel_on() {
	kernel_addrs_on
	dut nft -f - <<'EOF' || return 1
table ip nb_masq {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "nbdout" ip saddr 10.0.0.0/24 masquerade
	}
}
EOF
	dut sysctl -qw net.ipv4.ip_forward=1
	dut conntrack -F >/dev/null 2>&1
	return 0
}

# ---- devargs ----
devargs() { # DRV IDX IFACE
	if [ "$1" = af_xdp ]; then echo "net_af_xdp$2,iface=$3,start_queue=0,queue_count=1"
	else echo "net_af_packet$2,iface=$3,qpairs=1"; fi
}

# ---- the generator ----
# measure NAME ROUND: natgw-bench wire through the DUT; prints the rate (Mpps)
# or nothing on failure. JSON lines in $TMP/NAME-ROUND.json.
GEN_DRV=
gen_run() { # DRV OUT
	local extra=(--ndr --precision "$PRECISION" --loss "$LOSS")
	[ "$MODE" = max ] && extra=(--rate max)
	timeout -k 5 "$TRIAL_TIMEOUT" ip netns exec "$NS_TG" "$NATGW_BENCH" wire \
		--tx-port "$(devargs "$1" 10 nbgen)" --rx-port "$(devargs "$1" 11 nbsnk)" \
		--dst-mac $MAC_DIN --flows "$FLOWS" --size 64 --duration "$DURATION" \
		--lcores "$GEN_CPU" --json "${extra[@]}" >"$2" 2>"$2.err"
}
measure() {
	local out=$TMP/$1-$2.json d drvs
	if [ -n "$GEN_DRV" ]; then drvs=$GEN_DRV
	elif [ "$PMD" = auto ]; then drvs="af_xdp af_packet"
	else drvs=$PMD; fi
	for d in $drvs; do
		if gen_run "$d" "$out" && [ -s "$out" ]; then
			echo "$d" >"$TMP/gen_drv" # measure runs in $(...): GEN_DRV is re-read by the caller
			break
		fi
		log "$1 round $2: natgw-bench wire over net_$d failed: $(tail -n 2 "$out.err" | tr '\n' ' ')"
	done
	python3 - "$out" "$MODE" <<'PY'
import json, sys
try:
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
except Exception:
    sys.exit(0)
if not rows:
    sys.exit(0)
r = rows[-1]
v = r.get("ndr_mpps") if sys.argv[2] == "ndr" else r.get("rx_mpps")
# the generator's own limit: TX rate of the max trial (first row)
if v is not None:
    print("%.4f %.4f" % (v, rows[0].get("tx_mpps", 0)))
PY
}

# ---- DUT programs ----
DUT_PID='' DUT_DRV=''
dut_start() { # NAME LOG CMD...: in nb-dut, background, pid in DUT_PID
	local logf=$1
	shift
	setsid bash -c 'ulimit -l unlimited 2>/dev/null; exec "$@"' nb-dut-prog \
		ip netns exec "$NS_DUT" "$@" </dev/null >"$logf" 2>&1 &
	DUT_PID=$!
	PIDS+=("$DUT_PID")
}
dut_stop() {
	[ -n "$DUT_PID" ] || return 0
	kill -TERM "$DUT_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DUT_PID" 2>/dev/null
	wait "$DUT_PID" 2>/dev/null
	DUT_PID=
	sleep 0.3
}

# Wait until the DUT is up: fwd prints "forwarding A ..." once its ports run;
# natgw must answer ping to 10.0.0.1 from a helper address put on nbgen for
# the check only (removed before the generator takes the veth).
wait_fwd() { # LOG
	for _ in $(seq $((START_TIMEOUT * 10))); do
		kill -0 "$DUT_PID" 2>/dev/null || return 1
		grep -q "forwarding A" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
wait_natgw() {
	local ok=1
	ip -n "$NS_TG" addr add 10.0.0.250/24 dev nbgen
	for _ in $(seq $((START_TIMEOUT * 4))); do
		kill -0 "$DUT_PID" 2>/dev/null || break
		if tg ping -c 1 -W 1 -q 10.0.0.1 >/dev/null 2>&1; then ok=0; break; fi
		sleep 0.25
	done
	ip -n "$NS_TG" addr flush dev nbgen
	return $ok
}

ceiling_start() { # ROUND
	local d drvs logf
	if [ -n "$DUT_DRV" ]; then drvs=$DUT_DRV
	elif [ "$PMD" = auto ]; then drvs="af_xdp af_packet"
	else drvs=$PMD; fi
	for d in $drvs; do
		logf=$TMP/ceiling-$1-$d.log
		dut_start "$logf" "$NATGW_BENCH" fwd --port-a "$(devargs "$d" 0 nbdin)" \
			--port-b "$(devargs "$d" 1 nbdout)" --peer-a $MAC_GEN --peer-b $MAC_SNK \
			--lcores "$DUT_CPU"
		if wait_fwd "$logf"; then DUT_DRV=$d; return 0; fi
		log "ceiling: natgw-bench fwd over net_$d did not start: $(tail -n 2 "$logf" | tr '\n' ' ')"
		dut_stop
	done
	return 1
}

natgw_ini() { # DRV FILE
	cat >"$2" <<EOF
; bench-vs-kernel.sh: natgw with NAT and one security group (generated)
[global]
lcores = $DUT_CPU
memory_mb = 256
file_prefix = nb-vs-kernel-$$
socket = $TMP/natgw.sock
gratuitous_arp = no
stats_interval = 0

[port nbdin]
devargs = $(devargs "$1" 0 nbdin)
address = 10.0.0.1/24
security_groups = gen

[port nbdout]
devargs = $(devargs "$1" 1 nbdout)
address = 192.0.2.1/24

[table main]
ports = nbdin nbdout
route.1 = 198.18.0.0/15 via 192.0.2.2

[neighbours]
neigh.1 = 192.0.2.2 lladdr $MAC_SNK dev nbdout

[nat]
port = nbdout
inside = 10.0.0.0/24

[sg gen]
description = the generator's UDP (and ping, for the readiness check)
rule.1 = ingress udp from 10.0.0.0/24
rule.2 = ingress icmp from 10.0.0.0/24
EOF
}

natgw_start() { # ROUND
	local d drvs logf ini
	if [ -n "$DUT_DRV" ]; then drvs=$DUT_DRV
	elif [ "$PMD" = auto ]; then drvs="af_xdp af_packet"
	else drvs=$PMD; fi
	for d in $drvs; do
		ini=$TMP/natgw-$d.ini
		logf=$TMP/natgw-$1-$d.log
		natgw_ini "$d" "$ini"
		"$NATGW_BIN" --check -c "$ini" >"$logf.check" 2>&1 ||
			die "natgw rejects the generated configuration: $(cat "$logf.check")"
		dut_start "$logf" "$NATGW_BIN" -c "$ini"
		if wait_natgw; then DUT_DRV=$d; return 0; fi
		log "natgw over net_$d did not come up: $(tail -n 3 "$logf" | tr '\n' ' ')"
		dut_stop
	done
	return 1
}

# ---- rounds ----
declare -A RES GENMAX
for k in kernel ceiling natgw; do RES[$k]="" GENMAX[$k]=""; done
record() { # NAME ROUND LABEL
	local v g
	read -r v g < <(measure "$1" "$2")
	[ -s "$TMP/gen_drv" ] && GEN_DRV=$(cat "$TMP/gen_drv")
	log "round $2 $3: ${v:-failed} Mpps (generator's max trial sent ${g:-?} Mpps)"
	RES[$1]+="${v:--} "
	GENMAX[$1]+="${g:--} "
}
START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
log "topology up; $RUNS round(s), mode $MODE, ${DURATION}s trials, $FLOWS flows, 64-byte UDP"
for r in $(seq "$RUNS"); do
	# (a) the kernel
	kernel_on || die "nftables masquerade failed"
	record kernel "$r" "kernel"
	kernel_addrs_off
	# (b) the ceiling
	if ceiling_start "$r"; then
		record ceiling "$r" "ceiling (fwd, net_$DUT_DRV)"
	else
		RES[ceiling]+="- "; GENMAX[ceiling]+="- "
	fi
	dut_stop
	# (c) natgw
	if natgw_start "$r"; then
		record natgw "$r" "natgw (net_$DUT_DRV)"
	else
		RES[natgw]+="- "; GENMAX[natgw]+="- "
	fi
	dut_stop
done

CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
MACHINE="$(nproc) vCPU, ${CPU:-unknown CPU}, Linux $(uname -r)"
python3 - "$JSON" "$MODE" "$START_DATE" "$MACHINE" "${GEN_DRV:-none}" "${DUT_DRV:-none}" \
	"$RUNS" "$DURATION" "$FLOWS" "${RES[kernel]}" "${RES[ceiling]}" "${RES[natgw]}" \
	"${GENMAX[kernel]}" "${GENMAX[ceiling]}" "${GENMAX[natgw]}" <<'PY'
import json, statistics, sys
js, mode, date, machine, gdrv, ddrv, runs, dur, flows = sys.argv[1:10]
names = ["kernel", "ceiling", "natgw"]
vals = {n: [float(x) for x in s.split() if x != "-"] for n, s in zip(names, sys.argv[10:13])}
raw = {n: s.split() for n, s in zip(names, sys.argv[10:13])}
gmax = {n: [float(x) for x in s.split() if x != "-"] for n, s in zip(names, sys.argv[13:16])}
med = {n: (statistics.median(v) if v else None) for n, v in vals.items()}
def ratio(a, b):
    return None if med[a] is None or not med[b] else med[a] / med[b]
rk, rc = ratio("natgw", "kernel"), ratio("natgw", "ceiling")
what = "no-drop rate (loss <= threshold)" if mode == "ndr" else "max-rate run, received"
label = {"kernel": "(a) Linux kernel forwarding + nftables masquerade",
         "ceiling": "(b) natgw-bench fwd, MAC forwarding (I/O ceiling)",
         "natgw": "(c) natgw, NAT + 1 security group"}
print("natgw vs the kernel over veth: 64-byte UDP, %s flows, %s" % (flows, what))
print("date: %s   machine: %s" % (date, machine))
print("PMD: generator net_%s, DUT net_%s; %s round(s), %s s per trial" % (gdrv, ddrv, runs, dur))
print()
print("| %-50s | %-11s | %-22s | %s |" % ("device under test", "median Mpps", "runs (Mpps)",
                                        "generator max sent, median"))
print("|%s|%s|%s|%s|" % ("-" * 52, "-" * 13, "-" * 24, "-" * 28))
for n in names:
    m = "%.3f" % med[n] if med[n] is not None else "failed"
    g = "%.3f" % statistics.median(gmax[n]) if gmax[n] else "-"
    print("| %-50s | %-11s | %-22s | %-26s |" % (label[n], m, " ".join(raw[n]), g))
print()
f = lambda x: "%.2fx" % x if x is not None else "n/a"
print("natgw / kernel:  %s" % f(rk))
print("natgw / ceiling: %s" % f(rc))
allg = [x for v in gmax.values() for x in v]
if allg and mode == "ndr" and max(med[n] or 0 for n in names) > 0.8 * statistics.median(allg):
    print("note: the rates are near what the generator itself sends at most (last column):")
    print("      the generator, not the device under test, may be the limit here.")
if js == "1":
    print(json.dumps({"mode": "bench-vs-kernel", "timestamp": date, "machine": machine,
                      "rate": mode, "flows": int(flows), "size": 64, "runs": int(runs),
                      "duration": float(dur), "gen_driver": "net_" + gdrv, "dut_driver": "net_" + ddrv,
                      "kernel_mpps": vals["kernel"], "ceiling_mpps": vals["ceiling"],
                      "natgw_mpps": vals["natgw"],
                      "kernel_median_mpps": med["kernel"], "ceiling_median_mpps": med["ceiling"],
                      "natgw_median_mpps": med["natgw"],
                      "generator_max_tx_mpps": gmax,
                      "natgw_over_kernel": rk, "natgw_over_ceiling": rc}))
PY
