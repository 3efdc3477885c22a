/* test_rss: the Toeplitz RSS hash and RETA mapping (src/core/rss.c) and the
 * RSS-aware public port choice of the NAT allocator (src/core/nat_alloc.c),
 * without EAL.
 *   - Toeplitz: the Microsoft RSS verification vectors (IPv4, IPv4 with TCP
 *     ports), the table form against the bit-by-bit reference and DPDK's
 *     rte_softrss over random inputs and keys (40 and 52 bytes), the
 *     symmetric key, RETA mapping, hash types, argument checks.
 *   - Allocator with an RSS view (default key; RETA of 128 entries over 2 and
 *     4 queues; worker w polls queue w): for random inside endpoints and
 *     remotes every fresh port of worker w makes the reply hash to queue w
 *     (recomputed with the reference Toeplitz), ports stay in w's share, N
 *     workers never collide; endpoint-independent reuse keeps the mapping
 *     whatever the hash and reports where the reply lands; exhaustion of a
 *     share: home ports first, then the rest (handoff), then -ENOSPC, never
 *     evicting; cool-down; tuple-unique mode; ICMP and unhashed protocols.
 *   - Without an RSS view (and with views that cannot steer) the allocator's
 *     choices are exactly those of the code before RSS: digests of a fixed
 *     workload with a forced random stream, recorded from that code. (If the
 *     allocator is changed on purpose, regenerate them: run with
 *     TEST_RSS_PRINT_DIGESTS=1.)
 * RFC 1918 inside, RFC 5737 outside addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_thash.h>

#include "natgw/counters.h"
#include "natgw/nat.h"
#include "natgw/rss.h"

#include "core/nat_internal.h"

#include "test_check.h"
#include "test_nat_flows.h"

#define PUB2 IPV4(203, 0, 113, 2)

/* Test-local random stream (xorshift64*), fixed seed: reproducible inputs. */
static uint64_t trng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd32(void)
{
	trng ^= trng >> 12;
	trng ^= trng << 25;
	trng ^= trng >> 27;
	return (uint32_t)((trng * 0x2545f4914f6cdd1dull) >> 32);
}

/* A random public-looking remote address in 198.18.0.0/15 (RFC 2544 bench
 * range) or RFC 5737 space. */
static uint32_t rnd_remote(void)
{
	uint32_t r = rnd32();

	switch (r & 3) {
	case 0:
		return IPV4(198, 51, 100, 1 + (r >> 8) % 254);
	case 1:
		return IPV4(192, 0, 2, 1 + (r >> 8) % 254);
	case 2:
		return IPV4(203, 0, 113, 10 + (r >> 8) % 240);
	default:
		return IPV4(198, 18 + ((r >> 8) & 1), (r >> 9) & 0xff, 1 + (r >> 17) % 254);
	}
}

/* Reference queue of a packet src:sport -> dst:dport (network order), from
 * the key and RETA alone: bit-by-bit Toeplitz, reta[hash % size]. */
static uint16_t ref_queue(const uint8_t *key, const uint16_t *reta, unsigned reta_size,
			  uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint8_t in[RSS_TUPLE_LEN];

	memcpy(in, &src, 4);
	memcpy(in + 4, &dst, 4);
	memcpy(in + 8, &sport, 2);
	memcpy(in + 10, &dport, 2);
	return reta[rss_toeplitz_ref(key, RSS_KEY_LEN, in, sizeof(in)) % reta_size];
}

/* ---- Toeplitz ---- */

/* Microsoft "Verifying the RSS hash calculation", IPv4 table: destination
 * and source address:port, hash over IPv4 addresses, hash with TCP ports. */
static const struct {
	uint8_t dst[4];
	uint16_t dport;
	uint8_t src[4];
	uint16_t sport;
	uint32_t h_ip, h_tcp;
} ms_vectors[] = {
	{ { 161, 142, 100, 80 }, 1766, { 66, 9, 149, 187 }, 2794, 0x323e8fc2, 0x51ccc178 },
	{ { 65, 69, 140, 83 }, 4739, { 199, 92, 111, 2 }, 14230, 0xd718262a, 0xc626b0ea },
	{ { 12, 22, 207, 184 }, 38024, { 24, 19, 198, 95 }, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ { 209, 142, 163, 6 }, 2217, { 38, 27, 205, 30 }, 48228, 0x82989176, 0xafc7327f },
	{ { 202, 188, 127, 2 }, 1303, { 153, 39, 163, 191 }, 44251, 0x5d1809c5, 0x10e828a2 },
};

/* DPDK's generic software Toeplitz (host-order tuple words) as a third opinion. */
static uint32_t dpdk_softrss(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
			     uint16_t dport, unsigned words)
{
	uint32_t t[3] = { rte_be_to_cpu_32(src), rte_be_to_cpu_32(dst),
			  (uint32_t)HP(sport) << 16 | HP(dport) };

	return rte_softrss(t, words, key);
}

