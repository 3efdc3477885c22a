/* test_icmp_arp: echo replies, ICMP errors (byte by byte), the ICMP rate
 * limiter, ARP replies/learning and the neighbour table. EAL-free. */
#include "test_mbuf.h"

#include "natgw/arp.h"
#include "natgw/cksum.h"
#include "natgw/counters.h"

#define P0 IPV4(10, 0, 0, 1)
#define P1 IPV4(192, 0, 2, 1)
#define H0 IPV4(10, 0, 0, 2)
#define REMOTE IPV4(203, 0, 113, 7)

/* Offset of the first differing byte, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/* Parse m as received on its in_port (fills the metadata the stages need). */
static void parse(struct tu_env *env, struct rte_mbuf *m)
{
	parse_stage(&env->w, &m, 1);
}

/* Echo request to our addresses -> reply in place; other local traffic dropped. */
static void test_echo(void)
{
	struct tu_env env;
	struct tu_ip_opts o = { .icmp_type = 8, .sport = 0x1234, .ttl = 50 };
	uint8_t before[200], *d;
	struct rte_mbuf *m;
	struct pkt_meta *pm;
	long diff;

	tu_env_init(&env, 3);
	for (unsigned k = 0; k < 2; k++) {
		uint32_t to = k == 0 ? P0 : P1; /* P1 is port 1's address, asked via port 0 */
		struct rte_ether_addr peer = tu_mac(true, 0), mine = tu_mac(false, 0);

		m = tu_ipv4(0, H0, to, IPPROTO_ICMP, 56, &o);
		memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
		pipeline_run(&env.w, &m, 1);
		pm = pkt_meta(m);
		d = rte_pktmbuf_mtod(m, uint8_t *);
		CHECK(pm->action == PKT_TX && pm->out_port == 0, "echo %u: action %u drop %s", k,
		      pm->action, drop_reason_name((enum drop_reason)pm->drop));
		CHECK(env.w.ctr.gen[GEN_ICMP_ECHO_REPLY] == k + 1, "echo reply counted");
		CHECK(m->data_len == 14 + 20 + 8 + 56, "echo length %u", m->data_len);
		/* expected bytes: the request with MACs, addresses, TTL, type changed */
		memcpy(before, &peer, 6);
		memcpy(before + 6, &mine, 6);
		before[14 + 8] = 64;
		{
			uint32_t s = rte_cpu_to_be_32(to), t = rte_cpu_to_be_32(H0);
			memcpy(before + 14 + 12, &s, 4);
			memcpy(before + 14 + 16, &t, 4);
		}
		before[34] = 0;
		memcpy(before + 14 + 10, d + 14 + 10, 2); /* checksums checked below */
		memcpy(before + 34 + 2, d + 34 + 2, 2);
		diff = first_diff(before, d, m->data_len);
		CHECK(diff < 0, "echo %u reply differs at byte %ld", k, diff);
		CHECK(cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)(d + 14), 20), "echo ip checksum");
		CHECK(cksum_icmp_ok(d + 34, 8 + 56), "echo icmp checksum");
		free(m);
	}

	/* other ICMP to us, UDP and TCP to us, fragmented echo */
	o.icmp_type = 13; /* timestamp request */
	m = tu_ipv4(0, H0, P0, IPPROTO_ICMP, 12, &o);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_ICMP_NOT_ECHO,
	      "timestamp request dropped");
	free(m);
	m = tu_ipv4(0, H0, P0, IPPROTO_UDP, 12, NULL);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_LOCAL_UNSUPPORTED,
	      "udp to us dropped");
	free(m);
	m = tu_ipv4(0, H0, P1, IPPROTO_TCP, 0, NULL);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_LOCAL_UNSUPPORTED,
	      "tcp to us dropped");
	free(m);
	o.icmp_type = 8;
	o.frag = RTE_IPV4_HDR_MF_FLAG;
	m = tu_ipv4(0, H0, P0, IPPROTO_ICMP, 64, &o);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_LOCAL_UNSUPPORTED,
	      "fragmented echo dropped");
	free(m);
	CHECK(env.w.ctr.gen[GEN_ICMP_ECHO_REPLY] == 2, "only two replies");
	tu_env_fini(&env);
}

