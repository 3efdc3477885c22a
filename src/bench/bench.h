/* natgw-bench: options and results shared by the benchmark modes. */
#ifndef NATGW_BENCH_H
#define NATGW_BENCH_H

#include <stdint.h>

struct bench_opts {
	uint64_t packets;   /* packets to push through the pipeline */
	unsigned flows;     /* distinct 5-tuples */
	unsigned size;      /* frame size incl. CRC, 64..1518 */
	unsigned memory_mb;
	int json;
	int nat;            /* masquerade every flow (sessions = flows) */
	unsigned sg_rules;  /* a security group on "in" with this many ingress rules */
	unsigned nacl_rules;/* a NACL on "in" with this many ingress rules */
};

struct bench_result {
	uint64_t packets;
	uint64_t forwarded;
	uint64_t drops;
	uint64_t cycles_filter_build; /* compiling the filters into the snapshot */
	uint64_t cycles_total;     /* generator + pipeline + TX */
	uint64_t cycles_generator; /* alloc + template copy + free only */
	uint64_t hz;
	uint64_t cycles_first_pass; /* every flow once: session creation with NAT */
	uint64_t sessions_created;
	unsigned bytes_per_session;
};

/* Run the in-process forwarding benchmark. 0 or -errno. */
int bench_inproc(const struct bench_opts *o, struct bench_result *r);

#endif
