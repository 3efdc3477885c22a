/* test_nat_tcp: the NAT TCP state machine (src/core/nat_tcp.c), table-driven.
 * Every row starts from a session in a given state with given sequence ends,
 * feeds one segment from one direction and checks the new state, the event,
 * the timeout class and (where given) the tracked sequence end. EAL-free. */
#include <stdio.h>

#include "test_mbuf.h"

#include "core/nat_stage_internal.h"

#define S_ RTE_TCP_SYN_FLAG
#define A_ RTE_TCP_ACK_FLAG
#define F_ RTE_TCP_FIN_FLAG
#define R_ RTE_TCP_RST_FLAG

#define E0 100000u   /* initiator's sequence end in the rows */
#define E1 500000u   /* responder's sequence end */

struct tcp_row {
	const char *name;
	uint8_t st;          /* state before */
	uint32_t end0, end1; /* td_maxend before */
	int dir;
	uint8_t flags;
	uint32_t seq, ack, len;
	uint8_t want_st;
	enum nat_tcp_event want_ev;
	uint8_t want_tc;
	int check_end;       /* -1: no check; else direction whose end is checked */
	uint32_t want_end;
};

static const struct tcp_row rows[] = {
	/* handshake */
	{ "syn_sent: syn+ack from reply", NAT_TCP_SYN_SENT, E0, 0, 1, S_ | A_, 7000, E0, 0,
	  NAT_TCP_SYN_RECV, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, 1, 7001 },
	{ "syn_sent: syn retransmit", NAT_TCP_SYN_SENT, E0, 0, 0, S_, E0 - 1, 0, 0,
	  NAT_TCP_SYN_SENT, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, 0, E0 },
	{ "syn_sent: plain ack from reply", NAT_TCP_SYN_SENT, E0, 0, 1, A_, 7000, E0, 0,
	  NAT_TCP_SYN_SENT, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, -1, 0 },
	{ "syn_sent: syn (no ack) from reply", NAT_TCP_SYN_SENT, E0, 0, 1, S_, 7000, 0, 0,
	  NAT_TCP_SYN_SENT, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, -1, 0 },
	{ "syn_sent: rst+ack acking the syn (refused)", NAT_TCP_SYN_SENT, E0, 0, 1, R_ | A_, 0,
	  E0, 0, NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "syn_sent: rst+ack with a wrong ack", NAT_TCP_SYN_SENT, E0, 0, 1, R_ | A_, 0, E0 + 5,
	  0, NAT_TCP_SYN_SENT, NAT_TCP_EV_RST_IGNORED, NAT_TC_TCP_SYN, -1, 0 },
	{ "syn_sent: rst without ack from reply", NAT_TCP_SYN_SENT, E0, 0, 1, R_, E1, 0, 0,
	  NAT_TCP_SYN_SENT, NAT_TCP_EV_RST_IGNORED, NAT_TC_TCP_SYN, -1, 0 },
	{ "syn_sent: rst from orig in window", NAT_TCP_SYN_SENT, E0, 0, 0, R_, E0, 0, 0,
	  NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "syn_recv: ack from orig", NAT_TCP_SYN_RECV, E0, E1, 0, A_, E0, E1, 0,
	  NAT_TCP_ESTABLISHED, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, -1, 0 },
	{ "syn_recv: ack from reply", NAT_TCP_SYN_RECV, E0, E1, 1, A_, E1, E0, 0,
	  NAT_TCP_SYN_RECV, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, -1, 0 },
	{ "syn_recv: syn+ack retransmit", NAT_TCP_SYN_RECV, E0, E1, 1, S_ | A_, E1 - 1, E0, 0,
	  NAT_TCP_SYN_RECV, NAT_TCP_EV_NONE, NAT_TC_TCP_SYN, 1, E1 },
	{ "syn_recv: fin+ack from orig", NAT_TCP_SYN_RECV, E0, E1, 0, F_ | A_, E0, E1, 0,
	  NAT_TCP_FIN_ORIG, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, 0, E0 + 1 },
	/* established, data */
	{ "est: data from orig", NAT_TCP_ESTABLISHED, E0, E1, 0, A_, E0, E1, 1000,
	  NAT_TCP_ESTABLISHED, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, 0, E0 + 1000 },
	{ "est: old data does not move the end back", NAT_TCP_ESTABLISHED, E0, E1, 1, A_,
	  E1 - 5000, E0, 100, NAT_TCP_ESTABLISHED, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, 1, E1 },
	{ "est: syn from orig does not reopen", NAT_TCP_ESTABLISHED, E0, E1, 0, S_, 1, 0, 0,
	  NAT_TCP_ESTABLISHED, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, -1, 0 },
	/* closing */
	{ "est: fin from orig", NAT_TCP_ESTABLISHED, E0, E1, 0, F_ | A_, E0, E1, 0,
	  NAT_TCP_FIN_ORIG, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, 0, E0 + 1 },
	{ "est: fin from reply", NAT_TCP_ESTABLISHED, E0, E1, 1, F_ | A_, E1, E0, 0,
	  NAT_TCP_FIN_REPLY, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, 1, E1 + 1 },
	{ "fin_orig: fin from reply", NAT_TCP_FIN_ORIG, E0, E1, 1, F_ | A_, E1, E0, 0,
	  NAT_TCP_FIN_BOTH, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_orig: fin retransmit from orig", NAT_TCP_FIN_ORIG, E0, E1, 0, F_ | A_, E0 - 1, E1,
	  0, NAT_TCP_FIN_ORIG, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, -1, 0 },
	{ "fin_reply: fin from orig", NAT_TCP_FIN_REPLY, E0, E1, 0, F_ | A_, E0, E1, 0,
	  NAT_TCP_FIN_BOTH, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_reply: data from reply", NAT_TCP_FIN_REPLY, E0, E1, 1, A_, E1, E0, 10,
	  NAT_TCP_FIN_REPLY, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, -1, 0 },
	{ "fin_both: last ack", NAT_TCP_FIN_BOTH, E0, E1, 0, A_, E0, E1, 0, NAT_TCP_FIN_BOTH,
	  NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	/* RST window */
	{ "est: rst from orig at its end", NAT_TCP_ESTABLISHED, E0, E1, 0, R_, E0, 0, 0,
	  NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "est: rst+ack from reply below its end", NAT_TCP_ESTABLISHED, E0, E1, 1, R_ | A_,
	  E1 - 1000, E0, 0, NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "est: rst at the upper edge", NAT_TCP_ESTABLISHED, E0, E1, 1, R_, E1 + (1u << 16), 0, 0,
	  NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "est: rst just above the window", NAT_TCP_ESTABLISHED, E0, E1, 1, R_,
	  E1 + (1u << 16) + 1, 0, 0, NAT_TCP_ESTABLISHED, NAT_TCP_EV_RST_IGNORED,
	  NAT_TC_TCP_EST, -1, 0 },
	{ "est: rst far above", NAT_TCP_ESTABLISHED, E0, E1, 1, R_, E1 + 3000000, 0, 0,
	  NAT_TCP_ESTABLISHED, NAT_TCP_EV_RST_IGNORED, NAT_TC_TCP_EST, -1, 0 },
	{ "est: rst at the lower edge", NAT_TCP_ESTABLISHED, E0 + (1u << 20), E1, 0, R_, E0, 0, 0,
	  NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "est: rst just below the window", NAT_TCP_ESTABLISHED, E0 + (1u << 20), E1, 0, R_,
	  E0 - 1, 0, 0, NAT_TCP_ESTABLISHED, NAT_TCP_EV_RST_IGNORED, NAT_TC_TCP_EST, -1, 0 },
	{ "est: rst across the sequence wrap", NAT_TCP_ESTABLISHED, 0xfffffff0u, E1, 0, R_,
	  0x10, 0, 0, NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_orig: rst in window", NAT_TCP_FIN_ORIG, E0, E1, 1, R_, E1, 0, 0, NAT_TCP_RST,
	  NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_both: out-of-window rst ignored", NAT_TCP_FIN_BOTH, E0, E1, 0, R_, E0 + 9000000,
	  0, 0, NAT_TCP_FIN_BOTH, NAT_TCP_EV_RST_IGNORED, NAT_TC_TCP_TRANS, -1, 0 },
	{ "rst: rst again", NAT_TCP_RST, E0, E1, 0, R_, E0, 0, 0, NAT_TCP_RST, NAT_TCP_EV_NONE,
	  NAT_TC_TCP_TRANS, -1, 0 },
	/* reopen */
	{ "fin_both: syn from orig reopens", NAT_TCP_FIN_BOTH, E0, E1, 0, S_, 900, 0, 0,
	  NAT_TCP_SYN_SENT, NAT_TCP_EV_REOPENED, NAT_TC_TCP_SYN, 0, 901 },
	{ "rst: syn from orig reopens", NAT_TCP_RST, E0, E1, 0, S_, 77, 0, 0, NAT_TCP_SYN_SENT,
	  NAT_TCP_EV_REOPENED, NAT_TC_TCP_SYN, 1, 0 },
	{ "rst: syn from reply does not reopen", NAT_TCP_RST, E0, E1, 1, S_, 77, 0, 0,
	  NAT_TCP_RST, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_both: syn+ack from orig does not reopen", NAT_TCP_FIN_BOTH, E0, E1, 0, S_ | A_,
	  77, 1, 0, NAT_TCP_FIN_BOTH, NAT_TCP_EV_NONE, NAT_TC_TCP_TRANS, -1, 0 },
	{ "fin_orig: syn from orig does not reopen", NAT_TCP_FIN_ORIG, E0, E1, 0, S_, 77, 0, 0,
	  NAT_TCP_FIN_ORIG, NAT_TCP_EV_NONE, NAT_TC_TCP_EST, -1, 0 },
};

/* Run every row of the table. */
static void test_rows(void)
{
	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		const struct tcp_row *r = &rows[i];
		struct nat_session s;
		struct nat_tcp_seg seg = { r->flags, r->seq, r->ack, r->len };
		enum nat_tcp_event ev;

		memset(&s, 0, sizeof(s));
		s.tcp_state = r->st;
		s.td_maxend[0] = r->end0;
		s.td_maxend[1] = r->end1;
		ev = nat_tcp_update(&s, r->dir, &seg);
		CHECK(s.tcp_state == r->want_st && ev == r->want_ev,
		      "%s: state %s event %d, want %s event %d", r->name,
		      nat_tcp_state_name(s.tcp_state), ev, nat_tcp_state_name(r->want_st),
		      r->want_ev);
		CHECK(nat_tcp_tclass(s.tcp_state) == r->want_tc, "%s: class %u want %u", r->name,
		      nat_tcp_tclass(s.tcp_state), r->want_tc);
		if (r->check_end >= 0)
			CHECK(s.td_maxend[r->check_end] == r->want_end, "%s: end[%d] %u want %u",
			      r->name, r->check_end, s.td_maxend[r->check_end], r->want_end);
	}
}

