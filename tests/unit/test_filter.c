/* Filter compile (rte_acl) against a naive reference matcher.
 *
 * Explicit cases (NACL ordering, implicit deny, ephemeral ports, prefix lists,
 * group-member peers, ICMP, unfiltered ports, build errors), then random rule
 * sets of 10/100/1000 rules over several seeds: every packet's NACL and SG
 * verdicts, deciding rules and hit counters must equal the reference. Prints
 * compile times for 1k and 10k rules (informational). rte_acl allocates with
 * rte_malloc, so this test starts a small no-huge EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "natgw/config.h"
#include "natgw/filter.h"

static unsigned checks, failures;

#define CHECK(cond, ...)                                            \
	do {                                                        \
		checks++;                                           \
		if (!(cond)) {                                      \
			failures++;                                 \
			if (failures < 50) {                        \
				printf("FAIL %s:%d: ", __FILE__, __LINE__); \
				printf(__VA_ARGS__);                \
				printf("\n");                       \
			}                                           \
		}                                                   \
	} while (0)

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* A test packet in host order. */
struct tpkt {
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t type, code;
};

/* ---- small deterministic PRNG ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t rnd_below(uint32_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* ---- reference matcher (config model semantics) ---- */

/* Does the protocol/port/ICMP part of a rule match p? */
static bool ref_l4(const struct natgw_l4_match *m, const struct tpkt *p)
{
	if (m->proto == 0)
		return true;
	if (m->proto != p->proto)
		return false;
	if (p->proto == 6 || p->proto == 17)
		return p->dport >= m->port_lo && p->dport <= m->port_hi;
	if (p->proto == 1)
		return (m->icmp_type < 0 || m->icmp_type == p->type) &&
		       (m->icmp_code < 0 || m->icmp_code == p->code);
	return true;
}

static bool ref_in(uint32_t ip, uint32_t pfx, uint8_t len)
{
	return (ip & mask_of(len)) == (pfx & mask_of(len));
}

/* The remote address a rule of direction dir matches against. */
static uint32_t ref_peer_addr(const struct tpkt *p, enum natgw_filter_dir dir)
{
	return dir == NATGW_DIR_INGRESS ? p->src : p->dst;
}

/* The other side a NACL rule may also match (ingress: destination). */
static uint32_t ref_other_addr(const struct tpkt *p, enum natgw_filter_dir dir)
{
	return dir == NATGW_DIR_INGRESS ? p->dst : p->src;
}

/* Reference NACL: verdict, number and config rule index (-1 if none). */
static enum filter_nacl_verdict ref_nacl(const struct natgw_config *cfg, unsigned port,
					 enum natgw_filter_dir dir, const struct tpkt *p,
					 uint16_t *number, int *rule)
{
	const struct natgw_nacl *n;
	int best = -1;

	*number = 0;
	*rule = -1;
	if (cfg->ports[port].nacl < 0)
		return FILTER_NACL_NONE;
	n = &cfg->nacls[cfg->ports[port].nacl];
	for (unsigned i = 0; i < n->n_rules; i++) {
		const struct natgw_nacl_rule *r = &n->rules[i];
		if (r->dir != dir || !ref_l4(&r->l4, p) || !ref_in(ref_peer_addr(p, dir), r->cidr, r->cidr_len) ||
		    !ref_in(ref_other_addr(p, dir), r->other_cidr, r->other_len))
			continue;
		if (best < 0 || r->number < n->rules[best].number)
			best = (int)i;
	}
	if (best < 0)
		return FILTER_NACL_IMPLICIT_DENY;
	*number = n->rules[best].number;
	*rule = best;
	return n->rules[best].allow ? FILTER_NACL_ALLOW : FILTER_NACL_DENY;
}

/* Does an SG rule's peer contain addr? */
static bool ref_sg_peer(const struct natgw_config *cfg, const struct natgw_sg_rule *r, uint32_t addr)
{
	switch (r->peer_kind) {
	case NATGW_PEER_CIDR:
		return ref_in(addr, r->cidr, r->cidr_len);
	case NATGW_PEER_PREFIX_LIST:
		for (unsigned k = 0; k < cfg->prefix_lists[r->peer_ref].n; k++)
			if (ref_in(addr, cfg->prefix_lists[r->peer_ref].prefix[k],
				   cfg->prefix_lists[r->peer_ref].len[k]))
				return true;
		return false;
	case NATGW_PEER_SG:
		for (unsigned k = 0; k < cfg->sgs[r->peer_ref].n_members; k++)
			if (cfg->sgs[r->peer_ref].members[k] == addr)
				return true;
		return false;
	}
	return false;
}

/* Reference SG: verdict and (group, rule) of the first matching rule in
 * group-index then config order; *slot counts the rules of dir before it. */
static enum filter_sg_verdict ref_sg(const struct natgw_config *cfg, unsigned port,
				     enum natgw_filter_dir dir, const struct tpkt *p, int *g_out,
				     int *r_out, int *slot)
{
	uint64_t groups = cfg->ports[port].security_groups;
	int s = 0;

	*g_out = *r_out = *slot = -1;
	if (groups == 0)
		return FILTER_SG_NONE;
	for (unsigned g = 0; g < cfg->n_sgs; g++) {
		if (!(groups & (UINT64_C(1) << g)))
			continue;
		for (unsigned i = 0; i < cfg->sgs[g].n_rules; i++) {
			const struct natgw_sg_rule *r = &cfg->sgs[g].rules[i];
			if (r->dir != dir)
				continue;
			if (ref_l4(&r->l4, p) && ref_sg_peer(cfg, r, ref_peer_addr(p, dir))) {
				*g_out = (int)g;
				*r_out = (int)i;
				*slot = s;
				return FILTER_SG_ALLOW;
			}
			s++;
		}
	}
	return FILTER_SG_NO_MATCH;
}

