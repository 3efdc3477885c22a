/* test_nat_alloc: public address and port allocation (src/core/nat_alloc.c)
 * without EAL: paired pooling, endpoint-independent reuse, randomness and
 * spread (RFC 6056), exhaustion with a 100-port range (tuple-unique sharing,
 * -ENOSPC, never evicting), the port reuse delay, worker shares, port-forward
 * ports, ICMP ids, per-host caps, release of an unused allocation.
 * RFC 1918 inside, RFC 5737 outside addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include "natgw/nat.h"

#include "test_check.h"
#include "test_nat_flows.h"





/* ---- paired pooling ---- */
static void test_pool_pick(void)
{
	struct nat_rt rt;
	unsigned hist[4] = { 0, 0, 0, 0 }, unstable = 0;

	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	CHECK(nat_pool_pick(&rt, INSIDE(5)) == 0, "one address");
	rt.n_pool = 4;
	for (unsigned a = 1; a < 4; a++)
		rt.pool[a] = IPV4(203, 0, 113, 1 + a);
	for (unsigned i = 1; i <= 1000; i++) {
		unsigned p = nat_pool_pick(&rt, INSIDE(i));

		if (p >= 4) {
			unstable++;
			continue;
		}
		hist[p]++;
		for (unsigned k = 0; k < 3; k++)
			if (nat_pool_pick(&rt, INSIDE(i)) != p)
				unstable++;
	}
	CHECK(unstable == 0, "pool pick unstable/out of range %u", unstable);
	for (unsigned p = 0; p < 4; p++)
		CHECK(hist[p] >= 180 && hist[p] <= 320, "address %u got %u of 1000 hosts", p,
		      hist[p]);

	/* the same host keeps its address for all its flows, through the allocator */
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	unsigned bad = 0;
	for (unsigned i = 1; i <= 50; i++) {
		struct nat_session *s0 = NULL, *s1 = NULL;

		if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(i), 40000, R1, 443, 10, NULL, &s0) ||
		    tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(i), 40001, R2, 53, 10, NULL, &s1) ||
		    s0->pool_idx != s1->pool_idx || s0->reply.daddr != s1->reply.daddr ||
		    s0->reply.daddr != rt.pool[nat_pool_pick(&rt, INSIDE(i))])
			bad++;
	}
	CHECK(bad == 0, "paired pooling through sessions: %u bad", bad);
	nat_worker_destroy(nw);
}

/* ---- endpoint-independent mapping ---- */
static void test_eim(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	struct nat_rt rt;
	uint16_t p1 = 0, p2 = 0, p3 = 0, ports[100];
	struct nat_session *s1, *s2, *s3;
	unsigned dup = 0;

	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	/* one UDP socket talking to two servers keeps one mapping */
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), 5000, R1, 53, 100, &p1, &s1) == 0, "a");
	CHECK(nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING, "a: new mapping");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), 5000, R2, 53, 100, &p2, &s2) == 0, "b");
	CHECK(nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED, "b: reused");
	CHECK(p1 == p2, "same endpoint, same public port: %u %u", p1, p2);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), 5000, R2, 123, 100, &p3, &s3) == 0, "c");
	CHECK(p3 == p1, "third remote: %u", p3);
	/* the mapping lives while any of its sessions does */
	nat_session_delete(nw, s1, 101);
	nat_session_delete(nw, s2, 101);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), 5000, R1, 53, 102, &p2, &s2) == 0 &&
		      p2 == p1 && nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED,
	      "mapping kept by the third session: %u", p2);
	/* TCP from the same address:port is another mapping (protocol in the key) */
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(10), 5000, R1, 80, 102, &p3, NULL) == 0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING,
	      "tcp: new mapping");
	/* distinct endpoints, distinct ports */
	for (unsigned i = 0; i < 100; i++) {
		CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(20 + i / 10), (uint16_t)(6000 + i % 10),
				R1, 53, 103, &ports[i], NULL) == 0,
		      "endpoint %u", i);
		if (ports[i] == p1)
			dup++;
		for (unsigned j = 0; j < i; j++)
			if (ports[j] == ports[i])
				dup++;
	}
	CHECK(dup == 0, "%u duplicate ports among 100 endpoints", dup);
	/* all sessions gone -> the mapping goes; a new one is made */
	nat_session_delete(nw, s2, 104);
	nat_session_delete(nw, s3, 104);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), 5000, R1, 53, 105, &p2, NULL) == 0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING && p2 != p1,
	      "new mapping after release, not the cooling port: %u", p2);
	nat_worker_destroy(nw);
}