static void test_vectors(void)
{
	uint16_t reta[128];
	struct rss_conf *c = malloc(sizeof(*c));

	rss_reta_fill(reta, 128, 4);
	CHECK(c != NULL && rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0,
	      "conf init");
	for (unsigned i = 0; i < RTE_DIM(ms_vectors); i++) {
		uint8_t in[RSS_TUPLE_LEN];
		uint32_t src, dst;
		uint16_t sp = PORT(ms_vectors[i].sport), dp = PORT(ms_vectors[i].dport);

		memcpy(&src, ms_vectors[i].src, 4);
		memcpy(&dst, ms_vectors[i].dst, 4);
		memcpy(in, &src, 4);
		memcpy(in + 4, &dst, 4);
		memcpy(in + 8, &sp, 2);
		memcpy(in + 10, &dp, 2);
		CHECK(rss_toeplitz_ref(rss_key_default, RSS_KEY_LEN, in, 8) == ms_vectors[i].h_ip,
		      "vector %u ipv4 ref %#x", i, rss_toeplitz_ref(rss_key_default, RSS_KEY_LEN, in, 8));
		CHECK(rss_toeplitz_ref(rss_key_default, RSS_KEY_LEN, in, 12) == ms_vectors[i].h_tcp,
		      "vector %u tcp ref %#x", i, rss_toeplitz_ref(rss_key_default, RSS_KEY_LEN, in, 12));
		CHECK(rss_hash_ipv4(c, src, dst) == ms_vectors[i].h_ip, "vector %u ipv4 table", i);
		CHECK(rss_hash_l4(c, src, dst, sp, dp) == ms_vectors[i].h_tcp, "vector %u tcp table", i);
		CHECK(dpdk_softrss(rss_key_default, src, dst, sp, dp, 2) == ms_vectors[i].h_ip &&
			      dpdk_softrss(rss_key_default, src, dst, sp, dp, 3) == ms_vectors[i].h_tcp,
		      "vector %u: rte_softrss agrees", i);
		CHECK(rss_queue_of(c, src, dst, sp, dp) == reta[ms_vectors[i].h_tcp % 128] &&
			      rss_queue_of(c, src, dst, sp, dp) == ms_vectors[i].h_tcp % 4,
		      "vector %u: queue = reta[hash %% 128]", i);
		CHECK(rss_queue_of_proto(c, IPPROTO_TCP, src, dst, sp, dp) ==
			      (int)(ms_vectors[i].h_tcp % 4) &&
			      rss_queue_of_proto(c, IPPROTO_ICMP, src, dst, sp, dp) ==
			      (int)(ms_vectors[i].h_ip % 4),
		      "vector %u: queue by protocol", i);
	}
	free(c);
}

/* Table form == bit-by-bit == rte_softrss over random tuples and keys. */
static void test_table_vs_ref(void)
{
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[RSS_RETA_MAX];
	uint8_t key[RSS_KEY_MAX];
	unsigned bad_l4 = 0, bad_ip = 0, bad_part = 0, bad_dpdk = 0, bad_sym = 0, bad_q = 0;

	if (c == NULL)
		exit(2);
	rss_reta_fill(reta, RSS_RETA_MAX, 7);
	for (unsigned k = 0; k < 12; k++) {
		size_t klen = k % 3 == 2 ? 52 : RSS_KEY_LEN;

		if (k == 0)
			memcpy(key, rss_key_default, RSS_KEY_LEN);
		else if (k == 1)
			memcpy(key, rss_key_symmetric, RSS_KEY_LEN);
		else
			for (size_t i = 0; i < klen; i++)
				key[i] = (uint8_t)rnd32();
		CHECK(rss_conf_init(c, key, klen, reta, 100 + 37 * k, RSS_HASH_ALL) == 0, "init key %u", k);
		for (unsigned i = 0; i < 20000; i++) {
			uint32_t src = rnd32(), dst = rnd32(), r = rnd32();
			uint16_t sp = (uint16_t)r, dp = (uint16_t)(r >> 16);
			uint8_t in[RSS_TUPLE_LEN];
			uint32_t h;

			memcpy(in, &src, 4);
			memcpy(in + 4, &dst, 4);
			memcpy(in + 8, &sp, 2);
			memcpy(in + 10, &dp, 2);
			h = rss_toeplitz_ref(key, klen, in, 12);
			bad_l4 += rss_hash_l4(c, src, dst, sp, dp) != h;
			bad_part += rss_hash_l4_finish(c, rss_hash_l4_partial(c, src, dst, sp), dp) != h;
			bad_ip += rss_hash_ipv4(c, src, dst) != rss_toeplitz_ref(key, klen, in, 8);
			bad_dpdk += dpdk_softrss(key, src, dst, sp, dp, 3) != h;
			bad_q += rss_queue_of(c, src, dst, sp, dp) != reta[h % c->reta_size];
			if (k == 1) /* symmetric key: both directions hash alike */
				bad_sym += rss_hash_l4(c, dst, src, dp, sp) != h ||
					   rss_hash_ipv4(c, dst, src) != rss_hash_ipv4(c, src, dst);
		}
	}
	CHECK(bad_l4 == 0 && bad_part == 0, "4-tuple table vs reference: %u, partial: %u", bad_l4,
	      bad_part);
	CHECK(bad_ip == 0, "2-tuple table vs reference: %u", bad_ip);
	CHECK(bad_dpdk == 0, "reference vs rte_softrss: %u", bad_dpdk);
	CHECK(bad_q == 0, "queue vs reta[hash %% size]: %u", bad_q);
	CHECK(bad_sym == 0, "symmetric key not symmetric: %u", bad_sym);
	free(c);
}

