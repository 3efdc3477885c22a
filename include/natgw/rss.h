/* natgw RSS: the Toeplitz hash NICs compute for receive-side scaling, and the
 * redirection table (RETA) that turns a hash into an RX queue.
 *
 * Overview. A port with RSS hashes each received IPv4 packet with Toeplitz
 * over (src addr, dst addr[, src port, dst port]) - network byte order, in
 * that order, the Microsoft RSS layout every NIC follows - keyed with a 40-byte
 * (some NICs: 52-byte) secret key, and delivers it to queue
 * reta[hash % reta_size]. Knowing the key, the RETA and which packet kinds
 * are hashed over ports (the hash types), software can tell on which queue a
 * given packet will arrive: the dataplane uses it for software RSS on ports
 * without it, the NAT allocator (nat_alloc.c) to pick public ports whose
 * replies arrive on the session owner's own queue (no handoff).
 *   rss_toeplitz_ref    the plain bit-by-bit definition (reference, tests)
 *   struct rss_conf     a key + RETA + hash types in lookup form: one table
 *                       of 256 words per input byte (12 KiB), Toeplitz being
 *                       linear over GF(2): hash = XOR of tbl[i][byte i]
 *   rss_hash_l4 ...     the table form, inline; rss_queue_of maps to a queue
 * Keys: rss_key_default is the Microsoft/Intel default key (the key of the
 * Microsoft verification vectors, ixgbe's built-in one); rss_key_symmetric
 * (0x6d5a repeated) makes hash(a -> b) == hash(b -> a): with it and one RETA
 * on both ports, the two directions of a routed (untranslated) flow reach the
 * same worker - an option where the NIC lets natgw set the key. It cannot
 * help translated flows, whose reply tuple is not the request's reversed;
 * that is what the NAT allocator's RSS view is for.
 *
 * Life-cycle. rss_conf_init fills a caller-owned struct rss_conf (after the
 * port is configured, or again after a key/RETA update); from then on it is
 * read-only, and readers keep a pointer to it: it must outlive them (workers'
 * NAT state, software RSS).
 *
 * Who may touch what. Whoever owns the struct writes it, before publishing it;
 * any thread may read it afterwards. No state, no EAL calls.
 */
#ifndef NATGW_RSS_H
#define NATGW_RSS_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#define RSS_KEY_LEN 40     /* the usual key length (ENA, mlx5, ixgbe, virtio) */
#define RSS_KEY_MAX 64     /* longest key accepted (i40e, ice: 52) */
#define RSS_RETA_MAX 512   /* largest RETA accepted */
#define RSS_TUPLE_LEN 12   /* IPv4 src, dst, sport, dport */

/* Hash types: which IPv4 packets the port hashes over which fields (the
 * subset of rte_eth rss_hf natgw models; the dataplane translates:
 * RTE_ETH_RSS_IPV4 / FRAG_IPV4 / NONFRAG_IPV4_OTHER -> RSS_HASH_IPV4,
 * NONFRAG_IPV4_TCP -> RSS_HASH_IPV4_TCP, NONFRAG_IPV4_UDP -> RSS_HASH_IPV4_UDP;
 * with L3_/L4_SRC_ONLY or DST_ONLY set, or a hash function other than
 * Toeplitz, the model does not apply: use no RSS view). */
#define RSS_HASH_IPV4 0x1u     /* other IPv4 (ICMP, fragments, TCP/UDP below
				  when their bit is off): src, dst */
#define RSS_HASH_IPV4_TCP 0x2u /* non-fragmented TCP: src, dst, sport, dport */
#define RSS_HASH_IPV4_UDP 0x4u /* non-fragmented UDP: src, dst, sport, dport */
#define RSS_HASH_ALL (RSS_HASH_IPV4 | RSS_HASH_IPV4_TCP | RSS_HASH_IPV4_UDP)

/* The Microsoft/Intel default key, and the symmetric one (0x6d5a x 20). */
extern const uint8_t rss_key_default[RSS_KEY_LEN];
extern const uint8_t rss_key_symmetric[RSS_KEY_LEN];

/* A port's RSS as software sees it: lookup tables of its key, its RETA, its
 * hash types. Fill with rss_conf_init only. */
struct rss_conf {
	uint32_t tbl[RSS_TUPLE_LEN][256]; /* Toeplitz of byte value v at input byte i */
	uint16_t reta[RSS_RETA_MAX];      /* hash % reta_size -> RX queue */
	uint16_t reta_size;               /* 1..RSS_RETA_MAX */
	uint16_t reta_mask;               /* reta_size - 1 if a power of two, else 0 */
	uint32_t hash_types;              /* RSS_HASH_* */
	uint8_t key_len;
	uint8_t key[RSS_KEY_MAX];
	/* The key repeats every 16 bits over the IPv4 window (bytes 0..15, like
	 * 0x6d5a...): the tables of bytes 0-3 and 4-7 are equal, and so are those
	 * of 8-9 and 10-11. Toeplitz being linear, the 4-tuple hash is then
	 * tbl[0..3](src ^ dst) ^ tbl[8..9](sport ^ dport): the same in both
	 * directions, in half the lookups (rss_hash_sym_l4). */
	uint8_t symmetric;
};

/* Fill c from a key (key_len 16..RSS_KEY_MAX bytes; only the first 16 matter
 * for IPv4), a RETA of reta_size (1..RSS_RETA_MAX) queue numbers and the hash
 * types. Returns 0 or -EINVAL (c untouched). */
int rss_conf_init(struct rss_conf *c, const uint8_t *key, size_t key_len,
		  const uint16_t *reta, unsigned reta_size, uint32_t hash_types);

