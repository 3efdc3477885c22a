/* Shared environment of the packet fuzzers (fuzz_packet, fuzz_nat_icmp).
 *
 * Overview: a no-huge EAL is started once (rte_fib needs rte_malloc) and two
 * real route tables are built; every fuzz input then gets a fresh worker: a
 * 3-port snapshot, a neighbour table, NAT state, and a few sessions opened by
 * real packets through pipeline_run (TCP established, TCP half-open, UDP,
 * ICMP echo, a port-forward, a hairpin, a packet parked on an unresolved
 * next hop). The fuzz frame(s) then run through pipeline_run, every packet
 * and every emitted packet is checked against the pipeline's contract
 * (fz_check_*), timers may run, and everything is torn down; at the end no
 * mbuf may be left (each fake mbuf is registered and freed exactly once).
 * Any violation prints what broke and aborts, which libFuzzer reports as a
 * crash with the input saved.
 *
 * Fake mbufs: one calloc each (mbuf, private area, headroom, data), the data
 * room exactly as large as the frame, so ASan sees reads past the frame end.
 *
 * Topology (RFC 5737 / RFC 1918):
 *   port 0 inside  10.0.0.1/24     MTU 9001  table 0
 *   port 1 outside 192.0.2.1/24    MTU 1500  table 0   NAT port
 *   port 2 lab     198.51.100.1/24 MTU 1500  table 1
 *   table 0: 10.0.0.0/24 dev 0, 10/8 via 10.0.0.254, 192.0.2.0/24 dev 1,
 *            192.0.2.128/26 blackhole, 198.51.100.0/24 dev 2,
 *            default via 192.0.2.254 dev 1
 *   table 1: 10/8 via 10.0.0.254, 198.51.100.0/24 dev 2,
 *            203.0.113.0/24 via 192.0.2.254 (no default: net unreachable)
 *   static neighbours 10.0.0.254 (port 0), 192.0.2.254 (port 1); others
 *   are resolved by ARP (packets parked, requests emitted).
 *   NAT: pool 192.0.2.1 192.0.2.2, inside 10.0.0.0/8 198.51.100.0/25,
 *        forwards 192.0.2.1:8080 tcp -> 10.0.1.10:80,
 *                 192.0.2.2:5353 udp -> 10.0.1.11:53.
 *   The worker is worker 0 of 16 (it owns public ports 40000 + 16 k).
 *   Config A (default): public ports 40000-40000 (deterministic: every
 *   session shares port 40000, tuple-unique), EIM. Config B: 40000-40048
 *   (this worker's 4 ports), tuple-unique mapping, ICMP 3/13 on exhaustion,
 *   2 sessions per host.
 * Pre-created sessions (clock 1000 s), with config A:
 *   TCP 10.0.1.20:40000 > 203.0.113.7:80  established  (pub 40000)
 *   TCP 10.0.1.20:40001 > 203.0.113.7:443 SYN sent
 *   UDP 10.0.2.10:5000  > 203.0.113.7:53  (both directions seen)
 *   ICMP echo 10.0.1.20 id 0x1234 > 203.0.113.7
 *   TCP 203.0.113.8:5555 > 192.0.2.1:8080 (port-forward, SYN + SYN-ACK)
 *   UDP 10.0.2.10:6000 > 192.0.2.2:5353 (hairpin port-forward)
 *   UDP 10.0.1.20:7000 > 198.51.100.9:53 parked (ARP for 198.51.100.9 emitted)
 * (fz_pub_of() tells which pool address an inside host is paired with.)
 */
#ifndef NATGW_FUZZ_PIPELINE_H
#define NATGW_FUZZ_PIPELINE_H

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "natgw/cksum.h"
#include "natgw/counters.h"
#include "natgw/filter.h"
#include "natgw/nat.h"
#include "natgw/neigh.h"
#include "natgw/pipeline.h"
#include "natgw/route.h"

#define FZ_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define FZ_HZ 1000000ull
#define FZ_HEADROOM RTE_PKTMBUF_HEADROOM
#define FZ_ALLOC_ROOM RTE_MBUF_DEFAULT_DATAROOM
#define FZ_N_PORTS 3
#define FZ_MAX_FRAME 16000
#define FZ_MAX_BURST 4

#define FZ_PUB1 FZ_IP(192, 0, 2, 1)
#define FZ_PUB2 FZ_IP(192, 0, 2, 2)
#define FZ_H1 FZ_IP(10, 0, 1, 20)
#define FZ_H2 FZ_IP(10, 0, 2, 10)
#define FZ_SRV FZ_IP(10, 0, 1, 10)
#define FZ_SRV2 FZ_IP(10, 0, 1, 11)
#define FZ_REM FZ_IP(203, 0, 113, 7)
#define FZ_REM2 FZ_IP(203, 0, 113, 8)
#define FZ_GW FZ_IP(192, 0, 2, 254)
#define FZ_IRTR FZ_IP(10, 0, 0, 254)
#define FZ_LABHOST FZ_IP(198, 51, 100, 9)
#define FZ_PUBPORT 40000
#define FZ_N_WORKERS 16

/* ---- failure reporting ---- */

/* Print what broke and abort: libFuzzer saves the input as a crash. */
static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FUZZ INVARIANT VIOLATED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define FZ_ASSERT(cond, ...)               \
	do {                               \
		if (!(cond))               \
			fz_fail(__VA_ARGS__); \
	} while (0)

