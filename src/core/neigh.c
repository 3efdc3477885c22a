/* natgw neighbour table: (port, IPv4) -> MAC, with parked packets while resolving.
 *
 * Overview: open addressing with linear probing and backward-shift deletion
 * (no tombstones) over a power-of-two slot array twice the entry capacity, so
 * probes stay short. Entries are STATIC (config, never expire or change),
 * REACHABLE (learnt from ARP, expire after snap->neigh_timeout seconds) or
 * INCOMPLETE (ARP request outstanding; up to NEIGH_QUEUE_MAX packets parked
 * with the action forward_stage chose for them, PKT_TX or PKT_FRAGMENT).
 * Time is the worker's TSC (w->now, w->hz).
 * Life-cycle: created by the dataplane per worker, static entries added at
 * start, then neigh_resolve/neigh_learn on the packet path and neigh_timer
 * every ~100 ms; destroyed (parked packets freed) at worker exit.
 * Who: only the owning worker; no locks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "natgw/arp.h"
#include "natgw/neigh.h"
#include "natgw/pipeline.h"

enum neigh_state {
	NEIGH_FREE = 0,
	NEIGH_STATIC,
	NEIGH_REACHABLE,
	NEIGH_INCOMPLETE,
};

struct neigh_entry {
	uint32_t ip;                 /* host order */
	uint8_t port;
	uint8_t state;               /* enum neigh_state */
	uint8_t tries;               /* ARP requests sent while INCOMPLETE */
	uint8_t n_queued;
	struct rte_ether_addr mac;
	uint8_t queue_action[NEIGH_QUEUE_MAX]; /* PKT_TX or PKT_FRAGMENT for each parked packet */
	uint64_t updated;            /* TSC when learnt/created */
	uint64_t last_req;           /* TSC of the last ARP request */
	uint64_t last_park;          /* TSC when a packet was last parked */
	struct rte_mbuf *queue[NEIGH_QUEUE_MAX];
};

struct neigh_table {
	unsigned cap;   /* maximum entries in use (power of two) */
	unsigned mask;  /* slots - 1; slots = 2 * cap */
	unsigned count;
	struct neigh_entry slot[];
};

/* Slot index where the probe for (port, ip) starts. */
static inline unsigned neigh_hash(const struct neigh_table *t, unsigned port, uint32_t ip)
{
	uint64_t k = ((uint64_t)port << 32 | ip) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(k >> 32) & t->mask;
}

/* Create a table for capacity entries (rounded up to a power of two). */
struct neigh_table *neigh_table_create(unsigned capacity)
{
	struct neigh_table *t;
	unsigned cap = 1;

	if (capacity == 0 || capacity > (1u << 24))
		return NULL;
	while (cap < capacity)
		cap <<= 1;
	t = calloc(1, sizeof(*t) + 2 * (size_t)cap * sizeof(struct neigh_entry));
	if (t == NULL)
		return NULL;
	t->cap = cap;
	t->mask = 2 * cap - 1;
	return t;
}

/* Free the packets parked on e, counting them as drop reason r when w is set. */
static void neigh_queue_flush(struct worker *w, struct neigh_entry *e, enum drop_reason r)
{
	for (unsigned i = 0; i < e->n_queued; i++) {
		if (w != NULL) {
			w->ctr.drop[r]++;
			w->ops->free(w, e->queue[i]);
		}
		e->queue[i] = NULL;
	}
	e->n_queued = 0;
}

/* Destroy a table; parked packets are freed through w->ops (w may be NULL if none). */
void neigh_table_destroy(struct neigh_table *t, struct worker *w)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i <= t->mask; i++)
		if (t->slot[i].state != NEIGH_FREE)
			neigh_queue_flush(w, &t->slot[i], DROP_NEIGH_UNRESOLVED);
	free(t);
}

/* Find the entry for (port, ip), or NULL. */
static struct neigh_entry *neigh_entry_find(const struct neigh_table *t, unsigned port,
					    uint32_t ip)
{
	for (unsigned i = neigh_hash(t, port, ip);; i = (i + 1) & t->mask) {
		const struct neigh_entry *e = &t->slot[i];

		if (e->state == NEIGH_FREE)
			return NULL;
		if (e->ip == ip && e->port == port)
			return (struct neigh_entry *)(uintptr_t)e;
	}
}

