/* Run-time changes: snapshot publication with RCU, configuration apply and
 * reload, and calls into the workers' loops.
 *
 * Snapshots: workers load dp->snap (acquire) at the top of every loop
 * iteration and report a quiescent state to dp->qsv (rte_rcu_qsbr) at its
 * end, so after dp_snapshot_publish has stored a new pointer (release) and
 * rte_rcu_qsbr_synchronize has returned, no worker can still hold the old
 * snapshot and it is freed. No lock and no packet is lost on the packet path:
 * a burst runs entirely on the snapshot it started with. Sessions, neighbours
 * and counters live in the workers, not in the snapshot, and survive.
 *
 * Configuration: dp->cfg is the running configuration; cfg_lock serialises
 * changes (SIGHUP reload, the management plane) and readers outside the
 * workers. A new configuration is first compared with the running one
 * (config_live_diff: what needs a restart is refused), then compiled, then
 * published; only then is dp->cfg replaced.
 *
 * Worker calls: dp_workers_call hands a function to each worker's mailbox in
 * turn and waits for it to run between two bursts (session queries and
 * flushes, static neighbour additions and removals: state only its owner
 * may touch).
 * Who: the control thread and the management thread, never a worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "natgw/neigh.h"

#define CONTROL_CALL_TIMEOUT_MS 2000

int dp_rcu_init(struct dataplane *dp)
{
	size_t sz = rte_rcu_qsbr_get_memsize(DP_MAX_WORKERS);

	dp->qsv = rte_zmalloc("natgw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsv == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(dp->qsv, DP_MAX_WORKERS) != 0)
		goto err_init;
	for (unsigned i = 0; i < dp->n_workers; i++)
		if (rte_rcu_qsbr_thread_register(dp->qsv, i) != 0)
			goto err_init;
	return 0;

err_init:
	rte_free(dp->qsv);
	dp->qsv = NULL;
	return -EINVAL;
}

void dp_rcu_fini(struct dataplane *dp)
{
	rte_free(dp->qsv);
	dp->qsv = NULL;
}

void dp_snapshot_publish(struct dataplane *dp, struct dp_snapshot *snap)
{
	struct dp_snapshot *old = dp->snap;

	/* Release: a worker that loads the new pointer sees it fully built. */
	__atomic_store_n(&dp->snap, snap, __ATOMIC_RELEASE);
	/* Every online worker passes a quiescent state after this point, i.e.
	 * finishes the loop iteration that may still use old. Wait by sleeping,
	 * not spinning (rte_rcu_qsbr_synchronize spins): this thread may share
	 * a CPU with a worker, which must run to report. */
	if (dp->qsv != NULL) {
		uint64_t token = rte_rcu_qsbr_start(dp->qsv);

		while (rte_rcu_qsbr_check(dp->qsv, token, false) != 1)
			usleep(20);
	}
	dp_snapshot_retire(dp, old, snap);
}

void dp_workers_call(struct dataplane *dp, dp_worker_fn fn, void *arg)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *dw = dp->workers[i];
		unsigned waited_us = 0;
		uint64_t seq;

		if (!dp->running) {
			fn(dw, arg); /* the loops have returned: nobody else touches it */
			continue;
		}
		dw->call_fn = fn;
		dw->call_arg = arg;
		seq = dw->done_seq + 1;
		/* Release: the worker that sees seq also sees fn and arg. */
		__atomic_store_n(&dw->call_seq, seq, __ATOMIC_RELEASE);
		while (__atomic_load_n(&dw->done_seq, __ATOMIC_ACQUIRE) != seq) {
			if (!dp->running) {
				/* The loop returned before it saw the call. */
				fn(dw, arg);
				__atomic_store_n(&dw->done_seq, seq, __ATOMIC_RELEASE);
				break;
			}
			if (waited_us > CONTROL_CALL_TIMEOUT_MS * 1000u) {
				fprintf(stderr, "natgw: worker %u did not answer a control call\n", i);
				break;
			}
			usleep(100);
			waited_us += 100;
		}
	}
}

