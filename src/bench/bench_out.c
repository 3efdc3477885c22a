/* natgw-bench output: readable tables and JSON lines.
 *
 * Every run (an inproc run, a sweep point, a wire trial, an NDR result) is
 * one JSON object on one line, so a file of results is JSON lines that
 * scripts/bench-plot.sh and python3 -m json.tool read. Field names are
 * documented in main.c's usage text; units are in the names (_mpps, _ns,
 * _us, _pct, _cycles, _ms). Derived figures are computed here, from the raw
 * counts the modes collect. Stateless.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>

#include "bench.h"

/* ---- a minimal JSON-lines writer ---- */

struct json_out {
	FILE *f;
	unsigned n; /* fields written */
};

static void json_begin(struct json_out *j, FILE *f)
{
	j->f = f;
	j->n = 0;
	fputc('{', f);
}

static void json_key(struct json_out *j, const char *key)
{
	fprintf(j->f, "%s\"%s\":", j->n++ ? "," : "", key);
}

/* A string; escapes quotes, backslashes and control characters. */
static void json_str(struct json_out *j, const char *key, const char *v)
{
	json_key(j, key);
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(j->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(j->f, "\\u%04x", *p);
		else
			fputc(*p, j->f);
	}
	fputc('"', j->f);
}

static void json_u64(struct json_out *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

/* A number with prec decimals; NaN and infinities (not JSON) become null. */
static void json_dbl(struct json_out *j, const char *key, double v, int prec)
{
	json_key(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", prec, v);
	else
		fputs("null", j->f);
}

static void json_bool(struct json_out *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

static void json_end(struct json_out *j)
{
	fputs("}\n", j->f);
}

/* The current time, UTC, ISO 8601 (when the result was printed). */
static const char *out_timestamp(void)
{
	static char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* ---- inproc ---- */

/* Figures of one worker's part of a run. */
struct worker_fig {
	double secs, mpps, cpp_total, cpp_gen, cpp_fwd, mpps_fwd, new_per_sec;
};

/* Figures derived from one inproc result: rates are sums over the workers
 * (each measured over the same interval), cycles are per packet, averaged
 * over all the workers' packets. With one worker, that worker's figures. */
struct inproc_fig {
	double hz, secs, mpps, cpp_total, cpp_gen, cpp_fwd, mpps_fwd, gbps_fwd;
	double mean_frame, new_per_sec, build_ms, timer_overhead;
	double stage[BENCH_STAGE_MAX]; /* cycles/packet, timer overhead removed */
	double stage_sum;
	uint64_t stage_stray;
	struct worker_fig w[BENCH_MAX_WORKERS];
};

/* One worker's rates and cycles per packet from its counts. */
static void worker_derive(const struct bench_worker_result *w, double hz, struct worker_fig *f)
{
	double cycles = (double)(w->tsc_end - w->tsc_start), cpf;

	memset(f, 0, sizeof(*f));
	if (w->packets == 0)
		return;
	f->secs = cycles / hz;
	f->mpps = (double)w->packets / f->secs / 1e6;
	f->cpp_total = cycles / (double)w->packets;
	f->cpp_gen = (double)w->cycles_generator / (double)w->packets;
	f->cpp_fwd = f->cpp_total - f->cpp_gen;
	f->mpps_fwd = f->cpp_fwd > 0 ? hz / f->cpp_fwd / 1e6 : 0;
	/* First pass: each flow once; with NAT each packet creates a session. */
	cpf = (double)w->cycles_first_pass / (double)w->flows - f->cpp_gen;
	f->new_per_sec = w->sessions_created > 0 && cpf > 0 ? hz / cpf : 0;
}

/* Every figure of a run, the workers' and the sums. */
static void inproc_derive(const struct bench_result *r, struct inproc_fig *f)
{
	uint64_t start = UINT64_MAX, end = 0, cycles = 0, gen = 0;
	double stage_raw[BENCH_STAGE_MAX] = { 0 };

	memset(f, 0, sizeof(*f));
	f->hz = (double)r->hz;
	for (unsigned k = 0; k < r->n_workers; k++) {
		const struct bench_worker_result *w = &r->w[k];

		worker_derive(w, f->hz, &f->w[k]);
		start = RTE_MIN(start, w->tsc_start);
		end = RTE_MAX(end, w->tsc_end);
		cycles += w->tsc_end - w->tsc_start;
		gen += w->cycles_generator;
		f->mpps_fwd += f->w[k].mpps_fwd;
		f->new_per_sec += f->w[k].new_per_sec;
		f->timer_overhead += w->timer_overhead / r->n_workers;
		f->stage_stray += w->stage_stray;
		for (unsigned s = 0; s < BENCH_STAGE_MAX; s++)
			stage_raw[s] += (double)w->stage_cycles[s] -
					w->timer_overhead * (double)w->stage_bursts;
	}
	f->secs = end > start ? (double)(end - start) / f->hz : 0;
	f->mpps = (double)r->packets / f->secs / 1e6;
	f->cpp_total = (double)cycles / (double)r->packets;
	f->cpp_gen = (double)gen / (double)r->packets;
	f->cpp_fwd = f->cpp_total - f->cpp_gen;
	f->mean_frame = r->packets ? (double)r->bytes / (double)r->packets : 0;
	/* Frame bits at the forwarding rate (Ethernet preamble and gap excluded). */
	f->gbps_fwd = f->mpps_fwd * f->mean_frame * 8 / 1e3;
	f->build_ms = (double)r->cycles_filter_build / f->hz * 1e3;
	if (r->stage_packets > 0) {
		for (unsigned s = 0; s < BENCH_STAGE_MAX; s++) {
			double c = stage_raw[s] / (double)r->stage_packets;

			f->stage[s] = c > 0 ? c : 0;
			f->stage_sum += f->stage[s];
		}
	}
}

/* The per-worker array of an inproc object. */
static void inproc_json_workers(struct json_out *j, const struct bench_result *r,
				const struct inproc_fig *f)
{
	json_key(j, "per_worker");
	fputc('[', j->f);
	for (unsigned k = 0; k < r->n_workers; k++) {
		const struct bench_worker_result *w = &r->w[k];
		const struct worker_fig *wf = &f->w[k];
		struct json_out o = { .f = j->f };

		fputs(k ? ",{" : "{", j->f);
		json_u64(&o, "worker", k);
		json_u64(&o, "lcore", w->lcore);
		json_u64(&o, "flows", w->flows);
		json_u64(&o, "sessions", w->sessions);
		json_u64(&o, "sessions_created", w->sessions_created);
		json_u64(&o, "packets", w->packets);
		json_u64(&o, "forwarded", w->forwarded);
		json_u64(&o, "drops", w->drops);
		json_u64(&o, "handed_off", w->handed_off);
		json_u64(&o, "handed_in", w->handed_in);
		json_dbl(&o, "seconds", wf->secs, 3);
		json_dbl(&o, "mpps", wf->mpps, 3);
		json_dbl(&o, "cycles_per_packet", wf->cpp_total, 1);
		json_dbl(&o, "generator_cycles_per_packet", wf->cpp_gen, 1);
		json_dbl(&o, "forwarding_cycles_per_packet", wf->cpp_fwd, 1);
		json_dbl(&o, "forwarding_mpps", wf->mpps_fwd, 3);
		json_dbl(&o, "new_sessions_per_second", wf->new_per_sec, 0);
		fputc('}', j->f);
	}
	fputc(']', j->f);
}

static void inproc_json(FILE *out, const struct bench_opts *o, const struct bench_result *r,
			const struct inproc_fig *f)
{
	struct json_out j;
	char key[64];

	json_begin(&j, out);
	json_str(&j, "mode", "inproc");
	json_str(&j, "timestamp", out_timestamp());
	json_bool(&j, "sweep", o->sweep);
	if (o->round > 0)
		json_u64(&j, "round", o->round);
	json_bool(&j, "nat", o->nat);
	json_bool(&j, "imix", o->imix);
	json_u64(&j, "size", o->imix ? (uint64_t)lround(f->mean_frame) : o->size);
	json_dbl(&j, "mean_frame_bytes", f->mean_frame, 1);
	json_u64(&j, "workers", r->n_workers);
	json_u64(&j, "flows", o->flows);
	json_u64(&j, "sessions", r->sessions);
	json_u64(&j, "packets", r->packets);
	json_u64(&j, "forwarded", r->forwarded);
	json_u64(&j, "drops", r->drops);
	json_u64(&j, "handed_off", r->handed_off);
	json_u64(&j, "handed_in", r->handed_in);
	json_dbl(&j, "seconds", f->secs, 3);
	json_dbl(&j, "mpps", f->mpps, 3);
	json_dbl(&j, "cycles_per_packet", f->cpp_total, 1);
	json_dbl(&j, "generator_cycles_per_packet", f->cpp_gen, 1);
	json_dbl(&j, "forwarding_cycles_per_packet", f->cpp_fwd, 1);
	json_dbl(&j, "forwarding_mpps", f->mpps_fwd, 3);
	json_dbl(&j, "forwarding_gbps", f->gbps_fwd, 3);
	json_u64(&j, "sessions_created", r->sessions_created);
	json_dbl(&j, "new_sessions_per_second", f->new_per_sec, 0);
	json_u64(&j, "bytes_per_session", r->bytes_per_session);
	json_u64(&j, "sg_rules", o->sg_rules);
	json_u64(&j, "nacl_rules", o->nacl_rules);
	json_dbl(&j, "snapshot_build_ms", f->build_ms, 3);
	if (r->stage_packets > 0) {
		for (unsigned s = 0; s < BENCH_STAGE_MAX; s++) {
			snprintf(key, sizeof(key), "stage_%s_cycles", bench_stage_names[s]);
			json_dbl(&j, key, f->stage[s], 1);
		}
		json_dbl(&j, "stage_sum_cycles", f->stage_sum, 1);
		json_dbl(&j, "stage_timer_overhead_cycles", f->timer_overhead, 1);
		json_u64(&j, "stage_packets", r->stage_packets);
		json_u64(&j, "stage_forwarded", r->stage_forwarded);
		json_u64(&j, "stage_stray", f->stage_stray);
	}
	json_u64(&j, "tsc_hz", r->hz);
	inproc_json_workers(&j, r, f);
	json_end(&j);
}

/* The per-worker table of a run with several workers. */
static void inproc_text_workers(FILE *out, const struct bench_result *r,
				const struct inproc_fig *f)
{
	fprintf(out, "  per worker (measured run over the same %.3f s):\n", f->secs);
	fprintf(out, "    %6s %5s %9s %11s %7s %8s %8s %8s %8s %10s\n", "worker", "lcore", "flows",
		"packets", "Mpps", "cyc/pkt", "gen cyc", "fwd cyc", "fwd Mpps", "handed_off");
	for (unsigned k = 0; k < r->n_workers; k++) {
		const struct bench_worker_result *w = &r->w[k];
		const struct worker_fig *wf = &f->w[k];

		fprintf(out, "    %6u %5u %9u %11llu %7.2f %8.1f %8.1f %8.1f %8.2f %10llu\n", k,
			w->lcore, w->flows, (unsigned long long)w->packets, wf->mpps, wf->cpp_total,
			wf->cpp_gen, wf->cpp_fwd, wf->mpps_fwd, (unsigned long long)w->handed_off);
	}
}

/* "1 core" or "N cores", for labels. */
static const char *out_cores(unsigned n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%u core%s", n, n == 1 ? "" : "s");
	return buf;
}

void bench_out_inproc(FILE *out, const struct bench_opts *o, const struct bench_result *r)
{
	struct inproc_fig f;
	char label[64];

	inproc_derive(r, &f);
	if (o->json) {
		inproc_json(out, o, r, &f);
		return;
	}
	if (o->imix)
		fprintf(out, "natgw-bench inproc: IMIX 7:4:1 of 64/594/1518-byte frames (mean %.1f)",
			f.mean_frame);
	else
		fprintf(out, "natgw-bench inproc: %u-byte frames", o->size);
	fprintf(out, ", %u flows%s, ", o->flows, o->nat ? " (NAT: one session each)" : "");
	if (r->n_workers > 1)
		fprintf(out, "%u workers (lcores %s)", r->n_workers, o->lcores);
	else
		fprintf(out, "1 core");
	fprintf(out, ", TSC %.2f GHz\n", f.hz / 1e9);
	if (o->sg_rules || o->nacl_rules)
		fprintf(out, "  filters on \"in\": %u group rules, %u NACL rules; snapshot built in %.2f ms\n",
			o->sg_rules, o->nacl_rules, f.build_ms);
	fprintf(out, "  %-38s %14llu\n", "packets", (unsigned long long)r->packets);
	fprintf(out, "  %-38s %14llu\n", "forwarded", (unsigned long long)r->forwarded);
	fprintf(out, "  %-38s %14llu\n", "dropped", (unsigned long long)r->drops);
	if (r->n_workers > 1 || r->handed_off > 0)
		fprintf(out, "  %-38s %14llu\n", "handed to another worker",
			(unsigned long long)r->handed_off);
	fprintf(out, "  %-38s %14.2f\n",
		r->n_workers > 1 ? "Mpps incl. generator (all workers)" : "Mpps incl. generator",
		f.mpps);
	fprintf(out, "  %-38s %14.1f\n", "cycles/packet incl. generator", f.cpp_total);
	fprintf(out, "  %-38s %14.1f\n", "cycles/packet generator alone", f.cpp_gen);
	fprintf(out, "  %-38s %14.1f\n", "cycles/packet forwarding", f.cpp_fwd);
	snprintf(label, sizeof(label), "Mpps forwarding alone (%s)", out_cores(r->n_workers));
	fprintf(out, "  %-38s %14.2f\n", label, f.mpps_fwd);
	fprintf(out, "  %-38s %14.2f\n", "Gbit/s forwarding alone (frames)", f.gbps_fwd);
	if (r->sessions_created > 0) {
		fprintf(out, "  %-38s %14llu\n", "sessions created",
			(unsigned long long)r->sessions_created);
		snprintf(label, sizeof(label), "new sessions/s (%s)", out_cores(r->n_workers));
		fprintf(out, "  %-38s %14.0f\n", label, f.new_per_sec);
		fprintf(out, "  %-38s %14u\n", "bytes per session", r->bytes_per_session);
	}
	if (r->stage_packets > 0) {
		fprintf(out, "  cycles/packet per stage (established flows, separate pass, %.0f-cycle timer pair removed):\n",
			f.timer_overhead);
		for (unsigned s = 0; s < BENCH_STAGE_MAX; s++)
			if (s != BENCH_STAGE_STEER || r->n_workers > 1)
				fprintf(out, "    %-36s %14.1f\n", bench_stage_names[s], f.stage[s]);
		fprintf(out, "    %-36s %14.1f\n", "sum", f.stage_sum);
		if (r->stage_forwarded != r->stage_packets)
			fprintf(out, "    (stage pass forwarded %llu of %llu packets)\n",
				(unsigned long long)r->stage_forwarded,
				(unsigned long long)r->stage_packets);
		if (f.stage_stray > 0)
			fprintf(out, "    (steer found %llu packets owned by another worker)\n",
				(unsigned long long)f.stage_stray);
	}
	if (r->n_workers > 1)
		inproc_text_workers(out, r, &f);
}

void bench_out_sweep_header(FILE *out, const struct bench_opts *o)
{
	fprintf(out, "natgw-bench inproc --sweep: NAT, established UDP, 63 sessions per inside host, %s, ",
		o->imix ? "IMIX" : "fixed-size frames");
	if (o->workers > 1)
		fprintf(out, "%u workers (Mpps: all workers; cycles: per packet)", o->workers);
	else
		fprintf(out, "1 core");
	if (o->sg_rules || o->nacl_rules)
		fprintf(out, "; filters on \"in\": %u group rules, %u NACL rules", o->sg_rules,
			o->nacl_rules);
	fputc('\n', out);
	fprintf(out, "%10s %6s %8s %8s %7s | %5s %6s", "sessions", "size", "Mpps", "cyc/pkt",
		"Gbit/s", "rx", "parse");
	if (o->workers > 1)
		fprintf(out, " %5s", "steer");
	fprintf(out, " %6s %6s %7s %5s | %9s %6s\n", "filter", "nat", "forward", "tx", "new/s",
		"B/sess");
}

void bench_out_sweep_row(FILE *out, const struct bench_opts *o, const struct bench_result *r)
{
	struct inproc_fig f;

	inproc_derive(r, &f);
	if (o->json) {
		inproc_json(out, o, r, &f);
		return;
	}
	fprintf(out, "%10u %6.0f %8.2f %8.1f %7.2f |", o->flows, f.mean_frame, f.mpps_fwd, f.cpp_fwd,
		f.gbps_fwd);
	if (r->stage_packets > 0) {
		fprintf(out, " %5.1f %6.1f", f.stage[BENCH_STAGE_RX], f.stage[BENCH_STAGE_PARSE]);
		if (o->workers > 1)
			fprintf(out, " %5.1f", f.stage[BENCH_STAGE_STEER]);
		fprintf(out, " %6.1f %6.1f %7.1f %5.1f |", f.stage[BENCH_STAGE_FILTER],
			f.stage[BENCH_STAGE_NAT], f.stage[BENCH_STAGE_FORWARD],
			f.stage[BENCH_STAGE_TX]);
	} else {
		fprintf(out, " %5s %6s", "-", "-");
		if (o->workers > 1)
			fprintf(out, " %5s", "-");
		fprintf(out, " %6s %6s %7s %5s |", "-", "-", "-", "-");
	}
	fprintf(out, " %9.0f %6u\n", f.new_per_sec, r->bytes_per_session);
}

/* ---- inproc --baseline ---- */

void bench_out_scaling_header(FILE *out, const struct bench_opts *o)
{
	if (o->json)
		return;
	fprintf(out, "natgw-bench inproc --baseline: %s, %u flows, ", o->nat ? "NAT" : "routing",
		o->flows);
	if (o->imix)
		fprintf(out, "IMIX");
	else
		fprintf(out, "%u-byte frames", o->size);
	if (o->sg_rules || o->nacl_rules)
		fprintf(out, ", %u group rules, %u NACL rules", o->sg_rules, o->nacl_rules);
	fprintf(out, "; 1 vs %u workers (lcores %s), %u round%s\n", o->workers, o->lcores,
		o->rounds, o->rounds == 1 ? "" : "s");
	fprintf(out, "%5s %7s %8s %8s %8s | %-24s | %10s\n", "round", "workers", "Mpps", "fwd Mpps",
		"fwd cyc", "fwd Mpps per worker", "handed_off");
}

void bench_out_scaling_row(FILE *out, const struct bench_opts *o, const struct bench_result *r)
{
	struct inproc_fig f;
	char per[64];
	size_t used = 0;

	inproc_derive(r, &f);
	if (o->json) {
		inproc_json(out, o, r, &f);
		return;
	}
	per[0] = '\0';
	for (unsigned k = 0; k < r->n_workers && used < sizeof(per); k++)
		used += (size_t)snprintf(per + used, sizeof(per) - used, "%s%.2f", k ? " " : "",
					 f.w[k].mpps_fwd);
	fprintf(out, "%5u %7u %8.2f %8.2f %8.1f | %-24s | %10llu\n", o->round, r->n_workers, f.mpps,
		f.mpps_fwd, f.cpp_fwd, per, (unsigned long long)r->handed_off);
}

/* qsort order of doubles. */
static int out_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n-1] (sorted in place); NaN when n is 0. */
static double out_median(double *v, unsigned n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), out_dbl_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* An array of numbers; NaN (a failed round) becomes null. */
static void json_dbl_array(struct json_out *j, const char *key, const double *v, unsigned n,
			   int prec)
{
	json_key(j, key);
	fputc('[', j->f);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputc(',', j->f);
		if (isfinite(v[i]))
			fprintf(j->f, "%.*f", prec, v[i]);
		else
			fputs("null", j->f);
	}
	fputc(']', j->f);
}

/* One side of --baseline: per round (NaN where the run failed), and the
 * medians over the runs that completed. */
struct scaling_side {
	double fwd[BENCH_MAX_ROUNDS], mpps[BENCH_MAX_ROUNDS];
	unsigned n;                 /* completed runs */
	double fwd_median, mpps_median;
	uint64_t handed_off;
};

/* The figures of one side of --baseline, round by round. */
static void scaling_collect(const struct bench_result *const *rs, unsigned rounds,
			    struct scaling_side *s)
{
	double fwd[BENCH_MAX_ROUNDS], mpps[BENCH_MAX_ROUNDS];

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < rounds; i++) {
		struct inproc_fig f;

		s->fwd[i] = s->mpps[i] = NAN;
		if (rs[i] == NULL)
			continue;
		inproc_derive(rs[i], &f);
		s->fwd[i] = fwd[s->n] = f.mpps_fwd;
		s->mpps[i] = mpps[s->n] = f.mpps;
		s->handed_off += rs[i]->handed_off;
		s->n++;
	}
	s->fwd_median = out_median(fwd, s->n);
	s->mpps_median = out_median(mpps, s->n);
}

void bench_out_scaling_summary(FILE *out, const struct bench_opts *o,
			       const struct bench_result *const *base,
			       const struct bench_result *const *multi, unsigned rounds)
{
	struct scaling_side b, m;
	struct json_out j;

	scaling_collect(base, rounds, &b);
	scaling_collect(multi, rounds, &m);
	if (o->json) {
		json_begin(&j, out);
		json_str(&j, "mode", "inproc_scaling"); /* not a run: readers of runs skip it */
		json_str(&j, "timestamp", out_timestamp());
		json_u64(&j, "workers", o->workers);
		json_u64(&j, "rounds", o->rounds);
		json_u64(&j, "baseline_rounds_completed", b.n);
		json_u64(&j, "rounds_completed", m.n);
		json_bool(&j, "nat", o->nat);
		json_bool(&j, "imix", o->imix);
		json_u64(&j, "size", o->imix ? (uint64_t)lround(BENCH_IMIX_MEAN) : o->size);
		json_u64(&j, "flows", o->flows);
		json_u64(&j, "sg_rules", o->sg_rules);
		json_u64(&j, "nacl_rules", o->nacl_rules);
		json_dbl_array(&j, "baseline_forwarding_mpps", b.fwd, rounds, 3);
		json_dbl_array(&j, "forwarding_mpps", m.fwd, rounds, 3);
		json_dbl_array(&j, "baseline_mpps", b.mpps, rounds, 3);
		json_dbl_array(&j, "mpps", m.mpps, rounds, 3);
		json_dbl(&j, "median_baseline_forwarding_mpps", b.fwd_median, 3);
		json_dbl(&j, "median_forwarding_mpps", m.fwd_median, 3);
		json_dbl(&j, "scaling", m.fwd_median / b.fwd_median, 3);
		json_dbl(&j, "median_baseline_mpps", b.mpps_median, 3);
		json_dbl(&j, "median_mpps", m.mpps_median, 3);
		json_dbl(&j, "scaling_incl_generator", m.mpps_median / b.mpps_median, 3);
		json_u64(&j, "handed_off", m.handed_off);
		json_end(&j);
		return;
	}
	if (b.n == 0 || m.n == 0) {
		fprintf(out, "scaling: no complete round\n");
		return;
	}
	if (b.n < o->rounds || m.n < o->rounds)
		fprintf(out, "(completed: %u of %u 1-worker runs, %u of %u %u-worker runs)\n", b.n,
			o->rounds, m.n, o->rounds, o->workers);
	fprintf(out, "medians: 1 worker %.2f Mpps forwarding (%.2f incl. generator), %u workers %.2f (%.2f): %.2fx of 1 worker (%.2fx incl. generator)\n",
		b.fwd_median, b.mpps_median, o->workers, m.fwd_median, m.mpps_median,
		m.fwd_median / b.fwd_median, m.mpps_median / b.mpps_median);
}

/* ---- wire ---- */

static double wire_mpps(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs / 1e6 : 0;
}

/* Loss in percent of what was sent (never negative). */
static double wire_loss_pct(const struct wire_trial *t)
{
	if (t->tx_packets == 0)
		return 0;
	return t->rx_packets >= t->tx_packets
		       ? 0
		       : 100.0 * (double)(t->tx_packets - t->rx_packets) / (double)t->tx_packets;
}

static void wire_json_fields(struct json_out *j, const struct wire_opts *o,
			     const struct wire_info *wi, const struct wire_trial *t)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	json_str(j, "mode", "wire");
	json_str(j, "timestamp", out_timestamp());
	json_str(j, "phase", t->phase);
	json_str(j, "tx_port", o->tx_dev);
	json_str(j, "rx_port", o->rx_dev);
	json_str(j, "tx_driver", wi->tx_driver);
	json_str(j, "rx_driver", wi->rx_driver);
	rte_ether_format_addr(mac, sizeof(mac), &wi->src_mac);
	json_str(j, "src_mac", mac);
	rte_ether_format_addr(mac, sizeof(mac), &wi->dst_mac);
	json_str(j, "dst_mac", mac);
	json_u64(j, "lcores", wi->n_lcores);
	json_bool(j, "imix", o->size == 0);
	json_u64(j, "size", o->size ? o->size : (uint64_t)lround(BENCH_IMIX_MEAN));
	json_u64(j, "flows", o->flows);
	json_dbl(j, "duration", t->seconds, 3);
	json_dbl(j, "rate_target_mpps", t->target_mpps, 4);
	json_u64(j, "tx_packets", t->tx_packets);
	json_u64(j, "rx_packets", t->rx_packets);
	json_u64(j, "lost", t->tx_packets > t->rx_packets ? t->tx_packets - t->rx_packets : 0);
	json_dbl(j, "loss_pct", wire_loss_pct(t), 4);
	json_dbl(j, "tx_mpps", wire_mpps(t->tx_packets, t->seconds), 4);
	json_dbl(j, "rx_mpps", wire_mpps(t->rx_packets, t->seconds), 4);
	json_dbl(j, "tx_gbps", t->seconds > 0 ? (double)t->tx_bytes * 8 / t->seconds / 1e9 : 0, 4);
	json_dbl(j, "rx_gbps", t->seconds > 0 ? (double)t->rx_bytes * 8 / t->seconds / 1e9 : 0, 4);
	json_u64(j, "tx_refused", t->tx_refused);
	json_u64(j, "rx_other", t->rx_other);
	json_u64(j, "reordered", t->reordered);
	json_u64(j, "port_imissed", t->port_imissed);
	json_u64(j, "port_ierrors", t->port_ierrors);
	json_u64(j, "port_oerrors", t->port_oerrors);
	json_u64(j, "latency_samples", t->lat_count);
	json_dbl(j, "lat_min_us", t->lat_count ? t->lat_min_ns / 1e3 : NAN, 3);
	json_dbl(j, "lat_mean_us", t->lat_count ? t->lat_mean_ns / 1e3 : NAN, 3);
	json_dbl(j, "lat_p50_us", t->lat_count ? t->lat_p50_ns / 1e3 : NAN, 3);
	json_dbl(j, "lat_p90_us", t->lat_count ? t->lat_p90_ns / 1e3 : NAN, 3);
	json_dbl(j, "lat_p99_us", t->lat_count ? t->lat_p99_ns / 1e3 : NAN, 3);
	json_dbl(j, "lat_max_us", t->lat_count ? t->lat_max_ns / 1e3 : NAN, 3);
	json_u64(j, "tsc_hz", wi->hz);
}

