/* Management commands: security groups (SG_GET, SG_RULE_ADD/DEL,
 * SG_MEMBER_ADD/DEL), prefix lists (PL_GET, PL_PREFIX_ADD/DEL) and network
 * ACLs (NACL_GET, NACL_RULE_ADD/DEL).
 *
 * Changes are edits of the configuration copy from ops->config_change, with
 * the model conventions of config_filter.c (proto 0 = all, ports 0..65535 for
 * protocols without ports, ICMP type/code -1 = any, NACL rules sorted by
 * (direction, number), group rules keyed "rule.N"); the daemon validates and
 * publishes. Dumps show hit counters: before the dump the handler collects
 * ops->filter_hits for every (port, direction), tagged with the port, and the
 * dump adds up, per rule, the hits of the ports the rule applies to.
 * Server thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

/* ---- hit counters -------------------------------------------------------- */

struct filter_hit {
	struct mgmt_rule_hits h;
	uint8_t port;
	uint8_t dir;
};

struct filter_dump {
	struct filter_hit *hits;
	size_t n_hits;
};

/* Collect the hit counters of every (port, direction). 0 or -ENOMEM. */
static int filter_hits_collect(const struct mgmt_ops *ops, struct filter_dump *fd)
{
	struct mgmt_rule_hits *buf = NULL;
	size_t cap = 0;

	if (ops->filter_hits == NULL)
		return 0;
	for (unsigned p = 0; p < NATGW_MAX_PORTS; p++) {
		for (unsigned dir = 0; dir < 2; dir++) {
			size_t n = ops->filter_hits(ops->ctx, p, (enum natgw_filter_dir)dir, buf, cap);
			struct filter_hit *g;

			if (n > cap) {
				struct mgmt_rule_hits *nb = realloc(buf, n * sizeof(*nb));

				if (nb == NULL)
					goto err_alloc;
				buf = nb;
				cap = n;
				n = ops->filter_hits(ops->ctx, p, (enum natgw_filter_dir)dir, buf, cap);
				if (n > cap)
					n = cap;
			}
			if (n == 0)
				continue;
			g = realloc(fd->hits, (fd->n_hits + n) * sizeof(*g));
			if (g == NULL)
				goto err_alloc;
			fd->hits = g;
			for (size_t i = 0; i < n; i++)
				fd->hits[fd->n_hits++] = (struct filter_hit){ buf[i], (uint8_t)p, (uint8_t)dir };
		}
	}
	free(buf);
	return 0;
err_alloc:
	free(buf);
	return -ENOMEM;
}

/* Release: free the hit copy. */
static void filter_dump_release(struct mgmt_dump *d)
{
	struct filter_dump *fd = d->priv;

	free(fd->hits);
}

/* Hits of rule i of group g over the ports that use g. */
static uint64_t filter_sg_hits(const struct filter_dump *fd, const struct natgw_config *cfg,
			       unsigned g, unsigned i)
{
	uint64_t sum = 0;

	for (size_t k = 0; k < fd->n_hits; k++) {
		const struct filter_hit *h = &fd->hits[k];

		if (h->h.kind == 1 && h->h.sg == g && h->h.sg_rule == i && h->port < cfg->n_ports &&
		    (cfg->ports[h->port].security_groups & (1ull << g)))
			sum += h->h.hits;
	}
	return sum;
}

/* Hits of NACL k's rule (dir, number) over the ports bound to k. */
static uint64_t filter_nacl_hits(const struct filter_dump *fd, const struct natgw_config *cfg,
				 unsigned k, uint8_t dir, uint16_t number)
{
	uint64_t sum = 0;

	for (size_t j = 0; j < fd->n_hits; j++) {
		const struct filter_hit *h = &fd->hits[j];

		if (h->h.kind == 0 && h->dir == dir && h->h.nacl_number == number &&
		    h->port < cfg->n_ports && cfg->ports[h->port].nacl == (int)k)
			sum += h->h.hits;
	}
	return sum;
}

/* Start a filter dump with hits collected (shared by SG_GET and NACL_GET). */
static int filter_dump_start(struct mgmt_req *r, mgmt_dump_fill_fn fill, bool hits)
{
	struct mgmt_dump *d;

	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	d = mgmt_dump_start(r, fill, sizeof(struct filter_dump));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	d->release = filter_dump_release;
	if (r->msg->tb[MGMT_A_NAME])
		mgmt_attr_str(r->msg->tb[MGMT_A_NAME], d->name, sizeof(d->name));
	if (hits && filter_hits_collect(r->ops, d->priv) < 0)
		return mgmt_fail(r, -ENOMEM, "out of memory collecting hit counters");
	return 0;
}

