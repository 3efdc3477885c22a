/* natgwctl: ports (port show, port counters) and neighbours (neigh show,
 * neigh add, neigh del). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/ctl.h"

static const char *const port_ctr_names[] = {
	[MGMT_PORT_A_RX_PACKETS] = "rx_packets", [MGMT_PORT_A_RX_BYTES] = "rx_bytes",
	[MGMT_PORT_A_TX_PACKETS] = "tx_packets", [MGMT_PORT_A_TX_BYTES] = "tx_bytes",
	[MGMT_PORT_A_FORWARDED] = "forwarded",   [MGMT_PORT_A_FRAGMENTS_OUT] = "fragments_out",
};

struct port_print {
	bool counters_only;
};

/* Print one PORT message. */
static int port_print_cb(const struct mgmt_msg *m, void *arg)
{
	const struct port_print *pp = arg;
	struct nlattr *tb[MGMT_PORT_A_MAX + 1];
	char name[NATGW_NAME_MAX] = "?", drv[32] = "", table[NATGW_NAME_MAX] = "", nacl[NATGW_NAME_MAX] = "";
	char mac[18] = "", pfx[20], off[64] = "", rss[64] = "";
	const char *link;
	struct nlattr *a;
	uint32_t offl = 0;
	int rem;

	if (m->tb[MGMT_A_PORT] == NULL || mgmt_nest_parse(m->tb[MGMT_A_PORT], MGMT_SET_PORT, tb) < 0)
		return 0;
	if (tb[MGMT_PORT_A_NAME])
		nla_strlcpy(name, tb[MGMT_PORT_A_NAME], sizeof(name));
	if (tb[MGMT_PORT_A_DRIVER])
		nla_strlcpy(drv, tb[MGMT_PORT_A_DRIVER], sizeof(drv));
	if (tb[MGMT_PORT_A_TABLE])
		nla_strlcpy(table, tb[MGMT_PORT_A_TABLE], sizeof(table));
	if (tb[MGMT_PORT_A_NACL])
		nla_strlcpy(nacl, tb[MGMT_PORT_A_NACL], sizeof(nacl));
	if (tb[MGMT_PORT_A_RSS])
		nla_strlcpy(rss, tb[MGMT_PORT_A_RSS], sizeof(rss));
	if (tb[MGMT_PORT_A_MAC])
		ctl_mac(nla_data(tb[MGMT_PORT_A_MAC]), mac);
	link = !tb[MGMT_PORT_A_LINK] ? "unknown"
	       : nla_get_u8(tb[MGMT_PORT_A_LINK]) == 1 ? "up"
	       : nla_get_u8(tb[MGMT_PORT_A_LINK]) == 0 ? "down" : "unknown";
	if (tb[MGMT_PORT_A_OFFLOADS])
		offl = nla_get_u32(tb[MGMT_PORT_A_OFFLOADS]);
	snprintf(off, sizeof(off), "%s%s%s%s%s", offl & MGMT_PORT_OFF_RSS ? "rss," : "",
		 offl & MGMT_PORT_OFF_RSS_VIEW ? "rss-view," : "",
		 offl & MGMT_PORT_OFF_RX_CSUM ? "rx-csum," : "", offl & MGMT_PORT_OFF_TX_IP_CSUM ? "tx-ip-csum," : "",
		 offl & MGMT_PORT_OFF_TX_L4_CSUM ? "tx-l4-csum," : "");
	if (off[0])
		off[strlen(off) - 1] = '\0';
	ctl_pfx(tb[MGMT_PORT_A_ADDR] ? nla_get_u32(tb[MGMT_PORT_A_ADDR]) : 0,
		tb[MGMT_PORT_A_PLEN] ? nla_get_u8(tb[MGMT_PORT_A_PLEN]) : 0, pfx);

	if (out_is_json()) {
		out_obj_begin(NULL);
		out_u64("index", tb[MGMT_PORT_A_INDEX] ? nla_get_u32(tb[MGMT_PORT_A_INDEX]) : 0);
		out_str("name", name);
		if (!pp->counters_only) {
			if (drv[0])
				out_str("driver", drv);
			if (mac[0])
				out_str("mac", mac);
			out_str("link", link);
			if (tb[MGMT_PORT_A_SPEED])
				out_u64("speed_mbps", nla_get_u32(tb[MGMT_PORT_A_SPEED]));
			if (tb[MGMT_PORT_A_RXQ])
				out_u64("rxq", nla_get_u16(tb[MGMT_PORT_A_RXQ]));
			if (tb[MGMT_PORT_A_TXQ])
				out_u64("txq", nla_get_u16(tb[MGMT_PORT_A_TXQ]));
			out_arr_begin("offloads");
			if (offl & MGMT_PORT_OFF_RSS)
				out_str(NULL, "rss");
			if (offl & MGMT_PORT_OFF_RSS_VIEW)
				out_str(NULL, "rss-view");
			if (offl & MGMT_PORT_OFF_RX_CSUM)
				out_str(NULL, "rx-csum");
			if (offl & MGMT_PORT_OFF_TX_IP_CSUM)
				out_str(NULL, "tx-ip-csum");
			if (offl & MGMT_PORT_OFF_TX_L4_CSUM)
				out_str(NULL, "tx-l4-csum");
			out_arr_end();
			if (rss[0])
				out_str("rss", rss);
			out_str("address", pfx);
			if (tb[MGMT_PORT_A_MTU])
				out_u64("mtu", nla_get_u16(tb[MGMT_PORT_A_MTU]));
			if (table[0])
				out_str("table", table);
			if (nacl[0])
				out_str("nacl", nacl);
			out_arr_begin("security_groups");
			nla_for_each_nested(a, m->tb[MGMT_A_PORT], rem)
				if (nla_type(a) == MGMT_PORT_A_SG)
					out_str(NULL, nla_data(a));
			out_arr_end();
		}
		out_obj_begin("stats");
		for (unsigned t = MGMT_PORT_A_RX_PACKETS; t <= MGMT_PORT_A_FRAGMENTS_OUT; t++)
			out_u64(port_ctr_names[t], tb[t] ? nla_get_u64(tb[t]) : 0);
		out_obj_end();
		out_obj_end();
		return 0;
	}
	printf("%u: %s", tb[MGMT_PORT_A_INDEX] ? nla_get_u32(tb[MGMT_PORT_A_INDEX]) : 0, name);
	if (!pp->counters_only) {
		if (drv[0])
			printf(" driver %s", drv);
		if (mac[0])
			printf(" mac %s", mac);
		printf(" link %s", link);
		if (tb[MGMT_PORT_A_SPEED])
			printf(" speed_mbps %u", nla_get_u32(tb[MGMT_PORT_A_SPEED]));
		if (tb[MGMT_PORT_A_RXQ])
			printf(" rxq %u", nla_get_u16(tb[MGMT_PORT_A_RXQ]));
		if (tb[MGMT_PORT_A_TXQ])
			printf(" txq %u", nla_get_u16(tb[MGMT_PORT_A_TXQ]));
		printf(" offloads %s", off[0] ? off : "none");
		if (rss[0])
			printf("\n    rss %s", rss);
		printf("\n    address %s", pfx);
		if (tb[MGMT_PORT_A_MTU])
			printf(" mtu %u", nla_get_u16(tb[MGMT_PORT_A_MTU]));
		if (table[0])
			printf(" table %s", table);
		if (nacl[0])
			printf(" nacl %s", nacl);
		printf(" security_groups");
		bool any = false;

		nla_for_each_nested(a, m->tb[MGMT_A_PORT], rem)
			if (nla_type(a) == MGMT_PORT_A_SG) {
				printf("%s%s", any ? "," : " ", (const char *)nla_data(a));
				any = true;
			}
		if (!any)
			printf(" none");
	}
	printf("\n   ");
	for (unsigned t = MGMT_PORT_A_RX_PACKETS; t <= MGMT_PORT_A_FRAGMENTS_OUT; t++)
		printf(" %s %llu", port_ctr_names[t],
		       (unsigned long long)(tb[t] ? nla_get_u64(tb[t]) : 0));
	printf("\n");
	return 0;
}

