/* INI loader: text file -> struct natgw_config.
 *
 * Overview: loading is three passes over one file.
 *  1. A line pre-scan of the raw text (ini_scan) finds what iniparser hides or
 *     reports badly: syntax errors, duplicate sections and duplicate keys
 *     (iniparser keeps only the last of two equal keys), continuation lines.
 *     It records every section and key, lower-cased as iniparser stores them,
 *     with its line number.
 *  2. iniparser_load() parses the same text; its values (quotes and inline
 *     comments stripped) are attached to the pre-scan records.
 *  3. Validation walks the records in a fixed order (global, ports, tables,
 *     neighbours, nat, filtering), fills the model and finally calls
 *     config_finalize(). The [nat] section is parsed in config_nat.c, the
 *     [prefix_list], [sg] and [nacl] sections and the ports' security_groups /
 *     nacl keys in config_filter.c; the load state and value helpers the
 *     files share are in config_ini.h.
 * The format is documented in docs/CONFIG.md; keep the two in step.
 * Text in memory (the embedded default, config_validate's dump) is loaded
 * the same way through a memfd (config_load_ini_text): iniparser reads paths.
 *
 * Errors: every message starts with "FILE:LINE: [section] key: " and says what
 * was expected. On error cfg is freed. Nothing here prints: iniparser's own
 * error output is swallowed by a callback.
 *
 * Life-cycle / threads: called from the control thread only; iniparser's error
 * callback is process-global state, set on every load.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "natgw/config.h"
#include "natgw/rss.h"
#include "config_ini.h"

#define INI_FILE_MAX (1u << 20)    /* refuse larger files */
#define INI_DEFAULT_SOURCE "<embedded default>"

/* Format "SOURCE:LINE: [SECT] KEY: message" into doc->err; returns -EINVAL. */
static int ini_vfail(struct ini_doc *doc, unsigned line, const char *sect, const char *key,
		     const char *fmt, va_list ap)
{
	char msg[NATGW_ERR_MAX];
	char where[INI_NAME_BUF * 2 + 16] = "";

	if (doc->err == NULL || doc->errlen == 0)
		return -EINVAL;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sect != NULL && key != NULL)
		snprintf(where, sizeof(where), " [%s] %s:", sect, key);
	else if (sect != NULL)
		snprintf(where, sizeof(where), " [%s]:", sect);
	if (line > 0)
		snprintf(doc->err, doc->errlen, "%s:%u:%s %s", doc->source, line, where, msg);
	else
		snprintf(doc->err, doc->errlen, "%s:%s %s", doc->source, where, msg);
	return -EINVAL;
}

