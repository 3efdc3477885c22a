/* natgw parse stage: validate L2/L3/L4 once and fill struct pkt_meta.
 *
 * Overview: for every received frame, check the Ethernet header (length, dst
 * MAC = ingress port MAC or broadcast), then ARP (Ethernet/IPv4 only) or IPv4
 * (version, no options, lengths, header checksum, martian source/destination,
 * first-fragment L4 header), and classify it ARP / LOCAL / TRANSIT. Frames
 * longer than the IPv4 total length (Ethernet padding) are trimmed. Survivors
 * get action PKT_TX provisionally (later stages overwrite it); the rest get
 * PKT_DROP with a reason. Headers (Ethernet, IPv4, L4) must lie in the first
 * segment; the IPv4 total length is checked against the whole packet, so a
 * reassembled multi-segment datagram parses like any other.
 * Life-cycle: stateless. Who: the worker that owns the packets; it reads the
 * snapshot (ports) and writes only the packets and their metadata.
 * meta->in_port and meta->in_queue are set by the dataplane and preserved.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "natgw/cksum.h"
#include "natgw/pipeline.h"

#include "fastpath_internal.h"

#define IPV4_BCAST 0xffffffffu

/* True for source addresses no host may use: 0.0.0.0, 127/8, 224/4 (incl. 255.255.255.255). */
static inline bool parse_src_bad(uint32_t a)
{
	return a == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

/* True for destinations never routed: 0/8, 127/8, multicast 224/4, 255.255.255.255. */
static inline bool parse_dst_martian(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) == 0xe || a == IPV4_BCAST;
}

/* ICMP types whose rest-of-header starts with an identifier (queries). */
static inline bool parse_icmp_is_query(uint8_t type)
{
	return type == RTE_IP_ICMP_ECHO_REPLY || type == RTE_IP_ICMP_ECHO_REQUEST ||
	       type == 13 || type == 14; /* timestamp request/reply */
}

/* Validate an ARP frame (Ethernet/IPv4, request or reply) and fill meta. */
static enum drop_reason parse_arp(struct rte_mbuf *m, struct pkt_meta *pm, uint16_t len)
{
	const struct rte_arp_hdr *arp;

	if (len < pm->l3_off + sizeof(struct rte_arp_hdr))
		return DROP_ARP_MALFORMED;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, pm->l3_off);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return DROP_ARP_MALFORMED;
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return DROP_ARP_MALFORMED;
	pm->src_ip = arp->arp_data.arp_sip;
	pm->dst_ip = arp->arp_data.arp_tip;
	pm->cls = PKT_CLASS_ARP;
	return DROP_NONE;
}

/* Fill the L4 part of meta for a first fragment; checks the L4 header fits. */
static enum drop_reason parse_l4(struct rte_mbuf *m, struct pkt_meta *pm)
{
	uint16_t l4_len = (uint16_t)(pm->ip_len - pm->ihl);
	const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, pm->l4_off);

	/* Headers must be readable in the first segment (multi-segment mbufs). */
	if (l4_len > rte_pktmbuf_data_len(m) - pm->l4_off)
		l4_len = (uint16_t)(rte_pktmbuf_data_len(m) - pm->l4_off);

	switch (pm->proto) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;

		if (l4_len < sizeof(*th))
			return DROP_L4_TRUNCATED;
		if ((th->data_off >> 4) < 5 || (unsigned)(th->data_off >> 4) * 4 > l4_len)
			return DROP_L4_TRUNCATED;
		pm->sport = th->src_port;
		pm->dport = th->dst_port;
		break;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)l4;

		if (l4_len < sizeof(*uh))
			return DROP_L4_TRUNCATED;
		pm->sport = uh->src_port;
		pm->dport = uh->dst_port;
		break;
	}
	case IPPROTO_ICMP: {
		const struct rte_icmp_hdr *ih = (const struct rte_icmp_hdr *)l4;

		if (l4_len < sizeof(*ih))
			return DROP_L4_TRUNCATED;
		pm->icmp_type = ih->icmp_type;
		pm->icmp_code = ih->icmp_code;
		if (parse_icmp_is_query(ih->icmp_type))
			pm->sport = ih->icmp_ident;
		break;
	}
	default:
		return DROP_NONE; /* other protocols: no L4 metadata */
	}
	pm->flags |= PKT_F_L4_VALID;
	return DROP_NONE;
}

/* Classify an IPv4 destination: LOCAL (a port address), martian (a port's
 * directed broadcast) or TRANSIT. */
static enum drop_reason parse_ipv4_dst_class(const struct dp_snapshot *s, struct pkt_meta *pm)
{
	uint32_t dst = fp_ntohl(pm->dst_ip);

	for (unsigned i = 0; i < s->n_ports; i++) {
		const struct dp_port *p = &s->ports[i];
		/* A /31 or /32 has no broadcast: its "broadcast" is the address. */
		uint32_t bcast = p->prefix_len < 31 ? (p->addr | ~p->netmask) : p->addr;

		/* One test for the common case: neither (or no address). */
		if (likely(((dst ^ p->addr) && (dst ^ bcast)) || p->addr == 0))
			continue;
		if (dst == p->addr) {
			pm->cls = PKT_CLASS_LOCAL;
			return DROP_NONE;
		}
		return DROP_IP_MARTIAN_DEST;
	}
	/* RFC 1812 5.3.4: never forward what arrived as a link-layer broadcast. */
	if (pm->flags & PKT_F_BCAST)
		return DROP_ETH_NOT_FOR_US;
	pm->cls = PKT_CLASS_TRANSIT;
	return DROP_NONE;
}

