#!/usr/bin/python3
"""probe6.py IFACE GUEST_MAC GUEST_ADDR PREFIX: packet-level IPv6 checks.

Runs inside the test's network namespace on the TAP device and speaks
from addresses the namespace's kernel does not own (PREFIX::9 and
fe80::77:9), answering neighbour solicitations for them itself, so
Linux's own stack never interferes. The guest holds GUEST_ADDR and
runs httpd on port 80 (its one AF_INET6 listener). Each
check prints one TAP line; every wait is bounded and ends as soon as the
awaited packet comes.
"""
import select
import sys
import time

from scapy.all import (Ether, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       ICMPv6PacketTooBig, ICMPv6ParamProblem, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, HBHOptUnknown,
                       PadN, Raw, TCP, conf, in6_getnsma, in6_getnsmac,
                       inet_pton, inet_ntop, socket)

conf.verb = 0
IFACE, GMAC, GUEST, PREFIX = sys.argv[1:5]
ME = PREFIX + "9"
ME_LL = "fe80::77:9"
MYMAC = "02:00:00:77:00:09"
sock = conf.L2socket(iface=IFACE)
failures = 0


def report(name, ok, detail=""):
    global failures
    if ok:
        print(f"ok - {name}", flush=True)
    else:
        failures += 1
        print(f"not ok - {name}: {detail}", flush=True)


def answer_ns(p):
    """Answer the guest's solicitations for our addresses."""
    if ICMPv6ND_NS in p and p[ICMPv6ND_NS].tgt in (ME, ME_LL):
        tgt = p[ICMPv6ND_NS].tgt
        sock.send(Ether(src=MYMAC, dst=p[Ether].src) /
                  IPv6(src=tgt, dst=p[IPv6].src, hlim=255) /
                  ICMPv6ND_NA(tgt=tgt, R=0, S=1, O=1) /
                  ICMPv6NDOptDstLLAddr(lladdr=MYMAC))
        return True
    return False


