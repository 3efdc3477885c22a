/* Compile the configuration into the immutable dp_snapshot workers read.
 *
 * Built by the main thread before workers start, then by the control side
 * for every change (SIGHUP, the management plane): a new snapshot is
 * published with one pointer store and the old one retired after an RCU
 * grace period (control.c). Consecutive snapshots share what did not change:
 * a route table whose routes are the same, a port's compiled filters (and
 * their per-worker hit counters) whose inputs have the same fingerprint. A
 * changed table is made by updating in place the previous version of it that
 * a retired snapshot left as a spare (route_table_update), falling back to a
 * new FIB. Ownership: a part belongs to every snapshot that points to it;
 * retiring one frees only what its successor does not point to.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include <rte_byteorder.h>

#include "dataplane.h"
#include "natgw/filter.h"
#include "natgw/nat.h"
#include "natgw/route.h"

/* Compile [nat] into the packet path's form (network byte order). Without
 * [nat] (sessions only track flows for security groups) nothing is
 * translated: no pool, no inside prefixes, no NAT port; timeouts apply. */
static struct nat_rt *snapshot_nat_build(const struct natgw_nat_config *nc)
{
	struct nat_rt *rt = calloc(1, sizeof(*rt));

	if (rt == NULL)
		return NULL;
	rt->timeout[NAT_TC_UDP] = nc->timeout_udp;
	rt->timeout[NAT_TC_TCP_SYN] = nc->timeout_tcp_syn;
	rt->timeout[NAT_TC_TCP_EST] = nc->timeout_tcp_established;
	rt->timeout[NAT_TC_TCP_TRANS] = nc->timeout_tcp_transitory;
	rt->timeout[NAT_TC_ICMP] = nc->timeout_icmp;
	if (!nc->enabled) {
		rt->port = UINT8_MAX;
		return rt;
	}
	rt->port = (uint8_t)nc->port;
	for (unsigned i = 0; i < nc->n_pool; i++)
		rt->pool[i] = rte_cpu_to_be_32(nc->pool[i]);
	rt->n_pool = nc->n_pool;
	for (unsigned i = 0; i < nc->n_inside; i++) {
		uint32_t mask = nc->inside_len[i] ? ~0u << (32 - nc->inside_len[i]) : 0;

		rt->inside_mask[i] = rte_cpu_to_be_32(mask);
		rt->inside_net[i] = rte_cpu_to_be_32(nc->inside[i] & mask);
	}
	rt->n_inside = nc->n_inside;
	rt->port_min = nc->port_min;
	rt->port_max = nc->port_max;
	rt->mapping = nc->mapping;
	rt->max_sessions_per_host = nc->max_sessions_per_host;
	rt->port_reuse_delay = nc->port_reuse_delay;
	rt->icmp_on_exhaustion = nc->icmp_on_exhaustion;
	for (unsigned i = 0; i < nc->n_forwards; i++) {
		const struct natgw_port_forward *f = &nc->forwards[i];

		rt->forwards[i] = (struct nat_forward_rt){
			.public_addr = rte_cpu_to_be_32(f->public_addr),
			.inside_addr = rte_cpu_to_be_32(f->inside_addr),
			.public_port = rte_cpu_to_be_16(f->public_port),
			.inside_port = rte_cpu_to_be_16(f->inside_port),
			.proto = f->proto,
		};
	}
	rt->n_forwards = nc->n_forwards;
	return rt;
}

