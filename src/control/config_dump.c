/* Configuration model -> INI text, and validation of an edited model.
 *
 * Overview: config_dump_ini() writes a struct natgw_config in the syntax of
 * docs/CONFIG.md so that config_load_ini_text() loads it back to a config
 * that config_equal() calls equal (the round trip the unit tests check for
 * every example file). Sections come in a fixed order: [global], [port]s,
 * [table]s, [neighbours], [nat], [prefix_list]s, [sg]s, [nacl]s; objects in
 * index order, so indexes survive. Every key natgw knows is written except
 * those whose value is empty or, for groups, implied (default_egress), and
 * rss_key when it is the default and was not configured.
 * What the model does not hold is not written: descriptions, the [nat]
 * profile (its timeouts are written), comments. Routes added by
 * config_finalize (connected) are left out: the loader adds them again.
 * route.N, prefix.N, neigh.N, forward.N and members are renumbered from 1;
 * group rules keep their key ("rule.7") when every key of the group is a
 * distinct rule.N, NACL rules keep their number (it is their priority).
 *
 * Validation: config_validate() is dump + load, so a model edited by the
 * management plane is held to exactly the loader's rules and messages. What
 * the text cannot express is written so that the loader refuses it (an
 * index out of range becomes the name "<index-N>", an unknown direction or
 * route type a word the loader does not know), or is checked beforehand in
 * the loader's words (counts beyond the arrays, names the loader would
 * lower-case or refuse, a port bound to a table that does not exist).
 *
 * Life-cycle / threads: pure functions on a caller-owned config; the text is
 * malloc'd for the caller. Nothing printed, no state, no locks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "natgw/config.h"
#include "config_ini.h"

#define DUMP_SOURCE "<running config>"
#define DUMP_MEMBERS_PER_KEY 32  /* 32 * 16 characters fit in a 1000-character line */

/* Growing text buffer; err sticks at the first failure. */
struct dump_buf {
	char *p;
	size_t len, cap;
	int err;
};

/* Append formatted text to b. */
static void dump_printf(struct dump_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void dump_printf(struct dump_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err != 0)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap * 2 + (size_t)n + 1;
			char *g = realloc(b->p, cap);

			if (g == NULL) {
				b->err = -ENOMEM;
				return;
			}
			b->p = g;
			b->cap = cap;
		}
	}
}

/* Write "key = value\n", quoting the value where the INI syntax needs it. */
static void dump_kv(struct dump_buf *b, const char *key, const char *value)
{
	size_t n = strlen(value);
	bool quote = n > 0 && (strpbrk(value, ";#") != NULL || value[0] == ' ' || value[0] == '\t' ||
			       value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\\' ||
			       value[0] == '"' || value[0] == '\'');

	if (n == 0)
		dump_printf(b, "%s =\n", key);
	else if (!quote)
		dump_printf(b, "%s = %s\n", key, value);
	else if (strchr(value, '"') == NULL)
		dump_printf(b, "%s = \"%s\"\n", key, value);
	else
		dump_printf(b, "%s = '%s'\n", key, value);
}

/* A port's name, or "<index-N>" (refused by the loader) for an index out of range. */
static const char *dump_port_name(const struct natgw_config *cfg, unsigned i, char *buf, size_t size)
{
	if (i < cfg->n_ports && i < NATGW_MAX_PORTS)
		return cfg->ports[i].name;
	snprintf(buf, size, "<index-%u>", i);
	return buf;
}

/* Name of object i of n at base + i * stride, or "<index-N>". */
static const char *dump_obj_name(const void *base, size_t stride, unsigned n, unsigned i, char *buf,
				 size_t size)
{
	if (i < n)
		return (const char *)base + (size_t)i * stride;
	snprintf(buf, size, "<index-%u>", i);
	return buf;
}

/* ---- [global], [port NAME] ------------------------------------------------ */

/* Write rss_key as 40 hex bytes separated by ':' when it was configured or
 * is not the default (symmetric) key; an unconfigured default key is left out
 * so that rss_key_set survives the round trip. */
static void dump_rss_key(struct dump_buf *b, const struct natgw_global_config *g)
{
	bool symmetric = true;

	for (unsigned i = 0; i < sizeof(g->rss_key); i++)
		symmetric &= g->rss_key[i] == ((i & 1) ? 0x5a : 0x6d);
	if (!g->rss_key_set && symmetric)
		return;
	dump_printf(b, "rss_key = ");
	for (unsigned i = 0; i < sizeof(g->rss_key); i++)
		dump_printf(b, "%s%02x", i == 0 ? "" : ":", g->rss_key[i]);
	dump_printf(b, "\n");
}

