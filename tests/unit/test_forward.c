/* test_forward: forward_stage and pipeline_run over real route tables.
 * Route tables use rte_fib (rte_malloc), so this binary starts a minimal
 * no-huge EAL; everything else is the same EAL-free test worker. */
#include <unistd.h>

#include <rte_eal.h>

#include "test_mbuf.h"

#include "natgw/cksum.h"
#include "natgw/counters.h"
#include "natgw/route.h"

#define P0 IPV4(10, 0, 0, 1)
#define P1 IPV4(192, 0, 2, 1)
#define H0 IPV4(10, 0, 0, 2)
#define GW1 IPV4(192, 0, 2, 254)
#define GW2 IPV4(198, 51, 100, 254)
#define REMOTE IPV4(203, 0, 113, 7)

static const struct rte_ether_addr gw1_mac = { { 0x02, 0x66, 0, 0, 0, 1 } };
static const struct rte_ether_addr gw2_mac = { { 0x02, 0x66, 0, 0, 0, 2 } };

static struct route_table *tables[2];

/* Build the two test tables: "main" (ports 0, 1) and "lab" (port 2). */
static int tables_build(void)
{
	static struct natgw_route main_routes[] = {
		{ IPV4(10, 0, 0, 0), 24, NATGW_ROUTE_CONNECTED, 0, 0 },
		{ IPV4(192, 0, 2, 0), 24, NATGW_ROUTE_CONNECTED, 1, 0 },
		{ IPV4(198, 51, 100, 0), 24, NATGW_ROUTE_CONNECTED, 2, 0 },
		{ IPV4(203, 0, 113, 0), 24, NATGW_ROUTE_GATEWAY, 1, GW1 },
		{ IPV4(198, 18, 0, 0), 15, NATGW_ROUTE_BLACKHOLE, 0, 0 },
		{ IPV4(100, 100, 0, 0), 16, NATGW_ROUTE_DEV, 1, 0 },
	};
	static struct natgw_route lab_routes[] = {
		{ 0, 0, NATGW_ROUTE_GATEWAY, 2, GW2 },
		{ IPV4(10, 0, 0, 0), 24, NATGW_ROUTE_CONNECTED, 0, 0 },
	};
	struct natgw_route_table cfg[2] = {
		{ .name = "main", .routes = main_routes, .n_routes = 6, .cap = 6 },
		{ .name = "lab", .routes = lab_routes, .n_routes = 2, .cap = 2 },
	};
	int rc = route_table_build(&cfg[0], "ut_fwd_main", &tables[0]);

	if (rc == 0)
		rc = route_table_build(&cfg[1], "ut_fwd_lab", &tables[1]);
	return rc;
}

/* Test environment with routes and the two gateways as static neighbours. */
static void env_init(struct tu_env *env)
{
	tu_env_init(env, 3);
	env->snap.tables[0] = tables[0];
	env->snap.tables[1] = tables[1];
	env->snap.n_tables = 2;
	env->snap.ports[2].table = 1;
	env->snap.icmp_burst = 1000;
	neigh_static_add(env->w.neigh, 1, GW1, &gw1_mac);
	neigh_static_add(env->w.neigh, 2, GW2, &gw2_mac);
}

/* A parsed transit packet from the peer on in_port (UDP unless proto given). */
static struct rte_mbuf *rx(struct tu_env *env, unsigned in_port, uint32_t src, uint32_t dst,
			   uint8_t proto, uint16_t payload, uint8_t ttl, uint16_t frag)
{
	struct tu_ip_opts o = { .ttl = ttl, .frag = frag, .icmp_type = 8 };
	struct rte_mbuf *m = tu_ipv4(in_port, src, dst, proto, payload, &o);

	parse_stage(&env->w, &m, 1);
	return m;
}

/* Check a forwarded packet: action, out port, MACs, TTL and IP checksum. */
static void check_fwd(struct rte_mbuf *m, uint8_t action, unsigned out_port,
		      const struct rte_ether_addr *dst_mac, uint8_t ttl, const char *what)
{
	struct pkt_meta *pm = pkt_meta(m);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr src_mac = tu_mac(false, out_port);
	struct rte_ipv4_hdr *ip = tu_ip(m);

	CHECK(pm->action == action && pm->out_port == out_port, "%s: action %u out %u drop %s",
	      what, pm->action, pm->out_port, drop_reason_name((enum drop_reason)pm->drop));
	CHECK(rte_is_same_ether_addr(&eth->dst_addr, dst_mac) &&
		      rte_is_same_ether_addr(&eth->src_addr, &src_mac) &&
		      eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
	      "%s: ethernet header", what);
	CHECK(ip->time_to_live == ttl && pm->ttl == ttl, "%s: ttl %u want %u", what,
	      ip->time_to_live, ttl);
	CHECK(cksum_ipv4_hdr_ok(ip, 20), "%s: ip checksum", what);
}