/* ---- randomness and spread ---- */
static void test_random(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0), *nw2 = tu_nat_worker(64, 0, 1, NULL, 0);
	struct nat_rt rt;
	static uint16_t ports[1000];
	unsigned distinct = 1, adjacent = 0, hist[16] = { 0 }, same_seq = 0;
	double chi2 = 0;

	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	for (unsigned i = 0; i < 1000; i++) {
		/* 1000 short connections from one host */
		CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(10), (uint16_t)(32768 + i), R1, 80, 1,
				&ports[i], NULL) == 0,
		      "alloc %u", i);
		CHECK(ports[i] >= 1024, "in range %u", ports[i]);
		hist[(ports[i] - 1024) * 16 / (65536 - 1024)]++;
	}
	for (unsigned i = 1; i < 1000; i++) {
		bool seen = false;

		for (unsigned j = 0; j < i && !seen; j++)
			seen = ports[j] == ports[i];
		distinct += !seen;
		if (ports[i] == ports[i - 1] + 1 || ports[i] + 1 == ports[i - 1])
			adjacent++;
	}
	for (unsigned b = 0; b < 16; b++)
		chi2 += (hist[b] - 62.5) * (hist[b] - 62.5) / 62.5;
	printf("test_nat_alloc: 1000 ports: %u distinct, %u consecutive +-1, chi2(15 dof) %.1f\n",
	       distinct, adjacent, chi2);
	CHECK(distinct == 1000, "%u distinct", distinct);
	CHECK(adjacent < 50, "%u of 999 consecutive differences are +-1", adjacent);
	CHECK(chi2 < 45.0, "chi-square %.1f over 16 buckets (p < 1e-4 for uniform)", chi2);
	/* another worker draws a different stream */
	for (unsigned i = 0; i < 20; i++) {
		uint16_t p;

		if (tu_open_flow(nw2, &rt, IPPROTO_TCP, INSIDE(10), (uint16_t)(32768 + i), R1, 80, 1,
			      &p, NULL) == 0 &&
		    p == ports[i])
			same_seq++;
	}
	CHECK(same_seq < 3, "two workers gave %u equal ports of 20", same_seq);
	nat_worker_destroy(nw);
	nat_worker_destroy(nw2);
}

/* Is every session in s[0..n) still there with its public port? */
static unsigned count_lost(struct nat_worker *nw, struct nat_session **s, const uint16_t *pub,
			   unsigned n)
{
	unsigned lost = 0;

	for (unsigned i = 0; i < n; i++) {
		int dir;

		if (nat_session_lookup(nw, &s[i]->reply, &dir) != s[i] || dir != 1 ||
		    HP(s[i]->reply.dport) != pub[i])
			lost++;
	}
	return lost;
}

