#!/bin/bash
# pcap golden test: crafted packets in through net_pcap, natgw's output
# compared packet by packet with the expected pcaps (make_golden.py), and
# natgw's drop counters checked for the malformed inputs.
# usage: run_golden.sh NATGW_BINARY
set -euo pipefail
natgw=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/natgw_run.sh
. "$here/../lib/natgw_run.sh"
natgw_run_init
dir=$NATGW_DIR

/usr/bin/python3 "$here/make_golden.py" "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@ID@|$$|g" "$here/golden.ini.in" > "$dir/golden.ini"
"$natgw" --check -c "$dir/golden.ini"

# The pcap PMD reads its whole file in the first bursts; give it time to
# drain, then stop natgw so the output files are closed.
natgw_run_start "$natgw" "$dir/golden.ini"
sleep 1
natgw_run_stop
rc=$NATGW_RC
if [ "$rc" != 0 ]; then
	echo "FAIL: natgw exited with $rc"; cat "$dir/stderr"; exit 1
fi

fail=0
/usr/bin/python3 "$here/compare_pcap.py" "$dir/expect.a.pcap" "$dir/out.a.pcap" || fail=1
/usr/bin/python3 "$here/compare_pcap.py" "$dir/expect.b.pcap" "$dir/out.b.pcap" || fail=1

# Drops by reason, from the exit counters table.
expect_drop() {
	local reason=$1 want=$2 got
	got=$(awk -v r="$reason" '$1 == "drop" && $2 == r { print $3 }' "$dir/stdout")
	got=${got:-0}
	if [ "$got" != "$want" ]; then
		echo "FAIL: drop $reason = $got, expected $want"; fail=1
	else
		echo "ok: drop $reason = $got"
	fi
}
expect_drop blackhole 1
expect_drop ip_bad_checksum 1
expect_drop ip_options 1
expect_drop ip_truncated 1
expect_drop arp_not_for_us 1
expect_drop eth_not_for_us 1
expect_drop ttl_exceeded 1
expect_drop no_route 1
expect_drop frag_needed 1
if [ "$fail" != 0 ]; then
	echo "---- natgw stdout"; cat "$dir/stdout"; echo "---- natgw stderr"; cat "$dir/stderr"
	exit 1
fi
echo "pcap golden: PASS"