/* Names of n objects at base + i * stride (name first), for messages. */
static const char *filter_names(const void *base, size_t stride, unsigned n, char *buf, size_t len)
{
	size_t off = 0;

	snprintf(buf, len, "none");
	for (unsigned i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
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

/* Check that a dump's NAME filter names an object; error otherwise. */
static int filter_dump_name_check(struct mgmt_dump *d, const void *base, size_t stride, unsigned n,
				  const char *what)
{
	char names[300];

	if (d->name[0] && filter_find(base, stride, n, d->name) < 0)
		return mgmt_dump_fail(d, -ENOENT, "no %s \"%s\" (%ss: %s)", what, d->name, what,
				      filter_names(base, stride, n, names, sizeof(names)));
	return 0;
}

/* ---- SG_GET -------------------------------------------------------------- */

/* Name of a rule's peer for PREFIX_LIST / SG peers (NULL for CIDR). */
static const char *filter_peer_name(const struct natgw_config *cfg, const struct natgw_sg_rule *r)
{
	if (r->peer_kind == NATGW_PEER_PREFIX_LIST && r->peer_ref < cfg->n_prefix_lists)
		return cfg->prefix_lists[r->peer_ref].name;
	if (r->peer_kind == NATGW_PEER_SG && r->peer_ref < cfg->n_sgs)
		return cfg->sgs[r->peer_ref].name;
	return NULL;
}

/* New dump message carrying NAME. */
static struct nl_msg *filter_named_msg(struct mgmt_dump *d, const char *name)
{
	struct nl_msg *m = mgmt_dump_msg(d);

	if (m && nla_put_string(m, MGMT_A_NAME, name) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* Emit the header message of group g. */
static int filter_sg_header(struct mgmt_dump *d, const struct natgw_config *cfg, unsigned g)
{
	const struct natgw_sg *sg = &cfg->sgs[g];
	struct nl_msg *m = filter_named_msg(d, sg->name);
	struct nlattr *n;
	int rc = 0;

	if (m == NULL || (n = nla_nest_start(m, MGMT_A_SG)) == NULL)
		goto err_put;
	rc |= nla_put_u32(m, MGMT_SG_A_N_RULES, sg->n_rules);
	rc |= nla_put_u32(m, MGMT_SG_A_N_MEMBERS, sg->n_members);
	for (unsigned p = 0; p < cfg->n_ports; p++)
		if (cfg->ports[p].security_groups & (1ull << g))
			rc |= nla_put_string(m, MGMT_SG_A_PORT, cfg->ports[p].name);
	if (rc != 0)
		goto err_put;
	nla_nest_end(m, n);
	return mgmt_dump_emit(d, m);
err_put:
	nlmsg_free(m);
	return mgmt_dump_fail(d, -ENOMEM, "out of memory building a group message");
}

/* config_read callback: groups from pos[0]; pos[1] stage (0 header, 1 rules,
 * 2 members), pos[2] item. */
static int filter_sg_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;
	struct filter_dump *fd = d->priv;
	int rc = filter_dump_name_check(d, cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs,
					"security group");

	if (rc < 0)
		return rc;
	for (; d->pos[0] < cfg->n_sgs; d->pos[0]++, d->pos[1] = 0, d->pos[2] = 0) {
		unsigned g = (unsigned)d->pos[0];
		const struct natgw_sg *sg = &cfg->sgs[g];

		if (d->name[0] && strcmp(d->name, sg->name) != 0)
			continue;
		if (d->pos[1] == 0) {
			if (mgmt_dump_full(d))
				return 1;
			if (filter_sg_header(d, cfg, g) < 0)
				return d->rc;
			d->pos[1] = 1;
		}
		for (; d->pos[1] == 1 && d->pos[2] < sg->n_rules; d->pos[2]++) {
			const struct natgw_sg_rule *rule = &sg->rules[d->pos[2]];
			struct nl_msg *m;

			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, sg->name);
			if (m == NULL ||
			    mgmt_sg_rule_put(m, rule, filter_peer_name(cfg, rule), true, (uint32_t)d->pos[2],
					     filter_sg_hits(fd, cfg, g, (unsigned)d->pos[2])) < 0) {
				nlmsg_free(m);
				return mgmt_dump_fail(d, -ENOMEM, "out of memory building a rule message");
			}
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
		}
		if (d->pos[1] == 1) {
			d->pos[1] = 2;
			d->pos[2] = 0;
		}
		for (; d->pos[2] < sg->n_members; d->pos[2]++) {
			struct nl_msg *m;

			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, sg->name);
			if (m == NULL || nla_put_u32(m, MGMT_A_MEMBER, sg->members[d->pos[2]]) < 0) {
				nlmsg_free(m);
				return mgmt_dump_fail(d, -ENOMEM, "out of memory building a member message");
			}
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
		}
	}
	return 0;
}

/* Dump fill: groups through config_read. */
static int filter_sg_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, filter_sg_cb, d);
}

