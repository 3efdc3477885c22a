/* The daemon side of the management plane: natgw's implementation of
 * struct mgmt_ops (include/natgw/mgmt_ops.h) and the server's start/stop.
 *
 * Overview: the management server (src/control/mgmt_server.c, its own thread)
 * calls these operations; they never touch a worker's state directly.
 *  - Configuration: edits run on a deep copy of dp->cfg under cfg_lock; the
 *    copy is written out as INI and loaded back (the loader's validation and
 *    messages, and config_finalize's connected routes), then dp_config_apply
 *    compiles and publishes it with RCU (control.c). Reads hold cfg_lock.
 *  - Sessions, neighbours, counter resets: dp_workers_call runs a function in
 *    each worker's own loop, between bursts (sessions are per worker).
 *  - Counters: copies of the workers' counters (racy 64-bit reads).
 *  - Filter hit counters: summed from the current snapshot under cfg_lock
 *    (no snapshot is freed while the lock is held).
 *  - Events: while a client subscribes, each worker's NAT state has an
 *    observer that copies session events into the worker's single-producer
 *    ring (full: counted as lost); events_poll drains the rings and the
 *    control thread's own queue (reloads).
 * Life-cycle: dp_mgmt_start after the workers exist, dp_mgmt_stop before
 * they are destroyed. Who: the management thread (ops), workers (observer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane.h"
#include "natgw/filter.h"
#include "natgw/mgmt.h"
#include "natgw/mgmt_ops.h"
#include "natgw/nat.h"
#include "natgw/neigh.h"

#define MGMT_EV_RING_SIZE 4096
#define MGMT_CTL_EV_MAX 64

/* Events the control thread itself produces (reloads). */
struct mgmt_ctl_events {
	pthread_mutex_t lock;
	struct mgmt_event ev[MGMT_CTL_EV_MAX];
	unsigned n;
};

static struct mgmt_ctl_events ctl_events = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct rte_ring *ev_ring[DP_MAX_WORKERS];
static volatile bool events_on;

/* ---- configuration ---- */

/* Do a and b differ in their routes only (same everything else, same table
 * names and bindings)? Compared with the route lists left out, so it costs
 * nothing per route. */
static bool mgmt_only_routes_differ(const struct natgw_config *a, const struct natgw_config *b)
{
	static struct natgw_config x, y; /* large: not on the stack; server thread only */
	bool same;

	if (a->n_tables != b->n_tables)
		return false;
	x = *a;
	y = *b;
	for (unsigned t = 0; t < x.n_tables; t++) {
		x.tables[t].routes = y.tables[t].routes = NULL;
		x.tables[t].n_routes = y.tables[t].n_routes = 0;
	}
	same = config_equal(&x, &y);
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	return same;
}

/* Format a host-order address. */
static const char *mgmt_ntoa(uint32_t a, char *b)
{
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return b;
}

/* The routes of cfg that old does not have (by prefix/len and target) must
 * obey the loader's rules for routes (docs/CONFIG.md, [table NAME]): an
 * existing egress port; a gateway inside that port's subnet, not its own
 * address nor (up to /30) the subnet's network or broadcast address. Host
 * bits and duplicates are refused by config_route_add. 0 or -EINVAL. */
static int mgmt_routes_check(const struct natgw_config *cfg, char *msg, size_t len)
{
	char b1[16];

	for (unsigned t = 0; t < cfg->n_tables; t++)
		for (unsigned i = 0; i < cfg->tables[t].n_routes; i++) {
			const struct natgw_route *r = &cfg->tables[t].routes[i];

			if (r->type == NATGW_ROUTE_BLACKHOLE || r->connected)
				continue;
			if (r->port >= cfg->n_ports) {
				snprintf(msg, len, "route %s/%u in table %s: no port %u",
					 mgmt_ntoa(r->prefix, b1), r->len, cfg->tables[t].name, r->port);
				return -EINVAL;
			}
			if (r->type == NATGW_ROUTE_GATEWAY &&
			    config_gateway_check(&cfg->ports[r->port], r->gateway, msg, len) != 0)
				return -EINVAL;
		}
	return 0;
}

