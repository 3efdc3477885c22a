/* natgw-bench wire: a packet generator and a sink on DPDK ports.
 *
 * The generator sends the benchmark's UDP flows (bench_pkt.c: the same
 * packets inproc uses) out of the TX port at a fixed rate or as fast as the
 * port takes them; each packet carries, right after its UDP header, a stamp:
 * the trial's magic number, a sequence number and the TSC at sending. The
 * sink receives on the RX port (possibly the same port), counts the packets
 * carrying this trial's magic, and puts (TSC at receive - TSC in the stamp)
 * into a latency histogram. Between the two ports sits the device under test
 * (natgw, the kernel, a cable...): NAT rewrites addresses and ports, not the
 * payload, so the stamp survives it.
 *
 * Threads: with one lcore the main lcore alternates between a generator step
 * (at most one burst) and a sink poll; with two or more the main lcore
 * generates and the next lcore sinks (wire_sink_main), synchronised by
 * ctx.gen_done (release by the generator, acquire by the sink) and the
 * launch/wait of the sink lcore, which orders everything else.
 *
 * A trial: flush the RX queue, pick a new magic (packets of earlier trials
 * then count as "other"), generate for --duration seconds, then let the sink
 * drain until it has seen nothing of ours for 20 ms (at most --drain s).
 * The NDR search first runs a trial at the maximum rate (its TX rate is the
 * ceiling of the search), then halves the interval [0, ceiling] on the
 * offered rate until it is narrower than --precision % of the ceiling; a
 * trial passes when loss <= --loss %. The NDR reported is the highest TX rate
 * actually achieved by a passing trial.
 * EAL: --no-huge --no-shconf, --no-pci unless a port is a PCI address, a
 * file prefix of its own; ports are vdevs (net_af_xdp, net_af_packet...) or
 * PCI addresses, one RX and one TX queue each.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "bench.h"
#include "dataplane.h"

#define WIRE_BURST_MAX 256
#define WIRE_POOL_MBUFS 16384
#define WIRE_IDLE_MS 20      /* the sink stops after this long without our packets */
#define WIRE_NDR_MAX_TRIALS 24

/* The stamp after the UDP header (16 bytes: fits a 64-byte frame). */
struct wire_stamp {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
};

#define WIRE_STAMP_OFF (BENCH_HDR_LEN)

/* Sink counters of one trial. */
struct wire_sink {
	uint64_t rx, rx_bytes, other, reordered;
	uint32_t max_seq;
	bool any;
	uint64_t lat_count, lat_min, lat_max; /* cycles */
	double lat_sum;                       /* cycles */
	uint64_t hist[LAT_BUCKETS];           /* nanoseconds */
};

struct wire_ctx {
	const struct wire_opts *o;
	struct bench_pkt gen;
	struct bench_port tx, rx;
	uint64_t hz;
	double ns_per_cycle;
	unsigned sink_lcore;     /* RTE_MAX_LCORE: the main lcore alternates */
	uint64_t pos;            /* generator position (flows continue across trials) */
	uint32_t magic;          /* this trial's */
	uint32_t gen_done;       /* generator finished (release/acquire) */
	uint64_t drain_cycles;
	struct wire_sink sink;
};

static volatile sig_atomic_t wire_stop;

/* SIGINT/SIGTERM: end the current trial (and the search) early. */
static void wire_signal(int sig)
{
	(void)sig;
	wire_stop = 1;
}

/* Histogram bucket of a latency in ns. */
static inline unsigned lat_bucket(uint64_t ns)
{
	unsigned msb, b;

	if (ns < 128)
		return (unsigned)ns;
	msb = 63u - (unsigned)__builtin_clzll(ns);
	b = 128 + (msb - 7) * 64 + (unsigned)((ns >> (msb - 6)) & 63);
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* Middle of a bucket's range, in ns. */
static double lat_bucket_mid(unsigned b)
{
	unsigned msb, sub;
	double lo, width;

	if (b < 128)
		return b;
	msb = 7 + (b - 128) / 64;
	sub = (b - 128) % 64;
	width = ldexp(1.0, (int)msb - 6);
	lo = (double)(64 + sub) * width;
	return lo + width / 2;
}

/* Percentile p (0..1) of the histogram, clamped to the exact min and max. */
static double lat_percentile(const struct wire_sink *s, double p, double min_ns, double max_ns)
{
	uint64_t want = (uint64_t)ceil(p * (double)s->lat_count), seen = 0;

	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		seen += s->hist[b];
		if (seen >= want) {
			double v = lat_bucket_mid(b);

			return v < min_ns ? min_ns : v > max_ns ? max_ns : v;
		}
	}
	return max_ns;
}

