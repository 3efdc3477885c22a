/* natgw: entry point.
 *
 * Parses the command line, loads and validates the configuration (a file or
 * the embedded default), starts the EAL, the ports and the workers, and runs
 * a control thread that waits for signals: SIGUSR1 prints the counters,
 * SIGTERM/SIGINT stop the workers (counters are printed at exit), SIGHUP is
 * reserved for reload. Signals are blocked in every other thread.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dataplane.h"

#define NATGW_VERSION "0.1.0"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-c FILE] [--check] [--print-default-config]\n"
		"  -c, --config FILE         configuration file (INI); default: the embedded lab config\n"
		"      --check               validate the configuration and exit (0 = valid)\n"
		"      --print-default-config  print the embedded default configuration\n"
		"  -h, --help                this text\n"
		"  -V, --version             print the version\n"
		"Signals: SIGUSR1 prints counters, SIGHUP reloads the configuration file,\n"
		"SIGTERM/SIGINT stop (counters printed at exit). Run-time changes: natgwctl.\n",
		prog);
}

/* Count routes over all tables (for the --check summary). */
static unsigned config_route_count(const struct natgw_config *cfg)
{
	unsigned n = 0;

	for (unsigned t = 0; t < cfg->n_tables; t++)
		n += cfg->tables[t].n_routes;
	return n;
}

/* Control thread: waits for signals and acts on them. */
static void *control_signals(void *arg)
{
	struct dataplane *dp = arg;
	sigset_t set;
	unsigned interval = dp->cfg->global.stats_interval;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	while (!dp->quit) {
		struct timespec ts = { .tv_sec = interval ? interval : 3600, .tv_nsec = 0 };
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig < 0) {
			if (errno == EAGAIN && interval) {
				pthread_mutex_lock(&dp->cfg_lock);
				dp_stats_print(dp, stdout);
				pthread_mutex_unlock(&dp->cfg_lock);
			}
			continue;
		}
		switch (sig) {
		case SIGUSR1:
			pthread_mutex_lock(&dp->cfg_lock);
			dp_stats_print(dp, stdout);
			pthread_mutex_unlock(&dp->cfg_lock);
			break;
		case SIGHUP: {
			char msg[NATGW_ERR_MAX + 512];

			if (dp_config_reload(dp, NULL, msg, sizeof(msg)) == 0) {
				fprintf(stderr, "natgw: SIGHUP: configuration reloaded: %s\n", msg);
				dp_mgmt_reloaded(msg);
			} else
				fprintf(stderr, "natgw: SIGHUP: reload refused, running configuration unchanged: %s\n",
					msg);
			break;
		}
		default:
			fprintf(stderr, "natgw: %s received, stopping\n", strsignal(sig));
			dp->quit = true;
			break;
		}
	}
	return NULL;
}

/* Set this thread's affinity to the CPUs in all that no EAL lcore uses
 * (all of them when every CPU runs a worker). */
static void control_cpus_set(const cpu_set_t *all)
{
	cpu_set_t set;
	unsigned lcore;

	if (CPU_COUNT(all) == 0)
		return;
	CPU_ZERO(&set);
	CPU_OR(&set, &set, all);
	RTE_LCORE_FOREACH(lcore) {
		rte_cpuset_t lc = rte_lcore_cpuset(lcore);

		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &lc))
				CPU_CLR(c, &set);
	}
	if (CPU_COUNT(&set) == 0)
		CPU_OR(&set, &set, all);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Write the pid file if configured. */
