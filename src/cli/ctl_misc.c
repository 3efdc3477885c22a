/* natgwctl: counters (stats, counters [show|reset]), the configuration
 * (config dump, config reload) and events (monitor). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctl.h"

/* ---- counters ------------------------------------------------------------ */

struct ctr_print {
	long cur;           /* worker being printed; -1 total, -2 nothing yet */
	bool workers_open;  /* JSON "workers" array open */
	bool obj_open;      /* JSON worker/total object open */
};

/* Print the SERVER nest and N_WORKERS of the closing message. */
static void ctr_print_server(const struct mgmt_msg *m)
{
	static const char *const names[] = { [MGMT_SRV_A_CLIENTS] = "clients", [MGMT_SRV_A_ACCEPTED] = "accepted",
					     [MGMT_SRV_A_REFUSED] = "refused", [MGMT_SRV_A_REQUESTS] = "requests",
					     [MGMT_SRV_A_ERRORS] = "errors",
					     [MGMT_SRV_A_EVENTS_DROPPED] = "events_dropped" };
	struct nlattr *tb[MGMT_SRV_A_MAX + 1];
	uint32_t nw = m->tb[MGMT_A_N_WORKERS] ? nla_get_u32(m->tb[MGMT_A_N_WORKERS]) : 0;

	if (mgmt_nest_parse(m->tb[MGMT_A_SERVER], MGMT_SET_SERVER, tb) < 0)
		return;
	if (out_is_json()) {
		out_u64("n_workers", nw);
		out_obj_begin("management");
		for (unsigned t = 1; t <= MGMT_SRV_A_MAX; t++)
			out_u64(names[t], !tb[t] ? 0 : t == MGMT_SRV_A_CLIENTS ? nla_get_u32(tb[t]) : nla_get_u64(tb[t]));
		out_obj_end();
		return;
	}
	printf("workers %u\nmanagement:", nw);
	for (unsigned t = 1; t <= MGMT_SRV_A_MAX; t++)
		printf(" %s %llu", names[t],
		       (unsigned long long)(!tb[t] ? 0 : t == MGMT_SRV_A_CLIENTS ? nla_get_u32(tb[t]) : nla_get_u64(tb[t])));
	printf("\n");
}

/* Print one COUNTERS_GET message. */
static int ctr_print_cb(const struct mgmt_msg *m, void *arg)
{
	struct ctr_print *p = arg;
	long w = m->tb[MGMT_A_WORKER] ? (long)nla_get_u32(m->tb[MGMT_A_WORKER]) : -1;
	char group[NATGW_NAME_MAX + 8] = "";
	struct nlattr *a;
	int rem;

	if (m->tb[MGMT_A_SERVER]) {
		if (out_is_json()) {
			if (p->obj_open)
				out_obj_end();
			if (p->workers_open)
				out_arr_end();
			p->obj_open = p->workers_open = false;
		}
		ctr_print_server(m);
		return 0;
	}
	if (m->tb[MGMT_A_COUNTERS] == NULL)
		return 0;
	if (m->tb[MGMT_A_NAME])
		nla_strlcpy(group, m->tb[MGMT_A_NAME], sizeof(group));
	if (w != p->cur) {
		if (out_is_json()) {
			if (p->obj_open)
				out_obj_end();
			if (w >= 0) {
				if (!p->workers_open) {
					out_arr_begin("workers");
					p->workers_open = true;
				}
				out_obj_begin(NULL);
				out_u64("worker", (uint64_t)w);
			} else {
				if (p->workers_open)
					out_arr_end();
				p->workers_open = false;
				out_obj_begin("total");
			}
			p->obj_open = true;
		} else if (w >= 0) {
			printf("worker %ld:\n", w);
		} else {
			printf("total:\n");
		}
		p->cur = w;
	}
	if (out_is_json())
		out_obj_begin(group);
	else
		printf("  %s:\n", group);
	nla_for_each_nested(a, m->tb[MGMT_A_COUNTERS], rem) {
		struct nlattr *tb[MGMT_CTR_A_MAX + 1];
		char name[64] = "?";
		uint64_t v;

		if (mgmt_nest_parse(a, MGMT_SET_CTR, tb) < 0)
			continue;
		if (tb[MGMT_CTR_A_NAME])
			nla_strlcpy(name, tb[MGMT_CTR_A_NAME], sizeof(name));
		v = tb[MGMT_CTR_A_VALUE] ? nla_get_u64(tb[MGMT_CTR_A_VALUE]) : 0;
		if (out_is_json())
			out_u64(name, v);
		else
			printf("    %-40s %llu\n", name, (unsigned long long)v);
	}
	if (out_is_json())
		out_obj_end();
	return 0;
}

