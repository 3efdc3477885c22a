/* natgw NAT private state: struct nat_worker and the helpers nat_table.c and
 * nat_alloc.c share. Owned by nat_table.c / nat_alloc.c; other core files may
 * include it read-only (to inline a lookup, say) but must go through the
 * functions of natgw/nat.h to change anything.
 *
 * Layout of one worker's NAT state (all calloc'ed at nat_worker_create, never
 * on the packet path; N = session capacity, a power of two):
 *   sess[N]       struct nat_session (56 B); free ones are chained through
 *                 lru_next and have tclass == NAT_TC_FREE
 *   lru[class]    head/tail of a doubly linked list (uint32 indexes) per
 *                 timeout class, oldest at the head
 *   slots[4N]     lookup: open addressing, linear probing, backward-shift
 *                 deletion; per slot the 32-bit hash and (index << 1 | dir) + 1
 *                 (0 = empty); at most 2N keys, so load <= 0.5
 *   hosts[1.5N]   inside host -> SNAT session count (count 0 = empty); at
 *                 most N hosts (each has a session), so load <= 2/3
 *   maps[1.5N]    endpoint-independent mappings (proto, inside addr:port, pool)
 *                 -> public port + session references (refs 0 = empty); at
 *                 most N (each has a session), load <= 2/3
 *                 (hosts and maps are off the per-packet path: linear probing,
 *                 multiply-shift home slot, backward-shift deletion)
 *   port state    per (pool address, protocol) one uint32 per port of this
 *                 worker's share, indexed by port / n_workers (see nat_alloc.c)
 *   rss           optional RSS view of the NAT port (read-only, not owned)
 */
#ifndef NATGW_NAT_INTERNAL_H
#define NATGW_NAT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "natgw/nat.h"
#include "natgw/rss.h"

#define NAT_NIL UINT32_MAX
#define NAT_TC_FREE 0xff     /* tclass of a session on the free list */
#define NAT_N_PROTO 3        /* port spaces: TCP, UDP, ICMP echo ids */

/* One lookup slot: hash tag and (session index << 1 | dir) + 1; val 0 = empty. */
struct nat_slot {
	uint32_t tag;
	uint32_t val;
};

/* Inside host -> number of its SNAT sessions; count 0 = empty slot. */
struct nat_host {
	uint32_t addr;   /* network order */
	uint32_t count;
};

/* Endpoint-independent mapping; refs 0 = empty slot. Ports network order. */
struct nat_mapping {
	uint32_t addr;     /* inside address */
	uint16_t in_port;  /* inside port / echo id */
	uint8_t proto;
	uint8_t pool;      /* index in nat_rt.pool */
	uint16_t pub_port; /* public port / echo id */
	uint16_t refs;     /* sessions using it (saturates: then tuple-unique) */
};

/* Port state of one (public address, protocol) in this worker's share. */
struct nat_port_space {
	uint32_t *state;        /* [65535 / n_workers + 1], see nat_alloc.c */
	uint32_t in_use;        /* ports with at least one reference */
	/* "no port with free state before no_free_until": set after a full scan
	 * found none, valid while the reuse delay and range are unchanged. */
	bool hint;
	uint32_t no_free_until;
	uint32_t hint_delay;
	uint16_t hint_min, hint_max;
	/* Negative cache: the last remote refused a tuple-unique port, valid in
	 * the same second while no reference was dropped (gen unchanged), so a
	 * host hammering an exhausted remote costs one scan per second. */
	uint32_t gen;            /* bumped by every port reference dropped */
	uint32_t neg_gen, neg_time, neg_addr;
	uint16_t neg_port;
	bool neg_valid;
	/* The same for "no tuple-unique port whose reply hashes to this
	 * worker's RX queue" (RSS view; the other ports may still fit). */
	bool neg_home_valid;
	uint16_t neg_home_port;
	uint32_t neg_home_gen, neg_home_time, neg_home_addr;
};

struct nat_lru {
	uint32_t head;
	uint32_t tail;
};

struct nat_worker {
	/* sessions (nat_table.c) */
	struct nat_session *sess;
	uint32_t cap;            /* N, power of two */
	uint32_t count;
	uint32_t free_head;
	struct nat_lru lru[NAT_TC_MAX];
	struct nat_slot *slots;
	uint32_t slot_mask;
	struct nat_host *hosts;
	uint32_t host_size;      /* 1.5 N slots */
	uint32_t n_hosts, host_max;
	/* port allocation (nat_alloc.c) */
	struct nat_mapping *maps;
	uint32_t map_size;       /* 1.5 N slots */
	uint32_t n_maps, map_max;
	struct nat_port_space ports[NATGW_MAX_POOL][NAT_N_PROTO];
	uint32_t *port_block;    /* backing store of every ports[][].state */
	uint32_t port_len;       /* entries per port space */
	unsigned worker_id;
	unsigned n_workers;
	uint8_t last_kind;       /* enum nat_alloc_kind of the last alloc */
	uint8_t last_steer;      /* enum nat_alloc_steer of the last alloc */
	bool rss_steer;          /* rss set and rx_queue in its RETA: prefer home ports */
	uint16_t rx_queue;       /* this worker's RX queue on the NAT port */
	const struct rss_conf *rss; /* RSS view of the NAT port, or NULL */
	/* randomness: hash keys and the port stream */
	uint64_t seed0, seed1;
	uint64_t rng;
	/* management-plane events (nat_worker_observe); NULL: none */
	nat_observer_fn observer;
	void *observer_arg;
};

