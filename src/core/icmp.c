/* natgw ICMP: echo replies for our addresses and rate-limited ICMP errors.
 *
 * Overview: icmp_local_input() answers echo requests to any of our addresses
 * in place (addresses and MACs swapped, type 0, TTL 64, checksums patched
 * incrementally, RFC 1624) and drops everything else addressed to us.
 * icmp_error_reply() turns a packet being dropped into an ICMP error in place
 * (RFC 792, RFC 1812 4.3.2): a new IP header and ICMP header are prepended in
 * front of the original IP header, which is quoted with as much payload as
 * fits in 576 bytes of IP. Errors are never sent about ICMP errors, non-first
 * fragments, link-layer broadcasts, or packets from/to broadcast, multicast or
 * zero addresses, and are limited by a per-worker token bucket
 * (snap->icmp_rate per second, depth snap->icmp_burst).
 * Life-cycle: the token bucket lives in struct worker (zeroed at creation:
 * it fills up on the first call). Who: the owning worker only.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "natgw/cksum.h"
#include "natgw/pipeline.h"

#define ICMP_DEST_UNREACH 3          /* RFC 792 types (rte_icmp.h has echo only) */
#define ICMP_TIME_EXCEEDED 11
#define ICMP_ERR_IP_MAX 576          /* RFC 1812 4.3.2.3: total length of an error */
#define ICMP_ERR_TTL 64
#define ICMP_ERR_TOS 0xc0            /* RFC 1812 4.3.2.5: precedence internetwork control */
#define ICMP_ERR_HDRS (sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr))

/* IP identification for generated errors: per worker thread, so no sharing. */
static __thread uint16_t icmp_ip_id_next;

/* Answer an echo request to one of our addresses in place; drop other local traffic. */
void icmp_local_input(struct worker *w, struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *p = &w->snap->ports[pm->in_port];
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t old_w, new_w;

	if (pm->proto != IPPROTO_ICMP || (pm->flags & PKT_F_FRAGMENT) ||
	    !(pm->flags & PKT_F_L4_VALID)) {
		pkt_drop(m, DROP_LOCAL_UNSUPPORTED);
		return;
	}
	if (pm->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		pkt_drop(m, DROP_ICMP_NOT_ECHO);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pm->l3_off);
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, pm->l4_off);

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	ip->src_addr = pm->dst_ip; /* swapping addresses leaves the checksum unchanged */
	ip->dst_addr = pm->src_ip;
	cksum_ipv4_ttl_set(ip, ICMP_ERR_TTL);

	old_w = rte_cpu_to_be_16((uint16_t)(icmp->icmp_type << 8 | icmp->icmp_code));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	new_w = rte_cpu_to_be_16((uint16_t)(icmp->icmp_type << 8 | icmp->icmp_code));
	icmp->icmp_cksum = cksum_icmp_nonzero(cksum_update16(icmp->icmp_cksum, old_w, new_w));

	pm->src_ip = ip->src_addr;
	pm->dst_ip = ip->dst_addr;
	pm->ttl = ICMP_ERR_TTL;
	pm->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	pm->action = PKT_TX;
	pm->out_port = pm->in_port;
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	w->ctr.gen[GEN_ICMP_ECHO_REPLY]++;
}

