#!/usr/bin/python3
"""nat_helper.py: small servers and clients for the NAT system tests
(tests/system/test_nat_*.sh). Each subcommand runs inside one lab namespace
(ip netns exec NS /usr/bin/python3 nat_helper.py CMD ...). Every loop is bounded
in count and time; servers run until killed and print "ready" once listening.

Subcommands:
  tcp-echo ADDR PORT                 TCP echo server, many connections at once
  accept-log ADDR PORT FILE          TCP server: per connection append "IP PORT" of
                                     the peer to FILE, send "hi\\n", close
  udp-peer ADDR PORT                 UDP server: answers each datagram with
                                     "IP:PORT" of its sender
  burst SRC DST PORT N BASEPORT      N serial TCP connections to DST:PORT, source
                                     SRC:BASEPORT+i (BASEPORT 0: kernel's choice);
                                     each reads until EOF; prints "ok K fail F"
  udp-eim SRC SPORT DST:PORT...      one UDP socket bound to SRC:SPORT asks every
                                     DST:PORT how it sees it; prints one line per
                                     server: "DST:PORT SEEN" (SEEN "-" on no answer)
  udp-ask SRC DST PORT               one datagram, prints what udp-peer saw ("-")
  holder                             TCP connection holder driven by commands on
                                     stdin, one answer line each on stdout:
      open N DST PORT TIMEOUT   -> "opened OK FAILED"  (keeps the connected ones)
      try DST PORT TIMEOUT      -> "try ok" | "try fail timeout|refused|unreachable|..."
                                   (kept on success)
      echo [TIMEOUT]            -> "echo OK BAD"  (a message on every kept conn)
      close K                   -> "closed K"     (the K oldest)
      count                     -> "count N"
      quit
  rst SRC SPORT DST DPORT SEQ        (scapy) send a RST SRC:SPORT > DST:DPORT with
                                     sequence number SEQ
  frag-server ADDR PORT              (scapy) UDP server for fragment tests: answers
                                     "LEN SHA256"; "ECHO..." is echoed whole (its
                                     kernel fragments it); "FRAGBACK" gets a 4000-byte
                                     datagram (frag_payload) as fragments, last first
  frag-client SRC SPORT DST DPORT    (scapy) 4000-byte datagrams as fragments, in
                                     order, last first, shuffled; then ECHO and
                                     FRAGBACK; prints "MODE ok|bad|lost" per step
"""
import selectors
import socket
import sys
import time


def out(*a):
    print(*a, flush=True)


def tcp_listener(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(1024)
    return s


def cmd_tcp_echo(addr, port):
    lsock = tcp_listener(addr, port)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    out("ready")
    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.data is None:
                try:
                    c, _ = lsock.accept()
                except OSError:
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, "c")
                continue
            c = key.fileobj
            try:
                data = c.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(c)
                c.close()
                continue
            try:
                c.setblocking(True)
                c.settimeout(5)
                c.sendall(data)
                c.setblocking(False)
            except OSError:
                sel.unregister(c)
                c.close()


def cmd_accept_log(addr, port, path):
    lsock = tcp_listener(addr, port)
    f = open(path, "a", buffering=1)
    out("ready")
    while True:
        c, peer = lsock.accept()
        f.write("%s %d\n" % peer)
        try:
            c.sendall(b"hi\n")
        except OSError:
            pass
        c.close()


def cmd_udp_peer(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    out("ready")
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(("%s:%d" % peer).encode(), peer)


def cmd_burst(src, dst, port, n, baseport):
    n, port, baseport = int(n), int(port), int(baseport)
    ok = fail = 0
    deadline = time.time() + 120
    for i in range(n):
        if time.time() > deadline:
            fail += n - i
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(5)
        try:
            s.bind((src, baseport + i if baseport else 0))
            s.connect((dst, port))
            while s.recv(4096):
                pass
            ok += 1
        except OSError as e:
            fail += 1
            if fail <= 5:
                print("connection %d: %s" % (i, e), file=sys.stderr)
        finally:
            s.close()
    out("ok %d fail %d" % (ok, fail))


def cmd_udp_eim(src, sport, *servers):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, int(sport)))
    s.settimeout(1.0)
    for srv in servers:
        host, p = srv.rsplit(":", 1)
        seen = "-"
        for _ in range(3):
            s.sendto(b"who am i", (host, int(p)))
            try:
                data, peer = s.recvfrom(4096)
                if peer == (host, int(p)):
                    seen = data.decode()
                    break
            except socket.timeout:
                continue
        out("%s %s" % (srv, seen))


