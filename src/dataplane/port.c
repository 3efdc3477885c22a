/* Ports: mempools, ethdev configuration, queues, offload choice, start/stop.
 *
 * For each configured port: find the ethdev the EAL created from its devargs,
 * read its capabilities, enable RSS when the port has several RX queues and
 * the PMD offers it, enable IPv4/TCP/UDP checksum offloads where the PMD
 * offers them (otherwise the pipeline computes checksums in software), set
 * the MTU, set up one RX queue per configured queue and one TX queue per
 * worker, start it, and log what was chosen. Each port gets its own RX
 * mempool sized for its MTU (AF_XDP needs page-sized frames); a shared
 * jumbo-capable pool serves generated packets and fragments.
 * Runs on the main thread before workers start and after they stop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dataplane.h"

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define POOL_CACHE 256

static struct rte_mempool *port_rx_pool[NATGW_MAX_PORTS];

/* Data room an mbuf needs to hold a whole frame of this MTU. */
static uint16_t port_data_room(uint16_t mtu)
{
	unsigned need = RTE_PKTMBUF_HEADROOM + mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8;

	if (need < RTE_MBUF_DEFAULT_BUF_SIZE)
		need = RTE_MBUF_DEFAULT_BUF_SIZE;
	return (uint16_t)RTE_ALIGN_CEIL(need, 64);
}

