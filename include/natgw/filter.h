/* natgw filtering: compiled network ACLs and security groups for one port and
 * one direction (rte_acl).
 *
 * A filter_ctx is built by the control thread from the config model
 * (filter_build), published in a config snapshot, only read by workers
 * (filter_classify_bulk, any number of workers at once, no locks), and freed
 * after no worker can still hold that snapshot. Building needs the EAL
 * (rte_acl allocates with rte_malloc); classification does not call it.
 *
 * Semantics (cloud VPC):
 *   NACL  numbered rules of the port's NACL for this direction, lowest number
 *         first, first match wins, allow or deny; no match: implicit deny.
 *         The rule's CIDR is the packet's source (ingress) or destination
 *         (egress). A port without a NACL allows everything.
 *   SG    union of the allow rules of the port's groups for this direction.
 *         The peer (a CIDR, any prefix of a prefix list, or the members of
 *         another group as /32s) is the packet's source (ingress) or
 *         destination (egress). A port without groups is not filtered.
 *   L4    proto 0 = every protocol (ports ignored); TCP/UDP rules match the
 *         destination port range; ICMP rules match type and code (-1 = any);
 *         other protocols match on protocol only.
 * State (replies of allowed flows) is the session table's job, not this one.
 *
 * Counters: classification returns, per packet, the slot of the rule that
 * decided; each worker owns a struct filter_counters and adds the results to
 * it (filter_counters_add), so no counter is shared between workers. Slots
 * map back to config rules with filter_nacl_slot_rule / filter_sg_slot_rule.
 */
#ifndef NATGW_FILTER_H
#define NATGW_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "natgw/config.h"

/* Classification key: exactly the rte_acl input layout (16 bytes).
 * Addresses and ports in network byte order. For ICMP the "port" fields carry
 * type and code (the rule compiler maps ICMP type to the source-port range and
 * code to the destination-port range); use the setters below so padding is
 * zero. For protocols without ports (or non-first fragments) ports are 0. */
struct filter_pkt {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src; /* network order */
	uint32_t dst; /* network order */
	union {
		struct {
			uint16_t sport; /* network order */
			uint16_t dport; /* network order */
		};
		struct {
			uint8_t icmp_type_hi; /* 0 */
			uint8_t icmp_type;
			uint8_t icmp_code_hi; /* 0 */
			uint8_t icmp_code;
		};
	};
};

/* NACL outcome for one packet. */
enum filter_nacl_verdict {
	FILTER_NACL_NONE = 0,      /* port has no NACL: allowed */
	FILTER_NACL_ALLOW,         /* rule nacl_slot (number nacl_number) allows */
	FILTER_NACL_DENY,          /* rule nacl_slot (number nacl_number) denies */
	FILTER_NACL_IMPLICIT_DENY, /* no rule matched */
};

/* Security-group outcome for one packet. */
enum filter_sg_verdict {
	FILTER_SG_NONE = 0, /* port has no groups: allowed */
	FILTER_SG_ALLOW,    /* rule sg_slot allows (first matching slot) */
	FILTER_SG_NO_MATCH, /* groups present, no rule matched: denied */
};

#define FILTER_SLOT_NONE UINT32_MAX

struct filter_result {
	uint32_t nacl_slot;   /* FILTER_SLOT_NONE unless NACL_ALLOW/NACL_DENY */
	uint32_t sg_slot;     /* FILTER_SLOT_NONE unless SG_ALLOW */
	uint16_t nacl_number; /* number of the deciding NACL rule, 0 if none */
	uint8_t nacl;         /* enum filter_nacl_verdict */
	uint8_t sg;           /* enum filter_sg_verdict */
};

/* Per-worker hit counters for one filter_ctx (filter_counters_init). */
struct filter_counters {
	uint64_t *nacl_hits;          /* [n_nacl] per NACL slot */
	uint64_t *sg_hits;            /* [n_sg] per SG slot */
	uint32_t n_nacl, n_sg;
	uint64_t nacl_implicit_deny;  /* drops: no NACL rule matched */
	uint64_t sg_no_match;         /* drops (new flows): no group rule matched */
};

struct filter_ctx;

