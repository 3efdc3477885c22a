/* natgw pipeline types shared by src/core (stages) and src/dataplane (I/O).
 *
 * A packet is parsed once (parse_stage) into a struct pkt_meta kept in the
 * mbuf private area; later stages only read/modify that metadata and the
 * bytes it points at. A stage never transmits or frees: it sets meta->action
 * (and meta->out_port / meta->drop) and the dataplane acts on it after the
 * pipeline returns. Packets the core creates itself (ARP requests, packets
 * released from a neighbour queue) are appended to worker->emit[].
 *
 * The core reads configuration only through struct dp_snapshot, an immutable
 * compiled view published by the control plane (RCU in later work).
 */
#ifndef NATGW_PIPELINE_H
#define NATGW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "natgw/config.h"
#include "natgw/counters.h"

struct route_table;
struct neigh_table;
struct nat_rt;
struct nat_worker;
struct worker;
struct filter_ctx;
struct filter_counters;

/* What the dataplane does with a packet once the pipeline has run. */
enum pkt_action {
	PKT_DROP = 0,     /* free it, count meta->drop */
	PKT_TX,           /* send out meta->out_port (Ethernet header already written) */
	PKT_FRAGMENT,     /* fragment to ports[out_port].mtu, then send (headers written) */
	PKT_CONSUMED,     /* the core kept it (parked in a neighbour queue) */
	PKT_FREE,         /* done with (e.g. an ARP reply learnt from): free, not a drop */
	PKT_REASSEMBLE,   /* an IPv4 fragment NAT needs whole: the dataplane reassembles
			     it and runs the pipeline again on the complete datagram */
};

/* Classification set by parse_stage. */
enum pkt_class {
	PKT_CLASS_NONE = 0,
	PKT_CLASS_ARP,
	PKT_CLASS_LOCAL,   /* IPv4 to one of our own addresses */
	PKT_CLASS_TRANSIT, /* IPv4 to be routed */
};

#define PKT_F_DF 0x01        /* IPv4 DF bit set */
#define PKT_F_FRAGMENT 0x02  /* MF set or fragment offset != 0 */
#define PKT_F_FIRST_FRAG 0x04 /* offset 0 (L4 header present) */
#define PKT_F_L4_VALID 0x08  /* sport/dport (or ICMP type/code/id) valid */
#define PKT_F_BCAST 0x10     /* L2 broadcast */
#define PKT_F_NAT_DONE 0x20  /* NAT translated it (or decided it needs no NAT) */
#define PKT_F_SG_DENY 0x40   /* no ingress security-group rule allows it as a new flow */
#define PKT_F_TRACKED 0x80   /* belongs to a known session (or is an ICMP error about one) */

/* Per-packet metadata in the mbuf private area. Offsets are from the start of
 * packet data (rte_pktmbuf_mtod). Addresses/ports in network byte order, as
 * in the packet. */
struct pkt_meta {
	uint16_t l3_off;     /* ARP or IPv4 header offset (14 for untagged Ethernet) */
	uint16_t l4_off;     /* l3_off + IHL*4 */
	uint16_t ip_len;     /* IPv4 total length (host order) */
	uint16_t ethertype;  /* host order */
	uint8_t ihl;         /* header length in bytes */
	uint8_t proto;       /* IPv4 protocol */
	uint8_t ttl;
	uint8_t flags;       /* PKT_F_* */
	uint8_t cls;         /* enum pkt_class */
	uint8_t action;      /* enum pkt_action */
	uint8_t drop;        /* enum drop_reason when action == PKT_DROP */
	uint8_t in_port;     /* port index (not ethdev id) */
	uint8_t out_port;    /* port index for PKT_TX / PKT_FRAGMENT */
	uint8_t in_queue;
	uint32_t src_ip;     /* network order */
	uint32_t dst_ip;     /* network order */
	uint16_t sport;      /* TCP/UDP source port, or ICMP echo id (network order) */
	uint16_t dport;      /* TCP/UDP destination port (network order) */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint32_t nexthop;    /* host order: address to resolve (gateway or dst) */
};

