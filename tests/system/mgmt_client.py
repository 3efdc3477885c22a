#!/usr/bin/python3
"""mgmt_client.py: a raw client of natgw's management protocol for the system
tests (include/natgw/mgmt.h): it builds messages byte by byte, so it can send
what natgwctl never would. Subcommands (SOCK: the management socket path):

  badinput SOCK         sends malformed requests one by one (truncated, wrong
                        lengths, unknown command, wrong version, attribute of
                        the wrong type or size, unknown attribute, string
                        without NUL, oversized); prints "case NAME: ..." with
                        the answer (an error and its message, or "closed");
                        then checks a valid request still works on a fresh
                        connection. Exit 0 when every case got an error or a
                        disconnect and the server still answers.
  dump-disconnect SOCK  asks for the route dump and the session dump and
                        closes after the first datagram of each; prints "ok".
  routes SOCK N TABLE GATEWAY [BATCH]
                        N route additions then N deletions of 198.18.x.y/32
                        host routes via GATEWAY, BATCH routes per request
                        (default 1), one request in flight; prints
                        "routes N batch B add_s S del_s S changes_per_s R".
  add-routes SOCK N TABLE GATEWAY [BATCH]
                        the additions only (the routes stay)
  refused SOCK          connects (run it as an unprivileged user): prints
                        "refused" when the connection is refused or closed
                        at once, "served" when a request is answered.
"""
import errno
import socket
import struct
import sys
import time

MSG_TYPE = 0x20
VERSION = 1
NLMSG_ERROR, NLMSG_DONE = 2, 3
F_REQUEST, F_MULTI, F_ACK, F_DUMP = 0x1, 0x2, 0x4, 0x300
NLMSGERR_ATTR_MSG = 1
CMD_ROUTE_GET, CMD_ROUTE_ADD, CMD_ROUTE_DEL = 3, 4, 6
CMD_NAT_SESSION_GET = 12
A_TABLE, A_ROUTE = 1, 2
R_PREFIX, R_LEN, R_TYPE, R_GATEWAY = 1, 2, 3, 4
ROUTE_GATEWAY = 1
DGRAM_MAX = 65536

seq_no = 1


def attr(atype, payload):
    """One attribute, padded to 4 bytes."""
    a = struct.pack("=HH", 4 + len(payload), atype) + payload
    return a + b"\0" * ((4 - len(a) % 4) % 4)


def msg(cmd, attrs=b"", flags=F_REQUEST | F_ACK, version=VERSION, length=None, mtype=MSG_TYPE):
    global seq_no
    seq_no += 1
    body = struct.pack("=BBH", cmd, version, 0) + attrs
    n = 16 + len(body) if length is None else length
    return struct.pack("=IHHII", n, mtype, flags, seq_no, 0) + body


def route_nest(prefix, length, gw=None):
    inner = attr(R_PREFIX, struct.pack("=I", prefix)) + attr(R_LEN, struct.pack("=B", length))
    if gw is None:
        return attr(A_ROUTE, inner)
    inner += attr(R_TYPE, struct.pack("=B", ROUTE_GATEWAY)) + attr(R_GATEWAY, struct.pack("=I", gw))
    return attr(A_ROUTE, inner)


def ip(s):
    return struct.unpack("!I", socket.inet_aton(s))[0]


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    s.connect(path)
    return s


def parse(data):
    """Messages of a datagram: list of (type, flags, error, text)."""
    out = []
    off = 0
    while off + 16 <= len(data):
        n, t, fl, _, _ = struct.unpack_from("=IHHII", data, off)
        if n < 16 or off + n > len(data):
            out.append(("bad", 0, 0, "bad length %d" % n))
            break
        err, text = 0, ""
        if t == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, off + 16)[0]
            # struct nlmsgerr: error + the request's nlmsghdr (capped), then TLVs
            a = off + 16 + 4 + 16
            while a + 4 <= off + n:
                alen, atype = struct.unpack_from("=HH", data, a)
                if alen < 4:
                    break
                if atype == NLMSGERR_ATTR_MSG:
                    text = data[a + 4:a + alen].split(b"\0")[0].decode(errors="replace")
                a += (alen + 3) & ~3
        out.append((t, fl, err, text))
        off += (n + 3) & ~3
    return out


def answer(s):
    """Read until an NLMSG_ERROR / NLMSG_DONE; returns (error, text) or ('closed', '')."""
    while True:
        try:
            data = s.recv(DGRAM_MAX)
        except socket.timeout:
            return ("timeout", "")
        except OSError as e:
            return ("closed", e.strerror)
        if not data:
            return ("closed", "")
        for t, _, err, text in parse(data):
            if t == NLMSG_ERROR:
                return (err, text)
            if t == NLMSG_DONE:
                return (0, "done")
            if t == "bad":
                return ("bad", text)


