#!/bin/bash
# natgw-bench smoke: short runs produce JSON with the expected fields and
# plausible non-zero rates. Not a speed test.
#   inproc: routed 64-byte flows, then NAT with IMIX (sessions created,
#           per-stage cycles present); with two CPUs, NAT on two workers
#           (each with its own flows and sessions, nothing handed off) and a
#           one-round --baseline comparison.
#   wire:   generator and sink on a veth pair inside a network namespace this
#           test creates (nb-bench-smoke-PID) and deletes: one fixed run and a
#           short no-drop-rate search; net_af_xdp, else net_af_packet. Skips
#           (77) without root or when namespaces/veths cannot be made.
# usage: run_bench.sh NATGW_BENCH_BINARY [inproc|wire]
set -euo pipefail
BENCH=$1
MODE=${2:-inproc}
PY=/usr/bin/python3

# check_json FILE CHECKS: every line parses (json.tool), then the python
# CHECKS run with `rows` (the parsed lines) in scope.
check_json() {
	"$PY" -m json.tool --json-lines "$1" >/dev/null
	"$PY" - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert rows, "no JSON output"
def need(r, keys):
    missing = [k for k in keys if k not in r]
    assert not missing, "missing fields: %s in %s" % (missing, r)
exec(sys.argv[2])
PY
}

TMP=$(mktemp -d /tmp/natgw-bench-smoke.XXXXXX)
NS=
cleanup() {
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ "$MODE" = inproc ]; then
	"$BENCH" inproc --packets 200000 --flows 100 --json 2>"$TMP/err" >"$TMP/routed.json" ||
		{ cat "$TMP/err" >&2; exit 1; }
	cat "$TMP/routed.json"
	check_json "$TMP/routed.json" '
r = rows[0]
need(r, ["mode", "timestamp", "size", "flows", "packets", "forwarded", "drops", "mpps",
         "cycles_per_packet", "generator_cycles_per_packet", "forwarding_cycles_per_packet",
         "forwarding_mpps", "forwarding_gbps", "new_sessions_per_second", "bytes_per_session",
         "stage_rx_cycles", "stage_parse_cycles", "stage_filter_ingress_cycles",
         "stage_nat_prerouting_cycles", "stage_forward_cycles", "stage_tx_cycles",
         "stage_sum_cycles", "stage_timer_overhead_cycles", "tsc_hz"])
assert r["mode"] == "inproc" and r["size"] == 64 and r["flows"] == 100 and not r["imix"], r
assert r["packets"] >= 200000 and r["forwarded"] == r["packets"] and r["drops"] == 0, r
assert 0.01 < r["mpps"] < 1000 and 0.01 < r["forwarding_mpps"] < 1000, r
assert r["cycles_per_packet"] > r["generator_cycles_per_packet"] > 0, r
assert r["stage_parse_cycles"] > 0 and r["stage_forward_cycles"] > 0 and r["stage_tx_cycles"] > 0, r
assert r["stage_forwarded"] == r["stage_packets"] == r["packets"], r
assert 0.3 * r["forwarding_cycles_per_packet"] < r["stage_sum_cycles"] < 3 * r["forwarding_cycles_per_packet"], r
'
	"$BENCH" inproc --packets 100000 --flows 1000 --nat --imix --json 2>"$TMP/err" >"$TMP/nat.json" ||
		{ cat "$TMP/err" >&2; exit 1; }
	cat "$TMP/nat.json"
	check_json "$TMP/nat.json" '
r = rows[0]
assert r["nat"] and r["imix"] and 300 < r["mean_frame_bytes"] < 420, r
assert r["sessions_created"] == 1000 and r["sessions"] == 1000, r
assert r["new_sessions_per_second"] > 1000 and 50 < r["bytes_per_session"] < 4096, r
assert r["forwarded"] == r["packets"] and r["drops"] == 0, r
assert r["stage_nat_prerouting_cycles"] > 0 and r["forwarding_gbps"] > 0, r
'
	if [ "$(nproc)" -lt 2 ]; then
		echo "bench smoke (inproc): two workers skipped (one CPU)"
		echo "bench smoke (inproc): PASS"
		exit 0
	fi
	"$BENCH" inproc --workers 2 --packets 200000 --flows 1000 --nat --json 2>"$TMP/err" \
		>"$TMP/workers.json" || { cat "$TMP/err" >&2; exit 1; }
	cat "$TMP/workers.json"
	check_json "$TMP/workers.json" '
r = rows[0]
need(r, ["workers", "handed_off", "handed_in", "per_worker", "stage_steer_cycles", "stage_stray"])
ws = r["per_worker"]
assert r["workers"] == 2 and len(ws) == 2 and [w["worker"] for w in ws] == [0, 1], r
assert r["flows"] == 1000 and sum(w["flows"] for w in ws) == 1000, r
assert r["forwarded"] == r["packets"] == sum(w["packets"] for w in ws) and r["drops"] == 0, r
assert r["handed_off"] == 0 and r["handed_in"] == 0 and r["stage_stray"] == 0, r
assert r["sessions"] == r["sessions_created"] == 1000, r
for w in ws:
    need(w, ["lcore", "flows", "sessions", "packets", "forwarded", "handed_off", "seconds", "mpps",
             "cycles_per_packet", "generator_cycles_per_packet", "forwarding_cycles_per_packet",
             "forwarding_mpps", "new_sessions_per_second"])
    assert w["flows"] > 0 and w["sessions"] == w["flows"], w
    assert w["packets"] > 0 and w["forwarded"] == w["packets"] and w["handed_off"] == 0, w
    assert 0.001 < w["mpps"] < 1000 and 0.001 < w["forwarding_mpps"] < 1000, w
    assert w["cycles_per_packet"] > w["generator_cycles_per_packet"] > 0, w
