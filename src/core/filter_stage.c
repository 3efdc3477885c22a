/* natgw filter stages: network ACLs and security groups on the packet path.
 *
 * Overview (cloud VPC semantics, see docs/CONFIG.md "Filtering"):
 *  - filter_ingress_stage runs right after parse, on packets as they arrived
 *    (before NAT). IPv4 fragments are sent to reassembly first when any
 *    filtering is configured (rules need the ports only a first fragment
 *    has; the whole datagram comes back through the pipeline). The ingress
 *    port's NACL is stateless: a deny (or no matching rule) drops the packet
 *    (nacl_deny). Its groups only mark a packet no rule allows
 *    (PKT_F_SG_DENY): whether it is dropped (sg_no_match) depends on state,
 *    which the session stage decides next (a reply or an ICMP error about a
 *    known flow passes whatever the rules say).
 *  - filter_egress_stage runs in forward_stage after the route lookup, on
 *    packets as they will leave (after NAT: the caller supplies the source a
 *    new masqueraded flow will get). The egress port's NACL drops; its groups
 *    drop new flows (not PKT_F_TRACKED) no egress rule allows.
 * Packets natgw generates itself (ARP, ICMP errors, echo replies) are not
 * filtered. Hit counters: each worker adds to its own struct filter_counters
 * in the snapshot (w->snap->fctr), so nothing is shared between workers.
 * Life-cycle: stateless. Who: the owning worker; reads the snapshot.
 */
#include <rte_ip.h>

#include "natgw/filter.h"
#include "natgw/pipeline.h"

#define FILTER_STAGE_BATCH 64

/* This worker's counters for (port, dir) in the snapshot. */
static struct filter_counters *filter_stage_counters(const struct worker *w, unsigned port,
						     unsigned dir)
{
	const struct dp_snapshot *s = w->snap;

	if (s->fctr == NULL || w->id >= s->n_workers)
		return NULL;
	return &s->fctr[((size_t)w->id * NATGW_MAX_PORTS + port) * 2 + dir];
}

/* The classification key of a parsed IPv4 packet with source src. */
static void filter_stage_key(const struct pkt_meta *pm, uint32_t src, struct filter_pkt *k)
{
	bool ports = (pm->flags & PKT_F_L4_VALID) && !(pm->flags & PKT_F_FRAGMENT);

	if (pm->proto == IPPROTO_ICMP && ports)
		filter_pkt_set_icmp(k, src, pm->dst_ip, pm->icmp_type, pm->icmp_code);
	else if ((pm->proto == IPPROTO_TCP || pm->proto == IPPROTO_UDP) && ports)
		filter_pkt_set(k, pm->proto, src, pm->dst_ip, pm->sport, pm->dport);
	else
		filter_pkt_set(k, pm->proto, src, pm->dst_ip, 0, 0);
}

/* Classify k packets of one port/direction and count the results. */
static void filter_stage_classify(struct worker *w, const struct filter_ctx *ctx, unsigned port,
				  unsigned dir, const struct filter_pkt *const *keys, unsigned k,
				  struct filter_result *res)
{
	struct filter_counters *c = filter_stage_counters(w, port, dir);

	filter_classify_bulk(ctx, keys, k, res);
	if (c != NULL)
		filter_counters_add(c, res, k);
}

/* True when the NACL part of a verdict lets the packet through. */
static bool filter_stage_nacl_ok(const struct filter_result *r)
{
	return r->nacl == FILTER_NACL_NONE || r->nacl == FILTER_NACL_ALLOW;
}

