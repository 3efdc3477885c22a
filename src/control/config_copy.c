/* Configuration model: deep copy and semantic equality.
 *
 * Overview: live reconfiguration works on copies. The management plane edits a
 * private deep copy of the running config (config_copy) and a reload compares
 * the new file with the running config (config_equal, config_live_diff).
 * A struct natgw_config is a plain value with heap arrays hanging off it
 * (routes, neighbours, group rules and members, NACL rules, prefix-list
 * entries); a copy owns its own arrays, allocated to exactly the used size.
 *
 * Equality is semantic: what natgw would do with the config, not how it was
 * written. Ignored: source, unused capacity and unused slots, the order of
 * routes (longest-prefix match), neighbours, prefix-list entries, group
 * members and group rules (any rule allows), the storage order of NACL rules
 * (they are matched by direction and number), fields a rule's protocol does
 * not use, whether a route to a port's subnet was written or added by
 * config_finalize, and whether the RSS key was written or is the default
 * (rss_key_set). Ports, tables, groups, NACLs and prefix lists are compared
 * index by index, because they refer to each other by index.
 *
 * Life-cycle / threads: pure functions on caller-owned configs; no state,
 * nothing printed, no locks (a config is owned by one thread at a time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "natgw/config.h"

/* Duplicate n elements of size bytes (NULL for none); 0 or -ENOMEM. */
static int copy_array(void **dst, const void *src, unsigned n, size_t size)
{
	*dst = NULL;
	if (n == 0 || src == NULL)
		return 0;
	*dst = malloc((size_t)n * size);
	if (*dst == NULL)
		return -ENOMEM;
	memcpy(*dst, src, (size_t)n * size);
	return 0;
}

/* Clear every heap pointer and capacity of a shallow copy (nothing is owned yet). */
static void copy_detach(struct natgw_config *c)
{
	for (unsigned i = 0; i < NATGW_MAX_TABLES; i++) {
		c->tables[i].routes = NULL;
		c->tables[i].cap = 0;
	}
	for (unsigned i = 0; i < NATGW_MAX_SG; i++) {
		c->sgs[i].rules = NULL;
		c->sgs[i].rules_cap = 0;
		c->sgs[i].members = NULL;
		c->sgs[i].members_cap = 0;
	}
	for (unsigned i = 0; i < NATGW_MAX_NACL; i++) {
		c->nacls[i].rules = NULL;
		c->nacls[i].rules_cap = 0;
	}
	for (unsigned i = 0; i < NATGW_MAX_PREFIX_LISTS; i++) {
		c->prefix_lists[i].prefix = NULL;
		c->prefix_lists[i].len = NULL;
		c->prefix_lists[i].cap = 0;
	}
	c->neighbours = NULL;
	c->neighbours_cap = 0;
}

/* Deep copy src into dst; on failure dst is zeroed and owns nothing. */
int config_copy(struct natgw_config *dst, const struct natgw_config *src)
{
	int rc = 0;

	if (src->n_ports > NATGW_MAX_PORTS || src->n_tables > NATGW_MAX_TABLES ||
	    src->n_sgs > NATGW_MAX_SG || src->n_nacls > NATGW_MAX_NACL ||
	    src->n_prefix_lists > NATGW_MAX_PREFIX_LISTS) {
		memset(dst, 0, sizeof(*dst));
		return -EINVAL;
	}
	memcpy(dst, src, sizeof(*dst));
	copy_detach(dst);
	for (unsigned i = 0; i < src->n_tables && rc == 0; i++) {
		const struct natgw_route_table *t = &src->tables[i];

		rc = copy_array((void **)&dst->tables[i].routes, t->routes, t->n_routes, sizeof(*t->routes));
		dst->tables[i].cap = dst->tables[i].routes ? t->n_routes : 0;
	}
	if (rc < 0)
		goto err_alloc;
	for (unsigned i = 0; i < src->n_sgs && rc == 0; i++) {
		const struct natgw_sg *g = &src->sgs[i];

		rc = copy_array((void **)&dst->sgs[i].rules, g->rules, g->n_rules, sizeof(*g->rules));
		dst->sgs[i].rules_cap = dst->sgs[i].rules ? g->n_rules : 0;
		if (rc == 0)
			rc = copy_array((void **)&dst->sgs[i].members, g->members, g->n_members,
					sizeof(*g->members));
		dst->sgs[i].members_cap = dst->sgs[i].members ? g->n_members : 0;
	}
	if (rc < 0)
		goto err_alloc;
	for (unsigned i = 0; i < src->n_nacls && rc == 0; i++) {
		const struct natgw_nacl *n = &src->nacls[i];

		rc = copy_array((void **)&dst->nacls[i].rules, n->rules, n->n_rules, sizeof(*n->rules));
		dst->nacls[i].rules_cap = dst->nacls[i].rules ? n->n_rules : 0;
	}
	if (rc < 0)
		goto err_alloc;
	for (unsigned i = 0; i < src->n_prefix_lists && rc == 0; i++) {
		const struct natgw_prefix_list *pl = &src->prefix_lists[i];
		struct natgw_prefix_list *d = &dst->prefix_lists[i];

		rc = copy_array((void **)&d->prefix, pl->prefix, pl->n, sizeof(*pl->prefix));
		if (rc == 0)
			rc = copy_array((void **)&d->len, pl->len, pl->n, sizeof(*pl->len));
		d->cap = d->prefix && d->len ? pl->n : 0;
	}
	if (rc < 0)
		goto err_alloc;
	rc = copy_array((void **)&dst->neighbours, src->neighbours, src->n_neighbours,
			sizeof(*src->neighbours));
	if (rc < 0)
		goto err_alloc;
	dst->neighbours_cap = dst->neighbours ? src->n_neighbours : 0;
	return 0;

err_alloc:
	config_free(dst);
	return rc;
}