/* Write [global]: every key, empty strings and an unconfigured default
 * rss_key left out. */
static void dump_global(struct dump_buf *b, const struct natgw_global_config *g)
{
	dump_printf(b, "[global]\n");
	dump_kv(b, "lcores", g->lcores);
	dump_printf(b, "memory_mb = %u\n", g->memory_mb);
	if (g->file_prefix[0] != '\0')
		dump_kv(b, "file_prefix", g->file_prefix);
	dump_kv(b, "socket", g->socket_path);
	if (g->socket_group[0] != '\0')
		dump_kv(b, "socket_group", g->socket_group);
	if (g->pidfile[0] != '\0')
		dump_kv(b, "pidfile", g->pidfile);
	dump_printf(b, "icmp_rate = %u\n", g->icmp_rate);
	dump_printf(b, "icmp_burst = %u\n", g->icmp_burst);
	dump_printf(b, "neigh_timeout = %u\n", g->neigh_timeout);
	dump_printf(b, "stats_interval = %u\n", g->stats_interval);
	dump_printf(b, "gratuitous_arp = %s\n", g->gratuitous_arp ? "yes" : "no");
	dump_rss_key(b, g);
}

/* Write one [port NAME] with its bindings. */
static void dump_port(struct dump_buf *b, const struct natgw_config *cfg, unsigned i)
{
	const struct natgw_port_config *p = &cfg->ports[i];
	char a[16], nb[32];

	dump_printf(b, "\n[port %s]\n", p->name);
	dump_kv(b, "devargs", p->devargs);
	dump_printf(b, "address = %s/%u\n", ini_ntoa(p->addr, a), p->prefix_len);
	dump_printf(b, "mtu = %u\n", p->mtu);
	dump_printf(b, "queues = %u\n", p->queues);
	dump_printf(b, "rx_checksum_offload = %s\n", p->rx_csum_offload ? "yes" : "no");
	dump_printf(b, "tx_checksum_offload = %s\n", p->tx_csum_offload ? "yes" : "no");
	dump_printf(b, "promiscuous = %s\n", p->promisc ? "yes" : "no");
	if (p->security_groups != 0) {
		const char *sep = "";

		dump_printf(b, "security_groups = ");
		for (unsigned g = 0; g < 64; g++) {
			if (!(p->security_groups & (UINT64_C(1) << g)))
				continue;
			dump_printf(b, "%s%s", sep,
				    dump_obj_name(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, g, nb, sizeof(nb)));
			sep = " ";
		}
		dump_printf(b, "\n");
	}
	if (p->nacl >= 0)
		dump_printf(b, "nacl = %s\n",
			    dump_obj_name(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, (unsigned)p->nacl,
					  nb, sizeof(nb)));
}

/* ---- [table NAME], [neighbours] ------------------------------------------- */

/* Write one route's value: the forms of docs/CONFIG.md, "via" always with "dev". */
static void dump_route(struct dump_buf *b, const struct natgw_config *cfg, const struct natgw_route *r,
		       unsigned n)
{
	char a[16], gw[16], nb[32];

	dump_printf(b, "route.%u = ", n);
	if (r->len == 0 && r->prefix == 0)
		dump_printf(b, "default");
	else
		dump_printf(b, "%s/%u", ini_ntoa(r->prefix, a), r->len);
	switch (r->type) {
	case NATGW_ROUTE_GATEWAY:
		dump_printf(b, " via %s dev %s\n", ini_ntoa(r->gateway, gw),
			    dump_port_name(cfg, r->port, nb, sizeof(nb)));
		break;
	case NATGW_ROUTE_CONNECTED:
	case NATGW_ROUTE_DEV:
		dump_printf(b, " dev %s\n", dump_port_name(cfg, r->port, nb, sizeof(nb)));
		break;
	case NATGW_ROUTE_BLACKHOLE:
		dump_printf(b, " blackhole\n");
		break;
	default:
		dump_printf(b, " route-type-%u\n", r->type); /* refused by the loader */
		break;
	}
}