void bench_out_wire_header(FILE *out, const struct wire_opts *o, const struct wire_info *wi)
{
	char s[RTE_ETHER_ADDR_FMT_SIZE], d[RTE_ETHER_ADDR_FMT_SIZE];

	if (o->json)
		return;
	rte_ether_format_addr(s, sizeof(s), &wi->src_mac);
	rte_ether_format_addr(d, sizeof(d), &wi->dst_mac);
	fprintf(out, "natgw-bench wire: TX %s (%s) -> RX %s (%s), %u lcore%s, TSC %.2f GHz\n",
		o->tx_dev, wi->tx_driver, o->rx_dev, wi->rx_driver, wi->n_lcores,
		wi->n_lcores > 1 ? "s (generator, sink)" : " (generator and sink alternate)",
		(double)wi->hz / 1e9);
	if (o->size)
		fprintf(out, "  %u-byte UDP frames", o->size);
	else
		fprintf(out, "  IMIX 7:4:1 of 64/594/1518-byte UDP frames");
	fprintf(out, ", %u flows, %s > %s, %.1f s per trial\n", o->flows, s, d, o->duration);
	fprintf(out, "%-6s %9s %9s %9s %10s %10s %8s | %9s %9s %9s %9s\n", "phase", "target", "tx Mpps",
		"rx Mpps", "tx pkts", "rx pkts", "loss %", "p50 us", "p90 us", "p99 us", "max us");
}

