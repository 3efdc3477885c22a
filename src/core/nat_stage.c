/* natgw NAT pipeline hooks: prerouting, postrouting, timer.
 *
 * Overview (see natgw/nat.h for the session model):
 *  - nat_prerouting_stage (after parse, before dispatch), for IPv4 packets:
 *      * protocols other than TCP, UDP, ICMP: to a pool address -> dropped
 *        NAT_NO_SESSION; otherwise not NAT's business (only TCP, UDP and
 *        ICMP echo are ever translated; others leaving through the NAT port
 *        from inside are dropped NAT_PROTO_UNSUPPORTED by postrouting);
 *      * fragments NAT may have to translate (to a pool address, from an
 *        inside prefix, or from the NAT port to an inside prefix) ->
 *        PKT_REASSEMBLE: the dataplane reassembles and runs the pipeline on
 *        the whole datagram;
 *      * TTL <= 1 and not to a pool address -> left alone (forward_stage sends
 *        time exceeded quoting the untranslated packet); TTL <= 1 to a pool
 *        address that would be translated -> time exceeded here, quoting the
 *        packet as received (never the translated one);
 *      * ICMP errors about a session -> translated (nat_icmp.c), session not
 *        touched; about nothing known and to a pool address -> dropped
 *        NAT_ICMP_NO_SESSION;
 *      * a session hit -> TCP state, touch, translate (nat_translate.c),
 *        PKT_F_NAT_DONE and class TRANSIT;
 *      * a miss to a pool address -> a port-forward creates a DNAT session
 *        (TCP only on a SYN), with hairpin masquerading when the source is
 *        inside; an echo request to a port's own address is left for the
 *        local echo reply; anything else is dropped NAT_NO_SESSION;
 *      * a miss arriving on the NAT port for an inside prefix -> dropped
 *        NAT_NO_SESSION (nothing from outside gets in without a session).
 *  - nat_postrouting (forward_stage, after the route lookup and the DF/MTU
 *    check): a packet not yet translated, leaving through rt->port, from an
 *    inside prefix opens a SNAT session (TCP only on a SYN) and is translated;
 *    if an earlier packet of the same burst opened its session meanwhile
 *    (prerouting ran for the whole burst first), it is translated with that.
 *  - nat_timer: expires idle sessions, a bounded number per call.
 * Life-cycle: stateless itself; sessions live in w->nat (nat_table.c).
 * Who: the owning worker; reads the snapshot's nat_rt.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "natgw/nat.h"
#include "natgw/pipeline.h"

#include "nat_internal.h"
#include "nat_stage_internal.h"

#define NAT_EXPIRE_BUDGET 1024
#define NAT_ICMP_DEST_UNREACH 3
#define NAT_ICMP_CODE_ADMIN_PROHIBITED 13
#define NAT_ICMP_TIME_EXCEEDED 11

/* Current NAT clock (seconds) of a worker, from w->now / w->hz. */
uint32_t nat_now(const struct worker *w)
{
	return w->hz == 0 ? 0 : (uint32_t)(w->now / w->hz);
}

/* True if addr (network order) is one of the pool's public addresses. */
bool nat_is_pool_addr(const struct nat_rt *rt, uint32_t addr)
{
	for (unsigned i = 0; i < rt->n_pool; i++)
		if (rt->pool[i] == addr)
			return true;
	return false;
}

/* Index of addr (network order) in the pool, or 0 when absent. */
static uint8_t nat_pool_index(const struct nat_rt *rt, uint32_t addr)
{
	for (unsigned i = 0; i < rt->n_pool; i++)
		if (rt->pool[i] == addr)
			return (uint8_t)i;
	return 0;
}

/* True when addr (network order) is one of the ports' own addresses. */
static bool nat_is_port_addr(const struct dp_snapshot *s, uint32_t addr)
{
	uint32_t a = rte_be_to_cpu_32(addr);

	for (unsigned i = 0; i < s->n_ports; i++)
		if (s->ports[i].addr != 0 && s->ports[i].addr == a)
			return true;
	return false;
}