/* FNV-1a over len bytes, continuing from h. */
static uint64_t snapshot_fnv(uint64_t h, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Hash of one L4 match (field by field: no padding bytes). */
static uint64_t snapshot_fp_l4(uint64_t h, const struct natgw_l4_match *m)
{
	int32_t v[5] = { m->proto, m->port_lo, m->port_hi, m->icmp_type, m->icmp_code };

	return snapshot_fnv(h, v, sizeof(v));
}

/* Fingerprint of everything port p's compiled filters depend on: its NACL's
 * rules, its groups' rules and the prefix lists and member lists those rules
 * name. Equal fingerprints: the compiled filters can be reused. */
static uint64_t snapshot_filter_fp(const struct natgw_config *cfg, unsigned p)
{
	const struct natgw_port_config *pc = &cfg->ports[p];
	uint64_t h = 0xcbf29ce484222325ull;

	h = snapshot_fnv(h, &pc->security_groups, sizeof(pc->security_groups));
	h = snapshot_fnv(h, &pc->nacl, sizeof(pc->nacl));
	if (pc->nacl >= 0 && (unsigned)pc->nacl < cfg->n_nacls) {
		const struct natgw_nacl *n = &cfg->nacls[pc->nacl];

		for (unsigned i = 0; i < n->n_rules; i++) {
			const struct natgw_nacl_rule *r = &n->rules[i];
			uint32_t v[7] = { r->number, r->dir, r->allow, r->cidr, r->cidr_len,
					  r->other_cidr, r->other_len };

			h = snapshot_fnv(h, v, sizeof(v));
			h = snapshot_fp_l4(h, &r->l4);
		}
	}
	for (unsigned g = 0; g < cfg->n_sgs && g < NATGW_MAX_SG; g++) {
		if (!(pc->security_groups & (UINT64_C(1) << g)))
			continue;
		for (unsigned i = 0; i < cfg->sgs[g].n_rules; i++) {
			const struct natgw_sg_rule *r = &cfg->sgs[g].rules[i];
			uint32_t v[6] = { g, r->dir, r->peer_kind, r->cidr, r->cidr_len, r->peer_ref };

			h = snapshot_fnv(h, v, sizeof(v));
			h = snapshot_fp_l4(h, &r->l4);
			if (r->peer_kind == NATGW_PEER_PREFIX_LIST && r->peer_ref < cfg->n_prefix_lists) {
				const struct natgw_prefix_list *pl = &cfg->prefix_lists[r->peer_ref];

				h = snapshot_fnv(h, pl->prefix, pl->n * sizeof(*pl->prefix));
				h = snapshot_fnv(h, pl->len, pl->n * sizeof(*pl->len));
			} else if (r->peer_kind == NATGW_PEER_SG && r->peer_ref < cfg->n_sgs) {
				const struct natgw_sg *m = &cfg->sgs[r->peer_ref];

				h = snapshot_fnv(h, m->members, m->n_members * sizeof(*m->members));
			}
		}
	}
	return h;
}

/* Compile every port's NACL and groups (both directions) and allocate each
 * worker's hit counters for them; a port whose filter inputs are unchanged
 * since the running snapshot `prev` shares its compiled filters and counters. */
static int snapshot_filters_build(struct dp_snapshot *s, const struct dp_snapshot *prev,
				  const struct natgw_config *cfg, unsigned n_workers, char *msg,
				  size_t len)
{
	static const char dir_name[2] = { 'i', 'e' };
	bool shared[NATGW_MAX_PORTS] = { false };
	int rc;

	s->n_workers = n_workers;
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct natgw_port_config *pc = &cfg->ports[p];

		if (pc->security_groups == 0 && pc->nacl < 0)
			continue;
		s->filtering = true;
		if (pc->security_groups != 0)
			s->sg_ports |= UINT32_C(1) << p;
		s->filter_fp[p] = snapshot_filter_fp(cfg, p);
		if (prev != NULL && prev->n_workers == n_workers && prev->fctr != NULL &&
		    prev->filter[p][0] != NULL && prev->filter_fp[p] == s->filter_fp[p]) {
			s->filter[p][0] = prev->filter[p][0];
			s->filter[p][1] = prev->filter[p][1];
			shared[p] = true;
			continue;
		}
		for (unsigned d = 0; d < 2; d++) {
			struct filter_ctx *ctx = NULL;
			char name[32];

			snprintf(name, sizeof(name), "f%" PRIu64 "_%u%c", s->generation, p, dir_name[d]);
			rc = filter_build(cfg, p, (enum natgw_filter_dir)d, name, &ctx);
			if (rc != 0) {
				snprintf(msg, len, "[port %s]: compiling its %s filter failed: %s",
					 pc->name, d == 0 ? "ingress" : "egress", strerror(-rc));
				return rc;
			}
			s->filter[p][d] = ctx;
		}
	}
	if (!s->filtering)
		return 0;
	s->fctr = calloc((size_t)n_workers * NATGW_MAX_PORTS * 2, sizeof(*s->fctr));
	if (s->fctr == NULL)
		goto err_nomem;
	for (unsigned w = 0; w < n_workers; w++)
		for (unsigned p = 0; p < cfg->n_ports; p++)
			for (unsigned d = 0; d < 2; d++) {
				size_t i = ((size_t)w * NATGW_MAX_PORTS + p) * 2 + d;

				if (s->filter[p][d] == NULL)
					continue;
				if (shared[p]) {
					s->fctr[i] = prev->fctr[i]; /* the same counters go on */
					continue;
				}
				if (filter_counters_init(&s->fctr[i], s->filter[p][d]) != 0)
					goto err_nomem;
			}
	return 0;

err_nomem:
	snprintf(msg, len, "no memory for filter hit counters");
	return -ENOMEM;
}