/* The RSS_HASH_* types of ethdev hash types (RTE_ETH_RSS_*, as
 * rte_eth_dev_rss_hash_conf_get reports them). -ENOTSUP when the model does
 * not apply (L3/L4 source- or destination-only hashing) or no IPv4 packet is
 * hashed; 0 otherwise. */
int rss_types_from_eth(uint64_t rss_hf, uint32_t *types);

/* Spread n_queues (>= 1) queues over reta_size entries round-robin
 * (reta[i] = i % n_queues), as most PMDs do by default. */
void rss_reta_fill(uint16_t *reta, unsigned reta_size, unsigned n_queues);

/* Reference Toeplitz hash of len input bytes, bit by bit: for every set input
 * bit b (most significant first), XOR in the 32 key bits starting at bit b.
 * key_len must be >= len + 4. */
uint32_t rss_toeplitz_ref(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);

/* Table-form Toeplitz of the first 10 tuple bytes: src, dst (network order),
 * sport (network order). */
static inline uint32_t rss_hash_l4_partial(const struct rss_conf *c, uint32_t src,
					   uint32_t dst, uint16_t sport)
{
	uint32_t s = rte_be_to_cpu_32(src), d = rte_be_to_cpu_32(dst);
	uint16_t sp = rte_be_to_cpu_16(sport);

	return c->tbl[0][s >> 24] ^ c->tbl[1][(s >> 16) & 0xff] ^ c->tbl[2][(s >> 8) & 0xff] ^
	       c->tbl[3][s & 0xff] ^ c->tbl[4][d >> 24] ^ c->tbl[5][(d >> 16) & 0xff] ^
	       c->tbl[6][(d >> 8) & 0xff] ^ c->tbl[7][d & 0xff] ^ c->tbl[8][sp >> 8] ^
	       c->tbl[9][sp & 0xff];
}

/* Complete a partial hash with the destination port (network order): the
 * 4-tuple hash. Cheap, for trying many ports against one remote. */
static inline uint32_t rss_hash_l4_finish(const struct rss_conf *c, uint32_t partial,
					  uint16_t dport)
{
	uint16_t dp = rte_be_to_cpu_16(dport);

	return partial ^ c->tbl[10][dp >> 8] ^ c->tbl[11][dp & 0xff];
}

/* Toeplitz of the IPv4 4-tuple (src, dst, sport, dport; network order), as a
 * NIC computes it for TCP/UDP. */
static inline uint32_t rss_hash_l4(const struct rss_conf *c, uint32_t src, uint32_t dst,
				   uint16_t sport, uint16_t dport)
{
	return rss_hash_l4_finish(c, rss_hash_l4_partial(c, src, dst, sport), dport);
}

/* Toeplitz of the IPv4 2-tuple (src, dst; network order). */
static inline uint32_t rss_hash_ipv4(const struct rss_conf *c, uint32_t src, uint32_t dst)
{
	uint32_t s = rte_be_to_cpu_32(src), d = rte_be_to_cpu_32(dst);

	return c->tbl[0][s >> 24] ^ c->tbl[1][(s >> 16) & 0xff] ^ c->tbl[2][(s >> 8) & 0xff] ^
	       c->tbl[3][s & 0xff] ^ c->tbl[4][d >> 24] ^ c->tbl[5][(d >> 16) & 0xff] ^
	       c->tbl[6][(d >> 8) & 0xff] ^ c->tbl[7][d & 0xff];
}

/* For a symmetric key (c->symmetric): the hash of a -> b (= of b -> a) from
 * the XOR of the two addresses and of the two ports (network order; ports 0
 * for the 2-tuple hash: their tables map 0 to 0). */
static inline uint32_t rss_hash_sym(const struct rss_conf *c, uint32_t addr_xor, uint16_t port_xor)
{
	uint32_t x = rte_be_to_cpu_32(addr_xor);
	uint16_t y = rte_be_to_cpu_16(port_xor);

	return c->tbl[0][x >> 24] ^ c->tbl[1][(x >> 16) & 0xff] ^ c->tbl[2][(x >> 8) & 0xff] ^
	       c->tbl[3][x & 0xff] ^ c->tbl[8][y >> 8] ^ c->tbl[9][y & 0xff];
}

/* RX queue a hash is delivered to: reta[hash % reta_size] (NICs take the
 * low bits; the sizes they use are powers of two: no division then). */
static inline uint16_t rss_queue_of_hash(const struct rss_conf *c, uint32_t hash)
{
	return c->reta[c->reta_mask != 0 ? hash & c->reta_mask : hash % c->reta_size];
}

/* RX queue of a TCP/UDP packet hashed over its 4-tuple (network order). */
static inline uint16_t rss_queue_of(const struct rss_conf *c, uint32_t src, uint32_t dst,
				    uint16_t sport, uint16_t dport)
{
	return rss_queue_of_hash(c, rss_hash_l4(c, src, dst, sport, dport));
}

/* Do the port's hash types include the ports of proto (IPPROTO_*) packets? */
static inline int rss_proto_uses_ports(const struct rss_conf *c, uint8_t proto)
{
	return (proto == IPPROTO_TCP && (c->hash_types & RSS_HASH_IPV4_TCP)) ||
	       (proto == IPPROTO_UDP && (c->hash_types & RSS_HASH_IPV4_UDP));
}

/* RX queue of a non-fragmented IPv4 packet of protocol proto as the port's
 * hash types say (4-tuple for hashed TCP/UDP, else the 2-tuple), or -1 when
 * the port does not hash it at all (the PMD's default queue gets it). */
int rss_queue_of_proto(const struct rss_conf *c, uint8_t proto, uint32_t src, uint32_t dst,
		       uint16_t sport, uint16_t dport);

#endif
