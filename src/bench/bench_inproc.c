/* natgw-bench inproc: the real pipeline on synthetic packets, no packet I/O
 * on the receive side.
 *
 * Starts the EAL with one lcore per worker (--workers N, default 1; CPUs
 * from bench_lcores_pick) and a dataplane with two net_null ports (TX frees;
 * a TX queue per worker), builds UDP packets of --flows flows (64 bytes,
 * --size, or IMIX) from an inside host range towards a routed prefix, and
 * gives each worker the flows it owns: those steer_owner() assigns to it,
 * i.e. the ones the worker would keep rather than hand to another worker's
 * ring (with one worker: all). Then every worker, on its own lcore, all of
 * them at the same time (a barrier between phases):
 *  1. first pass: each of its flows once, timed (with NAT: creates the
 *     sessions in its own tables, public ports from its own share;
 *     new sessions per second);
 *  2. measured run: repeatedly allocate a burst of mbufs, write the headers
 *     into them (what a NIC's DMA would do) and run exactly the worker's
 *     code (dp_worker_process + dp_worker_flush: ownership check with
 *     several workers, parse, filters, NAT, route, TTL, neighbour, Ethernet
 *     rewrite, buffered TX to net_null), until it has sent --packets / N or
 *     another worker has (so every worker is measured over the same wall
 *     interval);
 *  3. generator alone (alloc + header writes + free), so the forwarding cost
 *     can be reported without it;
 *  4. stage pass: the same bursts again, but the worker's steps are called
 *     one by one (the metadata reset of dp_worker_process, parse_stage, the
 *     ownership check of worker_steer, filter_ingress_stage,
 *     nat_prerouting_stage, forward_stage, then the verdict dispatch and
 *     flush), each between two rte_rdtsc() reads; the cost of a read pair is
 *     measured and subtracted. The stage functions are the ones
 *     pipeline_run() calls, in its order; nothing in src/core is
 *     instrumented.
 * A packet its worker does not own goes to the owner's handoff ring, which
 * nobody drains here: it counts as handed_off and not as forwarded, so a
 * wrong partition shows in the result instead of inflating a rate.
 * --sweep repeats all of it with NAT at 1k / 64k / 1M / 4M sessions, each in
 * a child process (the EAL starts once per process); --baseline is
 * bench_scaling.c. Results go to bench_out.c for printing.
 * Who touches what: the main thread sets everything up before the launch and
 * reads the results after rte_eal_mp_wait_lcore(); in between a worker
 * writes only its own struct bench_worker (and its dp_worker), and the
 * barrier and stop flag (struct bench_sync) are the only memory all write.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "bench.h"
#include "dataplane.h"
#include "natgw/nat.h"
#include "natgw/steer.h"

const char *const bench_stage_names[BENCH_STAGE_MAX] = {
	[BENCH_STAGE_RX] = "rx",
	[BENCH_STAGE_PARSE] = "parse",
	[BENCH_STAGE_STEER] = "steer",
	[BENCH_STAGE_FILTER] = "filter_ingress",
	[BENCH_STAGE_NAT] = "nat_prerouting",
	[BENCH_STAGE_FORWARD] = "forward",
	[BENCH_STAGE_TX] = "tx",
};

/* Session counts of --sweep. */
static const unsigned bench_sweep_sessions[] = { 1000, 64000, 1000000, 4000000 };

/* Filters on "in": a group of sg_rules ingress rules and/or a NACL of
 * nacl_rules ingress rules (plus one egress allow-all). All but the last
 * rule are decoys (TCP to distinct ports from distinct 172.16/12 /24s, as a
 * real rule set would be); the last one allows the benchmark's UDP from
 * 10.0.0.0/8, so every packet is classified against the whole set. */
