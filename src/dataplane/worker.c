/* Worker lcores: RX, the core pipeline, dispatch of its verdicts, timers.
 *
 * One worker per EAL lcore (the main lcore included). Worker i owns RX queue
 * q of every port where q % n_workers == i, and TX queue i of every port, so
 * no two workers share a queue and nothing on the packet path takes a lock.
 * The loop: read the TSC, receive a burst per owned queue, run
 * pipeline_run() on it, then act on each packet's verdict (TX, fragment,
 * drop with its reason, or kept by the core), send what the core generated
 * (worker->emit), flush TX buffers, and every 100 ms run the neighbour timer.
 * The loop ends when dataplane->quit is set (by the control thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane.h"
#include "natgw/arp.h"
#include "natgw/nat.h"
#include "natgw/neigh.h"
#include "natgw/steer.h"

/* pkt_ops.alloc: a packet from the shared pool, metadata cleared. */
static struct rte_mbuf *worker_pkt_alloc(struct worker *w)
{
	struct dp_worker *dw = (struct dp_worker *)w;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dw->dp->pool);

	if (m == NULL) {
		w->ctr.drop[DROP_NO_MBUF]++;
		return NULL;
	}
	memset(pkt_meta(m), 0, sizeof(struct pkt_meta));
	return m;
}

/* pkt_ops.free */
static void worker_pkt_free(struct worker *w, struct rte_mbuf *m)
{
	(void)w;
	rte_pktmbuf_free(m);
}

static const struct pkt_ops worker_pkt_ops = {
	.alloc = worker_pkt_alloc,
	.free = worker_pkt_free,
};

/* Send what the core generated (ARP, released neighbour queues). */
static inline void worker_flush_emit(struct dp_worker *dw)
{
	struct worker *w = &dw->core;

	/* Dispatching may not emit more, but be safe: take the list first. */
	while (w->n_emit > 0) {
		struct rte_mbuf *out[WORKER_EMIT_MAX];
		uint16_t n = w->n_emit;

		memcpy(out, w->emit, n * sizeof(out[0]));
		w->n_emit = 0;
		for (uint16_t i = 0; i < n; i++)
			dp_worker_dispatch(dw, out[i]);
	}
}

void dp_worker_process(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n, uint8_t port,
		       uint16_t queue)
{
	struct worker *w = &dw->core;
	struct port_counters *pc = &w->ctr.port[port];
	uint64_t bytes = 0;

	/* Only in_port and in_queue: parse_stage, which every packet goes
	 * through first (dp_worker_pipeline), clears the rest. */
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		pm->in_port = port;
		pm->in_queue = (uint8_t)queue;
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	}
	pc->rx_packets += n;
	pc->rx_bytes += bytes;
	pc->queue[queue % NATGW_MAX_QUEUES].rx_packets += n;
	pc->queue[queue % NATGW_MAX_QUEUES].rx_bytes += bytes;

	dp_worker_pipeline(dw, pkts, n);
}

/* Does this worker steer packets to their owners (several workers and
 * sessions to own: NAT or security groups)? */
static inline bool worker_steering(const struct dp_worker *dw)
{
	return dw->handoff != NULL && dw->core.snap->nat != NULL;
}

/* Give worker `to` a copy of m (ARP replies: every worker learns). */
static void worker_copy_to(struct dp_worker *dw, struct rte_mbuf *m, unsigned to)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, dw->dp->pool, 0, UINT32_MAX);

	if (c == NULL) {
		dw->core.ctr.drop[DROP_NO_MBUF]++;
		return;
	}
	/* The copy's data starts at the same offset: the parse holds for it. */
	memcpy(pkt_meta(c), pkt_meta(m), sizeof(struct pkt_meta));
	if (rte_ring_mp_enqueue(dw->dp->workers[to]->handoff, c) != 0) {
		dw->core.ctr.drop[DROP_HANDOFF_FULL]++;
		rte_pktmbuf_free(c);
		return;
	}
	dw->core.ctr.handed_off++;
}

