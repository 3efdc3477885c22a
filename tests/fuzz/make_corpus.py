#!/usr/bin/env python3
"""Write the seed corpora of the fuzz harnesses (tests/fuzz/corpus/NAME/).

usage: tests/fuzz/make_corpus.py        (from anywhere; rewrites the seed dirs)

fuzz_packet seeds are two control bytes + an Ethernet frame, fuzz_nat_icmp
seeds three control bytes + a quoted packet (see the harnesses' headers);
addresses and ports are those of tests/fuzz/fuzz_pipeline.h (config A: every
masqueraded session uses public port 40000). fuzz_config seeds are the example
configurations and a selection of the unit tests' good and bad files.
fuzz_mgmt seeds are management-protocol datagrams (one request per command,
replies, errors, batches and broken ones).
Pure Python (no scapy), deterministic.
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))


def ip(s):
    return struct.unpack('!I', bytes(int(x) for x in s.split('.')))[0]


H1, H2 = ip('10.0.1.20'), ip('10.0.2.10')
SRV = ip('10.0.1.10')
REM, REM2 = ip('203.0.113.7'), ip('203.0.113.8')
GW, IRTR = ip('192.0.2.254'), ip('10.0.0.254')
PUB1, PUB2 = ip('192.0.2.1'), ip('192.0.2.2')
LAB = ip('198.51.100.9')
PORT_ADDR = [ip('10.0.0.1'), ip('192.0.2.1'), ip('198.51.100.1')]
PUBPORT = 40000


def pub_of(host):
    """nat_pool_pick: murmur3 fmix32 of the address as stored (network order
    read as a little-endian uint32), scaled to the pool of two."""
    h = struct.unpack('<I', struct.pack('!I', host))[0]
    h ^= h >> 16
    h = (h * 0x85ebca6b) & 0xffffffff
    h ^= h >> 13
    h = (h * 0xc2b2ae35) & 0xffffffff
    h ^= h >> 16
    return [PUB1, PUB2][(h * 2) >> 32]


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def port_mac(p):
    return bytes([2, 0, 0, 0, 0, p + 1])


def peer_mac(p):
    return bytes([2, 0xaa, 0, 0, 0, p])


def eth(port, etype, dst=None):
    return (dst or port_mac(port)) + peer_mac(port) + struct.pack('!H', etype)


def ipv4(src, dst, proto, payload, ttl=64, frag=0, ident=0x4242):
    h = struct.pack('!BBHHHBBHII', 0x45, 0, 20 + len(payload), ident, frag, ttl, proto, 0,
                    src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def l4_sum(src, dst, proto, seg):
    return csum(struct.pack('!IIBBH', src, dst, 0, proto, len(seg)) + seg)


def tcp(src, sp, dst, dp, flags, seq=1000, ack=0, data=b''):
    seg = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    c = l4_sum(src, dst, 6, seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def udp(src, sp, dst, dp, data=b'hello'):
    seg = struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
    c = l4_sum(src, dst, 17, seg) or 0xffff
    return seg[:6] + struct.pack('!H', c) + seg[8:]


def icmp(typ, code, rest, data):
    m = struct.pack('!BBH', typ, code, 0) + rest + data
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]


def echo(typ, ident, seq=1, data=b'abcdefgh' * 3):
    return icmp(typ, 0, struct.pack('!HH', ident, seq), data)


def arp(port, op, sha, sip, tha, tip, bcast=True):
    body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + sha + struct.pack('!I', sip) + tha + \
        struct.pack('!I', tip)
    return eth(port, 0x0806, b'\xff' * 6 if bcast else None) + body + b'\0' * 18


def frame(port, src, dst, proto, l4, **kw):
    return eth(port, 0x0800) + ipv4(src, dst, proto, l4, **kw)


S, A, F, R, P = 0x02, 0x10, 0x01, 0x04, 0x08
FIX = 0x60  # fix IP and L4 checksums after mutation


def packet_seeds():
    p1, p2 = pub_of(H1), pub_of(H2)
    seeds = {}

    def add(name, port, fr, c0=FIX, c1=0):
        seeds[name] = bytes([c0 | port, c1]) + fr

    # ARP
    add('arp-req-port0', 0, arp(0, 1, peer_mac(0), ip('10.0.0.5'), b'\0' * 6, PORT_ADDR[0]))
    add('arp-req-pool', 1, arp(1, 1, peer_mac(1), GW, b'\0' * 6, PUB2))
    add('arp-reply-parked', 2, arp(2, 2, peer_mac(2), LAB, port_mac(2), PORT_ADDR[2], False))
    add('arp-garp', 1, arp(1, 1, peer_mac(1), GW, b'\0' * 6, GW))
    # TCP
    add('tcp-syn-new', 0, frame(0, H1, REM, 6, tcp(H1, 41000, REM, 8080, S)))
    add('tcp-data-out', 0, frame(0, H1, REM, 6, tcp(H1, 40000, REM, 80, A | P, 1001, 5001, b'GET /')))
    add('tcp-data-in', 1, frame(1, REM, p1, 6, tcp(REM, 80, p1, PUBPORT, A | P, 5001, 1006, b'200 OK')))
    add('tcp-fin-in', 1, frame(1, REM, p1, 6, tcp(REM, 80, p1, PUBPORT, F | A, 5001, 1001)))
    add('tcp-rst-in', 1, frame(1, REM, p1, 6, tcp(REM, 80, p1, PUBPORT, R, 5001)))
    add('tcp-rst-out-window', 1, frame(1, REM, p1, 6, tcp(REM, 80, p1, PUBPORT, R, 0x80000000)))
    add('tcp-synack-halfopen', 1, frame(1, REM, p1, 6, tcp(REM, 443, p1, PUBPORT, S | A, 1, 7001)))
    add('tcp-ack-not-syn-new', 0, frame(0, H1, REM, 6, tcp(H1, 42000, REM, 80, A)))
    add('tcp-dnat-syn', 1, frame(1, REM2, PUB1, 6, tcp(REM2, 6000, PUB1, 8080, S)))
    add('tcp-dnat-ack', 1, frame(1, REM2, PUB1, 6, tcp(REM2, 5555, PUB1, 8080, A, 101, 9001)))
    add('tcp-hairpin-syn', 0, frame(0, H2, PUB1, 6, tcp(H2, 6100, PUB1, 8080, S)))
    add('tcp-unsolicited-in', 1, frame(1, REM, p1, 6, tcp(REM, 81, p1, 40001, S)))
    # UDP
    add('udp-out-hit', 0, frame(0, H2, REM, 17, udp(H2, 5000, REM, 53)))
    add('udp-in-hit', 1, frame(1, REM, p2, 17, udp(REM, 53, p2, PUBPORT)))
    add('udp-out-new', 0, frame(0, H1, REM2, 17, udp(H1, 9999, REM2, 123)))
    add('udp-lab-new', 2, frame(2, LAB, REM, 17, udp(LAB, 5000, REM, 54)))
    add('udp-hairpin', 0, frame(0, H2, PUB2, 17, udp(H2, 6000, PUB2, 5353)))
    add('udp-dnat-new', 1, frame(1, REM, PUB2, 17, udp(REM, 7777, PUB2, 5353)))
    add('udp-nocksum', 0, frame(0, H2, REM, 17,
                                struct.pack('!HHHH', 5000, 53, 13, 0) + b'hello'), c0=0x20)
    add('udp-no-route', 2, frame(2, LAB, ip('100.64.0.1'), 17, udp(LAB, 1, ip('100.64.0.1'), 2)))
    add('udp-blackhole', 0, frame(0, H1, ip('192.0.2.150'), 17, udp(H1, 1, ip('192.0.2.150'), 2)))
    add('udp-ttl1', 0, frame(0, H1, REM, 17, udp(H1, 5001, REM, 33434), ttl=1))
    add('udp-ttl1-to-pool', 1, frame(1, REM, p2, 17, udp(REM, 53, p2, PUBPORT), ttl=1))
    add('udp-big-df', 0, frame(0, H1, REM, 17, udp(H1, 5002, REM, 9, b'x' * 2000), frag=0x4000))
    add('udp-big-nodf', 0, frame(0, H1, REM, 17, udp(H1, 5003, REM, 9, b'y' * 2000)))
    add('udp-parked-same', 0, frame(0, H1, LAB, 17, udp(H1, 7000, LAB, 53)))
    add('udp-split', 0, frame(0, H1, REM, 17, udp(H1, 5004, REM, 9, b'z' * 100)), c0=FIX | 0x80,
        c1=2)
    add('udp-burst', 0, frame(0, H1, REM, 17, udp(H1, 5005, REM, 9)), c0=FIX | 0x04)
    add('udp-timer', 1, frame(1, REM, p2, 17, udp(REM, 53, p2, PUBPORT)), c0=FIX | 0x08, c1=0x40)
    add('udp-config-b', 0, frame(0, H1, REM, 17, udp(H1, 5006, REM, 9)), c0=FIX | 0x10)
    add('udp-rx-bad', 0, frame(0, H1, REM, 17, udp(H1, 5007, REM, 9)), c1=0x30)
    add('udp-tx-offload', 0, frame(0, H1, REM, 17, udp(H1, 5008, REM, 9)), c1=0x08)
    # ICMP echo
    add('echo-out-hit', 0, frame(0, H1, REM, 1, echo(8, 0x1234)))
    add('echo-in-reply', 1, frame(1, REM, p1, 1, echo(0, PUBPORT)))
    add('echo-local', 0, frame(0, H1, PORT_ADDR[0], 1, echo(8, 7)))
    add('echo-local-pool', 1, frame(1, REM, PUB1, 1, echo(8, 7)))
    add('echo-new-lab', 2, frame(2, LAB, REM, 1, echo(8, 99)))
    # ICMP errors about sessions (quote = what the error's receiver sent)
    q_tcp = ipv4(p1, REM, 6, tcp(p1, PUBPORT, REM, 80, A, 1001, 5001))
    q_udp = ipv4(p2, REM, 17, udp(p2, PUBPORT, REM, 53))
    q_echo = ipv4(p1, REM, 1, echo(8, PUBPORT))
    q_in = ipv4(REM, H1, 6, tcp(REM, 80, H1, 40000, A, 5001, 1001))
    add('icmp-unreach-tcp', 1, frame(1, REM, p1, 1, icmp(3, 3, b'\0' * 4, q_tcp[:28])))
    add('icmp-unreach-tcp-full', 1, frame(1, GW, p1, 1, icmp(3, 1, b'\0' * 4, q_tcp)))
    add('icmp-timex-udp', 1, frame(1, GW, p2, 1, icmp(11, 0, b'\0' * 4, q_udp)))
    add('icmp-fragneeded-echo', 1, frame(1, GW, p1, 1, icmp(3, 4, struct.pack('!HH', 0, 1400), q_echo)))
    add('icmp-inside-router', 0, frame(0, IRTR, REM, 1, icmp(3, 1, b'\0' * 4, q_in[:28])))
    add('icmp-unknown-session', 1, frame(1, REM, p1, 1, icmp(3, 3, b'\0' * 4,
                                                             ipv4(p1, REM, 17, udp(p1, 1, REM, 2)))))
    add('icmp-error-ttl1', 1, frame(1, REM, p1, 1, icmp(3, 3, b'\0' * 4, q_tcp[:28]), ttl=1))
    # fragments
    add('frag-first', 0, frame(0, H1, REM, 17, udp(H1, 6000, REM, 53, b'f' * 40), frag=0x2000))
    add('frag-later', 0, eth(0, 0x0800) + ipv4(H1, REM, 17, b'g' * 48, frag=0x0005), c0=0x20)
    add('frag-to-pool', 1, eth(1, 0x0800) + ipv4(REM, p1, 17, b'h' * 48, frag=0x2000), c0=0x20)
    add('frag-transit', 1, eth(1, 0x0800) + ipv4(REM, ip('198.51.100.200'), 17, b'i' * 48,
                                                 frag=0x0006), c0=0x20)
    # other protocols and broken frames
    add('gre-to-pool', 1, frame(1, REM, p1, 47, b'\0' * 16))
    add('gre-out', 0, frame(0, H1, REM, 47, b'\0' * 16))
    add('ip-options', 0, eth(0, 0x0800) + bytes([0x46]) + ipv4(H1, REM, 17, udp(H1, 1, REM, 2))[1:] + b'\0' * 4)
    add('ipv6', 0, eth(0, 0x86dd) + b'\x60' + b'\0' * 39)
    add('vlan', 0, eth(0, 0x8100) + b'\0\x01\x08\x00' + ipv4(H1, REM, 17, udp(H1, 1, REM, 2)))
    add('short', 0, eth(0, 0x0800)[:10])
    add('bcast-ip', 0, eth(0, 0x0800, b'\xff' * 6) + ipv4(H1, ip('10.0.0.255'), 17, udp(H1, 1, ip('10.0.0.255'), 2)))
    return seeds


def icmp_seeds():
    p1, p2 = pub_of(H1), pub_of(H2)
    seeds = {}

    def add(name, sel, typ_idx, code, quote, flags=0x20):
        seeds[name] = bytes([sel | flags, typ_idx, code]) + quote

    q_tcp = ipv4(p1, REM, 6, tcp(p1, PUBPORT, REM, 80, A, 1001, 5001))
    add('sel0-tcp-8', 0, 0, 3, q_tcp[:28])
    add('sel0-tcp-full', 0, 0, 3, q_tcp)
    add('sel0-echo', 0, 3, 4, ipv4(p1, REM, 1, echo(8, PUBPORT)))
    add('sel0-halfopen', 0, 2, 0, ipv4(p1, REM, 6, tcp(p1, PUBPORT, REM, 443, S, 7000)))
    add('sel1-udp', 1, 2, 0, ipv4(p2, REM, 17, udp(p2, PUBPORT, REM, 53)))
    add('sel2-inbound', 2, 0, 1, ipv4(REM, H1, 6, tcp(REM, 80, H1, 40000, A, 5001, 1001)))
    add('sel3-dnat-server', 3, 0, 3, ipv4(REM2, SRV, 6, tcp(REM2, 5555, SRV, 80, A, 101, 9001)))
    add('sel4-host-echo-reply', 4, 0, 3, ipv4(REM, H1, 1, echo(0, 0x1234)))
    add('sel5-dnat-client', 5, 0, 3, ipv4(PUB1, REM2, 6, tcp(PUB1, 8080, REM2, 5555, S | A, 9000, 101)))
    add('sel5-hairpin', 5, 0, 3, ipv4(PUB2, H2, 17, udp(PUB2, 5353, p2, PUBPORT)))
    add('sel6-lab', 6, 1, 0, ipv4(REM, LAB, 17, udp(REM, 53, LAB, 5000)))
    add('sel7-direct', 7, 0, 3, ipv4(H1, REM, 6, tcp(H1, 40000, REM, 80, A)))
    add('sel0-ttl1', 0, 0, 3, q_tcp[:28], flags=0x30)
    add('sel0-split', 0, 0, 3, q_tcp + b'\0' * 40, flags=0x60)
    add('sel0-burst', 1, 2, 0, ipv4(p2, REM, 17, udp(p2, PUBPORT, REM, 53)), flags=0xa0)
    add('sel0-echo-type', 0, 0x80 | 8, 0, ipv4(p1, REM, 1, echo(8, PUBPORT)))
    add('sel0-quote-frag', 0, 0, 3, ipv4(p1, REM, 17, b'\0' * 8, frag=0x0001))
    add('sel0-quote-opts', 0, 0, 3, bytes([0x46]) + q_tcp[1:20] + b'\x01\x01\x01\x00' + q_tcp[20:28])
    return seeds


def config_seeds():
    files = []
    for d in ('config', 'tests/unit/configs/good'):
        p = os.path.join(ROOT, d)
        files += [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.endswith('.ini')]
    bad = os.path.join(ROOT, 'tests/unit/configs/bad')
    if os.path.isdir(bad):
        for f in sorted(os.listdir(bad))[::4]:  # a quarter of the bad ones
            files.append(os.path.join(bad, f))
    seeds = {}
    for f in files:
        with open(f, 'rb') as fh:
            seeds[os.path.relpath(f, ROOT).replace('/', '_')] = fh.read()
    seeds['empty.ini'] = b''
    seeds['binary.ini'] = bytes(range(256))
    seeds['continuation.ini'] = b'[global]\nlcores = 0 \\\n  1\n[port a]\ndevargs = x\\\n'
    seeds['unterminated.ini'] = b'[port a\ndevargs = "net_null0\naddress = 10.0.0.1/24'
    seeds['long-line.ini'] = b'[global]\nsocket = /' + b'a' * 2000 + b'\n'
    seeds['dup-nat-keys.ini'] = (b'[port o]\ndevargs = net_null0\naddress = 192.0.2.1/24\n'
                                 b'[nat]\nport = o\ninside = 10.0.0.0/8\nINSIDE = 10.0.0.0/8\n')
    return seeds


# ---- fuzz_mgmt: management-protocol datagrams (include/natgw/mgmt.h) ----

MGMT_TYPE, MGMT_VERSION = 0x20, 1
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 1, 2, 4, 0x300


def nla(typ, payload):
    """One attribute, padded to 4 bytes."""
    b = struct.pack('=HH', 4 + len(payload), typ) + payload
    return b + b'\0' * (-len(b) % 4)


def nl_u8(t, v):
    return nla(t, struct.pack('=B', v))


def nl_u16(t, v):
    return nla(t, struct.pack('=H', v))


def nl_u32(t, v):
    return nla(t, struct.pack('=I', v))


def nl_u64(t, v):
    return nla(t, struct.pack('=Q', v))


def nl_str(t, s):
    return nla(t, s.encode() + b'\0')


def nl_msg(cmd, attrs=b'', flags=NLM_F_REQUEST | NLM_F_ACK, seq=1, version=MGMT_VERSION, typ=MGMT_TYPE):
    body = struct.pack('=BBH', cmd, version, 0) + attrs
    return struct.pack('=IHHII', 16 + len(body), typ, flags, seq, 0) + body


def mgmt_seeds():
    """One valid request per command (mgmt.h numbering), a few replies, an
    error with extended-ACK text, a batch, and some broken ones."""
    (PORT_GET, NEIGH_GET, ROUTE_GET, ROUTE_ADD, ROUTE_REPLACE, ROUTE_DEL, NAT_GET, TMO_SET, FWD_GET,
     FWD_ADD, FWD_DEL, SESS_GET, SESS_COUNT, SESS_FLUSH, SG_GET, SGR_ADD, SGR_DEL, SGM_ADD, SGM_DEL,
     PL_GET, PLP_ADD, PLP_DEL, NACL_GET, NR_ADD, NR_DEL, CTR_GET, CTR_RESET, CFG_DUMP, CFG_RELOAD,
     EV_SUB, EVENT, NEIGH_ADD, NEIGH_DEL) = range(1, 34)
    (A_TABLE, A_ROUTE, A_PORT, A_NEIGH, A_NAT, A_TIMEOUTS, A_FORWARD, A_FILTER, A_SESSION, A_COUNT,
     A_LIMIT, A_NAME, A_SG, A_SG_RULE, A_MEMBER, A_PL, A_PREFIX, A_NACL, A_NACL_RULE, A_WORKER,
     A_PER_WORKER, A_COUNTERS, A_CONFIG_TEXT, A_PATH, A_EVENT, A_EVENT_MASK, A_TRUNCATED, A_SERVER,
     A_N_WORKERS) = range(1, 30)
    dump = NLM_F_REQUEST | NLM_F_DUMP
    route = nla(A_ROUTE, nl_u32(1, ip('10.9.0.0')) + nl_u8(2, 16) + nl_u8(3, 1) +
                nl_u32(4, ip('203.0.113.254')) + nl_str(5, 'out'))
    fwd = nla(A_FORWARD, nl_u8(1, 6) + nl_u32(2, ip('203.0.113.1')) + nl_u16(3, 8080) +
              nl_u32(4, ip('10.0.1.10')) + nl_u16(5, 80))
    sgr = nla(A_SG_RULE, nl_u8(1, 0) + nl_u8(2, 6) + nl_u16(3, 80) + nl_u16(4, 88) +
              nl_u8(9, 0) + nl_u32(7, ip('10.0.1.0')) + nl_u8(8, 24))
    sgr_pl = nla(A_SG_RULE, nl_u8(1, 0) + nl_u8(2, 1) + nl_u8(5, 8) + nl_u8(9, 1) + nl_str(10, 'office'))
    nr = nla(A_NACL_RULE, nl_u16(12, 100) + nl_u8(1, 0) + nl_u8(13, 1) + nl_u8(2, 17) +
             nl_u32(7, ip('10.0.2.0')) + nl_u8(8, 24) + nl_u32(14, ip('10.0.1.0')) + nl_u8(15, 24))
    sfilter = nla(A_FILTER, nl_u8(1, 6) + nl_u32(2, ip('10.0.1.0')) + nl_u8(3, 24) + nl_u16(7, 80) +
                  nl_u32(8, 0))
    sess = nla(A_SESSION, nl_u8(1, 6) + nl_u32(2, ip('10.0.1.10')) + nl_u32(3, ip('203.0.113.10')) +
               nl_u16(4, 40000) + nl_u16(5, 80) + nl_u8(10, 1) + nl_u8(11, 3) + nl_u32(12, 5) +
               nl_u32(13, 7440) + nl_u16(14, 0))
    seeds = {
        'port_get': nl_msg(PORT_GET, nl_str(A_NAME, 'in1'), dump),
        'neigh_get': nl_msg(NEIGH_GET, b'', dump),
        'neigh_add': nl_msg(NEIGH_ADD, nla(A_NEIGH, nl_u32(1, ip('10.0.1.20')) +
                                           nla(2, bytes([2, 0, 0x5e, 0, 1, 0x14])) + nl_str(3, 'in1'))),
        'neigh_del': nl_msg(NEIGH_DEL, nla(A_NEIGH, nl_u32(1, ip('10.0.1.20')) + nl_str(3, 'in1'))),
        'route_get': nl_msg(ROUTE_GET, nl_str(A_TABLE, 'main'), dump),
        'route_add': nl_msg(ROUTE_ADD, nl_str(A_TABLE, 'main') + route),
        'route_add_batch': nl_msg(ROUTE_ADD, route * 3),
        'route_replace': nl_msg(ROUTE_REPLACE, route),
        'route_del': nl_msg(ROUTE_DEL, nla(A_ROUTE, nl_u32(1, ip('10.9.0.0')) + nl_u8(2, 16))),
        'nat_get': nl_msg(NAT_GET, b'', dump),
        'timeouts_set': nl_msg(TMO_SET, nla(A_TIMEOUTS, nl_u32(1, 600) + nl_u32(5, 90))),
        'forward_get': nl_msg(FWD_GET, b'', dump),
        'forward_add': nl_msg(FWD_ADD, fwd),
        'forward_del': nl_msg(FWD_DEL, fwd),
        'sessions': nl_msg(SESS_GET, sfilter + nl_u32(A_LIMIT, 100), dump),
        'sessions_count': nl_msg(SESS_COUNT, sfilter),
        'sessions_flush': nl_msg(SESS_FLUSH, b''),
        'sg_get': nl_msg(SG_GET, nl_str(A_NAME, 'web'), dump),
        'sg_rule_add': nl_msg(SGR_ADD, nl_str(A_NAME, 'web') + sgr),
        'sg_rule_add_pl': nl_msg(SGR_ADD, nl_str(A_NAME, 'web') + sgr_pl),
        'sg_rule_del_key': nl_msg(SGR_DEL, nl_str(A_NAME, 'web') + nla(A_SG_RULE, nl_str(11, 'rule.3'))),
        'sg_member_add': nl_msg(SGM_ADD, nl_str(A_NAME, 'web') + nl_u32(A_MEMBER, ip('10.0.1.30'))),
        'sg_member_del': nl_msg(SGM_DEL, nl_str(A_NAME, 'web') + nl_u32(A_MEMBER, ip('10.0.1.30'))),
        'pl_get': nl_msg(PL_GET, b'', dump),
        'pl_prefix_add': nl_msg(PLP_ADD, nl_str(A_NAME, 'office') +
                                nla(A_PREFIX, nl_u32(1, ip('192.0.2.0')) + nl_u8(2, 24))),
        'pl_prefix_del': nl_msg(PLP_DEL, nl_str(A_NAME, 'office') +
                                nla(A_PREFIX, nl_u32(1, ip('192.0.2.0')) + nl_u8(2, 24))),
        'nacl_get': nl_msg(NACL_GET, b'', dump),
        'nacl_rule_add': nl_msg(NR_ADD, nl_str(A_NAME, 'edge') + nr),
        'nacl_rule_del': nl_msg(NR_DEL, nl_str(A_NAME, 'edge') + nla(A_NACL_RULE, nl_u16(12, 100) + nl_u8(1, 0))),
        'counters': nl_msg(CTR_GET, nla(A_PER_WORKER, b'') + nl_u32(A_WORKER, 1), dump),
        'counters_reset': nl_msg(CTR_RESET),
        'config_dump': nl_msg(CFG_DUMP, b'', dump),
        'config_reload': nl_msg(CFG_RELOAD, nl_str(A_PATH, '/etc/natgw/natgw.ini')),
        'subscribe': nl_msg(EV_SUB, nl_u32(A_EVENT_MASK, 0x3e)),
        # replies (the decoder also validates them as a client would)
        'reply_session': nl_msg(SESS_GET, sess, NLM_F_MULTI, 5),
        'reply_count': nl_msg(SESS_GET, nl_u64(A_COUNT, 3) + nla(A_TRUNCATED, b''), NLM_F_MULTI, 5),
        'reply_counters': nl_msg(CTR_GET, nl_str(A_NAME, 'drop') + nla(A_COUNTERS, nla(1, nl_str(1, 'no_route') +
                                 nl_u64(2, 11)) * 2), NLM_F_MULTI, 5),
        'reply_config': nl_msg(CFG_DUMP, nla(A_CONFIG_TEXT, b'[port a]\ndevargs = net_null0\n'), NLM_F_MULTI, 5),
        'event': nl_msg(EVENT, nla(A_EVENT, nl_u8(1, 1) + nl_u16(2, 0) + nla(3, nl_u8(1, 6)) + nl_str(4, 'x') + nl_u64(5, 2)), 0, 0),
        'error_ext_ack': struct.pack('=IHHII', 16 + 4 + 16 + 12, 2, 0x300, 7, 0) + struct.pack('=i', -22) +
                         struct.pack('=IHHII', 24, MGMT_TYPE, 5, 7, 0) + nl_str(1, 'bad thing'),
        'done': struct.pack('=IHHIIi', 20, 3, NLM_F_MULTI, 7, 0, 0),
        'batch': nl_msg(ROUTE_GET, b'', dump) + nl_msg(CTR_RESET),
        'bad_version': nl_msg(ROUTE_GET, b'', dump, version=2),
        'bad_unknown_cmd': nl_msg(200),
        'bad_truncated': nl_msg(ROUTE_ADD, route)[:-3],
        'bad_u32_len': nl_msg(SESS_GET, nla(A_LIMIT, b'\1\2'), dump),
        'bad_nul': nl_msg(ROUTE_GET, nla(A_TABLE, b'main'), dump),
    }
    return seeds


def write(name, seeds):
    d = os.path.join(HERE, 'corpus', name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for k, v in sorted(seeds.items()):
        with open(os.path.join(d, k), 'wb') as fh:
            fh.write(v)
    print('%s: %d seeds' % (name, len(seeds)))


def main():
    write('fuzz_packet', packet_seeds())
    write('fuzz_nat_icmp', icmp_seeds())
    write('fuzz_config', config_seeds())
    write('fuzz_mgmt', mgmt_seeds())
    return 0


if __name__ == '__main__':
    sys.exit(main())