/* Build the expected ICMP error frame for original IP bytes orig (orig_len). */
static size_t expect_error(uint8_t *out, unsigned in_port, uint32_t err_src, uint32_t err_dst,
			   uint8_t type, uint8_t code, uint16_t mtu, const uint8_t *orig,
			   uint16_t orig_len, uint16_t ip_id)
{
	struct rte_ether_addr peer = tu_mac(true, in_port), mine = tu_mac(false, in_port);
	uint16_t quote = orig_len < 548 ? orig_len : 548;
	uint16_t total = (uint16_t)(28 + quote), c;
	struct rte_ipv4_hdr ip;
	uint8_t *icmp = out + 34;

	memcpy(out, &peer, 6);
	memcpy(out + 6, &mine, 6);
	out[12] = 0x08;
	out[13] = 0x00;
	memset(&ip, 0, sizeof(ip));
	ip.version_ihl = 0x45;
	ip.type_of_service = 0xc0;
	ip.total_length = rte_cpu_to_be_16(total);
	ip.packet_id = ip_id;
	ip.time_to_live = 64;
	ip.next_proto_id = 1;
	ip.src_addr = rte_cpu_to_be_32(err_src);
	ip.dst_addr = rte_cpu_to_be_32(err_dst);
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	memcpy(out + 14, &ip, 20);
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, orig, quote);
	c = (uint16_t)~rte_raw_cksum(icmp, (size_t)(8 + quote));
	memcpy(icmp + 2, &c, 2);
	return (size_t)(14 + total);
}

/* One ICMP error case checked byte by byte against expect_error(). */
static void check_error(struct tu_env *env, struct rte_mbuf *m, uint8_t type, uint8_t code,
			uint16_t mtu, enum drop_reason r, uint32_t err_src, uint32_t err_dst,
			enum gen_kind kind, const char *what)
{
	static uint8_t orig[10000], want[700];
	struct pkt_meta *pm = pkt_meta(m);
	unsigned in_port = pm->in_port;
	uint16_t orig_len = pm->ip_len;
	uint64_t drops = env->w.ctr.drop[r], gens = env->w.ctr.gen[kind];
	uint8_t *d;
	uint16_t id;
	size_t len;
	long diff;

	memcpy(orig, rte_pktmbuf_mtod(m, uint8_t *) + 14, orig_len);
	icmp_error_reply(&env->w, m, type, code, mtu, r);
	d = rte_pktmbuf_mtod(m, uint8_t *);
	CHECK(pm->action == PKT_TX && pm->out_port == in_port, "%s: action %u", what, pm->action);
	CHECK(env->w.ctr.drop[r] == drops + 1, "%s: drop counted by icmp_error_reply", what);
	CHECK(env->w.ctr.gen[kind] == gens + 1, "%s: gen %s counted", what, gen_kind_name(kind));
	memcpy(&id, d + 14 + 4, 2);
	len = expect_error(want, in_port, err_src, err_dst, type, code, mtu, orig, orig_len, id);
	CHECK(m->data_len == len && m->pkt_len == len, "%s: length %u want %zu", what,
	      m->data_len, len);
	diff = first_diff(want, d, len < m->data_len ? len : m->data_len);
	CHECK(diff < 0, "%s: differs at byte %ld (%#x, want %#x)", what, diff,
	      diff >= 0 ? d[diff] : 0, diff >= 0 ? want[diff] : 0);
	CHECK(cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)(d + 14), 20), "%s: ip checksum", what);
	CHECK(cksum_icmp_ok(d + 34, (unsigned)(len - 34)), "%s: icmp checksum", what);
	CHECK(len - 14 <= 576, "%s: at most 576 bytes of IP", what);
	/* the quoted header is the original one, checksum still valid */
	CHECK(cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)(d + 42), 20), "%s: quoted ip checksum",
	      what);
	CHECK(pm->l3_off == 14 && pm->ip_len == len - 14 && pm->proto == IPPROTO_ICMP &&
		      pm->icmp_type == type && pm->src_ip == rte_cpu_to_be_32(err_src) &&
		      pm->dst_ip == rte_cpu_to_be_32(err_dst),
	      "%s: metadata updated", what);
}

