#!/bin/bash
# test_http: TCP through natgw with real clients. curl in priv1 fetches from an
# nginx in priv2 (its own minimal config, all paths under the test's temp dir):
# a small file byte for byte, and 1 MB and 8 MB files by sha256 (jumbo segments,
# MTU 9001 on both sides). Then 4 MB the other way (priv1 -> priv2) with socat.
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need nginx curl socat sha256sum
lab_begin

mkdir -p "$T/www" "$T/nginx"
printf 'natgw system test: hello through the router\n' >"$T/www/hello.txt"
head -c 1048576 /dev/urandom >"$T/www/big1m.bin"
head -c 8388608 /dev/urandom >"$T/www/big8m.bin"
cat >"$T/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $T/nginx/access.log;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    default_type application/octet-stream;
    server {
        listen $P2_IP:80;
        root $T/www;
    }
}
CONF
nsx "$P2" nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" \
	-g 'daemon off;' >"$T/nginx/stdout" 2>&1 &
bg_add $!
if ! wait_until 10 nsx "$P2" curl -sf -o /dev/null "http://$P2_IP/hello.txt"; then
	cat "$T/nginx/stdout" "$T/nginx/error.log" 2>/dev/null || true
	fail "nginx started in priv2"
	finish
fi

# shellcheck disable=SC2317 # called through check
curl_get() { nsx "$P1" curl -sS --max-time 30 -o "$T/$1" "http://$P2_IP/$1"; }

check "curl priv1 -> nginx in priv2: hello.txt" curl_get hello.txt
check "hello.txt body byte for byte" cmp "$T/www/hello.txt" "$T/hello.txt"
for f in big1m.bin big8m.bin; do
	check "curl priv1 -> nginx in priv2: $f" curl_get "$f"
	want=$(sha256sum <"$T/www/$f" | cut -d' ' -f1)
	got=$(sha256sum <"$T/$f" 2>/dev/null | cut -d' ' -f1)
	check_eq "$f sha256" "$got" "$want"
done

# priv1 -> priv2 bulk upload.
head -c 4194304 /dev/urandom >"$T/up.bin"
nsx "$P2" timeout 30 socat -u "TCP-LISTEN:9000,bind=$P2_IP,reuseaddr" \
	"OPEN:$T/up.recv,creat,trunc" &
srv=$!
bg_add "$srv"
wait_until 5 bash -c "ip netns exec $P2 ss -ltn | grep -q '$P2_IP:9000'" || true
check "socat priv1 -> priv2: 4 MB upload" nsx "$P1" timeout 30 socat -u \
	"OPEN:$T/up.bin" "TCP:$P2_IP:9000"
wait "$srv" 2>/dev/null || true
check_eq "upload sha256" "$(sha256sum <"$T/up.recv" | cut -d' ' -f1)" \
	"$(sha256sum <"$T/up.bin" | cut -d' ' -f1)"

check "natgw still running" natgw_running
finish
