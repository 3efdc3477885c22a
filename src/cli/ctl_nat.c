/* natgwctl: NAT (nat show/pool, nat timeouts [set], nat forward
 * show/add/del, nat sessions with filters, count and flush). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/ctl.h"

static const char *const tmo_names[5] = { "udp", "tcp-established", "tcp-transitory", "tcp-syn", "icmp" };
static const char *const tcp_states[] = { "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_ORIG",
					  "FIN_REPLY", "FIN_BOTH", "RST" };

struct nat_show {
	bool timeouts_only;
};

/* Print the timeouts nest (text: one line; JSON: an object). */
static void nat_print_timeouts(const struct nlattr *nest)
{
	uint32_t v[5] = { 0 };
	uint32_t have = mgmt_timeouts_decode(nest, v);

	if (out_is_json()) {
		out_obj_begin("timeouts");
		for (unsigned t = 1; t <= MGMT_TMO_A_MAX; t++)
			if (MGMT_HAS(have, t))
				out_u64(tmo_names[t - 1], v[t - 1]);
		out_obj_end();
		return;
	}
	printf("timeouts");
	for (unsigned t = 1; t <= MGMT_TMO_A_MAX; t++)
		if (MGMT_HAS(have, t))
			printf(" %s %u", tmo_names[t - 1], v[t - 1]);
	printf("\n");
}

