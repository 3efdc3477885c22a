/* natgwctl: security groups (sg show, sg rule add/del, sg member add/del),
 * prefix lists (pl show, pl prefix add/del) and network ACLs (nacl show,
 * nacl rule add/del). Rules are written as in the INI file (docs/CONFIG.md,
 * "Filtering"): DIR PROTO [PORTS|ICMP|any] from|to PEER. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/ctl.h"

/* ---- rule text <-> model -------------------------------------------------- */

/* "80", "1024-65535", "8", "3/4" or "" (any) of a rule's match into buf (>= 16). */
static const char *flt_l4_spec(const struct natgw_l4_match *l4, char *buf)
{
	buf[0] = '\0';
	if ((l4->proto == 6 || l4->proto == 17) && !(l4->port_lo == 0 && l4->port_hi == 65535)) {
		if (l4->port_lo == l4->port_hi)
			snprintf(buf, 16, "%u", l4->port_lo);
		else
			snprintf(buf, 16, "%u-%u", l4->port_lo, l4->port_hi);
	} else if (l4->proto == 1 && l4->icmp_type >= 0) {
		if (l4->icmp_code >= 0)
			snprintf(buf, 16, "%d/%d", l4->icmp_type, l4->icmp_code);
		else
			snprintf(buf, 16, "%d", l4->icmp_type);
	}
	return buf;
}

/* Parse "PROTO [SPEC]" at argv[*i] into l4 and the attributes to send;
 * advances *i past them. 0 or -EINVAL (message in why). */
static int flt_parse_l4(int argc, char **argv, int *i, struct natgw_l4_match *l4, bool *ports,
			bool *icmp_type, bool *icmp_code, char *why, size_t len)
{
	const char *spec;
	uint32_t lo, hi;

	l4->port_lo = 0;
	l4->port_hi = 65535;
	l4->icmp_type = l4->icmp_code = -1;
	*ports = *icmp_type = *icmp_code = false;
	if (*i >= argc || ctl_parse_proto(argv[*i], &l4->proto) < 0) {
		snprintf(why, len, "expected a protocol (tcp, udp, icmp, all or 0..255), got \"%s\"",
			 *i < argc ? argv[*i] : "");
		return -EINVAL;
	}
	(*i)++;
	if (*i >= argc || ctl_is(argv[*i], "from") || ctl_is(argv[*i], "to"))
		return 0;
	spec = argv[(*i)++];
	if (ctl_is(spec, "any"))
		return 0;
	if (l4->proto == 6 || l4->proto == 17) {
		char b[32], *dash;

		snprintf(b, sizeof(b), "%s", spec);
		dash = strchr(b, '-');
		if (dash)
			*dash = '\0';
		if (ctl_parse_u32(b, 65535, &lo) < 0 || (dash && ctl_parse_u32(dash + 1, 65535, &hi) < 0))
			goto err_spec;
		l4->port_lo = (uint16_t)lo;
		l4->port_hi = (uint16_t)(dash ? hi : lo);
		*ports = true;
		return 0;
	}
	if (l4->proto == 1) {
		char b[32], *slash;

		snprintf(b, sizeof(b), "%s", spec);
		slash = strchr(b, '/');
		if (slash)
			*slash = '\0';
		if (ctl_parse_u32(b, 255, &lo) < 0 || (slash && ctl_parse_u32(slash + 1, 255, &hi) < 0))
			goto err_spec;
		l4->icmp_type = (int16_t)lo;
		*icmp_type = true;
		if (slash) {
			l4->icmp_code = (int16_t)hi;
			*icmp_code = true;
		}
		return 0;
	}
err_spec:
	snprintf(why, len, "bad port or ICMP specification \"%s\" (PORT, LOW-HIGH, TYPE[/CODE] or any)", spec);
	return -EINVAL;
}

