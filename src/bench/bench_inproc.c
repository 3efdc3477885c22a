/* natgw-bench inproc: the real pipeline on synthetic packets, no packet I/O
 * on the receive side.
 *
 * Starts the EAL and a dataplane with two net_null ports (TX frees), builds
 * N-flow UDP packets (64 bytes, --size, or IMIX) from an inside host range
 * towards a routed prefix, then on one lcore:
 *  1. first pass: every flow once, timed (with NAT: creates the sessions;
 *     new sessions per second);
 *  2. measured run: repeatedly allocate a burst of mbufs, write the headers
 *     into them (what a NIC's DMA would do) and run exactly the worker's
 *     code (dp_worker_process + dp_worker_flush: parse, filters, NAT, route,
 *     TTL, neighbour, Ethernet rewrite, buffered TX to net_null);
 *  3. generator alone (alloc + header writes + free), so the forwarding cost
 *     can be reported without it;
 *  4. stage pass: the same bursts again, but the worker's steps are called
 *     one by one (the metadata reset of dp_worker_process, parse_stage,
 *     filter_ingress_stage, nat_prerouting_stage, forward_stage, then the
 *     verdict dispatch and flush), each between two rte_rdtsc() reads; the
 *     cost of a read pair is measured and subtracted. The stage functions
 *     are the ones pipeline_run() calls, in its order; nothing in src/core is
 *     instrumented.
 * --sweep repeats all of it with NAT at 1k / 64k / 1M / 4M sessions, each in
 * a child process (the EAL starts once per process).
 * Results go to bench_out.c for printing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "dataplane.h"
#include "natgw/nat.h"

const char *const bench_stage_names[BENCH_STAGE_MAX] = {
	[BENCH_STAGE_RX] = "rx",
	[BENCH_STAGE_PARSE] = "parse",
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

/* Config: in (10.0.1.1/24) and out (203.0.113.1/24) on net_null; a route to
 * 198.18.0.0/15 via 203.0.113.254, which is a static neighbour. With NAT:
 * masquerade 10.0.0.0/8 on out behind 203.0.113.64-79 (16 addresses: 1M
 * endpoint-independent ports; beyond that ports are shared tuple-unique over
 * the 131072 destinations), long timeouts. */
