/* test_nat_table: the NAT session table (src/core/nat_table.c) without EAL:
 * two-direction lookup, -EEXIST / -ENOSPC / -EINVAL, delete, random
 * operations against a naive reference model (backward-shift deletion under
 * load), LRU expiry order and budget, class changes via touch, flush,
 * foreach, per-host counting, bytes per session. RFC 1918 / 5737 addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include "natgw/nat.h"

#include "test_check.h"

#define IPV4(a, b, c, d) \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define PORT(p) rte_cpu_to_be_16(p)

static uint64_t rng_state = 0x1234567887654321ull;

/* Deterministic test randomness (xorshift64*). */
static uint32_t trand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* A key; pad zeroed. */
static struct nat_key mkkey(uint8_t proto, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
	struct nat_key k;

	memset(&k, 0, sizeof(k));
	k.saddr = s;
	k.daddr = d;
	k.sport = sp;
	k.dport = dp;
	k.proto = proto;
	return k;
}

static struct nat_worker *mkworker(uint32_t max)
{
	struct nat_worker_params p = { .max_sessions = max, .worker_id = 0, .n_workers = 1 };
	struct nat_worker *nw = nat_worker_create(&p);

	if (nw == NULL) {
		printf("nat_worker_create(%u) failed\n", max);
		exit(2);
	}
	return nw;
}

static void mkrt(struct nat_rt *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->pool[0] = IPV4(203, 0, 113, 1);
	rt->n_pool = 1;
	rt->port_min = 1024;
	rt->port_max = 65535;
	rt->timeout[NAT_TC_UDP] = 300;
	rt->timeout[NAT_TC_TCP_SYN] = 30;
	rt->timeout[NAT_TC_TCP_EST] = 7440;
	rt->timeout[NAT_TC_TCP_TRANS] = 240;
	rt->timeout[NAT_TC_ICMP] = 60;
	rt->port_reuse_delay = 120;
}

#define PUB IPV4(203, 0, 113, 1)
#define SRV IPV4(198, 51, 100, 7)

/* Masquerade keys of inside host h (10.0.1.h) port sp to SRV:80, public port pp. */
static void snat_keys(uint8_t h, uint16_t sp, uint16_t pp, struct nat_key *o, struct nat_key *r)
{
	*o = mkkey(IPPROTO_TCP, IPV4(10, 0, 1, h), PORT(sp), SRV, PORT(80));
	*r = mkkey(IPPROTO_TCP, SRV, PORT(80), PUB, PORT(pp));
}

