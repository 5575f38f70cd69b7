#!/usr/bin/python3
"""echo6.py ADDR...: app/echo's one AF_INET6 socket per protocol from the
host, one TAP line per address: UDP datagrams of 1 to 60000 bytes (IPv6
fragments both ways past the MTU) come back intact from the guest's
address, and 100000 bytes of TCP do. ADDR may carry a %scope. Every
wait is bounded (socket timeouts)."""
import socket
import sys

SIZES = (1, 1232, 1400, 3000, 20000, 60000)


def udp_ok(addr):
    fam, _, _, _, sa = socket.getaddrinfo(addr, 7, 0, socket.SOCK_DGRAM)[0]
    bad = []
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        for size in SIZES:
            data = bytes((i * 7 + size) & 255 for i in range(size))
            s.sendto(data, sa)
            try:
                got, frm = s.recvfrom(70000)
            except socket.timeout:
                bad.append(f"{size}: no answer")
                continue
            if got != data or frm[0].split("%")[0] != addr.split("%")[0]:
                bad.append(f"{size}: {len(got)} bytes from {frm[0]}")
    return bad


def tcp_ok(addr):
    fam, _, _, _, sa = socket.getaddrinfo(addr, 7, 0, socket.SOCK_STREAM)[0]
    data = bytes(i & 255 for i in range(100000))
    with socket.socket(fam, socket.SOCK_STREAM) as t:
        t.settimeout(10)
        t.connect(sa)
        t.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = t.recv(65536)
            if not chunk:
                break
            got += chunk
    return [] if got == data else [f"tcp: {len(got)} bytes back"]


failed = 0
for addr in sys.argv[1:]:
    try:
        bad = udp_ok(addr) + tcp_ok(addr)
    except OSError as e:
        bad = [str(e)]
    if bad:
        failed += 1
        print(f"not ok - echo over {addr}: " + ", ".join(bad), flush=True)
    else:
        print(f"ok - echo over {addr}: UDP 1..60000 bytes and 100000 bytes "
              "of TCP", flush=True)
sys.exit(1 if failed else 0)
