/* natgw management protocol: netlink-format messages over a UNIX socket.
 *
 * This header is the protocol's reference (like a kernel uapi header): the
 * framing, the commands, and every attribute with its type, in prose below.
 * src/control/mgmt_proto.c holds the matching nla_policy tables; keep the two
 * in step. The end of the file declares the server's start/stop API that the
 * daemon calls.
 *
 * ---- Transport -----------------------------------------------------------
 * A UNIX SOCK_SEQPACKET socket (path: [global] socket, default
 * /run/natgw/natgw.sock), mode 0660, group [global] socket_group. The server
 * checks the peer with SO_PEERCRED when it accepts: uid 0, or a user whose
 * primary or supplementary groups include socket_group, is served; anyone else
 * is disconnected at once (counted as "refused"). Every datagram holds one or
 * more whole netlink messages (each NLMSG_ALIGNed); a request datagram is at
 * most NATGW_MGMT_REQ_MAX bytes (larger ones are answered with -EMSGSIZE), a
 * reply datagram at most NATGW_MGMT_DGRAM_MAX bytes (clients receive with a
 * buffer that large), and no single message is larger than
 * NATGW_MGMT_MSG_MAX. Byte order is the host's (the socket is local), as in
 * netlink.
 *
 * ---- Messages ------------------------------------------------------------
 *   struct nlmsghdr     nlmsg_type = NATGW_MGMT_MSG_TYPE (requests, replies,
 *                       events), NLMSG_ERROR or NLMSG_DONE;
 *                       nlmsg_seq chosen by the client and echoed in replies
 *                       (events carry 0); nlmsg_pid unused (0).
 *   struct natgw_mgmt_hdr   cmd (enum natgw_mgmt_cmd), version
 *                       (NATGW_MGMT_VERSION; another value is refused),
 *                       reserved (0).
 *   attributes          struct nlattr TLVs (4-byte aligned). The top level
 *                       uses enum natgw_mgmt_attr; nested attributes use the
 *                       enum named with the attribute.
 *
 * Validation (server side, every request; clients validate replies the same
 * way): the message must be complete, the family header present, the command
 * known and a request command, each attribute allowed for the command and of
 * the exact type and length documented, each nest valid recursively, no
 * attribute repeated unless documented as a list ("list" below), no trailing
 * bytes. Strings carry their terminating NUL. A failure is an NLMSG_ERROR with
 * -EINVAL (or -EOPNOTSUPP for an unknown command, -EPROTO for a wrong
 * version) and a message naming the attribute.
 *
 * ---- Replies -------------------------------------------------------------
 * - "do" commands (add, delete, set, reset, reload, count, flush): when the
 *   command returns data (COUNT, FLUSH) one reply message with the same cmd
 *   comes first; then, when the request had NLM_F_ACK, an NLMSG_ERROR with
 *   error 0 (the ACK). Failures are always answered, ACK or not.
 * - "dump" commands (every *_GET, CONFIG_DUMP): always answered as a dump,
 *   with or without NLM_F_DUMP: zero or more messages with NLM_F_MULTI and the
 *   request's cmd, then NLMSG_DONE (payload: int 0). A dump that fails midway
 *   ends with an NLMSG_ERROR instead of NLMSG_DONE. Dumps are produced in
 *   chunks while the client reads (a slow client slows only itself); objects
 *   that change between chunks may be seen in either state.
 * - Errors: NLMSG_ERROR, payload struct nlmsgerr { error = -errno; the
 *   request's nlmsghdr (capped: NLM_F_CAPPED) }, followed, with NLM_F_ACK_TLVS
 *   set, by NLMSGERR_ATTR_MSG (string: a one-line human-readable message) and,
 *   for a rejected attribute, NLMSGERR_ATTR_OFFS (u32: its byte offset in the
 *   request message), as the kernel's extended ACK.
 * - Events (after EVENTS_SUBSCRIBE): messages with cmd MGMT_CMD_EVENT,
 *   nlmsg_seq 0, interleaved with replies; see MGMT_CMD_EVENT.
 *
 * ---- Commands (request attributes; "req" required, "opt" optional) -------
 * PORT_GET        dump. opt NAME (one port). One message per port: PORT.
 * NEIGH_GET       dump. One message per neighbour: NEIGH.
 * NEIGH_ADD       req NEIGH (ADDR, MAC, PORT): a static neighbour ([neighbours]
 *                 of the configuration). ADDR must be in PORT's subnet and
 *                 not PORT's own address; MAC unicast and not all zeros.
 *                 One entry per (ADDR, PORT): -EEXIST when it is configured
 *                 already (no replace: delete it first). -ENODEV for an
 *                 unknown PORT. The daemon installs it in every worker's
 *                 table; it shows in NEIGH_GET (STATE 2) and CONFIG_DUMP.
 * NEIGH_DEL       req NEIGH (ADDR, PORT). -ESRCH when no static neighbour
 *                 (ADDR, PORT) is configured (learnt entries are not
 *                 deleted this way: they expire).
 * ROUTE_GET       dump. opt TABLE (default: every table). One message per
 *                 route: TABLE, ROUTE (with DEV for routes that have a port).
 * ROUTE_ADD       req ROUTE (list: several routes applied as one change),
 *                 opt TABLE (default "main"). ROUTE needs PREFIX, LEN and
 *                 TYPE gateway (GATEWAY, opt DEV: default the port whose
 *                 subnet holds the gateway), dev (DEV) or blackhole. -EEXIST
 *                 when the table has a route for that prefix/len.
 * ROUTE_REPLACE   as ROUTE_ADD; replaces a route with the same prefix/len or
 *                 adds it.
 * ROUTE_DEL       req ROUTE (list; PREFIX and LEN only), opt TABLE. -ESRCH
 *                 when absent; connected routes cannot be deleted (-EPERM).
 * NAT_GET         dump (one message): NAT, TIMEOUTS. Without [nat]: NAT with
 *                 ENABLED 0 only.
 * NAT_TIMEOUTS_SET  req TIMEOUTS (at least one member; seconds 1..604800).
 * NAT_FORWARD_GET dump. One message per port-forward: FORWARD.
 * NAT_FORWARD_ADD req FORWARD (all members). -EEXIST when the (proto, public
 *                 address, public port) is forwarded already.
 * NAT_FORWARD_DEL req FORWARD (PROTO, PUBLIC_ADDR, PUBLIC_PORT). -ESRCH.
 * NAT_SESSION_GET dump. opt FILTER, LIMIT (default 65536, at most 1048576).
 *                 First message: COUNT (sessions matching), TRUNCATED (flag,
 *                 when more matched than LIMIT); then one message per
 *                 session: SESSION.
 * NAT_SESSION_COUNT  opt FILTER. Reply: COUNT.
 * NAT_SESSION_FLUSH  opt FILTER (absent: every session). Reply: COUNT
 *                 (sessions deleted).
 * SG_GET          dump. opt NAME. Per group: one message with NAME and SG
 *                 (header), then one per rule (NAME, SG_RULE with INDEX and
 *                 HITS), then one per member (NAME, MEMBER).
 * SG_RULE_ADD     req NAME, SG_RULE (DIR, PROTO, peer: PEER_KIND with CIDR+
 *                 CIDR_LEN or PEER_NAME; opt PORT_LO/PORT_HI (default any),
 *                 ICMP_TYPE/ICMP_CODE (default any)). The server names the
 *                 rule "rule.N" (N: one more than the highest). -EEXIST for
 *                 the same rule twice.
 * SG_RULE_DEL     req NAME, SG_RULE: either KEY alone ("rule.3") or the rule's
 *                 match as for SG_RULE_ADD. -ESRCH.
 * SG_MEMBER_ADD   req NAME, MEMBER. -EEXIST.
 * SG_MEMBER_DEL   req NAME, MEMBER. -ESRCH.
 * PL_GET          dump. opt NAME. Per list: NAME + PL, then one message per
 *                 prefix: NAME + PREFIX.
 * PL_PREFIX_ADD   req NAME, PREFIX. -EEXIST.   PL_PREFIX_DEL: -ESRCH.
 * NACL_GET        dump. opt NAME. Per NACL: NAME + NACL, then one message per
 *                 rule in (direction, number) order: NAME + NACL_RULE (HITS).
 * NACL_RULE_ADD   req NAME, NACL_RULE (NUMBER, DIR, ACTION, PROTO, CIDR,
 *                 CIDR_LEN; opt ports/ICMP as SG rules, OTHER_CIDR +
 *                 OTHER_LEN). -EEXIST for a used (direction, number).
 * NACL_RULE_DEL   req NAME, NACL_RULE (NUMBER, DIR). -ESRCH.
 * COUNTERS_GET    dump. opt PER_WORKER (one set per worker instead of the
 *                 sum), WORKER (that worker only). Messages: opt WORKER (absent:
 *                 sum over workers), NAME (counter group: "drop", "gen",
 *                 "nat", "worker", "port NAME"), COUNTERS. The last message
 *                 (without WORKER) carries SERVER (this socket's own counters)
 *                 and N_WORKERS.
 * COUNTERS_RESET  no attributes.
 * CONFIG_DUMP     dump. Messages carrying CONFIG_TEXT: consecutive pieces of
 *                 the running configuration as an INI file natgw accepts
 *                 (concatenate them).
 * CONFIG_RELOAD   opt PATH (absolute; default: the file natgw was started
 *                 with). A file that fails validation changes nothing; the
 *                 error message says why.
 * EVENTS_SUBSCRIBE  opt EVENT_MASK (bit 1 << enum mgmt_event_kind; absent:
 *                 every kind; 0: unsubscribe). Replaces the connection's
 *                 subscription; ACKed like a do command. The server itself
 *                 reports ROUTE_CHANGED / CONFIG_CHANGED for changes made
 *                 through the socket; other events come from the daemon.
 * EVENT           server -> client only: EVENT.
 *
 * ---- Attributes ----------------------------------------------------------
 * Top level (enum natgw_mgmt_attr):
 *   TABLE string, ROUTE nest(route), PORT nest(port), NEIGH nest(neigh),
 *   NAT nest(nat), TIMEOUTS nest(timeouts), FORWARD nest(forward),
 *   FILTER nest(sfilter), SESSION nest(session), COUNT u64, LIMIT u32,
 *   NAME string (1..31 chars), SG nest(sg), SG_RULE nest(rule),
 *   MEMBER u32 (address), PL nest(pl), PREFIX nest(prefix), NACL nest(nacl),
 *   NACL_RULE nest(rule), WORKER u32, PER_WORKER flag, COUNTERS nest(ctrs),
 *   CONFIG_TEXT binary (1..NATGW_MGMT_TEXT_CHUNK bytes), PATH string,
 *   EVENT nest(event), EVENT_MASK u32, TRUNCATED flag, SERVER nest(server),
 *   N_WORKERS u32.
 * Addresses are u32 in host byte order; prefix lengths u8 0..32; ports u16.
 *
 * route (MGMT_ROUTE_A_*): PREFIX u32 (host bits zero), LEN u8, TYPE u8 (enum
 *   natgw_route_type), GATEWAY u32, DEV string (port name).
 * port (MGMT_PORT_A_*): NAME string, INDEX u32, DRIVER string, MAC binary(6),
 *   LINK u8 (0 down, 1 up, 2 unknown), SPEED u32 (Mb/s, 0 unknown), RXQ u16,
 *   TXQ u16, OFFLOADS u32 (MGMT_PORT_OFF_* bits), ADDR u32, PLEN u8, MTU u16,
 *   TABLE string, NACL string (absent: none), SG string (list: the port's
 *   groups), RX_PACKETS, RX_BYTES, TX_PACKETS, TX_BYTES, FORWARDED,
 *   FRAGMENTS_OUT u64 (sums over workers), RSS string (how receive-side
 *   scaling was set up: the key and RETA read back, or software steering).
 * neigh (MGMT_NEIGH_A_*): ADDR u32, MAC binary(6), PORT string, STATE u8
 *   (0 incomplete, 1 reachable, 2 static), AGE u32 (seconds); STATE and AGE
 *   are reply-only (NEIGH_ADD / NEIGH_DEL refuse them, NEIGH_DEL a MAC too).
 * nat (MGMT_NAT_A_*): ENABLED u8, PORT string, POOL u32 (list), INSIDE
 *   nest(prefix) (list), PORT_MIN u16, PORT_MAX u16, MAPPING u8 (enum
 *   natgw_nat_mapping), MAX_SESSIONS u32, MAX_PER_HOST u32, REUSE_DELAY u32,
 *   ICMP_ON_EXHAUSTION u8.
 * timeouts (MGMT_TMO_A_*): UDP, TCP_ESTABLISHED, TCP_TRANSITORY, TCP_SYN,
 *   ICMP: u32 seconds.
 * forward (MGMT_FWD_A_*): PROTO u8 (6 or 17), PUBLIC_ADDR u32, PUBLIC_PORT
 *   u16, INSIDE_ADDR u32, INSIDE_PORT u16.
 * sfilter (MGMT_SF_A_*), every member optional: PROTO u8, SRC u32 + SRC_LEN
 *   u8, DST u32 + DST_LEN u8 (LEN absent: 32), SPORT u16, DPORT u16, WORKER
 *   u32. A session matches when one of its tuples (original or reply) matches
 *   every member given.
 * session (MGMT_SESS_A_*): PROTO u8, ORIG_SRC, ORIG_DST u32, ORIG_SPORT,
 *   ORIG_DPORT u16, REPLY_SRC, REPLY_DST u32, REPLY_SPORT, REPLY_DPORT u16,
 *   FLAGS u8 (NAT_SESSION_*), TCP_STATE u8 (enum nat_tcp_state), IDLE u32,
 *   TIMEOUT u32, WORKER u16.
 * rule (MGMT_RULE_A_*, for SG_RULE and NACL_RULE): DIR u8 (enum
 *   natgw_filter_dir), PROTO u8 (0: all), PORT_LO u16, PORT_HI u16, ICMP_TYPE
 *   u8, ICMP_CODE u8 (absent: any), CIDR u32, CIDR_LEN u8; SG only:
 *   PEER_KIND u8 (enum natgw_peer_kind), PEER_NAME string (prefix list or
 *   group), KEY string; NACL only: NUMBER u16 (1..32766), ACTION u8 (1
 *   allow, 0 deny), OTHER_CIDR u32, OTHER_LEN u8; replies: INDEX u32
 *   (position in the group), HITS u64 (summed over ports and workers since
 *   that port's rule set last changed).
 * sg (MGMT_SG_A_*): N_RULES u32, N_MEMBERS u32, PORT string (list: ports
 *   using the group).
 * pl (MGMT_PL_A_*): N_PREFIXES u32.
 * prefix (MGMT_PFX_A_*): ADDR u32, LEN u8.
 * nacl (MGMT_NACL_A_*): N_RULES u32, PORT string (list).
 * ctrs (MGMT_CTRS_A_*): COUNTER nest(ctr) (list).
 * ctr (MGMT_CTR_A_*): NAME string ("ip_bad_checksum", "rx_packets", ...),
 *   VALUE u64.
 * event (MGMT_EV_A_*): KIND u8 (enum mgmt_event_kind), WORKER u16, SESSION
 *   nest(session) (session events; PORTS_EXHAUSTED: PROTO and ORIG_SRC),
 *   TEXT string (route/config changes), LOST u64 (events this connection
 *   missed since the previous event because it did not read fast enough).
 * server (MGMT_SRV_A_*): CLIENTS u32 (connected now), ACCEPTED, REFUSED,
 *   REQUESTS, ERRORS, EVENTS_DROPPED u64.
 */
