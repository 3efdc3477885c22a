/* natgw route tables: longest-prefix match over IPv4 with rte_fib (DIR-24-8).
 *
 * A route_table is built from a struct natgw_route_table (config model) off
 * the packet path and then only read. Each route maps to a next hop entry
 * (type, egress port, gateway); the FIB stores next hop indexes. Lookups are
 * bulk and lock-free. Building needs the EAL to be initialised (rte_fib uses
 * rte_malloc); nothing else in this module calls the EAL.
 */
#ifndef NATGW_ROUTE_H
#define NATGW_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "natgw/config.h"

struct route_nexthop {
	uint8_t type;     /* enum natgw_route_type */
	uint8_t port;     /* egress port index */
	uint32_t gateway; /* host order; 0 for connected/dev: resolve the destination */
};

struct route_table;

/* Build a table. name must be unique among live tables (it names the FIB).
 * 0 or -errno. */
int route_table_build(const struct natgw_route_table *cfg, const char *name,
		      struct route_table **out);

/* True when t holds exactly cfg's routes (same prefixes and next hops). */
bool route_table_same(const struct route_table *t, const struct natgw_route_table *cfg);

/* Make t (a table no worker can be using) hold cfg's routes by adding and
 * deleting the difference. 0, or -EAGAIN / -ENOSPC / -ENOMEM / -errno when it
 * cannot: then t is in an unspecified state and must be freed (build anew). */
int route_table_update(struct route_table *t, const struct natgw_route_table *cfg);

/* Free a table built by route_table_build. NULL is fine. */
void route_table_free(struct route_table *t);

/* Look up n destinations (host order). nh[i] is NULL when no route matches. */
void route_lookup_bulk(const struct route_table *t, const uint32_t *dst, unsigned n,
		       const struct route_nexthop **nh);

/* Number of routes in the table. */
unsigned route_table_size(const struct route_table *t);

#endif
