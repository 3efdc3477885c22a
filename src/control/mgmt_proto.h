/* Management protocol codec (private to src/control, src/cli and tests).
 *
 * mgmt_proto.c: the attribute sets and per-command rules of include/natgw/mgmt.h
 * as tables, message validation (every request and reply goes through
 * mgmt_msg_parse) and the generic builders (request, reply, error, ACK, done).
 * mgmt_codec.c: conversions between the config model's structs and their
 * nests, shared by the server handlers and natgwctl.
 * Nothing here keeps state besides the libnl policies built once; nothing
 * prints.
 */
#ifndef NATGW_CONTROL_MGMT_PROTO_H
#define NATGW_CONTROL_MGMT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "natgw/config.h"
#include "natgw/mgmt.h"
#include "natgw/mgmt_ops.h"

/* Attribute sets (the nests of mgmt.h). */
enum mgmt_set {
	MGMT_SET_TOP = 0,
	MGMT_SET_ROUTE,
	MGMT_SET_PORT,
	MGMT_SET_NEIGH,
	MGMT_SET_NAT,
	MGMT_SET_TIMEOUTS,
	MGMT_SET_FORWARD,
	MGMT_SET_SFILTER,
	MGMT_SET_SESSION,
	MGMT_SET_RULE,
	MGMT_SET_SG,
	MGMT_SET_PL,
	MGMT_SET_PREFIX,
	MGMT_SET_NACL,
	MGMT_SET_CTRS,
	MGMT_SET_CTR,
	MGMT_SET_EVENT,
	MGMT_SET_SERVER,
	MGMT_SET_COUNT
};

#define MGMT_SET_MAXTYPE 32 /* no set has more attribute types */

/* A decoded, validated message. tb[] points into the message. */
struct mgmt_msg {
	struct nlmsghdr *nlh;
	uint8_t cmd;
	struct nlattr *tb[MGMT_A_MAX + 1];
	uint32_t bad_off; /* offset of a rejected attribute in the message; 0: none */
};

/* Name of a command ("ROUTE_ADD"), or "?" */
const char *mgmt_cmd_name(unsigned cmd);

/* Command number for a name (case-insensitive), or -1. */
int mgmt_cmd_lookup(const char *name);

/* True for commands answered as a dump. */
bool mgmt_cmd_is_dump(unsigned cmd);

/* Name of attribute type in set ("ROUTE.GATEWAY" style is built by callers). */
const char *mgmt_attr_name(enum mgmt_set set, unsigned type);

/* Validate one message of type NATGW_MGMT_MSG_TYPE: length, family header,
 * version, command (request: a command clients may send), every attribute
 * (allowed for the command when request, type, length, nests recursively,
 * repeats) and the command's required attributes. Fills m. 0, or -EINVAL /
 * -EOPNOTSUPP / -EPROTO with a message in err (m->bad_off set when an
 * attribute is at fault). */
int mgmt_msg_parse(struct nlmsghdr *nlh, bool request, struct mgmt_msg *m, char *err, size_t len);

/* tb[] of a nest already validated by mgmt_msg_parse. 0 or -EINVAL. */
int mgmt_nest_parse(const struct nlattr *nest, enum mgmt_set set, struct nlattr **tb);

/* Next message of a datagram buf[0..len) at *off: 1 with *out set and *off
 * advanced, 0 at the end, -EBADMSG (message in err) for a bad length. */
int mgmt_dgram_next(void *buf, size_t len, size_t *off, struct nlmsghdr **out, char *err,
		    size_t errlen);

/* New message: nlmsghdr (NATGW_MGMT_MSG_TYPE, flags, seq) + family header
 * (cmd, NATGW_MGMT_VERSION), room for NATGW_MGMT_MSG_MAX bytes. NULL: no memory. */
struct nl_msg *mgmt_msg_new(uint8_t cmd, uint16_t flags, uint32_t seq);

/* NLMSG_ERROR answering req (NULL: a request that could not be read; seq 0):
 * error (0: ACK, else -errno), text (NULL/"": none), bad_off (0: none). */
struct nl_msg *mgmt_msg_error(const struct nlmsghdr *req, int error, const char *text,
			      uint32_t bad_off);

/* NLMSG_DONE ending the dump answering seq. */
struct nl_msg *mgmt_msg_done(uint32_t seq);

/* Read an NLMSG_ERROR: error (0 for an ACK) and the message text (NULL:
 * none; points into nlh). 0, or -EBADMSG when malformed. */
int mgmt_msg_error_parse(struct nlmsghdr *nlh, int *error, const char **text);

/* ---- model <-> nests (mgmt_codec.c). Decoders return a bitmask of the
 * attribute types present (bit 1u << type) and fill what is present. ---- */

/* Put a nest of type attr holding r (dev: port name or NULL). */
int mgmt_route_put(struct nl_msg *m, int attr, const struct natgw_route *r, const char *dev);
uint32_t mgmt_route_decode(const struct nlattr *nest, struct natgw_route *r, char *dev, size_t devlen);

int mgmt_prefix_put(struct nl_msg *m, int attr, uint32_t addr, uint8_t len);
uint32_t mgmt_prefix_decode(const struct nlattr *nest, uint32_t *addr, uint8_t *len);

int mgmt_forward_put(struct nl_msg *m, const struct natgw_port_forward *f);
uint32_t mgmt_forward_decode(const struct nlattr *nest, struct natgw_port_forward *f);

/* Timeouts: five seconds values in the order of MGMT_TMO_A_* (index type-1). */
int mgmt_timeouts_put(struct nl_msg *m, const struct natgw_nat_config *n);
uint32_t mgmt_timeouts_decode(const struct nlattr *nest, uint32_t v[5]);

int mgmt_sfilter_put(struct nl_msg *m, const struct mgmt_session_filter *f);
/* Fills every field (absent: any; worker -1). */
uint32_t mgmt_sfilter_decode(const struct nlattr *nest, struct mgmt_session_filter *f);

int mgmt_session_put(struct nl_msg *m, int attr, const struct mgmt_session *s);
uint32_t mgmt_session_decode(const struct nlattr *nest, struct mgmt_session *s);

/* Security-group rule: peer_name for PREFIX_LIST / SG peers; key may be NULL;
 * index/hits put when have_stats. */
int mgmt_sg_rule_put(struct nl_msg *m, const struct natgw_sg_rule *r, const char *peer_name,
		     bool have_stats, uint32_t index, uint64_t hits);
uint32_t mgmt_sg_rule_decode(const struct nlattr *nest, struct natgw_sg_rule *r, char *peer_name,
			     size_t peer_len, uint32_t *index, uint64_t *hits);

int mgmt_nacl_rule_put(struct nl_msg *m, const struct natgw_nacl_rule *r, bool have_hits,
		       uint64_t hits);
uint32_t mgmt_nacl_rule_decode(const struct nlattr *nest, struct natgw_nacl_rule *r, uint64_t *hits);

int mgmt_event_put(struct nl_msg *m, const struct mgmt_event *e, uint64_t lost);
uint32_t mgmt_event_decode(const struct nlattr *nest, struct mgmt_event *e, uint64_t *lost);

#define MGMT_HAS(mask, type) (((mask) >> (type)) & 1u)

#endif