#ifndef NATGW_MGMT_H
#define NATGW_MGMT_H

#include <stddef.h>
#include <stdint.h>

#include "natgw/mgmt_ops.h"

#define NATGW_MGMT_VERSION 1
#define NATGW_MGMT_MSG_TYPE 0x20      /* nlmsg_type of requests, replies and events */
#define NATGW_MGMT_REQ_MAX 16384      /* largest request datagram */
#define NATGW_MGMT_MSG_MAX 8192       /* largest single message */
#define NATGW_MGMT_DGRAM_MAX 65536    /* largest reply datagram */
#define NATGW_MGMT_TEXT_CHUNK 4096    /* CONFIG_TEXT piece */
#define NATGW_MGMT_SESSIONS_DEFAULT 65536
#define NATGW_MGMT_SESSIONS_MAX 1048576

/* The family header that follows nlmsghdr (like genlmsghdr). */
struct natgw_mgmt_hdr {
	uint8_t cmd;       /* enum natgw_mgmt_cmd */
	uint8_t version;   /* NATGW_MGMT_VERSION */
	uint16_t reserved; /* 0 */
};

enum natgw_mgmt_cmd {
	MGMT_CMD_UNSPEC = 0,
	MGMT_CMD_PORT_GET,
	MGMT_CMD_NEIGH_GET,
	MGMT_CMD_ROUTE_GET,
	MGMT_CMD_ROUTE_ADD,
	MGMT_CMD_ROUTE_REPLACE,
	MGMT_CMD_ROUTE_DEL,
	MGMT_CMD_NAT_GET,
	MGMT_CMD_NAT_TIMEOUTS_SET,
	MGMT_CMD_NAT_FORWARD_GET,
	MGMT_CMD_NAT_FORWARD_ADD,
	MGMT_CMD_NAT_FORWARD_DEL,
	MGMT_CMD_NAT_SESSION_GET,
	MGMT_CMD_NAT_SESSION_COUNT,
	MGMT_CMD_NAT_SESSION_FLUSH,
	MGMT_CMD_SG_GET,
	MGMT_CMD_SG_RULE_ADD,
	MGMT_CMD_SG_RULE_DEL,
	MGMT_CMD_SG_MEMBER_ADD,
	MGMT_CMD_SG_MEMBER_DEL,
	MGMT_CMD_PL_GET,
	MGMT_CMD_PL_PREFIX_ADD,
	MGMT_CMD_PL_PREFIX_DEL,
	MGMT_CMD_NACL_GET,
	MGMT_CMD_NACL_RULE_ADD,
	MGMT_CMD_NACL_RULE_DEL,
	MGMT_CMD_COUNTERS_GET,
	MGMT_CMD_COUNTERS_RESET,
	MGMT_CMD_CONFIG_DUMP,
	MGMT_CMD_CONFIG_RELOAD,
	MGMT_CMD_EVENTS_SUBSCRIBE,
	MGMT_CMD_EVENT,
	MGMT_CMD_NEIGH_ADD,    /* added after EVENT: earlier numbers are kept */
	MGMT_CMD_NEIGH_DEL,
	MGMT_CMD_MAX_PLUS1
};
#define MGMT_CMD_MAX (MGMT_CMD_MAX_PLUS1 - 1)