/* Argument checks, RETA fill, hash types. */
static void test_conf(void)
{
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[RSS_RETA_MAX + 1];
	uint32_t src = R1, dst = PUB;

	if (c == NULL)
		exit(2);
	rss_reta_fill(reta, RSS_RETA_MAX + 1, 3);
	CHECK(reta[0] == 0 && reta[1] == 1 && reta[2] == 2 && reta[3] == 0 && reta[512] == 2,
	      "round-robin RETA");
	memset(c, 0xab, sizeof(*c));
	CHECK(rss_conf_init(c, rss_key_default, 15, reta, 128, RSS_HASH_ALL) == -EINVAL,
	      "short key refused");
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_MAX + 1, reta, 128, RSS_HASH_ALL) == -EINVAL,
	      "long key refused");
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 0, RSS_HASH_ALL) == -EINVAL &&
		      rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, RSS_RETA_MAX + 1,
				    RSS_HASH_ALL) == -EINVAL,
	      "RETA size 0 / 513 refused");
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128, 0x100) == -EINVAL &&
		      rss_conf_init(c, NULL, RSS_KEY_LEN, reta, 128, 0) == -EINVAL &&
		      rss_conf_init(c, rss_key_default, RSS_KEY_LEN, NULL, 128, 0) == -EINVAL,
	      "bad types / NULL refused");
	CHECK(c->reta_size == 0xabab, "refused init leaves c untouched");
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, RSS_RETA_MAX, RSS_HASH_ALL) == 0 &&
		      c->reta_size == RSS_RETA_MAX && c->key_len == RSS_KEY_LEN,
	      "512-entry RETA");
	/* a 1-entry RETA sends everything to its queue */
	reta[0] = 5;
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 1, RSS_HASH_ALL) == 0 &&
		      rss_queue_of(c, src, dst, PORT(80), PORT(4000)) == 5,
	      "1-entry RETA");
	/* hash types: UDP without ports falls back to the 2-tuple, nothing hashed: -1 */
	rss_reta_fill(reta, 128, 4);
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128,
			    RSS_HASH_IPV4 | RSS_HASH_IPV4_TCP) == 0,
	      "init tcp only");
	CHECK(rss_proto_uses_ports(c, IPPROTO_TCP) && !rss_proto_uses_ports(c, IPPROTO_UDP) &&
		      !rss_proto_uses_ports(c, IPPROTO_ICMP),
	      "ports used for TCP only");
	CHECK(rss_queue_of_proto(c, IPPROTO_UDP, src, dst, PORT(53), PORT(4000)) ==
		      (int)rss_queue_of_hash(c, rss_hash_ipv4(c, src, dst)),
	      "UDP on the 2-tuple");
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_IPV4_TCP) == 0 &&
		      rss_queue_of_proto(c, IPPROTO_UDP, src, dst, PORT(53), PORT(4000)) == -1 &&
		      rss_queue_of_proto(c, IPPROTO_TCP, src, dst, PORT(53), PORT(4000)) ==
			      (int)rss_queue_of(c, src, dst, PORT(53), PORT(4000)),
	      "unhashed UDP: -1");
	free(c);
}

/* ---- allocator ---- */



/* tu_open_flow, also telling how the allocator placed the reply (*steer). */
static int open_flow(struct nat_worker *nw, const struct nat_rt *rt, uint8_t proto, uint32_t in,
		     uint16_t inport, uint32_t rem, uint16_t remport, uint32_t now, uint16_t *pub,
		     enum nat_alloc_steer *steer, struct nat_session **sp)
{
	int rc = tu_open_flow(nw, rt, proto, in, inport, rem, remport, now, pub, sp);

	if (steer != NULL)
		*steer = nat_port_alloc_steer(nw); /* set by the allocation, kept by the insert */
	return rc;
}

/* Port p (host order) -> owning worker id among n, port_min pmin, or -1. */
static int owner_of(uint32_t p, uint32_t pmin, unsigned n)
{
	return p < pmin ? -1 : (int)((p - pmin) % n);
}

/* N workers (n_queues queues, RETA 128 round-robin, worker w on queue w)
 * open flows from random inside endpoints to random remotes: every fresh
 * port of worker w lies in w's share and its reply hashes to queue w (the
 * reference Toeplitz says); endpoint-independent reuse keeps the mapping and
 * reports honestly where the reply lands; no two workers share a port. */
