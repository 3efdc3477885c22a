/* Management protocol: attribute tables, validation and message builders.
 *
 * Overview: every attribute set of include/natgw/mgmt.h is a table of
 * struct mgmt_attr_def (name, type, length, list, nest); every command has a
 * row saying whether clients may send it, whether it is a dump, and which
 * top-level attributes it allows and requires. mgmt_msg_parse walks the
 * attributes itself first (so that it can reject unknown, repeated,
 * misaligned or trailing attributes, which libnl's nla_parse skips or only
 * logs, and name the culprit and its offset), then lets libnl check them again
 * against the nla_policy generated from the same table and fill tb[].
 *
 * Life-cycle: the nla_policy arrays are built once (pthread_once) and then
 * only read; every function is thread-safe. Nothing here prints.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "control/mgmt_proto.h"

enum mgmt_type { MT_NONE = 0, MT_U8, MT_U16, MT_U32, MT_U64, MT_STRING, MT_BINARY, MT_FLAG, MT_NEST };

struct mgmt_attr_def {
	const char *name;
	uint8_t type;    /* enum mgmt_type */
	uint16_t len;    /* MT_STRING: max bytes with NUL; MT_BINARY: max bytes */
	bool exact;      /* MT_BINARY: exactly len bytes */
	bool list;       /* may repeat */
	uint8_t nest;    /* enum mgmt_set of an MT_NEST */
};

struct mgmt_set_def {
	const char *name;
	unsigned maxtype;
	const struct mgmt_attr_def *attrs; /* indexed by type, maxtype + 1 entries */
};

#define U8(n) { n, MT_U8, 0, false, false, 0 }
#define U16(n) { n, MT_U16, 0, false, false, 0 }
#define U32(n) { n, MT_U32, 0, false, false, 0 }
#define U64(n) { n, MT_U64, 0, false, false, 0 }
#define STR(n, l) { n, MT_STRING, l, false, false, 0 }
#define STRL(n, l) { n, MT_STRING, l, false, true, 0 }
#define BIN(n, l, x) { n, MT_BINARY, l, x, false, 0 }
#define FLAG(n) { n, MT_FLAG, 0, false, false, 0 }
#define NEST(n, s) { n, MT_NEST, 0, false, false, s }
#define NESTL(n, s) { n, MT_NEST, 0, false, true, s }
#define U32L(n) { n, MT_U32, 0, false, true, 0 }

static const struct mgmt_attr_def top_attrs[MGMT_A_MAX + 1] = {
	[MGMT_A_TABLE] = STR("TABLE", NATGW_NAME_MAX),
	[MGMT_A_ROUTE] = NESTL("ROUTE", MGMT_SET_ROUTE),
	[MGMT_A_PORT] = NEST("PORT", MGMT_SET_PORT),
	[MGMT_A_NEIGH] = NEST("NEIGH", MGMT_SET_NEIGH),
	[MGMT_A_NAT] = NEST("NAT", MGMT_SET_NAT),
	[MGMT_A_TIMEOUTS] = NEST("TIMEOUTS", MGMT_SET_TIMEOUTS),
	[MGMT_A_FORWARD] = NEST("FORWARD", MGMT_SET_FORWARD),
	[MGMT_A_FILTER] = NEST("FILTER", MGMT_SET_SFILTER),
	[MGMT_A_SESSION] = NEST("SESSION", MGMT_SET_SESSION),
	[MGMT_A_COUNT] = U64("COUNT"),
	[MGMT_A_LIMIT] = U32("LIMIT"),
	[MGMT_A_NAME] = STR("NAME", NATGW_NAME_MAX),
	[MGMT_A_SG] = NEST("SG", MGMT_SET_SG),
	[MGMT_A_SG_RULE] = NEST("SG_RULE", MGMT_SET_RULE),
	[MGMT_A_MEMBER] = U32("MEMBER"),
	[MGMT_A_PL] = NEST("PL", MGMT_SET_PL),
	[MGMT_A_PREFIX] = NEST("PREFIX", MGMT_SET_PREFIX),
	[MGMT_A_NACL] = NEST("NACL", MGMT_SET_NACL),
	[MGMT_A_NACL_RULE] = NEST("NACL_RULE", MGMT_SET_RULE),
	[MGMT_A_WORKER] = U32("WORKER"),
	[MGMT_A_PER_WORKER] = FLAG("PER_WORKER"),
	[MGMT_A_COUNTERS] = NEST("COUNTERS", MGMT_SET_CTRS),
	[MGMT_A_CONFIG_TEXT] = BIN("CONFIG_TEXT", NATGW_MGMT_TEXT_CHUNK, false),
	[MGMT_A_PATH] = STR("PATH", NATGW_PATH_MAX),
	[MGMT_A_EVENT] = NEST("EVENT", MGMT_SET_EVENT),
	[MGMT_A_EVENT_MASK] = U32("EVENT_MASK"),
	[MGMT_A_TRUNCATED] = FLAG("TRUNCATED"),
	[MGMT_A_SERVER] = NEST("SERVER", MGMT_SET_SERVER),
	[MGMT_A_N_WORKERS] = U32("N_WORKERS"),
};

