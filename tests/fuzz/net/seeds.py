#!/usr/bin/env python3
"""seeds.py OUTDIR: write the net fuzzer's seed inputs, one file each.

Each input is records of (len u16 BE, flags, clock) + an Ethernet frame,
as fuzz.h describes. The harness fixes checksums (FIX_CSUM), our MAC
(FIX_MAC) and TCP acknowledgement numbers (FIX_ACK) on request, so the
frames here leave them zero. The stack is 10.0.0.2 behind a null NIC;
the peer is 10.0.0.1 at 02:00:00:00:00:01.
"""
import os
import struct
import sys

FIX_CSUM, FIX_ACK, FIX_MAC, FIX_FRAG, FIX_NIC_CSUM = 1, 2, 4, 8, 16
FIX = FIX_CSUM | FIX_MAC
PEER_MAC = bytes([2, 0, 0, 0, 0, 1])
BCAST = b"\xff" * 6
US, PEER = bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1])


def rec(frame, flags=FIX, clock=0):
    return struct.pack(">HBB", len(frame), flags, clock) + frame


def eth(payload, etype=0x0800, dst=bytes(6)):
    return dst + PEER_MAC + struct.pack(">H", etype) + payload


def ipv4(proto, payload, src=PEER, dst=US, ident=1, frag=0, tot=None):
    tot = 20 + len(payload) if tot is None else tot
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, ident, frag, 64, proto,
                       0, src, dst) + payload


def ip_summed(packet):
    """packet with its IPv4 header checksum filled in (and only that)."""
    s = sum(struct.unpack(">10H", packet[:20]))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return packet[:10] + struct.pack(">H", ~s & 0xffff) + packet[12:]


def tcp(flags, seq, data=b"", sport=40000, dport=80, opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, 0, off << 4, flags,
                       65535, 0, 0) + opts + data


def udp(data, sport=40000, dport=7):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data


def arp(op, sender_ip, target_ip, target_mac=bytes(6)):
    body = struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, PEER_MAC,
                       sender_ip, target_mac, target_ip)
    return eth(body, 0x0806, BCAST)


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
SYN_OPTS = (b"\x02\x04\x05\xb4" + b"\x04\x02" + b"\x08\x0a" + bytes(8) +
            b"\x01\x03\x03\x07")  # MSS, SACK-ok, timestamps, NOP, wscale


def handshake(isn=1000):
    return [rec(eth(ipv4(6, tcp(SYN, isn, opts=SYN_OPTS)))),
            rec(eth(ipv4(6, tcp(ACK, isn + 1))), FIX | FIX_ACK)]


def frag(frame, unit, flags=FIX):
    """frame (Ethernet + IPv4, unfragmented) cut by the harness into
    fragments of 8 * unit bytes after its fixes (FIX_FRAG): the unit
    rides in the fragment offset field."""
    ip = bytearray(frame[14:])
    ip[6:8] = struct.pack(">H", unit)
    return rec(frame[:14] + bytes(ip), flags | FIX_FRAG)


def large_segments():
    """Full-sized and oversized segments right after the handshake: an
    MSS of data and a frame beyond the MTU (a peer's GSO, a broken NIC);
    then a 6000-byte segment arriving as 1480-byte fragments. Two
    inputs, each under the fuzzer's 8 KiB -max_len."""
    big = handshake()
    seq = 1001
    for size in (1460, 4000):
        big.append(rec(eth(ipv4(6, tcp(ACK, seq, b"L" * size))),
                       FIX | FIX_ACK))
        seq += size
    big.append(rec(eth(ipv4(6, tcp(FIN | ACK, seq))), FIX | FIX_ACK, 50))
    fragmented = handshake() + [
        frag(eth(ipv4(6, tcp(PSH | ACK, 1001, b"F" * 6000))), 185,
             FIX | FIX_ACK),
        rec(eth(ipv4(6, tcp(FIN | ACK, 7001))), FIX | FIX_ACK, 50)]
    # Behind a NIC that checks checksums and coalesces (FIX_NIC_CSUM):
    # the checksums are left wrong, and a 7000-byte segment is one frame.
    nic = FIX_MAC | FIX_ACK | FIX_NIC_CSUM
    coalesced = handshake() + [
        rec(eth(ip_summed(ipv4(6, tcp(ACK, 1001, b"C" * 7000)))), nic),
        rec(eth(ip_summed(ipv4(17, udp(b"V" * 64)))), FIX_MAC | FIX_NIC_CSUM),
        rec(eth(ip_summed(ipv4(6, tcp(FIN | ACK, 8001)))), nic, 50)]
    return {"tcp-large-segments": big, "tcp-large-fragmented": fragmented,
            "tcp-nic-coalesced": coalesced}