/* Validate an IPv4 packet at l3_off and fill meta; trims Ethernet padding. */
static enum drop_reason parse_ipv4(const struct dp_snapshot *s, struct rte_mbuf *m,
				   struct pkt_meta *pm, uint16_t len)
{
	const struct dp_port *port = &s->ports[pm->in_port];
	const struct rte_ipv4_hdr *ip;
	uint16_t avail = (uint16_t)(len - pm->l3_off);
	uint16_t frag;
	unsigned ihl;

	if (avail < 1)
		return DROP_IP_TRUNCATED;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, pm->l3_off);
	if (unlikely(ip->version_ihl != RTE_IPV4_VHL_DEF)) { /* not 4 / 20 bytes */
		if ((ip->version_ihl >> 4) != 4)
			return DROP_IP_VERSION;
		ihl = (unsigned)(ip->version_ihl & 0xf) * 4;
		if (ihl < sizeof(struct rte_ipv4_hdr))
			return DROP_IP_BAD_IHL;
		return DROP_IP_OPTIONS;
	}
	ihl = sizeof(struct rte_ipv4_hdr);
	if (avail < ihl)
		return DROP_IP_TRUNCATED;
	pm->ihl = (uint8_t)ihl;
	pm->l4_off = (uint16_t)(pm->l3_off + ihl);
	pm->ip_len = fp_ntohs(ip->total_length);
	if (pm->ip_len < ihl)
		return DROP_IP_BAD_LENGTH;
	if (m->nb_segs > 1) {
		if (pm->ip_len > rte_pktmbuf_pkt_len(m) - pm->l3_off)
			return DROP_IP_TRUNCATED;
	} else {
		if (pm->ip_len > avail)
			return DROP_IP_TRUNCATED;
		if (pm->ip_len < avail)
			rte_pktmbuf_trim(m, (uint16_t)(avail - pm->ip_len));
	}

	if (port->rx_csum &&
	    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return DROP_IP_BAD_CHECKSUM;
	if (!(port->rx_csum && (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD)) &&
	    !fp_ipv4_hdr20_ok(ip)) /* = cksum_ipv4_hdr_ok(ip, 20); options were refused */
		return DROP_IP_BAD_CHECKSUM;

	pm->proto = ip->next_proto_id;
	pm->ttl = ip->time_to_live;
	pm->src_ip = ip->src_addr;
	pm->dst_ip = ip->dst_addr;
	if (parse_src_bad(fp_ntohl(pm->src_ip)))
		return DROP_IP_BAD_SOURCE;
	if (parse_dst_martian(fp_ntohl(pm->dst_ip)))
		return DROP_IP_MARTIAN_DEST;

	frag = fp_ntohs(ip->fragment_offset);
	if (frag & RTE_IPV4_HDR_DF_FLAG)
		pm->flags |= PKT_F_DF;
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		pm->flags |= PKT_F_FRAGMENT;
	if ((frag & RTE_IPV4_HDR_OFFSET_MASK) == 0) {
		enum drop_reason r;

		pm->flags |= PKT_F_FIRST_FRAG;
		r = parse_l4(m, pm);
		if (r != DROP_NONE)
			return r;
	}
	if (port->rx_csum &&
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return DROP_L4_BAD_CHECKSUM;
	return parse_ipv4_dst_class(s, pm);
}

/* Parse one frame into its metadata; returns DROP_NONE or the drop reason. */
static enum drop_reason parse_one(const struct dp_snapshot *s, struct rte_mbuf *m,
				  struct pkt_meta *pm)
{
	const struct rte_ether_hdr *eth;
	const struct dp_port *port;
	uint16_t len = rte_pktmbuf_data_len(m);

	if (pm->in_port >= s->n_ports)
		return DROP_ETH_NOT_FOR_US;
	port = &s->ports[pm->in_port];
	if (len < sizeof(struct rte_ether_hdr))
		return DROP_ETH_TRUNCATED;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* Destination MAC: broadcast, else the port's own (each compared as one
	 * 48-bit value). */
	{
		uint64_t dst = fp_mac48(&eth->dst_addr);

		if (dst == FP_MAC48_BCAST)
			pm->flags |= PKT_F_BCAST;
		else if (dst != fp_mac48(&port->mac))
			return DROP_ETH_NOT_FOR_US;
	}
	pm->ethertype = fp_ntohs(eth->ether_type);
	pm->l3_off = sizeof(struct rte_ether_hdr);
	pm->l4_off = pm->l3_off;

	switch (pm->ethertype) {
	case RTE_ETHER_TYPE_ARP:
		return parse_arp(m, pm, len);
	case RTE_ETHER_TYPE_IPV4:
		return parse_ipv4(s, m, pm, len);
	default:
		return DROP_ETHERTYPE_UNSUPPORTED;
	}
}

/* Validate L2/L3/L4 and fill pkt_meta for n packets; returns how many survived. */
uint16_t parse_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *pm = pkt_meta(m);
		uint8_t in_port = pm->in_port, in_queue = pm->in_queue;
		enum drop_reason r;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		memset(pm, 0, sizeof(*pm));
		pm->in_port = in_port;
		pm->in_queue = in_queue;
		r = parse_one(w->snap, m, pm);
		if (r != DROP_NONE) {
			pm->cls = PKT_CLASS_NONE;
			pkt_drop(m, r);
			continue;
		}
		pm->action = PKT_TX;
		pm->out_port = in_port;
		ok++;
	}
	return ok;
}