/* A whole connection through nat_tcp_init/update, and the header reader. */
static void test_connection(void)
{
	struct nat_session s;
	uint8_t th[20] = { 0 };
	struct nat_tcp_seg seg;
	static const struct {
		int dir;
		uint8_t flags;
		uint32_t seq, ack, len;
		uint8_t want;
	} steps[] = {
		{ 1, S_ | A_, 5000, 1001, 0, NAT_TCP_SYN_RECV },
		{ 0, A_, 1001, 5001, 0, NAT_TCP_ESTABLISHED },
		{ 0, A_, 1001, 5001, 300, NAT_TCP_ESTABLISHED },
		{ 1, A_, 5001, 1301, 1400, NAT_TCP_ESTABLISHED },
		{ 1, F_ | A_, 6401, 1301, 0, NAT_TCP_FIN_REPLY },
		{ 0, F_ | A_, 1301, 6402, 0, NAT_TCP_FIN_BOTH },
		{ 1, A_, 6402, 1302, 0, NAT_TCP_FIN_BOTH },
	};

	/* header reader: flags at 13, seq at 4, ack at 8 (network order) */
	th[13] = S_;
	th[4] = 0;
	th[5] = 0;
	th[6] = 0x03;
	th[7] = 0xe8; /* seq 1000 */
	th[11] = 7;
	nat_tcp_seg_read(&seg, th, 0);
	CHECK(seg.flags == S_ && seg.seq == 1000 && seg.ack == 7 && seg.len == 0,
	      "segment read: flags %x seq %u ack %u", seg.flags, seg.seq, seg.ack);

	memset(&s, 0, sizeof(s));
	nat_tcp_init(&s, &seg);
	CHECK(s.tcp_state == NAT_TCP_SYN_SENT && s.td_maxend[0] == 1001 &&
		      nat_tcp_tclass(s.tcp_state) == NAT_TC_TCP_SYN,
	      "init: syn_sent end %u", s.td_maxend[0]);
	for (unsigned i = 0; i < RTE_DIM(steps); i++) {
		struct nat_tcp_seg g = { steps[i].flags, steps[i].seq, steps[i].ack, steps[i].len };

		nat_tcp_update(&s, steps[i].dir, &g);
		CHECK(s.tcp_state == steps[i].want, "connection step %u: %s want %s", i,
		      nat_tcp_state_name(s.tcp_state), nat_tcp_state_name(steps[i].want));
	}
	CHECK(s.td_maxend[0] == 1302 && s.td_maxend[1] == 6402, "ends %u %u", s.td_maxend[0],
	      s.td_maxend[1]);
	CHECK(strcmp(nat_tcp_state_name(200), "?") == 0, "unknown state name");
}

int main(void)
{
	test_rows();
	test_connection();
	return tu_summary("test_nat_tcp");
}
