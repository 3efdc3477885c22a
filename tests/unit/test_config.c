/* Unit test of the configuration model and the INI loader.
 *
 * Table-driven: the parse helpers against good and bad strings; the model
 * functions (defaults, route_add, finalize); every .ini file in config/ must
 * load, with spot checks of ports, tables, routes, [nat] and the filtering
 * sections (security groups, NACLs, prefix lists); every .ini file in
 * tests/unit/configs/bad/ must fail with the fragment named on its first line ("; expect: FRAGMENT");
 * [global] rss_key good and bad values from a table (bytes stored, messages).
 * Runs with workdir tests/unit. Prints one line per failure and a summary.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/config.h"
#include "natgw/rss.h"

#define GOOD_DIR "../../config"
#define BAD_DIR "configs/bad"

static unsigned n_checks, n_failed;

/* Count one check; print a line if it failed. */
static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	n_checks++;
	if (ok)
		return;
	n_failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Host-order address from a dotted quad known to be valid. */
static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	if (config_parse_ipv4(s, &a) < 0)
		check(false, "test bug: bad address %s", s);
	return a;
}

/* ---- parse helpers ---------------------------------------------------- */

static const struct {
	const char *s;
	bool strict;
	int rc;
	uint32_t addr;
	uint8_t len;
} prefix_cases[] = {
	{ "10.0.0.0/8", true, 0, 0x0a000000, 8 },
	{ "0.0.0.0/0", true, 0, 0, 0 },
	{ "192.168.1.1/32", true, 0, 0xc0a80101, 32 },
	{ "203.0.113.1/24", false, 0, 0xcb007101, 24 },
	{ "203.0.113.1/24", true, -EINVAL, 0, 0 },
	{ "10.0.0.0/33", false, -EINVAL, 0, 0 },
	{ "10.0.0.0/", false, -EINVAL, 0, 0 },
	{ "10.0.0.0", false, -EINVAL, 0, 0 },
	{ "10.0.0.0/8x", false, -EINVAL, 0, 0 },
	{ "10.0.0.0/08", false, -EINVAL, 0, 0 },
	{ "10.0.0.0/-8", false, -EINVAL, 0, 0 },
	{ "10.0/8", false, -EINVAL, 0, 0 },
	{ " 10.0.0.0/8", false, -EINVAL, 0, 0 },
	{ "10.0.0.0/8 ", false, -EINVAL, 0, 0 },
	{ "", false, -EINVAL, 0, 0 },
};