/* stats / counters show: [-w] [worker W]. */
static int ctr_show(struct ctl *c, const char *object, int argc, char **argv)
{
	struct ctr_print p = { .cur = -2 };
	struct nl_msg *req = mgmt_client_request(MGMT_CMD_COUNTERS_GET);
	uint32_t w;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (ctl_is(argv[i], "worker") && i + 1 < argc && ctl_parse_u32(argv[i + 1], 0xffff, &w) == 0) {
			i++;
			if (req && nla_put_u32(req, MGMT_A_WORKER, w) < 0)
				goto err_put;
		} else {
			nlmsg_free(req);
			return ctl_usage(object, "unexpected \"%s\"", argv[i]);
		}
	}
	if (req && c->per_worker && nla_put_flag(req, MGMT_A_PER_WORKER) < 0)
		goto err_put;
	out_obj_begin(NULL);
	rc = ctl_call(c, req, ctr_print_cb, &p);
	if (p.obj_open)
		out_obj_end();
	if (p.workers_open)
		out_arr_end();
	out_obj_end();
	if (out_is_json())
		printf("\n");
	return rc;
err_put:
	nlmsg_free(req);
	return ctl_usage(object, "out of memory");
}

/* stats [-w] [worker W]. */
int ctl_stats(struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && ctl_matches(argv[0], "show"))
		return ctr_show(c, "stats", argc - 1, argv + 1);
	return ctr_show(c, "stats", argc, argv);
}

/* counters [show] [-w] [worker W] | counters reset. */
int ctl_counters(struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && ctl_is(argv[0], "reset")) {
		if (argc != 1)
			return ctl_usage("counters", "counters reset takes no arguments");
		return ctl_call(c, mgmt_client_request(MGMT_CMD_COUNTERS_RESET), NULL, NULL);
	}
	if (argc >= 1 && ctl_matches(argv[0], "show"))
		return ctr_show(c, "counters", argc - 1, argv + 1);
	return ctr_show(c, "counters", argc, argv);
}

/* ---- config -------------------------------------------------------------- */

struct cfg_text {
	char *p;
	size_t len, cap;
};

