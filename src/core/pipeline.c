/* natgw pipeline: the core path for one received burst.
 *
 * Overview: parse_stage classifies every packet; then packets for our own
 * addresses go to icmp_local_input, transit packets are gathered and handed
 * to forward_stage as one batch, and ARP frames go to arp_input last.
 * Frames arp_input is done with get action PKT_FREE and are freed by the
 * dataplane after dispatch, so no mbuf still in pkts[] is ever freed here.
 * NAT hook: when NAT is configured, nat_prerouting_stage runs between parse
 * and dispatch (sessions looked up, packets translated, ICMP errors about
 * sessions translated); packets it translated come back as TRANSIT, packets
 * it wants reassembled have action PKT_REASSEMBLE and ones it answered in
 * place (an ICMP error sent back) have class NONE: dispatch skips both.
 * Filtering: filter_ingress_stage runs right after parse (on the packet as
 * received); a new flow no ingress group rule allows (PKT_F_SG_DENY without
 * PKT_F_TRACKED after the session stage) is dropped here as sg_no_match.
 * The egress filter runs inside forward_stage.
 * On return every packet has its action set; generated packets are in w->emit.
 * Life-cycle: stateless. Who: the owning worker, once per RX burst.
 */
#include "natgw/nat.h"
#include "natgw/pipeline.h"

#define PIPELINE_CHUNK 256

/* Dispatch up to PIPELINE_CHUNK parsed packets to their stage. */
static void pipeline_dispatch(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *transit[PIPELINE_CHUNK];
	struct rte_mbuf *arp[PIPELINE_CHUNK];
	uint16_t n_transit = 0, n_arp = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		if (pm->action == PKT_DROP || pm->action == PKT_REASSEMBLE)
			continue; /* REASSEMBLE: NAT hands the fragment to the dataplane */
		if ((pm->flags & (PKT_F_SG_DENY | PKT_F_TRACKED)) == PKT_F_SG_DENY &&
		    pm->action == PKT_TX && pm->cls != PKT_CLASS_NONE) {
			pkt_drop(pkts[i], DROP_SG_NO_MATCH); /* new flow, no ingress rule */
			continue;
		}
		switch (pm->cls) {
		case PKT_CLASS_NONE:
			break; /* NAT already turned it into an ICMP error to send */
		case PKT_CLASS_ARP:
			arp[n_arp++] = pkts[i];
			break;
		case PKT_CLASS_LOCAL:
			icmp_local_input(w, pkts[i]);
			break;
		case PKT_CLASS_TRANSIT:
			transit[n_transit++] = pkts[i];
			break;
		default:
			pkt_drop(pkts[i], DROP_ETHERTYPE_UNSUPPORTED); /* not reached */
			break;
		}
	}
	if (n_transit > 0)
		forward_stage(w, transit, n_transit);
	for (uint16_t i = 0; i < n_arp; i++)
		arp_input(w, arp[i]);
}

/* Run the whole core path on a burst: parse, then ARP / local / transit. */
void pipeline_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	parse_stage(w, pkts, n);
	pipeline_run_parsed(w, pkts, n);
}

/* The core path after parse_stage (packets steered between workers are parsed
 * once, by the worker that received them). */
void pipeline_run_parsed(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	filter_ingress_stage(w, pkts, n); /* NACL drops; groups mark (state decides) */
	if (w->snap->nat != NULL && w->nat != NULL)
		nat_prerouting_stage(w, pkts, n); /* NAT: before the local/transit split */
	for (uint16_t off = 0; off < n; off += PIPELINE_CHUNK)
		pipeline_dispatch(w, pkts + off, (uint16_t)RTE_MIN(PIPELINE_CHUNK, n - off));
}
