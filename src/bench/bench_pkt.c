/* natgw-bench packets: the UDP flows both modes send.
 *
 * One Ethernet + IPv4 + UDP header template; each packet gets its flow's
 * addresses and source port, its frame size (fixed, or the IMIX pattern),
 * the lengths and the IPv4 header checksum. UDP checksums are 0 (none), so
 * payload bytes (wire mode's timestamp) can change without touching them.
 * Flows are visited with a prime stride so consecutive packets hit distant
 * flows (and distant session table slots); with several workers each
 * generator visits a list of its own flows (bench_pkt_use_flows) the same
 * way. Stateless after init.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "bench.h"

/* 7 x 64, 4 x 594, 1 x 1518, spread over the period. */
const uint16_t bench_imix_sizes[BENCH_IMIX_LEN] = {
	64, 594, 64, 1518, 64, 594, 64, 64, 594, 64, 64, 594,
};

int bench_pkt_init(struct bench_pkt *g, const struct rte_ether_addr *src_mac,
		   const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		   uint16_t sport, uint16_t dport, uint32_t flows, unsigned size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)g->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	if (flows == 0 || flows % BENCH_FLOW_STEP == 0 || (size != 0 && (size < 64 || size > 1518)))
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	eth->dst_addr = *dst_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	udp->dst_port = rte_cpu_to_be_16(dport);
	g->src_ip = src_ip;
	g->dst_ip = dst_ip;
	g->sport = sport;
	g->dport = dport;
	g->flows = flows;
	g->step = BENCH_FLOW_STEP;
	g->size = size;
	return 0;
}

void bench_pkt_use_flows(struct bench_pkt *g, const uint32_t *ids, uint32_t n)
{
	g->flow_ids = ids;
	g->flows = n;
	g->step = n % BENCH_FLOW_STEP != 0 ? BENCH_FLOW_STEP : BENCH_FLOW_STEP_ALT;
}

void bench_pkt_tuple(const struct bench_pkt *g, uint32_t f, struct bench_tuple *t)
{
	t->src = g->src_ip + f / BENCH_PORTS_PER_HOST;
	t->dst = g->dst_ip + f % BENCH_DST_ADDRS;
	t->sport = (uint16_t)(g->sport + f % BENCH_PORTS_PER_HOST);
	t->dport = g->dport;
}

void bench_pkt_write(const struct bench_pkt *g, struct rte_mbuf *m, uint64_t pos)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t i = (uint32_t)((pos * g->step) % g->flows);
	uint32_t f = g->flow_ids != NULL ? g->flow_ids[i] : i;
	uint16_t frame = (uint16_t)(bench_pkt_size(g, pos) - RTE_ETHER_CRC_LEN);
	uint16_t l3 = (uint16_t)(frame - sizeof(struct rte_ether_hdr));

	rte_memcpy(p, g->hdr, BENCH_HDR_LEN);
	ip->total_length = rte_cpu_to_be_16(l3);
	ip->src_addr = rte_cpu_to_be_32(g->src_ip + f / BENCH_PORTS_PER_HOST);
	ip->dst_addr = rte_cpu_to_be_32(g->dst_ip + f % BENCH_DST_ADDRS);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(g->sport + f % BENCH_PORTS_PER_HOST));
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->data_len = frame;
	m->pkt_len = frame;
}