/* ---- exhaustion with a 100-port range ---- */
static void test_exhaustion(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	struct nat_rt rt;
	struct nat_session *s[100], *x;
	uint16_t pub[100], p;
	unsigned bad = 0, shared = 0, seen[100] = { 0 };

	tu_nat_rt(&rt, 20000, 20099, NATGW_NAT_MAPPING_EIM);
	/* 100 endpoints to R1:80: every port once */
	for (unsigned i = 0; i < 100; i++) {
		if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(i + 1), 4000, R1, 80, 1000, &pub[i], &s[i]) ||
		    nat_port_alloc_kind(nw) != NAT_ALLOC_NEW_MAPPING || pub[i] < 20000 ||
		    pub[i] > 20099 || seen[pub[i] - 20000]++)
			bad++;
	}
	CHECK(bad == 0, "100 endpoints on 100 ports: %u bad", bad);
	/* the 101st endpoint to the same remote: nothing possible */
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(200), 4000, R1, 80, 1000, &p, NULL) == -ENOSPC,
	      "101st to R1: -ENOSPC");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(1), 4001, R1, 80, 1000, &p, NULL) == -ENOSPC,
	      "new port of a known host to R1: -ENOSPC");
	CHECK(count_lost(nw, s, pub, 100) == 0, "nothing evicted");
	CHECK(nat_session_count(nw) == 100, "count %u", nat_session_count(nw));
	/* flows resume once ports free, after the reuse delay */
	uint16_t freed = pub[42];
	nat_session_delete(nw, s[42], 1000);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(250), 4000, R1, 80, 1000, &p, NULL) == -ENOSPC,
	      "freed port cooling at +0");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(250), 4000, R1, 80, 1119, &p, NULL) == -ENOSPC,
	      "freed port cooling at +119");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(250), 4000, R1, 80, 1120, &pub[42], &s[42]) ==
			      0 &&
		      pub[42] == freed && nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING,
	      "freed port reused at +120: %u (freed %u)", pub[42], freed);
	/* to another remote: tuple-unique, sharing ports; 100 such flows fit */
	bad = 0;
	for (unsigned i = 0; i < 100; i++) {
		if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(300 + i), 4000, R2, 443, 1121, &p, &x) ||
		    p < 20000 || p > 20099)
			bad++;
		else
			shared += nat_port_alloc_kind(nw) == NAT_ALLOC_TUPLE_SHARED;
	}
	CHECK(bad == 0, "100 tuple-unique flows to R2: %u failed", bad);
	CHECK(shared == 100, "all shared: %u", shared);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(500), 4000, R2, 443, 1121, &p, NULL) == -ENOSPC,
	      "R2 full too");
	/* an endpoint with a mapping keeps using it towards a third remote */
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(1), 4000, IPV4(192, 0, 2, 99), 443, 1121, &p,
			NULL) == 0 &&
		      p == pub[0] && nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED,
	      "EIM reuse under exhaustion: %u", p);
	/* UDP is a separate port space */
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(200), 4000, R1, 80, 1121, &p, NULL) == 0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING,
	      "udp unaffected");
	CHECK(count_lost(nw, s, pub, 100) == 0, "still nothing evicted");

	nat_worker_destroy(nw);

	/* mapping = tuple: same endpoint, two remotes, ports unique per remote */
	nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 20000, 20099, NATGW_NAT_MAPPING_TUPLE);
	bad = 0;
	for (unsigned i = 0; i < 100; i++) {
		if (tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(i + 1), 4000, R1, 53, 10, &p, NULL) ||
		    (nat_port_alloc_kind(nw) != NAT_ALLOC_TUPLE &&
		     nat_port_alloc_kind(nw) != NAT_ALLOC_TUPLE_SHARED))
			bad++;
		if (tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(i + 1), 4000, R2, 53, 10, &p, NULL))
			bad++;
	}
	CHECK(bad == 0, "tuple mode: 200 flows on 100 ports: %u bad", bad);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(222), 4000, R1, 53, 10, &p, NULL) == -ENOSPC,
	      "tuple mode: R1 full");
	CHECK(nat_session_count(nw) == 200, "tuple mode count %u", nat_session_count(nw));
	nat_worker_destroy(nw);
}

/* ---- reuse delay ---- */
static void test_reuse_delay(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	struct nat_rt rt;
	struct nat_session *s;
	static uint8_t used[65536];
	uint16_t p, freeport, got;
	unsigned reused = 0;

	/* a wide range: 2000 mappings made and released one after the other all
	 * get distinct ports (each released port cools down for 120 s) */
	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	for (unsigned i = 0; i < 2000; i++) {
		if (tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(10), (uint16_t)(10000 + i), R1, 53,
			      500 + i / 100, &p, &s) != 0) {
			reused++;
			continue;
		}
		if (used[p]++)
			reused++;
		nat_session_delete(nw, s, 500 + i / 100);
	}
	CHECK(reused == 0, "%u ports reused within the delay", reused);
	nat_worker_destroy(nw);

	/* 100 ports: 99 held, the last is handed out and released at 1000 */
	nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 30000, 30099, NATGW_NAT_MAPPING_EIM);
	for (unsigned i = 0; i < 99; i++)
		CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(i + 1), 4000, R1, 53, 900, &p, NULL) == 0,
		      "fill %u", i);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(150), 4000, R1, 53, 1000, &freeport, &s) == 0,
	      "last free port");
	nat_session_delete(nw, s, 1000);
	/* a new endpoint before 1120 to another remote: shares a busy port, not the cooling one */
	for (uint32_t t = 1001; t < 1120; t += 17) {
		struct nat_session *y = NULL;

		CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(151), 4000, R2, 53, t, &got, &y) == 0 &&
			      got != freeport && nat_port_alloc_kind(nw) == NAT_ALLOC_TUPLE_SHARED,
		      "t=%u: got %u, cooling %u", t, got, freeport);
		nat_session_delete(nw, y, t); /* a shared port: still in use, no cool-down */
	}
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(152), 4000, R2, 53, 1120, &got, NULL) == 0 &&
		      got == freeport && nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING,
	      "at 1120 the port is free again: %u", got);
	nat_worker_destroy(nw);

	/* delay 0: immediate reuse allowed (1-port range) */
	nw = tu_nat_worker(64, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 40000, 40000, NATGW_NAT_MAPPING_EIM);
	rt.port_reuse_delay = 0;
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(1), 4000, R1, 53, 5, &p, &s) == 0 && p == 40000,
	      "1-port range");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(2), 4000, R1, 53, 5, &p, NULL) == -ENOSPC,
	      "1-port range, same remote: full");
	nat_session_delete(nw, s, 5);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(2), 4000, R1, 53, 5, &p, NULL) == 0,
	      "delay 0: reused at once");
	nat_worker_destroy(nw);
}

