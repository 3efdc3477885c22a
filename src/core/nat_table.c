/* NAT session table: sessions, the two-direction lookup, per-class LRU expiry.
 *
 * Overview. A worker's sessions live in one array of N (power of two)
 * struct nat_session. Each session is reachable by two keys (orig, reply)
 * through one open-addressing table of 4N slots (linear probing, backward
 * shift deletion, load <= 0.5); a slot holds the 32-bit hash and the session
 * index with the direction bit, the key itself is read from the session to
 * confirm a match. Each live session sits in the LRU list of its timeout
 * class (oldest at the head), so expiry only looks at list heads. A small
 * host table counts SNAT sessions per inside address (per-host caps).
 *
 * Life-cycle. nat_worker_create allocates everything (calloc) once; insert,
 * touch, delete, expire never allocate. nat_session_delete gives a SNAT
 * session's port reference back to the allocator (nat_alloc.c).
 *
 * Who may touch what. Everything belongs to the one worker that created it
 * (its lcore): no locks, no atomics. The management plane reads sessions only
 * through nat_session_foreach run by the owner (or while the worker is
 * stopped).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "natgw/nat.h"

#include "nat_internal.h"

#define NAT_MIN_CAP 16u
#define NAT_MAX_CAP (1u << 28)

/* Round v up to a power of two (v >= 1, v <= 2^31). */
static uint32_t pow2_roundup(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* May the entry at j (home slot k) stay where it is when slot i is emptied,
 * i.e. does k lie cyclically in (i, j]? (backward-shift deletion) */
static inline bool stays(uint32_t i, uint32_t j, uint32_t k)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* ---- host table: inside address -> SNAT session count ---- */

/* Slot of addr in the host table, or NAT_NIL. */
static uint32_t host_find(const struct nat_worker *nw, uint32_t addr)
{
	uint32_t i = nat_home(nat_hash64(nw, addr), nw->host_size);

	for (;;) {
		const struct nat_host *h = &nw->hosts[i];

		if (h->count == 0)
			return NAT_NIL;
		if (h->addr == addr)
			return i;
		i = nat_next(i, nw->host_size);
	}
}

/* SNAT sessions of an inside host. */
uint32_t nat_host_sessions(const struct nat_worker *nw, uint32_t addr)
{
	uint32_t i = host_find(nw, addr);

	return i == NAT_NIL ? 0 : nw->hosts[i].count;
}

/* Count one more session for addr; -ENOSPC if a new host does not fit. */
static int host_inc(struct nat_worker *nw, uint32_t addr)
{
	uint32_t i = nat_home(nat_hash64(nw, addr), nw->host_size);

	for (;;) {
		struct nat_host *h = &nw->hosts[i];

		if (h->count == 0)
			break;
		if (h->addr == addr) {
			h->count++;
			return 0;
		}
		i = nat_next(i, nw->host_size);
	}
	if (nw->n_hosts >= nw->host_max)
		return -ENOSPC;
	nw->hosts[i].addr = addr;
	nw->hosts[i].count = 1;
	nw->n_hosts++;
	return 0;
}

/* Count one session less for addr; the entry goes at 0 (backward shift). */
static void host_dec(struct nat_worker *nw, uint32_t addr)
{
	uint32_t i = host_find(nw, addr), j;

	if (i == NAT_NIL)
		return;
	if (--nw->hosts[i].count > 0)
		return;
	nw->n_hosts--;
	j = i;
	for (;;) {
		uint32_t k;

		j = nat_next(j, nw->host_size);
		if (nw->hosts[j].count == 0)
			break;
		k = nat_home(nat_hash64(nw, nw->hosts[j].addr), nw->host_size);
		if (stays(i, j, k))
			continue;
		nw->hosts[i] = nw->hosts[j];
		i = j;
	}
	nw->hosts[i].count = 0;
	nw->hosts[i].addr = 0;
}

/* ---- lookup slots ---- */

/* Add key hash h of session idx, direction dir. The table never fills. */
static void slot_add(struct nat_worker *nw, uint32_t h, uint32_t idx, unsigned dir)
{
	uint32_t i = h & nw->slot_mask;

	while (nw->slots[i].val != 0)
		i = (i + 1) & nw->slot_mask;
	nw->slots[i].tag = h;
	nw->slots[i].val = (idx << 1 | dir) + 1;
}

/* Remove the slot of (idx, dir) whose key hashes to h; backward shift. */
static void slot_del(struct nat_worker *nw, uint32_t h, uint32_t idx, unsigned dir)
{
	uint32_t val = (idx << 1 | dir) + 1, mask = nw->slot_mask;
	uint32_t i = h & mask, j;

	for (;;) {
		if (nw->slots[i].val == 0)
			return; /* not there: nothing to do */
		if (nw->slots[i].val == val)
			break;
		i = (i + 1) & mask;
	}
	j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (nw->slots[j].val == 0)
			break;
		if (stays(i, j, nw->slots[j].tag & mask))
			continue;
		nw->slots[i] = nw->slots[j];
		i = j;
	}
	nw->slots[i].val = 0;
	nw->slots[i].tag = 0;
}

