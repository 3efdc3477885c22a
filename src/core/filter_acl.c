/* Filtering: NACLs and security groups compiled into rte_acl contexts.
 *
 * Overview: one filter_ctx per (port, direction) holds up to two rte_acl
 * contexts of five fields (proto bitmask, src /len, dst /len, sport range,
 * dport range; see struct filter_pkt for the input layout):
 *   - NACL: one ACL rule per NACL rule of the direction; priority
 *     32767 - number so the lowest number wins; userdata = slot + 1 where
 *     slots are the rules in ascending number order.
 *   - SG: every allow rule of every group of the port for the direction is a
 *     slot (groups in index order, rules in config order); a rule expands to
 *     one ACL rule per peer prefix (a CIDR, each prefix of a prefix list, each
 *     member of the peer group as a /32); priority MAX - slot so the first
 *     matching slot is reported (any match allows).
 *   Ingress rules put the peer on the source address, egress rules on the
 *   destination. TCP/UDP port ranges are on the destination port; ICMP
 *   type/code go to the source/destination port fields (-1: full range);
 *   proto 0 matches every protocol with all ports.
 * A direction without rules gets no ACL context: every packet misses.
 *
 * Life-cycle: filter_build (control thread, EAL up) -> published read-only ->
 * filter_classify_bulk (any worker, concurrently) -> filter_free after the
 * snapshot's grace period. Counters live outside (struct filter_counters,
 * one per worker); this module only owns the compiled tables.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "natgw/filter.h"

#define FILTER_FIELDS 5
#define FILTER_BURST 64
#define FILTER_NACL_PRIO_BASE 32767

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT };

RTE_ACL_RULE_DEF(filter_acl_rule, FILTER_FIELDS);

static const struct rte_acl_field_def filter_field_defs[FILTER_FIELDS] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t), .field_index = F_PROTO,
	  .input_index = 0, .offset = offsetof(struct filter_pkt, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t), .field_index = F_SRC,
	  .input_index = 1, .offset = offsetof(struct filter_pkt, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t), .field_index = F_DST,
	  .input_index = 2, .offset = offsetof(struct filter_pkt, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t), .field_index = F_SPORT,
	  .input_index = 3, .offset = offsetof(struct filter_pkt, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t), .field_index = F_DPORT,
	  .input_index = 3, .offset = offsetof(struct filter_pkt, dport) },
};

_Static_assert(sizeof(struct filter_pkt) == 16, "filter_pkt is the rte_acl input layout");

struct filter_nacl_slot {
	uint32_t rule;   /* index in the NACL's rules[] */
	uint16_t number;
	bool allow;
};

struct filter_sg_slot {
	uint16_t sg;     /* group index */
	uint32_t rule;   /* index in sgs[sg].rules[] */
};

struct filter_ctx {
	bool has_nacl;                 /* port has a NACL (else: NACL_NONE) */
	bool has_sg;                   /* port has groups (else: SG_NONE) */
	struct rte_acl_ctx *nacl_acl;  /* NULL when the NACL has no rule this way */
	struct rte_acl_ctx *sg_acl;    /* NULL when no group rule expands to anything */
	struct filter_nacl_slot *nacl_slots;
	uint32_t n_nacl;
	struct filter_sg_slot *sg_slots;
	uint32_t n_sg;
};

/* A growable array of ACL rules being collected for one context. */
struct filter_rule_vec {
	struct filter_acl_rule *r;
	uint32_t n, cap;
};

