#!/usr/bin/python3
"""port_scan.py SRC DST LO HI: a TCP SYN scan with scapy of DST ports LO..HI from
SRC (run inside a lab namespace). Prints one line per answering port,
"open PORT" (SYN-ACK), "closed PORT" (RST) or "icmp PORT TYPE/CODE", then
"summary sent N open O closed C icmp I". Bounded: each SYN is sent once, answers
are collected for 3 s after the last one."""
import sys

from scapy.all import IP, TCP, ICMP, conf, sr  # noqa: E402

conf.verb = 0


def main():
    src, dst, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    probes = IP(src=src, dst=dst) / TCP(sport=40000, dport=(lo, hi), flags="S", seq=1000)
    answered, _ = sr(probes, timeout=3, inter=0.001, retry=0)
    opened = closed = icmp = 0
    for snd, rcv in sorted(answered, key=lambda p: p[0][TCP].dport):
        port = snd[TCP].dport
        if rcv.haslayer(TCP) and (rcv[TCP].flags & 0x12) == 0x12:
            print("open", port)
            opened += 1
        elif rcv.haslayer(TCP) and rcv[TCP].flags & 0x04:
            print("closed", port)
            closed += 1
        elif rcv.haslayer(ICMP):
            print("icmp", port, "%d/%d" % (rcv[ICMP].type, rcv[ICMP].code))
            icmp += 1
    print("summary sent %d open %d closed %d icmp %d" % (hi - lo + 1, opened, closed, icmp))


if __name__ == "__main__":
    main()