/* ---- LRU lists ---- */

/* Unlink session idx from the list of its class. */
static void lru_unlink(struct nat_worker *nw, uint32_t idx)
{
	struct nat_session *s = &nw->sess[idx];
	struct nat_lru *l = &nw->lru[s->tclass];

	if (s->lru_prev != NAT_NIL)
		nw->sess[s->lru_prev].lru_next = s->lru_next;
	else
		l->head = s->lru_next;
	if (s->lru_next != NAT_NIL)
		nw->sess[s->lru_next].lru_prev = s->lru_prev;
	else
		l->tail = s->lru_prev;
	s->lru_prev = s->lru_next = NAT_NIL;
}

/* Append session idx at the tail (newest end) of class c. */
static void lru_append(struct nat_worker *nw, uint32_t idx, uint8_t c)
{
	struct nat_session *s = &nw->sess[idx];
	struct nat_lru *l = &nw->lru[c];

	s->tclass = c;
	s->lru_next = NAT_NIL;
	s->lru_prev = l->tail;
	if (l->tail != NAT_NIL)
		nw->sess[l->tail].lru_next = idx;
	else
		l->head = idx;
	l->tail = idx;
}

/* ---- worker ---- */

/* Zeroed memory for a table. Large tables get their own anonymous mapping
 * with transparent huge pages requested: without hugetlbfs (as on these
 * machines) 4 KiB pages make a random lookup in a multi-megabyte table a TLB
 * miss as often as a cache miss. NULL when out of memory. */
void *nat_mem_zalloc(size_t size)
{
	void *p;

	if (size < NAT_MEM_HUGE_MIN)
		return calloc(1, size);
	size = (size + NAT_MEM_HUGE_MIN - 1) & ~(NAT_MEM_HUGE_MIN - 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE); /* a hint: fine if refused */
	return p;
}

/* Free memory from nat_mem_zalloc(size). */
void nat_mem_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size < NAT_MEM_HUGE_MIN) {
		free(p);
		return;
	}
	size = (size + NAT_MEM_HUGE_MIN - 1) & ~(NAT_MEM_HUGE_MIN - 1);
	munmap(p, size);
}

/* Create a worker's NAT state sized for p->max_sessions. */
struct nat_worker *nat_worker_create(const struct nat_worker_params *p)
{
	struct nat_worker *nw;
	uint32_t cap, i;

	if (p == NULL || p->max_sessions == 0 || p->max_sessions > NAT_MAX_CAP ||
	    p->n_workers == 0 || p->worker_id >= p->n_workers)
		return NULL;
	cap = pow2_roundup(p->max_sessions < NAT_MIN_CAP ? NAT_MIN_CAP : p->max_sessions);

	nw = calloc(1, sizeof(*nw));
	if (nw == NULL)
		goto err_worker;
	nw->cap = cap;
	nw->sess = nat_mem_zalloc((size_t)cap * sizeof(*nw->sess));
	if (nw->sess == NULL)
		goto err_sess;
	nw->slot_mask = 4 * cap - 1;
	nw->slots = nat_mem_zalloc((size_t)4 * cap * sizeof(*nw->slots));
	if (nw->slots == NULL)
		goto err_slots;
	nw->host_size = cap + cap / 2;
	nw->host_max = cap; /* a host has at least one session: never the limit */
	nw->hosts = nat_mem_zalloc((size_t)nw->host_size * sizeof(*nw->hosts));
	if (nw->hosts == NULL)
		goto err_hosts;
	if (nat_alloc_init(nw, p) < 0)
		goto err_alloc;

	for (i = 0; i < cap; i++) {
		nw->sess[i].tclass = NAT_TC_FREE;
		nw->sess[i].lru_prev = NAT_NIL;
		nw->sess[i].lru_next = i + 1 < cap ? i + 1 : NAT_NIL;
	}
	nw->free_head = 0;
	for (i = 0; i < NAT_TC_MAX; i++)
		nw->lru[i].head = nw->lru[i].tail = NAT_NIL;
	return nw;

err_alloc:
	nat_mem_free(nw->hosts, (size_t)nw->host_size * sizeof(*nw->hosts));
err_hosts:
	nat_mem_free(nw->slots, (size_t)4 * cap * sizeof(*nw->slots));
err_slots:
	nat_mem_free(nw->sess, (size_t)cap * sizeof(*nw->sess));
err_sess:
	free(nw);
err_worker:
	return NULL;
}

