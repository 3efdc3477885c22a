/* natgw ARP: answer requests for our addresses, learn neighbours, build requests.
 *
 * Overview: arp_input() handles ARP frames parsed by parse_stage. A request
 * for the ingress port's own address is turned into a reply in place. The
 * neighbour table learns the sender when the packet is addressed to us
 * (request or reply whose target is the ingress port address), or when it is
 * a gratuitous ARP (sender == target) for an entry we already have; only
 * senders on the ingress port's subnet are learnt. Consumed frames (replies,
 * gratuitous updates) get action PKT_FREE (the dataplane frees them). Everything
 * else is DROP_ARP_NOT_FOR_US.
 * NAT: on the NAT port (snap->nat->port) requests for any pool address are
 * answered too (with that port's MAC), like requests for the port address.
 * arp_send_gratuitous(), arp_send_gratuitous_addr() and arp_send_request()
 * allocate a fresh frame through w->ops and append it to w->emit.
 * Life-cycle: stateless (state lives in the neighbour table).
 * Who: the owning worker only.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>

#include "natgw/arp.h"
#include "natgw/nat.h"
#include "natgw/neigh.h"
#include "natgw/pipeline.h"

#define ARP_FRAME_LEN 60 /* minimum Ethernet frame without FCS */

/* True when ip (host order) is on port p's subnet and is not p's own address. */
static inline bool arp_on_subnet(const struct dp_port *p, uint32_t ip)
{
	return ip != 0 && p->addr != 0 && ip != p->addr &&
	       (ip & p->netmask) == (p->addr & p->netmask);
}

/* Fill m with an Ethernet/ARP frame of ARP_FRAME_LEN bytes from port p
 * (sender address sip_host: the port's own or, for NAT, a pool address). */
static void arp_frame_fill(struct rte_mbuf *m, const struct dp_port *p, uint16_t op,
			   const struct rte_ether_addr *eth_dst, uint32_t sip_host,
			   uint32_t tip_host, const struct rte_ether_addr *tha)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	m->data_len = ARP_FRAME_LEN;
	m->pkt_len = ARP_FRAME_LEN;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(eth, 0, ARP_FRAME_LEN);
	rte_ether_addr_copy(eth_dst, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&p->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(sip_host);
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(tip_host);
}

/* Allocate and build a broadcast ARP request from port (sender sip_host) for
 * tip_host; NULL on failure. */
static struct rte_mbuf *arp_request_alloc(struct worker *w, unsigned port, uint32_t sip_host,
					  uint32_t tip_host)
{
	static const struct rte_ether_addr zero_mac = { { 0 } };
	static const struct rte_ether_addr bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	const struct dp_port *p = &w->snap->ports[port];
	struct rte_mbuf *m = w->ops->alloc(w);
	struct pkt_meta *pm;

	if (m == NULL) {
		w->ctr.drop[DROP_NO_MBUF]++;
		return NULL;
	}
	arp_frame_fill(m, p, RTE_ARP_OP_REQUEST, &bcast_mac, sip_host, tip_host, &zero_mac);
	pm = pkt_meta(m);
	memset(pm, 0, sizeof(*pm));
	pm->l3_off = sizeof(struct rte_ether_hdr);
	pm->l4_off = pm->l3_off;
	pm->ethertype = RTE_ETHER_TYPE_ARP;
	pm->cls = PKT_CLASS_ARP;
	pm->action = PKT_TX;
	pm->in_port = (uint8_t)port;
	pm->out_port = (uint8_t)port;
	pm->src_ip = rte_cpu_to_be_32(sip_host);
	pm->dst_ip = rte_cpu_to_be_32(tip_host);
	return m;
}

/* Send a broadcast ARP request for target_ip_host out port (see arp.h). */
int arp_send_request(struct worker *w, unsigned port, uint32_t target_ip_host)
{
	struct rte_mbuf *m;

	if (port >= w->snap->n_ports)
		return -EINVAL;
	m = arp_request_alloc(w, port, w->snap->ports[port].addr, target_ip_host);
	if (m == NULL)
		return -ENOMEM;
	w->ctr.gen[GEN_ARP_REQUEST]++;
	worker_emit(w, m);
	return 0;
}