/* Ingress for up to FILTER_STAGE_BATCH packets. */
static void filter_ingress_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_snapshot *s = w->snap;
	struct filter_pkt keys[FILTER_STAGE_BATCH];
	const struct filter_pkt *kp[FILTER_STAGE_BATCH];
	struct filter_result res[FILTER_STAGE_BATCH];
	uint16_t idx[FILTER_STAGE_BATCH];
	uint8_t port[FILTER_STAGE_BATCH];
	uint16_t n_todo = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		if (pm->action != PKT_TX ||
		    (pm->cls != PKT_CLASS_LOCAL && pm->cls != PKT_CLASS_TRANSIT))
			continue;
		if (pm->flags & PKT_F_FRAGMENT) {
			pm->action = PKT_REASSEMBLE; /* filtered once whole */
			continue;
		}
		if (s->filter[pm->in_port][NATGW_DIR_INGRESS] == NULL)
			continue;
		port[n_todo] = pm->in_port;
		idx[n_todo++] = i;
	}
	/* One bulk classification per ingress port present (normally one). */
	for (uint16_t first = 0; first < n_todo; first++) {
		uint8_t p = port[first];
		uint16_t sel[FILTER_STAGE_BATCH];
		unsigned k = 0;

		if (p == UINT8_MAX)
			continue;
		for (uint16_t j = first; j < n_todo; j++) {
			if (port[j] != p)
				continue;
			const struct pkt_meta *pm = pkt_meta(pkts[idx[j]]);

			filter_stage_key(pm, pm->src_ip, &keys[k]);
			kp[k] = &keys[k];
			sel[k++] = idx[j];
			port[j] = UINT8_MAX;
		}
		filter_stage_classify(w, s->filter[p][NATGW_DIR_INGRESS], p, NATGW_DIR_INGRESS, kp,
				      k, res);
		for (unsigned j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[sel[j]];

			if (!filter_stage_nacl_ok(&res[j]))
				pkt_drop(m, DROP_NACL_DENY);
			else if (res[j].sg == FILTER_SG_NO_MATCH)
				pkt_meta(m)->flags |= PKT_F_SG_DENY;
		}
	}
}

void filter_ingress_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	if (!w->snap->filtering)
		return;
	for (uint16_t off = 0; off < n; off += FILTER_STAGE_BATCH)
		filter_ingress_batch(w, pkts + off, (uint16_t)RTE_MIN(FILTER_STAGE_BATCH, n - off));
}

/* Egress for up to FILTER_STAGE_BATCH routed packets. */
static void filter_egress_batch(struct worker *w, struct rte_mbuf **pkts, const uint32_t *src_after,
				uint16_t n)
{
	const struct dp_snapshot *s = w->snap;
	struct filter_pkt keys[FILTER_STAGE_BATCH];
	const struct filter_pkt *kp[FILTER_STAGE_BATCH];
	struct filter_result res[FILTER_STAGE_BATCH];
	uint8_t port[FILTER_STAGE_BATCH];

	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_meta *pm = pkt_meta(pkts[i]);

		port[i] = pm->action == PKT_TX && s->filter[pm->out_port][NATGW_DIR_EGRESS] != NULL
				  ? pm->out_port : UINT8_MAX;
	}
	for (uint16_t first = 0; first < n; first++) {
		uint8_t p = port[first];
		uint16_t sel[FILTER_STAGE_BATCH];
		unsigned k = 0;

		if (p == UINT8_MAX)
			continue;
		for (uint16_t j = first; j < n; j++) {
			if (port[j] != p)
				continue;
			filter_stage_key(pkt_meta(pkts[j]), src_after[j], &keys[k]);
			kp[k] = &keys[k];
			sel[k++] = j;
			port[j] = UINT8_MAX;
		}
		filter_stage_classify(w, s->filter[p][NATGW_DIR_EGRESS], p, NATGW_DIR_EGRESS, kp, k,
				      res);
		for (unsigned j = 0; j < k; j++) {
			struct rte_mbuf *m = pkts[sel[j]];

			if (!filter_stage_nacl_ok(&res[j]))
				pkt_drop(m, DROP_NACL_DENY);
			else if (res[j].sg == FILTER_SG_NO_MATCH &&
				 !(pkt_meta(m)->flags & PKT_F_TRACKED))
				pkt_drop(m, DROP_SG_NO_MATCH);
		}
	}
}

void filter_egress_stage(struct worker *w, struct rte_mbuf **pkts, const uint32_t *src_after,
			 uint16_t n)
{
	if (!w->snap->filtering)
		return;
	for (uint16_t off = 0; off < n; off += FILTER_STAGE_BATCH)
		filter_egress_batch(w, pkts + off, src_after + off,
				    (uint16_t)RTE_MIN(FILTER_STAGE_BATCH, n - off));
}