/* Free a worker's NAT state (sessions are dropped without accounting). */
void nat_worker_destroy(struct nat_worker *nw)
{
	if (nw == NULL)
		return;
	nat_alloc_fini(nw);
	nat_mem_free(nw->hosts, (size_t)nw->host_size * sizeof(*nw->hosts));
	nat_mem_free(nw->slots, (size_t)(nw->slot_mask + 1) * sizeof(*nw->slots));
	nat_mem_free(nw->sess, (size_t)nw->cap * sizeof(*nw->sess));
	free(nw);
}

/* ---- sessions ---- */

/* Hash of k; prefetches the home slot for a later lookup. */
uint32_t nat_session_hash(struct nat_worker *nw, const struct nat_key *k)
{
	uint32_t h = nat_hash_key(nw, k);

	nat_slot_prefetch(nw, h);
	return h;
}

/* Prefetch the session of the first slot whose tag matches h (if any). */
void nat_session_prefetch(struct nat_worker *nw, uint32_t h)
{
	nat_sess_prefetch_hashed(nw, h);
}

/* Find the session of key k; *dir = 0 for its orig, 1 for its reply key. */
struct nat_session *nat_session_lookup(struct nat_worker *nw, const struct nat_key *k, int *dir)
{
	return nat_sess_find(nw, k, nat_hash_key(nw, k), dir);
}

/* nat_session_lookup with k's hash already computed (nat_session_hash). */
struct nat_session *nat_session_lookup_hashed(struct nat_worker *nw, const struct nat_key *k,
					      uint32_t h, int *dir)
{
	return nat_sess_find(nw, k, h, dir);
}

/* Is the padding of k zero (the contract of struct nat_key)? */
static inline bool key_pad_ok(const struct nat_key *k)
{
	return (k->pad[0] | k->pad[1] | k->pad[2]) == 0;
}

/* Insert a session under both keys; NULL and *err on failure. */
struct nat_session *nat_session_insert(struct nat_worker *nw, const struct nat_key *orig,
				       const struct nat_key *reply, uint8_t tclass, uint8_t flags,
				       uint8_t pool_idx, uint32_t now, int *err)
{
	struct nat_session *s;
	uint32_t idx;
	int rc;

	if (tclass >= NAT_TC_MAX || !key_pad_ok(orig) || !key_pad_ok(reply) ||
	    nat_key_eq(orig, reply)) {
		rc = -EINVAL;
		goto err;
	}
	if (nat_session_lookup(nw, orig, NULL) != NULL ||
	    nat_session_lookup(nw, reply, NULL) != NULL) {
		rc = -EEXIST;
		goto err;
	}
	if (nw->free_head == NAT_NIL) {
		rc = -ENOSPC;
		goto err;
	}
	if (flags & NAT_SESSION_SNAT) {
		rc = host_inc(nw, orig->saddr);
		if (rc < 0)
			goto err;
	}

	idx = nw->free_head;
	s = &nw->sess[idx];
	nw->free_head = s->lru_next;
	s->orig = *orig;
	s->reply = *reply;
	s->last_seen = now;
	s->tcp_state = NAT_TCP_NONE;
	s->flags = flags;
	s->pool_idx = pool_idx;
	s->td_maxend[0] = s->td_maxend[1] = 0;
	slot_add(nw, nat_hash_key(nw, orig), idx, 0);
	slot_add(nw, nat_hash_key(nw, reply), idx, 1);
	lru_append(nw, idx, tclass);
	nw->count++;
	if (err != NULL)
		*err = 0;
	if (nw->observer != NULL)
		nw->observer(nw->observer_arg, NAT_EV_CREATED, s, NULL);
	return s;

err:
	if (err != NULL)
		*err = rc;
	return NULL;
}

/* Refresh s and move it to the tail of class tclass (an invalid tclass keeps
 * the current class). */
void nat_session_touch(struct nat_worker *nw, struct nat_session *s, uint8_t tclass,
		       uint32_t now)
{
	uint32_t idx = (uint32_t)(s - nw->sess);

	if (s->tclass >= NAT_TC_MAX)
		return; /* not live */
	if (tclass >= NAT_TC_MAX)
		tclass = s->tclass;
	/* Touched already this second (the clock has 1 s granularity): it is
	 * in the tail segment of equal last_seen, so the list stays ordered
	 * without relinking, and the neighbours' cache lines stay untouched. */
	if (s->last_seen == now && s->tclass == tclass)
		return;
	s->last_seen = now;
	if (s->lru_next == NAT_NIL && s->tclass == tclass)
		return; /* already the newest of its class */
	lru_unlink(nw, idx);
	lru_append(nw, idx, tclass);
}