/* ---- config helpers ---- */

static void to_key(const struct tpkt *t, struct filter_pkt *k)
{
	if (t->proto == 1)
		filter_pkt_set_icmp(k, htonl(t->src), htonl(t->dst), t->type, t->code);
	else
		filter_pkt_set(k, t->proto, htonl(t->src), htonl(t->dst), htons(t->sport), htons(t->dport));
}

static struct natgw_l4_match l4_any(void)
{
	return (struct natgw_l4_match){ .proto = 0, .port_lo = 0, .port_hi = 65535,
					.icmp_type = -1, .icmp_code = -1 };
}

static struct natgw_l4_match l4_ports(uint8_t proto, uint16_t lo, uint16_t hi)
{
	struct natgw_l4_match m = l4_any();
	m.proto = proto;
	m.port_lo = lo;
	m.port_hi = hi;
	return m;
}

static struct natgw_l4_match l4_icmp(int16_t type, int16_t code)
{
	struct natgw_l4_match m = l4_any();
	m.proto = 1;
	m.icmp_type = type;
	m.icmp_code = code;
	return m;
}

static void nacl_add(struct natgw_nacl *n, uint16_t number, enum natgw_filter_dir dir, bool allow,
		     struct natgw_l4_match l4, uint32_t cidr, uint8_t len)
{
	if (n->n_rules == n->rules_cap) {
		n->rules_cap = n->rules_cap ? n->rules_cap * 2 : 8;
		n->rules = realloc(n->rules, n->rules_cap * sizeof(*n->rules));
	}
	n->rules[n->n_rules++] = (struct natgw_nacl_rule){ .number = number, .dir = (uint8_t)dir,
		.allow = allow, .l4 = l4, .cidr = cidr & mask_of(len), .cidr_len = len };
}

static void sg_add(struct natgw_sg *g, enum natgw_filter_dir dir, struct natgw_l4_match l4,
		   enum natgw_peer_kind kind, uint32_t cidr, uint8_t len, uint16_t ref)
{
	if (g->n_rules == g->rules_cap) {
		g->rules_cap = g->rules_cap ? g->rules_cap * 2 : 8;
		g->rules = realloc(g->rules, g->rules_cap * sizeof(*g->rules));
	}
	g->rules[g->n_rules] = (struct natgw_sg_rule){ .dir = (uint8_t)dir, .l4 = l4,
		.peer_kind = (uint8_t)kind, .cidr = cidr & mask_of(len), .cidr_len = len, .peer_ref = ref };
	snprintf(g->rules[g->n_rules].key, sizeof(g->rules[g->n_rules].key), "rule.%u", g->n_rules + 1);
	g->n_rules++;
}

static void sg_member_add(struct natgw_sg *g, uint32_t addr)
{
	if (g->n_members == g->members_cap) {
		g->members_cap = g->members_cap ? g->members_cap * 2 : 8;
		g->members = realloc(g->members, g->members_cap * sizeof(*g->members));
	}
	g->members[g->n_members++] = addr;
}

static void pl_add(struct natgw_prefix_list *pl, uint32_t pfx, uint8_t len)
{
	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 8;
		pl->prefix = realloc(pl->prefix, pl->cap * sizeof(*pl->prefix));
		pl->len = realloc(pl->len, pl->cap * sizeof(*pl->len));
	}
	pl->prefix[pl->n] = pfx & mask_of(len);
	pl->len[pl->n++] = len;
}

/* A config with n_ports ports, no NACL, no groups. */
static void cfg_setup(struct natgw_config *cfg, unsigned n_ports)
{
	config_init(cfg);
	cfg->n_ports = n_ports;
	for (unsigned i = 0; i < n_ports; i++) {
		snprintf(cfg->ports[i].name, sizeof(cfg->ports[i].name), "p%u", i);
		cfg->ports[i].nacl = -1;
		cfg->ports[i].security_groups = 0;
	}
}

static unsigned name_seq;

/* Build for (port, dir) with a fresh name. */
static int build(const struct natgw_config *cfg, unsigned port, enum natgw_filter_dir dir,
		 struct filter_ctx **out)
{
	char name[24];
	snprintf(name, sizeof(name), "ut%u", name_seq++);
	return filter_build(cfg, port, dir, name, out);
}

/* Classify one packet. */
static struct filter_result classify1(const struct filter_ctx *ctx, const struct tpkt *t)
{
	struct filter_pkt k;
	const struct filter_pkt *kp = &k;
	struct filter_result r;

	to_key(t, &k);
	filter_classify_bulk(ctx, &kp, 1, &r);
	return r;
}

/* Compare one packet's compiled result with the reference. */
static void check_against_ref(const struct natgw_config *cfg, unsigned port, enum natgw_filter_dir dir,
			      const struct filter_ctx *ctx, const struct tpkt *t,
			      const struct filter_result *r, const char *what)
{
	uint16_t number;
	int rule, g, gr, slot;
	enum filter_nacl_verdict nv = ref_nacl(cfg, port, dir, t, &number, &rule);
	enum filter_sg_verdict sv = ref_sg(cfg, port, dir, t, &g, &gr, &slot);

	CHECK(r->nacl == nv && r->nacl_number == number &&
		      (rule < 0 ? r->nacl_slot == FILTER_SLOT_NONE
				: filter_nacl_slot_rule(ctx, r->nacl_slot) == rule),
	      "%s: port %u dir %d pkt p%u %08x:%u > %08x:%u t%u/%u: nacl got %u #%u, want %u #%u",
	      what, port, dir, t->proto, t->src, t->sport, t->dst, t->dport, t->type, t->code,
	      r->nacl, r->nacl_number, nv, number);
	unsigned gg = 0, rr = 0;
	bool slot_ok = sv != FILTER_SG_ALLOW ? r->sg_slot == FILTER_SLOT_NONE
		: (filter_sg_slot_rule(ctx, r->sg_slot, &gg, &rr) == 0 && (int)gg == g && (int)rr == gr &&
		   (int)r->sg_slot == slot);
	CHECK(r->sg == sv && slot_ok,
	      "%s: port %u dir %d pkt p%u %08x:%u > %08x:%u t%u/%u: sg got %u slot %u (%u.%u), want %u (%d.%d slot %d)",
	      what, port, dir, t->proto, t->src, t->sport, t->dst, t->dport, t->type, t->code,
	      r->sg, r->sg_slot, gg, rr, sv, g, gr, slot);
}

