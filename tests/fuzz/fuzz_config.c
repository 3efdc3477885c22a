/* fuzz_config: INI files through config_load_ini (src/control/config_ini.c,
 * config_nat.c, config_model.c, and iniparser underneath).
 *
 * Input: the bytes of one INI file. It is written to a memfd and loaded by
 * its /proc/self/fd path, as natgw -c would load a file. Contract checked:
 * no crash and no leak (ASan/LSan); on success the model is sane and
 * config_free releases it; on failure the return value is a negative errno
 * and the message is non-empty, NUL-terminated and names the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "natgw/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

/* Print what broke and abort: libFuzzer saves the input as a crash. */
#define FZ_ASSERT(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FUZZ INVARIANT VIOLATED: " __VA_ARGS__); \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("natgw-fuzz.ini", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

/* Replace the memfd's contents with data. */
static void file_set(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (ftruncate(fd, 0) != 0)
		abort();
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
}

/* Sanity of a loaded model: counts within bounds, references valid. */
static void model_check(const struct natgw_config *cfg)
{
	FZ_ASSERT(cfg->n_ports <= NATGW_MAX_PORTS, "n_ports %u", cfg->n_ports);
	FZ_ASSERT(cfg->n_tables <= NATGW_MAX_TABLES, "n_tables %u", cfg->n_tables);
	FZ_ASSERT(cfg->n_neighbours <= cfg->neighbours_cap, "neighbours %u cap %u",
		  cfg->n_neighbours, cfg->neighbours_cap);
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct natgw_port_config *p = &cfg->ports[i];

		FZ_ASSERT(memchr(p->name, 0, sizeof(p->name)) && p->name[0] != 0, "port name");
		FZ_ASSERT(memchr(p->devargs, 0, sizeof(p->devargs)) != NULL, "devargs");
		FZ_ASSERT(p->prefix_len <= 32, "port prefix %u", p->prefix_len);
		FZ_ASSERT(p->mtu >= 68 && p->mtu <= 9216, "port mtu %u", p->mtu);
		FZ_ASSERT(p->queues >= 1, "port queues %u", p->queues);
		FZ_ASSERT(p->table >= 0 && (unsigned)p->table < cfg->n_tables,
			  "port %s bound to table %d of %u", p->name, p->table, cfg->n_tables);
	}
	for (unsigned t = 0; t < cfg->n_tables; t++) {
		const struct natgw_route_table *tb = &cfg->tables[t];

		FZ_ASSERT(tb->n_routes <= tb->cap, "routes %u cap %u", tb->n_routes, tb->cap);
		for (unsigned r = 0; r < tb->n_routes; r++) {
			const struct natgw_route *rt = &tb->routes[r];

			FZ_ASSERT(rt->len <= 32, "route len %u", rt->len);
			FZ_ASSERT(rt->type == NATGW_ROUTE_BLACKHOLE || rt->port < cfg->n_ports,
				  "route to port %u of %u", rt->port, cfg->n_ports);
		}
	}
	for (unsigned i = 0; i < cfg->n_neighbours; i++)
		FZ_ASSERT(cfg->neighbours[i].port < cfg->n_ports, "neighbour port %u",
			  cfg->neighbours[i].port);
	if (cfg->nat.enabled) {
		const struct natgw_nat_config *n = &cfg->nat;

		FZ_ASSERT(n->port < cfg->n_ports, "nat port %u", n->port);
		FZ_ASSERT(n->n_pool >= 1 && n->n_pool <= NATGW_MAX_POOL, "nat pool %u", n->n_pool);
		FZ_ASSERT(n->n_inside <= NATGW_MAX_INSIDE, "nat inside %u", n->n_inside);
		FZ_ASSERT(n->n_forwards <= NATGW_MAX_FORWARDS, "nat forwards %u", n->n_forwards);
		FZ_ASSERT(n->port_min >= 1 && n->port_min <= n->port_max, "nat ports %u-%u",
			  n->port_min, n->port_max);
		for (unsigned i = 0; i < n->n_inside; i++)
			FZ_ASSERT(n->inside_len[i] <= 32, "inside len %u", n->inside_len[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct natgw_config cfg;
	char err[NATGW_ERR_MAX];
	int rc;

	file_set(data, size);
	memset(err, 0x5a, sizeof(err)); /* not NUL-terminated unless written */
	rc = config_load_ini(path, &cfg, err, sizeof(err));
	if (rc == 0) {
		model_check(&cfg);
		config_free(&cfg);
		return 0;
	}
	FZ_ASSERT(rc < 0, "config_load_ini returned %d", rc);
	FZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL, "error message not NUL-terminated (rc %d)",
		  rc);
	FZ_ASSERT(err[0] != 0, "empty error message (rc %d)", rc);
	FZ_ASSERT(strstr(err, path) != NULL, "error message does not name the file: \"%s\"", err);
	/* the model was freed on error: freeing it again must be harmless */
	config_free(&cfg);
	return 0;
}