/* ---- basic insert / lookup / delete ---- */
static void test_basic(void)
{
	struct nat_worker *nw = mkworker(1000);
	struct nat_key o, r, fo, fr;
	struct nat_session *s, *x;
	int err = 1, dir = -1;

	CHECK(nat_session_capacity(nw) == 1024, "capacity %u", nat_session_capacity(nw));
	snat_keys(10, 1234, 40001, &o, &r);
	s = nat_session_insert(nw, &o, &r, NAT_TC_TCP_SYN, NAT_SESSION_SNAT, 0, 1000, &err);
	CHECK(s != NULL && err == 0, "insert err %d", err);
	CHECK(nat_session_count(nw) == 1, "count %u", nat_session_count(nw));
	CHECK(s->tclass == NAT_TC_TCP_SYN && s->flags == NAT_SESSION_SNAT && s->pool_idx == 0 &&
	      s->last_seen == 1000 && s->tcp_state == NAT_TCP_NONE, "fields");

	/* table: key, expected session (NULL = miss), expected dir */
	struct {
		const char *what;
		struct nat_key k;
		bool hit;
		int dir;
	} cases[] = {
		{ "orig", o, true, 0 },
		{ "reply", r, true, 1 },
		{ "other sport", mkkey(IPPROTO_TCP, IPV4(10, 0, 1, 10), PORT(1235), SRV, PORT(80)),
		  false, 0 },
		{ "other proto", mkkey(IPPROTO_UDP, IPV4(10, 0, 1, 10), PORT(1234), SRV, PORT(80)),
		  false, 0 },
		{ "swapped orig", mkkey(IPPROTO_TCP, SRV, PORT(80), IPV4(10, 0, 1, 10), PORT(1234)),
		  false, 0 },
		{ "reply other public port", mkkey(IPPROTO_TCP, SRV, PORT(80), PUB, PORT(40002)),
		  false, 0 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dir = -1;
		x = nat_session_lookup(nw, &cases[i].k, &dir);
		CHECK((x != NULL) == cases[i].hit, "lookup %s", cases[i].what);
		if (cases[i].hit)
			CHECK(x == s && dir == cases[i].dir, "lookup %s: dir %d", cases[i].what, dir);
	}

	/* -EEXIST for either key already present (in either role), -EINVAL */
	snat_keys(10, 1234, 40002, &fo, &fr); /* same orig */
	x = nat_session_insert(nw, &fo, &fr, NAT_TC_UDP, 0, 0, 1000, &err);
	CHECK(x == NULL && err == -EEXIST, "dup orig: err %d", err);
	snat_keys(11, 1234, 40001, &fo, &fr); /* same reply */
	x = nat_session_insert(nw, &fo, &fr, NAT_TC_UDP, 0, 0, 1000, &err);
	CHECK(x == NULL && err == -EEXIST, "dup reply: err %d", err);
	x = nat_session_insert(nw, &r, &fo, NAT_TC_UDP, 0, 0, 1000, &err); /* reply as orig */
	CHECK(x == NULL && err == -EEXIST, "reply as orig: err %d", err);
	x = nat_session_insert(nw, &fo, &fo, NAT_TC_UDP, 0, 0, 1000, &err);
	CHECK(x == NULL && err == -EINVAL, "orig == reply: err %d", err);
	fr.pad[1] = 1;
	x = nat_session_insert(nw, &fo, &fr, NAT_TC_UDP, 0, 0, 1000, &err);
	CHECK(x == NULL && err == -EINVAL, "pad: err %d", err);
	fr.pad[1] = 0;
	x = nat_session_insert(nw, &fo, &fr, NAT_TC_MAX, 0, 0, 1000, &err);
	CHECK(x == NULL && err == -EINVAL, "tclass: err %d", err);
	CHECK(nat_session_count(nw) == 1, "count after failures %u", nat_session_count(nw));

	nat_session_delete(nw, s, 1001);
	CHECK(nat_session_count(nw) == 0, "count after delete");
	CHECK(nat_session_lookup(nw, &o, NULL) == NULL, "orig gone");
	CHECK(nat_session_lookup(nw, &r, NULL) == NULL, "reply gone");
	nat_session_delete(nw, s, 1001); /* double delete is a no-op */
	CHECK(nat_session_count(nw) == 0, "double delete");
	/* the keys can be used again */
	x = nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 1002, &err);
	CHECK(x != NULL, "reinsert err %d", err);
	nat_worker_destroy(nw);
}

/* ---- -ENOSPC at capacity ---- */
static void test_capacity(void)
{
	struct nat_worker *nw = mkworker(16);
	struct nat_session *ss[16], *x;
	struct nat_key o, r;
	uint32_t cap = nat_session_capacity(nw);
	int err;
	unsigned ok = 0;

	CHECK(cap == 16, "cap %u", cap);
	for (unsigned i = 0; i < cap; i++) {
		snat_keys((uint8_t)(1 + i), 1000, (uint16_t)(30000 + i), &o, &r);
		ss[i] = nat_session_insert(nw, &o, &r, NAT_TC_UDP, NAT_SESSION_SNAT, 0, 5, &err);
		ok += ss[i] != NULL;
	}
	CHECK(ok == cap, "filled %u of %u", ok, cap);
	snat_keys(200, 1000, 40000, &o, &r);
	x = nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 5, &err);
	CHECK(x == NULL && err == -ENOSPC, "full: err %d", err);
	x = nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 5, NULL); /* err may be NULL */
	CHECK(x == NULL, "full, NULL err");
	nat_session_delete(nw, ss[7], 6);
	x = nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 6, &err);
	CHECK(x != NULL && nat_session_count(nw) == cap, "insert after delete: err %d", err);
	nat_worker_destroy(nw);
}