/* SG_GET. */
int mgmt_cmd_sg_get(struct mgmt_req *r)
{
	return filter_dump_start(r, filter_sg_fill, true);
}

/* ---- SG changes ---------------------------------------------------------- */

struct sg_edit {
	uint8_t cmd;
	char name[NATGW_NAME_MAX];
	struct natgw_sg_rule rule;
	char peer[NATGW_NAME_MAX];
	uint32_t have;            /* MGMT_RULE_A_* present */
	uint32_t member;
	char key[24];             /* out: key of an added rule */
};

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

/* True when two group rules match the same traffic with the same peer. */
static bool filter_sg_rule_same(const struct natgw_sg_rule *a, const struct natgw_sg_rule *b)
{
	return a->dir == b->dir && a->l4.proto == b->l4.proto && a->l4.port_lo == b->l4.port_lo &&
	       a->l4.port_hi == b->l4.port_hi && a->l4.icmp_type == b->l4.icmp_type &&
	       a->l4.icmp_code == b->l4.icmp_code && a->peer_kind == b->peer_kind &&
	       (a->peer_kind == NATGW_PEER_CIDR ? a->cidr == b->cidr && a->cidr_len == b->cidr_len
						: a->peer_ref == b->peer_ref);
}

/* Resolve the rule's peer name in cfg into peer_ref. */
static int filter_sg_peer(const struct natgw_config *cfg, struct sg_edit *e, char *msg, size_t len)
{
	char names[300];
	int idx;

	if (e->rule.peer_kind == NATGW_PEER_CIDR)
		return 0;
	if (e->rule.peer_kind == NATGW_PEER_PREFIX_LIST) {
		idx = filter_find(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]), cfg->n_prefix_lists,
				  e->peer);
		if (idx < 0) {
			snprintf(msg, len, "unknown prefix list '%s' (prefix lists: %s)", e->peer,
				 filter_names(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]),
					      cfg->n_prefix_lists, names, sizeof(names)));
			return -ENOENT;
		}
	} else {
		idx = filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, e->peer);
		if (idx < 0) {
			snprintf(msg, len, "unknown security group '%s' (groups: %s)", e->peer,
				 filter_names(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, names,
					      sizeof(names)));
			return -ENOENT;
		}
	}
	e->rule.peer_ref = (uint16_t)idx;
	return 0;
}

/* Next free "rule.N" key of a group. */
static void filter_sg_next_key(const struct natgw_sg *sg, char *key, size_t len)
{
	unsigned long max = 0;

	for (unsigned i = 0; i < sg->n_rules; i++) {
		const char *k = sg->rules[i].key;
		char *end;
		unsigned long v;

		if (strncmp(k, "rule.", 5) != 0)
			continue;
		v = strtoul(k + 5, &end, 10);
		if (*end == '\0' && v > max && v < 100000)
			max = v;
	}
	snprintf(key, len, "rule.%lu", max + 1);
}