/* cfg as INI text without any route (the tables and their bindings stay). */
static char *mgmt_dump_without_routes(struct natgw_config *cfg)
{
	struct natgw_route *routes[NATGW_MAX_TABLES];
	unsigned n[NATGW_MAX_TABLES];
	char *text;

	for (unsigned t = 0; t < cfg->n_tables; t++) {
		routes[t] = cfg->tables[t].routes;
		n[t] = cfg->tables[t].n_routes;
		cfg->tables[t].routes = NULL;
		cfg->tables[t].n_routes = 0;
	}
	text = config_dump_ini(cfg);
	for (unsigned t = 0; t < cfg->n_tables; t++) {
		cfg->tables[t].routes = routes[t];
		cfg->tables[t].n_routes = n[t];
	}
	return text;
}

/* Move src's route arrays into the tables of dst with the same names
 * (replacing the connected routes the loader gave dst: src has them too). */
static int mgmt_routes_move(struct natgw_config *dst, struct natgw_config *src, char *msg,
			    size_t len)
{
	if (dst->n_tables != src->n_tables) {
		snprintf(msg, len, "the edited configuration has %u route tables, its text %u",
			 src->n_tables, dst->n_tables);
		return -EINVAL;
	}
	for (unsigned t = 0; t < dst->n_tables; t++) {
		int s = config_table_find(src, dst->tables[t].name);

		if (s < 0) {
			snprintf(msg, len, "route table %s: not in the edited configuration",
				 dst->tables[t].name);
			return -EINVAL;
		}
		free(dst->tables[t].routes);
		dst->tables[t].routes = src->tables[s].routes;
		dst->tables[t].n_routes = src->tables[s].n_routes;
		dst->tables[t].cap = src->tables[s].cap;
		src->tables[s].routes = NULL;
		src->tables[s].n_routes = src->tables[s].cap = 0;
	}
	return 0;
}

/* mgmt_ops.config_change: edit a copy, validate it as a file, apply it. */
static int mgmt_config_change(void *ctx, mgmt_edit_fn fn, void *arg, char *msg, size_t len)
{
	struct dataplane *dp = ctx;
	struct natgw_config *copy = calloc(1, sizeof(*copy)), *ncfg = calloc(1, sizeof(*ncfg));
	char err[NATGW_ERR_MAX];
	char *text = NULL;
	int rc;

	if (copy == NULL || ncfg == NULL) {
		rc = -ENOMEM;
		snprintf(msg, len, "out of memory");
		goto err_alloc;
	}
	pthread_mutex_lock(&dp->cfg_lock);
	rc = config_copy(copy, dp->cfg);
	if (rc != 0) {
		snprintf(msg, len, "cannot copy the running configuration: %s", strerror(-rc));
		goto err_locked;
	}
	msg[0] = '\0';
	rc = fn(copy, arg, msg, len);
	if (rc != 0)
		goto err_locked;
	/* Route changes (the frequent, possibly huge ones) are checked route by
	 * route; anything else is validated as a whole file. */
	if (mgmt_only_routes_differ(dp->cfg, copy)) {
		rc = mgmt_routes_check(copy, msg, len);
		if (rc != 0)
			goto err_locked;
		rc = dp_config_apply(dp, copy, msg, len);
		if (rc != 0)
			goto err_locked;
		copy = NULL; /* dp->cfg now */
		goto err_locked;
	}
	/* Validate and normalise everything but the routes exactly as loading
	 * it from a file does (the routes are left out of the text: a table of
	 * a million routes is no INI file), then give the tables their routes
	 * back and check those route by route. */
	text = mgmt_dump_without_routes(copy);
	if (text == NULL) {
		rc = -ENOMEM;
		snprintf(msg, len, "out of memory");
		goto err_locked;
	}
	rc = config_load_ini_text("<running config>", text, strlen(text), ncfg, err, sizeof(err));
	if (rc != 0) {
		snprintf(msg, len, "%s", err);
		goto err_locked;
	}
	rc = mgmt_routes_move(ncfg, copy, msg, len);
	if (rc == 0)
		rc = mgmt_routes_check(ncfg, msg, len);
	if (rc != 0) {
		config_free(ncfg);
		goto err_locked;
	}
	rc = dp_config_apply(dp, ncfg, msg, len);
	if (rc != 0) {
		config_free(ncfg);
		goto err_locked;
	}
	ncfg = NULL; /* dp->cfg now */
err_locked:
	pthread_mutex_unlock(&dp->cfg_lock);
	free(text);
	if (copy != NULL)
		config_free(copy);
err_alloc:
	free(copy);
	free(ncfg);
	return rc;
}

