#!/usr/bin/env python3
"""capture.py IFNAME FILE.pcap: write every frame seen on IFNAME (both
directions) to a pcap file, its first 128 bytes each (headers: enough to
follow TCP), until SIGTERM. For diagnosing a failing network test where
tcpdump is not installed; read the file with tcpdump, wireshark or
scapy. Needs root (AF_PACKET). Standard library only.
"""

import signal
import socket
import struct
import sys
import time

SNAPLEN = 128
ETH_P_ALL = 3


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.bind((argv[1], 0))
    out = open(argv[2], "wb")
    # pcap global header: magic, version 2.4, zone, sigfigs, snaplen, Ethernet
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        while True:
            frame = sock.recv(65536)
            now = time.time()
            head = frame[:SNAPLEN]
            out.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6),
                                  len(head), len(frame)) + head)
    finally:
        out.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
