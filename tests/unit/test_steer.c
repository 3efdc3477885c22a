/* test_steer: steer_owner sends both directions of every flow to the worker
 * that owns its session, checked against the real NAT with several workers.
 *
 * NW workers each have their own NAT state (worker k of NW: it allocates only
 * public ports of its share). For random flows of every kind - masquerade
 * (UDP, TCP, ICMP echo), port-forward from outside, hairpin, routed - the
 * first packet is steered and run through its owner's NAT (test_nat.h's run:
 * parse, prerouting, fake routing, postrouting); the reply is built from what
 * came out, steered, and must go to the same worker, which must find the
 * session and translate it back. ICMP errors about those flows (from outside
 * about the translated packet, from inside about the original) must go to the
 * owner too; fragments of one datagram go to one worker; ARP replies to all.
 * All of it with the symmetric steering key and again with the (asymmetric)
 * Microsoft key. With the symmetric key, software steering must also agree
 * with what a NIC programmed by natgw computes (same key, RETA queue
 * i % NW) on each direction of a routed flow as received.
 */
#include "test_nat.h"

#include "natgw/steer.h"

#define NW 4

static struct nat_worker *nws[NW];
static struct rss_conf steer_sc; /* software steering (steer_conf_init) */

/* The owner of a parsed packet. */
static uint16_t owner_of(struct tu_env *env, struct rte_mbuf *m)
{
	struct steer_pkt sp;

	parse_stage(&env->w, &m, 1);
	uint16_t burst_owner;

	steer_pkt_fill(&sp, m);
	steer_burst(&rt, &steer_sc, NW, &m, 1, &burst_owner);
	CHECK(burst_owner == steer_owner(&rt, &steer_sc, NW, &sp), "steer_burst == steer_owner");
	return burst_owner;
}

/* Run m on worker k's NAT state. */
static struct pkt_meta *run_on(struct tu_env *env, unsigned k, struct rte_mbuf *m)
{
	env->w.nat = nws[k];
	return run(env, m);
}

static uint32_t rnd_inside(void)
{
	return IPV4(10, (uint8_t)(1 + tu_rand() % 3), (uint8_t)tu_rand(), (uint8_t)(1 + tu_rand() % 250));
}

static uint32_t rnd_outside(void)
{
	return IPV4(198, 51, 100, (uint8_t)(2 + tu_rand() % 248)); /* .1 is natgw's port */
}

static uint16_t rnd_port(void)
{
	return (uint16_t)(1024 + tu_rand() % 60000);
}

/* Masqueraded UDP and TCP: out, reply, an ICMP error about it from outside. */
static void test_snat(struct tu_env *env, unsigned rounds)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < rounds; i++) {
		bool use_tcp = i % 2;
		uint32_t h = rnd_inside(), r = rnd_outside();
		uint16_t hp = rnd_port(), rp = use_tcp ? 443 : 53, pub;
		struct rte_mbuf *m = use_tcp ? tcp(0, h, hp, r, rp, S_, 1, 0, 0) : udp(0, h, hp, r, rp, 20, false);
		unsigned o = owner_of(env, m), o2, o3;
		struct pkt_meta *pm;
		uint8_t quote[28];

		CHECK(o < NW, "snat: owner %u", o);
		if (o >= NW) {
			free(m);
			continue;
		}
		pm = run_on(env, o, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->src_addr == BE32(PUB), "snat %u: translated (action %u drop %s)", i, pm->action, drop_reason_name((enum drop_reason)pm->drop));
		pub = rte_be_to_cpu_16(pm->sport);
		CHECK((unsigned)(pub - rt.port_min) % NW == o, "snat %u: port %u in worker %u's share", i, pub, o);
		memcpy(quote, tu_ip(m), sizeof(quote));
		free(m);

		m = use_tcp ? tcp(1, r, rp, PUB, pub, S_ | A_, 9, 2, 0) : udp(1, r, rp, PUB, pub, 20, false);
		o2 = owner_of(env, m);
		CHECK(o2 == o, "snat %u: reply to worker %u, want %u", i, o2, o);
		pm = run_on(env, o2 < NW ? o2 : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->dst_addr == BE32(h), "snat %u: reply found its session", i);
		free(m);

		/* A router outside reports about the translated packet. */
		m = icmp_err(1, RTR, PUB, 3, 4, quote, sizeof(quote));
		o3 = owner_of(env, m);
		CHECK(o3 == o, "snat %u: ICMP error to worker %u, want %u", i, o3, o);
		free(m);
		ok += o2 == o && o3 == o;
	}
	CHECK(ok == rounds, "snat: %u of %u flows steered consistently", ok, rounds);
}