static const struct mgmt_attr_def route_attrs[MGMT_ROUTE_A_MAX + 1] = {
	[MGMT_ROUTE_A_PREFIX] = U32("PREFIX"),
	[MGMT_ROUTE_A_LEN] = U8("LEN"),
	[MGMT_ROUTE_A_TYPE] = U8("TYPE"),
	[MGMT_ROUTE_A_GATEWAY] = U32("GATEWAY"),
	[MGMT_ROUTE_A_DEV] = STR("DEV", NATGW_NAME_MAX),
};

static const struct mgmt_attr_def port_attrs[MGMT_PORT_A_MAX + 1] = {
	[MGMT_PORT_A_NAME] = STR("NAME", NATGW_NAME_MAX),
	[MGMT_PORT_A_INDEX] = U32("INDEX"),
	[MGMT_PORT_A_DRIVER] = STR("DRIVER", 32),
	[MGMT_PORT_A_MAC] = BIN("MAC", 6, true),
	[MGMT_PORT_A_LINK] = U8("LINK"),
	[MGMT_PORT_A_SPEED] = U32("SPEED"),
	[MGMT_PORT_A_RXQ] = U16("RXQ"),
	[MGMT_PORT_A_TXQ] = U16("TXQ"),
	[MGMT_PORT_A_OFFLOADS] = U32("OFFLOADS"),
	[MGMT_PORT_A_ADDR] = U32("ADDR"),
	[MGMT_PORT_A_PLEN] = U8("PLEN"),
	[MGMT_PORT_A_MTU] = U16("MTU"),
	[MGMT_PORT_A_TABLE] = STR("TABLE", NATGW_NAME_MAX),
	[MGMT_PORT_A_NACL] = STR("NACL", NATGW_NAME_MAX),
	[MGMT_PORT_A_SG] = STRL("SG", NATGW_NAME_MAX),
	[MGMT_PORT_A_RX_PACKETS] = U64("RX_PACKETS"),
	[MGMT_PORT_A_RX_BYTES] = U64("RX_BYTES"),
	[MGMT_PORT_A_TX_PACKETS] = U64("TX_PACKETS"),
	[MGMT_PORT_A_TX_BYTES] = U64("TX_BYTES"),
	[MGMT_PORT_A_FORWARDED] = U64("FORWARDED"),
	[MGMT_PORT_A_FRAGMENTS_OUT] = U64("FRAGMENTS_OUT"),
	[MGMT_PORT_A_RSS] = STR("RSS", 64),
};

static const struct mgmt_attr_def neigh_attrs[MGMT_NEIGH_A_MAX + 1] = {
	[MGMT_NEIGH_A_ADDR] = U32("ADDR"),
	[MGMT_NEIGH_A_MAC] = BIN("MAC", 6, true),
	[MGMT_NEIGH_A_PORT] = STR("PORT", NATGW_NAME_MAX),
	[MGMT_NEIGH_A_STATE] = U8("STATE"),
	[MGMT_NEIGH_A_AGE] = U32("AGE"),
};

static const struct mgmt_attr_def nat_attrs[MGMT_NAT_A_MAX + 1] = {
	[MGMT_NAT_A_ENABLED] = U8("ENABLED"),
	[MGMT_NAT_A_PORT] = STR("PORT", NATGW_NAME_MAX),
	[MGMT_NAT_A_POOL] = U32L("POOL"),
	[MGMT_NAT_A_INSIDE] = NESTL("INSIDE", MGMT_SET_PREFIX),
	[MGMT_NAT_A_PORT_MIN] = U16("PORT_MIN"),
	[MGMT_NAT_A_PORT_MAX] = U16("PORT_MAX"),
	[MGMT_NAT_A_MAPPING] = U8("MAPPING"),
	[MGMT_NAT_A_MAX_SESSIONS] = U32("MAX_SESSIONS"),
	[MGMT_NAT_A_MAX_PER_HOST] = U32("MAX_PER_HOST"),
	[MGMT_NAT_A_REUSE_DELAY] = U32("REUSE_DELAY"),
	[MGMT_NAT_A_ICMP_ON_EXHAUSTION] = U8("ICMP_ON_EXHAUSTION"),
};

static const struct mgmt_attr_def tmo_attrs[MGMT_TMO_A_MAX + 1] = {
	[MGMT_TMO_A_UDP] = U32("UDP"),
	[MGMT_TMO_A_TCP_ESTABLISHED] = U32("TCP_ESTABLISHED"),
	[MGMT_TMO_A_TCP_TRANSITORY] = U32("TCP_TRANSITORY"),
	[MGMT_TMO_A_TCP_SYN] = U32("TCP_SYN"),
	[MGMT_TMO_A_ICMP] = U32("ICMP"),
};

static const struct mgmt_attr_def fwd_attrs[MGMT_FWD_A_MAX + 1] = {
	[MGMT_FWD_A_PROTO] = U8("PROTO"),
	[MGMT_FWD_A_PUBLIC_ADDR] = U32("PUBLIC_ADDR"),
	[MGMT_FWD_A_PUBLIC_PORT] = U16("PUBLIC_PORT"),
	[MGMT_FWD_A_INSIDE_ADDR] = U32("INSIDE_ADDR"),
	[MGMT_FWD_A_INSIDE_PORT] = U16("INSIDE_PORT"),
};

