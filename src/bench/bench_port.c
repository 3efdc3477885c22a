/* natgw-bench ports and EAL for the modes that drive real DPDK ports (wire,
 * fwd): start the EAL with the ports' devargs (PCI addresses allow-listed,
 * anything else a --vdev), set up one port with one RX queue (its own pool)
 * and one TX queue, promiscuous; and the EAL runtime directory clean-up every
 * mode shares.
 * Runs on the main thread before any lcore is launched (and at exit).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "dataplane.h"

#define BENCH_PORT_RX_DESC 1024
#define BENCH_PORT_TX_DESC 1024
#define BENCH_PORT_POOL_CACHE 256
#define BENCH_EAL_ARGS 16

int bench_eal_start(const char *mode, const char *lcores, unsigned memory_mb,
		    const char *const *devs, unsigned n_devs)
{
	/* Static: the EAL may keep pointers into its argument vector. */
	static char store[BENCH_EAL_ARGS][WIRE_DEVARGS_MAX + 16];
	static char *argv[BENCH_EAL_ARGS + 1];
	int argc = 0;
	bool pci = false;
	const char *loglevel = getenv("NATGW_EAL_LOG_LEVEL");

	if (n_devs > 2)
		return -EINVAL;
#define BENCH_ARG(...) (snprintf(store[argc], sizeof(store[argc]), __VA_ARGS__), argv[argc] = store[argc], argc++)
	BENCH_ARG("natgw-bench");
	BENCH_ARG("-l");
	BENCH_ARG("%s", lcores);
	BENCH_ARG("-m");
	BENCH_ARG("%u", memory_mb);
	BENCH_ARG("--no-huge");
	BENCH_ARG("--no-shconf");
	BENCH_ARG("--file-prefix=natgw-bench-%s-%d", mode, (int)getpid());
	BENCH_ARG("--log-level=%s", loglevel ? loglevel : "*:notice");
	for (unsigned i = 0; i < n_devs; i++) {
		if (dp_devargs_is_pci(devs[i])) {
			pci = true;
			BENCH_ARG("-a");
			BENCH_ARG("%s", devs[i]);
		} else {
			BENCH_ARG("--vdev=%s", devs[i]);
		}
	}
	if (!pci)
		BENCH_ARG("--no-pci");
	argv[argc] = NULL;
#undef BENCH_ARG
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "natgw-bench %s: EAL initialisation failed: %s (lcores \"%s\")\n", mode,
			rte_strerror(rte_errno), lcores);
		return -rte_errno;
	}
	return 0;
}

int bench_port_start(const char *devargs, const char *pool_name, unsigned n_mbufs,
		     struct bench_port *bp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t nb_rxd = BENCH_PORT_RX_DESC, nb_txd = BENCH_PORT_TX_DESC;
	uint16_t room = RTE_MBUF_DEFAULT_BUF_SIZE;
	int rc;

	dp_devargs_devname(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &bp->id) != 0) {
		fprintf(stderr, "natgw-bench: no DPDK port \"%s\" (devargs \"%s\"): driver missing or device not found\n",
			name, devargs);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(bp->id, &info);
	if (rc != 0)
		goto err;
	snprintf(bp->driver, sizeof(bp->driver), "%s", info.driver_name);
	if (strcmp(info.driver_name, "net_af_packet") == 0) {
		/* DPDK 22.11's af_packet copies a whole ring frame into the mbuf. */
		const char *fs = strstr(devargs, "framesz=");
		unsigned framesz = fs ? (unsigned)strtoul(fs + 8, NULL, 10) : 2048;

		if (framesz + RTE_PKTMBUF_HEADROOM > room)
			room = (uint16_t)RTE_MIN(framesz + RTE_PKTMBUF_HEADROOM, UINT16_MAX);
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(bp->id, 1, 1, &conf);
	if (rc != 0)
		goto err;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(bp->id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto err;
	bp->pool = dp_rx_pool_create(info.driver_name, pool_name, n_mbufs, BENCH_PORT_POOL_CACHE, 0,
				     room, (int)rte_eth_dev_socket_id(bp->id));
	if (bp->pool == NULL) {
		rc = -rte_errno;
		fprintf(stderr, "natgw-bench: port %s: cannot create a pool of %u mbufs: %s (raise --memory)\n",
			name, n_mbufs, rte_strerror(rte_errno));
		return rc;
	}
	rc = rte_eth_rx_queue_setup(bp->id, 0, nb_rxd, (unsigned)rte_eth_dev_socket_id(bp->id), NULL,
				    bp->pool);
	if (rc != 0)
		goto err;
	rc = rte_eth_tx_queue_setup(bp->id, 0, nb_txd, (unsigned)rte_eth_dev_socket_id(bp->id), NULL);
	if (rc != 0)
		goto err;
	rc = rte_eth_dev_start(bp->id);
	if (rc != 0)
		goto err;
	rte_eth_promiscuous_enable(bp->id);
	return 0;
err:
	fprintf(stderr, "natgw-bench: port %s: %s\n", name, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

static char bench_runtime_dir[PATH_MAX];

/* atexit: remove the runtime directory (fails harmlessly if not empty). */
static void bench_runtime_dir_remove(void)
{
	if (bench_runtime_dir[0] != '\0')
		rmdir(bench_runtime_dir);
}

void bench_eal_atexit(void)
{
	atexit(bench_runtime_dir_remove);
}

void bench_eal_cleanup(void)
{
	snprintf(bench_runtime_dir, sizeof(bench_runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
}
