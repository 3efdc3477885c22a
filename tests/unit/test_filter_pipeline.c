/* test_filter_pipeline: security groups and NACLs enforced by pipeline_run,
 * with real route tables and rte_acl filters compiled from INI text (a
 * minimal no-huge EAL is started, as test_nat_pipeline does).
 *
 * Ports (tu_env): 0 inside 10.0.0.1/24 (client H 10.0.0.20), 1 outside
 * 192.0.2.1/24 (NAT to 203.0.113.1; internet host NET 192.0.2.77), 2 lab
 * 198.51.100.1/24 (LAB 198.51.100.7, routed without NAT).
 * Checks: group allow / sg_no_match at ingress (routed, NATed and local
 * packets), replies and related ICMP errors pass with no rule (NATed and
 * routed flows, tracked by sessions), egress groups, removing a rule keeps
 * tracked flows while new ones fail, a flush cuts them, NACL deny and the
 * ephemeral-ports rule (both cases), per-rule hit counters, fragments sent to
 * reassembly before filtering.
 */
#include <unistd.h>

#include <rte_eal.h>

#include "test_nat.h"

#include "natgw/filter.h"
#include "natgw/neigh.h"
#include "natgw/route.h"

#define H IPV4(10, 0, 0, 20)
#define NET IPV4(192, 0, 2, 77)
#define LAB IPV4(198, 51, 100, 7)
#define OWN0 IPV4(10, 0, 0, 1)

static const char ports_ini[] =
	"[port inside]\ndevargs = net_null0\naddress = 10.0.0.1/24\n%s\n"
	"[port outside]\ndevargs = net_null1\naddress = 192.0.2.1/24\n"
	"[port lab]\ndevargs = net_null2\naddress = 198.51.100.1/24\n"
	"[table main]\nroute.1 = default via 192.0.2.254\n";

/* Group "web" on inside: tcp/80 and icmp from the inside subnet, no egress. */
static const char sg_web[] =
	"security_groups = web\n"
	"[sg web]\nrule.1 = ingress tcp 80 from 10.0.0.0/24\n"
	"rule.2 = ingress icmp from 10.0.0.0/24\ndefault_egress = no\n";

/* The same group after rule.1 (tcp/80) was removed. */
static const char sg_web_no80[] =
	"security_groups = web\n"
	"[sg web]\nrule.2 = ingress icmp from 10.0.0.0/24\ndefault_egress = no\n";

/* NACL on inside: lab -> inside denied, everything else allowed. */
static const char nacl_iso[] =
	"nacl = iso\n"
	"[nacl iso]\ningress.100 = allow all from 0.0.0.0/0\n"
	"egress.100 = deny all to 10.0.0.0/24 from 198.51.100.0/24\n"
	"egress.200 = allow all to 0.0.0.0/0\n";

/* The same with the classic ephemeral-ports rule before the deny. */
static const char nacl_iso_eph[] =
	"nacl = iso\n"
	"[nacl iso]\ningress.100 = allow all from 0.0.0.0/0\n"
	"egress.50 = allow tcp 1024-65535 to 10.0.0.0/24 from 198.51.100.0/24\n"
	"egress.100 = deny all to 10.0.0.0/24 from 198.51.100.0/24\n"
	"egress.200 = allow all to 0.0.0.0/0\n";

static struct route_table *table;

/* Load ports_ini with extra (port inside keys + sections) into cfg. */
static int cfg_load(const char *extra, struct natgw_config *cfg)
{
	char path[] = "/tmp/natgw-ut-filter-XXXXXX", err[NATGW_ERR_MAX];
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, ports_ini, extra);
	fclose(f);
	rc = config_load_ini(path, cfg, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		printf("FAIL: config: %s\n", err);
	return rc;
}

/* Free the filters and counters of the snapshot. */
static void filters_free(struct tu_env *env)
{
	struct dp_snapshot *s = &env->snap;

	for (unsigned i = 0; s->fctr != NULL && i < NATGW_MAX_PORTS * 2; i++)
		filter_counters_free(&s->fctr[i]);
	free(s->fctr);
	s->fctr = NULL;
	for (unsigned p = 0; p < NATGW_MAX_PORTS; p++)
		for (unsigned d = 0; d < 2; d++) {
			filter_free((struct filter_ctx *)(uintptr_t)s->filter[p][d]);
			s->filter[p][d] = NULL;
		}
	s->filtering = false;
	s->sg_ports = 0;
}

/* Compile the filters of the config "ports + extra" into the snapshot, as
 * dp_snapshot_build does (one worker). Replaces earlier filters: a rule
 * change; sessions are kept. */
