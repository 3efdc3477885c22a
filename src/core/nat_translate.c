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

/* Rewrite TCP/UDP ports at l4 and patch its checksum for addresses and ports. */
static void nat_translate_ports(uint8_t *l4, uint8_t proto, uint32_t os, uint32_t od,
				const struct nat_key *to)
{
	unsigned ck_off = proto == IPPROTO_TCP ? NAT_TCP_CKSUM_OFF : NAT_UDP_CKSUM_OFF;
	uint16_t osp = nat_ld16(l4), odp = nat_ld16(l4 + 2);
	uint16_t old_ck = nat_ld16(l4 + ck_off), ck = old_ck;

	ck = cksum_update32(ck, os, to->saddr);
	ck = cksum_update32(ck, od, to->daddr);
	ck = cksum_update16(ck, osp, to->sport);
	ck = cksum_update16(ck, odp, to->dport);
	if (proto == IPPROTO_UDP)
		ck = cksum_udp_fixup(old_ck, ck);
	nat_st16(l4, to->sport);
	nat_st16(l4 + 2, to->dport);
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
	uint16_t ck = nat_ld16(ip + NAT_IP_CKSUM_OFF);

	ck = cksum_update32(ck, os, to->saddr);
	ck = cksum_update32(ck, od, to->daddr);
	nat_st32(ip + NAT_IP_SRC_OFF, to->saddr);
	nat_st32(ip + NAT_IP_DST_OFF, to->daddr);
	nat_st16(ip + NAT_IP_CKSUM_OFF, ck);
	pm->src_ip = to->saddr;
	pm->dst_ip = to->daddr;

	switch (pm->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		nat_translate_ports(l4, pm->proto, os, od, to);
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