static const struct {
	const char *s;
	int rc;
	uint32_t addr;
} ipv4_cases[] = {
	{ "192.0.2.1", 0, 0xc0000201 },
	{ "0.0.0.0", 0, 0 },
	{ "255.255.255.255", 0, 0xffffffff },
	{ "10.0.0.10", 0, 0x0a00000a },
	{ "10.1", -EINVAL, 0 },          /* inet_aton would accept */
	{ "10.0.0.010", -EINVAL, 0 },    /* octal in inet_aton */
	{ "0x0a.0.0.1", -EINVAL, 0 },
	{ "256.0.0.1", -EINVAL, 0 },
	{ "1.2.3.4.5", -EINVAL, 0 },
	{ "1.2.3.4 ", -EINVAL, 0 },
	{ "1.2.3.", -EINVAL, 0 },
	{ "1..3.4", -EINVAL, 0 },
	{ "1.2.3.4/32", -EINVAL, 0 },
	{ "1234.1.1.1", -EINVAL, 0 },
	{ "+1.2.3.4", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static const struct {
	const char *s;
	int rc;
	uint8_t mac[6];
} mac_cases[] = {
	{ "02:00:5e:00:01:01", 0, { 0x02, 0x00, 0x5e, 0x00, 0x01, 0x01 } },
	{ "AA:bb:CC:dd:EE:ff", 0, { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
	{ "02:00:5e:00:01", -EINVAL, { 0 } },
	{ "02:00:5e:00:01:01:02", -EINVAL, { 0 } },
	{ "02:00:5e:00:01:1", -EINVAL, { 0 } },
	{ "2:0:5e:0:1:1", -EINVAL, { 0 } },
	{ "02-00-5e-00-01-01", -EINVAL, { 0 } },
	{ "02:00:5e:00:01:0g", -EINVAL, { 0 } },
	{ "0200.5e00.0101", -EINVAL, { 0 } },
	{ "02:00:5e:00:01:01 ", -EINVAL, { 0 } },
	{ "", -EINVAL, { 0 } },
};

/* The strict parsers accept exactly the documented forms. */
static void test_parse_helpers(void)
{
	for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		uint32_t a = 0xdeadbeef;
		uint8_t l = 99;
		int rc = config_parse_prefix(prefix_cases[i].s, &a, &l, prefix_cases[i].strict);

		check(rc == prefix_cases[i].rc, "parse_prefix(\"%s\", strict=%d) = %d, want %d",
		      prefix_cases[i].s, prefix_cases[i].strict, rc, prefix_cases[i].rc);
		if (rc == 0 && prefix_cases[i].rc == 0)
			check(a == prefix_cases[i].addr && l == prefix_cases[i].len,
			      "parse_prefix(\"%s\") = %08x/%u", prefix_cases[i].s, a, l);
	}
	for (size_t i = 0; i < sizeof(ipv4_cases) / sizeof(ipv4_cases[0]); i++) {
		uint32_t a = 0;
		int rc = config_parse_ipv4(ipv4_cases[i].s, &a);

		check(rc == ipv4_cases[i].rc, "parse_ipv4(\"%s\") = %d, want %d", ipv4_cases[i].s, rc,
		      ipv4_cases[i].rc);
		if (rc == 0 && ipv4_cases[i].rc == 0)
			check(a == ipv4_cases[i].addr, "parse_ipv4(\"%s\") = %08x", ipv4_cases[i].s, a);
	}
	for (size_t i = 0; i < sizeof(mac_cases) / sizeof(mac_cases[0]); i++) {
		uint8_t m[6] = { 0 };
		int rc = config_parse_mac(mac_cases[i].s, m);

		check(rc == mac_cases[i].rc, "parse_mac(\"%s\") = %d, want %d", mac_cases[i].s, rc,
		      mac_cases[i].rc);
		if (rc == 0 && mac_cases[i].rc == 0)
			check(memcmp(m, mac_cases[i].mac, 6) == 0, "parse_mac(\"%s\") value", mac_cases[i].s);
	}
}

/* ---- model ------------------------------------------------------------ */

/* Index of the route prefix/len in table t, or -1. */
static int route_find(const struct natgw_route_table *t, uint32_t prefix, uint8_t len)
{
	for (unsigned i = 0; i < t->n_routes; i++)
		if (t->routes[i].prefix == prefix && t->routes[i].len == len)
			return (int)i;
	return -1;
}

/* Defaults, route_add, finalize and free on a hand-built config. */
static void test_model(void)
{
	struct natgw_config cfg;
	struct natgw_route r = { .prefix = 0x0a000000, .len = 8, .type = NATGW_ROUTE_BLACKHOLE };
	char err[NATGW_ERR_MAX] = "";
	int t;

	config_init(&cfg);
	check(strcmp(cfg.global.lcores, "0") == 0 && cfg.global.memory_mb == 256 &&
	      cfg.global.file_prefix[0] == '\0' &&
	      strcmp(cfg.global.socket_path, "/run/natgw/natgw.sock") == 0 &&
	      cfg.global.icmp_rate == 100 && cfg.global.icmp_burst == 50 &&
	      cfg.global.neigh_timeout == 300 && cfg.global.stats_interval == 0 &&
	      cfg.global.gratuitous_arp, "config_init global defaults");
	check(memcmp(cfg.global.rss_key, rss_key_symmetric, RSS_KEY_LEN) == 0 && !cfg.global.rss_key_set,
	      "config_init: rss_key is the symmetric key, not set");
	check(cfg.ports[0].mtu == 1500 && cfg.ports[0].queues == 1 && cfg.ports[0].rx_csum_offload &&
	      cfg.ports[0].tx_csum_offload && !cfg.ports[0].promisc && cfg.ports[0].table == -1 &&
	      cfg.ports[NATGW_MAX_PORTS - 1].table == -1, "config_init port defaults");
	check(cfg.ports[0].nacl == -1 && cfg.ports[0].security_groups == 0 &&
	      cfg.ports[NATGW_MAX_PORTS - 1].nacl == -1 && cfg.n_sgs == 0 && cfg.n_nacls == 0 &&
	      cfg.n_prefix_lists == 0, "config_init filter defaults");
	check(!cfg.nat.enabled && cfg.nat.n_pool == 0 && cfg.nat.n_inside == 0 &&
	      cfg.nat.n_forwards == 0 && cfg.nat.port_min == 1024 && cfg.nat.port_max == 65535 &&
	      cfg.nat.mapping == NATGW_NAT_MAPPING_EIM && cfg.nat.timeout_udp == 300 &&
	      cfg.nat.timeout_tcp_established == 7440 && cfg.nat.timeout_tcp_transitory == 240 &&
	      cfg.nat.timeout_tcp_syn == 30 && cfg.nat.timeout_icmp == 60 &&
	      cfg.nat.max_sessions == 262144 && cfg.nat.max_sessions_per_host == 0 &&
	      cfg.nat.port_reuse_delay == 120 && !cfg.nat.icmp_on_exhaustion,
	      "config_init nat defaults");

	snprintf(cfg.ports[0].name, NATGW_NAME_MAX, "a");
	cfg.ports[0].addr = ip("192.168.1.1");
	cfg.ports[0].prefix_len = 24;
	snprintf(cfg.ports[1].name, NATGW_NAME_MAX, "b");
	cfg.ports[1].addr = ip("192.168.2.1");
	cfg.ports[1].prefix_len = 24;
	cfg.n_ports = 2;
	snprintf(cfg.tables[0].name, NATGW_NAME_MAX, "other");
	cfg.n_tables = 1;
	cfg.ports[1].table = 0;
	check(config_port_find(&cfg, "b") == 1 && config_port_find(&cfg, "c") == -1, "config_port_find");

	check(config_route_add(&cfg.tables[0], &r) == 0, "route_add");
	check(config_route_add(&cfg.tables[0], &r) == -EEXIST, "route_add duplicate is -EEXIST");
	r.prefix = 0x0a000001;
	check(config_route_add(&cfg.tables[0], &r) == -EINVAL, "route_add host bits is -EINVAL");
	for (unsigned i = 0; i < 100; i++) {
		struct natgw_route g = { .prefix = 0xac100000 + (i << 8), .len = 24,
					 .type = NATGW_ROUTE_GATEWAY, .port = 1, .gateway = ip("192.168.2.254") };

		if (config_route_add(&cfg.tables[0], &g) != 0) {
			check(false, "route_add growth at %u", i);
			break;
		}
	}
	/* a configured route for a port's subnet wins over the connected one */
	r = (struct natgw_route){ .prefix = ip("192.168.2.0"), .len = 24, .type = NATGW_ROUTE_BLACKHOLE };
	check(config_route_add(&cfg.tables[0], &r) == 0, "route_add for b's subnet");

	check(config_finalize(&cfg, err, sizeof(err)) == 0, "finalize: %s", err);
	t = config_table_find(&cfg, "main");
	check(t == 1 && cfg.n_tables == 2, "finalize created table main at 1 (got %d)", t);
	check(cfg.ports[0].table == 1 && cfg.ports[1].table == 0, "finalize binding");
	if (t == 1) {
		int i = route_find(&cfg.tables[1], ip("192.168.1.0"), 24);

		check(i >= 0 && cfg.tables[1].routes[i].type == NATGW_ROUTE_CONNECTED &&
		      cfg.tables[1].routes[i].port == 0, "connected route of a in main");
		check(cfg.tables[1].ingress_ports == 1u && cfg.tables[0].ingress_ports == 2u,
		      "ingress masks %x %x", cfg.tables[1].ingress_ports, cfg.tables[0].ingress_ports);
	}
	{
		int i = route_find(&cfg.tables[0], ip("192.168.2.0"), 24);

		check(i >= 0 && cfg.tables[0].routes[i].type == NATGW_ROUTE_BLACKHOLE,
		      "configured route kept over connected");
		check(cfg.tables[0].n_routes == 102, "table other has %u routes", cfg.tables[0].n_routes);
	}
	check(config_finalize(&cfg, err, sizeof(err)) == 0 && cfg.n_tables == 2 &&
	      cfg.tables[1].n_routes == 1, "finalize is idempotent");
	config_free(&cfg);
	check(cfg.n_tables == 0 && cfg.tables[0].routes == NULL, "config_free zeroes");
	config_free(&cfg);
}

/* ---- good files --------------------------------------------------------- */

static const struct {
	const char *file, *port, *addr;
	uint8_t len;
	uint16_t mtu, queues;
	const char *table;
	const char *devargs;
} port_expect[] = {
	{ "lab.ini", "in1", "10.0.1.1", 24, 9001, 1, "main", "net_af_packet0,iface=in1,qpairs=1,framesz=10240,blocksz=20480,framecnt=512" },
	{ "lab.ini", "in2", "10.0.2.1", 24, 9001, 1, "main", "net_af_packet1,iface=in2,qpairs=1,framesz=10240,blocksz=20480,framecnt=512" },
	{ "lab.ini", "out", "203.0.113.1", 24, 1500, 1, "main", "net_af_xdp0,iface=out,start_queue=0,queue_count=1" },
	{ "cloud-nat-instance.ini", "out", "10.0.0.10", 24, 1500, 2, "main", "0000:00:05.0" },
	{ "cloud-nat-instance.ini", "in", "10.0.1.10", 24, 9001, 2, "main", "0000:00:06.0" },
	{ "multi-table.ini", "lan", "10.10.0.1", 24, 1500, 1, "main", NULL },
	{ "multi-table.ini", "dmz", "10.20.0.1", 24, 1500, 1, "dmz", NULL },
	{ "multi-table.ini", "wan", "198.51.100.2", 24, 1500, 1, "main", NULL },
};

static const struct {
	const char *file, *table, *prefix;
	uint8_t type;
	const char *port, *gateway;
} route_expect[] = {
	{ "lab.ini", "main", "10.0.1.0/24", NATGW_ROUTE_CONNECTED, "in1", NULL },
	{ "lab.ini", "main", "10.0.2.0/24", NATGW_ROUTE_CONNECTED, "in2", NULL },
	{ "lab.ini", "main", "203.0.113.0/24", NATGW_ROUTE_CONNECTED, "out", NULL },
	{ "cloud-nat-instance.ini", "main", "0.0.0.0/0", NATGW_ROUTE_GATEWAY, "out", "10.0.0.1" },
	{ "cloud-nat-instance.ini", "main", "10.0.0.0/16", NATGW_ROUTE_GATEWAY, "in", "10.0.1.1" },
	{ "cloud-nat-instance.ini", "main", "10.0.0.0/24", NATGW_ROUTE_CONNECTED, "out", NULL },
	{ "cloud-nat-instance.ini", "main", "10.0.1.0/24", NATGW_ROUTE_CONNECTED, "in", NULL },
	{ "multi-table.ini", "main", "0.0.0.0/0", NATGW_ROUTE_GATEWAY, "wan", "198.51.100.1" },
	{ "multi-table.ini", "main", "10.20.0.0/24", NATGW_ROUTE_DEV, "dmz", NULL },
	{ "multi-table.ini", "main", "10.10.0.0/24", NATGW_ROUTE_CONNECTED, "lan", NULL },
	{ "multi-table.ini", "dmz", "10.20.0.0/24", NATGW_ROUTE_CONNECTED, "dmz", NULL },
	{ "multi-table.ini", "dmz", "0.0.0.0/0", NATGW_ROUTE_GATEWAY, "wan", "198.51.100.1" },
	{ "multi-table.ini", "dmz", "10.10.0.0/16", NATGW_ROUTE_BLACKHOLE, NULL, NULL },
};

static const struct {
	const char *file, *table;
	unsigned n_routes;
} table_expect[] = {
	{ "lab.ini", "main", 3 },
	{ "cloud-nat-instance.ini", "main", 4 },
	{ "multi-table.ini", "main", 4 },
	{ "multi-table.ini", "dmz", 5 },
};

/* [nat] of each example file; pool and inside are space-separated lists. */
static const struct {
	const char *file;
	bool enabled;
	const char *port, *pool, *inside;
	uint16_t port_min, port_max;
	uint8_t mapping;
	uint32_t t_udp, t_est, t_trans, t_syn, t_icmp;
	uint32_t max_sessions, per_host, reuse;
	bool icmp;
	unsigned n_forwards;
} nat_expect[] = {
	{ "lab.ini", true, "out", "203.0.113.1", "10.0.1.0/24 10.0.2.0/24", 1024, 65535,
	  NATGW_NAT_MAPPING_EIM, 300, 7440, 240, 30, 60, 262144, 0, 120, false, 1 },
	{ "cloud-nat-instance.ini", true, "out", "10.0.0.10", "10.0.2.0/24 10.0.3.0/24", 1024, 65535,
	  NATGW_NAT_MAPPING_EIM, 300, 7440, 240, 30, 60, 262144, 0, 120, false, 0 },
	{ "nat-gateway.ini", true, "out", "198.51.100.10 198.51.100.11",
	  "10.0.1.0/24 10.0.2.0/24 10.0.3.0/24", 1024, 65535, NATGW_NAT_MAPPING_EIM,
	  350, 350, 350, 30, 350, 1048576, 16384, 120, true, 4 },
	{ "multi-table.ini", false, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0 },
	{ "nat-cloud-override.ini", true, "out", "192.0.2.50 192.0.2.1", "10.1.0.0/16 172.16.0.0/12",
	  40000, 40099, NATGW_NAT_MAPPING_TUPLE, 60, 350, 350, 10, 350, 1000, 1000, 0, true, 3 },
	{ "security.ini", true, "out", "203.0.113.1", "10.0.1.0/24 10.0.2.0/24", 1024, 65535,
	  NATGW_NAT_MAPPING_EIM, 300, 7440, 240, 30, 60, 262144, 0, 120, false, 1 },
};

/* Port-forwards of each file, in file order. */
static const struct {
	const char *file;
	unsigned idx;
	uint8_t proto;
	const char *pub;
	uint16_t pub_port;
	const char *in;
	uint16_t in_port;
} forward_expect[] = {
	{ "lab.ini", 0, IPPROTO_TCP, "203.0.113.1", 8080, "10.0.1.10", 80 },
	{ "nat-gateway.ini", 0, IPPROTO_TCP, "198.51.100.11", 80, "10.0.2.20", 80 },
	{ "nat-gateway.ini", 1, IPPROTO_TCP, "198.51.100.11", 443, "10.0.2.20", 443 },
	{ "nat-gateway.ini", 2, IPPROTO_UDP, "198.51.100.11", 51820, "10.0.3.5", 51820 },
	{ "nat-gateway.ini", 3, IPPROTO_TCP, "198.51.100.10", 2222, "10.0.1.30", 22 },
	{ "nat-cloud-override.ini", 0, IPPROTO_UDP, "192.0.2.50", 65535, "10.1.2.3", 1 },
	{ "nat-cloud-override.ini", 1, IPPROTO_TCP, "192.0.2.50", 65535, "10.1.2.3", 1 },
	{ "nat-cloud-override.ini", 2, IPPROTO_UDP, "192.0.2.1", 1, "172.31.255.254", 65535 },
};

/* Compare a space-separated list of addresses (prefixes: with len) to an array. */
static bool addr_list_eq(const char *list, const uint32_t *addr, const uint8_t *len, unsigned n)
{
	char buf[512], *save = NULL;
	unsigned i = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save), i++) {
		uint32_t a;
		uint8_t l = 32;

		if (i >= n)
			return false;
		if (len != NULL ? config_parse_prefix(t, &a, &l, true) < 0 : config_parse_ipv4(t, &a) < 0)
			return false;
		if (addr[i] != a || (len != NULL && len[i] != l))
			return false;
	}
	return i == n;
}

/* Check cfg->nat of a loaded file against nat_expect / forward_expect. */
static void check_nat_values(const char *file, const struct natgw_config *cfg)
{
	const struct natgw_nat_config *n = &cfg->nat;

	for (size_t i = 0; i < sizeof(nat_expect) / sizeof(nat_expect[0]); i++) {
		if (strcmp(nat_expect[i].file, file) != 0)
			continue;
		check(n->enabled == nat_expect[i].enabled, "%s: nat.enabled %d", file, n->enabled);
		if (!nat_expect[i].enabled) {
			check(n->n_pool == 0 && n->n_inside == 0 && n->n_forwards == 0,
			      "%s: nat disabled but has pool/inside/forwards", file);
			continue;
		}
		check(n->port == config_port_find(cfg, nat_expect[i].port), "%s: nat.port %u", file, n->port);
		check(addr_list_eq(nat_expect[i].pool, n->pool, NULL, n->n_pool), "%s: nat.pool (%u)", file,
		      n->n_pool);
		check(addr_list_eq(nat_expect[i].inside, n->inside, n->inside_len, n->n_inside),
		      "%s: nat.inside (%u)", file, n->n_inside);
		check(n->port_min == nat_expect[i].port_min && n->port_max == nat_expect[i].port_max,
		      "%s: nat.ports %u-%u", file, n->port_min, n->port_max);
		check(n->mapping == nat_expect[i].mapping, "%s: nat.mapping %u", file, n->mapping);
		check(n->timeout_udp == nat_expect[i].t_udp && n->timeout_tcp_established == nat_expect[i].t_est &&
		      n->timeout_tcp_transitory == nat_expect[i].t_trans &&
		      n->timeout_tcp_syn == nat_expect[i].t_syn && n->timeout_icmp == nat_expect[i].t_icmp,
		      "%s: nat timeouts udp %u est %u trans %u syn %u icmp %u", file, n->timeout_udp,
		      n->timeout_tcp_established, n->timeout_tcp_transitory, n->timeout_tcp_syn,
		      n->timeout_icmp);
		check(n->max_sessions == nat_expect[i].max_sessions &&
		      n->max_sessions_per_host == nat_expect[i].per_host &&
		      n->port_reuse_delay == nat_expect[i].reuse && n->icmp_on_exhaustion == nat_expect[i].icmp,
		      "%s: nat limits %u %u %u %d", file, n->max_sessions, n->max_sessions_per_host,
		      n->port_reuse_delay, n->icmp_on_exhaustion);
		check(n->n_forwards == nat_expect[i].n_forwards, "%s: nat has %u forwards, want %u", file,
		      n->n_forwards, nat_expect[i].n_forwards);
	}
	for (size_t i = 0; i < sizeof(forward_expect) / sizeof(forward_expect[0]); i++) {
		const struct natgw_port_forward *f;

		if (strcmp(forward_expect[i].file, file) != 0)
			continue;
		if (forward_expect[i].idx >= n->n_forwards) {
			check(false, "%s: forward %u missing", file, forward_expect[i].idx);
			continue;
		}
		f = &n->forwards[forward_expect[i].idx];
		check(f->proto == forward_expect[i].proto && f->public_addr == ip(forward_expect[i].pub) &&
		      f->public_port == forward_expect[i].pub_port &&
		      f->inside_addr == ip(forward_expect[i].in) && f->inside_port == forward_expect[i].in_port,
		      "%s: forward %u = %u %08x:%u -> %08x:%u", file, forward_expect[i].idx, f->proto,
		      f->public_addr, f->public_port, f->inside_addr, f->inside_port);
	}
}

/* Spot-check the values of a loaded example file against the tables above. */
static void check_good_values(const char *file, const struct natgw_config *cfg)
{
	for (size_t i = 0; i < sizeof(port_expect) / sizeof(port_expect[0]); i++) {
		int p, t;

		if (strcmp(port_expect[i].file, file) != 0)
			continue;
		p = config_port_find(cfg, port_expect[i].port);
		check(p >= 0, "%s: port %s missing", file, port_expect[i].port);
		if (p < 0)
			continue;
		t = config_table_find(cfg, port_expect[i].table);
		check(cfg->ports[p].addr == ip(port_expect[i].addr) &&
		      cfg->ports[p].prefix_len == port_expect[i].len, "%s: port %s address", file,
		      port_expect[i].port);
		check(cfg->ports[p].mtu == port_expect[i].mtu, "%s: port %s mtu %u", file,
		      port_expect[i].port, cfg->ports[p].mtu);
		check(cfg->ports[p].queues == port_expect[i].queues, "%s: port %s queues %u", file,
		      port_expect[i].port, cfg->ports[p].queues);
		check(t >= 0 && cfg->ports[p].table == t && (cfg->tables[t].ingress_ports & (1u << p)),
		      "%s: port %s bound to table %s", file, port_expect[i].port, port_expect[i].table);
		if (port_expect[i].devargs)
			check(strcmp(cfg->ports[p].devargs, port_expect[i].devargs) == 0,
			      "%s: port %s devargs \"%s\"", file, port_expect[i].port, cfg->ports[p].devargs);
	}
	for (size_t i = 0; i < sizeof(route_expect) / sizeof(route_expect[0]); i++) {
		int t, r = -1;
		uint32_t pfx;
		uint8_t len;

		if (strcmp(route_expect[i].file, file) != 0)
			continue;
		t = config_table_find(cfg, route_expect[i].table);
		if (config_parse_prefix(route_expect[i].prefix, &pfx, &len, true) == 0 && t >= 0)
			r = route_find(&cfg->tables[t], pfx, len);
		check(r >= 0, "%s: route %s missing in table %s", file, route_expect[i].prefix,
		      route_expect[i].table);
		if (r < 0)
			continue;
		{
			const struct natgw_route *rt = &cfg->tables[t].routes[r];

			check(rt->type == route_expect[i].type, "%s: route %s type %u", file,
			      route_expect[i].prefix, rt->type);
			if (route_expect[i].port)
				check(rt->port == config_port_find(cfg, route_expect[i].port),
				      "%s: route %s port", file, route_expect[i].prefix);
			if (route_expect[i].gateway)
				check(rt->gateway == ip(route_expect[i].gateway), "%s: route %s gateway", file,
				      route_expect[i].prefix);
		}
	}
	for (size_t i = 0; i < sizeof(table_expect) / sizeof(table_expect[0]); i++) {
		int t;

		if (strcmp(table_expect[i].file, file) != 0)
			continue;
		t = config_table_find(cfg, table_expect[i].table);
		check(t >= 0 && cfg->tables[t].n_routes == table_expect[i].n_routes,
		      "%s: table %s has %u routes, want %u", file, table_expect[i].table,
		      t >= 0 ? cfg->tables[t].n_routes : 0, table_expect[i].n_routes);
	}
	check_nat_values(file, cfg);
}

/* Sorted list of the *.ini names in dir; returns the count (0 on error). */
static unsigned list_ini(const char *dir, char ***out)
{
	struct dirent *de;
	char **names = NULL;
	unsigned n = 0;
	DIR *d = opendir(dir);

	*out = NULL;
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char **grown;

		if (l < 5 || strcmp(de->d_name + l - 4, ".ini") != 0)
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (grown == NULL)
			break;
		names = grown;
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	closedir(d);
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *tmp = names[j];

			names[j] = names[j - 1];
			names[j - 1] = tmp;
		}
	*out = names;
	return n;
}