enum natgw_mgmt_attr {
	MGMT_A_UNSPEC = 0,
	MGMT_A_TABLE,
	MGMT_A_ROUTE,
	MGMT_A_PORT,
	MGMT_A_NEIGH,
	MGMT_A_NAT,
	MGMT_A_TIMEOUTS,
	MGMT_A_FORWARD,
	MGMT_A_FILTER,
	MGMT_A_SESSION,
	MGMT_A_COUNT,
	MGMT_A_LIMIT,
	MGMT_A_NAME,
	MGMT_A_SG,
	MGMT_A_SG_RULE,
	MGMT_A_MEMBER,
	MGMT_A_PL,
	MGMT_A_PREFIX,
	MGMT_A_NACL,
	MGMT_A_NACL_RULE,
	MGMT_A_WORKER,
	MGMT_A_PER_WORKER,
	MGMT_A_COUNTERS,
	MGMT_A_CONFIG_TEXT,
	MGMT_A_PATH,
	MGMT_A_EVENT,
	MGMT_A_EVENT_MASK,
	MGMT_A_TRUNCATED,
	MGMT_A_SERVER,
	MGMT_A_N_WORKERS,
	MGMT_A_MAX_PLUS1
};
#define MGMT_A_MAX (MGMT_A_MAX_PLUS1 - 1)