static int bench_filters(struct natgw_config *cfg, const struct bench_opts *o)
{
	if (o->sg_rules > 0) {
		struct natgw_sg *g = &cfg->sgs[0];

		g->rules = calloc(o->sg_rules, sizeof(*g->rules));
		if (g->rules == NULL)
			return -ENOMEM;
		snprintf(g->name, sizeof(g->name), "bench");
		for (unsigned i = 0; i < o->sg_rules; i++) {
			struct natgw_sg_rule *r = &g->rules[i];
			bool last = i + 1 == o->sg_rules;

			r->dir = NATGW_DIR_INGRESS;
			r->l4 = (struct natgw_l4_match){ .proto = last ? 17 : 6,
				.port_lo = last ? 0 : (uint16_t)(1000 + i),
				.port_hi = last ? 65535 : (uint16_t)(1000 + i),
				.icmp_type = -1, .icmp_code = -1 };
			r->peer_kind = NATGW_PEER_CIDR;
			r->cidr = last ? 0x0a000000 : 0xac100000 + ((i % 4096) << 8);
			r->cidr_len = last ? 8 : 24;
			snprintf(r->key, sizeof(r->key), "rule.%u", i + 1);
		}
		g->n_rules = g->rules_cap = o->sg_rules;
		cfg->n_sgs = 1;
		cfg->ports[0].security_groups = 1;
	}
	if (o->nacl_rules > 0) {
		struct natgw_nacl *n = &cfg->nacls[0];

		n->rules = calloc(o->nacl_rules + 1, sizeof(*n->rules));
		if (n->rules == NULL)
			return -ENOMEM;
		snprintf(n->name, sizeof(n->name), "bench");
		for (unsigned i = 0; i < o->nacl_rules; i++) {
			struct natgw_nacl_rule *r = &n->rules[i];
			bool last = i + 1 == o->nacl_rules;

			r->number = (uint16_t)(i + 1);
			r->dir = NATGW_DIR_INGRESS;
			r->allow = last;
			r->l4 = (struct natgw_l4_match){ .proto = last ? 0 : 6,
				.port_lo = last ? 0 : (uint16_t)(1000 + i),
				.port_hi = last ? 65535 : (uint16_t)(1000 + i),
				.icmp_type = -1, .icmp_code = -1 };
			r->cidr = last ? 0x0a000000 : 0xac100000 + ((i % 4096) << 8);
			r->cidr_len = last ? 8 : 24;
		}
		n->rules[o->nacl_rules] = (struct natgw_nacl_rule){ .number = 100, .dir = NATGW_DIR_EGRESS,
			.allow = true, .l4 = { .icmp_type = -1, .icmp_code = -1 } };
		n->n_rules = n->rules_cap = o->nacl_rules + 1;
		cfg->n_nacls = 1;
		cfg->ports[0].nacl = 0;
	}
	return 0;
}

/* Config: the workers' lcores; in (10.0.1.1/24) and out (203.0.113.1/24) on
 * net_null; a route to 198.18.0.0/15 via 203.0.113.254, which is a static
 * neighbour. With NAT: masquerade 10.0.0.0/8 on out behind 203.0.113.64-79
 * (16 addresses: 1M endpoint-independent ports, each worker allocating from
 * its own share; beyond that ports are shared tuple-unique over the 131072
 * destinations), long timeouts. */
