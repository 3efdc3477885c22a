/* test_nat_stage: NAT prerouting / postrouting / timer (src/core/nat_stage.c,
 * nat_translate.c) on fake mbufs, without EAL: SNAT of TCP/UDP/ICMP echo and
 * the replies, EIM, port-forwards, hairpin, RST handling, refused flows
 * (exhaustion, per-host cap, table full), expiry, fragments, TTL, ARP for
 * pool addresses. Helpers and the test configuration: test_nat.h.
 */
#include "test_nat.h"

/* ---- tests ---- */

/* SNAT of TCP: handshake, data both ways, close; states and counters. */
static void test_snat_tcp(void)
{
	struct tu_env env;
	struct nat_session *s;
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub;
	int dir;

	env_init(&env, 1024);
	pub = tcp_open(&env, H1, 40000, REM, 80);
	CHECK(pub >= 1024, "public port %u in range", pub);
	s = find(&env, IPPROTO_TCP, H1, 40000, REM, 80, &dir);
	CHECK(s != NULL && dir == 0 && s->tcp_state == NAT_TCP_ESTABLISHED &&
		      s->tclass == NAT_TC_TCP_EST && (s->flags & NAT_SESSION_SNAT),
	      "established SNAT session");
	CHECK(find(&env, IPPROTO_TCP, REM, 80, PUB, pub, &dir) == s && dir == 1, "reply key");

	/* data with payload both ways */
	m = tcp(0, H1, 40000, REM, 80, A_ | RTE_TCP_PSH_FLAG, 1001, 5001, 333);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, pub, REM, 80, "data out");
	free(m);
	m = tcp(1, REM, 80, PUB, pub, A_, 5001, 1334, 1400);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 80, H1, 40000, "data in");
	free(m);

	/* close: FIN from the server, then from the client */
	m = tcp(1, REM, 80, PUB, pub, F_ | A_, 6401, 1334, 0);
	run(&env, m);
	free(m);
	CHECK(s->tcp_state == NAT_TCP_FIN_REPLY && s->tclass == NAT_TC_TCP_EST, "fin from reply");
	m = tcp(0, H1, 40000, REM, 80, F_ | A_, 1334, 6402, 0);
	run(&env, m);
	free(m);
	CHECK(s->tcp_state == NAT_TCP_FIN_BOTH && s->tclass == NAT_TC_TCP_TRANS,
	      "both fins: transitory (%s)", nat_tcp_state_name(s->tcp_state));

	/* a new SYN on the same tuple reopens it */
	m = tcp(0, H1, 40000, REM, 80, S_, 90000, 0, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, pub, REM, 80, "reopen syn");
	free(m);
	CHECK(s->tcp_state == NAT_TCP_SYN_SENT && s->tclass == NAT_TC_TCP_SYN &&
		      env.w.ctr.nat[NAT_CTR_TCP_REOPENED] == 1,
	      "reopened");

	CHECK(env.w.ctr.nat[NAT_CTR_SESSIONS_CREATED] == 1 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_SNAT] == 1 &&
		      env.w.ctr.nat[NAT_CTR_TRANSLATED_IN2OUT] == 5 &&
		      env.w.ctr.nat[NAT_CTR_TRANSLATED_OUT2IN] == 3,
	      "counters created %lu snat %lu in2out %lu out2in %lu",
	      (unsigned long)env.w.ctr.nat[NAT_CTR_SESSIONS_CREATED],
	      (unsigned long)env.w.ctr.nat[NAT_CTR_SESSIONS_SNAT],
	      (unsigned long)env.w.ctr.nat[NAT_CTR_TRANSLATED_IN2OUT],
	      (unsigned long)env.w.ctr.nat[NAT_CTR_TRANSLATED_OUT2IN]);
	CHECK(nat_session_count(env.w.nat) == 1, "one session");
	env_fini(&env);
}