static const struct mgmt_attr_def sf_attrs[MGMT_SF_A_MAX + 1] = {
	[MGMT_SF_A_PROTO] = U8("PROTO"),
	[MGMT_SF_A_SRC] = U32("SRC"),
	[MGMT_SF_A_SRC_LEN] = U8("SRC_LEN"),
	[MGMT_SF_A_DST] = U32("DST"),
	[MGMT_SF_A_DST_LEN] = U8("DST_LEN"),
	[MGMT_SF_A_SPORT] = U16("SPORT"),
	[MGMT_SF_A_DPORT] = U16("DPORT"),
	[MGMT_SF_A_WORKER] = U32("WORKER"),
};

static const struct mgmt_attr_def sess_attrs[MGMT_SESS_A_MAX + 1] = {
	[MGMT_SESS_A_PROTO] = U8("PROTO"),
	[MGMT_SESS_A_ORIG_SRC] = U32("ORIG_SRC"),
	[MGMT_SESS_A_ORIG_DST] = U32("ORIG_DST"),
	[MGMT_SESS_A_ORIG_SPORT] = U16("ORIG_SPORT"),
	[MGMT_SESS_A_ORIG_DPORT] = U16("ORIG_DPORT"),
	[MGMT_SESS_A_REPLY_SRC] = U32("REPLY_SRC"),
	[MGMT_SESS_A_REPLY_DST] = U32("REPLY_DST"),
	[MGMT_SESS_A_REPLY_SPORT] = U16("REPLY_SPORT"),
	[MGMT_SESS_A_REPLY_DPORT] = U16("REPLY_DPORT"),
	[MGMT_SESS_A_FLAGS] = U8("FLAGS"),
	[MGMT_SESS_A_TCP_STATE] = U8("TCP_STATE"),
	[MGMT_SESS_A_IDLE] = U32("IDLE"),
	[MGMT_SESS_A_TIMEOUT] = U32("TIMEOUT"),
	[MGMT_SESS_A_WORKER] = U16("WORKER"),
};

static const struct mgmt_attr_def rule_attrs[MGMT_RULE_A_MAX + 1] = {
	[MGMT_RULE_A_DIR] = U8("DIR"),
	[MGMT_RULE_A_PROTO] = U8("PROTO"),
	[MGMT_RULE_A_PORT_LO] = U16("PORT_LO"),
	[MGMT_RULE_A_PORT_HI] = U16("PORT_HI"),
	[MGMT_RULE_A_ICMP_TYPE] = U8("ICMP_TYPE"),
	[MGMT_RULE_A_ICMP_CODE] = U8("ICMP_CODE"),
	[MGMT_RULE_A_CIDR] = U32("CIDR"),
	[MGMT_RULE_A_CIDR_LEN] = U8("CIDR_LEN"),
	[MGMT_RULE_A_PEER_KIND] = U8("PEER_KIND"),
	[MGMT_RULE_A_PEER_NAME] = STR("PEER_NAME", NATGW_NAME_MAX),
	[MGMT_RULE_A_KEY] = STR("KEY", 24),
	[MGMT_RULE_A_NUMBER] = U16("NUMBER"),
	[MGMT_RULE_A_ACTION] = U8("ACTION"),
	[MGMT_RULE_A_OTHER_CIDR] = U32("OTHER_CIDR"),
	[MGMT_RULE_A_OTHER_LEN] = U8("OTHER_LEN"),
	[MGMT_RULE_A_INDEX] = U32("INDEX"),
	[MGMT_RULE_A_HITS] = U64("HITS"),
};

static const struct mgmt_attr_def sg_attrs[MGMT_SG_A_MAX + 1] = {
	[MGMT_SG_A_N_RULES] = U32("N_RULES"),
	[MGMT_SG_A_N_MEMBERS] = U32("N_MEMBERS"),
	[MGMT_SG_A_PORT] = STRL("PORT", NATGW_NAME_MAX),
};

static const struct mgmt_attr_def pl_attrs[MGMT_PL_A_MAX + 1] = {
	[MGMT_PL_A_N_PREFIXES] = U32("N_PREFIXES"),
};

static const struct mgmt_attr_def pfx_attrs[MGMT_PFX_A_MAX + 1] = {
	[MGMT_PFX_A_ADDR] = U32("ADDR"),
	[MGMT_PFX_A_LEN] = U8("LEN"),
};

static const struct mgmt_attr_def nacl_attrs[MGMT_NACL_A_MAX + 1] = {
	[MGMT_NACL_A_N_RULES] = U32("N_RULES"),
	[MGMT_NACL_A_PORT] = STRL("PORT", NATGW_NAME_MAX),
};

static const struct mgmt_attr_def ctrs_attrs[MGMT_CTRS_A_MAX + 1] = {
	[MGMT_CTRS_A_COUNTER] = NESTL("COUNTER", MGMT_SET_CTR),
};

static const struct mgmt_attr_def ctr_attrs[MGMT_CTR_A_MAX + 1] = {
	[MGMT_CTR_A_NAME] = STR("NAME", 64),
	[MGMT_CTR_A_VALUE] = U64("VALUE"),
};

