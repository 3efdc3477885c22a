/* RX mempools for net_af_xdp ports.
 *
 * DPDK 22.11's net_af_xdp (built with unaligned-chunk support, as Debian's is:
 * "Zero copy between umem and mbuf enabled") registers the port's RX mempool
 * itself as the AF_XDP UMEM, and assumes the pool's objects are packed back to
 * back in one chunk: base = the first memory chunk rounded down to a page,
 * size = populated_size * object size (+ the rounding). rte_pktmbuf_pool_create()
 * does not pack them: it keeps every object inside one page, and natgw's EAL runs
 * with --no-huge, i.e. 4 KiB pages, so ~2.5 KiB mbufs sit one per page. A pool of
 * 3136 mbufs then spans 12.8 MB while the UMEM covers 7.8 MB: about 40% of the
 * mbufs lie outside it. The kernel rejects any TX descriptor pointing there as
 * invalid (XDP_STATISTICS tx_invalid_descs; nothing reaches the wire, sendto()
 * still returns 0) and silently swallows fill-ring entries pointing there.
 * The PMD copies every frame that is not from this pool (ARP requests, the
 * gratuitous ARP, packets forwarded from other ports) into a fresh mbuf of
 * this pool; right after start the per-lcore cache hands out mbufs past the
 * UMEM end, so those frames vanish; once frames have been received, freed RX
 * mbufs (which are inside the UMEM) get recycled first and TX mostly works.
 * Fixed upstream in DPDK 24.07 (97039941b2 "net/af_xdp: parse UMEM map info
 * from mempool"), not in 22.11.
 *
 * Workaround: create af_xdp RX pools with RTE_MEMPOOL_F_NO_IOVA_CONTIG, which
 * lets objects cross page boundaries, so they are packed back to back exactly
 * as the PMD assumes, and check that the pool got a single memory chunk.
 * (AF_XDP copies through the kernel here; nothing needs an object to be
 * IOVA-contiguous. With IOVA as VA the mbufs' buf_iova stays valid.)
 */
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "dataplane.h"

/* The UMEM size DPDK 22.11's net_af_xdp registers for mp (see above). */
static uint64_t afxdp_pmd_umem_size(const struct rte_mempool *mp, uintptr_t *base)
{
	const struct rte_mempool_memhdr *mh = STAILQ_FIRST(&mp->mem_list);
	uintptr_t start = (uintptr_t)mh->addr;

	*base = start & ~((uintptr_t)getpagesize() - 1);
	return (uint64_t)mp->populated_size * rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL) +
	       (start - *base);
}

static void afxdp_obj_end(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	uintptr_t *end = arg, e = (uintptr_t)obj + mp->elt_size + mp->trailer_size;

	(void)idx;
	if (e > *end)
		*end = e;
}

struct rte_mempool *dp_rx_pool_create(const char *driver, const char *name, unsigned n,
				      unsigned cache, uint16_t priv_size, uint16_t data_room,
				      int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = data_room,
		.mbuf_priv_size = priv_size,
	};
	struct rte_mempool *mp;
	uintptr_t base, end = 0;
	uint64_t umem;
	int rc;

	if (strcmp(driver, "net_af_xdp") != 0)
		return rte_pktmbuf_pool_create(name, n, cache, priv_size, data_room, socket);

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size + data_room, cache,
				      sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0 && mp->nb_mem_chunks != 1)
		rc = -ENOMEM; /* the PMD would register only the first chunk */
	if (rc != 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);

	umem = afxdp_pmd_umem_size(mp, &base);
	rte_mempool_obj_iter(mp, afxdp_obj_end, &end);
	if (end - base > umem)
		RTE_LOG(WARNING, USER1,
			"pool %s: mbufs span %lu bytes but net_af_xdp registers %lu: TX may drop frames\n",
			name, (unsigned long)(end - base), (unsigned long)umem);
	return mp;
}