/* mgmt_ops.config_read */
static int mgmt_config_read(void *ctx, mgmt_read_fn fn, void *arg)
{
	struct dataplane *dp = ctx;
	int rc;

	pthread_mutex_lock(&dp->cfg_lock);
	rc = fn(dp->cfg, arg);
	pthread_mutex_unlock(&dp->cfg_lock);
	return rc;
}

/* Queue a control-thread event (reloads) for subscribers. */
static void mgmt_ctl_event(uint8_t kind, const char *text)
{
	if (!events_on)
		return;
	pthread_mutex_lock(&ctl_events.lock);
	if (ctl_events.n < MGMT_CTL_EV_MAX) {
		struct mgmt_event *e = &ctl_events.ev[ctl_events.n++];

		memset(e, 0, sizeof(*e));
		e->kind = kind;
		snprintf(e->text, sizeof(e->text), "%s", text);
	}
	pthread_mutex_unlock(&ctl_events.lock);
}

/* mgmt_ops.config_reload */
static int mgmt_config_reload(void *ctx, const char *path, char *msg, size_t len)
{
	int rc = dp_config_reload(ctx, path, msg, len);

	if (rc == 0)
		mgmt_ctl_event(MGMT_EV_CONFIG_CHANGED, msg);
	return rc;
}

void dp_mgmt_reloaded(const char *summary)
{
	mgmt_ctl_event(MGMT_EV_CONFIG_CHANGED, summary);
}

/* ---- counters, ports, neighbours ---- */

static unsigned mgmt_n_workers(void *ctx)
{
	return ((struct dataplane *)ctx)->n_workers;
}

/* mgmt_ops.counters_read: a copy of worker w's counters. */
static void mgmt_counters_read(void *ctx, unsigned w, struct worker_counters *out)
{
	struct dataplane *dp = ctx;

	if (w < dp->n_workers)
		memcpy(out, &dp->workers[w]->core.ctr, sizeof(*out));
	else
		memset(out, 0, sizeof(*out));
}

/* Worker side of counters_reset. */
static void mgmt_reset_worker(struct dp_worker *dw, void *arg)
{
	(void)arg;
	memset(&dw->core.ctr, 0, sizeof(dw->core.ctr));
}

static void mgmt_counters_reset(void *ctx)
{
	struct dataplane *dp = ctx;

	dp_workers_call(dp, mgmt_reset_worker, NULL);
	for (unsigned p = 0; p < dp->n_ports; p++)
		rte_eth_stats_reset(dp->ports[p].ethdev);
}

/* mgmt_ops.port_status */
static int mgmt_port_status(void *ctx, unsigned port, struct mgmt_port_status *out)
{
	struct dataplane *dp = ctx;
	const struct dp_port_state *ps;
	struct rte_eth_link link;
	struct rte_ether_addr mac;

	if (port >= dp->n_ports)
		return -ENODEV;
	ps = &dp->ports[port];
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&dp->cfg_lock);
	snprintf(out->name, sizeof(out->name), "%s", dp->cfg->ports[port].name);
	pthread_mutex_unlock(&dp->cfg_lock);
	snprintf(out->driver, sizeof(out->driver), "%s", ps->driver);
	if (rte_eth_macaddr_get(ps->ethdev, &mac) == 0)
		memcpy(out->mac, mac.addr_bytes, 6);
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(ps->ethdev, &link) == 0) {
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
		out->speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	out->n_rxq = ps->n_rxq;
	out->n_txq = ps->n_txq;
	out->rss = ps->rss;
	out->rss_view = ps->rss_view != NULL;
	snprintf(out->rss_note, sizeof(out->rss_note), "%s",
		 ps->rss ? ps->rss_note
			 : ps->n_rxq > 1 ? "not offered by the PMD: software steering" : "off (1 queue)");
	out->rx_csum = ps->rx_csum;
	out->tx_ip_csum = ps->tx_ip_csum;
	out->tx_l4_csum = ps->tx_l4_csum;
	return 0;
}