/* SNAT of UDP (with and without checksum) and ICMP echo, replies back; EIM. */
static void test_snat_udp_icmp(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub, pub2, id;

	env_init(&env, 1024);
	m = udp(0, H1, 5353, REM, 53, 40, false);
	save(&b, m);
	run(&env, m);
	pub = check_xlat(m, &b, PUB, 0, REM, 53, "udp out");
	free(m);
	m = udp(1, REM, 53, PUB, pub, 100, false);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 53, H1, 5353, "udp reply in");
	free(m);

	/* EIM: the same inside endpoint to another remote keeps its public port */
	m = udp(0, H1, 5353, REM2, 5000, 10, false);
	save(&b, m);
	run(&env, m);
	pub2 = check_xlat(m, &b, PUB, 0, REM2, 5000, "udp out to a second remote");
	free(m);
	CHECK(pub2 == pub && env.w.ctr.nat[NAT_CTR_MAPPING_EIM_REUSED] == 1,
	      "EIM: same public port %u/%u, reuse counted", pub, pub2);
	m = udp(1, REM2, 5000, PUB, pub, 10, false);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM2, 5000, H1, 5353, "udp reply from the second remote");
	free(m);
	/* ... but a third remote cannot use the mapping without a session of its own */
	m = udp(1, IPV4(198, 51, 100, 99), 5000, PUB, pub, 10, false);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "unknown remote to a mapped port");
	free(m);

	/* UDP checksum 0 stays 0 both ways */
	m = udp(0, H1, 6000, REM, 69, 17, true);
	save(&b, m);
	run(&env, m);
	pub = check_xlat(m, &b, PUB, 0, REM, 69, "udp no-checksum out");
	CHECK(((struct rte_udp_hdr *)(tu_ip(m) + 1))->dgram_cksum == 0, "udp checksum stays 0");
	free(m);
	m = udp(1, REM, 69, PUB, pub, 17, true);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 69, H1, 6000, "udp no-checksum in");
	CHECK(((struct rte_udp_hdr *)(tu_ip(m) + 1))->dgram_cksum == 0, "udp checksum stays 0 in");
	free(m);

	/* ICMP echo: identifier translated, reply restored */
	m = echo(0, H1, REM, 8, 0x1234);
	save(&b, m);
	run(&env, m);
	id = check_xlat(m, &b, PUB, 0, REM, 0, "echo request out");
	free(m);
	m = echo(1, REM, PUB, 0, id);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 0x1234, H1, 0, "echo reply in");
	free(m);
	{
		int dir;
		struct nat_session *s = find(&env, IPPROTO_ICMP, H1, 0x1234, REM, 0, &dir);

		CHECK(s != NULL && dir == 0 && s->tclass == NAT_TC_ICMP &&
			      s->reply.dport == BE16(id) && s->reply.sport == 0,
		      "echo session keys (src,dst,id,0)/(src,dst,0,id)");
	}
	/* an echo reply to the pool with an unknown id: dropped */
	m = echo(1, REM, PUB, 0, (uint16_t)(id + 1));
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "echo reply with unknown id");
	free(m);
	env_fini(&env);
}