/* Free a list from list_ini. */
static void free_list(char **names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Every example config loads; known ones have the expected values. */
static void test_good_files(void)
{
	char **names, path[512], err[NATGW_ERR_MAX];
	unsigned n = list_ini(GOOD_DIR, &names);
	bool seen_lab = false;

	check(n >= 4, "expected at least 4 files in " GOOD_DIR ", found %u", n);
	for (unsigned i = 0; i < n; i++) {
		struct natgw_config cfg;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, names[i]);
		err[0] = '\0';
		rc = config_load_ini(path, &cfg, err, sizeof(err));
		check(rc == 0, "%s: load failed (%d): %s", path, rc, err);
		if (rc != 0)
			continue;
		check(strcmp(cfg.source, path) == 0, "%s: source \"%s\"", path, cfg.source);
		seen_lab |= strcmp(names[i], "lab.ini") == 0;
		{
			bool known = false;

			for (size_t j = 0; j < sizeof(nat_expect) / sizeof(nat_expect[0]); j++)
				known |= strcmp(nat_expect[j].file, names[i]) == 0;
			check(known, "%s: add its [nat] values to nat_expect", path);
		}
		check_good_values(names[i], &cfg);
		if (strcmp(names[i], "security.ini") != 0) {
			bool unfiltered = cfg.n_sgs == 0 && cfg.n_nacls == 0 && cfg.n_prefix_lists == 0;

			for (unsigned p = 0; p < cfg.n_ports; p++)
				unfiltered &= cfg.ports[p].security_groups == 0 && cfg.ports[p].nacl == -1;
			check(unfiltered, "%s: has filters or bindings", path);
		}
		config_free(&cfg);
	}
	free_list(names, n);
	check(seen_lab, "lab.ini was not found in " GOOD_DIR);
}