/* ---- equality --------------------------------------------------------- */

/* Protocol match equality, looking only at the fields the protocol uses. */
static bool eq_l4(const struct natgw_l4_match *a, const struct natgw_l4_match *b)
{
	if (a->proto != b->proto)
		return false;
	if (a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP)
		return a->port_lo == b->port_lo && a->port_hi == b->port_hi;
	if (a->proto == IPPROTO_ICMP)
		return a->icmp_type == b->icmp_type && (a->icmp_type < 0 || a->icmp_code == b->icmp_code);
	return true;
}

/* Route equality: a connected route and a "dev" route are both on-link. */
static bool eq_route(const struct natgw_route *a, const struct natgw_route *b)
{
	bool link_a = a->type == NATGW_ROUTE_CONNECTED || a->type == NATGW_ROUTE_DEV;
	bool link_b = b->type == NATGW_ROUTE_CONNECTED || b->type == NATGW_ROUTE_DEV;

	if (a->prefix != b->prefix || a->len != b->len)
		return false;
	if (link_a || link_b)
		return link_a && link_b && a->port == b->port;
	if (a->type != b->type)
		return false;
	if (a->type == NATGW_ROUTE_GATEWAY)
		return a->port == b->port && a->gateway == b->gateway;
	return true; /* blackhole */
}

/* Group rule equality (peer references by index). */
static bool eq_sg_rule(const struct natgw_sg_rule *a, const struct natgw_sg_rule *b)
{
	if (a->dir != b->dir || !eq_l4(&a->l4, &b->l4) || a->peer_kind != b->peer_kind ||
	    strncmp(a->key, b->key, sizeof(a->key)) != 0)
		return false;
	if (a->peer_kind == NATGW_PEER_CIDR)
		return a->cidr == b->cidr && a->cidr_len == b->cidr_len;
	return a->peer_ref == b->peer_ref;
}

/* NACL rule equality; an absent other side (other_len 0) is "any". */
static bool eq_nacl_rule(const struct natgw_nacl_rule *a, const struct natgw_nacl_rule *b)
{
	if (a->number != b->number || a->dir != b->dir || a->allow != b->allow ||
	    !eq_l4(&a->l4, &b->l4) || a->cidr != b->cidr || a->cidr_len != b->cidr_len ||
	    a->other_len != b->other_len)
		return false;
	return a->other_len == 0 || a->other_cidr == b->other_cidr;
}

/* Equality of two element arrays ignoring order: every element of a matches a
 * distinct element of b. Same order is the fast path. */
static bool eq_unordered(const void *a, const void *b, unsigned n, size_t size,
			 bool (*eq)(const void *, const void *))
{
	const char *pa = a, *pb = b;
	bool *used;
	bool ok = true;
	unsigned i;

	for (i = 0; i < n && eq(pa + i * size, pb + i * size); i++)
		;
	if (i == n)
		return true;
	used = calloc(n, sizeof(*used));
	if (used == NULL)
		return false; /* cannot tell: not equal */
	for (i = 0; i < n && ok; i++) {
		ok = false;
		for (unsigned j = 0; j < n && !ok; j++) {
			if (!used[j] && eq(pa + i * size, pb + j * size)) {
				used[j] = true;
				ok = true;
			}
		}
	}
	free(used);
	return ok;
}

