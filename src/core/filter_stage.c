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
 *    known flow passes whatever the rules say). Packets the session stage
 *    looks up (TCP, UDP, ICMP echo) are classified against the groups only
 *    when the lookup misses (filter_ingress_sg, called by that stage): an
 *    established flow costs no group classification at all.
 *  - filter_egress_stage runs in forward_stage after the route lookup, on
 *    packets as they will leave (after NAT: the caller supplies the source a
 *    new masqueraded flow will get). The egress port's NACL drops; its groups
 *    drop new flows (not PKT_F_TRACKED) no egress rule allows; tracked
 *    packets are not classified against the groups.
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

/* True when the NACL part of a verdict lets the packet through. */
static bool filter_stage_nacl_ok(const struct filter_result *r)
{
	return r->nacl == FILTER_NACL_NONE || r->nacl == FILTER_NACL_ALLOW;
}

/* Classify the packets sel[0..k) of port p (their keys in keys/kp) for
 * parts and apply the verdicts: a NACL deny drops; a group miss drops at
 * egress unless tracked, marks PKT_F_SG_DENY at ingress (state decides). */
static void filter_stage_apply(struct worker *w, struct rte_mbuf **pkts, const uint16_t *sel,
			       unsigned k, const struct filter_pkt *const *kp, uint8_t p,
			       unsigned dir, unsigned parts)
{
	struct filter_result res[FILTER_STAGE_BATCH];

	filter_classify_parts(w->snap->filter[p][dir], kp, k, res, parts);
	{
		struct filter_counters *c = filter_stage_counters(w, p, dir);

		if (c != NULL)
			filter_counters_add(c, res, k);
	}
	for (unsigned j = 0; j < k; j++) {
		struct rte_mbuf *m = pkts[sel[j]];

		if (!filter_stage_nacl_ok(&res[j]))
			pkt_drop(m, DROP_NACL_DENY);
		else if (res[j].sg != FILTER_SG_NO_MATCH)
			continue;
		else if (dir == NATGW_DIR_INGRESS)
			pkt_meta(m)->flags |= PKT_F_SG_DENY;
		else if (!(pkt_meta(m)->flags & PKT_F_TRACKED))
			pkt_drop(m, DROP_SG_NO_MATCH);
	}
}

/* Classify, for one direction, the packets of pkts[] that want[i] selects,
 * grouped by port[i] (the ingress or egress port; UINT8_MAX: not filtered),
 * for parts; src[i] overrides the source address when src is not NULL. */
static void filter_stage_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n,
			     uint8_t *port, const uint32_t *src, unsigned dir, unsigned parts)
{
	struct filter_pkt keys[FILTER_STAGE_BATCH];
	const struct filter_pkt *kp[FILTER_STAGE_BATCH];

	for (uint16_t first = 0; first < n; first++) {
		uint8_t p = port[first];
		uint16_t sel[FILTER_STAGE_BATCH];
		unsigned k = 0;

		if (p == UINT8_MAX)
			continue;
		for (uint16_t j = first; j < n; j++) {
			const struct pkt_meta *pm;

			if (port[j] != p)
				continue;
			port[j] = UINT8_MAX;
			pm = pkt_meta(pkts[j]);
			if (pm->action != PKT_TX)
				continue; /* dropped by the NACL pass */
			filter_stage_key(pm, src != NULL ? src[j] : pm->src_ip, &keys[k]);
			kp[k] = &keys[k];
			sel[k++] = j;
		}
		if (k > 0)
			filter_stage_apply(w, pkts, sel, k, kp, p, dir, parts);
	}
}

/* Ingress for up to FILTER_STAGE_BATCH packets: the NACL for all, the groups
 * for those the session stage will not look up (it classifies its misses). */
