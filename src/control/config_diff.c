/* Configuration model: what changed between two configs, and can it be applied live.
 *
 * Overview: a reload (SIGHUP) or a management-plane change ends with a new
 * config next to the running one. config_live_diff() decides whether the
 * data plane can switch to it by publishing a new snapshot, and says what
 * changed in one line for the log and the management client.
 *
 * Needs a restart (-EBUSY, the first such change is named): [global] keys
 * other than icmp_rate, icmp_burst, neigh_timeout and stats_interval (EAL,
 * socket, pidfile and the ports' RSS key are set up once); adding, removing
 * or reordering ports (ports are DPDK devices numbered in file order) and any
 * port key except the bindings; [nat] appearing or disappearing, and its
 * port, pool, inside, ports and mapping (the port allocator and the pool's ARP
 * are built at start).
 * Live: the four [global] keys, port bindings (route table, security groups,
 * NACL), tables and routes, static neighbours, [nat] timeouts, limits, reuse
 * delay, icmp_on_exhaustion and forwards, and every prefix list, group and NACL.
 *
 * Objects that refer to each other by index (tables, groups, NACLs, prefix
 * lists) are matched by name here, so inserting a group before another one
 * is not reported as a change of every rule that names a later group.
 *
 * Life-cycle / threads: a pure function of two caller-owned configs (both
 * should have been loaded or validated); no state, nothing printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "natgw/config.h"

/* The summary line being written; truncated with "..." when full. */
struct diff_sum {
	char *buf;
	size_t len;
	size_t off;
	unsigned items;
	bool full;
};

/* Append one "; "-separated item to the summary. */
static void sum_add(struct diff_sum *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sum_add(struct diff_sum *s, const char *fmt, ...)
{
	char item[NATGW_ERR_MAX];
	va_list ap;
	int n;

	s->items++;
	if (s->buf == NULL || s->len == 0 || s->full)
		return;
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	n = snprintf(s->buf + s->off, s->len - s->off, "%s%s", s->items > 1 ? "; " : "", item);
	if (n >= 0 && (size_t)n < s->len - s->off) {
		s->off += (size_t)n;
		return;
	}
	s->full = true;
	if (s->len >= 4)
		memcpy(s->buf + s->len - 4, "...", 4);
}

/* Write "[SECT] WHAT: needs a restart" into err; returns -EBUSY. */
static int diff_busy(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int diff_busy(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[NATGW_ERR_MAX];
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "%s: needs a restart", msg);
	}
	return -EBUSY;
}

/* Append ", name" (or "name" first) to a list of changed keys. */
static void list_add(char *list, size_t size, bool changed, const char *name)
{
	size_t off = strlen(list);

	if (changed)
		snprintf(list + off, size - off, "%s%s", off ? ", " : "", name);
}

/* Name of object i among n at base + i * stride, "" when out of range. */
static const char *obj_name(const void *base, size_t stride, unsigned n, int i)
{
	return i >= 0 && (unsigned)i < n ? (const char *)base + (size_t)i * stride : "";
}

/* Index of the object called name among n at base + i * stride, or -1. */
static int obj_find(const void *base, size_t stride, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp((const char *)base + (size_t)i * stride, name) == 0)
			return (int)i;
	return -1;
}

/* ---- needs a restart ---------------------------------------------------- */

/* [global] keys that are read once at start. */
static int diff_global(const struct natgw_global_config *o, const struct natgw_global_config *n,
		       char *err, size_t errlen)
{
	const struct {
		const char *key;
		bool changed;
	} keys[] = {
		{ "lcores", strcmp(o->lcores, n->lcores) != 0 },
		{ "memory_mb", o->memory_mb != n->memory_mb },
		{ "file_prefix", strcmp(o->file_prefix, n->file_prefix) != 0 },
		{ "socket", strcmp(o->socket_path, n->socket_path) != 0 },
		{ "socket_group", strcmp(o->socket_group, n->socket_group) != 0 },
		{ "pidfile", strcmp(o->pidfile, n->pidfile) != 0 },
		{ "gratuitous_arp", o->gratuitous_arp != n->gratuitous_arp },
		/* programmed into the ports and used by the steering at start */
		{ "rss_key", memcmp(o->rss_key, n->rss_key, sizeof(o->rss_key)) != 0 },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].changed)
			return diff_busy(err, errlen, "[global] %s changed", keys[i].key);
	return 0;
}