/* Write one [table NAME]: its ports and its configured (not connected) routes. */
static void dump_table(struct dump_buf *b, const struct natgw_config *cfg, unsigned t)
{
	const struct natgw_route_table *tb = &cfg->tables[t];
	const char *sep = "";
	unsigned n = 0;

	dump_printf(b, "\n[table %s]\n", tb->name);
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		if (cfg->ports[i].table != (int)t)
			continue;
		dump_printf(b, "%s%s", *sep ? sep : "ports = ", cfg->ports[i].name);
		sep = " ";
	}
	if (*sep)
		dump_printf(b, "\n");
	for (unsigned i = 0; i < tb->n_routes; i++)
		if (!tb->routes[i].connected)
			dump_route(b, cfg, &tb->routes[i], ++n);
}

/* Write [neighbours] (static ARP entries), if there are any. */
static void dump_neighbours(struct dump_buf *b, const struct natgw_config *cfg)
{
	char a[16], nb[32];

	if (cfg->n_neighbours == 0)
		return;
	dump_printf(b, "\n[neighbours]\n");
	for (unsigned i = 0; i < cfg->n_neighbours; i++) {
		const struct natgw_neighbour_config *n = &cfg->neighbours[i];

		dump_printf(b, "neigh.%u = %s lladdr %02x:%02x:%02x:%02x:%02x:%02x dev %s\n", i + 1,
			    ini_ntoa(n->addr, a), n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
			    n->mac[5], dump_port_name(cfg, n->port, nb, sizeof(nb)));
	}
}

/* ---- [nat] -------------------------------------------------------------- */

/* A protocol number as the loader spells it in forwards. */
static void dump_fwd_proto(struct dump_buf *b, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		dump_printf(b, " tcp\n");
	else if (proto == IPPROTO_UDP)
		dump_printf(b, " udp\n");
	else
		dump_printf(b, " %u\n", proto); /* refused by the loader */
}

/* Write [nat] if enabled: every key, timeouts explicit (no profile). */
static void dump_nat(struct dump_buf *b, const struct natgw_config *cfg)
{
	const struct natgw_nat_config *n = &cfg->nat;
	char a[16], c[16], nb[32];

	if (!n->enabled)
		return;
	dump_printf(b, "\n[nat]\n");
	dump_printf(b, "port = %s\n", dump_port_name(cfg, n->port, nb, sizeof(nb)));
	dump_printf(b, "pool =");
	for (unsigned i = 0; i < n->n_pool && i < NATGW_MAX_POOL; i++)
		dump_printf(b, " %s", ini_ntoa(n->pool[i], a));
	dump_printf(b, "\ninside =");
	for (unsigned i = 0; i < n->n_inside && i < NATGW_MAX_INSIDE; i++)
		dump_printf(b, " %s/%u", ini_ntoa(n->inside[i], a), n->inside_len[i]);
	dump_printf(b, "\nports = %u-%u\n", n->port_min, n->port_max);
	if (n->mapping == NATGW_NAT_MAPPING_EIM)
		dump_printf(b, "mapping = endpoint-independent\n");
	else if (n->mapping == NATGW_NAT_MAPPING_TUPLE)
		dump_printf(b, "mapping = tuple-unique\n");
	else
		dump_printf(b, "mapping = mapping-%u\n", n->mapping); /* refused by the loader */
	dump_printf(b, "timeout_udp = %u\n", n->timeout_udp);
	dump_printf(b, "timeout_tcp_established = %u\n", n->timeout_tcp_established);
	dump_printf(b, "timeout_tcp_transitory = %u\n", n->timeout_tcp_transitory);
	dump_printf(b, "timeout_tcp_syn = %u\n", n->timeout_tcp_syn);
	dump_printf(b, "timeout_icmp = %u\n", n->timeout_icmp);
	dump_printf(b, "max_sessions = %u\n", n->max_sessions);
	dump_printf(b, "max_sessions_per_host = %u\n", n->max_sessions_per_host);
	dump_printf(b, "port_reuse_delay = %u\n", n->port_reuse_delay);
	dump_printf(b, "icmp_on_exhaustion = %s\n", n->icmp_on_exhaustion ? "yes" : "no");
	for (unsigned i = 0; i < n->n_forwards && i < NATGW_MAX_FORWARDS; i++) {
		const struct natgw_port_forward *f = &n->forwards[i];

		dump_printf(b, "forward.%u = %s:%u -> %s:%u", i + 1, ini_ntoa(f->public_addr, a),
			    f->public_port, ini_ntoa(f->inside_addr, c), f->inside_port);
		dump_fwd_proto(b, f->proto);
	}
}

/* ---- filtering --------------------------------------------------------- */