/* ---- explicit cases ---- */

static void test_nacl_explicit(void)
{
	struct natgw_config cfg;
	struct filter_ctx *in, *out;
	struct filter_result r;
	struct tpkt t;

	cfg_setup(&cfg, 2);
	cfg.n_nacls = 1;
	struct natgw_nacl *n = &cfg.nacls[0];
	snprintf(n->name, sizeof(n->name), "subnet");
	/* Ingress: 100 allows everything, 50 denies 10.0.2.0/24 -> lower wins. */
	nacl_add(n, 100, NATGW_DIR_INGRESS, true, l4_any(), 0, 0);
	nacl_add(n, 50, NATGW_DIR_INGRESS, false, l4_any(), IP(10, 0, 2, 0), 24);
	/* Egress: only tcp/80 to 198.51.100.0/24 and the ephemeral range anywhere. */
	nacl_add(n, 10, NATGW_DIR_EGRESS, true, l4_ports(6, 80, 80), IP(198, 51, 100, 0), 24);
	nacl_add(n, 20, NATGW_DIR_EGRESS, true, l4_ports(6, 1024, 65535), 0, 0);
	nacl_add(n, 30, NATGW_DIR_EGRESS, false, l4_ports(17, 0, 65535), IP(192, 0, 2, 0), 24);
	cfg.ports[0].nacl = 0;

	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &in) == 0, "build nacl in");
	CHECK(build(&cfg, 0, NATGW_DIR_EGRESS, &out) == 0, "build nacl out");
	CHECK(filter_nacl_rule_count(in) == 2 && filter_nacl_rule_count(out) == 3, "nacl slot counts");
	CHECK(filter_nacl_slot_rule(in, 0) == 1 && filter_nacl_slot_rule(in, 1) == 0,
	      "slots sorted by number");
	CHECK(filter_nacl_slot_rule(in, 2) == -EINVAL, "slot out of range");

	/* 10.0.2.5 -> 10.0.1.5: rule 50 denies although 100 allows. */
	t = (struct tpkt){ .proto = 6, .src = IP(10, 0, 2, 5), .dst = IP(10, 0, 1, 5), .sport = 40000, .dport = 22 };
	r = classify1(in, &t);
	CHECK(r.nacl == FILTER_NACL_DENY && r.nacl_number == 50 && !filter_result_allowed(&r),
	      "lower-numbered deny wins (%u #%u)", r.nacl, r.nacl_number);
	CHECK(r.sg == FILTER_SG_NONE, "no groups on port: sg none");
	t.src = IP(10, 0, 3, 5);
	r = classify1(in, &t);
	CHECK(r.nacl == FILTER_NACL_ALLOW && r.nacl_number == 100 && filter_result_allowed(&r),
	      "other source allowed by 100 (%u #%u)", r.nacl, r.nacl_number);

	/* Egress, destination is the peer. */
	t = (struct tpkt){ .proto = 6, .src = IP(10, 0, 1, 5), .dst = IP(198, 51, 100, 7), .sport = 40000, .dport = 80 };
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_ALLOW && r.nacl_number == 10, "egress tcp/80 to 198.51.100.0/24");
	t.dport = 22; /* not 80, not ephemeral */
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_IMPLICIT_DENY && r.nacl_slot == FILTER_SLOT_NONE && r.nacl_number == 0,
	      "egress tcp/22: implicit deny (%u)", r.nacl);
	t.dport = 40001; /* ephemeral rule: replies to inbound connections */
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_ALLOW && r.nacl_number == 20, "ephemeral rule allows reply");
	t.dport = 1023;
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_IMPLICIT_DENY, "1023 is below the ephemeral range");
	t = (struct tpkt){ .proto = 17, .src = IP(10, 0, 1, 5), .dst = IP(192, 0, 2, 53), .sport = 5353, .dport = 53 };
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_DENY && r.nacl_number == 30, "udp to 192.0.2.0/24 denied by 30");
	t.proto = 1;
	t.type = 8;
	r = classify1(out, &t);
	CHECK(r.nacl == FILTER_NACL_IMPLICIT_DENY, "icmp egress: implicit deny");

	/* Port 1 has no NACL: everything allowed. */
	struct filter_ctx *open;
	CHECK(build(&cfg, 1, NATGW_DIR_INGRESS, &open) == 0, "build open");
	r = classify1(open, &t);
	CHECK(r.nacl == FILTER_NACL_NONE && r.sg == FILTER_SG_NONE && filter_result_allowed(&r),
	      "port without NACL/groups allows");

	/* Counters: per slot, implicit deny separately. */
	struct filter_counters c;
	struct tpkt pk[4] = {
		{ .proto = 6, .src = IP(10, 0, 2, 5), .dst = IP(10, 0, 1, 5), .dport = 22 },
		{ .proto = 6, .src = IP(10, 0, 2, 6), .dst = IP(10, 0, 1, 5), .dport = 22 },
		{ .proto = 6, .src = IP(10, 9, 2, 6), .dst = IP(10, 0, 1, 5), .dport = 22 },
		{ .proto = 1, .src = IP(10, 0, 2, 6), .dst = IP(10, 0, 1, 5), .type = 8 },
	};
	struct filter_pkt keys[4];
	const struct filter_pkt *kp[4];
	struct filter_result res[4];
	for (unsigned i = 0; i < 4; i++) {
		to_key(&pk[i], &keys[i]);
		kp[i] = &keys[i];
	}
	CHECK(filter_counters_init(&c, in) == 0, "counters init");
	filter_classify_bulk(in, kp, 4, res);
	filter_counters_add(&c, res, 4);
	CHECK(c.n_nacl == 2 && c.nacl_hits[0] == 3 && c.nacl_hits[1] == 1 && c.nacl_implicit_deny == 0,
	      "counters: #50 x3, #100 x1");
	filter_classify_bulk(out, kp, 4, res);
	filter_counters_free(&c);
	CHECK(filter_counters_init(&c, out) == 0, "counters init out");
	filter_counters_add(&c, res, 4);
	CHECK(c.nacl_implicit_deny == 4, "out: 4 implicit denies (%lu)", (unsigned long)c.nacl_implicit_deny);
	filter_counters_free(&c);

	/* A NACL without rules for a direction denies everything that way. */
	struct natgw_nacl *empty = &cfg.nacls[1];
	cfg.n_nacls = 2;
	nacl_add(empty, 5, NATGW_DIR_EGRESS, true, l4_any(), 0, 0);
	cfg.ports[1].nacl = 1;
	struct filter_ctx *e;
	CHECK(build(&cfg, 1, NATGW_DIR_INGRESS, &e) == 0, "build empty-ingress nacl");
	r = classify1(e, &t);
	CHECK(r.nacl == FILTER_NACL_IMPLICIT_DENY && filter_nacl_rule_count(e) == 0, "empty NACL direction denies");
	filter_free(e);

	filter_free(open);
	filter_free(in);
	filter_free(out);
	config_free(&cfg);
}

