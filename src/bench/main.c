/* natgw-bench: packet-rate benchmarks of natgw's data path.
 *
 *   natgw-bench inproc [options]   the real pipeline on synthetic packets, no I/O
 *   natgw-bench wire [options]     a generator and a sink on DPDK ports
 *   natgw-bench fwd [options]      MAC forwarding between two ports (I/O ceiling)
 *
 * This file parses the command line (usage() documents every option and
 * every JSON field) and runs the mode: bench_inproc.c, bench_wire.c; output
 * in bench_out.c; the packets both modes send in bench_pkt.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char usage_text[] =
	"usage: natgw-bench inproc [--packets N] [--flows N] [--size BYTES | --imix] [--nat]\n"
	"                          [--sweep] [--sg-rules N] [--nacl-rules N] [--no-stages] [--json]\n"
	"                          [--workers N [--baseline [--rounds R]]]\n"
	"       natgw-bench wire --tx-port DEVARGS --rx-port DEVARGS [--rate MPPS|max]\n"
	"                          [--flows N] [--size BYTES | --imix] [--duration S] [--ndr]\n"
	"                          [--loss PCT] [--precision PCT] [--lcores LIST] [--json]\n"
	"                          [--src-mac MAC] [--dst-mac MAC] [--src-ip A] [--dst-ip A]\n"
	"                          [--src-port P] [--dst-port P] [--burst N] [--drain S] [--memory MB]\n"
	"       natgw-bench fwd --port-a DEVARGS --port-b DEVARGS [--peer-a MAC] [--peer-b MAC]\n"
	"                          [--lcores LIST] [--burst N] [--duration S] [--memory MB]\n"
	"\n"
	"Packets (both modes): UDP, flow f from 10.0.0.2 + f/63 port 1024 + f%63 (63 ports\n"
	"per inside host) to 198.18.0.0 + f%131072 port 5001; consecutive packets visit\n"
	"flows with a stride of 7919 (so --flows must not be a multiple of 7919).\n"
	"  --flows N       distinct flows (default 1024); with --nat, sessions\n"
	"  --size BYTES    frame size including CRC, 64..1518 (default 64)\n"
	"  --imix          IMIX instead: 64, 594 and 1518-byte frames 7:4:1 (mean 361.8)\n"
	"  --json          one JSON object per line and run instead of a table\n"
	"\n"
	"inproc: a worker (one core; --workers: several) runs the worker's real code\n"
	"(parse, filters, NAT, route, TTL, neighbour, Ethernet rewrite, buffered TX\n"
	"into net_null) on generated mbufs; the generator's own cost is measured apart\n"
	"and subtracted (\"forwarding\").\n"
	"  --packets N     packets in the measured run (default 20000000; all workers)\n"
	"  --workers N     N workers, each on its own CPU (the first N this process may\n"
	"                  use), all at once; each sends the flows it owns (those the\n"
	"                  dataplane's ownership check keeps on it, about --flows / N),\n"
	"                  until one of them has sent --packets / N (default 1)\n"
	"  --baseline      with --workers N: a 1-worker run, then an N-worker run, each\n"
	"                  in a child process, --rounds times interleaved; then the\n"
	"                  medians and the scaling factor (\"x of 1 worker\")\n"
	"  --rounds R      --baseline rounds (default 1, at most 20)\n"
	"  --nat           masquerade every flow (NAT on the egress port)\n"
	"  --sweep         NAT at 1k, 64k, 1M and 4M sessions, one line (object) each;\n"
	"                  --packets per point\n"
	"  --sg-rules N    a security group on the ingress port with N rules (the last\n"
	"                  allows the traffic); flows are tracked as sessions\n"
	"  --nacl-rules N  a NACL on the ingress port with N rules (the last allows)\n"
	"  --no-stages     skip the per-stage pass (it doubles the run time)\n"
	"  JSON fields: mode (\"inproc\"), timestamp (UTC), sweep, nat, imix, size (frame\n"
	"  bytes incl. CRC; IMIX: the mean), mean_frame_bytes, workers, flows, sessions\n"
	"  (in the tables while measuring), packets, forwarded, drops, handed_off\n"
	"  (packets a worker gave the worker owning them: 0 unless the flows are\n"
	"  partitioned wrong; not forwarded), handed_in, seconds (the measured\n"
	"  interval), mpps (all workers, incl. generator), cycles_per_packet,\n"
	"  generator_cycles_per_packet, forwarding_cycles_per_packet (cycles: per\n"
	"  packet on one core, averaged over the workers' packets), forwarding_mpps\n"
	"  (sum over the workers, generator excluded), forwarding_gbps (frame bits at\n"
	"  forwarding_mpps), sessions_created, new_sessions_per_second (first packet\n"
	"  of each flow, all workers), bytes_per_session (session, lookup slots, share\n"
	"  of host and mapping tables), sg_rules, nacl_rules, snapshot_build_ms; per\n"
	"  stage for established flows, in cycles per packet from a separate pass with\n"
	"  rte_rdtsc() around each stage: stage_rx_cycles (metadata reset, RX\n"
	"  counters), stage_parse_cycles, stage_steer_cycles (with several workers and\n"
	"  NAT: which worker owns each packet; 0 otherwise),\n"
	"  stage_filter_ingress_cycles, stage_nat_prerouting_cycles (session lookup\n"
	"  and rewrite), stage_forward_cycles (route, egress filter, NAT postrouting,\n"
	"  TTL, neighbour, Ethernet header), stage_tx_cycles (verdict dispatch, TX\n"
	"  buffer, net_null TX incl. freeing), stage_sum_cycles,\n"
	"  stage_timer_overhead_cycles (one rdtsc pair, already subtracted),\n"
	"  stage_packets, stage_forwarded, stage_stray (packets the steer stage found\n"
	"  another worker owns); tsc_hz; per_worker: one object per worker with\n"
	"  worker, lcore, flows, sessions, sessions_created, packets, forwarded, drops,\n"
	"  handed_off, handed_in, seconds, mpps, cycles_per_packet,\n"
	"  generator_cycles_per_packet, forwarding_cycles_per_packet, forwarding_mpps,\n"
	"  new_sessions_per_second.\n"
	"  --baseline adds round to each run's object and ends with a summary object:\n"
	"  mode (\"inproc_scaling\"), timestamp, workers, rounds,\n"
	"  baseline_rounds_completed, rounds_completed (runs that forwarded every\n"
	"  packet), nat, imix, size, flows, sg_rules, nacl_rules,\n"
	"  baseline_forwarding_mpps, forwarding_mpps, baseline_mpps, mpps (per round,\n"
	"  1 and N workers; null: failed), median_baseline_forwarding_mpps,\n"
	"  median_forwarding_mpps, scaling (their ratio), median_baseline_mpps,\n"
	"  median_mpps, scaling_incl_generator, handed_off.\n"
	"\n"
	"wire: a generator on the TX port and a sink on the RX port (the same port is\n"
	"fine); the device under test sits between them. Each packet carries a stamp\n"
	"(magic, sequence number, TSC) after its UDP header, for loss and latency.\n"
	"  --tx-port DEVARGS, --rx-port DEVARGS  DPDK devargs: a vdev such as\n"
	"                  net_af_xdp0,iface=veth0 or net_af_packet1,iface=veth1, or a\n"
	"                  PCI address (EAL: --no-huge --no-shconf, own file prefix)\n"
	"  --rate MPPS|max offered rate in Mpps, or as fast as the port takes (default)\n"
	"  --duration S    seconds per trial (default 5)\n"
	"  --ndr           no-drop-rate search: a trial at max, then a binary search on\n"
	"                  the rate between 0 and the max trial's TX rate\n"
	"  --loss PCT      NDR criterion: loss <= PCT percent (default 0.1)\n"
	"  --precision PCT NDR search ends when the interval is < PCT % of the max (default 2)\n"
	"  --lcores LIST   EAL lcores (default: the CPU natgw-bench starts on); with one\n"
	"                  the generator and the sink alternate, with two they are split\n"
	"                  (net_af_xdp on veth with two lcores on a small VM: add\n"
	"                  busy_budget=0 to both devargs, or the sink starves)\n"
	"  --src-mac, --dst-mac  Ethernet addresses (default: TX port's, RX port's)\n"
	"  --src-ip, --dst-ip    first inside host and first destination\n"
	"                  (default 10.0.0.2, 198.18.0.0); --src-port, --dst-port (1024, 5001)\n"
	"  --burst N       packets per TX/RX burst (default 32)\n"
	"  --drain S       longest wait for stragglers after a trial (default 0.5)\n"
	"  --memory MB     EAL memory (default 256)\n"
	"  JSON fields (one object per trial; phase \"run\", or \"max\" and \"probe\" for\n"
	"  the NDR search, then one \"ndr\" object): mode (\"wire\"), timestamp, phase,\n"
	"  tx_port, rx_port, tx_driver, rx_driver, src_mac, dst_mac, lcores, imix, size,\n"
	"  flows, duration (s of generation), rate_target_mpps (0: max), tx_packets,\n"
	"  rx_packets, lost, loss_pct, tx_mpps, rx_mpps, tx_gbps, rx_gbps (frame bits),\n"
	"  tx_refused (bursts the PMD did not take, not counted as sent), rx_other (frames\n"
	"  that were not this trial's), reordered, port_imissed, port_ierrors,\n"
	"  port_oerrors (ethdev counters during the trial), latency_samples, lat_min_us,\n"
	"  lat_mean_us, lat_p50_us, lat_p90_us, lat_p99_us, lat_max_us, tsc_hz; the \"ndr\"\n"
	"  object repeats the best passing trial's fields and adds ndr_mpps (its TX rate;\n"
	"  0 when no trial passed), ndr_gbps, ndr_ceiling_mpps, loss_threshold_pct,\n"
	"  precision_pct, trials.\n"
	"Exit status: 0 when the run completed and (inproc) forwarded everything or\n"
	"(wire) received packets / found an NDR; 1 otherwise; 2 for usage errors.\n"
	"\n"
	"fwd: MAC forwarding as testpmd's macfwd (the I/O ceiling for wire runs): frames\n"
	"received on A leave on B and vice versa, source MAC = the sending port's,\n"
	"destination = --peer-a (sent on A) / --peer-b (sent on B), default unchanged;\n"
	"one lcore; until SIGINT/SIGTERM or --duration S; prints counters at the end.\n";

int bench_fwd_main(int argc, char **argv); /* bench_fwd.c */

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* Parse an unsigned number in [lo, hi] or exit with a message. */
static uint64_t parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "natgw-bench: %s: expected a number %llu..%llu, got \"%s\"\n", opt,
			(unsigned long long)lo, (unsigned long long)hi, s);
		exit(2);
	}
	return v;
}