/* Edit function: rule or member add/del on one group. */
static int filter_sg_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct sg_edit *e = arg;
	char names[300], a[16];
	struct natgw_sg *sg;
	int g, idx = -1, rc;

	g = filter_find(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, e->name);
	if (g < 0) {
		snprintf(msg, len, "no security group \"%s\" (groups: %s)", e->name,
			 filter_names(cfg->sgs, sizeof(cfg->sgs[0]), cfg->n_sgs, names, sizeof(names)));
		return -ENOENT;
	}
	sg = &cfg->sgs[g];
	switch (e->cmd) {
	case MGMT_CMD_SG_MEMBER_ADD:
	case MGMT_CMD_SG_MEMBER_DEL:
		for (unsigned i = 0; i < sg->n_members; i++)
			if (sg->members[i] == e->member)
				idx = (int)i;
		if (e->cmd == MGMT_CMD_SG_MEMBER_DEL) {
			if (idx < 0) {
				snprintf(msg, len, "%s is not a member of group %s",
					 mgmt_ntoa(e->member, a), sg->name);
				return -ESRCH;
			}
			memmove(&sg->members[idx], &sg->members[idx + 1],
				(sg->n_members - (unsigned)idx - 1) * sizeof(sg->members[0]));
			sg->n_members--;
			return 0;
		}
		if (idx >= 0) {
			snprintf(msg, len, "%s is already a member of group %s", mgmt_ntoa(e->member, a),
				 sg->name);
			return -EEXIST;
		}
		if (filter_grow((void **)&sg->members, &sg->members_cap, sg->n_members,
				sizeof(sg->members[0])) < 0)
			goto err_nomem;
		sg->members[sg->n_members++] = e->member;
		return 0;
	case MGMT_CMD_SG_RULE_DEL:
		if (MGMT_HAS(e->have, MGMT_RULE_A_KEY) && !MGMT_HAS(e->have, MGMT_RULE_A_DIR)) {
			for (unsigned i = 0; i < sg->n_rules; i++)
				if (strcmp(sg->rules[i].key, e->rule.key) == 0)
					idx = (int)i;
		} else {
			rc = filter_sg_peer(cfg, e, msg, len);
			if (rc < 0)
				return rc;
			for (unsigned i = 0; i < sg->n_rules; i++)
				if (filter_sg_rule_same(&sg->rules[i], &e->rule))
					idx = (int)i;
		}
		if (idx < 0) {
			snprintf(msg, len, "no such rule in group %s", sg->name);
			return -ESRCH;
		}
		memmove(&sg->rules[idx], &sg->rules[idx + 1],
			(sg->n_rules - (unsigned)idx - 1) * sizeof(sg->rules[0]));
		sg->n_rules--;
		return 0;
	default: /* MGMT_CMD_SG_RULE_ADD */
		rc = filter_sg_peer(cfg, e, msg, len);
		if (rc < 0)
			return rc;
		for (unsigned i = 0; i < sg->n_rules; i++)
			if (filter_sg_rule_same(&sg->rules[i], &e->rule)) {
				snprintf(msg, len, "group %s already has this rule (%s)", sg->name,
					 sg->rules[i].key);
				return -EEXIST;
			}
		if (filter_grow((void **)&sg->rules, &sg->rules_cap, sg->n_rules, sizeof(sg->rules[0])) < 0)
			goto err_nomem;
		filter_sg_next_key(sg, e->rule.key, sizeof(e->rule.key));
		snprintf(e->key, sizeof(e->key), "%s", e->rule.key);
		sg->rules[sg->n_rules++] = e->rule;
		return 0;
	}
err_nomem:
	snprintf(msg, len, "out of memory");
	return -ENOMEM;
}

/* Check the protocol/port/ICMP part and CIDR of a decoded rule. */
static int filter_rule_check(struct mgmt_req *r, uint8_t dir, const struct natgw_l4_match *l4,
			     uint32_t have, uint32_t cidr, uint8_t cidr_len)
{
	char a[16], b[16];

	if (dir > NATGW_DIR_EGRESS)
		return mgmt_fail(r, -EINVAL, "rule direction %u: expected 0 (ingress) or 1 (egress)", dir);
	if ((MGMT_HAS(have, MGMT_RULE_A_PORT_LO) || MGMT_HAS(have, MGMT_RULE_A_PORT_HI)) &&
	    l4->proto != 6 && l4->proto != 17)
		return mgmt_fail(r, -EINVAL, "ports are only valid for tcp and udp rules");
	if (l4->port_lo > l4->port_hi)
		return mgmt_fail(r, -EINVAL, "port range %u-%u is reversed", l4->port_lo, l4->port_hi);
	if ((MGMT_HAS(have, MGMT_RULE_A_ICMP_TYPE) || MGMT_HAS(have, MGMT_RULE_A_ICMP_CODE)) &&
	    l4->proto != 1)
		return mgmt_fail(r, -EINVAL, "ICMP type/code are only valid for icmp rules");
	if (MGMT_HAS(have, MGMT_RULE_A_ICMP_CODE) && !MGMT_HAS(have, MGMT_RULE_A_ICMP_TYPE))
		return mgmt_fail(r, -EINVAL, "an ICMP code needs an ICMP type");
	if (cidr_len > 32)
		return mgmt_fail(r, -EINVAL, "prefix length %u is out of range 0..32", cidr_len);
	if (cidr & ~mgmt_mask(cidr_len))
		return mgmt_fail(r, -EINVAL, "prefix %s/%u has host bits set; did you mean %s/%u?",
				 mgmt_ntoa(cidr, a), cidr_len, mgmt_ntoa(cidr & mgmt_mask(cidr_len), b),
				 cidr_len);
	return 0;
}