/* Remove the entry in slot i (queue must be empty) with backward-shift deletion. */
static void neigh_entry_remove(struct neigh_table *t, unsigned i)
{
	unsigned j = i;

	for (;;) {
		unsigned home;

		j = (j + 1) & t->mask;
		if (t->slot[j].state == NEIGH_FREE)
			break;
		home = neigh_hash(t, t->slot[j].port, t->slot[j].ip);
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->count--;
}

/* Recycle the oldest non-static entry to make room; false if none may go.
 * Entries that parked a packet in this loop iteration are kept: those
 * packets are still in the current burst, which the dataplane has not
 * looked at yet, so freeing them now would hand it freed mbufs. */
static bool neigh_entry_evict(struct worker *w, struct neigh_table *t)
{
	unsigned victim = UINT32_MAX;

	for (unsigned i = 0; i <= t->mask; i++) {
		const struct neigh_entry *e = &t->slot[i];

		if (e->state == NEIGH_FREE || e->state == NEIGH_STATIC ||
		    (e->n_queued > 0 && w != NULL && e->last_park == w->now))
			continue;
		if (victim == UINT32_MAX || e->updated < t->slot[victim].updated)
			victim = i;
	}
	if (victim == UINT32_MAX)
		return false;
	neigh_queue_flush(w, &t->slot[victim], DROP_NEIGH_UNRESOLVED);
	neigh_entry_remove(t, victim);
	return true;
}

/* Insert a fresh entry for (port, ip) in state st; evicts if full (w may be NULL). */
static struct neigh_entry *neigh_entry_insert(struct worker *w, struct neigh_table *t,
					      unsigned port, uint32_t ip, enum neigh_state st)
{
	struct neigh_entry *e;
	unsigned i;

	if (t->count >= t->cap && (st == NEIGH_STATIC || !neigh_entry_evict(w, t)))
		return NULL;
	for (i = neigh_hash(t, port, ip); t->slot[i].state != NEIGH_FREE; i = (i + 1) & t->mask)
		;
	e = &t->slot[i];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->port = (uint8_t)port;
	e->state = (uint8_t)st;
	t->count++;
	return e;
}

/* Add a static entry (never expires, never overwritten by ARP). 0 or -ENOSPC. */
int neigh_static_add(struct neigh_table *t, unsigned port, uint32_t ip_host,
		     const struct rte_ether_addr *mac)
{
	struct neigh_entry *e = neigh_entry_find(t, port, ip_host);

	if (e == NULL)
		e = neigh_entry_insert(NULL, t, port, ip_host, NEIGH_STATIC);
	if (e == NULL)
		return -ENOSPC;
	e->state = NEIGH_STATIC;
	e->mac = *mac;
	return 0;
}

/* Remove the static entry for (port, ip): 0, or -ENOENT when there is no
 * static entry (a learnt one is left alone). A static entry never parks
 * packets, so nothing is queued on it. */
int neigh_static_del(struct neigh_table *t, unsigned port, uint32_t ip_host)
{
	struct neigh_entry *e = neigh_entry_find(t, port, ip_host);

	if (e == NULL || e->state != NEIGH_STATIC)
		return -ENOENT;
	neigh_entry_remove(t, (unsigned)(e - t->slot));
	return 0;
}

/* The MAC of a static or reachable entry for (port, ip), else NULL. */
const struct rte_ether_addr *neigh_lookup(const struct neigh_table *t, unsigned port,
					  uint32_t ip_host)
{
	const struct neigh_entry *e = neigh_entry_find(t, port, ip_host);

	if (e == NULL || e->state == NEIGH_INCOMPLETE)
		return NULL;
	return &e->mac;
}

/* Send the packets parked on e (now resolved) with their Ethernet header written. */
static void neigh_queue_release(struct worker *w, struct neigh_entry *e)
{
	const struct dp_port *p = &w->snap->ports[e->port];

	for (unsigned i = 0; i < e->n_queued; i++) {
		struct rte_mbuf *m = e->queue[i];
		struct pkt_meta *pm = pkt_meta(m);
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		rte_ether_addr_copy(&e->mac, &eth->dst_addr);
		rte_ether_addr_copy(&p->mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		pm->action = e->queue_action[i];
		pm->out_port = e->port;
		e->queue[i] = NULL;
		worker_emit(w, m);
	}
	e->n_queued = 0;
}

/* Learn/refresh a dynamic entry; releases parked packets into w->emit. */
void neigh_learn(struct worker *w, unsigned port, uint32_t ip_host,
		 const struct rte_ether_addr *mac)
{
	struct neigh_entry *e;

	if (port >= w->snap->n_ports)
		return;
	e = neigh_entry_find(w->neigh, port, ip_host);
	if (e != NULL && e->state == NEIGH_STATIC)
		return;
	if (e == NULL) {
		e = neigh_entry_insert(w, w->neigh, port, ip_host, NEIGH_REACHABLE);
		if (e == NULL)
			return;
		w->ctr.neigh_learnt++;
	} else if (e->state == NEIGH_INCOMPLETE || !rte_is_same_ether_addr(&e->mac, mac)) {
		w->ctr.neigh_learnt++;
	}
	e->state = NEIGH_REACHABLE;
	e->mac = *mac;
	e->updated = w->now;
	e->tries = 0;
	neigh_queue_release(w, e);
}

/* Send an ARP request for e if none went out in the last NEIGH_RETRY_MS. */
static void neigh_request_if_due(struct worker *w, struct neigh_entry *e)
{
	uint64_t retry = w->hz * NEIGH_RETRY_MS / 1000;

	if (e->tries >= NEIGH_MAX_TRIES)
		return;
	if (e->tries != 0 && w->now - e->last_req < retry)
		return;
	e->tries++;
	e->last_req = w->now;
	arp_send_request(w, e->port, e->ip);
}

/* Resolve ip on port for m: the MAC, or NULL after parking or dropping m. */
const struct rte_ether_addr *neigh_resolve(struct worker *w, unsigned port, uint32_t ip_host,
					   struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);
	struct neigh_entry *e = neigh_entry_find(w->neigh, port, ip_host);

	if (e != NULL && e->state != NEIGH_INCOMPLETE)
		return &e->mac;
	if (e == NULL) {
		e = neigh_entry_insert(w, w->neigh, port, ip_host, NEIGH_INCOMPLETE);
		if (e == NULL) {
			pkt_drop(m, DROP_NEIGH_QUEUE_FULL);
			return NULL;
		}
		e->updated = w->now;
	}
	neigh_request_if_due(w, e);
	if (e->n_queued >= NEIGH_QUEUE_MAX) {
		pkt_drop(m, DROP_NEIGH_QUEUE_FULL);
		return NULL;
	}
	e->queue[e->n_queued] = m;
	e->queue_action[e->n_queued] = pm->action == PKT_FRAGMENT ? PKT_FRAGMENT : PKT_TX;
	e->n_queued++;
	e->last_park = w->now;
	pm->action = PKT_CONSUMED;
	pm->out_port = (uint8_t)port;
	w->ctr.neigh_queued++;
	return NULL;
}

/* Timer work on slot i; true if the entry was removed (slot must be re-examined). */
static bool neigh_entry_age(struct worker *w, struct neigh_table *t, unsigned i)
{
	struct neigh_entry *e = &t->slot[i];
	uint64_t retry = w->hz * NEIGH_RETRY_MS / 1000;
	uint64_t timeout = (uint64_t)w->snap->neigh_timeout * w->hz;

	switch (e->state) {
	case NEIGH_INCOMPLETE:
		if (w->now - e->last_req < retry)
			return false;
		if (e->tries < NEIGH_MAX_TRIES) {
			neigh_request_if_due(w, e);
			return false;
		}
		neigh_queue_flush(w, e, DROP_NEIGH_UNRESOLVED);
		neigh_entry_remove(t, i);
		return true;
	case NEIGH_REACHABLE:
		if (timeout == 0 || w->now - e->updated < timeout)
			return false;
		neigh_entry_remove(t, i);
		return true;
	default:
		return false;
	}
}

/* Periodic work: retransmit ARP, drop queues of failed entries, age out learnt ones. */
void neigh_timer(struct worker *w)
{
	struct neigh_table *t = w->neigh;

	/* Backward-shift deletion may move a later entry into slot i: look again.
	 * An entry of a cluster wrapping past the end can be visited twice; the
	 * work above is idempotent within one call (last_req/updated checks). */
	for (unsigned i = 0; i <= t->mask; i++)
		while (t->slot[i].state != NEIGH_FREE && neigh_entry_age(w, t, i))
			;
}

/* Number of entries in use. */
unsigned neigh_table_count(const struct neigh_table *t)
{
	return t->count;
}

/* Visit every entry in use. */
void neigh_foreach(const struct neigh_table *t, neigh_visit_fn fn, void *arg)
{
	for (unsigned i = 0; i <= t->mask; i++) {
		const struct neigh_entry *e = &t->slot[i];
		uint8_t st;

		if (e->state == NEIGH_FREE)
			continue;
		st = e->state == NEIGH_STATIC ? 2 : e->state == NEIGH_REACHABLE ? 1 : 0;
		fn(arg, e->port, e->ip, &e->mac, st, e->updated);
	}
}
