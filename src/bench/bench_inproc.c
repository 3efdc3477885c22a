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

#define BENCH_MAX_TEMPLATES 65536

/* Headers of one flow's packet (Ethernet + IPv4 + UDP) and the frame length;
 * the payload bytes are whatever the mbuf held, as with a real NIC. */
struct bench_template {
	uint8_t bytes[64];
	uint16_t hdr_len;
	uint16_t len;
};

/* Config: in (10.0.1.1/24) and out (203.0.113.1/24) on net_null; a route to
 * 198.18.0.0/15 via 203.0.113.254, which is a static neighbour. */
static int bench_config(struct natgw_config *cfg, unsigned memory_mb, char *err, size_t len)
{
	struct natgw_route gw = { .prefix = 0xc6120000, .len = 15, .type = NATGW_ROUTE_GATEWAY,
				  .port = 1, .gateway = 0xcb0071fe };
	struct natgw_neighbour_config nb = { .addr = 0xcb0071fe, .mac = { 2, 0, 0, 0, 2, 0xfe },
					     .port = 1 };
	int rc;

	config_init(cfg);
	snprintf(cfg->global.lcores, sizeof(cfg->global.lcores), "0");
	cfg->global.memory_mb = memory_mb;
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
	return 0;
}

/* One UDP packet of flow f: 10.0.1.0/24 hosts x source ports -> 198.18.x.y. */
static void bench_template_make(struct bench_template *t, const struct rte_ether_addr *dst_mac,
				unsigned f, unsigned size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->bytes;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	unsigned frame = size - RTE_ETHER_CRC_LEN;

	memset(t, 0, sizeof(*t));
	eth->dst_addr = *dst_mac;
	eth->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 1, (uint8_t)(f % 250 + 2) } };
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(frame - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000100 + f % 250 + 2);
	ip->dst_addr = rte_cpu_to_be_32(0xc6120000 + (f * 7919) % 131072);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + f / 250));
	udp->dst_port = rte_cpu_to_be_16(5001);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(frame - sizeof(*eth) - sizeof(*ip)));
	t->hdr_len = (uint16_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*udp));
	t->len = (uint16_t)frame;
}

/* Fill a burst from templates starting at flow *next. 0 or -ENOMEM. */
static inline int bench_fill(struct rte_mempool *pool, struct rte_mbuf **pkts, unsigned n,
			     const struct bench_template *tpl, unsigned n_tpl, unsigned *next)
{
	if (rte_pktmbuf_alloc_bulk(pool, pkts, n) != 0)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		const struct bench_template *t = &tpl[*next];

		rte_memcpy(rte_pktmbuf_mtod(pkts[i], void *), t->bytes, t->hdr_len);
		pkts[i]->data_len = t->len;
		pkts[i]->pkt_len = t->len;
		if (++*next == n_tpl)
			*next = 0;
	}
	return 0;
}

int bench_inproc(const struct bench_opts *o, struct bench_result *r)
{
	static struct natgw_config cfg;
	static struct dataplane dp;
	struct bench_template *tpl;
	struct rte_mbuf *pkts[DP_BURST];
	char msg[NATGW_ERR_MAX];
	unsigned n_tpl = o->flows < BENCH_MAX_TEMPLATES ? o->flows : BENCH_MAX_TEMPLATES;
	unsigned next = 0;
	uint64_t t0, t1, sent = 0, fwd_before;
	int rc;

	rc = bench_config(&cfg, o->memory_mb, msg, sizeof(msg));
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
	rc = dp_snapshot_build(&dp, &dp.snap, msg, sizeof(msg));
	if (rc != 0)
		goto err;
	rc = dp_workers_create(&dp, msg, sizeof(msg));
	if (rc != 0)
		goto err;

	tpl = calloc(n_tpl, sizeof(*tpl));
	if (tpl == NULL) {
		rc = -ENOMEM;
		snprintf(msg, sizeof(msg), "no memory for %u templates", n_tpl);
		goto err;
	}
	for (unsigned f = 0; f < n_tpl; f++)
		bench_template_make(&tpl[f], &dp.snap->ports[0].mac, f, o->size);

	struct dp_worker *dw = dp.workers[0];
	/* Warm-up, then the measured forwarding run. */
	for (unsigned i = 0; i < 1000; i++) {
		if (bench_fill(dp.pool, pkts, DP_BURST, tpl, n_tpl, &next) == 0) {
			dw->core.now = rte_rdtsc();
			dp_worker_process(dw, pkts, DP_BURST, 0, 0);
			dp_worker_flush(dw);
		}
	}
	fwd_before = dw->core.ctr.port[1].forwarded;
	t0 = rte_rdtsc();
	while (sent < o->packets) {
		if (bench_fill(dp.pool, pkts, DP_BURST, tpl, n_tpl, &next) != 0) {
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

	/* Generator alone: alloc + copy + free, same templates. */
	t0 = rte_rdtsc();
	for (uint64_t n = 0; n < o->packets; n += DP_BURST) {
		if (bench_fill(dp.pool, pkts, DP_BURST, tpl, n_tpl, &next) != 0)
			continue;
		rte_pktmbuf_free_bulk(pkts, DP_BURST);
	}
	t1 = rte_rdtsc();
	r->cycles_generator = t1 - t0;
	r->hz = rte_get_tsc_hz();
	for (unsigned d = 1; d < DROP_MAX; d++)
		r->drops += dw->core.ctr.drop[d];

	free(tpl);
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