/* Port-forward (DNAT) and its reply; unsolicited inbound traffic dropped. */
static void test_dnat(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b;
	int dir;

	env_init(&env, 1024);
	m = tcp(1, REM, 5555, PUB, 8080, S_, 100, 0, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 5555, SRV, 80, "dnat syn in");
	free(m);
	{
		struct nat_session *s = find(&env, IPPROTO_TCP, REM, 5555, PUB, 8080, &dir);

		CHECK(s != NULL && dir == 0 && s->flags == NAT_SESSION_DNAT &&
			      s->reply.saddr == BE32(SRV) && s->reply.sport == BE16(80) &&
			      s->reply.daddr == BE32(REM) && s->reply.dport == BE16(5555),
		      "dnat session: reply = server > client");
	}
	m = tcp(0, SRV, 80, REM, 5555, S_ | A_, 9000, 101, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, 8080, REM, 5555, "dnat syn+ack out");
	free(m);
	m = tcp(1, REM, 5555, PUB, 8080, A_, 101, 9001, 50);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 5555, SRV, 80, "dnat data in");
	free(m);
	CHECK(find(&env, IPPROTO_TCP, REM, 5555, PUB, 8080, NULL)->tcp_state ==
		      NAT_TCP_ESTABLISHED,
	      "dnat established");
	CHECK(env.w.ctr.nat[NAT_CTR_SESSIONS_DNAT] == 1 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_SNAT] == 0 &&
		      env.w.ctr.nat[NAT_CTR_TRANSLATED_OUT2IN] == 2 &&
		      env.w.ctr.nat[NAT_CTR_TRANSLATED_IN2OUT] == 1,
	      "dnat counters");

	/* to the forwarded port without SYN, or another protocol: no session */
	m = tcp(1, REM2, 5555, PUB, 8080, A_, 1, 1, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "non-SYN to the forwarded port");
	free(m);
	m = udp(1, REM2, 5555, PUB, 8080, 8, false);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "udp to a tcp forward");
	free(m);
	/* unsolicited inbound SYN to the public address */
	m = tcp(1, REM2, 5555, PUB, 22, S_, 1, 0, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "unsolicited inbound SYN");
	free(m);
	/* inbound straight to an inside address on the NAT port */
	m = tcp(1, REM2, 5555, H1, 22, S_, 1, 0, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "inbound to an inside address");
	free(m);
	/* another protocol (GRE) to the public address */
	m = tu_ipv4(1, REM2, PUB, 47, 20, NULL);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "gre to the public address");
	free(m);
	/* an echo request to a pool address that is no port's own address */
	m = echo(1, REM2, PUB, 8, 7);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "echo to a non-port pool address");
	free(m);
	CHECK(nat_session_count(env.w.nat) == 1, "no sessions from refused traffic");
	env_fini(&env);
}

/* Hairpin: an inside client reaches the port-forward through the public address. */
static void test_hairpin(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub;
	int dir;

	env_init(&env, 1024);
	m = tcp(0, H2, 1234, PUB, 8080, S_, 1, 0, 0);
	save(&b, m);
	run(&env, m);
	pub = check_xlat(m, &b, PUB, 0, SRV, 80, "hairpin syn");
	free(m);
	CHECK(pub != 8080 && pub >= 1024, "hairpin source port %u", pub);
	{
		struct nat_session *s = find(&env, IPPROTO_TCP, H2, 1234, PUB, 8080, &dir);

		CHECK(s != NULL && s->flags == (NAT_SESSION_SNAT | NAT_SESSION_DNAT) &&
			      s->reply.saddr == BE32(SRV) && s->reply.daddr == BE32(PUB) &&
			      s->reply.dport == BE16(pub),
		      "hairpin session");
	}
	m = tcp(0, SRV, 80, PUB, pub, S_ | A_, 7, 2, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, 8080, H2, 1234, "hairpin syn+ack");
	free(m);
	m = tcp(0, H2, 1234, PUB, 8080, A_, 2, 8, 10);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, pub, SRV, 80, "hairpin ack");
	free(m);
	CHECK(env.w.ctr.nat[NAT_CTR_SESSIONS_HAIRPIN] == 1 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_DNAT] == 1,
	      "hairpin counted");
	/* the server's own masquerade session is unaffected: a server SYN out
	 * gets a normal SNAT session */
	m = tcp(0, SRV, 3333, REM, 443, S_, 1, 0, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, 0, REM, 443, "server's own connection out");
	free(m);
	env_fini(&env);
}

