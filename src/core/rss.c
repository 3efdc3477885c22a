/* natgw RSS: Toeplitz hash (reference and table form) and RETA mapping; see
 * natgw/rss.h for the model.
 *
 * Overview. Toeplitz over GF(2): the 32-bit hash of an input is the XOR, over
 * every set input bit at offset b (most significant bit of byte 0 first), of
 * the key bits b .. b+31 (the "window" at b). It is linear, so the hash of a
 * tuple is the XOR of the hashes of its bytes in place: rss_conf_init
 * precomputes tbl[i][v] = hash of byte value v at input byte i (12 x 256
 * words, built from the 8 windows of each byte by v = lowest bit ^ the rest).
 *
 * Life-cycle. Stateless functions; struct rss_conf is filled once by
 * rss_conf_init and read-only afterwards.
 *
 * Who may touch what. Anyone; nothing here is shared or mutable.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include "natgw/rss.h"

/* Microsoft's RSS verification key, the de facto default (Intel, testpmd). */
const uint8_t rss_key_default[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Symmetric key: a 16-bit period makes swapping src/dst (and the ports, each
 * 16 bits) leave the hash unchanged. */
const uint8_t rss_key_symmetric[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* Key bit b (0 = most significant bit of key[0]). */
static inline uint32_t key_bit(const uint8_t *key, size_t b)
{
	return (key[b >> 3] >> (7 - (b & 7))) & 1u;
}

/* The 32 key bits starting at bit b (needs b + 32 <= 8 * key_len). */
static uint32_t key_window(const uint8_t *key, size_t b)
{
	uint32_t w = 0;

	for (unsigned i = 0; i < 32; i++)
		w = w << 1 | key_bit(key, b + i);
	return w;
}

/* Bit-by-bit Toeplitz hash (the definition). */
uint32_t rss_toeplitz_ref(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	uint32_t h = 0, w;
	size_t next = 32; /* next key bit to shift into the window */

	if (key_len < len + 4)
		return 0;
	w = key_window(key, 0);
	for (size_t i = 0; i < len; i++) {
		for (unsigned b = 0; b < 8; b++) {
			if (data[i] & (0x80u >> b))
				h ^= w;
			w = w << 1 | (next < 8 * key_len ? key_bit(key, next) : 0);
			next++;
		}
	}
	return h;
}

/* Fill a struct rss_conf: validate, copy, build the byte tables. */
int rss_conf_init(struct rss_conf *c, const uint8_t *key, size_t key_len,
		  const uint16_t *reta, unsigned reta_size, uint32_t hash_types)
{
	if (key == NULL || reta == NULL || key_len < RSS_TUPLE_LEN + 4 || key_len > RSS_KEY_MAX ||
	    reta_size == 0 || reta_size > RSS_RETA_MAX || (hash_types & ~RSS_HASH_ALL) != 0)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, key_len);
	c->key_len = (uint8_t)key_len;
	memcpy(c->reta, reta, reta_size * sizeof(*reta));
	c->reta_size = (uint16_t)reta_size;
	c->reta_mask = (reta_size & (reta_size - 1)) == 0 ? (uint16_t)(reta_size - 1) : 0;
	c->hash_types = hash_types;
	c->symmetric = 1;
	for (unsigned i = 0; i + 2 < 16; i++)
		if (key[i] != key[i + 2])
			c->symmetric = 0;
	for (unsigned i = 0; i < RSS_TUPLE_LEN; i++) {
		uint32_t *t = c->tbl[i];

		/* t[0] = 0; a single bit: its window; more: lowest bit ^ rest */
		for (unsigned b = 0; b < 8; b++)
			t[0x80u >> b] = key_window(key, 8 * i + b);
		for (unsigned v = 1; v < 256; v++) {
			unsigned low = v & -v;

			if (v != low)
				t[v] = t[low] ^ t[v ^ low];
		}
	}
	return 0;
}

/* Round-robin RETA over n_queues queues. */
void rss_reta_fill(uint16_t *reta, unsigned reta_size, unsigned n_queues)
{
	for (unsigned i = 0; i < reta_size; i++)
		reta[i] = (uint16_t)(n_queues > 0 ? i % n_queues : 0);
}

/* Queue of a packet as the port's hash types say, or -1 (not hashed). */
int rss_queue_of_proto(const struct rss_conf *c, uint8_t proto, uint32_t src, uint32_t dst,
		       uint16_t sport, uint16_t dport)
{
	if (rss_proto_uses_ports(c, proto))
		return rss_queue_of(c, src, dst, sport, dport);
	if (c->hash_types & RSS_HASH_IPV4)
		return rss_queue_of_hash(c, rss_hash_ipv4(c, src, dst));
	return -1;
}

/* RSS_HASH_* from ethdev hash types (RTE_ETH_RSS_*). */
int rss_types_from_eth(uint64_t rss_hf, uint32_t *types)
{
	uint64_t partial = RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L3_DST_ONLY |
			   RTE_ETH_RSS_L4_SRC_ONLY | RTE_ETH_RSS_L4_DST_ONLY;
	uint32_t t = 0;

	if (rss_hf & partial)
		return -ENOTSUP; /* one side only: not the Toeplitz layout modelled */
	if (rss_hf & (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER))
		t |= RSS_HASH_IPV4;
	if (rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP)
		t |= RSS_HASH_IPV4_TCP;
	if (rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_UDP)
		t |= RSS_HASH_IPV4_UDP;
	if (t == 0)
		return -ENOTSUP; /* IPv4 not hashed at all */
	*types = t;
	return 0;
}
