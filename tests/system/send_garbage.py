#!/usr/bin/python3
"""Send malformed frames to natgw's MAC (used by test_garbage.sh).

usage: send_garbage.py IFACE DST_MAC SRC_IP DST_IP COUNT_PER_KIND

Runs inside natgw-priv1. Each kind is sent COUNT_PER_KIND times and maps to one
natgw drop reason; the kinds and their reasons are printed as "kind reason count"
lines on stdout so the test knows what to expect. Kinds whose reason is "-" have
no single expected counter (random bytes, runts the kernel pads to 14 bytes).
"""
import random
import sys

from scapy.all import conf, Ether, IP, ICMP, UDP, TCP, Raw, IPOption_RR, sendp  # noqa: E402

conf.verb = 0


def build(dst_mac, src_mac, src, dst, n):
    """Return [(kind, reason, [frames])]."""
    eth = Ether(dst=dst_mac, src=src_mac)
    echo = ICMP(type=8, id=0x4747, seq=1) / Raw(b"natgw garbage test")
    rnd = random.Random(4747)  # reproducible

    def ip(**kw):
        return IP(src=src, dst=dst, ttl=64, **kw)

    kinds = []
    # Header checksum wrong (everything else valid).
    kinds.append(("bad_checksum", "ip_bad_checksum",
                  [eth / ip(chksum=0x1234 + i) / echo for i in range(n)]))
    # IHL below 5 (3 and 4).
    kinds.append(("bad_ihl", "ip_bad_ihl",
                  [eth / ip(ihl=3 + (i % 2)) / echo for i in range(n)]))
    # Total length says 1000, the frame carries far less.
    kinds.append(("truncated_total_length", "ip_truncated",
                  [eth / ip(len=1000) / echo for i in range(n // 2)] +
                  # IPv4 ethertype with only part of an IP header.
                  [Ether(bytes(eth / ip() / echo)[:14 + 1 + (i % 18)]) for i in range(n - n // 2)]))
    # IP options (record route): valid, but natgw does not forward options.
    kinds.append(("ip_options", "ip_options",
                  [eth / ip(options=[IPOption_RR()]) / echo for i in range(n)]))
    # Version 6 (and 5, 15) in an IPv4 ethertype frame.
    kinds.append(("bad_version", "ip_version",
                  [eth / ip(version=[6, 5, 15][i % 3]) / echo for i in range(n)]))
    # Total length below the header length.
    kinds.append(("total_length_below_ihl", "ip_bad_length",
                  [eth / ip(len=10 + (i % 10)) / echo for i in range(n)]))
    # Loopback / multicast / broadcast source.
    kinds.append(("martian_source", "ip_bad_source",
                  [eth / IP(src=["127.0.0.1", "224.0.0.5", "255.255.255.255", "0.0.0.0"][i % 4],
                            dst=dst) / echo for i in range(n)]))
    # UDP and TCP headers cut short by the IP total length.
    kinds.append(("l4_truncated", "l4_truncated",
                  [eth / ip(proto=[6, 17][i % 2]) / Raw(b"\x12\x34\x00") for i in range(n)]))
    # Random bytes after a valid Ethernet header, random ethertype.
    kinds.append(("random_bytes", "-",
                  [Ether(dst=dst_mac, src=src_mac, type=rnd.choice([0x0800, 0x0806, 0x86dd, 0x8100, rnd.randrange(0x600, 0x10000)])) /
                   Raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 200)))) for i in range(n)]))
    # Runt frames (1..13 bytes). The kernel pads frames shorter than an Ethernet
    # header to 14 bytes when sent by root, so natgw sees 14-byte frames.
    kinds.append(("runt", "-",
                  [Raw((bytes.fromhex(dst_mac.replace(":", "")) +
                        bytes(rnd.randrange(256) for _ in range(7)))[:1 + (i % 13)]) for i in range(n)]))
    return kinds


def main():
    iface, dst_mac, src, dst, n = sys.argv[1:6]
    n = int(n)
    from scapy.all import get_if_hwaddr
    src_mac = get_if_hwaddr(iface)
    kinds = build(dst_mac, src_mac, src, dst, n)
    for kind, reason, frames in kinds:
        sendp(frames, iface=iface, inter=0.001)
        print(kind, reason, len(frames))


if __name__ == "__main__":
    main()
