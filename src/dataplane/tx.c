/* Transmit side of a worker: buffered TX per port, fragmentation, counters.
 *
 * Each worker has one TX queue id on every port and one rte_eth_dev_tx_buffer
 * per port. Queueing a packet only appends it (dp_tx_buffer, inline); the
 * port's counters are added for the whole buffer just before it is handed to
 * the PMD (dp_tx_flush_port: when full, and at the end of every loop), and
 * un-counted (and counted as TX_FULL drops) by the buffer's error callback
 * for the packets the PMD refuses. The totals are those of counting each
 * packet when queued.
 * Fragmentation uses rte_ip_frag (direct + indirect mbufs) and fixes the
 * Ethernet header and IPv4 checksum of every fragment. Chained mbufs
 * (fragments, reassembled datagrams) are copied into one segment for ports
 * whose PMD cannot send chains. Only the owning
 * worker lcore calls these.
 */
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dataplane.h"
#include "natgw/cksum.h"

#define TX_MAX_FRAGS 64

/* TX buffer error callback: the PMD did not take these packets. */
static void tx_unsent(struct rte_mbuf **unsent, uint16_t count, void *userdata)
{
	struct dp_txctx *ctx = userdata;
	struct worker_counters *c = &ctx->dw->core.ctr;
	struct port_counters *pc = &c->port[ctx->port];

	for (uint16_t i = 0; i < count; i++) {
		pc->tx_packets--;
		pc->tx_bytes -= rte_pktmbuf_pkt_len(unsent[i]);
		pc->queue[ctx->dw->txq % NATGW_MAX_QUEUES].tx_packets--;
		pc->queue[ctx->dw->txq % NATGW_MAX_QUEUES].tx_bytes -= rte_pktmbuf_pkt_len(unsent[i]);
		c->drop[DROP_TX_FULL]++;
		rte_pktmbuf_free(unsent[i]);
	}
}

/* Set up the worker's TX buffers (one per port). 0 or -ENOMEM. */
int dp_tx_init(struct dp_worker *dw, unsigned n_ports, int socket)
{
	for (unsigned p = 0; p < n_ports; p++) {
		dw->txb[p] = rte_zmalloc_socket("txbuf", RTE_ETH_TX_BUFFER_SIZE(DP_BURST), 0, socket);
		if (dw->txb[p] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(dw->txb[p], DP_BURST);
		dw->txctx[p].dw = dw;
		dw->txctx[p].port = (uint8_t)p;
		rte_eth_tx_buffer_set_err_callback(dw->txb[p], tx_unsent, &dw->txctx[p]);
	}
	return 0;
}

/* A single-segment copy of chained m (for PMDs without multi-segment TX,
 * such as net_af_xdp, which would send only the first segment's bytes).
 * Consumes m; NULL (counted) when no buffer is available. */
static struct rte_mbuf *tx_linearize(struct dp_worker *dw, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(dw->dp->pool);
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (c == NULL || len > rte_pktmbuf_tailroom(c)) {
		dw->core.ctr.drop[DROP_NO_MBUF]++;
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(m);
		return NULL;
	}
	rte_pktmbuf_read(m, 0, len, rte_pktmbuf_append(c, (uint16_t)len));
	*pkt_meta(c) = *pkt_meta(m);
	c->ol_flags = m->ol_flags;
	c->tx_offload = m->tx_offload;
	rte_pktmbuf_free(m);
	return c;
}

void dp_tx_enqueue(struct dp_worker *dw, struct rte_mbuf *m, unsigned port)
{
	if (unlikely(m->nb_segs > 1) && !dw->dp->ports[port].multi_seg) {
		m = tx_linearize(dw, m);
		if (m == NULL)
			return;
	}
	dp_tx_buffer(dw, m, port);
}

void dp_tx_flush_port(struct dp_worker *dw, unsigned port)
{
	struct rte_eth_dev_tx_buffer *b = dw->txb[port];
	struct port_counters *pc = &dw->core.ctr.port[port];
	struct port_queue_counters *qc;
	uint16_t n = b->length;
	uint64_t bytes = 0, transit = 0;

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		bytes += rte_pktmbuf_pkt_len(b->pkts[i]);
		transit += pkt_meta(b->pkts[i])->cls == PKT_CLASS_TRANSIT;
	}
	qc = &pc->queue[dw->txq % NATGW_MAX_QUEUES];
	pc->tx_packets += n;
	pc->tx_bytes += bytes;
	qc->tx_packets += n;
	qc->tx_bytes += bytes;
	pc->forwarded += transit;
	/* Refused packets: tx_unsent un-counts them and counts the drops. */
	rte_eth_tx_buffer_flush(dw->core.snap->ports[port].ethdev, dw->txq, b);
}

void dp_fragment_send(struct dp_worker *dw, struct rte_mbuf *m, unsigned port)
{
	struct worker *w = &dw->core;
	const struct dp_port *p = &w->snap->ports[port];
	struct rte_mbuf *frags[TX_MAX_FRAGS];
	struct rte_ether_hdr eth = *rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct pkt_meta meta = *pkt_meta(m);
	int32_t n;

	/* rte_ip_frag wants the packet to start at the IPv4 header. */
	rte_pktmbuf_adj(m, meta.l3_off);
	n = rte_ipv4_fragment_packet(m, frags, TX_MAX_FRAGS, p->mtu, dw->dp->pool,
				     dw->dp->indirect_pool);
	rte_pktmbuf_free(m);
	if (n < 0) {
		w->ctr.drop[DROP_FRAG_FAILED]++;
		return;
	}
	for (int32_t i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		struct rte_ether_hdr *e;
		struct rte_ipv4_hdr *ip;

		e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f, sizeof(*e));
		if (e == NULL) {
			rte_pktmbuf_free(f);
			w->ctr.drop[DROP_FRAG_FAILED]++;
			continue;
		}
		*e = eth;
		*pkt_meta(f) = meta;
		ip = (struct rte_ipv4_hdr *)(e + 1);
		ip->hdr_checksum = 0;
		if (p->tx_ip_csum) {
			f->l2_len = sizeof(*e);
			f->l3_len = sizeof(*ip);
			f->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		} else {
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		w->ctr.port[port].fragments_out++;
		dp_tx_enqueue(dw, f, port);
	}
}
