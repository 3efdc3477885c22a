/* INI loader internals shared by the files of the loader (private to src/control).
 *
 * config_ini.c owns a load (pre-scan, iniparser, validation order); section
 * parsers that live in their own file (config_nat.c) get the load state and
 * the value helpers declared here. Nothing outside src/control includes this.
 */
#ifndef NATGW_CONTROL_CONFIG_INI_H
#define NATGW_CONTROL_CONFIG_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <iniparser.h>

#include "natgw/config.h"

#define INI_LINE_MAX 1000          /* iniparser's line buffer is 1024 */
#define INI_NAME_BUF 128           /* section and key names */
#define INI_TOKENS_MAX 8

enum ini_kind { INI_GLOBAL, INI_PORT, INI_TABLE, INI_NEIGH, INI_NAT, INI_SG, INI_NACL, INI_PL };

struct ini_sect {
	char name[INI_NAME_BUF];   /* lower-cased, trimmed: iniparser's section */
	unsigned line;
	unsigned first_key;        /* keys of a section are contiguous */
	unsigned n_keys;
	enum ini_kind kind;
	const char *obj;           /* NAME part of [port NAME] / [table NAME] / [sg NAME] ... */
};

struct ini_key {
	char name[INI_NAME_BUF];   /* lower-cased, trimmed: iniparser's key */
	unsigned line;
	unsigned sect;
	const char *value;         /* owned by dict */
};

/* One load in progress. */
struct ini_doc {
	const char *source;        /* file name for messages */
	struct ini_sect *sects;
	unsigned n_sects, cap_sects;
	struct ini_key *keys;
	unsigned n_keys, cap_keys;
	dictionary *dict;
	char *err;
	size_t errlen;
	int port_sect[NATGW_MAX_PORTS];   /* section index of each port */
	int table_sect[NATGW_MAX_TABLES]; /* section index of each [table NAME] */
};

/* Errors: "SOURCE:LINE: [SECT] KEY: message" into doc->err; all return -EINVAL. */
int ini_fail_line(struct ini_doc *doc, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ini_fail_sect(struct ini_doc *doc, const struct ini_sect *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ini_fail_key(struct ini_doc *doc, const struct ini_key *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Netmask (host order) of a prefix length 0..32. */
uint32_t ini_mask(unsigned len);

/* Format a host-order address into buf (>= 16 bytes); returns buf. */
const char *ini_ntoa(uint32_t a, char *buf);

/* Lower-case s in place. */
void ini_lower(char *s);

/* Trim ASCII white space at both ends of s in place; returns s. */
char *ini_trim(char *s);

/* Split a copy of a value at white space into at most max tokens (max + 1: too many). */
int ini_split(char *buf, char **tok, int max);

/* Boolean (yes/no, on/off, true/false, 1/0) and decimal integer min..max values. */
int ini_get_bool(struct ini_doc *doc, const struct ini_key *k, bool *out);
int ini_get_uint(struct ini_doc *doc, const struct ini_key *k, unsigned min, unsigned max,
		 unsigned *out);

/* Index of port name (lower-cased in place) or an "unknown port" error for key k. */
int ini_port_ref(struct ini_doc *doc, const struct ini_key *k, const struct natgw_config *cfg,
		 char *name);

/* True if a is inside port p's subnet. */
bool ini_in_subnet(const struct natgw_port_config *p, uint32_t a);

/* True if name is "PREFIX.N" with N = 1..99999 and no leading zero. */
bool ini_numbered_key(const char *name, const char *prefix);

/* Fill cfg->nat from the [nat] section (config_nat.c); ports must be loaded. */
int ini_nat(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg);

/* Fill prefix lists, security groups and NACLs from their sections, then the
 * ports' security_groups / nacl bindings (config_filter.c); ports must be loaded. */
int ini_filter(struct ini_doc *doc, struct natgw_config *cfg);

#endif