enum { MGMT_ROUTE_A_UNSPEC, MGMT_ROUTE_A_PREFIX, MGMT_ROUTE_A_LEN, MGMT_ROUTE_A_TYPE,
       MGMT_ROUTE_A_GATEWAY, MGMT_ROUTE_A_DEV, MGMT_ROUTE_A_MAX_PLUS1 };
#define MGMT_ROUTE_A_MAX (MGMT_ROUTE_A_MAX_PLUS1 - 1)

enum { MGMT_PORT_A_UNSPEC, MGMT_PORT_A_NAME, MGMT_PORT_A_INDEX, MGMT_PORT_A_DRIVER,
       MGMT_PORT_A_MAC, MGMT_PORT_A_LINK, MGMT_PORT_A_SPEED, MGMT_PORT_A_RXQ,
       MGMT_PORT_A_TXQ, MGMT_PORT_A_OFFLOADS, MGMT_PORT_A_ADDR, MGMT_PORT_A_PLEN,
       MGMT_PORT_A_MTU, MGMT_PORT_A_TABLE, MGMT_PORT_A_NACL, MGMT_PORT_A_SG,
       MGMT_PORT_A_RX_PACKETS, MGMT_PORT_A_RX_BYTES, MGMT_PORT_A_TX_PACKETS,
       MGMT_PORT_A_TX_BYTES, MGMT_PORT_A_FORWARDED, MGMT_PORT_A_FRAGMENTS_OUT,
       MGMT_PORT_A_RSS, MGMT_PORT_A_MAX_PLUS1 };