/* Announce port's address with a gratuitous ARP request (sender = target). */
int arp_send_gratuitous(struct worker *w, unsigned port)
{
	struct rte_mbuf *m;

	if (port >= w->snap->n_ports || w->snap->ports[port].addr == 0)
		return -EINVAL;
	m = arp_request_alloc(w, port, w->snap->ports[port].addr, w->snap->ports[port].addr);
	if (m == NULL)
		return -ENOMEM;
	w->ctr.gen[GEN_ARP_GRATUITOUS]++;
	worker_emit(w, m);
	return 0;
}

/* Announce addr_host (e.g. a NAT pool address) on port with a gratuitous ARP (see arp.h). */
int arp_send_gratuitous_addr(struct worker *w, unsigned port, uint32_t addr_host)
{
	struct rte_mbuf *m;

	if (port >= w->snap->n_ports || addr_host == 0)
		return -EINVAL;
	m = arp_request_alloc(w, port, addr_host, addr_host);
	if (m == NULL)
		return -ENOMEM;
	w->ctr.gen[GEN_ARP_GRATUITOUS]++;
	worker_emit(w, m);
	return 0;
}

/* Turn the request m into a reply from port p for address addr_host in place
 * and send it back. */
static void arp_reply_in_place(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
			       const struct dp_port *p, uint32_t addr_host)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, pm->l3_off);
	uint32_t sip = arp->arp_data.arp_sip;

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&p->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(addr_host);
	pm->src_ip = arp->arp_data.arp_sip;
	pm->dst_ip = sip;
	pm->action = PKT_TX;
	pm->out_port = pm->in_port;
	w->ctr.gen[GEN_ARP_REPLY]++;
}

/* Mark m as done with: the dataplane frees it without counting a drop. */
static void arp_consume(struct worker *w, struct rte_mbuf *m)
{
	(void)w;
	pkt_meta(m)->action = PKT_FREE;
}

/* NAT hook: true when tip_host is a NAT pool address and port is the NAT port. */
static bool arp_is_nat_addr(const struct worker *w, uint8_t port, uint32_t tip_host)
{
	const struct nat_rt *rt = w->snap->nat;

	return rt != NULL && rt->port == port && nat_is_pool_addr(rt, rte_cpu_to_be_32(tip_host));
}

/* Handle one ARP packet: answer requests for our address, learn neighbours. */
void arp_input(struct worker *w, struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *p = &w->snap->ports[pm->in_port];
	const struct rte_arp_hdr *arp =
		rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, pm->l3_off);
	uint32_t sip = rte_be_to_cpu_32(arp->arp_data.arp_sip);
	uint32_t tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
	struct rte_ether_addr sha = arp->arp_data.arp_sha;
	bool learnable = arp_on_subnet(p, sip) && rte_is_unicast_ether_addr(&sha) &&
			 !rte_is_zero_ether_addr(&sha);
	bool request = arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);

	if (tip != 0 && sip != tip && (tip == p->addr || arp_is_nat_addr(w, pm->in_port, tip))) {
		/* Addressed to us: learn the sender, answer a request, consume a reply. */
		if (learnable)
			neigh_learn(w, pm->in_port, sip, &sha);
		if (request)
			arp_reply_in_place(w, m, pm, p, tip);
		else
			arp_consume(w, m);
		return;
	}
	if (sip == tip && learnable && neigh_lookup(w->neigh, pm->in_port, sip) != NULL) {
		/* Gratuitous ARP refreshing (or changing) a neighbour we know. */
		neigh_learn(w, pm->in_port, sip, &sha);
		arp_consume(w, m);
		return;
	}
	pkt_drop(m, DROP_ARP_NOT_FOR_US);
}
