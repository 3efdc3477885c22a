/* Management commands: ports (PORT_GET: configuration, link state, offloads
 * and counters) and neighbours (NEIGH_GET, NEIGH_ADD, NEIGH_DEL).
 *
 * Both dumps first copy what they need from the running configuration (port
 * names, addresses, bindings) inside ops->config_read, then call the run-time
 * ops (port_status, counters_read, neigh_list) outside it, so that the daemon
 * never sees nested ops calls. NEIGH_ADD / NEIGH_DEL edit the static
 * neighbours (cfg->neighbours, the [neighbours] section) of the configuration
 * copy from ops->config_change with the loader's rules; the daemon validates,
 * publishes and installs them in the workers' tables. Runs on the server
 * thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

/* What a port dump needs from the configuration. */
struct port_info {
	unsigned n_ports;
	struct {
		char name[NATGW_NAME_MAX];
		uint32_t addr;
		uint8_t plen;
		uint16_t mtu;
		char table[NATGW_NAME_MAX];
		char nacl[NATGW_NAME_MAX];
		char sgs[NATGW_MAX_SG][NATGW_NAME_MAX];
		unsigned n_sgs;
	} port[NATGW_MAX_PORTS];
};

/* config_read callback: copy the ports' configuration into a struct port_info. */
static int port_info_cb(const struct natgw_config *cfg, void *arg)
{
	struct port_info *pi = arg;

	pi->n_ports = cfg->n_ports < NATGW_MAX_PORTS ? cfg->n_ports : NATGW_MAX_PORTS;
	for (unsigned i = 0; i < pi->n_ports; i++) {
		const struct natgw_port_config *p = &cfg->ports[i];

		snprintf(pi->port[i].name, NATGW_NAME_MAX, "%s", p->name);
		pi->port[i].addr = p->addr;
		pi->port[i].plen = p->prefix_len;
		pi->port[i].mtu = p->mtu;
		pi->port[i].table[0] = '\0';
		if (p->table >= 0 && (unsigned)p->table < cfg->n_tables)
			snprintf(pi->port[i].table, NATGW_NAME_MAX, "%s", cfg->tables[p->table].name);
		pi->port[i].nacl[0] = '\0';
		if (p->nacl >= 0 && (unsigned)p->nacl < cfg->n_nacls)
			snprintf(pi->port[i].nacl, NATGW_NAME_MAX, "%s", cfg->nacls[p->nacl].name);
		pi->port[i].n_sgs = 0;
		for (unsigned g = 0; g < cfg->n_sgs && g < NATGW_MAX_SG; g++)
			if (p->security_groups & (1ull << g))
				snprintf(pi->port[i].sgs[pi->port[i].n_sgs++], NATGW_NAME_MAX, "%s",
					 cfg->sgs[g].name);
	}
	return 0;
}

/* Sum of every worker's counters of port p. */
static void port_counters_sum(const struct mgmt_ops *ops, unsigned p, struct port_counters *sum)
{
	struct worker_counters *wc = malloc(sizeof(*wc));
	unsigned nw = ops->n_workers ? ops->n_workers(ops->ctx) : 0;

	memset(sum, 0, sizeof(*sum));
	if (wc == NULL || ops->counters_read == NULL) {
		free(wc);
		return;
	}
	for (unsigned w = 0; w < nw; w++) {
		ops->counters_read(ops->ctx, w, wc);
		sum->rx_packets += wc->port[p].rx_packets;
		sum->rx_bytes += wc->port[p].rx_bytes;
		sum->tx_packets += wc->port[p].tx_packets;
		sum->tx_bytes += wc->port[p].tx_bytes;
		sum->forwarded += wc->port[p].forwarded;
		sum->fragments_out += wc->port[p].fragments_out;
	}
	free(wc);
}

