/* natgw counters: names and descriptions of drop reasons and generated-packet kinds.
 *
 * Overview: the tables below are derived from the NATGW_DROP_REASONS X-macro in
 * counters.h, so adding a reason there is enough. Drop reason names are the
 * enum names in lower case ("ip_bad_checksum"); they are produced once by a
 * constructor into a static table (the preprocessor cannot lower-case).
 * Life-cycle: read-only after program start; any thread may call these.
 */
#include <stddef.h>

#include "natgw/counters.h"

#define DROP_NAME_MAX 48

#define NATGW_DROP_UPPER(name, desc) #name,
static const char *const drop_upper[DROP_MAX] = { NATGW_DROP_REASONS(NATGW_DROP_UPPER) };
#undef NATGW_DROP_UPPER

#define NATGW_DROP_DESC(name, desc) desc,
static const char *const drop_desc[DROP_MAX] = { NATGW_DROP_REASONS(NATGW_DROP_DESC) };
#undef NATGW_DROP_DESC

#define NATGW_DROP_LEN(name, desc) _Static_assert(sizeof(#name) <= DROP_NAME_MAX, \
						  "drop reason name too long: " #name);
NATGW_DROP_REASONS(NATGW_DROP_LEN)
#undef NATGW_DROP_LEN

static char drop_lower[DROP_MAX][DROP_NAME_MAX];

#define NATGW_NAT_UPPER(name, desc) #name,
static const char *const nat_upper[NAT_CTR_MAX] = { NATGW_NAT_COUNTERS(NATGW_NAT_UPPER) };
#undef NATGW_NAT_UPPER
static char nat_lower[NAT_CTR_MAX][DROP_NAME_MAX];

/* Lower-case copy of an upper-case name into dst (DROP_NAME_MAX bytes). */
static void counters_lower(char *dst, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < DROP_NAME_MAX - 1; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
	dst[i] = '\0';
}

/* Fill drop_lower[] and nat_lower[] before main() runs. */
__attribute__((constructor)) static void counters_names_init(void)
{
	for (unsigned r = 0; r < DROP_MAX; r++)
		counters_lower(drop_lower[r], drop_upper[r]);
	for (unsigned c = 0; c < NAT_CTR_MAX; c++)
		counters_lower(nat_lower[c], nat_upper[c]);
}

/* Lower-case name of a NAT counter ("sessions_created"). */
const char *nat_counter_name(enum nat_counter c)
{
	if ((unsigned)c >= NAT_CTR_MAX)
		return "unknown";
	return nat_lower[c];
}

/* Lower-case short name of a drop reason ("unknown" when out of range). */
const char *drop_reason_name(enum drop_reason r)
{
	if ((unsigned)r >= DROP_MAX)
		return "unknown";
	return drop_lower[r];
}

/* Human-readable description of a drop reason. */
const char *drop_reason_desc(enum drop_reason r)
{
	if ((unsigned)r >= DROP_MAX)
		return "unknown drop reason";
	return drop_desc[r];
}

static const char *const gen_names[GEN_MAX] = {
	[GEN_ARP_REPLY] = "arp_reply",
	[GEN_ARP_REQUEST] = "arp_request",
	[GEN_ARP_GRATUITOUS] = "arp_gratuitous",
	[GEN_ICMP_ECHO_REPLY] = "icmp_echo_reply",
	[GEN_ICMP_TIME_EXCEEDED] = "icmp_time_exceeded",
	[GEN_ICMP_NET_UNREACH] = "icmp_net_unreach",
	[GEN_ICMP_HOST_UNREACH] = "icmp_host_unreach",
	[GEN_ICMP_FRAG_NEEDED] = "icmp_frag_needed",
	[GEN_ICMP_RATE_LIMITED] = "icmp_rate_limited",
};

/* Lower-case name of a generated-packet kind ("unknown" when out of range). */
const char *gen_kind_name(enum gen_kind k)
{
	if ((unsigned)k >= GEN_MAX || gen_names[k] == NULL)
		return "unknown";
	return gen_names[k];
}