/* Remove s: keys, LRU, host count, port reference; back to the free list. */
void nat_session_delete(struct nat_worker *nw, struct nat_session *s, uint32_t now)
{
	uint32_t idx = (uint32_t)(s - nw->sess);

	if (s->tclass >= NAT_TC_MAX)
		return; /* already free */
	if (nw->observer != NULL)
		nw->observer(nw->observer_arg, NAT_EV_CLOSED, s, NULL);
	slot_del(nw, nat_hash_key(nw, &s->orig), idx, 0);
	slot_del(nw, nat_hash_key(nw, &s->reply), idx, 1);
	lru_unlink(nw, idx);
	if (s->flags & NAT_SESSION_SNAT) {
		host_dec(nw, s->orig.saddr);
		nat_alloc_release_session(nw, s, now);
	}
	s->tclass = NAT_TC_FREE;
	s->flags = 0;
	s->lru_next = nw->free_head;
	nw->free_head = idx;
	nw->count--;
}

/* Idle seconds of s at now (0 if last_seen is in the future). */
static inline uint32_t sess_idle(const struct nat_session *s, uint32_t now)
{
	int32_t d = (int32_t)(now - s->last_seen);

	return d < 0 ? 0 : (uint32_t)d;
}

/* Expire up to budget idle sessions, the longest idle first across classes. */
unsigned nat_session_expire(struct nat_worker *nw, const struct nat_rt *rt, uint32_t now,
			    unsigned budget)
{
	unsigned n = 0;

	if (rt == NULL)
		return 0;
	while (n < budget) {
		uint32_t best = NAT_NIL, best_idle = 0;

		for (unsigned c = 0; c < NAT_TC_MAX; c++) {
			uint32_t h = nw->lru[c].head, idle;

			if (h == NAT_NIL)
				continue;
			idle = sess_idle(&nw->sess[h], now);
			if (idle < rt->timeout[c])
				continue;
			if (best == NAT_NIL || idle > best_idle) {
				best = h;
				best_idle = idle;
			}
		}
		if (best == NAT_NIL)
			break;
		nat_session_delete(nw, &nw->sess[best], now);
		n++;
	}
	return n;
}

/* Delete every session. */
unsigned nat_session_flush(struct nat_worker *nw, uint32_t now)
{
	unsigned n = 0;

	for (unsigned c = 0; c < NAT_TC_MAX; c++) {
		while (nw->lru[c].head != NAT_NIL) {
			nat_session_delete(nw, &nw->sess[nw->lru[c].head], now);
			n++;
		}
	}
	return n;
}

/* Live sessions. */
uint32_t nat_session_count(const struct nat_worker *nw)
{
	return nw->count;
}

/* Session capacity (N). */
uint32_t nat_session_capacity(const struct nat_worker *nw)
{
	return nw->cap;
}

/* Bytes of every structure that grows with the capacity, divided by it and
 * rounded up: session array (56), lookup slots (4 x 8), host table (1.5 x 8),
 * mapping table (1.5 x 12) = 118. The allocator's fixed port-state arrays
 * (4 bytes per port of the worker's share per public address and protocol,
 * calloc'ed once, pages touched only for addresses in use) do not grow with
 * sessions and are not included. */
unsigned nat_bytes_per_session(const struct nat_worker *nw)
{
	size_t total = (size_t)nw->cap * sizeof(struct nat_session) +
		       (size_t)(nw->slot_mask + 1) * sizeof(struct nat_slot) +
		       (size_t)nw->host_size * sizeof(struct nat_host) + nat_alloc_bytes(nw);

	return (unsigned)((total + nw->cap - 1) / nw->cap);
}

/* Call fn for every live session, class by class, oldest first. fn must not
 * delete sessions other than the one it is given. */
/* Set or clear the management-plane observer (owning worker only). */
void nat_worker_observe(struct nat_worker *nw, nat_observer_fn fn, void *arg)
{
	nw->observer_arg = arg;
	nw->observer = fn;
}

/* Report a refused new flow (no public port) to the observer. */
void nat_worker_notify_exhausted(struct nat_worker *nw, const struct nat_key *k)
{
	if (nw->observer != NULL)
		nw->observer(nw->observer_arg, NAT_EV_EXHAUSTED, NULL, k);
}

void nat_session_foreach(struct nat_worker *nw,
			 void (*fn)(const struct nat_session *s, void *arg), void *arg)
{
	for (unsigned c = 0; c < NAT_TC_MAX; c++) {
		uint32_t i = nw->lru[c].head;

		while (i != NAT_NIL) {
			uint32_t next = nw->sess[i].lru_next;

			fn(&nw->sess[i], arg);
			i = next;
		}
	}
}