/* Out-of-window RST is forwarded but ignored; in-window RST -> transitory. */
static void test_rst(void)
{
	struct tu_env env;
	struct nat_session *s;
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub;

	env_init(&env, 1024);
	pub = tcp_open(&env, H1, 42000, REM, 80);
	s = find(&env, IPPROTO_TCP, H1, 42000, REM, 80, NULL);
	m = tcp(1, REM, 80, PUB, pub, R_, 5001 + 3000000, 0, 0);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, REM, 80, H1, 42000, "out-of-window rst forwarded");
	free(m);
	CHECK(s->tcp_state == NAT_TCP_ESTABLISHED && s->tclass == NAT_TC_TCP_EST &&
		      env.w.ctr.nat[NAT_CTR_TCP_RST_IGNORED] == 1,
	      "out-of-window rst ignored");
	/* the connection keeps working */
	m = tcp(0, H1, 42000, REM, 80, A_, 1001, 5001, 10);
	save(&b, m);
	run(&env, m);
	check_xlat(m, &b, PUB, pub, REM, 80, "data after the bogus rst");
	free(m);
	m = tcp(1, REM, 80, PUB, pub, R_ | A_, 5001, 1011, 0);
	run(&env, m);
	free(m);
	CHECK(s->tcp_state == NAT_TCP_RST && s->tclass == NAT_TC_TCP_TRANS, "in-window rst");
	env_fini(&env);
}

/* Refused new flows: not SYN, other protocols, exhaustion, per-host cap, table full. */
static void test_limits(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b[4];
	uint16_t pubs[4];

	env_init(&env, 1024);
	m = tcp(0, H1, 43000, REM, 80, A_, 1, 1, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_TCP_NOT_SYN, "new tcp without syn");
	free(m);
	m = tcp(0, H1, 43000, REM, 80, S_ | A_, 1, 1, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_TCP_NOT_SYN, "new tcp syn+ack");
	free(m);
	m = tu_ipv4(0, H1, REM, 47, 20, NULL);
	run(&env, m);
	check_drop(m, DROP_NAT_PROTO_UNSUPPORTED, "gre out");
	free(m);
	m = echo(0, H1, REM, 13, 1); /* timestamp request */
	run(&env, m);
	check_drop(m, DROP_NAT_PROTO_UNSUPPORTED, "icmp timestamp out");
	free(m);
	/* not the NAT port, or not from inside: not NAT's business */
	m = udp(0, H1, 1, IPV4(10, 9, 9, 9), 2, 8, false);
	save(&b[0], m);
	run(&env, m);
	check_untouched(m, &b[0], "inside to inside");
	free(m);
	m = udp(2, IPV4(198, 51, 100, 20), 1, REM, 2, 8, false);
	save(&b[0], m);
	run(&env, m);
	check_untouched(m, &b[0], "lab to outside (not inside)");
	free(m);
	env_fini(&env);

	/* exhaustion: 4 public ports, five endpoints to the same remote */
	rt.port_min = 5000;
	rt.port_max = 5003;
	env_init(&env, 1024);
	for (unsigned i = 0; i < 4; i++) {
		m = udp(0, H1, (uint16_t)(100 + i), REM, 53, 8, false);
		save(&b[i], m);
		run(&env, m);
		pubs[i] = check_xlat(m, &b[i], PUB, 0, REM, 53, "exhaustion: flow fits");
		CHECK(pubs[i] >= 5000 && pubs[i] <= 5003, "port %u in 5000-5003", pubs[i]);
		free(m);
	}
	m = udp(0, H1, 200, REM, 53, 8, false);
	run(&env, m);
	check_drop(m, DROP_NAT_PORTS_EXHAUSTED, "fifth flow refused");
	free(m);
	/* ICMP 3/13 when configured: icmp_error_reply counts the drop */
	rt.icmp_on_exhaustion = true;
	m = udp(0, H1, 201, REM, 53, 8, false);
	run(&env, m);
	{
		struct pkt_meta *pm = pkt_meta(m);

		CHECK(pm->action == PKT_TX && pm->out_port == 0 && pm->icmp_type == 3 &&
			      pm->icmp_code == 13 && pm->dst_ip == BE32(H1) &&
			      env.w.ctr.drop[DROP_NAT_PORTS_EXHAUSTED] == 1,
		      "exhaustion: ICMP 3/13 back to the host, drop counted once");
	}
	free(m);
	rt.icmp_on_exhaustion = false;
	/* live mappings are not evicted: the first flows still work */
	for (unsigned i = 0; i < 4; i++) {
		m = udp(1, REM, 53, PUB, pubs[i], 8, false);
		save(&b[0], m);
		run(&env, m);
		check_xlat(m, &b[0], REM, 53, H1, (uint16_t)(100 + i), "exhaustion: old flow");
		free(m);
	}
	/* another remote still gets a (shared) port: tuple-unique */
	m = udp(0, H1, 200, REM2, 53, 8, false);
	save(&b[0], m);
	run(&env, m);
	check_xlat(m, &b[0], PUB, 0, REM2, 53, "exhaustion: other destination");
	free(m);
	env_fini(&env);
	rt.port_min = 1024;
	rt.port_max = 65535;

	/* per-host cap */
	rt.max_sessions_per_host = 2;
	env_init(&env, 1024);
	for (unsigned i = 0; i < 3; i++) {
		m = udp(0, H1, (uint16_t)(300 + i), REM, 53, 8, false);
		run(&env, m);
		if (i < 2)
			CHECK(pkt_meta(m)->flags & PKT_F_NAT_DONE, "host cap: flow %u fits", i);
		else
			check_drop(m, DROP_NAT_HOST_LIMIT, "host cap: third flow");
		free(m);
	}
	m = udp(0, H2, 300, REM, 53, 8, false);
	run(&env, m);
	CHECK(pkt_meta(m)->flags & PKT_F_NAT_DONE, "host cap: another host fits");
	free(m);
	env_fini(&env);
	rt.max_sessions_per_host = 0;

	/* session table full */
	env_init(&env, 16);
	{
		unsigned cap = nat_session_capacity(env.w.nat), ok = 0;

		for (unsigned i = 0; i < cap; i++) {
			m = udp(0, IPV4(10, 1, 0, i + 1), 1000, REM, 53, 8, false);
			run(&env, m);
			ok += (pkt_meta(m)->flags & PKT_F_NAT_DONE) ? 1 : 0;
			free(m);
		}
		CHECK(ok == cap, "table: %u of %u sessions", ok, cap);
		m = udp(0, IPV4(10, 2, 0, 1), 1000, REM, 53, 8, false);
		run(&env, m);
		check_drop(m, DROP_NAT_TABLE_FULL, "table full");
		free(m);
	}
	env_fini(&env);
}

