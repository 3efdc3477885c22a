#!/bin/bash
# The NAT port's RSS view with two workers (issue 6): natgw programs the NAT
# port's RSS (net_null takes a key and RETA and reports them back), reads them
# back, and gives them to the NAT allocator; inside flows arrive through a
# one-queue net_pcap port on worker 0, which hands worker 1 the flows it owns.
# Checked: the port reports rss and rss-view; every flow got a session; for
# every session the reply's Toeplitz hash (computed independently, in Python)
# lands on the RX queue of the worker holding it; counters rss_steered_home
# equals the sessions, rss_handoff 0; worker 0 handed packets to worker 1.
# usage: run_rss_view.sh NATGW_BINARY NATGWCTL_BINARY
set -euo pipefail
natgw=$(readlink -f "$1")
ctl=$(readlink -f "$2")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/natgw_run.sh
. "$here/../lib/natgw_run.sh"
natgw_run_init
dir=$NATGW_DIR

/usr/bin/python3 "$here/rss_view.py" make "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@ID@|$$|g" "$here/rss_view.ini.in" >"$dir/nat.ini"
natgw_run_start "$natgw" "$dir/nat.ini"
fail=0
sessions=0
for _ in $(seq 50); do # net_pcap delivers the file once; wait for all sessions
	sessions=$("$ctl" -s "$dir/natgw.sock" nat sessions count 2>/dev/null | awk '{ print $1 + 0; exit }' || echo 0)
	[ "${sessions:-0}" -ge 400 ] && break
	sleep 0.2
done
"$ctl" -s "$dir/natgw.sock" -j nat sessions >"$dir/sessions.json" || fail=1
"$ctl" -s "$dir/natgw.sock" -j port show b >"$dir/port.json" || fail=1
"$ctl" -s "$dir/natgw.sock" port show >"$dir/ports.txt" || fail=1
"$ctl" -s "$dir/natgw.sock" -w stats >"$dir/stats.txt" || fail=1
natgw_run_stop
rc=$NATGW_RC
[ "$rc" = 0 ] || { echo "FAIL: natgw exited with $rc"; fail=1; }
for o in rss rss-view; do
	if grep -q "\"$o\"" "$dir/port.json"; then echo "ok: port b offloads include $o"; else echo "FAIL: port b offloads lack $o"; fail=1; fi
done
if grep -q "rss natgw's key, RETA of 128, read back" "$dir/ports.txt" &&
	grep -q "rss off (1 queue)" "$dir/ports.txt"; then
	echo "ok: natgwctl port show: b has natgw's key and RETA, a one queue"
else
	echo "FAIL: natgwctl port show lacks the RSS lines"; cat "$dir/ports.txt"; fail=1
fi
if grep -q "natgw's key, RETA of 128, read back" "$dir/stderr"; then
	echo "ok: the device took natgw's key and RETA"
else
	echo "FAIL: no 'natgw's key, RETA of 128, read back' in the log"; fail=1
fi
/usr/bin/python3 "$here/rss_view.py" check "$dir" "$dir/sessions.json" || fail=1
val() { awk -v k="$1" -v n="$2" '$1 == k && $2 == n { v = $3 } END { print v + 0 }' "$dir/stdout"; }
home=$(val nat rss_steered_home)
away=$(val nat rss_handoff)
snat=$(val nat sessions_snat)
[ "$home" = 400 ] && [ "$snat" = 400 ] && echo "ok: rss_steered_home $home of $snat sessions" ||
	{ echo "FAIL: rss_steered_home $home, sessions_snat $snat (want 400 each)"; fail=1; }
[ "$away" = 0 ] && echo "ok: rss_handoff 0" || { echo "FAIL: rss_handoff $away"; fail=1; }
handed=$(sed -n 's/.*worker 0 (lcore [0-9]*):.*handed_off \([0-9]*\).*/\1/p' "$dir/stdout" | tail -1)
handed=${handed:-0}
[ "$handed" -gt 0 ] && echo "ok: worker 0 handed $handed packets to worker 1" ||
	{ echo "FAIL: no packets handed over"; fail=1; }
if [ "$fail" != 0 ]; then
	echo "---- stdout"; cat "$dir/stdout"; echo "---- stderr"; cat "$dir/stderr"; echo "---- stats"; cat "$dir/stats.txt"
	exit 1
fi
echo "pcap NAT RSS view: PASS"