/* Time exceeded, frag needed with MTU (long packet: quote cut to 576), net unreachable. */
static void test_errors(void)
{
	struct tu_env env;
	struct tu_ip_opts o = { .ttl = 1 };
	struct rte_mbuf *m;

	tu_env_init(&env, 3);
	m = tu_ipv4(0, H0, REMOTE, IPPROTO_UDP, 100, &o);
	parse(&env, m);
	check_error(&env, m, 11, 0, 0, DROP_TTL_EXCEEDED, P0, H0, GEN_ICMP_TIME_EXCEEDED,
		    "time exceeded");
	free(m);

	o.ttl = 64;
	o.frag = RTE_IPV4_HDR_DF_FLAG;
	m = tu_ipv4(0, H0, REMOTE, IPPROTO_TCP, 3000, &o);
	parse(&env, m);
	check_error(&env, m, 3, 4, 1500, DROP_FRAG_NEEDED, P0, H0, GEN_ICMP_FRAG_NEEDED,
		    "frag needed");
	free(m);

	o.frag = 0;
	m = tu_ipv4(1, IPV4(192, 0, 2, 50), IPV4(100, 64, 1, 1), IPPROTO_ICMP, 20, &o);
	parse(&env, m);
	check_error(&env, m, 3, 0, 0, DROP_NO_ROUTE, P1, IPV4(192, 0, 2, 50),
		    GEN_ICMP_NET_UNREACH, "net unreachable");
	free(m);

	/* a minimal packet: 20-byte header, no payload at all */
	m = tu_ipv4(1, IPV4(198, 18, 0, 1), REMOTE, 47, 0, &o);
	parse(&env, m);
	check_error(&env, m, 3, 1, 0, DROP_NO_ROUTE, P1, IPV4(198, 18, 0, 1),
		    GEN_ICMP_HOST_UNREACH, "host unreachable, empty payload");
	free(m);
	tu_env_fini(&env);
}

/* One error attempt at the current time; true when it was sent. */
static bool try_error(struct tu_env *env)
{
	struct tu_ip_opts o = { .ttl = 1 };
	struct rte_mbuf *m = tu_ipv4(0, H0, REMOTE, IPPROTO_UDP, 8, &o);
	bool sent;

	parse(env, m);
	icmp_error_reply(&env->w, m, 11, 0, 0, DROP_TTL_EXCEEDED);
	sent = pkt_meta(m)->action == PKT_TX;
	if (!sent)
		CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_TTL_EXCEEDED,
		      "suppressed error is a drop with the reason");
	free(m);
	return sent;
}

/* Count how many of n attempts at the current time are sent. */
static unsigned try_errors(struct tu_env *env, unsigned n)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++)
		sent += try_error(env);
	return sent;
}

/* Token bucket: burst, suppression, refill by rate (fractions kept), cap at burst. */
static void test_ratelimit(void)
{
	struct tu_env env;
	unsigned s;

	tu_env_init(&env, 2); /* rate 100/s, burst 10 */
	s = try_errors(&env, 15);
	CHECK(s == 10, "first burst: %u sent", s);
	CHECK(env.w.ctr.gen[GEN_ICMP_RATE_LIMITED] == 5, "5 rate limited (%lu)",
	      (unsigned long)env.w.ctr.gen[GEN_ICMP_RATE_LIMITED]);
	CHECK(env.w.ctr.drop[DROP_TTL_EXCEEDED] == 10, "only sent errors counted as drops here");
	env.w.now += TU_HZ * 50 / 1000; /* 50 ms: 5 tokens */
	s = try_errors(&env, 8);
	CHECK(s == 5, "after 50 ms: %u sent", s);
	env.w.now += TU_HZ * 15 / 1000; /* 15 ms: 1.5 tokens */
	s = try_errors(&env, 3);
	CHECK(s == 1, "after 15 ms: %u sent", s);
	env.w.now += TU_HZ * 5 / 1000; /* 5 ms more: the kept half plus a half */
	s = try_errors(&env, 3);
	CHECK(s == 1, "after 5 more ms: %u sent", s);
	env.w.now += TU_HZ * 1000; /* long idle: full bucket, not more */
	s = try_errors(&env, 20);
	CHECK(s == 10, "after idle: %u sent", s);
	env.snap.icmp_rate = 0; /* rate 0 disables errors */
	env.w.now += TU_HZ * 1000;
	s = try_errors(&env, 3);
	CHECK(s == 0, "rate 0: %u sent", s);
	tu_env_fini(&env);
}