/* The set and order of ports, and every port key but the bindings. */
static int diff_ports(const struct natgw_config *o, const struct natgw_config *n, char *err, size_t errlen)
{
	for (unsigned i = 0; i < o->n_ports; i++)
		if (config_port_find(n, o->ports[i].name) < 0)
			return diff_busy(err, errlen, "[port %s] removed", o->ports[i].name);
	for (unsigned i = 0; i < n->n_ports; i++)
		if (config_port_find(o, n->ports[i].name) < 0)
			return diff_busy(err, errlen, "[port %s] added", n->ports[i].name);
	if (o->n_ports != n->n_ports)
		return diff_busy(err, errlen, "[port %s] listed twice", o->ports[0].name);
	for (unsigned i = 0; i < n->n_ports; i++)
		if (strcmp(o->ports[i].name, n->ports[i].name) != 0)
			return diff_busy(err, errlen, "[port %s] moved from position %u to %u (ports are numbered in file order)",
					 n->ports[i].name, (unsigned)config_port_find(o, n->ports[i].name) + 1, i + 1);
	for (unsigned i = 0; i < n->n_ports; i++) {
		const struct natgw_port_config *a = &o->ports[i], *b = &n->ports[i];
		const struct {
			const char *key;
			bool changed;
		} keys[] = {
			{ "devargs", strcmp(a->devargs, b->devargs) != 0 },
			{ "address", a->addr != b->addr || a->prefix_len != b->prefix_len },
			{ "mtu", a->mtu != b->mtu },
			{ "queues", a->queues != b->queues },
			{ "rx_checksum_offload", a->rx_csum_offload != b->rx_csum_offload },
			{ "tx_checksum_offload", a->tx_csum_offload != b->tx_csum_offload },
			{ "promiscuous", a->promisc != b->promisc },
		};

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (keys[k].changed)
				return diff_busy(err, errlen, "[port %s] %s changed", b->name, keys[k].key);
	}
	return 0;
}

/* [nat] presence, port, pool, inside prefixes, port range and mapping. */
static int diff_nat(const struct natgw_nat_config *o, const struct natgw_nat_config *n, char *err,
		    size_t errlen)
{
	if (o->enabled != n->enabled)
		return diff_busy(err, errlen, "[nat] %s", n->enabled ? "added" : "removed");
	if (!n->enabled)
		return 0;
	if (o->port != n->port)
		return diff_busy(err, errlen, "[nat] port changed");
	if (o->n_pool != n->n_pool || o->n_pool > NATGW_MAX_POOL ||
	    memcmp(o->pool, n->pool, o->n_pool * sizeof(o->pool[0])) != 0)
		return diff_busy(err, errlen, "[nat] pool changed");
	if (o->n_inside != n->n_inside || o->n_inside > NATGW_MAX_INSIDE ||
	    memcmp(o->inside, n->inside, o->n_inside * sizeof(o->inside[0])) != 0 ||
	    memcmp(o->inside_len, n->inside_len, o->n_inside * sizeof(o->inside_len[0])) != 0)
		return diff_busy(err, errlen, "[nat] inside changed");
	if (o->port_min != n->port_min || o->port_max != n->port_max)
		return diff_busy(err, errlen, "[nat] ports changed");
	if (o->mapping != n->mapping)
		return diff_busy(err, errlen, "[nat] mapping changed");
	/* Session tables are sized at start. */
	if (o->max_sessions != n->max_sessions)
		return diff_busy(err, errlen, "[nat] max_sessions changed");
	return 0;
}

/* ---- live changes: global, ports, routes, neighbours, nat -------------- */

/* The [global] keys that apply live. */
static void sum_global(struct diff_sum *s, const struct natgw_global_config *o,
		       const struct natgw_global_config *n)
{
	char list[128] = "";

	list_add(list, sizeof(list), o->icmp_rate != n->icmp_rate, "icmp_rate");
	list_add(list, sizeof(list), o->icmp_burst != n->icmp_burst, "icmp_burst");
	list_add(list, sizeof(list), o->neigh_timeout != n->neigh_timeout, "neigh_timeout");
	list_add(list, sizeof(list), o->stats_interval != n->stats_interval, "stats_interval");
	if (list[0] != '\0')
		sum_add(s, "global: %s changed", list);
}

