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
 *
 * Incremental changes (route_table_update) apply the difference between the
 * routes a table holds and a new route list to a table no worker uses (the
 * dataplane keeps the previous snapshot's table as a spare once its grace
 * period is over): far cheaper than creating a FIB (its 32 MB tbl24 is
 * zeroed). It refuses (-EAGAIN/-ENOSPC; the caller builds a new table and
 * discards this one, which may be half updated) a default-route change, an
 * addition that has more specific routes inside it (the bug above), and
 * running out of next hops, routes or tbl8 groups.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_memory.h>

#include "natgw/route.h"

#define ROUTE_NH_NONE 0
#define ROUTE_NH_MAX 0x7ffe /* 2-byte DIR-24-8 reserves the top bit */
#define ROUTE_TBL8_MAX 32767

struct route_table {
	struct rte_fib *fib;
	struct route_nexthop *nh; /* nh[i] is FIB value i + 1 */
	unsigned n_nh;
	unsigned nh_cap;
	unsigned n_routes;
	/* The routes the FIB holds, sorted by (prefix, len) (route_table_update
	 * diffs against them), and the FIB's room. */
	struct natgw_route *routes;
	unsigned n_cfg;
	uint64_t default_nh;
	unsigned max_routes;      /* the FIB's max_routes */
	unsigned tbl8_cap;        /* tbl8 groups configured */
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

/* Order routes by (prefix, len) (qsort). */
static int route_cmp(const void *a, const void *b)
{
	const struct natgw_route *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* Do two routes send traffic the same way? */
static bool route_same_target(const struct natgw_route *a, const struct natgw_route *b)
{
	struct route_nexthop x = route_nexthop_of(a), y = route_nexthop_of(b);

	return x.type == y.type && x.port == y.port && x.gateway == y.gateway;
}

/* A sorted copy of cfg's routes (NULL: no memory; n 0 gives a valid pointer). */
static struct natgw_route *route_sorted_copy(const struct natgw_route_table *cfg)
{
	struct natgw_route *r = malloc((cfg->n_routes + 1) * sizeof(*r));

	if (r == NULL)
		return NULL;
	memcpy(r, cfg->routes, cfg->n_routes * sizeof(*r));
	for (unsigned i = 1; i < cfg->n_routes; i++)
		if (route_cmp(&r[i - 1], &r[i]) > 0) { /* management edits keep tables sorted */
			qsort(r, cfg->n_routes, sizeof(*r), route_cmp);
			break;
		}
	return r;
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
	t->routes = route_sorted_copy(cfg);
	if (t->routes == NULL) {
		free(t);
		return -ENOMEM;
	}
	t->n_cfg = cfg->n_routes;
	/* Room for later incremental changes (route_table_update). */
	nh_cap = cfg->n_routes + 256 < ROUTE_NH_MAX ? cfg->n_routes + 256 : ROUTE_NH_MAX;
	t->nh_cap = nh_cap;
	t->nh = calloc(nh_cap, sizeof(*t->nh));
	if (t->nh == NULL) {
		rc = -ENOMEM;
		goto err_nh;
	}
	/* Longer than /24: each distinct /24 holding some needs a tbl8 group. */
	for (unsigned i = 0; i < t->n_cfg; i++)
		if (t->routes[i].len > 24 &&
		    (i == 0 || (t->routes[i].prefix >> 8) != (t->routes[i - 1].prefix >> 8) ||
		     t->routes[i - 1].len <= 24))
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
	t->max_routes = cfg->n_routes + (cfg->n_routes / 2 > 4096 ? cfg->n_routes / 2 : 4096);
	conf.max_routes = (int)t->max_routes;
	conf.dir24_8.nh_sz = RTE_FIB_DIR24_8_2B;
	/* 2-byte next hops address at most 32767 tbl8 groups (DIR-24-8). */
	t->tbl8_cap = long_prefixes + 1024 > ROUTE_TBL8_MAX ? ROUTE_TBL8_MAX
							   : (unsigned)long_prefixes + 1024;
	conf.dir24_8.num_tbl8 = t->tbl8_cap;
	t->default_nh = conf.default_nh;
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
	free(t->routes);
	free(t);
	return rc;
}

bool route_table_same(const struct route_table *t, const struct natgw_route_table *cfg)
{
	struct natgw_route *want;
	bool same;

	if (t->n_cfg != cfg->n_routes)
		return false;
	want = route_sorted_copy(cfg);
	if (want == NULL)
		return false;
	same = true;
	for (unsigned i = 0; i < t->n_cfg && same; i++)
		same = want[i].prefix == t->routes[i].prefix && want[i].len == t->routes[i].len &&
		       route_same_target(&want[i], &t->routes[i]);
	free(want);
	return same;
}

/* Is any route of r[0..n) (sorted) strictly inside a (more specific)? */
static bool route_has_more_specific(const struct natgw_route *r, unsigned n,
				    const struct natgw_route *a)
{
	uint64_t end = (uint64_t)a->prefix + (a->len == 0 ? (1ull << 32) : (1ull << (32 - a->len)));
	unsigned lo = 0, hi = n;

	while (lo < hi) { /* first route with prefix >= a->prefix */
		unsigned mid = (lo + hi) / 2;

		if (r[mid].prefix < a->prefix)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (unsigned i = lo; i < n && r[i].prefix < end; i++)
		if (r[i].len > a->len)
			return true;
	return false;
}

int route_table_update(struct route_table *t, const struct natgw_route_table *cfg)
{
	struct natgw_route *want = route_sorted_copy(cfg);
	unsigned i = 0, j = 0;
	int rc = 0;

	if (want == NULL)
		return -ENOMEM;
	/* The default route is the FIB's default_nh, fixed at creation: it may
	 * stay as it is, not change. Sorted, a /0 can only be first. */
	{
		bool had = t->n_cfg > 0 && t->routes[0].len == 0;
		bool has = cfg->n_routes > 0 && want[0].len == 0;

		if (had != has || (has && !route_same_target(&t->routes[0], &want[0]))) {
			rc = -EAGAIN;
			goto out;
		}
	}
	/* Merge the two sorted lists: deletions first pass, then additions
	 * (a change of target is an addition over the existing prefix). */
	while (i < t->n_cfg || j < cfg->n_routes) {
		int c = i == t->n_cfg ? 1 : j == cfg->n_routes ? -1 : route_cmp(&t->routes[i], &want[j]);

		if (c < 0) { /* gone */
			rc = rte_fib_delete(t->fib, t->routes[i].prefix, t->routes[i].len);
			if (rc < 0)
				goto out;
			t->n_routes--;
			i++;
		} else if (c > 0 || !route_same_target(&t->routes[i], &want[j])) {
			struct route_nexthop nh = route_nexthop_of(&want[j]);
			int idx;

			/* DPDK 22.11 DIR-24-8 may corrupt ranges when a prefix
			 * covered by more specific ones is added after them. */
			if (route_has_more_specific(want, cfg->n_routes, &want[j])) {
				rc = -EAGAIN;
				goto out;
			}
			/* (out of tbl8 groups, rte_fib_add fails: rebuilt then) */
			if (c > 0 && t->n_routes + 1 > t->max_routes) {
				rc = -ENOSPC;
				goto out;
			}
			idx = route_nexthop_intern(t, &nh, t->nh_cap);
			if (idx < 0) {
				rc = idx;
				goto out;
			}
			rc = rte_fib_add(t->fib, want[j].prefix, want[j].len, (uint64_t)idx + 1);
			if (rc < 0)
				goto out;
			if (c > 0) {
				t->n_routes++;
				j++;
			} else {
				i++;
				j++;
			}
		} else {
			i++;
			j++;
		}
	}
	free(t->routes);
	t->routes = want;
	t->n_cfg = cfg->n_routes;
	return 0;
out:
	free(want);
	return rc;
}

void route_table_free(struct route_table *t)
{
	if (t == NULL)
		return;
	rte_fib_free(t->fib);
	free(t->nh);
	free(t->routes);
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