/* 64x64 -> 128 multiply folded to 64 bits (wyhash "mum"). */
static inline uint64_t nat_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Keyed hash of a 16-byte key given as its two 64-bit words in memory
 * order (seeds are per worker, random: inside hosts choosing ports cannot
 * build long probe chains). */
static inline uint32_t nat_hash_words(const struct nat_worker *nw, uint64_t a, uint64_t b)
{
	uint64_t h = nat_mum(a ^ nw->seed0, b ^ nw->seed1);

	h = nat_mum(h ^ 0xa0761d6478bd642full, (h >> 29) ^ 0xe7037ed1a0b428dbull);
	return (uint32_t)(h ^ (h >> 32));
}

/* Keyed hash of a 16-byte key. */
static inline uint32_t nat_hash_key(const struct nat_worker *nw, const struct nat_key *k)
{
	uint64_t a, b;

	memcpy(&a, k, 8);
	memcpy(&b, (const uint8_t *)k + 8, 8);
	return nat_hash_words(nw, a, b);
}

/* Keyed hash of a 64-bit value (mapping and host tables). */
static inline uint32_t nat_hash64(const struct nat_worker *nw, uint64_t x)
{
	uint64_t h = nat_mum(x ^ nw->seed0, nw->seed1 ^ 0x8ebc6af09c88c6e3ull);

	return (uint32_t)(h ^ (h >> 32));
}

/* Home slot of hash h in a table of size slots (multiply-shift, any size). */
static inline uint32_t nat_home(uint32_t h, uint32_t size)
{
	return (uint32_t)(((uint64_t)h * size) >> 32);
}

/* Next slot of linear probing in a table of size slots. */
static inline uint32_t nat_next(uint32_t i, uint32_t size)
{
	return i + 1 == size ? 0 : i + 1;
}

/* splitmix64 step: the worker's random stream (seeded from getrandom/TSC). */
static inline uint64_t nat_rand(struct nat_worker *nw)
{
	uint64_t z = (nw->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-enough integer in [0, n) (multiply-shift, n <= 2^32). */
static inline uint32_t nat_rand_below(struct nat_worker *nw, uint32_t n)
{
	return (uint32_t)(((nat_rand(nw) >> 32) * (uint64_t)n) >> 32);
}

/* ---- the lookup, inline for the batched packet path (nat_stage.c) ----
 * nat_table.c exports the same as nat_session_hash / _prefetch /
 * _lookup_hashed; the stage inlines these instead, since a call per packet
 * per pass costs more than the work it does. */

/* Are two keys equal (compared as two 64-bit words)? */
static inline bool nat_key_eq(const struct nat_key *a, const struct nat_key *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, (const uint8_t *)a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, (const uint8_t *)b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Prefetch the home slot of hash h (first pass of a batched lookup). */
static inline void nat_slot_prefetch(const struct nat_worker *nw, uint32_t h)
{
	__builtin_prefetch(&nw->slots[h & nw->slot_mask]);
}

/* Second pass of a batched lookup: prefetch the session of the first slot
 * (within 4 probes) whose tag matches h, if any. */
static inline void nat_sess_prefetch_hashed(const struct nat_worker *nw, uint32_t h)
{
	uint32_t mask = nw->slot_mask, i = h & mask;

	for (unsigned probe = 0; probe < 4; probe++) {
		const struct nat_slot *sl = &nw->slots[i];

		if (sl->val == 0)
			return;
		if (sl->tag == h) {
			__builtin_prefetch(&nw->sess[(sl->val - 1) >> 1]);
			return;
		}
		i = (i + 1) & mask;
	}
}

/* The session of key k (hash h), *dir = 0 for its orig, 1 for its reply
 * key (dir may be NULL); NULL when absent. */
static inline struct nat_session *nat_sess_find(struct nat_worker *nw, const struct nat_key *k,
						uint32_t h, int *dir)
{
	uint32_t mask = nw->slot_mask, i = h & mask;

	for (;;) {
		const struct nat_slot *sl = &nw->slots[i];

		if (sl->val == 0)
			return NULL;
		if (sl->tag == h) {
			uint32_t v = sl->val - 1;
			struct nat_session *s = &nw->sess[v >> 1];

			if (nat_key_eq((v & 1) ? &s->reply : &s->orig, k)) {
				if (dir != NULL)
					*dir = (int)(v & 1);
				return s;
			}
		}
		i = (i + 1) & mask;
	}
}

/* nat_session_touch, with its common case inline: a session touched already
 * this second in the same class needs nothing (see nat_session_touch). */
static inline void nat_sess_touch(struct nat_worker *nw, struct nat_session *s, uint8_t tclass,
				  uint32_t now)
{
	if (s->last_seen == now && s->tclass == tclass)
		return;
	nat_session_touch(nw, s, tclass, now);
}

/* nat_alloc.c: set up / tear down the allocator part of nw (create time). */
int nat_alloc_init(struct nat_worker *nw, const struct nat_worker_params *p);
void nat_alloc_fini(struct nat_worker *nw);
/* nat_alloc.c: the port reference of a SNAT session being deleted. */
void nat_alloc_release_session(struct nat_worker *nw, const struct nat_session *s,
			       uint32_t now);
/* nat_alloc.c: bytes of the allocator's per-session structures. */
size_t nat_alloc_bytes(const struct nat_worker *nw);

/* nat_table.c: SNAT sessions of an inside host (network order). */
uint32_t nat_host_sessions(const struct nat_worker *nw, uint32_t addr);

/* nat_table.c: table memory (transparent huge pages for tables >= 2 MiB). */
#define NAT_MEM_HUGE_MIN ((size_t)2 << 20)
void *nat_mem_zalloc(size_t size);
void nat_mem_free(void *p, size_t size);

#endif
