/* Management server: the UNIX socket, connections, framing and dispatch.
 *
 * Overview: mgmt_server_start() binds a SOCK_SEQPACKET socket (mode 0660,
 * group from the config) and starts one thread that runs a poll loop over the
 * listening socket, a wake-up pipe and up to MGMT_MAX_CLIENTS connections.
 * On accept, SO_PEERCRED decides: uid 0 or a member of the group is served,
 * anyone else is closed at once and counted. Each received datagram (at most
 * NATGW_MGMT_REQ_MAX bytes; a longer one is answered with -EMSGSIZE) is split
 * into messages, each validated by mgmt_msg_parse and handed to its handler
 * (mgmt_cmd_*.c). Replies are packed into datagrams of at most
 * NATGW_MGMT_DGRAM_MAX bytes and queued per connection; sockets are
 * non-blocking, so a client that does not read only stalls itself: while its
 * queue is not empty its dump is not advanced and its requests are not read.
 * Events (EVENTS_SUBSCRIBE) are polled from the daemon every
 * MGMT_EVENT_POLL_MS while someone subscribes, and dropped (counted, and
 * reported as LOST) for a subscriber whose queue is over MGMT_EVENT_QUEUE_MAX.
 *
 * Life-cycle / threads: start -> thread -> stop (wakes the thread through the
 * pipe, joins it, frees every connection and dump, unlinks the socket). Every
 * mgmt_ops call is made from the server thread; the statistics are the only
 * state read from other threads (plain loads of counters).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "control/mgmt_server_int.h"

#define MGMT_MAX_CLIENTS 64
#define MGMT_QUEUE_READ_MAX (256 * 1024)  /* stop reading requests above this backlog */
#define MGMT_EVENT_QUEUE_MAX (1024 * 1024) /* drop events above this backlog */
#define MGMT_EVENT_POLL_MS 20
#define MGMT_EVENT_BATCH 256

struct mgmt_dgram {
	struct mgmt_dgram *next;
	size_t len;
	uint8_t data[];
};

struct mgmt_client {
	int fd;
	uid_t uid;
	struct mgmt_dgram *q_head, *q_tail;
	size_t q_bytes;
	uint8_t *cur;                 /* datagram being assembled (NATGW_MGMT_DGRAM_MAX) */
	size_t cur_len;
	struct mgmt_dump *dump;
	bool subscribed;
	uint32_t ev_mask;
	uint64_t ev_lost;
	bool dead;                    /* close at the end of this loop */
};

struct mgmt_server {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool have_group;
	gid_t gid;
	const struct mgmt_ops *ops;
	int lfd;
	int wake[2];
	pthread_t thread;
	struct mgmt_client *clients[MGMT_MAX_CLIENTS];
	unsigned n_subscribers;
	uint8_t *rxbuf;               /* NATGW_MGMT_REQ_MAX */
	struct mgmt_server_stats stats;
};

/* ---- small helpers shared with the handlers ------------------------------ */

