/* Management protocol client (used by natgwctl and the tests).
 *
 * One connection to natgw's management socket; requests are sent one at a
 * time and answered completely (all dump parts, the ACK or the error) before
 * the call returns. Every reply message is validated with mgmt_msg_parse
 * before the callback sees it. Not thread-safe: one thread per connection.
 * Nothing here prints.
 */
#ifndef NATGW_CONTROL_MGMT_CLIENT_H
#define NATGW_CONTROL_MGMT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "control/mgmt_proto.h"

struct mgmt_client;

/* Called for each data message of an answer (or event); a negative return
 * stops the callbacks and becomes the call's result (the answer is still read
 * to its end). */
typedef int (*mgmt_reply_fn)(const struct mgmt_msg *m, void *arg);

/* Connect to the socket at path. 0, or -errno with a message in err. */
int mgmt_client_open(const char *path, struct mgmt_client **out, char *err, size_t len);

/* Close and free (NULL: no-op). */
void mgmt_client_close(struct mgmt_client *c);

/* Seconds a call waits for the next part of its answer (default 60). */
void mgmt_client_set_timeout(struct mgmt_client *c, int seconds);

/* New request for cmd: NLM_F_REQUEST, plus NLM_F_DUMP for dump commands or
 * NLM_F_ACK otherwise; the seq is set when it is sent. NULL: no memory. */
struct nl_msg *mgmt_client_request(uint8_t cmd);

/* Send req (consumed) and read its whole answer, calling fn (may be NULL) for
 * each data message. 0; the server's -errno with its message in err; or a
 * local -errno (-ECONNRESET when natgw closed the connection, -ETIMEDOUT,
 * -EBADMSG for a malformed answer) with a message in err. */
int mgmt_client_call(struct mgmt_client *c, struct nl_msg *req, mgmt_reply_fn fn, void *arg,
		     char *err, size_t len);

/* Send raw bytes as one datagram (tests, fuzzing of the server). 0 or -errno. */
int mgmt_client_send_raw(struct mgmt_client *c, const void *buf, size_t n);

/* Wait up to timeout_ms (-1: forever) for a datagram and call fn for each
 * valid NATGW_MGMT_MSG_TYPE message in it (events, or answers to raw sends);
 * *error receives the error of an NLMSG_ERROR in it (0 if none; may be NULL),
 * with its text in err. Returns the number of messages seen, 0 on timeout,
 * or -errno (-ECONNRESET: closed). */
int mgmt_client_recv(struct mgmt_client *c, int timeout_ms, mgmt_reply_fn fn, void *arg, int *error,
		     char *err, size_t len);

#endif
