/* Management commands: route tables (ROUTE_GET, ROUTE_ADD, ROUTE_REPLACE,
 * ROUTE_DEL).
 *
 * Changes are edits of the configuration copy handed out by
 * ops->config_change: the handler checks what it can without the config
 * (presence, prefix host bits, route type), the edit function resolves names
 * against the copy (table, port; a gateway without dev takes the port whose
 * subnet holds it, longest prefix first, as the INI loader does) and changes
 * the table; the daemon validates and publishes the result. Several ROUTE
 * attributes in one request are applied as one change (all or nothing).
 * Runs on the server thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

struct route_item {
	struct natgw_route r;
	char dev[NATGW_NAME_MAX];
	uint32_t have;        /* MGMT_ROUTE_A_* present */
};

struct route_edit {
	uint8_t cmd;
	char table[NATGW_NAME_MAX];
	unsigned n;
	struct route_item *items;
};

static const char *const route_cmd_verb[] = {
	[MGMT_CMD_ROUTE_ADD] = "add", [MGMT_CMD_ROUTE_REPLACE] = "replace", [MGMT_CMD_ROUTE_DEL] = "del",
};

/* "a.b.c.d/len" of a route into buf (>= 20 bytes). */
static const char *route_pfx(const struct natgw_route *r, char *buf)
{
	char a[16];

	snprintf(buf, 20, "%s/%u", mgmt_ntoa(r->prefix, a), r->len);
	return buf;
}

/* Names of the tables, comma-separated, for messages. */
static const char *route_table_names(const struct natgw_config *cfg, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < cfg->n_tables && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", cfg->tables[i].name);
	return buf;
}

/* Port for a gateway without dev: the port whose subnet holds it (longest prefix). */
static int route_port_for_gateway(const struct natgw_config *cfg, uint32_t gw)
{
	int best = -1;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct natgw_port_config *p = &cfg->ports[i];

		if ((gw & mgmt_mask(p->prefix_len)) != (p->addr & mgmt_mask(p->prefix_len)))
			continue;
		if (best < 0 || p->prefix_len > cfg->ports[best].prefix_len)
			best = (int)i;
	}
	return best;
}

/* Index of the route with r's prefix/len in t, or -1. */
/* Index of the table's route for (prefix, len) during one edit: open
 * addressing over slots holding route index + 1 (0: empty). Built once per
 * request, so a batch of k changes to a table of n routes costs O(n + k),
 * not O(n k). */
struct route_index {
	uint32_t *slot;
	uint32_t mask;
};

/* Slot where the probe for (prefix, len) starts. */
static uint32_t route_index_hash(const struct route_index *x, uint32_t prefix, uint8_t len)
{
	uint64_t k = ((uint64_t)prefix << 8 | len) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(k >> 32) & x->mask;
}

/* Slot of (prefix, len) in t, or of the empty slot where it would go. */
static uint32_t route_index_probe(const struct route_index *x, const struct natgw_route_table *t,
				  uint32_t prefix, uint8_t len)
{
	uint32_t h = route_index_hash(x, prefix, len);

	while (x->slot[h] != 0) {
		const struct natgw_route *r = &t->routes[x->slot[h] - 1];

		if (r->prefix == prefix && r->len == len)
			break;
		h = (h + 1) & x->mask;
	}
	return h;
}

/* Build the index of t with room for extra more routes. 0 or -ENOMEM. */
static int route_index_build(struct route_index *x, const struct natgw_route_table *t, unsigned extra)
{
	uint64_t want = 2 * ((uint64_t)t->n_routes + extra) + 16, size = 16;

	while (size < want)
		size <<= 1;
	x->slot = calloc(size, sizeof(*x->slot));
	if (x->slot == NULL)
		return -ENOMEM;
	x->mask = (uint32_t)(size - 1);
	for (unsigned i = 0; i < t->n_routes; i++)
		x->slot[route_index_probe(x, t, t->routes[i].prefix, t->routes[i].len)] = i + 1;
	return 0;
}

/* Remove the entry in slot h (backward-shift deletion, no tombstones). */
static void route_index_del(struct route_index *x, const struct natgw_route_table *t, uint32_t h)
{
	uint32_t j = h;

	x->slot[h] = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & x->mask;
		if (x->slot[j] == 0)
			return;
		home = route_index_hash(x, t->routes[x->slot[j] - 1].prefix, t->routes[x->slot[j] - 1].len);
		/* move j back to h if its home is not cyclically in (h, j] */
		if (((j - home) & x->mask) >= ((j - h) & x->mask)) {
			x->slot[h] = x->slot[j];
			x->slot[j] = 0;
			h = j;
		}
	}
}