/* True if the groups of two ports (bit masks into their configs) have the same names. */
static bool same_groups(const struct natgw_config *o, uint64_t om, const struct natgw_config *n, uint64_t nm)
{
	unsigned count_o = 0, count_n = 0;

	for (unsigned g = 0; g < 64; g++) {
		if (nm & (UINT64_C(1) << g))
			count_n++;
		if (!(om & (UINT64_C(1) << g)))
			continue;
		count_o++;
		{
			const char *name = obj_name(o->sgs, sizeof(o->sgs[0]), o->n_sgs, (int)g);
			int j = obj_find(n->sgs, sizeof(n->sgs[0]), n->n_sgs, name);

			if (name[0] == '\0' || j < 0 || !(nm & (UINT64_C(1) << j)))
				return false;
		}
	}
	return count_o == count_n;
}

/* Port bindings (same ports in the same order: checked before). */
static void sum_ports(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	for (unsigned i = 0; i < n->n_ports; i++) {
		const struct natgw_port_config *a = &o->ports[i], *b = &n->ports[i];
		char list[64] = "";

		list_add(list, sizeof(list),
			 strcmp(obj_name(o->tables, sizeof(o->tables[0]), o->n_tables, a->table),
				obj_name(n->tables, sizeof(n->tables[0]), n->n_tables, b->table)) != 0,
			 "table");
		list_add(list, sizeof(list), !same_groups(o, a->security_groups, n, b->security_groups),
			 "security_groups");
		list_add(list, sizeof(list),
			 strcmp(obj_name(o->nacls, sizeof(o->nacls[0]), o->n_nacls, a->nacl),
				obj_name(n->nacls, sizeof(n->nacls[0]), n->n_nacls, b->nacl)) != 0,
			 "nacl");
		if (list[0] != '\0')
			sum_add(s, "port %s: %s changed", b->name, list);
	}
}

/* Same next hop (a connected route and a "dev" route are both on-link). */
static bool route_same(const struct natgw_route *a, const struct natgw_route *b)
{
	bool la = a->type == NATGW_ROUTE_CONNECTED || a->type == NATGW_ROUTE_DEV;
	bool lb = b->type == NATGW_ROUTE_CONNECTED || b->type == NATGW_ROUTE_DEV;

	if (la || lb)
		return la && lb && a->port == b->port;
	return a->type == b->type && (a->type != NATGW_ROUTE_GATEWAY ||
				      (a->port == b->port && a->gateway == b->gateway));
}

/* A sorted copy of a table's routes (NULL for none or out of memory). */
static struct natgw_route *routes_sorted(const struct natgw_route_table *t)
{
	struct natgw_route *r;

	if (t->n_routes == 0)
		return NULL;
	r = malloc((size_t)t->n_routes * sizeof(*r));
	if (r == NULL)
		return NULL;
	memcpy(r, t->routes, (size_t)t->n_routes * sizeof(*r));
	if (!config_route_table_sorted(t)) /* management edits keep tables sorted */
		qsort(r, t->n_routes, sizeof(*r), config_route_cmp);
	return r;
}

/* Routes of one table present in both configs: +added -removed ~changed. */
static int sum_routes(struct diff_sum *s, const struct natgw_route_table *o, const struct natgw_route_table *n)
{
	struct natgw_route *a = routes_sorted(o), *b = routes_sorted(n);
	unsigned i = 0, j = 0, add = 0, del = 0, chg = 0;

	if ((a == NULL && o->n_routes > 0) || (b == NULL && n->n_routes > 0)) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	while (i < o->n_routes || j < n->n_routes) {
		int c = i == o->n_routes ? 1 : j == n->n_routes ? -1 : config_route_cmp(&a[i], &b[j]);

		if (c < 0) {
			del++;
			i++;
		} else if (c > 0) {
			add++;
			j++;
		} else {
			chg += !route_same(&a[i], &b[j]);
			i++;
			j++;
		}
	}
	free(a);
	free(b);
	if (chg > 0)
		sum_add(s, "table %s: +%u -%u ~%u routes", n->name, add, del, chg);
	else if (add + del > 0)
		sum_add(s, "table %s: +%u -%u routes", n->name, add, del);
	return 0;
}

/* Tables matched by name: added, removed, routes changed. */
static int sum_tables(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	for (unsigned i = 0; i < n->n_tables; i++) {
		int j = config_table_find(o, n->tables[i].name);
		int rc;

		if (j < 0) {
			sum_add(s, "table %s: added, %u routes", n->tables[i].name, n->tables[i].n_routes);
			continue;
		}
		rc = sum_routes(s, &o->tables[j], &n->tables[i]);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = 0; i < o->n_tables; i++)
		if (config_table_find(n, o->tables[i].name) < 0)
			sum_add(s, "table %s: removed", o->tables[i].name);
	return 0;
}