/* Neighbours collected from every worker's table (merged by port and address). */
struct mgmt_neigh_walk {
	struct mgmt_neigh *out;
	size_t max, n;
	uint64_t now, hz;
	unsigned worker;
};

/* neigh_foreach visitor: add an entry unless another worker listed it. */
static void mgmt_neigh_visit(void *arg, unsigned port, uint32_t ip,
			     const struct rte_ether_addr *mac, uint8_t state, uint64_t updated)
{
	struct mgmt_neigh_walk *nw = arg;
	size_t lim = nw->n < nw->max ? nw->n : nw->max;

	for (size_t i = 0; i < lim; i++)
		if (nw->out[i].addr == ip && nw->out[i].port == port)
			return;
	if (nw->n < nw->max) {
		struct mgmt_neigh *e = &nw->out[nw->n];

		e->addr = ip;
		memcpy(e->mac, mac->addr_bytes, 6);
		e->port = (uint16_t)port;
		e->state = state;
		/* static entries have no age */
		e->age = state != 2 && nw->hz && nw->now > updated ?
				 (uint32_t)((nw->now - updated) / nw->hz) : 0;
	}
	nw->n++;
}

/* Worker side of neigh_list. */
static void mgmt_neigh_worker(struct dp_worker *dw, void *arg)
{
	struct mgmt_neigh_walk *nw = arg;

	nw->now = dw->core.now;
	nw->hz = dw->core.hz;
	neigh_foreach(dw->core.neigh, mgmt_neigh_visit, nw);
}

static size_t mgmt_neigh_list(void *ctx, struct mgmt_neigh *out, size_t max)
{
	struct mgmt_neigh_walk nw = { .out = out, .max = max };

	dp_workers_call(ctx, mgmt_neigh_worker, &nw);
	return nw.n;
}

/* ---- sessions ---- */

struct mgmt_sess_walk {
	const struct mgmt_session_filter *f;
	bool flush;
	struct mgmt_session *out;
	size_t max;
	uint64_t matched;
	struct dp_worker *dw;
	uint32_t now;
	const struct nat_rt *rt;
};

/* Does one tuple (network order) match the filter (host order)? */
static bool mgmt_tuple_match(const struct mgmt_session_filter *f, const struct nat_key *k)
{
	uint32_t s = rte_be_to_cpu_32(k->saddr), d = rte_be_to_cpu_32(k->daddr);

	return (f->src_mask == 0 || (s & f->src_mask) == (f->src & f->src_mask)) &&
	       (f->dst_mask == 0 || (d & f->dst_mask) == (f->dst & f->dst_mask)) &&
	       (f->sport == 0 || rte_be_to_cpu_16(k->sport) == f->sport) &&
	       (f->dport == 0 || rte_be_to_cpu_16(k->dport) == f->dport);
}

/* A session as the management plane shows it. */
static void mgmt_session_fill(struct mgmt_session *o, const struct nat_session *s, uint32_t now,
			      const struct nat_rt *rt, unsigned worker)
{
	o->proto = s->orig.proto;
	o->orig_src = rte_be_to_cpu_32(s->orig.saddr);
	o->orig_dst = rte_be_to_cpu_32(s->orig.daddr);
	o->orig_sport = rte_be_to_cpu_16(s->orig.sport);
	o->orig_dport = rte_be_to_cpu_16(s->orig.dport);
	o->reply_src = rte_be_to_cpu_32(s->reply.saddr);
	o->reply_dst = rte_be_to_cpu_32(s->reply.daddr);
	o->reply_sport = rte_be_to_cpu_16(s->reply.sport);
	o->reply_dport = rte_be_to_cpu_16(s->reply.dport);
	o->flags = s->flags;
	o->tcp_state = s->tcp_state;
	o->idle = (int32_t)(now - s->last_seen) > 0 ? now - s->last_seen : 0;
	o->timeout = rt != NULL && s->tclass < NAT_TC_MAX ? rt->timeout[s->tclass] : 0;
	o->worker = (uint16_t)worker;
}