/* Read the stamp of a received frame; false when it is not one of ours. */
static inline bool wire_stamp_read(const struct rte_mbuf *m, struct wire_stamp *st)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	unsigned off;

	if (m->data_len < WIRE_STAMP_OFF + sizeof(*st) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || ip->next_proto_id != IPPROTO_UDP)
		return false;
	off = (unsigned)sizeof(*eth) + (ip->version_ihl & 0xf) * 4u + 8u;
	if (m->data_len < off + sizeof(*st))
		return false;
	memcpy(st, p + off, sizeof(*st));
	return true;
}

/* Receive one burst and account for it. Returns how many were ours. */
static inline unsigned wire_sink_poll(struct wire_ctx *c)
{
	struct rte_mbuf *pkts[WIRE_BURST_MAX];
	struct wire_sink *s = &c->sink;
	uint16_t n = rte_eth_rx_burst(c->rx.id, 0, pkts, (uint16_t)c->o->burst);
	unsigned ours = 0;
	uint64_t now;

	if (n == 0)
		return 0;
	now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		struct wire_stamp st;
		uint64_t lat;

		if (!wire_stamp_read(pkts[i], &st) || st.magic != c->magic) {
			s->other++;
			continue;
		}
		ours++;
		s->rx_bytes += pkts[i]->pkt_len + RTE_ETHER_CRC_LEN;
		if (s->any && st.seq < s->max_seq)
			s->reordered++;
		else
			s->max_seq = st.seq;
		s->any = true;
		lat = now > st.tsc ? now - st.tsc : 0;
		if (s->lat_count == 0 || lat < s->lat_min)
			s->lat_min = lat;
		if (lat > s->lat_max)
			s->lat_max = lat;
		s->lat_sum += (double)lat;
		s->lat_count++;
		s->hist[lat_bucket((uint64_t)((double)lat * c->ns_per_cycle))]++;
	}
	s->rx += ours;
	rte_pktmbuf_free_bulk(pkts, n);
	return ours;
}

/* Drain after generation: poll until nothing of ours came for WIRE_IDLE_MS
 * or the drain time is over. */
static void wire_sink_drain(struct wire_ctx *c)
{
	uint64_t now = rte_rdtsc(), last = now, idle = c->hz / 1000 * WIRE_IDLE_MS;
	uint64_t deadline = now + c->drain_cycles;

	while (now < deadline && now - last < idle) {
		if (wire_sink_poll(c) > 0)
			last = now;
		now = rte_rdtsc();
	}
}

/* The sink lcore (two-lcore mode): poll until the generator is done, then drain. */
static int wire_sink_main(void *arg)
{
	struct wire_ctx *c = arg;

	/* Acquire: pairs with the generator's release store of gen_done. */
	while (!__atomic_load_n(&c->gen_done, __ATOMIC_ACQUIRE))
		wire_sink_poll(c);
	wire_sink_drain(c);
	return 0;
}

/* Discard whatever waits in the RX queue (stragglers of an earlier trial). */
static void wire_rx_flush(struct wire_ctx *c)
{
	struct rte_mbuf *pkts[WIRE_BURST_MAX];
	uint64_t end = rte_rdtsc() + c->hz / 100;
	uint16_t n;

	do {
		n = rte_eth_rx_burst(c->rx.id, 0, pkts, WIRE_BURST_MAX);
		rte_pktmbuf_free_bulk(pkts, n);
	} while (rte_rdtsc() < end);
}

/* Generator state of one trial. */
struct wire_gen {
	uint64_t start;
	double pkts_per_cycle; /* 0: max */
	uint64_t sent, bytes, refused;
	uint32_t seq;
};

/* Send at most one burst of what is due at now. Returns packets sent. */
static inline unsigned wire_gen_step(struct wire_ctx *c, struct wire_gen *g, uint64_t now)
{
	struct rte_mbuf *pkts[WIRE_BURST_MAX];
	unsigned n = c->o->burst, k;

	if (g->pkts_per_cycle > 0) {
		uint64_t due = (uint64_t)((double)(now - g->start) * g->pkts_per_cycle);

		if (due <= g->sent)
			return 0;
		n = (unsigned)RTE_MIN(due - g->sent, (uint64_t)n);
	}
	if (rte_pktmbuf_alloc_bulk(c->tx.pool, pkts, n) != 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		struct wire_stamp st = { .magic = c->magic, .seq = g->seq + i, .tsc = now };

		bench_pkt_write(&c->gen, pkts[i], c->pos + i);
		memcpy(rte_pktmbuf_mtod_offset(pkts[i], uint8_t *, WIRE_STAMP_OFF), &st, sizeof(st));
	}
	k = rte_eth_tx_burst(c->tx.id, 0, pkts, (uint16_t)n);
	if (k < n) {
		rte_pktmbuf_free_bulk(pkts + k, n - k);
		g->refused += n - k;
	}
	for (unsigned i = 0; i < k; i++)
		g->bytes += bench_pkt_size(&c->gen, c->pos + i);
	c->pos += k;
	g->seq += k;
	g->sent += k;
	return k;
}