/* Print the NAT message. */
static int nat_show_cb(const struct mgmt_msg *m, void *arg)
{
	const struct nat_show *ns = arg;
	struct nlattr *tb[MGMT_NAT_A_MAX + 1], *a;
	char port[NATGW_NAME_MAX] = "", buf[20];
	bool enabled;
	int rem;

	if (m->tb[MGMT_A_NAT] == NULL || mgmt_nest_parse(m->tb[MGMT_A_NAT], MGMT_SET_NAT, tb) < 0)
		return 0;
	enabled = tb[MGMT_NAT_A_ENABLED] && nla_get_u8(tb[MGMT_NAT_A_ENABLED]);
	if (tb[MGMT_NAT_A_PORT])
		nla_strlcpy(port, tb[MGMT_NAT_A_PORT], sizeof(port));
	if (out_is_json()) {
		out_obj_begin(NULL);
		out_bool("enabled", enabled);
		if (enabled && !ns->timeouts_only) {
			out_str("port", port);
			out_arr_begin("pool");
			nla_for_each_nested(a, m->tb[MGMT_A_NAT], rem)
				if (nla_type(a) == MGMT_NAT_A_POOL)
					out_str(NULL, ctl_ntoa(nla_get_u32(a), buf));
			out_arr_end();
			out_arr_begin("inside");
			nla_for_each_nested(a, m->tb[MGMT_A_NAT], rem)
				if (nla_type(a) == MGMT_NAT_A_INSIDE) {
					uint32_t addr = 0;
					uint8_t len = 0;

					mgmt_prefix_decode(a, &addr, &len);
					out_str(NULL, ctl_pfx(addr, len, buf));
				}
			out_arr_end();
			out_u64("port_min", tb[MGMT_NAT_A_PORT_MIN] ? nla_get_u16(tb[MGMT_NAT_A_PORT_MIN]) : 0);
			out_u64("port_max", tb[MGMT_NAT_A_PORT_MAX] ? nla_get_u16(tb[MGMT_NAT_A_PORT_MAX]) : 0);
			out_str("mapping", tb[MGMT_NAT_A_MAPPING] && nla_get_u8(tb[MGMT_NAT_A_MAPPING])
						   ? "tuple-unique" : "endpoint-independent");
			out_u64("max_sessions", tb[MGMT_NAT_A_MAX_SESSIONS] ? nla_get_u32(tb[MGMT_NAT_A_MAX_SESSIONS]) : 0);
			out_u64("max_sessions_per_host",
				tb[MGMT_NAT_A_MAX_PER_HOST] ? nla_get_u32(tb[MGMT_NAT_A_MAX_PER_HOST]) : 0);
			out_u64("port_reuse_delay", tb[MGMT_NAT_A_REUSE_DELAY] ? nla_get_u32(tb[MGMT_NAT_A_REUSE_DELAY]) : 0);
			out_bool("icmp_on_exhaustion",
				 tb[MGMT_NAT_A_ICMP_ON_EXHAUSTION] && nla_get_u8(tb[MGMT_NAT_A_ICMP_ON_EXHAUSTION]));
		}
		if (m->tb[MGMT_A_TIMEOUTS])
			nat_print_timeouts(m->tb[MGMT_A_TIMEOUTS]);
		out_obj_end();
		return 0;
	}
	if (!enabled) {
		printf("nat disabled (no [nat] section)\n");
		return 0;
	}
	if (!ns->timeouts_only) {
		printf("port %s\npool", port);
		nla_for_each_nested(a, m->tb[MGMT_A_NAT], rem)
			if (nla_type(a) == MGMT_NAT_A_POOL)
				printf(" %s", ctl_ntoa(nla_get_u32(a), buf));
		printf("\ninside");
		nla_for_each_nested(a, m->tb[MGMT_A_NAT], rem)
			if (nla_type(a) == MGMT_NAT_A_INSIDE) {
				uint32_t addr = 0;
				uint8_t len = 0;

				mgmt_prefix_decode(a, &addr, &len);
				printf(" %s", ctl_pfx(addr, len, buf));
			}
		printf("\nports %u-%u\nmapping %s\n",
		       tb[MGMT_NAT_A_PORT_MIN] ? nla_get_u16(tb[MGMT_NAT_A_PORT_MIN]) : 0,
		       tb[MGMT_NAT_A_PORT_MAX] ? nla_get_u16(tb[MGMT_NAT_A_PORT_MAX]) : 0,
		       tb[MGMT_NAT_A_MAPPING] && nla_get_u8(tb[MGMT_NAT_A_MAPPING]) ? "tuple-unique"
										: "endpoint-independent");
		printf("max_sessions %u\nmax_sessions_per_host %u\nport_reuse_delay %u\nicmp_on_exhaustion %s\n",
		       tb[MGMT_NAT_A_MAX_SESSIONS] ? nla_get_u32(tb[MGMT_NAT_A_MAX_SESSIONS]) : 0,
		       tb[MGMT_NAT_A_MAX_PER_HOST] ? nla_get_u32(tb[MGMT_NAT_A_MAX_PER_HOST]) : 0,
		       tb[MGMT_NAT_A_REUSE_DELAY] ? nla_get_u32(tb[MGMT_NAT_A_REUSE_DELAY]) : 0,
		       tb[MGMT_NAT_A_ICMP_ON_EXHAUSTION] && nla_get_u8(tb[MGMT_NAT_A_ICMP_ON_EXHAUSTION]) ? "yes" : "no");
	}
	if (m->tb[MGMT_A_TIMEOUTS])
		nat_print_timeouts(m->tb[MGMT_A_TIMEOUTS]);
	return 0;
}

/* nat show / nat pool / nat timeouts. */
static int nat_show(struct ctl *c, bool timeouts_only)
{
	struct nat_show ns = { timeouts_only };
	int rc;

	rc = ctl_call(c, mgmt_client_request(MGMT_CMD_NAT_GET), nat_show_cb, &ns);
	if (out_is_json() && rc != CTL_EXIT_OK)
		printf("{}\n");
	else if (out_is_json())
		printf("\n");
	return rc;
}

/* nat timeouts set NAME SECONDS... */
static int nat_timeouts_set(struct ctl *c, int argc, char **argv)
{
	struct nl_msg *req;
	struct nlattr *n;

	if (argc == 0 || argc % 2)
		return ctl_usage("nat", "nat timeouts set needs NAME SECONDS pairs");
	req = mgmt_client_request(MGMT_CMD_NAT_TIMEOUTS_SET);
	if (req == NULL || (n = nla_nest_start(req, MGMT_A_TIMEOUTS)) == NULL)
		return ctl_call(c, NULL, NULL, NULL);
	for (int i = 0; i < argc; i += 2) {
		unsigned t;
		uint32_t v;

		for (t = 0; t < 5 && strcmp(argv[i], tmo_names[t]) != 0; t++)
			;
		if (t == 5 || ctl_parse_u32(argv[i + 1], 0xffffffffu, &v) < 0) {
			nlmsg_free(req);
			return ctl_usage("nat", "bad timeout \"%s %s\" (names: udp tcp-established tcp-transitory tcp-syn icmp)",
					 argv[i], argv[i + 1]);
		}
		if (nla_put_u32(req, (int)t + 1, v) < 0) {
			nlmsg_free(req);
			return ctl_usage("nat", "too many timeouts");
		}
	}
	nla_nest_end(req, n);
	return ctl_call(c, req, NULL, NULL);
}