static void filters_set(struct tu_env *env, const char *extra)
{
	static unsigned gen;
	struct dp_snapshot *s = &env->snap;
	struct natgw_config cfg;

	filters_free(env);
	if (cfg_load(extra, &cfg) != 0)
		exit(1);
	s->n_workers = 1;
	s->fctr = calloc(NATGW_MAX_PORTS * 2, sizeof(*s->fctr));
	gen++;
	for (unsigned p = 0; p < cfg.n_ports; p++) {
		if (cfg.ports[p].security_groups == 0 && cfg.ports[p].nacl < 0)
			continue;
		s->filtering = true;
		if (cfg.ports[p].security_groups)
			s->sg_ports |= 1u << p;
		for (unsigned d = 0; d < 2; d++) {
			struct filter_ctx *ctx = NULL;
			char name[32];

			snprintf(name, sizeof(name), "ut%u_%u_%u", gen, p, d);
			CHECK(filter_build(&cfg, p, (enum natgw_filter_dir)d, name, &ctx) == 0,
			      "filter_build port %u dir %u", p, d);
			s->filter[p][d] = ctx;
			CHECK(ctx != NULL && filter_counters_init(&s->fctr[p * 2 + d], ctx) == 0,
			      "counters port %u dir %u", p, d);
		}
	}
	config_free(&cfg);
}

/* Environment: 3 ports, the route table, static neighbours, NAT on port 1. */
static void fenv_init(struct tu_env *env)
{
	struct rte_ether_addr mac = { { 0x02, 0x77, 0, 0, 0, 1 } };

	env_init(env, 1024);
	env->snap.tables[0] = table;
	env->snap.n_tables = 1;
	neigh_static_add(env->w.neigh, 0, H, &mac);
	neigh_static_add(env->w.neigh, 1, NET, &mac);
	neigh_static_add(env->w.neigh, 1, IPV4(192, 0, 2, 254), &mac);
	neigh_static_add(env->w.neigh, 2, LAB, &mac);
}

/* Free what fenv_init and filters_set made. */
static void fenv_fini(struct tu_env *env)
{
	filters_free(env);
	env_fini(env);
}

/* Run one packet through the whole pipeline; returns its metadata. */
static struct pkt_meta *go(struct tu_env *env, struct rte_mbuf *m)
{
	pipeline_run(&env->w, &m, 1);
	tu_emit_clear(env);
	return pkt_meta(m);
}

/* Expect m sent out port `out` (checks action and egress port). */
static void want_tx(struct rte_mbuf *m, unsigned out, const char *what)
{
	const struct pkt_meta *pm = pkt_meta(m);

	CHECK(pm->action == PKT_TX && pm->out_port == out, "%s: action %u out %u drop %s", what,
	      pm->action, pm->out_port, drop_reason_name((enum drop_reason)pm->drop));
}

/* Expect m dropped for reason r. */
static void want_drop(struct rte_mbuf *m, enum drop_reason r, const char *what)
{
	const struct pkt_meta *pm = pkt_meta(m);

	CHECK(pm->action == PKT_DROP && pm->drop == r, "%s: action %u drop %s, want %s", what,
	      pm->action, drop_reason_name((enum drop_reason)pm->drop), drop_reason_name(r));
}

