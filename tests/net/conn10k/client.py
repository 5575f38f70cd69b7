#!/ usr / bin / env python3
"""tests/net/conn10k/client.py SERVER N SRC... : hold N keep-alive HTTP
connections to SERVER:80 at once and use every one of them twice.

The connections are opened from the source addresses SRC in turn (one
address may hold only a quarter of a Kiln guest's connection blocks),
at most WINDOW handshakes at a time, with non-blocking sockets and one
epoll. Then "GET /" goes out on every connection and every answer is
read and checked (status 200, the whole body by Content-Length, an
HTML page); the server's /stats is read on one more connection while
the N wait idle; and a second "GET /" on every connection is checked
the same way: keep-alive, with no connection closed or reopened.

Prints one line per phase, "PHASE ok DETAIL" or "PHASE FAIL DETAIL",
and the stats lines "stats-before KEY VALUE..." / "stats-idle ...".
Every wait is bounded by DEADLINE_S per phase; exits 0 when every
phase passed.
"""

import errno
import select
import socket
import sys
import time

PORT = 80
# Handshakes in flight at once: under Kiln's SYN queue (128), so that no
# connection rests on a SYN cookie, whose final ACK a full accept queue
# would drop and whose cookie would have expired (a reset) by the time
# the request comes.
WINDOW = 64
DEADLINE_S = 300  # per phase
REQUEST = b"GET / HTTP/1.1\r\nHost: kiln\r\n\r\n"


def stats(server, src):
    """The server's /stats counters, over a connection of their own."""
    s = socket.create_connection((server, PORT), timeout=30,
                                 source_address=(src, 0))
    s.sendall(b"GET /stats HTTP/1.1\r\nHost: kiln\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    body = data.split(b"\r\n\r\n", 1)[-1].decode()
    return dict(line.split() for line in body.splitlines() if line.strip())


def open_all(server, n, srcs, ep):
    """N connected sockets, or raise with the reason."""
    socks, pending, made = [], {}, 0
    end = time.monotonic() + DEADLINE_S
    while made < n or pending:
        while made < n and len(pending) < WINDOW:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((srcs[made % len(srcs)], 0))
            err = s.connect_ex((server, PORT))
            if err not in (0, errno.EINPROGRESS):
                raise RuntimeError(f"connect {made}: {errno.errorcode[err]}")
            pending[s.fileno()] = s
            ep.register(s.fileno(), select.EPOLLOUT)
            made += 1
        if time.monotonic() > end:
            raise RuntimeError(f"{len(socks)} connected, {len(pending)} "
                               f"still connecting after {DEADLINE_S} s")
        for fd, _ in ep.poll(1.0):
            s = pending.pop(fd)
            ep.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise RuntimeError(f"connection {len(socks)}: "
                                   f"{errno.errorcode.get(err, err)}")
            socks.append(s)
    return socks


def answer_done(buf):
    """(complete, reason): whether buf holds one whole response."""
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False, "no header end"
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    if length is None:
        return True, "no Content-Length"
    if len(body) < length:
        return False, "short body"
    if len(body) > length:
        return True, "bytes past the body"
    if not head.startswith(b"HTTP/1.1 200 "):
        return True, "status " + head.split(b"\r\n")[0].decode()
    if b"<html" not in body.lower():
        return True, "not the HTML page"
    return True, ""


def request_all(socks, ep):
    """Send REQUEST on every socket and check every answer: (ok, bad)."""
    bufs, left = {}, {}
    for s in socks:
        s.send(REQUEST)  # small: always fits an empty socket buffer
        bufs[s.fileno()] = b""
        left[s.fileno()] = s
        ep.register(s.fileno(), select.EPOLLIN)
    ok, bad = 0, []
    end = time.monotonic() + DEADLINE_S
    while left and time.monotonic() < end:
        for fd, _ in ep.poll(1.0):
            s = left[fd]
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                chunk, why = None, f"{e.strerror} after {len(bufs[fd])} bytes"
            if chunk is not None:
                bufs[fd] += chunk
                done, why = answer_done(bufs[fd])
                if chunk and not done:
                    continue
                if not chunk:
                    why = "closed by the server: " + why
            ep.unregister(fd)
            del left[fd]
            if why:
                bad.append(why)
            else:
                ok += 1
    if left:
        bad.append(f"{len(left)} without an answer after {DEADLINE_S} s")
    return ok, bad


def report(phase, ok, bad, n):
    if not bad and ok == n:
        print(f"{phase} ok {ok} of {n} answered")
        return True
    print(f"{phase} FAIL {ok} of {n} answered; {len(bad)} bad, "
          f"first: {bad[0] if bad else '-'}")
    return False


def main():
    server, n, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    before = stats(server, srcs[0])
    print("stats-before", " ".join(f"{k} {v}" for k, v in before.items()))
    ep = select.epoll()
    try:
        socks = open_all(server, n, srcs, ep)
    except RuntimeError as e:
        print("connect FAIL", e)
        return 1
    print(f"connect ok {len(socks)} connections open")
    passed = report("request-1", *request_all(socks, ep), n)
    idle = stats(server, srcs[0])
    print("stats-idle", " ".join(f"{k} {v}" for k, v in idle.items()))
    passed &= report("request-2", *request_all(socks, ep), n)
    for s in socks:
        s.close()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