/* Print one FORWARD message. */
static int nat_fwd_cb(const struct mgmt_msg *m, void *arg)
{
	struct natgw_port_forward f = { 0 };
	char pub[16], in[16], pb[8];

	(void)arg;
	if (m->tb[MGMT_A_FORWARD] == NULL)
		return 0;
	mgmt_forward_decode(m->tb[MGMT_A_FORWARD], &f);
	if (out_is_json()) {
		out_obj_begin(NULL);
		out_str("proto", ctl_proto_name(f.proto, pb));
		out_str("public_addr", ctl_ntoa(f.public_addr, pub));
		out_u64("public_port", f.public_port);
		out_str("inside_addr", ctl_ntoa(f.inside_addr, in));
		out_u64("inside_port", f.inside_port);
		out_obj_end();
		return 0;
	}
	printf("%s %s:%u to %s:%u\n", ctl_proto_name(f.proto, pb), ctl_ntoa(f.public_addr, pub), f.public_port,
	       ctl_ntoa(f.inside_addr, in), f.inside_port);
	return 0;
}

/* nat forward [show] | add PUB:P to IN:P PROTO | del PUB:P PROTO. */
static int nat_forward(struct ctl *c, int argc, char **argv)
{
	struct natgw_port_forward f = { 0 };
	struct nl_msg *req;
	uint8_t cmd;
	int rc;

	if (argc == 0 || ctl_matches(argv[0], "show") || ctl_matches(argv[0], "list")) {
		out_list_begin();
		rc = ctl_call(c, mgmt_client_request(MGMT_CMD_NAT_FORWARD_GET), nat_fwd_cb, NULL);
		out_list_end();
		return rc;
	}
	if (ctl_is(argv[0], "add")) {
		cmd = MGMT_CMD_NAT_FORWARD_ADD;
		if (argc != 5 || !ctl_is(argv[2], "to"))
			return ctl_usage("nat", "nat forward add PUBLIC:PORT to INSIDE:PORT tcp|udp");
		if (ctl_parse_addr_port(argv[3], &f.inside_addr, &f.inside_port) < 0)
			return ctl_usage("nat", "bad inside address:port \"%s\"", argv[3]);
	} else if (ctl_is(argv[0], "del") || ctl_matches(argv[0], "delete")) {
		cmd = MGMT_CMD_NAT_FORWARD_DEL;
		if (argc != 3)
			return ctl_usage("nat", "nat forward del PUBLIC:PORT tcp|udp");
	} else {
		return ctl_usage("nat", "unknown nat forward command \"%s\"", argv[0]);
	}
	if (ctl_parse_addr_port(argv[1], &f.public_addr, &f.public_port) < 0)
		return ctl_usage("nat", "bad public address:port \"%s\"", argv[1]);
	if (ctl_parse_proto(argv[argc - 1], &f.proto) < 0 || (f.proto != 6 && f.proto != 17))
		return ctl_usage("nat", "port-forward protocol must be tcp or udp, got \"%s\"", argv[argc - 1]);
	req = mgmt_client_request(cmd);
	if (req && mgmt_forward_put(req, &f) < 0) {
		nlmsg_free(req);
		req = NULL;
	}
	return ctl_call(c, req, NULL, NULL);
}

struct nat_sess {
	uint64_t count;
	uint64_t shown;
	bool truncated;
};

