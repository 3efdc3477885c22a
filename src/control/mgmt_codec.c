/* Management protocol: config-model structs <-> attribute nests.
 *
 * One encoder and one decoder per object, shared by the server handlers and
 * natgwctl so that both sides agree on every field. Decoders run on nests
 * that mgmt_msg_parse has validated (types and lengths are right); they fill
 * only what is present and return the bitmask of present attribute types.
 * Encoders return 0 or a negative libnl error (the message is full).
 * Stateless and thread-safe; nothing prints.
 */
#include <errno.h>
#include <string.h>

#include "control/mgmt_proto.h"

/* Bitmask of present types in tb[0..max]. */
static uint32_t codec_mask(struct nlattr **tb, unsigned max)
{
	uint32_t m = 0;

	for (unsigned t = 1; t <= max && t < 32; t++)
		if (tb[t])
			m |= 1u << t;
	return m;
}

/* Copy a string attribute into buf (always terminated). */
static void codec_str(const struct nlattr *a, char *buf, size_t len)
{
	if (buf && len)
		nla_strlcpy(buf, a, len);
}

/* Put a route nest. */
int mgmt_route_put(struct nl_msg *m, int attr, const struct natgw_route *r, const char *dev)
{
	struct nlattr *n = nla_nest_start(m, attr);

	if (n == NULL)
		return -NLE_NOMEM;
	if (nla_put_u32(m, MGMT_ROUTE_A_PREFIX, r->prefix) < 0 ||
	    nla_put_u8(m, MGMT_ROUTE_A_LEN, r->len) < 0 ||
	    nla_put_u8(m, MGMT_ROUTE_A_TYPE, r->type) < 0)
		goto err_put;
	if (r->type == NATGW_ROUTE_GATEWAY && nla_put_u32(m, MGMT_ROUTE_A_GATEWAY, r->gateway) < 0)
		goto err_put;
	if (dev && *dev && nla_put_string(m, MGMT_ROUTE_A_DEV, dev) < 0)
		goto err_put;
	nla_nest_end(m, n);
	return 0;
err_put:
	nla_nest_cancel(m, n);
	return -NLE_NOMEM;
}

/* Decode a route nest. */
uint32_t mgmt_route_decode(const struct nlattr *nest, struct natgw_route *r, char *dev, size_t devlen)
{
	struct nlattr *tb[MGMT_ROUTE_A_MAX + 1];

	if (mgmt_nest_parse(nest, MGMT_SET_ROUTE, tb) < 0)
		return 0;
	if (tb[MGMT_ROUTE_A_PREFIX])
		r->prefix = nla_get_u32(tb[MGMT_ROUTE_A_PREFIX]);
	if (tb[MGMT_ROUTE_A_LEN])
		r->len = nla_get_u8(tb[MGMT_ROUTE_A_LEN]);
	if (tb[MGMT_ROUTE_A_TYPE])
		r->type = nla_get_u8(tb[MGMT_ROUTE_A_TYPE]);
	if (tb[MGMT_ROUTE_A_GATEWAY])
		r->gateway = nla_get_u32(tb[MGMT_ROUTE_A_GATEWAY]);
	if (tb[MGMT_ROUTE_A_DEV])
		codec_str(tb[MGMT_ROUTE_A_DEV], dev, devlen);
	return codec_mask(tb, MGMT_ROUTE_A_MAX);
}