/* Masqueraded ICMP echo. */
static void test_echo(struct tu_env *env, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		uint32_t h = rnd_inside(), r = rnd_outside();
		uint16_t id = (uint16_t)tu_rand(), pub;
		struct rte_mbuf *m = echo(0, h, r, 8, id);
		unsigned o = owner_of(env, m), o2;
		struct pkt_meta *pm;

		CHECK(o < NW, "echo: owner %u", o);
		pm = run_on(env, o < NW ? o : 0, m);
		pub = rte_be_to_cpu_16(pm->sport);
		free(m);
		m = echo(1, r, PUB, 0, pub);
		o2 = owner_of(env, m);
		CHECK(o2 == o, "echo %u: reply to worker %u, want %u", i, o2, o);
		pm = run_on(env, o2 < NW ? o2 : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->dst_addr == BE32(h), "echo %u: reply translated", i);
		free(m);
	}
}

/* Port-forward from outside, the server's replies, and an ICMP error the
 * server sends about the forwarded packet. */
static void test_dnat(struct tu_env *env, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		uint32_t r = rnd_outside();
		uint16_t rp = rnd_port();
		struct rte_mbuf *m = tcp(1, r, rp, PUB, 8080, S_, 1, 0, 0);
		unsigned o = owner_of(env, m), o2, o3;
		struct pkt_meta *pm;
		uint8_t quote[28];

		CHECK(o < NW, "dnat: owner %u", o);
		pm = run_on(env, o < NW ? o : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->dst_addr == BE32(SRV), "dnat %u: forwarded", i);
		memcpy(quote, tu_ip(m), sizeof(quote));
		free(m);
		m = tcp(0, SRV, 80, r, rp, S_ | A_, 9, 2, 0);
		o2 = owner_of(env, m);
		CHECK(o2 == o, "dnat %u: server reply to worker %u, want %u", i, o2, o);
		pm = run_on(env, o2 < NW ? o2 : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->src_addr == BE32(PUB), "dnat %u: reply translated", i);
		free(m);
		m = icmp_err(0, SRV, r, 3, 3, quote, sizeof(quote));
		o3 = owner_of(env, m);
		CHECK(o3 == o, "dnat %u: the server's ICMP error to worker %u, want %u", i, o3, o);
		free(m);
	}
}

/* Hairpin: an inside host through the forward; the server's reply comes back
 * to the hairpin port. */
static void test_hairpin(struct tu_env *env, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		uint32_t h = IPV4(10, 0, 2, (uint8_t)(1 + tu_rand() % 250));
		uint16_t hp = rnd_port(), pub;
		struct rte_mbuf *m = tcp(0, h, hp, PUB, 8080, S_, 1, 0, 0);
		unsigned o = owner_of(env, m), o2;
		struct pkt_meta *pm;

		CHECK(o < NW, "hairpin: owner %u", o);
		pm = run_on(env, o < NW ? o : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->dst_addr == BE32(SRV) &&
			      tu_ip(m)->src_addr == BE32(PUB), "hairpin %u: both translated", i);
		pub = rte_be_to_cpu_16(pm->sport);
		free(m);
		m = tcp(0, SRV, 80, PUB, pub, S_ | A_, 9, 2, 0);
		o2 = owner_of(env, m);
		CHECK(o2 == o, "hairpin %u: reply to worker %u, want %u", i, o2, o);
		pm = run_on(env, o2 < NW ? o2 : 0, m);
		CHECK(pm->action == PKT_TX && tu_ip(m)->dst_addr == BE32(h), "hairpin %u: reply translated", i);
		free(m);
	}
}

/* Routed flows (no NAT): both directions agree; fragments of one datagram
 * go to one worker; ARP replies go to all; the owners spread. */