/* ---- random operations against a reference model ---- */
struct model_ent {
	struct nat_key o, r;
	struct nat_session *s;
};

/* Index of the model entry holding k, and its direction, or -1. */
static int model_find(const struct model_ent *m, unsigned n, const struct nat_key *k, int *dir)
{
	for (unsigned i = 0; i < n; i++) {
		if (memcmp(&m[i].o, k, sizeof(*k)) == 0) {
			*dir = 0;
			return (int)i;
		}
		if (memcmp(&m[i].r, k, sizeof(*k)) == 0) {
			*dir = 1;
			return (int)i;
		}
	}
	return -1;
}

/* A key from a small universe (so duplicates and re-inserts happen). */
static struct nat_key rand_key(unsigned universe)
{
	uint32_t v = trand() % universe;

	if (v & 1) /* a "reply"-shaped key */
		return mkkey(IPPROTO_UDP, IPV4(198, 51, 100, (v >> 1) % 7 + 1), PORT(53), PUB,
			     PORT((uint16_t)(1024 + (v >> 1) / 7)));
	return mkkey(IPPROTO_UDP, IPV4(10, 0, 1 + (v >> 1) % 3, (v >> 1) / 3 % 250 + 1),
		     PORT((uint16_t)(5000 + (v >> 1) / 750)), IPV4(198, 51, 100, 7), PORT(53));
}

static void run_model(uint32_t max, unsigned ops, unsigned universe)
{
	struct nat_worker *nw = mkworker(max);
	uint32_t cap = nat_session_capacity(nw);
	struct model_ent *m = calloc(cap, sizeof(*m));
	unsigned n = 0, bad_insert = 0, bad_lookup = 0, bad_count = 0, bad_full = 0;
	unsigned inserts = 0, deletes = 0, eexist = 0, enospc = 0;

	for (unsigned op = 0; op < ops; op++) {
		unsigned what = trand() % 10;

		if (what < 5) { /* insert */
			struct nat_key o = rand_key(universe), r = rand_key(universe);
			int d, err = 0, expect;
			struct nat_session *s;

			if (memcmp(&o, &r, sizeof(o)) == 0)
				continue;
			if (model_find(m, n, &o, &d) >= 0 || model_find(m, n, &r, &d) >= 0)
				expect = -EEXIST;
			else if (n == cap)
				expect = -ENOSPC;
			else
				expect = 0;
			s = nat_session_insert(nw, &o, &r, (uint8_t)(trand() % NAT_TC_MAX), 0, 0,
					       op, &err);
			if (err != expect || (s != NULL) != (expect == 0))
				bad_insert++;
			if (s != NULL) {
				m[n].o = o;
				m[n].r = r;
				m[n].s = s;
				n++;
				inserts++;
			}
			eexist += expect == -EEXIST;
			enospc += expect == -ENOSPC;
		} else if (what < 8 && n > 0) { /* delete a random live session */
			unsigned i = trand() % n;

			nat_session_delete(nw, m[i].s, op);
			m[i] = m[--n];
			deletes++;
		} else { /* lookup a random key (hit or miss) */
			struct nat_key k = rand_key(universe);
			int md = -1, d = -1, i = model_find(m, n, &k, &md);
			struct nat_session *s = nat_session_lookup(nw, &k, &d);

			if (i < 0 ? s != NULL : (s != m[i].s || d != md))
				bad_lookup++;
		}
		if (nat_session_count(nw) != n)
			bad_count++;
		if (op % 512 == 0 || op == ops - 1) { /* every live key still found */
			for (unsigned i = 0; i < n; i++) {
				int d0 = -1, d1 = -1;

				if (nat_session_lookup(nw, &m[i].o, &d0) != m[i].s || d0 != 0 ||
				    nat_session_lookup(nw, &m[i].r, &d1) != m[i].s || d1 != 1)
					bad_full++;
			}
		}
	}
	CHECK(bad_insert == 0, "model cap %u: %u inserts disagree", cap, bad_insert);
	CHECK(bad_lookup == 0, "model cap %u: %u lookups disagree", cap, bad_lookup);
	CHECK(bad_count == 0, "model cap %u: %u counts disagree", cap, bad_count);
	CHECK(bad_full == 0, "model cap %u: %u live keys lost", cap, bad_full);
	CHECK(inserts > ops / 10 && deletes > ops / 10 && eexist > 0,
	      "model cap %u: coverage inserts %u deletes %u eexist %u enospc %u", cap, inserts,
	      deletes, eexist, enospc);
	if (cap <= 64)
		CHECK(enospc > 0, "model cap %u: never full", cap);
	/* drain: everything deletes cleanly */
	while (n > 0) {
		nat_session_delete(nw, m[n - 1].s, ops);
		n--;
	}
	CHECK(nat_session_count(nw) == 0, "model drained");
	free(m);
	nat_worker_destroy(nw);
}