/* The port-forward for (proto, public addr:port), or NULL. */
static const struct nat_forward_rt *nat_forward_find(const struct nat_rt *rt, uint8_t proto,
						     uint32_t addr, uint16_t port)
{
	for (unsigned i = 0; i < rt->n_forwards; i++) {
		const struct nat_forward_rt *f = &rt->forwards[i];

		if (f->proto == proto && f->public_addr == addr && f->public_port == port)
			return f;
	}
	return NULL;
}

/* Timeout class of a new session's first packet. */
static uint8_t nat_tclass_new(uint8_t proto)
{
	return proto == IPPROTO_TCP ? NAT_TC_TCP_SYN
	       : proto == IPPROTO_UDP ? NAT_TC_UDP : NAT_TC_ICMP;
}

/* TCP header of m and the segment it carries (flags, seq, ack, payload length). */
static const uint8_t *nat_tcp_hdr(struct rte_mbuf *m, const struct pkt_meta *pm,
				  struct nat_tcp_seg *seg)
{
	const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *, pm->l4_off);
	uint32_t hl = (uint32_t)(th[12] >> 4) * 4;
	uint32_t l4 = (uint32_t)pm->ip_len - pm->ihl;

	nat_tcp_seg_read(seg, th, l4 > hl ? l4 - hl : 0);
	return th;
}