/* Build the PORT message of port i. */
static struct nl_msg *port_msg(struct mgmt_dump *d, const struct port_info *pi, unsigned i)
{
	struct mgmt_port_status st;
	struct port_counters pc;
	struct nl_msg *m = mgmt_dump_msg(d);
	struct nlattr *n;
	int rc = 0;

	if (m == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	if (d->ops->port_status == NULL || d->ops->port_status(d->ops->ctx, i, &st) < 0)
		st.name[0] = '\0'; /* no run-time state: link unknown */
	port_counters_sum(d->ops, i, &pc);
	n = nla_nest_start(m, MGMT_A_PORT);
	if (n == NULL)
		goto err_put;
	rc |= nla_put_string(m, MGMT_PORT_A_NAME, pi->port[i].name);
	rc |= nla_put_u32(m, MGMT_PORT_A_INDEX, i);
	if (st.name[0]) {
		uint32_t off = (st.rss ? MGMT_PORT_OFF_RSS : 0) | (st.rx_csum ? MGMT_PORT_OFF_RX_CSUM : 0) |
			       (st.tx_ip_csum ? MGMT_PORT_OFF_TX_IP_CSUM : 0) |
			       (st.tx_l4_csum ? MGMT_PORT_OFF_TX_L4_CSUM : 0) |
			       (st.rss_view ? MGMT_PORT_OFF_RSS_VIEW : 0);
		char drv[sizeof(st.driver)];

		memcpy(drv, st.driver, sizeof(drv));
		drv[sizeof(drv) - 1] = '\0';
		rc |= nla_put_string(m, MGMT_PORT_A_DRIVER, drv[0] ? drv : "?");
		rc |= nla_put(m, MGMT_PORT_A_MAC, 6, st.mac);
		rc |= nla_put_u8(m, MGMT_PORT_A_LINK, st.link_up ? 1 : 0);
		rc |= nla_put_u32(m, MGMT_PORT_A_SPEED, st.speed_mbps);
		rc |= nla_put_u16(m, MGMT_PORT_A_RXQ, st.n_rxq);
		rc |= nla_put_u16(m, MGMT_PORT_A_TXQ, st.n_txq);
		rc |= nla_put_u32(m, MGMT_PORT_A_OFFLOADS, off);
		st.rss_note[sizeof(st.rss_note) - 1] = '\0';
		if (st.rss_note[0])
			rc |= nla_put_string(m, MGMT_PORT_A_RSS, st.rss_note);
	} else {
		rc |= nla_put_u8(m, MGMT_PORT_A_LINK, 2);
	}
	rc |= nla_put_u32(m, MGMT_PORT_A_ADDR, pi->port[i].addr);
	rc |= nla_put_u8(m, MGMT_PORT_A_PLEN, pi->port[i].plen);
	rc |= nla_put_u16(m, MGMT_PORT_A_MTU, pi->port[i].mtu);
	if (pi->port[i].table[0])
		rc |= nla_put_string(m, MGMT_PORT_A_TABLE, pi->port[i].table);
	if (pi->port[i].nacl[0])
		rc |= nla_put_string(m, MGMT_PORT_A_NACL, pi->port[i].nacl);
	for (unsigned g = 0; g < pi->port[i].n_sgs; g++)
		rc |= nla_put_string(m, MGMT_PORT_A_SG, pi->port[i].sgs[g]);
	rc |= nla_put_u64(m, MGMT_PORT_A_RX_PACKETS, pc.rx_packets);
	rc |= nla_put_u64(m, MGMT_PORT_A_RX_BYTES, pc.rx_bytes);
	rc |= nla_put_u64(m, MGMT_PORT_A_TX_PACKETS, pc.tx_packets);
	rc |= nla_put_u64(m, MGMT_PORT_A_TX_BYTES, pc.tx_bytes);
	rc |= nla_put_u64(m, MGMT_PORT_A_FORWARDED, pc.forwarded);
	rc |= nla_put_u64(m, MGMT_PORT_A_FRAGMENTS_OUT, pc.fragments_out);
	if (rc != 0)
		goto err_put;
	nla_nest_end(m, n);
	return m;
err_put:
	nlmsg_free(m);
	return NULL;
}

/* Dump fill: every port (or the one named) in one chunk. */
static int port_dump_fill(struct mgmt_dump *d)
{
	struct port_info *pi = d->priv;
	bool found = false;
	int rc;

	rc = d->ops->config_read(d->ops->ctx, port_info_cb, pi);
	if (rc < 0)
		return mgmt_dump_fail(d, rc, "cannot read the configuration: %s", strerror(-rc));
	for (unsigned i = 0; i < pi->n_ports; i++) {
		if (d->name[0] && strcmp(d->name, pi->port[i].name) != 0)
			continue;
		found = true;
		if (mgmt_dump_emit(d, port_msg(d, pi, i)) < 0)
			return d->rc;
	}
	if (d->name[0] && !found)
		return mgmt_dump_fail(d, -ENODEV, "no port \"%s\"", d->name);
	return 0;
}

/* PORT_GET: dump ports. */
int mgmt_cmd_port_get(struct mgmt_req *r)
{
	struct mgmt_dump *d;

	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	d = mgmt_dump_start(r, port_dump_fill, sizeof(struct port_info));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	if (r->msg->tb[MGMT_A_NAME])
		mgmt_attr_str(r->msg->tb[MGMT_A_NAME], d->name, sizeof(d->name));
	return 0;
}

/* ---- NEIGH_GET ----------------------------------------------------------- */

struct neigh_dump {
	struct port_info ports;
	struct mgmt_neigh *v;
	size_t n;
};

/* Release: free the neighbour copy. */
static void neigh_dump_release(struct mgmt_dump *d)
{
	struct neigh_dump *nd = d->priv;

	free(nd->v);
}

/* Dump fill: one NEIGH message per neighbour from pos[0]. */
static int neigh_dump_fill(struct mgmt_dump *d)
{
	struct neigh_dump *nd = d->priv;
	struct nl_msg *m = NULL;

	while (d->pos[0] < nd->n) {
		const struct mgmt_neigh *e = &nd->v[d->pos[0]];
		struct nlattr *n;
		int rc = 0;

		if (mgmt_dump_full(d))
			return 1;
		m = mgmt_dump_msg(d);
		if (m == NULL || (n = nla_nest_start(m, MGMT_A_NEIGH)) == NULL)
			goto err_put;
		rc |= nla_put_u32(m, MGMT_NEIGH_A_ADDR, e->addr);
		rc |= nla_put(m, MGMT_NEIGH_A_MAC, 6, e->mac);
		rc |= nla_put_string(m, MGMT_NEIGH_A_PORT,
				     e->port < nd->ports.n_ports ? nd->ports.port[e->port].name : "?");
		rc |= nla_put_u8(m, MGMT_NEIGH_A_STATE, e->state);
		rc |= nla_put_u32(m, MGMT_NEIGH_A_AGE, e->age);
		if (rc != 0)
			goto err_put;
		nla_nest_end(m, n);
		if (mgmt_dump_emit(d, m) < 0)
			return d->rc;
		d->pos[0]++;
	}
	return 0;
err_put:
	nlmsg_free(m);
	return mgmt_dump_fail(d, -ENOMEM, "out of memory building a neighbour message");
}

/* NEIGH_GET: copy the neighbour table, then dump it. */
int mgmt_cmd_neigh_get(struct mgmt_req *r)
{
	struct neigh_dump *nd;
	struct mgmt_dump *d;
	size_t cap = 1024, n;
	int rc;

	if (r->ops->neigh_list == NULL || r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot list neighbours");
	d = mgmt_dump_start(r, neigh_dump_fill, sizeof(struct neigh_dump));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	d->release = neigh_dump_release;
	nd = d->priv;
	rc = r->ops->config_read(r->ops->ctx, port_info_cb, &nd->ports);
	if (rc < 0)
		return mgmt_fail(r, rc, "cannot read the configuration: %s", strerror(-rc));
	for (;;) {
		free(nd->v);
		nd->v = calloc(cap, sizeof(*nd->v));
		if (nd->v == NULL)
			return mgmt_fail(r, -ENOMEM, "out of memory");
		n = r->ops->neigh_list(r->ops->ctx, nd->v, cap);
		if (n <= cap || cap >= (1u << 22))
			break;
		cap = n + 64;
	}
	nd->n = n < cap ? n : cap;
	return 0;
}

/* ---- NEIGH_ADD / NEIGH_DEL ----------------------------------------------- */

#define NEIGH_STATIC_MAX 99999 /* neigh.N keys of [neighbours]: N = 1..99999 */

struct neigh_edit {
	uint8_t cmd;
	char port[NATGW_NAME_MAX];
	struct natgw_neighbour_config nb; /* port filled in by the edit */
};

/* Format a MAC address into buf (>= 18 bytes); returns buf. */
static const char *neigh_mac_str(const uint8_t *mac, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

/* Make room for one more static neighbour in cfg (as config_model.c grows arrays). */
static int neigh_grow(struct natgw_config *cfg)
{
	struct natgw_neighbour_config *g;
	unsigned cap;

	if (cfg->n_neighbours < cfg->neighbours_cap)
		return 0;
	if (cfg->neighbours_cap > (1u << 24))
		return -ENOMEM;
	cap = cfg->neighbours_cap ? cfg->neighbours_cap * 2 : 8;
	g = realloc(cfg->neighbours, (size_t)cap * sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	cfg->neighbours = g;
	cfg->neighbours_cap = cap;
	return 0;
}

/* Edit function: add or delete one static neighbour (address, port) of cfg. */
static int neigh_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct neigh_edit *e = arg;
	const struct natgw_port_config *p;
	char a[16], b[16], mac[18], names[NATGW_MAX_PORTS * (NATGW_NAME_MAX + 2) + 8];
	int pi = -1, idx = -1;
	size_t off = 0;
	uint32_t m;

	for (unsigned i = 0; i < cfg->n_ports && i < NATGW_MAX_PORTS; i++)
		if (strcmp(cfg->ports[i].name, e->port) == 0)
			pi = (int)i;
	if (pi < 0) {
		snprintf(names, sizeof(names), "none");
		for (unsigned i = 0; i < cfg->n_ports && i < NATGW_MAX_PORTS && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
						cfg->ports[i].name);
		snprintf(msg, len, "unknown port \"%s\" (ports: %s)", e->port, names);
		return -ENODEV;
	}
	p = &cfg->ports[pi];
	e->nb.port = (uint16_t)pi;
	for (unsigned i = 0; i < cfg->n_neighbours; i++)
		if (cfg->neighbours[i].addr == e->nb.addr && cfg->neighbours[i].port == e->nb.port)
			idx = (int)i;
	if (e->cmd == MGMT_CMD_NEIGH_DEL) {
		if (idx < 0) {
			snprintf(msg, len, "no static neighbour %s on port %s", mgmt_ntoa(e->nb.addr, a),
				 p->name);
			return -ESRCH;
		}
		memmove(&cfg->neighbours[idx], &cfg->neighbours[idx + 1],
			(cfg->n_neighbours - (unsigned)idx - 1) * sizeof(cfg->neighbours[0]));
		cfg->n_neighbours--;
		return 0;
	}
	if (idx >= 0) {
		snprintf(msg, len, "neighbour %s on port %s is already configured (lladdr %s); delete it first",
			 mgmt_ntoa(e->nb.addr, a), p->name, neigh_mac_str(cfg->neighbours[idx].mac, mac));
		return -EEXIST;
	}
	m = mgmt_mask(p->prefix_len);
	if ((e->nb.addr & m) != (p->addr & m)) {
		snprintf(msg, len, "%s is not a neighbour in the subnet of port %s (%s/%u)",
			 mgmt_ntoa(e->nb.addr, a), p->name, mgmt_ntoa(p->addr & m, b), p->prefix_len);
		return -EINVAL;
	}
	if (e->nb.addr == p->addr) {
		snprintf(msg, len, "%s is port %s's own address", mgmt_ntoa(e->nb.addr, a), p->name);
		return -EINVAL;
	}
	if (cfg->n_neighbours >= NEIGH_STATIC_MAX) {
		snprintf(msg, len, "at most %d static neighbours", NEIGH_STATIC_MAX);
		return -ENOSPC;
	}
	if (neigh_grow(cfg) < 0) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	cfg->neighbours[cfg->n_neighbours++] = e->nb;
	return 0;
}

/* NEIGH_ADD / NEIGH_DEL: decode NEIGH, check what needs no configuration, edit. */
int mgmt_cmd_neigh_change(struct mgmt_req *r)
{
	struct neigh_edit e = { .cmd = r->msg->cmd };
	struct nlattr *tb[MGMT_NEIGH_A_MAX + 1];
	bool add = e.cmd == MGMT_CMD_NEIGH_ADD;
	char text[96], a[16], mac[18] = "";
	const uint8_t *hw;
	int rc;

	if (mgmt_nest_parse(r->msg->tb[MGMT_A_NEIGH], MGMT_SET_NEIGH, tb) < 0)
		return mgmt_fail(r, -EINVAL, "%s: malformed NEIGH", mgmt_cmd_name(e.cmd));
	if (tb[MGMT_NEIGH_A_ADDR] == NULL || tb[MGMT_NEIGH_A_PORT] == NULL ||
	    (add && tb[MGMT_NEIGH_A_MAC] == NULL))
		return mgmt_fail(r, -EINVAL, "%s: NEIGH needs ADDR, %sPORT", mgmt_cmd_name(e.cmd),
				 add ? "MAC and " : "");
	if (tb[MGMT_NEIGH_A_STATE] || tb[MGMT_NEIGH_A_AGE] || (!add && tb[MGMT_NEIGH_A_MAC]))
		return mgmt_fail(r, -EINVAL, "%s: NEIGH takes ADDR, %sPORT only (%s are reply attributes)",
				 mgmt_cmd_name(e.cmd), add ? "MAC and " : "",
				 add ? "STATE and AGE" : "MAC, STATE and AGE");
	e.nb.addr = nla_get_u32(tb[MGMT_NEIGH_A_ADDR]);
	mgmt_attr_str(tb[MGMT_NEIGH_A_PORT], e.port, sizeof(e.port));
	if (add) {
		hw = nla_data(tb[MGMT_NEIGH_A_MAC]); /* exactly 6 bytes: validated */
		memcpy(e.nb.mac, hw, sizeof(e.nb.mac));
		neigh_mac_str(e.nb.mac, mac);
		if (e.nb.mac[0] & 1)
			return mgmt_fail(r, -EINVAL,
					 "MAC address %s is multicast/broadcast; a neighbour needs a unicast MAC",
					 mac);
		if ((e.nb.mac[0] | e.nb.mac[1] | e.nb.mac[2] | e.nb.mac[3] | e.nb.mac[4] | e.nb.mac[5]) == 0)
			return mgmt_fail(r, -EINVAL, "MAC address %s is all zeros", mac);
	}
	rc = mgmt_change(r, neigh_edit_fn, &e);
	if (rc < 0)
		return rc;
	if (add)
		snprintf(text, sizeof(text), "neigh add %s lladdr %s dev %s", mgmt_ntoa(e.nb.addr, a), mac,
			 e.port);
	else
		snprintf(text, sizeof(text), "neigh del %s dev %s", mgmt_ntoa(e.nb.addr, a), e.port);
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}
