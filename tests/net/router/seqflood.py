"""seqflood.py: numbered UDP datagrams through the router, to show that
what it forwards under a flood arrives in order (tests/net/router).

  sink FAMILY PORT     print "ready", then read datagrams until none
                       comes for IDLE_S seconds (at most WAIT_S in all)
                       and print "COUNT OUT-OF-ORDER LAST"
  send FAMILY ADDR PORT N  N datagrams numbered 0..N-1 as fast as the
                       socket takes them (a full queue loses that one)

FAMILY is 4 or 6. A datagram is 18 bytes (a 64-byte IPv4 frame): its
number, then padding. Standard library only."""
import socket
import struct
import sys
import time

IDLE_S, WAIT_S = 3, 90


def family(f):
    return socket.AF_INET6 if f == "6" else socket.AF_INET


def sink(fam, port):
    s = socket.socket(family(fam), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.bind(("::" if fam == "6" else "0.0.0.0", port))
    print("ready", flush=True)
    s.settimeout(WAIT_S)
    count, disorder, last = 0, 0, -1
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        try:
            data = s.recv(64)
        except socket.timeout:
            break
        s.settimeout(IDLE_S)
        n = struct.unpack("!I", data[:4])[0]
        count += 1
        disorder += n <= last
        last = max(last, n)
    print(count, disorder, last, flush=True)


def send(fam, addr, port, n):
    s = socket.socket(family(fam), socket.SOCK_DGRAM)
    s.connect((addr, port))
    for i in range(n):
        try:
            s.send(struct.pack("!I", i) + bytes(14))
        except OSError:
            pass  # ENOBUFS: this one is lost before the router


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "sink":
        sink(args[0], int(args[1]))
    elif mode == "send":
        send(args[0], args[1], int(args[2]), int(args[3]))
    else:
        sys.exit("seqflood.py: unknown mode " + mode)