#define MGMT_PORT_A_MAX (MGMT_PORT_A_MAX_PLUS1 - 1)

/* MGMT_PORT_A_OFFLOADS bits. */
#define MGMT_PORT_OFF_RSS 0x1
#define MGMT_PORT_OFF_RX_CSUM 0x2
#define MGMT_PORT_OFF_TX_IP_CSUM 0x4
#define MGMT_PORT_OFF_TX_L4_CSUM 0x8
#define MGMT_PORT_OFF_RSS_VIEW 0x10 /* RSS key and RETA read back: the NAT
				      allocator predicts reply queues */

enum { MGMT_NEIGH_A_UNSPEC, MGMT_NEIGH_A_ADDR, MGMT_NEIGH_A_MAC, MGMT_NEIGH_A_PORT,
       MGMT_NEIGH_A_STATE, MGMT_NEIGH_A_AGE, MGMT_NEIGH_A_MAX_PLUS1 };
#define MGMT_NEIGH_A_MAX (MGMT_NEIGH_A_MAX_PLUS1 - 1)

enum { MGMT_NAT_A_UNSPEC, MGMT_NAT_A_ENABLED, MGMT_NAT_A_PORT, MGMT_NAT_A_POOL,
       MGMT_NAT_A_INSIDE, MGMT_NAT_A_PORT_MIN, MGMT_NAT_A_PORT_MAX, MGMT_NAT_A_MAPPING,
       MGMT_NAT_A_MAX_SESSIONS, MGMT_NAT_A_MAX_PER_HOST, MGMT_NAT_A_REUSE_DELAY,
       MGMT_NAT_A_ICMP_ON_EXHAUSTION, MGMT_NAT_A_MAX_PLUS1 };
