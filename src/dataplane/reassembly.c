/* IPv4 reassembly for NAT: fragments become whole datagrams before NAT.
 *
 * NAT needs the transport ports, which only a first fragment carries, so when
 * NAT is configured the core marks every IPv4 fragment PKT_REASSEMBLE (like
 * Linux conntrack's defragmentation). Each worker owns an rte_ip_frag table:
 * at most REASM_MAX_FLOWS datagrams in progress, each of at most
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments, forgotten after
 * REASM_TIMEOUT_MS; fragments that do not fit, time out or overlap go to
 * the death row and are counted as NAT_REASSEMBLY_FAILED drops. A completed
 * datagram (a multi-segment mbuf; headers in the first segment) gets a fresh
 * header checksum and goes through the whole pipeline again, in the same
 * burst. Only the owning worker touches its table.
 */
/* rte_ip_frag_table_del_expired_entries is still experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>

#include "dataplane.h"

#define REASM_BUCKETS 1024
#define REASM_BUCKET_ENTRIES 4
#define REASM_MAX_FLOWS 4096
#define REASM_TIMEOUT_MS 5000

int dp_reasm_init(struct dp_worker *dw, int socket)
{
	uint64_t cycles = rte_get_tsc_hz() / 1000 * REASM_TIMEOUT_MS;

	dw->frag_tbl = rte_ip_frag_table_create(REASM_BUCKETS, REASM_BUCKET_ENTRIES,
						REASM_MAX_FLOWS, cycles, socket);
	return dw->frag_tbl == NULL ? -ENOMEM : 0;
}

void dp_reasm_fini(struct dp_worker *dw)
{
	if (dw->frag_tbl == NULL)
		return;
	rte_ip_frag_table_destroy(dw->frag_tbl);
	dw->frag_tbl = NULL;
}

/* Free the death row, counting each mbuf as a dropped fragment. */
static void reasm_bury(struct dp_worker *dw)
{
	if (dw->frag_dr.cnt == 0)
		return;
	dw->core.ctr.drop[DROP_NAT_REASSEMBLY_FAILED] += dw->frag_dr.cnt;
	rte_ip_frag_free_death_row(&dw->frag_dr, 0);
}

void dp_reasm_packet(struct dp_worker *dw, struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);
	uint8_t port = pm->in_port, queue = pm->in_queue;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *whole;

	if (dw->frag_tbl == NULL) {
		dw->core.ctr.drop[DROP_NAT_REASSEMBLY_FAILED]++;
		rte_pktmbuf_free(m);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pm->l3_off);
	m->l2_len = pm->l3_off;
	m->l3_len = pm->ihl;
	whole = rte_ipv4_frag_reassemble_packet(dw->frag_tbl, &dw->frag_dr, m, dw->core.now, ip);
	reasm_bury(dw);
	if (whole == NULL)
		return; /* kept until the datagram is complete, or buried */

	ip = rte_pktmbuf_mtod_offset(whole, struct rte_ipv4_hdr *, whole->l2_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (rte_ipv4_frag_pkt_is_fragmented(ip)) {
		dw->core.ctr.drop[DROP_NAT_REASSEMBLY_FAILED]++;
		rte_pktmbuf_free(whole);
		return;
	}
	dw->core.ctr.nat[NAT_CTR_FRAGMENTS_REASSEMBLED]++;
	pm = pkt_meta(whole);
	memset(pm, 0, sizeof(*pm));
	pm->in_port = port;
	pm->in_queue = queue;
	dp_worker_pipeline(dw, &whole, 1);
}

void dp_reasm_timer(struct dp_worker *dw)
{
	if (dw->frag_tbl == NULL)
		return;
	rte_ip_frag_table_del_expired_entries(dw->frag_tbl, &dw->frag_dr, dw->core.now);
	reasm_bury(dw);
}
