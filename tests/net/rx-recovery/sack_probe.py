#!/usr/bin/python3
"""sack_probe.py IFACE GUEST_IP OUR_IP: a sender's view of Kiln's
duplicate ACKs. Opens a connection to app/echo (port 7) with SACK and
timestamps, as Linux does, from OUR_IP (an address the namespace's
kernel does not own: scapy answers ARP for it itself), then sends four
segments above a hole, lowest first, as a sender's window arrives after
a lost segment. Each must draw at once an ACK of the hole's start whose
first SACK block is the range that segment went to (RFC 5681 4.2, RFC
2018 4); with timestamps one ACK holds only three blocks, so the fourth
range is only known if it comes first. Then it fills the hole and
sends the same bytes again: the ACK must report that duplicate as its
first SACK block (RFC 2883 D-SACK), which lets a sender undo the
window cut of a needless retransmission. Prints a line per check,
"ok - ..." or "not ok - ..." with what was seen (a failed first check
ends the run). Every wait is bounded.
"""
import random
import sys
import time

from scapy.all import ARP, IP, TCP, Ether, Raw, conf

conf.verb = 0
IFACE, GUEST, ME = sys.argv[1], sys.argv[2], sys.argv[3]
MYMAC = "02:00:00:86:00:09"
SEG = 100
sock = conf.L2socket(iface=IFACE)
guest_mac = None


def answer_arp(p):
    if ARP in p and p[ARP].op == 1 and p[ARP].pdst == ME:
        sock.send(Ether(dst=p[ARP].hwsrc, src=MYMAC) /
                  ARP(op=2, hwsrc=MYMAC, psrc=ME, hwdst=p[ARP].hwsrc,
                      pdst=p[ARP].psrc))
        return True
    return False


def wait_for(pred, timeout):
    """The first packet from the guest for which pred holds, or None."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        p = sock.recv()
        if p is None:
            time.sleep(0.002)
            continue
        if answer_arp(p) or not pred(p):
            continue
        return p
    return None


def resolve_guest():
    global guest_mac
    for _ in range(20):
        sock.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=MYMAC) /
                  ARP(op=1, hwsrc=MYMAC, psrc=ME, pdst=GUEST))
        p = wait_for(lambda p: ARP in p and p[ARP].op == 2 and
                     p[ARP].psrc == GUEST, 0.5)
        if p:
            guest_mac = p[ARP].hwsrc
            return True
    return False


SPORT = random.randint(20000, 60000)
ISS = random.randint(0, 2**32 - 1)


def tsopt():
    return [("NOP", None), ("NOP", None),
            ("Timestamp", (int(time.monotonic() * 1000) & 0xffffffff,
                           tsecr))]


def send(flags, seq, ack, data=b"", opts=None):
    t = TCP(sport=SPORT, dport=7, flags=flags, seq=seq % 2**32, ack=ack,
            window=65535, options=opts if opts is not None else tsopt())
    pkt = Ether(dst=guest_mac, src=MYMAC) / IP(src=ME, dst=GUEST) / t
    sock.send(pkt / Raw(data) if data else pkt)


def from_guest(p):
    return IP in p and TCP in p and p[IP].src == GUEST and \
        p[TCP].dport == SPORT


def sack_blocks(t):
    for name, val in t.options:
        if name == "SAck":
            return [(val[i], val[i + 1]) for i in range(0, len(val), 2)]
    return []


def rel(blocks, base):
    return [((s - base) % 2**32, (e - base) % 2**32) for s, e in blocks]


def main():
    global tsecr
    tsecr = 0
    if not resolve_guest():
        return "not ok - no ARP reply from the guest"
    send("S", ISS, 0, opts=[("MSS", 1460), ("SAckOK", b""),
                            ("Timestamp", (1, 0)), ("NOP", None),
                            ("WScale", 7)])
    p = wait_for(lambda p: from_guest(p) and p[TCP].flags.S, 5)
    if not p:
        return "not ok - no SYN-ACK"
    names = [o[0] for o in p[TCP].options]
    if "SAckOK" not in names or "Timestamp" not in names:
        return f"not ok - SYN-ACK without SACK or timestamps: {names}"
    tsecr = dict(p[TCP].options)["Timestamp"][0]
    ack = (p[TCP].seq + 1) % 2**32
    base = ISS + 1
    send("A", base, ack)
    seen = []
    for k in (1, 3, 5, 7):  # bytes [0, SEG) are the hole
        start = k * SEG
        send("A", base + start, ack, bytes([65 + k]) * SEG)
        p = wait_for(lambda p: from_guest(p) and p[TCP].ack == base % 2**32
                     and sack_blocks(p[TCP]), 3)
        if not p:
            return (f"not ok - no duplicate ACK with SACK for [{start}, "
                    f"{start + SEG}) (before it: {seen})")
        blocks = rel(sack_blocks(p[TCP]), base)
        seen.append(blocks)
        if blocks[0] != (start, start + SEG):
            return (f"not ok - segment [{start}, {start + SEG}): first "
                    f"SACK block {blocks[0]}, all ACKs {seen}")
    print(f"ok - duplicate ACKs' SACK blocks {seen}", flush=True)
    return dsack(base, ack)


def dsack(base, ack):
    """The hole filled, then sent again (a needless retransmission, as a
    loss probe is when nothing was lost): the ACK it draws reports it
    as its first SACK block, below the cumulative ACK (RFC 2883)."""
    send("A", base, ack, b"A" * SEG)
    send("A", base, ack, b"A" * SEG)

    def below_ack(p):
        if not from_guest(p) or not sack_blocks(p[TCP]):
            return False
        first = sack_blocks(p[TCP])[0][0]
        return (p[TCP].ack - first) % 2**32 < 2**31 and p[TCP].ack != first
    p = wait_for(below_ack, 3)
    send("R", base + 8 * SEG, ack)
    if not p:
        return "not ok - no D-SACK block for the duplicate [0, 100)"
    blocks = rel(sack_blocks(p[TCP]), base)
    if blocks[0] != (0, SEG):
        return f"not ok - D-SACK block {blocks[0]}, wanted (0, {SEG})"
    return f"ok - the duplicate reported first: {blocks}"


line = main()
print(line, flush=True)
sys.exit(0 if line.startswith("ok") else 1)
