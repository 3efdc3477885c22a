/* Management commands: NAT (NAT_GET pool/limits/timeouts, NAT_TIMEOUTS_SET,
 * port-forwards NAT_FORWARD_GET/ADD/DEL, sessions NAT_SESSION_GET/COUNT/FLUSH).
 *
 * Configuration changes are edits of the copy given by ops->config_change
 * (the daemon validates them: a forward's public address must be in the pool,
 * its inside address in an inside prefix, and so on). Session commands go to
 * ops->sessions_query, which asks every worker; a session dump takes one
 * snapshot of up to LIMIT sessions first and then sends it in chunks, so a
 * client that stops reading holds only that copy. Server thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mgmt_server_int.h"

/* "tcp 203.0.113.1:8080" of a forward into buf (>= 32 bytes). */
static const char *nat_fwd_text(const struct natgw_port_forward *f, char *buf)
{
	char a[16];

	snprintf(buf, 32, "%s %s:%u", f->proto == 6 ? "tcp" : f->proto == 17 ? "udp" : "?",
		 mgmt_ntoa(f->public_addr, a), f->public_port);
	return buf;
}

/* ---- NAT_GET ------------------------------------------------------------- */

/* config_read callback: the one NAT message (pool, inside, limits, timeouts). */
static int nat_get_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;
	const struct natgw_nat_config *n = &cfg->nat;
	struct nl_msg *m = mgmt_dump_msg(d);
	struct nlattr *nest;
	int rc = 0;

	if (m == NULL || (nest = nla_nest_start(m, MGMT_A_NAT)) == NULL)
		goto err_put;
	rc |= nla_put_u8(m, MGMT_NAT_A_ENABLED, n->enabled ? 1 : 0);
	if (n->enabled) {
		if (n->port < cfg->n_ports)
			rc |= nla_put_string(m, MGMT_NAT_A_PORT, cfg->ports[n->port].name);
		for (unsigned i = 0; i < n->n_pool && i < NATGW_MAX_POOL; i++)
			rc |= nla_put_u32(m, MGMT_NAT_A_POOL, n->pool[i]);
		for (unsigned i = 0; i < n->n_inside && i < NATGW_MAX_INSIDE; i++)
			rc |= mgmt_prefix_put(m, MGMT_NAT_A_INSIDE, n->inside[i], n->inside_len[i]);
		rc |= nla_put_u16(m, MGMT_NAT_A_PORT_MIN, n->port_min);
		rc |= nla_put_u16(m, MGMT_NAT_A_PORT_MAX, n->port_max);
		rc |= nla_put_u8(m, MGMT_NAT_A_MAPPING, n->mapping);
		rc |= nla_put_u32(m, MGMT_NAT_A_MAX_SESSIONS, n->max_sessions);
		rc |= nla_put_u32(m, MGMT_NAT_A_MAX_PER_HOST, n->max_sessions_per_host);
		rc |= nla_put_u32(m, MGMT_NAT_A_REUSE_DELAY, n->port_reuse_delay);
		rc |= nla_put_u8(m, MGMT_NAT_A_ICMP_ON_EXHAUSTION, n->icmp_on_exhaustion ? 1 : 0);
	}
	if (rc != 0)
		goto err_put;
	nla_nest_end(m, nest);
	if (n->enabled && mgmt_timeouts_put(m, n) < 0)
		goto err_put;
	return mgmt_dump_emit(d, m);
err_put:
	nlmsg_free(m);
	return mgmt_dump_fail(d, -ENOMEM, "out of memory building the NAT message");
}

/* Dump fill: the NAT message. */
static int nat_get_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, nat_get_cb, d);
}

/* NAT_GET. */
int mgmt_cmd_nat_get(struct mgmt_req *r)
{
	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	if (mgmt_dump_start(r, nat_get_fill, 0) == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	return 0;
}

/* ---- NAT_TIMEOUTS_SET ---------------------------------------------------- */

struct nat_tmo_edit {
	uint32_t v[5];
	uint32_t have;
};

/* Edit function: set the timeouts given. */
static int nat_tmo_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct nat_tmo_edit *e = arg;
	uint32_t *dst[5] = {
		&cfg->nat.timeout_udp, &cfg->nat.timeout_tcp_established,
		&cfg->nat.timeout_tcp_transitory, &cfg->nat.timeout_tcp_syn, &cfg->nat.timeout_icmp,
	};

	if (!cfg->nat.enabled) {
		snprintf(msg, len, "NAT is not configured (no [nat] section)");
		return -ENOENT;
	}
	for (unsigned t = 1; t <= MGMT_TMO_A_MAX; t++)
		if (MGMT_HAS(e->have, t))
			*dst[t - 1] = e->v[t - 1];
	return 0;
}

