/* natgw-bench: options, results and helpers shared by the benchmark modes.
 *
 * main.c parses the command line into bench_opts (inproc) or wire_opts
 * (wire) and calls the mode; bench_inproc.c and bench_wire.c fill result
 * structs (bench_scaling.c: inproc's 1-worker baseline rounds); bench_out.c
 * prints them as a table or as JSON lines; bench_pkt.c builds the packets
 * both modes send (the same UDP flows).
 */
#ifndef NATGW_BENCH_H
#define NATGW_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* ---- bench_pkt.c: the benchmark's packets ---- */

#define BENCH_FLOW_STEP 7919u   /* prime stride: consecutive packets hit distant flows */
#define BENCH_PORTS_PER_HOST 63 /* source ports per inside host (as the VPP CSIT NAT tests) */
#define BENCH_DST_ADDRS 131072u /* destinations cycle over this many addresses */
#define BENCH_IMIX_LEN 12       /* IMIX pattern: 7 x 64, 4 x 594, 1 x 1518 bytes */
#define BENCH_HDR_LEN 42        /* Ethernet + IPv4 + UDP */

/* Frame sizes (incl. CRC) of one IMIX period, interleaved. */
extern const uint16_t bench_imix_sizes[BENCH_IMIX_LEN];

/* Mean IMIX frame size incl. CRC (4342 / 12). */
#define BENCH_IMIX_MEAN (4342.0 / 12.0)

#define BENCH_FLOW_STEP_ALT 7907u /* the stride for a flow list whose length 7919 divides */

/* Packet generator state: packet number pos visits index
 * i = (pos * step) % flows, step = BENCH_FLOW_STEP; its flow is f = i, or
 * f = flow_ids[i] with a flow list (bench_pkt_use_flows: one worker's share
 * of the flows). Flow f goes from inside host src_ip + f / 63, port
 * sport + f % 63, to dst_ip + f % 131072, port dport. UDP checksum 0 (none). */
struct bench_pkt {
	uint8_t hdr[BENCH_HDR_LEN]; /* Ethernet + IPv4 + UDP template */
	uint32_t src_ip;            /* host order, first inside host */
	uint32_t dst_ip;            /* host order, first destination */
	uint16_t sport;             /* host order, first source port */
	uint16_t dport;             /* host order */
	uint32_t flows;             /* flows visited (the list's length with one) */
	uint32_t step;              /* stride, prime and not dividing flows */
	const uint32_t *flow_ids;   /* NULL: flows 0..flows-1 */
	unsigned size;              /* frame size incl. CRC; 0: IMIX */
};

/* One flow's addresses and ports (host order). */
struct bench_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
};

/* Set up the generator. size 0 means IMIX. 0 or -EINVAL (flows a multiple
 * of BENCH_FLOW_STEP, or size out of 64..1518). */
int bench_pkt_init(struct bench_pkt *g, const struct rte_ether_addr *src_mac,
		   const struct rte_ether_addr *dst_mac, uint32_t src_ip, uint32_t dst_ip,
		   uint16_t sport, uint16_t dport, uint32_t flows, unsigned size);

/* Visit only the n flows of ids (kept by the caller; n >= 1), every one
 * once per n packets. */
void bench_pkt_use_flows(struct bench_pkt *g, const uint32_t *ids, uint32_t n);

/* The tuple of flow f. */
void bench_pkt_tuple(const struct bench_pkt *g, uint32_t f, struct bench_tuple *t);

/* Frame size incl. CRC of packet number pos. */
static inline unsigned bench_pkt_size(const struct bench_pkt *g, uint64_t pos)
{
	return g->size ? g->size : bench_imix_sizes[pos % BENCH_IMIX_LEN];
}

/* Write packet number pos into m (headers; data_len/pkt_len set; payload
 * bytes beyond the headers are left as they are). */
void bench_pkt_write(const struct bench_pkt *g, struct rte_mbuf *m, uint64_t pos);

/* ---- bench_inproc.c ---- */

/* Stages timed separately for established flows (see bench_inproc.c). */
enum bench_stage {
	BENCH_STAGE_RX,      /* metadata reset and RX counters (dp_worker_process) */
	BENCH_STAGE_PARSE,   /* parse_stage */
	BENCH_STAGE_STEER,   /* ownership check of each packet (several workers, NAT) */
	BENCH_STAGE_FILTER,  /* filter_ingress_stage */
	BENCH_STAGE_NAT,     /* nat_prerouting_stage (session lookup, rewrite) */
	BENCH_STAGE_FORWARD, /* forward_stage: route, egress filter, NAT postrouting, TTL, neighbour */
	BENCH_STAGE_TX,      /* verdict dispatch, buffered TX to net_null, flush */
	BENCH_STAGE_MAX
};

