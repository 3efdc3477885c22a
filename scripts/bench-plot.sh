#!/bin/bash
# bench-plot.sh: turn natgw-bench JSON lines into a PNG with gnuplot.
#   - inproc runs with NAT (natgw-bench inproc --sweep --json, any number of
#     sweeps appended to one file; runs with --workers > 1 are left out):
#     forwarding Mpps per core against the
#     number of sessions (log scale), the median of the runs at each session
#     count with their range as error bars; a second axis shows the median
#     cycles per packet.
#   - wire NDR searches (natgw-bench wire --ndr --json): received against
#     offered Mpps of every trial, loss in % on the second axis, the NDR (the
#     median of the searches' "ndr" lines) as a vertical line.
# A file with both gets both panels. Other lines are ignored.
# Without gnuplot it says so and exits 0 (nothing to plot is not an error
# either: exit 0 with a message); bad JSON exits 1.
# usage: scripts/bench-plot.sh [-o OUT.png] [-t TITLE] RESULTS.jsonl
#   default OUT: RESULTS with its extension replaced by .png
set -euo pipefail

usage() {
	echo "usage: $0 [-o OUT.png] [-t TITLE] RESULTS.jsonl" >&2
	exit 2
}
OUT=""
TITLE="natgw-bench"
while getopts "o:t:h" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	t) TITLE=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
IN=$1
[ -r "$IN" ] || { echo "bench-plot: cannot read $IN" >&2; exit 1; }
[ -n "$OUT" ] || OUT="${IN%.*}.png"
[ "$OUT" != "$IN" ] || OUT="$IN.png"

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench-plot: gnuplot is not installed (apt-get install gnuplot-nox, or scripts/install-deps.sh); no plot made"
	exit 0
fi

TMP=$(mktemp -d /tmp/natgw-bench-plot.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Split the results into gnuplot data files: sweep.dat (sessions, median,
# min, max Mpps, median cycles/packet, runs), wire.dat (offered Mpps, received
# Mpps, loss %, phase) and ndr.dat (median NDR Mpps, searches); prints what it
# found as "SWEEP NWIRE NDR_MPPS SEARCHES LOSS_AXIS_MAX".
/usr/bin/python3 - "$IN" "$TMP" <<'PY' >"$TMP/summary" || exit 1
import json, statistics, sys
src, tmp = sys.argv[1], sys.argv[2]
sweep, wire, ndr = {}, [], []
for n, line in enumerate(open(src), 1):
    line = line.strip()
    if not line.startswith("{"):
        continue
    try:
        r = json.loads(line)
    except ValueError as e:
        sys.exit("bench-plot: %s:%d: not JSON: %s" % (src, n, e))
    if r.get("mode") == "inproc" and r.get("nat") and r.get("workers", 1) == 1:  # per core
        s = r.get("sessions") or r.get("flows")
        sweep.setdefault(s, []).append((r["forwarding_mpps"], r["forwarding_cycles_per_packet"]))
    elif r.get("mode") == "wire" and r.get("phase") in ("max", "probe", "run"):
        wire.append((r["tx_mpps"], r["rx_mpps"], r["loss_pct"], r["phase"]))
    elif r.get("mode") == "wire" and r.get("phase") == "ndr":
        ndr.append(r["ndr_mpps"])
with open(tmp + "/sweep.dat", "w") as f:
    for s in sorted(sweep):
        m = [v[0] for v in sweep[s]]
        c = [v[1] for v in sweep[s]]
        f.write("%d %.4f %.4f %.4f %.1f %d\n" % (s, statistics.median(m), min(m), max(m),
                                                 statistics.median(c), len(m)))
with open(tmp + "/wire.dat", "w") as f:
    for w in sorted(wire):
        f.write("%.4f %.4f %.4f %s\n" % w)
print(len(sweep), len(wire), "%.4f" % statistics.median(ndr) if ndr else "-", len(ndr),
      "%.4g" % max([1.0] + [w[2] * 1.1 for w in wire]))
PY
read -r NSWEEP NWIRE NDR NNDR LOSSMAX <"$TMP/summary"
if [ "$NSWEEP" -eq 0 ] && [ "$NWIRE" -eq 0 ]; then
	echo "bench-plot: no NAT inproc or wire results in $IN; no plot made"
	exit 0
fi

PANELS=$(( (NSWEEP > 0) + (NWIRE > 0) ))
TERM_NAME=png
gnuplot -e "set terminal" 2>&1 | grep -q pngcairo && TERM_NAME=pngcairo
{
	echo "set terminal $TERM_NAME size $((PANELS * 640)),480"
	echo "set output '$OUT'"
	echo "set grid"
	echo "set key below"
	if [ "$PANELS" -gt 1 ]; then echo "set multiplot layout 1,2 title '$TITLE'"; fi
	if [ "$NSWEEP" -gt 0 ]; then
		if [ "$PANELS" -gt 1 ]; then
			echo "set title 'in-process NAT, 1 core'"
		else
			echo "set title '$TITLE: in-process NAT, 1 core'"
		fi
		cat <<EOF
set logscale x
set xrange [500:8e6]
set xlabel 'sessions'
set ylabel 'forwarding Mpps (median, range)'
set y2label 'cycles/packet (median)'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set format x '%.0s%c'
plot '$TMP/sweep.dat' using 1:2:3:4 with yerrorlines lw 2 pt 7 title 'Mpps', \\
     '' using 1:5 axes x1y2 with linespoints dt 2 pt 6 title 'cycles/packet'
unset logscale x
set xrange [*:*]
unset y2tics
unset y2label
set format x '%g'
EOF
	fi
	if [ "$NWIRE" -gt 0 ]; then
		if [ "$PANELS" -gt 1 ]; then
			echo "set title 'wire: no-drop rate'"
		else
			echo "set title '$TITLE: wire, no-drop rate'"
		fi
		cat <<EOF
set xlabel 'offered Mpps (achieved TX)'
set ylabel 'received Mpps'
set y2label 'loss %'
set ytics nomirror
set y2tics
set xrange [0:*]
set yrange [0:*]
set y2range [0:$LOSSMAX]
EOF
		if [ "$NDR" != "-" ]; then
			echo "set arrow from $NDR, graph 0 to $NDR, graph 1 nohead lw 2 dt 3 lc rgb 'dark-green'"
			echo "set label 'NDR (dotted) $NDR Mpps, median of $NNDR search(es)' at graph 0.03, graph 0.93 tc rgb 'dark-green'"
		fi
		cat <<EOF
plot '$TMP/wire.dat' using 1:2 with points pt 7 title 'received', \\
     '' using 1:1 with lines dt 2 lc rgb 'gray' title 'no loss', \\
     '' using 1:3 axes x1y2 with points pt 4 title 'loss %'
EOF
	fi
	if [ "$PANELS" -gt 1 ]; then echo "unset multiplot"; fi
} >"$TMP/plot.gp"
gnuplot "$TMP/plot.gp"
echo "bench-plot: wrote $OUT"
