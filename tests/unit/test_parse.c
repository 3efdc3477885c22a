/* test_parse: parse_stage on valid and malformed frames (table-driven), and
 * random garbage through parse_stage and pipeline_run (no route tables: no EAL). */
#include "test_mbuf.h"

#include "natgw/counters.h"

#define P0 IPV4(10, 0, 0, 1)
#define H0 IPV4(10, 0, 0, 2)       /* host on port 0 */
#define REMOTE IPV4(203, 0, 113, 7) /* somewhere beyond port 1 */

/* Mutations applied to a freshly built packet before parsing. */
enum mut {
	M_NONE,
	M_TRUNC_ETH,      /* 10-byte frame */
	M_DST_OTHER,      /* unicast MAC of someone else */
	M_DST_MCAST,      /* 01:00:5e:00:00:01 */
	M_DST_BCAST,      /* ff:ff:ff:ff:ff:ff */
	M_IPV6,           /* ethertype 0x86dd */
	M_VLAN,           /* ethertype 0x8100 */
	M_ARP_SHORT,      /* ARP frame cut to 14 + 20 bytes */
	M_ARP_HTYPE,      /* htype 6 */
	M_ARP_PTYPE,      /* ptype 0x86dd */
	M_ARP_HLEN,       /* hlen 8 */
	M_ARP_PLEN,       /* plen 16 */
	M_ARP_OP,         /* op 3 */
	M_IP_VERSION,     /* version 6 */
	M_IP_IHL4,        /* IHL 4 */
	M_IP_IHL6,        /* IHL 6 (options) */
	M_IP_SHORT_HDR,   /* frame ends 10 bytes into the IP header */
	M_IP_EMPTY,       /* frame ends right after the Ethernet header */
	M_IP_TOTLEN_SMALL, /* total length 19 */
	M_IP_TOTLEN_BIG,  /* total length beyond the frame */
	M_IP_PAD,         /* 18 bytes of Ethernet padding (frame trimmed) */
	M_IP_CKSUM,       /* header checksum off by one */
	M_IP_CKSUM_HW_GOOD, /* wrong checksum, rx_csum port, mbuf says GOOD: accepted */
	M_IP_CKSUM_HW_BAD,  /* right checksum, rx_csum port, mbuf says BAD: dropped */
	M_IP_CKSUM_FLAG_IGNORED, /* mbuf says BAD but port has no rx_csum: accepted */
	M_L4_CKSUM_HW_BAD,  /* rx_csum port, L4 flag BAD */
	M_L4_CKSUM_HW_GOOD, /* rx_csum port, L4 flag GOOD */
	M_FRAG_MF,        /* first fragment (MF set) */
	M_FRAG_LATER,     /* offset 185 (1480 bytes): no L4 header */
	M_TCP_DOFF,       /* TCP data offset 15 (beyond payload) */
	M_BCAST_TRANSIT,  /* transit packet in an L2 broadcast frame */
	M_L4_SHORT,       /* IP payload of 4 bytes: shorter than any L4 header */
};

struct parse_case {
	const char *name;
	uint8_t proto;       /* 0: ARP request */
	uint32_t src, dst;
	uint16_t payload;
	enum mut mut;
	enum drop_reason want;
	enum pkt_class cls;  /* expected class when not dropped */
};

