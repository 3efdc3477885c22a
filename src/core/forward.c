/* natgw forward stage: TTL, route lookup, MTU, TTL decrement, next-hop resolution.
 *
 * Overview: for a batch of TRANSIT packets (action PKT_TX from parse):
 *  1. TTL <= 1 -> ICMP time exceeded (DROP_TTL_EXCEEDED);
 *  2. route lookup in the ingress port's table, one bulk call per table
 *     present in the batch: no route -> ICMP net unreachable (DROP_NO_ROUTE),
 *     blackhole -> DROP_BLACKHOLE silently;
 *  3. next hop = gateway or destination (meta->nexthop), out_port = route port;
 *  4. ip_len > egress MTU with DF -> ICMP frag needed with the egress MTU
 *     (DROP_FRAG_NEEDED); then the egress filter (filter_stage.c: the egress
 *     port's NACL and groups, on the packet as it will leave); then NAT
 *     postrouting (masquerade through the NAT port, tracking sessions for
 *     security groups; may drop); then ip_len > egress MTU -> PKT_FRAGMENT;
 *  5. TTL decrement: incremental checksum (RFC 1624), or for PKT_TX on a port
 *     with IPv4 checksum offload, TX offload flags and a zero checksum;
 *  6. neigh_resolve: hit -> Ethernet header written, action kept (TX or
 *     FRAGMENT); miss -> parked (neigh.c keeps the action and restores it when
 *     the neighbour answers) or dropped.
 * ICMP errors quote the packet as received (before the TTL decrement).
 * Fast path: packets NAT prerouting already translated skip the NAT
 * postrouting calls (which return at once for them); a batch whose packets
 * all arrived on ports of one route table gets one bulk lookup without
 * grouping; the last neighbour hit of a batch is remembered as a ready-made
 * Ethernet header (a hit has no side effect, so for the same (port, next
 * hop) the lookup would return the same MAC; any miss may change the table
 * and forgets it).
 * Life-cycle: stateless (the neighbour memo lives for one batch). Who: the
 * owning worker; reads the snapshot.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "natgw/cksum.h"
#include "natgw/nat.h"
#include "natgw/neigh.h"
#include "natgw/pipeline.h"
#include "natgw/route.h"

#include "fastpath_internal.h"

#define ICMP_DEST_UNREACH 3          /* RFC 792 types (rte_icmp.h has echo only) */
#define ICMP_TIME_EXCEEDED 11
#define FORWARD_BATCH 64

/* The last neighbour hit of a batch, as the Ethernet header it writes. */
struct forward_l2_memo {
	bool valid;
	uint8_t port;
	uint32_t nexthop;                 /* host order */
	uint8_t hdr[RTE_ETHER_HDR_LEN];   /* neighbour MAC, port MAC, IPv4 ethertype */
};

/* Decrement the TTL of a packet leaving through port out (checksum by NIC or RFC 1624). */
static void forward_ttl_dec(struct rte_mbuf *m, struct pkt_meta *pm, const struct dp_port *out)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pm->l3_off);

	if (out->tx_ip_csum && pm->action == PKT_TX) {
		ip->time_to_live--;
		ip->hdr_checksum = 0;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		m->l2_len = pm->l3_off;
		m->l3_len = pm->ihl;
	} else {
		fp_ipv4_ttl_dec(ip); /* = cksum_ipv4_ttl_dec(ip) */
	}
	pm->ttl = ip->time_to_live;
}

/* Apply the route (already looked up) to one packet: next hop, egress port,
 * frag-needed. Returns true when it goes on to egress filtering and sending. */
static bool forward_route_one(struct worker *w, struct rte_mbuf *m, const struct route_nexthop *nh)
{
	const struct dp_snapshot *s = w->snap;
	struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *out;

	if (nh == NULL || (nh->type != NATGW_ROUTE_BLACKHOLE && nh->port >= s->n_ports)) {
		icmp_error_reply(w, m, ICMP_DEST_UNREACH, 0, 0, DROP_NO_ROUTE);
		return false;
	}
	if (nh->type == NATGW_ROUTE_BLACKHOLE) {
		pkt_drop(m, DROP_BLACKHOLE);
		return false;
	}
	out = &s->ports[nh->port];
	pm->nexthop = nh->gateway != 0 ? nh->gateway : rte_be_to_cpu_32(pm->dst_ip);
	pm->out_port = nh->port;
	/* Frag-needed is decided before NAT: the error must quote the packet the
	 * inside host sent (RFC 5508) and go back to its real address, and no
	 * session is opened for a packet that is not forwarded. NAT never
	 * changes the length, so the MTU decision is the same for the final packet. */
	if (pm->ip_len > out->mtu && (pm->flags & PKT_F_DF)) {
		icmp_error_reply(w, m, ICMP_DEST_UNREACH, 4, out->mtu, DROP_FRAG_NEEDED);
		return false;
	}
	return true;
}

/* Send one routed packet that passed egress filtering: NAT postrouting, TTL,
 * neighbour (through the batch's memo l2). */
static inline void forward_send_one(struct worker *w, struct rte_mbuf *m,
				    struct forward_l2_memo *l2)
{
	const struct dp_snapshot *s = w->snap;
	struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *out = &s->ports[pm->out_port];
	const struct rte_ether_addr *mac;
	struct rte_ether_hdr *eth;