static void test_sg_explicit(void)
{
	struct natgw_config cfg;
	struct filter_ctx *in, *out;
	struct filter_result r;
	struct tpkt t;
	enum { WEB, APP, DEF, EMPTY };

	cfg_setup(&cfg, 3);
	cfg.n_sgs = 4;
	cfg.n_prefix_lists = 1;
	snprintf(cfg.prefix_lists[0].name, NATGW_NAME_MAX, "corp");
	pl_add(&cfg.prefix_lists[0], IP(192, 0, 2, 0), 24);
	pl_add(&cfg.prefix_lists[0], IP(198, 51, 100, 128), 25);
	/* web: tcp/80 from app members, tcp/443 from prefix list corp,
	 * icmp echo-request from 10.0.1.0/24, icmp 3/4 from anywhere. */
	sg_add(&cfg.sgs[WEB], NATGW_DIR_INGRESS, l4_ports(6, 80, 80), NATGW_PEER_SG, 0, 0, APP);
	sg_add(&cfg.sgs[WEB], NATGW_DIR_INGRESS, l4_ports(6, 443, 443), NATGW_PEER_PREFIX_LIST, 0, 0, 0);
	sg_add(&cfg.sgs[WEB], NATGW_DIR_INGRESS, l4_icmp(8, -1), NATGW_PEER_CIDR, IP(10, 0, 1, 0), 24, 0);
	sg_add(&cfg.sgs[WEB], NATGW_DIR_INGRESS, l4_icmp(3, 4), NATGW_PEER_CIDR, 0, 0, 0);
	sg_member_add(&cfg.sgs[APP], IP(10, 0, 1, 10));
	sg_member_add(&cfg.sgs[APP], IP(10, 0, 1, 11));
	/* default-like group: all outbound allowed, no inbound rule. */
	sg_add(&cfg.sgs[DEF], NATGW_DIR_EGRESS, l4_any(), NATGW_PEER_CIDR, 0, 0, 0);
	/* a rule referencing a group without members matches nothing. */
	sg_add(&cfg.sgs[EMPTY], NATGW_DIR_INGRESS, l4_any(), NATGW_PEER_SG, 0, 0, EMPTY);
	cfg.ports[0].security_groups = (1u << WEB) | (1u << DEF);
	cfg.ports[1].security_groups = 1u << EMPTY;

	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &in) == 0, "build sg in");
	CHECK(build(&cfg, 0, NATGW_DIR_EGRESS, &out) == 0, "build sg out");
	CHECK(filter_sg_rule_count(in) == 4 && filter_sg_rule_count(out) == 1, "sg slot counts");

	t = (struct tpkt){ .proto = 6, .src = IP(10, 0, 1, 10), .dst = IP(10, 0, 3, 2), .sport = 50000, .dport = 80 };
	r = classify1(in, &t);
	CHECK(r.sg == FILTER_SG_ALLOW && r.sg_slot == 0 && r.nacl == FILTER_NACL_NONE && filter_result_allowed(&r),
	      "member of app reaches tcp/80");
	t.src = IP(10, 0, 1, 11);
	CHECK(classify1(in, &t).sg == FILTER_SG_ALLOW, "second member too");
	t.src = IP(10, 0, 1, 12);
	r = classify1(in, &t);
	CHECK(r.sg == FILTER_SG_NO_MATCH && r.sg_slot == FILTER_SLOT_NONE && !filter_result_allowed(&r),
	      "non-member: no match");
	t.src = IP(10, 0, 1, 10);
	t.dport = 443;
	CHECK(classify1(in, &t).sg == FILTER_SG_NO_MATCH, "member on 443: not in corp");
	t.src = IP(198, 51, 100, 200);
	r = classify1(in, &t);
	unsigned g = 99, ru = 99;
	CHECK(r.sg == FILTER_SG_ALLOW && filter_sg_slot_rule(in, r.sg_slot, &g, &ru) == 0 && g == WEB && ru == 1,
	      "corp prefix list (2nd prefix) on 443");
	t.src = IP(198, 51, 100, 100);
	CHECK(classify1(in, &t).sg == FILTER_SG_NO_MATCH, "outside corp's /25");
	t.src = IP(192, 0, 2, 1);
	CHECK(classify1(in, &t).sg == FILTER_SG_ALLOW, "corp first prefix");
	t.proto = 17;
	CHECK(classify1(in, &t).sg == FILTER_SG_NO_MATCH, "udp/443 not allowed");

	/* ICMP type/code. */
	t = (struct tpkt){ .proto = 1, .src = IP(10, 0, 1, 99), .dst = IP(10, 0, 3, 2), .type = 8, .code = 0 };
	CHECK(classify1(in, &t).sg == FILTER_SG_ALLOW, "echo request from 10.0.1.0/24");
	t.src = IP(10, 0, 2, 99);
	CHECK(classify1(in, &t).sg == FILTER_SG_NO_MATCH, "echo request from elsewhere");
	t.type = 3;
	t.code = 4;
	CHECK(classify1(in, &t).sg == FILTER_SG_ALLOW, "frag-needed from anywhere");
	t.code = 3;
	CHECK(classify1(in, &t).sg == FILTER_SG_NO_MATCH, "3/3 not allowed");

	/* Egress: default group allows everything outbound; ingress has no DEF rule. */
	t = (struct tpkt){ .proto = 17, .src = IP(10, 0, 3, 2), .dst = IP(203, 0, 113, 9), .sport = 1234, .dport = 53 };
	r = classify1(out, &t);
	CHECK(r.sg == FILTER_SG_ALLOW && filter_sg_slot_rule(out, r.sg_slot, &g, &ru) == 0 && g == DEF && ru == 0,
	      "egress allowed by default group");
	t.proto = 47;
	CHECK(classify1(out, &t).sg == FILTER_SG_ALLOW, "egress gre too");

	/* Group whose rule references an empty group: nothing matches. */
	struct filter_ctx *e;
	CHECK(build(&cfg, 1, NATGW_DIR_INGRESS, &e) == 0, "build empty-peer");
	r = classify1(e, &t);
	CHECK(r.sg == FILTER_SG_NO_MATCH && filter_sg_rule_count(e) == 1, "empty peer group: no match");
	filter_free(e);
	/* Egress on port 1: groups present, no egress rule -> no match. */
	CHECK(build(&cfg, 1, NATGW_DIR_EGRESS, &e) == 0, "build no-egress");
	CHECK(classify1(e, &t).sg == FILTER_SG_NO_MATCH, "groups without egress rules: no match");
	filter_free(e);
	/* Port 2: nothing bound. */
	CHECK(build(&cfg, 2, NATGW_DIR_EGRESS, &e) == 0, "build unfiltered");
	r = classify1(e, &t);
	CHECK(r.sg == FILTER_SG_NONE && r.nacl == FILTER_NACL_NONE && filter_result_allowed(&r), "unfiltered port");
	filter_free(e);

	filter_free(in);
	filter_free(out);
	config_free(&cfg);
}