/* nat_session_foreach visitor: match, copy, maybe delete. */
static void mgmt_sess_visit(const struct nat_session *s, void *arg)
{
	struct mgmt_sess_walk *sw = arg;
	const struct mgmt_session_filter *f = sw->f;

	if (f->proto != 0 && s->orig.proto != f->proto)
		return;
	if (!mgmt_tuple_match(f, &s->orig) && !mgmt_tuple_match(f, &s->reply))
		return;
	if (sw->out != NULL && sw->matched < sw->max)
		mgmt_session_fill(&sw->out[sw->matched], s, sw->now, sw->rt, sw->dw->core.id);
	sw->matched++;
	if (sw->flush) {
		/* Safe inside the walk: the next session was read before this call
		 * and deleting never moves other sessions. */
		nat_session_delete(sw->dw->core.nat, (struct nat_session *)(uintptr_t)s, sw->now);
		sw->dw->core.ctr.nat[NAT_CTR_SESSIONS_FLUSHED]++;
	}
}

/* Worker side of sessions_query. */
static void mgmt_sess_worker(struct dp_worker *dw, void *arg)
{
	struct mgmt_sess_walk *sw = arg;

	if (dw->core.nat == NULL || (sw->f->worker >= 0 && (unsigned)sw->f->worker != dw->core.id))
		return;
	sw->dw = dw;
	sw->now = nat_now(&dw->core);
	sw->rt = dw->core.snap != NULL ? dw->core.snap->nat : NULL;
	nat_session_foreach(dw->core.nat, mgmt_sess_visit, sw);
}

static uint64_t mgmt_sessions_query(void *ctx, const struct mgmt_session_filter *f, bool flush,
				    struct mgmt_session *out, size_t max)
{
	struct mgmt_sess_walk sw = { .f = f, .flush = flush, .out = out, .max = max };

	dp_workers_call(ctx, mgmt_sess_worker, &sw);
	return sw.matched;
}

/* ---- filter hit counters ---- */

static size_t mgmt_filter_hits(void *ctx, unsigned port, enum natgw_filter_dir dir,
			       struct mgmt_rule_hits *out, size_t max)
{
	struct dataplane *dp = ctx;
	const struct dp_snapshot *s;
	const struct filter_ctx *fc;
	size_t n = 0;

	if (port >= NATGW_MAX_PORTS || (dir != NATGW_DIR_INGRESS && dir != NATGW_DIR_EGRESS))
		return 0;
	pthread_mutex_lock(&dp->cfg_lock);
	s = dp->snap;
	fc = s != NULL && s->fctr != NULL ? s->filter[port][dir] : NULL;
	if (fc == NULL || port >= dp->cfg->n_ports)
		goto out;
	for (uint32_t i = 0; i < filter_nacl_rule_count(fc); i++, n++) {
		int r = filter_nacl_slot_rule(fc, i);
		uint64_t hits = 0;

		for (unsigned w = 0; w < s->n_workers; w++) {
			const struct filter_counters *c =
				&s->fctr[((size_t)w * NATGW_MAX_PORTS + port) * 2 + dir];

			hits += i < c->n_nacl ? c->nacl_hits[i] : 0;
		}
		if (n < max && r >= 0)
			out[n] = (struct mgmt_rule_hits){ .kind = 0, .hits = hits,
				.nacl_number = dp->cfg->nacls[dp->cfg->ports[port].nacl].rules[r].number };
	}
	for (uint32_t i = 0; i < filter_sg_rule_count(fc); i++, n++) {
		unsigned g = 0, r = 0;
		uint64_t hits = 0;

		for (unsigned w = 0; w < s->n_workers; w++) {
			const struct filter_counters *c =
				&s->fctr[((size_t)w * NATGW_MAX_PORTS + port) * 2 + dir];

			hits += i < c->n_sg ? c->sg_hits[i] : 0;
		}
		if (n < max && filter_sg_slot_rule(fc, i, &g, &r) == 0)
			out[n] = (struct mgmt_rule_hits){ .kind = 1, .sg = (uint16_t)g, .sg_rule = r,
							  .hits = hits };
	}
out:
	pthread_mutex_unlock(&dp->cfg_lock);
	return n;
}

/* ---- events ---- */