def handshake_seeds(req):
    """Handshakes that end unusually: in IP fragments, with data (even
    the whole window) on the ACK that completes them, with data on the
    SYN, and with the SYN repeated before the ACK."""
    syn = eth(ipv4(6, tcp(SYN, 1000, opts=SYN_OPTS)))
    return {
        "tcp-frag-handshake": [
            frag(syn, 2),
            frag(eth(ipv4(6, tcp(PSH | ACK, 1001, req))), 1, FIX | FIX_ACK),
            rec(eth(ipv4(6, tcp(FIN | ACK, 1001 + len(req)))), FIX | FIX_ACK,
                20)],
        "tcp-handshake-data": [
            rec(syn),
            rec(eth(ipv4(6, tcp(PSH | ACK, 1001, b"D" * 1400))),
                FIX | FIX_ACK)],
        "tcp-handshake-full-window": [
            rec(syn),
            frag(eth(ipv4(6, tcp(ACK, 1001, b"W" * 7000))), 185,
                 FIX | FIX_ACK)],
        # Under memory pressure the receive ring shrinks below the window
        # announced in the SYN-ACK: 8000 bytes on the ACK overran it.
        "tcp-handshake-big-ack": [
            rec(syn),
            rec(eth(ipv4(6, tcp(PSH | ACK, 1001, b"B" * 8000))),
                FIX | FIX_ACK)],
        "tcp-syn-data": [
            rec(eth(ipv4(6, tcp(SYN, 1000, req, opts=SYN_OPTS)))),
            rec(eth(ipv4(6, tcp(ACK, 1001 + len(req)))), FIX | FIX_ACK)],
        "tcp-syn-repeated": [
            rec(syn), rec(syn, FIX, 3),
            rec(eth(ipv4(6, tcp(PSH | ACK, 1001, req))), FIX | FIX_ACK)],
    }


US6 = bytes.fromhex("20010db8000000000000000000000002")
PEER6 = bytes.fromhex("20010db8000000000000000000000001")
PEER_LL = bytes.fromhex("fe800000000000000000000000000001")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
SOLICITED_US = bytes.fromhex("ff0200000000000000000001ff000002")


def ipv6(nh, payload, src=PEER6, dst=US6, hlim=64):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nh, hlim,
                       src, dst) + payload


def eth6(payload, dst=bytes(6)):
    return eth(payload, 0x86dd, dst)


def icmp6(typ, code, body):
    return struct.pack(">BBH", typ, code, 0) + body


def echo6(data=b"kiln6" * 8, ident=7):
    return icmp6(128, 0, struct.pack(">HH", ident, 1) + data)


def with_csum6(msg, src=PEER6, dst=US6):
    """msg with its ICMPv6 checksum, for fragments the harness leaves."""
    data = src + dst + struct.pack(">IxxxB", len(msg), 58) + msg
    data += bytes(len(data) % 2)
    total = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return msg[:2] + struct.pack(">H", ~total & 0xffff) + msg[4:]