assert ws[0]["lcore"] != ws[1]["lcore"], ws
assert abs(r["forwarding_mpps"] - sum(w["forwarding_mpps"] for w in ws)) < 0.01, r
assert r["stage_steer_cycles"] > 0 and r["stage_forwarded"] == r["stage_packets"], r
'
	"$BENCH" inproc --workers 2 --baseline --rounds 1 --packets 100000 --flows 1000 --no-stages \
		--json 2>"$TMP/err" >"$TMP/baseline.json" || { cat "$TMP/err" >&2; exit 1; }
	cat "$TMP/baseline.json"
	check_json "$TMP/baseline.json" '
assert len(rows) == 3, rows
assert [(r["round"], r["workers"]) for r in rows[:2]] == [(1, 1), (1, 2)], rows
s = rows[2]
need(s, ["scaling", "median_forwarding_mpps", "median_baseline_forwarding_mpps",
         "scaling_incl_generator", "forwarding_mpps", "baseline_forwarding_mpps"])
assert s["mode"] == "inproc_scaling" and s["workers"] == 2 and s["rounds_completed"] == 1, s
assert s["baseline_forwarding_mpps"] == [rows[0]["forwarding_mpps"]], s
assert s["forwarding_mpps"] == [rows[1]["forwarding_mpps"]], s
assert 0.01 < s["scaling"] < 100 and s["handed_off"] == 0, s
'
	echo "bench smoke (inproc): PASS"
	exit 0
fi

[ "$MODE" = wire ] || { echo "usage: $0 NATGW_BENCH_BINARY [inproc|wire]" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ]; then
	echo "bench smoke (wire): SKIP (needs root for namespaces and AF_XDP)"
	exit 77
fi
NS=nb-bench-smoke-$$
if ! ip netns add "$NS" 2>/dev/null ||
	! ip -n "$NS" link add nbs0 numrxqueues 1 numtxqueues 1 type veth peer name nbs1 numrxqueues 1 numtxqueues 1 2>/dev/null; then
	echo "bench smoke (wire): SKIP (cannot create a namespace with a veth pair)"
	exit 77
fi
for i in nbs0 nbs1; do
	ip netns exec "$NS" ethtool -K "$i" tx off tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$NS" link set "$i" up
done

# wire OUT ARGS...: natgw-bench wire on the pair into OUT, over $DRV.
wire() {
	local out=$1
	shift
	ip netns exec "$NS" "$BENCH" wire --tx-port "net_${DRV}0,iface=nbs0" \
		--rx-port "net_${DRV}1,iface=nbs1" --json "$@" >"$out" 2>"$TMP/err" ||
		{ echo "natgw-bench wire over net_$DRV failed:" >&2; tail -n 5 "$TMP/err" >&2; return 1; }
}

# ASan builds: libxdp (not natgw) leaks its UMEM handle on exit.
printf 'leak:xsk_umem__create\nleak:libxdp.so\n' >"$TMP/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TMP/lsan.supp"

# net_af_xdp where the kernel and libxdp allow it, else net_af_packet.
DRV=af_xdp
wire "$TMP/run.json" --duration 0.5 --flows 1024 || { DRV=af_packet; wire "$TMP/run.json" --duration 0.5 --flows 1024; }
echo "driver: net_$DRV"
cat "$TMP/run.json"
check_json "$TMP/run.json" '
r = rows[0]
need(r, ["mode", "timestamp", "phase", "tx_port", "rx_port", "tx_driver", "rx_driver", "lcores",
         "size", "flows", "duration", "rate_target_mpps", "tx_packets", "rx_packets", "lost",
         "loss_pct", "tx_mpps", "rx_mpps", "tx_gbps", "rx_gbps", "tx_refused", "rx_other",
         "reordered", "latency_samples", "lat_min_us", "lat_p50_us", "lat_p90_us", "lat_p99_us",
         "lat_max_us", "tsc_hz"])
assert r["mode"] == "wire" and r["phase"] == "run" and r["size"] == 64 and r["flows"] == 1024, r
assert r["tx_packets"] > 1000 and r["rx_packets"] > 0 and r["latency_samples"] == r["rx_packets"], r
assert 0.001 < r["tx_mpps"] < 1000 and 0 < r["rx_mpps"] <= r["tx_mpps"] * 1.01, r
assert 0 <= r["loss_pct"] <= 100 and r["lost"] == r["tx_packets"] - r["rx_packets"], r
assert 0 < r["lat_min_us"] <= r["lat_p50_us"] <= r["lat_p90_us"] <= r["lat_p99_us"] <= r["lat_max_us"] < 10e6, r
'
wire "$TMP/ndr.json" --duration 0.3 --ndr --precision 25 --loss 5
cat "$TMP/ndr.json"
check_json "$TMP/ndr.json" '
assert rows[0]["phase"] == "max" and rows[-1]["phase"] == "ndr", rows
assert all(r["phase"] == "probe" for r in rows[1:-1]), rows
n = rows[-1]
need(n, ["ndr_mpps", "ndr_gbps", "ndr_ceiling_mpps", "loss_threshold_pct", "precision_pct", "trials"])
assert n["trials"] == len(rows) - 1 and n["loss_threshold_pct"] == 5, n
assert 0 < n["ndr_mpps"] <= n["ndr_ceiling_mpps"] * 1.05 and n["loss_pct"] <= 5, n
'
echo "bench smoke (wire): PASS"