	/* NAT: masquerade a packet leaving through the NAT port (may drop it).
	 * nat_postrouting passes a packet NAT already translated untouched. */
	if (!(pm->flags & PKT_F_NAT_DONE) && s->nat != NULL && w->nat != NULL &&
	    !nat_postrouting(w, m))
		return;
	pm->action = pm->ip_len > out->mtu ? PKT_FRAGMENT : PKT_TX;
	forward_ttl_dec(m, pm, out);

	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (l2->valid && l2->nexthop == pm->nexthop && l2->port == pm->out_port) {
		memcpy(eth, l2->hdr, RTE_ETHER_HDR_LEN);
		return;
	}
	mac = neigh_resolve(w, pm->out_port, pm->nexthop, m);
	if (mac == NULL) {
		l2->valid = false; /* the table may have changed (insert, eviction) */
		return; /* parked (PKT_CONSUMED) or dropped by neigh_resolve */
	}
	l2->valid = true;
	l2->port = pm->out_port;
	l2->nexthop = pm->nexthop;
	memcpy(l2->hdr, mac, RTE_ETHER_ADDR_LEN);
	memcpy(l2->hdr + RTE_ETHER_ADDR_LEN, &out->mac, RTE_ETHER_ADDR_LEN);
	l2->hdr[12] = RTE_ETHER_TYPE_IPV4 >> 8;
	l2->hdr[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
	memcpy(eth, l2->hdr, RTE_ETHER_HDR_LEN);
}

/* Forward up to FORWARD_BATCH transit packets. */
static void forward_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_snapshot *s = w->snap;
	const struct route_nexthop *nh[FORWARD_BATCH];
	struct rte_mbuf *todo[FORWARD_BATCH];
	uint32_t dst[FORWARD_BATCH];
	uint8_t table[FORWARD_BATCH];
	uint16_t n_todo = 0;
	bool one_table = true;

	/* TTL first: expired packets never reach the route lookup. */
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		if (pm->action != PKT_TX || pm->cls != PKT_CLASS_TRANSIT)
			continue;
		if (pm->ttl <= 1) {
			icmp_error_reply(w, pkts[i], ICMP_TIME_EXCEEDED, 0, 0,
					 DROP_TTL_EXCEEDED);
			continue;
		}
		table[n_todo] = s->ports[pm->in_port].table;
		one_table &= table[n_todo] == table[0];
		dst[n_todo] = fp_ntohl(pm->dst_ip);
		todo[n_todo++] = pkts[i];
	}

	/* One bulk lookup per distinct ingress table (normally exactly one). */
	if (one_table && n_todo > 0) {
		uint8_t t = table[0];

		if (t < s->n_tables && s->tables[t] != NULL) {
			route_lookup_bulk(s->tables[t], dst, n_todo, nh);
		} else {
			for (unsigned j = 0; j < n_todo; j++)
				nh[j] = NULL;
		}
	}
	for (uint16_t first = 0; !one_table && first < n_todo; first++) {
		uint32_t gdst[FORWARD_BATCH];
		const struct route_nexthop *tnh[FORWARD_BATCH];
		uint16_t idx[FORWARD_BATCH];
		uint8_t t = table[first];
		unsigned k = 0;

		if (t == UINT8_MAX)
			continue; /* this packet's table was already looked up */
		for (uint16_t i = first; i < n_todo; i++) {
			if (table[i] != t)
				continue;
			idx[k] = i;
			gdst[k] = dst[i];
			table[i] = UINT8_MAX;
			k++;
		}
		if (t < s->n_tables && s->tables[t] != NULL) {
			route_lookup_bulk(s->tables[t], gdst, k, tnh);
		} else {
			for (unsigned j = 0; j < k; j++)
				tnh[j] = NULL;
		}
		for (unsigned j = 0; j < k; j++)
			nh[idx[j]] = tnh[j];
	}

	/* Route, then egress filtering on the survivors as they will leave
	 * (a new masqueraded flow with its pool address), then send. */
	uint32_t src_after[FORWARD_BATCH];
	struct forward_l2_memo l2 = { .valid = false };
	uint16_t n_ok = 0;

	for (uint16_t i = 0; i < n_todo; i++) {
		const struct pkt_meta *pm = pkt_meta(todo[i]);

		if (!forward_route_one(w, todo[i], nh[i]))
			continue;
		/* nat_postrouting_source gives a translated packet its own source. */
		if (s->filtering)
			src_after[n_ok] = (pm->flags & PKT_F_NAT_DONE) ? pm->src_ip
								: nat_postrouting_source(w, pm);
		todo[n_ok++] = todo[i];
	}
	if (s->filtering)
		filter_egress_stage(w, todo, src_after, n_ok);
	for (uint16_t i = 0; i < n_ok; i++)
		if (pkt_meta(todo[i])->action == PKT_TX)
			forward_send_one(w, todo[i], &l2);
}

/* TTL, route lookup, MTU, TTL decrement, neighbour resolution for transit packets. */
void forward_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t off = 0; off < n; off += FORWARD_BATCH)
		forward_batch(w, pkts + off, (uint16_t)RTE_MIN(FORWARD_BATCH, n - off));
}
