/* natgw NAT TCP state machine (RFC 5382, RFC 7857 section 2).
 *
 * Overview: every TCP session carries a state (enum nat_tcp_state) that only
 * decides its timeout class (nat_tcp_tclass):
 *   SYN_SENT, SYN_RECV                     -> NAT_TC_TCP_SYN   (half-open, 30 s)
 *   ESTABLISHED, FIN_ORIG, FIN_REPLY       -> NAT_TC_TCP_EST   (7440 s)
 *   FIN_BOTH, RST                          -> NAT_TC_TCP_TRANS (240 s)
 * Transitions (dir 0 = initiator / orig, 1 = responder / reply):
 *   new session: SYN from orig                           -> SYN_SENT
 *   SYN_SENT:    SYN+ACK from reply                      -> SYN_RECV
 *   SYN_RECV:    ACK (no SYN) from orig                  -> ESTABLISHED
 *   SYN_RECV, ESTABLISHED: FIN from orig / reply         -> FIN_ORIG / FIN_REPLY
 *   FIN_ORIG:    FIN from reply; FIN_REPLY: FIN from orig -> FIN_BOTH
 *   any state:   RST in window                           -> RST
 *   FIN_BOTH, RST: SYN (no ACK) from orig                -> SYN_SENT (reopened)
 * Everything else leaves the state alone (packets are still forwarded: the
 * NAT is not a firewall, the endpoints validate their segments).
 *
 * RST window rule (no window scaling knowledge, so permissive):
 * td_maxend[d] is the highest sequence end (seq + payload + SYN + FIN) sent by
 * direction d, i.e. d's snd_nxt as far as the NAT has seen. A real RST from d
 * carries a sequence number at or a little below it (snd_nxt, or the other
 * side's ACK field for a "no such connection" RST), so an RST from d is in
 * window when seq lies in [td_maxend[d] - 2^20, td_maxend[d] + 2^16]
 * (serial arithmetic; 1 MiB below covers scaled windows in flight). Before
 * anything was seen from the responder (SYN_SENT), its RST is accepted only
 * when it ACKs the SYN exactly (RFC 793 "connection refused"). An RST outside
 * the window is forwarded but changes nothing (counted TCP_RST_IGNORED).
 * Life-cycle: state lives in struct nat_session. Who: the owning worker.
 */
#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "nat_stage_internal.h"

/* True when serial number a is after b (RFC 1982). */
static inline bool nat_tcp_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* Sequence end of a segment: seq + payload + 1 for SYN + 1 for FIN. */
static inline uint32_t nat_tcp_seg_end(const struct nat_tcp_seg *seg)
{
	return seg->seq + seg->len + ((seg->flags & RTE_TCP_SYN_FLAG) ? 1u : 0u) +
	       ((seg->flags & RTE_TCP_FIN_FLAG) ? 1u : 0u);
}

/* Fill a segment from the TCP header at th with payload len bytes. */
void nat_tcp_seg_read(struct nat_tcp_seg *seg, const void *th, uint32_t len)
{
	const uint8_t *p = th;

	seg->flags = p[13];
	seg->seq = rte_be_to_cpu_32(nat_ld32(p + 4));
	seg->ack = rte_be_to_cpu_32(nat_ld32(p + 8));
	seg->len = len;
}

/* Timeout class a session in TCP state st belongs to. */
uint8_t nat_tcp_tclass(uint8_t st)
{
	switch (st) {
	case NAT_TCP_ESTABLISHED:
	case NAT_TCP_FIN_ORIG:
	case NAT_TCP_FIN_REPLY:
		return NAT_TC_TCP_EST;
	case NAT_TCP_FIN_BOTH:
	case NAT_TCP_RST:
		return NAT_TC_TCP_TRANS;
	default:
		return NAT_TC_TCP_SYN;
	}
}

/* Short name of a TCP state (tests, management plane). */
const char *nat_tcp_state_name(uint8_t st)
{
	static const char *const names[] = {
		[NAT_TCP_NONE] = "none",
		[NAT_TCP_SYN_SENT] = "syn_sent",
		[NAT_TCP_SYN_RECV] = "syn_recv",
		[NAT_TCP_ESTABLISHED] = "established",
		[NAT_TCP_FIN_ORIG] = "fin_orig",
		[NAT_TCP_FIN_REPLY] = "fin_reply",
		[NAT_TCP_FIN_BOTH] = "fin_both",
		[NAT_TCP_RST] = "rst",
	};

	return st < RTE_DIM(names) ? names[st] : "?";
}

