/* INI loader: the [nat] section -> cfg->nat (struct natgw_nat_config).
 *
 * Overview: config_ini.c calls ini_nat() once, after ports, tables and
 * neighbours are loaded, for the single [nat] section (a second one is a
 * duplicate section, caught by the pre-scan). Keys may come in any order, so
 * the section is read in a fixed order of its own:
 *   1. port (required): every address check below needs the NAT port;
 *   2. profile: fills the timeouts, so explicit timeout_* keys win wherever
 *      they stand;
 *   3. every other key except forward.N, in file order;
 *   4. cross-checks: inside is required, pool defaults to the port's own
 *      address, no pool address inside an inside prefix, per-host cap <= total;
 *   5. forward.N, in file order (they need the final pool and inside prefixes).
 * Defaults come from config_init(). The format is documented in docs/CONFIG.md
 * ("[nat]"); keep the two in step.
 *
 * Errors: like the rest of the loader, "FILE:LINE: [nat] KEY: what was expected".
 * Life-cycle / threads: control thread only, during a load; no state of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "natgw/config.h"
#include "config_ini.h"

#define NAT_TIMEOUT_MAX 604800u    /* one week */
#define NAT_SESSIONS_MAX 16777216u /* 2^24 */
#define NAT_REUSE_DELAY_MAX 3600u
#define NAT_CLOUD_IDLE 350u        /* AWS NAT gateway idle timeout */
#define NAT_LIST_BUF 400           /* address lists in messages */

static const char nat_known_keys[] =
	"port, pool, inside, ports, mapping, profile, timeout_udp, timeout_tcp_established, "
	"timeout_tcp_transitory, timeout_tcp_syn, timeout_icmp, max_sessions, "
	"max_sessions_per_host, port_reuse_delay, icmp_on_exhaustion or forward.N";

/* The key record called name in section s, or NULL. */
static const struct ini_key *nat_key_find(const struct ini_doc *doc, const struct ini_sect *s,
					  const char *name)
{
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++)
		if (strcmp(doc->keys[i].name, name) == 0)
			return &doc->keys[i];
	return NULL;
}

/* "a.b.c.d, e.f.g.h" of the pool into buf. */
static const char *nat_pool_list(const struct natgw_nat_config *n, char *buf, size_t size)
{
	size_t off = 0;
	char b[16];

	buf[0] = '\0';
	for (unsigned i = 0; i < n->n_pool && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					ini_ntoa(n->pool[i], b));
	return buf;
}

/* "a.b.c.d/len, ..." of the inside prefixes into buf. */
static const char *nat_inside_list(const struct natgw_nat_config *n, char *buf, size_t size)
{
	size_t off = 0;
	char b[16];

	buf[0] = '\0';
	for (unsigned i = 0; i < n->n_inside && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s/%u", i ? ", " : "",
					ini_ntoa(n->inside[i], b), n->inside_len[i]);
	return buf;
}

/* Parse a decimal number min..max (digits only, nothing else); 0 or -EINVAL. */
static int nat_parse_num(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	if (v < min)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* "port = NAME": the egress port masquerading applies to. */
static int nat_port(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *tok[2];
	int n, p;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, 1);
	if (n != 1)
		return ini_fail_key(doc, k, "expected the name of one port (the egress port to masquerade on, e.g. port = out), got \"%s\"",
				    k->value);
	p = ini_port_ref(doc, k, cfg, tok[0]);
	if (p < 0)
		return p;
	cfg->nat.port = (uint16_t)p;
	return 0;
}

/* Check one pool address against the NAT port p (index pi). */
static int nat_pool_addr_check(struct ini_doc *doc, const struct ini_key *k,
			       const struct natgw_config *cfg, unsigned pi, uint32_t a)
{
	const struct natgw_port_config *p = &cfg->ports[pi];
	uint32_t m = ini_mask(p->prefix_len);
	char b1[16], b2[16];

	if (!ini_in_subnet(p, a))
		return ini_fail_key(doc, k, "pool address %s is not in the subnet of NAT port %s (%s/%u): natgw answers ARP for pool addresses on that link",
				    ini_ntoa(a, b1), p->name, ini_ntoa(p->addr & m, b2), p->prefix_len);
	if (p->prefix_len <= 30 && ((a & ~m) == 0 || (a & ~m) == ~m))
		return ini_fail_key(doc, k, "pool address %s is the %s address of port %s's subnet %s/%u",
				    ini_ntoa(a, b1), (a & ~m) == 0 ? "network" : "broadcast", p->name,
				    ini_ntoa(p->addr & m, b2), p->prefix_len);
	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 14)
		return ini_fail_key(doc, k, "pool address %s is not a unicast host address", ini_ntoa(a, b1));
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (i != pi && cfg->ports[i].addr == a)
			return ini_fail_key(doc, k, "pool address %s is port %s's own address",
					    ini_ntoa(a, b1), cfg->ports[i].name);
	return 0;
}

