#!/usr/bin/python3
"""Compare natgw's output pcap with the expected one, packet by packet.

usage: compare_pcap.py EXPECTED ACTUAL

Packets are compared as multisets of exact bytes (the order between packets
that arrived on different ports depends on polling order, not on
correctness). One field is normalised on both sides first: the IPv4
identification of ICMP errors natgw generates (any value is valid). Prints a
decoded diff of every mismatch; exits 1 on any difference.
"""
import sys

from scapy.all import ICMP, IP, Ether, rdpcap


def normalise(pkt):
    p = Ether(bytes(pkt))
    if IP in p and ICMP in p and p[ICMP].type in (3, 11, 12) and p[IP].proto == 1:
        p[IP].id = 0
        del p[IP].chksum
        return bytes(Ether(bytes(p)))
    return bytes(pkt)


def main():
    exp = [normalise(p) for p in rdpcap(sys.argv[1])]
    act = [normalise(p) for p in rdpcap(sys.argv[2])]
    missing = list(exp)
    unexpected = []
    for a in act:
        if a in missing:
            missing.remove(a)
        else:
            unexpected.append(a)
    for m in missing:
        print("MISSING  (expected, not sent): %s" % Ether(m).summary())
        Ether(m).show2()
    for u in unexpected:
        print("UNEXPECTED (sent, not expected): %s" % Ether(u).summary())
        Ether(u).show2()
    name = sys.argv[1].rsplit("/", 1)[-1]
    print("%s: %d expected, %d sent, %d missing, %d unexpected" %
          (name, len(exp), len(act), len(missing), len(unexpected)))
    return 1 if missing or unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
