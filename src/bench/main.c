/* natgw-bench: packet-rate benchmarks of natgw's data path.
 *
 *   natgw-bench inproc [--packets N] [--flows N] [--size BYTES] [--nat] [--json]
 *
 * inproc runs the real worker code on synthetic packets on one core (no RX
 * I/O; TX into net_null) and reports Mpps and cycles per packet; with --nat
 * every flow is masqueraded (one session per flow, 63 flows per inside host)
 * and it also reports new sessions per second and bytes per session.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: natgw-bench inproc [--packets N] [--flows N] [--size BYTES] [--nat]\n"
		   "                          [--sg-rules N] [--nacl-rules N] [--json]\n"
		   "  --packets N   packets to forward in the measured run (default 20000000)\n"
		   "  --flows N     distinct flows (default 1024); with --nat, sessions\n"
		   "  --size BYTES  frame size including CRC, 64..1518 (default 64)\n"
		   "  --nat         masquerade every flow (NAT on the egress port)\n"
		   "  --sg-rules N  a security group on the ingress port with N rules (the\n"
		   "                last allows the traffic); flows are tracked as sessions\n"
		   "  --nacl-rules N  a NACL on the ingress port with N rules (the last allows)\n"
		   "  --json        print one JSON object instead of a table\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "packets", required_argument, NULL, 'n' }, { "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },    { "json", no_argument, NULL, 'j' },
		{ "nat", no_argument, NULL, 'N' },           { "help", no_argument, NULL, 'h' },
		{ "sg-rules", required_argument, NULL, 'g' }, { "nacl-rules", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .packets = 20000000, .flows = 1024, .size = 64, .memory_mb = 512 };
	struct bench_result r = { 0 };
	int opt;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "inproc") != 0) {
		usage(stderr);
		return 2;
	}
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "natgw-bench: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (bench_inproc(&o, &r) != 0)
		return 1;

	double hz = (double)r.hz;
	double secs = (double)r.cycles_total / hz;
	double mpps = (double)r.packets / secs / 1e6;
	double cpp_total = (double)r.cycles_total / (double)r.packets;
	double cpp_gen = (double)r.cycles_generator / (double)r.packets;
	double cpp_fwd = cpp_total - cpp_gen;
	double mpps_fwd = cpp_fwd > 0 ? hz / cpp_fwd / 1e6 : 0;
	/* First pass: each flow once; with NAT each packet creates a session. */
	double cpf = (double)r.cycles_first_pass / (double)o.flows - cpp_gen;
	double new_per_sec = r.sessions_created > 0 && cpf > 0 ? hz / cpf : 0;
	double build_ms = (double)r.cycles_filter_build / hz * 1e3;

	if (o.json) {
		printf("{\"mode\":\"inproc\",\"nat\":%s,\"size\":%u,\"flows\":%u,\"packets\":%llu,"
		       "\"forwarded\":%llu,\"drops\":%llu,\"seconds\":%.3f,\"mpps\":%.3f,"
		       "\"cycles_per_packet\":%.1f,\"generator_cycles_per_packet\":%.1f,"
		       "\"forwarding_cycles_per_packet\":%.1f,\"forwarding_mpps\":%.3f,"
		       "\"sessions_created\":%llu,\"new_sessions_per_second\":%.0f,"
		       "\"bytes_per_session\":%u,\"sg_rules\":%u,\"nacl_rules\":%u,"
		       "\"snapshot_build_ms\":%.3f,\"tsc_hz\":%llu}\n",
		       o.nat ? "true" : "false", o.size, o.flows, (unsigned long long)r.packets,
		       (unsigned long long)r.forwarded, (unsigned long long)r.drops, secs, mpps,
		       cpp_total, cpp_gen, cpp_fwd, mpps_fwd, (unsigned long long)r.sessions_created,
		       new_per_sec, r.bytes_per_session, o.sg_rules, o.nacl_rules, build_ms,
		       (unsigned long long)r.hz);
	} else {
		printf("natgw-bench inproc: %u-byte frames, %u flows%s, 1 core, TSC %.2f GHz\n", o.size,
		       o.flows, o.nat ? " (NAT: one session each)" : "", hz / 1e9);
		if (o.sg_rules || o.nacl_rules)
			printf("  filters on \"in\": %u group rules, %u NACL rules; snapshot built in %.2f ms\n",
			       o.sg_rules, o.nacl_rules, build_ms);
		printf("  %-38s %14llu\n", "packets", (unsigned long long)r.packets);
		printf("  %-38s %14llu\n", "forwarded", (unsigned long long)r.forwarded);
		printf("  %-38s %14llu\n", "dropped", (unsigned long long)r.drops);
		printf("  %-38s %14.2f\n", "Mpps incl. generator", mpps);
		printf("  %-38s %14.1f\n", "cycles/packet incl. generator", cpp_total);
		printf("  %-38s %14.1f\n", "cycles/packet generator alone", cpp_gen);
		printf("  %-38s %14.1f\n", "cycles/packet forwarding", cpp_fwd);
		printf("  %-38s %14.2f\n", "Mpps forwarding alone (1 core)", mpps_fwd);
		if (r.sessions_created > 0) {
			printf("  %-38s %14llu\n", "sessions created", (unsigned long long)r.sessions_created);
			printf("  %-38s %14.0f\n", "new sessions/s (1 core)", new_per_sec);
			printf("  %-38s %14u\n", "bytes per session", r.bytes_per_session);
		}
	}
	return r.forwarded == r.packets ? 0 : 1;
}
