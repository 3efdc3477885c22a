/* natgw NAT ICMP error translation (RFC 5508 section 4, RFC 5382 REQ-9).
 *
 * Overview: an ICMP error (types 3, 4, 5, 11, 12) quotes the IP header and at
 * least 8 bytes of the packet that caused it. nat_icmp_quote_parse() reads
 * the quote and inverts its tuple (the quoted packet travelled the other way,
 * so (dst, src, dport, sport) is the key the session knows; for a quoted echo
 * request/reply the identifier takes the port slot by the same rule as for a
 * live packet). nat_icmp_error_translate() then, for a session s matched in
 * direction d (key K_d, other direction K_o):
 *   - outer header: where a live packet of direction d would get a new source
 *     (the direction is source-translated) the outer source becomes that new
 *     source, whoever sent the error (an inside router is masqueraded too, as
 *     Linux does); where it would get a new destination, the outer destination
 *     becomes it;
 *   - quoted packet: restored to K_o, i.e. to what the receiver of the error
 *     sent or received (addresses, ports or echo id);
 *   - checksums: inner IP header, inner TCP/UDP checksum when it lies within
 *     the quoted bytes (UDP 0 stays 0), inner ICMP echo checksum, the outer
 *     ICMP checksum (every changed inner word, RFC 1624) and the outer IP
 *     header, all incrementally.
 * Errors never refresh or delete a session (the caller does not touch it).
 * Life-cycle: stateless. Who: the worker owning the packet.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "natgw/cksum.h"

#include "nat_stage_internal.h"

#define NAT_ICMP_HDR_LEN 8
#define NAT_IP_CKSUM_OFF 10
#define NAT_IP_SRC_OFF 12
#define NAT_IP_DST_OFF 16

/* Parse the quote of the ICMP error m; false when it cannot be about a session. */
bool nat_icmp_quote_parse(struct rte_mbuf *m, const struct pkt_meta *pm,
			  struct nat_icmp_quote *q)
{
	uint8_t *inner = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l4_off + NAT_ICMP_HDR_LEN);
	unsigned first = rte_pktmbuf_data_len(m);
	unsigned end = RTE_MIN((unsigned)pm->l3_off + pm->ip_len, first);
	unsigned at = (unsigned)pm->l4_off + NAT_ICMP_HDR_LEN;
	unsigned ihl, avail;
	uint16_t frag, sport, dport;
	uint8_t proto, type = 0;

	if (end < at + sizeof(struct rte_ipv4_hdr))
		return false;
	avail = end - at;
	if ((inner[0] >> 4) != 4)
		return false;
	ihl = (unsigned)(inner[0] & 0xf) * 4;
	if (ihl < sizeof(struct rte_ipv4_hdr) || avail < ihl + 8)
		return false;
	frag = rte_be_to_cpu_16(nat_ld16(inner + 6));
	if (frag & RTE_IPV4_HDR_OFFSET_MASK)
		return false; /* quoted a non-first fragment: no ports */
	proto = inner[9];
	sport = nat_ld16(inner + ihl);
	dport = nat_ld16(inner + ihl + 2);
	if (proto == IPPROTO_ICMP) {
		type = inner[ihl];
		sport = nat_ld16(inner + ihl + 4); /* echo identifier */
		dport = 0;
	} else if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		return false;
	}
	/* The quoted packet's own key, then inverted (it travelled the other way). */
	if (!nat_key_make(&q->key, proto, nat_ld32(inner + NAT_IP_SRC_OFF),
			  nat_ld32(inner + NAT_IP_DST_OFF), sport, dport, type))
		return false;
	{
		uint32_t a = q->key.saddr;
		uint16_t p = q->key.sport;

		q->key.saddr = q->key.daddr;
		q->key.daddr = a;
		q->key.sport = q->key.dport;
		q->key.dport = p;
	}
	q->inner = inner;
	q->inner_ihl = (uint16_t)ihl;
	q->inner_l4_len = (uint16_t)(avail - ihl);
	q->inner_icmp_type = type;
	return true;
}

/* Set a 16-bit word of the ICMP message, patching the outer ICMP checksum *ck. */
static void nat_icmp_set16(uint8_t *p, uint16_t v, uint16_t *ck)
{
	*ck = cksum_update16(*ck, nat_ld16(p), v);
	nat_st16(p, v);
}

/* Set a 32-bit word of the ICMP message, patching the outer ICMP checksum *ck. */
static void nat_icmp_set32(uint8_t *p, uint32_t v, uint16_t *ck)
{
	*ck = cksum_update32(*ck, nat_ld32(p), v);
	nat_st32(p, v);
}

