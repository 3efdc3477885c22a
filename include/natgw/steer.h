/* natgw steering: which worker owns a packet's session (issue 6).
 *
 * With several workers, every session (NAT or tracked) lives in exactly one
 * worker's table, and every packet of it, in both directions, must be
 * processed by that worker. steer_owner maps a parsed packet to its owner so
 * that a worker receiving a packet it does not own can hand it over (a ring
 * per worker pair) and, where the NIC's RSS can be predicted, so that NAT
 * picks public ports whose replies arrive at the owner directly (rss.h).
 *
 * The rules, chosen so that both directions of every flow agree:
 *  - a flow not addressed to a NAT pool address (routed, masqueraded from
 *    inside, a port-forwarded server's replies): software RSS, i.e. the
 *    Toeplitz hash a NIC computes (rss.h) with the steering key ([global]
 *    rss_key, symmetric by default), over the 4-tuple for TCP/UDP and the
 *    2-tuple for everything else, the two endpoints taken in a fixed order
 *    (so the result is symmetric for any key), then a 128-entry RETA spread
 *    round-robin over the workers. With the symmetric key this is exactly
 *    what a port with hardware RSS programmed by natgw (same key, RETA
 *    queue i -> worker i % n) computes, so such packets arrive at their
 *    owner and need no handoff;
 *  - to a pool address on a public port or echo identifier of the NAT range:
 *    the worker whose share holds that port ((p - port_min) % n, the share
 *    nat_alloc gives each worker), i.e. the worker that masqueraded the flow
 *    (it owned the flow's inside side by the symmetric hash, and allocates
 *    only from its own share);
 *  - to a pool address on a port-forward's public port: the symmetric hash of
 *    the remote endpoint and the inside server (what the server's replies
 *    hash to); hairpinned flows follow the same rule;
 *  - ICMP errors: by the packet they quote, with the rules above applied to
 *    the quoted packet turned around (the flow it is about);
 *  - IPv4 fragments: the 2-tuple (the same for every fragment of a
 *    datagram, and what NICs hash fragments over); the reassembled datagram
 *    is steered again by its ports;
 *  - other protocols, ICMP other than errors: the 2-tuple.
 * STEER_LOCAL: handle where received (ARP requests, packets to natgw's own
 * addresses that are not NAT traffic); STEER_ALL: every worker needs it (ARP
 * replies and gratuitous ARP: each worker keeps its own neighbour table).
 * Life-cycle: pure functions of the packet, the snapshot's nat_rt and the
 * steering RSS table (steer_conf_init, built once at start: the key and the
 * worker count do not change while natgw runs).
 */
#ifndef NATGW_STEER_H
#define NATGW_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "natgw/nat.h"
#include "natgw/rss.h"

#define STEER_RETA_SIZE 128 /* the usual RETA size (ENA, ixgbe); for a power-of-two
			       worker count any power-of-two RETA agrees with it */

#define STEER_LOCAL 0xfffe
#define STEER_ALL 0xffff

/* The fields steering needs (network order, as in struct pkt_meta). */
struct steer_pkt {
	uint8_t proto;
	bool fragment;       /* MF set or offset != 0 */
	bool arp_reply;      /* an ARP reply or gratuitous ARP (learnt by every worker) */
	bool arp;            /* any ARP frame */
	bool l4;             /* sport/dport (or ICMP type/id) valid */
	uint32_t src, dst;
	uint16_t sport, dport; /* TCP/UDP ports; ICMP echo: sport = identifier */
	uint8_t icmp_type;
	/* ICMP errors: the quoted packet's tuple (network order), when readable */
	bool inner_valid;
	uint8_t inner_proto;
	uint32_t inner_src, inner_dst;
	uint16_t inner_sport, inner_dport; /* ICMP echo: sport = identifier */
};

/* Fill sc (caller-owned, about 12 KiB) for steering over n_workers (>= 1):
 * key (RSS_KEY_LEN bytes), a STEER_RETA_SIZE RETA of worker numbers
 * round-robin, every hash type. 0 or -EINVAL. */
int steer_conf_init(struct rss_conf *sc, const uint8_t *key, unsigned n_workers);

/* The owner (0..n_workers-1), STEER_LOCAL or STEER_ALL. rt may be NULL (no
 * sessions: everything by software RSS). n_workers >= 1; sc from
 * steer_conf_init for the same n_workers (unused when n_workers is 1). */
uint16_t steer_owner(const struct nat_rt *rt, const struct rss_conf *sc, unsigned n_workers,
		     const struct steer_pkt *p);

/* The owners of a burst of parsed packets (steer_pkt_fill + steer_owner for
 * each, inlined): owners[i] as steer_owner says, STEER_LOCAL for packets
 * parse dropped (action != PKT_TX) and for every packet when n_workers <= 1. */
struct rte_mbuf;
void steer_burst(const struct nat_rt *rt, const struct rss_conf *sc, unsigned n_workers,
		 struct rte_mbuf **pkts, uint16_t count, uint16_t *owners);

/* Fill sp from a parsed packet (pkt_meta) and, for ICMP errors, the header
 * of the packet it quotes (first segment). */
struct rte_mbuf;
void steer_pkt_fill(struct steer_pkt *sp, struct rte_mbuf *m);

/* Software RSS of a flow between endpoints a and b (network order; ports
 * ignored unless sc hashes proto over them): the worker, the same for
 * (a, b) and (b, a). Exposed for tests. */
uint16_t steer_sym_owner(const struct rss_conf *sc, uint8_t proto, uint32_t a_addr,
			 uint16_t a_port, uint32_t b_addr, uint16_t b_port);

#endif