/* Format a host-order address into buf (>= 16 bytes); returns buf. */
const char *mgmt_ntoa(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* Copy a validated string attribute into buf. */
void mgmt_attr_str(const struct nlattr *a, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (a)
		nla_strlcpy(buf, a, len);
}

/* Set r->err from a format; returns rc. */
int mgmt_fail(struct mgmt_req *r, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* Set d->err from a format; returns rc. */
int mgmt_dump_fail(struct mgmt_dump *d, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->rc = rc;
	return rc;
}

/* Apply an edit through ops->config_change with r->err as the message. */
int mgmt_change(struct mgmt_req *r, mgmt_edit_fn fn, void *arg)
{
	int rc;

	if (r->ops->config_change == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw cannot change its configuration");
	r->err[0] = '\0';
	rc = r->ops->config_change(r->ops->ctx, fn, arg, r->err, sizeof(r->err));
	if (rc < 0 && r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "%s", strerror(-rc));
	return rc;
}

/* ---- output queue -------------------------------------------------------- */

/* Move the datagram being assembled to the queue. 0 or -ENOMEM. */
static int mgmt_client_push(struct mgmt_client *c)
{
	struct mgmt_dgram *g;

	if (c->cur_len == 0)
		return 0;
	g = malloc(sizeof(*g) + c->cur_len);
	if (g == NULL)
		return -ENOMEM;
	g->next = NULL;
	g->len = c->cur_len;
	memcpy(g->data, c->cur, c->cur_len);
	if (c->q_tail)
		c->q_tail->next = g;
	else
		c->q_head = g;
	c->q_tail = g;
	c->q_bytes += g->len;
	c->cur_len = 0;
	return 0;
}

/* Append one message to the datagram being assembled (starting a new one when full). */
static int mgmt_client_append(struct mgmt_client *c, struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);
	int rc = 0;

	if (c->cur == NULL) {
		c->cur = malloc(NATGW_MGMT_DGRAM_MAX);
		if (c->cur == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (len > NATGW_MGMT_DGRAM_MAX) {
		rc = -EMSGSIZE;
		goto out;
	}
	if (c->cur_len + len > NATGW_MGMT_DGRAM_MAX) {
		rc = mgmt_client_push(c);
		if (rc < 0)
			goto out;
	}
	memcpy(c->cur + c->cur_len, nlh, nlh->nlmsg_len);
	memset(c->cur + c->cur_len + nlh->nlmsg_len, 0, len - nlh->nlmsg_len);
	c->cur_len += len;
out:
	nlmsg_free(m);
	return rc;
}

/* Send queued datagrams until the socket would block; marks the client dead on error. */
static void mgmt_client_flush(struct mgmt_client *c)
{
	if (mgmt_client_push(c) < 0) {
		c->dead = true;
		return;
	}
	while (c->q_head) {
		struct mgmt_dgram *g = c->q_head;
		ssize_t n = send(c->fd, g->data, g->len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			c->dead = true; /* EPIPE, ECONNRESET: the client left */
			return;
		}
		c->q_head = g->next;
		if (c->q_head == NULL)
			c->q_tail = NULL;
		c->q_bytes -= g->len;
		free(g);
	}
}

/* Queue an NLMSG_ERROR (error 0: ACK) answering req. */
static void mgmt_client_error(struct mgmt_server *s, struct mgmt_client *c,
			      const struct nlmsghdr *req, int error, const char *text, uint32_t off)
{
	struct nl_msg *m = mgmt_msg_error(req, error, text, off);

	if (error != 0)
		s->stats.errors++;
	if (m == NULL || mgmt_client_append(c, m) < 0)
		c->dead = true;
}

/* ---- dumps --------------------------------------------------------------- */

/* Free a dump (calls its release). */
static void mgmt_dump_free(struct mgmt_dump *d)
{
	if (d == NULL)
		return;
	if (d->release)
		d->release(d);
	free(d->priv);
	free(d);
}

/* Start a dump for r (see mgmt_server_int.h). */
struct mgmt_dump *mgmt_dump_start(struct mgmt_req *r, mgmt_dump_fill_fn fill, size_t priv_size)
{
	struct mgmt_dump *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (priv_size) {
		d->priv = calloc(1, priv_size);
		if (d->priv == NULL) {
			free(d);
			return NULL;
		}
	}
	d->srv = r->srv;
	d->cl = r->cl;
	d->ops = r->ops;
	d->cmd = r->msg->cmd;
	d->req = *r->msg->nlh;
	d->fill = fill;
	mgmt_dump_free(r->cl->dump); /* cannot happen: requests wait for dumps */
	r->cl->dump = d;
	r->dump_started = true;
	return d;
}

/* New dump message (NLM_F_MULTI). */
struct nl_msg *mgmt_dump_msg(struct mgmt_dump *d)
{
	return mgmt_msg_new(d->cmd, NLM_F_MULTI, d->req.nlmsg_seq);
}

/* Append a dump message to the current datagram. */
int mgmt_dump_emit(struct mgmt_dump *d, struct nl_msg *m)
{
	if (m == NULL)
		return mgmt_dump_fail(d, -ENOMEM, "out of memory building a reply");
	if (mgmt_client_append(d->cl, m) < 0)
		return mgmt_dump_fail(d, -ENOMEM, "out of memory queueing a reply");
	return 0;
}

/* True when the current datagram has no room for another full-size message. */
bool mgmt_dump_full(const struct mgmt_dump *d)
{
	return d->cl->cur_len + NATGW_MGMT_MSG_MAX > NATGW_MGMT_DGRAM_MAX;
}

/* Run one chunk of the client's dump; ends it with DONE or an error. */
static void mgmt_dump_step(struct mgmt_server *s, struct mgmt_client *c)
{
	struct mgmt_dump *d = c->dump;
	int rc;

	d->err[0] = '\0';
	rc = d->fill(d);
	if (rc > 0)
		return;
	c->dump = NULL;
	if (rc < 0) {
		mgmt_client_error(s, c, &d->req, rc, d->err[0] ? d->err : strerror(-rc), 0);
	} else {
		struct nl_msg *m = mgmt_msg_done(d->req.nlmsg_seq);

		if (m == NULL || mgmt_client_append(c, m) < 0)
			c->dead = true;
	}
	mgmt_dump_free(d);
}

/* ---- requests ------------------------------------------------------------ */

/* New reply message for r's command. */
struct nl_msg *mgmt_reply_new(struct mgmt_req *r)
{
	return mgmt_msg_new(r->msg->cmd, 0, r->msg->nlh->nlmsg_seq);
}

/* Queue a reply message. */
int mgmt_reply(struct mgmt_req *r, struct nl_msg *m)
{
	if (m == NULL)
		return mgmt_fail(r, -ENOMEM, "out of memory building the reply");
	if (mgmt_client_append(r->cl, m) < 0)
		return mgmt_fail(r, -ENOMEM, "out of memory queueing the reply");
	return 0;
}

static const mgmt_handler_fn mgmt_handlers[MGMT_CMD_MAX + 1] = {
	[MGMT_CMD_PORT_GET] = mgmt_cmd_port_get,
	[MGMT_CMD_NEIGH_GET] = mgmt_cmd_neigh_get,
	[MGMT_CMD_ROUTE_GET] = mgmt_cmd_route_get,
	[MGMT_CMD_ROUTE_ADD] = mgmt_cmd_route_change,
	[MGMT_CMD_ROUTE_REPLACE] = mgmt_cmd_route_change,
	[MGMT_CMD_ROUTE_DEL] = mgmt_cmd_route_change,
	[MGMT_CMD_NAT_GET] = mgmt_cmd_nat_get,
	[MGMT_CMD_NAT_TIMEOUTS_SET] = mgmt_cmd_nat_timeouts_set,
	[MGMT_CMD_NAT_FORWARD_GET] = mgmt_cmd_nat_forward_get,
	[MGMT_CMD_NAT_FORWARD_ADD] = mgmt_cmd_nat_forward_change,
	[MGMT_CMD_NAT_FORWARD_DEL] = mgmt_cmd_nat_forward_change,
	[MGMT_CMD_NAT_SESSION_GET] = mgmt_cmd_nat_session_get,
	[MGMT_CMD_NAT_SESSION_COUNT] = mgmt_cmd_nat_session_count,
	[MGMT_CMD_NAT_SESSION_FLUSH] = mgmt_cmd_nat_session_count,
	[MGMT_CMD_SG_GET] = mgmt_cmd_sg_get,
	[MGMT_CMD_SG_RULE_ADD] = mgmt_cmd_sg_change,
	[MGMT_CMD_SG_RULE_DEL] = mgmt_cmd_sg_change,
	[MGMT_CMD_SG_MEMBER_ADD] = mgmt_cmd_sg_change,
	[MGMT_CMD_SG_MEMBER_DEL] = mgmt_cmd_sg_change,
	[MGMT_CMD_PL_GET] = mgmt_cmd_pl_get,
	[MGMT_CMD_PL_PREFIX_ADD] = mgmt_cmd_pl_change,
	[MGMT_CMD_PL_PREFIX_DEL] = mgmt_cmd_pl_change,
	[MGMT_CMD_NACL_GET] = mgmt_cmd_nacl_get,
	[MGMT_CMD_NACL_RULE_ADD] = mgmt_cmd_nacl_change,
	[MGMT_CMD_NACL_RULE_DEL] = mgmt_cmd_nacl_change,
	[MGMT_CMD_COUNTERS_GET] = mgmt_cmd_counters_get,
	[MGMT_CMD_COUNTERS_RESET] = mgmt_cmd_counters_reset,
	[MGMT_CMD_CONFIG_DUMP] = mgmt_cmd_config_dump,
	[MGMT_CMD_CONFIG_RELOAD] = mgmt_cmd_config_reload,
	[MGMT_CMD_EVENTS_SUBSCRIBE] = mgmt_cmd_events_subscribe,
	[MGMT_CMD_NEIGH_ADD] = mgmt_cmd_neigh_change,
	[MGMT_CMD_NEIGH_DEL] = mgmt_cmd_neigh_change,
};

/* Decode and run one request message. */
static void mgmt_request(struct mgmt_server *s, struct mgmt_client *c, struct nlmsghdr *nlh)
{
	struct mgmt_msg msg;
	struct mgmt_req r = { .srv = s, .cl = c, .ops = s->ops, .msg = &msg };
	int rc;

	s->stats.requests++;
	if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_DONE)
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		mgmt_client_error(s, c, nlh, -EINVAL, "clients do not send NLMSG_ERROR", 0);
		return;
	}
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST)) {
		mgmt_client_error(s, c, nlh, -EINVAL, "message without NLM_F_REQUEST", 0);
		return;
	}
	rc = mgmt_msg_parse(nlh, true, &msg, r.err, sizeof(r.err));
	if (rc < 0) {
		mgmt_client_error(s, c, nlh, rc, r.err, msg.bad_off);
		return;
	}
	if (c->dump != NULL) {
		/* cannot happen (input is not read during a dump); refuse to be safe */
		mgmt_client_error(s, c, nlh, -EBUSY, "a dump is in progress on this connection", 0);
		return;
	}
	rc = mgmt_handlers[msg.cmd] ? mgmt_handlers[msg.cmd](&r)
				    : mgmt_fail(&r, -EOPNOTSUPP, "command %s is not implemented",
						mgmt_cmd_name(msg.cmd));
	if (rc < 0) {
		if (r.dump_started) {
			mgmt_dump_free(c->dump);
			c->dump = NULL;
		}
		mgmt_client_error(s, c, nlh, rc, r.err[0] ? r.err : strerror(-rc), r.bad_off);
		return;
	}
	if (r.dump_started) {
		mgmt_dump_step(s, c); /* first chunk at once */
		return;
	}
	if (nlh->nlmsg_flags & NLM_F_ACK)
		mgmt_client_error(s, c, nlh, 0, NULL, 0);
}