/* "pool = A.B.C.D [A.B.C.D ...]": public addresses on the NAT port's subnet. */
static int nat_pool(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *tok[NATGW_MAX_POOL], b[16];
	struct natgw_nat_config *n = &cfg->nat;
	int nt, rc;

	snprintf(buf, sizeof(buf), "%s", k->value);
	nt = ini_split(buf, tok, NATGW_MAX_POOL);
	if (nt == 0 || nt > NATGW_MAX_POOL)
		return ini_fail_key(doc, k, "expected 1..%d public addresses a.b.c.d separated by spaces, got \"%s\"",
				    NATGW_MAX_POOL, k->value);
	for (int i = 0; i < nt; i++) {
		uint32_t a;

		if (config_parse_ipv4(tok[i], &a) < 0)
			return ini_fail_key(doc, k, "expected an IPv4 address a.b.c.d, got \"%s\"", tok[i]);
		rc = nat_pool_addr_check(doc, k, cfg, n->port, a);
		if (rc < 0)
			return rc;
		for (unsigned j = 0; j < n->n_pool; j++)
			if (n->pool[j] == a)
				return ini_fail_key(doc, k, "pool address %s is listed twice", ini_ntoa(a, b));
		n->pool[n->n_pool++] = a;
	}
	return 0;
}

/* "inside = PREFIX [PREFIX ...]": source prefixes that are masqueraded. */
static int nat_inside(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *tok[NATGW_MAX_INSIDE], b1[16], b2[16];
	struct natgw_nat_config *n = &cfg->nat;
	int nt;

	snprintf(buf, sizeof(buf), "%s", k->value);
	nt = ini_split(buf, tok, NATGW_MAX_INSIDE);
	if (nt == 0 || nt > NATGW_MAX_INSIDE)
		return ini_fail_key(doc, k, "expected 1..%d prefixes a.b.c.d/len separated by spaces, got \"%s\"",
				    NATGW_MAX_INSIDE, k->value);
	for (int i = 0; i < nt; i++) {
		uint32_t a;
		uint8_t len;

		if (config_parse_prefix(tok[i], &a, &len, false) < 0)
			return ini_fail_key(doc, k, "expected a prefix a.b.c.d/len (e.g. 10.0.1.0/24), got \"%s\"",
					    tok[i]);
		if ((a & ~ini_mask(len)) != 0)
			return ini_fail_key(doc, k, "prefix %s has host bits set; did you mean %s/%u?", tok[i],
					    ini_ntoa(a & ini_mask(len), b1), len);
		for (unsigned j = 0; j < n->n_inside; j++) {
			unsigned l = len < n->inside_len[j] ? len : n->inside_len[j];

			if (((a ^ n->inside[j]) & ini_mask(l)) != 0)
				continue;
			if (len == n->inside_len[j])
				return ini_fail_key(doc, k, "prefix %s is listed twice", tok[i]);
			return ini_fail_key(doc, k, "prefixes %s/%u and %s/%u overlap; list each address once",
					    ini_ntoa(n->inside[j], b1), n->inside_len[j], ini_ntoa(a, b2), len);
		}
		n->inside[n->n_inside] = a;
		n->inside_len[n->n_inside++] = len;
	}
	return 0;
}

/* "ports = LO-HI": the public port range of dynamic mappings. */
static int nat_ports(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *dash, *lo_s, *hi_s;
	unsigned lo, hi;

	snprintf(buf, sizeof(buf), "%s", k->value);
	dash = strchr(buf, '-');
	if (dash == NULL)
		goto err_syntax;
	*dash = '\0';
	lo_s = ini_trim(buf);
	hi_s = ini_trim(dash + 1);
	if (nat_parse_num(lo_s, 1, 65535, &lo) < 0 || nat_parse_num(hi_s, 1, 65535, &hi) < 0)
		goto err_syntax;
	if (lo > hi)
		return ini_fail_key(doc, k, "range %u-%u is reversed (expected LOW-HIGH), got \"%s\"", lo, hi,
				    k->value);
	cfg->nat.port_min = (uint16_t)lo;
	cfg->nat.port_max = (uint16_t)hi;
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected a port range LOW-HIGH within 1-65535 (e.g. 1024-65535), got \"%s\"",
			    k->value);
}