/* True when a TCP segment may open a session: SYN without ACK (nor RST). */
static bool nat_tcp_is_open(const struct nat_tcp_seg *seg)
{
	return (seg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
	       RTE_TCP_SYN_FLAG;
}

/* Mark a packet that icmp_error_reply may have turned into a reply: when sent,
 * dispatch must not route it again (class NONE: "already handled"). */
static void nat_error_sent(struct pkt_meta *pm)
{
	if (pm->action == PKT_TX)
		pm->cls = PKT_CLASS_NONE;
}

/* Refuse a new flow (no port, host at its cap, table full) for reason r:
 * drop, or ICMP 3/13 when icmp_on_exhaustion is configured. */
static void nat_refuse(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
		       enum drop_reason r)
{
	if (rt->icmp_on_exhaustion) {
		/* icmp_error_reply counts the drop itself when it sends the error. */
		icmp_error_reply(w, m, NAT_ICMP_DEST_UNREACH, NAT_ICMP_CODE_ADMIN_PROHIBITED, 0, r);
		nat_error_sent(pkt_meta(m));
	} else {
		pkt_drop(m, r);
	}
}

/* A packet to a pool address that would be translated arrived with TTL <= 1:
 * time exceeded quoting it as received. */
static void nat_ttl_expired(struct worker *w, struct rte_mbuf *m)
{
	icmp_error_reply(w, m, NAT_ICMP_TIME_EXCEEDED, 0, 0, DROP_TTL_EXCEEDED);
	nat_error_sent(pkt_meta(m));
}

/* Translate m per session s in direction dir and mark it done and TRANSIT. */
static void nat_apply(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
		      const struct nat_session *s, int dir)
{
	struct nat_key to;
	bool in2out = (s->flags & NAT_SESSION_SNAT) ? dir == 0 : dir == 1;

	pm->flags |= PKT_F_NAT_DONE;
	pm->cls = PKT_CLASS_TRANSIT;
	if (s->flags == 0)
		return; /* a routed flow tracked for security groups: nothing to rewrite */
	nat_key_target(s, dir, &to);
	nat_translate(m, pm, &to);
	w->ctr.nat[in2out ? NAT_CTR_TRANSLATED_IN2OUT : NAT_CTR_TRANSLATED_OUT2IN]++;
}

/* A packet of an existing session: TCP state, LRU touch, translation. */
static void nat_pre_hit(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
			struct nat_session *s, int dir, uint32_t now)
{
	uint8_t tclass = s->tclass;

	if (pm->ttl <= 1) {
		nat_ttl_expired(w, m);
		return;
	}
	if (pm->proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		switch (nat_tcp_update(s, dir, &seg)) {
		case NAT_TCP_EV_RST_IGNORED:
			w->ctr.nat[NAT_CTR_TCP_RST_IGNORED]++;
			break;
		case NAT_TCP_EV_REOPENED:
			w->ctr.nat[NAT_CTR_TCP_REOPENED]++;
			break;
		default:
			break;
		}
		tclass = nat_tcp_tclass(s->tcp_state);
	}
	nat_sess_touch(w->nat, s, tclass, now);
	pm->flags |= PKT_F_TRACKED;
	nat_apply(w, m, pm, s, dir);
}

/* An ICMP error: translate it when it is about a session, else maybe drop. */
static void nat_pre_icmp_error(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			       struct pkt_meta *pm, bool to_pool)
{
	struct nat_icmp_quote q;
	struct nat_session *s = NULL;
	int dir = 0;

	if (nat_icmp_quote_parse(m, pm, &q))
		s = nat_session_lookup(w->nat, &q.key, &dir);
	if (s == NULL) {
		if (to_pool || (pm->in_port == rt->port && nat_is_inside(rt, pm->dst_ip)))
			pkt_drop(m, DROP_NAT_ICMP_NO_SESSION);
		return; /* errors between non-NAT hosts are routed as before */
	}
	if (pm->ttl <= 1) {
		nat_ttl_expired(w, m); /* never sends an error about an error: a drop */
		return;
	}
	pm->flags |= PKT_F_NAT_DONE | PKT_F_TRACKED; /* related to a known flow: passes groups */
	pm->cls = PKT_CLASS_TRANSIT;
	if (s->flags == 0)
		return; /* about a tracked routed flow: nothing to translate */
	nat_icmp_error_translate(m, pm, s, dir, &q);
	w->ctr.nat[NAT_CTR_ICMP_ERRORS_TRANSLATED]++;
}

/* Insert a new session for m and translate it (orig = the packet's key).
 * Returns false (m dropped) when the table refuses it. */
static bool nat_session_open(struct worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
			     const struct nat_key *orig, const struct nat_key *reply,
			     uint8_t flags, uint8_t pool_idx, uint32_t now)
{
	struct nat_session *s;
	int err = 0;

	s = nat_session_insert(w->nat, orig, reply, nat_tclass_new(orig->proto), flags, pool_idx,
			       now, &err);
	if (s == NULL) {
		/* -EEXIST: the reply tuple is taken by another session (e.g. a
		 * port-forward's server already talks to that client endpoint). */
		if (flags & NAT_SESSION_SNAT)
			nat_port_release(w->nat, orig->proto, pool_idx, orig->saddr, orig->sport,
					 reply->dport, now);
		pkt_drop(m, err == -ENOSPC ? DROP_NAT_TABLE_FULL : DROP_NAT_NO_SESSION);
		return false;
	}
	if (flags & NAT_SESSION_SNAT) {
		/* nat_port_alloc was the last allocation of this worker. */
		enum nat_alloc_kind kind = nat_port_alloc_kind(w->nat);

		if (kind == NAT_ALLOC_EIM_REUSED)
			w->ctr.nat[NAT_CTR_MAPPING_EIM_REUSED]++;
		else if (kind == NAT_ALLOC_TUPLE_SHARED)
			w->ctr.nat[NAT_CTR_PORT_TUPLE_SHARED]++;
		/* With an RSS view of the NAT port (issue 6): where replies land. */
		switch (nat_port_alloc_steer(w->nat)) {
		case NAT_STEER_HOME:
			w->ctr.nat[NAT_CTR_RSS_STEERED_HOME]++;
			break;
		case NAT_STEER_HANDOFF:
			w->ctr.nat[NAT_CTR_RSS_HANDOFF]++;
			break;
		default:
			break;
		}
	}
	if (orig->proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		nat_tcp_init(s, &seg);
	}
	w->ctr.nat[NAT_CTR_SESSIONS_CREATED]++;
	nat_apply(w, m, pm, s, 0);
	return true;
}

/* Masquerade admission for inside host src: cap, table room, public port.
 * On success fills *pidx and *port; else drops m and returns false. */
static bool nat_snat_reserve(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			     const struct nat_key *k, uint32_t remote, uint16_t rport,
			     uint32_t now, unsigned *pidx, uint16_t *port)
{
	if (!nat_host_admit(w->nat, rt, k->saddr)) {
		nat_refuse(w, rt, m, DROP_NAT_HOST_LIMIT);
		return false;
	}
	/* Checked before taking a port: a port given back without ever being
	 * used would still cool down for port_reuse_delay. */
	if (nat_session_count(w->nat) >= nat_session_capacity(w->nat)) {
		nat_refuse(w, rt, m, DROP_NAT_TABLE_FULL);
		return false;
	}
	*pidx = nat_pool_pick(rt, k->saddr);
	/* ICMP echo: the identifier is the "port" (orig key sport). */
	if (nat_port_alloc(w->nat, rt, k->proto, *pidx, k->saddr, k->sport, remote, rport, now,
			   port) != 0) {
		nat_worker_notify_exhausted(w->nat, k);
		nat_refuse(w, rt, m, DROP_NAT_PORTS_EXHAUSTED);
		return false;
	}
	return true;
}

/* A miss to a pool address matching a port-forward: DNAT (+ hairpin SNAT). */
static void nat_pre_dnat(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			 struct pkt_meta *pm, const struct nat_key *k,
			 const struct nat_forward_rt *f, uint32_t now)
{
	struct nat_key reply = { 0 };
	uint8_t flags = NAT_SESSION_DNAT, pidx = nat_pool_index(rt, k->daddr);
	bool hairpin = nat_is_inside(rt, k->saddr);

	if (pm->proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		if (!nat_tcp_is_open(&seg)) {
			pkt_drop(m, DROP_NAT_NO_SESSION);
			return;
		}
	}
	if (pm->ttl <= 1) {
		nat_ttl_expired(w, m);
		return;
	}
	reply.proto = k->proto;
	reply.saddr = f->inside_addr;
	reply.sport = f->inside_port;
	reply.daddr = k->saddr;
	reply.dport = k->sport;
	if (hairpin) {
		unsigned p;
		uint16_t pub;

		if (!nat_snat_reserve(w, rt, m, k, f->inside_addr, f->inside_port, now, &p, &pub))
			return;
		reply.daddr = rt->pool[p];
		reply.dport = pub;
		flags |= NAT_SESSION_SNAT;
		pidx = (uint8_t)p;
	}
	if (!nat_session_open(w, m, pm, k, &reply, flags, pidx, now))
		return;
	w->ctr.nat[NAT_CTR_SESSIONS_DNAT]++;
	if (hairpin)
		w->ctr.nat[NAT_CTR_SESSIONS_HAIRPIN]++;
}

/* A packet to a pool address without a session. */
static void nat_pre_to_pool(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			    struct pkt_meta *pm, const struct nat_key *k, bool have_key,
			    uint32_t now)
{
	if (have_key && pm->proto != IPPROTO_ICMP) {
		const struct nat_forward_rt *f = nat_forward_find(rt, pm->proto, pm->dst_ip,
								  pm->dport);

		if (f != NULL) {
			nat_pre_dnat(w, rt, m, pm, k, f, now);
			return;
		}
	}
	if (pm->proto == IPPROTO_ICMP && pm->icmp_type == NAT_ICMP_ECHO_REQUEST &&
	    nat_is_port_addr(w->snap, pm->dst_ip))
		return; /* answered locally by icmp_local_input */
	pkt_drop(m, DROP_NAT_NO_SESSION);
}

#define NAT_PRE_BATCH 32 /* packets whose lookups are prefetched together */

/* Prerouting for one parsed packet. key/hash: its lookup key and hash from
 * nat_pre_key, or NULL when it has no plain lookup key; found: its session
 * when the batch already looked it up (NULL: not found then, or not looked
 * up: looked up here, so that a session an earlier packet of the batch
 * opened is found). */
static void nat_pre_one(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			uint32_t now, const struct nat_key *key, uint32_t hash,
			struct nat_session *found, int found_dir)
{
	static const struct nat_key no_key;
	struct pkt_meta *pm = pkt_meta(m);
	struct nat_session *s;
	bool to_pool, looked_up = false;
	int dir = 0;

	if (pm->action != PKT_TX || pm->ethertype != RTE_ETHER_TYPE_IPV4 ||
	    (pm->cls != PKT_CLASS_LOCAL && pm->cls != PKT_CLASS_TRANSIT) ||
	    (pm->flags & PKT_F_NAT_DONE))
		return;
	/* The common case first: a keyed packet (TCP, UDP or ICMP echo, L4
	 * valid, not a fragment) with TTL > 1 passes every check below,
	 * whatever to_pool is, so its lookup comes straight away. */
	if (key != NULL && pm->ttl > 1) {
		s = found != NULL ? found : nat_sess_find(w->nat, key, hash, &found_dir);
		if (s != NULL) {
			nat_pre_hit(w, m, pm, s, found_dir, now);
			return;
		}
		looked_up = true;
	}
	to_pool = nat_is_pool_addr(rt, pm->dst_ip);
	if (pm->proto != IPPROTO_TCP && pm->proto != IPPROTO_UDP && pm->proto != IPPROTO_ICMP) {
		if (to_pool || (pm->in_port == rt->port && nat_is_inside(rt, pm->dst_ip)))
			pkt_drop(m, DROP_NAT_NO_SESSION);
		return;
	}
	if (pm->flags & PKT_F_FRAGMENT) {
		if (to_pool || nat_is_inside(rt, pm->src_ip) ||
		    (pm->in_port == rt->port && nat_is_inside(rt, pm->dst_ip)))
			pm->action = PKT_REASSEMBLE;
		return;
	}
	if (!(pm->flags & PKT_F_L4_VALID) || (pm->ttl <= 1 && !to_pool))
		return;
	if (pm->proto == IPPROTO_ICMP && nat_icmp_type_is_error(pm->icmp_type)) {
		nat_pre_icmp_error(w, rt, m, pm, to_pool);
		return;
	}
	if (key != NULL && !looked_up) {
		/* TTL <= 1 to a pool address: the hit path sends time exceeded. */
		s = found;
		dir = found_dir;
		if (s == NULL)
			s = nat_sess_find(w->nat, key, hash, &dir);
		if (s != NULL) {
			nat_pre_hit(w, m, pm, s, dir, now);
			return;
		}
	}
	if (pm->flags & PKT_F_SG_DENY) {
		pkt_drop(m, DROP_SG_NO_MATCH); /* a new flow the port's groups do not allow */
		return;
	}
	if (to_pool)
		nat_pre_to_pool(w, rt, m, pm, key != NULL ? key : &no_key, key != NULL, now);
	else if (pm->in_port == rt->port && nat_is_inside(rt, pm->dst_ip))
		pkt_drop(m, DROP_NAT_NO_SESSION);
}

/* The plain lookup key of a parsed packet (TCP, UDP, ICMP echo; not a
 * fragment, not yet translated) and its words for hashing (the same key
 * nat_key_make gives); false when it has none. */
static bool nat_pre_key(const struct pkt_meta *pm, struct nat_key *key, uint64_t w[2])
{
	uint16_t sport = pm->sport, dport = pm->dport;

	if (pm->action != PKT_TX || !(pm->flags & PKT_F_L4_VALID) ||
	    (pm->flags & (PKT_F_FRAGMENT | PKT_F_NAT_DONE)))
		return false;
	switch (pm->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		break;
	case IPPROTO_ICMP: /* the echo id is sport of a request, dport of a reply */
		if (pm->icmp_type == NAT_ICMP_ECHO_REQUEST) {
			dport = 0;
		} else if (pm->icmp_type == NAT_ICMP_ECHO_REPLY) {
			dport = sport;
			sport = 0;
		} else {
			return false;
		}
		break;
	default:
		return false;
	}
	nat_key_pack(key, pm->proto, pm->src_ip, pm->dst_ip, sport, dport, w);
	return true;
}

/* Security groups: look the batch's keyed packets up now; those that miss
 * and arrived on a port with groups are classified against them (one bulk
 * call) before any is admitted. Hits are kept for nat_pre_one. */
static void nat_pre_sg_misses(struct worker *w, struct rte_mbuf **pkts, uint16_t k,
			      const struct nat_key *keys, const uint32_t *hash, const bool *keyed,
			      struct nat_session **found, int *found_dir)
{
	struct rte_mbuf *miss[NAT_PRE_BATCH];
	uint16_t n_miss = 0;

	for (uint16_t i = 0; i < k; i++) {
		if (!keyed[i])
			continue;
		found[i] = nat_sess_find(w->nat, &keys[i], hash[i], &found_dir[i]);
		if (found[i] == NULL &&
		    (w->snap->sg_ports & (UINT32_C(1) << pkt_meta(pkts[i])->in_port)))
			miss[n_miss++] = pkts[i];
	}
	if (n_miss > 0)
		filter_ingress_sg(w, miss, n_miss);
}

/* Look up / translate / admit every packet of a parsed burst (see above). */
void nat_prerouting_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct nat_rt *rt = w->snap->nat;
	uint32_t now;

	if (rt == NULL || w->nat == NULL)
		return;
	now = nat_now(w);
	while (n > 0) {
		uint16_t k = n > NAT_PRE_BATCH ? NAT_PRE_BATCH : n;
		struct nat_key keys[NAT_PRE_BATCH];
		uint32_t hash[NAT_PRE_BATCH];
		bool keyed[NAT_PRE_BATCH];
		struct nat_session *found[NAT_PRE_BATCH];
		int found_dir[NAT_PRE_BATCH];

		/* Pass 1: each packet's key (built once), its hash, a slot
		 * prefetch. Pass 2: prefetch the sessions. Pass 3: the real work,
		 * which then mostly finds slots and sessions in cache. */
		for (uint16_t i = 0; i < k; i++) {
			uint64_t words[2];

			keyed[i] = nat_pre_key(pkt_meta(pkts[i]), &keys[i], words);
			hash[i] = 0;
			if (keyed[i]) {
				hash[i] = nat_hash_words(w->nat, words[0], words[1]);
				nat_slot_prefetch(w->nat, hash[i]);
			}
		}
		for (uint16_t i = 0; i < k; i++)
			if (keyed[i])
				nat_sess_prefetch_hashed(w->nat, hash[i]);
		memset(found, 0, k * sizeof(found[0]));
		if (w->snap->sg_ports != 0)
			nat_pre_sg_misses(w, pkts, k, keys, hash, keyed, found, found_dir);
		for (uint16_t i = 0; i < k; i++)
			nat_pre_one(w, rt, pkts[i], now, keyed[i] ? &keys[i] : NULL, hash[i], found[i],
				    found_dir[i]);
		pkts += k;
		n = (uint16_t)(n - k);
	}
}

