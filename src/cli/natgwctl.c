/* natgwctl: the command-line client of natgw's management socket.
 *
 *   natgwctl [-s SOCKET] [-j] [-w] OBJECT [COMMAND [ARGS...]]
 *
 * Grammar in the style of iproute2 (objects and commands may be abbreviated
 * where unambiguous: "ro sh" is "route show"); "natgwctl help" and "natgwctl
 * OBJECT help" print the usage. The socket defaults to $NATGW_SOCKET, else to
 * the [global] socket of natgw's embedded default configuration. Output is
 * text, or JSON with -j (the same data). Exit status: 0 success, 1 natgw
 * refused (its message on stderr) or could not be reached, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctl.h"
#include "natgw/config.h"

struct ctl_object {
	const char *name;
	const char *alias;
	ctl_cmd_fn fn;
	const char *usage;
};

static const struct ctl_object ctl_objects[] = {
	{ "port", NULL, ctl_port,
	  "port show [NAME]              ports: driver, MAC, link, queues, offloads, address, bindings, counters\n"
	  "port counters [NAME]          per-port packet and byte counters\n" },
	{ "neigh", "neighbour", ctl_neigh,
	  "neigh show                              ARP neighbours (learnt and static)\n"
	  "neigh add ADDRESS lladdr MAC dev PORT   static neighbour (ADDRESS in PORT's subnet; MAC aa:bb:cc:dd:ee:ff)\n"
	  "neigh del ADDRESS dev PORT              remove a static neighbour\n" },
	{ "route", NULL, ctl_route,
	  "route show [table T]                                  routes of one table or of all\n"
	  "route add PREFIX via GW [dev PORT] [table T]          gateway route (PREFIX: a.b.c.d/len or default)\n"
	  "route add PREFIX dev PORT [table T]                   on-link route\n"
	  "route add PREFIX blackhole [table T]                  drop (counted)\n"
	  "route replace PREFIX ... [table T]                    add, or replace the route for PREFIX\n"
	  "route del PREFIX [table T]                            (table: default main)\n" },
	{ "nat", NULL, ctl_nat,
	  "nat show | nat pool           pool, inside prefixes, ports, mapping, limits\n"
	  "nat timeouts [set [udp S] [tcp-established S] [tcp-transitory S] [tcp-syn S] [icmp S]]\n"
	  "nat forward [show]\n"
	  "nat forward add PUBLIC:PORT to INSIDE:PORT tcp|udp\n"
	  "nat forward del PUBLIC:PORT tcp|udp\n"
	  "nat sessions [src A[/L]] [dst A[/L]] [sport P] [dport P] [proto tcp|udp|icmp|N]\n"
	  "     [worker W] [limit N] [count | flush]\n" },
	{ "sg", "security-group", ctl_sg,
	  "sg show [NAME]                                        groups, rules (with hits), members\n"
	  "sg rule add NAME ingress|egress PROTO [PORTS|ICMP|any] from|to PEER\n"
	  "sg rule del NAME ingress|egress PROTO [PORTS|ICMP|any] from|to PEER\n"
	  "sg rule del NAME rule.N\n"
	  "sg member add|del NAME ADDRESS\n"
	  "      PROTO: tcp udp icmp all or 0..255; PORTS: P or LOW-HIGH; ICMP: TYPE[/CODE];\n"
	  "      PEER: a.b.c.d/len, pl:NAME (prefix list) or sg:NAME (group members)\n" },
	{ "pl", "prefix-list", ctl_pl,
	  "pl show [NAME]\n"
	  "pl prefix add|del NAME a.b.c.d/len\n" },
	{ "nacl", NULL, ctl_nacl,
	  "nacl show [NAME]                                      rules in evaluation order, with hits\n"
	  "nacl rule add NAME ingress|egress NUMBER allow|deny PROTO [PORTS|ICMP|any] from|to CIDR [to|from CIDR]\n"
	  "nacl rule del NAME ingress|egress NUMBER\n" },
	{ "stats", NULL, ctl_stats,
	  "stats [-w] [worker W]         all counters (summed; -w: per worker too)\n" },
	{ "counters", NULL, ctl_counters,
	  "counters [show] [-w] [worker W]\n"
	  "counters reset                zero every counter\n" },
	{ "config", NULL, ctl_config,
	  "config dump                   the running configuration as an INI file natgw accepts\n"
	  "config reload [FILE]          load FILE (default: natgw's startup file) and apply the difference\n" },
	{ "monitor", NULL, ctl_monitor,
	  "monitor [all|session|ports|route|config]...   stream events (one line, or one JSON object, each)\n" },
};

#define N_OBJECTS (sizeof(ctl_objects) / sizeof(ctl_objects[0]))

/* Print the usage of one object (or of all when NULL). */
void ctl_help(const char *object, bool to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	if (object == NULL)
		fprintf(f,
			"usage: natgwctl [-s SOCKET] [-j] [-w] OBJECT [COMMAND [ARGS...]]\n"
			"       natgwctl help | natgwctl OBJECT help\n"
			"options: -s SOCKET  management socket (default $NATGW_SOCKET or natgw's default)\n"
			"         -j         JSON output\n"
			"         -w         per-worker counters (stats, counters)\n"
			"objects:\n");
	for (size_t i = 0; i < N_OBJECTS; i++) {
		const struct ctl_object *o = &ctl_objects[i];
		const char *p = o->usage;

		if (object && strcmp(object, o->name) != 0)
			continue;
		/* indent every line */
		while (*p) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);

			if (*p == ' ')
				fprintf(f, "           %.*s\n", n, p);
			else
				fprintf(f, "  natgwctl %.*s\n", n, p);
			p += n + (nl ? 1 : 0);
		}
	}
}