static const struct mgmt_attr_def ev_attrs[MGMT_EV_A_MAX + 1] = {
	[MGMT_EV_A_KIND] = U8("KIND"),
	[MGMT_EV_A_WORKER] = U16("WORKER"),
	[MGMT_EV_A_SESSION] = NEST("SESSION", MGMT_SET_SESSION),
	[MGMT_EV_A_TEXT] = STR("TEXT", 96),
	[MGMT_EV_A_LOST] = U64("LOST"),
};

static const struct mgmt_attr_def srv_attrs[MGMT_SRV_A_MAX + 1] = {
	[MGMT_SRV_A_CLIENTS] = U32("CLIENTS"),
	[MGMT_SRV_A_ACCEPTED] = U64("ACCEPTED"),
	[MGMT_SRV_A_REFUSED] = U64("REFUSED"),
	[MGMT_SRV_A_REQUESTS] = U64("REQUESTS"),
	[MGMT_SRV_A_ERRORS] = U64("ERRORS"),
	[MGMT_SRV_A_EVENTS_DROPPED] = U64("EVENTS_DROPPED"),
};

#define SET(n, a, m) { n, m, a }
static const struct mgmt_set_def mgmt_sets[MGMT_SET_COUNT] = {
	[MGMT_SET_TOP] = SET("", top_attrs, MGMT_A_MAX),
	[MGMT_SET_ROUTE] = SET("ROUTE", route_attrs, MGMT_ROUTE_A_MAX),
	[MGMT_SET_PORT] = SET("PORT", port_attrs, MGMT_PORT_A_MAX),
	[MGMT_SET_NEIGH] = SET("NEIGH", neigh_attrs, MGMT_NEIGH_A_MAX),
	[MGMT_SET_NAT] = SET("NAT", nat_attrs, MGMT_NAT_A_MAX),
	[MGMT_SET_TIMEOUTS] = SET("TIMEOUTS", tmo_attrs, MGMT_TMO_A_MAX),
	[MGMT_SET_FORWARD] = SET("FORWARD", fwd_attrs, MGMT_FWD_A_MAX),
	[MGMT_SET_SFILTER] = SET("FILTER", sf_attrs, MGMT_SF_A_MAX),
	[MGMT_SET_SESSION] = SET("SESSION", sess_attrs, MGMT_SESS_A_MAX),
	[MGMT_SET_RULE] = SET("RULE", rule_attrs, MGMT_RULE_A_MAX),
	[MGMT_SET_SG] = SET("SG", sg_attrs, MGMT_SG_A_MAX),
	[MGMT_SET_PL] = SET("PL", pl_attrs, MGMT_PL_A_MAX),
	[MGMT_SET_PREFIX] = SET("PREFIX", pfx_attrs, MGMT_PFX_A_MAX),
	[MGMT_SET_NACL] = SET("NACL", nacl_attrs, MGMT_NACL_A_MAX),
	[MGMT_SET_CTRS] = SET("COUNTERS", ctrs_attrs, MGMT_CTRS_A_MAX),
	[MGMT_SET_CTR] = SET("COUNTER", ctr_attrs, MGMT_CTR_A_MAX),
	[MGMT_SET_EVENT] = SET("EVENT", ev_attrs, MGMT_EV_A_MAX),
	[MGMT_SET_SERVER] = SET("SERVER", srv_attrs, MGMT_SRV_A_MAX),
};

/* ---- commands ------------------------------------------------------------ */

struct mgmt_cmd_def {
	const char *name;
	bool request;       /* clients may send it */
	bool dump;
	uint64_t allowed;   /* top-level attributes (bit 1 << type) */
	uint64_t required;
};

