/* Route tables: longest-prefix match with rte_fib (DIR-24-8, 2-byte next hops).
 *
 * Life-cycle: the control thread builds a table from the config model
 * (route_table_build), publishes it inside a dp_snapshot, and frees it after
 * no worker can still hold that snapshot. Workers only call route_lookup_bulk.
 *
 * Next hops are de-duplicated: many routes towards one gateway share one next
 * hop entry, so the 15-bit next hop space of the 2-byte FIB bounds distinct
 * next hops, not routes. FIB value 0 means "no route"; entry i is value i+1.
 *
 * Routes are added shortest prefix first. DPDK 22.11's DIR-24-8 writes a
 * wrong range when a prefix is added whose whole range is already covered by
 * more specific routes (add 192.0.0.0/3, 224.0.0.0/3, then 192.0.0.0/2: the
 * /2 leaks into addresses it does not cover); in ascending order that never
 * happens. tests/unit/test_route.c catches it. A default route (/0) is the
 * FIB's default_nh rather than a FIB entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_memory.h>

#include "natgw/route.h"

#define ROUTE_NH_NONE 0
#define ROUTE_NH_MAX 0x7ffe /* 2-byte DIR-24-8 reserves the top bit */

struct route_table {
	struct rte_fib *fib;
	struct route_nexthop *nh; /* nh[i] is FIB value i + 1 */
	unsigned n_nh;
	unsigned n_routes;
};

/* Index of an equal next hop in t->nh, appending it if new; -ENOSPC when full. */
static int route_nexthop_intern(struct route_table *t, const struct route_nexthop *want,
				unsigned cap)
{
	for (unsigned i = 0; i < t->n_nh; i++) {
		const struct route_nexthop *h = &t->nh[i];
		if (h->type == want->type && h->port == want->port && h->gateway == want->gateway)
			return (int)i;
	}
	if (t->n_nh >= cap)
		return -ENOSPC;
	t->nh[t->n_nh] = *want;
	return (int)t->n_nh++;
}

/* Next hop a config route resolves to. */
static struct route_nexthop route_nexthop_of(const struct natgw_route *r)
{
	struct route_nexthop nh = {
		.type = r->type,
		.port = (uint8_t)r->port,
		.gateway = r->type == NATGW_ROUTE_GATEWAY ? r->gateway : 0,
	};
	if (r->type == NATGW_ROUTE_BLACKHOLE)
		nh.port = 0;
	return nh;
}

/* Indexes of cfg->routes sorted by prefix length, shortest first (counting sort). */
static unsigned *route_order_by_length(const struct natgw_route_table *cfg)
{
	unsigned count[34] = { 0 };
	unsigned *order = malloc((cfg->n_routes + 1) * sizeof(*order));

	if (order == NULL)
		return NULL;
	for (unsigned i = 0; i < cfg->n_routes; i++)
		count[cfg->routes[i].len + 1]++;
	for (unsigned l = 1; l < 34; l++)
		count[l] += count[l - 1];
	for (unsigned i = 0; i < cfg->n_routes; i++)
		order[count[cfg->routes[i].len]++] = i;
	return order;
}

int route_table_build(const struct natgw_route_table *cfg, const char *name,
		      struct route_table **out)
{
	struct rte_fib_conf conf;
	struct route_table *t;
	unsigned long_prefixes = 0, nh_cap, *order;
	int rc;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	nh_cap = cfg->n_routes < ROUTE_NH_MAX ? cfg->n_routes + 1 : ROUTE_NH_MAX;
	t->nh = calloc(nh_cap, sizeof(*t->nh));
	if (t->nh == NULL) {
		rc = -ENOMEM;
		goto err_nh;
	}
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].len > 24)
			long_prefixes++;

	memset(&conf, 0, sizeof(conf));
	conf.type = RTE_FIB_DIR24_8;
	conf.default_nh = ROUTE_NH_NONE;
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		if (cfg->routes[i].len == 0) {
			struct route_nexthop want = route_nexthop_of(&cfg->routes[i]);
			conf.default_nh = (uint64_t)route_nexthop_intern(t, &want, nh_cap) + 1;
			t->n_routes++;
		}
	}
	conf.max_routes = (int)cfg->n_routes + 1024;
	conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_2B;
	conf.dir24_8.num_tbl8 = long_prefixes + 256 > 65535 ? 65535 : long_prefixes + 256;
	order = route_order_by_length(cfg);
	if (order == NULL) {
		rc = -ENOMEM;
		goto err_order;
	}
	t->fib = rte_fib_create(name, SOCKET_ID_ANY, &conf);
	if (t->fib == NULL) {
		rc = -rte_errno ? -rte_errno : -ENOMEM;
		goto err_fib;
	}

	for (unsigned k = 0; k < cfg->n_routes; k++) {
		const struct natgw_route *r = &cfg->routes[order[k]];
		struct route_nexthop want = route_nexthop_of(r);
		int idx;

		if (r->len == 0)
			continue; /* the FIB's default_nh */
		idx = route_nexthop_intern(t, &want, nh_cap);

		if (idx < 0) {
			rc = idx;
			goto err_add;
		}
		rc = rte_fib_add(t->fib, r->prefix, r->len, (uint64_t)idx + 1);
		if (rc < 0)
			goto err_add;
		t->n_routes++;
	}
	free(order);
	*out = t;
	return 0;

err_add:
	rte_fib_free(t->fib);
err_fib:
	free(order);
err_order:
	free(t->nh);
err_nh:
	free(t);
	return rc;
}

void route_table_free(struct route_table *t)
{
	if (t == NULL)
		return;
	rte_fib_free(t->fib);
	free(t->nh);
	free(t);
}

void route_lookup_bulk(const struct route_table *t, const uint32_t *dst, unsigned n,
		       const struct route_nexthop **nh)
{
	uint64_t val[64];

	while (n > 0) {
		unsigned k = n > 64 ? 64 : n;

		/* rte_fib's API is not const-correct; lookup does not modify either. */
		rte_fib_lookup_bulk(t->fib, (uint32_t *)(uintptr_t)dst, val, (int)k);
		for (unsigned i = 0; i < k; i++)
			nh[i] = val[i] == ROUTE_NH_NONE ? NULL : &t->nh[val[i] - 1];
		dst += k;
		nh += k;
		n -= k;
	}
}

unsigned route_table_size(const struct route_table *t)
{
	return t->n_routes;
}