/* RFC 1812 4.3.2.7: never an error about an error, a later fragment, a
 * broadcast/multicast/zero source or a broadcast destination. No token used. */
static void test_never_error(void)
{
	struct {
		const char *what;
		uint8_t proto, icmp_type;
		uint16_t frag;
		uint32_t src, dst;   /* 0 src: H0 */
		uint8_t extra_flags;
		bool sent;
	} cases[] = {
		{ "dest unreach", IPPROTO_ICMP, 3, 0, 0, REMOTE, 0, false },
		{ "time exceeded", IPPROTO_ICMP, 11, 0, 0, REMOTE, 0, false },
		{ "redirect", IPPROTO_ICMP, 5, 0, 0, REMOTE, 0, false },
		{ "param problem", IPPROTO_ICMP, 12, 0, 0, REMOTE, 0, false },
		{ "unknown type 42", IPPROTO_ICMP, 42, 0, 0, REMOTE, 0, false },
		{ "later fragment", IPPROTO_UDP, 0, 100, 0, REMOTE, 0, false },
		{ "l2 broadcast", IPPROTO_UDP, 0, 0, 0, REMOTE, PKT_F_BCAST, false },
		{ "zero source", IPPROTO_UDP, 0, 0, 1, REMOTE, 0, false },
		{ "multicast source", IPPROTO_UDP, 0, 0, IPV4(224, 0, 0, 9), REMOTE, 0, false },
		{ "bcast source", IPPROTO_UDP, 0, 0, 0xffffffffu, REMOTE, 0, false },
		{ "directed bcast source", IPPROTO_UDP, 0, 0, IPV4(10, 0, 0, 255), REMOTE, 0, false },
		{ "multicast dest", IPPROTO_UDP, 0, 0, 0, IPV4(239, 0, 0, 1), 0, false },
		{ "bcast dest", IPPROTO_UDP, 0, 0, 0, 0xffffffffu, 0, false },
		{ "directed bcast dest", IPPROTO_UDP, 0, 0, 0, IPV4(198, 51, 100, 255), 0, false },
		{ "echo request", IPPROTO_ICMP, 8, 0, 0, REMOTE, 0, true },
		{ "echo reply", IPPROTO_ICMP, 0, 0, 0, REMOTE, 0, true },
		{ "first fragment", IPPROTO_UDP, 0, RTE_IPV4_HDR_MF_FLAG, 0, REMOTE, 0, true },
	};
	struct tu_env env;

	tu_env_init(&env, 3);
	env.snap.icmp_burst = 1000;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_ip_opts o = { .ttl = 1, .icmp_type = cases[i].icmp_type,
					.frag = cases[i].frag };
		struct rte_mbuf *m = tu_ipv4(0, H0, REMOTE, cases[i].proto, 16, &o);
		struct pkt_meta *pm = pkt_meta(m);
		uint64_t gen_before[GEN_MAX];
		uint32_t tokens;

		parse(&env, m);
		CHECK(pm->action == PKT_TX, "%s: parsed", cases[i].what);
		/* addresses parse would refuse are put straight into the metadata */
		if (cases[i].src)
			pm->src_ip = cases[i].src == 1 ? 0 : rte_cpu_to_be_32(cases[i].src);
		pm->dst_ip = rte_cpu_to_be_32(cases[i].dst);
		pm->flags |= cases[i].extra_flags;
		memcpy(gen_before, env.w.ctr.gen, sizeof(gen_before));
		tokens = env.w.icmp_rl.tokens;
		icmp_error_reply(&env.w, m, 11, 0, 0, DROP_TTL_EXCEEDED);
		if (cases[i].sent) {
			CHECK(pm->action == PKT_TX, "%s: error sent", cases[i].what);
		} else {
			CHECK(pm->action == PKT_DROP && pm->drop == DROP_TTL_EXCEEDED,
			      "%s: no error, dropped", cases[i].what);
			CHECK(memcmp(gen_before, env.w.ctr.gen, sizeof(gen_before)) == 0 &&
				      (tokens == 0 || env.w.icmp_rl.tokens == tokens),
			      "%s: nothing counted, no token taken", cases[i].what);
		}
		free(m);
	}
	tu_env_fini(&env);
}

