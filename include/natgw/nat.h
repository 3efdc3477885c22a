/* natgw NAT: sessions, port allocation, translation (RFC 4787/5382/5508/6888/7857).
 *
 * Model (conntrack-like). A session has two directional 5-tuples:
 *   orig  - the first packet exactly as natgw received it (initiator's view)
 *   reply - what a reply looks like as natgw will receive it
 * A packet matching orig is rewritten to (src = reply.daddr:dport,
 * dst = reply.saddr:sport); a packet matching reply is rewritten to
 * (src = orig.daddr:dport, dst = orig.saddr:sport). So one mechanism covers
 *   masquerade (SNAT):  orig 10.0.1.10:1234 > 198.51.100.7:80
 *                       reply 198.51.100.7:80 > 203.0.113.1:40001
 *   port-forward (DNAT): orig 198.51.100.7:5555 > 203.0.113.1:8080
 *                       reply 10.0.1.10:80 > 198.51.100.7:5555
 *   hairpin (both):     orig 10.0.2.10:1234 > 203.0.113.1:8080
 *                       reply 10.0.1.10:80 > 203.0.113.1:40002
 * For ICMP echo the identifier plays both ports: a request's key is
 * (src, dst, id, 0), a reply's key is (src, dst, 0, id).
 *
 * Ownership: every session, mapping and port belongs to one worker (struct
 * nat_worker, created by the dataplane per worker); only that worker touches
 * it, so nothing here locks. Configuration (pool, inside prefixes, timeouts,
 * port-forwards) is read from the immutable struct nat_rt in the snapshot;
 * sessions survive snapshot swaps.
 *
 * Where it runs in the pipeline:
 *   nat_prerouting_stage  after parse, before local/transit dispatch: looks up
 *                         existing sessions (both directions) and translates;
 *                         packets to a pool address without a session may
 *                         match a port-forward (new DNAT session) or are
 *                         dropped (NAT_NO_SESSION) unless they are ICMP echo
 *                         requests to a port's own address (answered locally);
 *                         translates ICMP errors about known sessions (RFC 5508);
 *                         packets with TTL <= 1 to be routed are left alone
 *                         (forward_stage sends time-exceeded untranslated).
 *   nat_postrouting       from forward_stage after the route lookup: a packet
 *                         not yet translated, leaving through the NAT port,
 *                         from an inside prefix, creates a SNAT session.
 *   nat_timer             from the worker loop every ~100 ms: expires idle
 *                         sessions from the heads of per-class LRU lists.
 */
#ifndef NATGW_NAT_H
#define NATGW_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "natgw/config.h"

struct worker;
struct nat_worker;

/* Lookup key: one direction of a session. Addresses and ports in network
 * order; pad is always zero so the struct can be hashed/compared as 16 bytes. */
struct nat_key {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
};

/* Timeout classes; each has its own LRU list and timeout. */
enum nat_timeout_class {
	NAT_TC_UDP,
	NAT_TC_TCP_SYN,       /* SYN seen, no reply yet (half-open) */
	NAT_TC_TCP_EST,       /* established */
	NAT_TC_TCP_TRANS,     /* FIN/RST seen: transitory */
	NAT_TC_ICMP,
	NAT_TC_MAX
};

/* TCP state of a session (RFC 7857 section 2 / RFC 5382). */
enum nat_tcp_state {
	NAT_TCP_NONE = 0,
	NAT_TCP_SYN_SENT,     /* SYN from the initiator */
	NAT_TCP_SYN_RECV,     /* SYN-ACK from the responder */
	NAT_TCP_ESTABLISHED,
	NAT_TCP_FIN_ORIG,     /* FIN seen from the initiator only */
	NAT_TCP_FIN_REPLY,    /* FIN seen from the responder only */
	NAT_TCP_FIN_BOTH,     /* both FINs: transitory */
	NAT_TCP_RST,          /* in-window RST: transitory */
};

#define NAT_SESSION_SNAT 0x01  /* source translated (masquerade) */
#define NAT_SESSION_DNAT 0x02  /* destination translated (port-forward) */