/* The embedded default is lab.ini, loaded under the name "<embedded default>". */
static void test_default(void)
{
	struct natgw_config def, lab;
	char err[NATGW_ERR_MAX] = "";
	int rc;

	rc = config_load_default(&def, err, sizeof(err));
	check(rc == 0, "config_load_default: %d %s", rc, err);
	if (rc != 0)
		return;
	check(strcmp(def.source, "<embedded default>") == 0, "default source \"%s\"", def.source);
	check(strcmp(def.global.file_prefix, "natgw-lab") == 0 &&
	      strcmp(def.global.socket_path, "/run/natgw-lab/natgw.sock") == 0 &&
	      strcmp(def.global.lcores, "0") == 0 && def.global.memory_mb == 256,
	      "default global section");
	check_good_values("lab.ini", &def);
	rc = config_load_ini(GOOD_DIR "/lab.ini", &lab, err, sizeof(err));
	check(rc == 0, "lab.ini: %s", err);
	if (rc == 0) {
		check(def.n_ports == lab.n_ports && def.n_tables == lab.n_tables &&
		      memcmp(def.ports, lab.ports, sizeof(def.ports)) == 0 &&
		      memcmp(&def.global, &lab.global, sizeof(def.global)) == 0 &&
		      memcmp(&def.nat, &lab.nat, sizeof(def.nat)) == 0,
		      "embedded default differs from config/lab.ini (rebuild?)");
		config_free(&lab);
	}
	config_free(&def);
}