static void test_model(void)
{
	run_model(16, 20000, 200);    /* tiny table, always near full: long clusters */
	run_model(64, 20000, 400);
	run_model(1024, 30000, 3000); /* bigger, keys collide in the universe */
}

/* ---- LRU expiry ---- */
static void test_expiry(void)
{
	struct nat_worker *nw = mkworker(64);
	struct nat_rt rt;
	struct nat_session *s[6];
	struct nat_key o, r;
	int err;

	mkrt(&rt);
	/* id, class, created at */
	static const struct {
		uint8_t tclass;
		uint32_t t;
	} tab[] = {
		{ NAT_TC_UDP, 100 },     /* s0: idle 400 at 500 (>= 300) */
		{ NAT_TC_ICMP, 150 },    /* s1: idle 350 (>= 60) */
		{ NAT_TC_UDP, 200 },     /* s2: idle 300 (>= 300, boundary) */
		{ NAT_TC_TCP_EST, 100 }, /* s3: idle 400 < 7440 */
		{ NAT_TC_UDP, 201 },     /* s4: idle 299 */
		{ NAT_TC_ICMP, 600 },    /* s5: in the future at 500: never negative idle */
	};
	for (unsigned i = 0; i < 6; i++) {
		snat_keys((uint8_t)(1 + i), 1000, (uint16_t)(30000 + i), &o, &r);
		s[i] = nat_session_insert(nw, &o, &r, tab[i].tclass, 0, 0, tab[i].t, &err);
		CHECK(s[i] != NULL, "insert %u err %d", i, err);
	}
	CHECK(nat_session_expire(nw, &rt, 99, 100) == 0, "nothing at 99");
	/* budget 1 at a time: oldest first across classes: s0, s1, s2 */
	struct nat_key probe;
	static const unsigned order[] = { 0, 1, 2 };
	for (unsigned k = 0; k < 3; k++) {
		unsigned n = nat_session_expire(nw, &rt, 500, 1);

		CHECK(n == 1, "step %u: expired %u", k, n);
		for (unsigned i = 0; i < 6; i++) {
			bool gone_expected = false;

			for (unsigned j = 0; j <= k; j++)
				gone_expected |= order[j] == i;
			snat_keys((uint8_t)(1 + i), 1000, (uint16_t)(30000 + i), &probe, &r);
			CHECK((nat_session_lookup(nw, &probe, NULL) == NULL) == gone_expected,
			      "step %u: session %u", k, i);
		}
	}
	CHECK(nat_session_expire(nw, &rt, 500, 100) == 0, "nothing more at 500");
	CHECK(nat_session_count(nw) == 3, "3 left");
	/* touch keeps s4 alive; at 600 only s5 is young */
	nat_session_touch(nw, s[4], NAT_TC_UDP, 550);
	CHECK(nat_session_expire(nw, &rt, 600, 100) == 0, "s4 refreshed, s3 est, s5 new");
	/* at 900: s4 (UDP, 550) idle 350, s5 (ICMP, 600) idle 300 */
	CHECK(nat_session_expire(nw, &rt, 900, 100) == 2, "s4 and s5 at 900");
	/* budget: 5 UDP sessions idle, budget 2 -> 2, then 3 */
	for (unsigned i = 0; i < 5; i++) {
		snat_keys((uint8_t)(50 + i), 1000, (uint16_t)(31000 + i), &o, &r);
		CHECK(nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 1000 + i, &err) != NULL,
		      "budget insert %u", i);
	}
	/* at 1304 all five are idle >= 300: budget 2 takes the two oldest */
	CHECK(nat_session_expire(nw, &rt, 1304, 2) == 2, "budget 2");
	snat_keys(50, 1000, 31000, &o, &r);
	CHECK(nat_session_lookup(nw, &o, NULL) == NULL, "oldest gone");
	snat_keys(51, 1000, 31001, &o, &r);
	CHECK(nat_session_lookup(nw, &o, NULL) == NULL, "second oldest gone");
	snat_keys(52, 1000, 31002, &o, &r);
	CHECK(nat_session_lookup(nw, &o, NULL) != NULL, "third kept");
	CHECK(nat_session_expire(nw, &rt, 1304, 0) == 0, "budget 0");
	CHECK(nat_session_expire(nw, &rt, 1304, 100) == 3, "the other three");
	CHECK(nat_session_count(nw) == 1, "only the established session: %u",
	      nat_session_count(nw));
	nat_worker_destroy(nw);
}

