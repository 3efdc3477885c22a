#!/bin/bash
# bench-mgmt.sh: management-plane figures on this machine. Starts natgw on two
# net_null ports (no packet I/O, no lab needed) with its management socket in a
# temp dir, then through the socket (tests/system/mgmt_client.py, one request
# in flight at a time):
#   - single route changes per second (N additions then N deletions, one
#     /32 route per request, each applied as a new snapshot with RCU);
#   - the time to load M routes in batches of 400 per request (and to delete
#     them again).
# usage: scripts/bench-mgmt.sh [--single N] [--load M] [--memory MB]
# Environment: NATGW_BIN (default build-rel, else build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SINGLE=2000 LOAD=100000 MEM=4096
while [ $# -gt 0 ]; do
	case "$1" in
	--single) SINGLE=$2; shift 2 ;;
	--load) LOAD=$2; shift 2 ;;
	--memory) MEM=$2; shift 2 ;;
	*) echo "usage: $0 [--single N] [--load M] [--memory MB]" >&2; exit 2 ;;
	esac
done
BIN=${NATGW_BIN:-}
for b in "$ROOT/build-rel/src/dataplane/natgw" "$ROOT/build/src/dataplane/natgw"; do
	[ -n "$BIN" ] || { [ -x "$b" ] && BIN=$b; }
done
[ -x "${BIN:-}" ] || { echo "natgw not built (scripts/build.sh)" >&2; exit 1; }
D=$(mktemp -d /tmp/natgw-bench-mgmt.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
cat >"$D/natgw.ini" <<INI
[global]
file_prefix = natgw-bench-mgmt-$$
socket = $D/natgw.sock
memory_mb = $MEM
gratuitous_arp = no

[port a]
devargs = net_null0,no-rx=1
address = 10.0.1.1/24

[port b]
devargs = net_null1,no-rx=1
address = 203.0.113.1/24

[table main]
route.1 = default via 203.0.113.254
INI
"$BIN" -c "$D/natgw.ini" >"$D/natgw.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -S "$D/natgw.sock" ] && break; sleep 0.1; done
[ -S "$D/natgw.sock" ] || { cat "$D/natgw.log"; echo "natgw did not start" >&2; exit 1; }
PY=/usr/bin/python3
MC=$ROOT/tests/system/mgmt_client.py
echo "single route changes (one /32 per request):"
"$PY" "$MC" routes "$D/natgw.sock" "$SINGLE" main 203.0.113.10 1 | sed 's/^/  /'
echo "loading $LOAD routes, 400 per request:"
"$PY" "$MC" routes "$D/natgw.sock" "$LOAD" main 203.0.113.10 400 | sed 's/^/  /'
echo "($(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $BIN)"