void bench_out_wire_trial(FILE *out, const struct wire_opts *o, const struct wire_info *wi,
			  const struct wire_trial *t)
{
	struct json_out j;
	char target[16];

	if (o->json) {
		json_begin(&j, out);
		wire_json_fields(&j, o, wi, t);
		json_end(&j);
		fflush(out);
		return;
	}
	if (t->target_mpps > 0)
		snprintf(target, sizeof(target), "%.3f", t->target_mpps);
	else
		snprintf(target, sizeof(target), "max");
	fprintf(out, "%-6s %9s %9.3f %9.3f %10llu %10llu %8.3f |", t->phase, target,
		wire_mpps(t->tx_packets, t->seconds), wire_mpps(t->rx_packets, t->seconds),
		(unsigned long long)t->tx_packets, (unsigned long long)t->rx_packets,
		wire_loss_pct(t));
	if (t->lat_count > 0)
		fprintf(out, " %9.1f %9.1f %9.1f %9.1f\n", t->lat_p50_ns / 1e3, t->lat_p90_ns / 1e3,
			t->lat_p99_ns / 1e3, t->lat_max_ns / 1e3);
	else
		fprintf(out, " %9s %9s %9s %9s\n", "-", "-", "-", "-");
	if (t->rx_other || t->reordered || t->port_imissed || t->port_ierrors || t->port_oerrors)
		fprintf(out, "       (other frames %llu, reordered %llu; RX port missed %llu errors %llu; TX port errors %llu)\n",
			(unsigned long long)t->rx_other, (unsigned long long)t->reordered,
			(unsigned long long)t->port_imissed,
			(unsigned long long)t->port_ierrors, (unsigned long long)t->port_oerrors);
	fflush(out);
}

