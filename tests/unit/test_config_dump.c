/* Unit test of what live reconfiguration needs from the config layer:
 * config_dump_ini (round trip: load -> dump -> load gives a config_equal
 * config and the same text again, for every file in config/ and
 * tests/unit/configs/good/ and the embedded default), config_copy (a deep,
 * independent copy; run under ASan to see leaks and double frees),
 * config_validate (edits the loader would refuse are refused with the
 * loader's words), config_live_diff (table-driven: each change that needs a
 * restart is named, each live change appears in the summary), the [global]
 * socket_group and rss_key keys and config_load_ini_text. Runs with workdir
 * tests/unit.
 * RFC 1918 / RFC 5737 addresses.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "natgw/config.h"
#include "natgw/rss.h"

#include "test_check.h"

#define EXAMPLE_DIR "../../config"
#define GOOD_DIR "configs/good"

/* A config that uses every section and most keys. */
static const char base_ini[] =
	"[global]\n"
	"lcores = 0-1\n"
	"memory_mb = 128\n"
	"file_prefix = natgw-test\n"
	"socket = /run/natgw/test.sock\n"
	"socket_group = root\n"
	"pidfile = /run/natgw/test.pid\n"
	"icmp_rate = 10\n"
	"icmp_burst = 5\n"
	"neigh_timeout = 60\n"
	"stats_interval = 10\n"
	"rss_key = microsoft\n"
	"\n"
	"[port in1]\n"
	"devargs = net_null0\n"
	"address = 10.0.1.1/24\n"
	"security_groups = web db\n"
	"nacl = open\n"
	"\n"
	"[port in2]\n"
	"devargs = net_null1\n"
	"address = 10.0.2.1/24\n"
	"mtu = 9000\n"
	"nacl = priv2\n"
	"\n"
	"[port out]\n"
	"devargs = net_null2\n"
	"address = 203.0.113.1/24\n"
	"queues = 2\n"
	"\n"
	"[table main]\n"
	"ports = in1 out\n"
	"route.1 = default via 203.0.113.254 dev out\n"
	"route.5 = 198.51.100.0/24 blackhole\n"
	"route.9 = 10.9.0.0/16 via 10.0.1.254\n"
	"\n"
	"[table t2]\n"
	"ports = in2\n"
	"route.1 = default via 10.0.2.254\n"
	"route.2 = 10.0.1.0/24 dev in1\n"
	"\n"
	"[neighbours]\n"
	"neigh.3 = 203.0.113.254 lladdr 02:00:5E:00:01:01 dev out\n"
	"\n"
	"[nat]\n"
	"port = out\n"
	"pool = 203.0.113.1 203.0.113.2\n"
	"inside = 10.0.1.0/24 10.0.2.0/24\n"
	"profile = cloud\n"
	"forward.1 = 203.0.113.1:8080 -> 10.0.1.10:80 tcp\n"
	"forward.7 = 203.0.113.2:53 -> 10.0.2.53:53 udp\n"
	"\n"
	"[prefix_list office]\n"
	"description = \"office; and VPN\"\n"
	"prefix.1 = 192.0.2.0/24\n"
	"prefix.2 = 198.51.100.128/25\n"
	"\n"
	"[sg web]\n"
	"members = 10.0.1.10 10.0.1.11\n"
	"rule.1 = ingress tcp 80 from 0.0.0.0/0\n"
	"rule.2 = ingress tcp 443 from pl:office\n"
	"rule.3 = ingress tcp 0-65535 from sg:web\n"
	"rule.5 = ingress icmp 8 from 10.0.0.0/16\n"
	"\n"
	"[sg db]\n"
	"rule.1 = ingress tcp 5432 from sg:web\n"
	"rule.2 = egress udp 53 to 10.0.0.2/32\n"
	"default_egress = yes\n"
	"\n"
	"[sg quiet]\n"
	"rule.1 = ingress icmp 3/4 from 0.0.0.0/0\n"
	"rule.2 = ingress 47 from 10.0.0.0/8\n"
	"default_egress = no\n"
	"\n"
	"[nacl open]\n"
	"ingress.100 = allow all from 0.0.0.0/0\n"
	"egress.100 = allow all to 0.0.0.0/0\n"
	"\n"
	"[nacl priv2]\n"
	"ingress.100 = allow tcp 80 from 10.0.2.0/24 to 10.0.1.0/24\n"
	"ingress.50 = deny all from 10.0.2.99/32\n"
	"egress.100 = allow tcp 1024-65535 to 10.0.2.0/24 from 10.0.1.0/24\n"
	"egress.200 = allow icmp any to 0.0.0.0/0\n";

/* Host-order address from a dotted quad known to be valid. */
static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	CHECK(config_parse_ipv4(s, &a) == 0, "test bug: bad address %s", s);
	return a;
}

/* Load text from memory; reports a failure. */
static int load_text(const char *name, const char *text, struct natgw_config *cfg)
{
	char err[NATGW_ERR_MAX] = "";
	int rc = config_load_ini_text(name, text, strlen(text), cfg, err, sizeof(err));

	CHECK(rc == 0, "%s: load failed (%d): %s", name, rc, err);
	return rc;
}