/* Case-insensitive names, quotes, inline comments, CRLF, /31, keyword case. */
static void test_quirks(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX] = "";
	int rc, t, in1, out, r;

	rc = config_load_ini("configs/good/quirks.ini", &cfg, err, sizeof(err));
	check(rc == 0, "quirks.ini: %d %s", rc, err);
	if (rc != 0)
		return;
	check(strcmp(cfg.global.lcores, "0-3,6") == 0 && cfg.global.memory_mb == 64 &&
	      strcmp(cfg.global.socket_path, "/run/natgw test/natgw.sock") == 0 &&
	      cfg.global.pidfile[0] == '\0' && !cfg.global.gratuitous_arp &&
	      cfg.global.icmp_rate == 0 && cfg.global.icmp_burst == 50,
	      "quirks.ini: global \"%s\" %u \"%s\"", cfg.global.lcores, cfg.global.memory_mb,
	      cfg.global.socket_path);
	in1 = config_port_find(&cfg, "in1");
	out = config_port_find(&cfg, "out");
	check(in1 == 0 && out == 1, "quirks.ini: ports in1 %d out %d", in1, out);
	if (in1 != 0 || out != 1)
		goto out_free;
	check(strcmp(cfg.ports[0].devargs, "net_null0") == 0 && cfg.ports[0].mtu == 9216 &&
	      cfg.ports[0].promisc && !cfg.ports[0].rx_csum_offload && cfg.ports[0].tx_csum_offload,
	      "quirks.ini: port in1 \"%s\" %u", cfg.ports[0].devargs, cfg.ports[0].mtu);
	check(strcmp(cfg.ports[1].devargs, "net_null1") == 0 && cfg.ports[1].prefix_len == 31,
	      "quirks.ini: port out");
	t = config_table_find(&cfg, "main");
	check(t == 0 && cfg.tables[0].ingress_ports == 3u && cfg.tables[0].n_routes == 5,
	      "quirks.ini: table main");
	if (t != 0)
		goto out_free;
	r = route_find(&cfg.tables[0], 0, 0);
	check(r >= 0 && cfg.tables[0].routes[r].type == NATGW_ROUTE_GATEWAY &&
	      cfg.tables[0].routes[r].port == 1 && cfg.tables[0].routes[r].gateway == ip("192.0.2.3"),
	      "quirks.ini: default route via inferred port out");
	r = route_find(&cfg.tables[0], ip("198.51.100.0"), 24);
	check(r >= 0 && cfg.tables[0].routes[r].type == NATGW_ROUTE_DEV && cfg.tables[0].routes[r].port == 1,
	      "quirks.ini: dev route");
	r = route_find(&cfg.tables[0], ip("192.0.2.2"), 31);
	check(r >= 0 && cfg.tables[0].routes[r].type == NATGW_ROUTE_CONNECTED, "quirks.ini: /31 connected");
	check(cfg.n_neighbours == 1 && cfg.neighbours[0].port == 1 &&
	      cfg.neighbours[0].addr == ip("192.0.2.3") && cfg.neighbours[0].mac[1] == 0xaa &&
	      cfg.neighbours[0].mac[5] == 0xee, "quirks.ini: neighbour");
out_free:
	config_free(&cfg);
}

/* [nat] with profile = cloud, overrides on both sides of it, and keyword case. */
static void test_nat_good(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX] = "";
	int rc;

	rc = config_load_ini("configs/good/nat-cloud-override.ini", &cfg, err, sizeof(err));
	check(rc == 0, "nat-cloud-override.ini: %d %s", rc, err);
	if (rc != 0)
		return;
	check_nat_values("nat-cloud-override.ini", &cfg);
	config_free(&cfg);
	check(!cfg.nat.enabled && cfg.nat.n_forwards == 0, "config_free zeroes nat");
}

/* ---- filtering (security groups, NACLs, prefix lists) --------------------- */