extern const char *const bench_stage_names[BENCH_STAGE_MAX];

#define BENCH_MAX_WORKERS 16   /* as DP_MAX_WORKERS */
#define BENCH_MAX_ROUNDS 20    /* --rounds */

struct bench_opts {
	uint64_t packets;   /* packets to push through the pipeline (all workers) */
	unsigned flows;     /* distinct 5-tuples (all workers) */
	unsigned size;      /* frame size incl. CRC, 64..1518 */
	unsigned memory_mb;
	int json;
	int nat;            /* masquerade every flow (sessions = flows) */
	int imix;           /* 7:4:1 of 64/594/1518-byte frames instead of size */
	int sweep;          /* NAT at 1k/64k/1M/4M sessions, one run each */
	int no_stages;      /* skip the per-stage pass */
	unsigned sg_rules;  /* a security group on "in" with this many ingress rules */
	unsigned nacl_rules;/* a NACL on "in" with this many ingress rules */
	unsigned workers;   /* workers, one per EAL lcore (1..BENCH_MAX_WORKERS) */
	char lcores[64];    /* their CPUs, EAL -l list (bench_lcores_pick) */
	int flow_list;      /* generate from a flow list even with one worker (as
			       several workers do: same generator for --baseline) */
	int baseline;       /* --baseline: a 1-worker run before each --workers run */
	unsigned rounds;    /* --baseline pairs, interleaved */
	unsigned round;     /* this run's round (1..rounds), 0: not a --baseline run */
};

/* One worker's part of a run (its own flows, on its own lcore). */
struct bench_worker_result {
	unsigned lcore;
	uint32_t flows;            /* flows (with NAT: sessions) this worker owns */
	uint64_t packets;          /* measured run */
	uint64_t forwarded;
	uint64_t drops;            /* first pass and measured run */
	uint64_t bytes;            /* frame bytes (incl. CRC) of the measured run */
	uint64_t handed_off;       /* packets it gave another worker (wrong owner) */
	uint64_t handed_in;
	uint64_t tsc_start, tsc_end; /* measured run (generator + pipeline + TX) */
	uint64_t cycles_generator; /* alloc + template copy + free only, same packets */
	uint64_t cycles_first_pass; /* every own flow once: session creation with NAT */
	uint64_t sessions_created;
	uint64_t sessions;         /* in its table during the measured run */
	/* Per-stage pass (established flows, same bursts as the measured run). */
	uint64_t stage_packets;
	uint64_t stage_forwarded;
	uint64_t stage_bursts;
	uint64_t stage_stray;      /* packets the steer stage found another worker owns */
	uint64_t stage_cycles[BENCH_STAGE_MAX]; /* raw, timer overhead included */
	double timer_overhead;     /* cycles of one rte_rdtsc() pair, subtracted per burst */
};

/* A run: sums over the workers, and each worker's part. */
struct bench_result {
	unsigned n_workers;
	uint64_t packets;
	uint64_t forwarded;
	uint64_t drops;
	uint64_t bytes;
	uint64_t handed_off;
	uint64_t handed_in;
	uint64_t cycles_filter_build; /* compiling the filters into the snapshot */
	uint64_t hz;
	uint64_t sessions_created;
	uint64_t sessions;
	unsigned bytes_per_session;
	uint64_t stage_packets;
	uint64_t stage_forwarded;
	struct bench_worker_result w[BENCH_MAX_WORKERS];
};

/* Choose the CPUs of n workers: the first n this process may run on, as an
 * EAL -l list into buf. 0, or -ERANGE when fewer than n are available
 * (*avail says how many). */
int bench_lcores_pick(unsigned n, char *buf, size_t len, unsigned *avail);

/* Run the in-process forwarding benchmark once. 0 or -errno. */
int bench_inproc(const struct bench_opts *o, struct bench_result *r);

/* Run it in a child process (the EAL starts only once per process); the
 * result comes back through a pipe. 0 or -errno. */
int bench_inproc_child(const struct bench_opts *o, struct bench_result *r);

/* Run it for each of the sweep's session counts (a child process each, as
 * the EAL starts only once per process) and print one line/object each.
 * Returns the process exit status. */
int bench_inproc_sweep(const struct bench_opts *o);

/* bench_scaling.c: --baseline: o->rounds times, a 1-worker run then an
 * o->workers run (each in a child), one line (object) each, then the
 * medians and the scaling factor. Returns the process exit status. */
int bench_inproc_scaling(const struct bench_opts *o);

/* ---- bench_wire.c ---- */

#define WIRE_DEVARGS_MAX 256

