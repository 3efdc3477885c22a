#!/usr/bin/python3
"""The NAT port's RSS view, checked from outside natgw.

usage: rss_view.py make DIR        write in.a.pcap: N_UDP UDP and N_TCP TCP SYN flows
                                   from inside hosts 10.0.1.10-41 to 203.0.113.10
       rss_view.py check DIR JSON  JSON: `natgwctl -j nat sessions` taken while natgw ran

For every masqueraded session, the reply the remote host sends
(203.0.113.10:dport -> 203.0.113.1:public port) is hashed here with a Toeplitz
implementation of its own (bit by bit, the Microsoft definition) keyed with
natgw's default steering key (0x6d5a repeated), and mapped through the RETA
natgw programs (entry i -> queue i % 2, 128 entries; queue q is polled by
worker q). The NIC would deliver it to that worker: it must be the worker that
holds the session - the RSS-aware public port choice - and every flow sent
must have a session.
"""
import json
import socket
import struct
import sys

from scapy.all import IP, TCP, UDP, Ether, wrpcap

N_UDP = 300
N_TCP = 100
KEY = bytes([0x6D, 0x5A] * 20)
RETA = [i % 2 for i in range(128)]


def toeplitz(key, data):
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i in range(len(data) * 8):
        if data[i // 8] & (0x80 >> (i % 8)):
            h ^= (k >> (klen - 32 - i)) & 0xFFFFFFFF
    return h


def make(d):
    eth = Ether(src="02:00:00:00:01:0a", dst="02:70:63:61:70:00")
    pkts = []
    for i in range(N_UDP + N_TCP):
        src = "10.0.1.%d" % (10 + i % 32)
        l4 = UDP(sport=20000 + i, dport=5000 + i % 97) if i < N_UDP else \
            TCP(sport=30000 + i, dport=80, flags="S", seq=1000 + i)
        pkts.append(eth / IP(src=src, dst="203.0.113.10", ttl=64) / l4 / (b"x" * 18))
    wrpcap(d + "/in.a.pcap", pkts)


def check(d, path):
    with open(path) as f:
        doc = json.load(f)
    sessions = doc["sessions"] if isinstance(doc, dict) else doc
    bad, home, workers = [], 0, set()
    for s in sessions:
        o, r = s["orig"], s["reply"]
        # the reply as the remote host sends it: src 203.0.113.10:dport, dst pool:port
        tup = socket.inet_aton(r["src"]) + socket.inet_aton(r["dst"]) + struct.pack(">HH", r["sport"], r["dport"])
        q = RETA[toeplitz(KEY, tup) % 128]
        workers.add(s["worker"])
        if q == s["worker"]:
            home += 1
        else:
            bad.append("%s:%d -> public port %d: reply hashes to queue %d, session on worker %d"
                       % (o["src"], o["sport"], r["dport"], q, s["worker"]))
    want = N_UDP + N_TCP
    print("sessions %d (sent %d flows), replies hashing to the owner's queue %d, workers %s"
          % (len(sessions), want, home, sorted(workers)))
    if len(sessions) != want:
        bad.append("expected %d sessions, got %d" % (want, len(sessions)))
    if workers != {0, 1}:
        bad.append("sessions should be on both workers, got %s" % sorted(workers))
    for b in bad[:10]:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
