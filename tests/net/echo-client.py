#!/usr/bin/env python3
"""echo-client.py HOST PORT INFILE OUTFILE [TIMEOUT]: send INFILE to a TCP
echo server while receiving what comes back into OUTFILE, at the same
time (a sender thread), so neither side's window fills and stalls.

After the last byte is sent the client shuts down its sending half; it
then reads until the echo server closes, or until as many bytes came back
as were sent and a further EOF wait of a few seconds passes. TIMEOUT
(seconds, default 120) bounds every socket operation. Prints one line:
"sent N received M" and exits 0, or 1 with the reason. Standard library
only, so any python3 runs it.
"""

import socket
import sys
import threading

CHUNK = 65536


def send_all(sock, path, result):
    try:
        with open(path, "rb") as f:
            while True:
                block = f.read(CHUNK)
                if not block:
                    break
                sock.sendall(block)
                result["sent"] += len(block)
        sock.shutdown(socket.SHUT_WR)
    except OSError as e:
        result["error"] = f"send failed after {result['sent']} bytes: {e}"


def receive_all(sock, path, total, timeout):
    got = 0
    with open(path, "wb") as out:
        while True:
            if got >= total:
                sock.settimeout(min(timeout, 5))  # the server's EOF
            try:
                block = sock.recv(CHUNK)
            except socket.timeout:
                if got >= total:
                    break
                raise
            if not block:
                break
            out.write(block)
            got += len(block)
    return got


def main(argv):
    if len(argv) not in (5, 6):
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    host, port, inpath, outpath = argv[1], int(argv[2]), argv[3], argv[4]
    timeout = float(argv[5]) if len(argv) == 6 else 120.0
    with open(inpath, "rb") as f:
        total = len(f.read())
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        print(f"cannot connect to {host}:{port}: {e}")
        return 1
    result = {"sent": 0, "error": None}
    sender = threading.Thread(target=send_all, args=(sock, inpath, result))
    sender.start()
    try:
        got = receive_all(sock, outpath, total, timeout)
    except OSError as e:
        print(f"receive failed: {e} (sent {result['sent']})")
        sock.close()
        sender.join()
        return 1
    sender.join()
    sock.close()
    if result["error"]:
        print(result["error"])
        return 1
    print(f"sent {result['sent']} received {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
