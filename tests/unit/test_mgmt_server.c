/* Management server end to end: the real server on a real UNIX socket in a
 * temporary directory, driven by the real natgwctl binary (path in argv[1])
 * and by the client library, with a small in-test mgmt_ops backed by an
 * in-memory natgw_config (config_change = copy, edit, config_validate,
 * replace; the other ops return canned run-time state).
 *
 * Checked: every configuration command round-trips (add, show, delete, show)
 * in text and JSON (each JSON output parsed by python3), static neighbours
 * too (the in-test neigh_list lists the configuration's [neighbours]);
 * errors exit 1 with natgw's message, usage errors exit 2; counters, sessions (filters, count,
 * flush), config dump/reload, events (monitor); bad input on the socket
 * (truncated, wrong lengths, unknown command and attribute, wrong type,
 * wrong version, oversized, garbage), a client that disconnects mid-dump, an
 * unauthorised peer (uid 65534: refused by file mode, then by SO_PEERCRED)
 * and a group member (gid 65534 with socket_group 65534). The server keeps
 * answering after each.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/mgmt_client.h"
#include "natgw/mgmt.h"
#include "test_check.h"

#define CONFIG_FILE "../../config/security.ini"

/* ---- the in-test daemon ------------------------------------------------- */

struct fake {
	pthread_mutex_t lock;
	struct natgw_config cfg;
	unsigned changes;
	struct mgmt_session sess[4];
	size_t n_sess;
	bool reset;
	bool events_on;
	struct mgmt_event ev[16];
	size_t n_ev;
};

