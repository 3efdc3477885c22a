/* INI loader: filtering sections -> cfg->prefix_lists[], cfg->sgs[], cfg->nacls[]
 * and the ports' security_groups / nacl bindings.
 *
 * Overview: config_ini.c calls ini_filter() once, after ports, tables,
 * neighbours and [nat] are loaded. Sections may come in any order and refer
 * to each other, so the work is done in passes:
 *   1. [prefix_list NAME]: create each list and read its prefix.N keys;
 *   2. [sg NAME]: create every group (names only, so that "sg:NAME" peers may
 *      name a group defined later, or the group itself);
 *   3. [sg NAME]: read members, rule.N and default_egress; add the cloud
 *      default egress rule where it applies;
 *   4. [nacl NAME]: create each NACL, read ingress.N / egress.N, sort the rules
 *      by (direction, number);
 *   5. [port NAME] security_groups / nacl (config_ini.c skips those two keys).
 * The format is documented in docs/CONFIG.md ("Filtering"); keep the two in step.
 *
 * Model conventions filled here (include/natgw/config.h): proto 0 = all;
 * protocols without ports get port_lo..port_hi = 0..65535; icmp_type and
 * icmp_code are -1 (any) except for ICMP rules that name them; a CIDR peer has
 * host bits zero.
 *
 * Errors: like the rest of the loader, "FILE:LINE: [SECTION] KEY: what was
 * expected". Life-cycle / threads: control thread only, during a load; no state
 * of its own. Heap arrays hang off cfg and are freed by config_free().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "natgw/config.h"
#include "config_ini.h"

#define FILTER_DESC_MAX 255        /* description = ... */
#define FILTER_LIST_BUF 400        /* name lists in messages */
#define FILTER_NUM_SAT 1000000000u /* numbers saturate here (always out of range) */

static const char sg_rule_syntax[] =
	"\"ingress PROTO [PORTS|ICMP-TYPE[/CODE]] from PEER\" or \"egress PROTO [PORTS|ICMP-TYPE[/CODE]] to PEER\"";

/* ---- small helpers ------------------------------------------------------ */

/* "a, b, c" of n names found at base + i * stride (names are the structs' first field). */
static const char *filter_names(const void *base, size_t stride, unsigned n, char *buf, size_t size)
{
	size_t off = 0;

	snprintf(buf, size, "none");
	for (unsigned i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					(const char *)base + i * stride);
	return buf;
}

/* Index of the object called name among n at base + i * stride, or -1. */
static int filter_find(const void *base, size_t stride, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp((const char *)base + i * stride, name) == 0)
			return (int)i;
	return -1;
}

/* Line of the key called name in section s, or 0. */
static unsigned filter_key_line(const struct ini_doc *doc, const struct ini_sect *s, const char *name)
{
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++)
		if (strcmp(doc->keys[i].name, name) == 0)
			return doc->keys[i].line;
	return 0;
}

/* Make room for one more element of size bytes in *arr (capacity *cap, n used). */
static int filter_grow(void **arr, unsigned *cap, unsigned n, size_t size)
{
	unsigned c;
	void *g;

	if (n < *cap)
		return 0;
	if (*cap > (1u << 24))
		return -ENOMEM;
	c = *cap ? *cap * 2 : 8;
	g = realloc(*arr, (size_t)c * size);
	if (g == NULL)
		return -ENOMEM;
	*arr = g;
	*cap = c;
	return 0;
}

/* Decimal digits at *sp (at least one), saturating at FILTER_NUM_SAT; advances *sp. */
static int filter_num(const char **sp, unsigned long *out)
{
	const char *s = *sp;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > FILTER_NUM_SAT)
			v = FILTER_NUM_SAT;
	}
	*sp = s;
	*out = v;
	return 0;
}