static void filter_ingress_batch(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_snapshot *s = w->snap;
	bool sessions = s->nat != NULL && w->nat != NULL;
	uint8_t nacl_port[FILTER_STAGE_BATCH], sg_port[FILTER_STAGE_BATCH];
	bool any_nacl = false, any_sg = false;

	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);
		const struct filter_ctx *ctx;

		nacl_port[i] = sg_port[i] = UINT8_MAX;
		if (pm->action != PKT_TX ||
		    (pm->cls != PKT_CLASS_LOCAL && pm->cls != PKT_CLASS_TRANSIT))
			continue;
		if (pm->flags & PKT_F_FRAGMENT) {
			pm->action = PKT_REASSEMBLE; /* filtered once whole */
			continue;
		}
		ctx = s->filter[pm->in_port][NATGW_DIR_INGRESS];
		if (ctx == NULL)
			continue;
		if (filter_has_nacl(ctx)) {
			nacl_port[i] = pm->in_port;
			any_nacl = true;
		}
		if (filter_has_sg(ctx) && !(sessions && pkt_session_keyed(pm))) {
			sg_port[i] = pm->in_port;
			any_sg = true;
		}
	}
	if (any_nacl)
		filter_stage_run(w, pkts, n, nacl_port, NULL, NATGW_DIR_INGRESS, FILTER_PART_NACL);
	if (any_sg)
		filter_stage_run(w, pkts, n, sg_port, NULL, NATGW_DIR_INGRESS, FILTER_PART_SG);
}

void filter_ingress_sg(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t port[FILTER_STAGE_BATCH];

	for (uint16_t off = 0; off < n; off += FILTER_STAGE_BATCH) {
		uint16_t k = (uint16_t)RTE_MIN(FILTER_STAGE_BATCH, n - off);
		bool any = false;

		for (uint16_t i = 0; i < k; i++) {
			const struct pkt_meta *pm = pkt_meta(pkts[off + i]);
			const struct filter_ctx *ctx = w->snap->filter[pm->in_port][NATGW_DIR_INGRESS];

			port[i] = ctx != NULL && filter_has_sg(ctx) ? pm->in_port : UINT8_MAX;
			any |= port[i] != UINT8_MAX;
		}
		if (any)
			filter_stage_run(w, pkts + off, k, port, NULL, NATGW_DIR_INGRESS,
					 FILTER_PART_SG);
	}
}

void filter_ingress_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	if (!w->snap->filtering)
		return;
	for (uint16_t off = 0; off < n; off += FILTER_STAGE_BATCH)
		filter_ingress_batch(w, pkts + off, (uint16_t)RTE_MIN(FILTER_STAGE_BATCH, n - off));
}

/* Egress for up to FILTER_STAGE_BATCH routed packets: the NACL for all, the
 * groups for new flows (a tracked packet passes them whatever they say). */
static void filter_egress_batch(struct worker *w, struct rte_mbuf **pkts, const uint32_t *src_after,
				uint16_t n)
{
	const struct dp_snapshot *s = w->snap;
	uint8_t nacl_port[FILTER_STAGE_BATCH], sg_port[FILTER_STAGE_BATCH];
	bool any_nacl = false, any_sg = false;

	for (uint16_t i = 0; i < n; i++) {
		const struct pkt_meta *pm = pkt_meta(pkts[i]);
		const struct filter_ctx *ctx =
			pm->action == PKT_TX ? s->filter[pm->out_port][NATGW_DIR_EGRESS] : NULL;

		nacl_port[i] = sg_port[i] = UINT8_MAX;
		if (ctx == NULL)
			continue;
		if (filter_has_nacl(ctx)) {
			nacl_port[i] = pm->out_port;
			any_nacl = true;
		}
		if (filter_has_sg(ctx) && !(pm->flags & PKT_F_TRACKED)) {
			sg_port[i] = pm->out_port;
			any_sg = true;
		}
	}
	if (any_nacl)
		filter_stage_run(w, pkts, n, nacl_port, src_after, NATGW_DIR_EGRESS, FILTER_PART_NACL);
	if (any_sg)
		filter_stage_run(w, pkts, n, sg_port, src_after, NATGW_DIR_EGRESS, FILTER_PART_SG);
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
