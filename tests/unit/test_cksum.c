/* test_cksum: RFC 1624 incremental updates equal full recomputation over
 * random IPv4 headers and TCP/UDP segments. */
#include "test_mbuf.h"

#include "natgw/cksum.h"

#include "core/fastpath_internal.h"

#define ROUNDS 20000

/* Fill a random but well-formed IPv4 header (IHL 5) with a correct checksum. */
static void rand_ipv4(struct rte_ipv4_hdr *ip)
{
	uint8_t *b = (uint8_t *)ip;

	for (unsigned i = 0; i < sizeof(*ip); i++)
		b[i] = (uint8_t)tu_rand();
	ip->version_ihl = 0x45;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Full recomputation (DPDK) with the checksum field zeroed. */
static uint16_t full_ip(struct rte_ipv4_hdr *ip)
{
	struct rte_ipv4_hdr c = *ip;

	c.hdr_checksum = 0;
	return rte_ipv4_cksum(&c);
}

/* TTL decrements, random 16-bit and 32-bit rewrites, chained, on IPv4 headers. */
static void test_ip_header(void)
{
	unsigned bad_ttl = 0, bad16 = 0, bad32 = 0, bad_full = 0, bad_ok = 0;

	for (unsigned r = 0; r < ROUNDS; r++) {
		struct rte_ipv4_hdr ip;
		uint8_t *w16 = (uint8_t *)&ip;

		rand_ipv4(&ip);
		if (cksum_ipv4_hdr(&ip, 20) != full_ip(&ip))
			bad_full++;
		if (!cksum_ipv4_hdr_ok(&ip, 20))
			bad_ok++;
		/* random number of chained TTL decrements */
		for (unsigned d = tu_rand() % 4; d > 0 && ip.time_to_live > 0; d--) {
			cksum_ipv4_ttl_dec(&ip);
			if (ip.hdr_checksum != full_ip(&ip))
				bad_ttl++;
		}
		/* random 16-bit rewrites (any word but the checksum, word 5) */
		for (unsigned k = 0; k < 3; k++) {
			unsigned wi = tu_rand() % 10;
			uint16_t nv = (uint16_t)tu_rand(), ov;

			if (wi == 5 || wi == 0)
				continue; /* keep version/IHL so the header stays a header */
			memcpy(&ov, &w16[2 * wi], 2);
			memcpy(&w16[2 * wi], &nv, 2);
			ip.hdr_checksum = cksum_update16(ip.hdr_checksum, ov, nv);
			if (ip.hdr_checksum != full_ip(&ip))
				bad16++;
		}
		/* random 32-bit rewrite of source or destination */
		{
			uint32_t nv = (uint32_t)tu_rand(), ov;
			bool src = tu_rand() & 1;

			ov = src ? ip.src_addr : ip.dst_addr;
			if (src)
				ip.src_addr = nv;
			else
				ip.dst_addr = nv;
			ip.hdr_checksum = cksum_update32(ip.hdr_checksum, ov, nv);
			if (ip.hdr_checksum != full_ip(&ip))
				bad32++;
		}
		cksum_ipv4_ttl_set(&ip, (uint8_t)tu_rand());
		if (ip.hdr_checksum != full_ip(&ip) || !cksum_ipv4_hdr_ok(&ip, 20))
			bad_ttl++;
	}
	CHECK(bad_full == 0, "%u cksum_ipv4_hdr mismatches", bad_full);
	CHECK(bad_ok == 0, "%u cksum_ipv4_hdr_ok false negatives", bad_ok);
	CHECK(bad_ttl == 0, "%u TTL update mismatches", bad_ttl);
	CHECK(bad16 == 0, "%u 16-bit update mismatches", bad16);
	CHECK(bad32 == 0, "%u 32-bit update mismatches", bad32);
}

/* NAT-style rewrites on TCP and UDP: address (32-bit, pseudo-header) and port
 * (16-bit) changes patched incrementally equal rte_ipv4_udptcp_cksum. */
static void test_l4(void)
{
	unsigned bad = 0;
	uint8_t buf[20 + 20 + 64] __attribute__((aligned(8)));

	for (unsigned r = 0; r < ROUNDS; r++) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
		bool tcp = tu_rand() & 1;
		uint16_t payload = (uint16_t)(tu_rand() % 64);
		uint16_t l4len = (uint16_t)((tcp ? 20 : 8) + payload);
		uint8_t *l4 = buf + 20;
		uint16_t *ck = (uint16_t *)(l4 + (tcp ? 16 : 6));
		uint16_t *port = (uint16_t *)(l4 + (tu_rand() & 1 ? 0 : 2));
		uint32_t na = (uint32_t)tu_rand(), oa;
		uint16_t np = (uint16_t)tu_rand(), op, c;

		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)tu_rand();
		ip->version_ihl = 0x45;
		ip->next_proto_id = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
		if (!tcp)
			((struct rte_udp_hdr *)l4)->dgram_len = rte_cpu_to_be_16(l4len);
		*ck = cksum_ipv4_l4(ip, l4, ck);
		if (*ck != cksum_ipv4_l4(ip, l4, ck))
			bad++;

		oa = ip->src_addr;
		ip->src_addr = na;
		c = cksum_update32(*ck, oa, na);
		op = *port;
		*port = np;
		c = cksum_update16(c, op, np);
		if (!tcp)
			c = cksum_udp_fixup(*ck, c);
		if (c != cksum_ipv4_l4(ip, l4, ck))
			bad++;
		*ck = c;
	}
	CHECK(bad == 0, "%u TCP/UDP incremental mismatches", bad);
	/* UDP: checksum 0 means none and stays 0; a computed 0 goes out as 0xffff */
	CHECK(cksum_udp_fixup(0, 0x1234) == 0, "udp no checksum kept");
	CHECK(cksum_udp_fixup(0x1111, 0) == 0xffff, "udp zero sent as ffff");
	CHECK(cksum_udp_fixup(0x1111, 0x2222) == 0x2222, "udp normal");
}

