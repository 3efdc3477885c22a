/* Unit-test helpers for the NAT stage tests (test_nat_stage.c,
 * test_nat_icmp.c): the test NAT configuration, a worker with NAT state,
 * packet builders, run() (what pipeline_run + forward_stage do around NAT,
 * with a fake route lookup: 10/8 -> port 0, everything else -> port 1) and
 * checks that verify every translated packet byte for byte and with full
 * checksum verification (recomputed and compared). Header-only; EAL-free.
 *
 * Test NAT: port 1 ("outside", 192.0.2.1), pool 203.0.113.1, inside 10.0.0.0/8,
 * ports 1024-65535, port-forward 203.0.113.1:8080 -> 10.0.1.10:80 tcp.
 */
#ifndef NATGW_TEST_NAT_H
#define NATGW_TEST_NAT_H

#include "test_mbuf.h"

#include "natgw/arp.h"
#include "natgw/cksum.h"
#include "natgw/counters.h"
#include "natgw/nat.h"

#include "core/nat_stage_internal.h"

#define PUB IPV4(203, 0, 113, 1)
#define H1 IPV4(10, 0, 1, 20)    /* inside client */
#define H2 IPV4(10, 0, 2, 10)    /* inside client (hairpin) */
#define SRV IPV4(10, 0, 1, 10)   /* inside server behind the port-forward */
#define REM IPV4(198, 51, 100, 7) /* outside hosts */
#define REM2 IPV4(198, 51, 100, 8)
#define RTR IPV4(192, 0, 2, 254) /* router beyond natgw */
#define IRTR IPV4(10, 0, 0, 254) /* router on the inside */
#define OWN1 IPV4(192, 0, 2, 1)  /* port 1's own address */

#define BE32(x) rte_cpu_to_be_32(x)
#define BE16(x) rte_cpu_to_be_16(x)

#define S_ RTE_TCP_SYN_FLAG
#define A_ RTE_TCP_ACK_FLAG
#define F_ RTE_TCP_FIN_FLAG
#define R_ RTE_TCP_RST_FLAG

/* The test NAT configuration (one per test program). */
static struct nat_rt rt;

/* The test NAT configuration. */
static inline void rt_init(void)
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
	rt.mapping = NATGW_NAT_MAPPING_EIM;
	rt.timeout[NAT_TC_UDP] = 300;
	rt.timeout[NAT_TC_TCP_SYN] = 30;
	rt.timeout[NAT_TC_TCP_EST] = 7440;
	rt.timeout[NAT_TC_TCP_TRANS] = 240;
	rt.timeout[NAT_TC_ICMP] = 60;
	rt.port_reuse_delay = 120;
	rt.forwards[0].proto = IPPROTO_TCP;
	rt.forwards[0].public_addr = BE32(PUB);
	rt.forwards[0].public_port = BE16(8080);
	rt.forwards[0].inside_addr = BE32(SRV);
	rt.forwards[0].inside_port = BE16(80);
	rt.n_forwards = 1;
}

/* Test worker with NAT state for max_sessions sessions. */
static inline void env_init(struct tu_env *env, uint32_t max_sessions)
{
	struct nat_worker_params p = { .max_sessions = max_sessions, .worker_id = 0,
				       .n_workers = 1 };

	tu_env_init(env, 3);
	env->snap.nat = &rt;
	env->snap.icmp_burst = 1000;
	env->w.nat = nat_worker_create(&p);
	if (env->w.nat == NULL) {
		printf("FAIL: nat_worker_create\n");
		exit(1);
	}
}

/* Free the NAT state and the environment. */
static inline void env_fini(struct tu_env *env)
{
	nat_worker_destroy(env->w.nat);
	env->w.nat = NULL;
	tu_env_fini(env);
}

/* Advance the worker clock by sec seconds. */
static inline void clock_add(struct tu_env *env, unsigned sec)
{
	env->w.now += (uint64_t)sec * env->w.hz;
}

/* ---- packets ---- */

/* TCP segment src:sport > dst:dport with flags/seq/ack and payload bytes. */
static inline struct rte_mbuf *tcp(unsigned in_port, uint32_t src, uint16_t sport, uint32_t dst,
			    uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
			    uint16_t payload)
{
	struct tu_ip_opts o = { .sport = sport, .dport = dport };
	struct rte_mbuf *m = tu_ipv4(in_port, src, dst, IPPROTO_TCP, payload, &o);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(tu_ip(m) + 1);

	th->tcp_flags = flags;
	th->sent_seq = BE32(seq);
	th->recv_ack = BE32(ack);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(tu_ip(m), th);
	return m;
}