/* Adapters of the element comparisons to eq_unordered. */
static bool eqv_route(const void *a, const void *b)
{
	return eq_route(a, b);
}

static bool eqv_sg_rule(const void *a, const void *b)
{
	return eq_sg_rule(a, b);
}

static bool eqv_nacl_rule(const void *a, const void *b)
{
	return eq_nacl_rule(a, b);
}

static bool eqv_u32(const void *a, const void *b)
{
	return *(const uint32_t *)a == *(const uint32_t *)b;
}

static bool eqv_neigh(const void *a, const void *b)
{
	const struct natgw_neighbour_config *x = a, *y = b;

	return x->addr == y->addr && x->port == y->port && memcmp(x->mac, y->mac, 6) == 0;
}

/* Prefix-list entries, packed for eq_unordered. */
struct eq_prefix {
	uint32_t prefix;
	uint32_t len;
};

static bool eqv_prefix(const void *a, const void *b)
{
	const struct eq_prefix *x = a, *y = b;

	return x->prefix == y->prefix && x->len == y->len;
}

/* Same entries in two prefix lists, in any order. */
static bool eq_prefix_list(const struct natgw_prefix_list *a, const struct natgw_prefix_list *b)
{
	struct eq_prefix *pa, *pb;
	bool ok = false;

	if (strcmp(a->name, b->name) != 0 || a->n != b->n)
		return false;
	if (a->n == 0)
		return true;
	pa = malloc((size_t)a->n * sizeof(*pa));
	pb = malloc((size_t)a->n * sizeof(*pb));
	if (pa != NULL && pb != NULL) {
		for (unsigned i = 0; i < a->n; i++) {
			pa[i] = (struct eq_prefix){ a->prefix[i], a->len[i] };
			pb[i] = (struct eq_prefix){ b->prefix[i], b->len[i] };
		}
		ok = eq_unordered(pa, pb, a->n, sizeof(*pa), eqv_prefix);
	}
	free(pa);
	free(pb);
	return ok;
}

/* [global] equality: the RSS key by its bytes (rss_key_set only says how it
 * was written: "rss_key = symmetric" and no rss_key are the same config). */
static bool eq_global(const struct natgw_global_config *a, const struct natgw_global_config *b)
{
	return strcmp(a->lcores, b->lcores) == 0 && a->memory_mb == b->memory_mb &&
	       strcmp(a->file_prefix, b->file_prefix) == 0 &&
	       strcmp(a->socket_path, b->socket_path) == 0 &&
	       strcmp(a->socket_group, b->socket_group) == 0 && strcmp(a->pidfile, b->pidfile) == 0 &&
	       a->icmp_rate == b->icmp_rate && a->icmp_burst == b->icmp_burst &&
	       a->neigh_timeout == b->neigh_timeout && a->stats_interval == b->stats_interval &&
	       a->gratuitous_arp == b->gratuitous_arp &&
	       memcmp(a->rss_key, b->rss_key, sizeof(a->rss_key)) == 0;
}

/* [port NAME] equality, bindings by index. */
static bool eq_port(const struct natgw_port_config *a, const struct natgw_port_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->devargs, b->devargs) == 0 &&
	       a->addr == b->addr && a->prefix_len == b->prefix_len && a->mtu == b->mtu &&
	       a->queues == b->queues && a->rx_csum_offload == b->rx_csum_offload &&
	       a->tx_csum_offload == b->tx_csum_offload && a->promisc == b->promisc &&
	       a->table == b->table && a->security_groups == b->security_groups && a->nacl == b->nacl;
}

