/* natgwctl: routes (route show / add / replace / del). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/ctl.h"

static const char *const route_types[] = { "connected", "gateway", "dev", "blackhole" };

/* Print one route message. */
static int route_print_cb(const struct mgmt_msg *m, void *arg)
{
	struct natgw_route r = { 0 };
	char dev[NATGW_NAME_MAX] = "", table[NATGW_NAME_MAX] = "", pfx[20], gw[16];
	const char *type;

	(void)arg;
	if (m->tb[MGMT_A_ROUTE] == NULL)
		return 0;
	mgmt_route_decode(m->tb[MGMT_A_ROUTE], &r, dev, sizeof(dev));
	if (m->tb[MGMT_A_TABLE])
		nla_strlcpy(table, m->tb[MGMT_A_TABLE], sizeof(table));
	ctl_pfx(r.prefix, r.len, pfx);
	type = r.type < 4 ? route_types[r.type] : "unknown";
	if (out_is_json()) {
		out_obj_begin(NULL);
		out_str("table", table);
		out_str("dst", r.len == 0 && r.prefix == 0 ? "default" : pfx);
		out_str("type", type);
		if (r.type == NATGW_ROUTE_GATEWAY)
			out_str("gateway", ctl_ntoa(r.gateway, gw));
		if (dev[0])
			out_str("dev", dev);
		out_obj_end();
		return 0;
	}
	printf("%s", r.len == 0 && r.prefix == 0 ? "default" : pfx);
	if (r.type == NATGW_ROUTE_BLACKHOLE)
		printf(" blackhole");
	if (r.type == NATGW_ROUTE_GATEWAY)
		printf(" via %s", ctl_ntoa(r.gateway, gw));
	if (dev[0])
		printf(" dev %s", dev);
	if (r.type == NATGW_ROUTE_CONNECTED)
		printf(" proto connected");
	printf(" table %s\n", table);
	return 0;
}

/* route show [table T]. */
static int route_show(struct ctl *c, int argc, char **argv)
{
	struct nl_msg *req = mgmt_client_request(MGMT_CMD_ROUTE_GET);
	int rc;

	for (int i = 0; i < argc; i++) {
		if (ctl_is(argv[i], "table") && i + 1 < argc) {
			if (req && nla_put_string(req, MGMT_A_TABLE, argv[++i]) < 0)
				goto err_usage;
		} else {
			nlmsg_free(req);
			return ctl_usage("route", "unexpected \"%s\" in route show", argv[i]);
		}
	}
	out_list_begin();
	rc = ctl_call(c, req, route_print_cb, NULL);
	out_list_end();
	return rc;
err_usage:
	nlmsg_free(req);
	return ctl_usage("route", "bad table name");
}

/* route add|replace|del PREFIX [via GW] [dev PORT] [blackhole] [table T]. */
static int route_change(struct ctl *c, uint8_t cmd, int argc, char **argv)
{
	struct natgw_route r = { 0 };
	const char *dev = NULL, *table = NULL;
	bool via = false, blackhole = false;
	struct nl_msg *req;

	if (argc < 1)
		return ctl_usage("route", "missing PREFIX");
	if (ctl_parse_prefix(argv[0], &r.prefix, &r.len, false) < 0)
		return ctl_usage("route", "bad prefix \"%s\" (expected a.b.c.d/len or default)", argv[0]);
	for (int i = 1; i < argc; i++) {
		if (ctl_is(argv[i], "via") && i + 1 < argc) {
			if (ctl_parse_addr(argv[++i], &r.gateway) < 0)
				return ctl_usage("route", "bad gateway \"%s\"", argv[i]);
			via = true;
		} else if (ctl_is(argv[i], "dev") && i + 1 < argc) {
			dev = argv[++i];
		} else if (ctl_is(argv[i], "table") && i + 1 < argc) {
			table = argv[++i];
		} else if (ctl_is(argv[i], "blackhole")) {
			blackhole = true;
		} else {
			return ctl_usage("route", "unexpected \"%s\"", argv[i]);
		}
	}
	if (cmd == MGMT_CMD_ROUTE_DEL) {
		r.type = 0;
	} else if (blackhole) {
		if (via || dev)
			return ctl_usage("route", "a blackhole route has no via or dev");
		r.type = NATGW_ROUTE_BLACKHOLE;
	} else if (via) {
		r.type = NATGW_ROUTE_GATEWAY;
	} else if (dev) {
		r.type = NATGW_ROUTE_DEV;
	} else {
		return ctl_usage("route", "say via GATEWAY, dev PORT or blackhole");
	}
	req = mgmt_client_request(cmd);
	if (req == NULL)
		return ctl_call(c, NULL, NULL, NULL);
	if (cmd == MGMT_CMD_ROUTE_DEL) {
		struct nlattr *n = nla_nest_start(req, MGMT_A_ROUTE);

		if (n == NULL || nla_put_u32(req, MGMT_ROUTE_A_PREFIX, r.prefix) < 0 ||
		    nla_put_u8(req, MGMT_ROUTE_A_LEN, r.len) < 0)
			goto err_put;
		nla_nest_end(req, n);
	} else if (mgmt_route_put(req, MGMT_A_ROUTE, &r, dev) < 0) {
		goto err_put;
	}
	if (table && nla_put_string(req, MGMT_A_TABLE, table) < 0)
		goto err_put;
	return ctl_call(c, req, NULL, NULL);
err_put:
	nlmsg_free(req);
	return ctl_usage("route", "argument too long");
}

/* route show|add|replace|del ... */
int ctl_route(struct ctl *c, int argc, char **argv)
{
	if (argc == 0 || ctl_matches(argv[0], "show") || ctl_matches(argv[0], "list"))
		return route_show(c, argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (ctl_is(argv[0], "add"))
		return route_change(c, MGMT_CMD_ROUTE_ADD, argc - 1, argv + 1);
	if (ctl_matches(argv[0], "replace"))
		return route_change(c, MGMT_CMD_ROUTE_REPLACE, argc - 1, argv + 1);
	if (ctl_matches(argv[0], "delete") || ctl_is(argv[0], "del"))
		return route_change(c, MGMT_CMD_ROUTE_DEL, argc - 1, argv + 1);
	return ctl_usage("route", "unknown route command \"%s\"", argv[0]);
}
