/* fuzz_packet: one Ethernet frame through the whole core pipeline
 * (pipeline_run: parse, NAT prerouting, ARP, ICMP, forward with real rte_fib
 * route tables, NAT postrouting, neighbour resolution) on a worker with NAT
 * sessions already open. Environment and checks: fuzz_pipeline.h.
 *
 * Input: two control bytes, then the frame.
 *   byte 0  bits 0-1  ingress port (3 means port 0)
 *           bit 2     burst of two: the frame twice in one pipeline_run
 *           bit 3     afterwards advance the clock (byte 1 bits 6-7) and run
 *                     nat_timer and neigh_timer
 *           bit 4     NAT config B (tuple-unique, 4 ports, 2 per host, ICMP 3/13)
 *           bit 5     fix the IPv4 header checksum(s) (outer, and the quoted
 *                     header of an ICMP error)
 *           bit 6     fix the TCP/UDP/ICMP checksum
 *           bit 7     hand the frame over as two segments, like a datagram
 *                     rte_ip_frag reassembled: no padding after the IP total
 *                     length, split at 14 + IHL + 8 * (1 + byte1 & 7)
 *   byte 1  bit 2     filtering on (security groups and NACLs of fz_filter_ini,
 *                     after the sessions are set up); also one of the split bits
 *           bit 3     ports offload TX checksums
 *           bits 4-5  RX checksum flags (ports trust them): 0 none, 1 IP good,
 *                     2 IP bad, 3 L4 bad; like a real NIC's, "IP good" is only
 *                     said of a 20-byte IPv4 header that verifies (otherwise
 *                     the frame gets "IP bad": natgw trusts the flag and
 *                     rewrites checksums incrementally, so a lie would be
 *                     forwarded as received)
 *           bits 6-7  clock advance for bit 3: 31 s, 301 s, 7441 s, 100000 s
 */
#include "fuzz_pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_global_init("fuzz_packet");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t advance[4] = { 31, 301, 7441, 100000 };
	static uint8_t frame[FZ_MAX_FRAME];
	struct rte_mbuf *pkts[2];
	struct fz_opts o = { 0 };
	struct fz_env env;
	uint8_t c0, c1;
	unsigned in_port, n;
	uint16_t len;

	if (size < 2 || size - 2 > FZ_MAX_FRAME)
		return -1;
	c0 = data[0];
	c1 = data[1];
	len = (uint16_t)(size - 2);
	memcpy(frame, data + 2, len);
	in_port = c0 & 3;
	if (in_port == 3)
		in_port = 0;
	o.config_b = c0 & 0x10;
	o.tx_offload = c1 & 0x08;
	o.rx_csum = (c1 & 0x30) != 0;
	if (c0 & 0x20)
		fz_fix_ip(frame, len);
	if (c0 & 0x40)
		fz_fix_l4(frame, len);

	fz_env_init(&env, &o);
	fz_sessions_setup(&env);
	if (c1 & 0x04)
		fz_filters_on(&env);

	n = (c0 & 0x04) ? 2 : 1;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = fz_frame(&env, frame, len, in_port);
		static const uint64_t rx_flags[4] = {
			0, RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
			RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD,
		};

		m->ol_flags = rx_flags[(c1 >> 4) & 3];
		if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) && !fz_ipv4_hdr_verifies(frame, len))
			m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_IP_CKSUM_MASK) |
				      RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if ((c0 & 0x80) && len >= 34) {
			/* Reassembled datagrams carry no Ethernet padding (parse
			 * trimmed every fragment): cut the frame at the IP length. */
			unsigned ihl = (frame[14] & 0xf) * 4u;
			unsigned ip_len = (unsigned)frame[16] << 8 | frame[17];
			unsigned off = 14 + ihl + 8 * (1 + (c1 & 7u));

			if (ip_len >= ihl && 14 + ip_len < len) {
				m->data_len = (uint16_t)(14 + ip_len);
				m->pkt_len = m->data_len;
			}
			if (ihl >= 20 && off < m->data_len)
				fz_split(&env, m, (uint16_t)off);
		}
		pkts[i] = m;
	}
	fz_run(&env, pkts, (uint16_t)n);

	if (c0 & 0x08) {
		env.w.now += (uint64_t)advance[c1 >> 6] * env.w.hz;
		nat_timer(&env.w);
		neigh_timer(&env.w);
		fz_emit_clear(&env);
		fz_sessions_check(&env);
		/* the same frame again, after the expiry */
		pkts[0] = fz_frame(&env, frame, len, in_port);
		fz_run(&env, pkts, 1);
	}
	fz_env_fini(&env);
	return 0;
}