/* Write " PROTO [PORTS|ICMP]" of a rule: only what the protocol uses. */
static void dump_l4(struct dump_buf *b, const struct natgw_l4_match *m)
{
	if (m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP) {
		dump_printf(b, " %s", m->proto == IPPROTO_TCP ? "tcp" : "udp");
		if (m->port_lo == m->port_hi)
			dump_printf(b, " %u", m->port_lo);
		else if (m->port_lo != 0 || m->port_hi != 65535)
			dump_printf(b, " %u-%u", m->port_lo, m->port_hi);
	} else if (m->proto == IPPROTO_ICMP) {
		dump_printf(b, " icmp");
		if (m->icmp_type >= 0 && m->icmp_code >= 0)
			dump_printf(b, " %d/%d", m->icmp_type, m->icmp_code);
		else if (m->icmp_type >= 0)
			dump_printf(b, " %d", m->icmp_type);
		else if (m->icmp_type < -1)
			dump_printf(b, " %d", m->icmp_type); /* refused by the loader */
	} else if (m->proto == 0) {
		dump_printf(b, " all");
	} else {
		dump_printf(b, " %u", m->proto);
	}
}

/* Write one [prefix_list NAME]. */
static void dump_prefix_list(struct dump_buf *b, const struct natgw_prefix_list *pl)
{
	char a[16];

	dump_printf(b, "\n[prefix_list %s]\n", pl->name);
	for (unsigned i = 0; i < pl->n; i++)
		dump_printf(b, "prefix.%u = %s/%u\n", i + 1, ini_ntoa(pl->prefix[i], a), pl->len[i]);
}

/* True if r is the cloud default egress rule the loader adds by itself. */
static bool dump_sg_default(const struct natgw_sg_rule *r)
{
	return strncmp(r->key, "default-egress", sizeof(r->key)) == 0 && r->dir == NATGW_DIR_EGRESS &&
	       r->l4.proto == 0 && r->peer_kind == NATGW_PEER_CIDR && r->cidr == 0 && r->cidr_len == 0;
}

/* True if every rule of g but the first default one has a distinct, valid
 * "rule.N" key. */
static bool dump_sg_keys_ok(const struct natgw_sg *g)
{
	bool seen_default = false;

	for (unsigned i = 0; i < g->n_rules; i++) {
		char key[sizeof(g->rules[i].key) + 1];

		if (!seen_default && dump_sg_default(&g->rules[i])) {
			seen_default = true;
			continue;
		}
		snprintf(key, sizeof(key), "%.*s", (int)sizeof(g->rules[i].key), g->rules[i].key);
		if (!ini_numbered_key(key, "rule."))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (strncmp(g->rules[j].key, g->rules[i].key, sizeof(g->rules[i].key)) == 0)
				return false;
	}
	return true;
}

/* Write one group rule "KEY = DIR PROTO [SPEC] from|to PEER". */
static void dump_sg_rule(struct dump_buf *b, const struct natgw_config *cfg, const struct natgw_sg_rule *r,
			 const char *key)
{
	char a[16], nb[32];

	if (r->dir == NATGW_DIR_INGRESS)
		dump_printf(b, "%s = ingress", key);
	else if (r->dir == NATGW_DIR_EGRESS)
		dump_printf(b, "%s = egress", key);
	else
		dump_printf(b, "%s = direction-%u", key, r->dir); /* refused by the loader */
	dump_l4(b, &r->l4);
	dump_printf(b, " %s ", r->dir == NATGW_DIR_EGRESS ? "to" : "from");
	switch (r->peer_kind) {
	case NATGW_PEER_CIDR:
		dump_printf(b, "%s/%u\n", ini_ntoa(r->cidr, a), r->cidr_len);
		break;
	case NATGW_PEER_PREFIX_LIST:
		dump_printf(b, "pl:%s\n", dump_obj_name(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]),
							cfg->n_prefix_lists, r->peer_ref, nb, sizeof(nb)));
		break;
	case NATGW_PEER_SG:
		dump_printf(b, "sg:%s\n", dump_obj_name(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs,
							r->peer_ref, nb, sizeof(nb)));
		break;
	default:
		dump_printf(b, "peer-kind-%u\n", r->peer_kind); /* refused by the loader */
		break;
	}
}