#define MGMT_NAT_A_MAX (MGMT_NAT_A_MAX_PLUS1 - 1)

enum { MGMT_TMO_A_UNSPEC, MGMT_TMO_A_UDP, MGMT_TMO_A_TCP_ESTABLISHED,
       MGMT_TMO_A_TCP_TRANSITORY, MGMT_TMO_A_TCP_SYN, MGMT_TMO_A_ICMP, MGMT_TMO_A_MAX_PLUS1 };
#define MGMT_TMO_A_MAX (MGMT_TMO_A_MAX_PLUS1 - 1)

enum { MGMT_FWD_A_UNSPEC, MGMT_FWD_A_PROTO, MGMT_FWD_A_PUBLIC_ADDR, MGMT_FWD_A_PUBLIC_PORT,
       MGMT_FWD_A_INSIDE_ADDR, MGMT_FWD_A_INSIDE_PORT, MGMT_FWD_A_MAX_PLUS1 };
#define MGMT_FWD_A_MAX (MGMT_FWD_A_MAX_PLUS1 - 1)

enum { MGMT_SF_A_UNSPEC, MGMT_SF_A_PROTO, MGMT_SF_A_SRC, MGMT_SF_A_SRC_LEN, MGMT_SF_A_DST,
       MGMT_SF_A_DST_LEN, MGMT_SF_A_SPORT, MGMT_SF_A_DPORT, MGMT_SF_A_WORKER,
       MGMT_SF_A_MAX_PLUS1 };
