#!/usr/bin/python3
"""natgw's reassembly before NAT, through net_pcap.

usage: nat_reasm.py make DIR     write in.a.pcap (fragments, shuffled) and an empty in.b.pcap
       nat_reasm.py check DIR    check out.b.pcap: one datagram, masqueraded, byte-identical

A 4000-byte UDP datagram from 10.0.1.10:40000 to 203.0.113.10:9 is cut into
1400-byte fragments and sent last fragment first, then the first, then the
middle one. natgw must reassemble it, masquerade it behind 203.0.113.1 (a
random public port) and fragment it again for port b's 1500-byte MTU.
"""
import sys

from scapy.all import IP, UDP, Ether, Raw, defragment, fragment, rdpcap, wrpcap

PAYLOAD = bytes((i * 7) & 0xff for i in range(4000 - 8))


def make(d):
    dgram = IP(src="10.0.1.10", dst="203.0.113.10", id=4242, ttl=64) / UDP(sport=40000, dport=9) / Raw(PAYLOAD)
    frags = fragment(IP(bytes(dgram)), fragsize=1400)
    order = [frags[-1], frags[0]] + frags[1:-1]
    eth = Ether(src="02:00:00:00:01:0a", dst="02:70:63:61:70:00")
    wrpcap(d + "/in.a.pcap", [eth / f for f in order])
    wrpcap(d + "/in.b.pcap", [], linktype=1)


def check(d):
    out = rdpcap(d + "/out.b.pcap")
    bad = []
    if len(out) < 3:
        bad.append("expected >= 3 fragments on port b, got %d" % len(out))
    for p in out:
        if len(p) > 1514:
            bad.append("frame of %d bytes exceeds the 1500 MTU" % len(p))
        if p[Ether].dst != "02:00:00:00:02:0a":
            bad.append("wrong destination MAC %s" % p[Ether].dst)
        ip = p[IP]
        raw = bytes(ip)[: ip.ihl * 4]
        chk = ip.chksum
        ip2 = IP(raw)
        del ip2.chksum
        if IP(bytes(ip2)).chksum != chk:
            bad.append("bad IPv4 header checksum on a fragment")
    whole = [p for p in defragment([p[IP] for p in out]) if UDP in p]
    if len(whole) != 1:
        bad.append("expected one reassembled UDP datagram, got %d" % len(whole))
    else:
        w = IP(bytes(whole[0]))
        if w.src != "203.0.113.1" or w.dst != "203.0.113.10" or w[UDP].dport != 9:
            bad.append("not masqueraded as expected: %s" % w.summary())
        if bytes(w[UDP].payload) != PAYLOAD:
            bad.append("payload differs after reassembly + NAT + fragmentation")
        c = w[UDP].chksum
        del w[UDP].chksum
        if IP(bytes(w))[UDP].chksum != c:
            bad.append("UDP checksum wrong after translation")
        print("ok: datagram %s, public port %d, %d fragments" % (w.summary(), w[UDP].sport, len(out)))
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
        sys.exit(0)
    sys.exit(check(sys.argv[2]))