/* ARP reply bytes, learning rules, not-for-us, gratuitous, allocation failure. */
static void test_arp(void)
{
	struct tu_env env;
	struct rte_ether_addr peer = tu_mac(true, 0), mine = tu_mac(false, 0);
	struct rte_ether_addr other = { { 0x02, 0xcc, 0, 0, 0, 4 } };
	struct rte_ether_addr moved = { { 0x02, 0xdd, 0, 0, 0, 2 } };
	const struct rte_ether_addr *got;
	struct rte_mbuf *m;
	uint8_t want[60], *d;
	long diff;

	tu_env_init(&env, 3);
	/* request for our address: reply in place, sender learnt */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &peer, H0, P0, true);
	pipeline_run(&env.w, &m, 1);
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memset(want, 0, sizeof(want));
	memcpy(want, &peer, 6);
	memcpy(want + 6, &mine, 6);
	memcpy(want + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
	memcpy(want + 22, &mine, 6);
	memcpy(want + 28, "\x0a\x00\x00\x01", 4);
	memcpy(want + 32, &peer, 6);
	memcpy(want + 38, "\x0a\x00\x00\x02", 4);
	diff = first_diff(want, d, 42);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 0, "arp reply sent");
	CHECK(diff < 0, "arp reply differs at byte %ld", diff);
	CHECK(env.w.ctr.gen[GEN_ARP_REPLY] == 1, "arp reply counted");
	got = neigh_lookup(env.w.neigh, 0, H0);
	CHECK(got != NULL && rte_is_same_ether_addr(got, &peer), "requester learnt");
	CHECK(env.w.ctr.neigh_learnt == 1, "neigh_learnt %lu", (unsigned long)env.w.ctr.neigh_learnt);
	free(m);

	/* request for an address that is not ours: dropped, sender not learnt */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &other, IPV4(10, 0, 0, 3), IPV4(10, 0, 0, 9), true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_ARP_NOT_FOR_US,
	      "request for someone else dropped");
	CHECK(neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 3)) == NULL, "bystander not learnt");
	free(m);

	/* request on port 0 for port 1's address: not answered there */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &other, IPV4(10, 0, 0, 3), P1, true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_ARP_NOT_FOR_US,
	      "request for another port's address dropped");
	free(m);

	/* reply to us: learnt, then PKT_FREE (the dataplane frees it) */
	env.frees = 0;
	m = tu_arp(0, RTE_ARP_OP_REPLY, &other, IPV4(10, 0, 0, 4), P0, false);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_FREE && env.frees == 0, "reply consumed, left to the dataplane to free");
	got = neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 4));
	CHECK(got != NULL && rte_is_same_ether_addr(got, &other), "replier learnt");
	free(m);
	tu_gc(&env);

	/* gratuitous ARP: unknown sender ignored, known sender updated */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &other, IPV4(10, 0, 0, 5), IPV4(10, 0, 0, 5), true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP && pkt_meta(m)->drop == DROP_ARP_NOT_FOR_US,
	      "gratuitous for unknown dropped");
	CHECK(neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 5)) == NULL, "unknown not learnt");
	free(m);
	m = tu_arp(0, RTE_ARP_OP_REPLY, &moved, H0, H0, true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_FREE, "gratuitous for known consumed");
	got = neigh_lookup(env.w.neigh, 0, H0);
	CHECK(got != NULL && rte_is_same_ether_addr(got, &moved), "known neighbour moved");
	free(m);
	tu_gc(&env);

	/* someone claiming our own address is not learnt */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &other, P0, P0, true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_DROP, "address conflict dropped");
	CHECK(neigh_lookup(env.w.neigh, 0, P0) == NULL, "own address not learnt");
	free(m);

	/* off-subnet sender: answered, not learnt */
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &other, IPV4(172, 16, 0, 9), P0, true);
	pipeline_run(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_TX, "off-subnet request answered");
	CHECK(neigh_lookup(env.w.neigh, 0, IPV4(172, 16, 0, 9)) == NULL, "off-subnet not learnt");
	free(m);

	/* gratuitous announcement of port 1 */
	CHECK(arp_send_gratuitous(&env.w, 1) == 0 && env.w.n_emit == 1, "gratuitous emitted");
	if (env.w.n_emit == 1) {
		struct rte_ether_addr m1 = tu_mac(false, 1);

		m = env.w.emit[0];
		d = rte_pktmbuf_mtod(m, uint8_t *);
		memset(want, 0, sizeof(want));
		memset(want, 0xff, 6);
		memcpy(want + 6, &m1, 6);
		memcpy(want + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
		memcpy(want + 22, &m1, 6);
		memcpy(want + 28, "\xc0\x00\x02\x01", 4);
		memcpy(want + 38, "\xc0\x00\x02\x01", 4);
		CHECK(m->data_len == 60 && first_diff(want, d, 60) < 0, "gratuitous bytes");
		CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 1, "gratuitous tx");
	}
	CHECK(env.w.ctr.gen[GEN_ARP_GRATUITOUS] == 1, "gratuitous counted");
	tu_emit_clear(&env);
	env.fail_alloc = true;
	CHECK(arp_send_gratuitous(&env.w, 1) == -ENOMEM && env.w.ctr.drop[DROP_NO_MBUF] == 1,
	      "alloc failure reported");
	CHECK(arp_send_gratuitous(&env.w, 7) == -EINVAL, "bad port");
	env.fail_alloc = false;
	tu_env_fini(&env);
}