static int bench_config(struct natgw_config *cfg, const struct bench_opts *o, char *err,
			size_t len)
{
	struct natgw_route gw = { .prefix = 0xc6120000, .len = 15, .type = NATGW_ROUTE_GATEWAY,
				  .port = 1, .gateway = 0xcb0071fe };
	struct natgw_neighbour_config nb = { .addr = 0xcb0071fe, .mac = { 2, 0, 0, 0, 2, 0xfe },
					     .port = 1 };
	int rc;

	config_init(cfg);
	snprintf(cfg->global.lcores, sizeof(cfg->global.lcores), "%s",
		 o->lcores[0] != '\0' ? o->lcores : "0");
	cfg->global.memory_mb = o->memory_mb;
	cfg->global.gratuitous_arp = false;
	snprintf(cfg->global.file_prefix, sizeof(cfg->global.file_prefix), "natgw-bench-%d",
		 (int)getpid());
	cfg->n_ports = 2;
	snprintf(cfg->ports[0].name, NATGW_NAME_MAX, "in");
	snprintf(cfg->ports[0].devargs, NATGW_DEVARGS_MAX, "net_null0,no-rx=1");
	cfg->ports[0].addr = 0x0a000101;
	cfg->ports[0].prefix_len = 24;
	snprintf(cfg->ports[1].name, NATGW_NAME_MAX, "out");
	snprintf(cfg->ports[1].devargs, NATGW_DEVARGS_MAX, "net_null1,no-rx=1");
	cfg->ports[1].addr = 0xcb007101;
	cfg->ports[1].prefix_len = 24;
	for (unsigned i = 0; i < 2; i++) {
		cfg->ports[i].mtu = 1500;
		cfg->ports[i].queues = 1;
		cfg->ports[i].table = -1;
	}
	rc = config_finalize(cfg, err, len);
	if (rc != 0)
		return rc;
	rc = config_route_add(&cfg->tables[0], &gw);
	if (rc != 0)
		return rc;
	cfg->neighbours = calloc(1, sizeof(nb));
	if (cfg->neighbours == NULL)
		return -ENOMEM;
	cfg->neighbours[0] = nb;
	cfg->n_neighbours = cfg->neighbours_cap = 1;
	rc = bench_filters(cfg, o);
	if (rc != 0)
		return rc;
	if (o->nat) {
		struct natgw_nat_config *n = &cfg->nat;

		n->enabled = true;
		n->port = 1;
		n->n_pool = NATGW_MAX_POOL;
		for (unsigned i = 0; i < n->n_pool; i++)
			n->pool[i] = 0xcb007140 + i;
		n->inside[0] = 0x0a000000;
		n->inside_len[0] = 8;
		n->n_inside = 1;
		n->port_min = 1024;
		n->port_max = 65535;
		n->mapping = NATGW_NAT_MAPPING_EIM;
		n->timeout_udp = n->timeout_tcp_established = 7440;
		n->timeout_tcp_transitory = n->timeout_tcp_syn = n->timeout_icmp = 7440;
		n->max_sessions = o->flows + o->flows / 8 + 1024;
		n->max_sessions_per_host = 0;
		n->port_reuse_delay = 120;
		n->icmp_on_exhaustion = false;
		n->n_forwards = 0;
	}
	return 0;
}

/* What the workers share during a run: a barrier between phases and the
 * flag that ends the measured run. The only memory they all write. */
struct bench_sync {
	unsigned n;          /* workers */
	unsigned arrived;    /* at the current barrier */
	unsigned generation; /* barriers completed */
	bool stop;           /* a worker has sent its quota: the measured run ends */
} __rte_cache_aligned;

/* One worker's part of a run; only its lcore writes it between the launch
 * and rte_eal_mp_wait_lcore() (cache-aligned: no false sharing). */
struct bench_worker {
	struct dp_worker *dw;
	const struct bench_opts *o;
	struct bench_sync *sync;
	struct bench_pkt gen;      /* its flows */
	uint32_t *flow_ids;        /* its share of the flows (NULL: all, in order) */
	uint64_t quota;            /* measured-run packets, unless stopped earlier */
	bool steering;             /* dp_worker_pipeline checks ownership (worker.c) */
	int status;                /* 0, or -ENOBUFS: the packet pool ran dry */
	struct bench_worker_result res;
} __rte_cache_aligned;

/* Failed allocations in a row (each followed by a TX flush) that end a
 * phase: packets handed to another worker's ring, which nobody drains here,
 * hold mbufs, and with enough of them the pool stays empty. */
#define BENCH_FILL_RETRIES 1000000u

/* Fill a burst with the next n packets from *pos. 0 or -ENOMEM. */
static inline int bench_fill(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned n,
			     const struct bench_pkt *g, uint64_t *pos, uint64_t *bytes)
{
	if (rte_pktmbuf_alloc_bulk(pool, pkts, n) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		bench_pkt_write(g, pkts[i], *pos);
		*bytes += bench_pkt_size(g, *pos);
		++*pos;
	}
	return 0;
}

/* bench_fill, flushing the worker's TX buffers (which return mbufs to the
 * pool) until it succeeds. 0, or -ENOBUFS (noted in bw->status) when the
 * pool stays empty. */