/* One session. Kept small: memory per session is reported by natgw-bench. */
struct nat_session {
	struct nat_key orig;
	struct nat_key reply;
	uint32_t last_seen;   /* worker seconds (nat_worker clock) of the last packet */
	uint32_t lru_prev;    /* index links in the LRU list of its class */
	uint32_t lru_next;
	uint8_t tclass;       /* enum nat_timeout_class */
	uint8_t tcp_state;    /* enum nat_tcp_state */
	uint8_t flags;        /* NAT_SESSION_* */
	uint8_t pool_idx;     /* public address used (index in nat_rt.pool) */
	uint32_t td_maxend[2];/* TCP: highest seq+len+window seen per direction (RST window check) */
};

/* A static port-forward, compiled. Network order. */
struct nat_forward_rt {
	uint32_t public_addr;
	uint32_t inside_addr;
	uint16_t public_port;
	uint16_t inside_port;
	uint8_t proto;
};

/* NAT configuration as the packet path sees it (part of dp_snapshot). */
struct nat_rt {
	uint8_t port;                          /* egress port index masquerading applies to */
	uint32_t pool[NATGW_MAX_POOL];          /* network order */
	unsigned n_pool;
	uint32_t inside_net[NATGW_MAX_INSIDE];  /* network order, masked */
	uint32_t inside_mask[NATGW_MAX_INSIDE]; /* network order */
	unsigned n_inside;
	uint16_t port_min, port_max;           /* host order, inclusive */
	uint8_t mapping;                        /* enum natgw_nat_mapping */
	uint32_t timeout[NAT_TC_MAX];           /* seconds */
	uint32_t max_sessions_per_host;         /* 0 = no cap */
	uint32_t port_reuse_delay;              /* seconds */
	bool icmp_on_exhaustion;                /* ICMP 3/13 when a new flow is refused */
	struct nat_forward_rt forwards[NATGW_MAX_FORWARDS];
	unsigned n_forwards;
};

struct rss_conf;

/* Sizing of one worker's NAT state. */
struct nat_worker_params {
	uint32_t max_sessions;   /* this worker's session capacity */
	unsigned worker_id;      /* this worker owns public ports p with */
	unsigned n_workers;      /*   (p - port_min) % n_workers == worker_id */
	/* Optional RSS view of the NAT (public) port: its key/RETA/hash types
	 * (natgw/rss.h) and the RX queue this worker polls there. With it,
	 * nat_port_alloc prefers ports of the share whose replies hash to
	 * rx_queue (see nat_alloc.c). NULL: no view. Must outlive the worker or
	 * be replaced first (nat_worker_rss_set). */
	const struct rss_conf *rss;
	uint16_t rx_queue;
};

/* ---- nat_table.c: sessions, the two-direction lookup table, LRU expiry ---- */

/* Create / destroy a worker's NAT state (host allocator; not on the packet path). */
struct nat_worker *nat_worker_create(const struct nat_worker_params *p);
void nat_worker_destroy(struct nat_worker *nw);

/* Find the session a key belongs to. Returns it and sets *dir (0: key is the
 * session's orig tuple, 1: its reply tuple), or NULL. */
struct nat_session *nat_session_lookup(struct nat_worker *nw, const struct nat_key *k, int *dir);

/* Batched lookups: nat_session_hash computes k's hash for this worker's
 * table and prefetches its home slot; nat_session_prefetch (a second pass,
 * once the slot is likely cached) prefetches the session the slot points at;
 * nat_session_lookup_hashed is nat_session_lookup with the hash supplied. */
uint32_t nat_session_hash(struct nat_worker *nw, const struct nat_key *k);
void nat_session_prefetch(struct nat_worker *nw, uint32_t h);
struct nat_session *nat_session_lookup_hashed(struct nat_worker *nw, const struct nat_key *k,
					      uint32_t h, int *dir);