/* ---- fake mbufs with an ownership registry ---- */

struct fz_env {
	struct worker w; /* first: ops recover the environment from the worker */
	struct dp_snapshot snap;
	struct nat_rt rt;
	struct filter_counters fctr[NATGW_MAX_PORTS * 2]; /* with fz_filters_on */
	struct rte_mbuf **live;  /* every fake mbuf segment not yet freed */
	unsigned n_live, cap_live;
	unsigned allocs, frees;
};

/* Register a new fake mbuf segment as live. */
static void fz_live_add(struct fz_env *env, struct rte_mbuf *m)
{
	if (env->n_live == env->cap_live) {
		env->cap_live = env->cap_live ? 2 * env->cap_live : 64;
		env->live = realloc(env->live, env->cap_live * sizeof(*env->live));
		if (env->live == NULL)
			abort();
	}
	env->live[env->n_live++] = m;
}

/* Remove m from the live set; aborts on a double free or a foreign pointer. */
static void fz_live_del(struct fz_env *env, struct rte_mbuf *m)
{
	for (unsigned i = env->n_live; i-- > 0;) {
		if (env->live[i] == m) {
			env->live[i] = env->live[--env->n_live];
			return;
		}
	}
	fz_fail("free of an mbuf that is not live (double free?) %p", (void *)m);
}

/* A single-segment fake mbuf with room bytes of data room (data_len 0). */
static struct rte_mbuf *fz_mbuf_new(struct fz_env *env, uint16_t room)
{
	size_t priv = PKT_META_PRIV_SIZE;
	struct rte_mbuf *m = calloc(1, sizeof(*m) + priv + FZ_HEADROOM + room);

	if (m == NULL)
		abort();
	m->buf_addr = (char *)m + sizeof(*m) + priv;
	m->buf_len = (uint16_t)(FZ_HEADROOM + room);
	m->data_off = FZ_HEADROOM;
	m->priv_size = (uint16_t)priv;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	rte_mbuf_refcnt_set(m, 1);
	fz_live_add(env, m);
	return m;
}

/* Free a chain of fake mbufs (what rte_pktmbuf_free does). */
static void fz_mbuf_free(struct fz_env *env, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		fz_live_del(env, m);
		free(m);
		m = next;
	}
}

/* pkt_ops.alloc: a mempool-sized empty mbuf. */
static struct rte_mbuf *fz_ops_alloc(struct worker *w)
{
	struct fz_env *env = (struct fz_env *)w;

	env->allocs++;
	return fz_mbuf_new(env, FZ_ALLOC_ROOM);
}

/* pkt_ops.free: free the chain. */
static void fz_ops_free(struct worker *w, struct rte_mbuf *m)
{
	struct fz_env *env = (struct fz_env *)w;

	env->frees++;
	fz_mbuf_free(env, m);
}

static const struct pkt_ops fz_ops = { .alloc = fz_ops_alloc, .free = fz_ops_free };

/* An mbuf holding exactly the frame bytes (data room = len). */
static struct rte_mbuf *fz_frame(struct fz_env *env, const uint8_t *frame, uint16_t len,
				 unsigned in_port)
{
	struct rte_mbuf *m = fz_mbuf_new(env, len);

	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
	m->data_len = len;
	m->pkt_len = len;
	memset(pkt_meta(m), 0, sizeof(struct pkt_meta));
	pkt_meta(m)->in_port = (uint8_t)in_port;
	return m;
}

/* Split single-segment m into two segments at off (0 < off < data_len), like
 * a datagram rte_ip_frag reassembled. */
static void fz_split(struct fz_env *env, struct rte_mbuf *m, uint16_t off)
{
	uint16_t rest = (uint16_t)(m->data_len - off);
	struct rte_mbuf *t = fz_mbuf_new(env, rest);

	memcpy(rte_pktmbuf_mtod(t, uint8_t *), rte_pktmbuf_mtod_offset(m, uint8_t *, off), rest);
	t->data_len = rest;
	t->pkt_len = rest;
	m->data_len = off;
	m->next = t;
	m->nb_segs = 2;
}

/* Copy the packet bytes of a chain into buf (at most cap); returns the length. */
static unsigned fz_linearize(const struct rte_mbuf *m, uint8_t *buf, unsigned cap)
{
	unsigned got = 0;

	for (; m != NULL; m = m->next) {
		unsigned n = m->data_len;

		if (got + n > cap)
			n = cap - got;
		memcpy(buf + got, rte_pktmbuf_mtod(m, const uint8_t *), n);
		got += n;
	}
	return got;
}

/* ---- the static part: EAL, route tables ---- */

static struct route_table *fz_tables[2];

/* ---- filtering (fz_filters_on) ---- */