/* Start the state of a new session from its first segment (a SYN). */
void nat_tcp_init(struct nat_session *s, const struct nat_tcp_seg *seg)
{
	s->tcp_state = NAT_TCP_SYN_SENT;
	s->td_maxend[0] = nat_tcp_seg_end(seg);
	s->td_maxend[1] = 0;
}

/* Is an RST from dir acceptable for session s (see the window rule above)? */
static bool nat_tcp_rst_in_window(const struct nat_session *s, int dir,
				  const struct nat_tcp_seg *seg)
{
	uint32_t end = s->td_maxend[dir];

	if (dir == 1 && s->tcp_state == NAT_TCP_SYN_SENT)
		return (seg->flags & RTE_TCP_ACK_FLAG) && seg->ack == s->td_maxend[0];
	return !nat_tcp_after(end - NAT_TCP_RST_BELOW, seg->seq) &&
	       !nat_tcp_after(seg->seq, end + NAT_TCP_RST_ABOVE);
}

/* Record the sequence end of a segment from dir. */
static void nat_tcp_track(struct nat_session *s, int dir, const struct nat_tcp_seg *seg)
{
	uint32_t end = nat_tcp_seg_end(seg);

	if (nat_tcp_after(end, s->td_maxend[dir]))
		s->td_maxend[dir] = end;
}

/* FIN from dir: one side closing, or both. */
static void nat_tcp_fin(struct nat_session *s, int dir)
{
	switch (s->tcp_state) {
	case NAT_TCP_SYN_RECV:
	case NAT_TCP_ESTABLISHED:
		s->tcp_state = dir == 0 ? NAT_TCP_FIN_ORIG : NAT_TCP_FIN_REPLY;
		break;
	case NAT_TCP_FIN_ORIG:
		if (dir == 1)
			s->tcp_state = NAT_TCP_FIN_BOTH;
		break;
	case NAT_TCP_FIN_REPLY:
		if (dir == 0)
			s->tcp_state = NAT_TCP_FIN_BOTH;
		break;
	default:
		break;
	}
}

/* Advance the state of s for a segment from direction dir (0 orig, 1 reply). */
enum nat_tcp_event nat_tcp_update(struct nat_session *s, int dir, const struct nat_tcp_seg *seg)
{
	uint8_t f = seg->flags;
	bool syn = f & RTE_TCP_SYN_FLAG, ack = f & RTE_TCP_ACK_FLAG;

	if (f & RTE_TCP_RST_FLAG) {
		if (!nat_tcp_rst_in_window(s, dir, seg))
			return NAT_TCP_EV_RST_IGNORED;
		s->tcp_state = NAT_TCP_RST;
		return NAT_TCP_EV_NONE;
	}
	if (syn && !ack && dir == 0) {
		switch (s->tcp_state) {
		case NAT_TCP_FIN_BOTH:
		case NAT_TCP_RST:
			nat_tcp_init(s, seg);
			return NAT_TCP_EV_REOPENED;
		case NAT_TCP_SYN_SENT:
			nat_tcp_init(s, seg); /* retransmission (or a new ISN) */
			return NAT_TCP_EV_NONE;
		default:
			break;
		}
	}
	if (syn && ack && dir == 1 && s->tcp_state == NAT_TCP_SYN_SENT) {
		s->tcp_state = NAT_TCP_SYN_RECV;
		s->td_maxend[1] = nat_tcp_seg_end(seg);
		return NAT_TCP_EV_NONE;
	}
	if (s->tcp_state == NAT_TCP_SYN_SENT && dir == 1)
		return NAT_TCP_EV_NONE; /* responder's end is only learnt from its SYN+ACK */
	nat_tcp_track(s, dir, seg);
	if (ack && !syn && dir == 0 && s->tcp_state == NAT_TCP_SYN_RECV)
		s->tcp_state = NAT_TCP_ESTABLISHED;
	if (f & RTE_TCP_FIN_FLAG)
		nat_tcp_fin(s, dir);
	return NAT_TCP_EV_NONE;
}