/* Open a masquerade (SNAT) session for m leaving through the NAT port.
 * (Not inlined, like nat_post_track: inlined, their register saves and
 * stack frame would be paid on every packet nat_postrouting sees, most of
 * which were translated already and return at its first test.) */
static __rte_noinline bool nat_post_snat(struct worker *w, const struct nat_rt *rt, struct rte_mbuf *m,
			  struct pkt_meta *pm)
{
	uint32_t now = nat_now(w);
	struct nat_key k, reply = { 0 };
	struct nat_session *s;
	unsigned pidx;
	uint16_t pub;
	int dir = 0;

	if (pm->proto == IPPROTO_ICMP && nat_icmp_type_is_error(pm->icmp_type)) {
		pkt_drop(m, DROP_NAT_ICMP_NO_SESSION);
		return false;
	}
	if ((pm->flags & PKT_F_FRAGMENT) || !(pm->flags & PKT_F_L4_VALID) ||
	    (pm->proto != IPPROTO_TCP && pm->proto != IPPROTO_UDP &&
	     !(pm->proto == IPPROTO_ICMP && pm->icmp_type == NAT_ICMP_ECHO_REQUEST))) {
		pkt_drop(m, DROP_NAT_PROTO_UNSUPPORTED);
		return false;
	}
	nat_key_make(&k, pm->proto, pm->src_ip, pm->dst_ip, pm->sport, pm->dport, pm->icmp_type);
	/* An earlier packet of this burst may have opened the session after
	 * prerouting missed for this one: use it. */
	s = nat_session_lookup(w->nat, &k, &dir);
	if (s != NULL) {
		nat_pre_hit(w, m, pm, s, dir, now);
		return true;
	}
	if (pm->proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		if (!nat_tcp_is_open(&seg)) {
			pkt_drop(m, DROP_NAT_TCP_NOT_SYN);
			return false;
		}
	}
	if (!nat_snat_reserve(w, rt, m, &k, k.daddr, k.dport, now, &pidx, &pub))
		return false;
	reply.proto = k.proto;
	reply.saddr = k.daddr;
	reply.sport = k.dport;
	reply.daddr = rt->pool[pidx];
	reply.dport = pub;
	if (!nat_session_open(w, m, pm, &k, &reply, NAT_SESSION_SNAT, (uint8_t)pidx, now))
		return false;
	w->ctr.nat[NAT_CTR_SESSIONS_SNAT]++;
	return true;
}