/* Groups on inside and outside, NACLs on outside and lab (RFC 5737 / 1918). */
static const char fz_filter_ini[] =
	"[port inside]\ndevargs = net_null0\naddress = 10.0.0.1/24\nsecurity_groups = inner\n"
	"[port outside]\ndevargs = net_null1\naddress = 192.0.2.1/24\n"
	"security_groups = edge\nnacl = edge\n"
	"[port lab]\ndevargs = net_null2\naddress = 198.51.100.1/24\nnacl = lab\n"
	"[sg inner]\nrule.1 = ingress tcp 80 from 10.0.0.0/8\nrule.2 = ingress udp 53 from 10.0.2.0/24\n"
	"rule.3 = ingress icmp 8 from 0.0.0.0/0\nrule.4 = egress tcp 80 to 10.0.1.10/32\n"
	"[sg edge]\nrule.1 = ingress tcp 8080 from 0.0.0.0/0\n"
	"rule.2 = ingress udp 5353 from 203.0.113.0/24\ndefault_egress = yes\n"
	"[nacl edge]\ningress.10 = deny all from 203.0.113.99/32\n"
	"ingress.100 = allow all from 0.0.0.0/0\negress.100 = allow all to 0.0.0.0/0\n"
	"[nacl lab]\ningress.100 = allow tcp 1024-65535 from 198.51.100.0/24 to 10.0.0.0/8\n"
	"ingress.200 = allow icmp from 0.0.0.0/0\negress.100 = allow all to 0.0.0.0/0\n";

static struct filter_ctx *fz_filters[NATGW_MAX_PORTS][2];

/* Compile fz_filter_ini once (after the EAL: rte_acl). */
static void fz_filters_build(void)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX];

	if (config_load_ini_text("fuzz-filters", fz_filter_ini, sizeof(fz_filter_ini) - 1, &cfg,
				 err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz filters: %s\n", err);
		exit(1);
	}
	for (unsigned p = 0; p < cfg.n_ports; p++)
		for (unsigned d = 0; d < 2; d++) {
			char name[32];

			snprintf(name, sizeof(name), "fz_%u_%u", p, d);
			if (filter_build(&cfg, p, (enum natgw_filter_dir)d, name, &fz_filters[p][d]) != 0) {
				fprintf(stderr, "fuzz filters: filter_build %u/%u failed\n", p, d);
				exit(1);
			}
		}
	config_free(&cfg);
}

/* Put the filters in the input's snapshot (after the sessions were set up:
 * flows that exist stay allowed, new ones meet the rules). */
static void fz_filters_on(struct fz_env *env)
{
	for (unsigned p = 0; p < 3; p++)
		for (unsigned d = 0; d < 2; d++) {
			env->snap.filter[p][d] = fz_filters[p][d];
			if (filter_counters_init(&env->fctr[p * 2 + d], fz_filters[p][d]) != 0)
				abort();
		}
	env->snap.fctr = env->fctr;
	env->snap.n_workers = 1;
	env->snap.sg_ports = 0x3;
	env->snap.filtering = true;
}