#define MGMT_SF_A_MAX (MGMT_SF_A_MAX_PLUS1 - 1)

enum { MGMT_SESS_A_UNSPEC, MGMT_SESS_A_PROTO, MGMT_SESS_A_ORIG_SRC, MGMT_SESS_A_ORIG_DST,
       MGMT_SESS_A_ORIG_SPORT, MGMT_SESS_A_ORIG_DPORT, MGMT_SESS_A_REPLY_SRC,
       MGMT_SESS_A_REPLY_DST, MGMT_SESS_A_REPLY_SPORT, MGMT_SESS_A_REPLY_DPORT,
       MGMT_SESS_A_FLAGS, MGMT_SESS_A_TCP_STATE, MGMT_SESS_A_IDLE, MGMT_SESS_A_TIMEOUT,
       MGMT_SESS_A_WORKER, MGMT_SESS_A_MAX_PLUS1 };
#define MGMT_SESS_A_MAX (MGMT_SESS_A_MAX_PLUS1 - 1)

enum { MGMT_RULE_A_UNSPEC, MGMT_RULE_A_DIR, MGMT_RULE_A_PROTO, MGMT_RULE_A_PORT_LO,
       MGMT_RULE_A_PORT_HI, MGMT_RULE_A_ICMP_TYPE, MGMT_RULE_A_ICMP_CODE, MGMT_RULE_A_CIDR,
       MGMT_RULE_A_CIDR_LEN, MGMT_RULE_A_PEER_KIND, MGMT_RULE_A_PEER_NAME, MGMT_RULE_A_KEY,
       MGMT_RULE_A_NUMBER, MGMT_RULE_A_ACTION, MGMT_RULE_A_OTHER_CIDR, MGMT_RULE_A_OTHER_LEN,
       MGMT_RULE_A_INDEX, MGMT_RULE_A_HITS, MGMT_RULE_A_MAX_PLUS1 };
#define MGMT_RULE_A_MAX (MGMT_RULE_A_MAX_PLUS1 - 1)