/* Check a name token (lower-cased in place) against the [x NAME] name rules. */
static bool filter_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < NATGW_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* Parse a strict CIDR a.b.c.d/len for key k; what names the value in messages. */
static int filter_cidr(struct ini_doc *doc, const struct ini_key *k, const char *tok,
		       const char *expected, uint32_t *addr, uint8_t *len)
{
	char b[16];
	uint32_t a;

	if (config_parse_prefix(tok, addr, len, false) < 0) {
		if (config_parse_ipv4(tok, &a) == 0)
			return ini_fail_key(doc, k, "expected %s, got \"%s\" (a single host is %s/32)",
					    expected, tok, tok);
		return ini_fail_key(doc, k, "expected %s, got \"%s\"", expected, tok);
	}
	if ((*addr & ~ini_mask(*len)) != 0)
		return ini_fail_key(doc, k, "prefix %s has host bits set; did you mean %s/%u?", tok,
				    ini_ntoa(*addr & ini_mask(*len), b), *len);
	return 0;
}

/* Check "description = TEXT" (kept only in the file). */
static int filter_description(struct ini_doc *doc, const struct ini_key *k)
{
	if (strlen(k->value) > FILTER_DESC_MAX)
		return ini_fail_key(doc, k, "description is longer than %d characters", FILTER_DESC_MAX);
	return 0;
}

/* ---- protocol, ports, ICMP type/code -------------------------------------- */

/* Parse "N" or "LOW-HIGH" (0..65535) into m. */
static int filter_ports(struct ini_doc *doc, const struct ini_key *k, const char *proto,
			const char *tok, struct natgw_l4_match *m)
{
	const char *s = tok;
	unsigned long lo, hi;

	if (filter_num(&s, &lo) < 0)
		goto err_syntax;
	hi = lo;
	if (*s == '-') {
		s++;
		if (filter_num(&s, &hi) < 0)
			goto err_syntax;
	}
	if (*s != '\0')
		goto err_syntax;
	if (lo > 65535)
		return ini_fail_key(doc, k, "port %lu is out of range 0..65535, in \"%s\"", lo, tok);
	if (hi > 65535)
		return ini_fail_key(doc, k, "port %lu is out of range 0..65535, in \"%s\"", hi, tok);
	if (hi < lo)
		return ini_fail_key(doc, k, "port range %lu-%lu is reversed (expected LOW-HIGH, e.g. %lu-%lu)",
				    lo, hi, hi, lo);
	m->port_lo = (uint16_t)lo;
	m->port_hi = (uint16_t)hi;
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected %s ports PORT, LOW-HIGH or any (0..65535), got \"%s\"", proto,
			    tok);
}

/* Parse an ICMP "TYPE" or "TYPE/CODE" (0..255 each) into m. */
static int filter_icmp(struct ini_doc *doc, const struct ini_key *k, const char *tok,
		       struct natgw_l4_match *m)
{
	const char *s = tok;
	unsigned long type, code = 0;
	bool have_code = false;

	if (filter_num(&s, &type) < 0)
		goto err_syntax;
	if (*s == '/') {
		s++;
		if (filter_num(&s, &code) < 0)
			goto err_syntax;
		have_code = true;
	}
	if (*s != '\0')
		goto err_syntax;
	if (type > 255)
		return ini_fail_key(doc, k, "ICMP type %lu is out of range 0..255, in \"%s\"", type, tok);
	if (code > 255)
		return ini_fail_key(doc, k, "ICMP code %lu is out of range 0..255, in \"%s\"", code, tok);
	m->icmp_type = (int16_t)type;
	m->icmp_code = have_code ? (int16_t)code : -1;
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected an ICMP TYPE, TYPE/CODE or any (0..255 each, e.g. 8 or 3/4), got \"%s\"",
			    tok);
}

/* Parse PROTO and the optional PORTS / ICMP token (spec may be NULL) into m. */
static int filter_l4(struct ini_doc *doc, const struct ini_key *k, const char *proto,
		     const char *spec, struct natgw_l4_match *m)
{
	const char *s = proto;
	unsigned long v;

	m->port_lo = 0;
	m->port_hi = 65535;
	m->icmp_type = -1;
	m->icmp_code = -1;
	if (strcasecmp(proto, "tcp") == 0) {
		m->proto = IPPROTO_TCP;
	} else if (strcasecmp(proto, "udp") == 0) {
		m->proto = IPPROTO_UDP;
	} else if (strcasecmp(proto, "icmp") == 0) {
		m->proto = IPPROTO_ICMP;
	} else if (strcasecmp(proto, "all") == 0) {
		m->proto = 0;
	} else if (filter_num(&s, &v) == 0 && *s == '\0' && v <= 255) {
		m->proto = (uint8_t)v;
	} else {
		return ini_fail_key(doc, k, "expected a protocol tcp, udp, icmp, all or a number 0..255, got \"%s\"",
				    proto);
	}
	if (spec == NULL || strcasecmp(spec, "any") == 0)
		return 0;
	if (m->proto == IPPROTO_TCP || m->proto == IPPROTO_UDP)
		return filter_ports(doc, k, m->proto == IPPROTO_TCP ? "tcp" : "udp", spec, m);
	if (m->proto == IPPROTO_ICMP)
		return filter_icmp(doc, k, spec, m);
	return ini_fail_key(doc, k, "protocol %s has no ports or ICMP type (only tcp, udp and icmp take one): remove \"%s\"",
			    proto, spec);
}

