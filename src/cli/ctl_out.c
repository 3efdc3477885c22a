/* natgwctl output and argument helpers: a small JSON writer (valid JSON:
 * strings escaped, commas tracked per nesting level), and the parsers and
 * formatters every object command uses. Writes to stdout only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctl.h"
#include "natgw/config.h"

#define OUT_DEPTH 16

static bool out_json;
static int out_depth;
static bool out_need_comma[OUT_DEPTH];

/* Select the output mode. */
void out_init(bool json)
{
	out_json = json;
	out_depth = 0;
	memset(out_need_comma, 0, sizeof(out_need_comma));
}

/* True in -j mode. */
bool out_is_json(void)
{
	return out_json;
}

/* Write s as a JSON string literal. */
static void out_json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Comma and key before a value at the current level. */
static void out_prefix(const char *key)
{
	if (out_depth > 0 && out_need_comma[out_depth - 1])
		putchar(',');
	if (out_depth > 0)
		out_need_comma[out_depth - 1] = true;
	if (key) {
		out_json_string(key);
		putchar(':');
	}
}

/* Open a container. */
static void out_open(const char *key, char c)
{
	if (!out_json)
		return;
	out_prefix(key);
	putchar(c);
	if (out_depth < OUT_DEPTH)
		out_need_comma[out_depth] = false;
	out_depth++;
}

/* Close a container. */
static void out_close(char c)
{
	if (!out_json)
		return;
	out_depth--;
	putchar(c);
}

/* Top-level [. */
void out_list_begin(void)
{
	out_open(NULL, '[');
}

/* Top-level ] and a newline. */
void out_list_end(void)
{
	out_close(']');
	if (out_json)
		putchar('\n');
}

/* { with an optional key. */
void out_obj_begin(const char *key)
{
	out_open(key, '{');
}

/* }. */
void out_obj_end(void)
{
	out_close('}');
}

/* [ with an optional key. */
void out_arr_begin(const char *key)
{
	out_open(key, '[');
}

/* ]. */
void out_arr_end(void)
{
	out_close(']');
}

/* A string value (JSON only; text printers print themselves). */
void out_str(const char *key, const char *v)
{
	if (!out_json)
		return;
	out_prefix(key);
	out_json_string(v);
}

/* A number. */
void out_u64(const char *key, uint64_t v)
{
	if (!out_json)
		return;
	out_prefix(key);
	printf("%llu", (unsigned long long)v);
}

/* A boolean. */
void out_bool(const char *key, bool v)
{
	if (!out_json)
		return;
	out_prefix(key);
	fputs(v ? "true" : "false", stdout);
}

/* ---- words ----------------------------------------------------------------- */

/* True if s equals word. */
bool ctl_is(const char *s, const char *word)
{
	return s && strcmp(s, word) == 0;
}

/* True if s is a non-empty prefix of word. */
bool ctl_matches(const char *s, const char *word)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && strncmp(s, word, n) == 0;
}

/* Decimal 0..max. */
int ctl_parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* "a.b.c.d". */
int ctl_parse_addr(const char *s, uint32_t *addr)
{
	return config_parse_ipv4(s, addr);
}

/* "a.b.c.d/len", "a.b.c.d" (= /32) or "default". */
int ctl_parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool strict)
{
	if (s == NULL)
		return -EINVAL;
	if (strcmp(s, "default") == 0) {
		*addr = 0;
		*len = 0;
		return 0;
	}
	if (strchr(s, '/') == NULL) {
		*len = 32;
		return config_parse_ipv4(s, addr);
	}
	return config_parse_prefix(s, addr, len, strict);
}

/* "a.b.c.d:port" with port 1..65535. */
int ctl_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[32];
	char *colon;
	uint32_t p;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (colon == NULL)
		return -EINVAL;
	*colon = '\0';
	if (config_parse_ipv4(buf, addr) < 0 || ctl_parse_u32(colon + 1, 65535, &p) < 0 || p == 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

/* tcp, udp, icmp, all or a number 0..255. */
int ctl_parse_proto(const char *s, uint8_t *proto)
{
	uint32_t v;

	if (s == NULL)
		return -EINVAL;
	if (strcmp(s, "tcp") == 0)
		v = 6;
	else if (strcmp(s, "udp") == 0)
		v = 17;
	else if (strcmp(s, "icmp") == 0)
		v = 1;
	else if (strcmp(s, "all") == 0)
		v = 0;
	else if (ctl_parse_u32(s, 255, &v) < 0)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

/* Dotted quad of a host-order address. */
const char *ctl_ntoa(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* "a.b.c.d/len". */
const char *ctl_pfx(uint32_t a, uint8_t len, char *buf)
{
	char t[16];

	snprintf(buf, 20, "%s/%u", ctl_ntoa(a, t), len);
	return buf;
}

/* Protocol name (tcp, udp, icmp, all) or its number. */
const char *ctl_proto_name(uint8_t proto, char *buf)
{
	switch (proto) {
	case 0: return "all";
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	default:
		snprintf(buf, 8, "%u", proto);
		return buf;
	}
}

/* "aa:bb:cc:dd:ee:ff". */
const char *ctl_mac(const uint8_t *mac, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}