def ext(nh, body):
    """An extension header (hop-by-hop, routing, destination options)
    whose body pads it to whole 8-byte units."""
    body += bytes(-(len(body) + 2) % 8)
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def ipv6_seeds():
    """Neighbour discovery first (the peer's NS gives the stack its MAC,
    so answers can leave), then echo through extension headers,
    fragments, router advertisements, MLD queries and Packet Too Big."""
    ns = rec(eth6(ipv6(58, icmp6(135, 0, bytes(4) + US6 + b"\x01\x01" +
                                 PEER_MAC), dst=SOLICITED_US, hlim=255),
                  dst=b"\x33\x33\xff\x00\x00\x02"), FIX_CSUM)
    ping = rec(eth6(ipv6(58, echo6())))
    body = with_csum6(echo6(b"F" * 40, 9))
    frags = [rec(eth6(ipv6(44, struct.pack(">BBHI", 58, 0, off | more, 77) +
                           body[off:end])))
             for off, end, more in ((0, 24, 1), (24, 48, 0))]
    overlap = [rec(eth6(ipv6(44, struct.pack(">BBHI", 58, 0, off | more, 78) +
                             body[off:end])))
               for off, end, more in ((0, 24, 1), (16, 40, 1), (40, 48, 0))]
    pi = struct.pack(">BBBBIII16s", 3, 4, 64, 0xc0, 3600, 1800, 0,
                     bytes.fromhex("20010db8000100000000000000000000"))
    ra = icmp6(134, 0, struct.pack(">BBHII", 64, 0, 1800, 0, 0) +
               b"\x01\x01" + PEER_MAC + pi +
               struct.pack(">BBHI", 5, 1, 0, 1400) +
               struct.pack(">BBHI16s", 25, 3, 0, 600, PEER6))
    query = ext(58, b"\x05\x02\x00\x00") + icmp6(
        130, 0, struct.pack(">HH16sBBH", 1000, 0, bytes(16), 2, 125, 0))
    quoted = ipv6(58, icmp6(129, 0, b"\0" * 16), src=US6, dst=PEER6)
    syn = ipv6(6, tcp(SYN, 1000, opts=SYN_OPTS))
    req = b"GET / HTTP/1.0\r\n\r\n"
    tcp6 = [ns, rec(eth6(syn)),
            rec(eth6(ipv6(6, tcp(ACK, 1001))), FIX | FIX_ACK),
            rec(eth6(ipv6(6, tcp(PSH | ACK, 1001, req))), FIX | FIX_ACK, 5),
            rec(eth6(ipv6(6, tcp(FIN | ACK, 1001 + len(req)))), FIX | FIX_ACK,
                20)]
    return {
        "ip6-tcp-data": tcp6,
        "ip6-udp-echo": [ns, rec(eth6(ipv6(17, udp(b"u6" * 20)))),
                         rec(eth6(ipv6(17, udp(b"?", dport=9))))],
        "ip6-ns-ping": [ns, ping],
        "ip6-ext-headers": [
            ns, rec(eth6(ipv6(0, ext(60, b"\x05\x02\x00\x00") +
                              ext(58, b"\x1e\x02\x00\x00") + echo6()))),
            rec(eth6(ipv6(43, ext(58, b"\x00\x01" + bytes(4) + PEER6) +
                          echo6()))),
            rec(eth6(ipv6(60, ext(58, b"\x9e\x01\x00") + echo6())))],
        "ip6-fragments": [ns] + frags + overlap,
        "ip6-ra": [rec(eth6(ipv6(58, ra, src=PEER_LL, dst=ALL_NODES,
                                 hlim=255), dst=b"\x33\x33\0\0\0\x01"),
                       FIX_CSUM), ns, ping],
        "ip6-mld-query": [rec(eth6(ipv6(0, query, src=PEER_LL,
                                        dst=ALL_NODES, hlim=1),
                                   dst=b"\x33\x33\0\0\0\x01"),
                              FIX_CSUM, 3)],
        "ip6-packet-too-big": [ns, rec(eth6(ipv6(58, icmp6(
            2, 0, struct.pack(">I", 1280) + quoted)))), ping],
        # UDP from a link-local peer (recvfrom's scope id), then port
        # unreachable about a datagram of ours (the UDP error path).
        "ip6-udp-linklocal": [ns, rec(eth6(ipv6(17, udp(b"ll" * 8),
                                                src=PEER_LL)))],
        "ip6-udp-unreachable": [ns, rec(eth6(ipv6(17, udp(b"u6")))),
                                rec(eth6(ipv6(58, icmp6(1, 4, bytes(4) + ipv6(
                                    17, udp(b"u6", 7, 40000), src=US6,
                                    dst=PEER6)))))],
    }