/* Configure, set up queues and start one port. */
static int port_start_one(struct dataplane *dp, unsigned idx, char *msg, size_t len)
{
	const struct natgw_port_config *pc = &dp->cfg->ports[idx];
	struct dp_port_state *ps = &dp->ports[idx];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	char devname[RTE_ETH_NAME_MAX_LEN], poolname[RTE_MEMPOOL_NAMESIZE];
	uint16_t pid, nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC, data_room;
	unsigned n_mbufs;
	int rc;

	dp_devargs_devname(pc->devargs, devname, sizeof(devname));
	if (rte_eth_dev_get_port_by_name(devname, &pid) != 0) {
		snprintf(msg, len, "port %s: no DPDK device \"%s\" (devargs \"%s\"): driver missing or device not found",
			 pc->name, devname, pc->devargs);
		return -ENODEV;
	}
	ps->ethdev = pid;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(msg, len, "port %s: cannot read device info: %s", pc->name, strerror(-rc));
		return rc;
	}
	snprintf(ps->driver, sizeof(ps->driver), "%s", info.driver_name);
	ps->n_rxq = pc->queues;
	ps->n_txq = (uint16_t)RTE_MAX(dp->n_workers, 1u);
	if (ps->n_rxq > info.max_rx_queues || ps->n_txq > info.max_tx_queues) {
		snprintf(msg, len, "port %s: %u RX / %u TX queues wanted, %s offers %u / %u", pc->name,
			 ps->n_rxq, ps->n_txq, info.driver_name, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	dp_port_rss_prepare(ps, &info, &conf);
	if (pc->rx_csum_offload &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		conf.rxmode.offloads |= info.rx_offload_capa &
			(RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
		ps->rx_csum = true;
	}
	if (pc->tx_csum_offload && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		ps->tx_ip_csum = true;
	}
	if (pc->tx_csum_offload &&
	    (info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) ==
		    (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		ps->tx_l4_csum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		ps->multi_seg = true;
	}
	if (pc->mtu <= info.max_mtu && pc->mtu >= info.min_mtu &&
	    (uint32_t)pc->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN <= info.max_rx_pktlen)
		conf.rxmode.mtu = pc->mtu;

	rc = rte_eth_dev_configure(pid, ps->n_rxq, ps->n_txq, &conf);
	if (rc != 0) {
		snprintf(msg, len, "port %s: configure failed: %s", pc->name, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc != 0) {
		snprintf(msg, len, "port %s: descriptor counts rejected: %s", pc->name, strerror(-rc));
		return rc;
	}

	data_room = port_data_room(pc->mtu);
	if (strcmp(info.driver_name, "net_af_packet") == 0) {
		/* DPDK 22.11's af_packet copies a whole ring frame into the mbuf
		 * without checking its room: mbufs must hold framesz bytes. */
		const char *fs = strstr(pc->devargs, "framesz=");
		unsigned framesz = fs ? (unsigned)strtoul(fs + 8, NULL, 10) : 2048;

		if (framesz + RTE_PKTMBUF_HEADROOM > data_room)
			data_room = (uint16_t)RTE_MIN(framesz + RTE_PKTMBUF_HEADROOM, UINT16_MAX);
		if (framesz < pc->mtu + RTE_ETHER_HDR_LEN + 64u)
			RTE_LOG(WARNING, USER1,
				"port %s: af_packet framesz %u is too small for MTU %u: larger frames are truncated (add framesz=%u to devargs)\n",
				pc->name, framesz, pc->mtu, RTE_ALIGN_CEIL(pc->mtu + 14u + 64u, 1024u));
	}
	n_mbufs = ps->n_rxq * nb_rxd + 2 * DP_BURST * RTE_MAX(dp->n_workers, 1u) + 2048;
	snprintf(poolname, sizeof(poolname), "rx_%u", idx);
	port_rx_pool[idx] = dp_rx_pool_create(info.driver_name, poolname, n_mbufs, POOL_CACHE,
					      PKT_META_PRIV_SIZE, data_room,
					      (int)rte_eth_dev_socket_id(pid));
	if (port_rx_pool[idx] == NULL) {
		snprintf(msg, len, "port %s: cannot create a pool of %u mbufs: %s (raise memory_mb)",
			 pc->name, n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}

	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	for (uint16_t q = 0; q < ps->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, (unsigned)rte_eth_dev_socket_id(pid),
					    &rxconf, port_rx_pool[idx]);
		if (rc != 0) {
			snprintf(msg, len, "port %s: RX queue %u setup failed: %s", pc->name, q,
				 strerror(-rc));
			return rc;
		}
	}
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < ps->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, (unsigned)rte_eth_dev_socket_id(pid),
					    &txconf);
		if (rc != 0) {
			snprintf(msg, len, "port %s: TX queue %u setup failed: %s", pc->name, q,
				 strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		snprintf(msg, len, "port %s: start failed: %s", pc->name, strerror(-rc));
		return rc;
	}
	/* The MTU is ours to enforce (fragment / frag-needed); the device only
	 * has to accept frames that big. Not every PMD lets us set it. */
	rc = rte_eth_dev_set_mtu(pid, pc->mtu);
	if (rc != 0 && rc != -ENOTSUP)
		RTE_LOG(WARNING, USER1, "port %s: device MTU not set to %u (%s); frames up to %u bytes received\n",
			pc->name, pc->mtu, strerror(-rc), info.max_rx_pktlen);
	rc = dp_port_rss_setup(dp, idx, &info, dp->cfg->global.rss_key, ps->rss_note,
			       sizeof(ps->rss_note));
	if (rc != 0) {
		snprintf(msg, len, "port %s: RSS setup: %s", pc->name, strerror(-rc));
		return rc;
	}
	if (pc->promisc)
		rte_eth_promiscuous_enable(pid);
	else
		rte_eth_promiscuous_disable(pid);

	RTE_LOG(NOTICE, USER1,
		"port %s: %s ethdev %u, %u RX / %u TX queues, RSS %s%s%s, RX checksum %s, TX checksum IPv4 %s L4 %s, MTU %u\n",
		pc->name, info.driver_name, pid, ps->n_rxq, ps->n_txq,
		ps->rss ? "on" : (ps->n_rxq > 1 ? "not offered (software steering)" : "off (1 queue)"),
		ps->rss ? ": " : "", ps->rss ? ps->rss_note : "",
		ps->rx_csum ? "offloaded" : "software",
		ps->tx_ip_csum ? "offloaded" : "software", ps->tx_l4_csum ? "offloaded" : "software",
		pc->mtu);
	return 0;
}

int dp_ports_start(struct dataplane *dp, char *msg, size_t len)
{
	uint16_t max_mtu = 1500;
	unsigned n_mbufs;
	int rc;

	for (unsigned i = 0; i < dp->cfg->n_ports; i++)
		max_mtu = RTE_MAX(max_mtu, dp->cfg->ports[i].mtu);
	dp->data_room = port_data_room(max_mtu);
	n_mbufs = 4096 + 1024 * RTE_MAX(dp->n_workers, 1u);
	dp->pool = rte_pktmbuf_pool_create("natgw_gen", n_mbufs, POOL_CACHE, PKT_META_PRIV_SIZE,
					   dp->data_room, (int)rte_socket_id());
	if (dp->pool == NULL) {
		snprintf(msg, len, "cannot create the packet pool (%u mbufs of %u bytes): %s (raise memory_mb)",
			 n_mbufs, dp->data_room, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	dp->indirect_pool = rte_pktmbuf_pool_create("natgw_indirect", n_mbufs, POOL_CACHE,
						    PKT_META_PRIV_SIZE, 0, (int)rte_socket_id());
	if (dp->indirect_pool == NULL) {
		snprintf(msg, len, "cannot create the indirect pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < dp->cfg->n_ports; i++) {
		rc = port_start_one(dp, i, msg, len);
		if (rc != 0)
			return rc;
		dp->n_ports = i + 1;
	}
	return 0;
}

void dp_ports_stop(struct dataplane *dp)
{
	for (unsigned i = 0; i < dp->n_ports; i++) {
		rte_eth_dev_stop(dp->ports[i].ethdev);
		rte_eth_dev_close(dp->ports[i].ethdev);
		dp_port_rss_free(&dp->ports[i]);
	}
}