/* Index of the group called name, or -1. */
static int sg_find(const struct natgw_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_sgs; i++)
		if (strcmp(cfg->sgs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The rule of group g that came from key, or NULL. */
static const struct natgw_sg_rule *sg_rule(const struct natgw_sg *g, const char *key)
{
	for (unsigned i = 0; i < g->n_rules; i++)
		if (strcmp(g->rules[i].key, key) == 0)
			return &g->rules[i];
	return NULL;
}

/* Expected security-group rules: peer is a CIDR, "pl:NAME" or "sg:NAME". */
static const struct {
	const char *file, *group, *key;
	uint8_t dir, proto;
	uint16_t port_lo, port_hi;
	int16_t icmp_type, icmp_code;
	const char *peer;
} sg_rule_expect[] = {
	{ "security.ini", "lab-clients", "rule.1", NATGW_DIR_INGRESS, IPPROTO_TCP, 80, 80, -1, -1, "10.0.1.0/24" },
	{ "security.ini", "lab-clients", "rule.2", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, -1, -1, "10.0.1.0/24" },
	{ "security.ini", "lab-clients", "default-egress", NATGW_DIR_EGRESS, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "security.ini", "bastion", "rule.1", NATGW_DIR_INGRESS, IPPROTO_TCP, 22, 22, -1, -1, "sg:bastion" },
	{ "security.ini", "bastion", "default-egress", NATGW_DIR_EGRESS, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "security.ini", "app", "rule.1", NATGW_DIR_INGRESS, IPPROTO_TCP, 443, 443, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "app", "rule.2", NATGW_DIR_INGRESS, IPPROTO_UDP, 53, 53, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "app", "rule.3", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, 8, -1, "10.0.2.0/24" },
	{ "security.ini", "app", "rule.4", NATGW_DIR_EGRESS, IPPROTO_TCP, 22, 22, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "app", "rule.5", NATGW_DIR_EGRESS, IPPROTO_TCP, 8000, 8099, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "app", "rule.6", NATGW_DIR_EGRESS, IPPROTO_ICMP, 0, 65535, 3, 4, "10.0.2.0/24" },
	{ "security.ini", "public-web", "rule.1", NATGW_DIR_INGRESS, IPPROTO_TCP, 8080, 8080, -1, -1, "0.0.0.0/0" },
	{ "security.ini", "public-web", "rule.2", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, 8, -1, "pl:office" },
	{ "security.ini", "public-web", "default-egress", NATGW_DIR_EGRESS, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "filter-quirks.ini", "first", "rule.1", NATGW_DIR_INGRESS, IPPROTO_TCP, 0, 65535, -1, -1, "sg:second" },
	{ "filter-quirks.ini", "first", "rule.2", NATGW_DIR_EGRESS, IPPROTO_TCP, 443, 443, -1, -1, "pl:nets" },
	{ "filter-quirks.ini", "first", "rule.3", NATGW_DIR_INGRESS, 47, 0, 65535, -1, -1, "10.0.0.0/8" },
	{ "filter-quirks.ini", "first", "rule.4", NATGW_DIR_INGRESS, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "filter-quirks.ini", "first", "rule.5", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, 3, -1, "10.0.1.0/24" },
	{ "filter-quirks.ini", "first", "rule.6", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, -1, -1, "10.0.2.0/24" },
	{ "filter-quirks.ini", "first", "rule.7", NATGW_DIR_INGRESS, IPPROTO_UDP, 0, 65535, -1, -1, "10.0.3.0/24" },
	{ "filter-quirks.ini", "first", "rule.8", NATGW_DIR_INGRESS, IPPROTO_ICMP, 0, 65535, 0, 0, "10.0.4.0/24" },
	{ "filter-quirks.ini", "first", "rule.9", NATGW_DIR_EGRESS, IPPROTO_UDP, 5353, 5353, -1, -1, "224.0.0.251/32" },
	{ "filter-quirks.ini", "second", "rule.1", NATGW_DIR_INGRESS, IPPROTO_UDP, 65535, 65535, -1, -1, "sg:second" },
	{ "filter-quirks.ini", "second", "rule.99999", NATGW_DIR_INGRESS, 0, 0, 65535, -1, -1, "192.0.2.0/24" },
	{ "filter-quirks.ini", "second", "default-egress", NATGW_DIR_EGRESS, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
};

/* Groups: rule count and members (space-separated). */
static const struct {
	const char *file, *group;
	unsigned n_rules;
	const char *members;
} sg_expect[] = {
	{ "security.ini", "lab-clients", 3, "" },
	{ "security.ini", "bastion", 2, "10.0.1.30 10.0.1.31" },
	{ "security.ini", "app", 6, "" },
	{ "security.ini", "public-web", 3, "" },
	{ "security.ini", "locked", 0, "" },
	{ "filter-quirks.ini", "first", 9, "" },
	{ "filter-quirks.ini", "second", 3, "10.0.1.5 10.0.1.6 10.0.1.7" },
};

/* NACL rules in stored order (sorted by direction, then number). */
static const struct {
	const char *file, *nacl;
	unsigned idx;
	uint8_t dir;
	uint16_t number;
	bool allow;
	uint8_t proto;
	uint16_t port_lo, port_hi;
	int16_t icmp_type, icmp_code;
	const char *cidr;
} nacl_expect[] = {
	{ "security.ini", "allow-all", 0, NATGW_DIR_INGRESS, 100, true, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "security.ini", "allow-all", 1, NATGW_DIR_EGRESS, 100, true, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
	{ "security.ini", "priv2", 0, NATGW_DIR_INGRESS, 50, false, 0, 0, 65535, -1, -1, "10.0.2.99/32" },
	{ "security.ini", "priv2", 1, NATGW_DIR_INGRESS, 100, true, IPPROTO_TCP, 80, 80, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 2, NATGW_DIR_INGRESS, 110, true, IPPROTO_TCP, 443, 443, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 3, NATGW_DIR_INGRESS, 120, true, IPPROTO_UDP, 53, 53, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 4, NATGW_DIR_INGRESS, 130, true, IPPROTO_ICMP, 0, 65535, 8, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 5, NATGW_DIR_EGRESS, 90, false, IPPROTO_TCP, 22, 22, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 6, NATGW_DIR_EGRESS, 100, true, IPPROTO_TCP, 1024, 65535, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 7, NATGW_DIR_EGRESS, 110, true, IPPROTO_UDP, 1024, 65535, -1, -1, "10.0.2.0/24" },
	{ "security.ini", "priv2", 8, NATGW_DIR_EGRESS, 120, true, IPPROTO_ICMP, 0, 65535, 0, -1, "10.0.2.0/24" },
	{ "filter-quirks.ini", "edge", 0, NATGW_DIR_INGRESS, 1, true, IPPROTO_TCP, 22, 22, -1, -1, "10.0.1.0/24" },
	{ "filter-quirks.ini", "edge", 1, NATGW_DIR_INGRESS, 32766, false, 255, 0, 65535, -1, -1, "10.0.0.0/8" },
	{ "filter-quirks.ini", "edge", 2, NATGW_DIR_EGRESS, 1, true, IPPROTO_ICMP, 0, 65535, 3, 4, "0.0.0.0/0" },
	{ "filter-quirks.ini", "edge", 3, NATGW_DIR_EGRESS, 32766, false, 0, 0, 65535, -1, -1, "0.0.0.0/0" },
};

/* Port bindings: groups (space-separated names) and NACL (NULL: none). */
static const struct {
	const char *file, *port, *groups, *nacl;
} bind_expect[] = {
	{ "security.ini", "in1", "lab-clients bastion", "allow-all" },
	{ "security.ini", "in2", "app", "priv2" },
	{ "security.ini", "out", "public-web", NULL },
	{ "filter-quirks.ini", "in1", "first second", "edge" },
	{ "filter-quirks.ini", "in2", "", NULL },
};

/* Prefix lists: entries as a space-separated list of prefixes. */
static const struct {
	const char *file, *list, *prefixes;
} pl_expect[] = {
	{ "security.ini", "office", "192.0.2.0/24 198.51.100.0/25" },
	{ "filter-quirks.ini", "nets", "0.0.0.0/0 192.0.2.1/32" },
};

/* True if rule r's peer is the one written as peer (CIDR, pl:NAME or sg:NAME). */
static bool sg_peer_eq(const struct natgw_config *cfg, const struct natgw_sg_rule *r, const char *peer)
{
	uint32_t a;
	uint8_t l;

	if (strncmp(peer, "sg:", 3) == 0)
		return r->peer_kind == NATGW_PEER_SG && r->peer_ref < cfg->n_sgs &&
		       strcmp(cfg->sgs[r->peer_ref].name, peer + 3) == 0;
	if (strncmp(peer, "pl:", 3) == 0)
		return r->peer_kind == NATGW_PEER_PREFIX_LIST && r->peer_ref < cfg->n_prefix_lists &&
		       strcmp(cfg->prefix_lists[r->peer_ref].name, peer + 3) == 0;
	return config_parse_prefix(peer, &a, &l, true) == 0 && r->peer_kind == NATGW_PEER_CIDR &&
	       r->cidr == a && r->cidr_len == l;
}

/* Check groups, rules, NACLs, prefix lists and bindings of a loaded file. */
static void check_filter_values(const char *file, const struct natgw_config *cfg)
{
	unsigned n_groups = 0, n_nacls = 0, n_pls = 0;

	for (size_t i = 0; i < sizeof(sg_expect) / sizeof(sg_expect[0]); i++) {
		int g;

		if (strcmp(sg_expect[i].file, file) != 0)
			continue;
		n_groups++;
		g = sg_find(cfg, sg_expect[i].group);
		check(g >= 0, "%s: group %s missing", file, sg_expect[i].group);
		if (g < 0)
			continue;
		check(cfg->sgs[g].n_rules == sg_expect[i].n_rules, "%s: group %s has %u rules, want %u",
		      file, sg_expect[i].group, cfg->sgs[g].n_rules, sg_expect[i].n_rules);
		check(addr_list_eq(sg_expect[i].members, cfg->sgs[g].members, NULL, cfg->sgs[g].n_members),
		      "%s: group %s members (%u)", file, sg_expect[i].group, cfg->sgs[g].n_members);
	}
	check(cfg->n_sgs == n_groups, "%s: %u groups, want %u", file, cfg->n_sgs, n_groups);
	for (size_t i = 0; i < sizeof(sg_rule_expect) / sizeof(sg_rule_expect[0]); i++) {
		const struct natgw_sg_rule *r;
		int g;

		if (strcmp(sg_rule_expect[i].file, file) != 0)
			continue;
		g = sg_find(cfg, sg_rule_expect[i].group);
		r = g >= 0 ? sg_rule(&cfg->sgs[g], sg_rule_expect[i].key) : NULL;
		check(r != NULL, "%s: [sg %s] %s missing", file, sg_rule_expect[i].group, sg_rule_expect[i].key);
		if (r == NULL)
			continue;
		check(r->dir == sg_rule_expect[i].dir && r->l4.proto == sg_rule_expect[i].proto &&
		      r->l4.port_lo == sg_rule_expect[i].port_lo && r->l4.port_hi == sg_rule_expect[i].port_hi &&
		      r->l4.icmp_type == sg_rule_expect[i].icmp_type &&
		      r->l4.icmp_code == sg_rule_expect[i].icmp_code,
		      "%s: [sg %s] %s = dir %u proto %u ports %u-%u icmp %d/%d", file, sg_rule_expect[i].group,
		      sg_rule_expect[i].key, r->dir, r->l4.proto, r->l4.port_lo, r->l4.port_hi, r->l4.icmp_type,
		      r->l4.icmp_code);
		check(sg_peer_eq(cfg, r, sg_rule_expect[i].peer), "%s: [sg %s] %s peer kind %u ref %u cidr %08x/%u, want %s",
		      file, sg_rule_expect[i].group, sg_rule_expect[i].key, r->peer_kind, r->peer_ref, r->cidr,
		      r->cidr_len, sg_rule_expect[i].peer);
	}
	for (size_t i = 0; i < sizeof(nacl_expect) / sizeof(nacl_expect[0]); i++) {
		const struct natgw_nacl_rule *r;
		int n = -1;
		uint32_t a = 0;
		uint8_t l = 0;

		if (strcmp(nacl_expect[i].file, file) != 0)
			continue;
		for (unsigned j = 0; j < cfg->n_nacls; j++)
			if (strcmp(cfg->nacls[j].name, nacl_expect[i].nacl) == 0)
				n = (int)j;
		if (nacl_expect[i].idx == 0)
			n_nacls++;
		check(n >= 0 && nacl_expect[i].idx < cfg->nacls[n].n_rules, "%s: [nacl %s] rule %u missing",
		      file, nacl_expect[i].nacl, nacl_expect[i].idx);
		if (n < 0 || nacl_expect[i].idx >= cfg->nacls[n].n_rules)
			continue;
		r = &cfg->nacls[n].rules[nacl_expect[i].idx];
		check(config_parse_prefix(nacl_expect[i].cidr, &a, &l, true) == 0 && r->dir == nacl_expect[i].dir &&
		      r->number == nacl_expect[i].number && r->allow == nacl_expect[i].allow &&
		      r->l4.proto == nacl_expect[i].proto && r->l4.port_lo == nacl_expect[i].port_lo &&
		      r->l4.port_hi == nacl_expect[i].port_hi && r->l4.icmp_type == nacl_expect[i].icmp_type &&
		      r->l4.icmp_code == nacl_expect[i].icmp_code && r->cidr == a && r->cidr_len == l,
		      "%s: [nacl %s] rule %u = dir %u #%u allow %d proto %u ports %u-%u icmp %d/%d %08x/%u",
		      file, nacl_expect[i].nacl, nacl_expect[i].idx, r->dir, r->number, r->allow, r->l4.proto,
		      r->l4.port_lo, r->l4.port_hi, r->l4.icmp_type, r->l4.icmp_code, r->cidr, r->cidr_len);
		if (nacl_expect[i].idx + 1 == cfg->nacls[n].n_rules)
			check(i + 1 == sizeof(nacl_expect) / sizeof(nacl_expect[0]) ||
			      strcmp(nacl_expect[i + 1].nacl, nacl_expect[i].nacl) != 0,
			      "%s: [nacl %s] has more rules than expected", file, nacl_expect[i].nacl);
		else if (i + 1 == sizeof(nacl_expect) / sizeof(nacl_expect[0]) ||
			 strcmp(nacl_expect[i + 1].nacl, nacl_expect[i].nacl) != 0)
			check(false, "%s: [nacl %s] has %u rules, more than expected", file,
			      nacl_expect[i].nacl, cfg->nacls[n].n_rules);
	}
	check(cfg->n_nacls == n_nacls, "%s: %u NACLs, want %u", file, cfg->n_nacls, n_nacls);
	for (size_t i = 0; i < sizeof(pl_expect) / sizeof(pl_expect[0]); i++) {
		const struct natgw_prefix_list *pl = NULL;

		if (strcmp(pl_expect[i].file, file) != 0)
			continue;
		n_pls++;
		for (unsigned j = 0; j < cfg->n_prefix_lists; j++)
			if (strcmp(cfg->prefix_lists[j].name, pl_expect[i].list) == 0)
				pl = &cfg->prefix_lists[j];
		check(pl != NULL && addr_list_eq(pl_expect[i].prefixes, pl->prefix, pl->len, pl->n),
		      "%s: prefix list %s", file, pl_expect[i].list);
	}
	check(cfg->n_prefix_lists == n_pls, "%s: %u prefix lists, want %u", file, cfg->n_prefix_lists, n_pls);
	for (size_t i = 0; i < sizeof(bind_expect) / sizeof(bind_expect[0]); i++) {
		char buf[256], *save = NULL;
		uint64_t mask = 0;
		int p, nacl = -1;

		if (strcmp(bind_expect[i].file, file) != 0)
			continue;
		p = config_port_find(cfg, bind_expect[i].port);
		snprintf(buf, sizeof(buf), "%s", bind_expect[i].groups);
		for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
			int g = sg_find(cfg, t);

			check(g >= 0, "%s: test bug: group %s", file, t);
			if (g >= 0)
				mask |= UINT64_C(1) << g;
		}
		for (unsigned j = 0; j < cfg->n_nacls && bind_expect[i].nacl != NULL; j++)
			if (strcmp(cfg->nacls[j].name, bind_expect[i].nacl) == 0)
				nacl = (int)j;
		check(p >= 0 && cfg->ports[p].security_groups == mask && cfg->ports[p].nacl == nacl &&
		      (bind_expect[i].nacl == NULL || nacl >= 0),
		      "%s: port %s groups %#llx nacl %d, want %#llx %d", file, bind_expect[i].port,
		      p >= 0 ? (unsigned long long)cfg->ports[p].security_groups : 0ULL,
		      p >= 0 ? cfg->ports[p].nacl : -2, (unsigned long long)mask, nacl);
	}
}

/* config/security.ini: groups, rules (and the default egress rule), NACLs sorted. */
static void test_filter_security(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX] = "";
	int rc;

	rc = config_load_ini(GOOD_DIR "/security.ini", &cfg, err, sizeof(err));
	check(rc == 0, "security.ini: %d %s", rc, err);
	if (rc != 0)
		return;
	check_filter_values("security.ini", &cfg);
	/* group order is file order: bits of security_groups follow it */
	check(cfg.n_sgs == 5 && strcmp(cfg.sgs[0].name, "lab-clients") == 0 &&
	      strcmp(cfg.sgs[4].name, "locked") == 0, "security.ini: group order");
	config_free(&cfg);
	check(cfg.n_sgs == 0 && cfg.sgs[0].rules == NULL && cfg.n_nacls == 0 && cfg.n_prefix_lists == 0,
	      "config_free zeroes filters");
}

/* Keyword case, numeric protocols, any, forward and self references, members.N, extremes. */
static void test_filter_quirks(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX] = "";
	int rc;

	rc = config_load_ini("configs/good/filter-quirks.ini", &cfg, err, sizeof(err));
	check(rc == 0, "filter-quirks.ini: %d %s", rc, err);
	if (rc != 0)
		return;
	check_filter_values("filter-quirks.ini", &cfg);
	config_free(&cfg);
}

/* ---- [global] rss_key ---------------------------------------------------- */

/* A 40-byte key that is neither named one: 0x00, 0x11, ..., 0xff, 0x00, ... */
static void rss_key_ramp(uint8_t *key)
{
	for (unsigned i = 0; i < RSS_KEY_LEN; i++)
		key[i] = (uint8_t)((i % 16) * 0x11);
}

#define RSS_RAMP_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677"
#define RSS_RAMP_COLONS \
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:" \
	"44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77"
#define RSS_MS_HEX \
	"6D5A56DA255B0EC24167253D43A38FB0D0CA2BCBAE7B30B477CB2DA38030F20C6A42B73BBEAC01FA"
#define RSS_MS_COLONS \
	"6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:" \
	"ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa"
#define RSS_KEY_EXPECTED \
	"[global] rss_key: expected 40 bytes as 80 hex digits or 40 two-digit hex groups " \
	"separated by ':' (like ethtool -X hkey), or symmetric or microsoft; got "

enum rss_want { RSS_SYM, RSS_MS, RSS_RAMP };

static const struct {
	const char *value;
	enum rss_want want;
} rss_good[] = {
	{ "symmetric", RSS_SYM },
	{ "SYMMETRIC", RSS_SYM },
	{ "\"Symmetric\"", RSS_SYM },
	{ "microsoft", RSS_MS },
	{ "MicroSoft", RSS_MS },
	{ RSS_MS_HEX, RSS_MS },
	{ RSS_MS_COLONS, RSS_MS },
	{ RSS_RAMP_HEX, RSS_RAMP },
	{ RSS_RAMP_COLONS, RSS_RAMP },
	{ "6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a6d5a", RSS_SYM },
	{ RSS_RAMP_HEX "   ; trailing comment", RSS_RAMP },
};

static const struct {
	const char *value;
	const char *frag; /* after "rss.ini:3: " RSS_KEY_EXPECTED */
} rss_bad[] = {
	{ RSS_RAMP_HEX "0", "81 hex digits: \"" RSS_RAMP_HEX "0\"" },
	{ "0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677",
	  "79 hex digits: \"0112233" },
	{ "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff001122334455667g",
	  "character 80 ('g'), not a hex digit or ':', in \"0011" },
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:"
	  "44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66",
	  "39 groups: \"00:11" },
	{ RSS_RAMP_COLONS ":88", "41 groups: \"00:11" },
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:"
	  "44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:7",
	  "1 digits in group 40 of \"00:11" },
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:"
	  "44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:",
	  "0 digits in group 41 of \"00:11" },
	{ "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:"
	  "44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55::66:77",
	  "0 digits in group 39 of \"00:11" },
	{ "0:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:"
	  "44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77",
	  "1 digits in group 1 of \"0:11" },
	{ "00 11 22 33", "character 3 (' '), not a hex digit or ':', in \"00 11 22 33\"" },
	{ "0x6d5a", "character 2 ('x'), not a hex digit or ':', in \"0x6d5a\"" },
	{ "", "an empty value: \"\"" },
	{ "\"\"", "an empty value: \"\"" },
	{ "symmetric extra", "\"symmetric extra\"" },
	{ "symetric", "\"symetric\"" },
	{ "default", "\"default\"" },
	{ ":", "0 digits in group 1 of \":\"" },
};