/* Number of lines of text that start with prefix. */
static unsigned count_lines(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *l = text; l != NULL && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

/* load -> dump -> load -> equal, dump again -> same text, copy -> equal. */
static void round_trip(const char *name, const struct natgw_config *cfg)
{
	struct natgw_config again, copy;
	char *text, *text2, err[NATGW_ERR_MAX] = "", sum[256] = "";
	unsigned configured = 0;
	int rc;

	text = config_dump_ini(cfg);
	CHECK(text != NULL, "%s: dump failed", name);
	if (text == NULL)
		return;
	rc = config_load_ini_text(name, text, strlen(text), &again, err, sizeof(err));
	CHECK(rc == 0, "%s: dump does not load (%d): %s\n%s", name, rc, err, text);
	if (rc == 0) {
		CHECK(config_equal(cfg, &again), "%s: reloaded dump differs\n%s", name, text);
		text2 = config_dump_ini(&again);
		CHECK(text2 != NULL && strcmp(text, text2) == 0, "%s: second dump differs\n%s\n---\n%s", name,
		      text, text2 ? text2 : "(null)");
		free(text2);
		rc = config_live_diff(cfg, &again, sum, sizeof(sum), err, sizeof(err));
		CHECK(rc == 0 && strcmp(sum, "no change") == 0, "%s: live diff after round trip: %d \"%s\" %s",
		      name, rc, sum, err);
		config_free(&again);
	}
	for (unsigned t = 0; t < cfg->n_tables; t++)
		for (unsigned r = 0; r < cfg->tables[t].n_routes; r++)
			configured += !cfg->tables[t].routes[r].connected;
	CHECK(count_lines(text, "route.") == configured, "%s: %u route lines for %u configured routes", name,
	      count_lines(text, "route."), configured);
	rc = config_validate(cfg, err, sizeof(err));
	CHECK(rc == 0, "%s: validate: %d %s", name, rc, err);
	rc = config_copy(&copy, cfg);
	CHECK(rc == 0 && config_equal(cfg, &copy), "%s: copy differs (%d)", name, rc);
	if (rc == 0)
		config_free(&copy);
	free(text);
}

/* qsort order of two file names. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of the *.ini names in dir; returns the count. */
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
	qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

/* Round trip every file of dir; returns how many were tried. */
static unsigned round_trip_dir(const char *dir)
{
	char **names, path[512], err[NATGW_ERR_MAX];
	unsigned n = list_ini(dir, &names);

	for (unsigned i = 0; i < n; i++) {
		struct natgw_config cfg;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = config_load_ini(path, &cfg, err, sizeof(err));
		CHECK(rc == 0, "%s: load failed: %s", path, err);
		if (rc == 0) {
			round_trip(path, &cfg);
			config_free(&cfg);
		}
		free(names[i]);
	}
	free(names);
	return n;
}

/* Every example and good test file, the default and base_ini survive a round trip. */
static void test_round_trip(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX], *text;

	CHECK(round_trip_dir(EXAMPLE_DIR) >= 5, "expected the examples in " EXAMPLE_DIR);
	CHECK(round_trip_dir(GOOD_DIR) >= 3, "expected the files in " GOOD_DIR);
	if (config_load_default(&cfg, err, sizeof(err)) == 0) {
		round_trip("<embedded default>", &cfg);
		config_free(&cfg);
	} else {
		CHECK(false, "default: %s", err);
	}
	if (load_text("base", base_ini, &cfg) != 0)
		return;
	round_trip("base", &cfg);
	text = config_dump_ini(&cfg);
	CHECK(text != NULL, "base: dump");
	if (text != NULL) {
		static const char *const want[] = {
			"[global]\n", "socket_group = root\n", "file_prefix = natgw-test\n",
			"rss_key = 6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:"
			"ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa\n",
			"[port in1]\n", "security_groups = web db\n", "nacl = open\n",
			"[table main]\nports = in1 out\nroute.1 = default via 203.0.113.254 dev out\n"
			"route.2 = 198.51.100.0/24 blackhole\nroute.3 = 10.9.0.0/16 via 10.0.1.254 dev in1\n",
			"[table t2]\nports = in2\nroute.1 = default via 10.0.2.254 dev in2\nroute.2 = 10.0.1.0/24 dev in1\n\n",
			"neigh.1 = 203.0.113.254 lladdr 02:00:5e:00:01:01 dev out\n",
			"pool = 203.0.113.1 203.0.113.2\n", "timeout_udp = 350\n",
			"forward.2 = 203.0.113.2:53 -> 10.0.2.53:53 udp\n",
			"[prefix_list office]\nprefix.1 = 192.0.2.0/24\nprefix.2 = 198.51.100.128/25\n",
			"members = 10.0.1.10 10.0.1.11\n", "rule.5 = ingress icmp 8 from 10.0.0.0/16\n",
			"rule.3 = ingress tcp from sg:web\n", "rule.2 = ingress tcp 443 from pl:office\n",
			"rule.2 = egress udp 53 to 10.0.0.2/32\ndefault_egress = yes\n",
			"rule.1 = ingress icmp 3/4 from 0.0.0.0/0\nrule.2 = ingress 47 from 10.0.0.0/8\ndefault_egress = no\n",
			"ingress.50 = deny all from 10.0.2.99/32\n",
			"ingress.100 = allow tcp 80 from 10.0.2.0/24 to 10.0.1.0/24\n",
			"egress.100 = allow tcp 1024-65535 to 10.0.2.0/24 from 10.0.1.0/24\n",
			"egress.200 = allow icmp to 0.0.0.0/0\n",
		};

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			CHECK(strstr(text, want[i]) != NULL, "base dump lacks \"%s\":\n%s", want[i], text);
		CHECK(strstr(text, "default-egress") == NULL && strstr(text, "description") == NULL &&
		      strstr(text, "profile") == NULL, "base dump has implied keys:\n%s", text);
		CHECK(strstr(text, "10.0.2.0/24 dev in2") == NULL, "connected route written:\n%s", text);
		free(text);
	}
	config_free(&cfg);
}

/* Group rules whose keys are not distinct rule.N are renumbered; a default
 * egress rule moved before other rules still round-trips. */