/* Observer (runs in the worker): one event into the worker's ring. */
static void mgmt_observer(void *arg, enum nat_event ev, const struct nat_session *s,
			  const struct nat_key *k)
{
	struct dp_worker *dw = arg;
	struct rte_ring *r = ev_ring[dw->core.id];
	struct mgmt_event e;

	if (r == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.worker = (uint16_t)dw->core.id;
	if (ev == NAT_EV_EXHAUSTED) {
		e.kind = MGMT_EV_PORTS_EXHAUSTED;
		e.session.proto = k->proto;
		e.session.orig_src = rte_be_to_cpu_32(k->saddr);
		e.session.orig_sport = rte_be_to_cpu_16(k->sport);
		e.session.orig_dst = rte_be_to_cpu_32(k->daddr);
		e.session.orig_dport = rte_be_to_cpu_16(k->dport);
	} else {
		e.kind = ev == NAT_EV_CREATED ? MGMT_EV_SESSION_CREATED : MGMT_EV_SESSION_CLOSED;
		mgmt_session_fill(&e.session, s, nat_now(&dw->core),
				  dw->core.snap != NULL ? dw->core.snap->nat : NULL, dw->core.id);
	}
	if (rte_ring_sp_enqueue_elem(r, &e, sizeof(e)) != 0)
		dw->events_lost++;
}

/* Worker side of events_enable. */
static void mgmt_observe_worker(struct dp_worker *dw, void *arg)
{
	bool on = arg != NULL;

	if (dw->core.nat != NULL)
		nat_worker_observe(dw->core.nat, on ? mgmt_observer : NULL, on ? dw : NULL);
}

static void mgmt_events_enable(void *ctx, bool on)
{
	events_on = on;
	dp_workers_call(ctx, mgmt_observe_worker, on ? (void *)1 : NULL);
}

static size_t mgmt_events_poll(void *ctx, struct mgmt_event *out, size_t max)
{
	struct dataplane *dp = ctx;
	size_t n = 0;

	pthread_mutex_lock(&ctl_events.lock);
	while (ctl_events.n > 0 && n < max) {
		out[n++] = ctl_events.ev[0];
		memmove(&ctl_events.ev[0], &ctl_events.ev[1],
			(ctl_events.n - 1) * sizeof(ctl_events.ev[0]));
		ctl_events.n--;
	}
	pthread_mutex_unlock(&ctl_events.lock);
	for (unsigned w = 0; w < dp->n_workers && n < max; w++)
		if (ev_ring[w] != NULL)
			n += rte_ring_sc_dequeue_burst_elem(ev_ring[w], out + n, sizeof(*out),
							   (unsigned)(max - n), NULL);
	return n;
}

/* ---- start / stop ---- */

static struct mgmt_ops mgmt_daemon_ops = {
	.config_change = mgmt_config_change,
	.config_read = mgmt_config_read,
	.config_reload = mgmt_config_reload,
	.n_workers = mgmt_n_workers,
	.counters_read = mgmt_counters_read,
	.counters_reset = mgmt_counters_reset,
	.port_status = mgmt_port_status,
	.neigh_list = mgmt_neigh_list,
	.sessions_query = mgmt_sessions_query,
	.filter_hits = mgmt_filter_hits,
	.events_enable = mgmt_events_enable,
	.events_poll = mgmt_events_poll,
};

int dp_mgmt_start(struct dataplane *dp, struct mgmt_server **out, char *msg, size_t len)
{
	const struct natgw_config *cfg = dp->cfg;

	_Static_assert(sizeof(struct mgmt_event) % 4 == 0, "rte_ring elements are 4-byte multiples");
	for (unsigned w = 0; w < dp->n_workers; w++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "mgmt_ev%u", w);
		ev_ring[w] = rte_ring_create_elem(name, sizeof(struct mgmt_event), MGMT_EV_RING_SIZE,
						  SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ev_ring[w] == NULL) {
			snprintf(msg, len, "cannot create the event ring of worker %u", w);
			return -ENOMEM;
		}
	}
	mgmt_daemon_ops.ctx = dp;
	if (cfg->global.socket_path[0] == '\0') {
		*out = NULL;
		return 0; /* no management socket configured */
	}
	return mgmt_server_start(cfg->global.socket_path, cfg->global.socket_group,
				 &mgmt_daemon_ops, out, msg, len);
}

void dp_mgmt_stop(struct mgmt_server *srv)
{
	mgmt_server_stop(srv);
	for (unsigned w = 0; w < DP_MAX_WORKERS; w++) {
		rte_ring_free(ev_ring[w]);
		ev_ring[w] = NULL;
	}
}