static void test_steering(unsigned n_queues, const uint8_t *key, uint8_t mapping)
{
	enum { FLOWS = 3000 };
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[128];
	struct nat_worker *nw[4];
	struct nat_rt rt;
	static int8_t owner[2][2][65536]; /* [address][TCP, UDP]: worker that handed out p */
	unsigned fresh = 0, fresh_home = 0, share_bad = 0, collide = 0;
	unsigned reuse = 0, reuse_home = 0, reuse_bad = 0, steer_bad = 0, fails = 0;
	uint32_t now = 100;

	if (c == NULL)
		exit(2);
	memset(owner, -1, sizeof(owner));
	rss_reta_fill(reta, 128, n_queues);
	CHECK(rss_conf_init(c, key, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0, "init");
	tu_nat_rt(&rt, 1024, 65535, mapping);
	rt.pool[1] = PUB2; /* paired pooling: the reply's address varies too */
	rt.n_pool = 2;
	for (unsigned w = 0; w < n_queues; w++)
		nw[w] = tu_nat_worker(4 * FLOWS, w, n_queues, c, (uint16_t)w);

	for (unsigned i = 0; i < FLOWS; i++) {
		for (unsigned w = 0; w < n_queues; w++) {
			uint8_t proto = i & 1 ? IPPROTO_UDP : IPPROTO_TCP;
			uint32_t in = INSIDE(1 + rnd32() % 4000);
			uint16_t inport = (uint16_t)(1024 + rnd32() % 60000);
			uint32_t rem = rnd_remote();
			uint16_t rport = (uint16_t)(1 + rnd32() % 65535);
			unsigned a = nat_pool_pick(&rt, in);
			int8_t *own = owner[a][proto == IPPROTO_UDP];
			enum nat_alloc_steer st = NAT_STEER_NONE;
			enum nat_alloc_kind kind;
			bool home;
			uint16_t pub = 0;

			if (open_flow(nw[w], &rt, proto, in, inport, rem, rport, now, &pub, &st, NULL)) {
				fails++;
				continue;
			}
			kind = nat_port_alloc_kind(nw[w]);
			home = ref_queue(key, reta, 128, rem, rt.pool[a], PORT(rport), PORT(pub)) == w;
			steer_bad += st != (home ? NAT_STEER_HOME : NAT_STEER_HANDOFF);
			share_bad += owner_of(pub, rt.port_min, n_queues) != (int)w;
			collide += own[pub] != -1 && own[pub] != (int8_t)w;
			own[pub] = (int8_t)w;
			if (kind == NAT_ALLOC_EIM_REUSED) {
				reuse++;
				reuse_home += home;
			} else {
				fresh++;
				fresh_home += home;
			}
			/* the same endpoint to another remote: EIM reuse (or, tuple
			 * mode, a fresh home port) */
			if (i % 4 == 0) {
				uint32_t rem2 = rnd_remote();
				uint16_t pub2 = 0;

				if (open_flow(nw[w], &rt, proto, in, inport, rem2, 443, now, &pub2, &st,
					      NULL)) {
					fails++;
					continue;
				}
				home = ref_queue(key, reta, 128, rem2, rt.pool[a], PORT(443),
						 PORT(pub2)) == w;
				steer_bad += st != (home ? NAT_STEER_HOME : NAT_STEER_HANDOFF);
				share_bad += owner_of(pub2, rt.port_min, n_queues) != (int)w;
				if (mapping == NATGW_NAT_MAPPING_EIM) {
					reuse_bad += pub2 != pub ||
						     nat_port_alloc_kind(nw[w]) != NAT_ALLOC_EIM_REUSED;
					reuse++;
					reuse_home += home;
				} else {
					fresh++;
					fresh_home += home;
				}
			}
		}
	}
	CHECK(fails == 0, "%u queues: %u allocations failed", n_queues, fails);
	CHECK(fresh > 0 && fresh_home == fresh, "%u queues: fresh ports homed %u of %u", n_queues,
	      fresh_home, fresh);
	CHECK(share_bad == 0, "%u queues: %u ports outside the worker's share", n_queues, share_bad);
	CHECK(collide == 0, "%u queues: %u ports handed out by two workers", n_queues, collide);
	CHECK(steer_bad == 0, "%u queues: %u wrong nat_port_alloc_steer", n_queues, steer_bad);
	if (mapping == NATGW_NAT_MAPPING_EIM) {
		/* a reused mapping's reply to a new remote lands anywhere: about
		 * 1 in n_queues at home, the mapping kept regardless */
		CHECK(reuse_bad == 0, "%u queues: %u EIM mappings not reused", n_queues, reuse_bad);
		CHECK(reuse > 0 && reuse_home < reuse && reuse_home * n_queues * 2 > reuse &&
			      reuse_home * n_queues < reuse * 2,
		      "%u queues: reused mappings at home %u of %u", n_queues, reuse_home, reuse);
	}
	printf("test_rss: %u queues, %s: %u fresh ports (%u home), %u EIM reuses (%u home)\n",
	       n_queues, mapping == NATGW_NAT_MAPPING_EIM ? "eim" : "tuple", fresh, fresh_home, reuse,
	       reuse_home);
	for (unsigned w = 0; w < n_queues; w++)
		nat_worker_destroy(nw[w]);
	free(c);
}

/* About one port of a worker's share in n_queues sends a given remote's
 * replies home (the share by port number does not fight the hash). */
static void test_home_density(void)
{
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[128];
	unsigned lo = UINT32_MAX, hi = 0;

	if (c == NULL)
		exit(2);
	rss_reta_fill(reta, 128, 4);
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0, "init");
	for (unsigned i = 0; i < 200; i++) {
		uint32_t rem = rnd_remote();
		uint16_t rport = (uint16_t)rnd32();
		unsigned w = i % 4, home = 0;

		for (uint32_t p = 1024 + w; p <= 65535; p += 4)
			home += rss_queue_of(c, rem, PUB, PORT(rport), PORT(p)) == w;
		lo = home < lo ? home : lo;
		hi = home > hi ? home : hi;
	}
	/* share 16128 ports: expect ~4032 */
	CHECK(lo > 3000 && hi < 5100, "home ports per remote in a 4-way share: %u..%u", lo, hi);
	free(c);
}