/* ---- class change via touch ---- */
struct class_count {
	unsigned per_class[NAT_TC_MAX];
	unsigned total;
};

static void count_cb(const struct nat_session *s, void *arg)
{
	struct class_count *c = arg;

	if (s->tclass < NAT_TC_MAX)
		c->per_class[s->tclass]++;
	c->total++;
}

static void test_touch_class(void)
{
	struct nat_worker *nw = mkworker(64);
	struct nat_rt rt;
	struct nat_session *a, *b;
	struct nat_key o, r;
	struct class_count cc;
	int err;

	mkrt(&rt);
	snat_keys(1, 1000, 30000, &o, &r);
	a = nat_session_insert(nw, &o, &r, NAT_TC_TCP_SYN, 0, 0, 0, &err);
	snat_keys(2, 1000, 30001, &o, &r);
	b = nat_session_insert(nw, &o, &r, NAT_TC_TCP_SYN, 0, 0, 0, &err);
	CHECK(a && b, "insert");
	/* a: SYN -> established at 10; b stays half-open */
	nat_session_touch(nw, a, NAT_TC_TCP_EST, 10);
	CHECK(a->tclass == NAT_TC_TCP_EST && a->last_seen == 10, "a moved");
	memset(&cc, 0, sizeof(cc));
	nat_session_foreach(nw, count_cb, &cc);
	CHECK(cc.total == 2 && cc.per_class[NAT_TC_TCP_EST] == 1 &&
	      cc.per_class[NAT_TC_TCP_SYN] == 1, "classes after touch");
	/* at 40: b (SYN, 30 s) expires, a (EST) does not */
	CHECK(nat_session_expire(nw, &rt, 40, 10) == 1, "half-open expired");
	CHECK(nat_session_lookup(nw, &o, NULL) == NULL, "b gone");
	/* a: EST -> transitory at 100; expires at 100 + 240 not before */
	nat_session_touch(nw, a, NAT_TC_TCP_TRANS, 100);
	CHECK(nat_session_expire(nw, &rt, 339, 10) == 0, "transitory alive at 339");
	CHECK(nat_session_expire(nw, &rt, 340, 10) == 1, "transitory gone at 340");
	CHECK(nat_session_count(nw) == 0, "empty");
	/* invalid class in touch keeps the class */
	snat_keys(3, 1000, 30002, &o, &r);
	a = nat_session_insert(nw, &o, &r, NAT_TC_UDP, 0, 0, 0, &err);
	nat_session_touch(nw, a, 200, 5);
	CHECK(a->tclass == NAT_TC_UDP && a->last_seen == 5, "bad class ignored");
	nat_worker_destroy(nw);
}