def seeds():
    req = b"GET / HTTP/1.0\r\nHost: kiln\r\n\r\n"
    out = {}
    out["arp-request"] = [rec(arp(1, PEER, US), 0)]
    out["arp-reply"] = [rec(arp(2, PEER, US, bytes(6)), 0)]
    out["ping"] = [rec(eth(ipv4(1, struct.pack(">BBHHH", 8, 0, 0, 7, 1) +
                                   b"kiln" * 8)))]
    out["tcp-syn"] = [rec(eth(ipv4(6, tcp(SYN, 1000, opts=SYN_OPTS))))]
    out["tcp-data"] = handshake() + [
        rec(eth(ipv4(6, tcp(PSH | ACK, 1001, req))), FIX | FIX_ACK, 5),
        rec(eth(ipv4(6, tcp(ACK, 1001 + len(req)))), FIX | FIX_ACK, 50),
        rec(eth(ipv4(6, tcp(FIN | ACK, 1001 + len(req)))), FIX | FIX_ACK),
        rec(eth(ipv4(6, tcp(ACK, 1002 + len(req)))), FIX | FIX_ACK, 10)]
    out["tcp-out-of-order"] = handshake() + [
        rec(eth(ipv4(6, tcp(ACK, 1011, b"b" * 10))), FIX | FIX_ACK),
        rec(eth(ipv4(6, tcp(ACK, 1001, b"a" * 10))), FIX | FIX_ACK),
        rec(eth(ipv4(6, tcp(RST, 1021))), FIX, 220)]
    dgram = udp(b"x" * 40)
    out["udp-echo"] = [rec(eth(ipv4(17, dgram)))]
    out["udp-closed-port"] = [rec(eth(ipv4(17, udp(b"?", dport=9))))]
    # 48 bytes of UDP in fragments of 24, one duplicated over the other.
    full = udp(b"f" * 40)
    out["fragments"] = [
        rec(eth(ipv4(17, full[:24], ident=7, frag=0x2000))),
        rec(eth(ipv4(17, full[16:], ident=7, frag=2))),
        rec(eth(ipv4(17, full[24:], ident=7, frag=3)))]
    offer = struct.pack(">BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, 0x1234, 0,
                        0, bytes(4), US, PEER, bytes(4), bytes(16), bytes(64),
                        bytes(128))
    offer += b"\x63\x82\x53\x63" + bytes([53, 1, 2, 54, 4]) + PEER + \
        bytes([1, 4, 255, 255, 255, 0, 3, 4]) + PEER + \
        bytes([51, 4, 0, 0, 14, 16, 255])
    out["dhcp-offer"] = [rec(eth(ipv4(17, udp(offer, 67, 68),
                                      dst=b"\xff" * 4), dst=BCAST), FIX_CSUM)]
    quoted = ipv4(6, tcp(SYN | ACK, 1, sport=80, dport=40000)[:8], src=US,
                  dst=PEER)
    out.update(large_segments())
    out.update(handshake_seeds(req))
    out.update(ipv6_seeds())
    out["icmp-frag-needed"] = handshake() + [
        rec(eth(ipv4(1, struct.pack(">BBHHH", 3, 4, 0, 0, 576) + quoted)))]
    return out


def main():
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, records in seeds().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(b"".join(records))


main()