def wait_for(pred, timeout):
    """The first IPv6 packet from the guest for which pred holds, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        # recv blocks while the link is quiet: wait for a frame first.
        ready, _, _ = select.select([sock], [], [], end - time.monotonic())
        if not ready:
            break
        p = sock.recv()
        if p is None:
            continue
        if IPv6 not in p or p[Ether].src.lower() != GMAC.lower():
            continue
        if answer_ns(p):
            continue
        if pred(p):
            return p
    return None


def send(pkt):
    sock.send(Ether(src=MYMAC, dst=GMAC) / pkt)


ident = 0x4000


def echo(*ext, payload=b"kiln-ipv6-probe!", src=ME):
    """An echo request from src through the extension headers ext."""
    global ident
    ident += 1
    p = IPv6(src=src, dst=GUEST)
    for e in ext:
        p = p / e
    return p / ICMPv6EchoRequest(id=ident, seq=1, data=payload), ident


def reply_to(i):
    return lambda p: ICMPv6EchoReply in p and p[ICMPv6EchoReply].id == i


def param_problem(code):
    return lambda p: ICMPv6ParamProblem in p and p[ICMPv6ParamProblem].code == code


def answered(pkt, i, timeout=2.0):
    send(pkt)
    return wait_for(reply_to(i), timeout) is not None


# ---- neighbour discovery ----------------------------------------------------

def check_ns_na():
    group = in6_getnsma(inet_pton(socket.AF_INET6, GUEST))
    group = inet_ntop(socket.AF_INET6, group)
    sock.send(Ether(src=MYMAC, dst=in6_getnsmac(inet_pton(socket.AF_INET6, GUEST))) /
              IPv6(src=ME, dst=group, hlim=255) / ICMPv6ND_NS(tgt=GUEST) /
              ICMPv6NDOptSrcLLAddr(lladdr=MYMAC))
    na = wait_for(lambda p: ICMPv6ND_NA in p, 3)
    ok = (na is not None and na[ICMPv6ND_NA].tgt == GUEST and
          na[ICMPv6ND_NA].S == 1 and na[ICMPv6ND_NA].O == 1 and
          na[IPv6].hlim == 255 and na[IPv6].dst == ME and
          ICMPv6NDOptDstLLAddr in na and
          na[ICMPv6NDOptDstLLAddr].lladdr.lower() == GMAC.lower())
    report("NS for the guest's address gets a solicited NA with its MAC", ok,
           na.summary() if na is not None else "no NA")


def check_ns_hlim():
    """RFC 4861 7.1.1: a solicitation with hop limit below 255 is ignored."""
    sock.send(Ether(src=MYMAC, dst=GMAC) /
              IPv6(src=ME, dst=GUEST, hlim=64) / ICMPv6ND_NS(tgt=GUEST) /
              ICMPv6NDOptSrcLLAddr(lladdr=MYMAC))
    na = wait_for(lambda p: ICMPv6ND_NA in p, 1.5)
    report("NS with hop limit 64 is ignored", na is None, "answered")


def check_dad_defend():
    group = inet_ntop(socket.AF_INET6,
                      in6_getnsma(inet_pton(socket.AF_INET6, GUEST)))
    sock.send(Ether(src=MYMAC, dst=in6_getnsmac(inet_pton(socket.AF_INET6, GUEST))) /
              IPv6(src="::", dst=group, hlim=255) / ICMPv6ND_NS(tgt=GUEST))
    na = wait_for(lambda p: ICMPv6ND_NA in p, 3)
    ok = (na is not None and na[IPv6].dst == "ff02::1" and
          na[ICMPv6ND_NA].tgt == GUEST and na[ICMPv6ND_NA].S == 0)
    report("another host's DAD probe for our address gets an NA to ff02::1",
           ok, na.summary() if na is not None else "no NA")


# ---- extension headers ------------------------------------------------------

def check_control():
    pkt, i = echo()
    report("plain echo request answered", answered(pkt, i), "no reply")


def check_rh0():
    rh = IPv6ExtHdrRouting(type=0, segleft=1, addresses=[ME])
    pkt, i = echo(rh)
    send(pkt)
    p = wait_for(lambda p: reply_to(i)(p) or param_problem(0)(p), 2)
    ok = (p is not None and ICMPv6ParamProblem in p and
          p[ICMPv6ParamProblem].ptr == 42)
    report("routing header type 0 dropped with parameter problem at its type",
           ok, p.summary() if p is not None else "nothing came")
    rh = IPv6ExtHdrRouting(type=0, segleft=0, addresses=[ME])
    pkt, i = echo(rh)
    report("routing header with no segments left is skipped", answered(pkt, i),
           "no reply")


def check_options():
    opt = lambda t: IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=t, optdata=b"\0" * 4)])
    pkt, i = echo(opt(0x1e))
    report("unknown option, action 00: skipped", answered(pkt, i), "no reply")
    pkt, i = echo(opt(0x5e))
    report("unknown option, action 01: dropped silently",
           not answered(pkt, i, 1.5), "answered")
    pkt, i = echo(opt(0x9e))
    send(pkt)
    p = wait_for(lambda p: reply_to(i)(p) or param_problem(2)(p), 2)
    ok = p is not None and ICMPv6ParamProblem in p and p[ICMPv6ParamProblem].ptr == 42
    report("unknown option, action 10: parameter problem code 2 at it", ok,
           p.summary() if p is not None else "nothing came")


def check_bad_chains():
    pkt, i = echo(IPv6ExtHdrDestOpt(), IPv6ExtHdrHopByHop())
    send(pkt)
    p = wait_for(lambda p: reply_to(i)(p) or param_problem(1)(p), 2)
    ok = p is not None and ICMPv6ParamProblem in p and p[ICMPv6ParamProblem].ptr == 40
    report("hop-by-hop after destination options: parameter problem code 1",
           ok, p.summary() if p is not None else "nothing came")
    pkt, i = echo(*[IPv6ExtHdrDestOpt() for _ in range(9)])
    report("a chain of 9 extension headers dropped",
           not answered(pkt, i, 1.5), "answered")
    pkt, i = echo(IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 12)]))
    report("oversized hop-by-hop padding (14 bytes) dropped",
           not answered(pkt, i, 1.5), "answered")
    raw = bytes(IPv6(src=ME, dst=GUEST, nh=60) / Raw(b"\x3a\x05" + b"\x01\x00" * 3))
    send(IPv6(raw))
    p = wait_for(lambda p: True, 1.5)
    report("a destination options header longer than the packet dropped",
           p is None or ICMPv6EchoReply not in p, p.summary() if p is not None else "")


# ---- fragments --------------------------------------------------------------

def fragments(pieces, i, payload, fid):
    """The echo request as fragments covering [start, end) of its body."""
    body = bytes(IPv6(src=ME, dst=GUEST) /
                 ICMPv6EchoRequest(id=i, seq=1, data=payload))[40:]
    last = max(end for _, end in pieces)
    out = []
    for start, end in pieces:
        out.append(IPv6(src=ME, dst=GUEST) /
                   IPv6ExtHdrFragment(nh=58, offset=start // 8,
                                      m=int(end < last), id=fid) /
                   Raw(body[start:end]))
    return out


def check_fragments():
    global ident
    payload = bytes(range(48))  # body: 8 + 48 = 56 bytes
    ident += 1
    for f in fragments([(0, 24), (24, 48), (48, 56)], ident, payload, 0x1001):
        send(f)
    ok = wait_for(reply_to(ident), 2) is not None
    report("fragmented echo request reassembled and answered", ok, "no reply")
    ident += 1
    for f in fragments([(0, 24), (16, 40), (40, 56)], ident, payload, 0x1002):
        send(f)  # the overlap carries the same bytes: only RFC 5722 drops it
    ok = wait_for(reply_to(ident), 2) is None
    for f in fragments([(0, 24), (24, 48), (48, 56)], ident, payload, 0x1002):
        send(f)  # the same datagram again, whole: still dropped (dead)
    ok = ok and wait_for(reply_to(ident), 2) is None
    report("overlapping fragments drop the whole datagram (RFC 5722)", ok,
           "answered")
    ident += 1
    f = IPv6(src=ME, dst=GUEST) / IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x1003) / Raw(b"x" * 13)
    send(f)
    p = wait_for(param_problem(0), 2)
    ok = p is not None and p[ICMPv6ParamProblem].ptr == 4
    report("a middle fragment of 13 bytes: parameter problem at the length",
           ok, p.summary() if p is not None else "nothing came")


def check_ptb():
    payload = b"p" * 1400
    pkt, i = echo(payload=payload)
    send(pkt)
    r = wait_for(lambda p: (ICMPv6EchoReply in p and p[ICMPv6EchoReply].id == i)
                 or IPv6ExtHdrFragment in p, 2)
    whole = r is not None and IPv6ExtHdrFragment not in r
    quote = bytes(r[IPv6])[:1232] if r is not None else b""
    send(IPv6(src=ME, dst=GUEST) / ICMPv6PacketTooBig(mtu=1280) / Raw(quote))
    pkt, i = echo(payload=payload)
    send(pkt)
    f = wait_for(lambda p: IPv6ExtHdrFragment in p, 2)
    ok = whole and f is not None and len(bytes(f[IPv6])) <= 1280
    report("Packet Too Big (1280) makes the guest fragment its replies", ok,
           f"first reply whole: {whole}, fragment: "
           f"{len(bytes(f[IPv6])) if f is not None else None}")


def syn_ack_mss(src, sport):
    """The MSS of the guest's SYN-ACK to a SYN from src, or None."""
    send(IPv6(src=src, dst=GUEST) /
         TCP(sport=sport, dport=80, flags="S", seq=1000,
             options=[("MSS", 1460)]))
    p = wait_for(lambda p: TCP in p and p[TCP].dport == sport, 3)
    if p is None or p[TCP].flags != "SA" or p[TCP].ack != 1001:
        return None
    send(IPv6(src=src, dst=GUEST) /
         TCP(sport=sport, dport=80, flags="R", seq=1001))
    return dict(p[TCP].options).get("MSS")