/* ---- worker shares ---- */
static void test_shares(void)
{
	static const unsigned nws[] = { 2, 3 };

	for (unsigned c = 0; c < 2; c++) {
		unsigned n = nws[c], bad_rule = 0, overlap = 0, fails = 0, total = 0;
		static uint8_t owner[65536];
		struct nat_rt rt;

		memset(owner, 0, sizeof(owner));
		tu_nat_rt(&rt, 1024, 2047, NATGW_NAT_MAPPING_EIM); /* 1024 ports */
		for (unsigned id = 0; id < n; id++) {
			struct nat_worker *nw = tu_nat_worker(4096, id, n, NULL, 0);
			unsigned share = (1024 - id + n - 1) / n, got = 0;
			uint16_t p;

			for (unsigned i = 0; i < share; i++) {
				if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(i + 1), 5555, R1, 80, 10, &p,
					      NULL) != 0) {
					fails++;
					continue;
				}
				got++;
				if ((p - 1024u) % n != id)
					bad_rule++;
				if (owner[p])
					overlap++;
				owner[p] = (uint8_t)(id + 1);
			}
			/* the share is exhausted towards R1 */
			if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(4000), 5555, R1, 80, 10, &p, NULL) !=
			    -ENOSPC)
				fails++;
			total += got;
			nat_worker_destroy(nw);
		}
		CHECK(fails == 0, "n_workers %u: %u failures", n, fails);
		CHECK(bad_rule == 0, "n_workers %u: %u ports outside the share", n, bad_rule);
		CHECK(overlap == 0, "n_workers %u: %u ports handed out twice", n, overlap);
		CHECK(total == 1024, "n_workers %u: %u ports in all", n, total);
	}
}