/* Put the protocol part of a rule as parsed (only what the user said). */
static int flt_put_l4(struct nl_msg *req, uint8_t dir, const struct natgw_l4_match *l4, bool ports,
		      bool icmp_type, bool icmp_code)
{
	int rc = 0;

	rc |= nla_put_u8(req, MGMT_RULE_A_DIR, dir);
	rc |= nla_put_u8(req, MGMT_RULE_A_PROTO, l4->proto);
	if (ports) {
		rc |= nla_put_u16(req, MGMT_RULE_A_PORT_LO, l4->port_lo);
		rc |= nla_put_u16(req, MGMT_RULE_A_PORT_HI, l4->port_hi);
	}
	if (icmp_type)
		rc |= nla_put_u8(req, MGMT_RULE_A_ICMP_TYPE, (uint8_t)l4->icmp_type);
	if (icmp_code)
		rc |= nla_put_u8(req, MGMT_RULE_A_ICMP_CODE, (uint8_t)l4->icmp_code);
	return rc;
}

/* ingress / egress. */
static int flt_parse_dir(const char *s, uint8_t *dir)
{
	if (ctl_is(s, "ingress")) {
		*dir = NATGW_DIR_INGRESS;
		return 0;
	}
	if (ctl_is(s, "egress")) {
		*dir = NATGW_DIR_EGRESS;
		return 0;
	}
	return -EINVAL;
}

/* JSON fields of a rule's match (proto, ports / icmp). */
static void flt_json_l4(const struct natgw_l4_match *l4)
{
	char pb[8];

	out_str("proto", ctl_proto_name(l4->proto, pb));
	if (l4->proto == 6 || l4->proto == 17) {
		out_u64("port_lo", l4->port_lo);
		out_u64("port_hi", l4->port_hi);
	}
	if (l4->proto == 1) {
		if (l4->icmp_type >= 0)
			out_u64("icmp_type", (uint64_t)l4->icmp_type);
		if (l4->icmp_code >= 0)
			out_u64("icmp_code", (uint64_t)l4->icmp_code);
	}
}

/* ---- sg show ---------------------------------------------------------------- */

struct sg_show {
	int state;  /* 0 no group open, 1 in rules, 2 in members */
	bool first_member;
};

/* Close the JSON of the group being printed. */
static void sg_close(struct sg_show *s)
{
	if (s->state == 0)
		return;
	if (out_is_json()) {
		out_arr_end(); /* rules or members */
		if (s->state == 1) {
			out_arr_begin("members");
			out_arr_end();
		}
		out_obj_end();
	}
	s->state = 0;
}