/* Print a usage error and the object's usage; returns CTL_EXIT_USAGE. */
int ctl_usage(const char *object, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "natgwctl: usage error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	ctl_help(object, true);
	return CTL_EXIT_USAGE;
}

/* Send req and read the answer; prints natgw's error. */
int ctl_call(struct ctl *c, struct nl_msg *req, mgmt_reply_fn fn, void *arg)
{
	int rc;

	if (req == NULL) {
		nlmsg_free(req);
		fprintf(stderr, "natgwctl: out of memory building the request\n");
		return CTL_EXIT_FAIL;
	}
	if (c->client == NULL) {
		rc = mgmt_client_open(c->socket, &c->client, c->err, sizeof(c->err));
		if (rc < 0) {
			nlmsg_free(req);
			fprintf(stderr, "natgwctl: %s\n", c->err);
			return CTL_EXIT_FAIL;
		}
	}
	rc = mgmt_client_call(c->client, req, fn, arg, c->err, sizeof(c->err));
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "natgwctl: %s\n", c->err);
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

/* The default socket: $NATGW_SOCKET, else the embedded default config's. */
static const char *ctl_default_socket(char *buf, size_t len)
{
	const char *env = getenv("NATGW_SOCKET");
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX];

	if (env && *env)
		return env;
	snprintf(buf, len, "/run/natgw/natgw.sock");
	if (config_load_default(&cfg, err, sizeof(err)) == 0) {
		snprintf(buf, len, "%s", cfg.global.socket_path);
		config_free(&cfg);
	}
	return buf;
}

/* Find an object by name, alias or unambiguous prefix. */
static const struct ctl_object *ctl_object_find(const char *word)
{
	const struct ctl_object *found = NULL;

	for (size_t i = 0; i < N_OBJECTS; i++) {
		const struct ctl_object *o = &ctl_objects[i];

		if (strcmp(word, o->name) == 0 || (o->alias && strcmp(word, o->alias) == 0))
			return o;
	}
	for (size_t i = 0; i < N_OBJECTS; i++) {
		const struct ctl_object *o = &ctl_objects[i];

		if (ctl_matches(word, o->name)) {
			if (found)
				return NULL; /* ambiguous */
			found = o;
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	char sockbuf[NATGW_PATH_MAX];
	const struct ctl_object *o;
	int opt, rc;

	while ((opt = getopt(argc, argv, "+s:jwh")) != -1) {
		switch (opt) {
		case 's': c.socket = optarg; break;
		case 'j': c.json = true; break;
		case 'w': c.per_worker = true; break;
		case 'h': ctl_help(NULL, false); return CTL_EXIT_OK;
		default: ctl_help(NULL, true); return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_help(NULL, true);
		return CTL_EXIT_USAGE;
	}
	if (ctl_is(argv[optind], "help") || ctl_is(argv[optind], "--help")) {
		if (optind + 1 < argc) {
			o = ctl_object_find(argv[optind + 1]);
			if (o == NULL)
				return ctl_usage(NULL, "unknown object \"%s\"", argv[optind + 1]);
			ctl_help(o->name, false);
		} else {
			ctl_help(NULL, false);
		}
		return CTL_EXIT_OK;
	}
	o = ctl_object_find(argv[optind]);
	if (o == NULL)
		return ctl_usage(NULL, "unknown object \"%s\"", argv[optind]);
	if (optind + 1 < argc && (ctl_is(argv[optind + 1], "help") || ctl_is(argv[optind + 1], "-h"))) {
		ctl_help(o->name, false);
		return CTL_EXIT_OK;
	}
	/* -w and -j may also follow the object ("natgwctl stats -w") */
	for (int i = optind + 1; i < argc; i++) {
		if (ctl_is(argv[i], "-w")) {
			c.per_worker = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(argv[0]));
			argc--;
			i--;
		} else if (ctl_is(argv[i], "-j")) {
			c.json = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(argv[0]));
			argc--;
			i--;
		}
	}
	if (c.socket == NULL)
		c.socket = ctl_default_socket(sockbuf, sizeof(sockbuf));
	out_init(c.json);
	rc = o->fn(&c, argc - optind - 1, argv + optind + 1);
	fflush(stdout);
	mgmt_client_close(c.client);
	return rc;
}