/* Parse pkts and hand those another worker owns (steer.h) to it; returns how
 * many stay here, compacted at the front of pkts (parsed). */
static uint16_t worker_steer(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n)
{
	struct worker *w = &dw->core;
	struct dataplane *dp = dw->dp;
	uint16_t owners[DP_BURST], keep = 0;

	parse_stage(w, pkts, n);
	/* Packets parse dropped come back STEER_LOCAL: counted here. */
	steer_burst(w->snap->nat, &dp->steer, dp->n_workers, pkts, n, owners);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t owner = owners[i];

		if (owner == STEER_ALL) {
			for (unsigned k = 0; k < dp->n_workers; k++)
				if (k != w->id)
					worker_copy_to(dw, m, k);
			pkts[keep++] = m;
		} else if (owner == STEER_LOCAL || owner == w->id || owner >= dp->n_workers) {
			pkts[keep++] = m;
		} else if (rte_ring_mp_enqueue(dp->workers[owner]->handoff, m) != 0) {
			w->ctr.drop[DROP_HANDOFF_FULL]++;
			rte_pktmbuf_free(m);
		} else {
			w->ctr.handed_off++;
		}
	}
	return keep;
}

void dp_worker_pipeline(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n)
{
	for (; n > DP_BURST; pkts += DP_BURST, n -= DP_BURST) /* bursts of at most DP_BURST */
		dp_worker_pipeline(dw, pkts, DP_BURST);
	if (worker_steering(dw)) {
		n = worker_steer(dw, pkts, n);
		pipeline_run_parsed(&dw->core, pkts, n);
	} else {
		pipeline_run(&dw->core, pkts, n);
	}
	for (uint16_t i = 0; i < n; i++)
		dp_worker_dispatch(dw, pkts[i]);
}

/* Process what other workers handed to this one (it owns them: no steering;
 * the sender parsed them, and parsing depends only on the ports, which do not
 * change while natgw runs). */
static inline uint16_t worker_poll_handoff(struct dp_worker *dw)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(dw->handoff, (void **)pkts, DP_BURST, NULL);

	if (n == 0)
		return 0;
	dw->core.ctr.handed_in += n;
	pipeline_run_parsed(&dw->core, pkts, (uint16_t)n);
	for (unsigned i = 0; i < n; i++)
		dp_worker_dispatch(dw, pkts[i]);
	return (uint16_t)n;
}

void dp_worker_flush(struct dp_worker *dw)
{
	struct worker *w = &dw->core;

	worker_flush_emit(dw);
	for (unsigned p = 0; p < w->snap->n_ports; p++)
		dp_tx_flush_port(dw, p);
}

/* Give the NAT allocator the RSS view of the snapshot's NAT port (it changes
 * only when a reload moves NAT to another port): with it, new sessions get
 * public ports whose replies the NIC delivers to this worker's queue. */
static inline void worker_nat_rss_follow(struct dp_worker *dw)
{
	const struct dp_snapshot *s = dw->core.snap;
	const struct rss_conf *v = s->nat != NULL ? s->ports[s->nat->port].rss : NULL;

	if (v != dw->nat_rss && dw->core.nat != NULL) {
		nat_worker_rss_set(dw->core.nat, v, (uint16_t)dw->core.id);
		dw->nat_rss = v;
	}
}

/* Receive and process one burst from one queue. Returns packets received. */
static inline uint16_t worker_poll(struct dp_worker *dw, const struct dp_rxq *rq)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n = rte_eth_rx_burst(dw->core.snap->ports[rq->port].ethdev, rq->queue, pkts,
				      DP_BURST);

	if (n != 0)
		dp_worker_process(dw, pkts, n, rq->port, rq->queue);
	return n;
}

void dp_worker_service(struct dp_worker *dw)
{
	uint64_t seq = __atomic_load_n(&dw->call_seq, __ATOMIC_ACQUIRE);

	if (seq == dw->done_seq)
		return;
	dw->call_fn(dw, dw->call_arg);
	/* Release: the caller that sees done_seq sees what fn wrote. */
	__atomic_store_n(&dw->done_seq, seq, __ATOMIC_RELEASE);
}