static void test_dump_renumber(void)
{
	struct natgw_config cfg, again;
	struct natgw_sg *g;
	char *text;

	if (load_text("base", base_ini, &cfg) != 0)
		return;
	g = &cfg.sgs[0]; /* web: 4 rules + default egress last */
	snprintf(g->rules[1].key, sizeof(g->rules[1].key), "rule.1"); /* duplicate key */
	{
		struct natgw_sg_rule t = g->rules[0];

		g->rules[0] = g->rules[g->n_rules - 1];
		g->rules[g->n_rules - 1] = t;
	}
	text = config_dump_ini(&cfg);
	CHECK(text != NULL && strstr(text, "[sg web]\nmembers = 10.0.1.10 10.0.1.11\nrule.1 = ingress tcp 443 from pl:office\nrule.2 = ingress tcp from sg:web\nrule.3 = ingress icmp 8 from 10.0.0.0/16\nrule.4 = ingress tcp 80 from 0.0.0.0/0\n\n") != NULL,
	      "renumbered group:\n%s", text ? text : "(null)");
	if (text != NULL && load_text("renumbered", text, &again) == 0) {
		CHECK(again.sgs[0].n_rules == 5 && strcmp(again.sgs[0].rules[4].key, "default-egress") == 0,
		      "default egress rule after reload");
		config_free(&again);
	}
	free(text);
	config_free(&cfg);
}

/* A copy shares nothing with its original. */
static void test_copy(void)
{
	struct natgw_config cfg, copy, ref, copy2;
	struct natgw_route r = { .len = 24, .type = NATGW_ROUTE_BLACKHOLE };
	int rc;

	if (load_text("base", base_ini, &cfg) != 0 || load_text("base", base_ini, &ref) != 0)
		return;
	rc = config_copy(&copy, &cfg);
	CHECK(rc == 0, "copy: %d", rc);
	if (rc != 0)
		return;
	CHECK(copy.tables[0].routes != cfg.tables[0].routes && copy.neighbours != cfg.neighbours &&
	      copy.sgs[0].rules != cfg.sgs[0].rules && copy.sgs[0].members != cfg.sgs[0].members &&
	      copy.nacls[1].rules != cfg.nacls[1].rules &&
	      copy.prefix_lists[0].prefix != cfg.prefix_lists[0].prefix &&
	      copy.prefix_lists[0].len != cfg.prefix_lists[0].len, "copy shares arrays");
	for (unsigned i = 0; i < 20; i++) { /* grow past the exact-size capacity */
		r.prefix = ip("172.16.0.0") + i * 0x10000u; /* 172.16+i.0.0/24 */
		CHECK(config_route_add(&copy.tables[0], &r) == 0, "route_add on copy %u", i);
	}
	copy.sgs[0].rules[0].l4.port_lo = 81;
	copy.sgs[0].rules[0].l4.port_hi = 81;
	copy.sgs[0].members[0] = ip("10.0.1.99");
	copy.nacls[1].rules[0].allow = !copy.nacls[1].rules[0].allow;
	copy.prefix_lists[0].len[0] = 25;
	copy.neighbours[0].mac[5] ^= 1;
	copy.global.icmp_rate++;
	snprintf(copy.ports[0].name, sizeof(copy.ports[0].name), "changed");
	CHECK(config_equal(&cfg, &ref), "original changed by edits of its copy");
	CHECK(!config_equal(&cfg, &copy), "edited copy still equal");
	rc = config_copy(&copy2, &copy);
	CHECK(rc == 0 && config_equal(&copy, &copy2) && copy2.tables[0].n_routes == copy.tables[0].n_routes,
	      "copy of a copy");
	if (rc == 0)
		config_free(&copy2);
	config_free(&copy);
	config_free(&cfg);
	config_free(&ref);
}

/* config_equal ignores what the overview says it ignores, and nothing else. */
static void test_equal(void)
{
	struct natgw_config a, b;

	if (load_text("base", base_ini, &a) != 0)
		return;
	if (config_copy(&b, &a) != 0) {
		config_free(&a);
		return;
	}
	snprintf(b.source, sizeof(b.source), "elsewhere");
	{ /* reverse the routes of main and the rules of web */
		struct natgw_route_table *t = &b.tables[0];
		struct natgw_sg *g = &b.sgs[0];

		for (unsigned i = 0; i < t->n_routes / 2; i++) {
			struct natgw_route x = t->routes[i];

			t->routes[i] = t->routes[t->n_routes - 1 - i];
			t->routes[t->n_routes - 1 - i] = x;
		}
		for (unsigned i = 0; i < g->n_rules / 2; i++) {
			struct natgw_sg_rule x = g->rules[i];

			g->rules[i] = g->rules[g->n_rules - 1 - i];
			g->rules[g->n_rules - 1 - i] = x;
		}
	}
	b.sgs[0].rules[0].l4.icmp_type = 5; /* the default rule (all protocols): unused */
	CHECK(config_equal(&a, &b), "order, source and unused fields count");
	b.nacls[1].rules[1].other_len = 0;
	CHECK(!config_equal(&a, &b), "NACL other side ignored");
	config_free(&a);
	config_free(&b);
}

/* ---- config_validate ------------------------------------------------------- */

/* Edits of the model the loader would refuse. */
static void edit_gw_outside(struct natgw_config *c)
{
	struct natgw_route r = { .prefix = ip("198.18.0.0"), .len = 15, .type = NATGW_ROUTE_GATEWAY,
				 .port = 2, .gateway = ip("10.0.1.254") };

	config_route_add(&c->tables[0], &r);
}

static void edit_dup_route(struct natgw_config *c)
{
	struct natgw_route_table *t = &c->tables[0];
	struct natgw_route r = t->routes[0]; /* default via 203.0.113.254 */
	struct natgw_route *g = realloc(t->routes, (t->n_routes + 1) * sizeof(*g));

	if (g == NULL)
		return;
	r.gateway = ip("203.0.113.253");
	t->routes = g;
	t->routes[t->n_routes++] = r;
	t->cap = t->n_routes;
}