static const struct parse_case cases[] = {
	{ "arp request", 0, H0, P0, 0, M_NONE, DROP_NONE, PKT_CLASS_ARP },
	{ "arp bcast", 0, H0, P0, 0, M_DST_BCAST, DROP_NONE, PKT_CLASS_ARP },
	{ "tcp transit", IPPROTO_TCP, H0, REMOTE, 10, M_NONE, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "udp transit", IPPROTO_UDP, H0, REMOTE, 100, M_NONE, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "icmp transit", IPPROTO_ICMP, H0, REMOTE, 56, M_NONE, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "gre transit", 47, H0, REMOTE, 30, M_NONE, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "icmp local", IPPROTO_ICMP, H0, P0, 56, M_NONE, DROP_NONE, PKT_CLASS_LOCAL },
	{ "icmp to other port addr", IPPROTO_ICMP, H0, IPV4(192, 0, 2, 1), 56, M_NONE, DROP_NONE,
	  PKT_CLASS_LOCAL },
	{ "local in bcast frame", IPPROTO_ICMP, H0, P0, 8, M_DST_BCAST, DROP_NONE, PKT_CLASS_LOCAL },
	{ "padding trimmed", IPPROTO_UDP, H0, REMOTE, 0, M_IP_PAD, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "hw cksum good", IPPROTO_UDP, H0, REMOTE, 4, M_IP_CKSUM_HW_GOOD, DROP_NONE,
	  PKT_CLASS_TRANSIT },
	{ "cksum flag ignored", IPPROTO_UDP, H0, REMOTE, 4, M_IP_CKSUM_FLAG_IGNORED, DROP_NONE,
	  PKT_CLASS_TRANSIT },
	{ "l4 hw good", IPPROTO_TCP, H0, REMOTE, 4, M_L4_CKSUM_HW_GOOD, DROP_NONE,
	  PKT_CLASS_TRANSIT },
	{ "first fragment", IPPROTO_UDP, H0, REMOTE, 100, M_FRAG_MF, DROP_NONE, PKT_CLASS_TRANSIT },
	{ "later fragment", IPPROTO_UDP, H0, REMOTE, 100, M_FRAG_LATER, DROP_NONE,
	  PKT_CLASS_TRANSIT },
	{ "eth truncated", IPPROTO_UDP, H0, REMOTE, 0, M_TRUNC_ETH, DROP_ETH_TRUNCATED, 0 },
	{ "eth other mac", IPPROTO_UDP, H0, REMOTE, 0, M_DST_OTHER, DROP_ETH_NOT_FOR_US, 0 },
	{ "eth multicast", IPPROTO_UDP, H0, REMOTE, 0, M_DST_MCAST, DROP_ETH_NOT_FOR_US, 0 },
	{ "transit in bcast frame", IPPROTO_UDP, H0, REMOTE, 0, M_BCAST_TRANSIT,
	  DROP_ETH_NOT_FOR_US, 0 },
	{ "ipv6", IPPROTO_UDP, H0, REMOTE, 0, M_IPV6, DROP_ETHERTYPE_UNSUPPORTED, 0 },
	{ "vlan", IPPROTO_UDP, H0, REMOTE, 0, M_VLAN, DROP_ETHERTYPE_UNSUPPORTED, 0 },
	{ "arp short", 0, H0, P0, 0, M_ARP_SHORT, DROP_ARP_MALFORMED, 0 },
	{ "arp htype", 0, H0, P0, 0, M_ARP_HTYPE, DROP_ARP_MALFORMED, 0 },
	{ "arp ptype", 0, H0, P0, 0, M_ARP_PTYPE, DROP_ARP_MALFORMED, 0 },
	{ "arp hlen", 0, H0, P0, 0, M_ARP_HLEN, DROP_ARP_MALFORMED, 0 },
	{ "arp plen", 0, H0, P0, 0, M_ARP_PLEN, DROP_ARP_MALFORMED, 0 },
	{ "arp op", 0, H0, P0, 0, M_ARP_OP, DROP_ARP_MALFORMED, 0 },
	{ "ip version", IPPROTO_UDP, H0, REMOTE, 0, M_IP_VERSION, DROP_IP_VERSION, 0 },
	{ "ip ihl 4", IPPROTO_UDP, H0, REMOTE, 0, M_IP_IHL4, DROP_IP_BAD_IHL, 0 },
	{ "ip options", IPPROTO_UDP, H0, REMOTE, 0, M_IP_IHL6, DROP_IP_OPTIONS, 0 },
	{ "ip short header", IPPROTO_UDP, H0, REMOTE, 0, M_IP_SHORT_HDR, DROP_IP_TRUNCATED, 0 },
	{ "ip empty", IPPROTO_UDP, H0, REMOTE, 0, M_IP_EMPTY, DROP_IP_TRUNCATED, 0 },
	{ "ip totlen < ihl", IPPROTO_UDP, H0, REMOTE, 0, M_IP_TOTLEN_SMALL, DROP_IP_BAD_LENGTH, 0 },
	{ "ip totlen > frame", IPPROTO_UDP, H0, REMOTE, 0, M_IP_TOTLEN_BIG, DROP_IP_TRUNCATED, 0 },
	{ "ip checksum", IPPROTO_UDP, H0, REMOTE, 0, M_IP_CKSUM, DROP_IP_BAD_CHECKSUM, 0 },
	{ "ip hw cksum bad", IPPROTO_UDP, H0, REMOTE, 0, M_IP_CKSUM_HW_BAD, DROP_IP_BAD_CHECKSUM, 0 },
	{ "src zero", IPPROTO_UDP, 0, REMOTE, 0, M_NONE, DROP_IP_BAD_SOURCE, 0 },
	{ "src loopback", IPPROTO_UDP, IPV4(127, 0, 0, 1), REMOTE, 0, M_NONE, DROP_IP_BAD_SOURCE, 0 },
	{ "src multicast", IPPROTO_UDP, IPV4(224, 0, 0, 5), REMOTE, 0, M_NONE, DROP_IP_BAD_SOURCE, 0 },
	{ "src bcast", IPPROTO_UDP, 0xffffffffu, REMOTE, 0, M_NONE, DROP_IP_BAD_SOURCE, 0 },
	{ "dst zero net", IPPROTO_UDP, H0, IPV4(0, 1, 2, 3), 0, M_NONE, DROP_IP_MARTIAN_DEST, 0 },
	{ "dst loopback", IPPROTO_UDP, H0, IPV4(127, 0, 0, 1), 0, M_NONE, DROP_IP_MARTIAN_DEST, 0 },
	{ "dst multicast", IPPROTO_UDP, H0, IPV4(239, 1, 1, 1), 0, M_NONE, DROP_IP_MARTIAN_DEST, 0 },
	{ "dst limited bcast", IPPROTO_UDP, H0, 0xffffffffu, 0, M_NONE, DROP_IP_MARTIAN_DEST, 0 },
	{ "dst directed bcast", IPPROTO_UDP, H0, IPV4(192, 0, 2, 255), 0, M_NONE,
	  DROP_IP_MARTIAN_DEST, 0 },
	{ "tcp truncated", IPPROTO_TCP, H0, REMOTE, 0, M_TCP_DOFF, DROP_L4_TRUNCATED, 0 },
	{ "udp truncated", IPPROTO_UDP, H0, REMOTE, 0, M_L4_SHORT, DROP_L4_TRUNCATED, 0 },
	{ "icmp truncated", IPPROTO_ICMP, H0, P0, 0, M_L4_SHORT, DROP_L4_TRUNCATED, 0 },
	{ "tcp short", IPPROTO_TCP, H0, REMOTE, 0, M_L4_SHORT, DROP_L4_TRUNCATED, 0 },
	{ "l4 hw cksum bad", IPPROTO_TCP, H0, REMOTE, 4, M_L4_CKSUM_HW_BAD, DROP_L4_BAD_CHECKSUM, 0 },
};