/* True for ICMP types that are errors (or unknown, treated as errors like Linux). */
static inline bool icmp_type_is_error(uint8_t type)
{
	return type > 18 || type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* True when a is no unicast host: zero, limited broadcast, multicast/class E,
 * or the directed broadcast of one of our port subnets. */
static bool icmp_addr_not_unicast(const struct dp_snapshot *s, uint32_t a)
{
	if (a == 0 || (a >> 28) >= 0xe)
		return true;
	for (unsigned i = 0; i < s->n_ports; i++) {
		const struct dp_port *p = &s->ports[i];

		if (p->addr != 0 && p->prefix_len < 31 && a == (p->addr | ~p->netmask))
			return true;
	}
	return false;
}

/* RFC 1812 4.3.2.7: true when no ICMP error may be sent about this packet. */
static bool icmp_error_forbidden(const struct dp_snapshot *s, const struct pkt_meta *pm)
{
	if ((pm->flags & PKT_F_FRAGMENT) && !(pm->flags & PKT_F_FIRST_FRAG))
		return true;
	if (pm->flags & PKT_F_BCAST)
		return true;
	if (pm->proto == IPPROTO_ICMP &&
	    (!(pm->flags & PKT_F_L4_VALID) || icmp_type_is_error(pm->icmp_type)))
		return true;
	return icmp_addr_not_unicast(s, rte_be_to_cpu_32(pm->src_ip)) ||
	       icmp_addr_not_unicast(s, rte_be_to_cpu_32(pm->dst_ip));
}

/* Take a token from the worker's ICMP error bucket; false when empty. */
static bool icmp_ratelimit_take(struct worker *w)
{
	struct icmp_ratelimit *rl = &w->icmp_rl;
	uint32_t rate = w->snap->icmp_rate, burst = w->snap->icmp_burst;
	uint64_t elapsed = w->now - rl->last_tsc;

	if (rate == 0 || burst == 0 || w->hz == 0)
		return false;
	if (elapsed >= (uint64_t)burst * w->hz / rate + w->hz) {
		rl->tokens = burst; /* long idle (or first use): full bucket */
		rl->last_tsc = w->now;
	} else {
		uint64_t add = elapsed * rate / w->hz;

		if (add > 0) {
			/* Keep the fraction of a token not yet earned. */
			rl->last_tsc += add * w->hz / rate;
			rl->tokens = (uint32_t)RTE_MIN((uint64_t)burst, rl->tokens + add);
		}
	}
	if (rl->tokens == 0)
		return false;
	rl->tokens--;
	return true;
}

/* Generated-packet kind counted for an error of type/code; GEN_MAX for none. */
static enum gen_kind icmp_error_kind(uint8_t type, uint8_t code)
{
	if (type == ICMP_TIME_EXCEEDED)
		return GEN_ICMP_TIME_EXCEEDED;
	if (type == ICMP_DEST_UNREACH) {
		if (code == 0)
			return GEN_ICMP_NET_UNREACH;
		if (code == 4)
			return GEN_ICMP_FRAG_NEEDED;
		return GEN_ICMP_HOST_UNREACH;
	}
	return GEN_MAX;
}

/* Free every segment after the first one so m is a single-segment packet. */
static void icmp_mbuf_drop_tail(struct worker *w, struct rte_mbuf *m)
{
	struct rte_mbuf *tail = m->next;

	if (tail == NULL)
		return;
	tail->nb_segs = (uint16_t)(m->nb_segs - 1);
	tail->pkt_len = m->pkt_len - m->data_len;
	m->next = NULL;
	m->nb_segs = 1;
	m->pkt_len = m->data_len;
	w->ops->free(w, tail);
}

/* Build the error in place; false when the mbuf has no room (nothing changed). */
static bool icmp_error_build(struct worker *w, struct rte_mbuf *m, uint8_t type,
			     uint8_t code, uint16_t mtu)
{
	struct pkt_meta *pm = pkt_meta(m);
	const struct dp_port *p = &w->snap->ports[pm->in_port];
	uint16_t quote = RTE_MIN(pm->ip_len, (uint16_t)(m->data_len - pm->l3_off));
	struct rte_ether_addr orig_src;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint16_t total;
	char *data;

	quote = RTE_MIN(quote, (uint16_t)(ICMP_ERR_IP_MAX - ICMP_ERR_HDRS));
	if (pm->l3_off != sizeof(struct rte_ether_hdr) || rte_pktmbuf_headroom(m) < ICMP_ERR_HDRS)
		return false;
	icmp_mbuf_drop_tail(w, m);
	rte_ether_addr_copy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &orig_src);
	data = rte_pktmbuf_prepend(m, (uint16_t)ICMP_ERR_HDRS);
	/* Layout now: [new eth][new ip][icmp][old ip...]: the 28 new bytes plus
	 * the old Ethernet header hold eth+ip+icmp, and the quote (the original
	 * IP header and payload) is already where it belongs. */
	total = (uint16_t)(ICMP_ERR_HDRS + quote);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - sizeof(struct rte_ether_hdr) - total));

	eth = (struct rte_ether_hdr *)data;
	rte_ether_addr_copy(&orig_src, &eth->dst_addr);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = ICMP_ERR_TOS;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(icmp_ip_id_next++);
	ip->fragment_offset = 0;
	ip->time_to_live = ICMP_ERR_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->dst_addr = pm->src_ip;
	ip->src_addr = rte_cpu_to_be_32(p->addr);
	cksum_ipv4_hdr_set(ip, sizeof(*ip));

	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;
	icmp->icmp_seq_nb = (type == ICMP_DEST_UNREACH && code == 4)
				    ? rte_cpu_to_be_16(mtu) : 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + quote);

	pm->l3_off = sizeof(struct rte_ether_hdr);
	pm->l4_off = (uint16_t)(pm->l3_off + sizeof(*ip));
	pm->ip_len = total;
	pm->ethertype = RTE_ETHER_TYPE_IPV4;
	pm->ihl = sizeof(*ip);
	pm->proto = IPPROTO_ICMP;
	pm->ttl = ICMP_ERR_TTL;
	pm->flags = PKT_F_FIRST_FRAG | PKT_F_L4_VALID;
	pm->src_ip = ip->src_addr;
	pm->dst_ip = ip->dst_addr;
	pm->sport = 0;
	pm->dport = 0;
	pm->icmp_type = type;
	pm->icmp_code = code;
	pm->nexthop = 0;
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	return true;
}

/* Turn m into a rate-limited ICMP error back out its ingress port (see pipeline.h). */
void icmp_error_reply(struct worker *w, struct rte_mbuf *m, uint8_t type, uint8_t code,
		      uint16_t mtu, enum drop_reason r)
{
	struct pkt_meta *pm = pkt_meta(m);
	enum gen_kind kind;

	if (icmp_error_forbidden(w->snap, pm)) {
		pkt_drop(m, r);
		return;
	}
	if (!icmp_ratelimit_take(w)) {
		w->ctr.gen[GEN_ICMP_RATE_LIMITED]++;
		pkt_drop(m, r);
		return;
	}
	if (!icmp_error_build(w, m, type, code, mtu)) {
		pkt_drop(m, r);
		return;
	}
	w->ctr.drop[r]++;
	kind = icmp_error_kind(type, code);
	if (kind != GEN_MAX)
		w->ctr.gen[kind]++;
	pm->action = PKT_TX;
	pm->out_port = pm->in_port;
}
