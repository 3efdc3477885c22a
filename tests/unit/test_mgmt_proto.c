/* Management protocol codec: encode/decode round trips of every object, the
 * error/ACK/DONE builders, datagram splitting, and every policy rejection
 * (wrong length for each type, strings without NUL / too long / with an
 * embedded NUL, unknown command and attribute (top level and nested), an
 * attribute not valid for the command, repeats, truncated and trailing
 * bytes, wrong version, missing required attributes), each with the offset
 * of the offending attribute. No socket, no EAL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/mgmt_proto.h"
#include "test_check.h"

static uint8_t mbuf[NATGW_MGMT_REQ_MAX];
static size_t mlen;

/* Start a raw message (cmd, version) in mbuf. */
static void raw_begin(uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *h = (struct nlmsghdr *)mbuf;
	struct natgw_mgmt_hdr *g = (struct natgw_mgmt_hdr *)(mbuf + NLMSG_HDRLEN);

	memset(mbuf, 0, sizeof(mbuf));
	h->nlmsg_type = NATGW_MGMT_MSG_TYPE;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = version;
	mlen = NLMSG_HDRLEN + sizeof(*g);
	h->nlmsg_len = (uint32_t)mlen;
}

/* Append a raw attribute; returns its offset. nla_len = 4 + n unless len_override >= 0. */
static size_t raw_attr(uint16_t type, const void *p, size_t n, int len_override)
{
	struct nlattr *a = (struct nlattr *)(mbuf + mlen);
	size_t off = mlen;

	a->nla_type = type;
	a->nla_len = (uint16_t)(len_override >= 0 ? len_override : (int)(NLA_HDRLEN + n));
	if (p)
		memcpy(mbuf + mlen + NLA_HDRLEN, p, n);
	mlen += NLA_ALIGN(NLA_HDRLEN + n);
	((struct nlmsghdr *)mbuf)->nlmsg_len = (uint32_t)mlen;
	return off;
}

/* Open a nest (fix its length with raw_nest_end). */
static size_t raw_nest(uint16_t type)
{
	return raw_attr(type, NULL, 0, -1);
}

static void raw_nest_end(size_t off)
{
	((struct nlattr *)(mbuf + off))->nla_len = (uint16_t)(mlen - off);
}

/* Parse mbuf as a request; returns rc, message in err. */
static int raw_parse(bool request, struct mgmt_msg *m, char *err, size_t len)
{
	return mgmt_msg_parse((struct nlmsghdr *)mbuf, request, m, err, len);
}

struct reject_case {
	const char *what;
	int want;
	const char *msg;     /* fragment of the message */
	bool check_off;      /* bad_off must point at the marked attribute */
};

/* Check one rejection (offending attribute at off, 0 when none). */
static void reject(const struct reject_case *c, size_t off, bool request)
{
	struct mgmt_msg m;
	char err[512] = "";
	int rc = raw_parse(request, &m, err, sizeof(err));

	CHECK(rc == c->want, "%s: rc %d, want %d (%s)", c->what, rc, c->want, err);
	CHECK(strstr(err, c->msg) != NULL, "%s: message \"%s\" lacks \"%s\"", c->what, err, c->msg);
	if (c->check_off)
		CHECK(m.bad_off == off, "%s: bad_off %u, want %zu", c->what, m.bad_off, off);
}