/* Exhaustion of one share towards one remote: the home ports first (exactly
 * the ones the reference hash picks), then the others (handoff), then
 * -ENOSPC; nothing evicted; cool-down of a released home port; then a second
 * remote shares the ports tuple-unique, home ones first again. */
static void test_exhaustion(void)
{
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[128];
	struct nat_rt rt;
	struct nat_worker *nw[2];
	struct nat_session *sess[2][130];
	uint16_t ports[2][130];
	uint32_t now = 1000;

	if (c == NULL)
		exit(2);
	rss_reta_fill(reta, 128, 2);
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0, "init");
	tu_nat_rt(&rt, 1024, 1279, NATGW_NAT_MAPPING_EIM); /* 256 ports: 128 per worker */
	for (unsigned w = 0; w < 2; w++)
		nw[w] = tu_nat_worker(4096, w, 2, c, (uint16_t)w);

	for (unsigned w = 0; w < 2; w++) {
		unsigned home_ports = 0, n = 0, order_bad = 0, seen_handoff = 0, home_got = 0;
		enum nat_alloc_steer st;
		uint16_t pub = 0;
		int rc;

		for (uint32_t p = 1024 + w; p <= 1279; p += 2)
			home_ports += ref_queue(rss_key_default, reta, 128, R1, PUB, PORT(80),
						PORT(p)) == w;
		for (;;) {
			rc = open_flow(nw[w], &rt, IPPROTO_TCP, INSIDE(n + 1), 5000, R1, 80, now, &pub,
				       &st, &sess[w][n]);
			if (rc != 0 || n >= 129)
				break;
			ports[w][n] = pub;
			if (st == NAT_STEER_HANDOFF)
				seen_handoff = 1;
			else if (seen_handoff)
				order_bad++; /* home after a handoff: home ports were left */
			home_got += st == NAT_STEER_HOME;
			order_bad += st == NAT_STEER_HOME &&
				     ref_queue(rss_key_default, reta, 128, R1, PUB, PORT(80),
					       PORT(pub)) != w;
			n++;
		}
		CHECK(rc == -ENOSPC && n == 128, "worker %u: %u flows to one remote, then %d", w, n, rc);
		CHECK(home_got == home_ports && home_ports > 30 && home_ports < 98,
		      "worker %u: %u home allocations, %u home ports", w, home_got, home_ports);
		CHECK(order_bad == 0, "worker %u: home ports not taken first (%u)", w, order_bad);
		CHECK(nat_session_count(nw[w]) == 128, "worker %u: nothing evicted", w);
		rc = open_flow(nw[w], &rt, IPPROTO_TCP, INSIDE(500), 5001, R1, 80, now, NULL, NULL,
			       NULL);
		CHECK(rc == -ENOSPC, "worker %u: still exhausted (%d)", w, rc);
	}
	/* a home port of worker 0 released: cools down, then comes back, home */
	{
		unsigned j = 0;
		uint16_t pub = 0;
		enum nat_alloc_steer st;
		int rc;

		while (j < 128 && ref_queue(rss_key_default, reta, 128, R1, PUB, PORT(80),
					    PORT(ports[0][j])) != 0)
			j++;
		nat_session_delete(nw[0], sess[0][j], now);
		rc = open_flow(nw[0], &rt, IPPROTO_TCP, INSIDE(600), 5000, R1, 80, now + 1, NULL, NULL,
			       NULL);
		CHECK(rc == -ENOSPC, "released port cools down (%d)", rc);
		rc = open_flow(nw[0], &rt, IPPROTO_TCP, INSIDE(600), 5000, R1, 80,
			       now + rt.port_reuse_delay + 1, &pub, &st, &sess[0][j]);
		CHECK(rc == 0 && pub == ports[0][j] && st == NAT_STEER_HOME &&
			      nat_port_alloc_kind(nw[0]) == NAT_ALLOC_NEW_MAPPING,
		      "cooled port reused: rc %d port %u (was %u) steer %d", rc, pub, ports[0][j], st);
		now += rt.port_reuse_delay + 1;
	}
	/* another remote: tuple-unique on the taken ports, home first, 128 in all */
	{
		unsigned home_ports = 0, n = 0, home_got = 0, order_bad = 0, seen_handoff = 0;
		enum nat_alloc_steer st;
		uint16_t pub = 0;
		int rc;

		for (uint32_t p = 1025; p <= 1279; p += 2)
			home_ports += ref_queue(rss_key_default, reta, 128, R2, PUB, PORT(443),
						PORT(p)) == 1;
		for (;;) {
			rc = open_flow(nw[1], &rt, IPPROTO_TCP, INSIDE(1000 + n), 6000, R2, 443, now,
				       &pub, &st, NULL);
			if (rc != 0 || n >= 129)
				break;
			if (nat_port_alloc_kind(nw[1]) != NAT_ALLOC_TUPLE_SHARED)
				order_bad++;
			if (st == NAT_STEER_HANDOFF)
				seen_handoff = 1;
			else if (seen_handoff)
				order_bad++;
			home_got += st == NAT_STEER_HOME;
			n++;
		}
		CHECK(rc == -ENOSPC && n == 128, "second remote: %u tuple-unique flows, then %d", n, rc);
		CHECK(home_got == home_ports && order_bad == 0,
		      "second remote: %u home of %u home ports, %u out of order", home_got,
		      home_ports, order_bad);
	}
	for (unsigned w = 0; w < 2; w++)
		nat_worker_destroy(nw[w]);
	free(c);
}

