/* Route lookup against a naive longest-prefix reference over random tables.
 *
 * rte_fib allocates with rte_malloc, so this test starts a small no-huge EAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "natgw/route.h"

#include "test_check.h"

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* Naive reference: the longest matching prefix, or -1. */
static int naive_lookup(const struct natgw_route_table *t, uint32_t ip)
{
	int best = -1;

	for (unsigned i = 0; i < t->n_routes; i++) {
		const struct natgw_route *r = &t->routes[i];
		if ((ip & mask_of(r->len)) == r->prefix && (best < 0 || r->len > t->routes[best].len))
			best = (int)i;
	}
	return best;
}

/* Random address biased towards the table's prefixes so lookups hit often. */
static uint32_t random_probe(const struct natgw_route_table *t)
{
	uint32_t ip = ((uint32_t)rand() << 16) ^ (uint32_t)rand();

	if (t->n_routes > 0 && rand() % 4 != 0) {
		const struct natgw_route *r = &t->routes[rand() % t->n_routes];
		ip = r->prefix | (ip & ~mask_of(r->len));
	}
	return ip;
}

/* Build a random table, compare every lookup with the reference. */
static void test_random_table(unsigned seed, unsigned n_routes, unsigned n_probes)
{
	struct natgw_route_table cfg;
	struct route_table *t = NULL;
	char name[32];
	int rc;

	srand(seed);
	memset(&cfg, 0, sizeof(cfg));
	cfg.routes = calloc(n_routes, sizeof(*cfg.routes));
	for (unsigned i = 0; i < n_routes; i++) {
		struct natgw_route r = { 0 };
		bool dup;

		do {
			r.len = (uint8_t)(rand() % 33);
			r.prefix = (((uint32_t)rand() << 16) ^ (uint32_t)rand()) & mask_of(r.len);
			dup = false;
			for (unsigned j = 0; j < cfg.n_routes; j++)
				if (cfg.routes[j].prefix == r.prefix && cfg.routes[j].len == r.len)
					dup = true;
		} while (dup);
		r.type = (uint8_t)(rand() % 4);
		r.port = (uint16_t)(rand() % 4);
		r.gateway = r.type == NATGW_ROUTE_GATEWAY ? (uint32_t)rand() : 0;
		cfg.routes[cfg.n_routes++] = r;
	}
	snprintf(name, sizeof(name), "ut%u", seed);
	rc = route_table_build(&cfg, name, &t);
	CHECK(rc == 0, "build seed %u: %d", seed, rc);
	if (rc != 0)
		goto out;
	CHECK(route_table_size(t) == n_routes, "size %u != %u", route_table_size(t), n_routes);

	for (unsigned p = 0; p < n_probes; p += 32) {
		uint32_t ips[32];
		const struct route_nexthop *nh[32];

		for (unsigned i = 0; i < 32; i++)
			ips[i] = random_probe(&cfg);
		route_lookup_bulk(t, ips, 32, nh);
		for (unsigned i = 0; i < 32; i++) {
			int want = naive_lookup(&cfg, ips[i]);
			if (want < 0) {
				CHECK(nh[i] == NULL, "seed %u ip %08x: expected no route", seed, ips[i]);
				continue;
			}
			const struct natgw_route *r = &cfg.routes[want];
			CHECK(nh[i] != NULL && nh[i]->type == r->type &&
				      (r->type == NATGW_ROUTE_BLACKHOLE || nh[i]->port == r->port) &&
				      nh[i]->gateway == (r->type == NATGW_ROUTE_GATEWAY ? r->gateway : 0),
			      "seed %u ip %08x: wrong next hop (want route %d %08x/%u t%d p%d g%x, got %p t%d p%d g%x)", seed, ips[i],
			      want, r->prefix, r->len, r->type, r->port, r->gateway, (void *)nh[i], nh[i] ? nh[i]->type : -1, nh[i] ? nh[i]->port : -1, nh[i] ? nh[i]->gateway : 0);
		}
	}
	route_table_free(t);
out:
	free(cfg.routes);
}

/* A random route not in cfg (len 8..32, so most changes avoid covering). */
static struct natgw_route random_route(const struct natgw_route_table *cfg)
{
	struct natgw_route r = { 0 };
	bool dup;

	do {
		r.len = (uint8_t)(8 + rand() % 25);
		r.prefix = (((uint32_t)rand() << 16) ^ (uint32_t)rand()) & mask_of(r.len);
		dup = false;
		for (unsigned j = 0; j < cfg->n_routes; j++)
			if (cfg->routes[j].prefix == r.prefix && cfg->routes[j].len == r.len)
				dup = true;
	} while (dup);
	r.type = (uint8_t)(1 + rand() % 3);
	r.port = (uint16_t)(rand() % 4);
	r.gateway = r.type == NATGW_ROUTE_GATEWAY ? (uint32_t)rand() : 0;
	return r;
}