/* mbuf private area size every natgw mempool must be created with. */
#define PKT_META_PRIV_SIZE RTE_ALIGN(sizeof(struct pkt_meta), RTE_MBUF_PRIV_ALIGN)

static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return (struct pkt_meta *)rte_mbuf_to_priv(m);
}

/* True when the session stage looks the parsed packet up by its 5-tuple
 * (TCP, UDP, ICMP echo; not a fragment; not yet translated). */
static inline bool pkt_session_keyed(const struct pkt_meta *pm)
{
	return pm->action == PKT_TX && (pm->flags & PKT_F_L4_VALID) &&
	       !(pm->flags & (PKT_F_FRAGMENT | PKT_F_NAT_DONE)) &&
	       (pm->proto == 6 || pm->proto == 17 ||
		(pm->proto == 1 && (pm->icmp_type == 8 || pm->icmp_type == 0)));
}

/* Mark a packet dropped for a reason. */
static inline void pkt_drop(struct rte_mbuf *m, enum drop_reason r)
{
	struct pkt_meta *pm = pkt_meta(m);
	pm->action = PKT_DROP;
	pm->drop = (uint8_t)r;
}

/* One port as the packet path sees it. */
struct rss_conf;

struct dp_port {
	char name[NATGW_NAME_MAX];
	uint16_t ethdev;            /* DPDK port id */
	uint16_t n_queues;
	struct rte_ether_addr mac;
	uint32_t addr;              /* host order */
	uint32_t netmask;           /* host order */
	uint8_t prefix_len;
	uint16_t mtu;               /* IP MTU */
	uint8_t table;              /* ingress route table index */
	bool rx_csum;               /* trust RTE_MBUF_F_RX_*_CKSUM_BAD flags */
	bool tx_ip_csum;            /* port offloads IPv4 header checksum */
	bool tx_l4_csum;            /* port offloads TCP/UDP checksum */
	const struct rss_conf *rss; /* hardware RSS as read back (RETA in worker
				       numbers), NULL: unknown; the NAT port's
				       feeds the allocator's RSS view */
};

/* Immutable compiled configuration. Workers hold a pointer for a whole burst. */
struct dp_snapshot {
	struct dp_port ports[NATGW_MAX_PORTS];
	unsigned n_ports;
	struct route_table *tables[NATGW_MAX_TABLES];
	unsigned n_tables;
	uint32_t icmp_rate;     /* tokens per second */
	uint32_t icmp_burst;    /* bucket depth */
	uint32_t neigh_timeout; /* seconds */
	const struct nat_rt *nat; /* sessions (NAT and/or SG state); NULL: neither configured */
	/* Filtering: compiled NACL + groups per port and direction (NULL: the
	 * port is not filtered that way); per-worker hit counters, worker w's
	 * at fctr[(w * NATGW_MAX_PORTS + port) * 2 + dir]. */
	const struct filter_ctx *filter[NATGW_MAX_PORTS][2];
	struct filter_counters *fctr;
	unsigned n_workers;          /* fctr is sized for this many workers */
	uint32_t sg_ports;           /* bit p: port p has security groups (stateful) */
	bool filtering;              /* some port has a NACL or groups */
	uint64_t generation;         /* increases with every snapshot built */
	/* Control-plane bookkeeping (not read by workers): which config each
	 * compiled part came from, so the next snapshot can reuse parts that did
	 * not change (src/dataplane/snapshot.c). */
	char table_name[NATGW_MAX_TABLES][NATGW_NAME_MAX];
	uint64_t filter_fp[NATGW_MAX_PORTS]; /* fingerprint of the port's filter config */
};