/* Write one [sg NAME]: members, rules, default_egress where not implied. */
static void dump_sg(struct dump_buf *b, const struct natgw_config *cfg, const struct natgw_sg *g)
{
	bool keep = dump_sg_keys_ok(g), has_default = false, egress = false;
	unsigned n = 0, chunks = (g->n_members + DUMP_MEMBERS_PER_KEY - 1) / DUMP_MEMBERS_PER_KEY;
	char a[16];

	dump_printf(b, "\n[sg %s]\n", g->name);
	for (unsigned c = 0; c < chunks; c++) {
		if (chunks == 1)
			dump_printf(b, "members =");
		else
			dump_printf(b, "members.%u =", c + 1);
		for (unsigned i = c * DUMP_MEMBERS_PER_KEY;
		     i < g->n_members && i < (c + 1) * DUMP_MEMBERS_PER_KEY; i++)
			dump_printf(b, " %s", ini_ntoa(g->members[i], a));
		dump_printf(b, "\n");
	}
	for (unsigned i = 0; i < g->n_rules; i++) {
		const struct natgw_sg_rule *r = &g->rules[i];
		char key[32];

		if (dump_sg_default(r) && !has_default) {
			has_default = true;
			continue;
		}
		egress |= r->dir == NATGW_DIR_EGRESS;
		if (keep)
			snprintf(key, sizeof(key), "%.*s", (int)sizeof(r->key), r->key);
		else
			snprintf(key, sizeof(key), "rule.%u", n + 1);
		n++;
		dump_sg_rule(b, cfg, r, key);
	}
	if (has_default && egress)
		dump_printf(b, "default_egress = yes\n");
	else if (!has_default && !egress)
		dump_printf(b, "default_egress = no\n");
}

/* Write one [nacl NAME]: rules with their numbers, in stored order. */
static void dump_nacl(struct dump_buf *b, const struct natgw_nacl *nacl)
{
	char a[16];

	dump_printf(b, "\n[nacl %s]\n", nacl->name);
	for (unsigned i = 0; i < nacl->n_rules; i++) {
		const struct natgw_nacl_rule *r = &nacl->rules[i];
		bool in = r->dir == NATGW_DIR_INGRESS;

		if (r->dir > NATGW_DIR_EGRESS)
			dump_printf(b, "direction-%u.%u = ", r->dir, r->number); /* refused by the loader */
		else
			dump_printf(b, "%s.%u = ", in ? "ingress" : "egress", r->number);
		dump_printf(b, "%s", r->allow ? "allow" : "deny");
		dump_l4(b, &r->l4);
		dump_printf(b, " %s %s/%u", in ? "from" : "to", ini_ntoa(r->cidr, a), r->cidr_len);
		if (r->other_len > 0)
			dump_printf(b, " %s %s/%u", in ? "to" : "from", ini_ntoa(r->other_cidr, a), r->other_len);
		dump_printf(b, "\n");
	}
}