/* Static neighbours keyed by (address, port): +added -removed ~changed MAC. */
static void sum_neighbours(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	unsigned add = 0, del = 0, chg = 0;

	for (unsigned i = 0; i < n->n_neighbours; i++) {
		const struct natgw_neighbour_config *b = &n->neighbours[i];
		unsigned j;

		for (j = 0; j < o->n_neighbours; j++)
			if (o->neighbours[j].addr == b->addr && o->neighbours[j].port == b->port)
				break;
		if (j == o->n_neighbours)
			add++;
		else
			chg += memcmp(o->neighbours[j].mac, b->mac, 6) != 0;
	}
	for (unsigned j = 0; j < o->n_neighbours; j++) {
		unsigned i;

		for (i = 0; i < n->n_neighbours; i++)
			if (o->neighbours[j].addr == n->neighbours[i].addr &&
			    o->neighbours[j].port == n->neighbours[i].port)
				break;
		del += i == n->n_neighbours;
	}
	if (chg > 0)
		sum_add(s, "neighbours: +%u -%u ~%u", add, del, chg);
	else if (add + del > 0)
		sum_add(s, "neighbours: +%u -%u", add, del);
}

/* True if forward f is in the list of n forwards. */
static bool forward_in(const struct natgw_port_forward *f, const struct natgw_port_forward *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i].proto == f->proto && list[i].public_addr == f->public_addr &&
		    list[i].public_port == f->public_port && list[i].inside_addr == f->inside_addr &&
		    list[i].inside_port == f->inside_port)
			return true;
	return false;
}

/* The [nat] keys that apply live (the rest was checked before). */
static void sum_nat(struct diff_sum *s, const struct natgw_nat_config *o, const struct natgw_nat_config *n)
{
	unsigned add = 0, del = 0;
	char list[160] = "";

	if (!n->enabled)
		return;
	list_add(list, sizeof(list),
		 o->timeout_udp != n->timeout_udp || o->timeout_tcp_established != n->timeout_tcp_established ||
		 o->timeout_tcp_transitory != n->timeout_tcp_transitory ||
		 o->timeout_tcp_syn != n->timeout_tcp_syn || o->timeout_icmp != n->timeout_icmp,
		 "timeouts");
	list_add(list, sizeof(list),
		 o->max_sessions_per_host != n->max_sessions_per_host, "limits");
	list_add(list, sizeof(list), o->port_reuse_delay != n->port_reuse_delay, "port_reuse_delay");
	list_add(list, sizeof(list), o->icmp_on_exhaustion != n->icmp_on_exhaustion, "icmp_on_exhaustion");
	for (unsigned i = 0; i < n->n_forwards && i < NATGW_MAX_FORWARDS; i++)
		add += !forward_in(&n->forwards[i], o->forwards, o->n_forwards < NATGW_MAX_FORWARDS ? o->n_forwards : NATGW_MAX_FORWARDS);
	for (unsigned i = 0; i < o->n_forwards && i < NATGW_MAX_FORWARDS; i++)
		del += !forward_in(&o->forwards[i], n->forwards, n->n_forwards < NATGW_MAX_FORWARDS ? n->n_forwards : NATGW_MAX_FORWARDS);
	if (add + del > 0) {
		char f[48];

		snprintf(f, sizeof(f), "forwards +%u -%u", add, del);
		list_add(list, sizeof(list), true, f);
	}
	if (list[0] != '\0')
		sum_add(s, "nat: %s changed", list);
}

/* ---- live changes: prefix lists, groups, NACLs ------------------------- */

/* True if prefix a/alen is in list pl. */
static bool prefix_in(const struct natgw_prefix_list *pl, uint32_t a, uint8_t alen)
{
	for (unsigned i = 0; i < pl->n; i++)
		if (pl->prefix[i] == a && pl->len[i] == alen)
			return true;
	return false;
}