/* Restore the quoted TCP/UDP header to k's ports (addresses were os, od; now k's). */
static void nat_icmp_inner_ports(const struct nat_icmp_quote *q, uint8_t proto, uint32_t os,
				 uint32_t od, const struct nat_key *k, uint16_t *ck)
{
	uint8_t *l4 = q->inner + q->inner_ihl;
	unsigned ck_off = proto == IPPROTO_TCP ? 16 : 6;

	if (q->inner_l4_len >= ck_off + 2) {
		uint16_t old_l4 = nat_ld16(l4 + ck_off), l4ck = old_l4;

		l4ck = cksum_update32(l4ck, os, k->saddr);
		l4ck = cksum_update32(l4ck, od, k->daddr);
		l4ck = cksum_update16(l4ck, nat_ld16(l4), k->sport);
		l4ck = cksum_update16(l4ck, nat_ld16(l4 + 2), k->dport);
		if (proto == IPPROTO_UDP)
			l4ck = cksum_udp_fixup(old_l4, l4ck);
		nat_icmp_set16(l4 + ck_off, l4ck, ck);
	}
	nat_icmp_set16(l4, k->sport, ck);
	nat_icmp_set16(l4 + 2, k->dport, ck);
}

/* Restore the quoted echo header's identifier (and its checksum). */
static void nat_icmp_inner_echo(const struct nat_icmp_quote *q, uint16_t id, uint16_t *ck)
{
	uint8_t *l4 = q->inner + q->inner_ihl;
	uint16_t old_id = nat_ld16(l4 + 4);

	nat_icmp_set16(l4 + 2, cksum_icmp_nonzero(cksum_update16(nat_ld16(l4 + 2), old_id, id)), ck);
	nat_icmp_set16(l4 + 4, id, ck);
}

/* Translate the ICMP error m about session s matched in direction dir. */
void nat_icmp_error_translate(struct rte_mbuf *m, struct pkt_meta *pm,
			      const struct nat_session *s, int dir,
			      const struct nat_icmp_quote *q)
{
	const struct nat_key *kd = dir == 0 ? &s->orig : &s->reply;
	const struct nat_key *ko = dir == 0 ? &s->reply : &s->orig;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l3_off);
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l4_off);
	uint8_t *in = q->inner;
	uint16_t ck = nat_ld16(icmp + 2);
	uint32_t os = nat_ld32(in + NAT_IP_SRC_OFF), od = nat_ld32(in + NAT_IP_DST_OFF);
	uint16_t ipck = nat_ld16(in + NAT_IP_CKSUM_OFF);
	struct nat_key to;

	/* Quoted IP header: addresses back to K_o, its checksum patched. */
	ipck = cksum_update32(ipck, os, ko->saddr);
	ipck = cksum_update32(ipck, od, ko->daddr);
	nat_icmp_set32(in + NAT_IP_SRC_OFF, ko->saddr, &ck);
	nat_icmp_set32(in + NAT_IP_DST_OFF, ko->daddr, &ck);
	nat_icmp_set16(in + NAT_IP_CKSUM_OFF, ipck, &ck);

	/* Quoted L4 header. */
	if (ko->proto == IPPROTO_ICMP)
		nat_icmp_inner_echo(q, q->inner_icmp_type == NAT_ICMP_ECHO_REQUEST ? ko->sport
								       : ko->dport, &ck);
	else
		nat_icmp_inner_ports(q, ko->proto, os, od, ko, &ck);
	nat_st16(icmp + 2, ck);

	/* Outer header: only the translated side(s) of this direction. */
	nat_key_target(s, dir, &to);
	{
		uint32_t nsrc = to.saddr != kd->saddr ? to.saddr : pm->src_ip;
		uint32_t ndst = to.daddr != kd->daddr ? to.daddr : pm->dst_ip;
		uint16_t hck = nat_ld16(ip + NAT_IP_CKSUM_OFF);

		hck = cksum_update32(hck, pm->src_ip, nsrc);
		hck = cksum_update32(hck, pm->dst_ip, ndst);
		nat_st32(ip + NAT_IP_SRC_OFF, nsrc);
		nat_st32(ip + NAT_IP_DST_OFF, ndst);
		nat_st16(ip + NAT_IP_CKSUM_OFF, hck);
		pm->src_ip = nsrc;
		pm->dst_ip = ndst;
	}
}
