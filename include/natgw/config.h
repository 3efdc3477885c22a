/* natgw configuration model.
 *
 * One struct natgw_config describes everything natgw is told at start: EAL and
 * global settings, ports, route tables and static neighbours. The INI loader
 * (src/control/config_ini.c) fills it; later the management plane edits the same
 * model. The data plane never reads this struct on the packet path: it compiles
 * it into a struct dp_snapshot (see pipeline.h).
 *
 * Addresses are stored in host byte order. Port and table references are
 * indexes into ports[] / tables[].
 */
#ifndef NATGW_CONFIG_H
#define NATGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATGW_MAX_PORTS 8
#define NATGW_MAX_TABLES 16
#define NATGW_NAME_MAX 32
#define NATGW_DEVARGS_MAX 256
#define NATGW_PATH_MAX 108 /* sun_path */
#define NATGW_ERR_MAX 512
#define NATGW_MAX_POOL 16
#define NATGW_MAX_INSIDE 16
#define NATGW_MAX_FORWARDS 256
#define NATGW_MAX_SG 64            /* security groups (a port's groups are a 64-bit mask) */
#define NATGW_MAX_NACL 32
#define NATGW_MAX_PREFIX_LISTS 64
#define NATGW_NACL_RULE_MAX 32766  /* NACL rule numbers are 1..32766 */

enum natgw_route_type {
	NATGW_ROUTE_CONNECTED = 0, /* prefix on a port's own subnet (auto-added) */
	NATGW_ROUTE_GATEWAY,       /* prefix via GATEWAY dev PORT */
	NATGW_ROUTE_DEV,           /* prefix dev PORT: destination itself is on-link */
	NATGW_ROUTE_BLACKHOLE,     /* prefix blackhole: silently dropped, counted */
};

struct natgw_route {
	uint32_t prefix;   /* host order, host bits zero */
	uint8_t len;       /* 0..32 */
	uint8_t type;      /* enum natgw_route_type */
	uint16_t port;     /* egress port index (not for blackhole) */
	uint32_t gateway;  /* host order, NATGW_ROUTE_GATEWAY only */
	uint8_t connected; /* 1: added by config_finalize for a port's subnet (not
			      written by config_dump_ini); 0: configured */
};

struct natgw_route_table {
	char name[NATGW_NAME_MAX];
	struct natgw_route *routes; /* heap array, n_routes used, cap allocated */
	unsigned n_routes;
	unsigned cap;
	uint32_t ingress_ports; /* bitmask of port indexes that use this table */
};

struct natgw_port_config {
	char name[NATGW_NAME_MAX];
	char devargs[NATGW_DEVARGS_MAX]; /* "net_af_xdp0,iface=in1", a PCI address, ... */
	uint32_t addr;                   /* host order */
	uint8_t prefix_len;
	uint16_t mtu;                    /* IP MTU, 68..9216, default 1500 */
	uint16_t queues;                 /* RX/TX queue pairs, default 1 */
	bool rx_csum_offload;            /* use RX checksum flags if PMD offers them */
	bool tx_csum_offload;            /* use TX checksum offload if PMD offers it */
	bool promisc;                    /* put port in promiscuous mode (default off) */
	int table;                       /* route table index used for ingress, -1: "main" */
	uint64_t security_groups;        /* bit i: group sg[i] applies (0: no filtering) */
	int nacl;                        /* index in nacls[], -1: none */
};

/* ---- filtering (security groups, network ACLs) ---- */

enum natgw_filter_dir {
	NATGW_DIR_INGRESS = 0, /* traffic entering natgw through the port */
	NATGW_DIR_EGRESS,      /* traffic leaving natgw through the port */
};

/* Who a security-group rule talks to. */
enum natgw_peer_kind {
	NATGW_PEER_CIDR = 0,    /* cidr/cidr_len */
	NATGW_PEER_PREFIX_LIST, /* prefix_lists[peer_ref] */
	NATGW_PEER_SG,          /* the members of sgs[peer_ref] */
};