/* UDP datagram (checksum 0 when nocksum). */
static inline struct rte_mbuf *udp(unsigned in_port, uint32_t src, uint16_t sport, uint32_t dst,
			    uint16_t dport, uint16_t payload, bool nocksum)
{
	struct tu_ip_opts o = { .sport = sport, .dport = dport };
	struct rte_mbuf *m = tu_ipv4(in_port, src, dst, IPPROTO_UDP, payload, &o);

	if (nocksum)
		((struct rte_udp_hdr *)(tu_ip(m) + 1))->dgram_cksum = 0;
	return m;
}

/* ICMP echo request (type 8) or reply (type 0) with identifier id. */
static inline struct rte_mbuf *echo(unsigned in_port, uint32_t src, uint32_t dst, uint8_t type,
			     uint16_t id)
{
	struct tu_ip_opts o = { .sport = id, .icmp_type = type };

	return tu_ipv4(in_port, src, dst, IPPROTO_ICMP, 24, &o);
}

/* ICMP error type/code from src to dst quoting qlen bytes of the IPv4 packet q. */
static inline struct rte_mbuf *icmp_err(unsigned in_port, uint32_t src, uint32_t dst, uint8_t type,
				 uint8_t code, const uint8_t *q, uint16_t qlen)
{
	struct tu_ip_opts o = { .icmp_type = type, .icmp_code = code };
	struct rte_mbuf *m = tu_ipv4(in_port, src, dst, IPPROTO_ICMP, qlen, &o);
	struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)(tu_ip(m) + 1);

	memcpy(ih + 1, q, qlen);
	ih->icmp_ident = 0;
	ih->icmp_seq_nb = type == 3 && code == 4 ? BE16(1500) : 0;
	ih->icmp_cksum = 0;
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, sizeof(*ih) + qlen);
	return m;
}

/* A saved copy of a packet's IPv4 bytes. */
struct snap {
	uint8_t b[2048];
	uint16_t len;
};

/* Save the IPv4 bytes of m (from its IP header, ip total length). */
static inline void save(struct snap *s, struct rte_mbuf *m)
{
	s->len = rte_be_to_cpu_16(tu_ip(m)->total_length);
	memcpy(s->b, tu_ip(m), s->len);
}

/* ---- the pipeline around NAT ---- */

/* parse, prerouting, fake route lookup and postrouting, as pipeline_run and
 * forward_stage would; returns the packet's metadata. */
static inline struct pkt_meta *run(struct tu_env *env, struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);

	parse_stage(&env->w, &m, 1);
	nat_prerouting_stage(&env->w, &m, 1);
	if (pm->action == PKT_TX && pm->cls == PKT_CLASS_TRANSIT) {
		pm->out_port = (rte_be_to_cpu_32(pm->dst_ip) >> 24) == 10 ? 0 : 1;
		nat_postrouting(&env->w, m);
	}
	return pm;
}

/* ---- checks ---- */

/* True when the TCP/UDP checksum over pseudo-header and segment verifies. */
static inline bool l4_sum_ok(const struct rte_ipv4_hdr *ip, const void *l4)
{
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - 20u;
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(l4, len);
	return cksum_fold(sum) == 0xffff;
}

/* Full checksum verification of an IPv4 packet at ip (header, TCP/UDP with
 * pseudo-header, or ICMP). */
static inline bool pkt_cksums_ok(const struct rte_ipv4_hdr *ip)
{
	const void *l4 = ip + 1;
	uint16_t len = rte_be_to_cpu_16(ip->total_length);

	if (!cksum_ipv4_hdr_ok(ip, 20))
		return false;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		return l4_sum_ok(ip, l4);
	case IPPROTO_UDP:
		if (((const struct rte_udp_hdr *)l4)->dgram_cksum == 0)
			return true;
		return l4_sum_ok(ip, l4);
	case IPPROTO_ICMP:
		return cksum_icmp_ok(l4, len - 20u);
	default:
		return true;
	}
}

/* Ports / echo id of the packet at ip: *a = sport or id, *b = dport. */
static inline void pkt_ports(const struct rte_ipv4_hdr *ip, uint16_t *a, uint16_t *b)
{
	const uint8_t *l4 = (const uint8_t *)(ip + 1);

	if (ip->next_proto_id == IPPROTO_ICMP) {
		*a = rte_be_to_cpu_16(nat_ld16(l4 + 4));
		*b = 0;
	} else {
		*a = rte_be_to_cpu_16(nat_ld16(l4));
		*b = rte_be_to_cpu_16(nat_ld16(l4 + 2));
	}
}

/* Check that m was forwarded translated to src:sport > dst:dport (sport 0:
 * any, returned), that nothing but addresses, ports/id and checksums changed
 * from before, and that every checksum verifies. Returns the source port. */
