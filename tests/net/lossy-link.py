#!/usr/bin/env python3
"""lossy-link.py TAP UDP-LOCAL-PORT UDP-QEMU-PORT STATSFILE [SEED]: a bad
Ethernet link between a QEMU NIC (-netdev dgram/socket over UDP on
127.0.0.1) and an existing TAP device, impaired in BOTH directions the
way `tc netem loss 2% reorder 25% 50% duplicate 1% delay 1ms` would
(netem is not in every kernel; this kernel has none):

  - 2% of frames are lost,
  - the others wait 1 ms, except 25% of them (each choice 50% correlated
    with the previous one) that go at once, which reorders them,
  - 1% are sent twice.

The random choices come from SEED (default 1), so a failing run can be
repeated. On SIGTERM or SIGINT it writes per-direction counts to
STATSFILE as lines "DIRECTION frames N lost N early N duplicated N"
(DIRECTION: to-guest, from-guest) and exits 0. Standard library only.
"""

import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
LOSS, EARLY, CORRELATION, DUPLICATE, DELAY = 0.02, 0.25, 0.5, 0.01, 0.001
FRAME_MAX = 65536


class Impairment:
    """One direction's choices and counts."""

    def __init__(self, name, rng):
        self.name, self.rng = name, rng
        self.last_early = False
        self.counts = {"frames": 0, "lost": 0, "early": 0, "duplicated": 0}

    def copies(self, now):
        """[(due time, ...)] for one frame: empty when lost."""
        self.counts["frames"] += 1
        if self.rng.random() < LOSS:
            self.counts["lost"] += 1
            return []
        if self.rng.random() < CORRELATION:
            early = self.last_early
        else:
            early = self.rng.random() < EARLY
        self.last_early = early
        due = now if early else now + DELAY
        self.counts["early"] += early
        if self.rng.random() < DUPLICATE:
            self.counts["duplicated"] += 1
            return [due, due]
        return [due]

    def line(self):
        c = self.counts
        return (f"{self.name} frames {c['frames']} lost {c['lost']} "
                f"early {c['early']} duplicated {c['duplicated']}")


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop


def relay(tap, udp, qemu_addr, dirs):
    queue, seq = [], 0  # (due, seq, send function, frame)
    qemu_known = [qemu_addr]

    def to_guest(frame):
        udp.sendto(frame, qemu_known[0])

    def to_host(frame):
        os.write(tap, frame)

    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, send, frame = heapq.heappop(queue)
            try:
                send(frame)
            except OSError:
                pass  # a full queue drops, as a real link would
        wait = max(0.0, queue[0][0] - now) if queue else 1.0
        ready, _, _ = select.select([tap, udp], [], [], wait)
        now = time.monotonic()
        for src in ready:
            if src is udp:
                frame, qemu_known[0] = udp.recvfrom(FRAME_MAX)
                send, imp = to_host, dirs[1]
            else:
                frame = os.read(tap, FRAME_MAX)
                send, imp = to_guest, dirs[0]
            for due in imp.copies(now):
                seq += 1
                heapq.heappush(queue, (due, seq, send, frame))


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    tap_name, local_port, qemu_port, stats = argv[1:5]
    rng = random.Random(int(argv[5]) if len(argv) == 6 else 1)
    dirs = [Impairment("to-guest", rng), Impairment("from-guest", rng)]
    tap = open_tap(tap_name)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", int(local_port)))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("lossy-link: ready", flush=True)
    try:
        relay(tap, udp, ("127.0.0.1", int(qemu_port)), dirs)
    except Stop:
        pass
    with open(stats, "w") as f:
        for d in dirs:
            f.write(d.line() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
