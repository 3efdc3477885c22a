/* natgw NAT stage internals: what nat_stage.c, nat_tcp.c, nat_translate.c and
 * nat_icmp.c share (private to src/core; the public API is natgw/nat.h).
 *
 * Overview:
 *   nat_tcp.c        TCP state machine of a session (RFC 5382 / 7857)
 *   nat_translate.c  header rewrite of a packet matching a session, with
 *                    RFC 1624 incremental checksums (IP, TCP, UDP, ICMP echo)
 *   nat_icmp.c       ICMP error translation (RFC 5508): outer and inner headers
 *   nat_stage.c      the pipeline hooks (prerouting, postrouting, timer)
 * Life-cycle: all stateless except through the sessions they are given.
 * Who: the worker owning the packets and the sessions.
 */
#ifndef NATGW_NAT_STAGE_INTERNAL_H
#define NATGW_NAT_STAGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_mbuf.h>

#include "natgw/nat.h"
#include "natgw/pipeline.h"

#define NAT_ICMP_ECHO_REPLY 0
#define NAT_ICMP_ECHO_REQUEST 8

/* ---- unaligned network-order field access (packets are only 2-byte aligned) ---- */

/* Read a 16-bit field as stored (network order). */
static inline uint16_t nat_ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Write a 16-bit field as stored (network order). */
static inline void nat_st16(void *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Read a 32-bit field as stored (network order). */
static inline uint32_t nat_ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Write a 32-bit field as stored (network order). */
static inline void nat_st32(void *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- keys ---- */

/* True for the ICMP error types NAT translates (RFC 5508 section 4). */
static inline bool nat_icmp_type_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Fill a key from addresses/ports/proto; ICMP echo puts the id in sport
 * (request) or dport (reply). Returns false for ICMP other than echo. */
static inline bool nat_key_make(struct nat_key *k, uint8_t proto, uint32_t saddr,
				uint32_t daddr, uint16_t sport, uint16_t dport, uint8_t icmp_type)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->saddr = saddr;
	k->daddr = daddr;
	if (proto == IPPROTO_ICMP) {
		if (icmp_type == NAT_ICMP_ECHO_REQUEST)
			k->sport = sport;
		else if (icmp_type == NAT_ICMP_ECHO_REPLY)
			k->dport = sport;
		else
			return false;
		return true;
	}
	k->sport = sport;
	k->dport = dport;
	return true;
}

/* Fill k from its fields with two 64-bit stores and return its words in
 * w[] (for nat_hash_words). A key built with narrow stores (memset, then
 * field by field) and read back at once as words stalls the CPU's store
 * forwarding on every packet; this builds the words in registers. */
static inline void nat_key_pack(struct nat_key *k, uint8_t proto, uint32_t saddr,
				uint32_t daddr, uint16_t sport, uint16_t dport, uint64_t w[2])
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w[0] = (uint64_t)saddr | (uint64_t)daddr << 32;
	w[1] = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)proto << 32;
#else
	w[0] = (uint64_t)saddr << 32 | (uint64_t)daddr;
	w[1] = (uint64_t)sport << 48 | (uint64_t)dport << 32 | (uint64_t)proto << 24;
#endif
	memcpy(k, &w[0], 8);
	memcpy((uint8_t *)k + 8, &w[1], 8);
}

/* The key a packet of session s in direction dir is rewritten to: the other
 * direction's tuple with source and destination swapped. */
static inline void nat_key_target(const struct nat_session *s, int dir, struct nat_key *to)
{
	const struct nat_key *o = dir == 0 ? &s->reply : &s->orig;

	memset(to, 0, sizeof(*to));
	to->proto = o->proto;
	to->saddr = o->daddr;
	to->daddr = o->saddr;
	to->sport = o->dport;
	to->dport = o->sport;
}

/* True when addr (network order) is in one of the masqueraded inside prefixes. */
static inline bool nat_is_inside(const struct nat_rt *rt, uint32_t addr)
{
	for (unsigned i = 0; i < rt->n_inside; i++)
		if ((addr & rt->inside_mask[i]) == rt->inside_net[i])
			return true;
	return false;
}

/* ---- nat_tcp.c ---- */

/* One TCP segment as the state machine sees it (host order). */
struct nat_tcp_seg {
	uint8_t flags;   /* RTE_TCP_*_FLAG */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;    /* payload bytes */
};

/* What nat_tcp_update observed, for counters. */
enum nat_tcp_event {
	NAT_TCP_EV_NONE = 0,
	NAT_TCP_EV_RST_IGNORED,  /* out-of-window RST: state kept */
	NAT_TCP_EV_REOPENED,     /* SYN reopened a transitory session */
};

/* An RST from direction d is in window when its seq lies in
 * [td_maxend[d] - NAT_TCP_RST_BELOW, td_maxend[d] + NAT_TCP_RST_ABOVE]. */
#define NAT_TCP_RST_BELOW (1u << 20)
#define NAT_TCP_RST_ABOVE (1u << 16)

/* Fill a segment from the TCP header at th with payload len bytes. */
void nat_tcp_seg_read(struct nat_tcp_seg *seg, const void *th, uint32_t len);

/* Start the state of a new session from its first segment (a SYN). */
void nat_tcp_init(struct nat_session *s, const struct nat_tcp_seg *seg);

/* Advance the state of s for a segment from direction dir (0 orig, 1 reply). */
enum nat_tcp_event nat_tcp_update(struct nat_session *s, int dir, const struct nat_tcp_seg *seg);

/* Timeout class a session in TCP state st belongs to. */
uint8_t nat_tcp_tclass(uint8_t st);

/* Short name of a TCP state (tests, management plane). */
const char *nat_tcp_state_name(uint8_t st);

/* ---- nat_translate.c ---- */

/* Rewrite the IPv4 packet m (meta pm, first segment holds the headers) to
 * the tuple to (addresses, ports or ICMP echo id), updating the IP, TCP/UDP
 * or ICMP checksums incrementally, and the metadata. */
void nat_translate(struct rte_mbuf *m, struct pkt_meta *pm, const struct nat_key *to);

/* ---- nat_icmp.c ---- */

/* What an ICMP error's quoted packet is about. */
struct nat_icmp_quote {
	struct nat_key key;     /* inverted inner tuple: the key a session knows */
	uint8_t *inner;         /* inner IPv4 header (in the first segment) */
	uint16_t inner_ihl;
	uint16_t inner_l4_len;  /* quoted L4 bytes readable in the first segment */
	uint8_t inner_icmp_type;
};

/* Parse the quote of the ICMP error m; false when it cannot be about a
 * session (truncated, not IPv4, a non-first fragment, protocol not NATed). */
bool nat_icmp_quote_parse(struct rte_mbuf *m, const struct pkt_meta *pm,
			  struct nat_icmp_quote *q);

/* Translate the ICMP error m about session s (q.key matched s in direction
 * dir): outer addresses and the quoted packet, every checksum. */
void nat_icmp_error_translate(struct rte_mbuf *m, struct pkt_meta *pm,
			      const struct nat_session *s, int dir,
			      const struct nat_icmp_quote *q);

#endif