static int fake_change(void *ctx, mgmt_edit_fn fn, void *arg, char *msg, size_t len)
{
	struct fake *f = ctx;
	struct natgw_config copy;
	int rc;

	pthread_mutex_lock(&f->lock);
	rc = config_copy(&copy, &f->cfg);
	if (rc < 0)
		goto out;
	rc = fn(&copy, arg, msg, len);
	if (rc == 0)
		rc = config_validate(&copy, msg, len);
	if (rc < 0) {
		config_free(&copy);
		goto out;
	}
	config_free(&f->cfg);
	f->cfg = copy;
	f->changes++;
out:
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_read(void *ctx, mgmt_read_fn fn, void *arg)
{
	struct fake *f = ctx;
	int rc;

	pthread_mutex_lock(&f->lock);
	rc = fn(&f->cfg, arg);
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static int fake_reload(void *ctx, const char *path, char *msg, size_t len)
{
	struct fake *f = ctx;
	struct natgw_config n;
	int rc;

	rc = config_load_ini(path ? path : CONFIG_FILE, &n, msg, len);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&f->lock);
	config_free(&f->cfg);
	f->cfg = n;
	f->changes++;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static unsigned fake_n_workers(void *ctx)
{
	(void)ctx;
	return 2;
}

static void fake_counters_read(void *ctx, unsigned w, struct worker_counters *out)
{
	struct fake *f = ctx;

	memset(out, 0, sizeof(*out));
	if (f->reset)
		return;
	out->drop[DROP_NO_ROUTE] = 5 + w;
	out->nat[NAT_CTR_SESSIONS_CREATED] = 100;
	out->port[0].rx_packets = 1000 + w;
	out->loops = 7;
}

static void fake_counters_reset(void *ctx)
{
	((struct fake *)ctx)->reset = true;
}

static int fake_port_status(void *ctx, unsigned port, struct mgmt_port_status *out)
{
	struct fake *f = ctx;

	if (port >= f->cfg.n_ports)
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", f->cfg.ports[port].name);
	snprintf(out->driver, sizeof(out->driver), "net_null");
	out->mac[0] = 2;
	out->mac[5] = (uint8_t)(port + 1);
	out->link_up = true;
	out->speed_mbps = 10000;
	out->n_rxq = out->n_txq = 1;
	out->rss = true;
	return 0;
}

/* Two canned entries, then the configuration's static neighbours (as the
 * daemon lists them: STATE 2, age 0). */
static size_t fake_neigh_list(void *ctx, struct mgmt_neigh *out, size_t max)
{
	static const struct mgmt_neigh n[2] = {
		{ 0xcb00710a, { 2, 0, 0, 0, 3, 0xa }, 2, 1, 12 },  /* 203.0.113.10 */
		{ 0x0a00010a, { 2, 0, 0, 0, 1, 0xa }, 0, 2, 0 },   /* 10.0.1.10 */
	};
	struct fake *f = ctx;
	size_t total;

	for (size_t i = 0; i < 2 && i < max; i++)
		out[i] = n[i];
	pthread_mutex_lock(&f->lock);
	total = 2 + f->cfg.n_neighbours;
	for (size_t i = 0; i < f->cfg.n_neighbours && 2 + i < max; i++) {
		const struct natgw_neighbour_config *c = &f->cfg.neighbours[i];

		out[2 + i] = (struct mgmt_neigh){ .addr = c->addr, .port = c->port, .state = 2 };
		memcpy(out[2 + i].mac, c->mac, 6);
	}
	pthread_mutex_unlock(&f->lock);
	return total;
}

/* Does session s match filter f on one of its tuples? */
static bool fake_match(const struct mgmt_session_filter *f, const struct mgmt_session *s)
{
	for (int t = 0; t < 2; t++) {
		uint32_t src = t ? s->reply_src : s->orig_src, dst = t ? s->reply_dst : s->orig_dst;
		uint16_t sp = t ? s->reply_sport : s->orig_sport, dp = t ? s->reply_dport : s->orig_dport;

		if (f->proto && f->proto != s->proto)
			continue;
		if ((src & f->src_mask) != f->src || (dst & f->dst_mask) != f->dst)
			continue;
		if ((f->sport && f->sport != sp) || (f->dport && f->dport != dp))
			continue;
		if (f->worker >= 0 && f->worker != s->worker)
			continue;
		return true;
	}
	return false;
}

static uint64_t fake_sessions(void *ctx, const struct mgmt_session_filter *flt, bool flush,
			      struct mgmt_session *out, size_t max)
{
	struct fake *f = ctx;
	uint64_t n = 0;
	size_t k = 0;

	if (flt->proto == 99) { /* a big synthetic table for the dump tests */
		for (size_t i = 0; i < max && i < 50000; i++)
			out[i] = (struct mgmt_session){ .proto = 99, .orig_src = 0x0a000000u + (uint32_t)i,
							.orig_dst = 0xcb007101, .timeout = 300 };
		return 50000;
	}

	for (size_t i = 0; i < f->n_sess; i++) {
		if (!fake_match(flt, &f->sess[i])) {
			f->sess[k++] = f->sess[i];
			continue;
		}
		if (out && n < max)
			out[n] = f->sess[i];
		n++;
		if (!flush)
			f->sess[k++] = f->sess[i];
	}
	f->n_sess = k;
	return n;
}

static size_t fake_hits(void *ctx, unsigned port, enum natgw_filter_dir dir, struct mgmt_rule_hits *out,
			size_t max)
{
	(void)ctx;
	if (port != 1 || dir != NATGW_DIR_INGRESS)
		return 0;
	if (max >= 1)
		out[0] = (struct mgmt_rule_hits){ .kind = 0, .nacl_number = 100, .hits = 42 };
	return 1;
}

static void fake_events_enable(void *ctx, bool on)
{
	struct fake *f = ctx;

	pthread_mutex_lock(&f->lock);
	f->events_on = on;
	pthread_mutex_unlock(&f->lock);
}

static size_t fake_events_poll(void *ctx, struct mgmt_event *out, size_t max)
{
	struct fake *f = ctx;
	size_t n;

	pthread_mutex_lock(&f->lock);
	n = f->n_ev < max ? f->n_ev : max;
	memcpy(out, f->ev, n * sizeof(*out));
	memmove(f->ev, f->ev + n, (f->n_ev - n) * sizeof(*out));
	f->n_ev -= n;
	pthread_mutex_unlock(&f->lock);
	return n;
}

static struct fake fk;
static struct mgmt_server *srv;
static struct mgmt_ops ops = {
	.ctx = &fk,
	.config_change = fake_change,
	.config_read = fake_read,
	.config_reload = fake_reload,
	.n_workers = fake_n_workers,
	.counters_read = fake_counters_read,
	.counters_reset = fake_counters_reset,
	.port_status = fake_port_status,
	.neigh_list = fake_neigh_list,
	.sessions_query = fake_sessions,
	.filter_hits = fake_hits,
	.events_enable = fake_events_enable,
	.events_poll = fake_events_poll,
};

/* ---- running natgwctl ------------------------------------------------------ */

static const char *ctl_path;
static char sock_path[100];
static char out_buf[16 << 20], err_buf[8192];

/* Read everything from fd into buf (NUL-terminated). */
static void slurp(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off + 1 < len && (n = read(fd, buf + off, len - off - 1)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	while (read(fd, (char[256]){ 0 }, 256) > 0)
		; /* drain */
}

/* Run natgwctl -s SOCK with the words of args (space-separated); uid/gid: -1
 * to keep. Returns the exit status; stdout/stderr in out_buf/err_buf. */
static int run_as(int uid, int gid, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int run_as(int uid, int gid, const char *fmt, ...)
{
	char line[1024], *argv[64], *save = NULL;
	int po[2], pe[2], status, argc = 0;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = (char *)ctl_path;
	argv[argc++] = "-s";
	argv[argc++] = sock_path;
	for (char *w = strtok_r(line, " ", &save); w && argc < 63; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (gid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)gid) < 0))
			_exit(99);
		if (uid >= 0 && setuid((uid_t)uid) < 0)
			_exit(98);
		execv(ctl_path, argv);
		_exit(97);
	}
	close(po[1]);
	close(pe[1]);
	slurp(po[0], out_buf, sizeof(out_buf));
	slurp(pe[0], err_buf, sizeof(err_buf));
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define run(...) run_as(-1, -1, __VA_ARGS__)

/* True when out_buf is valid JSON (python3's json module). */
static bool json_ok(void)
{
	FILE *p = popen("python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null", "w");

	if (p == NULL)
		return false;
	fwrite(out_buf, 1, strlen(out_buf), p);
	return pclose(p) == 0;
}

/* Run a command expected to succeed and to print want (when not NULL). */
static void ok(const char *cmd, const char *want)
{
	int rc = run("%s", cmd);

	CHECK(rc == 0, "natgwctl %s: exit %d, stderr: %s", cmd, rc, err_buf);
	if (want)
		CHECK(strstr(out_buf, want) != NULL, "natgwctl %s: no \"%s\" in:\n%s", cmd, want, out_buf);
}

/* Run a show command: text contains want (or not, when absent), JSON parses. */
static void show(const char *cmd, const char *want, bool present)
{
	int rc = run("%s", cmd);

	CHECK(rc == 0, "natgwctl %s: exit %d: %s", cmd, rc, err_buf);
	CHECK((strstr(out_buf, want) != NULL) == present, "natgwctl %s: \"%s\" %s in:\n%s", cmd, want,
	      present ? "missing" : "present", out_buf);
	rc = run("-j %s", cmd);
	CHECK(rc == 0, "natgwctl -j %s: exit %d", cmd, rc);
	CHECK(json_ok(), "natgwctl -j %s: invalid JSON:\n%s", cmd, out_buf);
}

/* Run a command expected to fail with status st and stderr containing want. */
static void fails(int st, const char *cmd, const char *want)
{
	int rc = run("%s", cmd);

	CHECK(rc == st, "natgwctl %s: exit %d, want %d (stderr %s)", cmd, rc, st, err_buf);
	CHECK(strstr(err_buf, want) != NULL, "natgwctl %s: no \"%s\" in stderr: %s", cmd, want, err_buf);
}

/* True when out_buf has a line "NAME VALUE" (first such line). */
static bool has_counter(const char *name, unsigned long long v)
{
	for (const char *p = out_buf; *p;) {
		char n[64];
		unsigned long long x;

		if (sscanf(p, " %63s %llu", n, &x) == 2 && strcmp(n, name) == 0)
			return x == v;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return false;
}

/* ---- the tests --------------------------------------------------------------- */

static void test_routes(void)
{
	show("route show", "10.0.1.0/24 dev in1 proto connected table main", true);
	ok("route add 10.9.0.0/16 via 203.0.113.254 table main", NULL);
	show("route show table main", "10.9.0.0/16 via 203.0.113.254 dev out table main", true);
	fails(1, "route add 10.9.0.0/16 via 203.0.113.254", "already exists");
	ok("route replace 10.9.0.0/16 blackhole", NULL);
	show("route show", "10.9.0.0/16 blackhole table main", true);
	ok("route add default via 203.0.113.254 dev out", NULL);
	show("route show", "default via 203.0.113.254 dev out", true);
	ok("route del 10.9.0.0/16 table main", NULL);
	ok("route del default", NULL);
	show("route show", "10.9.0.0/16", false);
	fails(1, "route del 10.9.0.0/16", "no route 10.9.0.0/16");
	fails(1, "route add 10.9.0.1/16 blackhole", "did you mean 10.9.0.0/16");
	fails(1, "route add 10.8.0.0/16 via 198.51.100.1", "not in the subnet of any port");
	fails(1, "route add 10.8.0.0/16 dev nosuch", "unknown port");
	fails(1, "route del 10.0.1.0/24", "connected route");
	fails(1, "route show table nosuch", "no route table \"nosuch\"");
	fails(2, "route add 10.8.0.0/16", "usage error");
	fails(2, "route add bogus blackhole", "bad prefix");
	fails(1, "route add 10.8.0.0/16 via 10.0.1.1", "gateway"); /* the port's own address: validation */
}

static void test_nat(void)
{
	show("nat show", "pool 203.0.113.1", true);
	show("nat timeouts", "udp 300", true);
	ok("nat timeouts set udp 600 icmp 90", NULL);
	show("nat timeouts", "udp 600 tcp-established 7440 tcp-transitory 240 tcp-syn 30 icmp 90", true);
	fails(1, "nat timeouts set udp 0", "out of range");
	fails(2, "nat timeouts set bogus 5", "bad timeout");
	show("nat forward", "tcp 203.0.113.1:8080 to 10.0.1.10:80", true);
	ok("nat forward add 203.0.113.1:8081 to 10.0.1.10:81 tcp", NULL);
	show("nat forward show", "tcp 203.0.113.1:8081 to 10.0.1.10:81", true);
	fails(1, "nat forward add 203.0.113.1:8081 to 10.0.1.11:81 tcp", "already forwarded");
	fails(1, "nat forward add 203.0.113.1:8082 to 192.0.2.9:81 tcp", "inside");
	ok("nat forward del 203.0.113.1:8081 tcp", NULL);
	show("nat forward", "8081", false);
	fails(1, "nat forward del 203.0.113.1:8081 tcp", "no port-forward");
	fails(2, "nat forward add 203.0.113.1:8081 10.0.1.10:81 tcp", "usage error");
}

static void test_sessions(void)
{
	show("nat sessions", "3 sessions", true);
	show("nat sessions src 10.0.1.10", "1 sessions", true);
	show("nat sessions proto udp", "udp 10.0.2.10:5353", true);
	show("nat sessions dst 203.0.113.0/24 limit 1", "(list truncated", true);
	ok("nat sessions proto tcp count", "2");
	ok("-j nat sessions proto tcp count", "{\"count\":2}");
	ok("nat sessions proto udp flush", "flushed 1 sessions");
	show("nat sessions", "2 sessions", true);
	fails(1, "nat sessions worker 7", "no worker 7");
	fails(2, "nat sessions sport 0", "bad port");
}

static void test_filters(void)
{
	show("sg show", "sg public-web ports out rules 3 members 0", true);
	show("sg show bastion", "member 10.0.1.31", true);
	ok("sg rule add lab-clients ingress tcp 8080-8089 from 10.0.1.0/24", NULL);
	show("sg show lab-clients", "rule.3 ingress tcp 8080-8089 from 10.0.1.0/24", true);
	fails(1, "sg rule add lab-clients ingress tcp 8080-8089 from 10.0.1.0/24", "already has this rule");
	ok("sg rule add lab-clients ingress icmp 8 from pl:office", NULL);
	show("sg show lab-clients", "ingress icmp 8 from pl:office", true);
	ok("sg rule del lab-clients ingress tcp 8080-8089 from 10.0.1.0/24", NULL);
	ok("sg rule del lab-clients rule.4", NULL);
	show("sg show lab-clients", "rules 3 members 0", true);
	fails(1, "sg rule del lab-clients rule.3", "no such rule");
	fails(1, "sg rule add lab-clients ingress tcp 80 from pl:nosuch", "unknown prefix list");
	fails(1, "sg rule add nosuch ingress tcp 80 from 10.0.0.0/8", "no security group");
	fails(2, "sg rule add lab-clients ingress tcp 80 to 10.0.0.0/8", "usage error");
	ok("sg member add bastion 10.0.1.32", NULL);
	show("sg show bastion", "member 10.0.1.32", true);
	fails(1, "sg member add bastion 10.0.1.32", "already a member");
	ok("sg member del bastion 10.0.1.32", NULL);
	show("sg show bastion", "10.0.1.32", false);
	fails(1, "sg show nosuch", "no security group \"nosuch\"");

	show("pl show", "pl office prefixes 2", true);
	ok("pl prefix add office 203.0.113.0/28", NULL);
	show("pl show office", "203.0.113.0/28", true);
	fails(1, "pl prefix add office 203.0.113.0/28", "already in prefix list");
	ok("pl prefix del office 203.0.113.0/28", NULL);
	show("pl show office", "203.0.113.0/28", false);
	fails(1, "pl prefix del office 203.0.113.0/28", "not in prefix list");

	show("nacl show priv2", "ingress 100 allow tcp 80 from 10.0.2.0/24 hits 42", true);
	ok("nacl rule add priv2 ingress 105 deny udp 1000-2000 from 10.0.2.0/24 to 10.0.1.0/24", NULL);
	show("nacl show priv2", "ingress 105 deny udp 1000-2000 from 10.0.2.0/24 to 10.0.1.0/24 hits 0", true);
	fails(1, "nacl rule add priv2 ingress 105 allow all from 0.0.0.0/0", "already has ingress rule 105");
	ok("nacl rule del priv2 ingress 105", NULL);
	show("nacl show priv2", "ingress 105", false);
	fails(1, "nacl rule del priv2 ingress 105", "has no ingress rule 105");
	fails(2, "nacl rule add priv2 ingress 0 allow all from 0.0.0.0/0", "rule number");
	fails(1, "nacl rule add priv2 egress 7 allow tcp 80 to 10.0.2.1/24", "did you mean 10.0.2.0/24");
}

/* A NEIGH_ADD / NEIGH_DEL request through the client library: the error and its text. */
static int neigh_raw(uint8_t cmd, const void *extra, uint16_t extra_type, uint16_t extra_len, bool mac,
		     char *err, size_t len)
{
	static const uint8_t hw[6] = { 2, 0, 0x5e, 0, 1, 0x16 };
	struct mgmt_client *c;
	struct nl_msg *req;
	struct nlattr *n;
	int rc;

	rc = mgmt_client_open(sock_path, &c, err, len);
	if (rc < 0)
		return rc;
	req = mgmt_client_request(cmd);
	n = nla_nest_start(req, MGMT_A_NEIGH);
	nla_put_u32(req, MGMT_NEIGH_A_ADDR, 0x0a000116); /* 10.0.1.22 */
	if (mac)
		nla_put(req, MGMT_NEIGH_A_MAC, 6, hw);
	nla_put_string(req, MGMT_NEIGH_A_PORT, "in1");
	if (extra)
		nla_put(req, extra_type, extra_len, extra);
	nla_nest_end(req, n);
	rc = mgmt_client_call(c, req, NULL, NULL, err, len);
	mgmt_client_close(c);
	return rc;
}

static void test_neigh(void)
{
	static const struct { const char *cmd, *want; } errs[] = {
		{ "neigh add 10.0.2.20 lladdr 02:00:5e:00:01:14 dev in1", "not a neighbour in the subnet of port in1 (10.0.1.0/24)" },
		{ "neigh add 10.0.1.1 lladdr 02:00:5e:00:01:14 dev in1", "10.0.1.1 is port in1's own address" },
		{ "neigh add 10.0.1.21 lladdr ff:ff:ff:ff:ff:ff dev in1", "multicast/broadcast" },
		{ "neigh add 10.0.1.21 lladdr 01:00:5e:00:00:01 dev in1", "multicast/broadcast" },
		{ "neigh add 10.0.1.21 lladdr 00:00:00:00:00:00 dev in1", "all zeros" },
		{ "neigh add 10.0.1.21 lladdr 02:00:5e:00:01:15 dev nosuch", "unknown port \"nosuch\" (ports: in1, in2, out)" },
		{ "neigh add 10.0.1.20 lladdr 02:00:5e:00:01:15 dev in1", "neighbour 10.0.1.20 on port in1 is already configured" },
		{ "neigh del 10.0.1.21 dev in1", "no static neighbour 10.0.1.21 on port in1" },
		{ "neigh del 10.0.1.20 dev nosuch", "unknown port \"nosuch\"" },
	};
	static const struct { const char *cmd, *want; } usage[] = {
		{ "neigh add 10.0.1.21 dev in1", "needs lladdr MAC and dev PORT" },
		{ "neigh add 10.0.1.21 lladdr 02:00:5e:00:01:15", "needs lladdr MAC and dev PORT" },
		{ "neigh add 10.0.1.21 lladdr 02:00:5e:00:01 dev in1", "bad MAC address" },
		{ "neigh add 10.0.1.256 lladdr 02:00:5e:00:01:15 dev in1", "expected an address" },
		{ "neigh add", "expected an address" },
		{ "neigh add 10.0.1.21 lladdr 02:00:5e:00:01:15 dev", "missing value after \"dev\"" },
		{ "neigh add 10.0.1.21 lladdr 02:00:5e:00:01:15 dev in1 dev in2", "unexpected \"dev\"" },
		{ "neigh del 10.0.1.21 lladdr 02:00:5e:00:01:15 dev in1", "unexpected \"lladdr\"" },
		{ "neigh del 10.0.1.21", "needs dev PORT" },
		{ "neigh del 10.0.1.21 dev aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than 31" },
		{ "neigh show extra", "too many arguments" },
		{ "neigh flush", "unknown neigh command \"flush\"" },
	};
	unsigned changes;
	uint8_t st = 1, mac5[5] = { 2, 0, 0, 0, 1 };
	char err[NATGW_ERR_MAX];
	int rc;

	/* add, show (table and configuration), delete, show */
	ok("neigh add 10.0.1.20 lladdr 02:00:5E:00:01:14 dev in1", NULL);
	show("neigh show", "10.0.1.20 dev in1 lladdr 02:00:5e:00:01:14 PERMANENT age 0", true);
	ok("-j neigh show", "{\"dst\":\"10.0.1.20\",\"dev\":\"in1\",\"lladdr\":\"02:00:5e:00:01:14\",\"state\":\"PERMANENT\"");
	show("config dump", "neigh.1 = 10.0.1.20 lladdr 02:00:5e:00:01:14 dev in1", true);
	ok("neigh add 10.0.2.20 lladdr 02:00:5e:00:02:14 dev in2", NULL);
	show("config dump", "neigh.2 = 10.0.2.20 lladdr 02:00:5e:00:02:14 dev in2", true);
	changes = fk.changes;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		fails(1, errs[i].cmd, errs[i].want);
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++)
		fails(2, usage[i].cmd, usage[i].want);
	CHECK(fk.changes == changes, "refused neighbour commands changed the configuration (%u -> %u)", changes,
	      fk.changes);
	ok("neigh del 10.0.1.20 dev in1", NULL);
	show("neigh show", "10.0.1.20", false);
	show("neigh show", "10.0.2.20 dev in2 lladdr 02:00:5e:00:02:14 PERMANENT", true);
	show("config dump", "10.0.1.20", false);
	fails(1, "neigh del 10.0.1.20 dev in1", "no static neighbour 10.0.1.20 on port in1");
	ok("neighbour delete 10.0.2.20 dev in2", NULL); /* alias and long form */
	show("config dump", "[neighbours]", false);
	ok("neigh help", "neigh add ADDRESS lladdr MAC dev PORT");

	/* the protocol: required and reply-only attributes, exact MAC length */
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, NULL, 0, 0, false, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "NEIGH needs ADDR, MAC and PORT"), "add without MAC: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, &st, MGMT_NEIGH_A_STATE, 1, true, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "reply attributes"), "add with STATE: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_DEL, NULL, 0, 0, true, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "MAC, STATE and AGE are reply attributes"), "del with MAC: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, mac5, MGMT_NEIGH_A_MAC, 5, false, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "NEIGH.MAC: expected 6 bytes, got 5"), "5-byte MAC: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, &st, 77, 1, true, err, sizeof(err));
	CHECK(rc == -EINVAL && strstr(err, "unknown attribute type 77 in NEIGH"), "unknown attr: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, NULL, 0, 0, true, err, sizeof(err));
	CHECK(rc == 0, "raw add: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_ADD, NULL, 0, 0, true, err, sizeof(err));
	CHECK(rc == -EEXIST && strstr(err, "delete it first"), "raw add twice: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_DEL, NULL, 0, 0, false, err, sizeof(err));
	CHECK(rc == 0, "raw del: %d %s", rc, err);
	rc = neigh_raw(MGMT_CMD_NEIGH_DEL, NULL, 0, 0, false, err, sizeof(err));
	CHECK(rc == -ESRCH, "raw del twice: %d %s", rc, err);
	CHECK(fk.cfg.n_neighbours == 0, "%u static neighbours left", fk.cfg.n_neighbours);
}

static void test_misc(void)
{
	show("port show", "1: in2 driver net_null mac 02:00:00:00:00:02 link up", true);
	show("port counters in1", "rx_packets 2001", true);
	fails(1, "port show nosuch", "no port \"nosuch\"");
	show("neigh show", "203.0.113.10 dev out lladdr 02:00:00:00:03:0a REACHABLE age 12", true);
	show("stats", "no_route", true);
	run("stats");
	CHECK(has_counter("no_route", 11), "stats: no_route 11 in:\n%s", out_buf);
	show("stats -w", "worker 1:", true);
	show("counters show worker 1", "no_route", true);
	run("counters show worker 1");
	CHECK(has_counter("no_route", 6), "worker 1: no_route 6 in:\n%s", out_buf);
	ok("counters reset", NULL);
	run("stats");
	CHECK(has_counter("no_route", 0), "after reset: no_route 0 in:\n%s", out_buf);
	fails(1, "stats worker 9", "no worker 9");
	fk.reset = false;
	show("config dump", "[sg public-web]", true);
	/* the dump loads back */
	{
		struct natgw_config c;
		char err[NATGW_ERR_MAX];

		run("config dump");
		CHECK(config_load_ini_text("dump", out_buf, strlen(out_buf), &c, err, sizeof(err)) == 0,
		      "config dump does not load: %s", err);
		config_free(&c);
	}
	ok("config reload " CONFIG_FILE, NULL);
	fails(1, "config reload /nonexistent.ini", "nonexistent");
	fails(2, "config bogus", "usage error");
	ok("help", "natgwctl route add");
	ok("route help", "route del PREFIX");
	fails(2, "bogus", "unknown object");
	ok("ro sh", "proto connected"); /* abbreviations */
}

/* monitor count 2 in a child while a route is added and the daemon reports an event. */
static void test_monitor(void)
{
	int po[2], status;
	pid_t pid;

	CHECK(pipe(po) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		close(po[0]);
		execl(ctl_path, ctl_path, "-s", sock_path, "monitor", "count", "2", (char *)NULL);
		_exit(97);
	}
	close(po[1]);
	for (int i = 0; i < 100 && !fk.events_on; i++)
		usleep(20000);
	CHECK(fk.events_on, "monitor did not enable events");
	pthread_mutex_lock(&fk.lock);
	fk.ev[fk.n_ev++] = (struct mgmt_event){ .kind = MGMT_EV_PORTS_EXHAUSTED, .worker = 1,
						 .session = { .proto = 6, .orig_src = 0x0a00010a } };
	pthread_mutex_unlock(&fk.lock);
	usleep(100000);
	ok("route add 10.7.0.0/16 blackhole", NULL);
	slurp(po[0], out_buf, sizeof(out_buf));
	close(po[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "monitor exit status %d", status);
	CHECK(strstr(out_buf, "ports_exhausted tcp src 10.0.1.10 worker 1") != NULL, "monitor: %s", out_buf);
	CHECK(strstr(out_buf, "route_changed route add 10.7.0.0/16 blackhole table main") != NULL,
	      "monitor: %s", out_buf);
	for (int i = 0; i < 100 && fk.events_on; i++)
		usleep(20000);
	CHECK(!fk.events_on, "events still enabled after the monitor left");
	ok("route del 10.7.0.0/16", NULL);
}

/* ---- bad input on the socket ------------------------------------------------- */

/* Connect a raw client. */
static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send buf on a fresh connection; return the error of the first answer
 * (1: no NLMSG_ERROR, 2: closed / no answer) and its text in text. */
static int raw_error(const void *buf, size_t n, char *text, size_t len)
{
	static uint8_t rx[NATGW_MGMT_DGRAM_MAX];
	struct pollfd p;
	int fd = raw_connect(), error = 1;
	struct nlmsghdr *nlh;
	const char *t;
	size_t off = 0;
	ssize_t r;
	char e[160];

	text[0] = '\0';
	if (fd < 0)
		return 2;
	if (send(fd, buf, n, 0) < 0) {
		close(fd);
		return 2;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 3000) <= 0 || (r = recv(fd, rx, sizeof(rx), 0)) <= 0) {
		close(fd);
		return 2;
	}
	while (mgmt_dgram_next(rx, (size_t)r, &off, &nlh, e, sizeof(e)) > 0) {
		if (nlh->nlmsg_type == NLMSG_ERROR && mgmt_msg_error_parse(nlh, &error, &t) == 0) {
			snprintf(text, len, "%s", t ? t : "");
			break;
		}
	}
	close(fd);
	return error;
}

/* A request message of cmd with a raw attribute (type, payload of n bytes). */
static size_t raw_msg(uint8_t *buf, uint8_t cmd, uint8_t version, int atype, const void *pl, uint16_t n)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct natgw_mgmt_hdr *g = (struct natgw_mgmt_hdr *)(buf + NLMSG_HDRLEN);
	size_t len = NLMSG_HDRLEN + sizeof(*g);

	memset(buf, 0, 256);
	g->cmd = cmd;
	g->version = version;
	if (atype > 0) {
		struct nlattr *a = (struct nlattr *)(buf + len);

		a->nla_type = (uint16_t)atype;
		a->nla_len = (uint16_t)(NLA_HDRLEN + n);
		memcpy(buf + len + NLA_HDRLEN, pl, n);
		len += NLA_ALIGN(a->nla_len);
	}
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = NATGW_MGMT_MSG_TYPE;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 77;
	return len;
}

static void test_bad_input(void)
{
	static uint8_t big[NATGW_MGMT_REQ_MAX + 100];
	uint8_t buf[256];
	char text[512];
	uint32_t u32 = 5;
	size_t n;
	int e;

	n = raw_msg(buf, MGMT_CMD_COUNTERS_RESET, 1, 0, NULL, 0);
	CHECK(raw_error(buf, n, text, sizeof(text)) == 0, "a good request is ACKed");
	/* truncated: nlmsg_len says more than was sent */
	CHECK(raw_error(buf, n - 2, text, sizeof(text)) == -EBADMSG, "truncated message");
	CHECK(strstr(text, "truncated") != NULL, "truncated: %s", text);
	/* shorter than a header */
	CHECK(raw_error(buf, 10, text, sizeof(text)) == -EBADMSG, "10-byte datagram");
	/* no family header */
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN;
	CHECK(raw_error(buf, NLMSG_HDRLEN, text, sizeof(text)) == -EINVAL, "no family header");
	/* unknown command */
	n = raw_msg(buf, 200, 1, 0, NULL, 0);
	CHECK(raw_error(buf, n, text, sizeof(text)) == -EOPNOTSUPP && strstr(text, "unknown command 200"),
	      "unknown command: %s", text);
	n = raw_msg(buf, MGMT_CMD_EVENT, 1, 0, NULL, 0);
	CHECK(raw_error(buf, n, text, sizeof(text)) == -EOPNOTSUPP, "EVENT is not a request");
	/* wrong version */
	n = raw_msg(buf, MGMT_CMD_COUNTERS_RESET, 9, 0, NULL, 0);
	CHECK(raw_error(buf, n, text, sizeof(text)) == -EPROTO, "wrong version");
	/* attribute not valid for the command */
	n = raw_msg(buf, MGMT_CMD_COUNTERS_RESET, 1, MGMT_A_LIMIT, &u32, 4);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL && strstr(text, "LIMIT is not valid"), "attr not allowed: %d %s", e, text);
	/* unknown attribute type */
	n = raw_msg(buf, MGMT_CMD_ROUTE_GET, 1, 999, &u32, 4);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL && strstr(text, "unknown attribute type 999"), "unknown attr: %d %s", e, text);
	/* wrong length: LIMIT (u32) with 2 bytes */
	n = raw_msg(buf, MGMT_CMD_NAT_SESSION_GET, 1, MGMT_A_LIMIT, &u32, 2);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL && strstr(text, "expected u32 (4 bytes), got 2"), "wrong length: %d %s", e, text);
	/* wrong type: TABLE (string) without NUL */
	n = raw_msg(buf, MGMT_CMD_ROUTE_GET, 1, MGMT_A_TABLE, "main", 4);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL && strstr(text, "NUL-terminated"), "string without NUL: %d %s", e, text);
	/* wrong type: a u32 where a nest is expected (ROUTE) -> its "attributes" are garbage */
	u32 = 0xffffffff;
	n = raw_msg(buf, MGMT_CMD_ROUTE_ADD, 1, MGMT_A_ROUTE, &u32, 4);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL, "u32 for a nest: %d %s", e, text);
	/* missing required attribute */
	n = raw_msg(buf, MGMT_CMD_ROUTE_ADD, 1, 0, NULL, 0);
	e = raw_error(buf, n, text, sizeof(text));
	CHECK(e == -EINVAL && strstr(text, "missing attribute ROUTE"), "missing attr: %d %s", e, text);
	/* oversized */
	memset(big, 0, sizeof(big));
	((struct nlmsghdr *)big)->nlmsg_len = sizeof(big);
	e = raw_error(big, sizeof(big), text, sizeof(text));
	CHECK(e == -EMSGSIZE, "oversized request: %d %s", e, text);
	/* garbage */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	e = raw_error(buf, sizeof(buf), text, sizeof(text));
	CHECK(e < 0, "garbage: %d", e);
	/* still serving */
	ok("route show", "proto connected");
}