/* Read one datagram from a client and run the requests in it. */
static void mgmt_client_read(struct mgmt_server *s, struct mgmt_client *c)
{
	char err[160];
	size_t off = 0;
	ssize_t n;
	int rc;

	n = recv(c->fd, s->rxbuf, NATGW_MGMT_REQ_MAX, MSG_DONTWAIT | MSG_TRUNC);
	if (n == 0) {
		c->dead = true;
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			c->dead = true;
		return;
	}
	if ((size_t)n > NATGW_MGMT_REQ_MAX) {
		struct nlmsghdr h;

		memcpy(&h, s->rxbuf, sizeof(h));
		snprintf(err, sizeof(err), "request of %zd bytes is larger than %d bytes", n,
			 NATGW_MGMT_REQ_MAX);
		mgmt_client_error(s, c, &h, -EMSGSIZE, err, 0);
		return;
	}
	for (;;) {
		struct nlmsghdr *nlh;

		rc = mgmt_dgram_next(s->rxbuf, (size_t)n, &off, &nlh, err, sizeof(err));
		if (rc == 0)
			break;
		if (rc < 0) {
			struct nlmsghdr h = { 0 };

			if ((size_t)n - (off < (size_t)n ? off : (size_t)n) >= sizeof(h))
				memcpy(&h, s->rxbuf + off, sizeof(h));
			mgmt_client_error(s, c, &h, -EBADMSG, err, 0);
			break;
		}
		mgmt_request(s, c, nlh);
		if (c->dump || c->dead)
			break; /* the rest of a batch after a dump request is dropped */
	}
}

