#!/usr/bin/python3
"""tcp_probe.py IFACE GUEST_IP OUR_IP: packet-level checks of Kiln's TCP.

Runs inside the test's network namespace on the TAP device, with an
address the kernel does not own (OUR_IP): scapy answers ARP for it
itself, so Linux never sees these connections and never resets them.
The guest runs app/echo on port 7. Each check prints one TAP line.
Every wait is bounded and ends as soon as the awaited packet comes.
"""
import random
import sys
import time

from scapy.all import ARP, IP, TCP, Ether, Raw, conf
from scapy.utils import checksum

conf.verb = 0
IFACE, GUEST, ME = sys.argv[1], sys.argv[2], sys.argv[3]
MYMAC = "02:00:00:77:00:09"
sock = conf.L2socket(iface=IFACE)
guest_mac = None
failures = 0


def report(name, ok, detail=""):
    global failures
    if ok:
        print(f"ok - {name}", flush=True)
    else:
        failures += 1
        print(f"not ok - {name}: {detail}", flush=True)


def answer_arp(p):
    global guest_mac
    if ARP in p and p[ARP].op == 1 and p[ARP].pdst == ME:
        guest_mac = p[ARP].hwsrc
        sock.send(Ether(dst=p[ARP].hwsrc, src=MYMAC) /
                  ARP(op=2, hwsrc=MYMAC, psrc=ME, hwdst=p[ARP].hwsrc,
                      pdst=p[ARP].psrc))
        return True
    return False


def wait_for(pred, timeout):
    """The first TCP packet from the guest for which pred holds, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        p = sock.recv()
        if p is None:
            time.sleep(0.005)
            continue
        if answer_arp(p):
            continue
        if IP in p and TCP in p and p[IP].src == GUEST and p[IP].dst == ME:
            if pred(p[TCP]):
                return p[TCP]
    return None


def resolve_guest():
    """Learn the guest's MAC by asking for it."""
    global guest_mac
    for _ in range(50):
        sock.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=MYMAC) /
                  ARP(op=1, hwsrc=MYMAC, psrc=ME, pdst=GUEST))
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            p = sock.recv()
            if p is None:
                time.sleep(0.005)
                continue
            if answer_arp(p):
                continue
            if ARP in p and p[ARP].op == 2 and p[ARP].psrc == GUEST:
                guest_mac = p[ARP].hwsrc
                return True
    return False


def send(tcp, payload=b"", raw_bytes=None):
    pkt = Ether(dst=guest_mac, src=MYMAC) / IP(src=ME, dst=GUEST) / tcp
    if payload:
        pkt = pkt / Raw(payload)
    if raw_bytes is not None:
        sock.send(raw_bytes(pkt))
    else:
        sock.send(pkt)


class Conn:
    """One connection to the guest's echo server, driven by hand."""

    def __init__(self, port=7, sport=None, opts=None, window=65535):
        self.sport = sport or random.randint(20000, 60000)
        self.port = port
        self.seq = random.randint(0, 2**32 - 1)
        self.ack = 0
        self.window = window
        self.opts = opts if opts is not None else [("MSS", 1460)]
        self.synack = None

    def tcp(self, flags, seq=None, window=None):
        return TCP(sport=self.sport, dport=self.port, flags=flags,
                   seq=self.seq if seq is None else seq, ack=self.ack,
                   window=self.window if window is None else window)

    def mine(self, t):
        return t.dport == self.sport and t.sport == self.port

    def open(self):
        syn = TCP(sport=self.sport, dport=self.port, flags="S", seq=self.seq,
                  window=self.window, options=self.opts)
        for _ in range(3):
            send(syn)
            t = wait_for(lambda t: self.mine(t) and t.flags.S and t.flags.A,
                         3)
            if t:
                break
        if not t:
            return False
        self.synack = t
        self.seq += 1
        self.ack = (t.seq + 1) % 2**32
        send(self.tcp("A"))
        return True

    def push(self, data, seq=None):
        send(self.tcp("PA", seq=seq), data)
        if seq is None:
            self.seq = (self.seq + len(data)) % 2**32

    def read(self, n, timeout=10):
        """n bytes of the guest's stream, acknowledging as they come."""
        got = b""
        end = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < end:
            t = wait_for(lambda t: self.mine(t) and len(t.payload) > 0,
                         end - time.monotonic())
            if t is None:
                break
            data = bytes(t.payload)
            if t.seq == self.ack:
                got += data
                self.ack = (self.ack + len(data)) % 2**32
            send(self.tcp("A"))
        return got

    def close(self):
        send(self.tcp("R"))


def check_handshake():
    c = Conn(opts=[("MSS", 1460), ("SAckOK", b""),
                   ("Timestamp", (12345, 0)), ("NOP", None),
                   ("WScale", 7)])
    ok = c.open()
    names = [o[0] for o in c.synack.options] if ok else []
    want = {"MSS", "WScale", "SAckOK", "Timestamp"}
    report("SYN-ACK carries MSS, window scale, SACK-permitted, timestamps",
           ok and want <= set(names), f"options {names}")
    if ok:
        c.close()


def check_closed_port():
    seq = random.randint(0, 2**32 - 1)
    sport = random.randint(20000, 60000)
    send(TCP(sport=sport, dport=9, flags="S", seq=seq))
    t = wait_for(lambda t: t.dport == sport and t.flags.R, 5)
    report("SYN to a closed port gets RST with ACK of SEQ+1",
           t is not None and t.flags.A and t.ack == (seq + 1) % 2**32,
           "no RST" if t is None else f"flags {t.flags} ack {t.ack}")