/* Compile port `port`'s NACL and groups for direction dir. name (<= 29 chars)
 * names the rte_acl contexts ("<name>.n", "<name>.s") and must be unique
 * among live contexts. 0, -EINVAL (bad reference, range or duplicate NACL
 * number), -EEXIST (name in use), -ENAMETOOLONG, -ENOMEM or another -errno. */
int filter_build(const struct natgw_config *cfg, unsigned port, enum natgw_filter_dir dir,
		 const char *name, struct filter_ctx **out);

/* Free a context built by filter_build. NULL is fine. */
void filter_free(struct filter_ctx *ctx);

/* Classify n packets; res[i] is the verdict of pkts[i]. Lock-free, read-only. */
void filter_classify_bulk(const struct filter_ctx *ctx, const struct filter_pkt *const *pkts,
			  unsigned n, struct filter_result *res);

/* What filter_classify_parts evaluates. */
#define FILTER_PART_NACL 0x1
#define FILTER_PART_SG 0x2
#define FILTER_PART_ALL (FILTER_PART_NACL | FILTER_PART_SG)

/* filter_classify_bulk for some parts only; the parts not evaluated are
 * reported as FILTER_NACL_NONE / FILTER_SG_NONE (no counter moves for them).
 * The packet path evaluates groups only for packets without a session. */
void filter_classify_parts(const struct filter_ctx *ctx, const struct filter_pkt *const *pkts,
			   unsigned n, struct filter_result *res, unsigned parts);

/* Does the port have a NACL / groups in this context's direction? */
bool filter_has_nacl(const struct filter_ctx *ctx);
bool filter_has_sg(const struct filter_ctx *ctx);

/* Number of NACL slots (the port's NACL rules for the direction, by number). */
uint32_t filter_nacl_rule_count(const struct filter_ctx *ctx);

/* Number of SG slots (rules of the port's groups for the direction). */
uint32_t filter_sg_rule_count(const struct filter_ctx *ctx);

/* Index in cfg->nacls[port.nacl].rules of NACL slot `slot`, or -EINVAL. */
int filter_nacl_slot_rule(const struct filter_ctx *ctx, uint32_t slot);

/* Group index and rule index (in cfg->sgs[*sg].rules) of SG slot `slot`. 0 or -EINVAL. */
int filter_sg_slot_rule(const struct filter_ctx *ctx, uint32_t slot, unsigned *sg,
			unsigned *rule);

/* Allocate zeroed per-worker counters sized for ctx. 0 or -ENOMEM. */
int filter_counters_init(struct filter_counters *c, const struct filter_ctx *ctx);

/* Release counters from filter_counters_init. */
void filter_counters_free(struct filter_counters *c);

/* True when both the NACL and the groups let the packet pass. */
static inline bool filter_result_allowed(const struct filter_result *r)
{
	return (r->nacl == FILTER_NACL_NONE || r->nacl == FILTER_NACL_ALLOW) &&
	       (r->sg == FILTER_SG_NONE || r->sg == FILTER_SG_ALLOW);
}

/* Add n classification results to a worker's counters. */
static inline void filter_counters_add(struct filter_counters *c, const struct filter_result *res,
				       unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (res[i].nacl_slot < c->n_nacl)
			c->nacl_hits[res[i].nacl_slot]++;
		else if (res[i].nacl == FILTER_NACL_IMPLICIT_DENY)
			c->nacl_implicit_deny++;
		if (res[i].sg_slot < c->n_sg)
			c->sg_hits[res[i].sg_slot]++;
		else if (res[i].sg == FILTER_SG_NO_MATCH)
			c->sg_no_match++;
	}
}

/* Fill a key for a TCP/UDP/other packet (addresses and ports network order). */
static inline void filter_pkt_set(struct filter_pkt *p, uint8_t proto, uint32_t src, uint32_t dst,
				  uint16_t sport, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->src = src;
	p->dst = dst;
	p->sport = sport;
	p->dport = dport;
}

/* Fill a key for an ICMP packet (addresses network order). */
static inline void filter_pkt_set_icmp(struct filter_pkt *p, uint32_t src, uint32_t dst,
				       uint8_t type, uint8_t code)
{
	memset(p, 0, sizeof(*p));
	p->proto = 1; /* IPPROTO_ICMP */
	p->src = src;
	p->dst = dst;
	p->icmp_type = type;
	p->icmp_code = code;
}

#endif