/* The worker loop. */
static int worker_main(void *arg)
{
	struct dp_worker *dw = arg;
	struct worker *w = &dw->core;
	struct dataplane *dp = dw->dp;
	uint64_t timer_period = w->hz / 10;

	w->now = rte_rdtsc();
	dw->next_timer = w->now + timer_period;
	if (w->id == 0 && dp->cfg->global.gratuitous_arp) {
		for (unsigned p = 0; p < w->snap->n_ports; p++)
			arp_send_gratuitous(w, p);
		/* NAT pool addresses that are not the port's own address. */
		if (dp->cfg->nat.enabled)
			for (unsigned i = 0; i < dp->cfg->nat.n_pool; i++)
				if (dp->cfg->nat.pool[i] != dp->cfg->ports[dp->cfg->nat.port].addr)
					arp_send_gratuitous_addr(w, dp->cfg->nat.port, dp->cfg->nat.pool[i]);
	}

	if (dp->qsv != NULL)
		rte_rcu_qsbr_thread_online(dp->qsv, w->id);
	while (!dp->quit) {
		uint16_t got = 0;

		/* Acquire: pairs with dp_snapshot_publish's release store. The
		 * snapshot is used for this iteration only (quiescent below). */
		w->snap = __atomic_load_n(&dp->snap, __ATOMIC_ACQUIRE);
		worker_nat_rss_follow(dw);
		w->now = rte_rdtsc();
		for (unsigned i = 0; i < dw->n_rxq; i++)
			got += worker_poll(dw, &dw->rxq[i]);
		if (dw->handoff != NULL)
			got += worker_poll_handoff(dw);
		if (w->now >= dw->next_timer) {
			neigh_timer(w);
			if (w->nat != NULL)
				nat_timer(w);
			dp_reasm_timer(dw);
			dw->next_timer = w->now + timer_period;
		}
		dp_worker_flush(dw);
		dp_worker_service(dw);
		w->ctr.loops++;
		if (got)
			w->ctr.busy_loops++;
		if (dp->qsv != NULL)
			rte_rcu_qsbr_quiescent(dp->qsv, w->id);
	}
	if (dp->qsv != NULL)
		rte_rcu_qsbr_thread_offline(dp->qsv, w->id);
	return 0;
}