/* ---- events -------------------------------------------------------------- */

/* Queue one event for every subscriber that wants it. */
static void mgmt_event_deliver(struct mgmt_server *s, const struct mgmt_event *e)
{
	for (unsigned i = 0; i < MGMT_MAX_CLIENTS; i++) {
		struct mgmt_client *c = s->clients[i];
		struct nl_msg *m;

		if (c == NULL || !c->subscribed || c->dead || !(c->ev_mask & (1u << e->kind)))
			continue;
		if (c->q_bytes + c->cur_len > MGMT_EVENT_QUEUE_MAX) {
			c->ev_lost++;
			s->stats.events_dropped++;
			continue;
		}
		m = mgmt_msg_new(MGMT_CMD_EVENT, 0, 0);
		if (m == NULL || mgmt_event_put(m, e, c->ev_lost) < 0) {
			nlmsg_free(m);
			c->ev_lost++;
			s->stats.events_dropped++;
			continue;
		}
		c->ev_lost = 0;
		if (mgmt_client_append(c, m) < 0)
			c->dead = true;
	}
}

/* Report ROUTE_CHANGED / CONFIG_CHANGED to subscribers. */
void mgmt_server_notify(struct mgmt_server *s, uint8_t kind, const char *text)
{
	struct mgmt_event e = { .kind = kind };

	if (s->n_subscribers == 0)
		return;
	snprintf(e.text, sizeof(e.text), "%s", text);
	mgmt_event_deliver(s, &e);
}

