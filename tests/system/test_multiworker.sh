#!/bin/bash
# test_multiworker: two workers on two-queue veths (issue 6). natgw runs on
# lcores 0-1 with 2 RX/TX queue pairs per port (af_packet fanout on in1/in2,
# af_xdp on two queues of out); NAT and a security group on in1 are on, so
# every packet must reach the worker that owns its session: replies that the
# kernel's queue choice hands to the other worker are passed over (steer.h).
#  - 300 TCP connections (150 from each inside host) and 100 UDP exchanges
#    through NAT all complete; iperf3 with 4 parallel streams completes;
#  - both workers received traffic, packets were handed over between them,
#    none was dropped for a full handoff ring, and nothing was refused for
#    lack of a session (nat_no_session, sg_no_match stay 0).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need iperf3 jq
need_natgwctl
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
export NATGW_LAB_QUEUES=2
filter_begin \
	"global:lcores=0-1" \
	"port in1:devargs=net_af_packet0,iface=in1,qpairs=2,framesz=10240,blocksz=20480,framecnt=512" \
	"port in1:queues=2" \
	"port in2:devargs=net_af_packet1,iface=in2,qpairs=2,framesz=10240,blocksz=20480,framecnt=512" \
	"port in2:queues=2" \
	"port out:devargs=net_af_xdp0,iface=out,start_queue=0,queue_count=2" \
	"port out:queues=2" \
	"port in1:security_groups=lab-clients" \
	"sg lab-clients:rule.1=ingress tcp 7000 from 10.0.1.0/24" \
	"sg lab-clients:rule.2=ingress tcp 5201 from 10.0.1.0/24" \
	"sg lab-clients:rule.3=ingress udp 5300 from 10.0.1.0/24" \
	"sg lab-clients:rule.4=ingress icmp from 10.0.1.0/24"
check_grep "natgw runs 2 workers" /run/natgw-lab/natgw.log 'running with 2 workers'

: >"$T/accept.log"
helper_bg "$INET" acc accept-log "$INET_IP" 7000 "$T/accept.log" || finish
helper_bg "$INET" udp udp-peer "$INET_IP" 5300 || finish
ip netns exec "$INET" iperf3 -s -B "$INET_IP" -p 5201 >"$T/iperf3-server.log" 2>&1 &
bg_add $!
nat_snap "$T/c0"

check_eq "150 TCP connections from priv1" "$(helper "$P1" burst "$P1_IP" "$INET_IP" 7000 150 0)" "ok 150 fail 0"
check_eq "150 TCP connections from priv2" "$(helper "$P2" burst "$P2_IP" "$INET_IP" 7000 150 0)" "ok 150 fail 0"
udp_ok=0
for i in $(seq 1 100); do
	case "$(helper "$P1" udp-ask "$P1_IP" "$INET_IP" 5300)" in "$NAT_PUB":*) udp_ok=$((udp_ok + 1)) ;; esac
done
check_eq "100 UDP exchanges from priv1" "$udp_ok" 100
rc=0
nsx "$P1" timeout 30 iperf3 -c "$INET_IP" -p 5201 -t 3 -P 4 -J >"$T/iperf.json" 2>"$T/iperf.err" || rc=$?
check_eq "iperf3 -P 4 completed" "$rc" 0
nat_snap "$T/c1"
sed -n '/worker [0-9] (lcore/p;/drop/p' "$T/c1" | sed 's/^/    /'
w0=$(awk '/worker 0 \(lcore/ { for (i = 1; i <= NF; i++) if ($i == "rx_packets") print $(i + 1) }' "$T/c1" | tr -d ,)
w1=$(awk '/worker 1 \(lcore/ { for (i = 1; i <= NF; i++) if ($i == "rx_packets") print $(i + 1) }' "$T/c1" | tr -d ,)
check_ge "worker 0 received traffic" "${w0:-0}" 100
check_ge "worker 1 received traffic" "${w1:-0}" 100
hoff=$(awk '/worker [0-9] \(lcore/ { for (i = 1; i <= NF; i++) if ($i == "handed_off") s += $(i + 1) } END { print s + 0 }' "$T/c1")
check_ge "packets were handed to their owner" "$hoff" 1
check_eq "no handoff ring overflowed" "$(nat_delta "$T/c0" "$T/c1" handoff_full)" 0
check_eq "nothing refused for lack of a session" "$(nat_delta "$T/c0" "$T/c1" nat_no_session)" 0
check_eq "no reply of an allowed flow refused by the group" "$(nat_delta "$T/c0" "$T/c1" sg_no_match)" 0
ctl stats -w >"$T/stats-w.txt" 2>&1 || true
check_ge "natgwctl stats -w shows handed_off per worker" "$(grep -c 'handed_off' "$T/stats-w.txt" || true)" 2
check "$(router_name) still running" natgw_running
finish