def cmd_udp_ask(src, dst, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(1.0)
    for _ in range(3):
        s.sendto(b"who am i", (dst, int(port)))
        try:
            data, _ = s.recvfrom(4096)
            out(data.decode())
            return
        except socket.timeout:
            continue
    out("-")


def err_name(e):
    """timeout | refused | unreachable (ICMP error) | the exception's name."""
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if getattr(e, "errno", None) in (113, 101):  # EHOSTUNREACH, ENETUNREACH
        return "unreachable"
    return type(e).__name__


def connect(dst, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(float(timeout))
    try:
        s.connect((dst, int(port)))
    except OSError:
        s.close()
        raise
    return s


def cmd_holder():
    conns = []
    serial = 0
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        if w[0] == "open":
            n, dst, port, timeout = int(w[1]), w[2], w[3], w[4]
            ok = bad = 0
            for _ in range(n):
                try:
                    conns.append(connect(dst, port, timeout))
                    ok += 1
                except OSError as e:
                    bad += 1
                    print("open: %s" % e, file=sys.stderr, flush=True)
            out("opened %d %d" % (ok, bad))
        elif w[0] == "try":
            try:
                conns.append(connect(w[1], w[2], w[3]))
                out("try ok")
            except OSError as e:
                out("try fail %s" % err_name(e))
        elif w[0] == "echo":
            timeout = float(w[1]) if len(w) > 1 else 5.0
            ok = bad = 0
            for c in conns:
                serial += 1
                msg = ("natgw-echo-%08d\n" % serial).encode()
                try:
                    c.settimeout(timeout)
                    c.sendall(msg)
                    got = b""
                    while len(got) < len(msg):
                        d = c.recv(len(msg) - len(got))
                        if not d:
                            break
                        got += d
                    if got == msg:
                        ok += 1
                    else:
                        bad += 1
                except OSError:
                    bad += 1
            out("echo %d %d" % (ok, bad))
        elif w[0] == "close":
            k = min(int(w[1]), len(conns))
            for c in conns[:k]:
                c.close()
            del conns[:k]
            out("closed %d" % k)
        elif w[0] == "count":
            out("count %d" % len(conns))
        elif w[0] == "quit":
            break
        else:
            out("error unknown command %s" % w[0])
    for c in conns:
        c.close()


def cmd_rst(src, sport, dst, dport, seq):
    from scapy.all import IP, TCP, conf, send
    conf.verb = 0
    send(IP(src=src, dst=dst) / TCP(sport=int(sport), dport=int(dport), flags="R",
                                     seq=int(seq) % (1 << 32)))
    out("sent")


IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0  # <linux/in.h>; not in Python's socket


def frag_payload(tag):
    """4000 deterministic bytes for a fragment test step."""
    import hashlib
    out_b = b""
    i = 0
    while len(out_b) < 4000:
        out_b += hashlib.sha256(("%s-%d" % (tag, i)).encode()).digest()
        i += 1
    return out_b[:4000]


def scapy_l3():
    from scapy.all import conf
    from scapy.supersocket import L3RawSocket
    conf.verb = 0
    conf.L3socket = L3RawSocket  # the kernel's raw socket: its routes and ARP


def cmd_frag_server(addr, port):
    import hashlib
    from scapy.all import IP, UDP, fragment, send
    scapy_l3()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.bind((addr, int(port)))
    out("ready")
    ident = 0x5000
    while True:
        data, peer = s.recvfrom(65536)
        if data.startswith(b"ECHO"):
            s.sendto(data, peer)
        elif data.startswith(b"FRAGBACK"):
            ident += 1
            pkt = IP(src=addr, dst=peer[0], id=ident) / UDP(sport=int(port), dport=peer[1]) / \
                frag_payload("back")
            send(list(reversed(fragment(pkt, fragsize=1400))))
        else:
            s.sendto(("%d %s" % (len(data), hashlib.sha256(data).hexdigest())).encode(), peer)


def cmd_frag_client(src, sport, dst, dport):
    import hashlib
    import random
    from scapy.all import IP, UDP, fragment, send
    scapy_l3()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # DF clear: routers may fragment the 4000-byte ECHO datagram.
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    s.bind((src, int(sport)))
    s.settimeout(3)
    rnd = random.Random(4242)

    def wait_reply():
        try:
            return s.recvfrom(65536)[0]
        except socket.timeout:
            return None

    for n, mode in enumerate(("in-order", "last-first", "shuffled")):
        payload = frag_payload(mode)
        pkt = IP(src=src, dst=dst, id=0x4000 + n) / UDP(sport=int(sport), dport=int(dport)) / payload
        frags = fragment(pkt, fragsize=1400)
        if mode == "last-first":
            frags = list(reversed(frags))
        elif mode == "shuffled":
            rnd.shuffle(frags)
            if frags[0].frag == 0:
                frags.append(frags.pop(0))
        send(frags)
        r = wait_reply()
        want = ("%d %s" % (len(payload), hashlib.sha256(payload).hexdigest())).encode()
        out("out-%s(%d-fragments) %s" % (mode, len(frags), "lost" if r is None else ("ok" if r == want else "bad")))
    payload = b"ECHO" + frag_payload("echo")[4:]
    s.sendto(payload, (dst, int(dport)))
    r = wait_reply()
    out("back-in-order(echo) %s" % ("lost" if r is None else ("ok" if r == payload else "bad")))
    s.sendto(b"FRAGBACK", (dst, int(dport)))
    r = wait_reply()
    out("back-last-first %s" % ("lost" if r is None else ("ok" if r == frag_payload("back") else "bad")))


CMDS = {
    "tcp-echo": cmd_tcp_echo,
    "accept-log": cmd_accept_log,
    "udp-peer": cmd_udp_peer,
    "burst": cmd_burst,
    "udp-eim": cmd_udp_eim,
    "udp-ask": cmd_udp_ask,
    "holder": cmd_holder,
    "rst": cmd_rst,
    "frag-server": cmd_frag_server,
    "frag-client": cmd_frag_client,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        CMDS[sys.argv[1]](*sys.argv[2:])
    except KeyboardInterrupt:
        pass