/* Take pending events from the daemon and deliver them. */
static void mgmt_events_pump(struct mgmt_server *s)
{
	struct mgmt_event ev[64];
	unsigned total = 0;
	size_t n;

	if (s->ops->events_poll == NULL)
		return;
	do {
		n = s->ops->events_poll(s->ops->ctx, ev, 64);
		for (size_t i = 0; i < n && i < 64; i++)
			if (ev[i].kind >= MGMT_EV_SESSION_CREATED && ev[i].kind < 32)
				mgmt_event_deliver(s, &ev[i]);
		total += (unsigned)n;
	} while (n == 64 && total < MGMT_EVENT_BATCH);
}

/* Update the number of subscribers and the daemon's event production. */
static void mgmt_subscribers_set(struct mgmt_server *s, int delta)
{
	unsigned before = s->n_subscribers;

	s->n_subscribers = (unsigned)((int)s->n_subscribers + delta);
	if ((before == 0) != (s->n_subscribers == 0) && s->ops->events_enable)
		s->ops->events_enable(s->ops->ctx, s->n_subscribers > 0);
}

/* EVENTS_SUBSCRIBE: set this connection's event mask. */
int mgmt_cmd_events_subscribe(struct mgmt_req *r)
{
	struct nlattr *a = r->msg->tb[MGMT_A_EVENT_MASK];
	uint32_t mask = a ? nla_get_u32(a) : 0xfffffffeu;
	struct mgmt_client *c = r->cl;
	bool on = (mask & ~1u) != 0;

	if (on && r->ops->events_poll == NULL)
		return mgmt_fail(r, -EOPNOTSUPP, "this natgw does not produce events");
	if (on != c->subscribed)
		mgmt_subscribers_set(r->srv, on ? 1 : -1);
	c->subscribed = on;
	c->ev_mask = mask;
	c->ev_lost = 0;
	return 0;
}

/* ---- connections --------------------------------------------------------- */

