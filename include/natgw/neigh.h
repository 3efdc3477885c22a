/* natgw neighbour (ARP) table, one per worker.
 *
 * Maps (port, IPv4) to a MAC. Entries are static (from config), learnt (from
 * ARP replies/requests addressed to us) or incomplete (an ARP request is
 * outstanding; up to NEIGH_QUEUE_MAX packets are parked). Only the owning
 * worker touches its table: no locks. Sized at creation; when full, the
 * oldest non-static entry is recycled.
 */
#ifndef NATGW_NEIGH_H
#define NATGW_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct worker;
struct neigh_table;

#define NEIGH_QUEUE_MAX 4          /* packets parked per unresolved next hop */
#define NEIGH_RETRY_MS 1000        /* ARP retransmit interval */
#define NEIGH_MAX_TRIES 3          /* requests before giving up (queue dropped) */

/* Create/destroy a table with room for capacity entries (rounded up to a power of 2). */
struct neigh_table *neigh_table_create(unsigned capacity);
void neigh_table_destroy(struct neigh_table *t, struct worker *w);

/* Add a static entry (never expires, never overwritten by ARP). 0 or -ENOSPC. */
int neigh_static_add(struct neigh_table *t, unsigned port, uint32_t ip_host,
		     const struct rte_ether_addr *mac);

/* Learn/refresh a dynamic entry; releases parked packets into w->emit. */
void neigh_learn(struct worker *w, unsigned port, uint32_t ip_host,
		 const struct rte_ether_addr *mac);

/* Resolve ip on port for packet m (Ethernet header not yet written).
 * Returns the MAC if known (caller writes the header and sends), or NULL
 * after parking m (action PKT_CONSUMED, ARP request emitted if due) or
 * dropping it (NEIGH_QUEUE_FULL). */
const struct rte_ether_addr *neigh_resolve(struct worker *w, unsigned port, uint32_t ip_host,
					   struct rte_mbuf *m);

/* Remove a static entry (management plane; the owning worker). 0 or -ENOENT. */
int neigh_static_del(struct neigh_table *t, unsigned port, uint32_t ip_host);

/* The MAC known for (port, ip) if the entry is static or reachable, else NULL.
 * Read-only: no packet is parked and no request is sent. */
const struct rte_ether_addr *neigh_lookup(const struct neigh_table *t, unsigned port,
					  uint32_t ip_host);

/* Periodic work (call every ~100 ms): retransmit ARP, drop queues of
 * entries that failed (NEIGH_UNRESOLVED), age out learnt entries. */
void neigh_timer(struct worker *w);

/* Number of entries in use (for stats). */
unsigned neigh_table_count(const struct neigh_table *t);

/* Call fn for every entry (management plane; the owning worker only).
 * state: 0 incomplete, 1 reachable, 2 static; updated: TSC when learnt. */
typedef void (*neigh_visit_fn)(void *arg, unsigned port, uint32_t ip_host,
			       const struct rte_ether_addr *mac, uint8_t state, uint64_t updated);
void neigh_foreach(const struct neigh_table *t, neigh_visit_fn fn, void *arg);

#endif