/* Netmask of a prefix length (host order). */
static uint32_t filter_mask_of(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* Append one ACL rule; 0 or -ENOMEM. */
static int filter_rule_vec_push(struct filter_rule_vec *v, const struct filter_acl_rule *r)
{
	if (v->n == v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 64;
		struct filter_acl_rule *nr;

		if (cap > RTE_ACL_MAX_INDEX)
			return -ENOSPC;
		nr = realloc(v->r, (size_t)cap * sizeof(*nr));
		if (nr == NULL)
			return -ENOMEM;
		v->r = nr;
		v->cap = cap;
	}
	v->r[v->n++] = *r;
	return 0;
}

/* Check an L4 match for values the compiler cannot express. 0 or -EINVAL. */
static int filter_l4_check(const struct natgw_l4_match *m)
{
	if (m->port_lo > m->port_hi)
		return -EINVAL;
	if (m->icmp_type < -1 || m->icmp_type > 255 || m->icmp_code < -1 || m->icmp_code > 255)
		return -EINVAL;
	return 0;
}

/* ACL rule template for an L4 match: proto and the two port-range fields. */
static void filter_l4_fill(struct filter_acl_rule *r, const struct natgw_l4_match *m)
{
	r->field[F_PROTO].value.u8 = m->proto;
	r->field[F_PROTO].mask_range.u8 = m->proto == 0 ? 0 : 0xff;
	r->field[F_SPORT].value.u16 = 0;
	r->field[F_SPORT].mask_range.u16 = UINT16_MAX;
	r->field[F_DPORT].value.u16 = 0;
	r->field[F_DPORT].mask_range.u16 = UINT16_MAX;
	switch (m->proto) {
	case 6:  /* TCP */
	case 17: /* UDP */
		r->field[F_DPORT].value.u16 = m->port_lo;
		r->field[F_DPORT].mask_range.u16 = m->port_hi;
		break;
	case 1: /* ICMP: type in the sport field, code in the dport field */
		if (m->icmp_type >= 0) {
			r->field[F_SPORT].value.u16 = (uint16_t)m->icmp_type;
			r->field[F_SPORT].mask_range.u16 = (uint16_t)m->icmp_type;
		}
		if (m->icmp_code >= 0) {
			r->field[F_DPORT].value.u16 = (uint16_t)m->icmp_code;
			r->field[F_DPORT].mask_range.u16 = (uint16_t)m->icmp_code;
		}
		break;
	default:
		break;
	}
}

/* Put the peer prefix on the source (ingress) or destination (egress) field. */
static void filter_peer_fill(struct filter_acl_rule *r, enum natgw_filter_dir dir, uint32_t addr,
			     uint8_t len)
{
	unsigned peer = dir == NATGW_DIR_INGRESS ? F_SRC : F_DST;
	unsigned other = dir == NATGW_DIR_INGRESS ? F_DST : F_SRC;

	r->field[peer].value.u32 = addr & filter_mask_of(len);
	r->field[peer].mask_range.u32 = len;
	r->field[other].value.u32 = 0;
	r->field[other].mask_range.u32 = 0;
}

/* Put a NACL rule's optional other side on the destination (ingress) or
 * source (egress) field; length 0 matches any address. */
static void filter_other_fill(struct filter_acl_rule *r, enum natgw_filter_dir dir, uint32_t addr,
			      uint8_t len)
{
	unsigned other = dir == NATGW_DIR_INGRESS ? F_DST : F_SRC;

	r->field[other].value.u32 = addr & filter_mask_of(len);
	r->field[other].mask_range.u32 = len;
}

/* Create, fill and build one rte_acl context from collected rules. */
static int filter_acl_compile(const char *name, const struct filter_rule_vec *v,
			      struct rte_acl_ctx **out)
{
	struct rte_acl_param param = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.rule_size = RTE_ACL_RULE_SZ(FILTER_FIELDS),
		.max_rule_num = v->n,
	};
	struct rte_acl_config bcfg;
	struct rte_acl_ctx *acl;
	int rc;

	if (rte_acl_find_existing(name) != NULL)
		return -EEXIST;
	acl = rte_acl_create(&param);
	if (acl == NULL)
		return rte_errno ? -rte_errno : -ENOMEM;
	rc = rte_acl_add_rules(acl, (const struct rte_acl_rule *)v->r, v->n);
	if (rc < 0)
		goto err_add;
	memset(&bcfg, 0, sizeof(bcfg));
	bcfg.num_categories = 1;
	bcfg.num_fields = FILTER_FIELDS;
	memcpy(bcfg.defs, filter_field_defs, sizeof(filter_field_defs));
	rc = rte_acl_build(acl, &bcfg);
	if (rc < 0)
		goto err_add;
	*out = acl;
	return 0;

err_add:
	rte_acl_free(acl);
	return rc;
}

/* Order NACL slots by rule number (qsort). */
static int filter_nacl_slot_cmp(const void *a, const void *b)
{
	const struct filter_nacl_slot *x = a, *y = b;

	return (int)x->number - (int)y->number;
}

