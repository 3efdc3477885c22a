/* Management commands: counters (COUNTERS_GET, COUNTERS_RESET).
 *
 * COUNTERS_GET reads every worker's counters with ops->counters_read (one copy
 * per worker, racy but 64-bit loads, as the stats printer does) and sends them
 * in groups, one message per (worker or sum, group): "drop" (per reason),
 * "gen" (generated packets), "nat", "worker" (neighbour and loop counters) and
 * "port NAME" (per port). The last message carries the management server's
 * own counters. All data is gathered when the request arrives (the dump state
 * holds the copies), so the groups of one reply are consistent with each
 * other as far as racy reads allow. Server thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

struct ctr_dump {
	unsigned n_workers;
	unsigned first, last;       /* workers to report (per worker) */
	bool per_worker;
	struct worker_counters *wc; /* n_workers copies */
	struct worker_counters sum;
	unsigned n_ports;
	char port_names[NATGW_MAX_PORTS][NATGW_NAME_MAX];
};

enum { CTR_G_DROP, CTR_G_GEN, CTR_G_NAT, CTR_G_WORKER, CTR_G_PORT0 };

/* config_read callback: copy the port names. */
static int ctr_ports_cb(const struct natgw_config *cfg, void *arg)
{
	struct ctr_dump *cd = arg;

	cd->n_ports = cfg->n_ports < NATGW_MAX_PORTS ? cfg->n_ports : NATGW_MAX_PORTS;
	for (unsigned i = 0; i < cd->n_ports; i++)
		snprintf(cd->port_names[i], NATGW_NAME_MAX, "%s", cfg->ports[i].name);
	return 0;
}

/* Release: free the counter copies. */
static void ctr_release(struct mgmt_dump *d)
{
	struct ctr_dump *cd = d->priv;

	free(cd->wc);
}

/* Put one COUNTER entry. */
static int ctr_put(struct nl_msg *m, const char *name, uint64_t v)
{
	struct nlattr *n = nla_nest_start(m, MGMT_CTRS_A_COUNTER);

	if (n == NULL || nla_put_string(m, MGMT_CTR_A_NAME, name) < 0 ||
	    nla_put_u64(m, MGMT_CTR_A_VALUE, v) < 0)
		return -NLE_NOMEM;
	nla_nest_end(m, n);
	return 0;
}

/* Build the message of group g for counters c (worker w, or -1 for the sum). */
static struct nl_msg *ctr_group_msg(struct mgmt_dump *d, const struct ctr_dump *cd,
				    const struct worker_counters *c, int w, unsigned g)
{
	struct nl_msg *m = mgmt_dump_msg(d);
	char name[NATGW_NAME_MAX + 8];
	struct nlattr *n;
	int rc = 0;

	if (m == NULL)
		return NULL;
	if (w >= 0 && nla_put_u32(m, MGMT_A_WORKER, (uint32_t)w) < 0)
		goto err_put;
	if (g >= CTR_G_PORT0)
		snprintf(name, sizeof(name), "port %s", cd->port_names[g - CTR_G_PORT0]);
	else
		snprintf(name, sizeof(name), "%s",
			 g == CTR_G_DROP ? "drop" : g == CTR_G_GEN ? "gen" : g == CTR_G_NAT ? "nat" : "worker");
	if (nla_put_string(m, MGMT_A_NAME, name) < 0 ||
	    (n = nla_nest_start(m, MGMT_A_COUNTERS)) == NULL)
		goto err_put;
	switch (g) {
	case CTR_G_DROP:
		for (unsigned r = 1; r < DROP_MAX; r++)
			rc |= ctr_put(m, drop_reason_name((enum drop_reason)r), c->drop[r]);
		break;
	case CTR_G_GEN:
		for (unsigned k = 0; k < GEN_MAX; k++)
			rc |= ctr_put(m, gen_kind_name((enum gen_kind)k), c->gen[k]);
		break;
	case CTR_G_NAT:
		for (unsigned k = 0; k < NAT_CTR_MAX; k++)
			rc |= ctr_put(m, nat_counter_name((enum nat_counter)k), c->nat[k]);
		break;
	case CTR_G_WORKER:
		rc |= ctr_put(m, "neigh_learnt", c->neigh_learnt);
		rc |= ctr_put(m, "neigh_queued", c->neigh_queued);
		rc |= ctr_put(m, "loops", c->loops);
		rc |= ctr_put(m, "busy_loops", c->busy_loops);
		rc |= ctr_put(m, "handed_off", c->handed_off);
		rc |= ctr_put(m, "handed_in", c->handed_in);
		break;
	default: {
		const struct port_counters *p = &c->port[g - CTR_G_PORT0];

		rc |= ctr_put(m, "rx_packets", p->rx_packets);
		rc |= ctr_put(m, "rx_bytes", p->rx_bytes);
		rc |= ctr_put(m, "tx_packets", p->tx_packets);
		rc |= ctr_put(m, "tx_bytes", p->tx_bytes);
		rc |= ctr_put(m, "forwarded", p->forwarded);
		rc |= ctr_put(m, "fragments_out", p->fragments_out);
		break;
	}
	}
	if (rc != 0)
		goto err_put;
	nla_nest_end(m, n);
	return m;
err_put:
	nlmsg_free(m);
	return NULL;
}