/* Apply the mutation of case c to m (port 0); may set port flags in env. */
static void mutate(struct tu_env *env, struct rte_mbuf *m, enum mut mu)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *l3 = (uint8_t *)(eth + 1);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	static const uint8_t other[6] = { 0x02, 0xbb, 0, 0, 0, 9 };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

	env->snap.ports[0].rx_csum = false;
	switch (mu) {
	case M_NONE: break;
	case M_TRUNC_ETH: m->data_len = m->pkt_len = 10; break;
	case M_DST_OTHER: memcpy(&eth->dst_addr, other, 6); break;
	case M_DST_MCAST: memcpy(&eth->dst_addr, mcast, 6); break;
	case M_DST_BCAST:
	case M_BCAST_TRANSIT: memset(&eth->dst_addr, 0xff, 6); break;
	case M_IPV6: eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6); break;
	case M_VLAN: eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN); break;
	case M_ARP_SHORT: m->data_len = m->pkt_len = 34; break;
	case M_ARP_HTYPE: l3[1] = 6; break;
	case M_ARP_PTYPE: l3[2] = 0x86; l3[3] = 0xdd; break;
	case M_ARP_HLEN: l3[4] = 8; break;
	case M_ARP_PLEN: l3[5] = 16; break;
	case M_ARP_OP: l3[7] = 3; break;
	case M_IP_VERSION: ip->version_ihl = 0x65; tu_ip_fix(m); break;
	case M_IP_IHL4: ip->version_ihl = 0x44; break;
	case M_IP_IHL6: ip->version_ihl = 0x46; break;
	case M_IP_SHORT_HDR: m->data_len = m->pkt_len = 24; break;
	case M_IP_EMPTY: m->data_len = m->pkt_len = 14; break;
	case M_IP_TOTLEN_SMALL: ip->total_length = rte_cpu_to_be_16(19); tu_ip_fix(m); break;
	case M_IP_TOTLEN_BIG:
		ip->total_length = rte_cpu_to_be_16((uint16_t)(m->data_len - 14 + 1));
		tu_ip_fix(m);
		break;
	case M_IP_PAD: m->data_len = m->pkt_len = (uint16_t)(m->data_len + 18); break;
	case M_IP_CKSUM: ip->hdr_checksum ^= rte_cpu_to_be_16(1); break;
	case M_IP_CKSUM_HW_GOOD:
		env->snap.ports[0].rx_csum = true;
		ip->hdr_checksum ^= rte_cpu_to_be_16(1);
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		break;
	case M_IP_CKSUM_HW_BAD:
		env->snap.ports[0].rx_csum = true;
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		break;
	case M_IP_CKSUM_FLAG_IGNORED:
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_BAD;
		break;
	case M_L4_CKSUM_HW_BAD:
		env->snap.ports[0].rx_csum = true;
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
		break;
	case M_L4_CKSUM_HW_GOOD:
		env->snap.ports[0].rx_csum = true;
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		break;
	case M_FRAG_MF:
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
		tu_ip_fix(m);
		break;
	case M_FRAG_LATER:
		ip->fragment_offset = rte_cpu_to_be_16(185);
		tu_ip_fix(m);
		break;
	case M_TCP_DOFF: l3[20 + 12] = 15 << 4; break;
	case M_L4_SHORT:
		ip->total_length = rte_cpu_to_be_16(24);
		m->data_len = m->pkt_len = 14 + 24;
		tu_ip_fix(m);
		break;
	}
}

