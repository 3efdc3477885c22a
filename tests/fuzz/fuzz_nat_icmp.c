/* fuzz_nat_icmp: ICMP errors with arbitrary quoted packets against the
 * pre-created NAT sessions (RFC 5508 translation in nat_icmp.c), through the
 * whole pipeline. The harness builds a valid outer Ethernet + IPv4 + ICMP
 * header (all checksums right, so every input reaches the NAT stage); the
 * fuzzer controls the quote. Environment and checks: fuzz_pipeline.h.
 *
 * Input: three control bytes, then the quoted bytes (at most 1400).
 *   byte 0  bits 0-2  who sends the error to whom (table below)
 *           bit 3     NAT config B
 *           bit 4     outer TTL 1 (time exceeded about an error: never sent)
 *           bit 5     fix the quoted IPv4 header checksum
 *           bit 6     hand the frame over as two segments (split inside the quote)
 *           bit 7     burst of two (the same error twice)
 *   byte 1  ICMP type: bits 0-2 pick one of 3 3 11 4 5 12 3 11; when bit 7
 *           is set, the type is bits 0-6 instead (echo, unknown types, ...);
 *           bit 6 (when bit 7 is clear): filtering on (fz_filters_on)
 *   byte 2  ICMP code; for type 3 code 4 the next-hop MTU is 576 + byte 2
 */
#include "fuzz_pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_QUOTE_MAX 1400

/* Error senders: ingress port, outer source, outer destination (host order;
 * 0 = the public address of inside host H1 / H2). */
static const struct {
	uint8_t port;
	uint32_t src, dst;
} senders[8] = {
	{ 1, FZ_REM, 0x1 },             /* remote about H1's outbound flow (to its public addr) */
	{ 1, FZ_GW, 0x2 },              /* router beyond natgw about H2's flow */
	{ 0, FZ_IRTR, FZ_REM },         /* inside router about inbound traffic */
	{ 0, FZ_SRV, FZ_REM2 },         /* port-forward server about the client's packets */
	{ 0, FZ_H1, FZ_REM },           /* inside host about a reply */
	{ 1, FZ_REM2, FZ_PUB1 },        /* client of the port-forward */
	{ 2, FZ_LABHOST, FZ_REM },      /* lab host (an inside prefix) */
	{ 1, FZ_REM, FZ_H1 },           /* straight to an inside address from outside */
};

static const uint8_t types[8] = { 3, 3, 11, 4, 5, 12, 3, 11 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_global_init("fuzz_nat_icmp");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[14 + 20 + 8 + FZ_QUOTE_MAX];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t *quote = (uint8_t *)(ih + 1);
	struct rte_mbuf *pkts[2];
	struct fz_opts o = { 0 };
	struct fz_env env;
	unsigned sel, qlen, n;
	uint32_t src, dst;
	uint16_t len;
	uint8_t c0, type, code;

	if (size < 3 || size - 3 > FZ_QUOTE_MAX)
		return -1;
	c0 = data[0];
	type = types[data[1] & 7];
	if (data[1] & 0x80)
		type = data[1] & 0x7f; /* any type (echo, unknown, ...) */
	code = data[2];
	qlen = (unsigned)(size - 3);
	sel = c0 & 7;
	o.config_b = c0 & 0x08;

	fz_env_init(&env, &o);
	fz_sessions_setup(&env);
	if ((data[1] & 0xc0) == 0x40)
		fz_filters_on(&env);

	src = senders[sel].src;
	dst = senders[sel].dst;
	if (dst == 0x1)
		dst = rte_be_to_cpu_32(fz_pub_of(&env, FZ_H1));
	else if (dst == 0x2)
		dst = rte_be_to_cpu_32(fz_pub_of(&env, FZ_H2));

	memset(frame, 0, 14 + 20 + 8);
	eth->dst_addr = fz_mac(false, senders[sel].port);
	eth->src_addr = fz_mac(true, senders[sel].port);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + qlen));
	ip->packet_id = rte_cpu_to_be_16(0x77);
	ip->time_to_live = (c0 & 0x10) ? 1 : 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ih->icmp_type = type;
	ih->icmp_code = code;
	if (type == 3 && code == 4)
		ih->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)(576 + data[2]));
	memcpy(quote, data + 3, qlen);
	len = (uint16_t)(14 + 20 + 8 + qlen);
	if (c0 & 0x20)
		fz_fix_ip(frame, len); /* outer and quoted header */
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ih->icmp_cksum = 0;
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, 8 + qlen);

	n = (c0 & 0x80) ? 2 : 1;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = fz_frame(&env, frame, len, senders[sel].port);

		/* a split after the inner header and 8 bytes, as reassembly could make */
		if ((c0 & 0x40) && len > 14 + 20 + 8 + 28)
			fz_split(&env, m, 14 + 20 + 8 + 28);
		pkts[i] = m;
	}
	fz_run(&env, pkts, (uint16_t)n);
	fz_env_fini(&env);
	return 0;
}