/* Print one session (or take the COUNT header). */
static int nat_sess_cb(const struct mgmt_msg *m, void *arg)
{
	struct nat_sess *ns = arg;
	struct mgmt_session s;
	char a[16], b[16], x[16], y[16], pb[8];
	const char *state;

	if (m->tb[MGMT_A_COUNT]) {
		ns->count = nla_get_u64(m->tb[MGMT_A_COUNT]);
		ns->truncated = m->tb[MGMT_A_TRUNCATED] != NULL;
		return 0;
	}
	if (m->tb[MGMT_A_SESSION] == NULL)
		return 0;
	mgmt_session_decode(m->tb[MGMT_A_SESSION], &s);
	ns->shown++;
	state = s.proto == 6 ? (s.tcp_state < 8 ? tcp_states[s.tcp_state] : "?") : "";
	if (out_is_json()) {
		out_obj_begin(NULL);
		out_str("proto", ctl_proto_name(s.proto, pb));
		out_obj_begin("orig");
		out_str("src", ctl_ntoa(s.orig_src, a));
		out_u64("sport", s.orig_sport);
		out_str("dst", ctl_ntoa(s.orig_dst, b));
		out_u64("dport", s.orig_dport);
		out_obj_end();
		out_obj_begin("reply");
		out_str("src", ctl_ntoa(s.reply_src, x));
		out_u64("sport", s.reply_sport);
		out_str("dst", ctl_ntoa(s.reply_dst, y));
		out_u64("dport", s.reply_dport);
		out_obj_end();
		if (state[0])
			out_str("state", state);
		out_arr_begin("flags");
		if (s.flags & 1)
			out_str(NULL, "snat");
		if (s.flags & 2)
			out_str(NULL, "dnat");
		out_arr_end();
		out_u64("idle", s.idle);
		out_u64("timeout", s.timeout);
		out_u64("worker", s.worker);
		out_obj_end();
		return 0;
	}
	printf("%s %s:%u -> %s:%u reply %s:%u -> %s:%u", ctl_proto_name(s.proto, pb), ctl_ntoa(s.orig_src, a),
	       s.orig_sport, ctl_ntoa(s.orig_dst, b), s.orig_dport, ctl_ntoa(s.reply_src, x), s.reply_sport,
	       ctl_ntoa(s.reply_dst, y), s.reply_dport);
	if (state[0])
		printf(" %s", state);
	printf("%s%s idle %u timeout %u worker %u\n", s.flags & 1 ? " snat" : "", s.flags & 2 ? " dnat" : "",
	       s.idle, s.timeout, s.worker);
	return 0;
}

/* Reply of COUNT / FLUSH. */
static int nat_count_cb(const struct mgmt_msg *m, void *arg)
{
	if (m->tb[MGMT_A_COUNT])
		*(uint64_t *)arg = nla_get_u64(m->tb[MGMT_A_COUNT]);
	return 0;
}

