/* EAL start-up from the configuration.
 *
 * Builds the EAL argument vector natgw always uses on machines without
 * hugepages or a bound NIC (--no-huge, --no-shconf, and --no-pci unless a
 * port names a PCI address), the lcore list, memory and file prefix from
 * [global], and one --vdev per virtual port (net_af_xdp, net_af_packet,
 * net_pcap, net_ring, net_null ...). Called once from main().
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "dataplane.h"

#define EAL_MAX_ARGS (16 + 2 * NATGW_MAX_PORTS)

bool dp_devargs_is_pci(const char *d)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	if (sscanf(d, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) == 4 && n > 0)
		return true;
	n = 0;
	return sscanf(d, "%x:%x.%x%n", &bus, &dev, &fn, &n) == 3 && n > 0 &&
	       (d[n] == '\0' || d[n] == ',');
}

void dp_devargs_devname(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");
	unsigned bus, dev, fn;
	int m = 0;

	if (sscanf(devargs, "%x:%x.%x%n", &bus, &dev, &fn, &m) == 3 && (size_t)m == n) {
		snprintf(name, len, "0000:%.*s", (int)n, devargs);
		return;
	}
	snprintf(name, len, "%.*s", (int)n, devargs);
}

int dp_eal_init(const struct natgw_config *cfg, const char *argv0, char *msg, size_t len)
{
	static char store[EAL_MAX_ARGS][NATGW_DEVARGS_MAX + 16];
	char *argv[EAL_MAX_ARGS + 1];
	int argc = 0;
	bool any_pci = false;
	const char *loglevel = getenv("NATGW_EAL_LOG_LEVEL");

#define EAL_ARG(...) snprintf(store[argc], sizeof(store[argc]), __VA_ARGS__), argv[argc] = store[argc], argc++
	EAL_ARG("%s", argv0);
	EAL_ARG("-l");
	EAL_ARG("%s", cfg->global.lcores);
	EAL_ARG("-m");
	EAL_ARG("%u", cfg->global.memory_mb);
	EAL_ARG("--no-huge");
	EAL_ARG("--no-shconf");
	if (cfg->global.file_prefix[0])
		EAL_ARG("--file-prefix=%s", cfg->global.file_prefix);
	else
		EAL_ARG("--file-prefix=natgw-%d", (int)getpid());
	EAL_ARG("--log-level=%s", loglevel ? loglevel : "*:notice");
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *d = cfg->ports[i].devargs;
		if (dp_devargs_is_pci(d)) {
			any_pci = true;
			EAL_ARG("-a");
			EAL_ARG("%s", d);
		} else {
			EAL_ARG("--vdev=%s", d);
		}
	}
	if (!any_pci)
		EAL_ARG("--no-pci");
	argv[argc] = NULL;
#undef EAL_ARG

	if (rte_eal_init(argc, argv) < 0) {
		snprintf(msg, len, "EAL initialisation failed: %s (lcores \"%s\", memory %u MB)",
			 rte_strerror(rte_errno), cfg->global.lcores, cfg->global.memory_mb);
		return -rte_errno;
	}
	return 0;
}
