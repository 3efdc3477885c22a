#!/bin/bash
# bench-filters.sh: the cost of security groups and NACLs, in process, one core
# (natgw-bench inproc): established NAT flows (Mpps, cycles/packet) and new
# flows (sessions/s) with no filter and with 10 / 100 / 1,000 group rules,
# 1,000 NACL rules, and both; and routed flows without NAT, unfiltered and with
# 1,000 group rules (each flow then opens a tracking session). Runs are interleaved (round-robin, RUNS rounds)
# so the machine's drift hits every configuration alike; prints the median and
# the best of each, as a table (or CSV with --csv).
# usage: scripts/bench-filters.sh [--runs N] [--flows N] [--packets N] [--csv]
# Environment: NATGW_BENCH (natgw-bench binary; default build-rel, else build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=5 FLOWS=64000 PACKETS=10000000 CSV=0
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift 2 ;;
	--flows) FLOWS=$2; shift 2 ;;
	--packets) PACKETS=$2; shift 2 ;;
	--csv) CSV=1; shift ;;
	*) echo "usage: $0 [--runs N] [--flows N] [--packets N] [--csv]" >&2; exit 2 ;;
	esac
done
BENCH=${NATGW_BENCH:-}
for b in "$ROOT/build-rel/src/bench/natgw-bench" "$ROOT/build/src/bench/natgw-bench"; do
	[ -n "$BENCH" ] || { [ -x "$b" ] && BENCH=$b; }
done
[ -x "${BENCH:-}" ] || { echo "natgw-bench not built (meson setup build-rel --buildtype=release && ninja -C build-rel)" >&2; exit 1; }

# name:arguments; "routed-*" runs without NAT (the groups' sessions then
# only track the flows, no translation).
CONFIGS=("none:" "sg10:--sg-rules 10" "sg100:--sg-rules 100" "sg1000:--sg-rules 1000"
	"nacl1000:--nacl-rules 1000" "both1000:--sg-rules 1000 --nacl-rules 1000"
	"routed-none:" "routed-sg1000:--sg-rules 1000")
OUT=$(mktemp -d /tmp/natgw-bench-filters.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
for ((r = 1; r <= RUNS; r++)); do
	for c in "${CONFIGS[@]}"; do
		name=${c%%:*} args=${c#*:} nat=--nat
		case "$name" in routed-*) nat= ;; esac
		# shellcheck disable=SC2086 # args are words
		"$BENCH" inproc $nat --flows "$FLOWS" --packets "$PACKETS" --json $args 2>/dev/null |
			grep '^{' >>"$OUT/$name.json"
	done
done
# stats NAME FIELD: "median best" of a JSON field over the runs (best = min for
# cycles, max for rates).
stats() {
	/usr/bin/python3 - "$OUT/$1.json" "$2" <<'PY'
import json, statistics, sys
v = [json.loads(l)[sys.argv[2]] for l in open(sys.argv[1]) if l.strip()]
best = min(v) if "cycles" in sys.argv[2] or sys.argv[2].endswith("_ms") else max(v)
print("%.6g %.6g" % (statistics.median(v), best))
PY
}
[ "$CSV" = 1 ] && echo "config,cycles_median,cycles_best,mpps_median,mpps_best,new_per_s_median,new_per_s_best,build_ms"
[ "$CSV" = 1 ] || printf '%-10s %22s %18s %24s %10s\n' config "cycles/pkt med (best)" "Mpps med (best)" "new flows/s med (best)" "build ms"
for c in "${CONFIGS[@]}"; do
	name=${c%%:*}
	read -r cm cb < <(stats "$name" forwarding_cycles_per_packet)
	read -r mm mb < <(stats "$name" forwarding_mpps)
	read -r nm nb < <(stats "$name" new_sessions_per_second)
	case "$name" in routed-none) nm=0 nb=0 ;; esac
	read -r bm _ < <(stats "$name" snapshot_build_ms)
	if [ "$CSV" = 1 ]; then
		echo "$name,$cm,$cb,$mm,$mb,$nm,$nb,$bm"
	else
		printf '%-10s %12.0f (%5.0f) %10.2f (%5.2f) %14.0f (%8.0f) %10.1f\n' "$name" "$cm" "$cb" "$mm" "$mb" "$nm" "$nb" "$bm"
	fi
done
echo "($RUNS interleaved runs, $FLOWS flows (NAT sessions or tracked), $PACKETS packets each, $(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