/* [nat] equality; two disabled sections are equal whatever their values. */
static bool eq_nat(const struct natgw_nat_config *a, const struct natgw_nat_config *b)
{
	if (a->enabled != b->enabled)
		return false;
	if (!a->enabled)
		return true;
	if (a->port != b->port || a->n_pool != b->n_pool || a->n_inside != b->n_inside ||
	    a->n_forwards != b->n_forwards || a->n_pool > NATGW_MAX_POOL ||
	    a->n_inside > NATGW_MAX_INSIDE || a->n_forwards > NATGW_MAX_FORWARDS)
		return false;
	if (memcmp(a->pool, b->pool, a->n_pool * sizeof(a->pool[0])) != 0 ||
	    memcmp(a->inside, b->inside, a->n_inside * sizeof(a->inside[0])) != 0 ||
	    memcmp(a->inside_len, b->inside_len, a->n_inside * sizeof(a->inside_len[0])) != 0)
		return false;
	for (unsigned i = 0; i < a->n_forwards; i++) {
		const struct natgw_port_forward *x = &a->forwards[i], *y = &b->forwards[i];

		if (x->proto != y->proto || x->public_addr != y->public_addr ||
		    x->public_port != y->public_port || x->inside_addr != y->inside_addr ||
		    x->inside_port != y->inside_port)
			return false;
	}
	return a->port_min == b->port_min && a->port_max == b->port_max && a->mapping == b->mapping &&
	       a->timeout_udp == b->timeout_udp &&
	       a->timeout_tcp_established == b->timeout_tcp_established &&
	       a->timeout_tcp_transitory == b->timeout_tcp_transitory &&
	       a->timeout_tcp_syn == b->timeout_tcp_syn && a->timeout_icmp == b->timeout_icmp &&
	       a->max_sessions == b->max_sessions &&
	       a->max_sessions_per_host == b->max_sessions_per_host &&
	       a->port_reuse_delay == b->port_reuse_delay &&
	       a->icmp_on_exhaustion == b->icmp_on_exhaustion;
}

/* Security groups, NACLs and prefix lists, index by index. */
static bool eq_filters(const struct natgw_config *a, const struct natgw_config *b)
{
	for (unsigned i = 0; i < a->n_prefix_lists; i++)
		if (!eq_prefix_list(&a->prefix_lists[i], &b->prefix_lists[i]))
			return false;
	for (unsigned i = 0; i < a->n_sgs; i++) {
		const struct natgw_sg *x = &a->sgs[i], *y = &b->sgs[i];

		if (strcmp(x->name, y->name) != 0 || x->n_rules != y->n_rules ||
		    x->n_members != y->n_members ||
		    !eq_unordered(x->rules, y->rules, x->n_rules, sizeof(*x->rules), eqv_sg_rule) ||
		    !eq_unordered(x->members, y->members, x->n_members, sizeof(*x->members), eqv_u32))
			return false;
	}
	for (unsigned i = 0; i < a->n_nacls; i++) {
		const struct natgw_nacl *x = &a->nacls[i], *y = &b->nacls[i];

		if (strcmp(x->name, y->name) != 0 || x->n_rules != y->n_rules ||
		    !eq_unordered(x->rules, y->rules, x->n_rules, sizeof(*x->rules), eqv_nacl_rule))
			return false;
	}
	return true;
}

/* Semantic equality of two configs (see the overview for what is ignored). */
bool config_equal(const struct natgw_config *a, const struct natgw_config *b)
{
	if (a->n_ports != b->n_ports || a->n_tables != b->n_tables || a->n_sgs != b->n_sgs ||
	    a->n_nacls != b->n_nacls || a->n_prefix_lists != b->n_prefix_lists ||
	    a->n_neighbours != b->n_neighbours)
		return false;
	if (a->n_ports > NATGW_MAX_PORTS || a->n_tables > NATGW_MAX_TABLES || a->n_sgs > NATGW_MAX_SG ||
	    a->n_nacls > NATGW_MAX_NACL || a->n_prefix_lists > NATGW_MAX_PREFIX_LISTS)
		return false;
	if (!eq_global(&a->global, &b->global) || !eq_nat(&a->nat, &b->nat))
		return false;
	for (unsigned i = 0; i < a->n_ports; i++)
		if (!eq_port(&a->ports[i], &b->ports[i]))
			return false;
	for (unsigned i = 0; i < a->n_tables; i++) {
		const struct natgw_route_table *x = &a->tables[i], *y = &b->tables[i];

		if (strcmp(x->name, y->name) != 0 || x->n_routes != y->n_routes ||
		    !eq_unordered(x->routes, y->routes, x->n_routes, sizeof(*x->routes), eqv_route))
			return false;
	}
	if (!eq_unordered(a->neighbours, b->neighbours, a->n_neighbours, sizeof(*a->neighbours),
			  eqv_neigh))
		return false;
	return eq_filters(a, b);
}
