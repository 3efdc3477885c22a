/* Configuration model helpers.
 *
 * Overview: struct natgw_config (include/natgw/config.h) is a plain value: fixed
 * arrays for ports, tables, filters and the [nat] pool/prefixes/forwards, heap
 * arrays for routes, static neighbours, security-group rules and members, NACL
 * rules and prefix-list entries.
 * This file holds what every producer of a config needs: defaults, lookups,
 * route insertion with duplicate detection, finalisation (table "main" and the
 * connected routes) and the strict parsers for addresses, prefixes and MACs.
 *
 * Life-cycle: config_init() -> fill (INI loader or management plane) ->
 * config_finalize() -> compile into a snapshot -> config_free(). A config is
 * owned by one thread at a time; nothing here locks. Nothing here prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/config.h"

/* Netmask (host order) of a prefix length 0..32. */
static uint32_t config_mask(uint8_t len)
{
	return len == 0 ? 0 : (len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len));
}

/* Write a formatted message to err if there is room for one. */
static void config_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void config_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Fill one port slot with the port defaults. */
static void config_port_defaults(struct natgw_port_config *p)
{
	memset(p, 0, sizeof(*p));
	p->mtu = 1500;
	p->queues = 1;
	p->rx_csum_offload = true;
	p->tx_csum_offload = true;
	p->promisc = false;
	p->table = -1;
	p->security_groups = 0; /* no groups: not filtered */
	p->nacl = -1;           /* no NACL */
}

/* [nat] defaults (RFC 4787/5382/5508/7857 timers); enabled stays false. */
static void config_nat_defaults(struct natgw_nat_config *n)
{
	n->port_min = 1024;
	n->port_max = 65535;
	n->mapping = NATGW_NAT_MAPPING_EIM;
	n->timeout_udp = 300;
	n->timeout_tcp_established = 7440;
	n->timeout_tcp_transitory = 240;
	n->timeout_tcp_syn = 30;
	n->timeout_icmp = 60;
	n->max_sessions = 262144;
	n->max_sessions_per_host = 0;
	n->port_reuse_delay = 120;
	n->icmp_on_exhaustion = false;
}

/* Fill cfg with defaults and no ports/tables (every port slot gets port defaults). */
void config_init(struct natgw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->global.lcores, sizeof(cfg->global.lcores), "0");
	cfg->global.memory_mb = 256;
	cfg->global.file_prefix[0] = '\0'; /* data plane picks "natgw-<pid>" */
	snprintf(cfg->global.socket_path, sizeof(cfg->global.socket_path),
		 "/run/natgw/natgw.sock");
	cfg->global.pidfile[0] = '\0';
	cfg->global.icmp_rate = 100;
	cfg->global.icmp_burst = 50;
	cfg->global.neigh_timeout = 300;
	cfg->global.stats_interval = 0;
	cfg->global.gratuitous_arp = true;
	/* rss_key_symmetric of natgw/rss.h (src/core is not linked here) */
	for (unsigned i = 0; i < sizeof(cfg->global.rss_key); i++)
		cfg->global.rss_key[i] = (i & 1) ? 0x5a : 0x6d;
	cfg->global.rss_key_set = false;
	for (unsigned i = 0; i < NATGW_MAX_PORTS; i++)
		config_port_defaults(&cfg->ports[i]);
	config_nat_defaults(&cfg->nat);
}

/* Release the heap parts of cfg and zero it; safe to call twice. */
void config_free(struct natgw_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned i = 0; i < NATGW_MAX_TABLES; i++)
		free(cfg->tables[i].routes);
	for (unsigned i = 0; i < NATGW_MAX_SG; i++) {
		free(cfg->sgs[i].rules);
		free(cfg->sgs[i].members);
	}
	for (unsigned i = 0; i < NATGW_MAX_NACL; i++)
		free(cfg->nacls[i].rules);
	for (unsigned i = 0; i < NATGW_MAX_PREFIX_LISTS; i++) {
		free(cfg->prefix_lists[i].prefix);
		free(cfg->prefix_lists[i].len);
	}
	free(cfg->neighbours);
	memset(cfg, 0, sizeof(*cfg));
}