static void edit_sg_ref(struct natgw_config *c)
{
	c->sgs[1].rules[0].peer_kind = NATGW_PEER_SG;
	c->sgs[1].rules[0].peer_ref = 40;
}

static void edit_nacl_dup(struct natgw_config *c)
{
	c->nacls[1].rules[0].number = c->nacls[1].rules[1].number; /* ingress 50 -> 100 */
}

static void edit_name_case(struct natgw_config *c)
{
	snprintf(c->sgs[2].name, sizeof(c->sgs[2].name), "Quiet");
}

static void edit_table_index(struct natgw_config *c)
{
	c->ports[1].table = 7;
}

static void edit_pool_empty(struct natgw_config *c)
{
	c->nat.n_pool = 0;
}

static void edit_host_bits(struct natgw_config *c)
{
	c->nacls[0].rules[0].cidr = ip("10.0.0.1");
	c->nacls[0].rules[0].cidr_len = 8;
}

static void edit_neigh_port(struct natgw_config *c)
{
	c->neighbours[0].port = 1;
}

static void edit_pl_ref(struct natgw_config *c)
{
	c->sgs[0].rules[1].peer_ref = 3;
}

static void edit_route_type(struct natgw_config *c)
{
	c->tables[0].routes[0].type = 9;
}

static void edit_route_port(struct natgw_config *c)
{
	c->tables[0].routes[0].port = 9;
}

static void edit_sg_dir(struct natgw_config *c)
{
	c->sgs[0].rules[0].dir = 5;
}

static void edit_nacl_dir(struct natgw_config *c)
{
	c->nacls[0].rules[0].dir = 3;
}

static void edit_bind_sg(struct natgw_config *c)
{
	c->ports[2].security_groups = UINT64_C(1) << 40;
}

static void edit_ok(struct natgw_config *c)
{
	struct natgw_route r = { .prefix = ip("192.0.2.0"), .len = 24, .type = NATGW_ROUTE_GATEWAY,
				 .port = 0, .gateway = ip("10.0.1.200") };

	config_route_add(&c->tables[1], &r);
	c->sgs[0].rules[0].l4.port_lo = 8080;
	c->sgs[0].rules[0].l4.port_hi = 8081;
}

static const struct {
	const char *name;
	void (*edit)(struct natgw_config *);
	int rc;
	const char *frag; /* in the message */
} validate_cases[] = {
	{ "valid edit", edit_ok, 0, NULL },
	{ "gateway outside", edit_gw_outside, -EINVAL,
	  "[table main] route.4: gateway 10.0.1.254 is not in the subnet of port out (203.0.113.0/24)" },
	{ "duplicate route", edit_dup_route, -EINVAL, "[table main] route.4: duplicate route 0.0.0.0/0 in [table main] (first on line" },
	{ "sg index", edit_sg_ref, -EINVAL, "[sg db] rule.1: unknown security group '<index-40>' (groups: web, db, quiet)" },
	{ "pl index", edit_pl_ref, -EINVAL, "[sg web] rule.2: unknown prefix list '<index-3>' (prefix lists: office)" },
	{ "nacl duplicate", edit_nacl_dup, -EINVAL,
	  "duplicate key 'ingress.100' in [nacl priv2] (first on line" },
	{ "name case", edit_name_case, -EINVAL, "security group name \"Quiet\" may only contain a-z, 0-9, '_' and '-'" },
	{ "table index", edit_table_index, -EINVAL, "[port in2]: bound to table index 7, but only 2 tables exist" },
	{ "empty pool", edit_pool_empty, -EINVAL, "[nat] pool: expected 1..16 public addresses" },
	{ "host bits", edit_host_bits, -EINVAL, "[nacl open] ingress.100: prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
	{ "route type", edit_route_type, -EINVAL,
	  "[table main] route.1: expected \"PREFIX via GATEWAY [dev PORT]\", \"PREFIX dev PORT\" or \"PREFIX blackhole\", got \"default route-type-9\"" },
	{ "route port", edit_route_port, -EINVAL, "[table main] route.1: unknown port '<index-9>' (ports: in1, in2, out)" },
	{ "sg direction", edit_sg_dir, -EINVAL, "[sg web] rule.1: expected direction ingress or egress first, got \"direction-5\"" },
	{ "nacl direction", edit_nacl_dir, -EINVAL, "[nacl open] direction-3.100: unknown key (expected ingress.N or egress.N" },
	{ "port group index", edit_bind_sg, -EINVAL, "[port out] security_groups: unknown security group '<index-40>'" },
	{ "neighbour subnet", edit_neigh_port, -EINVAL,
	  "[neighbours] neigh.1: 203.0.113.254 is not a neighbour in the subnet of port in2 (10.0.2.0/24)" },
};

/* Edited models are checked with the loader's rules and messages. */
static void test_validate(void)
{
	struct natgw_config base;
	char err[NATGW_ERR_MAX];

	if (load_text("base", base_ini, &base) != 0)
		return;
	CHECK(config_validate(&base, err, sizeof(err)) == 0, "base: %s", err);
	for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
		struct natgw_config c;
		int rc;

		if (config_copy(&c, &base) != 0) {
			CHECK(false, "copy");
			continue;
		}
		validate_cases[i].edit(&c);
		err[0] = '\0';
		rc = config_validate(&c, err, sizeof(err));
		CHECK(rc == validate_cases[i].rc, "%s: rc %d, expected %d (%s)", validate_cases[i].name, rc,
		      validate_cases[i].rc, err);
		if (validate_cases[i].frag != NULL) {
			CHECK(strncmp(err, "<running config>:", 17) == 0 && strstr(err, validate_cases[i].frag) != NULL,
			      "%s: message \"%s\", expected \"%s\"", validate_cases[i].name, err,
			      validate_cases[i].frag);
		}
		config_free(&c);
	}
	config_free(&base);
}