/* After an edit: drop the routes marked dead, and merge the routes appended
 * after position n0 into the (sorted) ones before it, so the table stays in
 * (prefix, len) order and every later consumer (the FIB update, the live
 * diff) can skip sorting: O(n + k log k) for k changes to n routes. A table
 * that was not sorted yet (loaded from a file) is sorted once. 0 or -ENOMEM. */
static int route_table_settle(struct natgw_route_table *t, const bool *dead, unsigned n0,
			      bool head_sorted)
{
	unsigned head = 0, tail = 0, i, j, w;
	struct natgw_route *add;

	for (i = 0; i < t->n_routes; i++) {
		if (dead[i])
			continue;
		if (i < n0)
			t->routes[head++] = t->routes[i];
		else
			t->routes[head + tail++] = t->routes[i];
	}
	t->n_routes = head + tail;
	if (!head_sorted) {
		qsort(t->routes, t->n_routes, sizeof(*t->routes), config_route_cmp);
		return 0;
	}
	if (tail == 0)
		return 0;
	add = malloc((size_t)tail * sizeof(*add));
	if (add == NULL)
		return -ENOMEM;
	memcpy(add, &t->routes[head], (size_t)tail * sizeof(*add));
	qsort(add, tail, sizeof(*add), config_route_cmp);
	/* Merge from the back: head in place, add from its copy. */
	i = head, j = tail, w = head + tail;
	while (j > 0) {
		if (i > 0 && config_route_cmp(&t->routes[i - 1], &add[j - 1]) > 0)
			t->routes[--w] = t->routes[--i];
		else
			t->routes[--w] = add[--j];
	}
	free(add);
	return 0;
}

/* Edit function: apply every route of the request to the copy. */
static int route_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct route_edit *e = arg;
	char names[256], pfx[20], a[16];
	struct natgw_route_table *t;
	struct route_index x;
	bool *dead, head_sorted;
	unsigned n0;
	int ti, rc;

	ti = config_table_find(cfg, e->table);
	if (ti < 0) {
		snprintf(msg, len, "no route table \"%s\" (tables: %s)", e->table,
			 route_table_names(cfg, names, sizeof(names)));
		return -ENOENT;
	}
	t = &cfg->tables[ti];
	n0 = t->n_routes;
	head_sorted = config_route_table_sorted(t);
	dead = calloc((size_t)n0 + e->n + 1, sizeof(*dead));
	if (dead == NULL) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	rc = route_index_build(&x, t, e->n);
	if (rc != 0) {
		free(dead);
		snprintf(msg, len, "out of memory");
		return rc;
	}
	for (unsigned k = 0; k < e->n; k++) {
		struct route_item *it = &e->items[k];
		struct natgw_route r = it->r;
		uint32_t h = route_index_probe(&x, t, r.prefix, r.len);
		int idx = x.slot[h] ? (int)x.slot[h] - 1 : -1;

		route_pfx(&r, pfx);
		if (e->cmd == MGMT_CMD_ROUTE_DEL) {
			if (idx < 0) {
				snprintf(msg, len, "no route %s in table %s", pfx, t->name);
				rc = -ESRCH;
				goto out;
			}
			if (t->routes[idx].type == NATGW_ROUTE_CONNECTED || t->routes[idx].connected) {
				snprintf(msg, len,
					 "route %s in table %s is the connected route of port %s: it follows the port's address",
					 pfx, t->name,
					 t->routes[idx].port < cfg->n_ports ? cfg->ports[t->routes[idx].port].name : "?");
				rc = -EPERM;
				goto out;
			}
			/* Marked now, removed at the end (positions in the
			 * index stay valid meanwhile). */
			route_index_del(&x, t, h);
			dead[idx] = true;
			continue;
		}
		if (r.type != NATGW_ROUTE_BLACKHOLE) {
			int p;

			if (it->dev[0]) {
				p = config_port_find(cfg, it->dev);
				if (p < 0) {
					snprintf(msg, len, "route %s: unknown port \"%s\"", pfx, it->dev);
					rc = -ENODEV;
					goto out;
				}
			} else {
				p = route_port_for_gateway(cfg, r.gateway);
				if (p < 0) {
					snprintf(msg, len,
						 "route %s: gateway %s is not in the subnet of any port (say dev PORT)",
						 pfx, mgmt_ntoa(r.gateway, a));
					rc = -ENETUNREACH;
					goto out;
				}
			}
			r.port = (uint16_t)p;
		}
		if (idx >= 0 && e->cmd == MGMT_CMD_ROUTE_REPLACE) {
			t->routes[idx] = r;
			continue;
		}
		if (idx >= 0) {
			snprintf(msg, len, "route %s already exists in table %s (use replace)", pfx,
				 t->name);
			rc = -EEXIST;
			goto out;
		}
		rc = config_route_append(t, &r);
		if (rc < 0) {
			snprintf(msg, len, "route %s: cannot add to table %s: %s", pfx, t->name,
				 strerror(-rc));
			goto out;
		}
		x.slot[h] = t->n_routes;
	}
	rc = route_table_settle(t, dead, n0, head_sorted);
	if (rc != 0)
		snprintf(msg, len, "out of memory");
