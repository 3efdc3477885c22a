/* test_nat_pipeline: the NAT hooks inside pipeline_run and forward_stage with
 * real route tables (rte_fib needs rte_malloc, so a minimal no-huge EAL is
 * started, as test_forward does). Checks what only the whole path shows:
 * translated packets routed with their Ethernet header and TTL, frag-needed
 * decided before NAT (untranslated quote, back to the inside host, no
 * session), TTL exceeded before NAT, fragments handed to the dataplane
 * (PKT_REASSEMBLE, not forwarded), in-place ICMP errors not routed again, and
 * a reassembled multi-segment datagram translated with its checksum intact.
 */
#include <unistd.h>

#include <rte_eal.h>

#include "test_mbuf.h"

#include "natgw/cksum.h"
#include "natgw/counters.h"
#include "natgw/nat.h"
#include "natgw/route.h"

#include "core/nat_stage_internal.h"

#define PUB IPV4(203, 0, 113, 1)
#define H1 IPV4(10, 0, 1, 20)
#define REM IPV4(198, 51, 100, 7)
#define GW1 IPV4(192, 0, 2, 254)
#define IRTR IPV4(10, 0, 0, 254)

#define BE32(x) rte_cpu_to_be_32(x)
#define BE16(x) rte_cpu_to_be_16(x)

static const struct rte_ether_addr gw1_mac = { { 0x02, 0x66, 0, 0, 0, 1 } };
static const struct rte_ether_addr irtr_mac = { { 0x02, 0x66, 0, 0, 0, 2 } };

static struct route_table *table;
static struct nat_rt rt;

/* Route table: inside 10/8 via the inside router, default via GW1 outside. */
static int table_build(void)
{
	static struct natgw_route routes[] = {
		{ IPV4(10, 0, 0, 0), 24, NATGW_ROUTE_CONNECTED, 0, 0 },
		{ IPV4(10, 0, 0, 0), 8, NATGW_ROUTE_GATEWAY, 0, IRTR },
		{ IPV4(192, 0, 2, 0), 24, NATGW_ROUTE_CONNECTED, 1, 0 },
		{ 0, 0, NATGW_ROUTE_GATEWAY, 1, GW1 },
	};
	struct natgw_route_table cfg = { .name = "main", .routes = routes, .n_routes = 4,
					 .cap = 4 };

	return route_table_build(&cfg, "ut_natpipe", &table);
}

/* NAT on port 1: pool 203.0.113.1, inside 10/8. */
static void rt_init(void)
{
	memset(&rt, 0, sizeof(rt));
	rt.port = 1;
	rt.pool[0] = BE32(PUB);
	rt.n_pool = 1;
	rt.inside_net[0] = BE32(IPV4(10, 0, 0, 0));
	rt.inside_mask[0] = BE32(0xff000000u);
	rt.n_inside = 1;
	rt.port_min = 1024;
	rt.port_max = 65535;
	for (unsigned i = 0; i < NAT_TC_MAX; i++)
		rt.timeout[i] = 300;
	rt.port_reuse_delay = 120;
}

/* Environment: 3 ports on one table, static neighbours, NAT state. */
static void env_init(struct tu_env *env)
{
	struct nat_worker_params p = { .max_sessions = 256, .worker_id = 0, .n_workers = 1 };

	tu_env_init(env, 3);
	env->snap.tables[0] = table;
	env->snap.n_tables = 1;
	env->snap.icmp_burst = 1000;
	env->snap.nat = &rt;
	neigh_static_add(env->w.neigh, 1, GW1, &gw1_mac);
	neigh_static_add(env->w.neigh, 0, IRTR, &irtr_mac);
	env->w.nat = nat_worker_create(&p);
	if (env->w.nat == NULL) {
		printf("FAIL: nat_worker_create\n");
		exit(1);
	}
}

/* Free everything env_init made. */
static void env_fini(struct tu_env *env)
{
	nat_worker_destroy(env->w.nat);
	env->w.nat = NULL;
	tu_env_fini(env);
}

/* UDP src:sport > dst:dport on in_port with payload bytes, TTL and frag field. */
static struct rte_mbuf *udp(unsigned in_port, uint32_t src, uint16_t sport, uint32_t dst,
			    uint16_t dport, uint16_t payload, uint8_t ttl, uint16_t frag)
{
	struct tu_ip_opts o = { .sport = sport, .dport = dport, .ttl = ttl, .frag = frag };

	return tu_ipv4(in_port, src, dst, IPPROTO_UDP, payload, &o);
}