/* ---- config_live_diff ------------------------------------------------------ */

static void d_lcores(struct natgw_config *c) { snprintf(c->global.lcores, sizeof(c->global.lcores), "0-3"); }
static void d_memory(struct natgw_config *c) { c->global.memory_mb = 512; }
static void d_prefix(struct natgw_config *c) { c->global.file_prefix[0] = '\0'; }
static void d_socket(struct natgw_config *c) { snprintf(c->global.socket_path, sizeof(c->global.socket_path), "/run/x.sock"); }
static void d_group(struct natgw_config *c) { snprintf(c->global.socket_group, sizeof(c->global.socket_group), "0"); }
static void d_pidfile(struct natgw_config *c) { c->global.pidfile[0] = '\0'; }
static void d_garp(struct natgw_config *c) { c->global.gratuitous_arp = false; }
static void d_rss_key(struct natgw_config *c) { c->global.rss_key[39] ^= 1; }
static void d_rss_key_default(struct natgw_config *c)
{
	memcpy(c->global.rss_key, rss_key_symmetric, RSS_KEY_LEN);
	c->global.rss_key_set = false;
}
static void d_rss_key_unset(struct natgw_config *c) { c->global.rss_key_set = false; }
static void d_devargs(struct natgw_config *c) { snprintf(c->ports[0].devargs, sizeof(c->ports[0].devargs), "net_null9"); }
static void d_address(struct natgw_config *c) { c->ports[2].addr = ip("203.0.113.9"); }
static void d_prefixlen(struct natgw_config *c) { c->ports[2].prefix_len = 25; }
static void d_mtu(struct natgw_config *c) { c->ports[1].mtu = 1500; }
static void d_queues(struct natgw_config *c) { c->ports[2].queues = 1; }
static void d_rxcsum(struct natgw_config *c) { c->ports[0].rx_csum_offload = false; }
static void d_txcsum(struct natgw_config *c) { c->ports[0].tx_csum_offload = false; }
static void d_promisc(struct natgw_config *c) { c->ports[0].promisc = true; }
static void d_port_removed(struct natgw_config *c) { c->n_ports = 2; }
static void d_port_added(struct natgw_config *c)
{
	c->ports[3] = c->ports[1];
	snprintf(c->ports[3].name, sizeof(c->ports[3].name), "in3");
	c->n_ports = 4;
}
static void d_port_swap(struct natgw_config *c)
{
	struct natgw_port_config p = c->ports[0];

	c->ports[0] = c->ports[1];
	c->ports[1] = p;
}
static void d_nat_removed(struct natgw_config *c) { c->nat.enabled = false; }
static void d_nat_port(struct natgw_config *c) { c->nat.port = 1; }
static void d_nat_pool(struct natgw_config *c) { c->nat.n_pool = 1; }
static void d_nat_pool_order(struct natgw_config *c)
{
	uint32_t a = c->nat.pool[0];

	c->nat.pool[0] = c->nat.pool[1];
	c->nat.pool[1] = a;
}
static void d_nat_inside(struct natgw_config *c) { c->nat.inside_len[1] = 23; c->nat.inside[1] = ip("10.0.2.0"); }
static void d_nat_ports(struct natgw_config *c) { c->nat.port_min = 2000; }
static void d_nat_mapping(struct natgw_config *c) { c->nat.mapping = NATGW_NAT_MAPPING_TUPLE; }