/* Compare n_probes lookups in t with the reference over cfg. */
static void check_lookups(const struct natgw_route_table *cfg, const struct route_table *t,
			  unsigned n_probes, const char *what, unsigned step)
{
	for (unsigned p = 0; p < n_probes; p += 32) {
		uint32_t ips[32];
		const struct route_nexthop *nh[32];

		for (unsigned i = 0; i < 32; i++)
			ips[i] = random_probe(cfg);
		route_lookup_bulk(t, ips, 32, nh);
		for (unsigned i = 0; i < 32; i++) {
			int want = naive_lookup(cfg, ips[i]);
			const struct natgw_route *r = want >= 0 ? &cfg->routes[want] : NULL;

			CHECK(r == NULL ? nh[i] == NULL
				       : nh[i] != NULL && nh[i]->type == r->type &&
						 (r->type == NATGW_ROUTE_BLACKHOLE || nh[i]->port == r->port) &&
						 nh[i]->gateway == (r->type == NATGW_ROUTE_GATEWAY ? r->gateway : 0),
			      "%s step %u ip %08x: wrong next hop", what, step, ips[i]);
		}
	}
}

/* Incremental updates as the dataplane does them: two tables alternate
 * (the one in use, the spare from the previous snapshot); each step edits
 * the routes (adds, deletes, next-hop changes) and updates the spare, which
 * is then two steps behind; lookups must match the reference every time. */
static void test_incremental(unsigned seed, unsigned n_routes, unsigned steps)
{
	struct natgw_route_table cfg;
	struct route_table *tab[2] = { NULL, NULL };
	unsigned fast = 0, cap = n_routes * 2 + 64;
	char name[32];

	srand(seed);
	memset(&cfg, 0, sizeof(cfg));
	cfg.routes = calloc(cap, sizeof(*cfg.routes));
	for (unsigned i = 0; i < n_routes; i++)
		cfg.routes[cfg.n_routes++] = random_route(&cfg);
	/* A default route that stays (the usual case): updates keep it. */
	cfg.routes[cfg.n_routes++] = (struct natgw_route){ .prefix = 0, .len = 0,
		.type = NATGW_ROUTE_GATEWAY, .port = 1, .gateway = 0xc0000201 };
	for (unsigned k = 0; k < 2; k++) {
		snprintf(name, sizeof(name), "ui%u_%u", seed, k);
		CHECK(route_table_build(&cfg, name, &tab[k]) == 0, "build %u", k);
	}
	for (unsigned step = 0; step < steps; step++) {
		struct route_table **spare = &tab[step % 2];
		unsigned edits = 1 + (unsigned)rand() % 8;

		for (unsigned e = 0; e < edits; e++) {
			unsigned op = (unsigned)rand() % 3;

			if (op == 0 && cfg.n_routes + 1 < cap) {
				cfg.routes[cfg.n_routes++] = random_route(&cfg);
			} else if (op == 1 && cfg.n_routes > 0) {
				unsigned k = (unsigned)rand() % cfg.n_routes;

				if (cfg.routes[k].len == 0)
					continue; /* the default route stays */
				cfg.routes[k] = cfg.routes[cfg.n_routes - 1];
				cfg.n_routes--;
			} else if (cfg.n_routes > 0) {
				struct natgw_route *r = &cfg.routes[rand() % cfg.n_routes];

				if (r->len == 0)
					continue;
				r->type = (uint8_t)(1 + rand() % 3);
				r->gateway = r->type == NATGW_ROUTE_GATEWAY ? (uint32_t)rand() : 0;
			}
		}
		if (route_table_update(*spare, &cfg) == 0) {
			fast++;
		} else {
			route_table_free(*spare);
			*spare = NULL;
			snprintf(name, sizeof(name), "ui%u_s%u", seed, step);
			CHECK(route_table_build(&cfg, name, spare) == 0, "rebuild step %u", step);
		}
		if (*spare == NULL)
			break;
		CHECK(route_table_same(*spare, &cfg), "step %u: table holds the new routes", step);
		CHECK(route_table_size(*spare) == cfg.n_routes, "step %u: size %u != %u", step,
		      route_table_size(*spare), cfg.n_routes);
		check_lookups(&cfg, *spare, 2048, "incremental", step);
	}
	CHECK(fast * 2 >= steps, "incremental updates used in %u of %u steps", fast, steps);
	printf("test_route: incremental seed %u: %u of %u changes applied in place\n", seed, fast, steps);
	route_table_free(tab[0]);
	route_table_free(tab[1]);
	free(cfg.routes);
}