/* Parse a decimal number in (lo, hi] or exit with a message. */
static double parse_dbl(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !isfinite(v) || v <= lo || v > hi) {
		fprintf(stderr, "natgw-bench: %s: expected a number above %g up to %g, got \"%s\"\n",
			opt, lo, hi, s);
		exit(2);
	}
	return v;
}

/* Parse a dotted-quad IPv4 address (host order) or exit. */
static uint32_t parse_ip(const char *opt, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "natgw-bench: %s: expected an IPv4 address, got \"%s\"\n", opt, s);
		exit(2);
	}
	return ntohl(a.s_addr);
}

/* Parse a MAC address or exit. */
static void parse_mac(const char *opt, const char *s, struct rte_ether_addr *mac)
{
	if (rte_ether_unformat_addr(s, mac) != 0) {
		fprintf(stderr, "natgw-bench: %s: expected a MAC address, got \"%s\"\n", opt, s);
		exit(2);
	}
}

/* Copy a string option or exit when it does not fit. */
static void parse_str(const char *opt, const char *s, char *dst, size_t len)
{
	if (strlen(s) >= len || s[0] == '\0') {
		fprintf(stderr, "natgw-bench: %s: empty or longer than %zu characters\n", opt, len - 1);
		exit(2);
	}
	memcpy(dst, s, strlen(s) + 1);
}