/* Security groups: allow, deny, state for NATed/routed flows, rule removal, flush. */
static void test_groups(void)
{
	struct tu_env env;
	struct rte_mbuf *m;
	struct nat_session *s;
	uint32_t n0;
	uint16_t pub;
	int dir;

	fenv_init(&env);
	filters_set(&env, sg_web);

	/* NATed: SYN to tcp/80 allowed, the SYN-ACK passes with no inbound rule
	 * on outside and no egress rule on inside (state). */
	m = tcp(0, H, 5000, NET, 80, S_, 100, 0, 0);
	go(&env, m);
	want_tx(m, 1, "nat syn tcp/80");
	CHECK(tu_ip(m)->src_addr == BE32(PUB), "masqueraded");
	s = find(&env, IPPROTO_TCP, H, 5000, NET, 80, &dir);
	CHECK(s != NULL && (s->flags & NAT_SESSION_SNAT), "SNAT session");
	pub = s != NULL ? rte_be_to_cpu_16(s->reply.dport) : 0;
	free(m);
	m = tcp(1, NET, 80, PUB, pub, S_ | A_, 900, 101, 0);
	go(&env, m);
	want_tx(m, 0, "nat syn-ack back");
	CHECK(tu_ip(m)->dst_addr == BE32(H), "translated back to H");
	free(m);

	/* Not allowed: tcp/22, nothing opened. */
	n0 = nat_session_count(env.w.nat);
	m = tcp(0, H, 5001, NET, 22, S_, 100, 0, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "tcp/22");
	CHECK(nat_session_count(env.w.nat) == n0, "no session for a denied flow");
	free(m);
	m = udp(0, H, 5353, NET, 53, 20, false);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "udp/53");
	free(m);

	/* Routed (no NAT) to lab: tracked so its replies pass. */
	m = tcp(0, H, 5002, LAB, 80, S_, 100, 0, 0);
	go(&env, m);
	want_tx(m, 2, "routed syn tcp/80");
	CHECK(tu_ip(m)->src_addr == BE32(H), "routed, not translated");
	CHECK(env.w.ctr.nat[NAT_CTR_SESSIONS_TRACKED] == 1, "tracked sessions %lu",
	      (unsigned long)env.w.ctr.nat[NAT_CTR_SESSIONS_TRACKED]);
	s = find(&env, IPPROTO_TCP, H, 5002, LAB, 80, &dir);
	CHECK(s != NULL && s->flags == 0 && dir == 0, "tracking session (no translation)");
	free(m);
	m = tcp(2, LAB, 80, H, 5002, S_ | A_, 900, 101, 0);
	go(&env, m);
	want_tx(m, 0, "routed syn-ack back (egress inside has no rule)");
	free(m);

	/* ICMP error about the tracked flow passes; about nothing it does not. */
	{
		struct rte_mbuf *q = tcp(0, H, 5002, LAB, 80, A_, 101, 901, 0);
		struct rte_mbuf *q2 = tcp(0, H, 5999, LAB, 80, A_, 101, 901, 0);

		m = icmp_err(2, LAB, H, 3, 4, (const uint8_t *)tu_ip(q), 28);
		go(&env, m);
		want_tx(m, 0, "frag-needed about the tracked flow");
		free(m);
		m = icmp_err(2, LAB, H, 3, 4, (const uint8_t *)tu_ip(q2), 28);
		go(&env, m);
		want_drop(m, DROP_SG_NO_MATCH, "frag-needed about no flow");
		free(m);
		free(q);
		free(q2);
	}

	/* Unsolicited from lab to H: inside's groups have no egress rule. */
	m = tcp(2, LAB, 1234, H, 80, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "unsolicited lab -> H (egress)");
	free(m);

	/* ICMP echo allowed both ways; to natgw itself too; tcp to natgw not. */
	m = echo(0, H, NET, 8, 77);
	go(&env, m);
	want_tx(m, 1, "echo out");
	free(m);
	m = echo(1, NET, PUB, 0, 0);
	s = find(&env, IPPROTO_ICMP, H, 77, NET, 0, &dir);
	CHECK(s != NULL, "echo session");
	if (s != NULL) {
		free(m);
		m = echo(1, NET, PUB, 0, rte_be_to_cpu_16(s->reply.dport));
	}
	go(&env, m);
	want_tx(m, 0, "echo reply back");
	free(m);
	m = echo(0, H, OWN0, 8, 5);
	go(&env, m);
	want_tx(m, 0, "echo to natgw answered");
	CHECK(tu_ip(m)->dst_addr == BE32(H), "echo reply to H");
	free(m);
	m = tcp(0, H, 5004, OWN0, 22, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "tcp/22 to natgw");
	free(m);

	/* Hit counters: rule.1 (tcp/80) saw the two SYNs; misses counted. */
	{
		const struct filter_counters *c = &env.snap.fctr[0 * 2 + NATGW_DIR_INGRESS];
		unsigned g, r;
		uint64_t h80 = 0;

		for (uint32_t slot = 0; slot < c->n_sg; slot++)
			if (filter_sg_slot_rule(env.snap.filter[0][0], slot, &g, &r) == 0 && r == 0)
				h80 = c->sg_hits[slot];
		CHECK(h80 == 2, "rule.1 hits %lu, want 2", (unsigned long)h80);
		CHECK(c->sg_no_match == 3, "ingress sg_no_match %lu, want 3 (tcp/22, udp/53, "
		      "tcp/22 to natgw)", (unsigned long)c->sg_no_match);
	}

	/* Remove rule.1: tracked flows go on, new tcp/80 flows fail. */
	filters_set(&env, sg_web_no80);
	m = tcp(0, H, 5000, NET, 80, A_, 101, 901, 0);
	go(&env, m);
	want_tx(m, 1, "established NAT flow after removal");
	free(m);
	m = tcp(0, H, 5002, LAB, 80, A_, 101, 901, 0);
	go(&env, m);
	want_tx(m, 2, "established routed flow after removal");
	free(m);
	m = tcp(2, LAB, 80, H, 5002, A_, 901, 101, 0);
	go(&env, m);
	want_tx(m, 0, "routed reply after removal");
	free(m);
	m = tcp(0, H, 5005, NET, 80, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "new tcp/80 after removal");
	free(m);

	/* Flush: the flows are cut (the reply meets the rules as a new flow). */
	CHECK(nat_session_flush(env.w.nat, nat_now(&env.w)) >= 3, "flush");
	m = tcp(2, LAB, 80, H, 5002, A_, 901, 101, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "routed reply after flush");
	free(m);
	m = tcp(0, H, 5002, LAB, 80, A_, 101, 901, 0);
	go(&env, m);
	want_drop(m, DROP_SG_NO_MATCH, "routed flow after flush");
	free(m);

	fenv_fini(&env);
}

