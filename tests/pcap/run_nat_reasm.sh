#!/bin/bash
# natgw's own IPv4 reassembly before NAT, through net_pcap: out-of-order
# fragments in, one masqueraded datagram out (re-fragmented for the egress
# MTU), byte-identical; counters fragments_reassembled = 1, no reassembly drop.
# usage: run_nat_reasm.sh NATGW_BINARY
set -euo pipefail
natgw=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/natgw_run.sh
. "$here/../lib/natgw_run.sh"
natgw_run_init
dir=$NATGW_DIR

/usr/bin/python3 "$here/nat_reasm.py" make "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@ID@|$$|g" "$here/nat_reasm.ini.in" >"$dir/nat.ini"
natgw_run_start "$natgw" "$dir/nat.ini"
sleep 1
natgw_run_stop
rc=$NATGW_RC
fail=0
[ "$rc" = 0 ] || { echo "FAIL: natgw exited with $rc"; fail=1; }
/usr/bin/python3 "$here/nat_reasm.py" check "$dir" || fail=1
val() { awk -v k="$1" -v n="$2" '$1 == k && $2 == n { v = $3 } END { print v + 0 }' "$dir/stdout"; }
for c in "nat fragments_reassembled 1" "nat sessions_snat 1" "drop nat_reassembly_failed 0"; do
	read -r kind name want <<<"$c"
	got=$(val "$kind" "$name")
	if [ "$got" = "$want" ]; then echo "ok: $kind $name = $got"; else echo "FAIL: $kind $name = $got, expected $want"; fail=1; fi
done
if [ "$fail" != 0 ]; then
	echo "---- stdout"; cat "$dir/stdout"; echo "---- stderr"; cat "$dir/stderr"
	exit 1
fi
echo "pcap NAT reassembly: PASS"