/* Check --workers and its companions and choose the workers' CPUs.
 * 0, or -1 after a message. */
static int inproc_check_workers(struct bench_opts *o)
{
	unsigned avail;
	int rc = bench_lcores_pick(o->workers, o->lcores, sizeof(o->lcores), &avail);

	if (rc == -ERANGE) {
		fprintf(stderr, "natgw-bench: --workers %u: this process may run on %u CPU%s (one worker per CPU)\n",
			o->workers, avail, avail == 1 ? "" : "s");
		return -1;
	}
	if (rc != 0) {
		fprintf(stderr, "natgw-bench: cannot list the CPUs to run on: %s\n", strerror(-rc));
		return -1;
	}
	if (o->flows < o->workers) {
		fprintf(stderr, "natgw-bench: --flows %u is fewer than --workers %u\n", o->flows,
			o->workers);
		return -1;
	}
	if (o->baseline && o->workers < 2) {
		fprintf(stderr, "natgw-bench: --baseline compares with --workers N, N >= 2\n");
		return -1;
	}
	if (o->baseline && o->sweep) {
		fprintf(stderr, "natgw-bench: --baseline and --sweep cannot be combined (run --baseline at one --flows count)\n");
		return -1;
	}
	if (o->rounds > 0 && !o->baseline) {
		fprintf(stderr, "natgw-bench: --rounds needs --baseline\n");
		return -1;
	}
	if (o->rounds == 0)
		o->rounds = 1;
	return 0;
}