/* Insert a session with both keys (neither may exist yet). flags and
 * pool_idx are stored; a NAT_SESSION_SNAT session counts against its inside
 * host (orig.saddr) for max_sessions_per_host until deleted. Returns it, or
 * NULL when the table is full (-ENOSPC) or a key exists (-EEXIST): *err says. */
struct nat_session *nat_session_insert(struct nat_worker *nw, const struct nat_key *orig,
				       const struct nat_key *reply, uint8_t tclass, uint8_t flags,
				       uint8_t pool_idx, uint32_t now, int *err);

/* A packet was seen: refresh last_seen and move the session to the tail of
 * the LRU list of tclass (which may differ from its current class). */
void nat_session_touch(struct nat_worker *nw, struct nat_session *s, uint8_t tclass,
		       uint32_t now);

/* Remove a session (both keys). For a SNAT session this also releases its
 * reference on the port mapping (proto, orig.saddr:sport on pool[pool_idx] ->
 * reply.dport); when the last reference goes the port cools down for
 * port_reuse_delay seconds before nat_port_alloc hands it out again; and
 * the inside host's session count drops by one. */
void nat_session_delete(struct nat_worker *nw, struct nat_session *s, uint32_t now);

/* Expire sessions idle longer than their class timeout (rt->timeout[class]),
 * at most budget of them, oldest first. Returns how many were expired. Port
 * cool-down uses rt->port_reuse_delay. */
unsigned nat_session_expire(struct nat_worker *nw, const struct nat_rt *rt, uint32_t now,
			    unsigned budget);

/* Delete every session (flush); returns the count. */
unsigned nat_session_flush(struct nat_worker *nw, uint32_t now);

/* Sessions in use, capacity, and bytes of memory per session (all structures). */
uint32_t nat_session_count(const struct nat_worker *nw);
uint32_t nat_session_capacity(const struct nat_worker *nw);
unsigned nat_bytes_per_session(const struct nat_worker *nw);

/* Session events, for the management plane's event stream. */
enum nat_event {
	NAT_EV_CREATED,    /* s inserted */
	NAT_EV_CLOSED,     /* s about to be deleted (expired, flushed, replaced) */
	NAT_EV_EXHAUSTED,  /* a new flow k was refused: no public port left */
};
typedef void (*nat_observer_fn)(void *arg, enum nat_event ev, const struct nat_session *s,
				const struct nat_key *k);

/* Set (fn != NULL) or clear the worker's observer; called by the owning
 * worker only (the dataplane does it through the worker's mailbox). */
void nat_worker_observe(struct nat_worker *nw, nat_observer_fn fn, void *arg);

/* Report a refused flow to the observer (NAT_EV_EXHAUSTED). */
void nat_worker_notify_exhausted(struct nat_worker *nw, const struct nat_key *k);

/* Iterate over live sessions (management plane, tests): calls fn for each. */
void nat_session_foreach(struct nat_worker *nw,
			 void (*fn)(const struct nat_session *s, void *arg), void *arg);

/* ---- nat_alloc.c: public address and port allocation ---- */

/* Public address index for an inside host (paired pooling: always the same one). */
unsigned nat_pool_pick(const struct nat_rt *rt, uint32_t inside_addr);

/* Choose the public port for a new SNAT session of inside endpoint
 * (proto, inside addr:port) talking to (remote addr:port), on public address
 * pool[pool_idx]. Endpoint-independent: reuse this endpoint's existing mapping
 * if it has one, else take a random free port of this worker's share that is
 * not cooling down (port_reuse_delay after release); when no free port is
 * left (or mapping is tuple-unique), a random port whose (remote, public)
 * tuple is unused. With an RSS view (nat_worker_params.rss) and a protocol
 * the NAT port hashes over ports, each new pick first looks for a port whose
 * reply (remote:port -> public:port) hashes to this worker's RX queue and
 * takes any other only when none fits; an existing mapping is reused
 * wherever its reply hashes (nat_port_alloc_steer tells). Returns 0 and
 * *public_port (network order), or -ENOSPC (exhausted; nothing changed).
 * Takes a reference on the mapping: released by nat_session_delete. */