out:
	free(x.slot);
	free(dead);
	return rc;
}

/* Check one decoded route of a request without the config. */
static int route_item_check(struct mgmt_req *r, uint8_t cmd, const struct route_item *it)
{
	char pfx[20], a[16];

	if (!MGMT_HAS(it->have, MGMT_ROUTE_A_PREFIX) || !MGMT_HAS(it->have, MGMT_ROUTE_A_LEN))
		return mgmt_fail(r, -EINVAL, "%s: ROUTE needs PREFIX and LEN", mgmt_cmd_name(cmd));
	if (it->r.len > 32)
		return mgmt_fail(r, -EINVAL, "route prefix length %u is out of range 0..32", it->r.len);
	if (it->r.prefix & ~mgmt_mask(it->r.len))
		return mgmt_fail(r, -EINVAL, "prefix %s/%u has host bits set; did you mean %s/%u?",
				 mgmt_ntoa(it->r.prefix, pfx), it->r.len,
				 mgmt_ntoa(it->r.prefix & mgmt_mask(it->r.len), a), it->r.len);
	if (cmd == MGMT_CMD_ROUTE_DEL)
		return 0;
	route_pfx(&it->r, pfx);
	if (!MGMT_HAS(it->have, MGMT_ROUTE_A_TYPE))
		return mgmt_fail(r, -EINVAL, "route %s: ROUTE needs TYPE (gateway, dev or blackhole)", pfx);
	switch (it->r.type) {
	case NATGW_ROUTE_GATEWAY:
		if (!MGMT_HAS(it->have, MGMT_ROUTE_A_GATEWAY))
			return mgmt_fail(r, -EINVAL, "route %s: a gateway route needs GATEWAY", pfx);
		return 0;
	case NATGW_ROUTE_DEV:
		if (!it->dev[0])
			return mgmt_fail(r, -EINVAL, "route %s: a dev route needs DEV", pfx);
		return 0;
	case NATGW_ROUTE_BLACKHOLE:
		return 0;
	default:
		return mgmt_fail(r, -EINVAL,
				 "route %s: type %u cannot be added (gateway %u, dev %u or blackhole %u; connected routes come from port addresses)",
				 pfx, it->r.type, NATGW_ROUTE_GATEWAY, NATGW_ROUTE_DEV,
				 NATGW_ROUTE_BLACKHOLE);
	}
}

/* Text of a change for the ROUTE_CHANGED event. */
static void route_event_text(const struct route_edit *e, char *buf, size_t len)
{
	const struct route_item *it = &e->items[0];
	char pfx[20], a[16];

	route_pfx(&it->r, pfx);
	if (e->cmd == MGMT_CMD_ROUTE_DEL)
		snprintf(buf, len, "route del %s table %s", pfx, e->table);
	else if (it->r.type == NATGW_ROUTE_BLACKHOLE)
		snprintf(buf, len, "route %s %s blackhole table %s", route_cmd_verb[e->cmd], pfx, e->table);
	else if (it->r.type == NATGW_ROUTE_GATEWAY)
		snprintf(buf, len, "route %s %s via %s%s%s table %s", route_cmd_verb[e->cmd], pfx,
			 mgmt_ntoa(it->r.gateway, a), it->dev[0] ? " dev " : "", it->dev, e->table);
	else
		snprintf(buf, len, "route %s %s dev %s table %s", route_cmd_verb[e->cmd], pfx, it->dev,
			 e->table);
	if (e->n > 1) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, " (+%u more)", e->n - 1);
	}
}