/* SG_RULE_ADD / SG_RULE_DEL / SG_MEMBER_ADD / SG_MEMBER_DEL. */
int mgmt_cmd_sg_change(struct mgmt_req *r)
{
	struct sg_edit e = { .cmd = r->msg->cmd };
	struct nlattr *rule = r->msg->tb[MGMT_A_SG_RULE];
	char text[192], a[16];
	int rc;

	mgmt_attr_str(r->msg->tb[MGMT_A_NAME], e.name, sizeof(e.name));
	if (e.cmd == MGMT_CMD_SG_MEMBER_ADD || e.cmd == MGMT_CMD_SG_MEMBER_DEL) {
		e.member = nla_get_u32(r->msg->tb[MGMT_A_MEMBER]);
		rc = mgmt_change(r, filter_sg_edit_fn, &e);
		if (rc < 0)
			return rc;
		snprintf(text, sizeof(text), "sg member %s %s %s",
			 e.cmd == MGMT_CMD_SG_MEMBER_ADD ? "add" : "del", e.name, mgmt_ntoa(e.member, a));
		mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
		return 0;
	}
	e.have = mgmt_sg_rule_decode(rule, &e.rule, e.peer, sizeof(e.peer), NULL, NULL);
	if (!(e.cmd == MGMT_CMD_SG_RULE_DEL && MGMT_HAS(e.have, MGMT_RULE_A_KEY) &&
	      !MGMT_HAS(e.have, MGMT_RULE_A_DIR))) {
		if (!MGMT_HAS(e.have, MGMT_RULE_A_DIR) || !MGMT_HAS(e.have, MGMT_RULE_A_PEER_KIND))
			return mgmt_fail(r, -EINVAL, "%s: SG_RULE needs DIR and PEER_KIND%s",
					 mgmt_cmd_name(e.cmd),
					 e.cmd == MGMT_CMD_SG_RULE_DEL ? " (or KEY alone)" : "");
		if (e.rule.peer_kind > NATGW_PEER_SG)
			return mgmt_fail(r, -EINVAL, "peer kind %u: expected 0 (CIDR), 1 (prefix list) or 2 (group)",
					 e.rule.peer_kind);
		if (e.rule.peer_kind == NATGW_PEER_CIDR &&
		    (!MGMT_HAS(e.have, MGMT_RULE_A_CIDR) || !MGMT_HAS(e.have, MGMT_RULE_A_CIDR_LEN)))
			return mgmt_fail(r, -EINVAL, "a CIDR peer needs CIDR and CIDR_LEN");
		if (e.rule.peer_kind != NATGW_PEER_CIDR && !e.peer[0])
			return mgmt_fail(r, -EINVAL, "a prefix-list or group peer needs PEER_NAME");
		if (MGMT_HAS(e.have, MGMT_RULE_A_NUMBER) || MGMT_HAS(e.have, MGMT_RULE_A_ACTION) ||
		    MGMT_HAS(e.have, MGMT_RULE_A_OTHER_CIDR) || MGMT_HAS(e.have, MGMT_RULE_A_OTHER_LEN))
			return mgmt_fail(r, -EINVAL, "NUMBER, ACTION and OTHER_* are NACL rule attributes");
		rc = filter_rule_check(r, e.rule.dir, &e.rule.l4, e.have, e.rule.cidr, e.rule.cidr_len);
		if (rc < 0)
			return rc;
		e.rule.key[0] = '\0';
	}
	rc = mgmt_change(r, filter_sg_edit_fn, &e);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "sg rule %s %s %s", e.cmd == MGMT_CMD_SG_RULE_ADD ? "add" : "del",
		 e.name, e.cmd == MGMT_CMD_SG_RULE_ADD ? e.key : e.rule.key);
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}

/* ---- prefix lists -------------------------------------------------------- */