def cmd_badinput(path):
    good_route = route_nest(ip("198.18.77.0"), 24, ip("203.0.113.10"))
    cases = [
        ("truncated header", msg(CMD_ROUTE_GET)[:9]),
        ("length beyond datagram", msg(CMD_ROUTE_GET, length=400)),
        ("length below header", msg(CMD_ROUTE_GET, length=12)),
        ("no family header", struct.pack("=IHHII", 16, MSG_TYPE, F_REQUEST | F_ACK, 7, 0)),
        ("unknown command", msg(0xEE)),
        ("reply-only command", msg(32)),
        ("wrong version", msg(CMD_ROUTE_GET, version=9)),
        ("wrong message type", msg(CMD_ROUTE_GET, mtype=0x77)),
        ("TABLE as u32", msg(CMD_ROUTE_GET, attr(A_TABLE, struct.pack("=I", 5)), flags=F_REQUEST | F_DUMP)),
        ("string without NUL", msg(CMD_ROUTE_GET, attr(A_TABLE, b"main"), flags=F_REQUEST | F_DUMP)),
        ("unknown attribute", msg(CMD_ROUTE_GET, attr(0x3333, b"xxxx"))),
        ("attribute length past the end", msg(CMD_ROUTE_ADD, struct.pack("=HH", 200, A_ROUTE) + b"\0" * 8)),
        ("LEN as u32", msg(CMD_ROUTE_ADD, attr(A_ROUTE, attr(R_PREFIX, struct.pack("=I", ip("198.18.5.0")))
                                            + attr(R_LEN, struct.pack("=I", 24))))),
        ("route without prefix", msg(CMD_ROUTE_ADD, attr(A_ROUTE, attr(R_LEN, struct.pack("=B", 24))))),
        ("prefix length 40", msg(CMD_ROUTE_ADD, route_nest(ip("198.18.5.0"), 40, ip("203.0.113.10")))),
        ("trailing garbage", msg(CMD_ROUTE_ADD, good_route + b"\x01\x02")),
        ("oversized request", msg(CMD_ROUTE_GET, attr(A_TABLE, b"m" * 20000 + b"\0"))),
        ("random bytes", bytes(range(256)) * 3),
    ]
    ok = True
    s = connect(path)
    for name, data in cases:
        try:
            s.send(data)
            err, text = answer(s)
        except OSError as e:
            err, text = "closed", e.strerror
        good = err == "closed" or (isinstance(err, int) and err < 0)
        print("case %s: %s %s" % (name, err, text))
        ok &= good
        if err in ("closed", "timeout", "bad"):
            s.close()
            s = connect(path)
    s.close()
    s = connect(path)
    s.send(msg(CMD_ROUTE_GET, flags=F_REQUEST | F_DUMP))
    err, _ = answer(s)
    print("valid request after the bad ones:", err)
    ok &= err == 0
    s.close()
    return 0 if ok else 1


def cmd_dump_disconnect(path):
    for cmd in (CMD_ROUTE_GET, CMD_NAT_SESSION_GET):
        s = connect(path)
        s.send(msg(cmd, flags=F_REQUEST | F_DUMP))
        s.recv(DGRAM_MAX)
        s.close()
    print("ok")
    return 0


def cmd_add_routes(path, n, table, gw, batch=1):
    return cmd_routes(path, n, table, gw, batch, keep=True)


def cmd_routes(path, n, table, gw, batch=1, keep=False):
    n, batch = int(n), int(batch)
    s = connect(path)
    tbl = attr(A_TABLE, table.encode() + b"\0")
    g = ip(gw)
    t0 = time.monotonic()
    times = []
    for op, cmd in (("add", CMD_ROUTE_ADD), ("del", CMD_ROUTE_DEL))[:1 if keep else 2]:
        start = time.monotonic()
        for first in range(0, n, batch):
            routes = b"".join(route_nest(ip("198.18.0.0") + i, 32, g if op == "add" else None)
                              for i in range(first, min(n, first + batch)))
            s.send(msg(cmd, tbl + routes))
            err, text = answer(s)
            if err != 0:
                print("route %s %d failed: %s %s" % (op, first, err, text))
                return 1
        times.append(time.monotonic() - start)
    total = time.monotonic() - t0
    if keep:
        print("routes %d batch %d add_s %.3f routes_per_s %.0f" % (n, batch, times[0], n / total))
    else:
        print("routes %d batch %d add_s %.3f del_s %.3f changes_per_s %.0f" %
              (n, batch, times[0], times[1], 2 * n / total))
    return 0


def cmd_refused(path):
    try:
        s = connect(path)
        s.send(msg(CMD_ROUTE_GET, flags=F_REQUEST | F_DUMP))
        err, _ = answer(s)
    except OSError as e:
        print("refused (%s)" % errno.errorcode.get(e.errno, e.errno))
        return 0
    print("refused (closed)" if err in ("closed", "timeout") else "served")
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd = sys.argv[1].replace("-", "_")
    return globals()["cmd_" + cmd](*sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
