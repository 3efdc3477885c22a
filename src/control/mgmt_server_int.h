/* Management server internals shared by mgmt_server.c and the command
 * handlers (mgmt_cmd_*.c). Private to src/control.
 *
 * A handler gets a decoded, validated request (struct mgmt_req) on the
 * server thread. A "do" handler changes something (through ops) and may queue
 * one reply message; it returns 0 or -errno with a message in r->err (the
 * server turns that into NLMSG_ERROR, and sends the ACK on success when asked).
 * A dump handler calls mgmt_dump_start() with a fill function: the server
 * then calls fill repeatedly, each time the connection's output queue is
 * empty; fill emits messages until mgmt_dump_full() or the end, and returns 1
 * (more to come), 0 (done: the server sends NLMSG_DONE) or -errno (with a
 * message in d->err: the dump ends with NLMSG_ERROR). A dump's state lives in
 * struct mgmt_dump (pos[] cursors, priv); release frees what priv holds and is
 * called exactly once, also when the client goes away mid-dump.
 */
#ifndef NATGW_CONTROL_MGMT_SERVER_INT_H
#define NATGW_CONTROL_MGMT_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mgmt_proto.h"
#include "natgw/mgmt.h"
#include "natgw/mgmt_ops.h"

struct mgmt_server;
struct mgmt_client;
struct mgmt_dump;

typedef int (*mgmt_dump_fill_fn)(struct mgmt_dump *d);

struct mgmt_dump {
	struct mgmt_server *srv;
	struct mgmt_client *cl;
	const struct mgmt_ops *ops;
	uint8_t cmd;
	struct nlmsghdr req;          /* the request's header (replies echo seq; errors echo it) */
	mgmt_dump_fill_fn fill;
	void (*release)(struct mgmt_dump *d);
	uint64_t pos[4];              /* cursors, 0 at start */
	void *priv;                   /* owned by the handler (release frees it) */
	char name[NATGW_NAME_MAX];    /* NAME / TABLE filter, "" for all */
	unsigned flags;               /* handler-specific */
	int rc;                       /* fill's last error, for mgmt_dump_emit */
	char err[NATGW_ERR_MAX];
};

struct mgmt_req {
	struct mgmt_server *srv;
	struct mgmt_client *cl;
	const struct mgmt_ops *ops;
	struct mgmt_msg *msg;         /* nlh, cmd, tb[] */
	char err[NATGW_ERR_MAX];
	uint32_t bad_off;
	bool dump_started;
};

typedef int (*mgmt_handler_fn)(struct mgmt_req *r);

/* Set r->err from a format; returns rc (a negative errno). */
int mgmt_fail(struct mgmt_req *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set d->err from a format; returns rc. */
int mgmt_dump_fail(struct mgmt_dump *d, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* New reply message for r's command and seq (no flags). NULL: no memory. */
struct nl_msg *mgmt_reply_new(struct mgmt_req *r);

/* Queue a reply message (takes ownership). 0 or -ENOMEM. */
int mgmt_reply(struct mgmt_req *r, struct nl_msg *m);

/* Start a dump for r: fill will be called until it returns <= 0. Returns the
 * dump (zeroed cursors, priv = calloc(priv_size) when priv_size > 0) or NULL
 * (no memory). */
struct mgmt_dump *mgmt_dump_start(struct mgmt_req *r, mgmt_dump_fill_fn fill, size_t priv_size);

/* New dump message (NLM_F_MULTI, the request's cmd and seq). */
struct nl_msg *mgmt_dump_msg(struct mgmt_dump *d);

/* Append a dump message to the current datagram (takes ownership). 0 or -ENOMEM. */
int mgmt_dump_emit(struct mgmt_dump *d, struct nl_msg *m);

/* True when the current datagram has no room for another full-size message. */
bool mgmt_dump_full(const struct mgmt_dump *d);

/* Report ROUTE_CHANGED / CONFIG_CHANGED (text: what) to subscribers. */
void mgmt_server_notify(struct mgmt_server *s, uint8_t kind, const char *text);

/* The server's counters (for COUNTERS_GET). */
void mgmt_server_stats_get(const struct mgmt_server *s, struct mgmt_server_stats *out);

/* Apply an edit through ops->config_change with r->err as the message. */
int mgmt_change(struct mgmt_req *r, mgmt_edit_fn fn, void *arg);

/* Netmask of a prefix length 0..32. */
static inline uint32_t mgmt_mask(uint8_t len)
{
	return len == 0 ? 0 : (len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len));
}

/* Format a host-order address into buf (>= 16 bytes); returns buf. */
const char *mgmt_ntoa(uint32_t a, char *buf);

/* Copy a string attribute (validated) into buf. */
void mgmt_attr_str(const struct nlattr *a, char *buf, size_t len);

/* Handlers, one group per file. */
int mgmt_cmd_port_get(struct mgmt_req *r);          /* mgmt_cmd_port.c */
int mgmt_cmd_neigh_get(struct mgmt_req *r);
int mgmt_cmd_neigh_change(struct mgmt_req *r);     /* NEIGH_ADD, NEIGH_DEL */
int mgmt_cmd_route_get(struct mgmt_req *r);         /* mgmt_cmd_route.c */
int mgmt_cmd_route_change(struct mgmt_req *r);      /* ADD, REPLACE, DEL */
int mgmt_cmd_nat_get(struct mgmt_req *r);           /* mgmt_cmd_nat.c */
int mgmt_cmd_nat_timeouts_set(struct mgmt_req *r);
int mgmt_cmd_nat_forward_get(struct mgmt_req *r);
int mgmt_cmd_nat_forward_change(struct mgmt_req *r);
int mgmt_cmd_nat_session_get(struct mgmt_req *r);
int mgmt_cmd_nat_session_count(struct mgmt_req *r); /* COUNT and FLUSH */
int mgmt_cmd_sg_get(struct mgmt_req *r);            /* mgmt_cmd_filter.c */
int mgmt_cmd_sg_change(struct mgmt_req *r);         /* rule/member add/del */
int mgmt_cmd_pl_get(struct mgmt_req *r);
int mgmt_cmd_pl_change(struct mgmt_req *r);
int mgmt_cmd_nacl_get(struct mgmt_req *r);
int mgmt_cmd_nacl_change(struct mgmt_req *r);
int mgmt_cmd_counters_get(struct mgmt_req *r);      /* mgmt_cmd_counters.c */
int mgmt_cmd_counters_reset(struct mgmt_req *r);
int mgmt_cmd_config_dump(struct mgmt_req *r);       /* mgmt_cmd_config.c */
int mgmt_cmd_config_reload(struct mgmt_req *r);
int mgmt_cmd_events_subscribe(struct mgmt_req *r);  /* mgmt_server.c */

#endif