/* Check the from/to keyword against the rule's direction. */
static int filter_from_to(struct ini_doc *doc, const struct ini_key *k, uint8_t dir, const char *tok)
{
	bool from = strcasecmp(tok, "from") == 0, to = strcasecmp(tok, "to") == 0;

	if (!from && !to)
		return ini_fail_key(doc, k, "expected 'from PEER' (ingress) or 'to PEER' (egress) before the last word, got \"%s\"",
				    tok);
	if (dir == NATGW_DIR_INGRESS && !from)
		return ini_fail_key(doc, k, "an ingress rule names its source with 'from', got 'to' (egress rules use 'to')");
	if (dir == NATGW_DIR_EGRESS && !to)
		return ini_fail_key(doc, k, "an egress rule names its destination with 'to', got 'from' (ingress rules use 'from')");
	return 0;
}

/* ---- [prefix_list NAME] -------------------------------------------------- */

/* Create the list for s and read its keys. */
static int filter_prefix_list(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_prefix_list *pl;
	int rc;

	if (cfg->n_prefix_lists == NATGW_MAX_PREFIX_LISTS)
		return ini_fail_sect(doc, s, "too many prefix lists: at most %d [prefix_list NAME] sections",
				     NATGW_MAX_PREFIX_LISTS);
	if (filter_find(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]), cfg->n_prefix_lists, s->obj) >= 0)
		return ini_fail_sect(doc, s, "prefix list %s is defined twice", s->obj);
	pl = &cfg->prefix_lists[cfg->n_prefix_lists++];
	snprintf(pl->name, sizeof(pl->name), "%s", s->obj);
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++) {
		const struct ini_key *k = &doc->keys[i];
		unsigned cap;
		uint32_t a;
		uint8_t l;
		char b[16];

		if (strcmp(k->name, "description") == 0) {
			rc = filter_description(doc, k);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!ini_numbered_key(k->name, "prefix."))
			return ini_fail_key(doc, k, "unknown key (expected prefix.N with N = 1..99999, or description)");
		rc = filter_cidr(doc, k, k->value, "a prefix a.b.c.d/len", &a, &l);
		if (rc < 0)
			return rc;
		for (unsigned j = 0; j < pl->n; j++)
			if (pl->prefix[j] == a && pl->len[j] == l)
				return ini_fail_key(doc, k, "prefix %s/%u is already in prefix list %s",
						    ini_ntoa(a, b), l, pl->name);
		cap = pl->cap;
		if (filter_grow((void **)&pl->prefix, &cap, pl->n, sizeof(*pl->prefix)) < 0)
			return ini_fail_key(doc, k, "out of memory");
		cap = pl->cap;
		if (filter_grow((void **)&pl->len, &cap, pl->n, sizeof(*pl->len)) < 0)
			return ini_fail_key(doc, k, "out of memory");
		pl->cap = cap;
		pl->prefix[pl->n] = a;
		pl->len[pl->n++] = l;
	}
	return 0;
}

/* ---- [sg NAME] ------------------------------------------------------------ */

/* Create the (still empty) group for s. */
static int filter_sg_create(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	if (cfg->n_sgs == NATGW_MAX_SG)
		return ini_fail_sect(doc, s, "too many security groups: at most %d [sg NAME] sections (a port's groups are a 64-bit mask)",
				     NATGW_MAX_SG);
	if (filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, s->obj) >= 0)
		return ini_fail_sect(doc, s, "security group %s is defined twice", s->obj);
	snprintf(cfg->sgs[cfg->n_sgs++].name, NATGW_NAME_MAX, "%s", s->obj);
	return 0;
}