struct wire_opts {
	char tx_dev[WIRE_DEVARGS_MAX];  /* devargs (vdev or PCI address) */
	char rx_dev[WIRE_DEVARGS_MAX];  /* may equal tx_dev: one port both ways */
	char lcores[64];                /* EAL -l list: 1 core alternates, 2 split */
	double rate_mpps;               /* offered rate; 0: as fast as the port takes */
	unsigned flows;
	unsigned size;                  /* 0: IMIX */
	double duration;                /* seconds per trial */
	double drain;                   /* max seconds the sink waits after a trial */
	int ndr;                        /* no-drop-rate search */
	double loss_pct;                /* NDR criterion: loss <= this (percent) */
	double precision_pct;           /* NDR stops when hi - lo <= this % of the ceiling */
	unsigned burst;
	unsigned memory_mb;
	int json;
	bool have_src_mac, have_dst_mac;
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t src_ip, dst_ip;        /* host order */
	uint16_t sport, dport;          /* host order */
};

/* Latency histogram in nanoseconds: exact below 128 ns, then 64 buckets per
 * power of two (error < 1.6 %). */
#define LAT_BUCKETS (128 + 64 * 34)

struct wire_trial {
	const char *phase;              /* "run", "max", "probe", "ndr" */
	double target_mpps;             /* 0: max */
	double seconds;                 /* generation time */
	uint64_t tx_packets, tx_bytes;  /* accepted by the TX port */
	uint64_t tx_refused;            /* offered but not taken by the PMD (retried) */
	uint64_t rx_packets, rx_bytes;  /* ours (this trial's magic) */
	uint64_t rx_other;              /* anything else the sink saw */
	uint64_t reordered;             /* sequence lower than one seen before */
	uint64_t port_imissed, port_ierrors, port_oerrors; /* ethdev stats during the trial */
	uint64_t lat_count;
	double lat_min_ns, lat_mean_ns, lat_max_ns;
	double lat_p50_ns, lat_p90_ns, lat_p99_ns;
};

struct wire_info {
	char tx_driver[32], rx_driver[32];
	struct rte_ether_addr src_mac, dst_mac;
	unsigned n_lcores;
	uint64_t hz;
};

/* Run the wire benchmark (one trial, or the NDR search); prints as it goes.
 * Returns the process exit status. */
int bench_wire(const struct wire_opts *o);

/* ---- bench_port.c: EAL and ports for the wire and fwd modes ---- */

/* A port natgw-bench drives: ethdev id, RX pool, driver name. */
struct bench_port {
	uint16_t id;
	struct rte_mempool *pool;
	char driver[32];
};

/* Start the EAL for mode ("wire", "fwd": in the file prefix and messages)
 * on lcores with memory_mb and n_devs (0..2) devargs. 0 or -errno (printed). */
int bench_eal_start(const char *mode, const char *lcores, unsigned memory_mb,
		    const char *const *devs, unsigned n_devs);

/* Configure and start one port: one RX queue with its own pool of n_mbufs
 * (pool_name), one TX queue, promiscuous. 0 or -errno (printed). */
int bench_port_start(const char *devargs, const char *pool_name, unsigned n_mbufs,
		     struct bench_port *bp);

/* bench_port.c: DPDK 22.11 leaves the EAL's runtime directory
 * (/var/run/dpdk/PREFIX) behind, empty, after every run. Call
 * bench_eal_atexit() before the EAL starts and bench_eal_cleanup() instead
 * of rte_eal_cleanup(): the directory goes at exit, after the telemetry
 * socket in it (unlinked by an atexit handler of the EAL's). */
void bench_eal_atexit(void);
void bench_eal_cleanup(void);

/* ---- bench_out.c: tables and JSON lines ---- */

void bench_out_inproc(FILE *f, const struct bench_opts *o, const struct bench_result *r);
void bench_out_sweep_header(FILE *f, const struct bench_opts *o);
void bench_out_sweep_row(FILE *f, const struct bench_opts *o, const struct bench_result *r);
void bench_out_scaling_header(FILE *f, const struct bench_opts *o);
void bench_out_scaling_row(FILE *f, const struct bench_opts *o, const struct bench_result *r);
/* base[i], multi[i]: round i's 1-worker and o->workers results (NULL: failed). */
void bench_out_scaling_summary(FILE *f, const struct bench_opts *o,
			       const struct bench_result *const *base,
			       const struct bench_result *const *multi, unsigned rounds);
void bench_out_wire_header(FILE *f, const struct wire_opts *o, const struct wire_info *wi);
void bench_out_wire_trial(FILE *f, const struct wire_opts *o, const struct wire_info *wi,
			  const struct wire_trial *t);
/* NDR result: best is the fastest passing trial (NULL: none passed). */
void bench_out_wire_ndr(FILE *f, const struct wire_opts *o, const struct wire_info *wi,
			const struct wire_trial *best, double ceiling_mpps, unsigned trials);

#endif