static int bench_config(struct natgw_config *cfg, const struct bench_opts *o, char *err,
			size_t len)
{
	struct natgw_route gw = { .prefix = 0xc6120000, .len = 15, .type = NATGW_ROUTE_GATEWAY,
				  .port = 1, .gateway = 0xcb0071fe };
	struct natgw_neighbour_config nb = { .addr = 0xcb0071fe, .mac = { 2, 0, 0, 0, 2, 0xfe },
					     .port = 1 };
	int rc;

	config_init(cfg);
	snprintf(cfg->global.lcores, sizeof(cfg->global.lcores), "0");
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

/* One burst through the worker's steps, each timed into cyc[]. Mirrors
 * dp_worker_process() + pipeline_run() + pipeline_dispatch() + dispatch +
 * dp_worker_flush() for a burst received on port 0, queue 0. Hot and not
 * inlined so it is compiled like the worker's loop (inlined into
 * bench_inproc, GCC -O3 made the metadata memset a slow rep stos). */
static __rte_noinline __rte_hot void bench_stage_burst(struct dp_worker *dw, struct rte_mbuf **pkts,
							uint16_t n, uint64_t *cyc)
{
	struct worker *w = &dw->core;
	struct port_counters *pc = &w->ctr.port[0];
	struct rte_mbuf *transit[DP_BURST], *arp[DP_BURST];
	uint16_t n_transit = 0, n_arp = 0;
	uint64_t t0, t1, t2, t3, t4, t5, t6, bytes = 0;

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
	filter_ingress_stage(w, pkts, n);
	t3 = bench_tsc();
	if (w->snap->nat != NULL && w->nat != NULL)
		nat_prerouting_stage(w, pkts, n);
	t4 = bench_tsc();
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
	t5 = bench_tsc();
	for (uint16_t i = 0; i < n; i++)
		dp_worker_dispatch(dw, pkts[i]);
	dp_worker_flush(dw);
	t6 = bench_tsc();
	cyc[BENCH_STAGE_RX] += t1 - t0;
	cyc[BENCH_STAGE_PARSE] += t2 - t1;
	cyc[BENCH_STAGE_FILTER] += t3 - t2;
	cyc[BENCH_STAGE_NAT] += t4 - t3;
	cyc[BENCH_STAGE_FORWARD] += t5 - t4;
	cyc[BENCH_STAGE_TX] += t6 - t5;
}

int bench_inproc(const struct bench_opts *o, struct bench_result *r)
{
	static struct natgw_config cfg;
	static struct dataplane dp;
	struct bench_pkt gen;
	struct rte_mbuf *pkts[DP_BURST];
	char msg[NATGW_ERR_MAX];
	uint64_t pos = 0, t0, t1, sent = 0, fwd_before, created_before, bytes = 0;
	struct dp_worker *dw;
	int rc;

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
	dp.cfg = &cfg;
	dp.n_workers = 1;
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
	dw = dp.workers[0];
	bench_pkt_init(&gen, &(struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } },
		       &dp.snap->ports[0].mac, 0x0a000002, 0xc6120000, 1024, 5001, o->flows,
		       o->imix ? 0 : o->size);

	/* Phase 1: every flow once (with NAT: creates its session), timed. */
	created_before = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED];
	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < o->flows; n += DP_BURST) {
		unsigned k = (unsigned)RTE_MIN((uint64_t)DP_BURST, o->flows - n);

		while (bench_fill(dp.pool, pkts, k, &gen, &pos, &bytes) != 0)
			dp_worker_flush(dw);
		dw->core.now = rte_rdtsc();
		dp_worker_process(dw, pkts, (uint16_t)k, 0, 0);
		dp_worker_flush(dw);
	}
	t1 = rte_rdtsc();
	r->cycles_first_pass = t1 - t0;
	r->sessions_created = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED] - created_before;
	if (dw->core.nat != NULL) {
		r->bytes_per_session = nat_bytes_per_session(dw->core.nat);
		r->sessions = nat_session_count(dw->core.nat);
	}

	/* Phase 2: established flows, the measured forwarding run. */
	pos = 0;
	bytes = 0;
	fwd_before = dw->core.ctr.port[1].forwarded;
	t0 = rte_rdtsc();
	while (sent < o->packets) {
		if (bench_fill(dp.pool, pkts, DP_BURST, &gen, &pos, &bytes) != 0) {
			dp_worker_flush(dw);
			continue;
		}
		dw->core.now = rte_rdtsc();
		dp_worker_process(dw, pkts, DP_BURST, 0, 0);
		dp_worker_flush(dw);
		sent += DP_BURST;
	}
	t1 = rte_rdtsc();
	r->packets = sent;
	r->bytes = bytes;
	r->forwarded = dw->core.ctr.port[1].forwarded - fwd_before;
	r->cycles_total = t1 - t0;

	/* Phase 3: generator alone: alloc + header writes + free, same flows. */
	pos = 0;
	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < o->packets; n += DP_BURST) {
		if (bench_fill(dp.pool, pkts, DP_BURST, &gen, &pos, &bytes) != 0)
			continue;
		rte_pktmbuf_free_bulk(pkts, DP_BURST);
	}
	t1 = rte_rdtsc();
	r->cycles_generator = t1 - t0;
	r->hz = rte_get_tsc_hz();
	for (unsigned d = 1; d < DROP_MAX; d++)
		r->drops += dw->core.ctr.drop[d];

	/* Phase 4: the same bursts, stage by stage. */
	if (!o->no_stages) {
		r->timer_overhead = bench_timer_overhead();
		pos = 0;
		fwd_before = dw->core.ctr.port[1].forwarded;
		for (sent = 0; sent < o->packets; sent += DP_BURST) {
			while (bench_fill(dp.pool, pkts, DP_BURST, &gen, &pos, &bytes) != 0)
				dp_worker_flush(dw);
			dw->core.now = rte_rdtsc();
			bench_stage_burst(dw, pkts, DP_BURST, r->stage_cycles);
			r->stage_bursts++;
		}
		r->stage_packets = sent;
		r->stage_forwarded = dw->core.ctr.port[1].forwarded - fwd_before;
	}

	dp_workers_destroy(&dp);
	dp_snapshot_free(dp.snap);
	dp_ports_stop(&dp);
	bench_eal_cleanup();
	config_free(&cfg);
	return 0;
err:
	fprintf(stderr, "natgw-bench: %s\n", msg);
	return rc;
}

/* Run one sweep point in a child; its result comes back through a pipe. */
static int bench_sweep_point(const struct bench_opts *o, struct bench_result *r)
{
	int fd[2], status;
	pid_t pid;
	ssize_t got;

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
		struct bench_result cr = { 0 };
		int rc = bench_inproc(o, &cr);

		close(fd[0]);
		if (rc == 0 && write(fd[1], &cr, sizeof(cr)) != (ssize_t)sizeof(cr))
			rc = -EIO;
		exit(rc == 0 ? 0 : 1); /* atexit handlers: the EAL's, then bench_eal_atexit's */
	}
	close(fd[1]);
	got = read(fd[0], r, sizeof(*r));
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (got != (ssize_t)sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
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
		struct bench_result r = { 0 };

		po.flows = bench_sweep_sessions[i];
		po.nat = 1;
		if (bench_sweep_point(&po, &r) != 0) {
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
