/* natgw NAT header rewrite with incremental checksums (RFC 1624).
 *
 * Overview: nat_translate() rewrites a packet of a session to its target
 * tuple: IPv4 source/destination (header checksum patched), TCP/UDP ports
 * (the L4 checksum patched for the pseudo-header addresses and the ports; a
 * UDP checksum of 0 means "none" and stays 0, a computed 0 is sent as
 * 0xffff), or the ICMP echo identifier (ICMP checksum patched; ICMP has no
 * pseudo-header). Only words that change are touched, so the cost does not
 * depend on the packet size and multi-segment packets (headers in the first
 * segment) work the same. The headers are always kept correct in software:
 * forward_stage may later hand the IP checksum to the NIC, which is fine.
 * Life-cycle: stateless. Who: the worker owning the packet.
 */
#include <stddef.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "natgw/cksum.h"

#include "nat_stage_internal.h"

#define NAT_IP_SRC_OFF 12
#define NAT_IP_DST_OFF 16
#define NAT_IP_CKSUM_OFF 10
#define NAT_TCP_CKSUM_OFF 16
#define NAT_UDP_CKSUM_OFF 6
#define NAT_ICMP_CKSUM_OFF 2
#define NAT_ICMP_ID_OFF 4

/* RFC 1624 eqn. 3 applied once for all the changed words: the unfolded
 * one's complement sum of ~old + new, taken over 32-bit words (an address,
 * or both ports at once) in a 64-bit accumulator. One's complement addition
 * is associative and does not care about the word size, and the sum is zero
 * only when every term is, so folding once at the end gives exactly the
 * checksum of one update per 16-bit word, for a fraction of the work; the
 * address part is shared by the IP and the TCP/UDP checksums. */
static inline uint64_t nat_cksum_delta32(uint32_t old_v, uint32_t new_v)
{
	return (uint64_t)(uint32_t)~old_v + new_v;
}

/* Checksum cksum patched by an unfolded delta (a few nat_cksum_delta32
 * terms: far below 2^62, so two 64 -> 32 folds leave no carry behind). */
static inline uint16_t nat_cksum_apply(uint16_t cksum, uint64_t delta)
{
	uint64_t sum = (uint64_t)(uint16_t)~cksum + delta;

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return (uint16_t)~cksum_fold((uint32_t)sum);
}

/* Rewrite TCP/UDP ports at l4 and patch its checksum; addr_delta is the
 * pseudo-header's address change. Source and destination port are adjacent
 * in the header and in struct nat_key: one 32-bit word each. */
_Static_assert(offsetof(struct nat_key, dport) == offsetof(struct nat_key, sport) + 2,
	       "nat_translate_ports reads both ports of a key as one word");
static void nat_translate_ports(uint8_t *l4, uint8_t proto, uint64_t addr_delta,
				const struct nat_key *to)
{
	unsigned ck_off = proto == IPPROTO_TCP ? NAT_TCP_CKSUM_OFF : NAT_UDP_CKSUM_OFF;
	uint32_t old_ports = nat_ld32(l4), new_ports = nat_ld32(&to->sport);
	uint16_t old_ck = nat_ld16(l4 + ck_off), ck;

	ck = nat_cksum_apply(old_ck, addr_delta + nat_cksum_delta32(old_ports, new_ports));
	if (proto == IPPROTO_UDP)
		ck = cksum_udp_fixup(old_ck, ck);
	nat_st32(l4, new_ports);
	nat_st16(l4 + ck_off, ck);
}

/* Rewrite the identifier of an ICMP echo request/reply at l4 and patch its checksum. */
static void nat_translate_echo(uint8_t *l4, uint16_t id)
{
	uint16_t old_id = nat_ld16(l4 + NAT_ICMP_ID_OFF);

	nat_st16(l4 + NAT_ICMP_CKSUM_OFF,
		 cksum_icmp_nonzero(cksum_update16(nat_ld16(l4 + NAT_ICMP_CKSUM_OFF), old_id, id)));
	nat_st16(l4 + NAT_ICMP_ID_OFF, id);
}

/* Rewrite packet m to the tuple to, with incremental checksums, and its metadata. */
void nat_translate(struct rte_mbuf *m, struct pkt_meta *pm, const struct nat_key *to)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l3_off);
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l4_off);
	uint32_t os = nat_ld32(ip + NAT_IP_SRC_OFF), od = nat_ld32(ip + NAT_IP_DST_OFF);
	uint64_t addr_delta = nat_cksum_delta32(os, to->saddr) + nat_cksum_delta32(od, to->daddr);

	nat_st32(ip + NAT_IP_SRC_OFF, to->saddr);
	nat_st32(ip + NAT_IP_DST_OFF, to->daddr);
	nat_st16(ip + NAT_IP_CKSUM_OFF, nat_cksum_apply(nat_ld16(ip + NAT_IP_CKSUM_OFF), addr_delta));
	pm->src_ip = to->saddr;
	pm->dst_ip = to->daddr;

	switch (pm->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		nat_translate_ports(l4, pm->proto, addr_delta, to);
		pm->sport = to->sport;
		pm->dport = to->dport;
		break;
	case IPPROTO_ICMP:
		if (pm->icmp_type == NAT_ICMP_ECHO_REQUEST) {
			nat_translate_echo(l4, to->sport);
			pm->sport = to->sport;
		} else if (pm->icmp_type == NAT_ICMP_ECHO_REPLY) {
			nat_translate_echo(l4, to->dport);
			pm->sport = to->dport;
		}
		break;
	default:
		break;
	}
}