/* Prefix lists matched by name. */
static void sum_prefix_lists(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	for (unsigned i = 0; i < n->n_prefix_lists; i++) {
		const struct natgw_prefix_list *b = &n->prefix_lists[i], *a;
		int j = obj_find(o->prefix_lists, sizeof(o->prefix_lists[0]), o->n_prefix_lists, b->name);
		unsigned add = 0, del = 0;

		if (j < 0) {
			sum_add(s, "prefix_list %s: added", b->name);
			continue;
		}
		a = &o->prefix_lists[j];
		for (unsigned k = 0; k < b->n; k++)
			add += !prefix_in(a, b->prefix[k], b->len[k]);
		for (unsigned k = 0; k < a->n; k++)
			del += !prefix_in(b, a->prefix[k], a->len[k]);
		if (add + del > 0)
			sum_add(s, "prefix_list %s: +%u -%u prefixes", b->name, add, del);
	}
	for (unsigned i = 0; i < o->n_prefix_lists; i++)
		if (obj_find(n->prefix_lists, sizeof(n->prefix_lists[0]), n->n_prefix_lists,
			     o->prefix_lists[i].name) < 0)
			sum_add(s, "prefix_list %s: removed", o->prefix_lists[i].name);
}

/* Protocol match equality on the fields the protocol uses. */
static bool l4_same(const struct natgw_l4_match *a, const struct natgw_l4_match *b)
{
	if (a->proto != b->proto)
		return false;
	if (a->proto == IPPROTO_TCP || a->proto == IPPROTO_UDP)
		return a->port_lo == b->port_lo && a->port_hi == b->port_hi;
	if (a->proto == IPPROTO_ICMP)
		return a->icmp_type == b->icmp_type && (a->icmp_type < 0 || a->icmp_code == b->icmp_code);
	return true;
}

/* Group rule equality across two configs: peers compared by name. */
static bool sg_rule_same(const struct natgw_config *oc, const struct natgw_sg_rule *a,
			 const struct natgw_config *nc, const struct natgw_sg_rule *b)
{
	if (a->dir != b->dir || !l4_same(&a->l4, &b->l4) || a->peer_kind != b->peer_kind ||
	    strncmp(a->key, b->key, sizeof(a->key)) != 0)
		return false;
	if (a->peer_kind == NATGW_PEER_CIDR)
		return a->cidr == b->cidr && a->cidr_len == b->cidr_len;
	if (a->peer_kind == NATGW_PEER_PREFIX_LIST)
		return strcmp(obj_name(oc->prefix_lists, sizeof(oc->prefix_lists[0]), oc->n_prefix_lists, a->peer_ref),
			      obj_name(nc->prefix_lists, sizeof(nc->prefix_lists[0]), nc->n_prefix_lists, b->peer_ref)) == 0;
	return strcmp(obj_name(oc->sgs, sizeof(oc->sgs[0]), oc->n_sgs, a->peer_ref),
		      obj_name(nc->sgs, sizeof(nc->sgs[0]), nc->n_sgs, b->peer_ref)) == 0;
}

/* True if two groups have the same rules, in any order. */
static bool sg_rules_same(const struct natgw_config *oc, const struct natgw_sg *a, const struct natgw_config *nc,
			  const struct natgw_sg *b)
{
	bool *used, ok = true;

	if (a->n_rules != b->n_rules)
		return false;
	if (a->n_rules == 0)
		return true;
	used = calloc(b->n_rules, sizeof(*used));
	if (used == NULL)
		return false; /* cannot tell: report a change */
	for (unsigned i = 0; i < a->n_rules && ok; i++) {
		ok = false;
		for (unsigned j = 0; j < b->n_rules && !ok; j++)
			if (!used[j] && sg_rule_same(oc, &a->rules[i], nc, &b->rules[j]))
				ok = used[j] = true;
	}
	free(used);
	return ok;
}

/* True if two groups have the same members, in any order. */
static bool sg_members_same(const struct natgw_sg *a, const struct natgw_sg *b)
{
	if (a->n_members != b->n_members)
		return false;
	for (unsigned i = 0; i < a->n_members; i++) {
		unsigned j;

		for (j = 0; j < b->n_members && b->members[j] != a->members[i]; j++)
			;
		if (j == b->n_members)
			return false;
	}
	return true;
}

/* Security groups matched by name. */
static void sum_sgs(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	for (unsigned i = 0; i < n->n_sgs; i++) {
		const struct natgw_sg *b = &n->sgs[i];
		int j = obj_find(o->sgs, sizeof(o->sgs[0]), o->n_sgs, b->name);
		char list[32] = "";

		if (j < 0) {
			sum_add(s, "sg %s: added", b->name);
			continue;
		}
		list_add(list, sizeof(list), !sg_rules_same(o, &o->sgs[j], n, b), "rules");
		list_add(list, sizeof(list), !sg_members_same(&o->sgs[j], b), "members");
		if (list[0] != '\0')
			sum_add(s, "sg %s: %s changed", b->name, list);
	}
	for (unsigned i = 0; i < o->n_sgs; i++)
		if (obj_find(n->sgs, sizeof(n->sgs[0]), n->n_sgs, o->sgs[i].name) < 0)
			sum_add(s, "sg %s: removed", o->sgs[i].name);
}