static inline int bench_fill_wait(struct bench_worker *bw, struct rte_mbuf **pkts, unsigned n,
				  uint64_t *pos, uint64_t *bytes)
{
	for (unsigned tries = 0; tries < BENCH_FILL_RETRIES; tries++) {
		if (bench_fill(bw->dw->dp->pool, pkts, n, &bw->gen, pos, bytes) == 0)
			return 0;
		dp_worker_flush(bw->dw);
	}
	bw->status = -ENOBUFS;
	return -ENOBUFS;
}

/* Wait until all s->n workers have arrived. The last one resets the count,
 * then bumps the generation with a release store; the others spin on an
 * acquire load of it. So a worker leaving the barrier sees what every worker
 * wrote before arriving, and its next increment of arrived lands after the
 * reset. The increment is acq_rel for the last arrival to see the others'. */
static void bench_barrier(struct bench_sync *s)
{
	unsigned gen = __atomic_load_n(&s->generation, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&s->arrived, 1, __ATOMIC_ACQ_REL) == s->n) {
		__atomic_store_n(&s->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->generation, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&s->generation, __ATOMIC_ACQUIRE) == gen)
		rte_pause();
}

/* rte_rdtsc() with compiler barriers on both sides, so the compiler moves no
 * stage's memory accesses across the read (rdtsc itself is not serialising:
 * the CPU may still overlap a few instructions, a cycle or so per packet). */
static inline uint64_t bench_tsc(void)
{
	uint64_t t;

	rte_compiler_barrier();
	t = rte_rdtsc();
	rte_compiler_barrier();
	return t;
}

/* Cycles of one back-to-back bench_tsc() pair (the least of many). */
static double bench_timer_overhead(void)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < 10000; i++) {
		uint64_t a = bench_tsc();
		uint64_t b = bench_tsc();

		if (b - a < best)
			best = b - a;
	}
	return (double)best;
}

/* The owner of each parsed packet, as worker_steer() (worker.c) decides it
 * before the pipeline, without handing anything over. Returns how many
 * packets another worker owns (0 when the flows are partitioned right). */
static inline uint16_t bench_steer_stage(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dataplane *dp = dw->dp;
	uint16_t owners[DP_BURST], stray = 0;

	steer_burst(dw->core.snap->nat, &dp->steer, dp->n_workers, pkts, n, owners);
	for (uint16_t i = 0; i < n; i++)
		if (owners[i] < dp->n_workers && owners[i] != dw->core.id)
			stray++;
	return stray;
}

/* One burst through the worker's steps, each timed into cyc[]. Mirrors
 * dp_worker_process() + dp_worker_pipeline() (ownership check with several
 * workers) + pipeline_run() + dispatch + dp_worker_flush() for a burst
 * received on port 0, queue 0. Hot and not inlined so it is compiled like
 * the worker's loop (inlined into bench_inproc, GCC -O3 made the metadata
 * memset a slow rep stos). */