/* NAT_TIMEOUTS_SET. */
int mgmt_cmd_nat_timeouts_set(struct mgmt_req *r)
{
	static const char *const names[5] = { "udp", "tcp-established", "tcp-transitory", "tcp-syn",
					       "icmp" };
	struct nat_tmo_edit e = { { 0 }, 0 };
	char text[192];
	int rc;

	e.have = mgmt_timeouts_decode(r->msg->tb[MGMT_A_TIMEOUTS], e.v);
	if (e.have == 0)
		return mgmt_fail(r, -EINVAL, "NAT_TIMEOUTS_SET: TIMEOUTS has no timeout");
	for (unsigned t = 1; t <= MGMT_TMO_A_MAX; t++)
		if (MGMT_HAS(e.have, t) && (e.v[t - 1] < 1 || e.v[t - 1] > 604800))
			return mgmt_fail(r, -ERANGE, "timeout %s: %u seconds is out of range 1..604800",
					 names[t - 1], e.v[t - 1]);
	rc = mgmt_change(r, nat_tmo_edit_fn, &e);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "nat timeouts changed");
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}

/* ---- port-forwards ------------------------------------------------------- */

struct nat_fwd_edit {
	uint8_t cmd;
	struct natgw_port_forward f;
};

/* Index of the forward with f's (proto, public address, public port), or -1. */
static int nat_fwd_find(const struct natgw_nat_config *n, const struct natgw_port_forward *f)
{
	for (unsigned i = 0; i < n->n_forwards && i < NATGW_MAX_FORWARDS; i++)
		if (n->forwards[i].proto == f->proto && n->forwards[i].public_addr == f->public_addr &&
		    n->forwards[i].public_port == f->public_port)
			return (int)i;
	return -1;
}

/* Edit function: add or delete one port-forward. */
static int nat_fwd_edit_fn(struct natgw_config *cfg, void *arg, char *msg, size_t len)
{
	struct nat_fwd_edit *e = arg;
	struct natgw_nat_config *n = &cfg->nat;
	int idx;
	char t[32];

	if (!n->enabled) {
		snprintf(msg, len, "NAT is not configured (no [nat] section)");
		return -ENOENT;
	}
	idx = nat_fwd_find(n, &e->f);
	if (e->cmd == MGMT_CMD_NAT_FORWARD_DEL) {
		if (idx < 0) {
			snprintf(msg, len, "no port-forward for %s", nat_fwd_text(&e->f, t));
			return -ESRCH;
		}
		memmove(&n->forwards[idx], &n->forwards[idx + 1],
			(n->n_forwards - (unsigned)idx - 1) * sizeof(n->forwards[0]));
		n->n_forwards--;
		return 0;
	}
	if (idx >= 0) {
		snprintf(msg, len, "%s is already forwarded", nat_fwd_text(&e->f, t));
		return -EEXIST;
	}
	if (n->n_forwards >= NATGW_MAX_FORWARDS) {
		snprintf(msg, len, "already %d port-forwards (the maximum)", NATGW_MAX_FORWARDS);
		return -ENOSPC;
	}
	n->forwards[n->n_forwards++] = e->f;
	return 0;
}