/* port show [NAME] | port counters [NAME]. */
int ctl_port(struct ctl *c, int argc, char **argv)
{
	struct port_print pp = { false };
	struct nl_msg *req;
	int rc;

	if (argc == 0 || ctl_matches(argv[0], "show") || ctl_matches(argv[0], "list")) {
		pp.counters_only = false;
	} else if (ctl_matches(argv[0], "counters") || ctl_matches(argv[0], "stats")) {
		pp.counters_only = true;
	} else {
		return ctl_usage("port", "unknown port command \"%s\"", argv[0]);
	}
	if (argc > 2)
		return ctl_usage("port", "too many arguments");
	req = mgmt_client_request(MGMT_CMD_PORT_GET);
	if (req && argc == 2 && nla_put_string(req, MGMT_A_NAME, argv[1]) < 0)
		return ctl_usage("port", "bad port name \"%s\"", argv[1]);
	out_list_begin();
	rc = ctl_call(c, req, port_print_cb, &pp);
	out_list_end();
	return rc;
}

/* Print one NEIGH message. */
static int neigh_print_cb(const struct mgmt_msg *m, void *arg)
{
	static const char *const states[] = { "INCOMPLETE", "REACHABLE", "PERMANENT" };
	struct nlattr *tb[MGMT_NEIGH_A_MAX + 1];
	char addr[16], mac[18] = "", dev[NATGW_NAME_MAX] = "?";
	const char *state;
	uint8_t st;

	(void)arg;
	if (m->tb[MGMT_A_NEIGH] == NULL || mgmt_nest_parse(m->tb[MGMT_A_NEIGH], MGMT_SET_NEIGH, tb) < 0)
		return 0;
	ctl_ntoa(tb[MGMT_NEIGH_A_ADDR] ? nla_get_u32(tb[MGMT_NEIGH_A_ADDR]) : 0, addr);
	if (tb[MGMT_NEIGH_A_MAC])
		ctl_mac(nla_data(tb[MGMT_NEIGH_A_MAC]), mac);
	if (tb[MGMT_NEIGH_A_PORT])
		nla_strlcpy(dev, tb[MGMT_NEIGH_A_PORT], sizeof(dev));
	st = tb[MGMT_NEIGH_A_STATE] ? nla_get_u8(tb[MGMT_NEIGH_A_STATE]) : 0;
	state = st < 3 ? states[st] : "UNKNOWN";
	if (out_is_json()) {
		out_obj_begin(NULL);
		out_str("dst", addr);
		out_str("dev", dev);
		if (st != 0)
			out_str("lladdr", mac);
		out_str("state", state);
		out_u64("age", tb[MGMT_NEIGH_A_AGE] ? nla_get_u32(tb[MGMT_NEIGH_A_AGE]) : 0);
		out_obj_end();
		return 0;
	}
	printf("%s dev %s", addr, dev);
	if (st != 0)
		printf(" lladdr %s", mac);
	printf(" %s age %u\n", state, tb[MGMT_NEIGH_A_AGE] ? nla_get_u32(tb[MGMT_NEIGH_A_AGE]) : 0);
	return 0;
}

