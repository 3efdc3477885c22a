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
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dataplane.h"
#include "natgw/filter.h"
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

/* Sum every worker's hit counters of (port, dir). */
static void stats_filter_sum(const struct dp_snapshot *s, unsigned p, unsigned d, uint64_t *nacl,
			     uint64_t *sg, uint64_t *implicit, uint64_t *no_match)
{
	for (unsigned w = 0; w < s->n_workers; w++) {
		const struct filter_counters *c = &s->fctr[((size_t)w * NATGW_MAX_PORTS + p) * 2 + d];

		for (uint32_t i = 0; i < c->n_nacl; i++)
			nacl[i] += c->nacl_hits[i];
		for (uint32_t i = 0; i < c->n_sg; i++)
			sg[i] += c->sg_hits[i];
		*implicit += c->nacl_implicit_deny;
		*no_match += c->sg_no_match;
	}
}

/* Per-rule hit counters of every filtered port and direction (non-zero lines),
 * in packets: "filter in1 ingress nacl priv2 #100 allow 12", "filter in1
 * ingress sg web rule.1 7", "... nacl implicit-deny N" and "... sg no-rule N"
 * (packets no group rule matched: those of tracked flows still pass; the ones
 * dropped are the drop counter sg_no_match). */
static void stats_filter_print(struct dataplane *dp, FILE *f)
{
	static const char *const dir_name[2] = { "ingress", "egress" };
	const struct dp_snapshot *s = dp->snap;
	const struct natgw_config *cfg = dp->cfg;

	if (s == NULL || !s->filtering || s->fctr == NULL)
		return;
	fprintf(f, "filters (hits since the port's rules last changed):\n");
	for (unsigned p = 0; p < cfg->n_ports && p < NATGW_MAX_PORTS; p++)
		for (unsigned d = 0; d < 2; d++) {
			const struct filter_ctx *ctx = s->filter[p][d];
			uint32_t nn, ns;
			uint64_t *nacl, *sg, implicit = 0, no_match = 0;

			if (ctx == NULL)
				continue;
			nn = filter_nacl_rule_count(ctx);
			ns = filter_sg_rule_count(ctx);
			nacl = calloc(nn + 1, sizeof(*nacl));
			sg = calloc(ns + 1, sizeof(*sg));
			if (nacl == NULL || sg == NULL)
				goto next;
			stats_filter_sum(s, p, d, nacl, sg, &implicit, &no_match);
			for (uint32_t i = 0; i < nn; i++) {
				int r = filter_nacl_slot_rule(ctx, i);
				const struct natgw_nacl *n = &cfg->nacls[cfg->ports[p].nacl];

				if (nacl[i] == 0 || r < 0)
					continue;
				fprintf(f, "  filter %-8s %-7s nacl %s #%u %s %12" PRIu64 "\n",
					cfg->ports[p].name, dir_name[d], n->name, n->rules[r].number,
					n->rules[r].allow ? "allow" : "deny", nacl[i]);
			}
			if (implicit)
				fprintf(f, "  filter %-8s %-7s nacl implicit-deny %12" PRIu64 "\n",
					cfg->ports[p].name, dir_name[d], implicit);
			for (uint32_t i = 0; i < ns; i++) {
				unsigned g, r;

				if (sg[i] == 0 || filter_sg_slot_rule(ctx, i, &g, &r) != 0)
					continue;
				fprintf(f, "  filter %-8s %-7s sg %s %s %12" PRIu64 "\n",
					cfg->ports[p].name, dir_name[d], cfg->sgs[g].name,
					cfg->sgs[g].rules[r].key, sg[i]);
			}
			if (no_match)
				fprintf(f, "  filter %-8s %-7s sg no-rule %12" PRIu64 "\n",
					cfg->ports[p].name, dir_name[d], no_match);
next:
			free(nacl);
			free(sg);
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
	if (dp->cfg->nat.enabled || (dp->snap != NULL && dp->snap->sg_ports != 0)) {
		uint64_t active = 0, capacity = 0;
		unsigned bps = 0;

		fprintf(f, "nat:%s\n", dp->cfg->nat.enabled ? "" : " (sessions tracking flows for security groups)");
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
	stats_filter_print(dp, f);
	fprintf(f, "neighbours: learnt %" PRIu64 ", packets parked while resolving %" PRIu64 "\n",
		t.neigh_learnt, t.neigh_queued);
	if (dp->n_workers > 1)
		for (unsigned i = 0; i < dp->n_workers; i++) {
			const struct worker_counters *c = &dp->workers[i]->core.ctr;
			uint64_t rx = 0;

			for (unsigned p = 0; p < dp->n_ports; p++)
				rx += c->port[p].rx_packets;
			fprintf(f, "  worker %u (lcore %u): rx_packets %" PRIu64 ", busy loops %" PRIu64
				   " of %" PRIu64 ", handed_off %" PRIu64 ", handed_in %" PRIu64 "\n",
				i, dp->workers[i]->lcore, rx, c->busy_loops, c->loops, c->handed_off,
				c->handed_in);
		}
	fprintf(f, "==== end of counters ====\n");
	fflush(f);
}