/* ethdev counters of interest. */
struct wire_portstats {
	uint64_t imissed, ierrors, oerrors;
};

static void wire_portstats_get(const struct wire_ctx *c, struct wire_portstats *ps)
{
	struct rte_eth_stats st;

	memset(ps, 0, sizeof(*ps));
	if (rte_eth_stats_get(c->rx.id, &st) == 0) {
		ps->imissed = st.imissed;
		ps->ierrors = st.ierrors;
	}
	if (rte_eth_stats_get(c->tx.id, &st) == 0)
		ps->oerrors = st.oerrors;
}

/* Run one trial at rate_mpps (0: max) and fill t. */
static void wire_trial(struct wire_ctx *c, const char *phase, double rate_mpps,
		       struct wire_trial *t)
{
	struct wire_gen g = { 0 };
	struct wire_portstats before, after;
	uint64_t end, now;
	bool split = c->sink_lcore != RTE_MAX_LCORE;
	struct wire_sink *s = &c->sink;

	wire_rx_flush(c);
	memset(s, 0, sizeof(*s));
	c->magic = (uint32_t)rte_rand() | 1u;
	__atomic_store_n(&c->gen_done, 0, __ATOMIC_RELAXED);
	wire_portstats_get(c, &before);
	if (split && rte_eal_remote_launch(wire_sink_main, c, c->sink_lcore) != 0)
		split = false; /* lcore busy: alternate on this one */

	g.pkts_per_cycle = rate_mpps > 0 ? rate_mpps * 1e6 / (double)c->hz : 0;
	g.start = rte_rdtsc();
	end = g.start + (uint64_t)(c->o->duration * (double)c->hz);
	while ((now = rte_rdtsc()) < end && !wire_stop) {
		wire_gen_step(c, &g, now);
		if (!split)
			wire_sink_poll(c);
	}
	t->seconds = (double)(now - g.start) / (double)c->hz;
	/* Release: the sink sees gen_done only after everything sent so far. */
	__atomic_store_n(&c->gen_done, 1, __ATOMIC_RELEASE);
	if (split)
		rte_eal_wait_lcore(c->sink_lcore);
	else
		wire_sink_drain(c);
	wire_portstats_get(c, &after);

	t->phase = phase;
	t->target_mpps = rate_mpps;
	t->tx_packets = g.sent;
	t->tx_bytes = g.bytes;
	t->tx_refused = g.refused;
	t->rx_packets = s->rx;
	t->rx_bytes = s->rx_bytes;
	t->rx_other = s->other;
	t->reordered = s->reordered;
	t->port_imissed = after.imissed - before.imissed;
	t->port_ierrors = after.ierrors - before.ierrors;
	t->port_oerrors = after.oerrors - before.oerrors;
	t->lat_count = s->lat_count;
	if (s->lat_count > 0) {
		t->lat_min_ns = (double)s->lat_min * c->ns_per_cycle;
		t->lat_max_ns = (double)s->lat_max * c->ns_per_cycle;
		t->lat_mean_ns = s->lat_sum / (double)s->lat_count * c->ns_per_cycle;
		t->lat_p50_ns = lat_percentile(s, 0.50, t->lat_min_ns, t->lat_max_ns);
		t->lat_p90_ns = lat_percentile(s, 0.90, t->lat_min_ns, t->lat_max_ns);
		t->lat_p99_ns = lat_percentile(s, 0.99, t->lat_min_ns, t->lat_max_ns);
	}
}

static double wire_trial_loss(const struct wire_trial *t)
{
	if (t->tx_packets == 0)
		return 100;
	return t->rx_packets >= t->tx_packets
		       ? 0
		       : 100.0 * (double)(t->tx_packets - t->rx_packets) / (double)t->tx_packets;
}