static __rte_noinline __rte_hot void bench_stage_burst(struct bench_worker *bw,
						       struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_worker *dw = bw->dw;
	struct worker *w = &dw->core;
	struct port_counters *pc = &w->ctr.port[0];
	uint64_t *cyc = bw->res.stage_cycles;
	struct rte_mbuf *transit[DP_BURST], *arp[DP_BURST];
	uint16_t n_transit = 0, n_arp = 0;
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, bytes = 0;

	t0 = bench_tsc();
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		memset(pm, 0, sizeof(*pm));
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	}
	pc->rx_packets += n;
	pc->rx_bytes += bytes;
	pc->queue[0].rx_packets += n;
	pc->queue[0].rx_bytes += bytes;
	t1 = bench_tsc();
	parse_stage(w, pkts, n);
	t2 = bench_tsc();
	if (bw->steering)
		bw->res.stage_stray += bench_steer_stage(dw, pkts, n);
	t3 = bench_tsc();
	filter_ingress_stage(w, pkts, n);
	t4 = bench_tsc();
	if (w->snap->nat != NULL && w->nat != NULL)
		nat_prerouting_stage(w, pkts, n);
	t5 = bench_tsc();
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);

		if (pm->action == PKT_DROP || pm->action == PKT_REASSEMBLE)
			continue;
		if ((pm->flags & (PKT_F_SG_DENY | PKT_F_TRACKED)) == PKT_F_SG_DENY &&
		    pm->action == PKT_TX && pm->cls != PKT_CLASS_NONE) {
			pkt_drop(pkts[i], DROP_SG_NO_MATCH);
			continue;
		}
		if (pm->cls == PKT_CLASS_TRANSIT)
			transit[n_transit++] = pkts[i];
		else if (pm->cls == PKT_CLASS_ARP)
			arp[n_arp++] = pkts[i];
		else if (pm->cls == PKT_CLASS_LOCAL)
			icmp_local_input(w, pkts[i]);
	}
	if (n_transit > 0)
		forward_stage(w, transit, n_transit);
	for (uint16_t i = 0; i < n_arp; i++)
		arp_input(w, arp[i]);
	t6 = bench_tsc();
	for (uint16_t i = 0; i < n; i++)
		dp_worker_dispatch(dw, pkts[i]);
	dp_worker_flush(dw);
	t7 = bench_tsc();
	cyc[BENCH_STAGE_RX] += t1 - t0;
	cyc[BENCH_STAGE_PARSE] += t2 - t1;
	cyc[BENCH_STAGE_STEER] += t3 - t2;
	cyc[BENCH_STAGE_FILTER] += t4 - t3;
	cyc[BENCH_STAGE_NAT] += t5 - t4;
	cyc[BENCH_STAGE_FORWARD] += t6 - t5;
	cyc[BENCH_STAGE_TX] += t7 - t6;
}

/* Phase 1: every own flow once (with NAT: creates its session), timed. */
static void bench_first_pass(struct bench_worker *bw)
{
	struct dp_worker *dw = bw->dw;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t pos = 0, bytes = 0, t0;
	uint64_t created = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED];

	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < bw->gen.flows; n += DP_BURST) {
		unsigned k = (unsigned)RTE_MIN((uint64_t)DP_BURST, bw->gen.flows - n);

		if (bench_fill_wait(bw, pkts, k, &pos, &bytes) != 0)
			break;
		dw->core.now = rte_rdtsc();
		dp_worker_process(dw, pkts, (uint16_t)k, 0, 0);
		dp_worker_flush(dw);
	}
	bw->res.cycles_first_pass = rte_rdtsc() - t0;
	bw->res.sessions_created = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED] - created;
	if (dw->core.nat != NULL)
		bw->res.sessions = nat_session_count(dw->core.nat);
}

/* Phase 2: established flows, the measured run: until this worker has sent
 * its quota or another worker has sent its own (then all stop: every worker
 * is measured over the same interval). The stop flag carries no data:
 * relaxed loads and stores. */
static void bench_measured_run(struct bench_worker *bw)
{
	struct dp_worker *dw = bw->dw;
	struct worker_counters *c = &dw->core.ctr;
	struct bench_worker_result *res = &bw->res;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t pos = 0, sent = 0, bytes = 0;
	uint64_t fwd = c->port[1].forwarded, off = c->handed_off, in = c->handed_in;

	res->tsc_start = rte_rdtsc();
	while (sent < bw->quota && !__atomic_load_n(&bw->sync->stop, __ATOMIC_RELAXED)) {
		if (bench_fill_wait(bw, pkts, DP_BURST, &pos, &bytes) != 0)
			break;
		dw->core.now = rte_rdtsc();
		dp_worker_process(dw, pkts, DP_BURST, 0, 0);
		dp_worker_flush(dw);
		sent += DP_BURST;
	}
	res->tsc_end = rte_rdtsc();
	__atomic_store_n(&bw->sync->stop, true, __ATOMIC_RELAXED);
	res->packets = sent;
	res->bytes = bytes;
	res->forwarded = c->port[1].forwarded - fwd;
	res->handed_off = c->handed_off - off;
	res->handed_in = c->handed_in - in;
}

/* Phase 3: the generator alone (alloc + header writes + free), the same
 * packets as the measured run; then the drops so far. */