/* Track a routed (untranslated) flow through a port with security groups, so
 * that its replies pass: a session with no translation (flags 0) whose reply
 * tuple is the orig tuple reversed. Only flows that can start here are
 * tracked (TCP SYN, UDP, ICMP echo request); other packets the rules allowed
 * pass untracked (their replies then meet the rules as new flows, as after a
 * flush). Returns false when m was dropped (table full). */
static __rte_noinline bool nat_post_track(struct worker *w, struct rte_mbuf *m,
					   struct pkt_meta *pm)
{
	uint32_t now = nat_now(w);
	struct nat_key k, reply;
	struct nat_session *s;
	int dir = 0, err = 0;

	if ((pm->flags & PKT_F_FRAGMENT) || !(pm->flags & PKT_F_L4_VALID) ||
	    (pm->proto != IPPROTO_TCP && pm->proto != IPPROTO_UDP &&
	     !(pm->proto == IPPROTO_ICMP && pm->icmp_type == NAT_ICMP_ECHO_REQUEST)) ||
	    !nat_key_make(&k, pm->proto, pm->src_ip, pm->dst_ip, pm->sport, pm->dport,
			  pm->icmp_type))
		return true;
	/* An earlier packet of this burst may have opened it. */
	s = nat_session_lookup(w->nat, &k, &dir);
	if (s != NULL) {
		nat_pre_hit(w, m, pm, s, dir, now);
		return true;
	}
	if (pm->proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		if (!nat_tcp_is_open(&seg))
			return true;
	}
	memset(&reply, 0, sizeof(reply));
	reply.proto = k.proto;
	reply.saddr = k.daddr;
	reply.daddr = k.saddr;
	reply.sport = k.dport;
	reply.dport = k.sport;
	s = nat_session_insert(w->nat, &k, &reply, nat_tclass_new(k.proto), 0, 0, now, &err);
	if (s == NULL) {
		if (err == -ENOSPC) {
			pkt_drop(m, DROP_NAT_TABLE_FULL); /* untracked, its replies would be cut */
			return false;
		}
		return true; /* the reply tuple belongs to another session: pass untracked */
	}
	if (k.proto == IPPROTO_TCP) {
		struct nat_tcp_seg seg;

		nat_tcp_hdr(m, pm, &seg);
		nat_tcp_init(s, &seg);
	}
	w->ctr.nat[NAT_CTR_SESSIONS_CREATED]++;
	w->ctr.nat[NAT_CTR_SESSIONS_TRACKED]++;
	pm->flags |= PKT_F_NAT_DONE;
	return true;
}

