/* natgw-bench fwd: a MAC-forwarding I/O ceiling (what testpmd's "macfwd"
 * forwarding mode does), over the same PMDs natgw uses.
 *
 *   natgw-bench fwd --port-a DEVARGS --port-b DEVARGS [--peer-a MAC]
 *                   [--peer-b MAC] [--lcores LIST] [--burst N]
 *                   [--duration S] [--memory MB]
 *
 * One lcore polls both ports: every frame received on A leaves on B and every
 * frame received on B leaves on A, with nothing touched but the Ethernet
 * header: source = the sending port's MAC, destination = that side's peer
 * (--peer-a for frames sent on A, --peer-b for frames sent on B; default: the
 * received destination is kept). No parsing, no lookup: the cost of moving
 * a packet through the PMD, for comparison with natgw on the same ports.
 * Runs until SIGINT/SIGTERM (or --duration seconds), then prints one line of
 * counters (rx/tx/dropped per direction) on stdout.
 * EAL: --no-huge --no-shconf, --no-pci unless a port is a PCI address, a file
 * prefix of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "dataplane.h"

#define FWD_BURST_MAX 256
#define FWD_RX_DESC 1024
#define FWD_TX_DESC 1024
#define FWD_POOL_MBUFS 16384
#define FWD_POOL_CACHE 256

struct fwd_opts {
	char a_dev[WIRE_DEVARGS_MAX], b_dev[WIRE_DEVARGS_MAX];
	char lcores[64];
	bool have_peer_a, have_peer_b;
	struct rte_ether_addr peer_a, peer_b;
	unsigned burst;
	unsigned memory_mb;
	double duration; /* 0: until a signal */
};

int bench_fwd_main(int argc, char **argv);

static volatile sig_atomic_t fwd_stop;

static void fwd_signal(int sig)
{
	(void)sig;
	fwd_stop = 1;
}

struct fwd_port {
	uint16_t id;
	struct rte_ether_addr mac;   /* the port's own: source of what it sends */
	struct rte_ether_addr peer;  /* destination of what it sends */
	bool have_peer;
	uint64_t rx, tx, drop;       /* rx: received here; tx/drop: sent out here */
};