/* ROUTE_ADD / ROUTE_REPLACE / ROUTE_DEL. */
int mgmt_cmd_route_change(struct mgmt_req *r)
{
	struct nlmsghdr *nlh = r->msg->nlh;
	struct route_edit e = { .cmd = r->msg->cmd };
	struct nlattr *a;
	char text[192];
	unsigned cap = 0;
	int rem, rc = 0;

	snprintf(e.table, sizeof(e.table), "main");
	if (r->msg->tb[MGMT_A_TABLE])
		mgmt_attr_str(r->msg->tb[MGMT_A_TABLE], e.table, sizeof(e.table));
	nlmsg_for_each_attr(a, nlh, sizeof(struct natgw_mgmt_hdr), rem) {
		struct route_item *it;

		if (nla_type(a) != MGMT_A_ROUTE)
			continue;
		if (e.n == cap) {
			struct route_item *g;

			cap = cap ? cap * 2 : 4;
			g = realloc(e.items, cap * sizeof(*g));
			if (g == NULL) {
				rc = mgmt_fail(r, -ENOMEM, "out of memory");
				goto out;
			}
			e.items = g;
		}
		it = &e.items[e.n++];
		memset(it, 0, sizeof(*it));
		it->have = mgmt_route_decode(a, &it->r, it->dev, sizeof(it->dev));
		rc = route_item_check(r, e.cmd, it);
		if (rc < 0) {
			r->bad_off = (uint32_t)((uint8_t *)a - (uint8_t *)nlh);
			goto out;
		}
	}
	rc = mgmt_change(r, route_edit_fn, &e);
	if (rc == 0) {
		route_event_text(&e, text, sizeof(text));
		mgmt_server_notify(r->srv, MGMT_EV_ROUTE_CHANGED, text);
	}
out:
	free(e.items);
	return rc;
}

/* ---- ROUTE_GET ----------------------------------------------------------- */

/* config_read callback: emit routes from the cursor (pos[0] table, pos[1] route). */
static int route_dump_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;

	if (d->name[0] && d->pos[0] == 0 && d->pos[1] == 0 && d->pos[2] == 0) {
		int ti = config_table_find(cfg, d->name);
		char names[256];

		if (ti < 0)
			return mgmt_dump_fail(d, -ENOENT, "no route table \"%s\" (tables: %s)", d->name,
					      route_table_names(cfg, names, sizeof(names)));
		d->pos[0] = (uint64_t)ti;
		d->pos[2] = 1; /* table resolved */
	}
	while (d->pos[0] < cfg->n_tables) {
		const struct natgw_route_table *t = &cfg->tables[d->pos[0]];

		if (d->name[0] && strcmp(t->name, d->name) != 0)
			return 0;
		while (d->pos[1] < t->n_routes) {
			const struct natgw_route *rt = &t->routes[d->pos[1]];
			const char *dev = rt->type != NATGW_ROUTE_BLACKHOLE && rt->port < cfg->n_ports
						  ? cfg->ports[rt->port].name : NULL;
			struct nl_msg *m;

			if (mgmt_dump_full(d))
				return 1;
			m = mgmt_dump_msg(d);
			if (m == NULL || nla_put_string(m, MGMT_A_TABLE, t->name) < 0 ||
			    mgmt_route_put(m, MGMT_A_ROUTE, rt, dev) < 0) {
				nlmsg_free(m);
				return mgmt_dump_fail(d, -ENOMEM, "out of memory building a route message");
			}
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
			d->pos[1]++;
		}
		d->pos[0]++;
		d->pos[1] = 0;
	}
	return 0;
}

/* Dump fill: one chunk of routes through config_read. */
static int route_dump_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, route_dump_cb, d);
}

/* ROUTE_GET: dump the routes of one table or of all. */
int mgmt_cmd_route_get(struct mgmt_req *r)
{
	struct mgmt_dump *d;

	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	d = mgmt_dump_start(r, route_dump_fill, 0);
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	if (r->msg->tb[MGMT_A_TABLE])
		mgmt_attr_str(r->msg->tb[MGMT_A_TABLE], d->name, sizeof(d->name));
	return 0;
}