/* True when the UDP checksum of the (possibly multi-segment) packet verifies. */
static bool udp_ok(struct rte_mbuf *m)
{
	static uint8_t buf[4096];
	struct rte_ipv4_hdr *ip = tu_ip(m);
	uint16_t len = rte_be_to_cpu_16(ip->total_length), got = 0;
	uint32_t sum;

	for (struct rte_mbuf *s = m; s != NULL && got < 14 + len; s = s->next) {
		uint16_t n = (uint16_t)RTE_MIN(s->data_len, (uint16_t)(14 + len - got));

		memcpy(buf + got, rte_pktmbuf_mtod(s, uint8_t *), n);
		got = (uint16_t)(got + n);
	}
	if (got != 14 + len)
		return false;
	sum = rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(buf + 14), 0);
	sum += rte_raw_cksum(buf + 34, len - 20u);
	return cksum_fold(sum) == 0xffff;
}

/* Out and back through pipeline_run: routed, translated, TTL, MACs. */
static void test_roundtrip(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct pkt_meta *pm;
	uint16_t pub;

	env_init(&env);
	m = udp(0, H1, 5000, REM, 53, 64, 64, 0);
	pipeline_run(&env.w, &m, 1);
	pm = pkt_meta(m);
	pub = rte_be_to_cpu_16(pm->sport);
	CHECK(pm->action == PKT_TX && pm->out_port == 1 && tu_ip(m)->src_addr == BE32(PUB) &&
		      tu_ip(m)->time_to_live == 63 && cksum_ipv4_hdr_ok(tu_ip(m), 20) && udp_ok(m) &&
		      rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
					     &gw1_mac),
	      "out: action %u port %u drop %s", pm->action, pm->out_port,
	      drop_reason_name((enum drop_reason)pm->drop));
	free(m);
	m = udp(1, REM, 53, PUB, pub, 64, 50, 0);
	pipeline_run(&env.w, &m, 1);
	pm = pkt_meta(m);
	CHECK(pm->action == PKT_TX && pm->out_port == 0 && tu_ip(m)->dst_addr == BE32(H1) &&
		      tu_ip(m)->time_to_live == 49 && cksum_ipv4_hdr_ok(tu_ip(m), 20) && udp_ok(m) &&
		      rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
					     &irtr_mac),
	      "back: action %u port %u drop %s", pm->action, pm->out_port,
	      drop_reason_name((enum drop_reason)pm->drop));
	free(m);
	/* unsolicited inbound */
	m = udp(1, REM, 53, PUB, (uint16_t)(pub + 1), 64, 50, 0);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_NAT_NO_SESSION,
	      "unsolicited inbound dropped");
	free(m);
	CHECK(nat_session_count(env.w.nat) == 1, "one session");
	env_fini(&env);
}

/* Frag-needed and TTL exceeded happen before NAT; no session for them. */
static void test_errors_before_nat(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct pkt_meta *pm;
	uint8_t *icmp;

	env_init(&env);
	m = udp(0, H1, 6000, REM, 53, 2000, 64, RTE_IPV4_HDR_DF_FLAG);
	pipeline_run(&env.w, &m, 1);
	pm = pkt_meta(m);
	icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, 34);
	CHECK(pm->action == PKT_TX && pm->out_port == 0 && pm->dst_ip == BE32(H1) &&
		      icmp[0] == 3 && icmp[1] == 4 && nat_ld32(icmp + 8 + 12) == BE32(H1),
	      "frag needed back to the host, quoting its own source");
	free(m);
	CHECK(nat_session_count(env.w.nat) == 0, "no session for a refused packet");

	m = udp(0, H1, 6000, REM, 53, 2000, 64, 0);
	pipeline_run(&env.w, &m, 1);
	pm = pkt_meta(m);
	CHECK(pm->action == PKT_FRAGMENT && pm->out_port == 1 && tu_ip(m)->src_addr == BE32(PUB) &&
		      udp_ok(m),
	      "no DF: translated, then fragmented by the dataplane");
	free(m);

	m = udp(0, H1, 7000, REM, 33434, 8, 1, 0);
	pipeline_run(&env.w, &m, 1);
	pm = pkt_meta(m);
	icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, 34);
	CHECK(pm->action == PKT_TX && pm->out_port == 0 && icmp[0] == 11 &&
		      nat_ld32(icmp + 8 + 12) == BE32(H1) && nat_session_count(env.w.nat) == 1,
	      "ttl 1: time exceeded quoting the untranslated packet, no session");
	free(m);
	env_fini(&env);
}