/* "mapping = endpoint-independent | tuple-unique". */
static int nat_mapping(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	if (strcasecmp(k->value, "endpoint-independent") == 0)
		cfg->nat.mapping = NATGW_NAT_MAPPING_EIM;
	else if (strcasecmp(k->value, "tuple-unique") == 0)
		cfg->nat.mapping = NATGW_NAT_MAPPING_TUPLE;
	else
		return ini_fail_key(doc, k, "expected endpoint-independent or tuple-unique, got \"%s\"", k->value);
	return 0;
}

/* "profile = rfc | cloud": a set of timeouts, applied before the timeout_* keys. */
static int nat_profile(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	struct natgw_nat_config *n = &cfg->nat;

	if (strcasecmp(k->value, "rfc") == 0) {
		n->timeout_udp = 300;
		n->timeout_tcp_established = 7440;
		n->timeout_tcp_transitory = 240;
		n->timeout_tcp_syn = 30;
		n->timeout_icmp = 60;
	} else if (strcasecmp(k->value, "cloud") == 0) {
		/* idle timeout of every established class, like AWS NAT gateway;
		 * half-open (SYN, no answer) keeps its own short timer */
		n->timeout_udp = NAT_CLOUD_IDLE;
		n->timeout_tcp_established = NAT_CLOUD_IDLE;
		n->timeout_tcp_transitory = NAT_CLOUD_IDLE;
		n->timeout_icmp = NAT_CLOUD_IDLE;
	} else {
		return ini_fail_key(doc, k, "expected rfc or cloud, got \"%s\"", k->value);
	}
	return 0;
}

/* Parse "A.B.C.D:PORT" (s is modified); 0, or -EINVAL for the address, -ERANGE for the port. */
static int nat_endpoint(char *s, uint32_t *addr, uint16_t *port)
{
	char *colon = strrchr(s, ':');
	unsigned p;

	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	if (config_parse_ipv4(s, addr) < 0)
		return -EINVAL;
	if (nat_parse_num(colon + 1, 1, 65535, &p) < 0)
		return -ERANGE;
	*port = (uint16_t)p;
	return 0;
}

/* Line and name of an earlier forward.N with the same (proto, public, port), or NULL. */
static const struct ini_key *nat_forward_first(const struct ini_doc *doc, const struct ini_sect *s,
					       const struct natgw_nat_config *n, unsigned idx)
{
	const struct natgw_port_forward *f = &n->forwards[idx];
	unsigned seen = 0;

	/* forwards[] holds the forward.N keys in file order */
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++) {
		const struct natgw_port_forward *g;

		if (!ini_numbered_key(doc->keys[i].name, "forward."))
			continue;
		if (seen == idx)
			break;
		g = &n->forwards[seen++];
		if (g->proto == f->proto && g->public_addr == f->public_addr &&
		    g->public_port == f->public_port)
			return &doc->keys[i];
	}
	return NULL;
}

/* Check where a forward points: inside a masqueraded prefix, not natgw itself. */
static int nat_forward_inside(struct ini_doc *doc, const struct ini_key *k,
			      const struct natgw_config *cfg, uint32_t a)
{
	const struct natgw_nat_config *n = &cfg->nat;
	char b[16], list[NAT_LIST_BUF];
	bool in = false;

	for (unsigned i = 0; i < n->n_inside && !in; i++)
		in = ((a ^ n->inside[i]) & ini_mask(n->inside_len[i])) == 0;
	if (!in)
		return ini_fail_key(doc, k, "inside address %s is not in an inside prefix (%s)", ini_ntoa(a, b),
				    nat_inside_list(n, list, sizeof(list)));
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].addr == a)
			return ini_fail_key(doc, k, "inside address %s is port %s's own address", ini_ntoa(a, b),
					    cfg->ports[i].name);
	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 14)
		return ini_fail_key(doc, k, "inside address %s is not a unicast host address", ini_ntoa(a, b));
	return 0;
}