/* Invalid models are refused with -EINVAL (or the name/port errors). */
static void test_build_errors(void)
{
	struct natgw_config cfg;
	struct filter_ctx *ctx = NULL, *ctx2 = NULL;
	int rc;

	cfg_setup(&cfg, 1);
	cfg.n_nacls = 1;
	cfg.n_sgs = 1;
	nacl_add(&cfg.nacls[0], 7, NATGW_DIR_INGRESS, true, l4_any(), 0, 0);
	nacl_add(&cfg.nacls[0], 7, NATGW_DIR_EGRESS, true, l4_any(), 0, 0); /* other dir: fine */
	sg_add(&cfg.sgs[0], NATGW_DIR_INGRESS, l4_ports(6, 22, 22), NATGW_PEER_CIDR, IP(10, 0, 0, 0), 8, 0);
	cfg.ports[0].nacl = 0;
	cfg.ports[0].security_groups = 1;

	CHECK(filter_build(&cfg, 1, NATGW_DIR_INGRESS, "e0", &ctx) == -EINVAL, "port out of range");
	CHECK(filter_build(&cfg, 0, NATGW_DIR_INGRESS, "name-that-is-far-too-long-for-rte-acl", &ctx) ==
		      -ENAMETOOLONG, "long name");
	rc = filter_build(&cfg, 0, NATGW_DIR_INGRESS, "dup", &ctx);
	CHECK(rc == 0, "build ok %d", rc);
	CHECK(filter_build(&cfg, 0, NATGW_DIR_INGRESS, "dup", &ctx2) == -EEXIST, "name in use");
	filter_free(ctx);

	nacl_add(&cfg.nacls[0], 7, NATGW_DIR_INGRESS, false, l4_any(), 0, 0);
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "duplicate NACL number");
	cfg.nacls[0].rules[2].number = 0;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "NACL number 0");
	cfg.nacls[0].rules[2].number = 32767;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "NACL number 32767");
	cfg.nacls[0].rules[2].number = 32766;
	rc = build(&cfg, 0, NATGW_DIR_INGRESS, &ctx);
	CHECK(rc == 0, "NACL number 32766 ok (%d)", rc);
	filter_free(ctx);

	cfg.sgs[0].rules[0].l4.port_lo = 23;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "reversed port range");
	cfg.sgs[0].rules[0].l4.port_lo = 22;
	cfg.sgs[0].rules[0].peer_kind = NATGW_PEER_SG;
	cfg.sgs[0].rules[0].peer_ref = 3;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "unknown peer group");
	cfg.sgs[0].rules[0].peer_kind = NATGW_PEER_PREFIX_LIST;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "unknown prefix list");
	cfg.sgs[0].rules[0].peer_kind = NATGW_PEER_CIDR;
	cfg.sgs[0].rules[0].l4 = l4_icmp(300, -1);
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "icmp type 300");
	cfg.sgs[0].rules[0].l4 = l4_any();
	cfg.ports[0].security_groups = 2; /* group 1 does not exist */
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "unknown group bit");
	cfg.ports[0].security_groups = 1;
	cfg.ports[0].nacl = 4;
	CHECK(build(&cfg, 0, NATGW_DIR_INGRESS, &ctx) == -EINVAL, "unknown NACL");
	config_free(&cfg);
}