/* A transit packet as forward_stage hands it to neigh_resolve. */
static struct rte_mbuf *fwd_pkt(uint8_t action, uint16_t id)
{
	struct rte_mbuf *m = tu_ipv4(0, H0, REMOTE, IPPROTO_UDP, 10, NULL);

	tu_ip(m)->packet_id = rte_cpu_to_be_16(id);
	pkt_meta(m)->action = action;
	return m;
}

/* Park, request, queue full, learn and release (actions kept), retries, give-up, expiry. */
static void test_neigh(void)
{
	struct tu_env env;
	struct rte_ether_addr gw = { { 0x02, 0x99, 0, 0, 0, 0x77 } };
	struct rte_mbuf *m[6];
	const struct rte_ether_addr *mac;
	uint32_t ip77 = IPV4(192, 0, 2, 77), ip88 = IPV4(192, 0, 2, 88);
	uint64_t t0;

	tu_env_init(&env, 3);
	t0 = env.w.now;
	for (unsigned i = 0; i < 5; i++) {
		m[i] = fwd_pkt(i == 2 ? PKT_FRAGMENT : PKT_TX, (uint16_t)i);
		mac = neigh_resolve(&env.w, 1, ip77, m[i]);
		CHECK(mac == NULL, "miss %u", i);
	}
	for (unsigned i = 0; i < 4; i++)
		CHECK(pkt_meta(m[i])->action == PKT_CONSUMED, "packet %u parked", i);
	CHECK(pkt_meta(m[4])->action == PKT_DROP && pkt_meta(m[4])->drop == DROP_NEIGH_QUEUE_FULL,
	      "fifth packet: queue full");
	CHECK(env.w.ctr.neigh_queued == 4, "neigh_queued %lu", (unsigned long)env.w.ctr.neigh_queued);
	CHECK(env.w.n_emit == 1 && env.w.ctr.gen[GEN_ARP_REQUEST] == 1, "one ARP request");
	if (env.w.n_emit == 1) {
		struct rte_ether_addr m1 = tu_mac(false, 1);
		uint8_t want[42], *d = rte_pktmbuf_mtod(env.w.emit[0], uint8_t *);

		memset(want, 0, sizeof(want));
		memset(want, 0xff, 6);
		memcpy(want + 6, &m1, 6);
		memcpy(want + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
		memcpy(want + 22, &m1, 6);
		memcpy(want + 28, "\xc0\x00\x02\x01", 4);
		memcpy(want + 38, "\xc0\x00\x02\x4d", 4);
		CHECK(first_diff(want, d, 42) < 0, "ARP request bytes");
		CHECK(pkt_meta(env.w.emit[0])->out_port == 1, "request out port 1");
	}
	tu_emit_clear(&env);
	free(m[4]);

	env.w.now += TU_HZ / 10;
	neigh_learn(&env.w, 1, ip77, &gw);
	CHECK(env.w.n_emit == 4, "4 packets released (%u)", env.w.n_emit);
	for (unsigned i = 0; i < env.w.n_emit && i < 4; i++) {
		struct rte_mbuf *r = env.w.emit[i];
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(r, struct rte_ether_hdr *);
		struct rte_ether_addr m1 = tu_mac(false, 1);

		CHECK(r == m[i], "released in order");
		CHECK(rte_is_same_ether_addr(&eth->dst_addr, &gw) &&
			      rte_is_same_ether_addr(&eth->src_addr, &m1) &&
			      eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4),
		      "released %u: ethernet header", i);
		CHECK(pkt_meta(r)->action == (i == 2 ? PKT_FRAGMENT : PKT_TX) &&
			      pkt_meta(r)->out_port == 1,
		      "released %u: action %u", i, pkt_meta(r)->action);
	}
	tu_emit_clear(&env);
	CHECK(env.w.ctr.neigh_learnt == 1, "learnt counted");
	m[0] = fwd_pkt(PKT_TX, 9);
	mac = neigh_resolve(&env.w, 1, ip77, m[0]);
	CHECK(mac != NULL && rte_is_same_ether_addr(mac, &gw) && pkt_meta(m[0])->action == PKT_TX,
	      "hit after learning");
	CHECK(neigh_lookup(env.w.neigh, 2, ip77) == NULL, "other port is another key");
	free(m[0]);

	/* unresolved: retransmit every second, give up after NEIGH_MAX_TRIES */
	env.frees = 0;
	for (unsigned i = 0; i < 2; i++)
		neigh_resolve(&env.w, 1, ip88, fwd_pkt(PKT_TX, (uint16_t)(20 + i)));
	CHECK(env.w.n_emit == 1, "one request for two packets");
	tu_emit_clear(&env);
	env.w.now += TU_HZ / 2;
	neigh_timer(&env.w);
	CHECK(env.w.n_emit == 0, "no retransmit before NEIGH_RETRY_MS");
	env.w.now += TU_HZ / 2;
	neigh_timer(&env.w);
	CHECK(env.w.n_emit == 1, "retransmit 1");
	env.w.now += TU_HZ;
	neigh_timer(&env.w);
	CHECK(env.w.n_emit == 2, "retransmit 2");
	CHECK(env.w.ctr.gen[GEN_ARP_REQUEST] == 4, "requests counted (%lu)",
	      (unsigned long)env.w.ctr.gen[GEN_ARP_REQUEST]);
	tu_emit_clear(&env);
	env.frees = 0;
	env.w.now += TU_HZ / 2;
	neigh_timer(&env.w);
	CHECK(neigh_table_count(env.w.neigh) == 2, "still waiting");
	env.w.now += TU_HZ / 2;
	neigh_timer(&env.w);
	CHECK(env.w.n_emit == 0, "no fourth request");
	CHECK(env.w.ctr.drop[DROP_NEIGH_UNRESOLVED] == 2 && env.frees == 2,
	      "parked packets dropped as unresolved (%lu, freed %u)",
	      (unsigned long)env.w.ctr.drop[DROP_NEIGH_UNRESOLVED], env.frees);
	CHECK(neigh_table_count(env.w.neigh) == 1, "failed entry removed (%u left)",
	      neigh_table_count(env.w.neigh));
	tu_gc(&env);

	/* static entries: kept, not changed by ARP, never expire */
	CHECK(neigh_static_add(env.w.neigh, 2, IPV4(198, 51, 100, 9), &gw) == 0, "static add");
	{
		struct rte_ether_addr p2 = tu_mac(true, 2);
		neigh_learn(&env.w, 2, IPV4(198, 51, 100, 9), &p2);
	}
	mac = neigh_lookup(env.w.neigh, 2, IPV4(198, 51, 100, 9));
	CHECK(mac != NULL && rte_is_same_ether_addr(mac, &gw), "static not overwritten");

	/* expiry of learnt entries after neigh_timeout seconds */
	env.w.now = t0 + TU_HZ / 10 + 299 * TU_HZ;
	neigh_timer(&env.w);
	CHECK(neigh_lookup(env.w.neigh, 1, ip77) != NULL, "learnt entry alive at 299 s");
	env.w.now = t0 + TU_HZ / 10 + 300 * TU_HZ;
	neigh_timer(&env.w);
	CHECK(neigh_lookup(env.w.neigh, 1, ip77) == NULL, "learnt entry expired at 300 s");
	env.w.now += 100000 * TU_HZ;
	neigh_timer(&env.w);
	CHECK(neigh_lookup(env.w.neigh, 2, IPV4(198, 51, 100, 9)) != NULL, "static never expires");

	/* destroy frees parked packets */
	env.frees = 0;
	neigh_resolve(&env.w, 1, ip88, fwd_pkt(PKT_TX, 30));
	tu_emit_clear(&env);
	env.frees = 0;
	tu_env_fini(&env);
	CHECK(env.frees == 1, "destroy freed the parked packet (%u)", env.frees);
}

