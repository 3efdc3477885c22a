/* natgw steering: the worker that owns a packet's session (see natgw/steer.h
 * for the rules and why both directions of a flow agree).
 *
 * Life-cycle: stateless; reads the snapshot's nat_rt. Who: any worker (the
 * receive side, before handing a packet over) and tests.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "natgw/pipeline.h"
#include "natgw/steer.h"

#define STEER_ICMP_ECHO_REPLY 0
#define STEER_ICMP_ECHO_REQUEST 8

int steer_conf_init(struct rss_conf *sc, const uint8_t *key, unsigned n_workers)
{
	uint16_t reta[STEER_RETA_SIZE];

	if (n_workers == 0)
		return -EINVAL;
	rss_reta_fill(reta, STEER_RETA_SIZE, n_workers);
	return rss_conf_init(sc, key, RSS_KEY_LEN, reta, STEER_RETA_SIZE, RSS_HASH_ALL);
}

/* Is endpoint a (address, port; network order) after b in a fixed order? */
static inline bool steer_after(uint32_t a_addr, uint16_t a_port, uint32_t b_addr, uint16_t b_port)
{
	uint32_t a = rte_be_to_cpu_32(a_addr), b = rte_be_to_cpu_32(b_addr);

	return a > b || (a == b && rte_be_to_cpu_16(a_port) > rte_be_to_cpu_16(b_port));
}

static inline uint16_t steer_sym(const struct rss_conf *sc, uint8_t proto, uint32_t a_addr,
				 uint16_t a_port, uint32_t b_addr, uint16_t b_port)
{
	uint32_t h;

	if (sc->symmetric) /* no order needed, half the lookups */
		return rss_queue_of_hash(sc, rss_hash_sym(sc, a_addr ^ b_addr,
							  rss_proto_uses_ports(sc, proto) ?
								  (uint16_t)(a_port ^ b_port) : 0));
	if (steer_after(a_addr, a_port, b_addr, b_port)) {
		uint32_t t = a_addr;
		uint16_t tp = a_port;

		a_addr = b_addr;
		a_port = b_port;
		b_addr = t;
		b_port = tp;
	}
	if (rss_proto_uses_ports(sc, proto))
		h = rss_hash_l4(sc, a_addr, b_addr, a_port, b_port);
	else
		h = rss_hash_ipv4(sc, a_addr, b_addr);
	return rss_queue_of_hash(sc, h);
}

/* Is addr (network order) one of the pool's addresses? */
static inline bool steer_is_pool(const struct nat_rt *rt, uint32_t addr)
{
	for (unsigned i = 0; i < rt->n_pool; i++)
		if (rt->pool[i] == addr)
			return true;
	return false;
}

/* The port-forward for (proto, public addr:port), or NULL. */
static const struct nat_forward_rt *steer_forward(const struct nat_rt *rt, uint8_t proto,
						  uint32_t addr, uint16_t port)
{
	for (unsigned i = 0; i < rt->n_forwards; i++)
		if (rt->forwards[i].proto == proto && rt->forwards[i].public_addr == addr &&
		    rt->forwards[i].public_port == port)
			return &rt->forwards[i];
	return NULL;
}

/* Owner of a packet src:sport -> dst:dport of proto (network order; ICMP
 * echo: both ports are the identifier, reply says it is an echo reply). */
static inline uint16_t steer_tuple(const struct nat_rt *rt, const struct rss_conf *sc, unsigned n,
			    uint8_t proto, uint32_t src,
			    uint16_t sport, uint32_t dst, uint16_t dport, bool echo_request)
{
	if (rt != NULL && steer_is_pool(rt, dst)) {
		uint16_t p = rte_be_to_cpu_16(dport);
		const struct nat_forward_rt *f = proto == 1 ? NULL : steer_forward(rt, proto, dst, dport);

		if (f != NULL) /* what the inside server's replies hash to */
			return steer_sym(sc, proto, src, sport, f->inside_addr,
					       f->inside_port);
		if (echo_request)
			return STEER_LOCAL; /* an echo request to natgw's own address */
		if (p >= rt->port_min && p <= rt->port_max)
			return (uint16_t)((p - rt->port_min) % n); /* the share holding it */
		return STEER_LOCAL; /* nothing owns it: dropped wherever */
	}
	return steer_sym(sc, proto, src, sport, dst, dport);
}