/* Host services the core needs (NPF-style ops table): buffers only. */
struct pkt_ops {
	struct rte_mbuf *(*alloc)(struct worker *w);
	void (*free)(struct worker *w, struct rte_mbuf *m);
};

#define WORKER_EMIT_MAX 256

/* Token bucket for generated ICMP errors. */
struct icmp_ratelimit {
	uint64_t last_tsc;
	uint32_t tokens;
};

/* Core-visible part of a worker. Only its own lcore writes it. */
struct worker {
	unsigned id;
	const struct dp_snapshot *snap;
	struct neigh_table *neigh;
	struct nat_worker *nat;   /* NULL when NAT is not configured */
	const struct pkt_ops *ops;
	uint64_t now;     /* TSC at the start of this loop iteration */
	uint64_t hz;      /* TSC ticks per second */
	struct icmp_ratelimit icmp_rl;
	struct rte_mbuf *emit[WORKER_EMIT_MAX];
	uint16_t n_emit;
	struct worker_counters ctr;
	void *dp;         /* dataplane-private state */
};

/* Append a core-generated packet (meta->action/out_port set) for transmission.
 * If the emit list is full the packet is freed and counted as TX_FULL. */
static inline void worker_emit(struct worker *w, struct rte_mbuf *m)
{
	if (w->n_emit < WORKER_EMIT_MAX) {
		w->emit[w->n_emit++] = m;
	} else {
		w->ctr.drop[DROP_TX_FULL]++;
		w->ops->free(w, m);
	}
}

/* ---- stages (src/core) ---- */

/* parse.c: validate L2/L3/L4 and fill pkt_meta for n packets; sets cls or drops. */
uint16_t parse_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* pipeline.c: the whole core path for a burst: parse, then ARP / local / transit.
 * On return every packet has action set. */
void pipeline_run(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* pipeline.c: pipeline_run for packets parse_stage has already parsed. */
void pipeline_run_parsed(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* arp.c: handle one ARP packet (answer requests for own addresses, learn). */
void arp_input(struct worker *w, struct rte_mbuf *m);

/* arp.c: build a gratuitous ARP for port p into emit[]. 0 or -ENOMEM. */
int arp_send_gratuitous(struct worker *w, unsigned port);

/* icmp.c: handle IPv4 to one of our addresses (echo request -> reply in place). */
void icmp_local_input(struct worker *w, struct rte_mbuf *m);

/* icmp.c: turn m (an IPv4 packet being handled) into an ICMP error sent back
 * out its ingress port, in place (MACs swapped, source = ingress port address),
 * rate-limited by w->icmp_rl. The original packet is a drop for reason r:
 * when the error is sent, this function counts w->ctr.drop[r] itself and sets
 * action PKT_TX; when suppressed (rate limit, or the packet is itself an ICMP
 * error, a fragment with offset != 0, or from a broadcast/multicast/zero
 * source) it sets pkt_drop(m, r) and the dataplane counts it.
 * mtu is the next-hop MTU for frag-needed (else 0). */
void icmp_error_reply(struct worker *w, struct rte_mbuf *m, uint8_t type, uint8_t code,
		      uint16_t mtu, enum drop_reason r);

/* filter_stage.c: ingress NACL (drops) and security groups (marks new flows
 * no rule allows with PKT_F_SG_DENY) for parsed packets, as received. */
void filter_ingress_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* filter_stage.c: ingress security groups for packets the session stage
 * looked up and did not find (marks PKT_F_SG_DENY). */
void filter_ingress_sg(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* filter_stage.c: egress NACL and security groups for routed packets
 * (out_port set); src_after[i] is pkts[i]'s source once translated (network
 * order). Drops what is denied. */
void filter_egress_stage(struct worker *w, struct rte_mbuf **pkts, const uint32_t *src_after,
			 uint16_t n);

/* forward.c: TTL, route lookup, MTU, TTL decrement, neighbour resolution for
 * transit packets. */
void forward_stage(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

#endif