/* ---- random rule sets ---- */

/* Address universe: a few small networks so random packets hit rules. */
static uint32_t random_addr(void)
{
	static const uint32_t nets[] = { IP(10, 0, 0, 0), IP(10, 0, 1, 0), IP(10, 0, 2, 0),
					 IP(192, 168, 0, 0), IP(198, 51, 100, 0), IP(203, 0, 113, 0) };
	if (rnd_below(8) == 0)
		return rnd();
	return nets[rnd_below(6)] | rnd_below(rnd_below(2) ? 256 : 16);
}

static uint8_t random_len(void)
{
	static const uint8_t lens[] = { 8, 16, 20, 23, 24, 25, 28, 30, 31, 32 };
	if (rnd_below(16) == 0)
		return (uint8_t)rnd_below(33);
	return lens[rnd_below(sizeof(lens))];
}

static struct natgw_l4_match random_l4(void)
{
	struct natgw_l4_match m = l4_any();
	static const uint8_t protos[] = { 0, 6, 6, 6, 17, 17, 1, 1, 47 };

	m.proto = protos[rnd_below(sizeof(protos))];
	switch (rnd_below(5)) {
	case 0: break; /* any port */
	case 1: m.port_lo = m.port_hi = (uint16_t)(rnd_below(4) ? rnd_below(1100) : rnd()); break;
	case 2: m.port_lo = 1024; m.port_hi = 65535; break;
	default:
		m.port_lo = (uint16_t)rnd_below(65536);
		m.port_hi = (uint16_t)(m.port_lo + rnd_below(65536u - m.port_lo));
		break;
	}
	m.icmp_type = rnd_below(3) ? (int16_t)rnd_below(16) : -1;
	m.icmp_code = rnd_below(2) ? (int16_t)rnd_below(5) : -1;
	return m;
}

/* A random model: prefix lists, groups with members and rules, one NACL,
 * ports with every combination of NACL/groups. n_rules split over both. */
static void random_config(struct natgw_config *cfg, unsigned n_rules)
{
	cfg_setup(cfg, 4);
	cfg->n_prefix_lists = 3;
	for (unsigned i = 0; i < cfg->n_prefix_lists; i++) {
		unsigned n = rnd_below(5); /* may be empty */
		for (unsigned k = 0; k < n; k++)
			pl_add(&cfg->prefix_lists[i], random_addr(), random_len());
	}
	cfg->n_sgs = 6;
	for (unsigned g = 0; g < cfg->n_sgs; g++) {
		unsigned n = rnd_below(6);
		for (unsigned k = 0; k < n; k++)
			sg_member_add(&cfg->sgs[g], random_addr());
	}
	cfg->n_nacls = 1;
	for (unsigned i = 0; i < n_rules; i++) {
		enum natgw_filter_dir dir = rnd_below(2) ? NATGW_DIR_INGRESS : NATGW_DIR_EGRESS;
		if (i % 2 == 0) {
			struct natgw_nacl *n = &cfg->nacls[0];
			uint16_t number;
			bool dup;
			do {
				number = (uint16_t)(1 + rnd_below(rnd_below(2) ? 200 : NATGW_NACL_RULE_MAX));
				dup = false;
				for (unsigned k = 0; k < n->n_rules; k++)
					if (n->rules[k].number == number && n->rules[k].dir == dir)
						dup = true;
			} while (dup);
			nacl_add(n, number, dir, rnd_below(3) != 0, random_l4(), random_addr(), random_len());
			if (rnd_below(3) == 0) { /* some rules also name the other side */
				uint8_t ol = random_len();
				n->rules[n->n_rules - 1].other_len = ol;
				n->rules[n->n_rules - 1].other_cidr = random_addr() & mask_of(ol);
			}
		} else {
			struct natgw_sg *g = &cfg->sgs[rnd_below(cfg->n_sgs)];
			unsigned kind = rnd_below(4);
			if (kind <= 1)
				sg_add(g, dir, random_l4(), NATGW_PEER_CIDR, random_addr(), random_len(), 0);
			else if (kind == 2)
				sg_add(g, dir, random_l4(), NATGW_PEER_PREFIX_LIST, 0, 0,
				       (uint16_t)rnd_below(cfg->n_prefix_lists));
			else
				sg_add(g, dir, random_l4(), NATGW_PEER_SG, 0, 0, (uint16_t)rnd_below(cfg->n_sgs));
		}
	}
	cfg->ports[0].nacl = 0;
	cfg->ports[0].security_groups = 0x3f;
	cfg->ports[1].nacl = 0;
	cfg->ports[2].security_groups = 1 + rnd_below(0x3f);
	/* port 3: unfiltered */
}

/* An address inside prefix/len. */
static uint32_t addr_in(uint32_t pfx, uint8_t len)
{
	return (pfx & mask_of(len)) | (rnd() & ~mask_of(len));
}

/* A peer address for an SG rule (a member, a prefix-list address or the CIDR). */
static uint32_t sg_peer_sample(const struct natgw_config *cfg, const struct natgw_sg_rule *r)
{
	if (r->peer_kind == NATGW_PEER_CIDR)
		return addr_in(r->cidr, r->cidr_len);
	if (r->peer_kind == NATGW_PEER_PREFIX_LIST) {
		const struct natgw_prefix_list *pl = &cfg->prefix_lists[r->peer_ref];
		if (pl->n == 0)
			return random_addr();
		unsigned k = rnd_below(pl->n);
		return addr_in(pl->prefix[k], pl->len[k]);
	}
	const struct natgw_sg *g = &cfg->sgs[r->peer_ref];
	return g->n_members ? g->members[rnd_below(g->n_members)] : random_addr();
}

