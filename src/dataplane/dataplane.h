/* Dataplane-private types: the process-wide dataplane and per-worker I/O state.
 *
 * Life-cycle: main() loads the config, dp_eal_init() starts the EAL,
 * dp_ports_start() configures and starts every port, dp_snapshot_build()
 * compiles the config for the workers, dp_workers_run() runs one worker per
 * lcore until dp->quit is set, then dp_ports_stop() and dp_snapshot_free().
 * Only the owning lcore writes a dp_worker; the control thread reads counters.
 */
#ifndef NATGW_DATAPLANE_H
#define NATGW_DATAPLANE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_mempool.h>

#include "natgw/config.h"
#include "natgw/pipeline.h"
#include "natgw/rss.h"

#define DP_BURST 32
#define DP_HANDOFF_RING 4096   /* packets waiting for one worker from the others */
#define DP_MAX_WORKERS 16
#define DP_MAX_RXQ (NATGW_MAX_PORTS * NATGW_MAX_QUEUES)

/* What was chosen for one port at start (logged and shown in stats). */
struct dp_port_state {
	uint16_t ethdev;
	uint16_t n_rxq;
	uint16_t n_txq;
	bool rss;                 /* hardware RSS enabled */
	uint64_t rss_hf;          /* the hash types asked for (RTE_ETH_RSS_*) */
	bool rss_key_ours;        /* the device took natgw's key */
	char rss_note[64];        /* how the RSS view was (not) obtained */
	struct rss_conf *rss_view; /* its key/RETA as read back after start, RETA in
				     worker numbers (queue q -> worker q % n):
				     what the NAT allocator predicts replies
				     with; NULL when unknown (rte_malloc'd) */
	bool rx_csum;
	bool tx_ip_csum;
	bool tx_l4_csum;
	bool multi_seg;
	char driver[32];
};

struct dp_rxq {
	uint8_t port;   /* port index */
	uint16_t queue; /* RX queue id */
};

struct dp_worker;
struct rte_rcu_qsbr;

/* A function the control thread asks a worker to run in its own loop. */
typedef void (*dp_worker_fn)(struct dp_worker *dw, void *arg);

/* Context of one TX buffer's error callback. */
struct dp_txctx {
	struct dp_worker *dw;
	uint8_t port;
};

/* One worker: the core-visible struct worker plus its I/O. */
struct dp_worker {
	struct worker core;
	struct dataplane *dp;
	unsigned lcore;
	uint16_t txq;                   /* TX queue id used on every port */
	struct dp_rxq rxq[DP_MAX_RXQ];
	unsigned n_rxq;
	struct rte_eth_dev_tx_buffer *txb[NATGW_MAX_PORTS];
	struct dp_txctx txctx[NATGW_MAX_PORTS];
	uint64_t next_timer;
	struct rte_ip_frag_tbl *frag_tbl;     /* reassembly for NAT and filtering */
	struct rte_ip_frag_death_row frag_dr;
	/* Mailbox (control.c): the control thread stores call_fn/call_arg, then
	 * call_seq (release); the worker runs it between bursts and stores
	 * done_seq = call_seq (release); the control thread waits for that. */
	dp_worker_fn call_fn;
	void *call_arg;
	uint64_t call_seq;
	uint64_t done_seq;
	uint64_t events_lost;           /* management events dropped: ring full */
	struct rte_ring *handoff;       /* packets other workers hand to this one
					   (multi-producer, this worker consumes) */
	const struct rss_conf *nat_rss; /* the RSS view its NAT allocator has now */
} __rte_cache_aligned;

struct dataplane {
	const struct natgw_config *cfg;
	struct dp_port_state ports[NATGW_MAX_PORTS];
	unsigned n_ports;
	struct rte_mempool *pool;          /* packets (direct) */
	struct rte_mempool *indirect_pool; /* fragmentation */
	uint16_t data_room;                /* mbuf data room (jumbo aware) */
	struct dp_snapshot *snap;          /* published with release; workers load it
					      with acquire at the top of every loop */
	struct rte_rcu_qsbr *qsv;          /* workers report a quiescent state per loop */
	struct dp_worker *workers[DP_MAX_WORKERS];
	unsigned n_workers;
	struct rss_conf steer;             /* software RSS over the workers (steer.h):
					      [global] rss_key, set by dp_workers_create */
	uint64_t start_tsc;
	volatile bool quit;
	volatile bool running;             /* worker loops are running */
	const char *config_path;           /* file loaded at start; NULL: embedded default */
	/* Route tables of retired snapshots, by table name: no worker uses them,
	 * so the next change to that table updates one in place (route.c). */
	struct route_table *spare[NATGW_MAX_TABLES];
	char spare_name[NATGW_MAX_TABLES][NATGW_NAME_MAX];
	pthread_mutex_t cfg_lock;          /* serialises config changes and readers of cfg */
};