static void bench_generator_run(struct bench_worker *bw)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t pos = 0, bytes = 0, t0;

	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < bw->res.packets; n += DP_BURST) {
		if (bench_fill_wait(bw, pkts, DP_BURST, &pos, &bytes) != 0)
			break;
		rte_pktmbuf_free_bulk(pkts, DP_BURST);
	}
	bw->res.cycles_generator = rte_rdtsc() - t0;
	for (unsigned d = 1; d < DROP_MAX; d++)
		bw->res.drops += bw->dw->core.ctr.drop[d];
}

/* Phase 4: the measured run's bursts again, stage by stage. */
static void bench_stage_pass(struct bench_worker *bw)
{
	struct dp_worker *dw = bw->dw;
	struct bench_worker_result *res = &bw->res;
	struct rte_mbuf *pkts[DP_BURST];
	uint64_t pos = 0, bytes = 0, sent, fwd = dw->core.ctr.port[1].forwarded;

	res->timer_overhead = bench_timer_overhead();
	for (sent = 0; sent < res->packets; sent += DP_BURST) {
		if (bench_fill_wait(bw, pkts, DP_BURST, &pos, &bytes) != 0)
			break;
		dw->core.now = rte_rdtsc();
		bench_stage_burst(bw, pkts, DP_BURST);
		res->stage_bursts++;
	}
	res->stage_packets = sent;
	res->stage_forwarded = dw->core.ctr.port[1].forwarded - fwd;
}

/* One worker's run on its lcore; every worker passes the same barriers. */
static int bench_worker_main(void *arg)
{
	struct bench_worker *bw = arg;

	bw->res.lcore = rte_lcore_id();
	bw->res.flows = bw->gen.flows;
	bench_barrier(bw->sync);
	bench_first_pass(bw);
	bench_barrier(bw->sync);
	bench_measured_run(bw);
	bench_barrier(bw->sync);
	bench_generator_run(bw);
	if (!bw->o->no_stages) {
		bench_barrier(bw->sync);
		bench_stage_pass(bw);
	}
	return 0;
}

/* The worker that owns flow f: what worker_steer() (worker.c) decides for
 * its packets (for one worker, that one). */
static unsigned bench_flow_owner(const struct dataplane *dp, const struct bench_pkt *g,
				 uint32_t f)
{
	struct steer_pkt sp = { .proto = IPPROTO_UDP, .l4 = true };
	struct bench_tuple t;
	uint16_t owner;

	bench_pkt_tuple(g, f, &t);
	sp.src = rte_cpu_to_be_32(t.src);
	sp.dst = rte_cpu_to_be_32(t.dst);
	sp.sport = rte_cpu_to_be_16(t.sport);
	sp.dport = rte_cpu_to_be_16(t.dport);
	owner = steer_owner(dp->snap->nat, &dp->steer, dp->n_workers, &sp);
	return owner < dp->n_workers ? owner : f % dp->n_workers; /* none: kept where received */
}

/* Give each worker a list of the flows it owns (with one worker and no
 * --baseline: no list, all flows in order, as before workers existed).
 * 0 or -errno; msg says why. */
static int bench_partition(const struct dataplane *dp, const struct bench_opts *o,
			   struct bench_worker *bw, char *msg, size_t len)
{
	uint32_t count[BENCH_MAX_WORKERS] = { 0 }, used[BENCH_MAX_WORKERS] = { 0 };
	unsigned n = dp->n_workers;
	uint8_t *owner;
	int rc = 0;

	if (n == 1 && !o->flow_list)
		return 0;
	owner = malloc(o->flows);
	if (owner == NULL) {
		snprintf(msg, len, "cannot allocate the flow partition");
		return -ENOMEM;
	}
	for (uint32_t f = 0; f < o->flows; f++) {
		owner[f] = (uint8_t)bench_flow_owner(dp, &bw[0].gen, f);
		count[owner[f]]++;
	}
	for (unsigned k = 0; k < n && rc == 0; k++) {
		if (count[k] == 0) {
			snprintf(msg, len, "--flows %u leaves worker %u without flows (each flow goes to the worker that owns it): use more flows",
				 o->flows, k);
			rc = -EINVAL;
		} else if ((bw[k].flow_ids = malloc(count[k] * sizeof(uint32_t))) == NULL) {
			snprintf(msg, len, "cannot allocate the flow list of worker %u", k);
			rc = -ENOMEM;
		}
	}
	for (uint32_t f = 0; f < o->flows && rc == 0; f++)
		bw[owner[f]].flow_ids[used[owner[f]]++] = f;
	for (unsigned k = 0; k < n && rc == 0; k++)
		bench_pkt_use_flows(&bw[k].gen, bw[k].flow_ids, count[k]);
	free(owner);
	return rc;
}