/* ---- port-forwards, ICMP ids, errors, release ---- */
static void test_misc(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	struct nat_rt rt;
	uint16_t p, id1, id2;
	unsigned hit_fwd = 0;
	struct nat_session *s;

	/* the public port of a TCP port-forward is never handed out for TCP */
	tu_nat_rt(&rt, 20000, 20099, NATGW_NAT_MAPPING_EIM);
	rt.forwards[0] = (struct nat_forward_rt){ .public_addr = PUB, .inside_addr = INSIDE(9),
						  .public_port = PORT(20050), .inside_port = PORT(80),
						  .proto = IPPROTO_TCP };
	rt.n_forwards = 1;
	for (unsigned i = 0; i < 99; i++) {
		if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(i + 1), 4000, R1, 80, 10, &p, NULL) != 0 ||
		    p == 20050)
			hit_fwd++;
	}
	CHECK(hit_fwd == 0, "forward port excluded: %u bad", hit_fwd);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(150), 4000, R1, 80, 10, &p, NULL) == -ENOSPC,
	      "99 usable ports");
	nat_worker_destroy(nw);

	/* ICMP echo identifiers: same id to two remotes keeps its mapping */
	nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_ICMP, INSIDE(10), 77, R1, 0, 10, &id1, &s) == 0, "icmp");
	CHECK(s->reply.sport == 0 && HP(s->reply.dport) == id1, "icmp reply key");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_ICMP, INSIDE(10), 77, R2, 0, 10, &id2, NULL) == 0 &&
		      id1 == id2 && nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED,
	      "icmp id reused: %u %u", id1, id2);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_ICMP, INSIDE(10), 78, R1, 0, 10, &id2, NULL) == 0 &&
		      id1 != id2,
	      "another id");

	/* errors */
	CHECK(nat_port_alloc(nw, &rt, 47, 0, INSIDE(10), 0, R1, 0, 10, &p) == -EPROTONOSUPPORT,
	      "gre");
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_UDP, 1, INSIDE(10), PORT(1), R1, PORT(2), 10, &p) ==
		      -EINVAL,
	      "pool index beyond n_pool");

	/* an allocation whose session was never inserted is given back: the
	 * mapping goes, and the port (never used) is free at once, no cool-down */
	uint16_t a, b;
	nat_worker_destroy(nw);
	nw = tu_nat_worker(64, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 40000, 40000, NATGW_NAT_MAPPING_EIM); /* one port */
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_UDP, 0, INSIDE(11), PORT(999), R1, PORT(53), 20, &a) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING,
	      "alloc");
	/* no free port left (sets the no-free-port hint): another endpoint shares it */
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_UDP, 0, INSIDE(12), PORT(999), R1, PORT(53), 20, &b) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_TUPLE_SHARED && b == a,
	      "shared while held");
	nat_port_release(nw, IPPROTO_UDP, 0, INSIDE(12), PORT(999), b, 20);
	nat_port_release(nw, IPPROTO_UDP, 0, INSIDE(11), PORT(999), a, 20);
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_UDP, 0, INSIDE(12), PORT(999), R1, PORT(53), 20, &b) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING && a == b,
	      "undone port free at once for a new mapping (%u %u)", HP(a), HP(b));
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_UDP, 0, INSIDE(11), PORT(999), R2, PORT(53), 20, &a) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_TUPLE_SHARED,
	      "the undone endpoint has no mapping left: tuple-unique on the taken port");
	nat_worker_destroy(nw);

	/* the same with 1000 ports, where random draws rarely hit the one free
	 * port: the no-free-port shortcut must notice the undo */
	nw = tu_nat_worker(2048, 0, 1, NULL, 0);
	tu_nat_rt(&rt, 30000, 30999, NATGW_NAT_MAPPING_EIM);
	uint16_t held[1000];
	unsigned bad = 0;
	for (unsigned i = 0; i < 1000; i++)
		bad += nat_port_alloc(nw, &rt, IPPROTO_TCP, 0, INSIDE(i + 1), PORT(80), R1, PORT(1), 30,
				      &held[i]) != 0 ||
		       nat_port_alloc_kind(nw) != NAT_ALLOC_NEW_MAPPING;
	CHECK(bad == 0, "1000 mappings: %u bad", bad);
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_TCP, 0, INSIDE(2000), PORT(80), R1, PORT(1), 30, &a) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_TUPLE_SHARED,
	      "all held: shared");
	nat_port_release(nw, IPPROTO_TCP, 0, INSIDE(2000), PORT(80), a, 30);
	nat_port_release(nw, IPPROTO_TCP, 0, INSIDE(500), PORT(80), held[499], 30);
	CHECK(nat_port_alloc(nw, &rt, IPPROTO_TCP, 0, INSIDE(2001), PORT(80), R1, PORT(1), 30, &a) ==
			      0 &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_NEW_MAPPING && a == held[499],
	      "the undone port is found: %u (want %u)", HP(a), HP(held[499]));
	nat_worker_destroy(nw);
}

/* ---- per-host cap ---- */
static void test_host_cap(void)
{
	struct nat_worker *nw = tu_nat_worker(4096, 0, 1, NULL, 0);
	struct nat_rt rt;
	struct nat_session *s[5];
	unsigned opened = 0;

	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	rt.max_sessions_per_host = 3;
	/* host .10 tries 5 flows, the stage checks admission first */
	for (unsigned i = 0; i < 5; i++) {
		if (!nat_host_admit(nw, &rt, INSIDE(10)))
			continue;
		if (tu_open_flow(nw, &rt, IPPROTO_TCP, INSIDE(10), (uint16_t)(3000 + i), R1, 80, 1, NULL,
			      &s[opened]) == 0)
			opened++;
	}
	CHECK(opened == 3, "host opened %u of 5 under cap 3", opened);
	CHECK(nat_host_admit(nw, &rt, INSIDE(11)), "other host not starved");
	nat_session_delete(nw, s[0], 2);
	CHECK(nat_host_admit(nw, &rt, INSIDE(10)), "below the cap again");
	nat_worker_destroy(nw);
}