/* Run every table case through parse_stage and check reason, class and metadata. */
static void test_table(void)
{
	struct tu_env env;

	tu_env_init(&env, 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		struct tu_ip_opts o = { .icmp_type = 8, .sport = c->proto == IPPROTO_ICMP ? 0x1234 : 0 };
		struct rte_mbuf *m;
		struct pkt_meta *pm;
		uint16_t ok, orig_len;

		if (c->proto == 0) {
			struct rte_ether_addr peer = tu_mac(true, 0);
			m = tu_arp(0, RTE_ARP_OP_REQUEST, &peer, c->src, c->dst, false);
		} else {
			m = tu_ipv4(0, c->src, c->dst, c->proto, c->payload, &o);
		}
		orig_len = m->data_len;
		mutate(&env, m, c->mut);
		pm = pkt_meta(m);
		pm->in_queue = 3;
		ok = parse_stage(&env.w, &m, 1);
		CHECK(pm->in_port == 0 && pm->in_queue == 3, "%s: in_port/in_queue kept", c->name);
		if (c->want != DROP_NONE) {
			CHECK(ok == 0 && pm->action == PKT_DROP && pm->drop == c->want,
			      "%s: want drop %s, got action %u drop %s", c->name,
			      drop_reason_name(c->want), pm->action,
			      drop_reason_name((enum drop_reason)pm->drop));
			free(m);
			continue;
		}
		CHECK(ok == 1 && pm->action == PKT_TX && pm->cls == c->cls && pm->out_port == 0,
		      "%s: want class %d, got action %u cls %u drop %s", c->name, c->cls,
		      pm->action, pm->cls, drop_reason_name((enum drop_reason)pm->drop));
		CHECK(pm->l3_off == 14, "%s: l3_off %u", c->name, pm->l3_off);
		CHECK(pm->src_ip == rte_cpu_to_be_32(c->src) && pm->dst_ip == rte_cpu_to_be_32(c->dst),
		      "%s: addresses", c->name);
		if (c->proto == 0) {
			CHECK(pm->ethertype == RTE_ETHER_TYPE_ARP, "%s: ethertype", c->name);
			CHECK(!!(pm->flags & PKT_F_BCAST) == (c->mut == M_DST_BCAST), "%s: bcast flag",
			      c->name);
			free(m);
			continue;
		}
		CHECK(pm->ethertype == RTE_ETHER_TYPE_IPV4 && pm->ihl == 20 && pm->l4_off == 34 &&
			      pm->proto == c->proto && pm->ttl == 64,
		      "%s: ip fields", c->name);
		CHECK(pm->ip_len == 20 + tu_l4_hdr_len(c->proto) + c->payload, "%s: ip_len %u",
		      c->name, pm->ip_len);
		if (c->mut == M_IP_PAD)
			CHECK(m->data_len == orig_len && m->pkt_len == orig_len,
			      "%s: padding trimmed (%u)", c->name, m->data_len);
		if (c->mut == M_FRAG_LATER) {
			CHECK(pm->flags == PKT_F_FRAGMENT && pm->sport == 0 && pm->dport == 0,
			      "%s: flags %#x", c->name, pm->flags);
			free(m);
			continue;
		}
		if (c->mut == M_FRAG_MF)
			CHECK(pm->flags == (PKT_F_FRAGMENT | PKT_F_FIRST_FRAG | PKT_F_L4_VALID),
			      "%s: flags %#x", c->name, pm->flags);
		else if (c->proto == 47)
			CHECK(pm->flags == PKT_F_FIRST_FRAG, "%s: flags %#x", c->name, pm->flags);
		else
			CHECK((pm->flags & ~PKT_F_BCAST) == (PKT_F_FIRST_FRAG | PKT_F_L4_VALID),
			      "%s: flags %#x", c->name, pm->flags);
		if (c->proto == IPPROTO_TCP)
			CHECK(pm->sport == rte_cpu_to_be_16(40000) && pm->dport == rte_cpu_to_be_16(80),
			      "%s: tcp ports", c->name);
		if (c->proto == IPPROTO_UDP)
			CHECK(pm->sport == rte_cpu_to_be_16(40000) && pm->dport == rte_cpu_to_be_16(53),
			      "%s: udp ports", c->name);
		if (c->proto == IPPROTO_ICMP)
			CHECK(pm->icmp_type == 8 && pm->icmp_code == 0 &&
				      pm->sport == rte_cpu_to_be_16(0x1234),
			      "%s: icmp type/id", c->name);
		free(m);
	}
	env.snap.ports[0].rx_csum = false;
	tu_env_fini(&env);
}

