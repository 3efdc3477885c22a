/* Shared by the NAT allocator tests (test_nat_alloc, test_rss): addresses in
 * network order, a one-address nat_rt, a worker's NAT state, and what the
 * NAT stage does for a new masquerade flow (allocate a public port, insert
 * the session). Header-only; include after test_check.h. */
#ifndef NATGW_TEST_NAT_FLOWS_H
#define NATGW_TEST_NAT_FLOWS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include "natgw/nat.h"

#define IPV4(a, b, c, d) \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define PORT(p) rte_cpu_to_be_16(p)
#define HP(p) rte_be_to_cpu_16(p)

#define PUB IPV4(203, 0, 113, 1)
#define R1 IPV4(198, 51, 100, 7)
#define R2 IPV4(192, 0, 2, 8)
/* inside host i (0..65535) -> 10.0.x.y */
#define INSIDE(i) IPV4(10, 0, 1 + ((i) >> 8), (i) & 0xff)

/* Worker id of n with room for max sessions and an optional RSS view of the
 * NAT port (rss, the RX queue it polls there). Exits on failure. */
static inline struct nat_worker *tu_nat_worker(uint32_t max, unsigned id, unsigned n,
					       const struct rss_conf *rss, uint16_t rxq)
{
	struct nat_worker_params p = { .max_sessions = max, .worker_id = id, .n_workers = n,
				       .rss = rss, .rx_queue = rxq };
	struct nat_worker *nw = nat_worker_create(&p);

	if (nw == NULL) {
		printf("nat_worker_create failed\n");
		exit(2);
	}
	return nw;
}

/* Pool PUB, ports pmin..pmax, the given mapping, the usual timeouts. */
static inline void tu_nat_rt(struct nat_rt *rt, uint16_t pmin, uint16_t pmax, uint8_t mapping)
{
	memset(rt, 0, sizeof(*rt));
	rt->pool[0] = PUB;
	rt->n_pool = 1;
	rt->port_min = pmin;
	rt->port_max = pmax;
	rt->mapping = mapping;
	rt->timeout[NAT_TC_UDP] = 300;
	rt->timeout[NAT_TC_TCP_SYN] = 30;
	rt->timeout[NAT_TC_TCP_EST] = 7440;
	rt->timeout[NAT_TC_TCP_TRANS] = 240;
	rt->timeout[NAT_TC_ICMP] = 60;
	rt->port_reuse_delay = 120;
}

/* What the stage does for a new masquerade flow in:inport -> rem:remport:
 * pick the address, allocate the port, insert the session (reply
 * rem:remport -> pub:port; ICMP: request (in, rem, id, 0), reply
 * (rem, pub, 0, id')). Returns 0 / -errno; *pub = public port (host order),
 * *sp = the session (either may be NULL). */
static inline int tu_open_flow(struct nat_worker *nw, const struct nat_rt *rt, uint8_t proto,
			       uint32_t in, uint16_t inport, uint32_t rem, uint16_t remport,
			       uint32_t now, uint16_t *pub, struct nat_session **sp)
{
	unsigned pi = nat_pool_pick(rt, in);
	struct nat_key o, r;
	struct nat_session *s;
	uint16_t pp;
	int rc, err;

	rc = nat_port_alloc(nw, rt, proto, pi, in, PORT(inport), rem, PORT(remport), now, &pp);
	if (rc < 0)
		return rc;
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.proto = r.proto = proto;
	o.saddr = in;
	o.daddr = rem;
	o.sport = PORT(inport);
	r.saddr = rem;
	r.daddr = rt->pool[pi];
	r.dport = pp;
	if (proto != IPPROTO_ICMP) {
		o.dport = PORT(remport);
		r.sport = PORT(remport);
	}
	s = nat_session_insert(nw, &o, &r, proto == IPPROTO_TCP ? NAT_TC_TCP_SYN : NAT_TC_UDP,
			       NAT_SESSION_SNAT, (uint8_t)pi, now, &err);
	if (s == NULL) {
		nat_port_release(nw, proto, pi, in, PORT(inport), pp, now);
		return err < 0 ? err : -ENOMEM;
	}
	if (pub != NULL)
		*pub = HP(pp);
	if (sp != NULL)
		*sp = s;
	return 0;
}

#endif