/* Append a rule to group g (k == NULL: the default egress rule). */
static int filter_sg_add(struct ini_doc *doc, const struct ini_sect *s, const struct ini_key *k,
			 struct natgw_sg *g, const struct natgw_sg_rule *r)
{
	for (unsigned i = 0; i < g->n_rules && k != NULL; i++) {
		const struct natgw_sg_rule *o = &g->rules[i];

		if (o->dir == r->dir && o->l4.proto == r->l4.proto && o->l4.port_lo == r->l4.port_lo &&
		    o->l4.port_hi == r->l4.port_hi && o->l4.icmp_type == r->l4.icmp_type &&
		    o->l4.icmp_code == r->l4.icmp_code && o->peer_kind == r->peer_kind &&
		    o->cidr == r->cidr && o->cidr_len == r->cidr_len && o->peer_ref == r->peer_ref)
			return ini_fail_key(doc, k, "same rule as %s (line %u)", o->key,
					    filter_key_line(doc, s, o->key));
	}
	if (filter_grow((void **)&g->rules, &g->rules_cap, g->n_rules, sizeof(*g->rules)) < 0)
		return k ? ini_fail_key(doc, k, "out of memory") : ini_fail_sect(doc, s, "out of memory");
	g->rules[g->n_rules++] = *r;
	return 0;
}

/* Parse "rule.N = ingress|egress PROTO [SPEC] from|to PEER" into group g. */
static int filter_sg_rule(struct ini_doc *doc, const struct ini_sect *s, const struct ini_key *k,
			  struct natgw_config *cfg, struct natgw_sg *g)
{
	char buf[INI_LINE_MAX + 1], *tok[INI_TOKENS_MAX], list[FILTER_LIST_BUF];
	struct natgw_sg_rule r;
	const char *peer;
	int n, rc, idx;

	memset(&r, 0, sizeof(r));
	snprintf(r.key, sizeof(r.key), "%.*s", (int)sizeof(r.key) - 1, k->name); /* "rule.99999" at most */
	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, INI_TOKENS_MAX);
	if (n < 1)
		return ini_fail_key(doc, k, "expected %s, got \"%s\"", sg_rule_syntax, k->value);
	if (strcasecmp(tok[0], "ingress") == 0)
		r.dir = NATGW_DIR_INGRESS;
	else if (strcasecmp(tok[0], "egress") == 0)
		r.dir = NATGW_DIR_EGRESS;
	else
		return ini_fail_key(doc, k, "expected direction ingress or egress first, got \"%s\"", tok[0]);
	if (n != 4 && n != 5)
		return ini_fail_key(doc, k, "expected %s, got \"%s\"", sg_rule_syntax, k->value);
	rc = filter_l4(doc, k, tok[1], n == 5 ? tok[2] : NULL, &r.l4);
	if (rc < 0)
		return rc;
	rc = filter_from_to(doc, k, r.dir, tok[n - 2]);
	if (rc < 0)
		return rc;
	peer = tok[n - 1];
	if (strncasecmp(peer, "pl:", 3) == 0) {
		char name[NATGW_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%s", peer + 3);
		ini_lower(name);
		idx = filter_find(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]), cfg->n_prefix_lists, name);
		if (idx < 0)
			return ini_fail_key(doc, k, "unknown prefix list '%s' (prefix lists: %s)", peer + 3,
					    filter_names(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]),
							 cfg->n_prefix_lists, list, sizeof(list)));
		r.peer_kind = NATGW_PEER_PREFIX_LIST;
		r.peer_ref = (uint16_t)idx;
	} else if (strncasecmp(peer, "sg:", 3) == 0) {
		char name[NATGW_NAME_MAX + 1];

		snprintf(name, sizeof(name), "%s", peer + 3);
		ini_lower(name);
		idx = filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, name);
		if (idx < 0)
			return ini_fail_key(doc, k, "unknown security group '%s' (groups: %s)", peer + 3,
					    filter_names(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, list,
							 sizeof(list)));
		r.peer_kind = NATGW_PEER_SG;
		r.peer_ref = (uint16_t)idx;
	} else {
		r.peer_kind = NATGW_PEER_CIDR;
		rc = filter_cidr(doc, k, peer, "a peer a.b.c.d/len, pl:NAME or sg:NAME", &r.cidr, &r.cidr_len);
		if (rc < 0)
			return rc;
	}
	return filter_sg_add(doc, s, k, g, &r);
}