/* A full table recycles its oldest dynamic entry; statics only fill -> ENOSPC. */
static void test_neigh_capacity(void)
{
	struct tu_env env;
	struct rte_ether_addr a = tu_mac(true, 0);

	tu_env_init(&env, 3);
	neigh_table_destroy(env.w.neigh, &env.w);
	env.w.neigh = neigh_table_create(3); /* rounded up to 4 */
	for (unsigned i = 0; i < 5; i++) {
		env.w.now += TU_HZ;
		neigh_learn(&env.w, 0, IPV4(10, 0, 0, 10 + i), &a);
	}
	CHECK(neigh_table_count(env.w.neigh) == 4, "count %u", neigh_table_count(env.w.neigh));
	CHECK(neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 10)) == NULL, "oldest recycled");
	for (unsigned i = 1; i < 5; i++)
		CHECK(neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 10 + i)) != NULL, "entry %u kept", i);
	neigh_table_destroy(env.w.neigh, &env.w);
	env.w.neigh = neigh_table_create(2);
	CHECK(neigh_static_add(env.w.neigh, 0, 1, &a) == 0 &&
		      neigh_static_add(env.w.neigh, 0, 2, &a) == 0 &&
		      neigh_static_add(env.w.neigh, 0, 3, &a) == -ENOSPC,
	      "statics beyond capacity refused");
	neigh_learn(&env.w, 0, IPV4(10, 0, 0, 50), &a);
	CHECK(neigh_lookup(env.w.neigh, 0, IPV4(10, 0, 0, 50)) == NULL, "no room among statics");
	tu_env_fini(&env);
}

