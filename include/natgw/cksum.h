/* natgw checksum helpers: Internet checksum (RFC 1071) full and incremental (RFC 1624).
 *
 * Overview: all helpers are inline and EAL-free. Values passed to the
 * incremental helpers are taken exactly as they sit in the packet (network
 * byte order); the one's complement sum is byte-order independent as long as
 * every operand has the same order, so no swapping is needed.
 * Incremental updates use RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), which never
 * produces the -0 (0xffff) ambiguity of eqn. 2 for a real header.
 * Life-cycle: stateless. Who: any stage rewriting header fields.
 */
#ifndef NATGW_CKSUM_H
#define NATGW_CKSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/* Fold a 32-bit one's complement accumulator to 16 bits (end-around carry). */
static inline uint16_t cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* New checksum after a 16-bit field changed from old_v to new_v (RFC 1624 eqn. 3). */
static inline uint16_t cksum_update16(uint16_t cksum, uint16_t old_v, uint16_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old_v;
	sum += new_v;
	return (uint16_t)~cksum_fold(sum);
}

/* An incrementally updated ICMP checksum: 0x0000 and 0xffff are both one's
 * complement zero, but for a message that is all zeros (echo reply, id 0,
 * seq 0, no payload) only 0xffff verifies, and RFC 1624's eqn. 3 yields
 * 0x0000 there. 0xffff verifies for every message. */
static inline uint16_t cksum_icmp_nonzero(uint16_t c)
{
	return c == 0 ? 0xffff : c;
}

/* New checksum after a 32-bit field (e.g. an address) changed from old_v to new_v. */
static inline uint16_t cksum_update32(uint16_t cksum, uint32_t old_v, uint32_t new_v)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~(old_v >> 16);
	sum += (uint16_t)~(old_v & 0xffff);
	sum += new_v >> 16;
	sum += new_v & 0xffff;
	return (uint16_t)~cksum_fold(sum);
}

/* UDP variant of cksum_update16/32 results: 0 means "no checksum", keep it, and
 * a computed 0 is sent as 0xffff (RFC 768). Pass the packet's old checksum. */
static inline uint16_t cksum_udp_fixup(uint16_t old_cksum, uint16_t new_cksum)
{
	if (old_cksum == 0)
		return 0;
	return new_cksum == 0 ? 0xffff : new_cksum;
}

/* Full IPv4 header checksum of ip (ihl bytes), ignoring what its checksum field holds. */
static inline uint16_t cksum_ipv4_hdr(const struct rte_ipv4_hdr *ip, unsigned ihl)
{
	uint32_t sum = __rte_raw_cksum(ip, ihl, 0);

	sum += (uint16_t)~ip->hdr_checksum; /* remove the stored checksum from the sum */
	return (uint16_t)~cksum_fold(sum);
}

/* Compute and store the IPv4 header checksum. */
static inline void cksum_ipv4_hdr_set(struct rte_ipv4_hdr *ip, unsigned ihl)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
}

/* True when the IPv4 header (ihl bytes, checksum field included) sums to 0xffff. */
static inline bool cksum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ip, unsigned ihl)
{
	return rte_raw_cksum(ip, ihl) == 0xffff;
}

/* Full ICMP checksum over len bytes starting at the ICMP header (field ignored). */
static inline uint16_t cksum_icmp(const void *icmp, unsigned len)
{
	const uint16_t *stored = (const uint16_t *)((const uint8_t *)icmp + 2);
	uint32_t sum = __rte_raw_cksum(icmp, len, 0);

	sum += (uint16_t)~*stored;
	return (uint16_t)~cksum_fold(sum);
}

/* True when an ICMP message of len bytes (checksum included) verifies. */
static inline bool cksum_icmp_ok(const void *icmp, unsigned len)
{
	return rte_raw_cksum(icmp, len) == 0xffff;
}

/* Full TCP/UDP checksum over the pseudo-header and the IP payload of ip
 * (ihl from ip, length from total_length), ignoring the stored checksum. */
static inline uint16_t cksum_ipv4_l4(const struct rte_ipv4_hdr *ip, void *l4, uint16_t *field)
{
	uint16_t saved = *field;
	uint16_t c;

	*field = 0;
	c = rte_ipv4_udptcp_cksum(ip, l4);
	*field = saved;
	return c;
}

/* Decrement the TTL of ip and patch its header checksum incrementally. */
static inline void cksum_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint16_t old_w = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
	uint16_t new_w;

	ip->time_to_live--;
	new_w = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
	ip->hdr_checksum = cksum_update16(ip->hdr_checksum, old_w, new_w);
}

/* Set the TTL of ip to ttl and patch its header checksum incrementally. */
static inline void cksum_ipv4_ttl_set(struct rte_ipv4_hdr *ip, uint8_t ttl)
{
	uint16_t old_w = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
	uint16_t new_w = rte_cpu_to_be_16((uint16_t)(ttl << 8 | ip->next_proto_id));

	ip->time_to_live = ttl;
	ip->hdr_checksum = cksum_update16(ip->hdr_checksum, old_w, new_w);
}

#endif
