/* NAT public address and port allocation (RFC 4787 REQ-1, RFC 6056, RFC 7857).
 *
 * Overview. Paired pooling: an inside host always gets the same public
 * address (a fixed hash of its address mod n_pool, the same on every worker).
 * Ports: a worker owns the ports p of [port_min, port_max] with
 * (p - port_min) % n_workers == worker_id; per (public address, protocol) it
 * keeps one uint32 per port, indexed by p / n_workers (distinct for distinct
 * ports of one share, whatever port_min is):
 *   bit 31 set   in use; bits 0-30 = sessions referencing the port
 *   0            never used: free
 *   otherwise    free since time t, stored as (t + 1) & 0x7fffffff; cooling
 *                down (not given to a new mapping) until t + port_reuse_delay
 * Endpoint-independent mappings (proto, inside addr:port, pool index) ->
 * public port live in an open-addressing table (backward-shift deletion)
 * with a session reference count. A new mapping only takes a port with no
 * references, so a mapping's port is its own until it goes; tuple-unique
 * allocations (fallback, or mapping = tuple) may share any port that is not
 * cooling as long as the reply key (proto, remote:port -> public:port) is
 * not in the session table. Invariant: every session of an endpoint on its
 * mapping's port is counted in that mapping (tuple-unique picks avoid the
 * endpoint's mapping port), so release can tell the two kinds apart.
 * Ports are drawn from a per-worker splitmix64 stream seeded from getrandom
 * and the TSC: a few random draws, then a scan from a random start. Nothing
 * is ever evicted: when nothing fits, -ENOSPC.
 *
 * RSS view (optional: NICs with RSS but no flow director, such as ENA). The
 * share stays the owner of record: a public port belongs to one worker
 * whatever the remote, so workers never collide (no shared state) and any
 * packet to a public port - a reply on a foreign queue, an ICMP error quoting
 * it, a reassembled fragment - is handed to its owner from the port alone.
 * What RSS adds is a preference inside the share: the queue of a reply
 * (remote addr:port -> public addr:port) depends on the remote too, and about
 * one port of the share in n_queues hashes to this worker's queue for a given
 * remote. Every fresh pick (new mapping, tuple-unique) therefore runs first
 * over the ports whose reply hashes home (more random draws, then the scan),
 * then, only when none fits, over the whole share as without RSS (the reply
 * will need a handoff). An existing mapping is reused for a new remote even
 * when its reply hashes elsewhere: endpoint-independent mapping (RFC 4787
 * REQ-1) is the contract, steering an optimisation (typical clients open a
 * new source port per connection, so most sessions are new mappings: home).
 * A share defined by the hash instead would let two workers hand out the
 * same public port (one per remote set), which breaks endpoint-independence
 * (a mapping could only serve the remotes hashing home), makes a free port
 * a per-remote notion, and leaves no way to find the owner of a packet the
 * NIC does not hash over ports (ICMP errors, fragments) without searching.
 * Capacity, cool-down, tuple-unique fallback and exhaustion are unchanged:
 * the same share, only the order of preference differs. Without a view (or
 * for protocols the port hashes on addresses only: ICMP, or UDP on some
 * NICs) the code path and random stream are exactly those of no RSS.
 *
 * Life-cycle. nat_alloc_init (from nat_worker_create) allocates the mapping
 * table and the port state (one calloc; its pages are only touched for the
 * addresses and protocols in use). nat_port_alloc takes a reference,
 * nat_session_delete (via nat_alloc_release_session) gives it back and
 * starts the cool-down; nat_port_release undoes an allocation whose session
 * was never inserted (the port was free, not cooling: it is free again).
 *
 * Who may touch what. The owning worker only, like the session table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "natgw/nat.h"

#include "nat_internal.h"

#define PS_INUSE 0x80000000u
#define PS_MASK 0x7fffffffu
#define NAT_RANDOM_TRIES 8
#define NAT_TUPLE_PROBES 2048   /* reply-key lookups per tuple-unique scan: exact
				   for shares up to 2048 ports; beyond, a remote
				   is refused once 2048 ports in a row are taken */