/* Protocols the port does not hash over ports are not steered (ICMP always;
 * UDP when the NIC hashes it on addresses): the 2-tuple decides, reported as
 * such; a worker whose queue is not in the RETA never steers; the view can be
 * set and cleared. */
static void test_unsteered(void)
{
	struct rss_conf *c = malloc(sizeof(*c));
	uint16_t reta[128];
	struct nat_rt rt;
	struct nat_worker *nw;
	unsigned bad = 0, home = 0, total = 0;

	if (c == NULL)
		exit(2);
	rss_reta_fill(reta, 128, 2);
	CHECK(rss_conf_init(c, rss_key_default, RSS_KEY_LEN, reta, 128,
			    RSS_HASH_IPV4 | RSS_HASH_IPV4_TCP) == 0, "init");
	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	nw = tu_nat_worker(8192, 0, 2, c, 0);
	for (unsigned i = 0; i < 400; i++) {
		uint32_t rem = rnd_remote();
		uint8_t proto = i & 1 ? IPPROTO_UDP : IPPROTO_ICMP;
		enum nat_alloc_steer st;
		uint16_t pub = 0;
		int q;

		if (open_flow(nw, &rt, proto, INSIDE(i + 1), 7000, rem, 53, 10, &pub, &st, NULL)) {
			bad++;
			continue;
		}
		q = rss_queue_of_hash(c, rss_hash_ipv4(c, rem, PUB));
		bad += st != (q == 0 ? NAT_STEER_HOME : NAT_STEER_HANDOFF);
		home += st == NAT_STEER_HOME;
		total++;
	}
	CHECK(bad == 0, "unsteered protocols: %u wrong", bad);
	CHECK(home > 0 && home < total, "2-tuple queue decides: %u of %u home", home, total);
	/* TCP is steered by the same view */
	for (unsigned i = 0; i < 200; i++) {
		enum nat_alloc_steer st = NAT_STEER_NONE;

		bad += open_flow(nw, &rt, IPPROTO_TCP, INSIDE(i + 1), 7001, rnd_remote(), 80, 10,
				 NULL, &st, NULL) != 0 || st != NAT_STEER_HOME;
	}
	CHECK(bad == 0, "TCP steered home: %u not", bad);
	/* cleared: NONE */
	nat_worker_rss_set(nw, NULL, 0);
	{
		enum nat_alloc_steer st = NAT_STEER_HOME;

		CHECK(open_flow(nw, &rt, IPPROTO_TCP, INSIDE(900), 7002, R1, 80, 10, NULL, &st,
				NULL) == 0 && st == NAT_STEER_NONE,
		      "no view: NAT_STEER_NONE");
	}
	/* queue 5 is not in the RETA: no steering, every reply handed off */
	nat_worker_rss_set(nw, c, 5);
	CHECK(!nw->rss_steer, "queue outside the RETA: no steering");
	{
		enum nat_alloc_steer st = NAT_STEER_HOME;

		CHECK(open_flow(nw, &rt, IPPROTO_TCP, INSIDE(901), 7002, R1, 80, 10, NULL, &st,
				NULL) == 0 && st == NAT_STEER_HANDOFF,
		      "queue outside the RETA: handoff");
	}
	nat_worker_destroy(nw);
	free(c);
}

/* ---- the allocator without steering is the allocator before RSS ---- */

/* FNV-1a over a 64-bit value. */
static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A fixed allocation workload on worker id of n, its random stream and hash
 * seeds forced to seed: opens and closes flows of all three protocols for a
 * few hosts and remotes on a small range of two addresses (so the free-port,
 * cool-down, tuple-unique and exhaustion paths all run) and returns a digest
 * of every result (rc, port, kind, insert error). rss/rxq: the RSS view. */