int nat_port_alloc(struct nat_worker *nw, const struct nat_rt *rt, uint8_t proto,
		   unsigned pool_idx, uint32_t inside_addr, uint16_t inside_port,
		   uint32_t remote_addr, uint16_t remote_port, uint32_t now,
		   uint16_t *public_port);

/* May inside_addr (network order) open one more SNAT session under
 * max_sessions_per_host? (Counting is done by insert/delete.) */
bool nat_host_admit(struct nat_worker *nw, const struct nat_rt *rt, uint32_t inside_addr);

/* (nat_port_alloc notes: IPPROTO_ICMP allocates echo identifiers and ignores
 * remote_port, the reply key being (remote, public, 0, id); other protocols
 * than TCP/UDP/ICMP get -EPROTONOSUPPORT, a bad pool_idx -EINVAL. Ports that
 * are the public side of a port-forward are never handed out.) */

/* Give back a reference taken by nat_port_alloc whose session was never
 * inserted (nat_session_insert failed): same arguments as the alloc plus the
 * port it returned (network order). An undo: the port was never used, so it
 * does not cool down (session deletes do). */
void nat_port_release(struct nat_worker *nw, uint8_t proto, unsigned pool_idx,
		      uint32_t inside_addr, uint16_t inside_port, uint16_t public_port,
		      uint32_t now);

/* How the last successful nat_port_alloc of this worker found its port (for
 * NAT_CTR_MAPPING_EIM_REUSED and NAT_CTR_PORT_TUPLE_SHARED). */
enum nat_alloc_kind {
	NAT_ALLOC_NEW_MAPPING,   /* a free port: new endpoint-independent mapping */
	NAT_ALLOC_EIM_REUSED,    /* the endpoint's existing mapping */
	NAT_ALLOC_TUPLE,         /* tuple-unique on a port nobody else uses */
	NAT_ALLOC_TUPLE_SHARED,  /* tuple-unique on a port other sessions use too */
};
enum nat_alloc_kind nat_port_alloc_kind(const struct nat_worker *nw);

/* Where the replies of the last successful nat_port_alloc's session will
 * arrive (for NAT_CTR_RSS_STEERED_HOME and NAT_CTR_RSS_HANDOFF). */
enum nat_alloc_steer {
	NAT_STEER_NONE,      /* no RSS view: unknown (the port share + handoff decide) */
	NAT_STEER_HOME,      /* replies hash to this worker's own RX queue */
	NAT_STEER_HANDOFF,   /* replies hash to another queue (or are not hashed):
				the worker there hands them to this one */
};
enum nat_alloc_steer nat_port_alloc_steer(const struct nat_worker *nw);

/* Set (rss != NULL) or clear the worker's RSS view of the NAT port (see
 * struct nat_worker_params); by the owning worker, or before it runs. Existing
 * sessions are not moved. */
void nat_worker_rss_set(struct nat_worker *nw, const struct rss_conf *rss, uint16_t rx_queue);

/* ---- nat_stage.c: the pipeline stages ---- */

/* Current NAT clock (seconds) of a worker, from w->now / w->hz. */
uint32_t nat_now(const struct worker *w);

void nat_prerouting_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Masquerades new flows leaving through the NAT port from inside, and opens
 * tracking sessions (no translation) for other new routed flows crossing a
 * port with security groups (dp_snapshot.sg_ports).
 * Returns true if m goes on (translated or not NAT's business), false when it
 * was dropped (action set). */
bool nat_postrouting(struct worker *w, struct rte_mbuf *m);

/* The source address (network order) a routed packet will leave with: the
 * pool address a new masqueraded flow gets, else its current source. For the
 * egress filter, which runs before postrouting opens the session. */
struct pkt_meta;
uint32_t nat_postrouting_source(const struct worker *w, const struct pkt_meta *pm);

/* Periodic expiry; call every ~100 ms. */
void nat_timer(struct worker *w);

/* True if addr (network order) is one of the pool's public addresses. */
bool nat_is_pool_addr(const struct nat_rt *rt, uint32_t addr);

#endif