/* Append one CONFIG_TEXT piece. */
static int cfg_text_cb(const struct mgmt_msg *m, void *arg)
{
	struct cfg_text *t = arg;
	const struct nlattr *a = m->tb[MGMT_A_CONFIG_TEXT];
	size_t n;

	if (a == NULL)
		return 0;
	n = (size_t)nla_len(a);
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *g = realloc(t->p, cap);

		if (g == NULL)
			return -ENOMEM;
		t->p = g;
		t->cap = cap;
	}
	memcpy(t->p + t->len, nla_data(a), n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

/* config dump | config reload [FILE]. */
int ctl_config(struct ctl *c, int argc, char **argv)
{
	if (argc >= 1 && ctl_matches(argv[0], "dump")) {
		struct cfg_text t = { 0 };
		int rc;

		if (argc != 1)
			return ctl_usage("config", "config dump takes no arguments");
		rc = ctl_call(c, mgmt_client_request(MGMT_CMD_CONFIG_DUMP), cfg_text_cb, &t);
		if (rc == CTL_EXIT_OK) {
			if (out_is_json()) {
				out_obj_begin(NULL);
				out_str("config", t.p ? t.p : "");
				out_obj_end();
				printf("\n");
			} else if (t.p) {
				fputs(t.p, stdout);
			}
		}
		free(t.p);
		return rc;
	}
	if (argc >= 1 && ctl_matches(argv[0], "reload")) {
		struct nl_msg *req;
		char path[PATH_MAX];

		if (argc > 2)
			return ctl_usage("config", "config reload [FILE]");
		req = mgmt_client_request(MGMT_CMD_CONFIG_RELOAD);
		if (argc == 2) {
			if (realpath(argv[1], path) == NULL) {
				nlmsg_free(req);
				fprintf(stderr, "natgwctl: %s: %s\n", argv[1], strerror(errno));
				return CTL_EXIT_FAIL;
			}
			if (req && nla_put_string(req, MGMT_A_PATH, path) < 0) {
				nlmsg_free(req);
				return ctl_usage("config", "path too long");
			}
		}
		return ctl_call(c, req, NULL, NULL);
	}
	return ctl_usage("config", "expected dump or reload");
}

/* ---- monitor ------------------------------------------------------------- */

static const char *const ev_names[] = {
	[MGMT_EV_SESSION_CREATED] = "session_created", [MGMT_EV_SESSION_CLOSED] = "session_closed",
	[MGMT_EV_PORTS_EXHAUSTED] = "ports_exhausted", [MGMT_EV_ROUTE_CHANGED] = "route_changed",
	[MGMT_EV_CONFIG_CHANGED] = "config_changed",
};

struct mon {
	long left; /* events still to print; -1: forever */
};

/* Print one event. */
static int mon_cb(const struct mgmt_msg *m, void *arg)
{
	struct mon *mon = arg;
	struct mgmt_event e;
	const struct mgmt_session *s = &e.session;
	const char *kind;
	char a[16], b[16], x[16], y[16], pb[8];
	uint64_t lost;

	if (m->cmd != MGMT_CMD_EVENT || m->tb[MGMT_A_EVENT] == NULL)
		return 0;
	mgmt_event_decode(m->tb[MGMT_A_EVENT], &e, &lost);
	kind = e.kind >= MGMT_EV_SESSION_CREATED && e.kind <= MGMT_EV_CONFIG_CHANGED ? ev_names[e.kind] : "unknown";
	if (out_is_json()) {
		out_init(true);
		out_obj_begin(NULL);
		out_str("event", kind);
		out_u64("worker", e.worker);
		if (e.kind == MGMT_EV_SESSION_CREATED || e.kind == MGMT_EV_SESSION_CLOSED) {
			out_str("proto", ctl_proto_name(s->proto, pb));
			out_str("src", ctl_ntoa(s->orig_src, a));
			out_u64("sport", s->orig_sport);
			out_str("dst", ctl_ntoa(s->orig_dst, b));
			out_u64("dport", s->orig_dport);
			out_str("reply_src", ctl_ntoa(s->reply_src, x));
			out_u64("reply_sport", s->reply_sport);
			out_str("reply_dst", ctl_ntoa(s->reply_dst, y));
			out_u64("reply_dport", s->reply_dport);
		} else if (e.kind == MGMT_EV_PORTS_EXHAUSTED) {
			out_str("proto", ctl_proto_name(s->proto, pb));
			out_str("src", ctl_ntoa(s->orig_src, a));
		}
		if (e.text[0])
			out_str("text", e.text);
		if (lost)
			out_u64("lost", lost);
		out_obj_end();
		printf("\n");
	} else {
		if (lost)
			printf("(%llu events lost)\n", (unsigned long long)lost);
		printf("%s", kind);
		if (e.kind == MGMT_EV_SESSION_CREATED || e.kind == MGMT_EV_SESSION_CLOSED)
			printf(" %s %s:%u -> %s:%u reply %s:%u -> %s:%u worker %u", ctl_proto_name(s->proto, pb),
			       ctl_ntoa(s->orig_src, a), s->orig_sport, ctl_ntoa(s->orig_dst, b), s->orig_dport,
			       ctl_ntoa(s->reply_src, x), s->reply_sport, ctl_ntoa(s->reply_dst, y), s->reply_dport,
			       e.worker);
		else if (e.kind == MGMT_EV_PORTS_EXHAUSTED)
			printf(" %s src %s worker %u", ctl_proto_name(s->proto, pb), ctl_ntoa(s->orig_src, a), e.worker);
		if (e.text[0])
			printf(" %s", e.text);
		printf("\n");
	}
	fflush(stdout);
	if (mon->left > 0 && --mon->left == 0)
		return -1;
	return 0;
}

/* monitor [all|session|ports|route|config]... [count N]. */
int ctl_monitor(struct ctl *c, int argc, char **argv)
{
	struct mon mon = { -1 };
	uint32_t mask = 0, n;
	struct nl_msg *req;
	int rc, error;

	for (int i = 0; i < argc; i++) {
		if (ctl_is(argv[i], "all"))
			mask |= 0xfffffffeu;
		else if (ctl_matches(argv[i], "sessions"))
			mask |= 1u << MGMT_EV_SESSION_CREATED | 1u << MGMT_EV_SESSION_CLOSED;
		else if (ctl_matches(argv[i], "ports"))
			mask |= 1u << MGMT_EV_PORTS_EXHAUSTED;
		else if (ctl_matches(argv[i], "route"))
			mask |= 1u << MGMT_EV_ROUTE_CHANGED;
		else if (ctl_matches(argv[i], "config"))
			mask |= 1u << MGMT_EV_CONFIG_CHANGED;
		else if (ctl_is(argv[i], "count") && i + 1 < argc && ctl_parse_u32(argv[i + 1], 0x7fffffff, &n) == 0 && n)
			mon.left = n, i++;
		else
			return ctl_usage("monitor", "unexpected \"%s\"", argv[i]);
	}
	req = mgmt_client_request(MGMT_CMD_EVENTS_SUBSCRIBE);
	if (req && mask && nla_put_u32(req, MGMT_A_EVENT_MASK, mask) < 0) {
		nlmsg_free(req);
		req = NULL;
	}
	rc = ctl_call(c, req, NULL, NULL);
	if (rc != CTL_EXIT_OK)
		return rc;
	for (;;) {
		rc = mgmt_client_recv(c->client, -1, mon_cb, &mon, &error, c->err, sizeof(c->err));
		if (rc < 0) {
			fprintf(stderr, "natgwctl: %s\n", c->err);
			return CTL_EXIT_FAIL;
		}
		if (mon.left == 0)
			return CTL_EXIT_OK;
	}
}