/* NACL: lab -> inside denied; replies need the ephemeral rule. */
static void test_nacl(void)
{
	struct tu_env env;
	struct rte_mbuf *m;

	fenv_init(&env);
	filters_set(&env, nacl_iso);
	m = tcp(2, LAB, 1000, H, 80, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_NACL_DENY, "lab -> H:80");
	free(m);
	m = tcp(0, H, 6000, LAB, 80, S_, 1, 0, 0);
	go(&env, m);
	want_tx(m, 2, "H -> lab:80");
	CHECK(env.w.ctr.nat[NAT_CTR_SESSIONS_TRACKED] == 0, "NACLs alone track nothing");
	free(m);
	m = tcp(2, LAB, 80, H, 6000, S_ | A_, 9, 2, 0);
	go(&env, m);
	want_drop(m, DROP_NACL_DENY, "reply without the ephemeral rule (stateless)");
	free(m);
	m = tcp(1, NET, 80, H, 6000, A_, 9, 2, 0);
	go(&env, m);
	CHECK(pkt_meta(m)->drop != DROP_NACL_DENY, "the deny is only for lab's prefix");
	free(m);

	filters_set(&env, nacl_iso_eph);
	m = tcp(2, LAB, 80, H, 6000, S_ | A_, 9, 2, 0);
	go(&env, m);
	want_tx(m, 0, "reply with the ephemeral rule");
	free(m);
	m = tcp(2, LAB, 1000, H, 80, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_NACL_DENY, "lab -> H:80 still denied");
	free(m);
	m = tcp(2, LAB, 1000, H, 22, S_, 1, 0, 0);
	go(&env, m);
	want_drop(m, DROP_NACL_DENY, "lab -> H:22 denied");
	free(m);
	{
		const struct filter_counters *c = &env.snap.fctr[0 * 2 + NATGW_DIR_EGRESS];

		CHECK(c->n_nacl == 3 && c->nacl_hits[0] == 1 && c->nacl_hits[1] == 2,
		      "nacl hits #50 %lu (want 1) #100 %lu (want 2)",
		      c->n_nacl ? (unsigned long)c->nacl_hits[0] : 0,
		      c->n_nacl > 1 ? (unsigned long)c->nacl_hits[1] : 0);
	}

	/* Fragments are reassembled before filtering. */
	{
		struct tu_ip_opts o = { .sport = 1, .dport = 2, .frag = 0x2000 };

		m = tu_ipv4(2, LAB, H, IPPROTO_UDP, 64, &o);
		go(&env, m);
		CHECK(pkt_meta(m)->action == PKT_REASSEMBLE, "fragment -> reassembly first");
		free(m);
	}
	fenv_fini(&env);
}

int main(void)
{
	char *argv[] = { "test_filter_pipeline", "--no-huge", "--no-pci", "--no-shconf", "-m", "64",
			 "--log-level", "lib.*:error", "--file-prefix=ut_filter_pipeline", NULL };
	struct natgw_config cfg;

	if (rte_eal_init(9, argv) < 0) {
		printf("FAIL: rte_eal_init\n");
		return 1;
	}
	if (cfg_load("", &cfg) != 0 || route_table_build(&cfg.tables[0], "ut_fpipe", &table) != 0) {
		printf("FAIL: route table\n");
		rte_eal_cleanup();
		return 1;
	}
	config_free(&cfg);
	rt_init();
	test_groups();
	test_nacl();
	route_table_free(table);
	rte_eal_cleanup();
	return tu_summary("test_filter_pipeline");
}