/* Start a no-huge EAL and build the two route tables; exits on failure. */
static void fz_global_init(const char *name)
{
	static struct natgw_route t0[] = {
		{ FZ_IP(10, 0, 0, 0), 24, NATGW_ROUTE_CONNECTED, 0, 0 },
		{ FZ_IP(10, 0, 0, 0), 8, NATGW_ROUTE_GATEWAY, 0, FZ_IRTR },
		{ FZ_IP(192, 0, 2, 0), 24, NATGW_ROUTE_CONNECTED, 1, 0 },
		{ FZ_IP(192, 0, 2, 128), 26, NATGW_ROUTE_BLACKHOLE, 0, 0 },
		{ FZ_IP(198, 51, 100, 0), 24, NATGW_ROUTE_CONNECTED, 2, 0 },
		{ 0, 0, NATGW_ROUTE_GATEWAY, 1, FZ_GW },
	};
	static struct natgw_route t1[] = {
		{ FZ_IP(10, 0, 0, 0), 8, NATGW_ROUTE_GATEWAY, 0, FZ_IRTR },
		{ FZ_IP(198, 51, 100, 0), 24, NATGW_ROUTE_CONNECTED, 2, 0 },
		{ FZ_IP(203, 0, 113, 0), 24, NATGW_ROUTE_GATEWAY, 1, FZ_GW },
	};
	struct natgw_route_table c0 = { .name = "main", .routes = t0, .n_routes = 6, .cap = 6 };
	struct natgw_route_table c1 = { .name = "lab", .routes = t1, .n_routes = 3, .cap = 3 };
	char prefix[64];
	char *argv[] = { (char *)name, "--no-huge", "--no-pci", "--no-shconf", "-m", "128",
			 prefix, "--log-level=*:error", "--no-telemetry", NULL };
	cpu_set_t cpus;
	bool have_cpus;

	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzz-%d", (int)getpid());
	/* The EAL pins the main thread to its first lcore: give the fuzzer its
	 * whole CPU set back afterwards (parallel fuzzers, shared machines). */
	have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	if (rte_eal_init(9, argv) < 0) {
		fprintf(stderr, "%s: rte_eal_init failed\n", name);
		exit(1);
	}
	if (have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	if (route_table_build(&c0, "fuzz_t0", &fz_tables[0]) != 0 ||
	    route_table_build(&c1, "fuzz_t1", &fz_tables[1]) != 0) {
		fprintf(stderr, "%s: route_table_build failed\n", name);
		exit(1);
	}
	fz_filters_build();
}

/* ---- per-input environment ---- */

/* Options chosen by the input's control bytes. */
struct fz_opts {
	bool config_b;       /* tuple mapping, 4 ports, ICMP on exhaustion, 2 per host */
	bool tx_offload;     /* ports offload IPv4 (and L4) checksums */
	bool rx_csum;        /* ports trust RX checksum flags */
};

/* MAC of port p (02:00:00:00:00:0p+1) or of a peer on port p (02:aa:00:00:00:0p). */
static struct rte_ether_addr fz_mac(bool peer, unsigned p)
{
	struct rte_ether_addr a = { { 0x02, peer ? 0xaa : 0x00, 0, 0, 0,
				      (uint8_t)(peer ? p : p + 1) } };
	return a;
}

/* The NAT configuration (network order). */
static void fz_rt_init(struct nat_rt *rt, bool config_b)
{
	memset(rt, 0, sizeof(*rt));
	rt->port = 1;
	rt->pool[0] = rte_cpu_to_be_32(FZ_PUB1);
	rt->pool[1] = rte_cpu_to_be_32(FZ_PUB2);
	rt->n_pool = 2;
	rt->inside_net[0] = rte_cpu_to_be_32(FZ_IP(10, 0, 0, 0));
	rt->inside_mask[0] = rte_cpu_to_be_32(0xff000000u);
	rt->inside_net[1] = rte_cpu_to_be_32(FZ_IP(198, 51, 100, 0));
	rt->inside_mask[1] = rte_cpu_to_be_32(0xffffff80u);
	rt->n_inside = 2;
	rt->port_min = FZ_PUBPORT;
	rt->port_max = config_b ? FZ_PUBPORT + 3 * FZ_N_WORKERS : FZ_PUBPORT;
	rt->mapping = config_b ? NATGW_NAT_MAPPING_TUPLE : NATGW_NAT_MAPPING_EIM;
	rt->timeout[NAT_TC_UDP] = 300;
	rt->timeout[NAT_TC_TCP_SYN] = 30;
	rt->timeout[NAT_TC_TCP_EST] = 7440;
	rt->timeout[NAT_TC_TCP_TRANS] = 240;
	rt->timeout[NAT_TC_ICMP] = 60;
	rt->port_reuse_delay = 120;
	rt->max_sessions_per_host = config_b ? 2 : 0;
	rt->icmp_on_exhaustion = config_b;
	rt->forwards[0] = (struct nat_forward_rt){
		.public_addr = rte_cpu_to_be_32(FZ_PUB1), .public_port = rte_cpu_to_be_16(8080),
		.inside_addr = rte_cpu_to_be_32(FZ_SRV), .inside_port = rte_cpu_to_be_16(80),
		.proto = IPPROTO_TCP };
	rt->forwards[1] = (struct nat_forward_rt){
		.public_addr = rte_cpu_to_be_32(FZ_PUB2), .public_port = rte_cpu_to_be_16(5353),
		.inside_addr = rte_cpu_to_be_32(FZ_SRV2), .inside_port = rte_cpu_to_be_16(53),
		.proto = IPPROTO_UDP };
	rt->n_forwards = 2;
}

/* A fresh worker: snapshot, neighbour table, NAT state. */
static void fz_env_init(struct fz_env *env, const struct fz_opts *o)
{
	static const char *const names[FZ_N_PORTS] = { "inside", "outside", "lab" };
	static const uint32_t addr[FZ_N_PORTS] = { FZ_IP(10, 0, 0, 1), FZ_IP(192, 0, 2, 1),
						   FZ_IP(198, 51, 100, 1) };
	static const uint16_t mtu[FZ_N_PORTS] = { 9001, 1500, 1500 };
	static const uint8_t table[FZ_N_PORTS] = { 0, 0, 1 };
	/* Worker 0 of 16: its port state is 16 times smaller than a lone
	 * worker's (12 MB), which keeps a fresh NAT state per input cheap, and
	 * the share arithmetic is exercised. It owns 40000, 40016, 40032, ... */
	struct nat_worker_params np = { .max_sessions = 64, .worker_id = 0,
					.n_workers = FZ_N_WORKERS };
	struct rte_ether_addr gw = { { 0x02, 0x66, 0, 0, 0, 1 } };
	struct rte_ether_addr irtr = { { 0x02, 0x66, 0, 0, 0, 2 } };

	memset(env, 0, sizeof(*env));
	for (unsigned i = 0; i < FZ_N_PORTS; i++) {
		struct dp_port *p = &env->snap.ports[i];

		snprintf(p->name, sizeof(p->name), "%s", names[i]);
		p->ethdev = (uint16_t)i;
		p->n_queues = 1;
		p->mac = fz_mac(false, i);
		p->addr = addr[i];
		p->prefix_len = 24;
		p->netmask = 0xffffff00u;
		p->mtu = mtu[i];
		p->table = table[i];
		p->rx_csum = o->rx_csum;
		p->tx_ip_csum = o->tx_offload;
		p->tx_l4_csum = o->tx_offload;
	}
	env->snap.n_ports = FZ_N_PORTS;
	env->snap.tables[0] = fz_tables[0];
	env->snap.tables[1] = fz_tables[1];
	env->snap.n_tables = 2;
	env->snap.icmp_rate = 100;
	env->snap.icmp_burst = 20;
	env->snap.neigh_timeout = 300;
	fz_rt_init(&env->rt, o->config_b);
	env->snap.nat = &env->rt;
	env->w.snap = &env->snap;
	env->w.ops = &fz_ops;
	env->w.hz = FZ_HZ;
	env->w.now = 1000 * FZ_HZ;
	env->w.neigh = neigh_table_create(64);
	env->w.nat = nat_worker_create(&np);
	if (env->w.neigh == NULL || env->w.nat == NULL)
		fz_fail("environment creation failed");
	if (neigh_static_add(env->w.neigh, 1, FZ_GW, &gw) != 0 ||
	    neigh_static_add(env->w.neigh, 0, FZ_IRTR, &irtr) != 0)
		fz_fail("neigh_static_add failed");
}

/* Free the emitted packets (after checking them). */
static void fz_emit_clear(struct fz_env *env);

/* Tear down: parked packets, NAT state; no mbuf may be left. */
static void fz_env_fini(struct fz_env *env)
{
	fz_emit_clear(env);
	for (unsigned i = 0; i < NATGW_MAX_PORTS * 2; i++)
		filter_counters_free(&env->fctr[i]);
	nat_session_flush(env->w.nat, (uint32_t)(env->w.now / env->w.hz));
	FZ_ASSERT(nat_session_count(env->w.nat) == 0, "sessions left after flush");
	nat_worker_destroy(env->w.nat);
	neigh_table_destroy(env->w.neigh, &env->w);
	FZ_ASSERT(env->w.n_emit == 0, "neigh_table_destroy emitted packets");
	FZ_ASSERT(env->n_live == 0, "%u mbuf(s) leaked (allocs %u, frees %u)", env->n_live,
		  env->allocs, env->frees);
	free(env->live);
	env->live = NULL;
}

/* ---- packet builders (valid checksums) ---- */

/* Build into buf an Ethernet + IPv4 + L4 frame from the peer on in_port;
 * returns its length. flags: TCP flags, or ICMP type; seq/ack for TCP. */
static uint16_t fz_build(uint8_t *buf, unsigned in_port, uint32_t src, uint16_t sport,
			 uint32_t dst, uint16_t dport, uint8_t proto, uint8_t flags, uint32_t seq,
			 uint32_t ack, uint16_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	uint16_t l4h = proto == IPPROTO_TCP ? 20 : 8;
	uint16_t ip_len = (uint16_t)(20 + l4h + payload);

	memset(buf, 0, 14u + ip_len);
	eth->dst_addr = fz_mac(false, in_port);
	eth->src_addr = fz_mac(true, in_port);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->packet_id = rte_cpu_to_be_16(0x4242);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	for (uint16_t i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)i;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(sport);
		th->dst_port = rte_cpu_to_be_16(dport);
		th->sent_seq = rte_cpu_to_be_32(seq);
		th->recv_ack = rte_cpu_to_be_32(ack);
		th->data_off = 5 << 4;
		th->tcp_flags = flags;
		th->rx_win = rte_cpu_to_be_16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(sport);
		uh->dst_port = rte_cpu_to_be_16(dport);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + payload));
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	} else {
		struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)l4;

		ih->icmp_type = flags;
		ih->icmp_ident = rte_cpu_to_be_16(sport);
		ih->icmp_seq_nb = rte_cpu_to_be_16(1);
		ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, (size_t)(8 + payload));
	}
	return (uint16_t)(14 + ip_len);
}