/* "forward.N = PUBLIC:PORT -> INSIDE:PORT tcp|udp": a static port-forward. */
static int nat_forward(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *arrow, *pub, *tok[3], b[16], list[NAT_LIST_BUF];
	struct natgw_nat_config *n = &cfg->nat;
	struct natgw_port_forward f = { 0 };
	const struct ini_key *first;
	bool in_pool = false;
	int nt, rc;

	if (n->n_forwards == NATGW_MAX_FORWARDS)
		return ini_fail_key(doc, k, "too many port-forwards: at most %d forward.N keys", NATGW_MAX_FORWARDS);
	snprintf(buf, sizeof(buf), "%s", k->value);
	arrow = strstr(buf, "->");
	if (arrow == NULL || strstr(arrow + 2, "->") != NULL)
		goto err_syntax;
	*arrow = '\0';
	pub = ini_trim(buf);
	nt = ini_split(arrow + 2, tok, 2);
	if (pub[0] == '\0' || strpbrk(pub, " \t") != NULL || nt != 2)
		goto err_syntax;
	rc = nat_endpoint(pub, &f.public_addr, &f.public_port);
	if (rc == -ERANGE)
		return ini_fail_key(doc, k, "expected a public port 1..65535 after '%s:', got \"%s\"", pub,
				    pub + strlen(pub) + 1);
	if (rc < 0)
		return ini_fail_key(doc, k, "expected the public side as a.b.c.d:PORT, got \"%s\"", pub);
	rc = nat_endpoint(tok[0], &f.inside_addr, &f.inside_port);
	if (rc == -ERANGE)
		return ini_fail_key(doc, k, "expected an inside port 1..65535 after '%s:', got \"%s\"", tok[0],
				    tok[0] + strlen(tok[0]) + 1);
	if (rc < 0)
		return ini_fail_key(doc, k, "expected the inside side as a.b.c.d:PORT, got \"%s\"", tok[0]);
	if (strcasecmp(tok[1], "tcp") == 0)
		f.proto = IPPROTO_TCP;
	else if (strcasecmp(tok[1], "udp") == 0)
		f.proto = IPPROTO_UDP;
	else
		return ini_fail_key(doc, k, "expected protocol tcp or udp at the end, got \"%s\"", tok[1]);
	for (unsigned i = 0; i < n->n_pool && !in_pool; i++)
		in_pool = n->pool[i] == f.public_addr;
	if (!in_pool)
		return ini_fail_key(doc, k, "public address %s is not in the NAT pool (%s)",
				    ini_ntoa(f.public_addr, b), nat_pool_list(n, list, sizeof(list)));
	rc = nat_forward_inside(doc, k, cfg, f.inside_addr);
	if (rc < 0)
		return rc;
	n->forwards[n->n_forwards++] = f;
	first = nat_forward_first(doc, &doc->sects[k->sect], n, n->n_forwards - 1);
	if (first != NULL)
		return ini_fail_key(doc, k, "%s %s:%u is already forwarded by %s (line %u)",
				    f.proto == IPPROTO_TCP ? "tcp" : "udp", ini_ntoa(f.public_addr, b),
				    f.public_port, first->name, first->line);
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected \"PUBLIC:PORT -> INSIDE:PORT tcp|udp\" (e.g. 203.0.113.1:8080 -> 10.0.1.10:80 tcp), got \"%s\"",
			    k->value);
}