/* neigh add ADDRESS lladdr MAC dev PORT | neigh del ADDRESS dev PORT
 * (argv[0] is add/del; lladdr and dev in either order). */
static int neigh_change(struct ctl *c, bool add, int argc, char **argv)
{
	const char *dev = NULL, *lladdr = NULL;
	uint8_t mac[6];
	struct nl_msg *req;
	struct nlattr *n;
	uint32_t addr;
	int rc = 0;

	if (argc < 2 || ctl_parse_addr(argv[1], &addr) < 0)
		return ctl_usage("neigh", "expected an address a.b.c.d after \"%s\"", argv[0]);
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return ctl_usage("neigh", "missing value after \"%s\"", argv[i]);
		if (ctl_is(argv[i], "dev") && dev == NULL)
			dev = argv[i + 1];
		else if (add && ctl_is(argv[i], "lladdr") && lladdr == NULL)
			lladdr = argv[i + 1];
		else
			return ctl_usage("neigh", "unexpected \"%s\"", argv[i]);
	}
	if (dev == NULL || (add && lladdr == NULL))
		return ctl_usage("neigh", "neigh %s needs %sdev PORT", add ? "add" : "del",
				 add ? "lladdr MAC and " : "");
	if (strlen(dev) >= NATGW_NAME_MAX)
		return ctl_usage("neigh", "port name \"%s\" is longer than %d characters", dev,
				 NATGW_NAME_MAX - 1);
	if (add && config_parse_mac(lladdr, mac) < 0)
		return ctl_usage("neigh", "bad MAC address \"%s\" (expected aa:bb:cc:dd:ee:ff)", lladdr);
	req = mgmt_client_request(add ? MGMT_CMD_NEIGH_ADD : MGMT_CMD_NEIGH_DEL);
	if (req == NULL)
		return ctl_call(c, NULL, NULL, NULL);
	n = nla_nest_start(req, MGMT_A_NEIGH);
	if (n == NULL)
		goto err_put;
	rc |= nla_put_u32(req, MGMT_NEIGH_A_ADDR, addr);
	if (add)
		rc |= nla_put(req, MGMT_NEIGH_A_MAC, 6, mac);
	rc |= nla_put_string(req, MGMT_NEIGH_A_PORT, dev);
	if (rc != 0)
		goto err_put;
	nla_nest_end(req, n);
	return ctl_call(c, req, NULL, NULL);
err_put:
	nlmsg_free(req);
	return ctl_usage("neigh", "argument too long");
}

/* neigh [show] | neigh add ... | neigh del .... */
int ctl_neigh(struct ctl *c, int argc, char **argv)
{
	int rc;

	if (argc >= 1 && ctl_is(argv[0], "add"))
		return neigh_change(c, true, argc, argv);
	if (argc >= 1 && (ctl_is(argv[0], "del") || ctl_matches(argv[0], "delete")))
		return neigh_change(c, false, argc, argv);
	if (argc >= 1 && !ctl_matches(argv[0], "show") && !ctl_matches(argv[0], "list"))
		return ctl_usage("neigh", "unknown neigh command \"%s\"", argv[0]);
	if (argc > 1)
		return ctl_usage("neigh", "too many arguments");
	out_list_begin();
	rc = ctl_call(c, mgmt_client_request(MGMT_CMD_NEIGH_GET), neigh_print_cb, NULL);
	out_list_end();
	return rc;
}
