/* natgw-bench inproc: the real pipeline on synthetic packets, no packet I/O
 * on the receive side.
 *
 * Starts the EAL and a dataplane with two net_null ports (TX frees), builds
 * N-flow 64-byte (or --size) UDP templates from an inside host range towards
 * a routed prefix, then on one lcore repeatedly: allocates a burst of mbufs,
 * copies templates into them (what a NIC's DMA would do), and runs exactly
 * the worker's code (dp_worker_process + dp_worker_flush: parse, route,
 * TTL, neighbour, Ethernet rewrite, buffered TX to net_null). A second pass
 * measures the generator alone (alloc + copy + free) so the forwarding cost
 * can be reported without it. Prints a table or JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench.h"
#include "dataplane.h"
#include "natgw/nat.h"

/* Header of the benchmark's UDP packets; each flow patches addresses/port. */
struct bench_template {
	uint8_t bytes[64];
	uint16_t hdr_len;
	uint16_t len;
};

#define BENCH_FLOW_STEP 7919u /* prime stride: consecutive packets hit distant flows */

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

/* The common header: Ethernet to natgw's "in" port, IPv4, UDP. */
static void bench_template_make(struct bench_template *t, const struct rte_ether_addr *dst_mac,
				unsigned size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->bytes;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	unsigned frame = size - RTE_ETHER_CRC_LEN;

	memset(t, 0, sizeof(*t));
	eth->dst_addr = *dst_mac;
	eth->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } };
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(frame - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(frame - sizeof(*eth) - sizeof(*ip)));
	t->hdr_len = (uint16_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*udp));
	t->len = (uint16_t)frame;
}

/* Write flow f's headers into m: inside host f / 63 (10.0.0.0/8), source
 * port 1024 + f % 63 (63 ports per host, as the VPP CSIT NAT tests), towards
 * 198.18.0.0/15. */
static inline void bench_flow_write(struct rte_mbuf *m, const struct bench_template *t, uint32_t f)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	rte_memcpy(p, t->bytes, t->hdr_len);
	ip->src_addr = rte_cpu_to_be_32(0x0a000002 + f / 63);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120000 + (f % 131072));
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + f % 63));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m->data_len = t->len;
	m->pkt_len = t->len;
}

/* Fill a burst with consecutive flows of the stride order from *pos. 0 or -ENOMEM. */
static inline int bench_fill(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned n,
			     const struct bench_template *t, uint32_t flows, uint64_t *pos)
{
	if (rte_pktmbuf_alloc_bulk(pool, pkts, n) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		bench_flow_write(pkts[i], t, (uint32_t)((*pos * BENCH_FLOW_STEP) % flows));
		++*pos;
	}
	return 0;
}

int bench_inproc(const struct bench_opts *o, struct bench_result *r)
{
	static struct natgw_config cfg;
	static struct dataplane dp;
	struct bench_template tpl;
	struct rte_mbuf *pkts[DP_BURST];
	char msg[NATGW_ERR_MAX];
	uint64_t pos = 0, t0, t1, sent = 0, fwd_before, created_before;
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
	bench_template_make(&tpl, &dp.snap->ports[0].mac, o->size);

	/* Phase 1: every flow once (with NAT: creates its session), timed. */
	created_before = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED];
	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < o->flows; n += DP_BURST) {
		unsigned k = (unsigned)RTE_MIN((uint64_t)DP_BURST, o->flows - n);

		while (bench_fill(dp.pool, pkts, k, &tpl, o->flows, &pos) != 0)
			dp_worker_flush(dw);
		dw->core.now = rte_rdtsc();
		dp_worker_process(dw, pkts, (uint16_t)k, 0, 0);
		dp_worker_flush(dw);
	}
	t1 = rte_rdtsc();
	r->cycles_first_pass = t1 - t0;
	r->sessions_created = dw->core.ctr.nat[NAT_CTR_SESSIONS_CREATED] - created_before;
	if (dw->core.nat != NULL)
		r->bytes_per_session = nat_bytes_per_session(dw->core.nat);

	/* Phase 2: established flows, the measured forwarding run. */
	pos = 0;
	fwd_before = dw->core.ctr.port[1].forwarded;
	t0 = rte_rdtsc();
	while (sent < o->packets) {
		if (bench_fill(dp.pool, pkts, DP_BURST, &tpl, o->flows, &pos) != 0) {
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
	r->forwarded = dw->core.ctr.port[1].forwarded - fwd_before;
	r->cycles_total = t1 - t0;

	/* Generator alone: alloc + header writes + free, same flows. */
	pos = 0;
	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < o->packets; n += DP_BURST) {
		if (bench_fill(dp.pool, pkts, DP_BURST, &tpl, o->flows, &pos) != 0)
			continue;
		rte_pktmbuf_free_bulk(pkts, DP_BURST);
	}
	t1 = rte_rdtsc();
	r->cycles_generator = t1 - t0;
	r->hz = rte_get_tsc_hz();
	for (unsigned d = 1; d < DROP_MAX; d++)
		r->drops += dw->core.ctr.drop[d];

	dp_workers_destroy(&dp);
	dp_snapshot_free(dp.snap);
	dp_ports_stop(&dp);
	rte_eal_cleanup();
	config_free(&cfg);
	return 0;
err:
	fprintf(stderr, "natgw-bench: %s\n", msg);
	return rc;
}
