/* natgw management plane <-> daemon: what the management server may ask of
 * the running natgw (the seam between src/control/mgmt_* and src/dataplane).
 *
 * The management server (its own thread) decodes a request, then calls these
 * operations; the daemon implements them (src/dataplane/control.c). Every
 * operation is synchronous and may block for a few milliseconds (changes wait
 * for an RCU grace period, session queries wait for every worker to answer),
 * never on the packet path: workers are never locked.
 *
 * Changes: config_change runs the caller's edit function on a private deep
 * copy of the running configuration; when the edit succeeds the copy is
 * validated like a loaded file (same rules and messages), compiled into a new
 * snapshot, published, and the old one freed after every worker has passed a
 * quiescent state. Sessions, neighbours and counters survive. Changes that
 * need a restart (ports, EAL settings, the NAT pool, inside prefixes or port
 * range) are refused with a message saying so. Changes are serialised.
 *
 * Strings returned through msg are human-readable, one line, no trailing
 * newline; they go to the client in the error message attribute.
 */
#ifndef NATGW_MGMT_OPS_H
#define NATGW_MGMT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "natgw/config.h"
#include "natgw/counters.h"

/* One port's run-time state. */
struct mgmt_port_status {
	char name[NATGW_NAME_MAX];
	char driver[32];
	uint8_t mac[6];
	bool link_up;
	uint32_t speed_mbps;   /* 0: unknown */
	uint16_t n_rxq, n_txq;
	bool rss, rx_csum, tx_ip_csum, tx_l4_csum;
	bool rss_view;         /* RSS key/RETA known (see MGMT_PORT_OFF_RSS_VIEW) */
	char rss_note[64];     /* how RSS was set up (MGMT_PORT_A_RSS) */
};

/* One neighbour entry. */
struct mgmt_neigh {
	uint32_t addr;         /* host order */
	uint8_t mac[6];
	uint16_t port;         /* port index */
	uint8_t state;         /* 0 incomplete, 1 reachable, 2 static */
	uint32_t age;          /* seconds since learnt/confirmed */
};

/* Session filter: a field is ignored when its mask/flag says so. Addresses
 * host order. A session matches when any of its two tuples (orig or reply)
 * matches every set field. */
struct mgmt_session_filter {
	uint8_t proto;          /* 0: any */
	uint32_t src, src_mask; /* mask 0: any */
	uint32_t dst, dst_mask;
	uint16_t sport, dport;  /* 0: any */
	int worker;             /* -1: all workers */
};

/* One session as shown. Tuples host order. */
struct mgmt_session {
	uint8_t proto;
	uint32_t orig_src, orig_dst;
	uint16_t orig_sport, orig_dport;
	uint32_t reply_src, reply_dst;
	uint16_t reply_sport, reply_dport;
	uint8_t flags;          /* NAT_SESSION_* (0: tracked only, no translation) */
	uint8_t tcp_state;      /* enum nat_tcp_state */
	uint32_t idle;          /* seconds since the last packet */
	uint32_t timeout;       /* seconds of idleness before expiry */
	uint16_t worker;
};

/* Per-rule hit counters of one port and direction (summed over workers).
 * Counters count since the rule set of that port last changed. */
struct mgmt_rule_hits {
	uint8_t kind;           /* 0: NACL rule, 1: security-group rule */
	uint16_t nacl_number;   /* kind 0 */
	uint16_t sg;            /* kind 1: group index */
	uint32_t sg_rule;       /* kind 1: index in sgs[sg].rules */
	uint64_t hits;
};

/* Events (subscription). */
enum mgmt_event_kind {
	MGMT_EV_SESSION_CREATED = 1,
	MGMT_EV_SESSION_CLOSED,
	MGMT_EV_PORTS_EXHAUSTED,
	MGMT_EV_ROUTE_CHANGED,
	MGMT_EV_CONFIG_CHANGED,
};

struct mgmt_event {
	uint8_t kind;                 /* enum mgmt_event_kind */
	uint16_t worker;
	struct mgmt_session session;  /* SESSION_*; PORTS_EXHAUSTED: proto/orig_src set */
	char text[96];                /* ROUTE_CHANGED / CONFIG_CHANGED: what changed */
};

typedef int (*mgmt_edit_fn)(struct natgw_config *cfg, void *arg, char *msg, size_t len);
typedef int (*mgmt_read_fn)(const struct natgw_config *cfg, void *arg);

struct mgmt_ops {
	void *ctx;

	/* Edit a deep copy of the running config with fn; apply it if fn returns 0.
	 * Returns 0, fn's negative errno, or the apply's (-EINVAL invalid, -EBUSY
	 * needs a restart, -ENOMEM); msg says why. */
	int (*config_change)(void *ctx, mgmt_edit_fn fn, void *arg, char *msg, size_t len);
	/* Call fn with the running config (read-only, valid only during fn). */
	int (*config_read)(void *ctx, mgmt_read_fn fn, void *arg);
	/* Reload an INI file (NULL: the file natgw was started with) and apply
	 * the difference; a file that fails validation changes nothing. */
	int (*config_reload)(void *ctx, const char *path, char *msg, size_t len);

	unsigned (*n_workers)(void *ctx);
	/* Copy of worker w's counters. */
	void (*counters_read)(void *ctx, unsigned w, struct worker_counters *out);
	/* Zero every counter (each worker zeroes its own at its next loop). */
	void (*counters_reset)(void *ctx);

	/* 0, or -ENODEV for a bad index. */
	int (*port_status)(void *ctx, unsigned port, struct mgmt_port_status *out);

	/* Fill out[] with up to max neighbours; returns how many exist (may be > max). */
	size_t (*neigh_list)(void *ctx, struct mgmt_neigh *out, size_t max);

	/* Sessions matching f: up to max copied to out (NULL/0: count only);
	 * returns the number matching (>= copies). With flush, matching sessions
	 * are deleted (and counted as flushed). */
	uint64_t (*sessions_query)(void *ctx, const struct mgmt_session_filter *f, bool flush,
				   struct mgmt_session *out, size_t max);

	/* Rule hit counters of (port, dir): up to max into out; returns how many exist. */
	size_t (*filter_hits)(void *ctx, unsigned port, enum natgw_filter_dir dir,
			      struct mgmt_rule_hits *out, size_t max);

	/* Events: enable/disable production (workers only produce while enabled),
	 * and take up to max pending events (non-blocking); returns how many. */
	void (*events_enable)(void *ctx, bool on);
	size_t (*events_poll)(void *ctx, struct mgmt_event *out, size_t max);
};

#endif