/* Print one SG_GET message (group header, rule or member). */
static int sg_show_cb(const struct mgmt_msg *m, void *arg)
{
	struct sg_show *s = arg;
	char name[NATGW_NAME_MAX] = "", buf[20], spec[16], pb[8];
	struct nlattr *a;
	int rem;

	if (m->tb[MGMT_A_NAME])
		nla_strlcpy(name, m->tb[MGMT_A_NAME], sizeof(name));
	if (m->tb[MGMT_A_SG]) {
		struct nlattr *tb[MGMT_SG_A_MAX + 1];
		bool any = false;

		sg_close(s);
		if (mgmt_nest_parse(m->tb[MGMT_A_SG], MGMT_SET_SG, tb) < 0)
			return 0;
		if (out_is_json()) {
			out_obj_begin(NULL);
			out_str("name", name);
			out_arr_begin("ports");
			nla_for_each_nested(a, m->tb[MGMT_A_SG], rem)
				if (nla_type(a) == MGMT_SG_A_PORT)
					out_str(NULL, nla_data(a));
			out_arr_end();
			out_arr_begin("rules");
		} else {
			printf("sg %s ports", name);
			nla_for_each_nested(a, m->tb[MGMT_A_SG], rem)
				if (nla_type(a) == MGMT_SG_A_PORT) {
					printf("%s%s", any ? "," : " ", (const char *)nla_data(a));
					any = true;
				}
			printf("%s rules %u members %u\n", any ? "" : " none",
			       tb[MGMT_SG_A_N_RULES] ? nla_get_u32(tb[MGMT_SG_A_N_RULES]) : 0,
			       tb[MGMT_SG_A_N_MEMBERS] ? nla_get_u32(tb[MGMT_SG_A_N_MEMBERS]) : 0);
		}
		s->state = 1;
		return 0;
	}
	if (m->tb[MGMT_A_SG_RULE] && s->state == 1) {
		struct natgw_sg_rule r;
		char peer[NATGW_NAME_MAX + 4], pname[NATGW_NAME_MAX];
		uint32_t index = 0;
		uint64_t hits = 0;

		mgmt_sg_rule_decode(m->tb[MGMT_A_SG_RULE], &r, pname, sizeof(pname), &index, &hits);
		if (r.peer_kind == NATGW_PEER_CIDR)
			ctl_pfx(r.cidr, r.cidr_len, peer);
		else
			snprintf(peer, sizeof(peer), "%s:%s", r.peer_kind == NATGW_PEER_SG ? "sg" : "pl", pname);
		flt_l4_spec(&r.l4, spec);
		if (out_is_json()) {
			out_obj_begin(NULL);
			out_str("key", r.key);
			out_u64("index", index);
			out_str("dir", r.dir == NATGW_DIR_INGRESS ? "ingress" : "egress");
			flt_json_l4(&r.l4);
			out_str("peer", peer);
			out_u64("hits", hits);
			out_obj_end();
		} else {
			printf("    %s %s %s%s%s %s %s hits %llu\n", r.key[0] ? r.key : "-",
			       r.dir == NATGW_DIR_INGRESS ? "ingress" : "egress", ctl_proto_name(r.l4.proto, pb),
			       spec[0] ? " " : "", spec, r.dir == NATGW_DIR_INGRESS ? "from" : "to", peer,
			       (unsigned long long)hits);
		}
		return 0;
	}
	if (m->tb[MGMT_A_MEMBER] && s->state != 0) {
		if (s->state == 1) {
			if (out_is_json()) {
				out_arr_end();
				out_arr_begin("members");
			}
			s->state = 2;
		}
		if (out_is_json())
			out_str(NULL, ctl_ntoa(nla_get_u32(m->tb[MGMT_A_MEMBER]), buf));
		else
			printf("    member %s\n", ctl_ntoa(nla_get_u32(m->tb[MGMT_A_MEMBER]), buf));
	}
	return 0;
}