static uint64_t legacy_digest(unsigned id, unsigned n, uint8_t mapping, uint64_t seed,
			      const struct rss_conf *rss, uint16_t rxq)
{
	static const uint8_t protos[3] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP };
	static const uint16_t rports[3] = { 53, 80, 443 };
	struct nat_worker_params p = { .max_sessions = 2048, .worker_id = id, .n_workers = n,
				       .rss = rss, .rx_queue = rxq };
	struct nat_session **live = calloc(4096, sizeof(*live));
	struct nat_worker *nw = nat_worker_create(&p);
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t now = 1000, lcg = 12345;
	unsigned n_live = 0;
	struct nat_rt rt;

	if (nw == NULL || live == NULL) {
		printf("legacy_digest: no memory\n");
		exit(2);
	}
	nw->rng = seed;
	nw->seed0 = seed ^ 0x0123456789abcdefull;
	nw->seed1 = seed ^ 0xfedcba9876543210ull;
	memset(&rt, 0, sizeof(rt));
	rt.pool[0] = PUB;
	rt.pool[1] = PUB2;
	rt.n_pool = 2;
	rt.port_min = 20001;
	rt.port_max = 20300;
	rt.mapping = mapping;
	rt.port_reuse_delay = 30;
	rt.forwards[0] = (struct nat_forward_rt){ .public_addr = PUB, .public_port = PORT(20007),
						  .inside_addr = IPV4(10, 0, 0, 1),
						  .inside_port = PORT(80), .proto = IPPROTO_TCP };
	rt.n_forwards = 1;
	for (unsigned i = 0; i < 12000; i++) {
		uint32_t r;

		lcg = lcg * 1103515245u + 12345u;
		r = lcg >> 4;
		if (i % 200 == 199)
			now += 7;
		if (r % 5 == 0 && n_live > 0) {
			unsigned j = (r >> 3) % n_live;

			nat_session_delete(nw, live[j], now);
			live[j] = live[--n_live];
			h = fnv(h, 0xdead);
		} else {
			uint8_t proto = protos[(r >> 3) % 3];
			uint32_t in = IPV4(10, 0, 1, 1 + (r >> 5) % 40);
			uint16_t inport = (uint16_t)(1024 + (r >> 11) % 300);
			uint32_t rem = IPV4(198, 51, 100, 1 + (r >> 19) % 3);
			uint16_t rport = proto == IPPROTO_ICMP ? 0 : rports[(r >> 21) % 3];
			unsigned pi = nat_pool_pick(&rt, in);
			struct nat_key o, k;
			struct nat_session *s;
			uint16_t pp = 0;
			int rc, err = 0;

			rc = nat_port_alloc(nw, &rt, proto, pi, in, PORT(inport), rem, PORT(rport), now,
					    &pp);
			h = fnv(h, (uint64_t)(uint32_t)rc << 32 | (uint64_t)pp << 8 |
				       (rc == 0 ? nat_port_alloc_kind(nw) : 0xff));
			if (rc != 0)
				continue;
			memset(&o, 0, sizeof(o));
			memset(&k, 0, sizeof(k));
			o.proto = k.proto = proto;
			o.saddr = in;
			o.daddr = rem;
			o.sport = PORT(inport);
			o.dport = PORT(rport);
			k.saddr = rem;
			k.daddr = rt.pool[pi];
			k.sport = proto == IPPROTO_ICMP ? 0 : PORT(rport);
			k.dport = pp;
			if (proto == IPPROTO_ICMP) {
				o.dport = 0;
			}
			s = nat_session_insert(nw, &o, &k, proto == IPPROTO_TCP ? NAT_TC_TCP_EST :
							    proto == IPPROTO_UDP ? NAT_TC_UDP : NAT_TC_ICMP,
					       NAT_SESSION_SNAT, (uint8_t)pi, now, &err);
			h = fnv(h, (uint64_t)(uint32_t)err);
			if (s == NULL)
				nat_port_release(nw, proto, pi, in, PORT(inport), pp, now);
			else
				live[n_live++] = s;
		}
	}
	nat_worker_destroy(nw);
	free(live);
	return h;
}

/* Digests recorded with the allocator before the RSS view existed
 * (src/core/nat_alloc.c as of commit ea7d069); the workload hits every path
 * of it (new mappings, reuse, tuple-unique, shared, -ENOSPC, cool-down). */
static const struct {
	unsigned id, n;
	uint8_t mapping;
	uint64_t seed, digest;
} legacy_runs[] = {
	{ 0, 1, NATGW_NAT_MAPPING_EIM, 1, 0x3b39f4c9905fe272ull },
	{ 1, 2, NATGW_NAT_MAPPING_EIM, 2, 0xcee8b09d6b1b2692ull },
	{ 2, 3, NATGW_NAT_MAPPING_EIM, 3, 0xa23834d9de9e04ccull },
	{ 1, 4, NATGW_NAT_MAPPING_TUPLE, 4, 0x0f4cc093a97d3a0full },
};