/* The configuration as INI text (see the overview); NULL when out of memory. */
char *config_dump_ini(const struct natgw_config *cfg)
{
	struct dump_buf b = { .cap = 4096 };
	unsigned n_ports = cfg->n_ports < NATGW_MAX_PORTS ? cfg->n_ports : NATGW_MAX_PORTS;
	unsigned n_tables = cfg->n_tables < NATGW_MAX_TABLES ? cfg->n_tables : NATGW_MAX_TABLES;
	unsigned n_pl = cfg->n_prefix_lists < NATGW_MAX_PREFIX_LISTS ? cfg->n_prefix_lists : NATGW_MAX_PREFIX_LISTS;
	unsigned n_sgs = cfg->n_sgs < NATGW_MAX_SG ? cfg->n_sgs : NATGW_MAX_SG;
	unsigned n_nacls = cfg->n_nacls < NATGW_MAX_NACL ? cfg->n_nacls : NATGW_MAX_NACL;

	b.p = malloc(b.cap);
	if (b.p == NULL)
		return NULL;
	b.p[0] = '\0';
	dump_printf(&b, "; natgw configuration (written by natgw; see docs/CONFIG.md)\n");
	dump_global(&b, &cfg->global);
	for (unsigned i = 0; i < n_ports; i++)
		dump_port(&b, cfg, i);
	for (unsigned i = 0; i < n_tables; i++)
		dump_table(&b, cfg, i);
	dump_neighbours(&b, cfg);
	dump_nat(&b, cfg);
	for (unsigned i = 0; i < n_pl; i++)
		dump_prefix_list(&b, &cfg->prefix_lists[i]);
	for (unsigned i = 0; i < n_sgs; i++)
		dump_sg(&b, cfg, &cfg->sgs[i]);
	for (unsigned i = 0; i < n_nacls; i++)
		dump_nacl(&b, &cfg->nacls[i]);
	if (b.err != 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- validation ----------------------------------------------------------- */

/* Write "<running config>: message" into err; returns -EINVAL. */
static int validate_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int validate_fail(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[NATGW_ERR_MAX];
	va_list ap;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", DUMP_SOURCE, msg);
	return -EINVAL;
}

/* Check an object name as the loader does for [KIND NAME] sections. */
static int validate_name(const char *kind, const char *what, const char *name, char *err, size_t errlen)
{
	size_t n = strnlen(name, NATGW_NAME_MAX);

	if (n == 0)
		return validate_fail(err, errlen, "a %s has an empty name", what);
	if (n >= NATGW_NAME_MAX)
		return validate_fail(err, errlen, "[%s]: %s name is longer than %d characters", kind, what,
				     NATGW_NAME_MAX - 1);
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return validate_fail(err, errlen, "[%s %s]: %s name \"%s\" may only contain a-z, 0-9, '_' and '-'",
				     kind, name, what, name);
	return 0;
}

/* What the text cannot express: counts beyond the arrays, names the loader
 * would change, bindings to tables that do not exist. */
static int validate_shape(const struct natgw_config *cfg, char *err, size_t errlen)
{
	int rc = 0;

	if (cfg->n_ports > NATGW_MAX_PORTS)
		return validate_fail(err, errlen, "too many ports: at most %d [port NAME] sections", NATGW_MAX_PORTS);
	if (cfg->n_tables > NATGW_MAX_TABLES)
		return validate_fail(err, errlen, "too many route tables: at most %d [table NAME] sections",
				     NATGW_MAX_TABLES);
	if (cfg->n_sgs > NATGW_MAX_SG)
		return validate_fail(err, errlen, "too many security groups: at most %d [sg NAME] sections", NATGW_MAX_SG);
	if (cfg->n_nacls > NATGW_MAX_NACL)
		return validate_fail(err, errlen, "too many NACLs: at most %d [nacl NAME] sections", NATGW_MAX_NACL);
	if (cfg->n_prefix_lists > NATGW_MAX_PREFIX_LISTS)
		return validate_fail(err, errlen, "too many prefix lists: at most %d [prefix_list NAME] sections",
				     NATGW_MAX_PREFIX_LISTS);
	if (cfg->nat.enabled && (cfg->nat.n_pool > NATGW_MAX_POOL || cfg->nat.n_inside > NATGW_MAX_INSIDE ||
				 cfg->nat.n_forwards > NATGW_MAX_FORWARDS))
		return validate_fail(err, errlen, "[nat]: at most %d pool addresses, %d inside prefixes and %d forwards",
				     NATGW_MAX_POOL, NATGW_MAX_INSIDE, NATGW_MAX_FORWARDS);
	for (unsigned i = 0; i < cfg->n_ports && rc == 0; i++) {
		rc = validate_name("port", "port", cfg->ports[i].name, err, errlen);
		if (rc == 0 && cfg->ports[i].table >= (int)cfg->n_tables)
			rc = validate_fail(err, errlen, "[port %s]: bound to table index %d, but only %u tables exist",
					   cfg->ports[i].name, cfg->ports[i].table, cfg->n_tables);
	}
	for (unsigned i = 0; i < cfg->n_tables && rc == 0; i++)
		rc = validate_name("table", "table", cfg->tables[i].name, err, errlen);
	for (unsigned i = 0; i < cfg->n_prefix_lists && rc == 0; i++)
		rc = validate_name("prefix_list", "prefix list", cfg->prefix_lists[i].name, err, errlen);
	for (unsigned i = 0; i < cfg->n_sgs && rc == 0; i++)
		rc = validate_name("sg", "security group", cfg->sgs[i].name, err, errlen);
	for (unsigned i = 0; i < cfg->n_nacls && rc == 0; i++)
		rc = validate_name("nacl", "NACL", cfg->nacls[i].name, err, errlen);
	return rc;
}

/* Validate cfg with the loader's rules: dump it and load the text back. */
int config_validate(const struct natgw_config *cfg, char *err, size_t errlen)
{
	struct natgw_config check;
	char *text;
	int rc;

	rc = validate_shape(cfg, err, errlen);
	if (rc < 0)
		return rc;
	text = config_dump_ini(cfg);
	if (text == NULL) {
		rc = -ENOMEM;
		goto err_dump;
	}
	rc = config_load_ini_text(DUMP_SOURCE, text, strlen(text), &check, err, errlen);
	free(text);
	if (rc < 0)
		return rc;
	config_free(&check);
	return 0;

err_dump:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", DUMP_SOURCE);
	return rc;
}