/* sg rule add|del NAME ... / sg member add|del NAME ADDR. */
static int sg_change(struct ctl *c, bool member, int argc, char **argv)
{
	bool add, ports, it, ic;
	struct natgw_l4_match l4;
	struct nl_msg *req;
	struct nlattr *n;
	char why[160];
	uint8_t dir;
	int i = 3, rc = 0;

	if (argc < 3)
		return ctl_usage("sg", "missing arguments");
	add = ctl_is(argv[0], "add");
	if (!add && !ctl_is(argv[0], "del") && !ctl_matches(argv[0], "delete"))
		return ctl_usage("sg", "expected add or del, got \"%s\"", argv[0]);
	if (member) {
		uint32_t addr;

		if (argc != 3 || ctl_parse_addr(argv[2], &addr) < 0)
			return ctl_usage("sg", "sg member add|del NAME a.b.c.d");
		req = mgmt_client_request(add ? MGMT_CMD_SG_MEMBER_ADD : MGMT_CMD_SG_MEMBER_DEL);
		if (req && (nla_put_string(req, MGMT_A_NAME, argv[1]) < 0 ||
			    nla_put_u32(req, MGMT_A_MEMBER, addr) < 0)) {
			nlmsg_free(req);
			return ctl_usage("sg", "bad group name");
		}
		return ctl_call(c, req, NULL, NULL);
	}
	req = mgmt_client_request(add ? MGMT_CMD_SG_RULE_ADD : MGMT_CMD_SG_RULE_DEL);
	if (req == NULL)
		return ctl_call(c, NULL, NULL, NULL);
	if (nla_put_string(req, MGMT_A_NAME, argv[1]) < 0 || (n = nla_nest_start(req, MGMT_A_SG_RULE)) == NULL)
		goto err_put;
	if (!add && argc == 3 && strncmp(argv[2], "rule.", 5) == 0) {
		if (nla_put_string(req, MGMT_RULE_A_KEY, argv[2]) < 0)
			goto err_put;
		nla_nest_end(req, n);
		return ctl_call(c, req, NULL, NULL);
	}
	if (flt_parse_dir(argv[2], &dir) < 0) {
		nlmsg_free(req);
		return ctl_usage("sg", "expected ingress or egress, got \"%s\"", argv[2]);
	}
	if (flt_parse_l4(argc, argv, &i, &l4, &ports, &it, &ic, why, sizeof(why)) < 0) {
		nlmsg_free(req);
		return ctl_usage("sg", "%s", why);
	}
	if (i + 2 != argc || !(ctl_is(argv[i], "from") || ctl_is(argv[i], "to"))) {
		nlmsg_free(req);
		return ctl_usage("sg", "expected from|to PEER after the protocol");
	}
	if (ctl_is(argv[i], dir == NATGW_DIR_INGRESS ? "to" : "from")) {
		nlmsg_free(req);
		return ctl_usage("sg", "an %s rule names its peer with '%s'", dir == NATGW_DIR_INGRESS ? "ingress" : "egress",
				 dir == NATGW_DIR_INGRESS ? "from" : "to");
	}
	rc |= flt_put_l4(req, dir, &l4, ports, it, ic);
	if (strncmp(argv[i + 1], "pl:", 3) == 0 || strncmp(argv[i + 1], "sg:", 3) == 0) {
		rc |= nla_put_u8(req, MGMT_RULE_A_PEER_KIND,
				 argv[i + 1][0] == 'p' ? NATGW_PEER_PREFIX_LIST : NATGW_PEER_SG);
		rc |= nla_put_string(req, MGMT_RULE_A_PEER_NAME, argv[i + 1] + 3);
	} else {
		uint32_t addr;
		uint8_t len;

		if (config_parse_prefix(argv[i + 1], &addr, &len, false) < 0) {
			nlmsg_free(req);
			return ctl_usage("sg", "bad peer \"%s\" (a.b.c.d/len, pl:NAME or sg:NAME)", argv[i + 1]);
		}
		rc |= nla_put_u8(req, MGMT_RULE_A_PEER_KIND, NATGW_PEER_CIDR);
		rc |= nla_put_u32(req, MGMT_RULE_A_CIDR, addr);
		rc |= nla_put_u8(req, MGMT_RULE_A_CIDR_LEN, len);
	}
	if (rc != 0)
		goto err_put;
	nla_nest_end(req, n);
	return ctl_call(c, req, NULL, NULL);
err_put:
	nlmsg_free(req);
	return ctl_usage("sg", "argument too long");
}

/* sg show [NAME] | sg rule ... | sg member ... */
int ctl_sg(struct ctl *c, int argc, char **argv)
{
	struct sg_show s = { 0 };
	struct nl_msg *req;
	int rc;

	if (argc >= 1 && ctl_is(argv[0], "rule"))
		return sg_change(c, false, argc - 1, argv + 1);
	if (argc >= 1 && ctl_matches(argv[0], "member"))
		return sg_change(c, true, argc - 1, argv + 1);
	if (argc > 2 || (argc >= 1 && !ctl_matches(argv[0], "show") && !ctl_matches(argv[0], "list")))
		return ctl_usage("sg", "unknown sg command \"%s\"", argv[0]);
	req = mgmt_client_request(MGMT_CMD_SG_GET);
	if (req && argc == 2 && nla_put_string(req, MGMT_A_NAME, argv[1]) < 0) {
		nlmsg_free(req);
		return ctl_usage("sg", "bad group name");
	}
	out_list_begin();
	rc = ctl_call(c, req, sg_show_cb, &s);
	sg_close(&s);
	out_list_end();
	return rc;
}

/* ---- prefix lists ------------------------------------------------------------ */