/* Random learns and expiries against a reference model (exercises probing and
 * backward-shift deletion). */
static void test_neigh_model(void)
{
	enum { KEYS = 600, ROUNDS = 60 };
	static uint64_t learnt_at[KEYS]; /* 0: absent */
	struct tu_env env;
	unsigned bad = 0, live = 0;

	tu_env_init(&env, 3);
	neigh_table_destroy(env.w.neigh, &env.w);
	env.w.neigh = neigh_table_create(512);
	env.snap.neigh_timeout = 20;
	memset(learnt_at, 0, sizeof(learnt_at));
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned k = 0; k < 40; k++) {
			unsigned key = (unsigned)(tu_rand() % KEYS);
			struct rte_ether_addr a = { { 2, 0, 0, 0, (uint8_t)(key >> 8), (uint8_t)key } };

			env.w.now += 1 + tu_rand() % (TU_HZ / 10);
			neigh_learn(&env.w, key % 3, tu_port_addr[key % 3] + 1 + key / 3, &a);
			learnt_at[key] = env.w.now;
		}
		neigh_timer(&env.w);
		live = 0;
		for (unsigned key = 0; key < KEYS; key++) {
			const struct rte_ether_addr *mac =
				neigh_lookup(env.w.neigh, key % 3, tu_port_addr[key % 3] + 1 + key / 3);
			bool want = learnt_at[key] != 0 && env.w.now - learnt_at[key] < 20 * TU_HZ;

			if (learnt_at[key] != 0 && !want)
				learnt_at[key] = 0;
			live += want;
			if ((mac != NULL) != want || (mac != NULL && mac->addr_bytes[5] != (uint8_t)key))
				bad++;
		}
		if (neigh_table_count(env.w.neigh) != live)
			bad++;
	}
	CHECK(bad == 0, "%u model mismatches", bad);
	CHECK(live > 50, "model had live entries (%u)", live);
	tu_env_fini(&env);
}

int main(void)
{
	test_echo();
	test_errors();
	test_ratelimit();
	test_never_error();
	test_arp();
	test_neigh();
	test_neigh_capacity();
	test_neigh_model();
	return tu_summary("test_icmp_arp");
}