/* eal.c: does devargs start with a PCI address (DDDD:BB:DD.F or BB:DD.F)? */
bool dp_devargs_is_pci(const char *devargs);

/* eal.c: the ethdev name the EAL gives the device of devargs: the text before
 * the first ',', a short PCI address in its full DDDD:BB:DD.F form. */
void dp_devargs_devname(const char *devargs, char *name, size_t len);

/* eal.c: start the EAL from the config. Returns 0 or -errno; msg explains. */
int dp_eal_init(const struct natgw_config *cfg, const char *argv0, char *msg, size_t len);

/* port.c: create mempools, configure and start every port. 0 or -errno. */
int dp_ports_start(struct dataplane *dp, char *msg, size_t len);
void dp_ports_stop(struct dataplane *dp);

/* port_rss.c: before configure, turn hardware RSS on in conf where the port
 * has several RX queues and the PMD offers IPv4 hash types (sets ps->rss,
 * ps->rss_hf). After start, dp_port_rss_setup programs key (RSS_KEY_LEN
 * bytes, repeated to the device's length) and a RETA spread over the queues,
 * reads both back and, where the model applies, sets ps->rss_view; why says
 * what happened. 0, or -ENOMEM. dp_port_rss_free frees the view. */
void dp_port_rss_prepare(struct dp_port_state *ps, const struct rte_eth_dev_info *info,
			 struct rte_eth_conf *conf);
int dp_port_rss_setup(struct dataplane *dp, unsigned idx, const struct rte_eth_dev_info *info,
		      const uint8_t *key, char *why, size_t why_len);
void dp_port_rss_free(struct dp_port_state *ps);

/* port_afxdp.c: a port's RX mempool, as rte_pktmbuf_pool_create() would make it,
 * except for net_af_xdp ports (driver name): their objects are packed back to back,
 * as DPDK 22.11's net_af_xdp assumes when it registers the pool as AF_XDP UMEM
 * (otherwise frames it copies into mbufs past its UMEM end are silently dropped).
 * NULL with rte_errno set on failure. */
struct rte_mempool *dp_rx_pool_create(const char *driver, const char *name, unsigned n,
				      unsigned cache, uint16_t priv_size, uint16_t data_room,
				      int socket);

/* snapshot.c: compile cfg into a dp_snapshot (ports as started in dp). Parts
 * that did not change are shared with the running snapshot dp->snap (route
 * tables with the same routes, filters with the same inputs, with their hit
 * counters); a changed route table is made by updating a spare in place when
 * possible. 0 or -errno. */
int dp_snapshot_build(struct dataplane *dp, const struct natgw_config *cfg,
		      struct dp_snapshot **out, char *msg, size_t len);

/* snapshot.c: free a snapshot no worker uses any more, except the parts it
 * shares with next (NULL: free everything); its route tables that next does
 * not use become dp's spares. */
void dp_snapshot_retire(struct dataplane *dp, struct dp_snapshot *old,
			const struct dp_snapshot *next);

/* snapshot.c: free a snapshot and every part (teardown), and dp's spares. */
void dp_snapshot_free(struct dp_snapshot *snap);
void dp_spares_free(struct dataplane *dp);

/* worker.c: create workers, run them on every lcore, return when dp->quit. */
int dp_workers_create(struct dataplane *dp, char *msg, size_t len);
void dp_workers_run(struct dataplane *dp);
void dp_workers_destroy(struct dataplane *dp);

/* worker.c: run the pipeline on n packets received on (port, queue) and act
 * on the verdicts (also used by natgw-bench with synthetic packets). */
void dp_worker_process(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n, uint8_t port,
		       uint16_t queue);

/* worker.c: the pipeline and dispatch only (packets already counted, with
 * in_port/in_queue set in their metadata: parse clears the rest). With several workers and
 * sessions, packets owned by another worker (steer.h) are handed to it first. */
void dp_worker_pipeline(struct dp_worker *dw, struct rte_mbuf **pkts, uint16_t n);

/* reassembly.c: per-worker IPv4 reassembly for NAT. */
int dp_reasm_init(struct dp_worker *dw, int socket);
void dp_reasm_fini(struct dp_worker *dw);
void dp_reasm_packet(struct dp_worker *dw, struct rte_mbuf *m);
void dp_reasm_timer(struct dp_worker *dw);