#define NAT_RSS_TRIES 32        /* random draws of a home-first pick (about
				   1 in n_queues draws hashes home) */

/* Protocol -> port space index, or -1. */
static inline int proto_index(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 0;
	case IPPROTO_UDP:
		return 1;
	case IPPROTO_ICMP:
		return 2;
	default:
		return -1;
	}
}

/* ---- port state words ---- */

/* Is a free (not in use) port state word still cooling down at now? */
static inline bool ps_cooling(uint32_t st, uint32_t now, uint32_t delay)
{
	return st != 0 && ((now + 1 - st) & PS_MASK) < delay;
}

/* Seconds until a cooling port is free. */
static inline uint32_t ps_cool_left(uint32_t st, uint32_t now, uint32_t delay)
{
	return delay - ((now + 1 - st) & PS_MASK);
}

/* State word of a port released at now. */
static inline uint32_t ps_stamp(uint32_t now)
{
	uint32_t v = (now + 1) & PS_MASK;

	return v ? v : 1;
}

/* ---- mapping table ---- */

/* 64-bit key of an endpoint mapping. */
static inline uint64_t map_key(uint8_t proto, uint32_t addr, uint16_t port, uint8_t pool)
{
	return (uint64_t)addr | (uint64_t)port << 32 | (uint64_t)proto << 48 |
	       (uint64_t)pool << 56;
}

/* Home slot of a mapping entry. */
static inline uint32_t map_home(const struct nat_worker *nw, const struct nat_mapping *m)
{
	return nat_home(nat_hash64(nw, map_key(m->proto, m->addr, m->in_port, m->pool)), nw->map_size);
}

/* Slot of the endpoint's mapping, or NAT_NIL. */
static uint32_t map_find(const struct nat_worker *nw, uint8_t proto, uint32_t addr,
			 uint16_t port, uint8_t pool)
{
	uint32_t i = nat_home(nat_hash64(nw, map_key(proto, addr, port, pool)), nw->map_size);

	for (;;) {
		const struct nat_mapping *m = &nw->maps[i];

		if (m->refs == 0)
			return NAT_NIL;
		if (m->addr == addr && m->in_port == port && m->proto == proto && m->pool == pool)
			return i;
		i = nat_next(i, nw->map_size);
	}
}

/* New mapping with one reference (the endpoint has none); NAT_NIL if full. */
static uint32_t map_add(struct nat_worker *nw, uint8_t proto, uint32_t addr, uint16_t port,
			uint8_t pool, uint16_t pub_port)
{
	uint32_t i;

	if (nw->n_maps >= nw->map_max)
		return NAT_NIL;
	i = nat_home(nat_hash64(nw, map_key(proto, addr, port, pool)), nw->map_size);
	while (nw->maps[i].refs != 0)
		i = nat_next(i, nw->map_size);
	nw->maps[i] = (struct nat_mapping){ .addr = addr, .in_port = port, .proto = proto,
					    .pool = pool, .pub_port = pub_port, .refs = 1 };
	nw->n_maps++;
	return i;
}

/* Remove the mapping in slot i (backward shift). */
static void map_del(struct nat_worker *nw, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t k;

		j = nat_next(j, nw->map_size);
		if (nw->maps[j].refs == 0)
			break;
		k = map_home(nw, &nw->maps[j]);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		nw->maps[i] = nw->maps[j];
		i = j;
	}
	memset(&nw->maps[i], 0, sizeof(nw->maps[i]));
	nw->n_maps--;
}

/* ---- RSS view ---- */

/* Set or clear the RSS view; steering only if rx_queue is in the RETA at all
 * (else no port can ever hash home and each pick would scan in vain). */