static void d_none(struct natgw_config *c) { (void)c; }
static void d_icmp_rate(struct natgw_config *c) { c->global.icmp_rate = 1; }
static void d_global_live(struct natgw_config *c)
{
	c->global.icmp_burst = 1;
	c->global.neigh_timeout = 1;
	c->global.stats_interval = 0;
}
static void d_route_add(struct natgw_config *c)
{
	struct natgw_route r = { .prefix = ip("192.0.2.0"), .len = 24, .type = NATGW_ROUTE_GATEWAY,
				 .port = 2, .gateway = ip("203.0.113.9") };

	config_route_add(&c->tables[0], &r);
}
static void d_route_del(struct natgw_config *c)
{
	struct natgw_route_table *t = &c->tables[0];

	t->routes[0] = t->routes[--t->n_routes];
}
static void d_route_gw(struct natgw_config *c) { c->tables[0].routes[0].gateway = ip("203.0.113.253"); }
static void d_table_add(struct natgw_config *c)
{
	struct natgw_route r = { .prefix = 0, .len = 0, .type = NATGW_ROUTE_BLACKHOLE };

	snprintf(c->tables[2].name, sizeof(c->tables[2].name), "t3");
	c->n_tables = 3;
	config_route_add(&c->tables[2], &r);
}
static void d_bind_table(struct natgw_config *c)
{
	c->ports[1].table = 0;
	c->tables[0].ingress_ports |= 2;
	c->tables[1].ingress_ports &= ~2u;
}
static void d_bind_sg(struct natgw_config *c) { c->ports[0].security_groups = 1; }
static void d_bind_nacl(struct natgw_config *c) { c->ports[0].nacl = 1; }
static void d_neigh_add(struct natgw_config *c)
{
	struct natgw_neighbour_config *g = realloc(c->neighbours, 2 * sizeof(*g));

	if (g == NULL)
		return;
	c->neighbours = g;
	c->neighbours_cap = 2;
	g[1] = g[0];
	g[1].addr = ip("203.0.113.253");
	c->n_neighbours = 2;
}
static void d_neigh_mac(struct natgw_config *c) { c->neighbours[0].mac[5] = 0x42; }
static void d_timeouts(struct natgw_config *c) { c->nat.timeout_tcp_established = 7440; }
static void d_limits(struct natgw_config *c) { c->nat.max_sessions_per_host = 100; }
static void d_reuse(struct natgw_config *c) { c->nat.port_reuse_delay = 0; }
static void d_icmp_exh(struct natgw_config *c) { c->nat.icmp_on_exhaustion = true; }
static void d_forward_add(struct natgw_config *c)
{
	c->nat.forwards[2] = c->nat.forwards[0];
	c->nat.forwards[2].public_port = 8443;
	c->nat.n_forwards = 3;
}
static void d_forward_del(struct natgw_config *c) { c->nat.n_forwards = 1; }
static void d_sg_rule(struct natgw_config *c) { c->sgs[0].rules[0].l4.port_lo = c->sgs[0].rules[0].l4.port_hi = 8080; }
static void d_sg_member(struct natgw_config *c) { c->sgs[0].members[1] = ip("10.0.1.12"); }
static void d_sg_add(struct natgw_config *c)
{
	memset(&c->sgs[3], 0, sizeof(c->sgs[3]));
	snprintf(c->sgs[3].name, sizeof(c->sgs[3].name), "extra");
	c->n_sgs = 4;
}
static void d_sg_insert(struct natgw_config *c)
{
	/* a new group first: every index shifts, nothing else changes */
	for (unsigned i = c->n_sgs; i > 0; i--)
		c->sgs[i] = c->sgs[i - 1];
	memset(&c->sgs[0], 0, sizeof(c->sgs[0]));
	snprintf(c->sgs[0].name, sizeof(c->sgs[0].name), "first");
	c->n_sgs++;
	for (unsigned i = 1; i < c->n_sgs; i++)
		for (unsigned r = 0; r < c->sgs[i].n_rules; r++)
			if (c->sgs[i].rules[r].peer_kind == NATGW_PEER_SG)
				c->sgs[i].rules[r].peer_ref++;
	for (unsigned p = 0; p < c->n_ports; p++)
		c->ports[p].security_groups <<= 1;
}
static void d_nacl_rule(struct natgw_config *c) { c->nacls[1].rules[0].allow = true; }
static void d_nacl_other(struct natgw_config *c) { c->nacls[1].rules[1].other_cidr = ip("10.0.3.0"); }
static void d_pl(struct natgw_config *c) { c->prefix_lists[0].prefix[1] = ip("198.51.100.0"); }
static void d_several(struct natgw_config *c)
{
	d_route_add(c);
	d_sg_rule(c);
	d_nacl_rule(c);
	d_timeouts(c);
}

static const struct {
	const char *name;
	void (*edit)(struct natgw_config *);
	int rc;
	const char *frag; /* rc 0: in the summary; -EBUSY: in err */
} diff_cases[] = {
	/* needs a restart */
	{ "lcores", d_lcores, -EBUSY, "[global] lcores changed: needs a restart" },
	{ "memory", d_memory, -EBUSY, "[global] memory_mb changed: needs a restart" },
	{ "file_prefix", d_prefix, -EBUSY, "[global] file_prefix changed: needs a restart" },
	{ "socket", d_socket, -EBUSY, "[global] socket changed: needs a restart" },
	{ "socket_group", d_group, -EBUSY, "[global] socket_group changed: needs a restart" },
	{ "pidfile", d_pidfile, -EBUSY, "[global] pidfile changed: needs a restart" },
	{ "garp", d_garp, -EBUSY, "[global] gratuitous_arp changed: needs a restart" },
	{ "rss_key", d_rss_key, -EBUSY, "[global] rss_key changed: needs a restart" },
	{ "rss_key default", d_rss_key_default, -EBUSY, "[global] rss_key changed: needs a restart" },
	{ "devargs", d_devargs, -EBUSY, "[port in1] devargs changed: needs a restart" },
	{ "address", d_address, -EBUSY, "[port out] address changed: needs a restart" },
	{ "prefix len", d_prefixlen, -EBUSY, "[port out] address changed: needs a restart" },
	{ "mtu", d_mtu, -EBUSY, "[port in2] mtu changed: needs a restart" },
	{ "queues", d_queues, -EBUSY, "[port out] queues changed: needs a restart" },
	{ "rx csum", d_rxcsum, -EBUSY, "[port in1] rx_checksum_offload changed: needs a restart" },
	{ "tx csum", d_txcsum, -EBUSY, "[port in1] tx_checksum_offload changed: needs a restart" },
	{ "promisc", d_promisc, -EBUSY, "[port in1] promiscuous changed: needs a restart" },
	{ "port removed", d_port_removed, -EBUSY, "[port out] removed: needs a restart" },
	{ "port added", d_port_added, -EBUSY, "[port in3] added: needs a restart" },
	{ "ports swapped", d_port_swap, -EBUSY, "[port in2] moved from position 2 to 1" },
	{ "nat removed", d_nat_removed, -EBUSY, "[nat] removed: needs a restart" },
	{ "nat port", d_nat_port, -EBUSY, "[nat] port changed: needs a restart" },
	{ "nat pool", d_nat_pool, -EBUSY, "[nat] pool changed: needs a restart" },
	{ "nat pool order", d_nat_pool_order, -EBUSY, "[nat] pool changed: needs a restart" },
	{ "nat inside", d_nat_inside, -EBUSY, "[nat] inside changed: needs a restart" },
	{ "nat ports", d_nat_ports, -EBUSY, "[nat] ports changed: needs a restart" },
	{ "nat mapping", d_nat_mapping, -EBUSY, "[nat] mapping changed: needs a restart" },
	/* live */
	{ "nothing", d_none, 0, "no change" },
	{ "rss_key same bytes", d_rss_key_unset, 0, "no change" },
	{ "icmp_rate", d_icmp_rate, 0, "global: icmp_rate changed" },
	{ "global live", d_global_live, 0, "global: icmp_burst, neigh_timeout, stats_interval changed" },
	{ "route added", d_route_add, 0, "table main: +1 -0 routes" },
	{ "route removed", d_route_del, 0, "table main: +0 -1 routes" },
	{ "route changed", d_route_gw, 0, "table main: +0 -0 ~1 routes" },
	{ "table added", d_table_add, 0, "table t3: added, 1 routes" },
	{ "table binding", d_bind_table, 0, "port in2: table changed" },
	{ "sg binding", d_bind_sg, 0, "port in1: security_groups changed" },
	{ "nacl binding", d_bind_nacl, 0, "port in1: nacl changed" },
	{ "neighbour added", d_neigh_add, 0, "neighbours: +1 -0" },
	{ "neighbour mac", d_neigh_mac, 0, "neighbours: +0 -0 ~1" },
	{ "timeouts", d_timeouts, 0, "nat: timeouts changed" },
	{ "limits", d_limits, 0, "nat: limits changed" },
	{ "reuse delay", d_reuse, 0, "nat: port_reuse_delay changed" },
	{ "icmp exhaustion", d_icmp_exh, 0, "nat: icmp_on_exhaustion changed" },
	{ "forward added", d_forward_add, 0, "nat: forwards +1 -0 changed" },
	{ "forward removed", d_forward_del, 0, "nat: forwards +0 -1 changed" },
	{ "sg rule", d_sg_rule, 0, "sg web: rules changed" },
	{ "sg member", d_sg_member, 0, "sg web: members changed" },
	{ "sg added", d_sg_add, 0, "sg extra: added" },
	{ "sg inserted first", d_sg_insert, 0, "sg first: added" },
	{ "nacl rule", d_nacl_rule, 0, "nacl priv2: rules changed" },
	{ "nacl other side", d_nacl_other, 0, "nacl priv2: rules changed" },
	{ "prefix list", d_pl, 0, "prefix_list office: +1 -1 prefixes" },
	{ "several", d_several, 0,
	  "table main: +1 -0 routes; nat: timeouts changed; sg web: rules changed; nacl priv2: rules changed" },
};