/* TTL expiry, gateway route, connected route, DEV route, no route, blackhole. */
static void test_routes(void)
{
	struct tu_env env;
	struct rte_ether_addr h0 = tu_mac(true, 0);
	struct rte_mbuf *m;
	uint8_t before[200];

	env_init(&env);
	/* TTL 1 and 0: time exceeded back out port 0 */
	for (uint8_t ttl = 0; ttl <= 1; ttl++) {
		m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 20, 0, 0);
		tu_ip(m)->time_to_live = ttl;
		tu_ip_fix(m);
		pkt_meta(m)->ttl = ttl;
		forward_stage(&env.w, &m, 1);
		CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 0 &&
			      pkt_meta(m)->icmp_type == 11,
		      "ttl %u: time exceeded sent", ttl);
		free(m);
	}
	CHECK(env.w.ctr.drop[DROP_TTL_EXCEEDED] == 2 && env.w.ctr.gen[GEN_ICMP_TIME_EXCEEDED] == 2,
	      "ttl drops counted");

	/* TTL 2 via gateway: forwarded with TTL 1, rest of the packet unchanged */
	m = rx(&env, 0, H0, REMOTE, IPPROTO_TCP, 30, 2, 0);
	memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
	forward_stage(&env.w, &m, 1);
	check_fwd(m, PKT_TX, 1, &gw1_mac, 1, "via gateway");
	CHECK(pkt_meta(m)->nexthop == GW1, "nexthop is the gateway");
	CHECK(memcmp(before + 14 + 12, rte_pktmbuf_mtod(m, uint8_t *) + 14 + 12,
		     m->data_len - 26) == 0 && m->data_len == 14 + 20 + 20 + 30,
	      "addresses and payload untouched");
	CHECK(m->ol_flags == 0, "no offload flags without tx_ip_csum");
	free(m);

	/* connected route to a known host on port 2 from port 0 */
	{
		struct rte_ether_addr h2 = tu_mac(true, 2);

		neigh_learn(&env.w, 2, IPV4(198, 51, 100, 20), &h2);
		m = rx(&env, 0, H0, IPV4(198, 51, 100, 20), IPPROTO_UDP, 5, 64, 0);
		forward_stage(&env.w, &m, 1);
		check_fwd(m, PKT_TX, 2, &h2, 63, "connected");
		CHECK(pkt_meta(m)->nexthop == IPV4(198, 51, 100, 20), "nexthop is the destination");
		free(m);
	}

	/* no route: ICMP net unreachable from the ingress address */
	m = rx(&env, 0, H0, IPV4(100, 64, 1, 1), IPPROTO_UDP, 5, 64, 0);
	forward_stage(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 0 &&
		      pkt_meta(m)->icmp_type == 3 && pkt_meta(m)->icmp_code == 0 &&
		      pkt_meta(m)->src_ip == rte_cpu_to_be_32(P0) &&
		      pkt_meta(m)->dst_ip == rte_cpu_to_be_32(H0),
	      "no route: net unreachable");
	CHECK(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &h0),
	      "error goes back to the sender's MAC");
	CHECK(env.w.ctr.drop[DROP_NO_ROUTE] == 1 && env.w.ctr.gen[GEN_ICMP_NET_UNREACH] == 1,
	      "no route counted");
	free(m);

	/* blackhole: silent */
	m = rx(&env, 0, H0, IPV4(198, 19, 3, 3), IPPROTO_UDP, 5, 64, 0);
	forward_stage(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_BLACKHOLE, "blackhole");
	CHECK(env.w.ctr.gen[GEN_ICMP_NET_UNREACH] == 1, "no ICMP for blackhole");
	free(m);

	/* port whose table was not built: no route */
	env.snap.ports[2].table = 7;
	m = rx(&env, 2, IPV4(198, 51, 100, 20), REMOTE, IPPROTO_UDP, 5, 64, 0);
	forward_stage(&env.w, &m, 1);
	CHECK(pkt_meta(m)->drop == DROP_NO_ROUTE || pkt_meta(m)->icmp_type == 3,
	      "missing table: no route");
	free(m);
	env.snap.ports[2].table = 1;
	tu_env_fini(&env);
}