/* ---- contract checks ---- */

/* What the harness knew about an input packet before the run. */
struct fz_before {
	bool ipv4;          /* an IPv4 frame with a 20-byte header */
	uint8_t proto;
	uint16_t ip_len;
	bool l4_ok;         /* TCP/UDP/ICMP checksum over the whole datagram verified */
	bool inner_ip_ok;   /* ICMP error: the quoted IPv4 header's checksum verified */
};

/* True when the L4 checksum of the IPv4 datagram at ip (ip_len bytes) verifies. */
static bool fz_l4_ok(const uint8_t *ipb, unsigned ip_len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)ipb;
	unsigned ihl = (ipb[0] & 0xf) * 4u;
	const uint8_t *l4 = ipb + ihl;
	unsigned l4_len = ip_len - ihl;
	uint32_t sum;

	if (ip_len < ihl)
		return false;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (l4_len < 20)
			return false;
		break;
	case IPPROTO_UDP:
		if (l4_len < 8)
			return false;
		if (l4[6] == 0 && l4[7] == 0)
			return true; /* no checksum */
		break;
	case IPPROTO_ICMP:
		if (l4_len < 8)
			return false;
		return cksum_fold(rte_raw_cksum(l4, l4_len)) == 0xffff;
	default:
		return false;
	}
	sum = rte_ipv4_phdr_cksum(ip, 0);
	sum += rte_raw_cksum(l4, l4_len);
	return cksum_fold(sum) == 0xffff;
}

/* True for the ICMP error types the NAT translates. */
static bool fz_icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* True when frame (len bytes) is Ethernet + IPv4 with a 20-byte header
 * whose checksum verifies: what a NIC reports as RX_IP_CKSUM_GOOD. */
static inline bool fz_ipv4_hdr_verifies(const uint8_t *frame, unsigned len)
{
	return len >= 34 && frame[12] == 0x08 && frame[13] == 0x00 && frame[14] == 0x45 &&
	       cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)(frame + 14), 20);
}