/* Expiry through nat_timer with an advancing clock. */
static void test_expiry(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	uint16_t pub;

	env_init(&env, 1024);
	CHECK(nat_now(&env.w) == 1000, "nat_now %u", nat_now(&env.w));
	m = udp(0, H1, 1111, REM, 53, 8, false);
	run(&env, m);
	pub = rte_be_to_cpu_16(pkt_meta(m)->sport);
	free(m);
	m = tcp(0, H1, 2222, REM, 80, S_, 1, 0, 0); /* half-open: 30 s */
	run(&env, m);
	free(m);
	(void)tcp_open(&env, H1, 3333, REM, 80);    /* established: 7440 s */
	CHECK(nat_session_count(env.w.nat) == 3, "three sessions");

	clock_add(&env, 20);
	nat_timer(&env.w);
	CHECK(nat_session_count(env.w.nat) == 3 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_EXPIRED] == 0,
	      "nothing expired after 20 s");
	clock_add(&env, 15);
	nat_timer(&env.w);
	CHECK(nat_session_count(env.w.nat) == 2 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_EXPIRED] == 1,
	      "half-open expired after 35 s");
	/* UDP refreshed by a reply at 35 s lives until 335 s */
	m = udp(1, REM, 53, PUB, pub, 8, false);
	run(&env, m);
	CHECK(pkt_meta(m)->flags & PKT_F_NAT_DONE, "udp reply refreshes");
	free(m);
	clock_add(&env, 290);
	nat_timer(&env.w);
	CHECK(nat_session_count(env.w.nat) == 2, "udp still alive at 325 s");
	clock_add(&env, 20);
	nat_timer(&env.w);
	CHECK(nat_session_count(env.w.nat) == 1 &&
		      env.w.ctr.nat[NAT_CTR_SESSIONS_EXPIRED] == 2,
	      "udp expired, established kept");
	m = udp(1, REM, 53, PUB, pub, 8, false);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "reply after expiry");
	free(m);
	/* new traffic re-creates the mapping */
	m = udp(0, H1, 1111, REM, 53, 8, false);
	run(&env, m);
	CHECK(pkt_meta(m)->flags & PKT_F_NAT_DONE, "new traffic re-creates the session");
	free(m);
	env_fini(&env);
}

