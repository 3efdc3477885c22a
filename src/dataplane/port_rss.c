/* Port RSS: program a port's hardware RSS with natgw's key and a RETA spread
 * over the workers, then read back what the device really uses.
 *
 * Why: with the same (symmetric) key as software steering (steer.h) and RETA
 * entry i -> queue i % n_rxq (queue q is polled by worker q % n_workers),
 * the NIC delivers every routed or outbound flow to the worker that owns it;
 * and with the key and RETA read back, the NAT allocator picks public ports
 * whose replies the NIC delivers to the session's owner (nat_alloc.c), so
 * NICs with RSS but no flow director (ENA) need no handoff either.
 * What the device does not let us set (fixed keys, fixed RETAs) is read back
 * as it is: the prediction stays right, only fewer packets land at home.
 * Ports without RSS (af_packet, af_xdp on veth) are steered in software.
 *
 * Runs on the main thread while ports start; the view is immutable afterwards
 * and lives until the port is closed.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dataplane.h"

/* The key of length len (the device's) from natgw's 40-byte key: repeated
 * (IPv4 hashes read only the first 16 bytes; repeating keeps 0x6d5a
 * symmetric). */
static void port_rss_key_expand(const uint8_t *key, uint8_t *out, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		out[i] = key[i % RSS_KEY_LEN];
}

void dp_port_rss_prepare(struct dp_port_state *ps, const struct rte_eth_dev_info *info,
			 struct rte_eth_conf *conf)
{
	uint64_t want = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
			RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_OTHER;

	ps->rss = false;
	if (ps->n_rxq <= 1 || (info->flow_type_rss_offloads & want) == 0)
		return;
	ps->rss = true;
	ps->rss_hf = info->flow_type_rss_offloads & want;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = ps->rss_hf;
	/* The key is set after start (dp_port_rss_setup): every PMD with RSS
	 * takes rss_hash_update, not every one honours the configure-time key. */
	conf->rx_adv_conf.rss_conf.rss_key = NULL;
}

/* Write RETA entry i = queue i % n_rxq. 0 or -errno (-ENOTSUP: fixed). */
static int port_rss_reta_spread(uint16_t pid, uint16_t reta_size, uint16_t n_rxq)
{
	struct rte_eth_rss_reta_entry64 rc[RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];

	memset(rc, 0, sizeof(rc));
	for (unsigned i = 0; i < reta_size; i++) {
		rc[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		rc[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(i % n_rxq);
	}
	return rte_eth_dev_rss_reta_update(pid, rc, reta_size);
}

/* Read the RETA back as worker numbers. 0 or -errno. */
static int port_rss_reta_read(uint16_t pid, uint16_t reta_size, unsigned n_workers,
			      uint16_t *reta)
{
	struct rte_eth_rss_reta_entry64 rc[RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	int rv;

	memset(rc, 0, sizeof(rc));
	for (unsigned i = 0; i < reta_size; i++)
		rc[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
	rv = rte_eth_dev_rss_reta_query(pid, rc, reta_size);
	if (rv != 0)
		return rv;
	for (unsigned i = 0; i < reta_size; i++)
		reta[i] = (uint16_t)(rc[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] %
				     n_workers);
	return 0;
}

int dp_port_rss_setup(struct dataplane *dp, unsigned idx, const struct rte_eth_dev_info *info,
		      const uint8_t *key, char *why, size_t why_len)
{
	struct dp_port_state *ps = &dp->ports[idx];
	uint8_t our_key[RSS_KEY_MAX], dev_key[RSS_KEY_MAX];
	uint16_t reta[RSS_RETA_MAX];
	unsigned key_len = info->hash_key_size != 0 ? info->hash_key_size : RSS_KEY_LEN;
	struct rte_eth_rss_conf rc;
	uint32_t types;
	int rv;

	if (!ps->rss) {
		snprintf(why, why_len, "no hardware RSS");
		return 0;
	}
	if (key_len < 16 || key_len > RSS_KEY_MAX || info->reta_size == 0 ||
	    info->reta_size > RSS_RETA_MAX) {
		snprintf(why, why_len, "key of %u bytes / RETA of %u entries not modelled", key_len,
			 info->reta_size);
		return 0;
	}
	port_rss_key_expand(key, our_key, key_len);
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = our_key;
	rc.rss_key_len = (uint8_t)key_len;
	rc.rss_hf = ps->rss_hf;
	rv = rte_eth_dev_rss_hash_update(ps->ethdev, &rc);
	if (rv != 0)
		RTE_LOG(NOTICE, USER1, "port %s: RSS key not settable (%s): using the device's\n",
			dp->cfg->ports[idx].name, strerror(-rv));
	rv = port_rss_reta_spread(ps->ethdev, info->reta_size, ps->n_rxq);
	if (rv != 0)
		RTE_LOG(NOTICE, USER1, "port %s: RETA not settable (%s): using the device's\n",
			dp->cfg->ports[idx].name, strerror(-rv));

	memset(&rc, 0, sizeof(rc));
	memset(dev_key, 0, sizeof(dev_key));
	rc.rss_key = dev_key;
	rc.rss_key_len = (uint8_t)key_len;
	rv = rte_eth_dev_rss_hash_conf_get(ps->ethdev, &rc);
	if (rv != 0) {
		snprintf(why, why_len, "key not readable (%s)", strerror(-rv));
		return 0;
	}
	if (rss_types_from_eth(rc.rss_hf, &types) != 0) {
		snprintf(why, why_len, "hash types 0x%llx not modelled",
			 (unsigned long long)rc.rss_hf);
		return 0;
	}
	rv = port_rss_reta_read(ps->ethdev, info->reta_size, dp->n_workers, reta);
	if (rv != 0) {
		snprintf(why, why_len, "RETA not readable (%s)", strerror(-rv));
		return 0;
	}
	ps->rss_view = rte_zmalloc("rss_view", sizeof(*ps->rss_view), RTE_CACHE_LINE_SIZE);
	if (ps->rss_view == NULL)
		return -ENOMEM;
	if (rss_conf_init(ps->rss_view, dev_key, key_len, reta, info->reta_size, types) != 0) {
		rte_free(ps->rss_view);
		ps->rss_view = NULL;
		snprintf(why, why_len, "key/RETA rejected by the model");
		return 0;
	}
	ps->rss_key_ours = memcmp(our_key, dev_key, key_len) == 0;
	snprintf(why, why_len, "%s key, RETA of %u, read back", ps->rss_key_ours ? "natgw's" : "the device's",
		 info->reta_size);
	return 0;
}

void dp_port_rss_free(struct dp_port_state *ps)
{
	rte_free(ps->rss_view);
	ps->rss_view = NULL;
}