/* Each change that needs a restart is refused and named; live ones are summarised. */
static void test_live_diff(void)
{
	struct natgw_config base, nonat;
	char err[NATGW_ERR_MAX], sum[512];
	int rc;

	if (load_text("base", base_ini, &base) != 0)
		return;
	for (size_t i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]); i++) {
		struct natgw_config c;

		if (config_copy(&c, &base) != 0) {
			CHECK(false, "copy");
			continue;
		}
		diff_cases[i].edit(&c);
		err[0] = '\0';
		snprintf(sum, sizeof(sum), "untouched");
		rc = config_live_diff(&base, &c, sum, sizeof(sum), err, sizeof(err));
		CHECK(rc == diff_cases[i].rc, "%s: rc %d, expected %d (%s / %s)", diff_cases[i].name, rc,
		      diff_cases[i].rc, sum, err);
		if (diff_cases[i].rc == 0) {
			CHECK(strstr(sum, diff_cases[i].frag) != NULL, "%s: summary \"%s\", expected \"%s\"",
			      diff_cases[i].name, sum, diff_cases[i].frag);
			CHECK(config_validate(&c, err, sizeof(err)) == 0, "%s: live edit is invalid: %s",
			      diff_cases[i].name, err);
		} else {
			CHECK(strstr(err, diff_cases[i].frag) != NULL && sum[0] == '\0',
			      "%s: err \"%s\", expected \"%s\" (summary \"%s\")", diff_cases[i].name, err,
			      diff_cases[i].frag, sum);
		}
		config_free(&c);
	}
	/* the reverse of "removed" */
	if (config_copy(&nonat, &base) == 0) {
		nonat.nat.enabled = false;
		rc = config_live_diff(&nonat, &base, sum, sizeof(sum), err, sizeof(err));
		CHECK(rc == -EBUSY && strcmp(err, "[nat] added: needs a restart") == 0, "nat added: %d %s", rc, err);
		config_free(&nonat);
	}
	/* a short summary buffer is truncated, one line, NUL-terminated */
	{
		struct natgw_config c;

		if (config_copy(&c, &base) == 0) {
			d_several(&c);
			rc = config_live_diff(&base, &c, sum, 20, err, sizeof(err));
			CHECK(rc == 0 && strlen(sum) == 19 && strcmp(sum + 16, "...") == 0, "truncated: \"%s\"", sum);
			rc = config_live_diff(&base, &c, NULL, 0, err, sizeof(err));
			CHECK(rc == 0, "no summary buffer");
			config_free(&c);
		}
	}
	config_free(&base);
}

/* ---- [global] socket_group and config_load_ini_text ------------------------ */

static const struct {
	const char *value;
	int rc;
	const char *expect; /* stored value, or message fragment */
} group_cases[] = {
	{ "root", 0, "root" },
	{ "0", 0, "0" },
	{ "4294967294", 0, "4294967294" },
	{ "\"\"", 0, "" },
	{ "4294967295", -EINVAL, ":2: [global] socket_group: gid 4294967295 is out of range 0..4294967294" },
	{ "natgw-no-such-group", -EINVAL,
	  ":2: [global] socket_group: unknown group 'natgw-no-such-group' (expected a group name from the group database or a numeric gid)" },
	{ "wheel staff", -EINVAL, ":2: [global] socket_group: expected a group name or a numeric gid" },
};