/* True for the ICMP error types that quote a packet. */
static inline bool steer_icmp_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static inline uint16_t steer_owner_one(const struct nat_rt *rt, const struct rss_conf *sc,
				       unsigned n, const struct steer_pkt *p)
{
	if (n <= 1)
		return 0;
	if (p->arp)
		return p->arp_reply ? STEER_ALL : STEER_LOCAL;
	/* Fragments and packets without ports: the 2-tuple, as NICs hash them
	 * (every fragment of a datagram has the same addresses). */
	if (p->fragment || !p->l4)
		return steer_sym(sc, 0, p->src, 0, p->dst, 0);
	if (p->proto == 1) {
		if (steer_icmp_error(p->icmp_type)) {
			bool echo;

			if (!p->inner_valid)
				return STEER_LOCAL;
			/* The flow the error is about, in the direction towards
			 * the sender of the quoted packet. */
			echo = p->inner_proto == 1;
			return steer_tuple(rt, sc, n, p->inner_proto, p->inner_dst,
					   echo ? p->inner_sport : p->inner_dport, p->inner_src,
					   p->inner_sport, false);
		}
		if (p->icmp_type != STEER_ICMP_ECHO_REQUEST && p->icmp_type != STEER_ICMP_ECHO_REPLY)
			return steer_sym(sc, 1, p->src, 0, p->dst, 0);
		return steer_tuple(rt, sc, n, 1, p->src, p->sport, p->dst, p->sport,
				   p->icmp_type == STEER_ICMP_ECHO_REQUEST);
	}
	return steer_tuple(rt, sc, n, p->proto, p->src, p->sport, p->dst, p->dport, false);
}

static inline void steer_fill_one(struct steer_pkt *sp, struct rte_mbuf *m)
{
	const struct pkt_meta *pm = pkt_meta(m);

	/* No memset (this runs for every packet): the fields steer_owner reads
	 * for the packet's kind are written; the quote only when inner_valid. */
	sp->inner_valid = false;
	sp->arp = false;
	sp->arp_reply = false;
	if (pm->cls == PKT_CLASS_ARP) {
		/* Ethernet/IPv4 ARP (parse checked it): opcode at 6, sender IP at
		 * 14, target IP at 24. Replies and gratuitous requests teach a
		 * neighbour to every worker. */
		const uint8_t *a = rte_pktmbuf_mtod_offset(m, const uint8_t *, pm->l3_off);

		sp->arp = true;
		sp->arp_reply = a[7] == 2 || memcmp(a + 14, a + 24, 4) == 0;
		return;
	}
	sp->proto = pm->proto;
	sp->src = pm->src_ip;
	sp->dst = pm->dst_ip;
	sp->fragment = (pm->flags & PKT_F_FRAGMENT) != 0;
	sp->l4 = (pm->flags & PKT_F_L4_VALID) != 0;
	sp->sport = pm->sport;
	sp->dport = pm->dport;
	sp->icmp_type = pm->icmp_type;
	if (sp->fragment)
		return;
	if (sp->l4 && pm->proto == 1 && steer_icmp_error(pm->icmp_type)) {
		/* The quote: IPv4 header, then at least 8 bytes of its L4 header. */
		uint32_t off = (uint32_t)pm->l4_off + 8, have = rte_pktmbuf_data_len(m);
		const uint8_t *q = rte_pktmbuf_mtod_offset(m, const uint8_t *, 0);
		uint32_t ihl;

		if (off + 20 > have || (q[off] >> 4) != 4)
			return;
		ihl = (uint32_t)(q[off] & 0xf) * 4;
		if (ihl < 20 || off + ihl + 8 > have)
			return;
		sp->inner_proto = q[off + 9];
		memcpy(&sp->inner_src, q + off + 12, 4);
		memcpy(&sp->inner_dst, q + off + 16, 4);
		if (sp->inner_proto == 1) {
			memcpy(&sp->inner_sport, q + off + ihl + 4, 2); /* echo identifier */
			sp->inner_dport = sp->inner_sport;
		} else {
			memcpy(&sp->inner_sport, q + off + ihl, 2);
			memcpy(&sp->inner_dport, q + off + ihl + 2, 2);
		}
		sp->inner_valid = true;
	}
}

uint16_t steer_sym_owner(const struct rss_conf *sc, uint8_t proto, uint32_t a_addr,
			 uint16_t a_port, uint32_t b_addr, uint16_t b_port)
{
	return steer_sym(sc, proto, a_addr, a_port, b_addr, b_port);
}

uint16_t steer_owner(const struct nat_rt *rt, const struct rss_conf *sc, unsigned n,
		     const struct steer_pkt *p)
{
	return steer_owner_one(rt, sc, n, p);
}

void steer_pkt_fill(struct steer_pkt *sp, struct rte_mbuf *m)
{
	steer_fill_one(sp, m);
}

void steer_burst(const struct nat_rt *rt, const struct rss_conf *sc, unsigned n,
		 struct rte_mbuf **pkts, uint16_t count, uint16_t *owners)
{
	struct steer_pkt sp = { 0 }; /* zeroed once: each fill writes what its kind uses */

	for (uint16_t i = 0; i < count; i++) {
		if (n <= 1 || pkt_meta(pkts[i])->action != PKT_TX) {
			owners[i] = STEER_LOCAL; /* one worker, or dropped by parse */
			continue;
		}
		steer_fill_one(&sp, pkts[i]);
		owners[i] = steer_owner_one(rt, sc, n, &sp);
	}
}
