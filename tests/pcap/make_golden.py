#!/usr/bin/python3
"""Write the pcap golden cases: one input pcap per port and the expected output
per port, built independently of natgw with scapy from what RFC 791/792/1812
say a router must emit.

usage: make_golden.py OUTDIR        (writes in.a.pcap, in.b.pcap, expect.a.pcap, expect.b.pcap)

Topology (tests/pcap/golden.ini.in): port a 10.0.1.1/24 MTU 9001 (net_pcap0,
MAC 02:70:63:61:70:00), port b 203.0.113.1/24 MTU 1500 (net_pcap1, MAC
02:70:63:61:70:01); host 10.0.1.10 (02:00:00:00:01:0a) behind a, host
203.0.113.10 (02:00:00:00:02:0a) and gateway 203.0.113.254 (02:00:00:00:02:fe)
behind b; 192.0.2.0/24 blackholed; 198.18.0.0/15 via 203.0.113.254.
Every packet arrives on port a except the ARP request on b.
"""
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, IPOption_RR, Raw,
                       fragment, wrpcap)

GW_A = "02:70:63:61:70:00"
GW_B = "02:70:63:61:70:01"
H_A = "02:00:00:00:01:0a"
H_B = "02:00:00:00:02:0a"
R_B = "02:00:00:00:02:fe"
IP_GA, IP_GB = "10.0.1.1", "203.0.113.1"
IP_HA, IP_HB = "10.0.1.10", "203.0.113.10"


def wire(p):
    """Serialise (computing checksums and lengths) and re-parse."""
    return Ether(bytes(p))


def fwd(p, dst_mac):
    """What a router emits for p: new MACs, TTL-1, fresh header checksum."""
    q = Ether(bytes(p))
    q[Ether].src = GW_B
    q[Ether].dst = dst_mac
    q[IP].ttl -= 1
    del q[IP].chksum
    return wire(q)


def icmp_err(orig, typ, code, mtu=None):
    """ICMP error from port a's address to orig's source, quoting the original
    IP header and as much payload as fits in 576 bytes (RFC 1812 4.3.2.3)."""
    quoted = bytes(orig[IP])[: 576 - 28]
    ic = ICMP(type=typ, code=code)
    if mtu is not None:
        ic.nexthopmtu = mtu
    # Precedence 6 (TOS 0xc0, "internetwork control"): RFC 1812 4.3.2.5, as Linux does.
    e = Ether(src=GW_A, dst=H_A) / IP(src=IP_GA, dst=IP_HA, tos=0xc0, ttl=64, id=0, flags=0) / ic / Raw(quoted)
    return wire(e)