/* rss_key: both spellings and both words store the right bytes; bad values
 * fail on their line with the [global] key style; the default is symmetric. */
static void test_rss_key(void)
{
	char text[1024], err[NATGW_ERR_MAX], want_err[NATGW_ERR_MAX];
	uint8_t ramp[RSS_KEY_LEN];
	struct natgw_config cfg;
	int rc;

	rss_key_ramp(ramp);
	for (size_t i = 0; i < sizeof(rss_good) / sizeof(rss_good[0]); i++) {
		const uint8_t *want = rss_good[i].want == RSS_SYM ? rss_key_symmetric :
				      rss_good[i].want == RSS_MS ? rss_key_default : ramp;

		snprintf(text, sizeof(text),
			 "[global]\nmemory_mb = 64\nrss_key = %s\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n",
			 rss_good[i].value);
		err[0] = '\0';
		rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
		check(rc == 0, "rss_key %s: rc %d (%s)", rss_good[i].value, rc, err);
		if (rc != 0)
			continue;
		check(memcmp(cfg.global.rss_key, want, RSS_KEY_LEN) == 0 && cfg.global.rss_key_set,
		      "rss_key %s: wrong bytes stored (first %02x %02x, last %02x) or not set", rss_good[i].value,
		      cfg.global.rss_key[0], cfg.global.rss_key[1], cfg.global.rss_key[RSS_KEY_LEN - 1]);
		config_free(&cfg);
	}
	for (size_t i = 0; i < sizeof(rss_bad) / sizeof(rss_bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[global]\nmemory_mb = 64\nrss_key = %s\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n",
			 rss_bad[i].value);
		snprintf(want_err, sizeof(want_err), "rss.ini:3: " RSS_KEY_EXPECTED "%s", rss_bad[i].frag);
		err[0] = '\0';
		memset(&cfg, 0xa5, sizeof(cfg));
		rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
		check(rc == -EINVAL, "rss_key '%s': rc %d, want -EINVAL (%s)", rss_bad[i].value, rc, err);
		if (rc == 0) {
			config_free(&cfg);
			continue;
		}
		check(strncmp(err, want_err, strlen(want_err)) == 0, "rss_key '%s':\n  got  %s\n  want %s...",
		      rss_bad[i].value, err, want_err);
		check(cfg.n_ports == 0 && cfg.neighbours == NULL, "rss_key '%s': cfg not freed", rss_bad[i].value);
	}
	/* absent: the symmetric key, not marked as configured */
	snprintf(text, sizeof(text), "[global]\nmemory_mb = 64\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n");
	rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
	check(rc == 0 && memcmp(cfg.global.rss_key, rss_key_symmetric, RSS_KEY_LEN) == 0 &&
	      !cfg.global.rss_key_set, "rss_key absent: rc %d, not the symmetric default", rc);
	if (rc == 0)
		config_free(&cfg);
	/* the key name is case-insensitive; the unknown-key message lists it */
	snprintf(text, sizeof(text), "[global]\nRSS_Key = microsoft\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n");
	rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
	check(rc == 0 && memcmp(cfg.global.rss_key, rss_key_default, RSS_KEY_LEN) == 0, "RSS_Key: %d %s", rc, err);
	if (rc == 0)
		config_free(&cfg);
	snprintf(text, sizeof(text), "[global]\nrss_hkey = microsoft\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n");
	rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "rss.ini:2: [global] rss_hkey: unknown key (expected lcores,") != NULL &&
	      strstr(err, "gratuitous_arp or rss_key)") != NULL, "unknown key message: %d %s", rc, err);
	/* a duplicate is a duplicate key, also in another case */
	snprintf(text, sizeof(text), "[global]\nrss_key = microsoft\nRSS_KEY = symmetric\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n");
	rc = config_load_ini_text("rss.ini", text, strlen(text), &cfg, err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "rss.ini:3: duplicate key 'rss_key' in [global] (first on line 2)") != NULL,
	      "duplicate rss_key: %d %s", rc, err);
}