static bool fwd_is_pci(const char *d)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	if (sscanf(d, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 && n > 0)
		return true;
	n = 0;
	return sscanf(d, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 && n > 0 &&
	       (d[n] == '\0' || d[n] == ',');
}

static void fwd_devname(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");
	unsigned bus, dev, fn;
	int m = 0;

	if (sscanf(devargs, "%x:%x.%x%n", &bus, &dev, &fn, &m) == 3 && (size_t)m == n) {
		snprintf(name, len, "0000:%.*s", (int)n, devargs);
		return;
	}
	snprintf(name, len, "%.*s", (int)n, devargs);
}

static int fwd_eal_init(const struct fwd_opts *o)
{
	static char store[16][WIRE_DEVARGS_MAX + 16];
	static char *argv[17];
	int argc = 0;
	bool pci = false;
	const char *loglevel = getenv("NATGW_EAL_LOG_LEVEL");
	const char *devs[2] = { o->a_dev, o->b_dev };

#define FWD_ARG(...) (snprintf(store[argc], sizeof(store[argc]), __VA_ARGS__), argv[argc] = store[argc], argc++)
	FWD_ARG("natgw-bench");
	FWD_ARG("-l");
	FWD_ARG("%s", o->lcores);
	FWD_ARG("-m");
	FWD_ARG("%u", o->memory_mb);
	FWD_ARG("--no-huge");
	FWD_ARG("--no-shconf");
	FWD_ARG("--file-prefix=natgw-bench-fwd-%d", (int)getpid());
	FWD_ARG("--log-level=%s", loglevel ? loglevel : "*:notice");
	for (unsigned i = 0; i < 2; i++) {
		if (fwd_is_pci(devs[i])) {
			pci = true;
			FWD_ARG("-a");
			FWD_ARG("%s", devs[i]);
		} else {
			FWD_ARG("--vdev=%s", devs[i]);
		}
	}
	if (!pci)
		FWD_ARG("--no-pci");
	argv[argc] = NULL;
#undef FWD_ARG
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "natgw-bench fwd: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int fwd_port_start(const char *devargs, unsigned idx, struct fwd_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_mempool *mp;
	char name[RTE_ETH_NAME_MAX_LEN], pool[RTE_MEMPOOL_NAMESIZE];
	uint16_t nb_rxd = FWD_RX_DESC, nb_txd = FWD_TX_DESC;
	uint16_t room = RTE_MBUF_DEFAULT_BUF_SIZE;
	int rc;

	fwd_devname(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->id) != 0) {
		fprintf(stderr, "natgw-bench fwd: no DPDK port \"%s\" (devargs \"%s\")\n", name, devargs);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc != 0)
		goto err;
	if (strcmp(info.driver_name, "net_af_packet") == 0) {
		const char *fs = strstr(devargs, "framesz=");
		unsigned framesz = fs ? (unsigned)strtoul(fs + 8, NULL, 10) : 2048;

		if (framesz + RTE_PKTMBUF_HEADROOM > room)
			room = (uint16_t)RTE_MIN(framesz + RTE_PKTMBUF_HEADROOM, UINT16_MAX);
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (rc != 0)
		goto err;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rxd, &nb_txd);
	if (rc != 0)
		goto err;
	snprintf(pool, sizeof(pool), "fwd_%u", idx);
	mp = dp_rx_pool_create(info.driver_name, pool, FWD_POOL_MBUFS, FWD_POOL_CACHE, 0, room,
			       (int)rte_eth_dev_socket_id(p->id));
	if (mp == NULL) {
		fprintf(stderr, "natgw-bench fwd: port %s: no pool: %s (raise --memory)\n", name,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = rte_eth_rx_queue_setup(p->id, 0, nb_rxd, (unsigned)rte_eth_dev_socket_id(p->id), NULL, mp);
	if (rc != 0)
		goto err;
	rc = rte_eth_tx_queue_setup(p->id, 0, nb_txd, (unsigned)rte_eth_dev_socket_id(p->id), NULL);
	if (rc != 0)
		goto err;
	rc = rte_eth_dev_start(p->id);
	if (rc != 0)
		goto err;
	rte_eth_promiscuous_enable(p->id);
	rte_eth_macaddr_get(p->id, &p->mac);
	return 0;
err:
	fprintf(stderr, "natgw-bench fwd: port %s: %s\n", name, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

/* Receive a burst on in, rewrite the MACs, send it on out (drop what out
 * does not take). */
static inline void fwd_step(struct fwd_port *in, struct fwd_port *out, unsigned burst)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	uint16_t n = rte_eth_rx_burst(in->id, 0, pkts, (uint16_t)burst), sent;

	if (n == 0)
		return;
	in->rx += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (out->have_peer)
			rte_ether_addr_copy(&out->peer, &eth->dst_addr);
		rte_ether_addr_copy(&out->mac, &eth->src_addr);
	}
	sent = rte_eth_tx_burst(out->id, 0, pkts, n);
	out->tx += sent;
	if (sent < n) {
		out->drop += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(&pkts[sent], (unsigned)(n - sent));
	}
}

static int bench_fwd(const struct fwd_opts *o)
{
	static struct fwd_port a, b;
	uint64_t hz, end = 0, t0, t1;
	char ma[RTE_ETHER_ADDR_FMT_SIZE], mb[RTE_ETHER_ADDR_FMT_SIZE];
	int status = 1;

	bench_eal_atexit();
	if (fwd_eal_init(o) != 0)
		return 1;
	signal(SIGINT, fwd_signal);
	signal(SIGTERM, fwd_signal);
	a.have_peer = o->have_peer_a;
	a.peer = o->peer_a;
	b.have_peer = o->have_peer_b;
	b.peer = o->peer_b;
	if (fwd_port_start(o->a_dev, 0, &a) != 0)
		goto out;
	if (fwd_port_start(o->b_dev, 1, &b) != 0)
		goto out_a;
	rte_ether_format_addr(ma, sizeof(ma), &a.mac);
	rte_ether_format_addr(mb, sizeof(mb), &b.mac);
	fprintf(stderr, "natgw-bench fwd: forwarding A %s <-> B %s (Ctrl-C ends)\n", ma, mb);
	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	if (o->duration > 0)
		end = t0 + (uint64_t)(o->duration * (double)hz);
	while (!fwd_stop) {
		fwd_step(&a, &b, o->burst);
		fwd_step(&b, &a, o->burst);
		if (end != 0 && rte_rdtsc() >= end)
			break;
	}
	t1 = rte_rdtsc();
	printf("fwd: seconds %.3f a_rx %llu b_tx %llu b_drop %llu b_rx %llu a_tx %llu a_drop %llu\n",
	       (double)(t1 - t0) / (double)hz, (unsigned long long)a.rx, (unsigned long long)b.tx,
	       (unsigned long long)b.drop, (unsigned long long)b.rx, (unsigned long long)a.tx,
	       (unsigned long long)a.drop);
	fflush(stdout);
	status = 0;
	rte_eth_dev_stop(b.id);
	rte_eth_dev_close(b.id);
out_a:
	rte_eth_dev_stop(a.id);
	rte_eth_dev_close(a.id);
out:
	bench_eal_cleanup();
	return status;
}

static const char fwd_usage[] =
	"usage: natgw-bench fwd --port-a DEVARGS --port-b DEVARGS [--peer-a MAC] [--peer-b MAC]\n"
	"                       [--lcores LIST] [--burst N] [--duration S] [--memory MB]\n"
	"MAC forwarding (testpmd's macfwd): frames received on A leave on B and frames\n"
	"received on B leave on A; source MAC = the sending port's, destination = that\n"
	"side's --peer (default: unchanged). One lcore; runs until SIGINT/SIGTERM or\n"
	"--duration S, then prints the counters.\n";

/* natgw-bench fwd [options]: parse and run. Exit status. */
int bench_fwd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port-a", required_argument, NULL, 'A' }, { "port-b", required_argument, NULL, 'B' },
		{ "peer-a", required_argument, NULL, 'a' }, { "peer-b", required_argument, NULL, 'b' },
		{ "lcores", required_argument, NULL, 'L' }, { "burst", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' }, { "memory", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	static struct fwd_opts o = { .burst = 32, .memory_mb = 256 };
	char *end;
	int opt, cpu;

	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'A':
		case 'B':
		case 'L': {
			char *dst = opt == 'A' ? o.a_dev : opt == 'B' ? o.b_dev : o.lcores;
			size_t len = opt == 'L' ? sizeof(o.lcores) : sizeof(o.a_dev);

			if (optarg[0] == '\0' || strlen(optarg) >= len) {
				fprintf(stderr, "natgw-bench fwd: empty or too long: \"%s\"\n", optarg);
				return 2;
			}
			memcpy(dst, optarg, strlen(optarg) + 1);
			break;
		}
		case 'a':
		case 'b':
			if (rte_ether_unformat_addr(optarg, opt == 'a' ? &o.peer_a : &o.peer_b) != 0) {
				fprintf(stderr, "natgw-bench fwd: not a MAC address: \"%s\"\n", optarg);
				return 2;
			}
			if (opt == 'a')
				o.have_peer_a = true;
			else
				o.have_peer_b = true;
			break;
		case 'n':
			o.burst = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.burst < 1 || o.burst > FWD_BURST_MAX) {
				fprintf(stderr, "natgw-bench fwd: --burst: 1..%d\n", FWD_BURST_MAX);
				return 2;
			}
			break;
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*end != '\0' || !(o.duration >= 0)) {
				fprintf(stderr, "natgw-bench fwd: --duration: seconds >= 0\n");
				return 2;
			}
			break;
		case 'y':
			o.memory_mb = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || o.memory_mb < 64) {
				fprintf(stderr, "natgw-bench fwd: --memory: MB >= 64\n");
				return 2;
			}
			break;
		case 'h': fputs(fwd_usage, stdout); return 0;
		default: fputs(fwd_usage, stderr); return 2;
		}
	}
	if (optind < argc || o.a_dev[0] == '\0' || o.b_dev[0] == '\0') {
		fputs(fwd_usage, stderr);
		return 2;
	}
	if (o.lcores[0] == '\0') {
		cpu = sched_getcpu();
		snprintf(o.lcores, sizeof(o.lcores), "%d", cpu < 0 ? 0 : cpu);
	}
	return bench_fwd(&o);
}
