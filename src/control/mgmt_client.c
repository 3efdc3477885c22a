/* Management protocol client: connect, send a request, read its answer.
 *
 * Overview: a SOCK_SEQPACKET connection to natgw's socket; mgmt_client_call
 * stamps the request with the next sequence number, sends it as one datagram
 * and reads datagrams until the answer is complete: the ACK or an error for a
 * "do" command, NLMSG_DONE or an error for a dump. Messages with another
 * sequence number (events of a subscription) are skipped during a call.
 * Life-cycle: open -> calls -> close; one thread per connection; no printing.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/mgmt_client.h"

struct mgmt_client {
	int fd;
	uint32_t seq;
	int timeout_ms;
	uint8_t *buf; /* NATGW_MGMT_DGRAM_MAX */
};

/* Connect to the socket at path. */
int mgmt_client_open(const char *path, struct mgmt_client **out, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct mgmt_client *c;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, len, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto err_alloc;
	c->buf = malloc(NATGW_MGMT_DGRAM_MAX);
	if (c->buf == NULL)
		goto err_buf;
	c->timeout_ms = 60000;
	c->seq = (uint32_t)getpid() << 8;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, len, "socket: %s", strerror(-rc));
		goto err_socket;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, len, "cannot connect to %s: %s%s", path, strerror(-rc),
			 rc == -ENOENT || rc == -ECONNREFUSED ? " (is natgw running?)"
			 : rc == -EACCES ? " (root or the socket's group may connect)" : "");
		goto err_connect;
	}
	*out = c;
	return 0;
err_connect:
	close(c->fd);
err_socket:
	free(c->buf);
	free(c);
	return rc;
err_buf:
	free(c);
err_alloc:
	snprintf(err, len, "out of memory");
	return -ENOMEM;
}

/* Close and free. */
void mgmt_client_close(struct mgmt_client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Seconds a call waits for the next part of its answer. */
void mgmt_client_set_timeout(struct mgmt_client *c, int seconds)
{
	c->timeout_ms = seconds > 0 ? seconds * 1000 : -1;
}

/* New request for cmd with the flags its kind needs. */
struct nl_msg *mgmt_client_request(uint8_t cmd)
{
	return mgmt_msg_new(cmd, NLM_F_REQUEST | (mgmt_cmd_is_dump(cmd) ? NLM_F_DUMP : NLM_F_ACK), 0);
}

/* Send raw bytes as one datagram. */
int mgmt_client_send_raw(struct mgmt_client *c, const void *buf, size_t n)
{
	if (send(c->fd, buf, n, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* Receive one datagram into c->buf within timeout_ms. Length, 0 timeout, -errno. */
static ssize_t mgmt_client_read(struct mgmt_client *c, int timeout_ms, char *err, size_t len)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return 0;
	n = recv(c->fd, c->buf, NATGW_MGMT_DGRAM_MAX, MSG_TRUNC);
	if (n < 0 && errno != ECONNRESET) {
		rc = -errno;
		snprintf(err, len, "receive: %s", strerror(-rc));
		return rc;
	}
	if (n <= 0) {
		snprintf(err, len, "natgw closed the connection (not authorised? root or the socket's group may connect)");
		return -ECONNRESET;
	}
	if (n > NATGW_MGMT_DGRAM_MAX) {
		snprintf(err, len, "answer of %zd bytes is larger than %d bytes", n, NATGW_MGMT_DGRAM_MAX);
		return -EMSGSIZE;
	}
	return n;
}

/* Send req and read its whole answer (see mgmt_client.h). */
int mgmt_client_call(struct mgmt_client *c, struct nl_msg *req, mgmt_reply_fn fn, void *arg,
		     char *err, size_t len)
{
	struct nlmsghdr *h = nlmsg_hdr(req);
	bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int rc = 0, cbrc = 0;
	bool done = false;
	uint32_t seq;

	err[0] = '\0';
	seq = h->nlmsg_seq = ++c->seq;
	if (send(c->fd, h, h->nlmsg_len, MSG_NOSIGNAL) < 0) {
		rc = -errno;
		snprintf(err, len, "send: %s%s", strerror(-rc),
			 rc == -EPIPE ? " (natgw closed the connection: not authorised?)" : "");
		nlmsg_free(req);
		return rc;
	}
	nlmsg_free(req);
	while (!done) {
		ssize_t n = mgmt_client_read(c, c->timeout_ms, err, len);
		struct nlmsghdr *nlh;
		size_t off = 0;

		if (n == 0) {
			snprintf(err, len, "no answer from natgw within %d s", c->timeout_ms / 1000);
			return -ETIMEDOUT;
		}
		if (n < 0)
			return (int)n;
		while (!done && (rc = mgmt_dgram_next(c->buf, (size_t)n, &off, &nlh, err, len)) > 0) {
			struct mgmt_msg m;
			const char *text;
			int error;

			if (nlh->nlmsg_seq != seq)
				continue; /* an event, or a stale answer */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (mgmt_msg_error_parse(nlh, &error, &text) < 0) {
					snprintf(err, len, "malformed error message from natgw");
					return -EBADMSG;
				}
				if (error > 0) {
					snprintf(err, len, "natgw answered with a positive error %d", error);
					return -EBADMSG;
				}
				if (error < 0) {
					snprintf(err, len, "%s", text ? text : strerror(-error));
					return error;
				}
				if (!dump)
					done = true;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				continue;
			}
			rc = mgmt_msg_parse(nlh, false, &m, err, len);
			if (rc < 0) {
				char why[NATGW_ERR_MAX];

				snprintf(why, sizeof(why), "%s", err);
				snprintf(err, len, "malformed answer from natgw: %s", why);
				return -EBADMSG;
			}
			if (fn && cbrc == 0)
				cbrc = fn(&m, arg);
		}
		if (rc < 0)
			return -EBADMSG;
	}
	if (cbrc < 0 && err[0] == '\0')
		snprintf(err, len, "%s", strerror(-cbrc));
	return cbrc < 0 ? cbrc : 0;
}

/* Wait for a datagram and call fn for each valid message (see mgmt_client.h). */
int mgmt_client_recv(struct mgmt_client *c, int timeout_ms, mgmt_reply_fn fn, void *arg, int *error,
		     char *err, size_t len)
{
	ssize_t n = mgmt_client_read(c, timeout_ms, err, len);
	struct nlmsghdr *nlh;
	size_t off = 0;
	int count = 0, rc;

	if (error)
		*error = 0;
	if (n <= 0)
		return (int)n;
	while ((rc = mgmt_dgram_next(c->buf, (size_t)n, &off, &nlh, err, len)) > 0) {
		struct mgmt_msg m;
		const char *text;
		int e;

		count++;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (mgmt_msg_error_parse(nlh, &e, &text) == 0 && e != 0) {
				if (error)
					*error = e;
				snprintf(err, len, "%s", text ? text : strerror(-e));
			}
			continue;
		}
		if (nlh->nlmsg_type != NATGW_MGMT_MSG_TYPE)
			continue;
		if (mgmt_msg_parse(nlh, false, &m, err, len) < 0)
			return -EBADMSG;
		if (fn && fn(&m, arg) < 0)
			break;
	}
	return rc < 0 ? -EBADMSG : count;
}