/* True when the peer may use the socket: uid 0 or a member of the group. */
static bool mgmt_peer_allowed(const struct mgmt_server *s, const struct ucred *cr)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[256];
	int ngroups = 256;
	char buf[4096];

	if (cr->uid == 0)
		return true;
	if (!s->have_group)
		return false;
	if (cr->gid == s->gid)
		return true;
	if (getpwuid_r(cr->uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
		return false;
	if (pw.pw_gid == s->gid)
		return true;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
		ngroups = 256; /* more groups than fit: check the ones we got */
	for (int i = 0; i < ngroups && i < 256; i++)
		if (groups[i] == s->gid)
			return true;
	return false;
}

/* Accept pending connections; refuse unauthorised peers. */
static void mgmt_accept(struct mgmt_server *s)
{
	for (;;) {
		struct ucred cr;
		socklen_t crlen = sizeof(cr);
		struct mgmt_client *c;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		unsigned slot;

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0 ||
		    !mgmt_peer_allowed(s, &cr)) {
			s->stats.refused++;
			close(fd);
			continue;
		}
		for (slot = 0; slot < MGMT_MAX_CLIENTS && s->clients[slot]; slot++)
			;
		c = slot < MGMT_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
		if (c == NULL) {
			s->stats.refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cr.uid;
		s->clients[slot] = c;
		s->stats.accepted++;
		s->stats.clients++;
	}
}

/* Close a connection and free everything it holds (a dump in progress too). */
static void mgmt_client_free(struct mgmt_server *s, unsigned slot)
{
	struct mgmt_client *c = s->clients[slot];

	if (c == NULL)
		return;
	if (c->subscribed)
		mgmt_subscribers_set(s, -1);
	mgmt_dump_free(c->dump);
	while (c->q_head) {
		struct mgmt_dgram *g = c->q_head;

		c->q_head = g->next;
		free(g);
	}
	free(c->cur);
	close(c->fd);
	free(c);
	s->clients[slot] = NULL;
	s->stats.clients--;
}

/* The server thread: poll loop until the wake pipe says stop. */
static void *mgmt_server_main(void *arg)
{
	struct mgmt_server *s = arg;
	struct pollfd pfd[MGMT_MAX_CLIENTS + 2];
	unsigned slot_of[MGMT_MAX_CLIENTS + 2];

	for (;;) {
		int timeout = s->n_subscribers ? MGMT_EVENT_POLL_MS : 1000;
		unsigned n = 0;
		int rc;

		pfd[n++] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (unsigned i = 0; i < MGMT_MAX_CLIENTS; i++) {
			struct mgmt_client *c = s->clients[i];
			short ev = 0;

			if (c == NULL)
				continue;
			if (c->q_head)
				ev |= POLLOUT;
			else if (c->dump == NULL && c->q_bytes < MGMT_QUEUE_READ_MAX)
				ev |= POLLIN;
			else if (c->dump != NULL)
				timeout = 0; /* a dump can go on at once */
			slot_of[n] = i;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		rc = poll(pfd, n, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			break;
		if (pfd[1].revents & POLLIN)
			mgmt_accept(s);
		for (unsigned k = 2; k < n; k++) {
			struct mgmt_client *c = s->clients[slot_of[k]];

			if (c == NULL)
				continue;
			if (pfd[k].revents & (POLLERR | POLLNVAL))
				c->dead = true;
			else if (pfd[k].revents & POLLIN)
				mgmt_client_read(s, c);
			else if ((pfd[k].revents & POLLHUP) && !c->q_head)
				c->dead = true;
		}
		if (s->n_subscribers)
			mgmt_events_pump(s);
		for (unsigned i = 0; i < MGMT_MAX_CLIENTS; i++) {
			struct mgmt_client *c = s->clients[i];

			if (c == NULL)
				continue;
			if (!c->dead)
				mgmt_client_flush(c);
			/* advance a dump while the client keeps up (bounded per loop) */
			for (int k = 0; k < 4 && !c->dead && c->dump && !c->q_head; k++) {
				mgmt_dump_step(s, c);
				mgmt_client_flush(c);
			}
			if (c->dead)
				mgmt_client_free(s, i);
		}
	}
	return NULL;
}

/* ---- start / stop -------------------------------------------------------- */

/* Resolve a group name or number. 0 or -ENOENT. */
static int mgmt_group_lookup(const char *group, gid_t *gid)
{
	struct group gr, *grp = NULL;
	char buf[4096], *end;
	unsigned long v;

	if (getgrnam_r(group, &gr, buf, sizeof(buf), &grp) == 0 && grp != NULL) {
		*gid = grp->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(group, &end, 10);
	if (*group >= '0' && *group <= '9' && *end == '\0' && errno == 0 && v < 0xffffffffu) {
		*gid = (gid_t)v;
		return 0;
	}
	return -ENOENT;
}

/* Remove a stale socket at path; -EADDRINUSE if a server answers there. */
static int mgmt_path_clear(const char *path, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, len, "management socket %s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, len, "management socket %s: another natgw is listening there", path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = -errno;
		snprintf(err, len, "management socket %s: cannot remove the stale socket: %s", path,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

/* Create the directory holding path (one level) when it is missing. */
static int mgmt_path_dir(const char *path, char *err, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;

		snprintf(err, len, "management socket %s: cannot create %s: %s", path, dir,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

/* Start the server (see mgmt.h). */
int mgmt_server_start(const char *path, const char *group, const struct mgmt_ops *ops,
		      struct mgmt_server **out, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mgmt_server *s;
	int rc;

	*out = NULL;
	if (path == NULL || *path == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, len, "management socket path \"%s\" is empty or longer than %zu characters",
			 path ? path : "", sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto err_alloc;
	s->lfd = -1;
	s->wake[0] = s->wake[1] = -1;
	s->ops = ops;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->rxbuf = malloc(NATGW_MGMT_REQ_MAX);
	if (s->rxbuf == NULL) {
		snprintf(err, len, "management server: out of memory");
		rc = -ENOMEM;
		goto err_rxbuf;
	}
	if (group && *group) {
		if (mgmt_group_lookup(group, &s->gid) < 0) {
			snprintf(err, len, "management socket group \"%s\" does not exist", group);
			rc = -ENOENT;
			goto err_group;
		}
		s->have_group = true;
	}
	rc = mgmt_path_dir(path, err, len);
	if (rc < 0)
		goto err_group;
	rc = mgmt_path_clear(path, err, len);
	if (rc < 0)
		goto err_group;
	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto err_errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto err_errno;
	if (chmod(path, 0660) < 0 || (s->have_group && chown(path, (uid_t)-1, s->gid) < 0) ||
	    listen(s->lfd, 16) < 0) {
		rc = -errno;
		snprintf(err, len, "management socket %s: %s", path, strerror(-rc));
		goto err_bound;
	}
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = -errno;
		snprintf(err, len, "management server: pipe: %s", strerror(-rc));
		goto err_bound;
	}
	rc = pthread_create(&s->thread, NULL, mgmt_server_main, s);
	if (rc != 0) {
		rc = -rc;
		snprintf(err, len, "management server: cannot start its thread: %s", strerror(-rc));
		goto err_bound;
	}
	pthread_setname_np(s->thread, "natgw-mgmt");
	*out = s;
	return 0;

err_errno:
	rc = -errno;
	snprintf(err, len, "management socket %s: %s", path, strerror(-rc));
	if (s->lfd >= 0)
		goto err_socket;
	goto err_group;
err_bound:
	unlink(path);
err_socket:
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	close(s->lfd);
err_group:
	free(s->rxbuf);
err_rxbuf:
	free(s);
	return rc;
err_alloc:
	snprintf(err, len, "management server: out of memory");
	return -ENOMEM;
}

/* Stop the server and free it (see mgmt.h). */
void mgmt_server_stop(struct mgmt_server *s)
{
	char one = 1;

	if (s == NULL)
		return;
	if (write(s->wake[1], &one, 1) < 0) {
		/* the pipe is non-blocking and empty: cannot fail in practice */
	}
	pthread_join(s->thread, NULL);
	for (unsigned i = 0; i < MGMT_MAX_CLIENTS; i++)
		mgmt_client_free(s, i);
	close(s->lfd);
	unlink(s->path);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s->rxbuf);
	free(s);
}

/* Copy of the server's counters. */
void mgmt_server_stats_get(const struct mgmt_server *s, struct mgmt_server_stats *out)
{
	*out = s->stats;
}