/* Parse "members = A.B.C.D ..." (also members.N) into group g. */
static int filter_sg_members(struct ini_doc *doc, const struct ini_key *k, struct natgw_sg *g)
{
	char buf[INI_LINE_MAX + 1], *save = NULL;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", k->value);
	for (char *t = strtok_r(buf, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save), n++) {
		uint32_t a;

		if (config_parse_ipv4(t, &a) < 0)
			return ini_fail_key(doc, k, "expected member addresses a.b.c.d separated by spaces (members are hosts, not prefixes), got \"%s\"",
					    t);
		for (unsigned j = 0; j < g->n_members; j++)
			if (g->members[j] == a)
				return ini_fail_key(doc, k, "%s is already a member of group %s", t, g->name);
		if (filter_grow((void **)&g->members, &g->members_cap, g->n_members, sizeof(*g->members)) < 0)
			return ini_fail_key(doc, k, "out of memory");
		g->members[g->n_members++] = a;
	}
	if (n == 0)
		return ini_fail_key(doc, k, "expected one or more member addresses a.b.c.d separated by spaces");
	return 0;
}

/* Read the keys of [sg NAME] into its group; add the default egress rule if it applies. */
static int filter_sg_keys(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_sg *g = &cfg->sgs[filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, s->obj)];
	bool have_default = false, default_egress = false, egress = false;
	int rc = 0;

	for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
		const struct ini_key *k = &doc->keys[i];

		if (ini_numbered_key(k->name, "rule.")) {
			rc = filter_sg_rule(doc, s, k, cfg, g);
		} else if (strcmp(k->name, "members") == 0 || ini_numbered_key(k->name, "members.")) {
			rc = filter_sg_members(doc, k, g);
		} else if (strcmp(k->name, "default_egress") == 0) {
			rc = ini_get_bool(doc, k, &default_egress);
			have_default = true;
		} else if (strcmp(k->name, "description") == 0) {
			rc = filter_description(doc, k);
		} else {
			return ini_fail_key(doc, k, "unknown key (expected rule.N with N = 1..99999, members, default_egress or description)");
		}
	}
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < g->n_rules; i++)
		egress |= g->rules[i].dir == NATGW_DIR_EGRESS;
	if (have_default ? default_egress : !egress) {
		struct natgw_sg_rule r = {
			.dir = NATGW_DIR_EGRESS,
			.l4 = { .proto = 0, .port_lo = 0, .port_hi = 65535, .icmp_type = -1, .icmp_code = -1 },
			.peer_kind = NATGW_PEER_CIDR,
			.cidr = 0,
			.cidr_len = 0,
			.key = "default-egress",
		};

		return filter_sg_add(doc, s, NULL, g, &r);
	}
	return 0;
}

/* ---- [nacl NAME] ------------------------------------------------------------ */

/* Order NACL rules by (direction, number). */
static int filter_nacl_cmp(const void *a, const void *b)
{
	const struct natgw_nacl_rule *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return (x->number > y->number) - (x->number < y->number);
}

/* Direction and number of an "ingress.N" / "egress.N" key: 1 if it is one,
 * 0 if the key is something else, <0 after reporting a bad number. */
static int filter_nacl_key(struct ini_doc *doc, const struct ini_key *k, uint8_t *dir, uint16_t *number)
{
	unsigned long v = 0;
	const char *s;

	if (strncmp(k->name, "ingress.", 8) == 0) {
		*dir = NATGW_DIR_INGRESS;
		s = k->name + 8;
	} else if (strncmp(k->name, "egress.", 7) == 0) {
		*dir = NATGW_DIR_EGRESS;
		s = k->name + 7;
	} else {
		return 0;
	}
	if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s))
		return 0;
	if (s[0] == '0' && s[1] != '\0')
		return ini_fail_key(doc, k, "write the rule number without leading zeros");
	filter_num(&s, &v);
	if (v < 1 || v > NATGW_NACL_RULE_MAX)
		return ini_fail_key(doc, k, "rule number %s is out of range 1..%d (the number in the key is the NACL rule number)",
				    strchr(k->name, '.') + 1, NATGW_NACL_RULE_MAX);
	*number = (uint16_t)v;
	return 1;
}