static int main_inproc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "packets", required_argument, NULL, 'n' }, { "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },    { "json", no_argument, NULL, 'j' },
		{ "nat", no_argument, NULL, 'N' },           { "help", no_argument, NULL, 'h' },
		{ "sg-rules", required_argument, NULL, 'g' }, { "nacl-rules", required_argument, NULL, 'a' },
		{ "imix", no_argument, NULL, 'I' },          { "sweep", no_argument, NULL, 'S' },
		{ "no-stages", no_argument, NULL, 'X' },    { "workers", required_argument, NULL, 'W' },
		{ "baseline", no_argument, NULL, 'B' },      { "rounds", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	static struct bench_opts o = { .packets = 20000000, .flows = 1024, .size = 64,
				       .memory_mb = 512, .workers = 1 };
	static struct bench_result r;
	int opt;

	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': o.packets = parse_num("--packets", optarg, 1000, 10000000000ULL); break;
		case 'f': o.flows = (unsigned)parse_num("--flows", optarg, 1, 16000000); break;
		case 's': o.size = (unsigned)parse_num("--size", optarg, 64, 1518); break;
		case 'j': o.json = 1; break;
		case 'N': o.nat = 1; break;
		case 'g': o.sg_rules = (unsigned)parse_num("--sg-rules", optarg, 0, 100000); break;
		case 'a': o.nacl_rules = (unsigned)parse_num("--nacl-rules", optarg, 0, 32765); break;
		case 'I': o.imix = 1; break;
		case 'S': o.sweep = 1; break;
		case 'X': o.no_stages = 1; break;
		case 'W': o.workers = (unsigned)parse_num("--workers", optarg, 1, BENCH_MAX_WORKERS); break;
		case 'B': o.baseline = 1; break;
		case 'R': o.rounds = (unsigned)parse_num("--rounds", optarg, 1, BENCH_MAX_ROUNDS); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "natgw-bench: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (inproc_check_workers(&o) != 0)
		return 2;
	if (o.baseline)
		return bench_inproc_scaling(&o);
	if (o.sweep)
		return bench_inproc_sweep(&o);
	if (bench_inproc(&o, &r) != 0)
		return 1;
	bench_out_inproc(stdout, &o, &r);
	return r.forwarded == r.packets ? 0 : 1;
}

static int main_wire(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tx-port", required_argument, NULL, 'T' },  { "rx-port", required_argument, NULL, 'R' },
		{ "rate", required_argument, NULL, 'r' },     { "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },     { "imix", no_argument, NULL, 'I' },
		{ "duration", required_argument, NULL, 'd' }, { "ndr", no_argument, NULL, 'D' },
		{ "loss", required_argument, NULL, 'l' },     { "precision", required_argument, NULL, 'p' },
		{ "lcores", required_argument, NULL, 'L' },   { "json", no_argument, NULL, 'j' },
		{ "src-mac", required_argument, NULL, 'm' },  { "dst-mac", required_argument, NULL, 'M' },
		{ "src-ip", required_argument, NULL, 'i' },   { "dst-ip", required_argument, NULL, 'J' },
		{ "src-port", required_argument, NULL, 'o' }, { "dst-port", required_argument, NULL, 'O' },
		{ "burst", required_argument, NULL, 'b' },    { "drain", required_argument, NULL, 'w' },
		{ "memory", required_argument, NULL, 'y' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct wire_opts o = {
		.flows = 1024, .size = 64, .duration = 5, .drain = 0.5, .loss_pct = 0.1,
		.precision_pct = 2, .burst = 32, .memory_mb = 256,
		.src_ip = 0x0a000002, .dst_ip = 0xc6120000, .sport = 1024, .dport = 5001,
	};
	int opt, cpu;

	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'T': parse_str("--tx-port", optarg, o.tx_dev, sizeof(o.tx_dev)); break;
		case 'R': parse_str("--rx-port", optarg, o.rx_dev, sizeof(o.rx_dev)); break;
		case 'r':
			o.rate_mpps = strcmp(optarg, "max") == 0 ? 0 : parse_dbl("--rate", optarg, 0, 1000);
			break;
		case 'f': o.flows = (unsigned)parse_num("--flows", optarg, 1, 16000000); break;
		case 's': o.size = (unsigned)parse_num("--size", optarg, 64, 1518); break;
		case 'I': o.size = 0; break;
		case 'd': o.duration = parse_dbl("--duration", optarg, 0, 3600); break;
		case 'D': o.ndr = 1; break;
		case 'l': o.loss_pct = parse_dbl("--loss", optarg, -1e-9, 100); break;
		case 'p': o.precision_pct = parse_dbl("--precision", optarg, 0, 100); break;
		case 'L': parse_str("--lcores", optarg, o.lcores, sizeof(o.lcores)); break;
		case 'j': o.json = 1; break;
		case 'm': parse_mac("--src-mac", optarg, &o.src_mac); o.have_src_mac = true; break;
		case 'M': parse_mac("--dst-mac", optarg, &o.dst_mac); o.have_dst_mac = true; break;
		case 'i': o.src_ip = parse_ip("--src-ip", optarg); break;
		case 'J': o.dst_ip = parse_ip("--dst-ip", optarg); break;
		case 'o': o.sport = (uint16_t)parse_num("--src-port", optarg, 1, 65535 - 62); break;
		case 'O': o.dport = (uint16_t)parse_num("--dst-port", optarg, 1, 65535); break;
		case 'b': o.burst = (unsigned)parse_num("--burst", optarg, 1, 256); break;
		case 'w': o.drain = parse_dbl("--drain", optarg, 0, 60); break;
		case 'y': o.memory_mb = (unsigned)parse_num("--memory", optarg, 64, 65536); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "natgw-bench: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (o.tx_dev[0] == '\0' || o.rx_dev[0] == '\0') {
		fprintf(stderr, "natgw-bench wire: --tx-port and --rx-port are required\n");
		return 2;
	}
	if (o.flows % BENCH_FLOW_STEP == 0) {
		fprintf(stderr, "natgw-bench: --flows must not be a multiple of %u\n", BENCH_FLOW_STEP);
		return 2;
	}
	if (o.lcores[0] == '\0') {
		cpu = sched_getcpu();
		snprintf(o.lcores, sizeof(o.lcores), "%d", cpu < 0 ? 0 : cpu);
	}
	return bench_wire(&o);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "inproc") == 0)
		return main_inproc(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "wire") == 0)
		return main_wire(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "fwd") == 0)
		return bench_fwd_main(argc, argv);
	usage(stderr);
	return 2;
}