/* DF flag, TTL and ARP metadata. */
static void test_meta_details(void)
{
	struct tu_env env;
	struct tu_ip_opts o = { .ttl = 7, .frag = RTE_IPV4_HDR_DF_FLAG };
	struct rte_mbuf *m;
	struct pkt_meta *pm;

	tu_env_init(&env, 2);
	m = tu_ipv4(1, IPV4(192, 0, 2, 50), H0, IPPROTO_UDP, 0, &o);
	pm = pkt_meta(m);
	parse_stage(&env.w, &m, 1);
	CHECK(pm->action == PKT_TX && pm->cls == PKT_CLASS_TRANSIT && pm->in_port == 1 &&
		      pm->out_port == 1, "df packet on port 1");
	CHECK(pm->ttl == 7 && (pm->flags & PKT_F_DF) && !(pm->flags & PKT_F_FRAGMENT),
	      "ttl %u flags %#x", pm->ttl, pm->flags);
	/* stale metadata from a previous use of the mbuf is cleared */
	pm->nexthop = 123;
	pm->icmp_type = 99;
	parse_stage(&env.w, &m, 1);
	CHECK(pm->nexthop == 0 && pm->icmp_type == 0, "metadata reset");
	/* a packet whose in_port is beyond the snapshot is dropped, not read out of bounds */
	pm->in_port = 5;
	parse_stage(&env.w, &m, 1);
	CHECK(pm->action == PKT_DROP && pm->drop == DROP_ETH_NOT_FOR_US, "bad in_port");
	free(m);
	tu_env_fini(&env);
}

/* Check that m ended in a valid state after the pipeline. */
static bool action_valid(struct rte_mbuf *m, unsigned n_ports)
{
	struct pkt_meta *pm = pkt_meta(m);

	switch (pm->action) {
	case PKT_DROP:
		return pm->drop != DROP_NONE && pm->drop < DROP_MAX;
	case PKT_TX:
	case PKT_FRAGMENT:
		return pm->out_port < n_ports;
	case PKT_CONSUMED:
	case PKT_FREE:
		return true;
	default:
		return false;
	}
}

/* Random frames (garbage, and valid frames with random bytes flipped) through
 * parse_stage and pipeline_run: no crash, every packet ends with a valid action. */
