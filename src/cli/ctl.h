/* natgwctl internals: shared state, argument helpers, output (text / JSON).
 *
 * Each object (port, neigh, route, nat, sg, pl, nacl, stats/counters,
 * config, monitor) has a command function in its own file that parses its
 * words, builds the request with the protocol codec, calls natgw through
 * mgmt_client and prints the answer. Printing goes through the ctl_out
 * helpers so that text and -j JSON come from the same data.
 * Exit codes: 0 success, 1 natgw (or the connection) said no, 2 usage.
 */
#ifndef NATGW_CLI_CTL_H
#define NATGW_CLI_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/mgmt_client.h"
#include "control/mgmt_proto.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

struct ctl {
	const char *socket;
	bool json;
	bool per_worker;             /* -w */
	struct mgmt_client *client;  /* connected lazily by ctl_call */
	char err[NATGW_ERR_MAX];
};

/* One object's command: argv[0] is the first word after the object. */
typedef int (*ctl_cmd_fn)(struct ctl *c, int argc, char **argv);

/* Send req and read the answer (connecting first if needed); prints the
 * error and returns CTL_EXIT_FAIL on failure, CTL_EXIT_OK otherwise. */
int ctl_call(struct ctl *c, struct nl_msg *req, mgmt_reply_fn fn, void *arg);

/* Print "natgwctl: usage error: ..." and the object's usage; returns CTL_EXIT_USAGE. */
int ctl_usage(const char *object, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the usage of one object (or of all when NULL) to stdout or stderr. */
void ctl_help(const char *object, bool to_stderr);

/* True if s equals one of the words (NULL-terminated list). */
bool ctl_is(const char *s, const char *word);

/* Abbreviation match as iproute2 does: s is a prefix of word (at least 1 char). */
bool ctl_matches(const char *s, const char *word);

/* Parsers: 0 or -EINVAL. */
int ctl_parse_u32(const char *s, uint32_t max, uint32_t *out);
int ctl_parse_addr(const char *s, uint32_t *addr);
int ctl_parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool strict); /* "default" too */
int ctl_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port);
int ctl_parse_proto(const char *s, uint8_t *proto); /* tcp udp icmp all or 0..255 */

/* Formatting: address, "a.b.c.d/len", protocol name, MAC. Return buf. */
const char *ctl_ntoa(uint32_t a, char *buf);
const char *ctl_pfx(uint32_t a, uint8_t len, char *buf);
const char *ctl_proto_name(uint8_t proto, char *buf);
const char *ctl_mac(const uint8_t *mac, char *buf);

/* ---- output: records of key/value fields, printed as text or JSON ----
 * JSON: out_list_begin opens the top-level array (or object); out_rec_begin /
 * out_rec_end an object inside; out_arr_begin(key) / out_obj_begin(key) nest.
 * Text: each field is written "key value" after out_text() decides; the
 * object printers call out_text themselves for layouts. */
void out_init(bool json);
void out_list_begin(void);            /* top-level [ */
void out_list_end(void);              /* ] and newline */
void out_obj_begin(const char *key);  /* key may be NULL inside arrays */
void out_obj_end(void);
void out_arr_begin(const char *key);
void out_arr_end(void);
void out_str(const char *key, const char *v);
void out_u64(const char *key, uint64_t v);
void out_bool(const char *key, bool v);
bool out_is_json(void);

/* Object commands (one file per group). */
int ctl_port(struct ctl *c, int argc, char **argv);     /* ctl_port.c */
int ctl_neigh(struct ctl *c, int argc, char **argv);
int ctl_route(struct ctl *c, int argc, char **argv);    /* ctl_route.c */
int ctl_nat(struct ctl *c, int argc, char **argv);      /* ctl_nat.c */
int ctl_sg(struct ctl *c, int argc, char **argv);       /* ctl_filter.c */
int ctl_pl(struct ctl *c, int argc, char **argv);
int ctl_nacl(struct ctl *c, int argc, char **argv);
int ctl_stats(struct ctl *c, int argc, char **argv);    /* ctl_misc.c */
int ctl_counters(struct ctl *c, int argc, char **argv);
int ctl_config(struct ctl *c, int argc, char **argv);
int ctl_monitor(struct ctl *c, int argc, char **argv);

#endif