def check_tcp():
    mss = syn_ack_mss(ME_LL, 40001)
    report("TCP over IPv6 (link-local): SYN-ACK with MSS 1440 (1500 - 60)",
           mss == 1440, f"MSS {mss}")
    mss = syn_ack_mss(ME, 40003)
    report("TCP over IPv6: Packet Too Big (1280) lowered the MSS to 1220",
           mss == 1220, f"MSS {mss}")
    send(IPv6(src=ME, dst=GUEST) / TCP(sport=40002, dport=81, flags="S",
                                       seq=5000))
    p = wait_for(lambda p: TCP in p and p[TCP].dport == 40002, 3)
    ok = p is not None and p[TCP].flags == "RA" and p[TCP].ack == 5001
    report("TCP over IPv6: SYN to a closed port gets RST-ACK", ok,
           p.summary() if p is not None else "no answer")


# ---- RFC 5961 over IPv6 (as tests/net/scapy does over IPv4) ----------------

class Conn6:
    """One connection to the guest's httpd from ME, driven by hand."""

    def __init__(self, sport):
        self.sport, self.seq, self.ack = sport, 70000, 0

    def tcp(self, flags, seq=None, payload=b""):
        p = IPv6(src=ME, dst=GUEST) / TCP(
            sport=self.sport, dport=80, flags=flags, window=65535,
            seq=self.seq if seq is None else seq % 2**32, ack=self.ack)
        return p / Raw(payload) if payload else p

    def mine(self, p):
        return TCP in p and p[TCP].dport == self.sport

    def open(self):
        send(IPv6(src=ME, dst=GUEST) /
             TCP(sport=self.sport, dport=80, flags="S", seq=self.seq,
                 window=65535, options=[("MSS", 1220)]))
        p = wait_for(lambda p: self.mine(p) and p[TCP].flags == "SA", 3)
        if p is None:
            return False
        self.seq += 1
        self.ack = (p[TCP].seq + 1) % 2**32
        send(self.tcp("A"))
        return True

    def challenged(self):
        """The guest's challenge ACK: a bare ACK of what it expects."""
        return wait_for(lambda p: self.mine(p) and p[TCP].flags == "A" and
                        p[TCP].ack == self.seq, 3) is not None

    def alive(self):
        """httpd still answers a request on the connection."""
        req = b"GET / HTTP/1.0\r\n\r\n"
        send(self.tcp("PA", payload=req))
        self.seq += len(req)
        p = wait_for(lambda p: self.mine(p) and
                     bytes(p[TCP].payload).startswith(b"HTTP/1."), 5)
        send(self.tcp("R"))
        return p is not None