/* Parse "ingress.N = allow|deny PROTO [SPEC] from CIDR [to CIDR]" (egress: "to CIDR
 * [from CIDR]") into n. */
static int filter_nacl_rule(struct ini_doc *doc, const struct ini_key *k, struct natgw_nacl *nacl,
			    uint8_t dir, uint16_t number)
{
	char buf[INI_LINE_MAX + 1], *tok[INI_TOKENS_MAX];
	const char *fromto = dir == NATGW_DIR_INGRESS ? "from" : "to";
	struct natgw_nacl_rule r;
	int n, rc;

	memset(&r, 0, sizeof(r));
	r.dir = dir;
	r.number = number;
	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, INI_TOKENS_MAX);
	if (n >= 1 && strcasecmp(tok[0], "allow") == 0)
		r.allow = true;
	else if (n >= 1 && strcasecmp(tok[0], "deny") == 0)
		r.allow = false;
	else
		return ini_fail_key(doc, k, "expected action allow or deny first, got \"%s\"", n >= 1 ? tok[0] : "");
	/* Optional other side last: "from A to B" (ingress), "to A from B" (egress). */
	if (n >= 6 && n <= INI_TOKENS_MAX && /* n > max: too many words (an error below) */
	    strcasecmp(tok[n - 2], dir == NATGW_DIR_INGRESS ? "to" : "from") == 0) {
		if (strncasecmp(tok[n - 1], "pl:", 3) == 0 || strncasecmp(tok[n - 1], "sg:", 3) == 0)
			return ini_fail_key(doc, k, "NACL rules match a CIDR a.b.c.d/len (prefix lists and groups are for [sg] rules), got \"%s\"",
					    tok[n - 1]);
		rc = filter_cidr(doc, k, tok[n - 1], "a CIDR a.b.c.d/len", &r.other_cidr, &r.other_len);
		if (rc < 0)
			return rc;
		n -= 2;
	}
	if (n != 4 && n != 5)
		return ini_fail_key(doc, k, "expected \"allow|deny PROTO [PORTS|ICMP-TYPE[/CODE]] %s CIDR [%s CIDR]\", got \"%s\"",
				    fromto, dir == NATGW_DIR_INGRESS ? "to" : "from", k->value);
	rc = filter_l4(doc, k, tok[1], n == 5 ? tok[2] : NULL, &r.l4);
	if (rc < 0)
		return rc;
	rc = filter_from_to(doc, k, dir, tok[n - 2]);
	if (rc < 0)
		return rc;
	if (strncasecmp(tok[n - 1], "pl:", 3) == 0 || strncasecmp(tok[n - 1], "sg:", 3) == 0)
		return ini_fail_key(doc, k, "NACL rules match a CIDR a.b.c.d/len (prefix lists and groups are for [sg] rules), got \"%s\"",
				    tok[n - 1]);
	rc = filter_cidr(doc, k, tok[n - 1], "a CIDR a.b.c.d/len", &r.cidr, &r.cidr_len);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < nacl->n_rules; i++)
		if (nacl->rules[i].dir == dir && nacl->rules[i].number == number)
			return ini_fail_key(doc, k, "duplicate rule number %u (%s)", number,
					    dir == NATGW_DIR_INGRESS ? "ingress" : "egress");
	if (filter_grow((void **)&nacl->rules, &nacl->rules_cap, nacl->n_rules, sizeof(*nacl->rules)) < 0)
		return ini_fail_key(doc, k, "out of memory");
	nacl->rules[nacl->n_rules++] = r;
	return 0;
}