/* Several routes in one request (one change), then a session dump of 50000
 * entries (many datagrams) abandoned after the first datagram. */
static void test_batch_and_abandoned_dump(void)
{
	struct mgmt_server_stats st;
	struct mgmt_client *c;
	struct nl_msg *req;
	char err[NATGW_ERR_MAX];
	unsigned n = 0, lines = 0;
	uint8_t rx[1024], b[256];
	size_t len;
	int rc, fd;

	rc = mgmt_client_open(sock_path, &c, err, sizeof(err));
	CHECK(rc == 0, "open: %s", err);
	if (rc < 0)
		return;
	req = mgmt_client_request(MGMT_CMD_ROUTE_ADD);
	for (unsigned i = 0; i < 1000; i++, n++) {
		struct natgw_route r = { .prefix = 0x64000000u + (i << 8), .len = 24,
					 .type = NATGW_ROUTE_BLACKHOLE };

		if (nlmsg_hdr(req)->nlmsg_len > NATGW_MGMT_MSG_MAX - 64 ||
		    mgmt_route_put(req, MGMT_A_ROUTE, &r, NULL) < 0)
			break;
	}
	rc = mgmt_client_call(c, req, NULL, NULL, err, sizeof(err));
	CHECK(rc == 0 && n > 200, "batch add of %u routes: %s", n, err);
	/* a batch with one bad route changes nothing */
	req = mgmt_client_request(MGMT_CMD_ROUTE_DEL);
	for (unsigned i = 0; i < 2; i++) {
		struct natgw_route r = { .prefix = i ? 0x0a0a0000u : 0x64000000u, .len = i ? 16 : 24 };

		mgmt_route_put(req, MGMT_A_ROUTE, &r, NULL);
	}
	rc = mgmt_client_call(c, req, NULL, NULL, err, sizeof(err));
	CHECK(rc == -ESRCH && strstr(err, "no route 10.10.0.0/16"), "bad batch: %d %s", rc, err);
	mgmt_client_close(c);
	ok("route show", "100.0.0.0/24 blackhole");
	for (const char *p = out_buf; *p; p++)
		lines += *p == '\n';
	CHECK(lines >= n, "%u routes added, %u shown", n, lines);

	/* the whole big dump, through natgwctl */
	ok("nat sessions proto 99 limit 1048576", "50000 sessions");
	/* the same dump, abandoned after one datagram */
	fd = raw_connect();
	len = raw_msg(b, MGMT_CMD_NAT_SESSION_GET, 1, 0, NULL, 0);
	{
		/* FILTER { PROTO 99 } */
		struct nlattr *f = (struct nlattr *)(b + len), *p = (struct nlattr *)(b + len + NLA_HDRLEN);

		f->nla_type = MGMT_A_FILTER;
		f->nla_len = NLA_HDRLEN + NLA_HDRLEN + 4;
		p->nla_type = MGMT_SF_A_PROTO;
		p->nla_len = NLA_HDRLEN + 1;
		*((uint8_t *)p + NLA_HDRLEN) = 99;
		len += f->nla_len;
		((struct nlmsghdr *)b)->nlmsg_len = (uint32_t)len;
		((struct nlmsghdr *)b)->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	}
	CHECK(send(fd, b, len, 0) == (ssize_t)len, "send dump request");
	CHECK(recv(fd, rx, sizeof(rx), MSG_TRUNC) > (ssize_t)sizeof(rx), "first datagram is a full one");
	close(fd);
	usleep(200000);
	mgmt_server_stats_get(srv, &st);
	CHECK(st.clients == 0, "abandoned dump: %u clients still connected", st.clients);
	ok("route show table main", "100.0.0.0/24");
	/* clean up the batch */
	for (unsigned i = 0; i < n; i += 1) {
		if (i > 3 && i < n - 1)
			continue;
		run("route del 100.%u.%u.0/24", (0x64000000u + (i << 8)) >> 16 & 255, i & 255);
	}
}