/* Protocol/port match shared by SG and NACL rules. proto 0 = all protocols;
 * for TCP/UDP port_lo..port_hi (0..65535 = any); for ICMP icmp_type/-code,
 * -1 = any. Ports are destination ports for the direction the rule is written
 * for (ingress: port on natgw's far side being reached; as in cloud VPCs). */
struct natgw_l4_match {
	uint8_t proto;
	uint16_t port_lo;
	uint16_t port_hi;
	int16_t icmp_type;
	int16_t icmp_code;
};

/* A security-group rule: an allow (groups have no deny). */
struct natgw_sg_rule {
	uint8_t dir;                /* enum natgw_filter_dir */
	struct natgw_l4_match l4;
	uint8_t peer_kind;          /* enum natgw_peer_kind */
	uint32_t cidr;              /* host order, host bits zero (NATGW_PEER_CIDR) */
	uint8_t cidr_len;
	uint16_t peer_ref;          /* index for PREFIX_LIST / SG peers */
	char key[24];               /* config key it came from ("rule.3"), for messages/counters */
};

struct natgw_sg {
	char name[NATGW_NAME_MAX];
	struct natgw_sg_rule *rules; /* heap */
	unsigned n_rules, rules_cap;
	uint32_t *members;           /* host order addresses declared members (heap) */
	unsigned n_members, members_cap;
};

struct natgw_prefix_list {
	char name[NATGW_NAME_MAX];
	uint32_t *prefix;            /* host order (heap) */
	uint8_t *len;                /* (heap) */
	unsigned n, cap;
};

/* A NACL rule: numbered, allow or deny, one direction; matches the remote
 * CIDR (ingress: source, egress: destination) and optionally the other side
 * (ingress: destination, "to CIDR"; egress: source, "from CIDR"). */
struct natgw_nacl_rule {
	uint16_t number;             /* 1..32766, evaluated lowest first */
	uint8_t dir;                 /* enum natgw_filter_dir */
	bool allow;
	struct natgw_l4_match l4;
	uint32_t cidr;               /* host order */
	uint8_t cidr_len;
	uint32_t other_cidr;         /* host order; with other_len 0: any (the default) */
	uint8_t other_len;
};

struct natgw_nacl {
	char name[NATGW_NAME_MAX];
	struct natgw_nacl_rule *rules; /* heap, sorted by (dir, number) after loading */
	unsigned n_rules, rules_cap;
};

struct natgw_neighbour_config {
	uint32_t addr;   /* host order */
	uint8_t mac[6];
	uint16_t port;   /* port index */
};

/* How a new SNAT session picks its public port (RFC 4787). */
enum natgw_nat_mapping {
	NATGW_NAT_MAPPING_EIM = 0,  /* endpoint-independent where the port is free,
				       otherwise tuple-unique (default) */
	NATGW_NAT_MAPPING_TUPLE,    /* always a random port, unique per (remote, public) tuple */
};

/* A static port-forward: public_addr:public_port (proto) -> inside_addr:inside_port. */
struct natgw_port_forward {
	uint8_t proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t public_addr; /* host order; must be in the pool */
	uint16_t public_port;
	uint32_t inside_addr; /* host order */
	uint16_t inside_port;
};