/* socket_group: names resolved at load, numbers taken as they are. */
static void test_socket_group(void)
{
	char text[512], err[NATGW_ERR_MAX];

	for (size_t i = 0; i < sizeof(group_cases) / sizeof(group_cases[0]); i++) {
		struct natgw_config cfg;
		int rc;

		snprintf(text, sizeof(text), "[global]\nsocket_group = %s\n[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n",
			 group_cases[i].value);
		err[0] = '\0';
		rc = config_load_ini_text("group.ini", text, strlen(text), &cfg, err, sizeof(err));
		CHECK(rc == group_cases[i].rc, "socket_group %s: rc %d (%s)", group_cases[i].value, rc, err);
		if (rc == 0) {
			CHECK(strcmp(cfg.global.socket_group, group_cases[i].expect) == 0, "socket_group %s: stored \"%s\"",
			      group_cases[i].value, cfg.global.socket_group);
			round_trip("socket_group", &cfg);
			config_free(&cfg);
		} else {
			CHECK(strncmp(err, "group.ini:2:", 12) == 0 && strstr(err, group_cases[i].expect) != NULL,
			      "socket_group %s: \"%s\"", group_cases[i].value, err);
		}
	}
}

/* ---- [global] rss_key ------------------------------------------------------ */

static const struct {
	const char *line;   /* rss_key line of the file, or "" */
	const uint8_t *key; /* expected bytes */
	bool set;
	const char *dumped; /* rss_key line of the dump, or NULL: none */
} rss_cases[] = {
	{ "", rss_key_symmetric, false, NULL },
	{ "rss_key = symmetric\n", rss_key_symmetric, true,
	  "rss_key = 6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:"
	  "6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a:6d:5a\n" },
	{ "rss_key = Microsoft\n", rss_key_default, true,
	  "rss_key = 6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:"
	  "ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa\n" },
	{ "rss_key = 6D5A56DA255B0EC24167253D43A38FB0D0CA2BCBAE7B30B477CB2DA38030F20C6A42B73BBEAC01FA\n",
	  rss_key_default, true,
	  "rss_key = 6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:"
	  "ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa\n" },
};

/* rss_key: dumped (hex, ':') when configured, not when left at its default;
 * each round-trips with its bytes and rss_key_set; a key edited in the model
 * without rss_key_set is still written, so it is never lost. */
static void test_rss_key(void)
{
	char text[512], *dump;

	for (size_t i = 0; i < sizeof(rss_cases) / sizeof(rss_cases[0]); i++) {
		struct natgw_config cfg, again;

		snprintf(text, sizeof(text), "[global]\n%s[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n",
			 rss_cases[i].line);
		if (load_text("rss_key", text, &cfg) != 0)
			continue;
		CHECK(memcmp(cfg.global.rss_key, rss_cases[i].key, RSS_KEY_LEN) == 0 &&
		      cfg.global.rss_key_set == rss_cases[i].set, "rss_key case %zu: bytes or set", i);
		round_trip("rss_key", &cfg);
		dump = config_dump_ini(&cfg);
		CHECK(dump != NULL, "rss_key case %zu: dump", i);
		if (dump != NULL) {
			if (rss_cases[i].dumped == NULL)
				CHECK(strstr(dump, "rss_key") == NULL, "rss_key case %zu: default written:\n%s", i, dump);
			else
				CHECK(strstr(dump, rss_cases[i].dumped) != NULL, "rss_key case %zu: dump lacks \"%s\":\n%s",
				      i, rss_cases[i].dumped, dump);
			if (load_text("rss_key dump", dump, &again) == 0) {
				CHECK(again.global.rss_key_set == rss_cases[i].set, "rss_key case %zu: set lost", i);
				config_free(&again);
			}
			free(dump);
		}
		config_free(&cfg);
	}
	/* a key edited in the model (rss_key_set false) is written and kept */
	{
		struct natgw_config cfg, again;

		snprintf(text, sizeof(text), "[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\n");
		if (load_text("rss_key edit", text, &cfg) != 0)
			return;
		memcpy(cfg.global.rss_key, rss_key_default, RSS_KEY_LEN);
		round_trip("rss_key edit", &cfg);
		dump = config_dump_ini(&cfg);
		if (dump != NULL && load_text("rss_key edit dump", dump, &again) == 0) {
			CHECK(memcmp(again.global.rss_key, rss_key_default, RSS_KEY_LEN) == 0, "edited rss_key lost");
			config_free(&again);
		}
		free(dump);
		config_free(&cfg);
	}
}

/* Text loads name their source; too much text is refused; text need not end in NUL. */
static void test_load_text(void)
{
	static const char bad[] = "[port a]\ndevargs = net_null0\nmtu = 1\naddress = 10.0.0.1/24\n";
	static const char partial[] = "[port a]\ndevargs = net_null0\naddress = 10.0.0.1/24\nmtu = 90";
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX];
	char *big;
	int rc;

	rc = config_load_ini_text("mem", bad, strlen(bad), &cfg, err, sizeof(err));
	CHECK(rc == -EINVAL && strcmp(err, "mem:3: [port a] mtu: expected an integer 68..9216, got \"1\"") == 0,
	      "bad text: %d %s", rc, err);
	/* only the first len bytes count: "mtu = 9" is refused, not "mtu = 90" */
	rc = config_load_ini_text("mem", partial, strlen(partial) - 1, &cfg, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "got \"9\"") != NULL, "partial text: %d %s", rc, err);
	big = malloc((1u << 20) + 2);
	if (big != NULL) {
		memset(big, '\n', (1u << 20) + 1);
		rc = config_load_ini_text("big", big, (1u << 20) + 1, &cfg, err, sizeof(err));
		CHECK(rc == -EFBIG && strstr(err, "big: file is larger than") != NULL, "big text: %d %s", rc, err);
		free(big);
	}
	rc = config_load_ini_text("empty", "", 0, &cfg, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "no [port NAME] section") != NULL, "empty text: %d %s", rc, err);
}

int main(void)
{
	test_round_trip();
	test_dump_renumber();
	test_copy();
	test_equal();
	test_validate();
	test_live_diff();
	test_socket_group();
	test_rss_key();
	test_load_text();
	return tu_summary("test_config_dump");
}