void bench_out_wire_ndr(FILE *out, const struct wire_opts *o, const struct wire_info *wi,
			const struct wire_trial *best, double ceiling_mpps, unsigned trials)
{
	static const struct wire_trial none = { .phase = "ndr" };
	const struct wire_trial *t = best ? best : &none;
	double ndr = best ? wire_mpps(best->tx_packets, best->seconds) : 0;
	struct json_out j;

	if (o->json) {
		struct wire_trial c = *t;

		c.phase = "ndr";
		json_begin(&j, out);
		wire_json_fields(&j, o, wi, &c);
		json_dbl(&j, "ndr_mpps", ndr, 4);
		json_dbl(&j, "ndr_gbps", best && best->seconds > 0 ?
				 (double)best->tx_bytes * 8 / best->seconds / 1e9 : 0, 4);
		json_dbl(&j, "ndr_ceiling_mpps", ceiling_mpps, 4);
		json_dbl(&j, "loss_threshold_pct", o->loss_pct, 4);
		json_dbl(&j, "precision_pct", o->precision_pct, 2);
		json_u64(&j, "trials", trials);
		json_end(&j);
		fflush(out);
		return;
	}
	if (best == NULL) {
		fprintf(out, "NDR: no rate tried had loss <= %.3f %% (%u trials)\n", o->loss_pct, trials);
		return;
	}
	fprintf(out, "NDR: %.3f Mpps (%.3f Gbit/s of frames) with loss %.4f %% <= %.3f %%; generator ceiling %.3f Mpps; %u trials\n",
		ndr, best->seconds > 0 ? (double)best->tx_bytes * 8 / best->seconds / 1e9 : 0,
		wire_loss_pct(best), o->loss_pct, ceiling_mpps, trials);
	fprintf(out, "     latency at the NDR: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n",
		best->lat_p50_ns / 1e3, best->lat_p90_ns / 1e3, best->lat_p99_ns / 1e3,
		best->lat_max_ns / 1e3);
}