static void snapshot_free_unshared(struct dp_snapshot *snap, const struct dp_snapshot *keep);

/* The running snapshot's table called name, or NULL. */
static struct route_table *snapshot_prev_table(const struct dp_snapshot *prev, const char *name)
{
	for (unsigned t = 0; prev != NULL && t < prev->n_tables; t++)
		if (strcmp(prev->table_name[t], name) == 0)
			return prev->tables[t];
	return NULL;
}

/* Table t of the new snapshot: the running one when its routes are the same,
 * else a spare updated in place, else a new FIB. */
static int snapshot_table(struct dataplane *dp, const struct dp_snapshot *prev,
			  const struct natgw_route_table *cfg, uint64_t generation, unsigned t,
			  struct route_table **out)
{
	struct route_table *cur = snapshot_prev_table(prev, cfg->name);
	char name[32];

	if (cur != NULL && route_table_same(cur, cfg)) {
		*out = cur;
		return 0;
	}
	for (unsigned i = 0; i < NATGW_MAX_TABLES; i++) {
		struct route_table *sp = dp->spare[i];

		if (sp == NULL || strcmp(dp->spare_name[i], cfg->name) != 0)
			continue;
		dp->spare[i] = NULL;
		if (route_table_update(sp, cfg) == 0) {
			*out = sp;
			return 0;
		}
		route_table_free(sp); /* could not be updated: half changed, drop it */
		break;
	}
	snprintf(name, sizeof(name), "rt%" PRIu64 "_%u", generation, t);
	return route_table_build(cfg, name, out);
}

int dp_snapshot_build(struct dataplane *dp, const struct natgw_config *cfg,
		      struct dp_snapshot **out, char *msg, size_t len)
{
	static uint64_t generation;
	const struct dp_snapshot *prev = dp->snap;
	struct dp_snapshot *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	generation++;
	s->generation = generation;
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct natgw_port_config *pc = &cfg->ports[i];
		struct dp_port *p = &s->ports[i];

		snprintf(p->name, sizeof(p->name), "%s", pc->name);
		p->ethdev = dp->ports[i].ethdev;
		p->n_queues = dp->ports[i].n_rxq;
		rte_eth_macaddr_get(p->ethdev, &p->mac);
		p->addr = pc->addr;
		p->prefix_len = pc->prefix_len;
		p->netmask = pc->prefix_len ? ~0u << (32 - pc->prefix_len) : 0;
		p->mtu = pc->mtu;
		p->table = (uint8_t)(pc->table < 0 ? 0 : pc->table);
		p->rx_csum = dp->ports[i].rx_csum;
		p->tx_ip_csum = dp->ports[i].tx_ip_csum;
		p->tx_l4_csum = dp->ports[i].tx_l4_csum;
		p->rss = dp->ports[i].rss_view;
	}
	s->n_ports = cfg->n_ports;
	for (unsigned t = 0; t < cfg->n_tables; t++) {
		snprintf(s->table_name[t], sizeof(s->table_name[t]), "%s", cfg->tables[t].name);
		rc = snapshot_table(dp, prev, &cfg->tables[t], generation, t, &s->tables[t]);
		if (rc != 0) {
			snprintf(msg, len, "route table %s: build failed: %s", cfg->tables[t].name,
				 strerror(-rc));
			goto err_table;
		}
		s->n_tables = t + 1;
	}
	s->icmp_rate = cfg->global.icmp_rate;
	s->icmp_burst = cfg->global.icmp_burst;
	s->neigh_timeout = cfg->global.neigh_timeout;
	rc = snapshot_filters_build(s, prev, cfg, RTE_MAX(dp->n_workers, 1u), msg, len);
	if (rc != 0)
		goto err_table;
	/* Sessions: NAT, and the state security groups need (tracked flows). */
	if (cfg->nat.enabled || s->sg_ports != 0) {
		s->nat = snapshot_nat_build(&cfg->nat);
		if (s->nat == NULL) {
			rc = -ENOMEM;
			snprintf(msg, len, "no memory for the NAT configuration");
			goto err_table;
		}
	}
	*out = s;
	return 0;

