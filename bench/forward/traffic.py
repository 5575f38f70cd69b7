"""traffic.py: the two ends of bench/forward's traffic, each run in its
own namespace (`ip netns exec NS python3 traffic.py MODE ...`).

  sink PORT                TCP: accept one connection, read to EOF, print
                           "BYTES SECONDS PEER" (first byte to EOF; the
                           address it came from)
  send ADDR PORT MIB       TCP: send MIB MiB, close
  udp-sink PORT SECONDS    count datagrams from the first for SECONDS,
                           print "COUNT SECONDS"
  udp-send ADDR PORT SECONDS  18-byte datagrams (64-byte frames) as fast
                           as the socket takes them, for SECONDS

Standard library only; bounded by timeouts."""
import socket
import sys
import time

CHUNK = 256 * 1024


def sink(port):
    ls = socket.create_server(("0.0.0.0", port), reuse_port=True)
    ls.settimeout(60)
    print("ready", flush=True)
    c, peer = ls.accept()
    c.settimeout(60)
    total, first = 0, None
    buf = bytearray(CHUNK)
    while True:
        n = c.recv_into(buf)
        if not n:
            break
        first = first or time.monotonic()
        total += n
    print(total, time.monotonic() - first, peer[0], flush=True)


def send(addr, port, mib):
    c = socket.create_connection((addr, port), timeout=60)
    data = bytes(CHUNK)
    for _ in range(mib * (1 << 20) // CHUNK):
        c.sendall(data)
    c.close()


def udp_sink(port, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.bind(("0.0.0.0", port))
    s.settimeout(30)
    print("ready", flush=True)
    s.recv(64)
    count, start = 1, time.monotonic()
    end = start + secs
    s.settimeout(0.2)
    while time.monotonic() < end:
        try:
            s.recv(64)
            count += 1
        except socket.timeout:
            pass
    print(count, secs, flush=True)


def udp_send(addr, port, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    payload = bytes(18)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for _ in range(256):
            try:
                s.send(payload)
            except OSError:
                pass  # a full queue (ENOBUFS): keep offering


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "sink":
        sink(int(args[0]))
    elif mode == "send":
        send(args[0], int(args[1]), int(args[2]))
    elif mode == "udp-sink":
        udp_sink(int(args[0]), float(args[1]))
    elif mode == "udp-send":
        udp_send(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit("traffic.py: unknown mode " + mode)