def check_out_of_order():
    c = Conn()
    if not c.open():
        report("out-of-order and duplicate segments delivered once, in "
               "order", False, "no handshake")
        return
    s0 = c.seq
    c.push(b"BBBB", seq=(s0 + 4) % 2**32)
    c.push(b"AAAA", seq=s0)
    c.push(b"AAAA", seq=s0)  # duplicate
    c.push(b"BBBB", seq=(s0 + 4) % 2**32)
    c.seq = (s0 + 8) % 2**32
    c.push(b"CCCC")
    got = c.read(12)
    extra = c.read(1, timeout=1)
    report("out-of-order and duplicate segments delivered once, in order",
           got == b"AAAABBBBCCCC" and extra == b"", f"echo {got + extra!r}")
    c.close()


def check_retransmit():
    c = Conn()
    if not c.open():
        report("the guest retransmits data that was not acknowledged",
               False, "no handshake")
        return
    c.push(b"hello")
    first = wait_for(lambda t: c.mine(t) and len(t.payload) == 5, 5)
    again = first and wait_for(
        lambda t: c.mine(t) and t.seq == first.seq and len(t.payload) == 5,
        10)
    report("the guest retransmits data that was not acknowledged",
           bool(first and again),
           "no echo" if not first else "no retransmission")
    c.close()


def check_zero_window():
    c = Conn(window=65535)
    if not c.open():
        report("zero window: the guest probes, then resumes", False,
               "no handshake")
        return
    c.window = 0
    c.push(b"Z" * 100)
    early = wait_for(lambda t: c.mine(t) and len(t.payload) > 0 and
                     t.seq == c.ack, 0.5)
    # a probe: Linux's form (an old sequence number) or one byte of data
    probe = wait_for(lambda t: c.mine(t) and (
        t.seq == (c.ack - 1) % 2**32 or len(t.payload) == 1), 10)
    c.window = 65535
    send(c.tcp("A"))
    got = c.read(100)
    report("zero window: the guest probes, then resumes",
           early is None and probe is not None and got == b"Z" * 100,
           f"early {early is not None} probe {probe is not None} "
           f"got {len(got)}")
    c.close()


def check_half_close():
    c = Conn()
    if not c.open():
        report("half-close: after our FIN the echo still answers, then "
               "FINs", False, "no handshake")
        return
    send(c.tcp("FPA"), b"tail")
    c.seq = (c.seq + 5) % 2**32
    got = c.read(4)
    fin = wait_for(lambda t: c.mine(t) and t.flags.F, 10)
    if fin:
        c.ack = (fin.seq + len(fin.payload) + 1) % 2**32
        send(c.tcp("A"))
    report("half-close: after our FIN the echo still answers, then FINs",
           got == b"tail" and fin is not None,
           f"echo {got!r} fin {fin is not None}")


def check_bad_segments():
    c = Conn()
    if not c.open():
        report("bad checksum and truncated header dropped silently", False,
               "no handshake")
        return

    def bad_sum(p):
        p[TCP].chksum = 0x1234
        return p

    def truncated(p):
        b = bytearray(bytes(p))
        t = 14 + 20
        b[t + 12] = 0xf0  # data offset 15: past the segment's end
        b[t + 16:t + 18] = b"\0\0"
        seg = bytes(b[t:])
        pseudo = (bytes(b[26:34]) + b"\0\x06" +
                  len(seg).to_bytes(2, "big"))
        b[t + 16:t + 18] = checksum(pseudo + seg).to_bytes(2, "big")
        return bytes(b)

    send(c.tcp("PA"), b"BAD!", raw_bytes=bad_sum)
    send(c.tcp("PA"), b"TRNC", raw_bytes=truncated)
    c.push(b"GOOD")
    got = c.read(4)
    extra = c.read(1, timeout=1)
    report("bad checksum and truncated header dropped silently",
           got == b"GOOD" and extra == b"", f"echo {got + extra!r}")
    c.close()


def check_blind_rst():
    c = Conn()
    if not c.open():
        report("in-window RST gets a challenge ACK (RFC 5961)", False,
               "no handshake")
        return
    send(c.tcp("R", seq=(c.seq + 1000) % 2**32))
    ch = wait_for(lambda t: c.mine(t) and t.flags.A and not t.flags.R and
                  t.ack == c.seq, 5)
    c.push(b"alive")
    got = c.read(5)
    report("in-window RST gets a challenge ACK (RFC 5961)",
           ch is not None and got == b"alive",
           f"challenge {ch is not None} echo {got!r}")
    c.close()


def check_syn_flood():
    base = random.randint(2000, 10000)
    for i in range(400):
        send(TCP(sport=base + i, dport=7, flags="S",
                 seq=random.randint(0, 2**32 - 1), options=[("MSS", 1460)]))
    c = Conn()
    ok = c.open()
    got = b""
    if ok:
        c.push(b"through")
        got = c.read(7)
        c.close()
    report("after a SYN flood a real connection still gets through",
           ok and got == b"through", f"handshake {ok} echo {got!r}")


def main():
    if not resolve_guest():
        for _ in range(9):
            report("guest answers ARP", False, "no ARP reply")
        return 1
    check_handshake()
    check_closed_port()
    check_out_of_order()
    check_retransmit()
    check_zero_window()
    check_half_close()
    check_bad_segments()
    check_blind_rst()
    check_syn_flood()
    return 1 if failures else 0


sys.exit(main())