err_table:
	snapshot_free_unshared(s, prev);
	return rc;
}

/* Is table t one of snap's? */
static bool snapshot_has_table(const struct dp_snapshot *snap, const struct route_table *t)
{
	for (unsigned i = 0; snap != NULL && i < snap->n_tables; i++)
		if (snap->tables[i] == t)
			return true;
	return false;
}

/* Free snap and the parts it does not share with keep (NULL: all). */
static void snapshot_free_unshared(struct dp_snapshot *snap, const struct dp_snapshot *keep)
{
	if (snap == NULL)
		return;
	for (unsigned t = 0; t < snap->n_tables; t++)
		if (!snapshot_has_table(keep, snap->tables[t]))
			route_table_free(snap->tables[t]);
	for (unsigned p = 0; p < NATGW_MAX_PORTS; p++) {
		bool shared = keep != NULL && snap->filter[p][0] != NULL &&
			      keep->filter[p][0] == snap->filter[p][0];

		if (snap->fctr != NULL && !shared)
			for (unsigned w = 0; w < snap->n_workers; w++)
				for (unsigned d = 0; d < 2; d++)
					filter_counters_free(
						&snap->fctr[((size_t)w * NATGW_MAX_PORTS + p) * 2 + d]);
		if (!shared)
			for (unsigned d = 0; d < 2; d++)
				filter_free((struct filter_ctx *)(uintptr_t)snap->filter[p][d]);
	}
	free(snap->fctr);
	free((void *)(uintptr_t)snap->nat);
	free(snap);
}

void dp_snapshot_retire(struct dataplane *dp, struct dp_snapshot *old,
			const struct dp_snapshot *next)
{
	if (old == NULL)
		return;
	/* Tables next does not use become spares (one per table name). */
	for (unsigned t = 0; t < old->n_tables; t++) {
		unsigned slot = NATGW_MAX_TABLES;

		if (snapshot_has_table(next, old->tables[t]))
			continue;
		for (unsigned i = 0; i < NATGW_MAX_TABLES && slot == NATGW_MAX_TABLES; i++)
			if (dp->spare[i] != NULL && strcmp(dp->spare_name[i], old->table_name[t]) == 0)
				slot = i;
		for (unsigned i = 0; i < NATGW_MAX_TABLES && slot == NATGW_MAX_TABLES; i++)
			if (dp->spare[i] == NULL)
				slot = i;
		if (slot == NATGW_MAX_TABLES)
			continue; /* freed with old */
		route_table_free(dp->spare[slot]);
		dp->spare[slot] = old->tables[t];
		snprintf(dp->spare_name[slot], sizeof(dp->spare_name[slot]), "%s", old->table_name[t]);
		old->tables[t] = NULL;
	}
	snapshot_free_unshared(old, next);
}

void dp_snapshot_free(struct dp_snapshot *snap)
{
	snapshot_free_unshared(snap, NULL);
}

void dp_spares_free(struct dataplane *dp)
{
	for (unsigned i = 0; i < NATGW_MAX_TABLES; i++) {
		route_table_free(dp->spare[i]);
		dp->spare[i] = NULL;
	}
}