static inline uint16_t check_xlat(struct rte_mbuf *m, const struct snap *before, uint32_t src,
			   uint16_t sport, uint32_t dst, uint16_t dport, const char *what)
{
	struct pkt_meta *pm = pkt_meta(m);
	const struct rte_ipv4_hdr *ip = tu_ip(m);
	const uint8_t *now = (const uint8_t *)ip;
	uint16_t a, b;
	bool same = true;

	pkt_ports(ip, &a, &b);
	CHECK(pm->action == PKT_TX && pm->cls == PKT_CLASS_TRANSIT &&
		      (pm->flags & PKT_F_NAT_DONE),
	      "%s: action %u cls %u flags %x drop %s", what, pm->action, pm->cls, pm->flags,
	      drop_reason_name((enum drop_reason)pm->drop));
	CHECK(ip->src_addr == BE32(src) && ip->dst_addr == BE32(dst) &&
		      pm->src_ip == ip->src_addr && pm->dst_ip == ip->dst_addr,
	      "%s: addresses %08x > %08x", what, rte_be_to_cpu_32(ip->src_addr),
	      rte_be_to_cpu_32(ip->dst_addr));
	CHECK((sport == 0 || a == sport) && b == dport, "%s: ports %u > %u want %u > %u", what, a,
	      b, sport, dport);
	CHECK(pkt_cksums_ok(ip), "%s: checksums", what);
	/* everything else byte-identical: IP bytes 0-9 and 20.., minus L4 fields */
	for (unsigned i = 0; i < before->len; i++) {
		unsigned l4o = i - 20;

		if (i >= 10 && i < 20)
			continue; /* checksum and addresses */
		if (i >= 20 && ip->next_proto_id == IPPROTO_TCP &&
		    (l4o < 4 || l4o == 16 || l4o == 17))
			continue;
		if (i >= 20 && ip->next_proto_id == IPPROTO_UDP && (l4o < 4 || l4o == 6 || l4o == 7))
			continue;
		if (i >= 20 && ip->next_proto_id == IPPROTO_ICMP && l4o >= 2 && l4o < 6)
			continue;
		if (now[i] != before->b[i]) {
			same = false;
			break;
		}
	}
	CHECK(same && rte_be_to_cpu_16(ip->total_length) == before->len,
	      "%s: other bytes unchanged", what);
	return a;
}

/* Check m was dropped for reason r. */
static inline void check_drop(struct rte_mbuf *m, enum drop_reason r, const char *what)
{
	struct pkt_meta *pm = pkt_meta(m);

	CHECK(pm->action == PKT_DROP && pm->drop == r, "%s: action %u drop %s want %s", what,
	      pm->action, drop_reason_name((enum drop_reason)pm->drop), drop_reason_name(r));
}

/* Check m went through NAT untouched (still to be routed or local). */
static inline void check_untouched(struct rte_mbuf *m, const struct snap *before, const char *what)
{
	struct pkt_meta *pm = pkt_meta(m);

	CHECK(pm->action == PKT_TX && !(pm->flags & PKT_F_NAT_DONE) &&
		      memcmp(tu_ip(m), before->b, before->len) == 0,
	      "%s: action %u flags %x drop %s", what, pm->action, pm->flags,
	      drop_reason_name((enum drop_reason)pm->drop));
}

/* The session a packet key belongs to (NULL if none). */
static inline struct nat_session *find(struct tu_env *env, uint8_t proto, uint32_t s, uint16_t sp,
				uint32_t d, uint16_t dp, int *dir)
{
	struct nat_key k = { .saddr = BE32(s), .daddr = BE32(d), .sport = BE16(sp),
			     .dport = BE16(dp), .proto = proto };
	int dummy;

	return nat_session_lookup(env->w.nat, &k, dir ? dir : &dummy);
}

/* Open a TCP connection H:hp > R:rp through the NAT up to ESTABLISHED;
 * returns the public port. */
static inline uint16_t tcp_open(struct tu_env *env, uint32_t h, uint16_t hp, uint32_t r, uint16_t rp)
{
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub;

	m = tcp(0, h, hp, r, rp, S_, 1000, 0, 0);
	save(&b, m);
	run(env, m);
	pub = check_xlat(m, &b, PUB, 0, r, rp, "open: syn out");
	free(m);
	m = tcp(1, r, rp, PUB, pub, S_ | A_, 5000, 1001, 0);
	save(&b, m);
	run(env, m);
	check_xlat(m, &b, r, rp, h, hp, "open: syn+ack in");
	free(m);
	m = tcp(0, h, hp, r, rp, A_, 1001, 5001, 0);
	save(&b, m);
	run(env, m);
	check_xlat(m, &b, PUB, pub, r, rp, "open: ack out");
	free(m);
	return pub;
}

#endif
