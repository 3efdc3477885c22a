/* natgw ARP packet builders used by the neighbour table (src/core/neigh.c).
 *
 * arp_input() and arp_send_gratuitous() are declared in pipeline.h; this
 * header only adds what neigh.c needs to resolve a next hop.
 */
#ifndef NATGW_ARP_H
#define NATGW_ARP_H

#include <stdint.h>

struct worker;

/* Build a broadcast ARP request "who has target_ip_host? tell ports[port].addr"
 * and append it to w->emit (gen[GEN_ARP_REQUEST]++). 0, -EINVAL (bad port) or
 * -ENOMEM (alloc failed, drop[DROP_NO_MBUF]++). */
int arp_send_request(struct worker *w, unsigned port, uint32_t target_ip_host);

/* Announce addr_host (host order; e.g. a NAT pool address that is not the
 * port's own) out port with a gratuitous ARP request (sender = target =
 * addr_host, sender MAC = the port's). 0, -EINVAL or -ENOMEM. */
int arp_send_gratuitous_addr(struct worker *w, unsigned port, uint32_t addr_host);

#endif