/* Set up the workers' generators, flows and quotas. 0 or -errno. */
static int bench_workers_prepare(struct dataplane *dp, const struct bench_opts *o,
				 struct bench_sync *sync, struct bench_worker *bw, char *msg,
				 size_t len)
{
	unsigned n = dp->n_workers;

	*sync = (struct bench_sync){ .n = n };
	for (unsigned k = 0; k < n; k++) {
		struct dp_worker *dw = dp->workers[k];

		bw[k] = (struct bench_worker){ .dw = dw, .o = o, .sync = sync,
			.quota = (o->packets + n - 1) / n,
			.steering = dw->handoff != NULL && dw->core.snap->nat != NULL };
		bench_pkt_init(&bw[k].gen, &(struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } },
			       &dp->snap->ports[0].mac, 0x0a000002, 0xc6120000, 1024, 5001,
			       o->flows, o->imix ? 0 : o->size);
	}
	return bench_partition(dp, o, bw, msg, len);
}

/* Run bench_worker_main on every worker's lcore (worker 0 on this, the main
 * lcore, as dp_workers_run does) and wait for all. The lcores are fresh
 * (state WAIT), so the launches cannot fail. */
static void bench_workers_run(struct dataplane *dp, struct bench_worker *bw)
{
	for (unsigned k = 1; k < dp->n_workers; k++)
		rte_eal_remote_launch(bench_worker_main, &bw[k], dp->workers[k]->lcore);
	bench_worker_main(&bw[0]);
	rte_eal_mp_wait_lcore();
}

/* Copy the workers' results into r and sum them. 0, or a worker's error. */
static int bench_workers_collect(const struct dataplane *dp, const struct bench_worker *bw,
				 struct bench_result *r)
{
	int rc = 0;

	r->n_workers = dp->n_workers;
	r->hz = rte_get_tsc_hz();
	for (unsigned k = 0; k < dp->n_workers; k++) {
		const struct bench_worker_result *w = &bw[k].res;

		r->w[k] = *w;
		r->packets += w->packets;
		r->forwarded += w->forwarded;
		r->drops += w->drops;
		r->bytes += w->bytes;
		r->handed_off += w->handed_off;
		r->handed_in += w->handed_in;
		r->sessions_created += w->sessions_created;
		r->sessions += w->sessions;
		r->stage_packets += w->stage_packets;
		r->stage_forwarded += w->stage_forwarded;
		if (bw[k].status != 0)
			rc = bw[k].status;
	}
	if (dp->workers[0]->core.nat != NULL)
		r->bytes_per_session = nat_bytes_per_session(dp->workers[0]->core.nat);
	return rc;
}

/* Free the workers' flow lists. */
static void bench_workers_free(struct bench_worker *bw, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		free(bw[k].flow_ids);
		bw[k].flow_ids = NULL;
	}
}

int bench_lcores_pick(unsigned n, char *buf, size_t len, unsigned *avail)
{
	cpu_set_t set;
	unsigned found = 0;
	size_t used = 0;

	*avail = 0;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < RTE_MAX_LCORE; cpu++)
		if (CPU_ISSET(cpu, &set))
			++*avail;
	if (n == 0 || n > *avail)
		return -ERANGE;
	buf[0] = '\0';
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < RTE_MAX_LCORE && found < n; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%d", found ? "," : "", cpu);
		if (used >= len)
			return -ENAMETOOLONG;
		found++;
	}
	return 0;
}