/* Record what is checkable about m before the run. */
static void fz_before_take(const struct rte_mbuf *m, struct fz_before *b)
{
	static uint8_t buf[FZ_MAX_FRAME];
	unsigned len = fz_linearize(m, buf, sizeof(buf));
	const uint8_t *ip = buf + 14;
	unsigned ip_len;

	memset(b, 0, sizeof(*b));
	if (len < 34 || buf[12] != 0x08 || buf[13] != 0x00 || ip[0] != 0x45)
		return;
	ip_len = (unsigned)ip[2] << 8 | ip[3];
	if (ip_len < 20 || ip_len > len - 14 || (ip[6] & 0x1f) != 0 || ip[7] != 0 ||
	    !cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)ip, 20))
		return; /* non-first fragments, broken headers: nothing to compare */
	b->ipv4 = true;
	b->proto = ip[9];
	b->ip_len = (uint16_t)ip_len;
	/* a first fragment (MF) does not hold the whole datagram */
	b->l4_ok = !(ip[6] & 0x20) && fz_l4_ok(ip, ip_len);
	if (b->proto == IPPROTO_ICMP && ip_len >= 20 + 8 + 20 && fz_icmp_is_error(ip[20]) &&
	    ip[28] == 0x45)
		b->inner_ip_ok = cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)(ip + 28), 20);
}

/* Chain sanity: segment count, lengths, data within buffers. */
static void fz_check_chain(const struct rte_mbuf *m)
{
	uint32_t total = 0;
	unsigned segs = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		FZ_ASSERT((uint32_t)s->data_off + s->data_len <= s->buf_len,
			  "segment data beyond its buffer (off %u len %u buf %u)", s->data_off,
			  s->data_len, s->buf_len);
		total += s->data_len;
		segs++;
		FZ_ASSERT(segs <= 64, "mbuf chain loops");
	}
	FZ_ASSERT(segs == m->nb_segs, "nb_segs %u but %u segments", m->nb_segs, segs);
	FZ_ASSERT(total == m->pkt_len, "pkt_len %u but segments hold %u", m->pkt_len, total);
}

/* Check a packet that is to be transmitted (TX or FRAGMENT). */
static void fz_check_tx(const struct fz_env *env, struct rte_mbuf *m, const struct fz_before *b,
			const char *what)
{
	static uint8_t buf[FZ_MAX_FRAME];
	const struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *out;
	const struct rte_ether_hdr *eth;
	unsigned len;

	FZ_ASSERT(pm->out_port < env->snap.n_ports, "%s: out_port %u of %u", what, pm->out_port,
		  env->snap.n_ports);
	out = &env->snap.ports[pm->out_port];
	fz_check_chain(m);
	FZ_ASSERT(m->data_len >= 14, "%s: frame of %u bytes", what, m->data_len);
	len = fz_linearize(m, buf, sizeof(buf));
	eth = (const struct rte_ether_hdr *)buf;
	FZ_ASSERT(rte_is_same_ether_addr(&eth->src_addr, &out->mac),
		  "%s: source MAC is not port %u's", what, pm->out_port);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

		FZ_ASSERT(pm->action == PKT_TX && len >= 14 + sizeof(*arp), "%s: ARP frame", what);
		FZ_ASSERT(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &out->mac),
			  "%s: ARP sender MAC is not the port's", what);
		return;
	}
	FZ_ASSERT(eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
		  "%s: ethertype %04x sent", what, rte_be_to_cpu_16(eth->ether_type));
	FZ_ASSERT(pm->l3_off == 14 && len >= 34, "%s: l3_off %u len %u", what, pm->l3_off, len);
	{
		const uint8_t *ipb = buf + 14;
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)ipb;
		unsigned ip_len = rte_be_to_cpu_16(ip->total_length);

		FZ_ASSERT(ipb[0] == 0x45, "%s: version/IHL %02x sent", what, ipb[0]);
		FZ_ASSERT(ip_len >= 20 && 14 + ip_len == len,
			  "%s: IP total length %u in a %u-byte frame", what, ip_len, len);
		FZ_ASSERT(ip_len == pm->ip_len, "%s: meta ip_len %u, header %u", what, pm->ip_len,
			  ip_len);
		FZ_ASSERT(ip->time_to_live > 0, "%s: TTL 0 sent", what);
		FZ_ASSERT(ip->src_addr == pm->src_ip && ip->dst_addr == pm->dst_ip,
			  "%s: meta addresses differ from the header", what);
		if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM))
			FZ_ASSERT(cksum_ipv4_hdr_ok(ip, 20), "%s: IPv4 header checksum wrong", what);
		if (pm->action == PKT_TX && pm->cls != PKT_CLASS_LOCAL)
			FZ_ASSERT(ip_len <= out->mtu, "%s: %u bytes sent as PKT_TX on MTU %u", what,
				  ip_len, out->mtu);
		if (pm->action == PKT_FRAGMENT) {
			FZ_ASSERT(ip_len > out->mtu, "%s: PKT_FRAGMENT for %u <= MTU %u", what,
				  ip_len, out->mtu);
			FZ_ASSERT(!(ipb[6] & 0x40), "%s: PKT_FRAGMENT with DF set", what);
		}
		/* Checksums of the datagram: a generated packet (not the input's
		 * protocol: an ICMP error) must verify; a rewritten one must verify
		 * when the input did (incremental updates keep a good sum good). */
		if (b != NULL && b->ipv4 && ip->next_proto_id == IPPROTO_ICMP &&
		    !(ipb[6] & 0x3f) && !ipb[7] && (b->proto != IPPROTO_ICMP || b->l4_ok))
			FZ_ASSERT(fz_l4_ok(ipb, ip_len), "%s: ICMP checksum wrong", what);
		if (b != NULL && b->ipv4 && b->l4_ok && ip->next_proto_id == b->proto &&
		    ip_len == b->ip_len && b->proto != IPPROTO_ICMP && !(ipb[6] & 0x3f) && !ipb[7])
			FZ_ASSERT(fz_l4_ok(ipb, ip_len), "%s: %s checksum broken by rewrite", what,
				  b->proto == IPPROTO_TCP ? "TCP" : "UDP");
		if (b != NULL && b->inner_ip_ok && ip->next_proto_id == IPPROTO_ICMP &&
		    ip_len == b->ip_len && fz_icmp_is_error(ipb[20]) && ipb[28] == 0x45)
			FZ_ASSERT(cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)(ipb + 28), 20),
				  "%s: quoted IPv4 header checksum broken", what);
	}
}

