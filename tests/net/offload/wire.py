#!/usr/bin/python3
"""wire.py IFACE GUEST_IP INFILE OUTFILE MODE: capture TCP on IFACE with
scapy while tests/net/echo-client.py sends INFILE to the guest's echo
port and receives it back into OUTFILE, then print one TAP line per
check. MODE "on": the NIC offloads (virtio-net with its defaults), so
frames past 1514 bytes must be seen both ways (the guest sent 64 KiB
TSO segments; Linux coalesced toward it) and every guest TCP checksum
must be right: complete, or, for a segment the host kernel still has
to finish, exactly the pseudo-header sum the NIC completes from
(hypercall.h's HC_NET_F_CSUM_PARTIAL: a wrong seed would reach the
wire wrong). MODE "off": no frame past 1514 bytes and every checksum
complete. A GUEST_IP with a colon is IPv6 (checks named ", IPv6"): the
same checksum verdicts over IPv6's pseudo-header, and in MODE "on",
instead of large frames (TSO is IPv4's), that the guest left checksums
to the NIC at all. Exit status 0; the TAP lines carry the verdicts.
"""

import os
import subprocess
import sys

from scapy.all import IP, TCP, AsyncSniffer, IPv6, raw  # noqa: E402

HERE = os.path.dirname(os.path.realpath(__file__))


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def words(b):
    if len(b) % 2:
        b += b"\0"
    return sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))


def segment(pkt):
    """One TCP packet's segment and its pseudo-header's sum (RFC 793,
    RFC 8200 section 8.1: no extension headers here)."""
    if IPv6 in pkt:
        ip = raw(pkt[IPv6])
        seg = ip[40:40 + pkt[IPv6].plen]
        return seg, words(ip[8:40]) + 6 + len(seg)
    ip = pkt[IP]
    seg = raw(ip)[ip.ihl * 4:ip.len]
    return seg, words(raw(ip)[12:20]) + 6 + len(seg)


def verdict(pkt):
    """'full', 'partial' or 'bad' for one TCP packet's checksum."""
    seg, pseudo = segment(pkt)
    if fold(pseudo + words(seg)) == 0xffff:
        return "full"
    field = int.from_bytes(seg[16:18], "big")
    return "partial" if field == fold(pseudo) else "bad"


def tap(ok, name, why=""):
    print(f"{'ok' if ok else 'not ok'} - {name}" + ("" if ok else f" # {why}"),
          flush=True)


def main():
    iface, guest, infile, outfile, mode = sys.argv[1:6]
    sniffer = AsyncSniffer(iface=iface, filter=f"tcp and host {guest}",
                           store=True)
    sniffer.start()
    client = subprocess.run(
        ["python3", os.path.join(os.path.dirname(HERE), "echo-client.py"),
         guest, "7", infile, outfile, "120"], capture_output=True, text=True)
    pkts = sniffer.stop() or []
    same = client.returncode == 0 and \
        open(infile, "rb").read() == open(outfile, "rb").read()
    v6 = ":" in guest
    layer = IPv6 if v6 else IP
    name = "e1000" if mode == "e1000" else f"offloads {mode}"
    name += ", IPv6" if v6 else ""
    tap(same, f"{name}: the echo came back intact",
        client.stdout.strip() + client.stderr.strip()[-200:])
    ours = [p for p in pkts if layer in p and TCP in p]
    from_guest = [p for p in ours if p[layer].src == guest]
    to_guest = [p for p in ours if p[layer].dst == guest]
    kinds = [verdict(p) for p in from_guest]
    bad = kinds.count("bad")
    allowed = ("full", "partial") if mode == "on" else ("full",)
    wrong = sum(k not in allowed for k in kinds)
    tap(from_guest and not wrong,
        f"{name}: every guest TCP checksum is right "
        f"({kinds.count('full')} full, {kinds.count('partial')} partial)",
        f"{wrong} of {len(kinds)} wrong ({bad} neither full nor partial)")
    big_out = sum(len(raw(p)) > 1514 for p in from_guest)
    big_in = sum(len(raw(p)) > 1514 for p in to_guest)
    if mode == "on" and v6:
        tap(kinds.count("partial") > 0,
            f"{name}: the guest left TCP checksums to the NIC",
            f"none of {len(kinds)} was partial")
    elif mode == "on":
        tap(big_out > 0 and big_in > 0,
            "offloads on: frames past 1514 bytes both ways (TSO, coalescing)",
            f"{big_out} from the guest, {big_in} to it")
    else:
        tap(big_out == 0 and big_in == 0 and from_guest,
            f"{name}: no frame past 1514 bytes either way",
            f"{big_out} from the guest, {big_in} to it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