/* Fragments go to the dataplane; in-place errors are not routed again. */
static void test_dispatch(void)
{
	struct tu_env env;
	struct rte_mbuf *pkts[3];
	uint16_t pub;

	env_init(&env);
	pkts[0] = udp(0, H1, 8000, REM, 53, 8, 64, 0);
	pipeline_run(&env.w, pkts, 1);
	pub = rte_be_to_cpu_16(pkt_meta(pkts[0])->sport);
	free(pkts[0]);

	pkts[0] = udp(0, H1, 8001, REM, 53, 400, 64, RTE_IPV4_HDR_MF_FLAG);
	pkts[1] = udp(1, REM, 53, PUB, pub, 8, 1, 0); /* TTL 1 to the pool */
	pkts[2] = udp(1, REM, 53, PUB, pub, 8, 64, 0);
	pipeline_run(&env.w, pkts, 3);
	CHECK(pkt_meta(pkts[0])->action == PKT_REASSEMBLE && tu_ip(pkts[0])->time_to_live == 64 &&
		      tu_ip(pkts[0])->src_addr == BE32(H1),
	      "fragment: PKT_REASSEMBLE, untouched");
	CHECK(pkt_meta(pkts[1])->action == PKT_TX && pkt_meta(pkts[1])->out_port == 1 &&
		      pkt_meta(pkts[1])->icmp_type == 11 &&
		      rte_is_same_ether_addr(
			      &rte_pktmbuf_mtod(pkts[1], struct rte_ether_hdr *)->dst_addr,
			      &(struct rte_ether_addr){ { 0x02, 0xaa, 0, 0, 0, 1 } }),
	      "ttl 1 to the pool: error back to the sender, not routed inside");
	CHECK(pkt_meta(pkts[2])->action == PKT_TX && pkt_meta(pkts[2])->out_port == 0 &&
		      tu_ip(pkts[2])->dst_addr == BE32(H1),
	      "same burst: normal reply forwarded");
	for (unsigned i = 0; i < 3; i++)
		free(pkts[i]);

	/* a new flow's first packets in one burst: prerouting misses for all,
	 * the first opens the session in postrouting, the others use it */
	for (unsigned i = 0; i < 3; i++)
		pkts[i] = udp(0, H1, 8100, REM, 53, (uint16_t)(10 + i), 64, 0);
	pipeline_run(&env.w, pkts, 3);
	pub = pkt_meta(pkts[0])->sport;
	for (unsigned i = 0; i < 3; i++) {
		CHECK(pkt_meta(pkts[i])->action == PKT_TX && tu_ip(pkts[i])->src_addr == BE32(PUB) &&
			      pkt_meta(pkts[i])->sport == pub && udp_ok(pkts[i]),
		      "same-burst packet %u of a new flow translated (drop %s)", i,
		      drop_reason_name((enum drop_reason)pkt_meta(pkts[i])->drop));
		free(pkts[i]);
	}
	CHECK(nat_session_count(env.w.nat) == 2 && env.w.ctr.nat[NAT_CTR_SESSIONS_CREATED] == 2,
	      "one session for the burst (%u)", nat_session_count(env.w.nat));
	env_fini(&env);
}

/* A reassembled datagram (two segments, headers in the first) is translated
 * with its UDP checksum correct over all segments. */
static void test_multiseg(void)
{
	struct tu_env env;
	struct rte_mbuf *m, *tail;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	uint8_t *p;

	env_init(&env);
	m = udp(0, H1, 9000, REM, 53, 100, 64, 0);
	tail = tu_mbuf_new(1000);
	p = rte_pktmbuf_mtod(tail, uint8_t *);
	for (unsigned i = 0; i < 1000; i++)
		p[i] = (uint8_t)(i * 7);
	m->next = tail;
	m->nb_segs = 2;
	m->pkt_len = m->data_len + tail->data_len;
	ip = tu_ip(m);
	uh = (struct rte_udp_hdr *)(ip + 1);
	ip->total_length = BE16(20 + 8 + 1100);
	uh->dgram_len = BE16(8 + 1100);
	tu_ip_fix(m);
	uh->dgram_cksum = 0;
	{
		static uint8_t buf[2048];
		uint32_t sum;

		memcpy(buf, uh, 108);
		memcpy(buf + 108, p, 1000);
		sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(buf, 1108);
		uh->dgram_cksum = (uint16_t)~cksum_fold(sum);
	}
	CHECK(udp_ok(m), "multi-segment datagram built correctly");
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 1 &&
		      tu_ip(m)->src_addr == BE32(PUB) && cksum_ipv4_hdr_ok(tu_ip(m), 20) && udp_ok(m),
	      "multi-segment datagram translated: action %u drop %s", pkt_meta(m)->action,
	      drop_reason_name((enum drop_reason)pkt_meta(m)->drop));
	free(tail);
	free(m);
	env_fini(&env);
}

int main(void)
{
	char prefix[64];
	char *argv[] = { "test_nat_pipeline", "--no-huge", "--no-pci", "--no-shconf", "-m", "128",
			 prefix, "--log-level=lib.*:error", "--no-telemetry", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-natpipe-%d", (int)getpid());
	if (rte_eal_init(9, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	if (table_build() != 0) {
		printf("FAIL: route_table_build\n");
		rte_eal_cleanup();
		return 1;
	}
	rt_init();
	test_roundtrip();
	test_errors_before_nat();
	test_dispatch();
	test_multiseg();
	route_table_free(table);
	rte_eal_cleanup();
	return tu_summary("test_nat_pipeline");
}
