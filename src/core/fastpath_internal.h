/* natgw packet-path helpers shared by parse.c and forward.c (private to src/core).
 *
 * Overview: byte-order conversions the compiler can see through (DPDK's
 * rte_be_to_cpu_16/32 of a non-constant is an `asm volatile` on x86, which
 * blocks folding compares with constants and scheduling), MAC compares as
 * 48-bit values, the IPv4 header
 * checksum check for the one header length parse accepts (20 bytes), and the
 * TTL decrement with its RFC 1624 checksum patch as one add.
 * Every helper gives exactly the result of the generic code it replaces.
 * Life-cycle: stateless, inline. Who: any stage.
 */
#ifndef NATGW_FASTPATH_INTERNAL_H
#define NATGW_FASTPATH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "natgw/cksum.h"

/* Network to host order, 16 bits (no asm: the compiler may fold it). */
static inline uint16_t fp_ntohs(uint16_t x)
{
	return RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN ? __builtin_bswap16(x) : x;
}

/* Network to host order, 32 bits. */
static inline uint32_t fp_ntohl(uint32_t x)
{
	return RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN ? __builtin_bswap32(x) : x;
}

/* A MAC address as one 48-bit value (a 4-byte and a 2-byte load), for
 * equality tests; ff:ff:ff:ff:ff:ff is FP_MAC48_BCAST in either byte order. */
#define FP_MAC48_BCAST 0xffffffffffffull

static inline uint64_t fp_mac48(const void *mac)
{
	uint32_t a;
	uint16_t b;

	memcpy(&a, mac, 4);
	memcpy(&b, (const uint8_t *)mac + 4, 2);
	return (uint64_t)a | (uint64_t)b << 32;
}

/* True when a 20-byte IPv4 header (checksum included) sums to 0xffff: the
 * same verdict as rte_raw_cksum(ip, 20) == 0xffff. That folded one's
 * complement sum is 0xffff exactly when the plain sum of the ten 16-bit
 * words is a non-zero multiple of 0xffff; summing five 32-bit words instead
 * gives the same residue (2^16 is 1 modulo 0xffff) and is zero only when
 * the words all are. */
static inline bool fp_ipv4_hdr20_ok(const void *ip)
{
	const uint8_t *p = ip;
	uint64_t a, b, s;
	uint32_t c;

	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 4);
	s = (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32) + c;
	return s != 0 && s % 0xffff == 0;
}

/* Decrement the TTL of ip and patch its checksum, with exactly the result
 * of cksum_ipv4_ttl_dec (RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m')): for a
 * TTL >= 1, ~m + m' is the constant 0xffff - be16(0x0100), and
 * ~(~HC + that), folded, is HC + be16(0x0100) with the end-around carry
 * taken when the sum reaches 0xffff (as Linux's ip_decrease_ttl; checked
 * against cksum_update16 for every checksum, both byte orders). A TTL of 0,
 * which the forward path never sends, takes the generic helper. */
static inline void fp_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t c;

	if (__builtin_expect(ip->time_to_live == 0, 0)) {
		cksum_ipv4_ttl_dec(ip);
		return;
	}
	c = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(c + (c >= 0xffff));
	ip->time_to_live--;
}

#endif