/* Index of the port called name, or -1. */
int config_port_find(const struct natgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports && i < NATGW_MAX_PORTS; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Index of the route table called name, or -1. */
int config_table_find(const struct natgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_tables && i < NATGW_MAX_TABLES; i++)
		if (strcmp(cfg->tables[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Append a route to a table: -EEXIST for the same prefix/len, -ENOMEM, -EINVAL. */
int config_route_add(struct natgw_route_table *t, const struct natgw_route *r)
{
	for (unsigned i = 0; i < t->n_routes; i++)
		if (t->routes[i].prefix == r->prefix && t->routes[i].len == r->len)
			return -EEXIST;
	return config_route_append(t, r);
}

/* Append a route the caller knows is not in t yet (grows the array). */
int config_route_append(struct natgw_route_table *t, const struct natgw_route *r)
{
	struct natgw_route *grown;
	unsigned cap;

	if (r->len > 32 || (r->prefix & ~config_mask(r->len)) != 0 ||
	    r->type > NATGW_ROUTE_BLACKHOLE)
		return -EINVAL;
	if (t->n_routes == t->cap) {
		if (t->cap > (1u << 24))
			return -ENOMEM;
		cap = t->cap ? t->cap * 2 : 8;
		grown = realloc(t->routes, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		t->routes = grown;
		t->cap = cap;
	}
	t->routes[t->n_routes++] = *r;
	return 0;
}

/* Bind unbound ports to "main" (created if needed) and add connected routes. */
int config_finalize(struct natgw_config *cfg, char *err, size_t errlen)
{
	int main_idx = -1;
	int rc;

	if (cfg->n_ports > NATGW_MAX_PORTS || cfg->n_tables > NATGW_MAX_TABLES) {
		config_err(err, errlen, "config has %u ports / %u tables (at most %d / %d)",
			   cfg->n_ports, cfg->n_tables, NATGW_MAX_PORTS, NATGW_MAX_TABLES);
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		struct natgw_port_config *p = &cfg->ports[i];

		if (p->table >= (int)cfg->n_tables) {
			config_err(err, errlen, "port %s is bound to table index %d, but only %u tables exist",
				   p->name, p->table, cfg->n_tables);
			return -EINVAL;
		}
		if (p->table >= 0)
			continue;
		if (main_idx < 0) {
			main_idx = config_table_find(cfg, "main");
			if (main_idx < 0) {
				if (cfg->n_tables == NATGW_MAX_TABLES) {
					config_err(err, errlen,
						   "port %s has no route table and table \"main\" cannot be created: already %d tables",
						   p->name, NATGW_MAX_TABLES);
					return -ENOSPC;
				}
				main_idx = (int)cfg->n_tables++;
				memset(&cfg->tables[main_idx], 0, sizeof(cfg->tables[main_idx]));
				snprintf(cfg->tables[main_idx].name, NATGW_NAME_MAX, "main");
			}
		}
		p->table = main_idx;
	}
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		struct natgw_port_config *p = &cfg->ports[i];
		struct natgw_route_table *t = &cfg->tables[p->table];
		struct natgw_route r = {
			.prefix = p->addr & config_mask(p->prefix_len),
			.len = p->prefix_len,
			.type = NATGW_ROUTE_CONNECTED,
			.port = (uint16_t)i,
			.connected = 1, /* auto-added: config_dump_ini leaves it out */
		};

		t->ingress_ports |= 1u << i;
		if (p->prefix_len > 32) {
			config_err(err, errlen, "port %s: prefix length %u is out of range 0..32",
				   p->name, p->prefix_len);
			return -EINVAL;
		}
		rc = config_route_add(t, &r);
		if (rc == -EEXIST)
			continue; /* a configured route for this prefix wins */
		if (rc < 0) {
			config_err(err, errlen, "port %s: cannot add connected route to table %s: %s",
				   p->name, t->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Parse a decimal number of 1..maxdigits digits without sign or leading zero. */
static int config_parse_dec(const char **sp, unsigned maxdigits, unsigned max, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0, n = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -EINVAL; /* "010": octal in inet_aton, ambiguous: refuse */
	while (*s >= '0' && *s <= '9') {
		if (++n > maxdigits)
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		s++;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	*sp = s;
	return 0;
}

/* Parse a dotted quad at *sp, advancing *sp past it. */
static int config_parse_quad(const char **sp, uint32_t *addr)
{
	const char *s = *sp;
	uint32_t a = 0;
	unsigned octet;

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		if (config_parse_dec(&s, 3, 255, &octet) < 0)
			return -EINVAL;
		a = (a << 8) | octet;
	}
	*addr = a;
	*sp = s;
	return 0;
}

/* Parse "a.b.c.d/len" (host order out); strict: host bits must be zero. */
int config_parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool strict)
{
	uint32_t a;
	unsigned l;

	if (s == NULL || config_parse_quad(&s, &a) < 0 || *s++ != '/')
		return -EINVAL;
	if (config_parse_dec(&s, 2, 32, &l) < 0 || *s != '\0')
		return -EINVAL;
	if (strict && (a & ~config_mask((uint8_t)l)) != 0)
		return -EINVAL;
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

/* Parse "a.b.c.d" (host order out): four decimal octets, nothing else. */
int config_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a;

	if (s == NULL || config_parse_quad(&s, &a) < 0 || *s != '\0')
		return -EINVAL;
	*addr = a;
	return 0;
}

/* Value of one hex digit, or -1. */
int config_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse "aa:bb:cc:dd:ee:ff": six two-digit hex bytes separated by ':'. */
int config_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (s == NULL)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = config_hex_digit(s[0]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = config_hex_digit(s[1]);
		if (lo < 0)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		if (i < 5)
			s++;
	}
	memcpy(mac, m, 6);
	return 0;
}

/* Is gw a valid next hop on port p: inside its subnet, not its own address,
 * not (up to /30) the subnet's network or broadcast address? 0, or -EINVAL
 * with the reason in why (the loader and the management plane say the same). */
int config_gateway_check(const struct natgw_port_config *p, uint32_t gw, char *why, size_t len)
{
	uint32_t m = config_mask(p->prefix_len);
	char b1[16], b2[16];

	snprintf(b1, sizeof(b1), "%u.%u.%u.%u", gw >> 24, (gw >> 16) & 0xff, (gw >> 8) & 0xff,
		 gw & 0xff);
	if ((gw & m) != (p->addr & m) || p->prefix_len == 32) {
		uint32_t net = p->addr & m;

		snprintf(b2, sizeof(b2), "%u.%u.%u.%u", net >> 24, (net >> 16) & 0xff,
			 (net >> 8) & 0xff, net & 0xff);
		snprintf(why, len, "gateway %s is not in the subnet of port %s (%s/%u)", b1, p->name,
			 b2, p->prefix_len);
		return -EINVAL;
	}
	if (gw == p->addr) {
		snprintf(why, len, "gateway %s is port %s's own address", b1, p->name);
		return -EINVAL;
	}
	if (p->prefix_len <= 30 && ((gw & ~m) == 0 || (gw & ~m) == ~m)) {
		snprintf(why, len, "gateway %s is the network or broadcast address of port %s's subnet",
			 b1, p->name);
		return -EINVAL;
	}
	return 0;
}

/* Order of routes in a table: (prefix, len) ascending. */
int config_route_cmp(const void *a, const void *b)
{
	const struct natgw_route *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->len - (int)y->len;
}

/* Is the table in config_route_cmp order? */
bool config_route_table_sorted(const struct natgw_route_table *t)
{
	for (unsigned i = 1; i < t->n_routes; i++)
		if (config_route_cmp(&t->routes[i - 1], &t->routes[i]) > 0)
			return false;
	return true;
}