/* ---- mapping table under churn: random opens/closes against a model ---- */
static void test_mapping_model(void)
{
	struct nat_worker *nw = tu_nat_worker(128, 0, 1, NULL, 0);
	struct nat_rt rt;
	struct {
		struct nat_session *s[4];
		unsigned n;
		uint16_t port;
	} ep[100];
	unsigned bad_kind = 0, bad_port = 0, opens = 0, closes = 0, reuses = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	memset(ep, 0, sizeof(ep));
	tu_nat_rt(&rt, 1024, 65535, NATGW_NAT_MAPPING_EIM);
	rt.port_reuse_delay = 0;
	for (unsigned op = 0; op < 20000; op++) {
		unsigned e, r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e = (unsigned)(x % 100);
		r = (unsigned)(x >> 32);
		if ((r & 3) != 0 && ep[e].n < 4 && nat_session_count(nw) < 128) {
			uint16_t p;
			struct nat_session *s;

			if (tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(e + 1), 7000, R1,
				      (uint16_t)(1 + op), op, &p, &s) != 0) {
				bad_kind++;
				continue;
			}
			if (ep[e].n > 0) {
				bad_kind += nat_port_alloc_kind(nw) != NAT_ALLOC_EIM_REUSED;
				bad_port += p != ep[e].port;
				reuses++;
			} else {
				bad_kind += nat_port_alloc_kind(nw) != NAT_ALLOC_NEW_MAPPING;
				ep[e].port = p;
			}
			ep[e].s[ep[e].n++] = s;
			opens++;
		} else if (ep[e].n > 0) {
			unsigned k = (r >> 8) % ep[e].n;

			nat_session_delete(nw, ep[e].s[k], op);
			ep[e].s[k] = ep[e].s[--ep[e].n];
			closes++;
		}
	}
	CHECK(bad_kind == 0, "mapping model: %u wrong kinds", bad_kind);
	CHECK(bad_port == 0, "mapping model: %u endpoints lost their port", bad_port);
	CHECK(opens > 5000 && closes > 2000 && reuses > 1000, "mapping model coverage %u %u %u",
	      opens, closes, reuses);
	nat_worker_destroy(nw);
}

/* ---- tuple-unique never lands on the endpoint's own mapping port ---- */
static void test_tuple_avoids_own_mapping(void)
{
	struct nat_worker *nw = tu_nat_worker(64, 0, 1, NULL, 0);
	struct nat_rt rt;
	uint16_t pe, pf, p;
	struct nat_session *se;
	unsigned on_own = 0;

	/* 2 ports: E's mapping holds one, F's the other (made in EIM mode) */
	tu_nat_rt(&rt, 40000, 40001, NATGW_NAT_MAPPING_EIM);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(1), 5000, R1, 53, 1, &pe, &se) == 0, "E");
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(2), 5000, R1, 53, 1, &pf, NULL) == 0, "F");
	/* reloaded as tuple-unique: E's new flows must use F's port, not its own */
	rt.mapping = NATGW_NAT_MAPPING_TUPLE;
	for (unsigned i = 0; i < 40; i++) {
		struct nat_session *y = NULL;

		if (tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(1), 5000, R2, (uint16_t)(100 + i), 2, &p,
			      &y) != 0 ||
		    p == pe)
			on_own++;
		else
			nat_session_delete(nw, y, 2);
	}
	CHECK(on_own == 0, "%u tuple picks on the endpoint's mapping port", on_own);
	/* E's mapping is intact: its only session still counts in it */
	rt.mapping = NATGW_NAT_MAPPING_EIM;
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(1), 5000, R2, 7, 3, &p, NULL) == 0 && p == pe &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED,
	      "mapping intact: %u", p);
	nat_session_delete(nw, se, 3);
	CHECK(tu_open_flow(nw, &rt, IPPROTO_UDP, INSIDE(1), 5000, R2, 8, 3, &p, NULL) == 0 && p == pe &&
		      nat_port_alloc_kind(nw) == NAT_ALLOC_EIM_REUSED,
	      "mapping still held by the other session: %u", p);
	nat_worker_destroy(nw);
}

int main(void)
{
	test_pool_pick();
	test_eim();
	test_random();
	test_exhaustion();
	test_reuse_delay();
	test_shares();
	test_misc();
	test_host_cap();
	test_mapping_model();
	test_tuple_avoids_own_mapping();
	return tu_summary("test_nat_alloc");
}
