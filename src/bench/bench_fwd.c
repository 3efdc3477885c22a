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
#define FWD_POOL_MBUFS 16384

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
	struct bench_port port;
	struct rte_ether_addr mac;   /* the port's own: source of what it sends */
	struct rte_ether_addr peer;  /* destination of what it sends */
	bool have_peer;
	uint64_t rx, tx, drop;       /* rx: received here; tx/drop: sent out here */
};

/* Receive a burst on in, rewrite the MACs, send it on out (drop what out
 * does not take). */
static inline void fwd_step(struct fwd_port *in, struct fwd_port *out, unsigned burst)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	uint16_t n = rte_eth_rx_burst(in->port.id, 0, pkts, (uint16_t)burst), sent;

	if (n == 0)
		return;
	in->rx += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (out->have_peer)
			rte_ether_addr_copy(&out->peer, &eth->dst_addr);
		rte_ether_addr_copy(&out->mac, &eth->src_addr);
	}
	sent = rte_eth_tx_burst(out->port.id, 0, pkts, n);
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
	{
		const char *devs[2] = { o->a_dev, o->b_dev };

		if (bench_eal_start("fwd", o->lcores, o->memory_mb, devs, 2) != 0)
			return 1;
	}
	signal(SIGINT, fwd_signal);
	signal(SIGTERM, fwd_signal);
	a.have_peer = o->have_peer_a;
	a.peer = o->peer_a;
	b.have_peer = o->have_peer_b;
	b.peer = o->peer_b;
	if (bench_port_start(o->a_dev, "fwd_0", FWD_POOL_MBUFS, &a.port) != 0)
		goto out;
	rte_eth_macaddr_get(a.port.id, &a.mac);
	if (bench_port_start(o->b_dev, "fwd_1", FWD_POOL_MBUFS, &b.port) != 0)
		goto out_a;
	rte_eth_macaddr_get(b.port.id, &b.mac);
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
	rte_eth_dev_stop(b.port.id);
	rte_eth_dev_close(b.port.id);
out_a:
	rte_eth_dev_stop(a.port.id);
	rte_eth_dev_close(a.port.id);
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