/* Masquerade a routed packet leaving through the NAT port from an inside
 * prefix; track other new flows that cross a port with security groups. */
bool nat_postrouting(struct worker *w, struct rte_mbuf *m)
{
	const struct nat_rt *rt = w->snap->nat;
	struct pkt_meta *pm = pkt_meta(m);

	if (rt == NULL || w->nat == NULL || (pm->flags & PKT_F_NAT_DONE))
		return true;
	if (pm->out_port == rt->port && nat_is_inside(rt, pm->src_ip))
		return nat_post_snat(w, rt, m, pm);
	if (w->snap->sg_ports & ((UINT32_C(1) << pm->in_port) | (UINT32_C(1) << pm->out_port)))
		return nat_post_track(w, m, pm);
	return true;
}

/* The source address m will leave with: the pool address a new masqueraded
 * flow gets (paired pooling), else its current source. */
uint32_t nat_postrouting_source(const struct worker *w, const struct pkt_meta *pm)
{
	const struct nat_rt *rt = w->snap->nat;

	if (rt == NULL || rt->n_pool == 0 || (pm->flags & PKT_F_NAT_DONE) ||
	    pm->out_port != rt->port || !nat_is_inside(rt, pm->src_ip))
		return pm->src_ip;
	return rt->pool[nat_pool_pick(rt, pm->src_ip)];
}

/* Periodic expiry of idle sessions (bounded work per call). */
void nat_timer(struct worker *w)
{
	unsigned n;

	if (w->snap == NULL || w->snap->nat == NULL || w->nat == NULL)
		return;
	n = nat_session_expire(w->nat, w->snap->nat, nat_now(w), NAT_EXPIRE_BUDGET);
	w->ctr.nat[NAT_CTR_SESSIONS_EXPIRED] += n;
}