/* No-drop-rate search (see the file comment). Returns the exit status. */
static int wire_ndr(struct wire_ctx *c, const struct wire_info *wi)
{
	const struct wire_opts *o = c->o;
	struct wire_trial t = { 0 }, best = { 0 };
	bool have_best = false;
	double lo = 0, hi, ceiling;
	unsigned trials = 1;

	wire_trial(c, "max", 0, &t);
	bench_out_wire_trial(stdout, o, wi, &t);
	ceiling = t.seconds > 0 ? (double)t.tx_packets / t.seconds / 1e6 : 0;
	if (ceiling <= 0) {
		fprintf(stderr, "natgw-bench: the TX port sent nothing\n");
		return 1;
	}
	if (wire_trial_loss(&t) <= o->loss_pct) {
		best = t; /* no loss at the maximum: the generator is the limit */
		have_best = true;
		lo = ceiling;
	}
	hi = ceiling;
	while (hi - lo > o->precision_pct / 100.0 * ceiling && trials < WIRE_NDR_MAX_TRIALS &&
	       !wire_stop) {
		double mid = (lo + hi) / 2;

		memset(&t, 0, sizeof(t));
		wire_trial(c, "probe", mid, &t);
		trials++;
		bench_out_wire_trial(stdout, o, wi, &t);
		if (wire_trial_loss(&t) <= o->loss_pct) {
			lo = mid;
			if (!have_best || (double)t.tx_packets / t.seconds >
						  (double)best.tx_packets / best.seconds)
				best = t;
			have_best = true;
		} else {
			hi = mid;
		}
	}
	bench_out_wire_ndr(stdout, o, wi, have_best ? &best : NULL, ceiling, trials);
	return have_best ? 0 : 1;
}

int bench_wire(const struct wire_opts *o)
{
	static struct wire_ctx c;
	struct wire_info wi = { 0 };
	struct wire_trial t = { 0 };
	bool same = strcmp(o->tx_dev, o->rx_dev) == 0;
	int status = 1, rc;

	c.o = o;
	bench_eal_atexit();
	{
		const char *devs[2] = { o->tx_dev, o->rx_dev };

		if (bench_eal_start("wire", o->lcores, o->memory_mb, devs, same ? 1 : 2) != 0)
			return 1;
	}
	signal(SIGINT, wire_signal);
	signal(SIGTERM, wire_signal);
	c.hz = rte_get_tsc_hz();
	c.ns_per_cycle = 1e9 / (double)c.hz;
	c.drain_cycles = (uint64_t)(o->drain * (double)c.hz);
	c.sink_lcore = rte_get_next_lcore(-1, 1, 0);
	if (c.sink_lcore >= RTE_MAX_LCORE)
		c.sink_lcore = RTE_MAX_LCORE;
	wi.n_lcores = c.sink_lcore == RTE_MAX_LCORE ? 1 : 2;
	wi.hz = c.hz;

	rc = bench_port_start(o->tx_dev, "wire_0", WIRE_POOL_MBUFS, &c.tx);
	if (rc != 0)
		goto out;
	if (same) {
		c.rx = c.tx;
	} else {
		rc = bench_port_start(o->rx_dev, "wire_1", WIRE_POOL_MBUFS, &c.rx);
		if (rc != 0)
			goto out_tx;
	}
	snprintf(wi.tx_driver, sizeof(wi.tx_driver), "%s", c.tx.driver);
	snprintf(wi.rx_driver, sizeof(wi.rx_driver), "%s", c.rx.driver);
	if (o->have_src_mac)
		wi.src_mac = o->src_mac;
	else
		rte_eth_macaddr_get(c.tx.id, &wi.src_mac);
	if (o->have_dst_mac)
		wi.dst_mac = o->dst_mac;
	else
		rte_eth_macaddr_get(c.rx.id, &wi.dst_mac);
	if (bench_pkt_init(&c.gen, &wi.src_mac, &wi.dst_mac, o->src_ip, o->dst_ip, o->sport,
			   o->dport, o->flows, o->size) != 0) {
		fprintf(stderr, "natgw-bench: bad --flows or --size\n");
		goto out_rx;
	}

	bench_out_wire_header(stdout, o, &wi);
	if (o->ndr) {
		status = wire_ndr(&c, &wi);
	} else {
		wire_trial(&c, "run", o->rate_mpps, &t);
		bench_out_wire_trial(stdout, o, &wi, &t);
		status = t.tx_packets > 0 && t.rx_packets > 0 ? 0 : 1;
		if (t.rx_packets == 0)
			fprintf(stderr, "natgw-bench: nothing came back on the RX port (sent %llu)\n",
				(unsigned long long)t.tx_packets);
	}
out_rx:
	if (!same) {
		rte_eth_dev_stop(c.rx.id);
		rte_eth_dev_close(c.rx.id);
	}
out_tx:
	rte_eth_dev_stop(c.tx.id);
	rte_eth_dev_close(c.tx.id);
out:
	bench_eal_cleanup();
	return status;
}