int ini_fail_line(struct ini_doc *doc, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ini_vfail(doc, line, NULL, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int ini_fail_sect(struct ini_doc *doc, const struct ini_sect *s, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ini_vfail(doc, s->line, s->name, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int ini_fail_key(struct ini_doc *doc, const struct ini_key *k, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ini_vfail(doc, k->line, doc->sects[k->sect].name, k->name, fmt, ap);
	va_end(ap);
	return rc;
}

/* iniparser error callback: libraries never print. */
static int ini_swallow(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* Netmask (host order) of a prefix length 0..32. */
uint32_t ini_mask(unsigned len)
{
	return len == 0 ? 0 : (len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len));
}

/* Format a host-order address into buf (>= 16 bytes). */
const char *ini_ntoa(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

/* Trim ASCII white space at both ends of s in place; returns s. */
char *ini_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Lower-case s in place, as iniparser does for section and key names. */
void ini_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Append a section record. */
static int ini_sect_add(struct ini_doc *doc, const char *name, unsigned line)
{
	if (doc->n_sects == doc->cap_sects) {
		unsigned cap = doc->cap_sects ? doc->cap_sects * 2 : 16;
		struct ini_sect *s = realloc(doc->sects, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		doc->sects = s;
		doc->cap_sects = cap;
	}
	memset(&doc->sects[doc->n_sects], 0, sizeof(doc->sects[0]));
	snprintf(doc->sects[doc->n_sects].name, INI_NAME_BUF, "%s", name);
	doc->sects[doc->n_sects].line = line;
	doc->sects[doc->n_sects].first_key = doc->n_keys;
	doc->n_sects++;
	return 0;
}

/* Append a key record to the current (last) section. */
static int ini_key_add(struct ini_doc *doc, const char *name, unsigned line)
{
	if (doc->n_keys == doc->cap_keys) {
		unsigned cap = doc->cap_keys ? doc->cap_keys * 2 : 64;
		struct ini_key *k = realloc(doc->keys, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		doc->keys = k;
		doc->cap_keys = cap;
	}
	memset(&doc->keys[doc->n_keys], 0, sizeof(doc->keys[0]));
	snprintf(doc->keys[doc->n_keys].name, INI_NAME_BUF, "%s", name);
	doc->keys[doc->n_keys].line = line;
	doc->keys[doc->n_keys].sect = doc->n_sects - 1;
	doc->n_keys++;
	doc->sects[doc->n_sects - 1].n_keys++;
	return 0;
}

/* Pre-scan one stripped, non-empty, non-comment line. */
static int ini_scan_line(struct ini_doc *doc, char *s, unsigned line)
{
	size_t n = strlen(s);
	char *eq, *name;

	if (s[n - 1] == '\\')
		return ini_fail_line(doc, line,
				     "line ends with '\\': continuation lines are not supported");
	if (s[0] == '[') {
		if (s[n - 1] != ']')
			return ini_fail_line(doc, line, "expected a section header like [port NAME], got \"%s\"", s);
		s[n - 1] = '\0';
		name = ini_trim(s + 1);
		if (strpbrk(name, "[]:") != NULL)
			return ini_fail_line(doc, line, "section name \"%s\" may not contain '[', ']' or ':'", name);
		if (name[0] == '\0')
			return ini_fail_line(doc, line, "empty section name []");
		if (strlen(name) >= INI_NAME_BUF)
			return ini_fail_line(doc, line, "section name is longer than %d characters", INI_NAME_BUF - 1);
		ini_lower(name);
		for (unsigned i = 0; i < doc->n_sects; i++)
			if (strcmp(doc->sects[i].name, name) == 0)
				return ini_fail_line(doc, line, "duplicate section [%s] (first on line %u)",
						     name, doc->sects[i].line);
		return ini_sect_add(doc, name, line);
	}
	eq = strchr(s, '=');
	if (eq == NULL)
		return ini_fail_line(doc, line,
				     "syntax error: expected \"key = value\", \"[section]\" or a comment (; or #), got \"%s\"", s);
	*eq = '\0';
	name = ini_trim(s);
	if (name[0] == '\0')
		return ini_fail_line(doc, line, "syntax error: missing key name before '='");
	if (strlen(name) >= INI_NAME_BUF)
		return ini_fail_line(doc, line, "key name is longer than %d characters", INI_NAME_BUF - 1);
	ini_lower(name);
	if (doc->n_sects == 0)
		return ini_fail_line(doc, line, "key '%s' before the first [section]", name);
	{
		const struct ini_sect *cur = &doc->sects[doc->n_sects - 1];

		for (unsigned i = cur->first_key; i < doc->n_keys; i++)
			if (strcmp(doc->keys[i].name, name) == 0)
				return ini_fail_line(doc, line, "duplicate key '%s' in [%s] (first on line %u)%s",
						     name, cur->name, doc->keys[i].line,
						     strncmp(cur->name, "nacl ", 5) == 0 &&
						     (strncmp(name, "ingress.", 8) == 0 || strncmp(name, "egress.", 7) == 0) ?
						     ": duplicate rule number (a number may be used once per direction)" : "");
	}
	return ini_key_add(doc, name, line);
}

/* Pre-scan the whole text: syntax, duplicates, and the record of names and lines. */
static int ini_scan(struct ini_doc *doc, const char *text, size_t len)
{
	char buf[INI_LINE_MAX + 2];
	unsigned line = 0;
	size_t pos = 0;
	int rc;

	while (pos < len) {
		const char *end = memchr(text + pos, '\n', len - pos);
		size_t n = end ? (size_t)(end - (text + pos)) : len - pos;
		char *s;

		line++;
		if (memchr(text + pos, '\0', n) != NULL)
			return ini_fail_line(doc, line, "line contains a NUL byte");
		if (n > INI_LINE_MAX)
			return ini_fail_line(doc, line, "line is longer than %d characters", INI_LINE_MAX);
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + 1;
		s = ini_trim(buf);
		if (s[0] == '\0' || s[0] == ';' || s[0] == '#') {
			if (s[0] != '\0' && s[strlen(s) - 1] == '\\')
				return ini_fail_line(doc, line,
						     "comment ends with '\\': iniparser would join the next line to it");
			continue;
		}
		rc = ini_scan_line(doc, s, line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Attach iniparser's value to every pre-scanned key. */
static int ini_attach_values(struct ini_doc *doc)
{
	char full[INI_NAME_BUF * 2 + 2];

	for (unsigned i = 0; i < doc->n_keys; i++) {
		struct ini_key *k = &doc->keys[i];

		snprintf(full, sizeof(full), "%s:%s", doc->sects[k->sect].name, k->name);
		k->value = iniparser_getstring(doc->dict, full, NULL);
		if (k->value == NULL)
			return ini_fail_key(doc, k, "internal error: iniparser did not return this key");
	}
	return 0;
}

/* The key record called name in section s (it must exist). */
static const struct ini_key *ini_sect_key(const struct ini_doc *doc, const struct ini_sect *s,
					  const char *name)
{
	for (unsigned i = s->first_key; i < s->first_key + s->n_keys; i++)
		if (strcmp(doc->keys[i].name, name) == 0)
			return &doc->keys[i];
	return &doc->keys[s->first_key];
}

/* Parse a boolean value (yes/no/on/off/true/false/1/0, any case). */
int ini_get_bool(struct ini_doc *doc, const struct ini_key *k, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (unsigned i = 0; i < 4; i++) {
		if (strcasecmp(k->value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(k->value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return ini_fail_key(doc, k, "expected a boolean (yes/no, on/off, true/false, 1/0), got \"%s\"",
			    k->value);
}

/* Parse a decimal integer in min..max with nothing else in the value. */
int ini_get_uint(struct ini_doc *doc, const struct ini_key *k, unsigned min, unsigned max,
			unsigned *out)
{
	const char *s = k->value;
	unsigned long v = 0;

	if (*s == '\0')
		goto err_syntax;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			goto err_syntax;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			goto err_syntax;
	}
	if (v < min)
		goto err_syntax;
	*out = (unsigned)v;
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected an integer %u..%u, got \"%s\"", min, max, k->value);
}

/* Copy a path value: absolute, shorter than the destination; empty if allowed. */
static int ini_get_path(struct ini_doc *doc, const struct ini_key *k, char *dst, size_t size,
			bool empty_ok)
{
	if (k->value[0] == '\0' && empty_ok) {
		dst[0] = '\0';
		return 0;
	}
	if (k->value[0] != '/' || strlen(k->value) >= size)
		return ini_fail_key(doc, k, "expected an absolute path shorter than %zu characters, got \"%s\"",
				    size, k->value);
	snprintf(dst, size, "%s", k->value);
	return 0;
}

/* Check an EAL core list: N, N-M (N <= M) items separated by commas. */
static int ini_get_lcores(struct ini_doc *doc, const struct ini_key *k, char *dst, size_t size)
{
	const char *s = k->value;
	unsigned long lo, hi;
	char *end;

	if (strlen(s) >= size || *s == '\0')
		goto err_syntax;
	for (;;) {
		if (*s < '0' || *s > '9')
			goto err_syntax;
		lo = strtoul(s, &end, 10);
		hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			if (*s < '0' || *s > '9')
				goto err_syntax;
			hi = strtoul(s, &end, 10);
			s = end;
		}
		if (lo > 1023 || hi > 1023)
			goto err_syntax;
		if (hi < lo)
			return ini_fail_key(doc, k, "range %lu-%lu is reversed (expected LOW-HIGH), got \"%s\"",
					    lo, hi, k->value);
		if (*s == '\0')
			break;
		if (*s++ != ',')
			goto err_syntax;
	}
	snprintf(dst, size, "%s", k->value);
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected an EAL core list like 0, 0-3 or 0,2,4-7 (cores 0..1023), got \"%s\"",
			    k->value);
}

/* Check "socket_group = NAME|GID": a numeric gid, or a group that exists now
 * (getgrnam_r); empty: only root may use the management socket. */
static int ini_get_group(struct ini_doc *doc, const struct ini_key *k, char *dst, size_t size)
{
	const char *v = k->value;
	struct group grp, *found = NULL;
	size_t buflen = 4096;
	char *buf;
	int rc;

	if (v[0] == '\0') {
		dst[0] = '\0';
		return 0;
	}
	if (strlen(v) >= size || strpbrk(v, " \t:") != NULL)
		return ini_fail_key(doc, k, "expected a group name or a numeric gid (up to %zu characters), got \"%s\"",
				    size - 1, v);
	if (strspn(v, "0123456789") == strlen(v)) {
		unsigned long long gid = 0;

		for (const char *c = v; *c; c++) {
			gid = gid * 10 + (unsigned long long)(*c - '0');
			if (gid > UINT32_MAX - 1u)
				return ini_fail_key(doc, k, "gid %s is out of range 0..%u", v, UINT32_MAX - 1u);
		}
		snprintf(dst, size, "%s", v);
		return 0;
	}
	for (;;) {
		buf = malloc(buflen);
		if (buf == NULL)
			return ini_fail_key(doc, k, "out of memory");
		rc = getgrnam_r(v, &grp, buf, buflen, &found);
		free(buf);
		if (rc != ERANGE || buflen >= (1u << 20))
			break;
		buflen *= 4;
	}
	if (rc != 0 && rc != ENOENT && rc != ESRCH)
		return ini_fail_key(doc, k, "cannot look up group '%s': %s", v, strerror(rc));
	if (found == NULL)
		return ini_fail_key(doc, k, "unknown group '%s' (expected a group name from the group database or a numeric gid)",
				    v);
	snprintf(dst, size, "%s", v);
	return 0;
}

/* The named keys of "rss_key = WORD": natgw/rss.h's rss_key_symmetric and
 * rss_key_default (src/core is not linked into src/control: the unit tests
 * check that these bytes are rss.h's). */
_Static_assert(sizeof(((struct natgw_global_config *)0)->rss_key) == RSS_KEY_LEN,
	       "rss_key must be RSS_KEY_LEN bytes");
static const uint8_t ini_rss_key_microsoft[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Parse "rss_key = KEY": RSS_KEY_LEN bytes as 2 * RSS_KEY_LEN hex digits or
 * as RSS_KEY_LEN two-digit groups separated by ':' (ethtool -X hkey), any
 * case, or the word symmetric or microsoft. key is written only on success. */
static int ini_get_rss_key(struct ini_doc *doc, const struct ini_key *k, uint8_t *key)
{
	const char *v = k->value;
	uint8_t out[RSS_KEY_LEN];
	size_t n = strlen(v), bad = strspn(v, "0123456789abcdefABCDEF:");
	char why[96];

	if (strcasecmp(v, "symmetric") == 0) {
		for (unsigned i = 0; i < RSS_KEY_LEN; i++)
			key[i] = (i & 1) ? 0x5a : 0x6d;
		return 0;
	}
	if (strcasecmp(v, "microsoft") == 0) {
		memcpy(key, ini_rss_key_microsoft, RSS_KEY_LEN);
		return 0;
	}
	if (n == 0) {
		snprintf(why, sizeof(why), "an empty value: ");
	} else if (bad < n && strpbrk(v, "0123456789:") == NULL) {
		why[0] = '\0'; /* a word: the value says it all */
	} else if (bad < n) {
		snprintf(why, sizeof(why), "character %zu ('%c'), not a hex digit or ':', in ", bad + 1,
			 isprint((unsigned char)v[bad]) ? v[bad] : '?');
	} else if (strchr(v, ':') == NULL) {
		if (n == 2 * RSS_KEY_LEN) {
			for (unsigned i = 0; i < RSS_KEY_LEN; i++)
				out[i] = (uint8_t)(config_hex_digit(v[2 * i]) << 4 | config_hex_digit(v[2 * i + 1]));
			memcpy(key, out, RSS_KEY_LEN);
			return 0;
		}
		snprintf(why, sizeof(why), "%zu hex digits: ", n);
	} else {
		const char *g = v;
		unsigned groups = 0;

		why[0] = '\0';
		for (;;) {
			size_t len = strcspn(g, ":");

			groups++;
			if (len != 2) {
				snprintf(why, sizeof(why), "%zu digits in group %u of ", len, groups);
				break;
			}
			if (groups <= RSS_KEY_LEN)
				out[groups - 1] = (uint8_t)(config_hex_digit(g[0]) << 4 | config_hex_digit(g[1]));
			if (g[len] == '\0')
				break;
			g += len + 1;
		}
		if (why[0] == '\0' && groups == RSS_KEY_LEN) {
			memcpy(key, out, RSS_KEY_LEN);
			return 0;
		}
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%u groups: ", groups);
	}
	return ini_fail_key(doc, k,
			    "expected %d bytes as %d hex digits or %d two-digit hex groups separated by ':' (like ethtool -X hkey), or symmetric or microsoft; got %s\"%s\"",
			    RSS_KEY_LEN, 2 * RSS_KEY_LEN, RSS_KEY_LEN, why, v);
}

/* Fill cfg->global from the [global] section. */
static int ini_global(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_global_config *g = &cfg->global;
	int rc = 0;

	for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
		const struct ini_key *k = &doc->keys[i];

		if (strcmp(k->name, "lcores") == 0) {
			rc = ini_get_lcores(doc, k, g->lcores, sizeof(g->lcores));
		} else if (strcmp(k->name, "memory_mb") == 0) {
			rc = ini_get_uint(doc, k, 16, 65536, &g->memory_mb);
		} else if (strcmp(k->name, "file_prefix") == 0) {
			if (strlen(k->value) >= sizeof(g->file_prefix) ||
			    strspn(k->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
				    strlen(k->value))
				return ini_fail_key(doc, k,
						    "expected up to %zu characters of A-Z a-z 0-9 _ . - (empty: natgw-<pid>), got \"%s\"",
						    sizeof(g->file_prefix) - 1, k->value);
			snprintf(g->file_prefix, sizeof(g->file_prefix), "%s", k->value);
		} else if (strcmp(k->name, "socket") == 0) {
			rc = ini_get_path(doc, k, g->socket_path, sizeof(g->socket_path), false);
		} else if (strcmp(k->name, "socket_group") == 0) {
			rc = ini_get_group(doc, k, g->socket_group, sizeof(g->socket_group));
		} else if (strcmp(k->name, "pidfile") == 0) {
			rc = ini_get_path(doc, k, g->pidfile, sizeof(g->pidfile), true);
		} else if (strcmp(k->name, "icmp_rate") == 0) {
			rc = ini_get_uint(doc, k, 0, 100000, &g->icmp_rate);
		} else if (strcmp(k->name, "icmp_burst") == 0) {
			rc = ini_get_uint(doc, k, 1, 100000, &g->icmp_burst);
		} else if (strcmp(k->name, "neigh_timeout") == 0) {
			rc = ini_get_uint(doc, k, 1, 86400, &g->neigh_timeout);
		} else if (strcmp(k->name, "stats_interval") == 0) {
			rc = ini_get_uint(doc, k, 0, 86400, &g->stats_interval);
		} else if (strcmp(k->name, "gratuitous_arp") == 0) {
			rc = ini_get_bool(doc, k, &g->gratuitous_arp);
		} else if (strcmp(k->name, "rss_key") == 0) {
			rc = ini_get_rss_key(doc, k, g->rss_key);
			g->rss_key_set = rc == 0;
		} else {
			return ini_fail_key(doc, k,
					    "unknown key (expected lcores, memory_mb, file_prefix, socket, socket_group, pidfile, icmp_rate, icmp_burst, neigh_timeout, stats_interval, gratuitous_arp or rss_key)");
		}
	}
	return rc;
}

/* Check a port address: unicast, not the network or broadcast address. */
static int ini_port_addr_check(struct ini_doc *doc, const struct ini_key *k, uint32_t a, unsigned len)
{
	uint32_t m = ini_mask(len);
	char b1[16], b2[16], b3[16];

	if ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 14)
		return ini_fail_key(doc, k, "%s is not a unicast host address (0/8, 127/8, multicast and class E are not allowed)",
				    ini_ntoa(a, b1));
	if (len <= 30 && (a & ~m) == 0)
		return ini_fail_key(doc, k, "%s is the network address of %s/%u; use a host address such as %s/%u",
				    ini_ntoa(a, b1), ini_ntoa(a & m, b2), len, ini_ntoa(a + 1, b3), len);
	if (len <= 30 && (a & ~m) == ~m)
		return ini_fail_key(doc, k, "%s is the broadcast address of %s/%u", ini_ntoa(a, b1),
				    ini_ntoa(a & m, b2), len);
	return 0;
}

/* Fill one port from a [port NAME] section. */
static int ini_port(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_port_config *p;
	bool have_dev = false, have_addr = false;
	unsigned v = 0;
	int rc = 0;

	if (cfg->n_ports == NATGW_MAX_PORTS)
		return ini_fail_sect(doc, s, "too many ports: at most %d [port NAME] sections", NATGW_MAX_PORTS);
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, s->obj) == 0)
			return ini_fail_sect(doc, s, "port %s is defined twice (first on line %u)", s->obj,
					     doc->sects[doc->port_sect[i]].line);
	doc->port_sect[cfg->n_ports] = (int)(s - doc->sects);
	p = &cfg->ports[cfg->n_ports++];
	snprintf(p->name, sizeof(p->name), "%s", s->obj);

	for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
		const struct ini_key *k = &doc->keys[i];

		if (strcmp(k->name, "devargs") == 0) {
			const char *c;

			if (k->value[0] == '\0' || strlen(k->value) >= sizeof(p->devargs))
				return ini_fail_key(doc, k, "expected a DPDK device (1..%zu characters), e.g. 0000:00:05.0 or net_af_xdp0,iface=eth1, got \"%s\"",
						    sizeof(p->devargs) - 1, k->value);
			for (c = k->value; *c; c++)
				if (!isgraph((unsigned char)*c))
					return ini_fail_key(doc, k, "expected a DPDK device without spaces, got \"%s\"",
							    k->value);
			snprintf(p->devargs, sizeof(p->devargs), "%s", k->value);
			have_dev = true;
		} else if (strcmp(k->name, "address") == 0) {
			uint8_t len;

			if (config_parse_prefix(k->value, &p->addr, &len, false) < 0 || len == 0)
				return ini_fail_key(doc, k, "expected the port's address as a.b.c.d/len (len 1..32, e.g. 10.0.1.1/24), got \"%s\"",
						    k->value);
			p->prefix_len = len;
			rc = ini_port_addr_check(doc, k, p->addr, len);
			have_addr = true;
		} else if (strcmp(k->name, "mtu") == 0) {
			rc = ini_get_uint(doc, k, 68, 9216, &v);
			p->mtu = (uint16_t)v;
		} else if (strcmp(k->name, "queues") == 0) {
			rc = ini_get_uint(doc, k, 1, 16, &v);
			p->queues = (uint16_t)v;
		} else if (strcmp(k->name, "rx_checksum_offload") == 0) {
			rc = ini_get_bool(doc, k, &p->rx_csum_offload);
		} else if (strcmp(k->name, "tx_checksum_offload") == 0) {
			rc = ini_get_bool(doc, k, &p->tx_csum_offload);
		} else if (strcmp(k->name, "promiscuous") == 0) {
			rc = ini_get_bool(doc, k, &p->promisc);
		} else if (strcmp(k->name, "security_groups") == 0 || strcmp(k->name, "nacl") == 0) {
			continue; /* bindings: resolved by ini_filter() once groups exist */
		} else {
			return ini_fail_key(doc, k, "unknown key (expected devargs, address, mtu, queues, rx_checksum_offload, tx_checksum_offload, promiscuous, security_groups or nacl)");
		}
	}
	if (rc < 0)
		return rc;
	if (!have_dev)
		return ini_fail_sect(doc, s, "missing required key 'devargs' (the DPDK device, e.g. devargs = 0000:00:05.0)");
	if (!have_addr)
		return ini_fail_sect(doc, s, "missing required key 'address' (the port's own address, e.g. address = 10.0.1.1/24)");
	return 0;
}

/* Devargs device names (before the first comma) must differ between ports. */
static int ini_ports_unique(struct ini_doc *doc, const struct natgw_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *a = cfg->ports[i].devargs;
		size_t la = strcspn(a, ",");

		for (unsigned j = 0; j < i; j++) {
			const char *b = cfg->ports[j].devargs;
			const struct ini_sect *s = &doc->sects[doc->port_sect[i]];

			if (strcspn(b, ",") == la && strncmp(a, b, la) == 0)
				return ini_fail_key(doc, ini_sect_key(doc, s, "devargs"), "device \"%.*s\" is already used by port %s (line %u); each port needs its own device",
						     (int)la, a, cfg->ports[j].name, doc->sects[doc->port_sect[j]].line);
		}
	}
	return 0;
}

/* Split a copy of a value at white space into at most max tokens. */
int ini_split(char *buf, char **tok, int max)
{
	int n = 0;

	char *save = NULL;

	for (char *t = strtok_r(buf, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		tok[n++] = t;
	}
	return n;
}

/* Resolve a port name token (any case) for a key, or report it. */
int ini_port_ref(struct ini_doc *doc, const struct ini_key *k, const struct natgw_config *cfg,
			char *name)
{
	char list[NATGW_MAX_PORTS * NATGW_NAME_MAX + 16] = "";
	size_t off = 0;
	int idx;

	ini_lower(name);
	idx = config_port_find(cfg, name);
	if (idx >= 0)
		return idx;
	for (unsigned i = 0; i < cfg->n_ports && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					cfg->ports[i].name);
	return ini_fail_key(doc, k, "unknown port '%s' (ports: %s)", name, cfg->n_ports ? list : "none");
}

/* Bind the ports listed in "ports = a b c" to table t. */
static int ini_table_ports(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg,
			   unsigned t)
{
	char buf[INI_LINE_MAX + 1];
	char *tok[NATGW_MAX_PORTS * 2];
	int n;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, (int)(sizeof(tok) / sizeof(tok[0])));
	if (n > (int)(sizeof(tok) / sizeof(tok[0])))
		return ini_fail_key(doc, k, "expected at most %zu port names separated by spaces, got \"%s\"",
				    sizeof(tok) / sizeof(tok[0]), k->value);
	for (int i = 0; i < n; i++) {
		int p = ini_port_ref(doc, k, cfg, tok[i]);

		if (p < 0)
			return p;
		if (cfg->ports[p].table == (int)t)
			return ini_fail_key(doc, k, "port %s is listed twice", tok[i]);
		if (cfg->ports[p].table >= 0)
			return ini_fail_key(doc, k, "port %s is already in [%s] (line %u): a port uses exactly one table for ingress",
					    tok[i], doc->sects[doc->table_sect[cfg->ports[p].table]].name,
					    doc->sects[doc->table_sect[cfg->ports[p].table]].line);
		cfg->ports[p].table = (int)t;
		cfg->tables[t].ingress_ports |= 1u << p;
	}
	return 0;
}

/* Parse a route destination: "default" or a.b.c.d/len (host bits reported). */
static int ini_route_prefix(struct ini_doc *doc, const struct ini_key *k, const char *tok,
			    uint32_t *prefix, uint8_t *len)
{
	char b[16];

	if (strcasecmp(tok, "default") == 0) {
		*prefix = 0;
		*len = 0;
		return 0;
	}
	if (config_parse_prefix(tok, prefix, len, false) < 0)
		return ini_fail_key(doc, k, "expected a destination a.b.c.d/len or 'default', got \"%s\"", tok);
	if ((*prefix & ~ini_mask(*len)) != 0)
		return ini_fail_key(doc, k, "prefix %s has host bits set; did you mean %s/%u?", tok,
				    ini_ntoa(*prefix & ini_mask(*len), b), *len);
	return 0;
}

/* True if a is inside port p's subnet. */
bool ini_in_subnet(const struct natgw_port_config *p, uint32_t a)
{
	uint32_t m = ini_mask(p->prefix_len);

	return (a & m) == (p->addr & m);
}

/* Check a gateway against its egress port (config_gateway_check's rules). */
static int ini_gateway_check(struct ini_doc *doc, const struct ini_key *k,
			     const struct natgw_port_config *p, uint32_t gw)
{
	char why[160];

	if (config_gateway_check(p, gw, why, sizeof(why)) != 0)
		return ini_fail_key(doc, k, "%s", why);
	return 0;
}

static int ini_gateway_port(struct ini_doc *doc, const struct ini_key *k, const struct natgw_config *cfg,
			    unsigned t, uint32_t gw)
{
	int best = -1, tie = -1;
	char b[16];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct natgw_port_config *p = &cfg->ports[i];

		if (p->prefix_len == 32 || !ini_in_subnet(p, gw))
			continue;
		if (best < 0 || p->prefix_len > cfg->ports[best].prefix_len) {
			best = (int)i;
			tie = -1;
		} else if (p->prefix_len == cfg->ports[best].prefix_len) {
			/* same subnet on two ports: prefer the one bound to this table */
			bool bi = cfg->ports[i].table == (int)t, bb = cfg->ports[best].table == (int)t;

			if (bi && !bb)
				best = (int)i;
			else if (bi == bb)
				tie = (int)i;
		}
	}
	if (best < 0)
		return ini_fail_key(doc, k, "gateway %s is not in the subnet of any port; add 'dev PORT' or fix the address",
				    ini_ntoa(gw, b));
	if (tie >= 0)
		return ini_fail_key(doc, k, "gateway %s is in the subnets of ports %s and %s; add 'dev PORT'",
				    ini_ntoa(gw, b), cfg->ports[best].name, cfg->ports[tie].name);
	return best;
}

/* Line of an earlier route key in the same section with the same destination. */
static unsigned ini_route_first_line(struct ini_doc *doc, const struct ini_key *k, uint32_t prefix,
				     uint8_t len)
{
	const struct ini_sect *s = &doc->sects[k->sect];

	for (unsigned i = s->first_key; i < (unsigned)(k - doc->keys); i++) {
		char buf[INI_LINE_MAX + 1], *tok[1];
		uint32_t a;
		uint8_t l;

		if (strncmp(doc->keys[i].name, "route.", 6) != 0)
			continue;
		snprintf(buf, sizeof(buf), "%s", doc->keys[i].value);
		if (ini_split(buf, tok, 1) < 1)
			continue;
		if (strcasecmp(tok[0], "default") == 0) {
			a = 0;
			l = 0;
		} else if (config_parse_prefix(tok[0], &a, &l, false) < 0) {
			continue;
		}
		if ((a & ini_mask(l)) == prefix && l == len)
			return doc->keys[i].line;
	}
	return 0;
}

/* Parse "route.N = PREFIX (via GW [dev PORT] | dev PORT | blackhole)" into table t. */
static int ini_table_route(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg,
			   unsigned t)
{
	char buf[INI_LINE_MAX + 1], *tok[INI_TOKENS_MAX];
	struct natgw_route r = { 0 };
	char b[16];
	int n, p, rc;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, INI_TOKENS_MAX);
	if (n < 2)
		goto err_syntax;
	rc = ini_route_prefix(doc, k, tok[0], &r.prefix, &r.len);
	if (rc < 0)
		return rc;
	if (n == 2 && strcasecmp(tok[1], "blackhole") == 0) {
		r.type = NATGW_ROUTE_BLACKHOLE;
	} else if (n == 3 && strcasecmp(tok[1], "dev") == 0) {
		p = ini_port_ref(doc, k, cfg, tok[2]);
		if (p < 0)
			return p;
		r.type = NATGW_ROUTE_DEV;
		r.port = (uint16_t)p;
	} else if ((n == 3 || (n == 5 && strcasecmp(tok[3], "dev") == 0)) &&
		   strcasecmp(tok[1], "via") == 0) {
		if (config_parse_ipv4(tok[2], &r.gateway) < 0)
			return ini_fail_key(doc, k, "expected a gateway address a.b.c.d after 'via', got \"%s\"",
					    tok[2]);
		if (n == 5)
			p = ini_port_ref(doc, k, cfg, tok[4]);
		else
			p = ini_gateway_port(doc, k, cfg, t, r.gateway);
		if (p < 0)
			return p;
		rc = ini_gateway_check(doc, k, &cfg->ports[p], r.gateway);
		if (rc < 0)
			return rc;
		r.type = NATGW_ROUTE_GATEWAY;
		r.port = (uint16_t)p;
	} else {
		goto err_syntax;
	}
	rc = config_route_add(&cfg->tables[t], &r);
	if (rc == -EEXIST)
		return ini_fail_key(doc, k, "duplicate route %s/%u in [%s] (first on line %u)",
				    ini_ntoa(r.prefix, b), r.len, doc->sects[k->sect].name,
				    ini_route_first_line(doc, k, r.prefix, r.len));
	if (rc < 0)
		return ini_fail_key(doc, k, "cannot add route: %s", strerror(-rc));
	return 0;
err_syntax:
	return ini_fail_key(doc, k, "expected \"PREFIX via GATEWAY [dev PORT]\", \"PREFIX dev PORT\" or \"PREFIX blackhole\", got \"%s\"",
			    k->value);
}

/* True if name is "PREFIX.N" with N = 1..99999 and no leading zero. */
bool ini_numbered_key(const char *name, const char *prefix)
{
	size_t lp = strlen(prefix), n;

	if (strncmp(name, prefix, lp) != 0)
		return false;
	name += lp;
	n = strspn(name, "0123456789");
	return n >= 1 && n <= 5 && name[n] == '\0' && name[0] != '0';
}

/* Create the table for a [table NAME] section (keys are handled later). */
static int ini_table_create(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	struct natgw_route_table *t;

	if (cfg->n_tables == NATGW_MAX_TABLES)
		return ini_fail_sect(doc, s, "too many route tables: at most %d [table NAME] sections",
				     NATGW_MAX_TABLES);
	for (unsigned i = 0; i < cfg->n_tables; i++)
		if (strcmp(cfg->tables[i].name, s->obj) == 0)
			return ini_fail_sect(doc, s, "table %s is defined twice (first on line %u)", s->obj,
					     doc->sects[doc->table_sect[i]].line);
	doc->table_sect[cfg->n_tables] = (int)(s - doc->sects);
	t = &cfg->tables[cfg->n_tables++];
	snprintf(t->name, sizeof(t->name), "%s", s->obj);
	return 0;
}

/* Apply one pass over a [table NAME] section: ports (routes == false) or routes. */
static int ini_table_keys(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg,
			  bool routes)
{
	int t = config_table_find(cfg, s->obj);
	int rc = 0;

	for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
		const struct ini_key *k = &doc->keys[i];

		if (strcmp(k->name, "ports") == 0) {
			if (!routes)
				rc = ini_table_ports(doc, k, cfg, (unsigned)t);
		} else if (ini_numbered_key(k->name, "route.")) {
			if (routes)
				rc = ini_table_route(doc, k, cfg, (unsigned)t);
		} else {
			return ini_fail_key(doc, k, "unknown key (expected ports or route.N with N = 1..99999)");
		}
	}
	return rc;
}

/* Parse one "neigh.N = A.B.C.D lladdr MAC dev PORT". */
static int ini_neighbour(struct ini_doc *doc, const struct ini_key *k, struct natgw_config *cfg)
{
	char buf[INI_LINE_MAX + 1], *tok[INI_TOKENS_MAX], b1[16], b2[16];
	struct natgw_neighbour_config nb = { 0 };
	const struct natgw_port_config *p;
	int n, pi;

	snprintf(buf, sizeof(buf), "%s", k->value);
	n = ini_split(buf, tok, INI_TOKENS_MAX);
	if (n != 5 || strcasecmp(tok[1], "lladdr") != 0 || strcasecmp(tok[3], "dev") != 0)
		return ini_fail_key(doc, k, "expected \"A.B.C.D lladdr aa:bb:cc:dd:ee:ff dev PORT\", got \"%s\"",
				    k->value);
	if (config_parse_ipv4(tok[0], &nb.addr) < 0)
		return ini_fail_key(doc, k, "expected an IPv4 address a.b.c.d, got \"%s\"", tok[0]);
	if (config_parse_mac(tok[2], nb.mac) < 0)
		return ini_fail_key(doc, k, "expected a MAC address aa:bb:cc:dd:ee:ff, got \"%s\"", tok[2]);
	if (nb.mac[0] & 1)
		return ini_fail_key(doc, k, "MAC address %s is multicast/broadcast; a neighbour needs a unicast MAC",
				    tok[2]);
	if ((nb.mac[0] | nb.mac[1] | nb.mac[2] | nb.mac[3] | nb.mac[4] | nb.mac[5]) == 0)
		return ini_fail_key(doc, k, "MAC address %s is all zeros", tok[2]);
	pi = ini_port_ref(doc, k, cfg, tok[4]);
	if (pi < 0)
		return pi;
	p = &cfg->ports[pi];
	if (!ini_in_subnet(p, nb.addr) || nb.addr == p->addr)
		return ini_fail_key(doc, k, "%s is not a neighbour in the subnet of port %s (%s/%u)",
				    tok[0], p->name, ini_ntoa(p->addr & ini_mask(p->prefix_len), b1),
				    p->prefix_len);
	nb.port = (uint16_t)pi;
	for (unsigned i = 0; i < cfg->n_neighbours; i++)
		if (cfg->neighbours[i].addr == nb.addr && cfg->neighbours[i].port == nb.port)
			return ini_fail_key(doc, k, "neighbour %s on port %s is already configured",
					    ini_ntoa(nb.addr, b2), p->name);
	if (cfg->n_neighbours == cfg->neighbours_cap) {
		unsigned cap = cfg->neighbours_cap ? cfg->neighbours_cap * 2 : 8;
		struct natgw_neighbour_config *g = realloc(cfg->neighbours, cap * sizeof(*g));

		if (g == NULL)
			return ini_fail_key(doc, k, "out of memory");
		cfg->neighbours = g;
		cfg->neighbours_cap = cap;
	}
	cfg->neighbours[cfg->n_neighbours++] = nb;
	return 0;
}

/* Fill static neighbours from [neighbours]. */
static int ini_neighbours(struct ini_doc *doc, const struct ini_sect *s, struct natgw_config *cfg)
{
	int rc = 0;

	for (unsigned i = s->first_key; i < s->first_key + s->n_keys && rc == 0; i++) {
		const struct ini_key *k = &doc->keys[i];

		if (!ini_numbered_key(k->name, "neigh."))
			return ini_fail_key(doc, k, "unknown key (expected neigh.N with N = 1..99999)");
		rc = ini_neighbour(doc, k, cfg);
	}
	return rc;
}

/* Check a [port NAME] / [table NAME] name: 1..31 of a-z 0-9 _ -. */
static int ini_check_name(struct ini_doc *doc, const struct ini_sect *s, const char *what)
{
	size_t n = strlen(s->obj);

	if (n >= NATGW_NAME_MAX)
		return ini_fail_sect(doc, s, "%s name is %zu characters long, at most %d", what, n,
				     NATGW_NAME_MAX - 1);
	if (strspn(s->obj, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return ini_fail_sect(doc, s, "%s name \"%s\" may only contain a-z, 0-9, '_' and '-'", what, s->obj);
	return 0;
}

/* Give every section its kind and object name; unknown sections are errors. */
static int ini_classify(struct ini_doc *doc)
{
	for (unsigned i = 0; i < doc->n_sects; i++) {
		struct ini_sect *s = &doc->sects[i];
		size_t w = strcspn(s->name, " \t");
		const char *rest = s->name + w;
		int rc;

		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (strncmp(s->name, "global", w) == 0 && w == 6 && *rest == '\0') {
			s->kind = INI_GLOBAL;
		} else if (strncmp(s->name, "neighbours", w) == 0 && w == 10 && *rest == '\0') {
			s->kind = INI_NEIGH;
		} else if (w == 3 && strncmp(s->name, "nat", 3) == 0) {
			if (*rest != '\0')
				return ini_fail_line(doc, s->line,
						     "section [%s]: [nat] takes no name (the egress port is the key 'port = NAME')",
						     s->name);
			s->kind = INI_NAT;
		} else if (w == 4 && strncmp(s->name, "port", 4) == 0 && *rest != '\0') {
			s->kind = INI_PORT;
			s->obj = rest;
			rc = ini_check_name(doc, s, "port");
			if (rc < 0)
				return rc;
		} else if (w == 5 && strncmp(s->name, "table", 5) == 0 && *rest != '\0') {
			s->kind = INI_TABLE;
			s->obj = rest;
			rc = ini_check_name(doc, s, "table");
			if (rc < 0)
				return rc;
		} else if (w == 2 && strncmp(s->name, "sg", 2) == 0 && *rest != '\0') {
			s->kind = INI_SG;
			s->obj = rest;
			rc = ini_check_name(doc, s, "security group");
			if (rc < 0)
				return rc;
		} else if (w == 4 && strncmp(s->name, "nacl", 4) == 0 && *rest != '\0') {
			s->kind = INI_NACL;
			s->obj = rest;
			rc = ini_check_name(doc, s, "NACL");
			if (rc < 0)
				return rc;
		} else if (w == 11 && strncmp(s->name, "prefix_list", 11) == 0 && *rest != '\0') {
			s->kind = INI_PL;
			s->obj = rest;
			rc = ini_check_name(doc, s, "prefix list");
			if (rc < 0)
				return rc;
		} else {
			return ini_fail_line(doc, s->line,
					     "unknown section [%s] (expected [global], [port NAME], [table NAME], [neighbours], [nat], [sg NAME], [nacl NAME] or [prefix_list NAME])",
					     s->name);
		}
	}
	return 0;
}

/* Ports that share a table must not have overlapping subnets. */
static int ini_check_overlap(struct ini_doc *doc, const struct natgw_config *cfg)
{
	char b1[16], b2[16];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		for (unsigned j = 0; j < i; j++) {
			const struct natgw_port_config *a = &cfg->ports[i], *b = &cfg->ports[j];
			unsigned len = a->prefix_len < b->prefix_len ? a->prefix_len : b->prefix_len;

			if (a->table != b->table || ((a->addr ^ b->addr) & ini_mask(len)) != 0)
				continue;
			return ini_fail_key(doc, ini_sect_key(doc, &doc->sects[doc->port_sect[i]], "address"),
					    "subnet %s/%u overlaps port %s (%s/%u, line %u) in table %s",
					     ini_ntoa(a->addr & ini_mask(a->prefix_len), b1), a->prefix_len,
					     b->name, ini_ntoa(b->addr & ini_mask(b->prefix_len), b2),
					     b->prefix_len, doc->sects[doc->port_sect[j]].line,
					     cfg->tables[a->table].name);
		}
	}
	return 0;
}

/* Validate the records and fill cfg, in a fixed order of section kinds. */
static int ini_build(struct ini_doc *doc, struct natgw_config *cfg)
{
	char msg[NATGW_ERR_MAX];
	int rc;

	rc = ini_classify(doc);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_GLOBAL)
			rc = ini_global(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_PORT)
			rc = ini_port(doc, &doc->sects[i], cfg);
	if (rc == 0)
		rc = ini_ports_unique(doc, cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_TABLE)
			rc = ini_table_create(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_TABLE)
			rc = ini_table_keys(doc, &doc->sects[i], cfg, false);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_TABLE)
			rc = ini_table_keys(doc, &doc->sects[i], cfg, true);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_NEIGH)
			rc = ini_neighbours(doc, &doc->sects[i], cfg);
	for (unsigned i = 0; i < doc->n_sects && rc == 0; i++)
		if (doc->sects[i].kind == INI_NAT)
			rc = ini_nat(doc, &doc->sects[i], cfg);
	if (rc == 0)
		rc = ini_filter(doc, cfg);
	if (rc < 0)
		return rc;
	if (cfg->n_ports == 0)
		return ini_fail_line(doc, 0, "no [port NAME] section: at least one port is required");
	rc = config_finalize(cfg, msg, sizeof(msg));
	if (rc < 0) {
		ini_fail_line(doc, 0, "%s", msg);
		return rc;
	}
	return ini_check_overlap(doc, cfg);
}

/* Load text (whose copy iniparser reads from ini_path) into cfg. */
static int ini_load_text(const char *source, const char *text, size_t len, const char *ini_path,
			 struct natgw_config *cfg, char *err, size_t errlen)
{
	struct ini_doc doc = { .source = source, .err = err, .errlen = errlen };
	int rc;

	config_init(cfg);
	snprintf(cfg->source, sizeof(cfg->source), "%s", source);
	rc = ini_scan(&doc, text, len);
	if (rc < 0)
		goto err_scan;
	iniparser_set_error_callback(ini_swallow);
	doc.dict = iniparser_load(ini_path);
	if (doc.dict == NULL) {
		rc = ini_fail_line(&doc, 0, "iniparser could not read the file (changed while loading, or out of memory)");
		goto err_load;
	}
	rc = ini_attach_values(&doc);
	if (rc < 0)
		goto err_values;
	rc = ini_build(&doc, cfg);
	if (rc < 0)
		goto err_build;
	iniparser_freedict(doc.dict);
	free(doc.sects);
	free(doc.keys);
	return 0;

err_build:
err_values:
	iniparser_freedict(doc.dict);
err_load:
err_scan:
	free(doc.sects);
	free(doc.keys);
	config_free(cfg);
	if (rc == -ENOMEM && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory", source);
	return rc;
}

/* Read a whole file (at most INI_FILE_MAX bytes) into a malloc'd buffer. */
static int ini_read_file(const char *path, char **out, size_t *outlen)
{
	struct stat st;
	size_t len = 0;
	char *buf;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto err_stat;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto err_stat;
	}
	buf = malloc(INI_FILE_MAX + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto err_alloc;
	}
	while ((n = read(fd, buf + len, INI_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto err_read;
		}
		len += (size_t)n;
		if (len > INI_FILE_MAX) {
			rc = -EFBIG;
			goto err_read;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;

err_read:
	free(buf);
err_alloc:
err_stat:
	close(fd);
	return rc;
}

/* Load and validate an INI file into cfg (see docs/CONFIG.md). */
int config_load_ini(const char *path, struct natgw_config *cfg, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	int rc;

	rc = ini_read_file(path, &text, &len);
	if (rc < 0) {
		config_init(cfg);
		config_free(cfg);
		if (err != NULL && errlen > 0) {
			if (rc == -EFBIG)
				snprintf(err, errlen, "%s: file is larger than %u bytes", path, INI_FILE_MAX);
			else
				snprintf(err, errlen, "%s: cannot read config file: %s", path, strerror(-rc));
		}
		return rc;
	}
	rc = ini_load_text(path, text, len, path, cfg, err, errlen);
	free(text);
	return rc;
}

/* Load INI text from memory: a memfd holds a copy for iniparser, which reads paths. */
int config_load_ini_text(const char *source, const char *text, size_t len,
			 struct natgw_config *cfg, char *err, size_t errlen)
{
	size_t off = 0;
	char path[64];
	int fd, rc;

	if (len > INI_FILE_MAX) {
		rc = -EFBIG;
		goto err_size;
	}
	fd = memfd_create("natgw-config", MFD_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto err_memfd;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto err_write;
		}
		off += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = ini_load_text(source, text, len, path, cfg, err, errlen);
	close(fd);
	return rc;

err_write:
	close(fd);
err_memfd:
	config_init(cfg);
	config_free(cfg);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: cannot create memfd: %s", source, strerror(-rc));
	return rc;
err_size:
	config_init(cfg);
	config_free(cfg);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: file is larger than %u bytes", source, INI_FILE_MAX);
	return rc;
}

/* Load the configuration compiled into the binary (config/lab.ini). */
int config_load_default(struct natgw_config *cfg, char *err, size_t errlen)
{
	const char *text = natgw_default_config_ini;

	return config_load_ini_text(INI_DEFAULT_SOURCE, text, strlen(text), cfg, err, errlen);
}