/* NAT_FORWARD_ADD / NAT_FORWARD_DEL. */
int mgmt_cmd_nat_forward_change(struct mgmt_req *r)
{
	struct nat_fwd_edit e = { .cmd = r->msg->cmd };
	uint32_t have = mgmt_forward_decode(r->msg->tb[MGMT_A_FORWARD], &e.f);
	uint32_t need = (1u << MGMT_FWD_A_PROTO) | (1u << MGMT_FWD_A_PUBLIC_ADDR) |
			(1u << MGMT_FWD_A_PUBLIC_PORT);
	char text[192], t[32], a[16];
	int rc;

	if (e.cmd == MGMT_CMD_NAT_FORWARD_ADD)
		need |= (1u << MGMT_FWD_A_INSIDE_ADDR) | (1u << MGMT_FWD_A_INSIDE_PORT);
	if ((have & need) != need)
		return mgmt_fail(r, -EINVAL, "%s: FORWARD needs PROTO, PUBLIC_ADDR, PUBLIC_PORT%s",
				 mgmt_cmd_name(e.cmd),
				 e.cmd == MGMT_CMD_NAT_FORWARD_ADD ? ", INSIDE_ADDR and INSIDE_PORT" : "");
	if (e.f.proto != 6 && e.f.proto != 17)
		return mgmt_fail(r, -EINVAL, "port-forward protocol %u: expected tcp (6) or udp (17)",
				 e.f.proto);
	if (e.f.public_port == 0 || (e.cmd == MGMT_CMD_NAT_FORWARD_ADD && e.f.inside_port == 0))
		return mgmt_fail(r, -EINVAL, "port-forward ports must be 1..65535");
	rc = mgmt_change(r, nat_fwd_edit_fn, &e);
	if (rc < 0)
		return rc;
	if (e.cmd == MGMT_CMD_NAT_FORWARD_ADD)
		snprintf(text, sizeof(text), "nat forward add %s to %s:%u", nat_fwd_text(&e.f, t),
			 mgmt_ntoa(e.f.inside_addr, a), e.f.inside_port);
	else
		snprintf(text, sizeof(text), "nat forward del %s", nat_fwd_text(&e.f, t));
	mgmt_server_notify(r->srv, MGMT_EV_CONFIG_CHANGED, text);
	return 0;
}

/* config_read callback: forwards from pos[0]. */
static int nat_fwd_dump_cb(const struct natgw_config *cfg, void *arg)
{
	struct mgmt_dump *d = arg;

	if (!cfg->nat.enabled)
		return 0;
	while (d->pos[0] < cfg->nat.n_forwards && d->pos[0] < NATGW_MAX_FORWARDS) {
		struct nl_msg *m;

		if (mgmt_dump_full(d))
			return 1;
		m = mgmt_dump_msg(d);
		if (m == NULL || mgmt_forward_put(m, &cfg->nat.forwards[d->pos[0]]) < 0) {
			nlmsg_free(m);
			return mgmt_dump_fail(d, -ENOMEM, "out of memory building a forward message");
		}
		if (mgmt_dump_emit(d, m) < 0)
			return d->rc;
		d->pos[0]++;
	}
	return 0;
}

/* Dump fill: forwards through config_read. */
static int nat_fwd_dump_fill(struct mgmt_dump *d)
{
	return d->ops->config_read(d->ops->ctx, nat_fwd_dump_cb, d);
}