/* Put a prefix nest. */
int mgmt_prefix_put(struct nl_msg *m, int attr, uint32_t addr, uint8_t len)
{
	struct nlattr *n = nla_nest_start(m, attr);

	if (n == NULL)
		return -NLE_NOMEM;
	if (nla_put_u32(m, MGMT_PFX_A_ADDR, addr) < 0 || nla_put_u8(m, MGMT_PFX_A_LEN, len) < 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode a prefix nest. */
uint32_t mgmt_prefix_decode(const struct nlattr *nest, uint32_t *addr, uint8_t *len)
{
	struct nlattr *tb[MGMT_PFX_A_MAX + 1];

	if (mgmt_nest_parse(nest, MGMT_SET_PREFIX, tb) < 0)
		return 0;
	if (tb[MGMT_PFX_A_ADDR])
		*addr = nla_get_u32(tb[MGMT_PFX_A_ADDR]);
	if (tb[MGMT_PFX_A_LEN])
		*len = nla_get_u8(tb[MGMT_PFX_A_LEN]);
	return codec_mask(tb, MGMT_PFX_A_MAX);
}

/* Put a port-forward nest. */
int mgmt_forward_put(struct nl_msg *m, const struct natgw_port_forward *f)
{
	struct nlattr *n = nla_nest_start(m, MGMT_A_FORWARD);

	if (n == NULL)
		return -NLE_NOMEM;
	if (nla_put_u8(m, MGMT_FWD_A_PROTO, f->proto) < 0 ||
	    nla_put_u32(m, MGMT_FWD_A_PUBLIC_ADDR, f->public_addr) < 0 ||
	    nla_put_u16(m, MGMT_FWD_A_PUBLIC_PORT, f->public_port) < 0 ||
	    nla_put_u32(m, MGMT_FWD_A_INSIDE_ADDR, f->inside_addr) < 0 ||
	    nla_put_u16(m, MGMT_FWD_A_INSIDE_PORT, f->inside_port) < 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode a port-forward nest. */
uint32_t mgmt_forward_decode(const struct nlattr *nest, struct natgw_port_forward *f)
{
	struct nlattr *tb[MGMT_FWD_A_MAX + 1];

	if (mgmt_nest_parse(nest, MGMT_SET_FORWARD, tb) < 0)
		return 0;
	if (tb[MGMT_FWD_A_PROTO])
		f->proto = nla_get_u8(tb[MGMT_FWD_A_PROTO]);
	if (tb[MGMT_FWD_A_PUBLIC_ADDR])
		f->public_addr = nla_get_u32(tb[MGMT_FWD_A_PUBLIC_ADDR]);
	if (tb[MGMT_FWD_A_PUBLIC_PORT])
		f->public_port = nla_get_u16(tb[MGMT_FWD_A_PUBLIC_PORT]);
	if (tb[MGMT_FWD_A_INSIDE_ADDR])
		f->inside_addr = nla_get_u32(tb[MGMT_FWD_A_INSIDE_ADDR]);
	if (tb[MGMT_FWD_A_INSIDE_PORT])
		f->inside_port = nla_get_u16(tb[MGMT_FWD_A_INSIDE_PORT]);
	return codec_mask(tb, MGMT_FWD_A_MAX);
}

/* Put the timeouts nest of a [nat] config. */
int mgmt_timeouts_put(struct nl_msg *m, const struct natgw_nat_config *n)
{
	struct nlattr *nest = nla_nest_start(m, MGMT_A_TIMEOUTS);

	if (nest == NULL)
		return -NLE_NOMEM;
	if (nla_put_u32(m, MGMT_TMO_A_UDP, n->timeout_udp) < 0 ||
	    nla_put_u32(m, MGMT_TMO_A_TCP_ESTABLISHED, n->timeout_tcp_established) < 0 ||
	    nla_put_u32(m, MGMT_TMO_A_TCP_TRANSITORY, n->timeout_tcp_transitory) < 0 ||
	    nla_put_u32(m, MGMT_TMO_A_TCP_SYN, n->timeout_tcp_syn) < 0 ||
	    nla_put_u32(m, MGMT_TMO_A_ICMP, n->timeout_icmp) < 0) {
		nla_nest_cancel(m, nest);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, nest);
	return 0;
}

/* Decode a timeouts nest into v[type - 1]. */
uint32_t mgmt_timeouts_decode(const struct nlattr *nest, uint32_t v[5])
{
	struct nlattr *tb[MGMT_TMO_A_MAX + 1];

	if (mgmt_nest_parse(nest, MGMT_SET_TIMEOUTS, tb) < 0)
		return 0;
	for (unsigned t = 1; t <= MGMT_TMO_A_MAX; t++)
		if (tb[t])
			v[t - 1] = nla_get_u32(tb[t]);
	return codec_mask(tb, MGMT_TMO_A_MAX);
}

/* Put a session filter nest (only the fields that are set). */
int mgmt_sfilter_put(struct nl_msg *m, const struct mgmt_session_filter *f)
{
	struct nlattr *n = nla_nest_start(m, MGMT_A_FILTER);
	int rc = 0;

	if (n == NULL)
		return -NLE_NOMEM;
	if (f->proto)
		rc |= nla_put_u8(m, MGMT_SF_A_PROTO, f->proto);
	if (f->src_mask) {
		rc |= nla_put_u32(m, MGMT_SF_A_SRC, f->src);
		rc |= nla_put_u8(m, MGMT_SF_A_SRC_LEN, (uint8_t)__builtin_popcount(f->src_mask));
	}
	if (f->dst_mask) {
		rc |= nla_put_u32(m, MGMT_SF_A_DST, f->dst);
		rc |= nla_put_u8(m, MGMT_SF_A_DST_LEN, (uint8_t)__builtin_popcount(f->dst_mask));
	}
	if (f->sport)
		rc |= nla_put_u16(m, MGMT_SF_A_SPORT, f->sport);
	if (f->dport)
		rc |= nla_put_u16(m, MGMT_SF_A_DPORT, f->dport);
	if (f->worker >= 0)
		rc |= nla_put_u32(m, MGMT_SF_A_WORKER, (uint32_t)f->worker);
	if (rc != 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Netmask of a prefix length (lengths above 32 count as 32). */
static uint32_t codec_mask_of(uint8_t len)
{
	return len == 0 ? 0 : (len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len));
}

/* Decode a session filter nest (absent fields: any). */
uint32_t mgmt_sfilter_decode(const struct nlattr *nest, struct mgmt_session_filter *f)
{
	struct nlattr *tb[MGMT_SF_A_MAX + 1];

	memset(f, 0, sizeof(*f));
	f->worker = -1;
	if (nest == NULL || mgmt_nest_parse(nest, MGMT_SET_SFILTER, tb) < 0)
		return 0;
	if (tb[MGMT_SF_A_PROTO])
		f->proto = nla_get_u8(tb[MGMT_SF_A_PROTO]);
	if (tb[MGMT_SF_A_SRC]) {
		uint8_t l = tb[MGMT_SF_A_SRC_LEN] ? nla_get_u8(tb[MGMT_SF_A_SRC_LEN]) : 32;

		f->src_mask = codec_mask_of(l);
		f->src = nla_get_u32(tb[MGMT_SF_A_SRC]) & f->src_mask;
	}
	if (tb[MGMT_SF_A_DST]) {
		uint8_t l = tb[MGMT_SF_A_DST_LEN] ? nla_get_u8(tb[MGMT_SF_A_DST_LEN]) : 32;

		f->dst_mask = codec_mask_of(l);
		f->dst = nla_get_u32(tb[MGMT_SF_A_DST]) & f->dst_mask;
	}
	if (tb[MGMT_SF_A_SPORT])
		f->sport = nla_get_u16(tb[MGMT_SF_A_SPORT]);
	if (tb[MGMT_SF_A_DPORT])
		f->dport = nla_get_u16(tb[MGMT_SF_A_DPORT]);
	if (tb[MGMT_SF_A_WORKER])
		f->worker = (int)(nla_get_u32(tb[MGMT_SF_A_WORKER]) & 0x7fffffff);
	return codec_mask(tb, MGMT_SF_A_MAX);
}

/* Put a session nest. */
int mgmt_session_put(struct nl_msg *m, int attr, const struct mgmt_session *s)
{
	struct nlattr *n = nla_nest_start(m, attr);
	int rc = 0;

	if (n == NULL)
		return -NLE_NOMEM;
	rc |= nla_put_u8(m, MGMT_SESS_A_PROTO, s->proto);
	rc |= nla_put_u32(m, MGMT_SESS_A_ORIG_SRC, s->orig_src);
	rc |= nla_put_u32(m, MGMT_SESS_A_ORIG_DST, s->orig_dst);
	rc |= nla_put_u16(m, MGMT_SESS_A_ORIG_SPORT, s->orig_sport);
	rc |= nla_put_u16(m, MGMT_SESS_A_ORIG_DPORT, s->orig_dport);
	rc |= nla_put_u32(m, MGMT_SESS_A_REPLY_SRC, s->reply_src);
	rc |= nla_put_u32(m, MGMT_SESS_A_REPLY_DST, s->reply_dst);
	rc |= nla_put_u16(m, MGMT_SESS_A_REPLY_SPORT, s->reply_sport);
	rc |= nla_put_u16(m, MGMT_SESS_A_REPLY_DPORT, s->reply_dport);
	rc |= nla_put_u8(m, MGMT_SESS_A_FLAGS, s->flags);
	rc |= nla_put_u8(m, MGMT_SESS_A_TCP_STATE, s->tcp_state);
	rc |= nla_put_u32(m, MGMT_SESS_A_IDLE, s->idle);
	rc |= nla_put_u32(m, MGMT_SESS_A_TIMEOUT, s->timeout);
	rc |= nla_put_u16(m, MGMT_SESS_A_WORKER, s->worker);
	if (rc != 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode a session nest. */
uint32_t mgmt_session_decode(const struct nlattr *nest, struct mgmt_session *s)
{
	struct nlattr *tb[MGMT_SESS_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (mgmt_nest_parse(nest, MGMT_SET_SESSION, tb) < 0)
		return 0;
#define G8(a, f) if (tb[a]) s->f = nla_get_u8(tb[a])
#define G16(a, f) if (tb[a]) s->f = nla_get_u16(tb[a])
#define G32(a, f) if (tb[a]) s->f = nla_get_u32(tb[a])
	G8(MGMT_SESS_A_PROTO, proto);
	G32(MGMT_SESS_A_ORIG_SRC, orig_src);
	G32(MGMT_SESS_A_ORIG_DST, orig_dst);
	G16(MGMT_SESS_A_ORIG_SPORT, orig_sport);
	G16(MGMT_SESS_A_ORIG_DPORT, orig_dport);
	G32(MGMT_SESS_A_REPLY_SRC, reply_src);
	G32(MGMT_SESS_A_REPLY_DST, reply_dst);
	G16(MGMT_SESS_A_REPLY_SPORT, reply_sport);
	G16(MGMT_SESS_A_REPLY_DPORT, reply_dport);
	G8(MGMT_SESS_A_FLAGS, flags);
	G8(MGMT_SESS_A_TCP_STATE, tcp_state);
	G32(MGMT_SESS_A_IDLE, idle);
	G32(MGMT_SESS_A_TIMEOUT, timeout);
	G16(MGMT_SESS_A_WORKER, worker);
#undef G8
#undef G16
#undef G32
	return codec_mask(tb, MGMT_SESS_A_MAX);
}

/* Put the protocol/port/ICMP part shared by SG and NACL rules. */
static int codec_l4_put(struct nl_msg *m, uint8_t dir, const struct natgw_l4_match *l4)
{
	int rc = 0;

	rc |= nla_put_u8(m, MGMT_RULE_A_DIR, dir);
	rc |= nla_put_u8(m, MGMT_RULE_A_PROTO, l4->proto);
	if (l4->proto == 6 || l4->proto == 17) {
		rc |= nla_put_u16(m, MGMT_RULE_A_PORT_LO, l4->port_lo);
		rc |= nla_put_u16(m, MGMT_RULE_A_PORT_HI, l4->port_hi);
	}
	if (l4->proto == 1 && l4->icmp_type >= 0)
		rc |= nla_put_u8(m, MGMT_RULE_A_ICMP_TYPE, (uint8_t)l4->icmp_type);
	if (l4->proto == 1 && l4->icmp_code >= 0)
		rc |= nla_put_u8(m, MGMT_RULE_A_ICMP_CODE, (uint8_t)l4->icmp_code);
	return rc;
}

/* Fill the protocol/port/ICMP part of a rule from tb (model defaults for absent fields). */
static void codec_l4_get(struct nlattr **tb, uint8_t *dir, struct natgw_l4_match *l4)
{
	if (tb[MGMT_RULE_A_DIR])
		*dir = nla_get_u8(tb[MGMT_RULE_A_DIR]);
	l4->proto = tb[MGMT_RULE_A_PROTO] ? nla_get_u8(tb[MGMT_RULE_A_PROTO]) : 0;
	l4->port_lo = tb[MGMT_RULE_A_PORT_LO] ? nla_get_u16(tb[MGMT_RULE_A_PORT_LO]) : 0;
	l4->port_hi = tb[MGMT_RULE_A_PORT_HI] ? nla_get_u16(tb[MGMT_RULE_A_PORT_HI])
					      : (tb[MGMT_RULE_A_PORT_LO] ? l4->port_lo : 65535);
	l4->icmp_type = tb[MGMT_RULE_A_ICMP_TYPE] ? nla_get_u8(tb[MGMT_RULE_A_ICMP_TYPE]) : -1;
	l4->icmp_code = tb[MGMT_RULE_A_ICMP_CODE] ? nla_get_u8(tb[MGMT_RULE_A_ICMP_CODE]) : -1;
}

/* Put an SG_RULE nest. */
int mgmt_sg_rule_put(struct nl_msg *m, const struct natgw_sg_rule *r, const char *peer_name,
		     bool have_stats, uint32_t index, uint64_t hits)
{
	struct nlattr *n = nla_nest_start(m, MGMT_A_SG_RULE);
	int rc;

	if (n == NULL)
		return -NLE_NOMEM;
	rc = codec_l4_put(m, r->dir, &r->l4);
	rc |= nla_put_u8(m, MGMT_RULE_A_PEER_KIND, r->peer_kind);
	if (r->peer_kind == NATGW_PEER_CIDR) {
		rc |= nla_put_u32(m, MGMT_RULE_A_CIDR, r->cidr);
		rc |= nla_put_u8(m, MGMT_RULE_A_CIDR_LEN, r->cidr_len);
	} else if (peer_name) {
		rc |= nla_put_string(m, MGMT_RULE_A_PEER_NAME, peer_name);
	}
	if (r->key[0])
		rc |= nla_put_string(m, MGMT_RULE_A_KEY, r->key);
	if (have_stats) {
		rc |= nla_put_u32(m, MGMT_RULE_A_INDEX, index);
		rc |= nla_put_u64(m, MGMT_RULE_A_HITS, hits);
	}
	if (rc != 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode an SG_RULE nest. */
uint32_t mgmt_sg_rule_decode(const struct nlattr *nest, struct natgw_sg_rule *r, char *peer_name,
			     size_t peer_len, uint32_t *index, uint64_t *hits)
{
	struct nlattr *tb[MGMT_RULE_A_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (peer_name && peer_len)
		peer_name[0] = '\0';
	if (mgmt_nest_parse(nest, MGMT_SET_RULE, tb) < 0)
		return 0;
	codec_l4_get(tb, &r->dir, &r->l4);
	if (tb[MGMT_RULE_A_PEER_KIND])
		r->peer_kind = nla_get_u8(tb[MGMT_RULE_A_PEER_KIND]);
	if (tb[MGMT_RULE_A_CIDR])
		r->cidr = nla_get_u32(tb[MGMT_RULE_A_CIDR]);
	if (tb[MGMT_RULE_A_CIDR_LEN])
		r->cidr_len = nla_get_u8(tb[MGMT_RULE_A_CIDR_LEN]);
	if (tb[MGMT_RULE_A_PEER_NAME])
		codec_str(tb[MGMT_RULE_A_PEER_NAME], peer_name, peer_len);
	if (tb[MGMT_RULE_A_KEY])
		codec_str(tb[MGMT_RULE_A_KEY], r->key, sizeof(r->key));
	if (index && tb[MGMT_RULE_A_INDEX])
		*index = nla_get_u32(tb[MGMT_RULE_A_INDEX]);
	if (hits && tb[MGMT_RULE_A_HITS])
		*hits = nla_get_u64(tb[MGMT_RULE_A_HITS]);
	return codec_mask(tb, MGMT_RULE_A_MAX);
}

/* Put a NACL_RULE nest. */
int mgmt_nacl_rule_put(struct nl_msg *m, const struct natgw_nacl_rule *r, bool have_hits,
		       uint64_t hits)
{
	struct nlattr *n = nla_nest_start(m, MGMT_A_NACL_RULE);
	int rc;

	if (n == NULL)
		return -NLE_NOMEM;
	rc = codec_l4_put(m, r->dir, &r->l4);
	rc |= nla_put_u16(m, MGMT_RULE_A_NUMBER, r->number);
	rc |= nla_put_u8(m, MGMT_RULE_A_ACTION, r->allow ? 1 : 0);
	rc |= nla_put_u32(m, MGMT_RULE_A_CIDR, r->cidr);
	rc |= nla_put_u8(m, MGMT_RULE_A_CIDR_LEN, r->cidr_len);
	if (r->other_len) {
		rc |= nla_put_u32(m, MGMT_RULE_A_OTHER_CIDR, r->other_cidr);
		rc |= nla_put_u8(m, MGMT_RULE_A_OTHER_LEN, r->other_len);
	}
	if (have_hits)
		rc |= nla_put_u64(m, MGMT_RULE_A_HITS, hits);
	if (rc != 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode a NACL_RULE nest. */
uint32_t mgmt_nacl_rule_decode(const struct nlattr *nest, struct natgw_nacl_rule *r, uint64_t *hits)
{
	struct nlattr *tb[MGMT_RULE_A_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (mgmt_nest_parse(nest, MGMT_SET_RULE, tb) < 0)
		return 0;
	codec_l4_get(tb, &r->dir, &r->l4);
	if (tb[MGMT_RULE_A_NUMBER])
		r->number = nla_get_u16(tb[MGMT_RULE_A_NUMBER]);
	if (tb[MGMT_RULE_A_ACTION])
		r->allow = nla_get_u8(tb[MGMT_RULE_A_ACTION]) != 0;
	if (tb[MGMT_RULE_A_CIDR])
		r->cidr = nla_get_u32(tb[MGMT_RULE_A_CIDR]);
	if (tb[MGMT_RULE_A_CIDR_LEN])
		r->cidr_len = nla_get_u8(tb[MGMT_RULE_A_CIDR_LEN]);
	if (tb[MGMT_RULE_A_OTHER_CIDR])
		r->other_cidr = nla_get_u32(tb[MGMT_RULE_A_OTHER_CIDR]);
	if (tb[MGMT_RULE_A_OTHER_LEN])
		r->other_len = nla_get_u8(tb[MGMT_RULE_A_OTHER_LEN]);
	if (hits && tb[MGMT_RULE_A_HITS])
		*hits = nla_get_u64(tb[MGMT_RULE_A_HITS]);
	return codec_mask(tb, MGMT_RULE_A_MAX);
}

/* Put an EVENT nest. */
int mgmt_event_put(struct nl_msg *m, const struct mgmt_event *e, uint64_t lost)
{
	struct nlattr *n = nla_nest_start(m, MGMT_A_EVENT);
	char text[sizeof(e->text)];
	int rc = 0;

	if (n == NULL)
		return -NLE_NOMEM;
	rc |= nla_put_u8(m, MGMT_EV_A_KIND, e->kind);
	rc |= nla_put_u16(m, MGMT_EV_A_WORKER, e->worker);
	if (e->kind == MGMT_EV_SESSION_CREATED || e->kind == MGMT_EV_SESSION_CLOSED ||
	    e->kind == MGMT_EV_PORTS_EXHAUSTED)
		rc |= mgmt_session_put(m, MGMT_EV_A_SESSION, &e->session);
	memcpy(text, e->text, sizeof(text));
	text[sizeof(text) - 1] = '\0';
	if (text[0])
		rc |= nla_put_string(m, MGMT_EV_A_TEXT, text);
	if (lost)
		rc |= nla_put_u64(m, MGMT_EV_A_LOST, lost);
	if (rc != 0) {
		nla_nest_cancel(m, n);
		return -NLE_NOMEM;
	}
	nla_nest_end(m, n);
	return 0;
}

/* Decode an EVENT nest. */
uint32_t mgmt_event_decode(const struct nlattr *nest, struct mgmt_event *e, uint64_t *lost)
{
	struct nlattr *tb[MGMT_EV_A_MAX + 1];

	memset(e, 0, sizeof(*e));
	if (lost)
		*lost = 0;
	if (mgmt_nest_parse(nest, MGMT_SET_EVENT, tb) < 0)
		return 0;
	if (tb[MGMT_EV_A_KIND])
		e->kind = nla_get_u8(tb[MGMT_EV_A_KIND]);
	if (tb[MGMT_EV_A_WORKER])
		e->worker = nla_get_u16(tb[MGMT_EV_A_WORKER]);
	if (tb[MGMT_EV_A_SESSION])
		mgmt_session_decode(tb[MGMT_EV_A_SESSION], &e->session);
	if (tb[MGMT_EV_A_TEXT])
		codec_str(tb[MGMT_EV_A_TEXT], e->text, sizeof(e->text));
	if (lost && tb[MGMT_EV_A_LOST])
		*lost = nla_get_u64(tb[MGMT_EV_A_LOST]);
	return codec_mask(tb, MGMT_EV_A_MAX);
}