/* Collect the NACL's rules for dir into slots and ACL rules. */
static int filter_nacl_collect(struct filter_ctx *ctx, const struct natgw_nacl *nacl,
			       enum natgw_filter_dir dir, struct filter_rule_vec *v)
{
	uint32_t n = 0;

	ctx->nacl_slots = calloc(nacl->n_rules + 1, sizeof(*ctx->nacl_slots));
	if (ctx->nacl_slots == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < nacl->n_rules; i++) {
		const struct natgw_nacl_rule *r = &nacl->rules[i];

		if (r->dir != dir)
			continue;
		if (r->number < 1 || r->number > NATGW_NACL_RULE_MAX || r->cidr_len > 32 ||
		    r->other_len > 32 || filter_l4_check(&r->l4) < 0)
			return -EINVAL;
		ctx->nacl_slots[n++] = (struct filter_nacl_slot){
			.rule = i, .number = r->number, .allow = r->allow };
	}
	qsort(ctx->nacl_slots, n, sizeof(*ctx->nacl_slots), filter_nacl_slot_cmp);
	for (uint32_t s = 1; s < n; s++)
		if (ctx->nacl_slots[s].number == ctx->nacl_slots[s - 1].number)
			return -EINVAL; /* duplicate number: first match would be ambiguous */
	ctx->n_nacl = n;
	for (uint32_t s = 0; s < n; s++) {
		const struct natgw_nacl_rule *r = &nacl->rules[ctx->nacl_slots[s].rule];
		struct filter_acl_rule a;
		int rc;

		memset(&a, 0, sizeof(a));
		a.data.category_mask = 1;
		a.data.priority = FILTER_NACL_PRIO_BASE - r->number;
		a.data.userdata = s + 1;
		filter_l4_fill(&a, &r->l4);
		filter_peer_fill(&a, dir, r->cidr, r->cidr_len);
		filter_other_fill(&a, dir, r->other_cidr, r->other_len);
		rc = filter_rule_vec_push(v, &a);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Append the ACL rules of one SG rule (slot s): one per peer prefix. */
static int filter_sg_rule_expand(const struct natgw_config *cfg, const struct natgw_sg_rule *r,
				 enum natgw_filter_dir dir, uint32_t s, struct filter_rule_vec *v)
{
	struct filter_acl_rule a;
	int rc = 0;

	memset(&a, 0, sizeof(a));
	a.data.category_mask = 1;
	a.data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - s);
	a.data.userdata = s + 1;
	filter_l4_fill(&a, &r->l4);
	switch (r->peer_kind) {
	case NATGW_PEER_CIDR:
		filter_peer_fill(&a, dir, r->cidr, r->cidr_len);
		rc = filter_rule_vec_push(v, &a);
		break;
	case NATGW_PEER_PREFIX_LIST: {
		const struct natgw_prefix_list *pl = &cfg->prefix_lists[r->peer_ref];

		for (unsigned k = 0; k < pl->n && rc == 0; k++) {
			if (pl->len[k] > 32)
				return -EINVAL;
			filter_peer_fill(&a, dir, pl->prefix[k], pl->len[k]);
			rc = filter_rule_vec_push(v, &a);
		}
		break;
	}
	case NATGW_PEER_SG: {
		const struct natgw_sg *peer = &cfg->sgs[r->peer_ref];

		for (unsigned k = 0; k < peer->n_members && rc == 0; k++) {
			filter_peer_fill(&a, dir, peer->members[k], 32);
			rc = filter_rule_vec_push(v, &a);
		}
		break;
	}
	default:
		return -EINVAL;
	}
	return rc;
}

/* Check an SG rule's references and ranges. 0 or -EINVAL. */
static int filter_sg_rule_check(const struct natgw_config *cfg, const struct natgw_sg_rule *r)
{
	if (filter_l4_check(&r->l4) < 0)
		return -EINVAL;
	switch (r->peer_kind) {
	case NATGW_PEER_CIDR:
		return r->cidr_len > 32 ? -EINVAL : 0;
	case NATGW_PEER_PREFIX_LIST:
		return r->peer_ref >= cfg->n_prefix_lists ? -EINVAL : 0;
	case NATGW_PEER_SG:
		return r->peer_ref >= cfg->n_sgs ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/* Collect the rules of the port's groups for dir into slots and ACL rules. */
static int filter_sg_collect(struct filter_ctx *ctx, const struct natgw_config *cfg, uint64_t groups,
			     enum natgw_filter_dir dir, struct filter_rule_vec *v)
{
	uint64_t total = 0;
	uint32_t n = 0;

	for (unsigned g = 0; g < NATGW_MAX_SG; g++)
		if (groups & (UINT64_C(1) << g))
			total += cfg->sgs[g].n_rules;
	if (total >= RTE_ACL_MAX_PRIORITY)
		return -ENOSPC;
	ctx->sg_slots = calloc(total + 1, sizeof(*ctx->sg_slots));
	if (ctx->sg_slots == NULL)
		return -ENOMEM;
	for (unsigned g = 0; g < NATGW_MAX_SG; g++) {
		if (!(groups & (UINT64_C(1) << g)))
			continue;
		for (unsigned i = 0; i < cfg->sgs[g].n_rules; i++) {
			const struct natgw_sg_rule *r = &cfg->sgs[g].rules[i];
			int rc;

			if (r->dir != dir)
				continue;
			if (filter_sg_rule_check(cfg, r) < 0)
				return -EINVAL;
			ctx->sg_slots[n] = (struct filter_sg_slot){ .sg = (uint16_t)g, .rule = i };
			rc = filter_sg_rule_expand(cfg, r, dir, n, v);
			if (rc < 0)
				return rc;
			n++;
		}
	}
	ctx->n_sg = n;
	return 0;
}

int filter_build(const struct natgw_config *cfg, unsigned port, enum natgw_filter_dir dir,
		 const char *name, struct filter_ctx **out)
{
	struct filter_rule_vec nv = { 0 }, sv = { 0 };
	const struct natgw_port_config *pc;
	char acl_name[RTE_ACL_NAMESIZE];
	struct filter_ctx *ctx;
	int rc;

	if (port >= cfg->n_ports || (dir != NATGW_DIR_INGRESS && dir != NATGW_DIR_EGRESS))
		return -EINVAL;
	pc = &cfg->ports[port];
	if (pc->nacl >= 0 && (unsigned)pc->nacl >= cfg->n_nacls)
		return -EINVAL;
	if (cfg->n_sgs < NATGW_MAX_SG && (pc->security_groups >> cfg->n_sgs) != 0)
		return -EINVAL;
	if (strlen(name) + 3 > sizeof(acl_name))
		return -ENAMETOOLONG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return -ENOMEM;

	ctx->has_nacl = pc->nacl >= 0;
	if (ctx->has_nacl) {
		rc = filter_nacl_collect(ctx, &cfg->nacls[pc->nacl], dir, &nv);
		if (rc < 0)
			goto err_collect;
	}
	ctx->has_sg = pc->security_groups != 0;
	if (ctx->has_sg) {
		rc = filter_sg_collect(ctx, cfg, pc->security_groups, dir, &sv);
		if (rc < 0)
			goto err_collect;
	}
	if (nv.n > 0) {
		snprintf(acl_name, sizeof(acl_name), "%s.n", name);
		rc = filter_acl_compile(acl_name, &nv, &ctx->nacl_acl);
		if (rc < 0)
			goto err_collect;
	}
	if (sv.n > 0) {
		snprintf(acl_name, sizeof(acl_name), "%s.s", name);
		rc = filter_acl_compile(acl_name, &sv, &ctx->sg_acl);
		if (rc < 0)
			goto err_collect;
	}
	free(nv.r);
	free(sv.r);
	*out = ctx;
	return 0;

err_collect:
	free(nv.r);
	free(sv.r);
	filter_free(ctx);
	return rc;
}

void filter_free(struct filter_ctx *ctx)
{
	if (ctx == NULL)
		return;
	rte_acl_free(ctx->nacl_acl);
	rte_acl_free(ctx->sg_acl);
	free(ctx->nacl_slots);
	free(ctx->sg_slots);
	free(ctx);
}

/* Run one ACL context over k packets (k <= FILTER_BURST); 0 = no match. */
static void filter_acl_run(const struct rte_acl_ctx *acl, const uint8_t **data, uint32_t *m,
			   unsigned k)
{
	if (acl == NULL || rte_acl_classify(acl, data, m, k, 1) != 0)
		memset(m, 0, k * sizeof(*m));
}

void filter_classify_bulk(const struct filter_ctx *ctx, const struct filter_pkt *const *pkts,
			  unsigned n, struct filter_result *res)
{
	filter_classify_parts(ctx, pkts, n, res, FILTER_PART_ALL);
}

bool filter_has_nacl(const struct filter_ctx *ctx)
{
	return ctx->has_nacl;
}

bool filter_has_sg(const struct filter_ctx *ctx)
{
	return ctx->has_sg;
}

void filter_classify_parts(const struct filter_ctx *ctx, const struct filter_pkt *const *pkts,
			   unsigned n, struct filter_result *res, unsigned parts)
{
	bool nacl = ctx->has_nacl && (parts & FILTER_PART_NACL);
	bool sg = ctx->has_sg && (parts & FILTER_PART_SG);

	const uint8_t *data[FILTER_BURST];
	uint32_t nm[FILTER_BURST], sm[FILTER_BURST];

	while (n > 0) {
		unsigned k = n > FILTER_BURST ? FILTER_BURST : n;

		for (unsigned i = 0; i < k; i++)
			data[i] = (const uint8_t *)pkts[i];
		if (nacl)
			filter_acl_run(ctx->nacl_acl, data, nm, k);
		if (sg)
			filter_acl_run(ctx->sg_acl, data, sm, k);
		for (unsigned i = 0; i < k; i++) {
			struct filter_result *r = &res[i];

			r->nacl_slot = FILTER_SLOT_NONE;
			r->nacl_number = 0;
			r->nacl = FILTER_NACL_NONE;
			if (nacl) {
				if (nm[i] == 0) {
					r->nacl = FILTER_NACL_IMPLICIT_DENY;
				} else {
					const struct filter_nacl_slot *s = &ctx->nacl_slots[nm[i] - 1];

					r->nacl_slot = nm[i] - 1;
					r->nacl_number = s->number;
					r->nacl = s->allow ? FILTER_NACL_ALLOW : FILTER_NACL_DENY;
				}
			}
			r->sg_slot = FILTER_SLOT_NONE;
			r->sg = FILTER_SG_NONE;
			if (sg) {
				r->sg = sm[i] == 0 ? FILTER_SG_NO_MATCH : FILTER_SG_ALLOW;
				if (sm[i] != 0)
					r->sg_slot = sm[i] - 1;
			}
		}
		pkts += k;
		res += k;
		n -= k;
	}
}

uint32_t filter_nacl_rule_count(const struct filter_ctx *ctx)
{
	return ctx->n_nacl;
}

uint32_t filter_sg_rule_count(const struct filter_ctx *ctx)
{
	return ctx->n_sg;
}

int filter_nacl_slot_rule(const struct filter_ctx *ctx, uint32_t slot)
{
	if (slot >= ctx->n_nacl)
		return -EINVAL;
	return (int)ctx->nacl_slots[slot].rule;
}

int filter_sg_slot_rule(const struct filter_ctx *ctx, uint32_t slot, unsigned *sg, unsigned *rule)
{
	if (slot >= ctx->n_sg)
		return -EINVAL;
	*sg = ctx->sg_slots[slot].sg;
	*rule = ctx->sg_slots[slot].rule;
	return 0;
}

int filter_counters_init(struct filter_counters *c, const struct filter_ctx *ctx)
{
	memset(c, 0, sizeof(*c));
	c->nacl_hits = calloc(ctx->n_nacl + 1, sizeof(*c->nacl_hits));
	c->sg_hits = calloc(ctx->n_sg + 1, sizeof(*c->sg_hits));
	if (c->nacl_hits == NULL || c->sg_hits == NULL) {
		filter_counters_free(c);
		return -ENOMEM;
	}
	c->n_nacl = ctx->n_nacl;
	c->n_sg = ctx->n_sg;
	return 0;
}

void filter_counters_free(struct filter_counters *c)
{
	free(c->nacl_hits);
	free(c->sg_hits);
	memset(c, 0, sizeof(*c));
}