/* Print one PL_GET message (list header or prefix). */
static int pl_show_cb(const struct mgmt_msg *m, void *arg)
{
	int *open = arg;
	char name[NATGW_NAME_MAX] = "", buf[20];

	if (m->tb[MGMT_A_NAME])
		nla_strlcpy(name, m->tb[MGMT_A_NAME], sizeof(name));
	if (m->tb[MGMT_A_PL]) {
		struct nlattr *tb[MGMT_PL_A_MAX + 1];

		if (mgmt_nest_parse(m->tb[MGMT_A_PL], MGMT_SET_PL, tb) < 0)
			return 0;
		if (out_is_json()) {
			if (*open) {
				out_arr_end();
				out_obj_end();
			}
			out_obj_begin(NULL);
			out_str("name", name);
			out_arr_begin("prefixes");
		} else {
			printf("pl %s prefixes %u\n", name,
			       tb[MGMT_PL_A_N_PREFIXES] ? nla_get_u32(tb[MGMT_PL_A_N_PREFIXES]) : 0);
		}
		*open = 1;
		return 0;
	}
	if (m->tb[MGMT_A_PREFIX] && *open) {
		uint32_t addr = 0;
		uint8_t len = 0;

		mgmt_prefix_decode(m->tb[MGMT_A_PREFIX], &addr, &len);
		if (out_is_json())
			out_str(NULL, ctl_pfx(addr, len, buf));
		else
			printf("    %s\n", ctl_pfx(addr, len, buf));
	}
	return 0;
}

/* pl show [NAME] | pl prefix add|del NAME CIDR. */
int ctl_pl(struct ctl *c, int argc, char **argv)
{
	struct nl_msg *req;
	int open = 0, rc;

	if (argc >= 1 && ctl_matches(argv[0], "prefix")) {
		uint32_t addr;
		uint8_t len;
		bool add;

		if (argc != 4)
			return ctl_usage("pl", "pl prefix add|del NAME a.b.c.d/len");
		add = ctl_is(argv[1], "add");
		if (!add && !ctl_is(argv[1], "del") && !ctl_matches(argv[1], "delete"))
			return ctl_usage("pl", "expected add or del, got \"%s\"", argv[1]);
		if (config_parse_prefix(argv[3], &addr, &len, false) < 0)
			return ctl_usage("pl", "bad prefix \"%s\"", argv[3]);
		req = mgmt_client_request(add ? MGMT_CMD_PL_PREFIX_ADD : MGMT_CMD_PL_PREFIX_DEL);
		if (req && (nla_put_string(req, MGMT_A_NAME, argv[2]) < 0 ||
			    mgmt_prefix_put(req, MGMT_A_PREFIX, addr, len) < 0)) {
			nlmsg_free(req);
			return ctl_usage("pl", "bad prefix-list name");
		}
		return ctl_call(c, req, NULL, NULL);
	}
	if (argc > 2 || (argc >= 1 && !ctl_matches(argv[0], "show") && !ctl_matches(argv[0], "list")))
		return ctl_usage("pl", "unknown pl command \"%s\"", argv[0]);
	req = mgmt_client_request(MGMT_CMD_PL_GET);
	if (req && argc == 2 && nla_put_string(req, MGMT_A_NAME, argv[1]) < 0) {
		nlmsg_free(req);
		return ctl_usage("pl", "bad prefix-list name");
	}
	out_list_begin();
	rc = ctl_call(c, req, pl_show_cb, &open);
	if (open && out_is_json()) {
		out_arr_end();
		out_obj_end();
	}
	out_list_end();
	return rc;
}

/* ---- NACLs -------------------------------------------------------------------- */

