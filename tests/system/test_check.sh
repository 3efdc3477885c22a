#!/bin/bash
# test_check: `natgw --check -c FILE` validates a configuration without starting:
# exit 0 for config/lab.ini; non-zero with a message naming the offending key
# for a bad value, an unknown key, a duplicate key, and a missing file; and
# config/security.ini (groups, NACLs) validates.
# Needs the natgw binary (skipped otherwise); needs no lab.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_natgw
LAB_INI=$ROOT/config/lab.ini

# run_check FILE: natgw --check; output in $T/out, exit status printed.
run_check() {
	local rc=0
	timeout 30 "$NATGW_BIN" --check -c "$1" >"$T/out" 2>&1 || rc=$?
	echo "$rc"
}

rc=$(run_check "$LAB_INI")
sed 's/^/    /' "$T/out"
check_eq "natgw --check -c config/lab.ini exits 0" "$rc" 0

# bad CASE KEYWORD SED-EXPR: lab.ini edited by SED-EXPR must fail naming KEYWORD.
bad() {
	local name=$1 key=$2 expr=$3 rc
	sed -E "$expr" "$LAB_INI" >"$T/$name.ini"
	if cmp -s "$LAB_INI" "$T/$name.ini"; then
		fail "$name: the edit did not change lab.ini (test out of date)"
		return
	fi
	rc=$(run_check "$T/$name.ini")
	echo "    $name: exit $rc: $(head -c 300 "$T/out" | tr '\n' ' ')"
	if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ]; then
		pass "$name: --check exits non-zero ($rc)"
	else
		fail "$name: --check exit status $rc (want non-zero, no crash or hang)"
	fi
	check_grep "$name: message names '$key'" "$T/out" "$key"
}

bad bad_mtu_value mtu '0,/^mtu *=.*/s//mtu = abc/'
bad mtu_out_of_range mtu '0,/^mtu *=.*/s//mtu = 70000/'
bad bad_address address '0,/^address *=.*/s//address = 10.0.1.300\/24/'
bad unknown_key frobnicate '0,/^mtu *=.*/s//&\nfrobnicate = 1/'
bad duplicate_key mtu '0,/^mtu *=.*/s//&\nmtu = 1500/'
bad unknown_port_in_table nosuchport 's/^ports *=.*/& nosuchport/'

rc=$(run_check "$T/does-not-exist.ini")
if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ]; then
	pass "missing file: --check exits non-zero ($rc)"
else
	fail "missing file: --check exit status $rc"
fi
check_grep "missing file: message names the file" "$T/out" 'does-not-exist\.ini'

# The filtering example validates, and the summary counts its groups and NACLs.
rc=$(run_check "$ROOT/config/security.ini")
check_eq "natgw --check -c config/security.ini exits 0" "$rc" 0
check_grep "summary counts security groups and NACLs" "$T/out" '5 security groups, 2 NACLs'
finish