/* Unauthorised peers and group members. */
static void test_auth(void)
{
	struct mgmt_server_stats st0, st1;
	struct mgmt_server *s2;
	char err[NATGW_ERR_MAX], path2[sizeof(sock_path)];
	int rc;

	if (geteuid() != 0) {
		printf("test_auth: skipped (needs root to change uid)\n");
		return;
	}
	/* mode 0660 root:root: uid 65534 cannot even connect */
	rc = run_as(65534, 65534, "route show");
	CHECK(rc == 1 && strstr(err_buf, "Permission denied"), "uid 65534 with mode 0660: %d %s", rc, err_buf);
	/* with the file open to all, SO_PEERCRED refuses it */
	mgmt_server_stats_get(srv, &st0);
	CHECK(chmod(sock_path, 0666) == 0, "chmod");
	rc = run_as(65534, 65534, "route show");
	CHECK(rc == 1 && strstr(err_buf, "closed the connection"), "uid 65534 by SO_PEERCRED: %d %s", rc, err_buf);
	mgmt_server_stats_get(srv, &st1);
	CHECK(st1.refused == st0.refused + 1, "refused %llu -> %llu", (unsigned long long)st0.refused,
	      (unsigned long long)st1.refused);
	CHECK(chmod(sock_path, 0660) == 0, "chmod back");
	/* a second server whose socket group is 65534: gid 65534 may use it */
	snprintf(path2, sizeof(path2), "%.90s.grp", sock_path);
	rc = mgmt_server_start(path2, "65534", &ops, &s2, err, sizeof(err));
	CHECK(rc == 0, "start with group: %s", err);
	if (rc == 0) {
		struct stat sb;
		char keep[sizeof(sock_path)];

		CHECK(stat(path2, &sb) == 0 && (sb.st_mode & 0777) == 0660 && sb.st_gid == 65534,
		      "socket mode %o gid %u", sb.st_mode & 0777, sb.st_gid);
		snprintf(keep, sizeof(keep), "%s", sock_path);
		memcpy(sock_path, path2, sizeof(sock_path) - 1);
		rc = run_as(65534, 65534, "route show");
		CHECK(rc == 0 && strstr(out_buf, "proto connected"), "group member: %d %s", rc, err_buf);
		rc = run_as(1234, 1234, "route show");
		CHECK(rc == 1, "uid 1234 is not in group 65534: %d", rc);
		snprintf(sock_path, sizeof(sock_path), "%s", keep);
		mgmt_server_stop(s2);
		CHECK(access(path2, F_OK) != 0, "socket removed at stop");
	}
	/* the directory's parent permissions: make sure the temp dir is traversable */
}

