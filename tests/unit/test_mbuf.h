/* Unit-test helpers: fake mbufs without a mempool, a fake pkt_ops, a test
 * worker with a small snapshot (RFC 5737 / RFC 1918 addresses), packet
 * builders and the CHECK macro. Header-only; EAL-free.
 *
 * Ports of the test snapshot (index: name, address, MAC, MTU):
 *   0: inside   10.0.0.1/24      02:00:00:00:00:01  9001
 *   1: outside  192.0.2.1/24     02:00:00:00:00:02  1500
 *   2: lab      198.51.100.1/24  02:00:00:00:00:03  1500
 * Peers use MAC 02:aa:00:00:00:<port>. Time: hz = 1,000,000 (1 tick = 1 us),
 * now starts at 1000 s.
 */
#ifndef NATGW_TEST_MBUF_H
#define NATGW_TEST_MBUF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "natgw/neigh.h"
#include "natgw/pipeline.h"
#include "test_check.h"

#define TU_DATA_ROOM 9216
#define TU_HZ 1000000ull

/* ---- checks: test_check.h ---- */

#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ---- fake mbufs ---- */

/* A single-segment mbuf with data_len bytes of (zeroed) data, no mempool. */
static inline struct rte_mbuf *tu_mbuf_new(uint16_t data_len)
{
	size_t priv = PKT_META_PRIV_SIZE;
	struct rte_mbuf *m = calloc(1, sizeof(*m) + priv + RTE_PKTMBUF_HEADROOM + TU_DATA_ROOM);

	if (m == NULL) {
		perror("calloc");
		exit(2);
	}
	m->buf_addr = (char *)m + sizeof(*m) + priv;
	m->buf_len = RTE_PKTMBUF_HEADROOM + TU_DATA_ROOM;
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->priv_size = (uint16_t)priv;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	rte_mbuf_refcnt_set(m, 1);
	m->data_len = data_len;
	m->pkt_len = data_len;
	return m;
}

/* Test environment: the worker first, so ops can recover the environment.
 * Like a mempool, "freed" mbufs stay readable until tu_gc(): the dataplane
 * reads the action of packets the core consumed and freed. */
struct tu_env {
	struct worker w;
	struct dp_snapshot snap;
	unsigned allocs;
	unsigned frees;
	bool fail_alloc;
	struct rte_mbuf **grave;
	unsigned n_grave;
	unsigned cap_grave;
};

/* pkt_ops.alloc: a fresh empty fake mbuf (or NULL when fail_alloc). */
static inline struct rte_mbuf *tu_ops_alloc(struct worker *w)
{
	struct tu_env *env = (struct tu_env *)w;

	if (env->fail_alloc)
		return NULL;
	env->allocs++;
	return tu_mbuf_new(0);
}