/* ---- flush, foreach, hosts ---- */
static void sum_cb(const struct nat_session *s, void *arg)
{
	uint64_t *sum = arg;

	*sum += rte_be_to_cpu_16(s->reply.dport);
}

static void test_flush_foreach_hosts(void)
{
	struct nat_worker *nw = mkworker(256);
	struct nat_rt rt;
	struct nat_key o, r;
	uint64_t sum = 0, want = 0;
	struct class_count cc;
	int err;

	mkrt(&rt);
	rt.max_sessions_per_host = 3;
	/* host .10: 3 SNAT sessions, host .11: 1 SNAT, one DNAT (not counted) */
	static const struct {
		uint8_t host;
		uint16_t sport, pport;
		uint8_t flags, tclass;
	} tab[] = {
		{ 10, 1000, 40000, NAT_SESSION_SNAT, NAT_TC_UDP },
		{ 10, 1001, 40001, NAT_SESSION_SNAT, NAT_TC_TCP_EST },
		{ 10, 1002, 40002, NAT_SESSION_SNAT, NAT_TC_ICMP },
		{ 11, 1000, 40003, NAT_SESSION_SNAT, NAT_TC_UDP },
	};
	struct nat_session *ss[4];

	CHECK(nat_host_admit(nw, &rt, IPV4(10, 0, 1, 10)), "empty host admitted");
	for (unsigned i = 0; i < 4; i++) {
		snat_keys(tab[i].host, tab[i].sport, tab[i].pport, &o, &r);
		ss[i] = nat_session_insert(nw, &o, &r, tab[i].tclass, tab[i].flags, 0, 1, &err);
		CHECK(ss[i] != NULL, "insert %u err %d", i, err);
		want += tab[i].pport;
	}
	/* a DNAT session from outside: 198.51.100.9:5555 > PUB:8080 -> 10.0.1.10:80 */
	o = mkkey(IPPROTO_TCP, IPV4(198, 51, 100, 9), PORT(5555), PUB, PORT(8080));
	r = mkkey(IPPROTO_TCP, IPV4(10, 0, 1, 10), PORT(80), IPV4(198, 51, 100, 9), PORT(5555));
	CHECK(nat_session_insert(nw, &o, &r, NAT_TC_TCP_EST, NAT_SESSION_DNAT, 0, 1, &err),
	      "dnat insert");
	want += 5555;

	CHECK(!nat_host_admit(nw, &rt, IPV4(10, 0, 1, 10)), "host .10 at cap 3");
	CHECK(nat_host_admit(nw, &rt, IPV4(10, 0, 1, 11)), "host .11 below cap");
	CHECK(nat_host_admit(nw, &rt, IPV4(198, 51, 100, 9)), "dnat source not counted");
	rt.max_sessions_per_host = 0;
	CHECK(nat_host_admit(nw, &rt, IPV4(10, 0, 1, 10)), "cap 0: no cap");
	rt.max_sessions_per_host = 3;
	nat_session_delete(nw, ss[1], 2);
	CHECK(nat_host_admit(nw, &rt, IPV4(10, 0, 1, 10)), "host .10 after a delete");
	want -= 40001;

	nat_session_foreach(nw, sum_cb, &sum);
	CHECK(sum == want, "foreach sum %llu want %llu", (unsigned long long)sum,
	      (unsigned long long)want);
	memset(&cc, 0, sizeof(cc));
	nat_session_foreach(nw, count_cb, &cc);
	CHECK(cc.total == 4 && cc.per_class[NAT_TC_UDP] == 2 && cc.per_class[NAT_TC_ICMP] == 1 &&
	      cc.per_class[NAT_TC_TCP_EST] == 1, "foreach classes total %u", cc.total);

	CHECK(nat_session_flush(nw, 3) == 4, "flush count");
	CHECK(nat_session_count(nw) == 0, "empty after flush");
	memset(&cc, 0, sizeof(cc));
	nat_session_foreach(nw, count_cb, &cc);
	CHECK(cc.total == 0, "foreach after flush");
	snat_keys(10, 1000, 40000, &o, &r);
	CHECK(nat_session_lookup(nw, &o, NULL) == NULL && nat_session_lookup(nw, &r, NULL) == NULL,
	      "keys gone after flush");
	rt.max_sessions_per_host = 1;
	CHECK(nat_host_admit(nw, &rt, IPV4(10, 0, 1, 10)), "host count back to 0");
	CHECK(nat_session_flush(nw, 3) == 0, "flush empty");

	/* many hosts: counts survive backward-shift deletions in the host table */
	unsigned bad = 0;
	rt.max_sessions_per_host = 2;
	for (unsigned h = 0; h < 150; h++) {
		for (unsigned k = 0; k < (h % 2) + 1; k++) {
			o = mkkey(IPPROTO_UDP, IPV4(10, 0, 2, h + 1), PORT((uint16_t)(100 + k)),
				  SRV, PORT(53));
			r = mkkey(IPPROTO_UDP, SRV, PORT(53), PUB, PORT((uint16_t)(2000 + h * 2 + k)));
			if (!nat_session_insert(nw, &o, &r, NAT_TC_UDP, NAT_SESSION_SNAT, 0, 4, &err))
				bad++;
		}
	}
	CHECK(bad == 0, "many hosts insert");
	/* delete every session of hosts h % 3 == 0 */
	for (unsigned h = 0; h < 150; h += 3) {
		for (unsigned k = 0; k < (h % 2) + 1; k++) {
			o = mkkey(IPPROTO_UDP, IPV4(10, 0, 2, h + 1), PORT((uint16_t)(100 + k)),
				  SRV, PORT(53));
			nat_session_delete(nw, nat_session_lookup(nw, &o, NULL), 5);
		}
	}
	bad = 0;
	for (unsigned h = 0; h < 150; h++) {
		bool want_admit = h % 3 == 0 || h % 2 == 0; /* deleted, or 1 of 2 used */

		if (nat_host_admit(nw, &rt, IPV4(10, 0, 2, h + 1)) != want_admit)
			bad++;
	}
	CHECK(bad == 0, "many hosts: %u admit answers wrong", bad);
	nat_worker_destroy(nw);
}