/* DF + too big -> frag needed with the egress MTU; no DF -> PKT_FRAGMENT; TX offload. */
static void test_mtu(void)
{
	struct tu_env env;
	struct rte_mbuf *m;

	env_init(&env);
	m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 2000, 64, RTE_IPV4_HDR_DF_FLAG);
	forward_stage(&env.w, &m, 1);
	{
		uint8_t *icmp = rte_pktmbuf_mtod(m, uint8_t *) + 34;

		CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 0 && icmp[0] == 3 &&
			      icmp[1] == 4 && icmp[6] == 0x05 && icmp[7] == 0xdc,
		      "frag needed with MTU 1500");
		/* the quote is the packet as received: TTL 64, not decremented */
		CHECK(icmp[8 + 8] == 64, "quoted TTL %u", icmp[8 + 8]);
	}
	CHECK(env.w.ctr.drop[DROP_FRAG_NEEDED] == 1 && env.w.ctr.gen[GEN_ICMP_FRAG_NEEDED] == 1,
	      "frag needed counted");
	free(m);

	m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 2000, 64, 0);
	forward_stage(&env.w, &m, 1);
	check_fwd(m, PKT_FRAGMENT, 1, &gw1_mac, 63, "no DF: fragment");
	free(m);

	m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 1500 - 28, 64, RTE_IPV4_HDR_DF_FLAG);
	forward_stage(&env.w, &m, 1);
	check_fwd(m, PKT_TX, 1, &gw1_mac, 63, "exactly the MTU");
	free(m);

	/* 9001 towards port 0 from port 1 fits */
	{
		struct rte_ether_addr h0 = tu_mac(true, 0);

		neigh_learn(&env.w, 0, H0, &h0);
		m = rx(&env, 1, REMOTE, H0, IPPROTO_UDP, 8000, 64, RTE_IPV4_HDR_DF_FLAG);
		forward_stage(&env.w, &m, 1);
		check_fwd(m, PKT_TX, 0, &h0, 63, "jumbo to port 0");
		free(m);
	}

	/* IPv4 checksum offload on the egress port: flags set, checksum left to the NIC */
	env.snap.ports[1].tx_ip_csum = true;
	m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 10, 64, 0);
	forward_stage(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->time_to_live == 63 &&
		      tu_ip(m)->hdr_checksum == 0 &&
		      (m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM)) ==
			      (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM) &&
		      m->l2_len == 14 && m->l3_len == 20,
	      "tx ip checksum offload");
	free(m);
	m = rx(&env, 0, H0, REMOTE, IPPROTO_UDP, 2000, 64, 0);
	forward_stage(&env.w, &m, 1);
	check_fwd(m, PKT_FRAGMENT, 1, &gw1_mac, 63, "offload port, fragment: software checksum");
	CHECK(m->ol_flags == 0, "no offload flags on a packet to fragment");
	free(m);
	tu_env_fini(&env);
}

/* Neighbour miss parks (TX and FRAGMENT), an ARP reply through the pipeline
 * releases them with their headers and actions. */
static void test_neigh_path(void)
{
	struct tu_env env;
	struct rte_ether_addr n77 = { { 0x02, 0x77, 0, 0, 0, 0x77 } };
	struct rte_mbuf *m[3], *reply;
	uint32_t ip77 = IPV4(192, 0, 2, 77);

	env_init(&env);
	m[0] = rx(&env, 0, H0, ip77, IPPROTO_UDP, 10, 64, 0);
	m[1] = rx(&env, 0, H0, ip77, IPPROTO_UDP, 3000, 64, 0);
	m[2] = rx(&env, 0, H0, IPV4(100, 100, 7, 7), IPPROTO_UDP, 10, 64, 0); /* dev route */
	forward_stage(&env.w, m, 3);
	for (unsigned i = 0; i < 3; i++)
		CHECK(pkt_meta(m[i])->action == PKT_CONSUMED, "miss %u parked", i);
	CHECK(pkt_meta(m[2])->nexthop == IPV4(100, 100, 7, 7), "dev route: resolve the destination");
	CHECK(env.w.n_emit == 2 && env.w.ctr.gen[GEN_ARP_REQUEST] == 2 &&
		      env.w.ctr.neigh_queued == 3,
	      "two ARP requests, three parked");
	tu_emit_clear(&env);

	reply = tu_arp(1, RTE_ARP_OP_REPLY, &n77, ip77, P1, false);
	pipeline_run(&env.w, &reply, 1);
	CHECK(pkt_meta(reply)->action == PKT_FREE, "reply consumed");
	free(reply);
	CHECK(env.w.n_emit == 2 && env.w.emit[0] == m[0] && env.w.emit[1] == m[1],
	      "two packets released");
	if (env.w.n_emit == 2) {
		check_fwd(m[0], PKT_TX, 1, &n77, 63, "released small");
		check_fwd(m[1], PKT_FRAGMENT, 1, &n77, 63, "released big");
	}
	tu_emit_clear(&env);
	/* the third stays parked until destroy */
	tu_env_fini(&env);
}

