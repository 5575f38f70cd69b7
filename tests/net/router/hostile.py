"""hostile.py WORK INSIDE-NS: scapy's hostile cases against app/router,
run in the outside namespace of tests/net/router/run (see there for the
addresses). A sniffer in the inside namespace (this file with --sniff)
logs every IPv4 packet that reaches the inside host; each check sends,
waits for a control packet that must arrive after the hostile ones
(the router handles a NIC's frames in order), then asserts on the log.
Prints TAP lines; bounded waits only."""
import os
import random
import socket
import struct
import subprocess
import sys
import time

INSIDE, ROUTER_OUT, OUTSIDE = "10.91.1.2", "10.91.2.1", "10.91.2.2"


def sniff(path):
    """Log "id src dst proto off sport dport" per IPv4 packet on peer."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind(("peer", 0))
    with open(path, "w", buffering=1) as log:
        log.write("ready\n")
        while True:
            f = s.recv(65535)[14:]
            ihl = (f[0] & 15) * 4
            ident, frag = struct.unpack("!HH", f[4:8])
            off = frag & 0x1fff
            ports = (0, 0)
            if off == 0 and f[9] in (6, 17) and len(f) >= ihl + 4:
                ports = struct.unpack("!HH", f[ihl:ihl + 4])
            log.write("%d %s %s %d %d %d %d\n" % (
                ident, socket.inet_ntoa(f[12:16]), socket.inet_ntoa(f[16:20]),
                f[9], off, ports[0], ports[1]))


def wait(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def seen(path, pred):
    with open(path) as f:
        return [l.split() for l in f if l != "ready\n" and pred(l.split())]


def check(name, ok, detail):
    print("ok - %s" % name if ok else "not ok - %s: %s" % (name, detail))
    sys.stdout.flush()


def with_id(ident):
    return lambda w: int(w[0]) == ident


def main(work, inside_ns):
    from scapy.all import IP, TCP, Raw, conf, fragment, send
    conf.verb = 0
    log = os.path.join(work, "sniff.log")
    sniffer = subprocess.Popen(["ip", "netns", "exec", inside_ns,
                                sys.executable, __file__, "--sniff", log])
    try:
        if not wait(lambda: os.path.exists(log) and open(log).read(), 10):
            print("not ok - the sniffer did not start")
            return
        run_checks(log, work, inside_ns, IP, TCP, Raw, fragment, send)
    finally:
        sniffer.kill()


def syn(src, dport, ident, sport=44000):
    from scapy.all import IP, TCP
    return IP(src=src, dst=INSIDE, id=ident) / TCP(sport=sport, dport=dport,
                                                    flags="S")


def run_checks(log, work, inside_ns, IP, TCP, Raw, fragment, send):
    # Spoofed and martian sources toward an allowed port, then a control.
    bad = ["10.91.1.77", "127.0.0.1", "169.254.1.1", "224.0.0.5",
           "10.91.2.255", "0.1.2.3"]
    for i, src in enumerate(bad):
        send(syn(src, 8000, 100 + i))
    send(syn(OUTSIDE, 8000, 199))
    arrived = wait(lambda: seen(log, with_id(199)), 10)
    leaked = seen(log, lambda w: 100 <= int(w[0]) < 100 + len(bad))
    check("router-spoofed-sources-dropped", arrived and not leaked,
          "control arrived: %s; leaked: %s" % (arrived, leaked))

    # Tiny fragments (8 bytes: ports but no flags) and a first fragment
    # with no transport header at all, to a port no rule allows; then
    # the same tiny fragments to the allowed port, which must arrive.
    for f in fragment(syn(OUTSIDE, 8001, 201), fragsize=8):
        send(f)
    whole = bytes(syn(OUTSIDE, 8001, 202))[20:]
    send(IP(src=OUTSIDE, dst=INSIDE, id=202, proto=6, flags="MF", frag=0))
    send(IP(src=OUTSIDE, dst=INSIDE, id=202, proto=6, frag=0) / Raw(whole))
    for f in fragment(syn(OUTSIDE, 8000, 203, sport=44001), fragsize=8):
        send(f)
    arrived = wait(lambda: seen(log, with_id(203)), 10)
    leaked = seen(log, lambda w: int(w[0]) in (201, 202))
    check("router-fragments-filtered-whole", arrived and not leaked,
          "allowed fragments arrived: %s; denied leaked: %s" % (arrived,
                                                              leaked))

    # Overlapping fragments: the second rewrites the first's ports (the
    # allowed 8000 becomes 8001); the datagram must go nowhere.
    t = bytes(TCP(sport=44002, dport=8000, flags="S"))
    t2 = bytes(TCP(sport=44002, dport=8001, flags="S"))
    send(IP(src=OUTSIDE, dst=INSIDE, id=301, proto=6, flags="MF", frag=0) /
         Raw(t[:16]))
    send(IP(src=OUTSIDE, dst=INSIDE, id=301, proto=6, frag=0) / Raw(t2))
    send(IP(src=OUTSIDE, dst=INSIDE, id=302, proto=6, flags="MF", frag=0) /
         Raw(t[:8]))
    send(IP(src=OUTSIDE, dst=INSIDE, id=302, proto=6, frag=1) / Raw(t[8:]))
    arrived = wait(lambda: seen(log, with_id(302)), 10)
    leaked = seen(log, with_id(301))
    check("router-overlapping-fragments-dropped", arrived and not leaked,
          "control arrived: %s; overlapping leaked: %s" % (arrived, leaked))

    syn_flood(work, inside_ns, IP, TCP, send)


def status(inside_ns):
    r = subprocess.run(["ip", "netns", "exec", inside_ns, "curl", "-sS",
                        "--max-time", "10", "http://10.91.1.1/"],
                       capture_output=True, text=True)
    return r.stdout


def conntrack(inside_ns):
    for line in status(inside_ns).splitlines():
        w = line.split()
        if w and w[0] == "conntrack":
            n, evicted = int(w[1].split("/")[0]), int(w[3])
            return n, evicted
    return None, None


def syn_flood(work, inside_ns, IP, TCP, send):
    FLOOD = 2500  # more than the table's 1024 flows
    held = socket.create_connection((ROUTER_OUT, 8080), timeout=10)
    rnd = random.Random(7)
    pkts = [IP(src="198.18.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255)),
               dst=ROUTER_OUT) /
            TCP(sport=rnd.randrange(1024, 65535), dport=8080, flags="S")
            for _ in range(FLOOD)]
    send(pkts)
    wait(lambda: (conntrack(inside_ns)[1] or 0) > 0, 60)
    n, evicted = conntrack(inside_ns)
    check("router-syn-flood-bounded",
          n is not None and n <= 1024 and evicted > 0,
          "conntrack %s/1024, evicted %s: %s" % (n, evicted,
                                                 status(inside_ns)[:300]))
    ok_held, ok_new = False, False
    try:
        held.sendall(b"GET /index.txt HTTP/1.0\r\n\r\n")
        held.settimeout(10)
        ok_held = held.recv(100).startswith(b"HTTP/1.0 200")
    except OSError as e:
        ok_held = "held: %s" % e
    try:
        c = socket.create_connection((ROUTER_OUT, 8080), timeout=10)
        c.sendall(b"GET /index.txt HTTP/1.0\r\n\r\n")
        c.settimeout(10)
        ok_new = c.recv(100).startswith(b"HTTP/1.0 200")
    except OSError as e:
        ok_new = "new: %s" % e
    check("router-flows-survive-flood", ok_held is True and ok_new is True,
          "established flow: %s; new flow: %s" % (ok_held, ok_new))


if __name__ == "__main__":
    if sys.argv[1] == "--sniff":
        sniff(sys.argv[2])
    else:
        main(sys.argv[1], sys.argv[2])