/* mgmt_server_start errors. */
static void test_start_errors(void)
{
	struct mgmt_server *s2 = NULL;
	char err[NATGW_ERR_MAX], p[160];
	int rc, fd;

	rc = mgmt_server_start(sock_path, NULL, &ops, &s2, err, sizeof(err));
	CHECK(rc == -EADDRINUSE && strstr(err, "another natgw"), "second server: %d %s", rc, err);
	rc = mgmt_server_start("/tmp/x", "no-such-group-natgw", &ops, &s2, err, sizeof(err));
	CHECK(rc == -ENOENT && strstr(err, "does not exist"), "bad group: %d %s", rc, err);
	snprintf(p, sizeof(p), "%s.file", sock_path);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	rc = mgmt_server_start(p, NULL, &ops, &s2, err, sizeof(err));
	CHECK(rc == -EEXIST && strstr(err, "not a socket"), "path is a file: %d %s", rc, err);
	unlink(p);
	rc = mgmt_server_start("", NULL, &ops, &s2, err, sizeof(err));
	CHECK(rc == -EINVAL, "empty path: %d", rc);
}

/* Three sessions for the session commands. */
static void fake_sessions_init(void)
{
	fk.sess[0] = (struct mgmt_session){ 6, 0x0a00010a, 0xcb00710a, 40000, 80, 0xcb00710a, 0xcb007101, 80, 51000,
					    1, 3, 3, 7440, 0 };
	fk.sess[1] = (struct mgmt_session){ 6, 0x0a00020a, 0xcb00710a, 40001, 443, 0xcb00710a, 0xcb007101, 443,
					    52000, 1, 1, 1, 30, 1 };
	fk.sess[2] = (struct mgmt_session){ 17, 0x0a00020a, 0xcb00710b, 5353, 53, 0xcb00710b, 0xcb007101, 53, 53000,
					    1, 0, 9, 300, 1 };
	fk.n_sess = 3;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/natgw-mgmt-XXXXXX";
	char err[NATGW_ERR_MAX];
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s NATGWCTL\n", argv[0]);
		return 2;
	}
	ctl_path = argv[1];
	unsetenv("NATGW_SOCKET");
	pthread_mutex_init(&fk.lock, NULL);
	rc = config_load_ini(CONFIG_FILE, &fk.cfg, err, sizeof(err));
	CHECK(rc == 0, "load %s: %s", CONFIG_FILE, err);
	if (rc < 0)
		return tu_summary("test_mgmt_server");
	fake_sessions_init();
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	chmod(dir, 0755);
	snprintf(sock_path, sizeof(sock_path), "%s/run/natgw.sock", dir); /* run/ is created */
	rc = mgmt_server_start(sock_path, NULL, &ops, &srv, err, sizeof(err));
	CHECK(rc == 0, "start: %s", err);
	if (rc == 0) {
		char d2[160];

		snprintf(d2, sizeof(d2), "%s/run", dir);
		chmod(d2, 0755);
		test_routes();
		test_nat();
		test_sessions();
		test_filters();
		test_neigh();
		test_misc();
		test_monitor();
		test_bad_input();
		test_batch_and_abandoned_dump();
		test_start_errors();
		test_auth();
		mgmt_server_stop(srv);
		CHECK(access(sock_path, F_OK) != 0, "socket removed at stop");
		rmdir(d2);
	}
	rmdir(dir);
	config_free(&fk.cfg);
	return tu_summary("test_mgmt_server");
}