enum { MGMT_SG_A_UNSPEC, MGMT_SG_A_N_RULES, MGMT_SG_A_N_MEMBERS, MGMT_SG_A_PORT,
       MGMT_SG_A_MAX_PLUS1 };
#define MGMT_SG_A_MAX (MGMT_SG_A_MAX_PLUS1 - 1)

enum { MGMT_PL_A_UNSPEC, MGMT_PL_A_N_PREFIXES, MGMT_PL_A_MAX_PLUS1 };
#define MGMT_PL_A_MAX (MGMT_PL_A_MAX_PLUS1 - 1)

enum { MGMT_PFX_A_UNSPEC, MGMT_PFX_A_ADDR, MGMT_PFX_A_LEN, MGMT_PFX_A_MAX_PLUS1 };
#define MGMT_PFX_A_MAX (MGMT_PFX_A_MAX_PLUS1 - 1)

enum { MGMT_NACL_A_UNSPEC, MGMT_NACL_A_N_RULES, MGMT_NACL_A_PORT, MGMT_NACL_A_MAX_PLUS1 };
#define MGMT_NACL_A_MAX (MGMT_NACL_A_MAX_PLUS1 - 1)

enum { MGMT_CTRS_A_UNSPEC, MGMT_CTRS_A_COUNTER, MGMT_CTRS_A_MAX_PLUS1 };
#define MGMT_CTRS_A_MAX (MGMT_CTRS_A_MAX_PLUS1 - 1)

enum { MGMT_CTR_A_UNSPEC, MGMT_CTR_A_NAME, MGMT_CTR_A_VALUE, MGMT_CTR_A_MAX_PLUS1 };
#define MGMT_CTR_A_MAX (MGMT_CTR_A_MAX_PLUS1 - 1)

enum { MGMT_EV_A_UNSPEC, MGMT_EV_A_KIND, MGMT_EV_A_WORKER, MGMT_EV_A_SESSION, MGMT_EV_A_TEXT,
       MGMT_EV_A_LOST, MGMT_EV_A_MAX_PLUS1 };
#define MGMT_EV_A_MAX (MGMT_EV_A_MAX_PLUS1 - 1)

enum { MGMT_SRV_A_UNSPEC, MGMT_SRV_A_CLIENTS, MGMT_SRV_A_ACCEPTED, MGMT_SRV_A_REFUSED,
       MGMT_SRV_A_REQUESTS, MGMT_SRV_A_ERRORS, MGMT_SRV_A_EVENTS_DROPPED,
       MGMT_SRV_A_MAX_PLUS1 };
#define MGMT_SRV_A_MAX (MGMT_SRV_A_MAX_PLUS1 - 1)

/* ---- Server (daemon side) ------------------------------------------------- */

struct mgmt_server;

/* The server's own counters (also sent as MGMT_A_SERVER). */
struct mgmt_server_stats {
	uint32_t clients;         /* connected now */
	uint64_t accepted;        /* connections served */
	uint64_t refused;         /* connections closed by the SO_PEERCRED check */
	uint64_t requests;        /* messages decoded */
	uint64_t errors;          /* NLMSG_ERROR replies with error != 0 */
	uint64_t events_dropped;  /* events not delivered to a slow subscriber */
};

/* Create the socket at path (mode 0660, group ownership group: a name or a
 * number; NULL or "": root only), start the server thread. The server calls
 * ops from that thread only. 0, or -errno with a message in err. */
int mgmt_server_start(const char *path, const char *group, const struct mgmt_ops *ops,
		      struct mgmt_server **out, char *err, size_t len);

/* Stop the thread, close every connection, remove the socket. NULL is a no-op. */
void mgmt_server_stop(struct mgmt_server *s);

/* Copy of the server's counters (any thread; values read racily). */
void mgmt_server_stats_get(const struct mgmt_server *s, struct mgmt_server_stats *out);

#endif