/* Print one NACL_GET message (NACL header or rule). */
static int nacl_show_cb(const struct mgmt_msg *m, void *arg)
{
	int *open = arg;
	char name[NATGW_NAME_MAX] = "", spec[16], pb[8], cidr[20], other[20];
	struct nlattr *a;
	int rem;

	if (m->tb[MGMT_A_NAME])
		nla_strlcpy(name, m->tb[MGMT_A_NAME], sizeof(name));
	if (m->tb[MGMT_A_NACL]) {
		struct nlattr *tb[MGMT_NACL_A_MAX + 1];
		bool any = false;

		if (mgmt_nest_parse(m->tb[MGMT_A_NACL], MGMT_SET_NACL, tb) < 0)
			return 0;
		if (out_is_json()) {
			if (*open) {
				out_arr_end();
				out_obj_end();
			}
			out_obj_begin(NULL);
			out_str("name", name);
			out_arr_begin("ports");
			nla_for_each_nested(a, m->tb[MGMT_A_NACL], rem)
				if (nla_type(a) == MGMT_NACL_A_PORT)
					out_str(NULL, nla_data(a));
			out_arr_end();
			out_arr_begin("rules");
		} else {
			printf("nacl %s ports", name);
			nla_for_each_nested(a, m->tb[MGMT_A_NACL], rem)
				if (nla_type(a) == MGMT_NACL_A_PORT) {
					printf("%s%s", any ? "," : " ", (const char *)nla_data(a));
					any = true;
				}
			printf("%s rules %u\n", any ? "" : " none",
			       tb[MGMT_NACL_A_N_RULES] ? nla_get_u32(tb[MGMT_NACL_A_N_RULES]) : 0);
		}
		*open = 1;
		return 0;
	}
	if (m->tb[MGMT_A_NACL_RULE] && *open) {
		struct natgw_nacl_rule r;
		uint64_t hits = 0;
		bool in;

		mgmt_nacl_rule_decode(m->tb[MGMT_A_NACL_RULE], &r, &hits);
		in = r.dir == NATGW_DIR_INGRESS;
		flt_l4_spec(&r.l4, spec);
		ctl_pfx(r.cidr, r.cidr_len, cidr);
		ctl_pfx(r.other_cidr, r.other_len, other);
		if (out_is_json()) {
			out_obj_begin(NULL);
			out_str("dir", in ? "ingress" : "egress");
			out_u64("number", r.number);
			out_str("action", r.allow ? "allow" : "deny");
			flt_json_l4(&r.l4);
			out_str(in ? "from" : "to", cidr);
			if (r.other_len)
				out_str(in ? "to" : "from", other);
			out_u64("hits", hits);
			out_obj_end();
		} else {
			printf("    %s %u %s %s%s%s %s %s", in ? "ingress" : "egress", r.number, r.allow ? "allow" : "deny",
			       ctl_proto_name(r.l4.proto, pb), spec[0] ? " " : "", spec, in ? "from" : "to", cidr);
			if (r.other_len)
				printf(" %s %s", in ? "to" : "from", other);
			printf(" hits %llu\n", (unsigned long long)hits);
		}
	}
	return 0;
}

