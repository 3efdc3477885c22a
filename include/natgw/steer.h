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
 *    inside, a port-forwarded server's replies): a symmetric hash of its two
 *    endpoints (address, port; ICMP echo: the identifier on both sides);
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
 *  - IPv4 fragments: a hash of (source, destination, protocol, IP id), the
 *    same for every fragment of a datagram; the reassembled datagram is
 *    steered again by its ports;
 *  - other protocols: the symmetric hash of the two addresses.
 * STEER_LOCAL: handle where received (ARP requests, packets to natgw's own
 * addresses that are not NAT traffic); STEER_ALL: every worker needs it (ARP
 * replies and gratuitous ARP: each worker keeps its own neighbour table).
 * Life-cycle: pure functions of the packet and the snapshot's nat_rt.
 */
#ifndef NATGW_STEER_H
#define NATGW_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "natgw/nat.h"

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
	uint16_t ip_id;
	/* ICMP errors: the quoted packet's tuple (network order), when readable */
	bool inner_valid;
	uint8_t inner_proto;
	uint32_t inner_src, inner_dst;
	uint16_t inner_sport, inner_dport; /* ICMP echo: sport = identifier */
};

/* The owner (0..n_workers-1), STEER_LOCAL or STEER_ALL. rt may be NULL (no
 * sessions: everything by the symmetric hash). n_workers >= 1. */
uint16_t steer_owner(const struct nat_rt *rt, unsigned n_workers, const struct steer_pkt *p);

/* Fill sp from a parsed packet (pkt_meta) and, for ICMP errors, the header
 * of the packet it quotes (first segment). */
struct rte_mbuf;
void steer_pkt_fill(struct steer_pkt *sp, struct rte_mbuf *m);

/* The symmetric hash of two endpoints (exposed for tests and RSS checks). */
uint32_t steer_sym_hash(uint32_t a_addr, uint16_t a_port, uint32_t b_addr, uint16_t b_port,
			uint8_t proto);

#endif
