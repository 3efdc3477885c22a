#!/bin/bash
# demo.sh: natgw end to end in a few seconds. Installs the dependencies, builds,
# creates the netns lab (scripts/lab.sh), starts natgw on its embedded default
# configuration (the text of config/lab.ini, built in; or CONFIG), and shows real clients going through it: ping and traceroute between
# the private subnets, HTTP from priv1 to an nginx in priv2, ping to natgw
# itself, the internet host (works once the config has NAT), then natgw's
# counters. The lab is always torn down at the end.
# usage: scripts/demo.sh [CONFIG]      (LAB_KERNEL_ROUTER=1: the kernel routes)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LAB=$ROOT/scripts/lab.sh
CONFIG=${1:-}
TMP=$(mktemp -d /tmp/natgw-demo.XXXXXX)
chmod 755 "$TMP"
NGINX_PID=

if [ -t 1 ]; then
	heading() { printf '\n\033[1m==== %s ====\033[0m\n' "$*"; }
else
	heading() { printf '\n==== %s ====\n' "$*"; }
fi
# icmp_stat NS FIELD: a counter of the Icmp: lines of /proc/net/snmp in namespace NS.
icmp_stat() {
	# shellcheck disable=SC2016 # awk program
	ip netns exec "$1" awk -v f="$2" '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c[f] }' /proc/net/snmp
}
# show CMD...: print the command, then run it; a failure is reported, not fatal.
show() {
	echo "\$ $*"
	"$@" || echo "(exit status $?)"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
	fi
	heading "stop natgw, remove the lab"
	"$LAB" stop
	"$LAB" down
	rm -rf "$TMP"
	exit "$rc"
}

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces)" >&2; exit 1; }

heading "install dependencies"
scripts/install-deps.sh
heading "build"
scripts/build.sh release

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading "create the netns lab"
"$LAB" up
if [ "${LAB_KERNEL_ROUTER:-0}" = 1 ]; then
	heading "start the router: the kernel of natgw-gw stands in for natgw (LAB_KERNEL_ROUTER=1)"
else
	heading "start natgw"
fi
"$LAB" start ${CONFIG:+"$CONFIG"}
"$LAB" status || true

heading "ping priv1 (10.0.1.10) -> priv2 (10.0.2.10) through natgw"
show "$LAB" exec priv1 ping -c 3 -i 0.2 10.0.2.10

heading "traceroute priv1 -> priv2: hop 1 is natgw (10.0.1.1)"
show "$LAB" exec priv1 traceroute -n -q 1 -w 2 -m 5 10.0.2.10

heading "HTTP: curl in priv1 -> nginx in priv2"
mkdir -p "$TMP/www"
echo "hello from nginx in natgw-priv2, through natgw" >"$TMP/www/index.html"
cat >"$TMP/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    server { listen 10.0.2.10:80; root $TMP/www; }
}
CONF
ip netns exec natgw-priv2 nginx -e "$TMP/error.log" -p "$TMP" -c "$TMP/nginx.conf" \
	-g 'daemon off;' >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
for _ in $(seq 50); do
	ip netns exec natgw-priv2 ss -ltn 2>/dev/null | grep -q '10.0.2.10:80' && break
	sleep 0.1
done
show "$LAB" exec priv1 curl -sS --max-time 10 http://10.0.2.10/

heading "ping natgw's own address 10.0.1.1 from priv1"
show "$LAB" exec priv1 ping -c 3 -i 0.2 10.0.1.1

heading "the internet host 203.0.113.10 from priv1"
echos_before=$(icmp_stat natgw-inet InEchos)
if "$LAB" exec priv1 ping -c 3 -i 0.2 -W 1 203.0.113.10 >"$TMP/inet.ping" 2>&1; then
	cat "$TMP/inet.ping"
	echo "internet host reachable from priv1 through natgw"
else
	cat "$TMP/inet.ping"
	if grep -Eqi '^\[nat' "${CONFIG:-$ROOT/config/lab.ini}"; then
		echo "internet host NOT reachable although $CONFIG has a NAT section: that is a bug"
	else
		echo "internet host not reachable yet: needs NAT (issue: Masquerading NAT)"
		echos=$(($(icmp_stat natgw-inet InEchos) - echos_before))
		if [ "$echos" -gt 0 ]; then
			echo "($echos echo requests did reach natgw-inet through natgw; it has no" \
				"route back to 10.0.1.10)"
		else
			echo "(and the requests did not reach natgw-inet either)"
		fi
	fi
fi

heading "a 8000-byte DF packet to the 1500-MTU side: natgw says fragmentation needed"
show "$LAB" exec priv1 ping -c 1 -W 1 -Mdo -s 8000 203.0.113.10

if [ "${LAB_KERNEL_ROUTER:-0}" != 1 ]; then
	heading "natgw's counters (SIGUSR1)"
	"$LAB" stats
fi