static void test_legacy_unchanged(void)
{
	struct rss_conf *noports = malloc(sizeof(*noports)), *all = malloc(sizeof(*all));
	uint16_t reta[128];
	bool print = getenv("TEST_RSS_PRINT_DIGESTS") != NULL;

	if (noports == NULL || all == NULL)
		exit(2);
	rss_reta_fill(reta, 128, 4);
	/* a view that hashes nothing over ports, and one whose RETA lacks queue 9 */
	CHECK(rss_conf_init(noports, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_IPV4) == 0 &&
		      rss_conf_init(all, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0,
	      "init");
	for (unsigned i = 0; i < RTE_DIM(legacy_runs); i++) {
		uint64_t d = legacy_digest(legacy_runs[i].id, legacy_runs[i].n,
					   legacy_runs[i].mapping, legacy_runs[i].seed, NULL, 0);

		if (print)
			printf("{ %u, %u, %u, %llu, 0x%016llxull },\n", legacy_runs[i].id,
			       legacy_runs[i].n, legacy_runs[i].mapping,
			       (unsigned long long)legacy_runs[i].seed, (unsigned long long)d);
		CHECK(d == legacy_runs[i].digest, "run %u without RSS view: digest %#llx", i,
		      (unsigned long long)d);
		d = legacy_digest(legacy_runs[i].id, legacy_runs[i].n, legacy_runs[i].mapping,
				  legacy_runs[i].seed, noports, 1);
		CHECK(d == legacy_runs[i].digest, "run %u, view without port hashing: %#llx", i,
		      (unsigned long long)d);
		d = legacy_digest(legacy_runs[i].id, legacy_runs[i].n, legacy_runs[i].mapping,
				  legacy_runs[i].seed, all, 9);
		CHECK(d == legacy_runs[i].digest, "run %u, queue not in the RETA: %#llx", i,
		      (unsigned long long)d);
		/* a steering view changes choices, not the outcome counts' sanity */
		d = legacy_digest(legacy_runs[i].id, legacy_runs[i].n, legacy_runs[i].mapping,
				  legacy_runs[i].seed, all, (uint16_t)legacy_runs[i].id);
		CHECK(d != legacy_runs[i].digest, "run %u: a steering view steers", i);
	}
	free(noports);
	free(all);
}

/* The counters the stage bumps exist and have names. */
static void test_counters(void)
{
	CHECK(NAT_CTR_RSS_HANDOFF == NAT_CTR_RSS_STEERED_HOME + 1 &&
		      NAT_CTR_RSS_STEERED_HOME > NAT_CTR_SESSIONS_TRACKED,
	      "RSS counters appended after the older ones");
	CHECK(strcmp(nat_counter_name(NAT_CTR_RSS_STEERED_HOME), "rss_steered_home") == 0 &&
		      strcmp(nat_counter_name(NAT_CTR_RSS_HANDOFF), "rss_handoff") == 0,
	      "counter names");
}

/* The symmetric shortcut: with 0x6d5a..., the 4-tuple and 2-tuple hashes
 * from the XORs equal the full table form in both directions; the default
 * key is not symmetric. */
static void test_symmetric_shortcut(void)
{
	struct rss_conf sym, ms;
	uint16_t reta[128];
	unsigned ok = 0, n = 20000;

	rss_reta_fill(reta, 128, 4);
	CHECK(rss_conf_init(&sym, rss_key_symmetric, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0, "sym init");
	CHECK(rss_conf_init(&ms, rss_key_default, RSS_KEY_LEN, reta, 128, RSS_HASH_ALL) == 0, "ms init");
	CHECK(sym.symmetric == 1, "0x6d5a key detected as symmetric");
	CHECK(ms.symmetric == 0, "Microsoft key not symmetric");
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = (uint32_t)rand() << 1 ^ (uint32_t)rand(), b = (uint32_t)rand() << 1 ^ (uint32_t)rand();
		uint16_t pa = (uint16_t)rand(), pb = (uint16_t)rand();
		uint32_t h4 = rss_hash_l4(&sym, a, b, pa, pb), h2 = rss_hash_ipv4(&sym, a, b);

		ok += h4 == rss_hash_l4(&sym, b, a, pb, pa) && h4 == rss_hash_sym(&sym, a ^ b, (uint16_t)(pa ^ pb)) &&
		      h2 == rss_hash_ipv4(&sym, b, a) && h2 == rss_hash_sym(&sym, a ^ b, 0);
	}
	CHECK(ok == n, "symmetric shortcut == table form both ways: %u of %u", ok, n);
}

/* ethdev hash types -> the model's: what ports report after start. */
static void test_types_from_eth(void)
{
	static const struct {
		uint64_t hf;
		int rc;
		uint32_t types;
	} cases[] = {
		{ RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP, 0, RSS_HASH_ALL },
		{ RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP, 0, RSS_HASH_IPV4 | RSS_HASH_IPV4_TCP },
		{ RTE_ETH_RSS_NONFRAG_IPV4_OTHER, 0, RSS_HASH_IPV4 },
		{ RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6, 0, RSS_HASH_IPV4_UDP },
		{ RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP, -ENOTSUP, 0 },
		{ 0, -ENOTSUP, 0 },
		{ RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_L3_SRC_ONLY, -ENOTSUP, 0 },
		{ RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_L4_DST_ONLY, -ENOTSUP, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t t = 0xdead;
		int rc = rss_types_from_eth(cases[i].hf, &t);

		CHECK(rc == cases[i].rc, "types case %u: rc %d", i, rc);
		if (rc == 0)
			CHECK(t == cases[i].types, "types case %u: 0x%x", i, t);
		else
			CHECK(t == 0xdead, "types case %u: output untouched on error", i);
	}
}

int main(void)
{
	test_vectors();
	test_table_vs_ref();
	test_conf();
	test_types_from_eth();
	test_symmetric_shortcut();
	test_home_density();
	test_steering(2, rss_key_default, NATGW_NAT_MAPPING_EIM);
	test_steering(4, rss_key_default, NATGW_NAT_MAPPING_EIM);
	test_steering(4, rss_key_symmetric, NATGW_NAT_MAPPING_EIM);
	test_steering(4, rss_key_default, NATGW_NAT_MAPPING_TUPLE);
	test_exhaustion();
	test_unsteered();
	test_legacy_unchanged();
	test_counters();
	return tu_summary("test_rss");
}