/* Check one packet of the burst after pipeline_run. */
static void fz_check_pkt(const struct fz_env *env, struct rte_mbuf *m, const struct fz_before *b)
{
	const struct pkt_meta *pm = pkt_meta(m);

	switch (pm->action) {
	case PKT_DROP:
		FZ_ASSERT(pm->drop != DROP_NONE && pm->drop < DROP_MAX, "drop reason %u", pm->drop);
		break;
	case PKT_TX:
	case PKT_FRAGMENT:
		fz_check_tx(env, m, b, "packet");
		break;
	case PKT_CONSUMED:
	case PKT_FREE:
		break;
	case PKT_REASSEMBLE:
		FZ_ASSERT(pm->flags & PKT_F_FRAGMENT, "PKT_REASSEMBLE for a non-fragment");
		break;
	default:
		fz_fail("invalid action %u", pm->action);
	}
}

/* Check and free what the core emitted. */
static void fz_emit_clear(struct fz_env *env)
{
	for (unsigned i = 0; i < env->w.n_emit; i++) {
		struct rte_mbuf *m = env->w.emit[i];
		uint8_t a = pkt_meta(m)->action;

		FZ_ASSERT(a == PKT_TX || a == PKT_FRAGMENT, "emitted packet with action %u", a);
		fz_check_tx(env, m, NULL, "emitted");
		fz_mbuf_free(env, m);
	}
	env->w.n_emit = 0;
}

/* Free a packet the way the dataplane does after the pipeline (CONSUMED: the
 * core owns it now). */
static void fz_dispose(struct fz_env *env, struct rte_mbuf *m)
{
	if (pkt_meta(m)->action != PKT_CONSUMED)
		fz_mbuf_free(env, m);
}

/* Session table consistency: every live session is found by both its keys,
 * in the right direction. */
static void fz_session_check_one(const struct nat_session *s, void *arg)
{
	struct fz_env *env = arg;
	int dir = -1;

	FZ_ASSERT(nat_session_lookup(env->w.nat, &s->orig, &dir) == s && dir == 0,
		  "session not found by its orig key");
	FZ_ASSERT(nat_session_lookup(env->w.nat, &s->reply, &dir) == s && dir == 1,
		  "session not found by its reply key");
	FZ_ASSERT(s->tclass < NAT_TC_MAX, "session timeout class %u", s->tclass);
}

static void fz_sessions_check(struct fz_env *env)
{
	FZ_ASSERT(nat_session_count(env->w.nat) <= nat_session_capacity(env->w.nat),
		  "more sessions than capacity");
	nat_session_foreach(env->w.nat, fz_session_check_one, env);
}

/* FUZZ_DEBUG=1 in the environment: print what happened to every packet. */
static bool fz_debug(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_DEBUG") != NULL;
	return on;
}

/* Run a burst through pipeline_run, check every packet and emitted packet,
 * dispose of them. */
static void fz_run(struct fz_env *env, struct rte_mbuf **pkts, uint16_t n)
{
	struct fz_before b[FZ_MAX_BURST];

	for (uint16_t i = 0; i < n; i++)
		fz_before_take(pkts[i], &b[i]);
	pipeline_run(&env->w, pkts, n);
	for (uint16_t i = 0; i < n; i++)
		fz_check_pkt(env, pkts[i], &b[i]);
	if (fz_debug()) {
		for (uint16_t i = 0; i < n; i++) {
			const struct pkt_meta *pm = pkt_meta(pkts[i]);

			fprintf(stderr, "fuzz: pkt %u action %u out %u drop %s flags %02x cls %u\n", i,
				pm->action, pm->out_port, drop_reason_name((enum drop_reason)pm->drop),
				pm->flags, pm->cls);
		}
		fprintf(stderr, "fuzz: %u emitted, %u sessions\n", env->w.n_emit,
			nat_session_count(env->w.nat));
	}
	fz_emit_clear(env);
	for (uint16_t i = 0; i < n; i++)
		fz_dispose(env, pkts[i]);
	fz_sessions_check(env);
}

/* Build a frame with fz_build and run it alone. */
static void fz_send(struct fz_env *env, unsigned in_port, uint32_t src, uint16_t sport,
		    uint32_t dst, uint16_t dport, uint8_t proto, uint8_t flags, uint32_t seq,
		    uint32_t ack)
{
	static uint8_t buf[256];
	uint16_t len = fz_build(buf, in_port, src, sport, dst, dport, proto, flags, seq, ack, 16);
	struct rte_mbuf *m = fz_frame(env, buf, len, in_port);

	fz_run(env, &m, 1);
}

