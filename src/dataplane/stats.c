/* Counters table: per port (with per-queue lines), per drop reason, per kind
 * of generated packet, summed over workers, plus the PMD's own statistics.
 *
 * Called from the control thread (SIGUSR1, stats_interval) and at exit.
 * Reads worker counters without synchronisation: each is a 64-bit aligned
 * word written by one worker, so a read sees an old or new value, never a
 * torn one. Reason names are stable: tests and tools grep for them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dataplane.h"
#include "natgw/nat.h"

/* Sum all workers' counters into total. */
static void stats_sum(struct dataplane *dp, struct worker_counters *total)
{
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i < dp->n_workers; i++) {
		const uint64_t *src = (const uint64_t *)&dp->workers[i]->core.ctr;
		uint64_t *dst = (uint64_t *)total;

		for (size_t k = 0; k < sizeof(*total) / sizeof(uint64_t); k++)
			dst[k] += src[k];
	}
}

void dp_stats_print(struct dataplane *dp, FILE *f)
{
	struct worker_counters t;
	uint64_t drops = 0;
	double uptime = dp->start_tsc ? (double)(rte_rdtsc() - dp->start_tsc) / rte_get_tsc_hz() : 0;

	stats_sum(dp, &t);
	fprintf(f, "==== natgw counters (uptime %.1f s, %u worker%s) ====\n", uptime, dp->n_workers,
		dp->n_workers == 1 ? "" : "s");
	fprintf(f, "%-8s %-5s %12s %14s %12s %14s %12s %10s %10s %10s\n", "port", "queue", "rx_packets",
		"rx_bytes", "tx_packets", "tx_bytes", "forwarded", "frags_out", "pmd_miss", "pmd_err");
	for (unsigned p = 0; p < dp->n_ports; p++) {
		const struct port_counters *pc = &t.port[p];
		struct rte_eth_stats es;

		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(dp->ports[p].ethdev, &es);
		fprintf(f, "%-8s %-5s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " %12" PRIu64
			   " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			dp->cfg->ports[p].name, "all", pc->rx_packets, pc->rx_bytes, pc->tx_packets,
			pc->tx_bytes, pc->forwarded, pc->fragments_out, es.imissed,
			es.ierrors + es.oerrors);
		if (dp->ports[p].n_rxq > 1 || dp->ports[p].n_txq > 1)
			for (unsigned q = 0; q < (unsigned)RTE_MAX(dp->ports[p].n_rxq, dp->ports[p].n_txq) &&
					     q < NATGW_MAX_QUEUES; q++)
				fprintf(f, "%-8s %-5u %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 "\n",
					dp->cfg->ports[p].name, q, pc->queue[q].rx_packets,
					pc->queue[q].rx_bytes, pc->queue[q].tx_packets,
					pc->queue[q].tx_bytes);
	}
	fprintf(f, "drops (non-zero reasons):\n");
	for (unsigned r = 1; r < DROP_MAX; r++) {
		if (t.drop[r] == 0)
			continue;
		drops += t.drop[r];
		fprintf(f, "  drop %-24s %12" PRIu64 "  %s\n", drop_reason_name(r), t.drop[r],
			drop_reason_desc(r));
	}
	fprintf(f, "  drop %-24s %12" PRIu64 "\n", "total", drops);
	fprintf(f, "generated (non-zero):\n");
	for (unsigned g = 0; g < GEN_MAX; g++)
		if (t.gen[g])
			fprintf(f, "  gen  %-24s %12" PRIu64 "\n", gen_kind_name(g), t.gen[g]);
	if (dp->cfg->nat.enabled) {
		uint64_t active = 0, capacity = 0;
		unsigned bps = 0;

		fprintf(f, "nat:\n");
		for (unsigned i = 0; i < dp->n_workers; i++) {
			const struct nat_worker *nw = dp->workers[i]->core.nat;

			if (nw == NULL)
				continue;
			active += nat_session_count(nw);
			capacity += nat_session_capacity(nw);
			bps = nat_bytes_per_session(nw);
		}
		fprintf(f, "  nat  %-24s %12" PRIu64 "\n", "sessions_active", active);
		fprintf(f, "  nat  %-24s %12" PRIu64 "  (%u bytes per session)\n", "sessions_capacity",
			capacity, bps);
		for (unsigned c = 0; c < NAT_CTR_MAX; c++)
			fprintf(f, "  nat  %-24s %12" PRIu64 "\n", nat_counter_name(c), t.nat[c]);
	}
	fprintf(f, "neighbours: learnt %" PRIu64 ", packets parked while resolving %" PRIu64 "\n",
		t.neigh_learnt, t.neigh_queued);
	if (dp->n_workers > 1)
		for (unsigned i = 0; i < dp->n_workers; i++) {
			const struct worker_counters *c = &dp->workers[i]->core.ctr;
			uint64_t rx = 0;

			for (unsigned p = 0; p < dp->n_ports; p++)
				rx += c->port[p].rx_packets;
			fprintf(f, "  worker %u (lcore %u): rx_packets %" PRIu64 ", busy loops %" PRIu64
				   " of %" PRIu64 "\n",
				i, dp->workers[i]->lcore, rx, c->busy_loops, c->loops);
		}
	fprintf(f, "==== end of counters ====\n");
	fflush(f);
}