/* Create the NACL for s, read its rules and sort them. */
static int filter_nacl(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_nacl *nacl;
	int rc;

	if (cfg->n_nacls == NATGW_MAX_NACL)
		return ini_fail_sect(doc, s, "too many NACLs: at most %d [nacl NAME] sections", NATGW_MAX_NACL);
	if (filter_find(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, s->obj) >= 0)
		return ini_fail_sect(doc, s, "NACL %s is defined twice", s->obj);
	nacl = &cfg->nacls[cfg->n_nacls++];
	snprintf(nacl->name, sizeof(nacl->name), "%s", s->obj);
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++) {
		const struct ini_key *k = &doc->keys[i];
		uint16_t number = 0;
		uint8_t dir = 0;

		if (strcmp(k->name, "description") == 0) {
			rc = filter_description(doc, k);
		} else {
			rc = filter_nacl_key(doc, k, &dir, &number);
			if (rc == 0)
				return ini_fail_key(doc, k, "unknown key (expected ingress.N or egress.N with N = 1..%d, or description)",
						    NATGW_NACL_RULE_MAX);
			if (rc > 0)
				rc = filter_nacl_rule(doc, k, nacl, dir, number);
		}
		if (rc < 0)
			return rc;
	}
	if (nacl->n_rules > 1)
		qsort(nacl->rules, nacl->n_rules, sizeof(nacl->rules[0]), filter_nacl_cmp);
	return 0;
}

/* ---- port bindings ------------------------------------------------------------ */

/* "security_groups = g1 g2 ..." of port p. */
static int filter_port_sgs(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg,
			   struct natgw_port_config *p)
{
	char buf[INI_LINE_MAX + 1], *tok[NATGW_MAX_SG + 1], list[FILTER_LIST_BUF];
	int n;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, NATGW_MAX_SG + 1);
	if (n == 0)
		return ini_fail_key(doc, k, "expected security group names separated by spaces (omit the key for an unfiltered port)");
	if (n > NATGW_MAX_SG)
		return ini_fail_key(doc, k, "expected at most %d security group names", NATGW_MAX_SG);
	for (int i = 0; i < n; i++) {
		int g;

		ini_lower(tok[i]);
		g = filter_name_ok(tok[i]) ? filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, tok[i]) : -1;
		if (g < 0)
			return ini_fail_key(doc, k, "unknown security group '%s' (groups: %s)", tok[i],
					    filter_names(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, list,
							 sizeof(list)));
		if (p->security_groups & (UINT64_C(1) << g))
			return ini_fail_key(doc, k, "security group %s is listed twice", tok[i]);
		p->security_groups |= UINT64_C(1) << g;
	}
	return 0;
}

/* "nacl = NAME" of port p. */
static int filter_port_nacl(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg,
			    struct natgw_port_config *p)
{
	char buf[INI_LINE_MAX + 1], *tok[2], list[FILTER_LIST_BUF];
	int n, idx;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, 1);
	if (n != 1)
		return ini_fail_key(doc, k, "expected the name of one [nacl NAME] section, got \"%s\"", k->value);
	ini_lower(tok[0]);
	idx = filter_name_ok(tok[0]) ? filter_find(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, tok[0]) : -1;
	if (idx < 0)
		return ini_fail_key(doc, k, "unknown NACL '%s' (NACLs: %s)", tok[0],
				    filter_names(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, list,
						 sizeof(list)));
	p->nacl = idx;
	return 0;
}

/* Fill prefix lists, groups, NACLs and the ports' bindings (see the overview). */
int ini_filter(struct ini_doc *doc, struct natgw_config *cfg)
{
	int rc = 0;

	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_PL)
			rc = filter_prefix_list(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_SG)
			rc = filter_sg_create(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_SG)
			rc = filter_sg_keys(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_NACL)
			rc = filter_nacl(doc, &doc->sects[i], cfg);
	for (unsigned p = 0; p < cfg->n_ports && rc == 0; p++) {
		const struct ini_sect *s = &doc->sects[doc->port_sect[p]];

		for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
			const struct ini_key *k = &doc->keys[i];

			if (strcmp(k->name, "security_groups") == 0)
				rc = filter_port_sgs(doc, k, cfg, &cfg->ports[p]);
			else if (strcmp(k->name, "nacl") == 0)
				rc = filter_port_nacl(doc, k, cfg, &cfg->ports[p]);
		}
	}
	return rc;
}