/* config_read callback: lists from pos[0]; pos[1] 0 header / 1 prefixes, pos[2] item. */
static int filter_pl_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;
	struct nl_msg *m = NULL;
	int rc = filter_dump_name_check(d, cfg->prefix_lists, sizeof(cfg->prefix_lists[0]),
					cfg->n_prefix_lists, "prefix list");

	if (rc < 0)
		return rc;
	for (; d->pos[0] < cfg->n_prefix_lists; d->pos[0]++, d->pos[1] = 0, d->pos[2] = 0) {
		const struct natgw_prefix_list *pl = &cfg->prefix_lists[d->pos[0]];
		struct nlattr *n;

		if (d->name[0] && strcmp(d->name, pl->name) != 0)
			continue;
		if (d->pos[1] == 0) {
			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, pl->name);
			if (m == NULL || (n = nla_nest_start(m, MGMT_A_PL)) == NULL ||
			    nla_put_u32(m, MGMT_PL_A_N_PREFIXES, pl->n) < 0)
				goto err_put;
			nla_nest_end(m, n);
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
			d->pos[1] = 1;
		}
		for (; d->pos[2] < pl->n; d->pos[2]++) {
			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, pl->name);
			if (m == NULL ||
			    mgmt_prefix_put(m, MGMT_A_PREFIX, pl->prefix[d->pos[2]], pl->len[d->pos[2]]) < 0)
				goto err_put;
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
		}
	}
	return 0;
err_put:
	nlmsg_free(m);
	return mgmt_dump_fail(d, -ENOMEM, "out of memory building a prefix-list message");
}

/* Dump fill: prefix lists through config_read. */
static int filter_pl_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, filter_pl_cb, d);
}

/* PL_GET. */
int mgmt_cmd_pl_get(struct mgmt_req *r)
{
	return filter_dump_start(r, filter_pl_fill, false);
}

struct pl_edit {
	uint8_t cmd;
	char name[NATGW_NAME_MAX];
	uint32_t addr;
	uint8_t len;
};

/* Edit function: add or delete one prefix of a list. */
static int filter_pl_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct pl_edit *e = arg;
	struct natgw_prefix_list *pl;
	char names[300], a[16];
	int k, idx = -1;

	k = filter_find(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]), cfg->n_prefix_lists, e->name);
	if (k < 0) {
		snprintf(msg, len, "no prefix list \"%s\" (prefix lists: %s)", e->name,
			 filter_names(cfg->prefix_lists, sizeof(cfg->prefix_lists[0]),
				      cfg->n_prefix_lists, names, sizeof(names)));
		return -ENOENT;
	}
	pl = &cfg->prefix_lists[k];
	for (unsigned i = 0; i < pl->n; i++)
		if (pl->prefix[i] == e->addr && pl->len[i] == e->len)
			idx = (int)i;
	if (e->cmd == MGMT_CMD_PL_PREFIX_DEL) {
		if (idx < 0) {
			snprintf(msg, len, "%s/%u is not in prefix list %s", mgmt_ntoa(e->addr, a), e->len,
				 pl->name);
			return -ESRCH;
		}
		memmove(&pl->prefix[idx], &pl->prefix[idx + 1], (pl->n - (unsigned)idx - 1) * sizeof(pl->prefix[0]));
		memmove(&pl->len[idx], &pl->len[idx + 1], (pl->n - (unsigned)idx - 1) * sizeof(pl->len[0]));
		pl->n--;
		return 0;
	}
	if (idx >= 0) {
		snprintf(msg, len, "%s/%u is already in prefix list %s", mgmt_ntoa(e->addr, a), e->len,
			 pl->name);
		return -EEXIST;
	}
	if (pl->n == pl->cap) {
		unsigned cap = pl->cap ? pl->cap * 2 : 8;
		uint32_t *p = realloc(pl->prefix, cap * sizeof(*p));
		uint8_t *l;

		if (p == NULL)
			goto err_nomem;
		pl->prefix = p;
		l = realloc(pl->len, cap * sizeof(*l));
		if (l == NULL)
			goto err_nomem; /* prefix grew: harmless, cap unchanged */
		pl->len = l;
		pl->cap = cap;
	}
	pl->prefix[pl->n] = e->addr;
	pl->len[pl->n] = e->len;
	pl->n++;
	return 0;
err_nomem:
	snprintf(msg, len, "out of memory");
	return -ENOMEM;
}