/* Public address an inside host is paired with (network order). */
static uint32_t fz_pub_of(const struct fz_env *env, uint32_t inside_host)
{
	return env->rt.pool[nat_pool_pick(&env->rt, rte_cpu_to_be_32(inside_host))];
}

/* Open the pre-created sessions (see the top of this file). */
static void fz_sessions_setup(struct fz_env *env)
{
	const uint8_t S = RTE_TCP_SYN_FLAG, A = RTE_TCP_ACK_FLAG;
	uint32_t p1 = rte_be_to_cpu_32(fz_pub_of(env, FZ_H1));
	uint32_t p2 = rte_be_to_cpu_32(fz_pub_of(env, FZ_H2));

	/* TCP established (config A: public port 40000) */
	fz_send(env, 0, FZ_H1, 40000, FZ_REM, 80, IPPROTO_TCP, S, 1000, 0);
	fz_send(env, 1, FZ_REM, 80, p1, FZ_PUBPORT, IPPROTO_TCP, S | A, 5000, 1001);
	fz_send(env, 0, FZ_H1, 40000, FZ_REM, 80, IPPROTO_TCP, A, 1001, 5001);
	/* TCP half-open */
	fz_send(env, 0, FZ_H1, 40001, FZ_REM, 443, IPPROTO_TCP, S, 7000, 0);
	/* UDP both ways */
	fz_send(env, 0, FZ_H2, 5000, FZ_REM, 53, IPPROTO_UDP, 0, 0, 0);
	fz_send(env, 1, FZ_REM, 53, p2, FZ_PUBPORT, IPPROTO_UDP, 0, 0, 0);
	/* ICMP echo request */
	fz_send(env, 0, FZ_H1, 0x1234, FZ_REM, 0, IPPROTO_ICMP, RTE_IP_ICMP_ECHO_REQUEST, 0, 0);
	/* port-forward (DNAT) SYN and the server's SYN-ACK */
	fz_send(env, 1, FZ_REM2, 5555, FZ_PUB1, 8080, IPPROTO_TCP, S, 100, 0);
	fz_send(env, 0, FZ_SRV, 80, FZ_REM2, 5555, IPPROTO_TCP, S | A, 9000, 101);
	/* hairpin through the UDP port-forward */
	fz_send(env, 0, FZ_H2, 6000, FZ_PUB2, 5353, IPPROTO_UDP, 0, 0, 0);
	/* parked on an unresolved neighbour (an ARP request is emitted) */
	fz_send(env, 0, FZ_H1, 7000, FZ_LABHOST, 53, IPPROTO_UDP, 0, 0, 0);
}

/* ---- checksum fixing for fuzz frames ---- */

/* Recompute the IPv4 header checksum of the frame (and of the quoted header
 * of an ICMP error) so mutated frames get past parse. */
static void fz_fix_ip(uint8_t *f, unsigned len)
{
	unsigned ihl;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return;
	ihl = (f[14] & 0xf) * 4u;
	if (ihl < 20 || 14 + ihl > len)
		return;
	cksum_ipv4_hdr_set((struct rte_ipv4_hdr *)(f + 14), ihl);
	/* ICMP error quoting an IPv4 header */
	if (f[14 + 9] == IPPROTO_ICMP && 14 + ihl + 8 + 20 <= len &&
	    (f[14 + ihl + 8] >> 4) == 4) {
		uint8_t *in = f + 14 + ihl + 8;
		unsigned iihl = (in[0] & 0xf) * 4u;

		if (iihl >= 20 && 14 + ihl + 8 + iihl <= len)
			cksum_ipv4_hdr_set((struct rte_ipv4_hdr *)in, iihl);
	}
}

/* Recompute the TCP/UDP/ICMP checksum over what the IP total length covers
 * (within the frame). Call after fz_fix_ip for the quote, then fz_fix_ip again
 * is not needed (the outer header does not cover L4). */
static __attribute__((unused)) void fz_fix_l4(uint8_t *f, unsigned len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	unsigned ihl, ip_len, l4_len;
	uint8_t *l4;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return;
	ihl = (f[14] & 0xf) * 4u;
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ihl < 20 || ip_len < ihl || 14 + ip_len > len)
		return;
	if (rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return; /* a fragment does not hold the whole datagram */
	l4 = f + 14 + ihl;
	l4_len = ip_len - ihl;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (l4_len >= 20) {
			uint32_t sum;
			uint16_t c;

			l4[16] = l4[17] = 0;
			sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4_len);
			c = (uint16_t)~cksum_fold(sum);
			memcpy(l4 + 16, &c, 2);
		}
		break;
	case IPPROTO_UDP:
		if (l4_len >= 8 && (l4[6] | l4[7]) != 0) {
			uint32_t sum;
			uint16_t c;

			l4[6] = l4[7] = 0;
			sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, l4_len);
			c = (uint16_t)~cksum_fold(sum);
			if (c == 0)
				c = 0xffff;
			memcpy(l4 + 6, &c, 2);
		}
		break;
	case IPPROTO_ICMP:
		if (l4_len >= 8) {
			uint16_t c;

			l4[2] = l4[3] = 0;
			c = (uint16_t)~cksum_fold(rte_raw_cksum(l4, l4_len));
			memcpy(l4 + 2, &c, 2);
		}
		break;
	default:
		break;
	}
}

#endif