void nat_worker_rss_set(struct nat_worker *nw, const struct rss_conf *rss, uint16_t rx_queue)
{
	nw->rss = rss;
	nw->rx_queue = rx_queue;
	nw->rss_steer = false;
	for (unsigned i = 0; rss != NULL && i < rss->reta_size; i++)
		if (rss->reta[i] == rx_queue)
			nw->rss_steer = true;
	for (unsigned a = 0; a < NATGW_MAX_POOL; a++)
		for (unsigned q = 0; q < NAT_N_PROTO; q++)
			nw->ports[a][q].neg_home_valid = false;
	nw->last_steer = NAT_STEER_NONE;
}

/* ---- create / destroy ---- */

/* Allocator part of nat_worker_create: mapping table, port state, seeds. */
int nat_alloc_init(struct nat_worker *nw, const struct nat_worker_params *p)
{
	uint64_t seed[3] = { 0, 0, 0 };
	size_t n;

	nw->worker_id = p->worker_id;
	nw->n_workers = p->n_workers;
	nw->map_size = nw->cap + nw->cap / 2;
	nw->map_max = nw->cap;
	nw->maps = nat_mem_zalloc((size_t)nw->map_size * sizeof(*nw->maps));
	if (nw->maps == NULL)
		goto err_maps;
	nw->port_len = 65535 / p->n_workers + 1;
	n = (size_t)NATGW_MAX_POOL * NAT_N_PROTO * nw->port_len;
	nw->port_block = calloc(n, sizeof(uint32_t));
	if (nw->port_block == NULL)
		goto err_ports;
	for (unsigned a = 0; a < NATGW_MAX_POOL; a++)
		for (unsigned q = 0; q < NAT_N_PROTO; q++)
			nw->ports[a][q].state =
				nw->port_block + ((size_t)a * NAT_N_PROTO + q) * nw->port_len;

	/* Unpredictable port stream (RFC 6056) and hash keys: getrandom, mixed
	 * with the TSC in case it is not available. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed[0] ^= (uint64_t)(uintptr_t)nw;
	nw->rng = seed[0] ^ rte_rdtsc();
	nw->seed0 = seed[1] ^ nat_rand(nw);
	nw->seed1 = seed[2] ^ nat_rand(nw);
	nw->last_kind = NAT_ALLOC_NEW_MAPPING;
	nat_worker_rss_set(nw, p->rss, p->rx_queue);
	return 0;

err_ports:
	nat_mem_free(nw->maps, (size_t)nw->map_size * sizeof(*nw->maps));
	nw->maps = NULL;
err_maps:
	return -ENOMEM;
}

/* Allocator part of nat_worker_destroy. */
void nat_alloc_fini(struct nat_worker *nw)
{
	free(nw->port_block);
	nat_mem_free(nw->maps, (size_t)nw->map_size * sizeof(*nw->maps));
}

/* Bytes of the allocator's structures that scale with the capacity. */
size_t nat_alloc_bytes(const struct nat_worker *nw)
{
	return (size_t)nw->map_size * sizeof(struct nat_mapping);
}

/* ---- pooling, host caps ---- */

/* Public address index of an inside host: fixed hash (same on every worker
 * and across restarts) mod n_pool. */
unsigned nat_pool_pick(const struct nat_rt *rt, uint32_t inside_addr)
{
	uint32_t h = inside_addr;

	if (rt->n_pool <= 1)
		return 0;
	/* murmur3 fmix32 */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (unsigned)(((uint64_t)h * rt->n_pool) >> 32);
}

/* May inside_addr open another SNAT session? */
bool nat_host_admit(struct nat_worker *nw, const struct nat_rt *rt, uint32_t inside_addr)
{
	if (rt->max_sessions_per_host == 0)
		return true;
	return nat_host_sessions(nw, inside_addr) < rt->max_sessions_per_host;
}

/* ---- allocation ---- */

/* One allocation request and the share it draws from. */
struct alloc_ctx {
	struct nat_worker *nw;
	const struct nat_rt *rt;
	struct nat_port_space *ps;
	uint32_t pub;        /* public address (network order) */
	uint32_t rem_addr;   /* network order */
	uint16_t rem_port;   /* network order */
	uint8_t proto;
	uint32_t base;       /* first port of the share (host order) */
	uint32_t step;       /* n_workers */
	uint32_t size;       /* ports in the share */
	uint32_t now;
	uint32_t delay;
	int avoid;           /* host-order port never to pick, or -1 */
	bool home;           /* this pass: only ports whose reply hashes to rx_queue */
	int alt;             /* home pass: first other candidate met, or -1 */
	uint16_t rx_queue;
	const struct rss_conf *rss;
	uint32_t rss_part;   /* Toeplitz of the reply's remote addr, public addr, remote port */
};

/* Does the reply to public port p (host order) hash to this worker's queue? */
static inline bool port_home(const struct alloc_ctx *c, uint32_t p)
{
	uint32_t h = rss_hash_l4_finish(c->rss, c->rss_part, rte_cpu_to_be_16((uint16_t)p));

	return rss_queue_of_hash(c->rss, h) == c->rx_queue;
}

/* May this pass take candidate p as far as steering goes (any port, or a
 * home one)? A home pass remembers the first other candidate it meets
 * (c->alt): the fallback when no home port fits, without a second scan. */
static inline bool port_steer_ok(struct alloc_ctx *c, uint32_t p)
{
	if (!c->home || port_home(c, p))
		return true;
	if (c->alt < 0)
		c->alt = (int)p;
	return false;
}

/* Is public port p (host order) usable for this request, port state aside:
 * not excluded, not a port-forward's public port, reply key unused? */
static bool port_ok(const struct alloc_ctx *c, uint32_t p)
{
	const struct nat_rt *rt = c->rt;
	uint16_t pn = rte_cpu_to_be_16((uint16_t)p);
	struct nat_key k;

	if ((int)p == c->avoid || (p == 0 && c->proto != IPPROTO_ICMP))
		return false;
	for (unsigned i = 0; i < rt->n_forwards; i++) {
		const struct nat_forward_rt *f = &rt->forwards[i];

		if (f->public_port == pn && f->proto == c->proto && f->public_addr == c->pub)
			return false;
	}
	memset(&k, 0, sizeof(k));
	k.saddr = c->rem_addr;
	k.daddr = c->pub;
	k.sport = c->rem_port;
	k.dport = pn;
	k.proto = c->proto;
	return nat_session_lookup(c->nw, &k, NULL) == NULL;
}

/* State word of port p. */
static inline uint32_t *ps_word(const struct alloc_ctx *c, uint32_t p)
{
	return &c->ps->state[p / c->step];
}

/* Is the "no free port before" hint of the space valid now? */
static bool hint_valid(const struct alloc_ctx *c)
{
	const struct nat_port_space *ps = c->ps;

	return ps->hint && ps->hint_delay == c->delay && ps->hint_min == c->rt->port_min &&
	       ps->hint_max == c->rt->port_max && (int32_t)(c->now - ps->no_free_until) < 0;
}

/* A random port of the share with no references that is not cooling down
 * (for a new endpoint-independent mapping), home-hashing in a home pass; -1
 * if none. */
static int pick_free(struct alloc_ctx *c)
{
	struct nat_port_space *ps = c->ps;
	uint32_t start, min_left = UINT32_MAX;
	unsigned tries = c->home ? NAT_RSS_TRIES : NAT_RANDOM_TRIES;
	bool saw_free = false;

	for (unsigned t = 0; t < tries; t++) {
		uint32_t p = c->base + nat_rand_below(c->nw, c->size) * c->step;
		uint32_t st = *ps_word(c, p);

		if (!(st & PS_INUSE) && !ps_cooling(st, c->now, c->delay) && port_steer_ok(c, p) &&
		    port_ok(c, p))
			return (int)p;
	}
	if (hint_valid(c))
		return -1;
	start = nat_rand_below(c->nw, c->size);
	for (uint32_t j = 0; j < c->size; j++) {
		uint32_t i = start + j < c->size ? start + j : start + j - c->size;
		uint32_t p = c->base + i * c->step;
		uint32_t st = *ps_word(c, p);

		if (st & PS_INUSE)
			continue;
		if (ps_cooling(st, c->now, c->delay)) {
			uint32_t left = ps_cool_left(st, c->now, c->delay);

			if (left < min_left)
				min_left = left;
			continue;
		}
		saw_free = true; /* free state, whatever the hash: the hint's notion */
		if (port_steer_ok(c, p) && port_ok(c, p))
			return (int)p;
	}
	if (!saw_free) {
		/* Only time (or a release, see port_unref) makes a port free. */
		ps->hint = true;
		ps->no_free_until = c->now + (min_left == UINT32_MAX ? 0x40000000u : min_left);
		ps->hint_delay = c->delay;
		ps->hint_min = c->rt->port_min;
		ps->hint_max = c->rt->port_max;
	}
	return -1;
}

/* A random port of the share, in use or free but not cooling down, whose
 * reply key is unused (tuple-unique), home-hashing in a home pass; -1 if none
 * within the probe budget. */
static int pick_tuple(struct alloc_ctx *c)
{
	struct nat_port_space *ps = c->ps;
	uint32_t start, budget = NAT_TUPLE_PROBES;
	unsigned tries = c->home ? NAT_RSS_TRIES : NAT_RANDOM_TRIES;

	if (ps->neg_valid && ps->neg_gen == ps->gen && ps->neg_time == c->now &&
	    ps->neg_addr == c->rem_addr && ps->neg_port == c->rem_port)
		return -1; /* refused this second, nothing released since */
	if (c->home && ps->neg_home_valid && ps->neg_home_gen == ps->gen &&
	    ps->neg_home_time == c->now && ps->neg_home_addr == c->rem_addr &&
	    ps->neg_home_port == c->rem_port)
		return -1; /* no home port this second, nothing released since */

	for (unsigned t = 0; t < tries; t++) {
		uint32_t p = c->base + nat_rand_below(c->nw, c->size) * c->step;
		uint32_t st = *ps_word(c, p);

		if (((st & PS_INUSE) || !ps_cooling(st, c->now, c->delay)) &&
		    port_steer_ok(c, p) && port_ok(c, p))
			return (int)p;
	}
	start = nat_rand_below(c->nw, c->size);
	for (uint32_t j = 0; j < c->size && budget > 0; j++) {
		uint32_t i = start + j < c->size ? start + j : start + j - c->size;
		uint32_t p = c->base + i * c->step;
		uint32_t st = *ps_word(c, p);

		if (!(st & PS_INUSE) && ps_cooling(st, c->now, c->delay))
			continue;
		if (!port_steer_ok(c, p))
			continue; /* the budget counts reply-key lookups */
		budget--;
		if (port_ok(c, p))
			return (int)p;
	}
	if (c->home) {
		if (c->avoid < 0) { /* no home port for this remote */
			ps->neg_home_valid = true;
			ps->neg_home_gen = ps->gen;
			ps->neg_home_time = c->now;
			ps->neg_home_addr = c->rem_addr;
			ps->neg_home_port = c->rem_port;
		}
		return -1;
	}
	if (c->avoid < 0) { /* every port was a candidate: the remote is full */
		ps->neg_valid = true;
		ps->neg_gen = ps->gen;
		ps->neg_time = c->now;
		ps->neg_addr = c->rem_addr;
		ps->neg_port = c->rem_port;
	}
	return -1;
}

/* Take one reference on port p; returns whether it was already in use. */
static bool port_ref(struct nat_port_space *ps, uint32_t *st)
{
	if (*st & PS_INUSE) {
		if ((*st & PS_MASK) < PS_MASK)
			(*st)++;
		return true;
	}
	*st = PS_INUSE | 1;
	ps->in_use++;
	return false;
}

/* Drop one reference on a port; at 0 it starts cooling down, or (cool false:
 * undoing an allocation nobody used) is simply free again. */
static void port_unref(struct nat_port_space *ps, uint32_t *st, uint32_t now, bool cool)
{
	if (!(*st & PS_INUSE))
		return; /* not referenced: ignore rather than underflow */
	ps->gen++; /* a reply tuple or a port may be free: forget refusals */
	if ((*st & PS_MASK) > 1) {
		(*st)--;
		return;
	}
	ps->in_use--;
	if (!cool) {
		*st = 0;
		ps->hint = false; /* a free port exists now */
		return;
	}
	*st = ps_stamp(now);
	if (ps->hint) {
		uint32_t end = now + ps->hint_delay;

		if ((int32_t)(end - ps->no_free_until) < 0)
			ps->no_free_until = end;
	}
}

/* Where the reply to public port p (host order) of this request arrives. */
static uint8_t alloc_steer(const struct nat_worker *nw, const struct alloc_ctx *c, uint32_t p)
{
	int q;

	if (nw->rss == NULL)
		return NAT_STEER_NONE;
	q = rss_queue_of_proto(nw->rss, c->proto, c->rem_addr, c->pub, c->rem_port,
			       rte_cpu_to_be_16((uint16_t)p));
	return q == (int)nw->rx_queue ? NAT_STEER_HOME : NAT_STEER_HANDOFF;
}

/* pick (pick_free or pick_tuple): with steering a home pass first, then
 * (none fits) the first other candidate it met, else the plain pass;
 * without steering, the plain pass only. */
static int pick_steered(struct alloc_ctx *c, bool steer, int (*pick)(struct alloc_ctx *c))
{
	int p;

	if (steer) {
		c->home = true;
		c->alt = -1;
		p = pick(c);
		c->home = false;
		if (p >= 0)
			return p;
		if (c->alt >= 0 && port_ok(c, (uint32_t)c->alt))
			return c->alt;
	}
	return pick(c);
}

/* Choose the public port of a new SNAT session (see nat.h). */
int nat_port_alloc(struct nat_worker *nw, const struct nat_rt *rt, uint8_t proto,
		   unsigned pool_idx, uint32_t inside_addr, uint16_t inside_port,
		   uint32_t remote_addr, uint16_t remote_port, uint32_t now,
		   uint16_t *public_port)
{
	int pi = proto_index(proto), p;
	struct alloc_ctx c;
	uint32_t m = NAT_NIL, *st;
	bool steer;

	if (pi < 0)
		return -EPROTONOSUPPORT;
	if (pool_idx >= rt->n_pool || pool_idx >= NATGW_MAX_POOL)
		return -EINVAL;
	c.nw = nw;
	c.rt = rt;
	c.ps = &nw->ports[pool_idx][pi];
	c.pub = rt->pool[pool_idx];
	c.rem_addr = remote_addr;
	c.rem_port = proto == IPPROTO_ICMP ? 0 : remote_port;
	c.proto = proto;
	c.step = nw->n_workers;
	c.base = (uint32_t)rt->port_min + nw->worker_id;
	if (rt->port_min > rt->port_max || c.base > rt->port_max)
		return -ENOSPC;
	c.size = (rt->port_max - c.base) / c.step + 1;
	c.now = now;
	c.delay = rt->port_reuse_delay;
	c.avoid = -1;
	c.home = false;
	c.alt = -1;
	c.rss = nw->rss;
	c.rx_queue = nw->rx_queue;
	c.rss_part = 0;
	/* Steer only where the port hashes this protocol over its ports. */
	steer = nw->rss_steer && rss_proto_uses_ports(nw->rss, proto);
	if (steer) /* reply: remote addr, public addr, remote port, [public port] */
		c.rss_part = rss_hash_l4_partial(nw->rss, c.rem_addr, c.pub, c.rem_port);

	m = map_find(nw, proto, inside_addr, inside_port, (uint8_t)pool_idx);
	if (rt->mapping != NATGW_NAT_MAPPING_TUPLE) {
		if (m != NAT_NIL) {
			struct nat_mapping *mp = &nw->maps[m];
			uint32_t hp = rte_be_to_cpu_16(mp->pub_port);

			/* endpoint-independent: kept even if the reply hashes elsewhere */
			if (mp->refs < UINT16_MAX && port_ok(&c, hp)) {
				mp->refs++;
				port_ref(c.ps, ps_word(&c, hp));
				nw->last_kind = NAT_ALLOC_EIM_REUSED;
				nw->last_steer = alloc_steer(nw, &c, hp);
				*public_port = mp->pub_port;
				return 0;
			}
		} else if (nw->n_maps < nw->map_max) {
			p = pick_steered(&c, steer, pick_free);
			if (p >= 0) {
				uint16_t pn = rte_cpu_to_be_16((uint16_t)p);

				map_add(nw, proto, inside_addr, inside_port, (uint8_t)pool_idx, pn);
				port_ref(c.ps, ps_word(&c, (uint32_t)p));
				nw->last_kind = NAT_ALLOC_NEW_MAPPING;
				nw->last_steer = alloc_steer(nw, &c, (uint32_t)p);
				*public_port = pn;
				return 0;
			}
		}
	}
	/* tuple-unique: never on the endpoint's own mapping port (invariant) */
	if (m != NAT_NIL)
		c.avoid = rte_be_to_cpu_16(nw->maps[m].pub_port);
	p = pick_steered(&c, steer, pick_tuple);
	if (p < 0)
		return -ENOSPC;
	st = ps_word(&c, (uint32_t)p);
	nw->last_kind = port_ref(c.ps, st) ? NAT_ALLOC_TUPLE_SHARED : NAT_ALLOC_TUPLE;
	nw->last_steer = alloc_steer(nw, &c, (uint32_t)p);
	*public_port = rte_cpu_to_be_16((uint16_t)p);
	return 0;
}

/* How the last successful allocation found its port. */
enum nat_alloc_kind nat_port_alloc_kind(const struct nat_worker *nw)
{
	return (enum nat_alloc_kind)nw->last_kind;
}

/* Where the replies of the last successful allocation's session arrive. */
enum nat_alloc_steer nat_port_alloc_steer(const struct nat_worker *nw)
{
	return (enum nat_alloc_steer)nw->last_steer;
}

/* Drop one reference of (endpoint, public port): the mapping's, if the port
 * is the endpoint's mapping port, and the port's. */
static void port_release(struct nat_worker *nw, uint8_t proto, unsigned pool_idx,
			 uint32_t inside_addr, uint16_t inside_port, uint16_t public_port,
			 uint32_t now, bool cool)
{
	int pi = proto_index(proto);
	struct nat_port_space *ps;
	uint32_t m;

	if (pi < 0 || pool_idx >= NATGW_MAX_POOL)
		return;
	m = map_find(nw, proto, inside_addr, inside_port, (uint8_t)pool_idx);
	if (m != NAT_NIL && nw->maps[m].pub_port == public_port) {
		if (--nw->maps[m].refs == 0)
			map_del(nw, m);
	}
	ps = &nw->ports[pool_idx][pi];
	port_unref(ps, &ps->state[rte_be_to_cpu_16(public_port) / nw->n_workers], now, cool);
}

/* Undo a nat_port_alloc whose session was never inserted (no cool-down). */
void nat_port_release(struct nat_worker *nw, uint8_t proto, unsigned pool_idx,
		      uint32_t inside_addr, uint16_t inside_port, uint16_t public_port,
		      uint32_t now)
{
	port_release(nw, proto, pool_idx, inside_addr, inside_port, public_port, now, false);
}

/* The port reference of a SNAT session being deleted (cool-down at 0). */
void nat_alloc_release_session(struct nat_worker *nw, const struct nat_session *s,
			       uint32_t now)
{
	port_release(nw, s->orig.proto, s->pool_idx, s->orig.saddr, s->orig.sport,
		     s->reply.dport, now, true);
}