/* nat sessions [filters] [limit N] [count|flush]. */
static int nat_sessions(struct ctl *c, int argc, char **argv)
{
	struct mgmt_session_filter f = { .worker = -1 };
	enum { SHOW, COUNT, FLUSH } what = SHOW;
	uint32_t limit = 0, v;
	bool have_limit = false;
	struct nat_sess ns = { 0 };
	struct nl_msg *req;
	uint64_t count = 0;
	uint8_t len;
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (ctl_is(k, "count")) {
			what = COUNT;
			continue;
		}
		if (ctl_is(k, "flush")) {
			what = FLUSH;
			continue;
		}
		if (ctl_matches(k, "show") || ctl_matches(k, "list"))
			continue;
		if (val == NULL)
			return ctl_usage("nat", "\"%s\" needs a value", k);
		i++;
		if (ctl_is(k, "src") || ctl_is(k, "dst")) {
			uint32_t addr;

			if (ctl_parse_prefix(val, &addr, &len, false) < 0)
				return ctl_usage("nat", "bad address \"%s\"", val);
			if (ctl_is(k, "src")) {
				f.src = addr;
				f.src_mask = len ? ~0u << (32 - len) : 0;
				if (len == 0)
					return ctl_usage("nat", "src 0.0.0.0/0 matches everything: leave it out");
			} else {
				f.dst = addr;
				f.dst_mask = len ? ~0u << (32 - len) : 0;
				if (len == 0)
					return ctl_usage("nat", "dst 0.0.0.0/0 matches everything: leave it out");
			}
		} else if (ctl_is(k, "sport") || ctl_is(k, "dport")) {
			if (ctl_parse_u32(val, 65535, &v) < 0 || v == 0)
				return ctl_usage("nat", "bad port \"%s\"", val);
			if (ctl_is(k, "sport"))
				f.sport = (uint16_t)v;
			else
				f.dport = (uint16_t)v;
		} else if (ctl_is(k, "proto")) {
			if (ctl_parse_proto(val, &f.proto) < 0)
				return ctl_usage("nat", "bad protocol \"%s\"", val);
		} else if (ctl_is(k, "worker")) {
			if (ctl_parse_u32(val, 0x7fffffff, &v) < 0)
				return ctl_usage("nat", "bad worker \"%s\"", val);
			f.worker = (int)v;
		} else if (ctl_is(k, "limit")) {
			if (ctl_parse_u32(val, NATGW_MGMT_SESSIONS_MAX, &limit) < 0)
				return ctl_usage("nat", "bad limit \"%s\" (0..%d)", val, NATGW_MGMT_SESSIONS_MAX);
			have_limit = true;
		} else {
			return ctl_usage("nat", "unexpected \"%s\" in nat sessions", k);
		}
	}
	req = mgmt_client_request(what == SHOW ? MGMT_CMD_NAT_SESSION_GET
				  : what == COUNT ? MGMT_CMD_NAT_SESSION_COUNT : MGMT_CMD_NAT_SESSION_FLUSH);
	if (req && (mgmt_sfilter_put(req, &f) < 0 ||
		    (have_limit && what == SHOW && nla_put_u32(req, MGMT_A_LIMIT, limit) < 0))) {
		nlmsg_free(req);
		req = NULL;
	}
	if (what != SHOW) {
		rc = ctl_call(c, req, nat_count_cb, &count);
		if (rc != CTL_EXIT_OK)
			return rc;
		if (out_is_json())
			printf("{\"%s\":%llu}\n", what == COUNT ? "count" : "flushed", (unsigned long long)count);
		else if (what == COUNT)
			printf("%llu\n", (unsigned long long)count);
		else
			printf("flushed %llu sessions\n", (unsigned long long)count);
		return rc;
	}
	out_obj_begin(NULL);
	out_arr_begin("sessions");
	rc = ctl_call(c, req, nat_sess_cb, &ns);
	out_arr_end();
	out_u64("count", ns.count);
	out_bool("truncated", ns.truncated);
	out_obj_end();
	if (out_is_json())
		printf("\n");
	else if (rc == CTL_EXIT_OK) {
		printf("%llu sessions%s\n", (unsigned long long)ns.count,
		       ns.truncated ? " (list truncated: use limit N)" : "");
	}
	return rc;
}

/* nat show|pool|timeouts|forward|sessions ... */
int ctl_nat(struct ctl *c, int argc, char **argv)
{
	if (argc == 0 || ctl_matches(argv[0], "show") || ctl_matches(argv[0], "pool"))
		return argc > 1 ? ctl_usage("nat", "too many arguments") : nat_show(c, false);
	if (ctl_matches(argv[0], "timeouts")) {
		if (argc == 1 || ctl_matches(argv[1], "show"))
			return nat_show(c, true);
		if (ctl_is(argv[1], "set"))
			return nat_timeouts_set(c, argc - 2, argv + 2);
		return ctl_usage("nat", "unknown nat timeouts command \"%s\"", argv[1]);
	}
	if (ctl_matches(argv[0], "forward"))
		return nat_forward(c, argc - 1, argv + 1);
	if (ctl_matches(argv[0], "sessions") || ctl_is(argv[0], "conntrack"))
		return nat_sessions(c, argc - 1, argv + 1);
	return ctl_usage("nat", "unknown nat command \"%s\"", argv[0]);
}