def main():
    outdir = sys.argv[1]
    ina, inb, exa, exb = [], [], [], []
    base = Ether(src=H_A, dst=GW_A)

    # 1. UDP forwarded a -> b (TTL 64 -> 63, MACs rewritten).
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=1) / UDP(sport=40000, dport=53) / Raw(b"q" * 20))
    ina.append(p); exb.append(fwd(p, H_B))
    # 2. TCP SYN forwarded.
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=17, id=2) / TCP(sport=40001, dport=80, flags="S", seq=1000))
    ina.append(p); exb.append(fwd(p, H_B))
    # 3. ICMP echo forwarded via the gateway route (198.18.0.0/15 via 203.0.113.254).
    p = wire(base / IP(src=IP_HA, dst="198.19.1.1", ttl=64, id=3) / ICMP(type=8, id=7, seq=1) / Raw(b"ping"))
    ina.append(p); exb.append(fwd(p, R_B))
    # 4. TTL 1 -> time exceeded from 10.0.1.1.
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=1, id=4) / UDP(sport=40002, dport=33434) / Raw(b"t" * 12))
    ina.append(p); exa.append(icmp_err(p, 11, 0))
    # 5. No route (no default route in this table) -> net unreachable.
    p = wire(base / IP(src=IP_HA, dst="198.51.100.1", ttl=64, id=5) / UDP(sport=40003, dport=9) / Raw(b"x"))
    ina.append(p); exa.append(icmp_err(p, 3, 0))
    # 6. Blackhole: dropped silently.
    p = wire(base / IP(src=IP_HA, dst="192.0.2.1", ttl=64, id=6) / UDP(sport=40004, dport=9))
    ina.append(p)
    # 7. DF and larger than b's MTU -> frag needed, next-hop MTU 1500.
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=7, flags="DF") / UDP(sport=40005, dport=9) / Raw(b"d" * 1972))
    ina.append(p); exa.append(icmp_err(p, 3, 4, mtu=1500))
    # 8. No DF, 4000-byte UDP -> fragmented to 1500 on b (offsets in 8-byte units).
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=8) / UDP(sport=40006, dport=9) / Raw(bytes(range(256)) * 15 + b"e" * 132))
    ina.append(p)
    f = fwd(p, H_B)
    for fr in fragment(f[IP], fragsize=1480):
        exb.append(wire(Ether(src=GW_B, dst=H_B) / fr))
    # 9. Echo request to natgw's own address -> echo reply.
    p = wire(base / IP(src=IP_HA, dst=IP_GA, ttl=64, id=9) / ICMP(type=8, id=99, seq=5) / Raw(b"hello natgw"))
    ina.append(p)
    r = Ether(src=GW_A, dst=H_A) / IP(src=IP_GA, dst=IP_HA, ttl=64, id=9) / ICMP(type=0, id=99, seq=5) / Raw(b"hello natgw")
    exa.append(wire(r))
    # 10. Bad IPv4 header checksum: dropped.
    p = base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=10, chksum=0x1234) / UDP(sport=1, dport=2)
    ina.append(Ether(bytes(p)))
    # 11. IPv4 options: dropped.
    ina.append(wire(base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=11, options=[IPOption_RR()]) / UDP(sport=1, dport=2)))
    # 12. Truncated: total length says 100, frame carries 40 bytes of IP.
    raw = bytearray(bytes(wire(base / IP(src=IP_HA, dst=IP_HB, ttl=64, id=12) / UDP(sport=1, dport=2) / Raw(b"z" * 72))))
    ina.append(Ether(bytes(raw[: 14 + 40])))
    # 13. ARP request for 10.0.1.1 -> reply.
    ina.append(wire(Ether(src=H_A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=H_A, psrc=IP_HA, pdst=IP_GA)))
    exa.append(wire(Ether(src=GW_A, dst=H_A) / ARP(op=2, hwsrc=GW_A, psrc=IP_GA, hwdst=H_A, pdst=IP_HA)))
    # 14. ARP request for an address that is not ours: no reply.
    ina.append(wire(Ether(src=H_A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=H_A, psrc=IP_HA, pdst="10.0.1.77")))
    # 15. Frame to another MAC: dropped.
    ina.append(wire(Ether(src=H_A, dst="02:00:00:00:99:99") / IP(src=IP_HA, dst=IP_HB, id=15) / UDP(sport=1, dport=2)))
    # 16. A forwarded packet after all the bad ones still goes through.
    p = wire(base / IP(src=IP_HA, dst=IP_HB, ttl=2, id=16) / UDP(sport=40007, dport=53) / Raw(b"last"))
    ina.append(p); exb.append(fwd(p, H_B))
    # On b: ARP request for 203.0.113.1 from the host there -> reply on b.
    inb.append(wire(Ether(src=H_B, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=H_B, psrc=IP_HB, pdst=IP_GB)))
    exb.insert(0, wire(Ether(src=GW_B, dst=H_B) / ARP(op=2, hwsrc=GW_B, psrc=IP_GB, hwdst=H_B, pdst=IP_HB)))

    for name, pkts in (("in.a", ina), ("in.b", inb), ("expect.a", exa), ("expect.b", exb)):
        wrpcap("%s/%s.pcap" % (outdir, name), pkts)


if __name__ == "__main__":
    main()