/* pkt_ops.free: release a fake mbuf (really freed by tu_gc). */
static inline void tu_ops_free(struct worker *w, struct rte_mbuf *m)
{
	struct tu_env *env = (struct tu_env *)w;

	env->frees++;
	if (env->n_grave == env->cap_grave) {
		env->cap_grave = env->cap_grave ? 2 * env->cap_grave : 64;
		env->grave = realloc(env->grave, env->cap_grave * sizeof(*env->grave));
		if (env->grave == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	env->grave[env->n_grave++] = m;
}

/* Really free every mbuf released through tu_ops_free. */
static inline void tu_gc(struct tu_env *env)
{
	for (unsigned i = 0; i < env->n_grave; i++)
		free(env->grave[i]);
	env->n_grave = 0;
}

static const struct pkt_ops tu_ops = { .alloc = tu_ops_alloc, .free = tu_ops_free };

static const uint32_t tu_port_addr[3] = { IPV4(10, 0, 0, 1), IPV4(192, 0, 2, 1),
					  IPV4(198, 51, 100, 1) };

/* MAC of port p (02:00:00:00:00:0p+1) or of its peer (02:aa:00:00:00:0p). */
static inline struct rte_ether_addr tu_mac(bool peer, unsigned p)
{
	struct rte_ether_addr a = { { 0x02, peer ? 0xaa : 0x00, 0, 0, 0,
				      (uint8_t)(peer ? p : p + 1) } };
	return a;
}

/* Set up env with n_ports (1..3) ports, a neighbour table, no route tables. */
static inline void tu_env_init(struct tu_env *env, unsigned n_ports)
{
	static const char *const names[3] = { "inside", "outside", "lab" };
	static const uint16_t mtu[3] = { 9001, 1500, 1500 };

	memset(env, 0, sizeof(*env));
	for (unsigned i = 0; i < n_ports && i < 3; i++) {
		struct dp_port *p = &env->snap.ports[i];

		snprintf(p->name, sizeof(p->name), "%s", names[i]);
		p->ethdev = (uint16_t)i;
		p->n_queues = 1;
		p->mac = tu_mac(false, i);
		p->addr = tu_port_addr[i];
		p->prefix_len = 24;
		p->netmask = 0xffffff00u;
		p->mtu = mtu[i];
		p->table = 0;
	}
	env->snap.n_ports = n_ports;
	env->snap.icmp_rate = 100;
	env->snap.icmp_burst = 10;
	env->snap.neigh_timeout = 300;
	env->w.snap = &env->snap;
	env->w.ops = &tu_ops;
	env->w.hz = TU_HZ;
	env->w.now = 1000 * TU_HZ;
	env->w.neigh = neigh_table_create(64);
	if (env->w.neigh == NULL) {
		fprintf(stderr, "neigh_table_create failed\n");
		exit(2);
	}
}

/* Free the emitted packets and the neighbour table. */
static inline void tu_env_fini(struct tu_env *env)
{
	for (unsigned i = 0; i < env->w.n_emit; i++)
		tu_ops_free(&env->w, env->w.emit[i]);
	env->w.n_emit = 0;
	neigh_table_destroy(env->w.neigh, &env->w);
	env->w.neigh = NULL;
	tu_gc(env);
	free(env->grave);
	env->grave = NULL;
	env->cap_grave = 0;
}

/* Free the emitted packets only. */
static inline void tu_emit_clear(struct tu_env *env)
{
	for (unsigned i = 0; i < env->w.n_emit; i++)
		tu_ops_free(&env->w, env->w.emit[i]);
	env->w.n_emit = 0;
}

/* ---- packet builders ---- */

/* Mark m received on in_port (what the dataplane does before pipeline_run). */
static inline void tu_rx(struct rte_mbuf *m, unsigned in_port)
{
	struct pkt_meta *pm = pkt_meta(m);

	memset(pm, 0, sizeof(*pm));
	pm->in_port = (uint8_t)in_port;
}

/* Frame from the peer on in_port for port in_port's MAC: Ethernet header only. */
static inline struct rte_mbuf *tu_eth(unsigned in_port, uint16_t ethertype, uint16_t len)
{
	struct rte_mbuf *m = tu_mbuf_new(len);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = tu_mac(false, in_port);
	eth->src_addr = tu_mac(true, in_port);
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	tu_rx(m, in_port);
	return m;
}

/* Options for tu_ipv4. */
struct tu_ip_opts {
	uint8_t ttl;        /* 0: 64 */
	uint16_t frag;      /* host order flags|offset, e.g. RTE_IPV4_HDR_DF_FLAG */
	uint16_t sport, dport; /* TCP/UDP (host order); ICMP: sport = echo id */
	uint8_t icmp_type, icmp_code;
};

/* Header length for proto (TCP 20, UDP 8, ICMP 8, other 0). */
static inline uint16_t tu_l4_hdr_len(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : (proto == IPPROTO_UDP || proto == IPPROTO_ICMP) ? 8 : 0;
}

/* A valid IPv4 packet from the peer on in_port with payload bytes after the L4
 * header (pattern i & 0xff); all checksums correct. */
static inline struct rte_mbuf *tu_ipv4(unsigned in_port, uint32_t src, uint32_t dst,
				       uint8_t proto, uint16_t payload,
				       const struct tu_ip_opts *o)
{
	struct tu_ip_opts def = { 0 };
	uint16_t l4h = tu_l4_hdr_len(proto);
	uint16_t ip_len = (uint16_t)(20 + l4h + payload);
	struct rte_mbuf *m = tu_eth(in_port, RTE_ETHER_TYPE_IPV4, (uint16_t)(14 + ip_len));
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	uint8_t *l4 = (uint8_t *)(ip + 1);

	if (o == NULL)
		o = &def;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->packet_id = rte_cpu_to_be_16(0x4242);
	ip->fragment_offset = rte_cpu_to_be_16(o->frag);
	ip->time_to_live = o->ttl ? o->ttl : 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	for (uint16_t i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)i;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(o->sport ? o->sport : 40000);
		th->dst_port = rte_cpu_to_be_16(o->dport ? o->dport : 80);
		th->sent_seq = rte_cpu_to_be_32(1);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_SYN_FLAG;
		th->rx_win = rte_cpu_to_be_16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(o->sport ? o->sport : 40000);
		uh->dst_port = rte_cpu_to_be_16(o->dport ? o->dport : 53);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + payload));
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	} else if (proto == IPPROTO_ICMP) {
		struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)l4;

		ih->icmp_type = o->icmp_type;
		ih->icmp_code = o->icmp_code;
		ih->icmp_ident = rte_cpu_to_be_16(o->sport);
		ih->icmp_seq_nb = rte_cpu_to_be_16(1);
		ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, (size_t)(8 + payload));
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* A valid ARP frame (op 1 request / 2 reply) from the peer on in_port. */
static inline struct rte_mbuf *tu_arp(unsigned in_port, uint16_t op,
				      const struct rte_ether_addr *sha, uint32_t sip,
				      uint32_t tip, bool bcast)
{
	struct rte_mbuf *m = tu_eth(in_port, RTE_ETHER_TYPE_ARP, 60);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	if (bcast)
		memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = *sha;
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	if (op == RTE_ARP_OP_REPLY)
		arp->arp_data.arp_tha = tu_mac(false, in_port);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}

/* IPv4 header of a frame built above. */
static inline struct rte_ipv4_hdr *tu_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
}

/* Recompute the IPv4 header checksum after a test mutated the header. */
static inline void tu_ip_fix(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = tu_ip(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Deterministic xorshift64* random numbers for reproducible tests. */
static inline uint64_t tu_rand(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;

	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 0x2545f4914f6cdd1dull;
}

#endif