/* [nat]: masquerading behind a pool of public addresses on one egress port. */
struct natgw_nat_config {
	bool enabled;                        /* a [nat] section exists */
	uint16_t port;                       /* egress port index (key "port") */
	uint32_t pool[NATGW_MAX_POOL];       /* host order; default: the port's own address */
	unsigned n_pool;
	uint32_t inside[NATGW_MAX_INSIDE];   /* prefixes masqueraded (host order) */
	uint8_t inside_len[NATGW_MAX_INSIDE];
	unsigned n_inside;
	uint16_t port_min, port_max;         /* default 1024-65535 */
	uint8_t mapping;                     /* enum natgw_nat_mapping */
	uint32_t timeout_udp;                /* seconds, default 300 */
	uint32_t timeout_tcp_established;    /* default 7440 */
	uint32_t timeout_tcp_transitory;     /* default 240 */
	uint32_t timeout_tcp_syn;            /* half-open, default 30 */
	uint32_t timeout_icmp;               /* default 60 */
	uint32_t max_sessions;               /* total over workers, default 262144 */
	uint32_t max_sessions_per_host;      /* 0 = no cap (default) */
	uint32_t port_reuse_delay;           /* seconds, default 120 */
	bool icmp_on_exhaustion;             /* send ICMP 3/13 when refusing a new flow (default no) */
	struct natgw_port_forward forwards[NATGW_MAX_FORWARDS];
	unsigned n_forwards;
};

struct natgw_global_config {
	char lcores[64];                  /* EAL -l list, default "0" */
	unsigned memory_mb;               /* EAL -m, default 256 */
	char file_prefix[64];             /* EAL --file-prefix, default "natgw-<pid>" */
	char socket_path[NATGW_PATH_MAX]; /* management socket */
	char socket_group[64];            /* group (name or numeric gid) that may use the
					     socket (mode 0660); empty: root only */
	char pidfile[NATGW_PATH_MAX];     /* optional */
	unsigned icmp_rate;               /* ICMP errors per second per worker, default 100 */
	unsigned icmp_burst;              /* token bucket depth, default 50 */
	unsigned neigh_timeout;           /* seconds a learnt neighbour stays, default 300 */
	unsigned stats_interval;          /* seconds; 0 = only on SIGUSR1/exit */
	bool gratuitous_arp;              /* announce own addresses at start, default on */
	uint8_t rss_key[40];              /* Toeplitz RSS key (RSS_KEY_LEN of natgw/rss.h)
					     for hardware RSS and software steering;
					     default: rss_key_symmetric (0x6d5a x 20) */
	bool rss_key_set;                 /* rss_key was configured (written in the file) */
};

struct natgw_config {
	char source[NATGW_PATH_MAX];      /* file it was loaded from, for messages */
	struct natgw_global_config global;
	struct natgw_port_config ports[NATGW_MAX_PORTS];
	unsigned n_ports;
	struct natgw_route_table tables[NATGW_MAX_TABLES];
	unsigned n_tables;
	struct natgw_nat_config nat;
	struct natgw_sg sgs[NATGW_MAX_SG];
	unsigned n_sgs;
	struct natgw_nacl nacls[NATGW_MAX_NACL];
	unsigned n_nacls;
	struct natgw_prefix_list prefix_lists[NATGW_MAX_PREFIX_LISTS];
	unsigned n_prefix_lists;
	struct natgw_neighbour_config *neighbours; /* heap array */
	unsigned n_neighbours;
	unsigned neighbours_cap;
};

/* Fill cfg with defaults and no ports/tables. */
void config_init(struct natgw_config *cfg);

/* Release heap parts of cfg (routes, neighbours). cfg may be reused after config_init. */
void config_free(struct natgw_config *cfg);

/* Load and validate an INI file. Returns 0, or -EINVAL/-ENOENT/... with a message
 * naming file, line (where known), section and key in err. On error cfg is freed. */
int config_load_ini(const char *path, struct natgw_config *cfg, char *err, size_t errlen);

/* Load the configuration compiled into the binary (config/lab.ini). */
int config_load_default(struct natgw_config *cfg, char *err, size_t errlen);

/* Load and validate INI text of len bytes (need not be NUL-terminated); source
 * names it in messages ("SOURCE:LINE: ..."). Same rules and errors as
 * config_load_ini; -EFBIG for more than 1 MiB. On error cfg is freed. */
int config_load_ini_text(const char *source, const char *text, size_t len,
			 struct natgw_config *cfg, char *err, size_t errlen);

