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
NGINX_PIDS=()

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
	for p in "${NGINX_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
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

# web_server NS ADDR NAME: an nginx in NS on ADDR:80 serving "hello from NAME",
# logging client address:port to $TMP/NAME/access.log.
web_server() {
	local ns=$1 addr=$2 name=$3 d=$TMP/$3
	mkdir -p "$d/www"
	echo "hello from $name" >"$d/www/index.html"
	cat >"$d/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
    log_format peer '\$remote_addr:\$remote_port "\$request"';
    access_log $d/access.log peer;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server { listen $addr:80; root $d/www; }
}
CONF
	ip netns exec "$ns" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
		-g 'daemon off;' >"$d/nginx.out" 2>&1 &
	NGINX_PIDS+=($!)
	for _ in $(seq 50); do
		ip netns exec "$ns" ss -ltn 2>/dev/null | grep -q "$addr:80" && break
		sleep 0.1
	done
}

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
web_server natgw-priv2 10.0.2.10 natgw-priv2
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

if grep -Eqi '^\[nat' "${CONFIG:-$ROOT/config/lab.ini}"; then
	heading "NAT: curl from priv1 and priv2 -> nginx on the internet host"
	web_server natgw-inet 203.0.113.10 internet-host
	show "$LAB" exec priv1 curl -sS --max-time 10 http://203.0.113.10/
	show "$LAB" exec priv2 curl -sS --max-time 10 http://203.0.113.10/
	echo "what the internet host's nginx saw (client address:port) - only 203.0.113.1, random ports:"
	sed 's/^/    /' "$TMP/internet-host/access.log"

	heading "NAT: port-forward 203.0.113.1:8080 -> nginx in priv1 (10.0.1.10:80)"
	web_server natgw-priv1 10.0.1.10 priv1-web
	echo "from the internet host:"
	show "$LAB" exec inet curl -sS --max-time 10 http://203.0.113.1:8080/
	echo "from priv2, through the public address (hairpinning):"
	show "$LAB" exec priv2 curl -sS --max-time 10 http://203.0.113.1:8080/
	echo "what priv1's nginx saw:"
	sed 's/^/    /' "$TMP/priv1-web/access.log"
	echo "an unsolicited connection to another public port gets nothing:"
	show "$LAB" exec inet curl -sS --max-time 2 http://203.0.113.1:9999/
fi

heading "a 8000-byte DF packet to the 1500-MTU side: natgw says fragmentation needed"
show "$LAB" exec priv1 ping -c 1 -W 1 -Mdo -s 8000 203.0.113.10

if [ "${LAB_KERNEL_ROUTER:-0}" != 1 ]; then
	CTL=$ROOT/build/src/cli/natgwctl
	if [ -x "$CTL" ]; then
		heading "the management plane: natgwctl on natgw's socket"
		show "$CTL" -s /run/natgw-lab/natgw.sock port show
		show "$CTL" -s /run/natgw-lab/natgw.sock nat sessions
		echo "a route added and removed live (no restart, no packet lost):"
		show "$CTL" -s /run/natgw-lab/natgw.sock route add 198.51.100.0/24 via 203.0.113.10
		show "$CTL" -s /run/natgw-lab/natgw.sock route show
		show "$CTL" -s /run/natgw-lab/natgw.sock route del 198.51.100.0/24
	fi
	heading "natgw's counters (SIGUSR1)"
	"$LAB" stats
fi
