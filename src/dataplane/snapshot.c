/* Compile the configuration into the immutable dp_snapshot workers read.
 *
 * Built by the main thread before workers start (and, with the management
 * plane, for every change: a new snapshot is published with one pointer
 * store and the old one freed after an RCU grace period). Owns its route
 * tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dataplane.h"
#include "natgw/route.h"

int dp_snapshot_build(struct dataplane *dp, struct dp_snapshot **out, char *msg, size_t len)
{
	static unsigned generation;
	const struct natgw_config *cfg = dp->cfg;
	struct dp_snapshot *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	generation++;
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

		snprintf(name, sizeof(name), "rt%u_%u", generation, t);
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
	free(snap);
}