#define B(a) (1ull << (a))
static const struct mgmt_cmd_def mgmt_cmds[MGMT_CMD_MAX + 1] = {
	[MGMT_CMD_PORT_GET] = { "PORT_GET", true, true, B(MGMT_A_NAME), 0 },
	[MGMT_CMD_NEIGH_GET] = { "NEIGH_GET", true, true, 0, 0 },
	[MGMT_CMD_ROUTE_GET] = { "ROUTE_GET", true, true, B(MGMT_A_TABLE), 0 },
	[MGMT_CMD_ROUTE_ADD] = { "ROUTE_ADD", true, false, B(MGMT_A_TABLE) | B(MGMT_A_ROUTE),
				 B(MGMT_A_ROUTE) },
	[MGMT_CMD_ROUTE_REPLACE] = { "ROUTE_REPLACE", true, false,
				     B(MGMT_A_TABLE) | B(MGMT_A_ROUTE), B(MGMT_A_ROUTE) },
	[MGMT_CMD_ROUTE_DEL] = { "ROUTE_DEL", true, false, B(MGMT_A_TABLE) | B(MGMT_A_ROUTE),
				 B(MGMT_A_ROUTE) },
	[MGMT_CMD_NAT_GET] = { "NAT_GET", true, true, 0, 0 },
	[MGMT_CMD_NAT_TIMEOUTS_SET] = { "NAT_TIMEOUTS_SET", true, false, B(MGMT_A_TIMEOUTS),
					B(MGMT_A_TIMEOUTS) },
	[MGMT_CMD_NAT_FORWARD_GET] = { "NAT_FORWARD_GET", true, true, 0, 0 },
	[MGMT_CMD_NAT_FORWARD_ADD] = { "NAT_FORWARD_ADD", true, false, B(MGMT_A_FORWARD),
				       B(MGMT_A_FORWARD) },
	[MGMT_CMD_NAT_FORWARD_DEL] = { "NAT_FORWARD_DEL", true, false, B(MGMT_A_FORWARD),
				       B(MGMT_A_FORWARD) },
	[MGMT_CMD_NAT_SESSION_GET] = { "NAT_SESSION_GET", true, true,
				       B(MGMT_A_FILTER) | B(MGMT_A_LIMIT), 0 },
	[MGMT_CMD_NAT_SESSION_COUNT] = { "NAT_SESSION_COUNT", true, false, B(MGMT_A_FILTER), 0 },
	[MGMT_CMD_NAT_SESSION_FLUSH] = { "NAT_SESSION_FLUSH", true, false, B(MGMT_A_FILTER), 0 },
	[MGMT_CMD_SG_GET] = { "SG_GET", true, true, B(MGMT_A_NAME), 0 },
	[MGMT_CMD_SG_RULE_ADD] = { "SG_RULE_ADD", true, false, B(MGMT_A_NAME) | B(MGMT_A_SG_RULE),
				   B(MGMT_A_NAME) | B(MGMT_A_SG_RULE) },
	[MGMT_CMD_SG_RULE_DEL] = { "SG_RULE_DEL", true, false, B(MGMT_A_NAME) | B(MGMT_A_SG_RULE),
				   B(MGMT_A_NAME) | B(MGMT_A_SG_RULE) },
	[MGMT_CMD_SG_MEMBER_ADD] = { "SG_MEMBER_ADD", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_MEMBER),
				     B(MGMT_A_NAME) | B(MGMT_A_MEMBER) },
	[MGMT_CMD_SG_MEMBER_DEL] = { "SG_MEMBER_DEL", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_MEMBER),
				     B(MGMT_A_NAME) | B(MGMT_A_MEMBER) },
	[MGMT_CMD_PL_GET] = { "PL_GET", true, true, B(MGMT_A_NAME), 0 },
	[MGMT_CMD_PL_PREFIX_ADD] = { "PL_PREFIX_ADD", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_PREFIX),
				     B(MGMT_A_NAME) | B(MGMT_A_PREFIX) },
	[MGMT_CMD_PL_PREFIX_DEL] = { "PL_PREFIX_DEL", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_PREFIX),
				     B(MGMT_A_NAME) | B(MGMT_A_PREFIX) },
	[MGMT_CMD_NACL_GET] = { "NACL_GET", true, true, B(MGMT_A_NAME), 0 },
	[MGMT_CMD_NACL_RULE_ADD] = { "NACL_RULE_ADD", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_NACL_RULE),
				     B(MGMT_A_NAME) | B(MGMT_A_NACL_RULE) },
	[MGMT_CMD_NACL_RULE_DEL] = { "NACL_RULE_DEL", true, false,
				     B(MGMT_A_NAME) | B(MGMT_A_NACL_RULE),
				     B(MGMT_A_NAME) | B(MGMT_A_NACL_RULE) },
	[MGMT_CMD_COUNTERS_GET] = { "COUNTERS_GET", true, true,
				    B(MGMT_A_PER_WORKER) | B(MGMT_A_WORKER), 0 },
	[MGMT_CMD_COUNTERS_RESET] = { "COUNTERS_RESET", true, false, 0, 0 },
	[MGMT_CMD_CONFIG_DUMP] = { "CONFIG_DUMP", true, true, 0, 0 },
	[MGMT_CMD_CONFIG_RELOAD] = { "CONFIG_RELOAD", true, false, B(MGMT_A_PATH), 0 },
	[MGMT_CMD_EVENTS_SUBSCRIBE] = { "EVENTS_SUBSCRIBE", true, false, B(MGMT_A_EVENT_MASK), 0 },
	[MGMT_CMD_EVENT] = { "EVENT", false, false, B(MGMT_A_EVENT), B(MGMT_A_EVENT) },
	[MGMT_CMD_NEIGH_ADD] = { "NEIGH_ADD", true, false, B(MGMT_A_NEIGH), B(MGMT_A_NEIGH) },
	[MGMT_CMD_NEIGH_DEL] = { "NEIGH_DEL", true, false, B(MGMT_A_NEIGH), B(MGMT_A_NEIGH) },
};

/* ---- libnl policies built from the tables -------------------------------- */

static struct nla_policy mgmt_policies[MGMT_SET_COUNT][MGMT_SET_MAXTYPE + 1];
static pthread_once_t mgmt_policy_once = PTHREAD_ONCE_INIT;