/* True if two NACLs have the same rules (matched by direction and number). */
static bool nacl_rules_same(const struct natgw_nacl *a, const struct natgw_nacl *b)
{
	if (a->n_rules != b->n_rules)
		return false;
	for (unsigned i = 0; i < a->n_rules; i++) {
		const struct natgw_nacl_rule *x = &a->rules[i];
		unsigned j;

		for (j = 0; j < b->n_rules; j++)
			if (b->rules[j].dir == x->dir && b->rules[j].number == x->number)
				break;
		if (j == b->n_rules)
			return false;
		{
			const struct natgw_nacl_rule *y = &b->rules[j];

			if (x->allow != y->allow || !l4_same(&x->l4, &y->l4) || x->cidr != y->cidr ||
			    x->cidr_len != y->cidr_len || x->other_len != y->other_len ||
			    (x->other_len > 0 && x->other_cidr != y->other_cidr))
				return false;
		}
	}
	return true;
}

/* NACLs matched by name. */
static void sum_nacls(struct diff_sum *s, const struct natgw_config *o, const struct natgw_config *n)
{
	for (unsigned i = 0; i < n->n_nacls; i++) {
		const struct natgw_nacl *b = &n->nacls[i];
		int j = obj_find(o->nacls, sizeof(o->nacls[0]), o->n_nacls, b->name);

		if (j < 0)
			sum_add(s, "nacl %s: added", b->name);
		else if (!nacl_rules_same(&o->nacls[j], b))
			sum_add(s, "nacl %s: rules changed", b->name);
	}
	for (unsigned i = 0; i < o->n_nacls; i++)
		if (obj_find(n->nacls, sizeof(n->nacls[0]), n->n_nacls, o->nacls[i].name) < 0)
			sum_add(s, "nacl %s: removed", o->nacls[i].name);
}

/* Can new_cfg replace old_cfg without a restart? 0 + summary, or -EBUSY + err. */
int config_live_diff(const struct natgw_config *old_cfg, const struct natgw_config *new_cfg,
		     char *summary, size_t slen, char *err, size_t errlen)
{
	struct diff_sum s = { .buf = summary, .len = slen };
	const struct natgw_config *o = old_cfg, *n = new_cfg;
	int rc;

	if (summary != NULL && slen > 0)
		summary[0] = '\0';
	if (o->n_ports > NATGW_MAX_PORTS || n->n_ports > NATGW_MAX_PORTS || o->n_tables > NATGW_MAX_TABLES ||
	    n->n_tables > NATGW_MAX_TABLES || o->n_sgs > NATGW_MAX_SG || n->n_sgs > NATGW_MAX_SG ||
	    o->n_nacls > NATGW_MAX_NACL || n->n_nacls > NATGW_MAX_NACL ||
	    o->n_prefix_lists > NATGW_MAX_PREFIX_LISTS || n->n_prefix_lists > NATGW_MAX_PREFIX_LISTS) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "config has more objects than natgw allows (not validated?)");
		return -EINVAL;
	}
	rc = diff_global(&o->global, &n->global, err, errlen);
	if (rc == 0)
		rc = diff_ports(o, n, err, errlen);
	if (rc == 0)
		rc = diff_nat(&o->nat, &n->nat, err, errlen);
	if (rc < 0)
		return rc;
	sum_global(&s, &o->global, &n->global);
	sum_ports(&s, o, n);
	rc = sum_tables(&s, o, n);
	if (rc < 0)
		goto err_alloc;
	sum_neighbours(&s, o, n);
	sum_nat(&s, &o->nat, &n->nat);
	sum_prefix_lists(&s, o, n);
	sum_sgs(&s, o, n);
	sum_nacls(&s, o, n);
	if (s.items == 0 && summary != NULL && slen > 0)
		snprintf(summary, slen, "no change");
	return 0;

err_alloc:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "out of memory comparing the configurations");
	if (summary != NULL && slen > 0)
		summary[0] = '\0';
	return rc;
}