/* Hand-written table: connected, gateway, default, blackhole, host route. */
static void test_fixed_table(void)
{
	struct natgw_route routes[] = {
		{ .prefix = 0x0a000100, .len = 24, .type = NATGW_ROUTE_CONNECTED, .port = 0 },
		{ .prefix = 0x0a000200, .len = 24, .type = NATGW_ROUTE_CONNECTED, .port = 1 },
		{ .prefix = 0xcb007100, .len = 24, .type = NATGW_ROUTE_CONNECTED, .port = 2 },
		{ .prefix = 0, .len = 0, .type = NATGW_ROUTE_GATEWAY, .port = 2, .gateway = 0xcb0071fe },
		{ .prefix = 0xc0000200, .len = 24, .type = NATGW_ROUTE_BLACKHOLE },
		{ .prefix = 0x0a000205, .len = 32, .type = NATGW_ROUTE_DEV, .port = 0 },
	};
	struct natgw_route_table cfg = { .routes = routes, .n_routes = 6 };
	struct {
		uint32_t ip;
		int type; /* -1: none */
		int port;
		uint32_t gw;
	} cases[] = {
		{ 0x0a00010a, NATGW_ROUTE_CONNECTED, 0, 0 },
		{ 0x0a00020a, NATGW_ROUTE_CONNECTED, 1, 0 },
		{ 0x0a000205, NATGW_ROUTE_DEV, 0, 0 },
		{ 0xcb00710a, NATGW_ROUTE_CONNECTED, 2, 0 },
		{ 0xc6336401, NATGW_ROUTE_GATEWAY, 2, 0xcb0071fe },
		{ 0xc0000201, NATGW_ROUTE_BLACKHOLE, 0, 0 },
	};
	struct route_table *t;
	int rc = route_table_build(&cfg, "fixed", &t);

	CHECK(rc == 0, "fixed build %d", rc);
	if (rc)
		return;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct route_nexthop *nh;
		route_lookup_bulk(t, &cases[i].ip, 1, &nh);
		CHECK(nh != NULL && nh->type == cases[i].type &&
			      (cases[i].type == NATGW_ROUTE_BLACKHOLE || nh->port == cases[i].port) &&
			      nh->gateway == cases[i].gw,
		      "fixed case %u (%08x)", i, cases[i].ip);
	}
	route_table_free(t);

	/* Without a default route, an address outside every prefix has no route. */
	cfg.n_routes = 3;
	rc = route_table_build(&cfg, "fixed2", &t);
	CHECK(rc == 0, "fixed2 build %d", rc);
	if (rc)
		return;
	uint32_t ip = 0x08080808;
	const struct route_nexthop *nh;
	route_lookup_bulk(t, &ip, 1, &nh);
	CHECK(nh == NULL, "no default route: expected miss");
	route_table_free(t);
}

/* Regression: a prefix whose range is fully covered by more specific routes
 * added before it (DPDK 22.11 DIR-24-8 leaked it into 128.0.0.0/2). */
static void test_covered_prefix(void)
{
	struct natgw_route routes[] = {
		{ .prefix = 0xc0000000, .len = 3, .type = NATGW_ROUTE_DEV, .port = 1 },
		{ .prefix = 0xe0000000, .len = 3, .type = NATGW_ROUTE_DEV, .port = 2 },
		{ .prefix = 0xc0000000, .len = 2, .type = NATGW_ROUTE_DEV, .port = 3 },
	};
	struct natgw_route_table cfg = { .routes = routes, .n_routes = 3 };
	uint32_t ips[3] = { 0x9f64f27a, 0xc0000001, 0xe0000001 };
	const struct route_nexthop *nh[3];
	struct route_table *t;
	int rc = route_table_build(&cfg, "covered", &t);

	CHECK(rc == 0, "covered build %d", rc);
	if (rc)
		return;
	route_lookup_bulk(t, ips, 3, nh);
	CHECK(nh[0] == NULL, "159.100.242.122 must have no route");
	CHECK(nh[1] != NULL && nh[1]->port == 1, "192.0.0.1 via port 1");
	CHECK(nh[2] != NULL && nh[2]->port == 2, "224.0.0.1 via port 2");
	route_table_free(t);
}

int main(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-route-%d", getpid());
	char *argv[] = { "test_route", "--no-huge", "--no-pci", "--no-shconf", "-m", "512",
			 prefix, "--log-level=lib.*:error", "--no-telemetry", NULL };

	if (rte_eal_init(9, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	test_fixed_table();
	test_covered_prefix();
	test_random_table(1, 10, 20000);
	test_random_table(2, 200, 20000);
	test_random_table(3, 2000, 50000);
	test_random_table(4, 5000, 50000);
	test_incremental(5, 50, 300);
	test_incremental(6, 2000, 200);
	rte_eal_cleanup();
	return tu_summary("test_route");
}