/* A packet that matches l4 and has `peer` on the side dir looks at. */
static void packet_for(struct tpkt *t, const struct natgw_l4_match *m, enum natgw_filter_dir dir, uint32_t peer)
{
	static const uint8_t protos[] = { 6, 17, 1, 47 };

	memset(t, 0, sizeof(*t));
	t->proto = m->proto ? m->proto : protos[rnd_below(4)];
	if (dir == NATGW_DIR_INGRESS) {
		t->src = peer;
		t->dst = random_addr();
	} else {
		t->src = random_addr();
		t->dst = peer;
	}
	t->sport = (uint16_t)rnd();
	if (t->proto == 6 || t->proto == 17) {
		t->dport = m->proto ? (uint16_t)(m->port_lo + rnd_below((uint32_t)m->port_hi - m->port_lo + 1))
				    : (uint16_t)rnd();
	} else if (t->proto == 1) {
		t->type = (uint8_t)(m->proto && m->icmp_type >= 0 ? m->icmp_type : (int)rnd_below(16));
		t->code = (uint8_t)(m->proto && m->icmp_code >= 0 ? m->icmp_code : (int)rnd_below(5));
		t->sport = t->dport = 0;
	} else {
		t->sport = t->dport = 0;
	}
}

/* Nudge one field of a packet (to probe rule boundaries). */
static void packet_perturb(struct tpkt *t)
{
	switch (rnd_below(6)) {
	case 0: t->src ^= 1u << rnd_below(32); break;
	case 1: t->dst ^= 1u << rnd_below(32); break;
	case 2: t->dport = (uint16_t)(t->dport + (rnd_below(2) ? 1 : -1)); break;
	case 3: t->type = (uint8_t)(t->type + 1); break;
	case 4: t->code = (uint8_t)(t->code + 1); break;
	default: {
		static const uint8_t protos[] = { 6, 17, 1, 47, 132 };
		t->proto = protos[rnd_below(5)];
		if (t->proto != 6 && t->proto != 17)
			t->sport = t->dport = 0;
		break;
	}
	}
}

/* A random packet biased towards the port's rules for dir. */
static void random_packet(const struct natgw_config *cfg, unsigned port, enum natgw_filter_dir dir,
			  struct tpkt *t)
{
	const struct natgw_port_config *pc = &cfg->ports[port];
	unsigned pick = rnd_below(10);