static void test_routed(struct tu_env *env, unsigned rounds)
{
	unsigned count[NW] = { 0 };

	for (unsigned i = 0; i < rounds; i++) {
		uint32_t a = rnd_inside(), b = rnd_inside();
		uint16_t ap = rnd_port(), bp = rnd_port();
		struct rte_mbuf *m = udp(0, a, ap, b, bp, 20, false);
		unsigned o = owner_of(env, m), o2;

		free(m);
		m = udp(0, b, bp, a, ap, 20, false);
		o2 = owner_of(env, m);
		free(m);
		CHECK(o == o2 && o < NW, "routed %u: %u / %u", i, o, o2);
		if (o < NW)
			count[o]++;
	}
	for (unsigned k = 0; k < NW; k++)
		CHECK(count[k] > rounds / NW / 2, "worker %u owns %u of %u routed flows", k, count[k], rounds);
	{
		struct tu_ip_opts first = { .sport = 5000, .dport = 53, .frag = 0x2000 };
		struct tu_ip_opts later = { .frag = 0x0010 };
		struct rte_mbuf *f1 = tu_ipv4(0, H1, REM, IPPROTO_UDP, 100, &first);
		struct rte_mbuf *f2 = tu_ipv4(0, H1, REM, IPPROTO_UDP, 100, &later);

		CHECK(owner_of(env, f1) == owner_of(env, f2), "fragments of one datagram: one worker");
		free(f1);
		free(f2);
	}
	{
		struct rte_ether_addr mac = tu_mac(true, 0);
		struct rte_mbuf *reply = tu_arp(0, RTE_ARP_OP_REPLY, &mac, IPV4(10, 0, 0, 9), IPV4(10, 0, 0, 1), false);
		struct rte_mbuf *req = tu_arp(0, RTE_ARP_OP_REQUEST, &mac, IPV4(10, 0, 0, 9), IPV4(10, 0, 0, 1), true);

		CHECK(owner_of(env, reply) == STEER_ALL, "ARP reply: every worker learns it");
		CHECK(owner_of(env, req) == STEER_LOCAL, "ARP request: answered where received");
		free(reply);
		free(req);
	}
}

/* A NIC with natgw's symmetric key and RETA entry i -> queue i % NW: the
 * queue it delivers each direction of routed TCP/UDP/ICMP flows to is the
 * worker software steering picks. */
static void test_hw_agreement(unsigned rounds)
{
	struct rss_conf hw;
	uint16_t reta[512];
	unsigned ok = 0;

	rss_reta_fill(reta, 512, NW); /* a bigger RETA than steering's: agrees for NW = 4 */
	if (rss_conf_init(&hw, rss_key_symmetric, RSS_KEY_LEN, reta, 512, RSS_HASH_ALL) != 0) {
		CHECK(false, "hw rss_conf_init");
		return;
	}
	for (unsigned i = 0; i < rounds; i++) {
		uint8_t proto = i % 3 == 0 ? IPPROTO_TCP : i % 3 == 1 ? IPPROTO_UDP : IPPROTO_ICMP;
		uint32_t a = rte_cpu_to_be_32(rnd_inside()), b = rte_cpu_to_be_32(rnd_outside());
		uint16_t pa = rte_cpu_to_be_16(rnd_port()), pb = rte_cpu_to_be_16(rnd_port());
		int qf = rss_queue_of_proto(&hw, proto, a, b, pa, pb);
		int qr = rss_queue_of_proto(&hw, proto, b, a, pb, pa);
		uint16_t sw = steer_sym_owner(&steer_sc, proto, a, pa, b, pb);

		ok += qf == sw && qr == sw;
	}
	CHECK(ok == rounds, "hardware RSS with the symmetric key agrees with steering: %u of %u",
	      ok, rounds);
}

/* Every flow kind, with steering keyed by key. */
static void test_all_kinds(struct tu_env *env, const uint8_t *key, const char *name)
{
	unsigned fails = tu_failed;

	if (steer_conf_init(&steer_sc, key, NW) != 0) {
		CHECK(false, "steer_conf_init %s", name);
		return;
	}
	test_snat(env, 2000);
	test_echo(env, 500);
	test_dnat(env, 500);
	test_hairpin(env, 300);
	test_routed(env, 4000);
	printf("%s key: %s\n", name, tu_failed == fails ? "every flow kind steered consistently" : "FAILURES");
}

int main(void)
{
	struct tu_env env;

	rt_init();
	env_init(&env, 16);
	nat_worker_destroy(env.w.nat);
	for (unsigned k = 0; k < NW; k++) {
		struct nat_worker_params p = { .max_sessions = 8192, .worker_id = k, .n_workers = NW };

		nws[k] = nat_worker_create(&p);
		if (nws[k] == NULL) {
			printf("FAIL: nat_worker_create\n");
			return 1;
		}
	}
	test_all_kinds(&env, rss_key_symmetric, "symmetric");
	test_hw_agreement(20000);
	test_all_kinds(&env, rss_key_default, "Microsoft");
	for (unsigned k = 0; k < NW; k++)
		nat_worker_destroy(nws[k]);
	env.w.nat = NULL;
	tu_env_fini(&env);
	return tu_summary("test_steer");
}