static void test_rejections(void)
{
	uint8_t b8[16] = { 0 };
	size_t off, n1;
	uint32_t u32 = 7;

	/* wrong lengths for every fixed type */
	static const struct { uint8_t cmd; uint16_t attr; size_t bad; const char *type; } lens[] = {
		{ MGMT_CMD_NAT_SESSION_GET, MGMT_A_LIMIT, 2, "u32" },
		{ MGMT_CMD_NAT_SESSION_GET, MGMT_A_LIMIT, 8, "u32" },
		{ MGMT_CMD_COUNTERS_GET, MGMT_A_WORKER, 1, "u32" },
		{ MGMT_CMD_COUNTERS_GET, MGMT_A_PER_WORKER, 1, "flag" },
		{ MGMT_CMD_SG_MEMBER_ADD, MGMT_A_MEMBER, 3, "u32" },
	};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct reject_case c = { "wrong length", -EINVAL, lens[i].type, true };

		raw_begin(lens[i].cmd, NATGW_MGMT_VERSION);
		if (lens[i].cmd == MGMT_CMD_SG_MEMBER_ADD)
			raw_attr(MGMT_A_NAME, "web", 4, -1);
		off = raw_attr(lens[i].attr, b8, lens[i].bad, -1);
		reject(&c, off, true);
	}
	/* nested: u8 LEN with 4 bytes, u16 PUBLIC_PORT with 1, u64 via reply parse */
	raw_begin(MGMT_CMD_ROUTE_ADD, NATGW_MGMT_VERSION);
	n1 = raw_nest(MGMT_A_ROUTE);
	raw_attr(MGMT_ROUTE_A_PREFIX, &u32, 4, -1);
	off = raw_attr(MGMT_ROUTE_A_LEN, &u32, 4, -1);
	raw_nest_end(n1);
	reject(&(struct reject_case){ "nested u8 of 4 bytes", -EINVAL, "ROUTE.LEN: expected u8 (1 bytes), got 4", true },
	       off, true);
	raw_begin(MGMT_CMD_NAT_FORWARD_ADD, NATGW_MGMT_VERSION);
	n1 = raw_nest(MGMT_A_FORWARD);
	off = raw_attr(MGMT_FWD_A_PUBLIC_PORT, b8, 1, -1);
	raw_nest_end(n1);
	reject(&(struct reject_case){ "nested u16 of 1 byte", -EINVAL, "FORWARD.PUBLIC_PORT: expected u16", true },
	       off, true);
	raw_begin(MGMT_CMD_NAT_SESSION_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_COUNT, b8, 4, -1);
	reject(&(struct reject_case){ "u64 of 4 bytes (reply)", -EINVAL, "expected u64 (8 bytes), got 4", true },
	       off, false);
	/* strings */
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "main", 4, -1);
	reject(&(struct reject_case){ "string without NUL", -EINVAL, "NUL-terminated", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "ma\0in", 6, -1);
	reject(&(struct reject_case){ "embedded NUL", -EINVAL, "embedded NUL", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "0123456789012345678901234567890123456789", 41, -1);
	reject(&(struct reject_case){ "string too long", -EINVAL, "at most 31", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, NULL, 0, -1);
	reject(&(struct reject_case){ "empty string", -EINVAL, "NUL-terminated", true }, off, true);
	/* binary: CONFIG_TEXT too long (reply side) */
	{
		static uint8_t big[NATGW_MGMT_TEXT_CHUNK + 8];

		raw_begin(MGMT_CMD_CONFIG_DUMP, NATGW_MGMT_VERSION);
		off = raw_attr(MGMT_A_CONFIG_TEXT, big, sizeof(big), -1);
		reject(&(struct reject_case){ "binary too long", -EINVAL, "CONFIG_TEXT: expected 1..4096 bytes", true },
		       off, false);
	}
	/* unknown attributes */
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_MAX + 1, &u32, 4, -1);
	reject(&(struct reject_case){ "unknown top-level", -EINVAL, "unknown attribute type", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(0, &u32, 4, -1);
	reject(&(struct reject_case){ "attribute type 0", -EINVAL, "unknown attribute type 0", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_DEL, NATGW_MGMT_VERSION);
	n1 = raw_nest(MGMT_A_ROUTE);
	off = raw_attr(MGMT_ROUTE_A_MAX + 3, &u32, 4, -1);
	raw_nest_end(n1);
	reject(&(struct reject_case){ "unknown nested", -EINVAL, "unknown attribute type 8 in ROUTE", true }, off, true);
	/* not valid for the command */
	raw_begin(MGMT_CMD_NEIGH_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "main", 5, -1);
	reject(&(struct reject_case){ "not for this command", -EINVAL, "TABLE is not valid for this command", true },
	       off, true);
	/* repeats */
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	raw_attr(MGMT_A_TABLE, "main", 5, -1);
	off = raw_attr(MGMT_A_TABLE, "other", 6, -1);
	reject(&(struct reject_case){ "repeated", -EINVAL, "TABLE given twice", true }, off, true);
	/* truncated / malformed lengths */
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "main", 5, 40);
	reject(&(struct reject_case){ "attribute beyond the message", -EINVAL, "beyond the end", true }, off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	off = raw_attr(MGMT_A_TABLE, "main", 5, 2);
	reject(&(struct reject_case){ "attribute shorter than its header", -EINVAL, "shorter than its header", true },
	       off, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	raw_attr(MGMT_A_TABLE, "main", 5, -1);
	mlen += 2;
	((struct nlmsghdr *)mbuf)->nlmsg_len = (uint32_t)mlen;
	reject(&(struct reject_case){ "trailing bytes", -EINVAL, "2 trailing bytes", false }, 0, true);
	raw_begin(MGMT_CMD_ROUTE_DEL, NATGW_MGMT_VERSION);
	n1 = raw_nest(MGMT_A_ROUTE);
	off = raw_attr(MGMT_ROUTE_A_PREFIX, &u32, 4, 12);
	raw_nest_end(n1);
	reject(&(struct reject_case){ "nested beyond its nest", -EINVAL, "beyond the end of its container", true }, off,
	       true);
	/* commands, versions, headers */
	raw_begin(0, NATGW_MGMT_VERSION);
	reject(&(struct reject_case){ "command 0", -EOPNOTSUPP, "unknown command 0", false }, 0, true);
	raw_begin(MGMT_CMD_MAX + 1, NATGW_MGMT_VERSION);
	reject(&(struct reject_case){ "command too big", -EOPNOTSUPP, "unknown command", false }, 0, true);
	raw_begin(MGMT_CMD_EVENT, NATGW_MGMT_VERSION);
	reject(&(struct reject_case){ "EVENT as a request", -EOPNOTSUPP, "unknown command", false }, 0, true);
	raw_begin(MGMT_CMD_ROUTE_GET, 2);
	reject(&(struct reject_case){ "version 2", -EPROTO, "version 2 is not supported", false }, 0, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	((struct nlmsghdr *)mbuf)->nlmsg_len = NLMSG_HDRLEN + 2;
	reject(&(struct reject_case){ "no family header", -EINVAL, "no family header", false }, 0, true);
	raw_begin(MGMT_CMD_ROUTE_GET, NATGW_MGMT_VERSION);
	((struct nlmsghdr *)mbuf)->nlmsg_type = 0x21;
	reject(&(struct reject_case){ "other message type", -EINVAL, "unexpected message type", false }, 0, true);
	raw_begin(MGMT_CMD_SG_RULE_ADD, NATGW_MGMT_VERSION);
	raw_attr(MGMT_A_NAME, "web", 4, -1);
	reject(&(struct reject_case){ "missing required", -EINVAL, "SG_RULE_ADD: missing attribute SG_RULE", false }, 0,
	       true);
	/* a list attribute may repeat */
	{
		struct mgmt_msg m;
		char err[256];

		raw_begin(MGMT_CMD_ROUTE_DEL, NATGW_MGMT_VERSION);
		for (int i = 0; i < 2; i++) {
			n1 = raw_nest(MGMT_A_ROUTE);
			raw_attr(MGMT_ROUTE_A_PREFIX, &u32, 4, -1);
			raw_attr(MGMT_ROUTE_A_LEN, b8, 1, -1);
			raw_nest_end(n1);
		}
		CHECK(raw_parse(true, &m, err, sizeof(err)) == 0, "two ROUTEs: %s", err);
	}
}

/* Build with libnl, parse, decode: every object round-trips. */
static void test_round_trips(void)
{
	struct nl_msg *msg;
	struct mgmt_msg m;
	char err[256], dev[NATGW_NAME_MAX], peer[NATGW_NAME_MAX];
	int rc;

	/* route */
	{
		struct natgw_route r = { .prefix = 0x0a090000, .len = 16, .type = NATGW_ROUTE_GATEWAY,
					 .gateway = 0xcb0071fe }, d = { 0 };

		msg = mgmt_msg_new(MGMT_CMD_ROUTE_ADD, NLM_F_REQUEST | NLM_F_ACK, 9);
		CHECK(nla_put_string(msg, MGMT_A_TABLE, "main") == 0, "put table");
		CHECK(mgmt_route_put(msg, MGMT_A_ROUTE, &r, "out") == 0, "put route");
		rc = mgmt_msg_parse(nlmsg_hdr(msg), true, &m, err, sizeof(err));
		CHECK(rc == 0 && m.cmd == MGMT_CMD_ROUTE_ADD && m.nlh->nlmsg_seq == 9, "route parse: %s", err);
		CHECK(mgmt_route_decode(m.tb[MGMT_A_ROUTE], &d, dev, sizeof(dev)) ==
			      (1u << MGMT_ROUTE_A_PREFIX | 1u << MGMT_ROUTE_A_LEN | 1u << MGMT_ROUTE_A_TYPE |
			       1u << MGMT_ROUTE_A_GATEWAY | 1u << MGMT_ROUTE_A_DEV),
		      "route mask");
		CHECK(d.prefix == r.prefix && d.len == r.len && d.type == r.type && d.gateway == r.gateway &&
			      strcmp(dev, "out") == 0, "route fields");
		CHECK(strcmp(nla_get_string(m.tb[MGMT_A_TABLE]), "main") == 0, "table");
		nlmsg_free(msg);
	}
	/* forward, timeouts (reply side), session filter, session */
	{
		struct natgw_port_forward f = { 6, 0xcb007101, 8080, 0x0a00010a, 80 }, g = { 0 };
		struct natgw_nat_config n = { .timeout_udp = 1, .timeout_tcp_established = 2,
					      .timeout_tcp_transitory = 3, .timeout_tcp_syn = 4, .timeout_icmp = 5 };
		struct mgmt_session_filter sf = { .proto = 17, .src = 0x0a000100, .src_mask = 0xffffff00,
						  .dport = 53, .worker = 1 }, sg;
		struct mgmt_session s = { 6, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 10, 20, 1 }, t;
		uint32_t v[5] = { 0 };

		msg = mgmt_msg_new(MGMT_CMD_NAT_GET, NLM_F_MULTI, 3);
		CHECK(mgmt_forward_put(msg, &f) == 0 && mgmt_timeouts_put(msg, &n) == 0 &&
			      mgmt_sfilter_put(msg, &sf) == 0 && mgmt_session_put(msg, MGMT_A_SESSION, &s) == 0,
		      "puts");
		rc = mgmt_msg_parse(nlmsg_hdr(msg), false, &m, err, sizeof(err));
		CHECK(rc == 0, "reply parse: %s", err);
		mgmt_forward_decode(m.tb[MGMT_A_FORWARD], &g);
		CHECK(f.proto == g.proto && f.public_addr == g.public_addr && f.public_port == g.public_port &&
			      f.inside_addr == g.inside_addr && f.inside_port == g.inside_port, "forward");
		CHECK(mgmt_timeouts_decode(m.tb[MGMT_A_TIMEOUTS], v) == 0x3e && v[0] == 1 && v[4] == 5, "timeouts");
		mgmt_sfilter_decode(m.tb[MGMT_A_FILTER], &sg);
		CHECK(sg.proto == 17 && sg.src == sf.src && sg.src_mask == sf.src_mask && sg.dst_mask == 0 &&
			      sg.dport == 53 && sg.sport == 0 && sg.worker == 1, "session filter");
		mgmt_session_decode(m.tb[MGMT_A_SESSION], &t);
		CHECK(s.proto == t.proto && s.orig_src == t.orig_src && s.orig_dst == t.orig_dst &&
			      s.orig_sport == t.orig_sport && s.orig_dport == t.orig_dport && s.reply_src == t.reply_src &&
			      s.reply_dst == t.reply_dst && s.reply_sport == t.reply_sport &&
			      s.reply_dport == t.reply_dport && s.flags == t.flags && s.tcp_state == t.tcp_state &&
			      s.idle == t.idle && s.timeout == t.timeout && s.worker == t.worker, "session");
		/* a request may not carry them */
		rc = mgmt_msg_parse(nlmsg_hdr(msg), true, &m, err, sizeof(err));
		CHECK(rc == -EINVAL, "NAT_GET request with attributes: %d", rc);
		nlmsg_free(msg);
	}
	/* SG rule (CIDR and prefix-list peers), NACL rule, event */
	{
		struct natgw_sg_rule a = { .dir = NATGW_DIR_INGRESS, .l4 = { 6, 80, 88, -1, -1 },
					   .peer_kind = NATGW_PEER_CIDR, .cidr = 0x0a000100, .cidr_len = 24,
					   .key = "rule.3" }, b;
		struct natgw_nacl_rule na = { 100, NATGW_DIR_EGRESS, true, { 1, 0, 65535, 3, 4 }, 0x0a000200, 24,
					      0x0a000100, 24 }, nb;
		struct mgmt_event e = { .kind = MGMT_EV_SESSION_CLOSED, .worker = 3, .session = { .proto = 17,
							.orig_src = 9 }, .text = "x" }, e2;
		uint32_t idx = 0;
		uint64_t hits = 0, lost = 0;

		msg = mgmt_msg_new(MGMT_CMD_SG_GET, NLM_F_MULTI, 3);
		CHECK(mgmt_sg_rule_put(msg, &a, NULL, true, 5, 77) == 0, "sg rule put");
		CHECK(mgmt_nacl_rule_put(msg, &na, true, 12) == 0, "nacl rule put");
		CHECK(mgmt_event_put(msg, &e, 4) == 0, "event put");
		rc = mgmt_msg_parse(nlmsg_hdr(msg), false, &m, err, sizeof(err));
		CHECK(rc == 0, "rules parse: %s", err);
		mgmt_sg_rule_decode(m.tb[MGMT_A_SG_RULE], &b, peer, sizeof(peer), &idx, &hits);
		CHECK(b.dir == a.dir && b.l4.proto == 6 && b.l4.port_lo == 80 && b.l4.port_hi == 88 &&
			      b.l4.icmp_type == -1 && b.peer_kind == 0 && b.cidr == a.cidr && b.cidr_len == 24 &&
			      strcmp(b.key, "rule.3") == 0 && idx == 5 && hits == 77, "sg rule");
		mgmt_nacl_rule_decode(m.tb[MGMT_A_NACL_RULE], &nb, &hits);
		CHECK(nb.number == 100 && nb.dir == 1 && nb.allow && nb.l4.proto == 1 && nb.l4.icmp_type == 3 &&
			      nb.l4.icmp_code == 4 && nb.cidr == na.cidr && nb.other_cidr == na.other_cidr &&
			      nb.other_len == 24 && hits == 12, "nacl rule");
		mgmt_event_decode(m.tb[MGMT_A_EVENT], &e2, &lost);
		CHECK(e2.kind == e.kind && e2.worker == 3 && e2.session.proto == 17 && e2.session.orig_src == 9 &&
			      strcmp(e2.text, "x") == 0 && lost == 4, "event");
		nlmsg_free(msg);

		a.peer_kind = NATGW_PEER_PREFIX_LIST;
		a.l4 = (struct natgw_l4_match){ 0, 0, 65535, -1, -1 };
		msg = mgmt_msg_new(MGMT_CMD_SG_RULE_ADD, NLM_F_REQUEST, 1);
		CHECK(nla_put_string(msg, MGMT_A_NAME, "web") == 0, "name");
		CHECK(mgmt_sg_rule_put(msg, &a, "office", false, 0, 0) == 0, "pl rule put");
		rc = mgmt_msg_parse(nlmsg_hdr(msg), true, &m, err, sizeof(err));
		CHECK(rc == 0, "pl rule parse: %s", err);
		mgmt_sg_rule_decode(m.tb[MGMT_A_SG_RULE], &b, peer, sizeof(peer), NULL, NULL);
		CHECK(b.peer_kind == NATGW_PEER_PREFIX_LIST && strcmp(peer, "office") == 0 && b.l4.proto == 0 &&
			      b.l4.port_hi == 65535, "pl rule");
		nlmsg_free(msg);
	}
	/* prefix */
	{
		uint32_t addr = 0;
		uint8_t len = 0;

		msg = mgmt_msg_new(MGMT_CMD_PL_PREFIX_ADD, NLM_F_REQUEST, 1);
		CHECK(nla_put_string(msg, MGMT_A_NAME, "office") == 0 &&
			      mgmt_prefix_put(msg, MGMT_A_PREFIX, 0xc0000200, 24) == 0, "prefix put");
		rc = mgmt_msg_parse(nlmsg_hdr(msg), true, &m, err, sizeof(err));
		CHECK(rc == 0, "prefix parse: %s", err);
		CHECK(mgmt_prefix_decode(m.tb[MGMT_A_PREFIX], &addr, &len) == 6 && addr == 0xc0000200 && len == 24,
		      "prefix");
		nlmsg_free(msg);
	}
}

/* Error, ACK and DONE builders; datagram splitting. */
static void test_errors_and_dgrams(void)
{
	struct nlmsghdr req = { .nlmsg_len = 40, .nlmsg_type = NATGW_MGMT_MSG_TYPE, .nlmsg_seq = 42 };
	struct nl_msg *e = mgmt_msg_error(&req, -ENOENT, "no route table \"x\"", 24);
	struct nl_msg *ack = mgmt_msg_error(&req, 0, NULL, 0);
	struct nl_msg *done = mgmt_msg_done(42);
	uint8_t dg[1024];
	size_t off = 0, n = 0;
	struct nlmsghdr *nlh;
	const char *text;
	char err[160];
	int error, rc;

	CHECK(e && ack && done, "builders");
	CHECK(nlmsg_hdr(e)->nlmsg_seq == 42 && (nlmsg_hdr(e)->nlmsg_flags & NLM_F_ACK_TLVS), "error header");
	CHECK(mgmt_msg_error_parse(nlmsg_hdr(e), &error, &text) == 0 && error == -ENOENT && text &&
		      strcmp(text, "no route table \"x\"") == 0, "error parse");
	CHECK(mgmt_msg_error_parse(nlmsg_hdr(ack), &error, &text) == 0 && error == 0 && text == NULL, "ack parse");
	CHECK(mgmt_msg_error_parse(nlmsg_hdr(done), &error, &text) == -EBADMSG, "done is not an error");
	/* three messages in one datagram */
	memcpy(dg + n, nlmsg_hdr(e), nlmsg_hdr(e)->nlmsg_len);
	n += NLMSG_ALIGN(nlmsg_hdr(e)->nlmsg_len);
	memcpy(dg + n, nlmsg_hdr(ack), nlmsg_hdr(ack)->nlmsg_len);
	n += NLMSG_ALIGN(nlmsg_hdr(ack)->nlmsg_len);
	memcpy(dg + n, nlmsg_hdr(done), nlmsg_hdr(done)->nlmsg_len);
	n += nlmsg_hdr(done)->nlmsg_len;
	for (int i = 0; i < 3; i++) {
		rc = mgmt_dgram_next(dg, n, &off, &nlh, err, sizeof(err));
		CHECK(rc == 1 && nlh->nlmsg_type == (i == 2 ? NLMSG_DONE : NLMSG_ERROR), "message %d", i);
	}
	CHECK(mgmt_dgram_next(dg, n, &off, &nlh, err, sizeof(err)) == 0, "end of datagram");
	/* truncated: the last message cut short */
	off = 0;
	mgmt_dgram_next(dg, n - 3, &off, &nlh, err, sizeof(err));
	mgmt_dgram_next(dg, n - 3, &off, &nlh, err, sizeof(err));
	CHECK(mgmt_dgram_next(dg, n - 3, &off, &nlh, err, sizeof(err)) == -EBADMSG && strstr(err, "truncated"),
	      "truncated datagram: %s", err);
	off = 0;
	CHECK(mgmt_dgram_next(dg, 7, &off, &nlh, err, sizeof(err)) == -EBADMSG, "7 bytes");
	((struct nlmsghdr *)dg)->nlmsg_len = 3;
	off = 0;
	CHECK(mgmt_dgram_next(dg, n, &off, &nlh, err, sizeof(err)) == -EBADMSG, "nlmsg_len 3");
	nlmsg_free(e);
	nlmsg_free(ack);
	nlmsg_free(done);
	/* names */
	CHECK(strcmp(mgmt_cmd_name(MGMT_CMD_ROUTE_ADD), "ROUTE_ADD") == 0, "cmd name");
	CHECK(mgmt_cmd_lookup("route_add") == MGMT_CMD_ROUTE_ADD && mgmt_cmd_lookup("nope") == -1, "cmd lookup");
	CHECK(mgmt_cmd_is_dump(MGMT_CMD_SG_GET) && !mgmt_cmd_is_dump(MGMT_CMD_SG_RULE_ADD), "dump kinds");
	CHECK(strcmp(mgmt_attr_name(MGMT_SET_ROUTE, MGMT_ROUTE_A_GATEWAY), "GATEWAY") == 0, "attr name");
}

int main(void)
{
	test_rejections();
	test_round_trips();
	test_errors_and_dgrams();
	return tu_summary("test_mgmt_proto");
}