/* Fragments, TTL handling, local echo to a pool address that is a port's own. */
static void test_special(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b;
	uint16_t pub;

	env_init(&env, 1024);
	/* fragments NAT needs whole */
	m = udp(0, H1, 1, REM, 2, 100, false);
	tu_ip(m)->fragment_offset = BE16(RTE_IPV4_HDR_MF_FLAG);
	tu_ip_fix(m);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_REASSEMBLE, "first fragment from inside: reassemble");
	free(m);
	m = udp(1, REM, 2, PUB, 1, 100, false);
	tu_ip(m)->fragment_offset = BE16(10);
	tu_ip_fix(m);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_REASSEMBLE, "later fragment to the pool: reassemble");
	free(m);
	m = udp(2, IPV4(198, 51, 100, 20), 1, IPV4(198, 51, 100, 30), 2, 100, false);
	tu_ip(m)->fragment_offset = BE16(RTE_IPV4_HDR_MF_FLAG);
	tu_ip_fix(m);
	save(&b, m);
	run(&env, m);
	check_untouched(m, &b, "fragment between non-NAT hosts");
	free(m);

	/* TTL 1 from inside: left for forward (time exceeded), no session */
	m = udp(0, H1, 1, REM, 33434, 8, false);
	tu_ip(m)->time_to_live = 1;
	tu_ip_fix(m);
	parse_stage(&env.w, &m, 1);
	nat_prerouting_stage(&env.w, &m, 1);
	CHECK(pkt_meta(m)->action == PKT_TX && !(pkt_meta(m)->flags & PKT_F_NAT_DONE) &&
		      nat_session_count(env.w.nat) == 0,
	      "ttl 1 from inside left alone");
	free(m);
	/* TTL 1 to the pool with a session: time exceeded quoting the packet as received */
	m = udp(0, H1, 1, REM, 33434, 8, false);
	run(&env, m);
	pub = rte_be_to_cpu_16(pkt_meta(m)->sport);
	free(m);
	m = udp(1, REM, 33434, PUB, pub, 8, false);
	tu_ip(m)->time_to_live = 1;
	tu_ip_fix(m);
	save(&b, m);
	run(&env, m);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->cls == PKT_CLASS_NONE &&
		      pkt_meta(m)->out_port == 1 && pkt_meta(m)->icmp_type == 11 &&
		      memcmp((uint8_t *)(tu_ip(m) + 1) + 8, b.b, b.len) == 0,
	      "ttl 1 to the pool: time exceeded with the untranslated quote");
	free(m);
	env_fini(&env);

	/* pool holding port 1's own address: local echo, ARP, the rest dropped */
	rt.pool[1] = BE32(OWN1);
	rt.n_pool = 2;
	env_init(&env, 1024);
	m = echo(1, REM, OWN1, 8, 5);
	save(&b, m);
	run(&env, m);
	CHECK(pkt_meta(m)->cls == PKT_CLASS_LOCAL, "echo to the port address stays local");
	check_untouched(m, &b, "echo to the port address");
	free(m);
	m = tcp(1, REM, 1, OWN1, 22, S_, 1, 0, 0);
	run(&env, m);
	check_drop(m, DROP_NAT_NO_SESSION, "tcp to the port's own pool address");
	free(m);
	env_fini(&env);
	rt.n_pool = 1;
}

