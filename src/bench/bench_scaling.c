/* natgw-bench inproc --baseline: how the forwarding rate scales with workers.
 *
 * Runs, --rounds times, the benchmark with one worker and then with
 * --workers workers, each run in a child process (the EAL starts once per
 * process), interleaved so that the slow drifts of a shared machine hit both
 * sides alike. Both sides generate from flow lists (one worker: all flows),
 * so the generator does the same work per packet on both. Prints every run
 * (a row, or the run's JSON object with its round), then the medians of each
 * side and their ratio: the scaling factor ("x of 1 worker"). Only runs
 * that forwarded every packet count towards the medians. Stateless.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Run one side of a round in a child and print it. 0, or -1 when it failed
 * or did not forward everything (printed, but not counted). */
static int bench_scaling_run(const struct bench_opts *o, struct bench_result *r)
{
	memset(r, 0, sizeof(*r));
	if (bench_inproc_child(o, r) != 0) {
		fprintf(stderr, "natgw-bench: round %u with %u worker%s failed\n", o->round,
			o->workers, o->workers == 1 ? "" : "s");
		return -1;
	}
	bench_out_scaling_row(stdout, o, r);
	fflush(stdout);
	return r->forwarded == r->packets ? 0 : -1;
}

int bench_inproc_scaling(const struct bench_opts *o)
{
	static struct bench_result base[BENCH_MAX_ROUNDS], multi[BENCH_MAX_ROUNDS];
	const struct bench_result *base_ok[BENCH_MAX_ROUNDS] = { 0 };
	const struct bench_result *multi_ok[BENCH_MAX_ROUNDS] = { 0 };
	struct bench_opts one = *o, many = *o;
	unsigned avail;
	int status = 0;

	one.workers = 1;
	one.flow_list = many.flow_list = 1;
	if (bench_lcores_pick(1, one.lcores, sizeof(one.lcores), &avail) != 0) {
		fprintf(stderr, "natgw-bench: no CPU to run on\n");
		return 1;
	}
	bench_out_scaling_header(stdout, o);
	for (unsigned i = 0; i < o->rounds; i++) {
		one.round = many.round = i + 1;
		if (bench_scaling_run(&one, &base[i]) == 0)
			base_ok[i] = &base[i];
		else
			status = 1;
		if (bench_scaling_run(&many, &multi[i]) == 0)
			multi_ok[i] = &multi[i];
		else
			status = 1;
	}
	bench_out_scaling_summary(stdout, o, base_ok, multi_ok, o->rounds);
	return status;
}