/* nacl rule add|del NAME ... */
static int nacl_change(struct ctl *c, int argc, char **argv)
{
	struct natgw_l4_match l4;
	bool add, ports, it, ic;
	struct nl_msg *req;
	struct nlattr *n;
	uint32_t number, addr, oaddr = 0;
	uint8_t dir, len, olen = 0;
	bool allow;
	char why[160];
	int i = 5, rc = 0;

	if (argc < 4)
		return ctl_usage("nacl", "missing arguments");
	add = ctl_is(argv[0], "add");
	if (!add && !ctl_is(argv[0], "del") && !ctl_matches(argv[0], "delete"))
		return ctl_usage("nacl", "expected add or del, got \"%s\"", argv[0]);
	if (flt_parse_dir(argv[2], &dir) < 0)
		return ctl_usage("nacl", "expected ingress or egress, got \"%s\"", argv[2]);
	if (ctl_parse_u32(argv[3], NATGW_NACL_RULE_MAX, &number) < 0 || number == 0)
		return ctl_usage("nacl", "rule number must be 1..%d, got \"%s\"", NATGW_NACL_RULE_MAX, argv[3]);
	req = mgmt_client_request(add ? MGMT_CMD_NACL_RULE_ADD : MGMT_CMD_NACL_RULE_DEL);
	if (req == NULL)
		return ctl_call(c, NULL, NULL, NULL);
	if (nla_put_string(req, MGMT_A_NAME, argv[1]) < 0 || (n = nla_nest_start(req, MGMT_A_NACL_RULE)) == NULL)
		goto err_put;
	rc |= nla_put_u16(req, MGMT_RULE_A_NUMBER, (uint16_t)number);
	if (!add) {
		if (argc != 4) {
			nlmsg_free(req);
			return ctl_usage("nacl", "nacl rule del NAME ingress|egress NUMBER");
		}
		rc |= nla_put_u8(req, MGMT_RULE_A_DIR, dir);
		if (rc != 0)
			goto err_put;
		nla_nest_end(req, n);
		return ctl_call(c, req, NULL, NULL);
	}
	if (argc < 5 || (!ctl_is(argv[4], "allow") && !ctl_is(argv[4], "deny"))) {
		nlmsg_free(req);
		return ctl_usage("nacl", "expected allow or deny after the rule number");
	}
	allow = ctl_is(argv[4], "allow");
	if (flt_parse_l4(argc, argv, &i, &l4, &ports, &it, &ic, why, sizeof(why)) < 0) {
		nlmsg_free(req);
		return ctl_usage("nacl", "%s", why);
	}
	if (i + 2 > argc || !ctl_is(argv[i], dir == NATGW_DIR_INGRESS ? "from" : "to") ||
	    config_parse_prefix(argv[i + 1], &addr, &len, false) < 0) {
		nlmsg_free(req);
		return ctl_usage("nacl", "expected %s CIDR after the protocol", dir == NATGW_DIR_INGRESS ? "from" : "to");
	}
	i += 2;
	if (i < argc) {
		if (i + 2 != argc || !ctl_is(argv[i], dir == NATGW_DIR_INGRESS ? "to" : "from") ||
		    config_parse_prefix(argv[i + 1], &oaddr, &olen, false) < 0) {
			nlmsg_free(req);
			return ctl_usage("nacl", "expected %s CIDR (the other side) or nothing at the end",
					 dir == NATGW_DIR_INGRESS ? "to" : "from");
		}
	}
	rc |= flt_put_l4(req, dir, &l4, ports, it, ic);
	rc |= nla_put_u8(req, MGMT_RULE_A_ACTION, allow ? 1 : 0);
	rc |= nla_put_u32(req, MGMT_RULE_A_CIDR, addr);
	rc |= nla_put_u8(req, MGMT_RULE_A_CIDR_LEN, len);
	if (olen) {
		rc |= nla_put_u32(req, MGMT_RULE_A_OTHER_CIDR, oaddr);
		rc |= nla_put_u8(req, MGMT_RULE_A_OTHER_LEN, olen);
	}
	if (rc != 0)
		goto err_put;
	nla_nest_end(req, n);
	return ctl_call(c, req, NULL, NULL);
err_put:
	nlmsg_free(req);
	return ctl_usage("nacl", "argument too long");
}

/* nacl show [NAME] | nacl rule ... */
int ctl_nacl(struct ctl *c, int argc, char **argv)
{
	struct nl_msg *req;
	int open = 0, rc;

	if (argc >= 1 && ctl_is(argv[0], "rule"))
		return nacl_change(c, argc - 1, argv + 1);
	if (argc > 2 || (argc >= 1 && !ctl_matches(argv[0], "show") && !ctl_matches(argv[0], "list")))
		return ctl_usage("nacl", "unknown nacl command \"%s\"", argv[0]);
	req = mgmt_client_request(MGMT_CMD_NACL_GET);
	if (req && argc == 2 && nla_put_string(req, MGMT_A_NAME, argv[1]) < 0) {
		nlmsg_free(req);
		return ctl_usage("nacl", "bad NACL name");
	}
	out_list_begin();
	rc = ctl_call(c, req, nacl_show_cb, &open);
	if (open && out_is_json()) {
		out_arr_end();
		out_obj_end();
	}
	out_list_end();
	return rc;
}