/* Mixed bursts through pipeline_run: two ingress tables in one batch, more
 * than one forward batch, ARP/local/transit interleaved. */
static void test_pipeline_burst(void)
{
	enum { N = 150 };
	struct tu_env env;
	struct rte_mbuf *pkts[N];
	struct rte_ether_addr h0 = tu_mac(true, 0), h2 = tu_mac(true, 2);
	unsigned ok = 0;

	env_init(&env);
	neigh_learn(&env.w, 0, H0, &h0);
	for (unsigned i = 0; i < N; i++) {
		struct tu_ip_opts o = { .icmp_type = 8 };

		switch (i % 5) {
		case 0: /* port 0 -> gateway on port 1 */
			pkts[i] = tu_ipv4(0, H0, REMOTE + i, IPPROTO_UDP, 10, &o);
			break;
		case 1: /* port 2 (table lab, default route) -> gateway 2 */
			pkts[i] = tu_ipv4(2, IPV4(198, 51, 100, 20), IPV4(8, 8, 8, 8), IPPROTO_TCP,
					  10, &o);
			break;
		case 2: /* port 2 -> 10.0.0.2 via table lab's connected route */
			pkts[i] = tu_ipv4(2, IPV4(198, 51, 100, 20), H0, IPPROTO_UDP, 10, &o);
			break;
		case 3: /* ping to us */
			pkts[i] = tu_ipv4(0, H0, P0, IPPROTO_ICMP, 8, &o);
			break;
		default: /* ARP request for us */
			pkts[i] = tu_arp(2, RTE_ARP_OP_REQUEST, &h2, IPV4(198, 51, 100, 20),
					 IPV4(198, 51, 100, 1), true);
			break;
		}
	}
	pipeline_run(&env.w, pkts, N);
	for (unsigned i = 0; i < N; i++) {
		struct pkt_meta *pm = pkt_meta(pkts[i]);
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		static const unsigned want_port[5] = { 1, 2, 0, 0, 2 };
		const struct rte_ether_addr *want_mac[5] = { &gw1_mac, &gw2_mac, &h0, &h0, &h2 };

		if (pm->action == PKT_TX && pm->out_port == want_port[i % 5] &&
		    rte_is_same_ether_addr(&eth->dst_addr, want_mac[i % 5]))
			ok++;
		else
			printf("  packet %u: action %u out %u drop %s\n", i, pm->action, pm->out_port,
			       drop_reason_name((enum drop_reason)pm->drop));
		free(pkts[i]);
	}
	CHECK(ok == N, "%u of %u packets handled as expected", ok, N);
	CHECK(env.w.ctr.gen[GEN_ARP_REPLY] == N / 5 && env.w.ctr.gen[GEN_ICMP_ECHO_REPLY] == N / 5,
	      "replies counted");
	tu_env_fini(&env);
}

int main(void)
{
	char prefix[64];
	char *argv[] = { "test_forward", "--no-huge", "--no-pci", "--no-shconf", "-m", "128",
			 prefix, "--log-level=lib.*:error", "--no-telemetry", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-fwd-%d", (int)getpid());
	if (rte_eal_init(9, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	if (tables_build() != 0) {
		printf("FAIL: route_table_build\n");
		rte_eal_cleanup();
		return 1;
	}
	test_routes();
	test_mtu();
	test_neigh_path();
	test_pipeline_burst();
	route_table_free(tables[0]);
	route_table_free(tables[1]);
	rte_eal_cleanup();
	return tu_summary("test_forward");
}