/* NAT_FORWARD_GET. */
int mgmt_cmd_nat_forward_get(struct mgmt_req *r)
{
	if (r->ops->config_read == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot show its configuration");
	if (mgmt_dump_start(r, nat_fwd_dump_fill, 0) == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	return 0;
}

/* ---- sessions ------------------------------------------------------------ */

struct nat_sess_dump {
	struct mgmt_session *v;
	size_t n;          /* copied */
	uint64_t matched;  /* matching in total */
};

/* Release: free the session copy. */
static void nat_sess_release(struct mgmt_dump *d)
{
	struct nat_sess_dump *sd = d->priv;

	free(sd->v);
}

/* Dump fill: the COUNT message first (pos[1]), then sessions from pos[0]. */
static int nat_sess_fill(struct mgmt_dump *d)
{
	struct nat_sess_dump *sd = d->priv;
	struct nl_msg *m;

	if (d->pos[1] == 0) {
		m = mgmt_dump_msg(d);
		if (m == NULL || nla_put_u64(m, MGMT_A_COUNT, sd->matched) < 0 ||
		    (sd->matched > sd->n && nla_put_flag(m, MGMT_A_TRUNCATED) < 0)) {
			nlmsg_free(m);
			return mgmt_dump_fail(d, -ENOMEM, "out of memory");
		}
		if (mgmt_dump_emit(d, m) < 0)
			return d->rc;
		d->pos[1] = 1;
	}
	while (d->pos[0] < sd->n) {
		if (mgmt_dump_full(d))
			return 1;
		m = mgmt_dump_msg(d);
		if (m == NULL || mgmt_session_put(m, MGMT_A_SESSION, &sd->v[d->pos[0]]) < 0) {
			nlmsg_free(m);
			return mgmt_dump_fail(d, -ENOMEM, "out of memory building a session message");
		}
		if (mgmt_dump_emit(d, m) < 0)
			return d->rc;
		d->pos[0]++;
	}
	return 0;
}

/* Check a decoded session filter. */
static int nat_filter_check(struct mgmt_req *r, const struct mgmt_session_filter *f)
{
	struct nlattr *tb[MGMT_SF_A_MAX + 1];

	if (r->msg->tb[MGMT_A_FILTER] == NULL)
		return 0;
	if (mgmt_nest_parse(r->msg->tb[MGMT_A_FILTER], MGMT_SET_SFILTER, tb) < 0)
		return mgmt_fail(r, -EINVAL, "malformed FILTER");
	if ((tb[MGMT_SF_A_SRC_LEN] && nla_get_u8(tb[MGMT_SF_A_SRC_LEN]) > 32) ||
	    (tb[MGMT_SF_A_DST_LEN] && nla_get_u8(tb[MGMT_SF_A_DST_LEN]) > 32))
		return mgmt_fail(r, -EINVAL, "filter prefix length is out of range 0..32");
	if ((tb[MGMT_SF_A_SRC_LEN] && !tb[MGMT_SF_A_SRC]) || (tb[MGMT_SF_A_DST_LEN] && !tb[MGMT_SF_A_DST]))
		return mgmt_fail(r, -EINVAL, "filter has a prefix length without its address");
	if (f->worker >= 0 && r->ops->n_workers && (unsigned)f->worker >= r->ops->n_workers(r->ops->ctx))
		return mgmt_fail(r, -EINVAL, "no worker %d (natgw runs %u)", f->worker,
				 r->ops->n_workers(r->ops->ctx));
	return 0;
}

/* NAT_SESSION_GET: copy up to LIMIT matching sessions, then dump them. */
int mgmt_cmd_nat_session_get(struct mgmt_req *r)
{
	struct mgmt_session_filter f;
	struct nat_sess_dump *sd;
	struct mgmt_dump *d;
	uint32_t limit = NATGW_MGMT_SESSIONS_DEFAULT;
	int rc;

	if (r->ops->sessions_query == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot list sessions");
	mgmt_sfilter_decode(r->msg->tb[MGMT_A_FILTER], &f);
	rc = nat_filter_check(r, &f);
	if (rc < 0)
		return rc;
	if (r->msg->tb[MGMT_A_LIMIT])
		limit = nla_get_u32(r->msg->tb[MGMT_A_LIMIT]);
	if (limit > NATGW_MGMT_SESSIONS_MAX)
		return mgmt_fail(r, -ERANGE, "session limit %u is above %d", limit,
				 NATGW_MGMT_SESSIONS_MAX);
	d = mgmt_dump_start(r, nat_sess_fill, sizeof(struct nat_sess_dump));
	if (d == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory");
	d->release = nat_sess_release;
	sd = d->priv;
	if (limit) {
		sd->v = calloc(limit, sizeof(*sd->v));
		if (sd->v == NULL)
			return mgmt_fail(r, -ENOMEM, "out of memory for %u sessions", limit);
	}
	sd->matched = r->ops->sessions_query(r->ops->ctx, &f, false, sd->v, limit);
	sd->n = sd->matched < limit ? (size_t)sd->matched : limit;
	return 0;
}

/* NAT_SESSION_COUNT / NAT_SESSION_FLUSH: reply COUNT. */
int mgmt_cmd_nat_session_count(struct mgmt_req *r)
{
	bool flush = r->msg->cmd == MGMT_CMD_NAT_SESSION_FLUSH;
	struct mgmt_session_filter f;
	struct nl_msg *m;
	uint64_t n;
	int rc;

	if (r->ops->sessions_query == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot query sessions");
	mgmt_sfilter_decode(r->msg->tb[MGMT_A_FILTER], &f);
	rc = nat_filter_check(r, &f);
	if (rc < 0)
		return rc;
	n = r->ops->sessions_query(r->ops->ctx, &f, flush, NULL, 0);
	m = mgmt_reply_new(r);
	if (m == NULL || nla_put_u64(m, MGMT_A_COUNT, n) < 0) {
		nlmsg_free(m);
		return mgmt_fail(r, -ENOMEM, "out of memory");
	}
	return mgmt_reply(r, m);
}