/* Build the closing message: server counters and the number of workers. */
static struct nl_msg *ctr_server_msg(struct mgmt_dump *d, const struct ctr_dump *cd)
{
	struct mgmt_server_stats st;
	struct nl_msg *m = mgmt_dump_msg(d);
	struct nlattr *n;
	int rc = 0;

	if (m == NULL)
		return NULL;
	mgmt_server_stats_get(d->srv, &st);
	rc |= nla_put_u32(m, MGMT_A_N_WORKERS, cd->n_workers);
	n = nla_nest_start(m, MGMT_A_SERVER);
	if (n == NULL)
		goto err_put;
	rc |= nla_put_u32(m, MGMT_SRV_A_CLIENTS, st.clients);
	rc |= nla_put_u64(m, MGMT_SRV_A_ACCEPTED, st.accepted);
	rc |= nla_put_u64(m, MGMT_SRV_A_REFUSED, st.refused);
	rc |= nla_put_u64(m, MGMT_SRV_A_REQUESTS, st.requests);
	rc |= nla_put_u64(m, MGMT_SRV_A_ERRORS, st.errors);
	rc |= nla_put_u64(m, MGMT_SRV_A_EVENTS_DROPPED, st.events_dropped);
	if (rc != 0)
		goto err_put;
	nla_nest_end(m, n);
	return m;
err_put:
	nlmsg_free(m);
	return NULL;
}

/* Dump fill: pos[0] = worker slot (first..last, then the sum), pos[1] = group. */
static int ctr_fill(struct mgmt_dump *d)
{
	struct ctr_dump *cd = d->priv;
	unsigned n_groups = CTR_G_PORT0 + cd->n_ports;
	unsigned n_slots = cd->per_worker ? cd->last - cd->first : 0;

	for (; d->pos[0] <= n_slots; d->pos[0]++, d->pos[1] = 0) {
		bool sum = d->pos[0] == n_slots;
		int w = sum ? -1 : (int)(cd->first + d->pos[0]);
		const struct worker_counters *c = sum ? &cd->sum : &cd->wc[w];

		if (sum && cd->per_worker && cd->last - cd->first == 1 && cd->n_workers > 1)
			continue; /* one worker asked for: no sum */
		for (; d->pos[1] < n_groups; d->pos[1]++) {
			if (mgmt_dump_full(d))
				return 1;
			if (mgmt_dump_emit(d, ctr_group_msg(d, cd, c, w, (unsigned)d->pos[1])) < 0)
				return d->rc;
		}
	}
	return mgmt_dump_emit(d, ctr_server_msg(d, cd)) < 0 ? d->rc : 0;
}

/* Add every counter of b to a. */
static void ctr_add(struct worker_counters *a, const struct worker_counters *b)
{
	const uint64_t *src = (const uint64_t *)b;
	uint64_t *dst = (uint64_t *)a;

	_Static_assert(sizeof(struct worker_counters) % sizeof(uint64_t) == 0,
		       "worker_counters is made of uint64_t");
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

/* COUNTERS_GET: copy every worker's counters, then dump them. */
int mgmt_cmd_counters_get(struct mgmt_req *r)
{
	struct ctr_dump *cd;
	struct mgmt_dump *d;
	int rc;

	if (r->ops->counters_read == NULL || r->ops->n_workers == NULL || r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot report counters");
	d = mgmt_dump_start(r, ctr_fill, sizeof(struct ctr_dump));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	d->release = ctr_release;
	cd = d->priv;
	cd->n_workers = r->ops->n_workers(r->ops->ctx);
	cd->per_worker = r->msg->tb[MGMT_A_PER_WORKER] != NULL || r->msg->tb[MGMT_A_WORKER] != NULL;
	cd->first = 0;
	cd->last = cd->n_workers;
	if (r->msg->tb[MGMT_A_WORKER]) {
		uint32_t w = nla_get_u32(r->msg->tb[MGMT_A_WORKER]);

		if (w >= cd->n_workers)
			return mgmt_fail(r, -EINVAL, "no worker %u (natgw runs %u)", w, cd->n_workers);
		cd->first = w;
		cd->last = w + 1;
	}
	rc = r->ops->config_read(r->ops->ctx, ctr_ports_cb, cd);
	if (rc < 0)
		return mgmt_fail(r, rc, "cannot read the configuration: %s", strerror(-rc));
	cd->wc = calloc(cd->n_workers ? cd->n_workers : 1, sizeof(*cd->wc));
	if (cd->wc == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	for (unsigned w = 0; w < cd->n_workers; w++) {
		r->ops->counters_read(r->ops->ctx, w, &cd->wc[w]);
		if (w >= cd->first && w < cd->last)
			ctr_add(&cd->sum, &cd->wc[w]);
	}
	return 0;
}

/* COUNTERS_RESET. */
int mgmt_cmd_counters_reset(struct mgmt_req *r)
{
	if (r->ops->counters_reset == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot reset its counters");
	r->ops->counters_reset(r->ops->ctx);
	return 0;
}