	if (pick < 4 && pc->nacl >= 0 && cfg->nacls[pc->nacl].n_rules > 0) {
		const struct natgw_nacl *n = &cfg->nacls[pc->nacl];
		const struct natgw_nacl_rule *r = &n->rules[rnd_below(n->n_rules)];
		packet_for(t, &r->l4, dir, addr_in(r->cidr, r->cidr_len));
		if (r->other_len > 0 && rnd_below(2)) {
			uint32_t o = addr_in(r->other_cidr, r->other_len);
			if (dir == NATGW_DIR_INGRESS)
				t->dst = o;
			else
				t->src = o;
		}
	} else if (pick < 8 && pc->security_groups) {
		unsigned g;
		do
			g = rnd_below(cfg->n_sgs);
		while (!(pc->security_groups & (UINT64_C(1) << g)));
		if (cfg->sgs[g].n_rules == 0) {
			struct natgw_l4_match any = l4_any();
			packet_for(t, &any, dir, random_addr());
		} else {
			const struct natgw_sg_rule *r = &cfg->sgs[g].rules[rnd_below(cfg->sgs[g].n_rules)];
			packet_for(t, &r->l4, dir, sg_peer_sample(cfg, r));
		}
	} else {
		struct natgw_l4_match m = random_l4();
		packet_for(t, &m, dir, random_addr());
	}
	if (rnd_below(3) == 0)
		packet_perturb(t);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define RBURST 200

/* Random model, every port and direction: compiled == reference on every packet. */
static void test_random(uint64_t seed, unsigned n_rules, unsigned n_pkts)
{
	struct natgw_config cfg;
	unsigned mismatch_before = failures;
	unsigned long dist[4 + 3] = { 0 }; /* NACL none/allow/deny/implicit, SG none/allow/no-match */

	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	random_config(&cfg, n_rules);
	for (unsigned port = 0; port < cfg.n_ports; port++) {
		for (int d = 0; d < 2; d++) {
			enum natgw_filter_dir dir = (enum natgw_filter_dir)d;
			struct filter_ctx *ctx;
			struct filter_counters c;
			int rc = build(&cfg, port, dir, &ctx);

			CHECK(rc == 0, "random build seed %lu rules %u port %u dir %d: %d",
			      (unsigned long)seed, n_rules, port, d, rc);
			if (rc != 0)
				continue;
			CHECK(filter_counters_init(&c, ctx) == 0, "counters");
			uint64_t *ref_nacl_hits = calloc(c.n_nacl + 1, sizeof(uint64_t));
			uint64_t *ref_sg_hits = calloc(c.n_sg + 1, sizeof(uint64_t));
			uint64_t ref_implicit = 0, ref_nomatch = 0;

			for (unsigned done = 0; done < n_pkts; done += RBURST) {
				struct tpkt t[RBURST];
				struct filter_pkt k[RBURST];
				const struct filter_pkt *kp[RBURST];
				struct filter_result res[RBURST];
				unsigned nb = n_pkts - done < RBURST ? n_pkts - done : RBURST;

				for (unsigned i = 0; i < nb; i++) {
					random_packet(&cfg, port, dir, &t[i]);
					to_key(&t[i], &k[i]);
					kp[i] = &k[i];
				}
				filter_classify_bulk(ctx, kp, nb, res);
				filter_counters_add(&c, res, nb);
				for (unsigned i = 0; i < nb; i++) {
					uint16_t number;
					int rule, g, gr, slot;
					enum filter_nacl_verdict nv = ref_nacl(&cfg, port, dir, &t[i], &number, &rule);
					enum filter_sg_verdict sv = ref_sg(&cfg, port, dir, &t[i], &g, &gr, &slot);

					check_against_ref(&cfg, port, dir, ctx, &t[i], &res[i], "random");
					dist[nv]++;
					dist[4 + sv]++;
					if (nv == FILTER_NACL_IMPLICIT_DENY)
						ref_implicit++;
					else if (nv != FILTER_NACL_NONE) {
						/* slot of the reference rule: its rank by number */
						for (uint32_t s = 0; s < c.n_nacl; s++)
							if (filter_nacl_slot_rule(ctx, s) == rule)
								ref_nacl_hits[s]++;
					}
					if (sv == FILTER_SG_NO_MATCH)
						ref_nomatch++;
					else if (sv == FILTER_SG_ALLOW)
						ref_sg_hits[slot]++;
				}
			}
			bool same = c.nacl_implicit_deny == ref_implicit && c.sg_no_match == ref_nomatch;
			for (uint32_t s = 0; s < c.n_nacl; s++)
				same = same && c.nacl_hits[s] == ref_nacl_hits[s];
			for (uint32_t s = 0; s < c.n_sg; s++)
				same = same && c.sg_hits[s] == ref_sg_hits[s];
			CHECK(same, "counters seed %lu port %u dir %d", (unsigned long)seed, port, d);
			free(ref_nacl_hits);
			free(ref_sg_hits);
			filter_counters_free(&c);
			filter_free(ctx);
		}
	}
	printf("random seed %lu, %4u rules, %u packets x 8 contexts: %s (nacl none/allow/deny/implicit "
	       "%lu/%lu/%lu/%lu, sg none/allow/no-match %lu/%lu/%lu)\n",
	       (unsigned long)seed, n_rules, n_pkts, failures == mismatch_before ? "agree" : "MISMATCH",
	       dist[0], dist[1], dist[2], dist[3], dist[4], dist[5], dist[6]);
	config_free(&cfg);
}

/* Compile n rules in one NACL direction and n in groups; print the times. */
static void bench_compile(unsigned n)
{
	struct natgw_config cfg;
	struct filter_ctx *ctx;
	double t0, t1;
	int rc;

	rng_state = 0x5eedull + n;
	cfg_setup(&cfg, 2);
	cfg.n_nacls = 1;
	for (unsigned i = 0; i < n; i++)
		nacl_add(&cfg.nacls[0], (uint16_t)(1 + (uint32_t)i * (NATGW_NACL_RULE_MAX - 1) / n),
			 NATGW_DIR_INGRESS, rnd_below(3) != 0, random_l4(), random_addr(), random_len());
	cfg.ports[0].nacl = 0;
	cfg.n_sgs = 8;
	for (unsigned i = 0; i < n; i++)
		sg_add(&cfg.sgs[i % 8], NATGW_DIR_INGRESS, random_l4(), NATGW_PEER_CIDR, random_addr(),
		       random_len(), 0);
	cfg.ports[1].security_groups = 0xff;

	t0 = now_s();
	rc = build(&cfg, 0, NATGW_DIR_INGRESS, &ctx);
	t1 = now_s();
	CHECK(rc == 0, "compile %u NACL rules: %d", n, rc);
	if (rc == 0) {
		struct filter_pkt k[64];
		const struct filter_pkt *kp[64];
		struct filter_result res[64];
		const unsigned rounds = 2000;
		for (unsigned i = 0; i < 64; i++) {
			struct tpkt t;
			random_packet(&cfg, 0, NATGW_DIR_INGRESS, &t);
			to_key(&t, &k[i]);
			kp[i] = &k[i];
		}
		double c0 = now_s();
		for (unsigned r = 0; r < rounds; r++)
			filter_classify_bulk(ctx, kp, 64, res);
		double c1 = now_s();
		printf("compile %5u NACL rules: %8.1f ms (classify %.1f ns/pkt, informational)\n", n,
		       (t1 - t0) * 1e3, (c1 - c0) * 1e9 / (rounds * 64.0));
		filter_free(ctx);
	}
	t0 = now_s();
	rc = build(&cfg, 1, NATGW_DIR_INGRESS, &ctx);
	t1 = now_s();
	CHECK(rc == 0, "compile %u SG rules: %d", n, rc);
	if (rc == 0) {
		printf("compile %5u SG rules:   %8.1f ms\n", n, (t1 - t0) * 1e3);
		filter_free(ctx);
	}
	config_free(&cfg);
}

int main(int argc, char **argv_in)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-filter-%d", getpid());
	char *argv[] = { "test_filter", "--no-huge", "--no-pci", "--no-shconf", "-m", "1024",
			 prefix, "--log-level=lib.*:error", "--no-telemetry", NULL };
	bool quick = argc > 1 && strcmp(argv_in[1], "--quick") == 0;

	if (rte_eal_init(9, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	test_nacl_explicit();
	test_sg_explicit();
	test_build_errors();
	static const unsigned sizes[] = { 10, 100, 1000 };
	for (unsigned s = 0; s < 3; s++)
		for (uint64_t seed = 1; seed <= (quick ? 2 : 5); seed++)
			test_random(seed, sizes[s], sizes[s] >= 1000 ? 2000 : 4000);
	bench_compile(1000);
	if (!quick)
		bench_compile(10000);
	rte_eal_cleanup();
	printf("test_filter: %u checks, %u failed\n", checks, failures);
	return failures ? 1 : 0;
}