/* Fill the nla_policy arrays from the attribute tables (once). */
static void mgmt_policy_build(void)
{
	for (unsigned s = 0; s < MGMT_SET_COUNT; s++) {
		for (unsigned t = 1; t <= mgmt_sets[s].maxtype; t++) {
			const struct mgmt_attr_def *d = &mgmt_sets[s].attrs[t];
			struct nla_policy *p = &mgmt_policies[s][t];

			switch (d->type) {
			case MT_U8: *p = (struct nla_policy){ NLA_U8, 1, 1 }; break;
			case MT_U16: *p = (struct nla_policy){ NLA_U16, 2, 2 }; break;
			case MT_U32: *p = (struct nla_policy){ NLA_U32, 4, 4 }; break;
			case MT_U64: *p = (struct nla_policy){ NLA_U64, 8, 8 }; break;
			case MT_STRING: *p = (struct nla_policy){ NLA_STRING, 1, d->len }; break;
			case MT_BINARY:
				*p = (struct nla_policy){ NLA_UNSPEC, d->exact ? d->len : 1, d->len };
				break;
			case MT_FLAG: *p = (struct nla_policy){ NLA_FLAG, 0, 0 }; break;
			case MT_NEST: *p = (struct nla_policy){ NLA_NESTED, 0, 0 }; break;
			default: break;
			}
		}
	}
}

/* The libnl policy of a set. */
static const struct nla_policy *mgmt_policy(enum mgmt_set set)
{
	pthread_once(&mgmt_policy_once, mgmt_policy_build);
	return mgmt_policies[set];
}

/* ---- names --------------------------------------------------------------- */

/* Name of a command ("ROUTE_ADD"), or "?". */
const char *mgmt_cmd_name(unsigned cmd)
{
	if (cmd > MGMT_CMD_MAX || mgmt_cmds[cmd].name == NULL)
		return "?";
	return mgmt_cmds[cmd].name;
}

/* Command number for a name (case-insensitive), or -1. */
int mgmt_cmd_lookup(const char *name)
{
	for (unsigned c = 1; c <= MGMT_CMD_MAX; c++)
		if (mgmt_cmds[c].name && strcasecmp(mgmt_cmds[c].name, name) == 0)
			return (int)c;
	return -1;
}

/* True for commands answered as a dump. */
bool mgmt_cmd_is_dump(unsigned cmd)
{
	return cmd <= MGMT_CMD_MAX && mgmt_cmds[cmd].dump;
}

/* Name of an attribute type in a set, or "?". */
const char *mgmt_attr_name(enum mgmt_set set, unsigned type)
{
	if ((unsigned)set >= MGMT_SET_COUNT || type > mgmt_sets[set].maxtype ||
	    mgmt_sets[set].attrs[type].name == NULL)
		return "?";
	return mgmt_sets[set].attrs[type].name;
}

/* ---- validation ---------------------------------------------------------- */

struct mgmt_vctx {
	const uint8_t *base;  /* start of the message, for offsets */
	char *err;
	size_t errlen;
	uint32_t bad_off;
	uint64_t allowed;     /* top level only */
};