/* One key of step 3 (everything but port, profile and forward.N). */
static int nat_key(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	struct natgw_nat_config *n = &cfg->nat;
	const struct {
		const char *name;
		unsigned min, max;
		uint32_t *dst;
	} nums[] = {
		{ "timeout_udp", 1, NAT_TIMEOUT_MAX, &n->timeout_udp },
		{ "timeout_tcp_established", 1, NAT_TIMEOUT_MAX, &n->timeout_tcp_established },
		{ "timeout_tcp_transitory", 1, NAT_TIMEOUT_MAX, &n->timeout_tcp_transitory },
		{ "timeout_tcp_syn", 1, NAT_TIMEOUT_MAX, &n->timeout_tcp_syn },
		{ "timeout_icmp", 1, NAT_TIMEOUT_MAX, &n->timeout_icmp },
		{ "max_sessions", 1, NAT_SESSIONS_MAX, &n->max_sessions },
		{ "max_sessions_per_host", 0, NAT_SESSIONS_MAX, &n->max_sessions_per_host },
		{ "port_reuse_delay", 0, NAT_REUSE_DELAY_MAX, &n->port_reuse_delay },
	};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		unsigned v;
		int rc;

		if (strcmp(k->name, nums[i].name) != 0)
			continue;
		rc = ini_get_uint(doc, k, nums[i].min, nums[i].max, &v);
		if (rc == 0)
			*nums[i].dst = v;
		return rc;
	}
	if (strcmp(k->name, "pool") == 0)
		return nat_pool(doc, k, cfg);
	if (strcmp(k->name, "inside") == 0)
		return nat_inside(doc, k, cfg);
	if (strcmp(k->name, "ports") == 0)
		return nat_ports(doc, k, cfg);
	if (strcmp(k->name, "mapping") == 0)
		return nat_mapping(doc, k, cfg);
	if (strcmp(k->name, "icmp_on_exhaustion") == 0)
		return ini_get_bool(doc, k, &n->icmp_on_exhaustion);
	return ini_fail_key(doc, k, "unknown key (expected %s with N = 1..99999)", nat_known_keys);
}

/* Checks across keys, once all but forward.N are read; sets the default pool. */
static int nat_cross_check(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_nat_config *n = &cfg->nat;
	const struct ini_key *inside = nat_key_find(doc, s, "inside");
	const struct ini_key *pool = nat_key_find(doc, s, "pool");
	const struct ini_key *cap;
	char b1[16], b2[16];
	int rc;

	if (inside == NULL)
		return ini_fail_sect(doc, s, "missing required key 'inside' (the prefixes to masquerade, e.g. inside = 10.0.1.0/24 10.0.2.0/24)");
	if (pool == NULL) {
		/* default pool: the NAT port's own address (always a valid pool address) */
		rc = nat_pool_addr_check(doc, nat_key_find(doc, s, "port"), cfg, n->port,
					 cfg->ports[n->port].addr);
		if (rc < 0)
			return rc;
		n->pool[0] = cfg->ports[n->port].addr;
		n->n_pool = 1;
	}
	for (unsigned i = 0; i < n->n_inside; i++)
		for (unsigned j = 0; j < n->n_pool; j++)
			if (((n->pool[j] ^ n->inside[i]) & ini_mask(n->inside_len[i])) == 0)
				return ini_fail_key(doc, inside, "prefix %s/%u contains pool address %s%s; the public addresses must be outside the masqueraded prefixes",
						    ini_ntoa(n->inside[i], b1), n->inside_len[i],
						    ini_ntoa(n->pool[j], b2),
						    pool == NULL ? " (the default pool: the NAT port's own address)" : "");
	cap = nat_key_find(doc, s, "max_sessions_per_host");
	if (cap != NULL && n->max_sessions_per_host > n->max_sessions)
		return ini_fail_key(doc, cap, "per-host cap %u is larger than max_sessions (%u); expected 0 (no cap) or 1..%u",
				    n->max_sessions_per_host, n->max_sessions, n->max_sessions);
	return 0;
}

/* Fill cfg->nat from the [nat] section (see the order at the top of this file). */
int ini_nat(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	const struct ini_key *k;
	int rc;

	cfg->nat.enabled = true;
	k = nat_key_find(doc, s, "port");
	if (k == NULL)
		return ini_fail_sect(doc, s, "missing required key 'port' (the egress port to masquerade on, e.g. port = out)");
	rc = nat_port(doc, k, cfg);
	if (rc < 0)
		return rc;
	k = nat_key_find(doc, s, "profile");
	if (k != NULL) {
		rc = nat_profile(doc, k, cfg);
		if (rc < 0)
			return rc;
	}
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++) {
		k = &doc->keys[i];
		if (strcmp(k->name, "port") == 0 || strcmp(k->name, "profile") == 0 ||
		    ini_numbered_key(k->name, "forward."))
			continue;
		rc = nat_key(doc, k, cfg);
		if (rc < 0)
			return rc;
	}
	rc = nat_cross_check(doc, s, cfg);
	if (rc < 0)
		return rc;
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++) {
		k = &doc->keys[i];
		if (!ini_numbered_key(k->name, "forward."))
			continue;
		rc = nat_forward(doc, k, cfg);
		if (rc < 0)
			return rc;
	}
	return 0;
}