static int pidfile_write(const char *path)
{
	FILE *f;

	if (path[0] == '\0')
		return 0;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "print-default-config", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct natgw_config *cfgp;
	static struct dataplane dp;
	const char *config_path = NULL;
	bool check_only = false;
	char msg[NATGW_ERR_MAX];
	struct mgmt_server *mgmt = NULL;
	cpu_set_t all_cpus, lcore_cpus;
	pthread_t ctl;
	sigset_t set;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'p':
			fputs(natgw_default_config_ini, stdout);
			return 0;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case 'V':
			printf("natgw %s\n", NATGW_VERSION);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "natgw: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}

	/* On the heap: a reload replaces it (dp_config_apply frees the old one). */
	cfgp = malloc(sizeof(*cfgp));
	if (cfgp == NULL) {
		fprintf(stderr, "natgw: out of memory\n");
		return 1;
	}
	config_init(cfgp);
	rc = config_path ? config_load_ini(config_path, cfgp, msg, sizeof(msg))
			 : config_load_default(cfgp, msg, sizeof(msg));
	if (rc != 0) {
		fprintf(stderr, "natgw: %s\n", msg);
		free(cfgp);
		return 1;
	}

	if (check_only) {
		printf("%s: OK: %u ports, %u route tables, %u routes, %u static neighbours, "
		       "%u security groups, %u NACLs\n",
		       config_path ? config_path : "<embedded default>", cfgp->n_ports, cfgp->n_tables,
		       config_route_count(cfgp), cfgp->n_neighbours, cfgp->n_sgs, cfgp->n_nacls);
		config_free(cfgp);
		free(cfgp);
		return 0;
	}

	/* Every thread (EAL's included) inherits this mask; only the control
	 * thread takes these signals, with sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* The CPUs natgw may use, before the EAL pins this thread to its lcore:
	 * the control and management threads run on those no worker uses. */
	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus) != 0)
		CPU_ZERO(&all_cpus);
	rc = dp_eal_init(cfgp, argv[0], msg, sizeof(msg));
	if (rc != 0) {
		fprintf(stderr, "natgw: %s\n", msg);
		return 1;
	}
	dp.cfg = cfgp;
	dp.config_path = config_path;
	pthread_mutex_init(&dp.cfg_lock, NULL);
	dp.n_workers = RTE_MIN(rte_lcore_count(), (unsigned)DP_MAX_WORKERS);
	rc = dp_ports_start(&dp, msg, sizeof(msg));
	if (rc != 0)
		goto err_ports;
	rc = dp_snapshot_build(&dp, dp.cfg, &dp.snap, msg, sizeof(msg));
	if (rc != 0)
		goto err_snapshot;
	rc = dp_workers_create(&dp, msg, sizeof(msg));
	if (rc != 0)
		goto err_workers;
	rc = dp_rcu_init(&dp);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "cannot set up RCU for %u workers", dp.n_workers);
		goto err_workers;
	}
	/* Threads created now inherit this thread's affinity: give them the
	 * CPUs without a worker (all CPUs when every one has a worker), then
	 * pin this thread (worker 0) back to its lcore. */
	pthread_getaffinity_np(pthread_self(), sizeof(lcore_cpus), &lcore_cpus);
	control_cpus_set(&all_cpus);
	rc = dp_mgmt_start(&dp, &mgmt, msg, sizeof(msg));
	if (rc != 0) {
		/* The server's message names the socket path. */
		goto err_workers;
	}
	rc = pidfile_write(cfgp->global.pidfile);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "cannot write pid file %s: %s", cfgp->global.pidfile,
			 strerror(-rc));
		goto err_workers;
	}
	rc = pthread_create(&ctl, NULL, control_signals, &dp);
	pthread_setaffinity_np(pthread_self(), sizeof(lcore_cpus), &lcore_cpus);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "cannot start the control thread: %s", strerror(rc));
		rc = -rc;
		goto err_workers;
	}

	fprintf(stderr, "natgw %s: running with %u worker%s on %u port%s (config %s)\n",
		NATGW_VERSION, dp.n_workers, dp.n_workers == 1 ? "" : "s", dp.n_ports,
		dp.n_ports == 1 ? "" : "s", config_path ? config_path : "<embedded default>");
	dp_workers_run(&dp);
	pthread_join(ctl, NULL);
	dp_mgmt_stop(mgmt);
	dp_stats_print(&dp, stdout);
	dp_workers_destroy(&dp);
	dp_snapshot_free(dp.snap);
	dp_spares_free(&dp);
	dp_ports_stop(&dp);
	if (dp.cfg->global.pidfile[0])
		unlink(dp.cfg->global.pidfile);
	dp_rcu_fini(&dp);
	rte_eal_cleanup();
	/* A reload may have replaced the configuration. */
	config_free((struct natgw_config *)(uintptr_t)dp.cfg);
	free((void *)(uintptr_t)dp.cfg);
	fprintf(stderr, "natgw: stopped\n");
	return 0;

err_workers:
	dp_mgmt_stop(mgmt);
	dp_rcu_fini(&dp);
	dp_workers_destroy(&dp);
	dp_snapshot_free(dp.snap);
err_snapshot:
	dp_ports_stop(&dp);
err_ports:
	fprintf(stderr, "natgw: %s\n", msg);
	rte_eal_cleanup();
	config_free(cfgp);
	free(cfgp);
	return 1;
}