/* PL_PREFIX_ADD / PL_PREFIX_DEL. */
int mgmt_cmd_pl_change(struct mgmt_req *r)
{
	struct pl_edit e = { .cmd = r->msg->cmd };
	uint32_t have = mgmt_prefix_decode(r->msg->tb[MGMT_A_PREFIX], &e.addr, &e.len);
	char text[192], a[16], b[16];
	int rc;

	mgmt_attr_str(r->msg->tb[MGMT_A_NAME], e.name, sizeof(e.name));
	if (!MGMT_HAS(have, MGMT_PFX_A_ADDR) || !MGMT_HAS(have, MGMT_PFX_A_LEN))
		return mgmt_fail(r, -EINVAL, "%s: PREFIX needs ADDR and LEN", mgmt_cmd_name(e.cmd));
	if (e.len > 32)
		return mgmt_fail(r, -EINVAL, "prefix length %u is out of range 0..32", e.len);
	if (e.addr & ~mgmt_mask(e.len))
		return mgmt_fail(r, -EINVAL, "prefix %s/%u has host bits set; did you mean %s/%u?",
				 mgmt_ntoa(e.addr, a), e.len, mgmt_ntoa(e.addr & mgmt_mask(e.len), b), e.len);
	rc = mgmt_change(r, filter_pl_edit_fn, &e);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "pl prefix %s %s %s/%u",
		 e.cmd == MGMT_CMD_PL_PREFIX_ADD ? "add" : "del", e.name, mgmt_ntoa(e.addr, a), e.len);
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}

/* ---- NACLs --------------------------------------------------------------- */

/* config_read callback: NACLs from pos[0]; pos[1] 0 header / 1 rules, pos[2] rule. */
static int filter_nacl_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;
	struct filter_dump *fd = d->priv;
	struct nl_msg *m = NULL;
	int rc = filter_dump_name_check(d, cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, "NACL");

	if (rc < 0)
		return rc;
	for (; d->pos[0] < cfg->n_nacls; d->pos[0]++, d->pos[1] = 0, d->pos[2] = 0) {
		unsigned k = (unsigned)d->pos[0];
		const struct natgw_nacl *nacl = &cfg->nacls[k];
		struct nlattr *n;

		if (d->name[0] && strcmp(d->name, nacl->name) != 0)
			continue;
		if (d->pos[1] == 0) {
			int prc = 0;

			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, nacl->name);
			if (m == NULL || (n = nla_nest_start(m, MGMT_A_NACL)) == NULL)
				goto err_put;
			prc |= nla_put_u32(m, MGMT_NACL_A_N_RULES, nacl->n_rules);
			for (unsigned p = 0; p < cfg->n_ports; p++)
				if (cfg->ports[p].nacl == (int)k)
					prc |= nla_put_string(m, MGMT_NACL_A_PORT, cfg->ports[p].name);
			if (prc != 0)
				goto err_put;
			nla_nest_end(m, n);
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
			d->pos[1] = 1;
		}
		for (; d->pos[2] < nacl->n_rules; d->pos[2]++) {
			const struct natgw_nacl_rule *rule = &nacl->rules[d->pos[2]];

			if (mgmt_dump_full(d))
				return 1;
			m = filter_named_msg(d, nacl->name);
			if (m == NULL ||
			    mgmt_nacl_rule_put(m, rule, true,
					       filter_nacl_hits(fd, cfg, k, rule->dir, rule->number)) < 0)
				goto err_put;
			if (mgmt_dump_emit(d, m) < 0)
				return d->rc;
		}
	}
	return 0;
err_put:
	nlmsg_free(m);
	return mgmt_dump_fail(d, -ENOMEM, "out of memory building a NACL message");
}

/* Dump fill: NACLs through config_read. */
static int filter_nacl_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, filter_nacl_cb, d);
}

/* NACL_GET. */
int mgmt_cmd_nacl_get(struct mgmt_req *r)
{
	return filter_dump_start(r, filter_nacl_fill, true);
}

struct nacl_edit {
	uint8_t cmd;
	char name[NATGW_NAME_MAX];
	struct natgw_nacl_rule rule;
};