/* Record an error about the attribute at nla (NULL: none). */
static int mgmt_vfail(struct mgmt_vctx *v, const struct nlattr *nla, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mgmt_vfail(struct mgmt_vctx *v, const struct nlattr *nla, const char *fmt, ...)
{
	va_list ap;

	if (nla != NULL)
		v->bad_off = (uint32_t)((const uint8_t *)nla - v->base);
	if (v->err && v->errlen) {
		va_start(ap, fmt);
		vsnprintf(v->err, v->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *const mgmt_type_names[] = {
	[MT_NONE] = "?", [MT_U8] = "u8", [MT_U16] = "u16", [MT_U32] = "u32", [MT_U64] = "u64",
	[MT_STRING] = "string", [MT_BINARY] = "binary", [MT_FLAG] = "flag", [MT_NEST] = "nest",
};

/* Check one attribute's payload against its definition. */
static int mgmt_check_payload(struct mgmt_vctx *v, const struct nlattr *nla,
			      const struct mgmt_attr_def *d, const char *path, int depth);

/* Validate the attributes head[0..len) of a set; path names the enclosing nest. */
static int mgmt_check_attrs(struct mgmt_vctx *v, const struct nlattr *head, int len,
			    enum mgmt_set set, const char *path, int depth)
{
	const struct mgmt_set_def *sd = &mgmt_sets[set];
	const uint8_t *p = (const uint8_t *)head;
	uint64_t seen = 0;
	int rem = len, rc;

	if (depth > 4)
		return mgmt_vfail(v, head, "attributes nested too deeply in %s", path);
	while (rem > 0) {
		const struct nlattr *nla = (const struct nlattr *)p;
		unsigned type;
		int alen, step;
		const struct mgmt_attr_def *d;

		if (rem < NLA_HDRLEN)
			return mgmt_vfail(v, nla, "%d trailing bytes after the attributes of %s",
					  rem, *path ? path : "the message");
		alen = nla->nla_len;
		if (alen < NLA_HDRLEN || alen > rem)
			return mgmt_vfail(v, nla, "attribute length %d at offset %u is %s", alen,
					  (unsigned)(p - v->base),
					  alen < NLA_HDRLEN ? "shorter than its header"
							    : "beyond the end of its container");
		type = nla->nla_type & NLA_TYPE_MASK;
		if (type == 0 || type > sd->maxtype || sd->attrs[type].type == MT_NONE)
			return mgmt_vfail(v, nla, "unknown attribute type %u in %s", type,
					  *path ? path : "the message");
		d = &sd->attrs[type];
		if (set == MGMT_SET_TOP && !(v->allowed & B(type)))
			return mgmt_vfail(v, nla, "attribute %s is not valid for this command",
					  d->name);
		if ((seen & B(type)) && !d->list)
			return mgmt_vfail(v, nla, "attribute %s%s%s given twice", path,
					  *path ? "." : "", d->name);
		seen |= B(type);
		rc = mgmt_check_payload(v, nla, d, path, depth);
		if (rc < 0)
			return rc;
		step = NLA_ALIGN(alen);
		if (step > rem)
			step = rem; /* the last attribute may lack its padding */
		p += step;
		rem -= step;
	}
	return 0;
}

/* Check one attribute's payload against its definition (see prototype). */
static int mgmt_check_payload(struct mgmt_vctx *v, const struct nlattr *nla,
			      const struct mgmt_attr_def *d, const char *path, int depth)
{
	int plen = nla_len(nla);
	char sub[96];
	int want = 0;

	snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", d->name);
	switch (d->type) {
	case MT_U8: want = 1; break;
	case MT_U16: want = 2; break;
	case MT_U32: want = 4; break;
	case MT_U64: want = 8; break;
	case MT_FLAG: want = 0; break;
	case MT_STRING: {
		const char *s = nla_data(nla);

		if (plen < 1 || s[plen - 1] != '\0')
			return mgmt_vfail(v, nla, "attribute %s: expected a NUL-terminated string", sub);
		if ((size_t)plen > d->len)
			return mgmt_vfail(v, nla, "attribute %s: string of %d bytes, at most %u allowed",
					  sub, plen - 1, d->len - 1u);
		if (memchr(s, '\0', (size_t)plen - 1) != NULL)
			return mgmt_vfail(v, nla, "attribute %s: string has an embedded NUL", sub);
		return 0;
	}
	case MT_BINARY:
		if ((d->exact && plen != d->len) || plen < 1 || plen > d->len)
			return mgmt_vfail(v, nla, "attribute %s: expected %s%u bytes, got %d", sub,
					  d->exact ? "" : "1..", d->len, plen);
		return 0;
	case MT_NEST:
		return mgmt_check_attrs(v, nla_data(nla), plen, (enum mgmt_set)d->nest, sub,
					depth + 1);
	default:
		return mgmt_vfail(v, nla, "attribute %s has no type", sub);
	}
	if (plen != want)
		return mgmt_vfail(v, nla, "attribute %s: expected %s (%d bytes), got %d bytes", sub,
				  mgmt_type_names[d->type], want, plen);
	return 0;
}

/* Validate a message and fill m (see mgmt_proto.h). */
int mgmt_msg_parse(struct nlmsghdr *nlh, bool request, struct mgmt_msg *m, char *err, size_t len)
{
	struct mgmt_vctx v = { .base = (const uint8_t *)nlh, .err = err, .errlen = len };
	const struct natgw_mgmt_hdr *h;
	const struct mgmt_cmd_def *cd;
	int rc;

	memset(m, 0, sizeof(*m));
	m->nlh = nlh;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*h)) {
		mgmt_vfail(&v, NULL, "message of %u bytes has no family header (needs %zu)",
			   nlh->nlmsg_len, (size_t)NLMSG_HDRLEN + sizeof(*h));
		return -EINVAL;
	}
	if (nlh->nlmsg_type != NATGW_MGMT_MSG_TYPE) {
		mgmt_vfail(&v, NULL, "unexpected message type %u (expected %u)", nlh->nlmsg_type,
			   NATGW_MGMT_MSG_TYPE);
		return -EINVAL;
	}
	h = nlmsg_data(nlh);
	if (h->version != NATGW_MGMT_VERSION) {
		mgmt_vfail(&v, NULL, "protocol version %u is not supported (this natgw speaks %u)",
			   h->version, NATGW_MGMT_VERSION);
		return -EPROTO;
	}
	m->cmd = h->cmd;
	if (h->cmd == 0 || h->cmd > MGMT_CMD_MAX || mgmt_cmds[h->cmd].name == NULL ||
	    (request && !mgmt_cmds[h->cmd].request)) {
		mgmt_vfail(&v, NULL, "unknown command %u", h->cmd);
		return -EOPNOTSUPP;
	}
	cd = &mgmt_cmds[h->cmd];
	v.allowed = request ? cd->allowed : ~0ull;
	rc = mgmt_check_attrs(&v, nlmsg_attrdata(nlh, sizeof(*h)), nlmsg_attrlen(nlh, sizeof(*h)),
			      MGMT_SET_TOP, "", 0);
	if (rc < 0) {
		m->bad_off = v.bad_off;
		return rc;
	}
	rc = nlmsg_parse(nlh, sizeof(*h), m->tb, MGMT_A_MAX,
			 (struct nla_policy *)mgmt_policy(MGMT_SET_TOP));
	if (rc < 0) {
		mgmt_vfail(&v, NULL, "message rejected by the attribute policy (libnl error %d)", rc);
		return -EINVAL;
	}
	if (request) {
		for (unsigned t = 1; t <= MGMT_A_MAX; t++)
			if ((cd->required & B(t)) && m->tb[t] == NULL) {
				mgmt_vfail(&v, NULL, "%s: missing attribute %s", cd->name,
					   top_attrs[t].name);
				return -EINVAL;
			}
	}
	return 0;
}

/* tb[] of a validated nest. */
int mgmt_nest_parse(const struct nlattr *nest, enum mgmt_set set, struct nlattr **tb)
{
	if (nest == NULL || (unsigned)set >= MGMT_SET_COUNT)
		return -EINVAL;
	return nla_parse_nested(tb, (int)mgmt_sets[set].maxtype, (struct nlattr *)nest,
				(struct nla_policy *)mgmt_policy(set)) < 0 ? -EINVAL : 0;
}

/* Next message of a datagram (see mgmt_proto.h). */
int mgmt_dgram_next(void *buf, size_t len, size_t *off, struct nlmsghdr **out, char *err,
		    size_t errlen)
{
	struct nlmsghdr *nlh;
	size_t rem;

	if (*off >= len)
		return 0;
	rem = len - *off;
	nlh = (struct nlmsghdr *)((uint8_t *)buf + *off);
	if (rem < NLMSG_HDRLEN) {
		snprintf(err, errlen, "%zu trailing bytes are not a message (a header is %d bytes)",
			 rem, NLMSG_HDRLEN);
		return -EBADMSG;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > rem) {
		snprintf(err, errlen, "message length %u is %s", nlh->nlmsg_len,
			 nlh->nlmsg_len < NLMSG_HDRLEN ? "shorter than its header"
						       : "beyond the end of the datagram (truncated?)");
		return -EBADMSG;
	}
	*out = nlh;
	*off += NLMSG_ALIGN(nlh->nlmsg_len) < rem ? NLMSG_ALIGN(nlh->nlmsg_len) : rem;
	return 1;
}

/* ---- builders ------------------------------------------------------------ */

/* New message with the family header. */
struct nl_msg *mgmt_msg_new(uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct natgw_mgmt_hdr *h;
	struct nl_msg *m = nlmsg_alloc_size(NATGW_MGMT_MSG_MAX);

	if (m == NULL)
		return NULL;
	if (nlmsg_put(m, 0, seq, NATGW_MGMT_MSG_TYPE, sizeof(*h), flags) == NULL)
		goto err_put;
	h = nlmsg_data(nlmsg_hdr(m));
	h->cmd = cmd;
	h->version = NATGW_MGMT_VERSION;
	h->reserved = 0;
	return m;
err_put:
	nlmsg_free(m);
	return NULL;
}

/* NLMSG_ERROR answering req (see mgmt_proto.h). */
struct nl_msg *mgmt_msg_error(const struct nlmsghdr *req, int error, const char *text,
			      uint32_t bad_off)
{
	struct nlmsgerr *e;
	uint16_t flags = NLM_F_CAPPED;
	struct nl_msg *m;

	if (error != 0 && ((text && *text) || bad_off))
		flags |= NLM_F_ACK_TLVS;
	m = nlmsg_alloc_size(NATGW_MGMT_MSG_MAX);
	if (m == NULL)
		return NULL;
	if (nlmsg_put(m, 0, req ? req->nlmsg_seq : 0, NLMSG_ERROR, sizeof(*e), flags) == NULL)
		goto err_put;
	e = nlmsg_data(nlmsg_hdr(m));
	e->error = error;
	memset(&e->msg, 0, sizeof(e->msg));
	if (req)
		e->msg = *req;
	if (flags & NLM_F_ACK_TLVS) {
		char buf[512];

		if (text && *text) {
			snprintf(buf, sizeof(buf), "%s", text);
			if (nla_put_string(m, NLMSGERR_ATTR_MSG, buf) < 0)
				goto err_put;
		}
		if (bad_off && nla_put_u32(m, NLMSGERR_ATTR_OFFS, bad_off) < 0)
			goto err_put;
	}
	return m;
err_put:
	nlmsg_free(m);
	return NULL;
}

/* NLMSG_DONE ending the dump answering seq. */
struct nl_msg *mgmt_msg_done(uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc_size(64);
	int *p;

	if (m == NULL)
		return NULL;
	if (nlmsg_put(m, 0, seq, NLMSG_DONE, sizeof(int), NLM_F_MULTI) == NULL) {
		nlmsg_free(m);
		return NULL;
	}
	p = nlmsg_data(nlmsg_hdr(m));
	*p = 0;
	return m;
}

/* Read an NLMSG_ERROR (see mgmt_proto.h). */
int mgmt_msg_error_parse(struct nlmsghdr *nlh, int *error, const char **text)
{
	static const struct nla_policy pol[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING, .minlen = 1 },
		[NLMSGERR_ATTR_OFFS] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t hdr;

	*text = NULL;
	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		return -EBADMSG;
	e = nlmsg_data(nlh);
	*error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG; /* TLVs announced, but not even the echoed header is there */
	/* TLVs follow the echoed request: its header only when capped. */
	hdr = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdr += e->msg.nlmsg_len > sizeof(e->msg) ? e->msg.nlmsg_len - sizeof(e->msg) : 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + hdr)
		return -EBADMSG;
	if (nlmsg_parse(nlh, (int)hdr, tb, NLMSGERR_ATTR_MAX, (struct nla_policy *)pol) < 0)
		return -EBADMSG;
	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *s = nla_data(tb[NLMSGERR_ATTR_MSG]);

		if (s[nla_len(tb[NLMSGERR_ATTR_MSG]) - 1] == '\0')
			*text = s;
	}
	return 0;
}
