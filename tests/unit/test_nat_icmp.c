/* test_nat_icmp: ICMP error translation (RFC 5508, src/core/nat_icmp.c) on
 * fake mbufs, without EAL: errors from beyond natgw about SNAT sessions (port
 * unreachable, time exceeded with a 28-byte quote, frag needed, about an echo),
 * about DNAT replies, from inside routers and hosts (masqueraded), unknown
 * errors dropped, errors between non-NAT hosts untouched; inner and outer
 * checksums verified, quotes compared byte for byte with what the host sent,
 * sessions never refreshed. Helpers and the test configuration: test_nat.h.
 */
#include "test_nat.h"

/* ICMP errors from outside about SNAT sessions: outer dst and quote restored. */
static void test_icmp_err_in(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap orig, out, b, err;
	struct nat_session *s;
	uint16_t pub;
	uint32_t seen;

	env_init(&env, 1024);
	/* UDP: port unreachable from the remote itself, whole datagram quoted */
	m = udp(0, H1, 7777, REM, 33434, 32, false);
	save(&orig, m);
	run(&env, m);
	pub = check_xlat(m, &orig, PUB, 0, REM, 33434, "udp probe out");
	CHECK(pub >= 1024, "udp probe public port %u", pub);
	save(&out, m);
	free(m);
	s = find(&env, IPPROTO_UDP, H1, 7777, REM, 33434, NULL);
	seen = s->last_seen;
	clock_add(&env, 50);
	m = icmp_err(1, REM, PUB, 3, 3, out.b, out.len);
	save(&b, m);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->cls == PKT_CLASS_TRANSIT &&
		      tu_ip(m)->src_addr == BE32(REM) && tu_ip(m)->dst_addr == BE32(H1),
	      "port unreachable: to the inside host");
	CHECK(pkt_cksums_ok(tu_ip(m)), "port unreachable: outer checksums");
	CHECK(memcmp((uint8_t *)(tu_ip(m) + 1) + 8, orig.b, orig.len) == 0,
	      "port unreachable: quote is the packet the host sent");
	CHECK(pkt_cksums_ok((struct rte_ipv4_hdr *)((uint8_t *)(tu_ip(m) + 1) + 8)),
	      "port unreachable: inner checksums");
	CHECK(s->last_seen == seen && nat_session_count(env.w.nat) == 1,
	      "error did not refresh the session");
	free(m);

	/* TCP: time exceeded from a router beyond, only IP header + 8 bytes quoted */
	clock_add(&env, 1);
	pub = tcp_open(&env, H1, 41000, REM, 80);
	CHECK(find(&env, IPPROTO_TCP, REM, 80, PUB, pub, NULL) != NULL, "tcp reply key");
	s = find(&env, IPPROTO_TCP, H1, 41000, REM, 80, NULL);
	m = tcp(0, H1, 41000, REM, 80, A_, 1001, 5001, 100);
	save(&orig, m);
	run(&env, m);
	save(&out, m);
	free(m);
	seen = s->last_seen;
	clock_add(&env, 5);
	m = icmp_err(1, RTR, PUB, 11, 0, out.b, 28);
	save(&err, m);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->src_addr == BE32(RTR) &&
		      tu_ip(m)->dst_addr == BE32(H1),
	      "time exceeded: router source kept, to the inside host");
	CHECK(pkt_cksums_ok(tu_ip(m)), "time exceeded: outer checksums");
	CHECK(memcmp((uint8_t *)(tu_ip(m) + 1) + 8, orig.b, 28) == 0,
	      "time exceeded: 28-byte quote restored");
	CHECK(cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)((uint8_t *)(tu_ip(m) + 1) + 8), 20),
	      "time exceeded: inner IP checksum");
	CHECK(s->last_seen == seen && s->tcp_state == NAT_TCP_ESTABLISHED,
	      "error did not touch the TCP session");
	free(m);

	/* frag needed (PMTU) with a 1500 MTU, quoting 576 bytes of a TCP segment */
	m = tcp(0, H1, 41000, REM, 80, A_, 1101, 5001, 1400);
	save(&orig, m);
	run(&env, m);
	save(&out, m);
	free(m);
	m = icmp_err(1, RTR, PUB, 3, 4, out.b, 548);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->dst_addr == BE32(H1) &&
		      pkt_cksums_ok(tu_ip(m)) &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, orig.b, 548) == 0,
	      "frag needed translated (mtu word kept: %u)",
	      rte_be_to_cpu_16(((struct rte_icmp_hdr *)(tu_ip(m) + 1))->icmp_seq_nb));
	free(m);

	/* ICMP echo quoted: identifier restored */
	m = echo(0, H1, REM, 8, 0x4321);
	save(&orig, m);
	run(&env, m);
	save(&out, m);
	free(m);
	m = icmp_err(1, RTR, PUB, 11, 0, out.b, out.len);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->dst_addr == BE32(H1) &&
		      pkt_cksums_ok(tu_ip(m)) &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, orig.b, orig.len) == 0 &&
		      pkt_cksums_ok((struct rte_ipv4_hdr *)((uint8_t *)(tu_ip(m) + 1) + 8)),
	      "time exceeded about an echo request translated");
	free(m);

	/* an error about nothing we know, to the pool: dropped */
	m = udp(0, H1, 9999, REM, 9999, 8, false);
	save(&orig, m);
	free(m);
	{
		struct rte_ipv4_hdr *qip = (struct rte_ipv4_hdr *)orig.b;

		qip->src_addr = BE32(PUB);
		m = icmp_err(1, RTR, PUB, 3, 1, orig.b, orig.len);
	}
	run(&env, m);
	check_drop(m, DROP_NAT_ICMP_NO_SESSION, "error about an unknown flow");
	free(m);
	/* a truncated quote (< 8 L4 bytes) to the pool: dropped */
	m = icmp_err(1, RTR, PUB, 3, 1, out.b, 24);
	run(&env, m);
	check_drop(m, DROP_NAT_ICMP_NO_SESSION, "error with a truncated quote");
	free(m);
	/* an error between non-NAT hosts (lab port to lab port) is left alone */
	m = udp(2, IPV4(198, 51, 100, 20), 1, IPV4(198, 51, 100, 30), 2, 8, false);
	save(&orig, m);
	free(m);
	m = icmp_err(2, IPV4(198, 51, 100, 30), IPV4(198, 51, 100, 20), 3, 3, orig.b, orig.len);
	save(&b, m);
	run(&env, m);
	check_untouched(m, &b, "error between non-NAT hosts");
	free(m);
	CHECK(env.w.ctr.nat[NAT_CTR_ICMP_ERRORS_TRANSLATED] == 4, "errors translated %lu",
	      (unsigned long)env.w.ctr.nat[NAT_CTR_ICMP_ERRORS_TRANSLATED]);
	env_fini(&env);
}