static void test_garbage(void)
{
	enum { ROUNDS = 400, BURST = 32 };
	struct tu_env env;
	unsigned bad = 0, survivors = 0, total = 0;

	tu_env_init(&env, 3);
	for (unsigned r = 0; r < ROUNDS; r++) {
		struct rte_mbuf *pkts[BURST];

		for (unsigned i = 0; i < BURST; i++) {
			uint64_t x = tu_rand();
			unsigned kind = x % 4, in_port = (x >> 8) % 3;
			struct rte_mbuf *m;

			if (kind == 0) { /* pure garbage */
				uint16_t len = (uint16_t)(tu_rand() % 200);
				m = tu_mbuf_new(len);
				for (uint16_t b = 0; b < len; b++)
					rte_pktmbuf_mtod(m, uint8_t *)[b] = (uint8_t)tu_rand();
			} else { /* a valid frame with random damage */
				static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
								  IPPROTO_ICMP, 0 };
				uint8_t proto = protos[(x >> 16) % 4];
				struct tu_ip_opts o = { .icmp_type = (uint8_t)((x >> 24) % 20),
							.ttl = (uint8_t)((x >> 32) % 4) };
				uint32_t dst = (x >> 40) % 2 ? tu_port_addr[in_port]
							     : IPV4(203, 0, 113, (x >> 48) & 0xff);

				if (proto == 0) {
					struct rte_ether_addr peer = tu_mac(true, in_port);
					m = tu_arp(in_port, (x >> 36) % 2 ? RTE_ARP_OP_REQUEST
									  : RTE_ARP_OP_REPLY,
						   &peer, tu_port_addr[in_port] + 1 + (x >> 56) % 3,
						   dst, (x >> 37) % 2);
				} else {
					m = tu_ipv4(in_port, tu_port_addr[in_port] + 1, dst, proto,
						    (uint16_t)((x >> 50) % 64), &o);
				}
				for (unsigned f = 0; f < kind - 1; f++) {
					uint16_t at = (uint16_t)(tu_rand() % m->data_len);
					rte_pktmbuf_mtod(m, uint8_t *)[at] ^= (uint8_t)tu_rand();
				}
				if (kind == 3) { /* keep the IP header checksum right */
					if (m->data_len >= 34 &&
					    (rte_pktmbuf_mtod(m, uint8_t *)[14] & 0xf) == 5)
						tu_ip_fix(m);
					m->data_len = m->pkt_len = (uint16_t)(tu_rand() % (m->data_len + 1));
				}
			}
			tu_rx(m, in_port);
			pkts[i] = m;
		}
		if (r % 2 == 0) {
			survivors += parse_stage(&env.w, pkts, BURST);
		} else {
			pipeline_run(&env.w, pkts, BURST);
		}
		for (unsigned i = 0; i < BURST; i++) {
			struct pkt_meta *pm = pkt_meta(pkts[i]);

			total++;
			if (!action_valid(pkts[i], env.snap.n_ports))
				bad++;
			/* No route tables here, so nothing is parked (CONSUMED) in the
			 * neighbour table; everything else is ours to free. */
			if (pm->action != PKT_CONSUMED)
				free(pkts[i]);
		}
		tu_emit_clear(&env);
		tu_gc(&env);
	}
	CHECK(bad == 0, "%u of %u random frames ended with an invalid action", bad, total);
	CHECK(survivors > 0 && survivors < total, "some random frames survive parse (%u)", survivors);
	tu_env_fini(&env);
}

/* drop_reason_name/desc and gen_kind_name. */
static void test_names(void)
{
	CHECK(strcmp(drop_reason_name(DROP_IP_BAD_CHECKSUM), "ip_bad_checksum") == 0, "name");
	CHECK(strcmp(drop_reason_name(DROP_NONE), "none") == 0, "none");
	CHECK(strcmp(drop_reason_name(DROP_MAX), "unknown") == 0, "out of range");
	CHECK(strcmp(drop_reason_desc(DROP_TTL_EXCEEDED), "TTL expired in transit") == 0, "desc");
	CHECK(strcmp(gen_kind_name(GEN_ICMP_FRAG_NEEDED), "icmp_frag_needed") == 0, "gen");
	CHECK(strcmp(gen_kind_name(GEN_MAX), "unknown") == 0, "gen out of range");
	for (unsigned r = 0; r < DROP_MAX; r++) {
		const char *s = drop_reason_name((enum drop_reason)r);
		bool lower = s[0] != '\0';

		for (const char *c = s; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
				lower = false;
		CHECK(lower && drop_reason_desc((enum drop_reason)r)[0] != '\0', "reason %u: %s", r, s);
	}
	for (unsigned k = 0; k < GEN_MAX; k++)
		CHECK(strcmp(gen_kind_name((enum gen_kind)k), "unknown") != 0, "gen kind %u named", k);
}

int main(void)
{
	test_table();
	test_meta_details();
	test_garbage();
	test_names();
	return tu_summary("test_parse");
}