int dp_workers_create(struct dataplane *dp, char *msg, size_t len)
{
	unsigned lcore, i = 0;
	int rc;

	RTE_LCORE_FOREACH(lcore) {
		struct dp_worker *dw;

		if (i >= DP_MAX_WORKERS)
			break;
		dw = rte_zmalloc_socket("worker", sizeof(*dw), RTE_CACHE_LINE_SIZE,
					(int)rte_lcore_to_socket_id(lcore));
		if (dw == NULL) {
			snprintf(msg, len, "cannot allocate worker %u", i);
			return -ENOMEM;
		}
		dp->workers[i] = dw;
		dw->dp = dp;
		dw->lcore = lcore;
		dw->txq = (uint16_t)i;
		dw->core.id = i;
		dw->core.snap = dp->snap;
		dw->core.ops = &worker_pkt_ops;
		dw->core.hz = rte_get_tsc_hz();
		dw->core.now = rte_rdtsc();
		dw->core.dp = dw;
		dw->core.neigh = neigh_table_create(4096);
		if (dw->core.neigh == NULL) {
			snprintf(msg, len, "cannot allocate the neighbour table of worker %u", i);
			return -ENOMEM;
		}
		for (unsigned n = 0; n < dp->cfg->n_neighbours; n++) {
			const struct natgw_neighbour_config *nc = &dp->cfg->neighbours[n];
			struct rte_ether_addr mac;

			memcpy(mac.addr_bytes, nc->mac, 6);
			rc = neigh_static_add(dw->core.neigh, nc->port, nc->addr, &mac);
			if (rc != 0) {
				snprintf(msg, len, "static neighbour %u: %s", n, strerror(-rc));
				return rc;
			}
		}
		rc = dp_tx_init(dw, dp->n_ports, (int)rte_lcore_to_socket_id(lcore));
		if (rc != 0) {
			snprintf(msg, len, "cannot allocate TX buffers of worker %u", i);
			return rc;
		}
		i++;
	}
	dp->n_workers = i;
	rc = steer_conf_init(&dp->steer, dp->cfg->global.rss_key, dp->n_workers);
	if (rc != 0) {
		snprintf(msg, len, "cannot set up steering over %u workers", dp->n_workers);
		return rc;
	}
	/* Session tables and reassembly always exist: NAT and security groups
	 * use them, and a reload may turn either on. Untouched table pages cost
	 * nothing (the tables are mapped lazily). */
	{
		for (unsigned k = 0; k < dp->n_workers; k++) {
			struct dp_worker *dw = dp->workers[k];
			struct nat_worker_params np = {
				.max_sessions = RTE_MAX(dp->cfg->nat.max_sessions / dp->n_workers, 1u),
				.worker_id = k,
				.n_workers = dp->n_workers,
			};

			dw->core.nat = nat_worker_create(&np);
			if (dw->core.nat == NULL) {
				snprintf(msg, len, "cannot allocate NAT state for %u sessions (worker %u)",
					 np.max_sessions, k);
				return -ENOMEM;
			}
			rc = dp_reasm_init(dw, (int)rte_lcore_to_socket_id(dw->lcore));
			if (rc != 0) {
				snprintf(msg, len, "cannot allocate the reassembly table of worker %u", k);
				return rc;
			}
		}
	}
	/* Several workers: each gets a ring other workers hand it the packets
	 * of its sessions through (bounded; full: counted handoff_full drops). */
	if (dp->n_workers > 1)
		for (unsigned k = 0; k < dp->n_workers; k++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "handoff%u", k);
			dp->workers[k]->handoff = rte_ring_create(name, DP_HANDOFF_RING, SOCKET_ID_ANY,
								  RING_F_SC_DEQ);
			if (dp->workers[k]->handoff == NULL) {
				snprintf(msg, len, "cannot create the handoff ring of worker %u", k);
				return -ENOMEM;
			}
		}
	for (unsigned p = 0; p < dp->n_ports; p++)
		for (uint16_t q = 0; q < dp->ports[p].n_rxq; q++) {
			struct dp_worker *dw = dp->workers[q % dp->n_workers];
			dw->rxq[dw->n_rxq].port = (uint8_t)p;
			dw->rxq[dw->n_rxq].queue = q;
			dw->n_rxq++;
		}
	return 0;
}

void dp_workers_run(struct dataplane *dp)
{
	dp->start_tsc = rte_rdtsc();
	dp->running = true;
	for (unsigned i = 1; i < dp->n_workers; i++)
		rte_eal_remote_launch(worker_main, dp->workers[i], dp->workers[i]->lcore);
	worker_main(dp->workers[0]);
	rte_eal_mp_wait_lcore();
	dp->running = false;
}

void dp_workers_destroy(struct dataplane *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *dw = dp->workers[i];

		if (dw == NULL)
			continue;
		for (uint16_t e = 0; e < dw->core.n_emit; e++)
			rte_pktmbuf_free(dw->core.emit[e]);
		dw->core.n_emit = 0;
		if (dw->handoff != NULL) {
			struct rte_mbuf *m;

			while (rte_ring_sc_dequeue(dw->handoff, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(dw->handoff);
			dw->handoff = NULL;
		}
		neigh_table_destroy(dw->core.neigh, &dw->core);
		if (dw->core.nat != NULL)
			nat_worker_destroy(dw->core.nat);
		dp_reasm_fini(dw);
		for (unsigned p = 0; p < NATGW_MAX_PORTS; p++)
			rte_free(dw->txb[p]);
		rte_free(dw);
		dp->workers[i] = NULL;
	}
}