/* ICMP errors about DNAT sessions and from the inside. */
static void test_icmp_err_dnat(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap cl, srv_reply, wire_reply, wire_fwd, orig;
	uint16_t pub;

	env_init(&env, 1024);
	/* client SYN in, server SYN+ACK out */
	m = tcp(1, REM, 5555, PUB, 8080, S_, 100, 0, 0);
	save(&cl, m);
	run(&env, m);
	save(&wire_fwd, m); /* REM:5555 > SRV:80 as sent inside */
	free(m);
	m = tcp(0, SRV, 80, REM, 5555, S_ | A_, 9000, 101, 0);
	save(&srv_reply, m);
	run(&env, m);
	save(&wire_reply, m); /* PUB:8080 > REM:5555 as sent outside */
	free(m);

	/* a router beyond natgw: TTL exceeded about the DNAT reply */
	m = icmp_err(1, RTR, PUB, 11, 0, wire_reply.b, wire_reply.len);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->src_addr == BE32(RTR) &&
		      tu_ip(m)->dst_addr == BE32(SRV) && pkt_cksums_ok(tu_ip(m)) &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, srv_reply.b, srv_reply.len) == 0 &&
		      pkt_cksums_ok((struct rte_ipv4_hdr *)((uint8_t *)(tu_ip(m) + 1) + 8)),
	      "ttl exceeded about a dnat reply: to the server, quote restored");
	free(m);

	/* a router inside: TTL exceeded about the forwarded client packet, to
	 * the client: its private source is masqueraded to the public address */
	m = icmp_err(0, IRTR, REM, 11, 0, wire_fwd.b, wire_fwd.len);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->src_addr == BE32(PUB) &&
		      tu_ip(m)->dst_addr == BE32(REM) && pkt_cksums_ok(tu_ip(m)) &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, cl.b, cl.len) == 0,
	      "ttl exceeded from an inside router: masqueraded, quote restored");
	free(m);

	/* the inside host itself answers port unreachable to a reply of its
	 * SNAT session: source masqueraded, quote = the reply as received */
	m = udp(0, H1, 4000, REM, 4001, 8, false);
	run(&env, m);
	pub = rte_be_to_cpu_16(pkt_meta(m)->sport);
	free(m);
	m = udp(1, REM, 4001, PUB, pub, 8, false);
	save(&orig, m);
	run(&env, m);
	{
		struct snap in;

		save(&in, m);
		free(m);
		m = icmp_err(0, H1, REM, 3, 3, in.b, in.len);
	}
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && tu_ip(m)->src_addr == BE32(PUB) &&
		      tu_ip(m)->dst_addr == BE32(REM) && pkt_cksums_ok(tu_ip(m)) &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, orig.b, orig.len) == 0,
	      "port unreachable from the inside host: masqueraded");
	free(m);

	/* an inside host's error about no session, leaving through the NAT port */
	m = udp(0, H2, 1, REM, 2, 8, false);
	save(&orig, m);
	free(m);
	{
		struct rte_ipv4_hdr *qip = (struct rte_ipv4_hdr *)orig.b;
		uint32_t a = qip->src_addr;

		qip->src_addr = qip->dst_addr; /* REM > H2 quoted */
		qip->dst_addr = a;
		m = icmp_err(0, H2, REM, 3, 3, orig.b, orig.len);
	}
	run(&env, m);
	check_drop(m, DROP_NAT_ICMP_NO_SESSION, "inside error about no session");
	free(m);
	env_fini(&env);
}

int main(void)
{
	rt_init();
	test_icmp_err_in();
	test_icmp_err_dnat();
	return tu_summary("test_nat_icmp");
}