def check_rfc5961():
    name = "TCP over IPv6: in-window RST gets a challenge ACK (RFC 5961 3.2)"
    c = Conn6(40011)
    if not c.open():
        report(name, False, "no handshake")
    else:
        send(c.tcp("R", seq=c.seq + 1000))
        ch = c.challenged()
        report(name, ch and c.alive(), f"challenge {ch}")
    name = "TCP over IPv6: SYN on an open connection gets a challenge ACK (4.2)"
    c = Conn6(40012)
    if not c.open():
        report(name, False, "no handshake")
    else:
        send(c.tcp("S", seq=c.seq + 500))
        ch = c.challenged()
        report(name, ch and c.alive(), f"challenge {ch}")
    name = "TCP over IPv6: RST outside the window is ignored silently"
    c = Conn6(40013)
    if not c.open():
        report(name, False, "no handshake")
    else:
        send(c.tcp("R", seq=c.seq + 2**31))
        quiet = wait_for(c.mine, 1) is None
        report(name, quiet and c.alive(), f"quiet {quiet}")
    name = "TCP over IPv6: RST at exactly the next sequence number resets"
    c = Conn6(40014)
    if not c.open():
        report(name, False, "no handshake")
    else:
        send(c.tcp("R"))
        send(c.tcp("PA", payload=b"x"))
        p = wait_for(lambda p: c.mine(p) and p[TCP].flags.R, 3)
        report(name, p is not None, "no RST for data after it")


def main():
    # Learn nothing from Linux: the guest resolves us through answer_ns.
    check_ns_na()
    check_ns_hlim()
    check_dad_defend()
    check_control()
    check_rh0()
    check_options()
    check_bad_chains()
    check_fragments()
    check_ptb()
    check_tcp()
    check_rfc5961()
    sys.exit(1 if failures else 0)


main()
