/* Compile the configuration into the immutable dp_snapshot workers read.
 *
 * Built by the main thread before workers start (and, with the management
 * plane, for every change: a new snapshot is published with one pointer
 * store and the old one freed after an RCU grace period). Owns its route
 * tables.
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

/* Compile every port's NACL and groups (both directions) and allocate each
 * worker's hit counters for them. */
static int snapshot_filters_build(struct dp_snapshot *s, const struct natgw_config *cfg,
				  unsigned n_workers, char *msg, size_t len)
{
	static const char dir_name[2] = { 'i', 'e' };
	int rc;

	s->n_workers = n_workers;
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct natgw_port_config *pc = &cfg->ports[p];

		if (pc->security_groups == 0 && pc->nacl < 0)
			continue;
		s->filtering = true;
		if (pc->security_groups != 0)
			s->sg_ports |= UINT32_C(1) << p;
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
				if (s->filter[p][d] == NULL)
					continue;
				if (filter_counters_init(&s->fctr[((size_t)w * NATGW_MAX_PORTS + p) * 2 + d],
							 s->filter[p][d]) != 0)
					goto err_nomem;
			}
	return 0;

err_nomem:
	snprintf(msg, len, "no memory for filter hit counters");
	return -ENOMEM;
}

int dp_snapshot_build(struct dataplane *dp, const struct natgw_config *cfg,
		      struct dp_snapshot **out, char *msg, size_t len)
{
	static uint64_t generation;
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
	}
	s->n_ports = cfg->n_ports;
	for (unsigned t = 0; t < cfg->n_tables; t++) {
		char name[32];

		snprintf(name, sizeof(name), "rt%" PRIu64 "_%u", generation, t);
		rc = route_table_build(&cfg->tables[t], name, &s->tables[t]);
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
	rc = snapshot_filters_build(s, cfg, RTE_MAX(dp->n_workers, 1u), msg, len);
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
	dp_snapshot_free(s);
	return rc;
}

void dp_snapshot_free(struct dp_snapshot *snap)
{
	if (snap == NULL)
		return;
	for (unsigned t = 0; t < snap->n_tables; t++)
		route_table_free(snap->tables[t]);
	if (snap->fctr != NULL)
		for (size_t i = 0; i < (size_t)snap->n_workers * NATGW_MAX_PORTS * 2; i++)
			filter_counters_free(&snap->fctr[i]);
	free(snap->fctr);
	for (unsigned p = 0; p < NATGW_MAX_PORTS; p++)
		for (unsigned d = 0; d < 2; d++)
			filter_free((struct filter_ctx *)(uintptr_t)snap->filter[p][d]);
	free((void *)(uintptr_t)snap->nat);
	free(snap);
}