/* Edit function: add or delete one NACL rule, keeping (dir, number) order. */
static int filter_nacl_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct nacl_edit *e = arg;
	const char *dirname = e->rule.dir == NATGW_DIR_INGRESS ? "ingress" : "egress";
	struct natgw_nacl *nacl;
	char names[300];
	unsigned pos = 0;
	int k, idx = -1;

	k = filter_find(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, e->name);
	if (k < 0) {
		snprintf(msg, len, "no NACL \"%s\" (NACLs: %s)", e->name,
			 filter_names(cfg->nacls, sizeof(cfg->nacls[0]), cfg->n_nacls, names, sizeof(names)));
		return -ENOENT;
	}
	nacl = &cfg->nacls[k];
	for (unsigned i = 0; i < nacl->n_rules; i++) {
		const struct natgw_nacl_rule *x = &nacl->rules[i];

		if (x->dir == e->rule.dir && x->number == e->rule.number)
			idx = (int)i;
		if (x->dir < e->rule.dir || (x->dir == e->rule.dir && x->number < e->rule.number))
			pos = i + 1;
	}
	if (e->cmd == MGMT_CMD_NACL_RULE_DEL) {
		if (idx < 0) {
			snprintf(msg, len, "NACL %s has no %s rule %u", nacl->name, dirname, e->rule.number);
			return -ESRCH;
		}
		memmove(&nacl->rules[idx], &nacl->rules[idx + 1],
			(nacl->n_rules - (unsigned)idx - 1) * sizeof(nacl->rules[0]));
		nacl->n_rules--;
		return 0;
	}
	if (idx >= 0) {
		snprintf(msg, len, "NACL %s already has %s rule %u (a number may be used once per direction)",
			 nacl->name, dirname, e->rule.number);
		return -EEXIST;
	}
	if (filter_grow((void **)&nacl->rules, &nacl->rules_cap, nacl->n_rules, sizeof(nacl->rules[0])) < 0) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	memmove(&nacl->rules[pos + 1], &nacl->rules[pos], (nacl->n_rules - pos) * sizeof(nacl->rules[0]));
	nacl->rules[pos] = e->rule;
	nacl->n_rules++;
	return 0;
}

/* NACL_RULE_ADD / NACL_RULE_DEL. */
int mgmt_cmd_nacl_change(struct mgmt_req *r)
{
	struct nacl_edit e = { .cmd = r->msg->cmd };
	uint32_t have = mgmt_nacl_rule_decode(r->msg->tb[MGMT_A_NACL_RULE], &e.rule, NULL);
	char text[192];
	int rc;

	mgmt_attr_str(r->msg->tb[MGMT_A_NAME], e.name, sizeof(e.name));
	if (!MGMT_HAS(have, MGMT_RULE_A_NUMBER) || !MGMT_HAS(have, MGMT_RULE_A_DIR))
		return mgmt_fail(r, -EINVAL, "%s: NACL_RULE needs NUMBER and DIR", mgmt_cmd_name(e.cmd));
	if (e.rule.number < 1 || e.rule.number > NATGW_NACL_RULE_MAX)
		return mgmt_fail(r, -ERANGE, "rule number %u is out of range 1..%d", e.rule.number,
				 NATGW_NACL_RULE_MAX);
	if (e.rule.dir > NATGW_DIR_EGRESS)
		return mgmt_fail(r, -EINVAL, "rule direction %u: expected 0 (ingress) or 1 (egress)",
				 e.rule.dir);
	if (e.cmd == MGMT_CMD_NACL_RULE_ADD) {
		if (!MGMT_HAS(have, MGMT_RULE_A_ACTION) || !MGMT_HAS(have, MGMT_RULE_A_CIDR) ||
		    !MGMT_HAS(have, MGMT_RULE_A_CIDR_LEN))
			return mgmt_fail(r, -EINVAL, "NACL_RULE_ADD: NACL_RULE needs ACTION, CIDR and CIDR_LEN");
		if (MGMT_HAS(have, MGMT_RULE_A_PEER_KIND) || MGMT_HAS(have, MGMT_RULE_A_PEER_NAME) ||
		    MGMT_HAS(have, MGMT_RULE_A_KEY))
			return mgmt_fail(r, -EINVAL, "a NACL rule's peer is a CIDR only (no PEER_KIND, PEER_NAME or KEY)");
		if (MGMT_HAS(have, MGMT_RULE_A_OTHER_CIDR) != MGMT_HAS(have, MGMT_RULE_A_OTHER_LEN))
			return mgmt_fail(r, -EINVAL, "OTHER_CIDR and OTHER_LEN go together");
		rc = filter_rule_check(r, e.rule.dir, &e.rule.l4, have, e.rule.cidr, e.rule.cidr_len);
		if (rc == 0 && e.rule.other_len)
			rc = filter_rule_check(r, e.rule.dir, &e.rule.l4, have, e.rule.other_cidr,
					       e.rule.other_len);
		if (rc < 0)
			return rc;
	}
	rc = mgmt_change(r, filter_nacl_edit_fn, &e);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "nacl rule %s %s %s %u",
		 e.cmd == MGMT_CMD_NACL_RULE_ADD ? "add" : "del", e.name,
		 e.rule.dir == NATGW_DIR_INGRESS ? "ingress" : "egress", e.rule.number);
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}