/* ARP for pool addresses on the NAT port; gratuitous ARP for a pool address. */
static void test_arp(void)
{
	struct tu_env env;
	struct rte_ether_addr peer = tu_mac(true, 1), mine = tu_mac(false, 1);
	struct rte_mbuf *m;
	struct rte_arp_hdr *arp;

	env_init(&env, 1024);
	m = tu_arp(1, RTE_ARP_OP_REQUEST, &peer, RTR, PUB, true);
	parse_stage(&env.w, &m, 1);
	arp_input(&env.w, m);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
	CHECK(pkt_meta(m)->action == PKT_TX && pkt_meta(m)->out_port == 1 &&
		      arp->arp_opcode == BE16(RTE_ARP_OP_REPLY) &&
		      arp->arp_data.arp_sip == BE32(PUB) &&
		      rte_is_same_ether_addr(&arp->arp_data.arp_sha, &mine) &&
		      arp->arp_data.arp_tip == BE32(RTR),
	      "ARP for the pool address answered on the NAT port");
	free(m);
	m = tu_arp(0, RTE_ARP_OP_REQUEST, &peer, IPV4(10, 0, 0, 2), PUB, true);
	parse_stage(&env.w, &m, 1);
	arp_input(&env.w, m);
	check_drop(m, DROP_ARP_NOT_FOR_US, "ARP for the pool address on another port");
	free(m);
	m = tu_arp(1, RTE_ARP_OP_REQUEST, &peer, RTR, OWN1, true);
	parse_stage(&env.w, &m, 1);
	arp_input(&env.w, m);
	CHECK(pkt_meta(m)->action == PKT_TX &&
		      rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14)->arp_data.arp_sip ==
			      BE32(OWN1),
	      "ARP for the port address still answered");
	free(m);

	CHECK(arp_send_gratuitous_addr(&env.w, 1, PUB) == 0 && env.w.n_emit == 1,
	      "gratuitous ARP for a pool address");
	if (env.w.n_emit == 1) {
		arp = rte_pktmbuf_mtod_offset(env.w.emit[0], struct rte_arp_hdr *, 14);
		CHECK(arp->arp_data.arp_sip == BE32(PUB) && arp->arp_data.arp_tip == BE32(PUB) &&
			      pkt_meta(env.w.emit[0])->out_port == 1 &&
			      env.w.ctr.gen[GEN_ARP_GRATUITOUS] == 1,
		      "gratuitous ARP content");
	}
	CHECK(arp_send_gratuitous_addr(&env.w, 9, PUB) == -EINVAL, "bad port");
	tu_emit_clear(&env);
	env_fini(&env);
}

/* Packets nat must not touch when NAT is off, or not IPv4. */
static void test_disabled(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct snap b;

	env_init(&env, 1024);
	env.snap.nat = NULL;
	m = udp(0, H1, 1, REM, 2, 8, false);
	save(&b, m);
	parse_stage(&env.w, &m, 1);
	nat_prerouting_stage(&env.w, &m, 1);
	pkt_meta(m)->out_port = 1;
	CHECK(nat_postrouting(&env.w, m), "postrouting passes without NAT");
	check_untouched(m, &b, "NAT off");
	nat_timer(&env.w);
	free(m);
	env.snap.nat = &rt;
	env_fini(&env);
}

int main(void)
{
	rt_init();
	test_snat_tcp();
	test_snat_udp_icmp();
	test_dnat();
	test_hairpin();
	test_rst();
	test_limits();
	test_expiry();
	test_special();
	test_arp();
	test_disabled();
	return tu_summary("test_nat_stage");
}