int bench_inproc(const struct bench_opts *o, struct bench_result *r)
{
	static struct natgw_config cfg;
	static struct dataplane dp;
	static struct bench_sync sync;
	static struct bench_worker bw[BENCH_MAX_WORKERS];
	char msg[NATGW_ERR_MAX];
	uint64_t t0;
	int rc;

	RTE_BUILD_BUG_ON(BENCH_MAX_WORKERS != DP_MAX_WORKERS);
	if (o->flows % BENCH_FLOW_STEP == 0) {
		fprintf(stderr, "natgw-bench: --flows must not be a multiple of %u\n", BENCH_FLOW_STEP);
		return -EINVAL;
	}
	rc = bench_config(&cfg, o, msg, sizeof(msg));
	if (rc != 0) {
		fprintf(stderr, "natgw-bench: config: %s\n", rc == -EINVAL ? msg : strerror(-rc));
		return rc;
	}
	bench_eal_atexit();
	rc = dp_eal_init(&cfg, "natgw-bench", msg, sizeof(msg));
	if (rc != 0)
		goto err;
	if (rte_lcore_count() != o->workers) {
		snprintf(msg, sizeof(msg), "%u workers wanted, the EAL started %u lcores (\"%s\")",
			 o->workers, rte_lcore_count(), cfg.global.lcores);
		rc = -EINVAL;
		goto err;
	}
	dp.cfg = &cfg;
	dp.n_workers = o->workers; /* one TX queue each on every port */
	rc = dp_ports_start(&dp, msg, sizeof(msg));
	if (rc != 0)
		goto err;
	t0 = rte_rdtsc();
	rc = dp_snapshot_build(&dp, dp.cfg, &dp.snap, msg, sizeof(msg));
	if (rc != 0)
		goto err;
	r->cycles_filter_build = rte_rdtsc() - t0;
	rc = dp_workers_create(&dp, msg, sizeof(msg));
	if (rc != 0)
		goto err;
	rc = bench_workers_prepare(&dp, o, &sync, bw, msg, sizeof(msg));
	if (rc != 0)
		goto err_workers;
	bench_workers_run(&dp, bw);
	rc = bench_workers_collect(&dp, bw, r);
	if (rc != 0)
		snprintf(msg, sizeof(msg), "the packet pool ran dry (packets handed to other workers hold mbufs: %llu handed off)",
			 (unsigned long long)r->handed_off);
err_workers:
	bench_workers_free(bw, dp.n_workers);
	dp_workers_destroy(&dp);
	dp_snapshot_free(dp.snap);
	dp_ports_stop(&dp);
	bench_eal_cleanup();
	config_free(&cfg);
	if (rc == 0)
		return 0;
err:
	fprintf(stderr, "natgw-bench: %s\n", msg);
	return rc;
}

/* Read exactly len bytes from fd (a pipe: reads may return less). 0 or -EIO. */
static int bench_read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

int bench_inproc_child(const struct bench_opts *o, struct bench_result *r)
{
	int fd[2], status, rc;
	pid_t pid;

	if (pipe(fd) != 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -errno;
	}
	if (pid == 0) {
		static struct bench_result cr;

		close(fd[0]);
		rc = bench_inproc(o, &cr);
		if (rc == 0 && write(fd[1], &cr, sizeof(cr)) != (ssize_t)sizeof(cr))
			rc = -EIO;
		exit(rc == 0 ? 0 : 1); /* atexit handlers: the EAL's, then bench_eal_atexit's */
	}
	close(fd[1]);
	rc = bench_read_full(fd[0], r, sizeof(*r));
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

int bench_inproc_sweep(const struct bench_opts *o)
{
	int status = 0;

	if (!o->json)
		bench_out_sweep_header(stdout, o);
	for (unsigned i = 0; i < RTE_DIM(bench_sweep_sessions); i++) {
		struct bench_opts po = *o;
		static struct bench_result r;

		memset(&r, 0, sizeof(r));
		po.flows = bench_sweep_sessions[i];
		po.nat = 1;
		if (bench_inproc_child(&po, &r) != 0) {
			fprintf(stderr, "natgw-bench: sweep at %u sessions failed\n", po.flows);
			status = 1;
			continue;
		}
		bench_out_sweep_row(stdout, &po, &r);
		fflush(stdout);
		if (r.forwarded != r.packets)
			status = 1;
	}
	return status;
}