/* A known header (RFC 1071 style example) and the ICMP helpers. */
static void test_known(void)
{
	static const uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
					 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
					 0xc0, 0xa8, 0x00, 0xc7 };
	struct rte_ipv4_hdr ip;
	uint8_t icmp[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	uint16_t c;

	memcpy(&ip, hdr, sizeof(ip));
	CHECK(cksum_ipv4_hdr_ok(&ip, 20), "known header verifies");
	CHECK(cksum_ipv4_hdr(&ip, 20) == rte_cpu_to_be_16(0xb861), "known header value %#x",
	      rte_be_to_cpu_16(cksum_ipv4_hdr(&ip, 20)));
	cksum_ipv4_hdr_set(&ip, 20);
	CHECK(memcmp(&ip, hdr, 20) == 0, "cksum_ipv4_hdr_set reproduces it");
	c = cksum_icmp(icmp, sizeof(icmp));
	memcpy(icmp + 2, &c, 2);
	CHECK(cksum_icmp_ok(icmp, sizeof(icmp)), "icmp verifies");
	CHECK(cksum_icmp(icmp, sizeof(icmp)) == c, "icmp ignores stored field");
	icmp[0] = 0;
	c = cksum_update16(c, rte_cpu_to_be_16(0x0800), rte_cpu_to_be_16(0x0000));
	memcpy(icmp + 2, &c, 2);
	CHECK(cksum_icmp_ok(icmp, sizeof(icmp)), "echo request -> reply incremental");
}

/* The packet path's shortcuts (src/core/fastpath_internal.h) give exactly
 * the generic code's results. */
static void test_fastpath(void)
{
	uint8_t h[20];
	unsigned ok = 0, n = 0, valid = 0;

	/* Header check: random headers, the same made valid, all-0 and all-1. */
	for (unsigned i = 0; i < 200000; i++, n++) {
		for (unsigned b = 0; b < 20; b++)
			h[b] = (uint8_t)rand();
		if (i % 4 == 0) { /* a valid checksum */
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;

			ip->version_ihl = 0x45; /* rte_ipv4_cksum reads the length from it */
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		if (i == 1)
			memset(h, 0, sizeof(h));
		if (i == 2)
			memset(h, 0xff, sizeof(h));
		valid += rte_raw_cksum(h, 20) == 0xffff;
		ok += fp_ipv4_hdr20_ok(h) == (rte_raw_cksum(h, 20) == 0xffff);
	}
	CHECK(ok == n && valid >= n / 4, "fp_ipv4_hdr20_ok == rte_raw_cksum: %u of %u (%u valid)", ok, n, valid);

	/* TTL decrement: every checksum value, several TTLs. */
	ok = n = 0;
	for (unsigned ck = 0; ck <= 0xffff; ck++) {
		for (unsigned t = 1; t <= 255; t += 127) {
			struct rte_ipv4_hdr a, b;

			memset(&a, 0, sizeof(a));
			a.time_to_live = (uint8_t)t;
			a.hdr_checksum = (uint16_t)ck;
			b = a;
			cksum_ipv4_ttl_dec(&a);
			fp_ipv4_ttl_dec(&b);
			ok += a.hdr_checksum == b.hdr_checksum && a.time_to_live == b.time_to_live;
			n++;
		}
	}
	CHECK(ok == n, "fp_ipv4_ttl_dec == cksum_ipv4_ttl_dec: %u of %u", ok, n);

	{
		const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		const uint8_t m1[6] = { 2, 0, 0, 0, 0, 1 }, m2[6] = { 2, 0, 0, 0, 0, 2 };

		CHECK(fp_mac48(bc) == FP_MAC48_BCAST, "broadcast as 48 bits");
		CHECK(fp_mac48(m1) != fp_mac48(m2) && fp_mac48(m1) == fp_mac48(m1), "MAC compare");
	}
}

int main(void)
{
	test_fastpath();
	test_ip_header();
	test_l4();
	test_known();
	return tu_summary("test_cksum");
}
