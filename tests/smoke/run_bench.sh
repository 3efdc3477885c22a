#!/bin/bash
# natgw-bench smoke: a short inproc run produces JSON with the expected fields,
# every packet forwarded, and plausible non-zero rates. Not a speed test.
# usage: run_bench.sh NATGW_BENCH_BINARY
set -euo pipefail
out=$("$1" inproc --packets 200000 --flows 100 --json 2>/dev/null)
echo "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
need = ["mode", "size", "flows", "packets", "forwarded", "drops", "mpps", "cycles_per_packet",
        "generator_cycles_per_packet", "forwarding_cycles_per_packet", "forwarding_mpps"]
missing = [k for k in need if k not in r]
assert not missing, "missing fields: %s" % missing
assert r["mode"] == "inproc" and r["size"] == 64 and r["flows"] == 100, r
assert r["packets"] >= 200000 and r["forwarded"] == r["packets"] and r["drops"] == 0, r
assert 0.01 < r["mpps"] < 1000, r
assert r["cycles_per_packet"] > r["generator_cycles_per_packet"] > 0, r
print("bench smoke: PASS")
PY