/* A static neighbour change for the workers: the new config's entries, and
 * the old config's entries it no longer has. */
struct control_neigh_arg {
	const struct natgw_config *cfg;
	const struct natgw_config *old;
};

/* Is (addr, port) a static neighbour of cfg? */
static bool control_neigh_in(const struct natgw_config *cfg, uint32_t addr, uint16_t port)
{
	for (unsigned j = 0; j < cfg->n_neighbours; j++)
		if (cfg->neighbours[j].addr == addr && cfg->neighbours[j].port == port)
			return true;
	return false;
}

/* Worker side: remove the static neighbours that went, (re)install the rest. */
static void control_neigh_apply(struct dp_worker *dw, void *arg)
{
	const struct control_neigh_arg *a = arg;

	for (unsigned n = 0; n < a->old->n_neighbours; n++) {
		const struct natgw_neighbour_config *nc = &a->old->neighbours[n];

		if (!control_neigh_in(a->cfg, nc->addr, nc->port))
			neigh_static_del(dw->core.neigh, nc->port, nc->addr);
	}
	for (unsigned n = 0; n < a->cfg->n_neighbours; n++) {
		const struct natgw_neighbour_config *nc = &a->cfg->neighbours[n];
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, nc->mac, 6);
		neigh_static_add(dw->core.neigh, nc->port, nc->addr, &mac);
	}
}

/* Monotonic microseconds. */
static uint64_t control_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int dp_config_apply(struct dataplane *dp, struct natgw_config *ncfg, char *msg, size_t len)
{
	char summary[512], err[NATGW_ERR_MAX];
	struct control_neigh_arg na = { .cfg = ncfg, .old = dp->cfg };
	struct natgw_config *old = (struct natgw_config *)(uintptr_t)dp->cfg;
	struct dp_snapshot *snap = NULL;
	uint64_t t0, t1, t2, t3;
	int rc;

	rc = config_live_diff(old, ncfg, summary, sizeof(summary), err, sizeof(err));
	if (rc != 0) {
		snprintf(msg, len, "%s", err);
		return rc;
	}
	t0 = control_now_us();
	rc = dp_snapshot_build(dp, ncfg, &snap, err, sizeof(err));
	if (rc != 0) {
		snprintf(msg, len, "%s", err);
		return rc;
	}
	t1 = control_now_us();
	dp_workers_call(dp, control_neigh_apply, &na);
	t2 = control_now_us();
	dp_snapshot_publish(dp, snap);
	t3 = control_now_us();
	dp->cfg = ncfg;
	config_free(old);
	free(old);
	/* The swap itself is one pointer store; t3 - t2 is the store, the RCU
	 * grace period (every worker past a quiescent state) and the retirement
	 * of the old snapshot. */
	snprintf(msg, len, "%s (snapshot built in %.3f ms, swapped and the old one retired in %.3f ms)",
		 summary, (double)(t1 - t0) / 1e3, (double)(t3 - t2) / 1e3);
	return 0;
}

int dp_config_reload(struct dataplane *dp, const char *path, char *msg, size_t len)
{
	struct natgw_config *ncfg = malloc(sizeof(*ncfg));
	char err[NATGW_ERR_MAX];
	int rc;

	if (ncfg == NULL) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	if (path == NULL)
		path = dp->config_path;
	config_init(ncfg);
	rc = path != NULL ? config_load_ini(path, ncfg, err, sizeof(err))
			  : config_load_default(ncfg, err, sizeof(err));
	if (rc != 0) {
		snprintf(msg, len, "%s", err);
		free(ncfg);
		return rc;
	}
	pthread_mutex_lock(&dp->cfg_lock);
	rc = dp_config_apply(dp, ncfg, msg, len);
	pthread_mutex_unlock(&dp->cfg_lock);
	if (rc != 0) {
		config_free(ncfg);
		free(ncfg);
	}
	return rc;
}