/* worker.c: send generated packets and flush every TX buffer. */
void dp_worker_flush(struct dp_worker *dw);

/* tx.c: fragment m (Ethernet + IPv4) to mtu and queue the pieces on
 * the worker's TX buffer of port. Consumes m. */
void dp_fragment_send(struct dp_worker *dw, struct rte_mbuf *m, unsigned port);

/* tx.c: set up the worker's per-port TX buffers. 0 or -ENOMEM. */
int dp_tx_init(struct dp_worker *dw, unsigned n_ports, int socket);

/* tx.c: queue m on the worker's TX buffer of port (a single-segment copy
 * first when m is chained and the port cannot send chains). Consumes m. */
void dp_tx_enqueue(struct dp_worker *dw, struct rte_mbuf *m, unsigned port);

/* tx.c: count the packets in the worker's TX buffer of port (tx packets and
 * bytes per port and queue, forwarded) and hand them to the PMD; those it
 * refuses are un-counted, counted as TX_FULL drops and freed. */
void dp_tx_flush_port(struct dp_worker *dw, unsigned port);

/* Append m (ready to send as it is) to the worker's TX buffer of port;
 * counted when the buffer is flushed. */
static inline void dp_tx_buffer(struct dp_worker *dw, struct rte_mbuf *m, unsigned port)
{
	struct rte_eth_dev_tx_buffer *b = dw->txb[port];

	b->pkts[b->length++] = m;
	if (unlikely(b->length >= b->size))
		dp_tx_flush_port(dw, port);
}

/* control.c: RCU for snapshots. dp_rcu_init after the workers exist. */
int dp_rcu_init(struct dataplane *dp);
void dp_rcu_fini(struct dataplane *dp);

/* control.c: publish snap, wait until no worker can still use the old one
 * (an RCU grace period), free the old one. Control thread only. */
void dp_snapshot_publish(struct dataplane *dp, struct dp_snapshot *snap);

/* control.c: apply a validated new configuration: compile, publish, then
 * replace dp->cfg (ncfg is taken over on success; the old one is freed).
 * Refuses (-EBUSY) what needs a restart; msg says what changed or why not.
 * Caller holds cfg_lock. */
int dp_config_apply(struct dataplane *dp, struct natgw_config *ncfg, char *msg, size_t len);

/* control.c: load path (NULL: the start file) and apply it; a file that
 * fails validation changes nothing. Takes cfg_lock. */
int dp_config_reload(struct dataplane *dp, const char *path, char *msg, size_t len);

/* control.c: run fn on every worker in its own loop, one worker after the
 * other, and wait for each (or run it here when the workers are stopped). */
void dp_workers_call(struct dataplane *dp, dp_worker_fn fn, void *arg);

/* mgmt_daemon.c: the management server with natgw's mgmt_ops (after the
 * workers and RCU exist; *out NULL when no socket is configured), its stop
 * (before the workers are destroyed), and a reload event for subscribers. */
struct mgmt_server;
int dp_mgmt_start(struct dataplane *dp, struct mgmt_server **out, char *msg, size_t len);
void dp_mgmt_stop(struct mgmt_server *srv);
void dp_mgmt_reloaded(const char *summary);

/* worker.c: run a pending mailbox call (from the worker loop). */
void dp_worker_service(struct dp_worker *dw);

/* stats.c: print the counters table (all workers summed) to f. */
void dp_stats_print(struct dataplane *dp, FILE *f);

/* Act on one packet's verdict (the worker loop; natgw-bench's timed pass). */
static inline void dp_worker_dispatch(struct dp_worker *dw, struct rte_mbuf *m)
{
	struct pkt_meta *pm = pkt_meta(m);

	switch (pm->action) {
	case PKT_TX:
		if (likely(m->nb_segs == 1))
			dp_tx_buffer(dw, m, pm->out_port);
		else
			dp_tx_enqueue(dw, m, pm->out_port);
		break;
	case PKT_FRAGMENT:
		dp_fragment_send(dw, m, pm->out_port);
		break;
	case PKT_CONSUMED:
		break;
	case PKT_FREE:
		rte_pktmbuf_free(m);
		break;
	case PKT_REASSEMBLE:
		dp_reasm_packet(dw, m);
		break;
	case PKT_DROP:
	default:
		dw->core.ctr.drop[pm->drop < DROP_MAX ? pm->drop : DROP_NONE]++;
		rte_pktmbuf_free(m);
		break;
	}
}

#endif