/* ---- bad files ---------------------------------------------------------- */

/* Read "; expect: FRAGMENT" from the first line of path into frag. */
static int read_expect(const char *path, char *frag, size_t size)
{
	char line[512];
	FILE *f = fopen(path, "r");
	const char *tag = "; expect: ";
	size_t n;

	if (f == NULL)
		return -errno;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (strncmp(line, tag, strlen(tag)) != 0 || line[strlen(tag)] == '\0')
		return -EINVAL;
	snprintf(frag, size, "%s", line + strlen(tag));
	return 0;
}

/* Every bad file fails with its expected fragment, prefixed by its path; cfg is freed. */
static void test_bad_files(void)
{
	char **names, path[512], err[NATGW_ERR_MAX], frag[512];
	unsigned n = list_ini(BAD_DIR, &names);

	check(n >= 40, "expected at least 40 files in " BAD_DIR ", found %u", n);
	for (unsigned i = 0; i < n; i++) {
		struct natgw_config cfg;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, names[i]);
		if (read_expect(path, frag, sizeof(frag)) < 0) {
			check(false, "%s: first line is not \"; expect: FRAGMENT\"", path);
			continue;
		}
		err[0] = '\0';
		memset(&cfg, 0xa5, sizeof(cfg));
		rc = config_load_ini(path, &cfg, err, sizeof(err));
		check(rc == -EINVAL, "%s: returned %d, want -EINVAL (err: %s)", path, rc, err);
		if (rc == 0) {
			config_free(&cfg);
			continue;
		}
		check(strstr(err, frag) != NULL, "%s: error \"%s\" lacks \"%s\"", path, err, frag);
		check(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':',
		      "%s: error does not start with the file name: %s", path, err);
		check(cfg.n_ports == 0 && cfg.n_tables == 0 && cfg.neighbours == NULL &&
		      cfg.tables[0].routes == NULL && !cfg.nat.enabled && cfg.nat.n_forwards == 0 &&
		      cfg.n_sgs == 0 && cfg.sgs[0].rules == NULL && cfg.sgs[0].members == NULL &&
		      cfg.n_nacls == 0 && cfg.nacls[0].rules == NULL && cfg.n_prefix_lists == 0 &&
		      cfg.prefix_lists[0].prefix == NULL, "%s: cfg not freed on error", path);
	}
	free_list(names, n);
}

/* Missing files, directories and empty files. */
static void test_special_files(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX] = "";
	int rc;

	rc = config_load_ini("configs/does-not-exist.ini", &cfg, err, sizeof(err));
	check(rc == -ENOENT, "missing file: %d, want -ENOENT", rc);
	check(strstr(err, "configs/does-not-exist.ini: cannot read config file: No such file") != NULL,
	      "missing file message: %s", err);
	check(cfg.n_ports == 0 && cfg.neighbours == NULL, "missing file: cfg freed");

	rc = config_load_ini("configs", &cfg, err, sizeof(err));
	check(rc == -EISDIR, "directory: %d, want -EISDIR (%s)", rc, err);

	/* an empty file parses but has no ports: documented as an error */
	rc = config_load_ini("/dev/null", &cfg, err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "/dev/null: no [port NAME] section") != NULL,
	      "empty file: %d %s", rc, err);

	/* a NULL or zero-size error buffer is allowed */
	rc = config_load_ini("configs/does-not-exist.ini", &cfg, NULL, 0);
	check(rc == -ENOENT, "NULL err buffer: %d", rc);
	rc = config_load_ini(BAD_DIR "/mtu-range.ini", &cfg, err, 0);
	check(rc == -EINVAL, "zero-size err buffer: %d", rc);
	/* a short buffer truncates but stays terminated */
	rc = config_load_ini(BAD_DIR "/mtu-range.ini", &cfg, err, 8);
	check(rc == -EINVAL && strlen(err) == 7, "short err buffer: \"%s\"", err);
}

int main(void)
{
	test_parse_helpers();
	test_model();
	test_good_files();
	test_default();
	test_quirks();
	test_nat_good();
	test_filter_security();
	test_filter_quirks();
	test_rss_key();
	test_bad_files();
	test_special_files();
	if (n_failed) {
		printf("test_config: %u of %u checks failed\n", n_failed, n_checks);
		return 1;
	}
	printf("test_config: %u checks passed\n", n_checks);
	return 0;
}