/* ---- memory ---- */
static void test_bytes(void)
{
	static const uint32_t caps[] = { 16, 1000, 65536, 262144 };

	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		struct nat_worker *nw = mkworker(caps[i]);
		unsigned b = nat_bytes_per_session(nw);

		printf("test_nat_table: max_sessions %u -> capacity %u, %u bytes/session "
		       "(struct nat_session %zu)\n",
		       caps[i], nat_session_capacity(nw), b, sizeof(struct nat_session));
		CHECK(b <= 128, "%u bytes per session", b);
		CHECK(b >= sizeof(struct nat_session) + 16, "figure %u implausibly small", b);
		nat_worker_destroy(nw);
	}
	struct nat_worker_params bad[] = {
		{ .max_sessions = 0, .worker_id = 0, .n_workers = 1 },
		{ .max_sessions = 10, .worker_id = 2, .n_workers = 2 },
		{ .max_sessions = 10, .worker_id = 0, .n_workers = 0 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(nat_worker_create(&bad[i]) == NULL, "bad params %u accepted", i);
	nat_worker_destroy(NULL);
}

int main(void)
{
	test_basic();
	test_capacity();
	test_model();
	test_expiry();
	test_touch_class();
	test_flush_foreach_hosts();
	test_bytes();
	return tu_summary("test_nat_table");
}