/* ---- live reconfiguration (config_copy.c, config_dump.c, config_diff.c) ---- */

/* Deep copy src into dst (dst is overwritten, not freed first; dst != src).
 * 0, or -ENOMEM / -EINVAL (counts beyond the array sizes) with dst zeroed. */
int config_copy(struct natgw_config *dst, const struct natgw_config *src);

/* True if a and b describe the same configuration: ignores source, unused
 * capacity, the order of routes, neighbours, prefixes, members and rules
 * (NACL rules are matched by direction and number), fields a rule's protocol
 * does not use, and whether an on-link route to a port's subnet was written or
 * added by config_finalize. Ports, tables, groups, NACLs and lists are compared
 * by index. */
bool config_equal(const struct natgw_config *a, const struct natgw_config *b);

/* The configuration as INI text (malloc'd, NUL-terminated; NULL: out of
 * memory) that config_load_ini_text loads back to a config_equal config.
 * Connected routes added by config_finalize are not written; route.N,
 * prefix.N, neigh.N and forward.N are numbered from 1. */
char *config_dump_ini(const struct natgw_config *cfg);

/* Validate a (programmatically edited) config with the loader's rules and
 * messages: dump it and load the text back, source "<running config>".
 * 0, -EINVAL with a message in err, or -ENOMEM. cfg is not changed. */
int config_validate(const struct natgw_config *cfg, char *err, size_t errlen);

/* Can new_cfg replace old_cfg in a running natgw without a restart? 0 with a
 * one-line summary of the changes ("table main: +2 -1 routes; sg web: rules
 * changed", or "no change"), or -EBUSY with err naming the first change that
 * needs a restart ("[port in1] devargs changed: needs a restart"). */
int config_live_diff(const struct natgw_config *old_cfg, const struct natgw_config *new_cfg,
		     char *summary, size_t slen, char *err, size_t errlen);

/* The text of the embedded default configuration. */
extern const char natgw_default_config_ini[];

/* Index of the port called name, or -1. */
int config_port_find(const struct natgw_config *cfg, const char *name);

/* Index of the route table called name, or -1. */
int config_table_find(const struct natgw_config *cfg, const char *name);

/* Append a route to a table (grows the array). 0 or -ENOMEM/-EEXIST (same prefix/len). */
int config_route_add(struct natgw_route_table *t, const struct natgw_route *r);

/* Is gw a valid gateway on port p (in its subnet, not its own address, not
 * the network/broadcast address up to /30)? 0 or -EINVAL with why. */
int config_gateway_check(const struct natgw_port_config *p, uint32_t gw, char *why, size_t len);

/* Route order in tables, (prefix, len) ascending (qsort comparator), and
 * whether a table is in it (management edits keep tables sorted). */
int config_route_cmp(const void *a, const void *b);
bool config_route_table_sorted(const struct natgw_route_table *t);

/* config_route_add without the duplicate check (the caller keeps an index):
 * 0, -EINVAL (host bits, length, type) or -ENOMEM. */
int config_route_append(struct natgw_route_table *t, const struct natgw_route *r);

/* Add connected routes for every port address to the table each port is bound
 * to, and bind unbound ports to table "main" (created if absent). */
int config_finalize(struct natgw_config *cfg, char *err, size_t errlen);

/* Parse "a.b.c.d/len" (host order out). 0 or -EINVAL. Host bits must be zero
 * when strict is true. */
int config_parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool strict);

/* Parse "a.b.c.d" (host order out). 0 or -EINVAL. */
int config_parse_ipv4(const char *s, uint32_t *addr);

/* Parse "aa:bb:cc:dd:ee:ff". 0 or -EINVAL. */
int config_parse_mac(const char *s, uint8_t mac[6]);

/* Value 0..15 of one hex digit (either case), or -1. */
int config_hex_digit(char c);

#endif
