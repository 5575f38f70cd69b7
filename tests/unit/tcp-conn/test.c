/*
 * tcp-conn/test.c: host unit test of the whole of components/net/tcp*.c
 * talking to itself. The lower layers are faked here: ip_send queues
 * segments, the test delivers them to tcp_input (optionally dropping
 * or reordering), a fake clock jumps to the next TCP deadline when the
 * network is idle. Covers handshake and connect() reporting, bulk
 * transfer with loss and reordering (retransmission, fast recovery,
 * out-of-order queue), half-close, close with unread data (RST),
 * refused connections, SYN cookies once the SYN queue is full, running
 * out of memory, and AF_INET6 sockets serving IPv4 peers (v4-mapped,
 * IPV6_V6ONLY, the bind conflicts between the families).
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/tcp_*.c components/net/l4.c components/net/scope6.c components/net/checksum.c
 */
/* clang-format on */
#include <netinet/tcp.h>
#include <poll.h>
#include "tcp-world.h"

static void test_handshake(void)
{
    struct net_sock *l = listener(80, 8), *c, *s;
    struct sockaddr_in a = sin_of(B, 80);
    tcp_sock_create(&c);
    int rc1 = tcp_ops.connect(c, &a);
    int rc2 = tcp_ops.connect(c, &a);
    tap_check(rc1 == -EINPROGRESS && rc2 == -EALREADY,
              "connect: EINPROGRESS, then EALREADY", "%d %d", rc1, rc2);
    tap_check(!(tcp_ops.poll(c) & POLLOUT), "no POLLOUT while connecting",
              NULL);
    run(100);
    tap_check(tcp_ops.poll(c) & POLLOUT, "POLLOUT once connected", NULL);
    rc1 = tcp_ops.connect(c, &a);
    rc2 = tcp_ops.connect(c, &a);
    tap_check(rc1 == 0 && rc2 == -EISCONN, "then 0, then EISCONN", "%d %d", rc1,
              rc2);
    tap_check(tcp_ops.poll(l) & POLLIN, "listener readable", NULL);
    struct sockaddr_in peer;
    rc1 = tcp_ops.accept(l, &s, &peer);
    tap_check(rc1 == 0 && peer.sin_addr.s_addr == A, "accept gives the client",
              "%d", rc1);
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    tap_check(pc->ts_ok && pc->sack_ok && pc->ws_ok && pc->mss == 1460,
              "timestamps, SACK, window scale and MSS negotiated",
              "ts %d sack %d ws %d mss %u", pc->ts_ok, pc->sack_ok, pc->ws_ok,
              pc->mss);
    tap_check(tcp_ops.accept(l, &s, NULL) == -EAGAIN, "second accept: EAGAIN",
              NULL);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(1000);
}

/* A receiver with a big window that reads late: the sender's ring, not
 * the window, would limit it, so the ring grows. */
static void test_autogrow(void)
{
    struct net_sock *l = listener(88, 4), *c, *s;
    int big = 128 * 1024;
    tcp_ops.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    connect_pair(l, 88, &c, &s);
    static uint8_t buf[200000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7);
    size_t sent = 0;
    for (int i = 0; i < 100 && sent < sizeof buf; i++) {
        long k = tcp_ops.send(c, buf + sent, sizeof buf - sent, 0, NULL);
        if (k > 0)
            sent += (size_t)k;
        if (i % 2) /* two sends per round trip: the second finds it full */
            run(1);
    }
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    tap_check(pc->snd.size > TCP_RING_DEFAULT,
              "a bulk sender's ring grows past its default", "%u",
              pc->snd.size);
    static uint8_t got[200000];
    size_t n = 0;
    for (int i = 0; i < 500 && n < sent; i++) {
        long k = tcp_ops.recv(s, got + n, sizeof got - n, 0, NULL);
        if (k > 0)
            n += (size_t)k;
        run(1);
    }
    tap_check(n == sent && memcmp(buf, got, n) == 0,
              "and the data survives the move", "%zu of %zu", n, sent);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

/* The peer filled our receive ring (the window limited it: a reader
 * that fell behind, or one coalesced 64 KiB segment): reading doubles the
 * ring, unless SO_RCVBUF fixed it. n bytes go through; how many times
 * bigger the receiver's ring ends than it began comes back. */
static uint32_t fill_then_read(uint16_t port, int rcvbuf, size_t n)
{
    struct net_sock *l = listener(port, 4), *c, *s;
    if (rcvbuf)
        tcp_ops.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    connect_pair(l, port, &c, &s);
    uint32_t initial = ((struct tcp_pcb *)s)->rcv.size;
    uint8_t *src = malloc(n), *dst = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 13 + i / 997);
    size_t sent = 0, got = 0;
    for (int i = 0; i < 4000 && got < n; i++) {
        long k = tcp_ops.send(c, src + sent, n - sent, 0, NULL);
        sent += k > 0 ? (size_t)k : 0;
        run(1);
        struct tcp_pcb *ps = (struct tcp_pcb *)s;
        if (ps->rcv_unread < ps->rcv.size && sent < n && i % 8)
            continue; /* read only once the ring is full */
        k = tcp_ops.recv(s, dst + got, 4096, 0, NULL);
        got += k > 0 ? (size_t)k : 0;
    }
    uint32_t size = ((struct tcp_pcb *)s)->rcv.size / initial;
    tap_check(got == n && memcmp(src, dst, n) == 0,
              rcvbuf ? "SO_RCVBUF: a filled ring's data arrives intact"
                     : "a filled receive ring's data survives its growth",
              "%zu of %zu", got, n);
    free(src);
    free(dst);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
    return size;
}

static void test_recv_autogrow(void)
{
    uint32_t grown = fill_then_read(91, 0, 600000);
    tap_check(grown > 1, "a receive ring the peer filled grows", "x%u", grown);
    uint32_t fixed = fill_then_read(92, TCP_RING_DEFAULT, 300000);
    tap_check(fixed == 1, "but not once SO_RCVBUF set it", "x%u", fixed);
}

static void test_bulk(void)
{
    struct net_sock *l = listener(81, 8), *c, *s;
    int rc = connect_pair(l, 81, &c, &s);
    tap_check(rc == 0, "pair for bulk", "%d", rc);
    tap_check(transfer(s, c, 300000), "300 kB server to client", NULL);
    drop_every = 13;
    uint64_t re = tcp_stats.retrans;
    tap_check(transfer(c, s, 500000), "500 kB with every 13th segment lost",
              NULL);
    tap_check(tcp_stats.retrans > re, "losses were retransmitted", NULL);
    drop_every = 20; /* two holes close together in each window */
    drop_also = 3;
    uint64_t sr = tcp_stats.sack_rexmits;
    tap_check(transfer(s, c, 500000) && tcp_stats.sack_rexmits > sr,
              "500 kB losing two of every 20 segments, holes resent from SACK",
              "sack rexmits %llu",
              (unsigned long long)(tcp_stats.sack_rexmits - sr));
    drop_also = 0;
    drop_every = 0;
    nobufs_every = 7;
    tap_check(transfer(c, s, 300000) && transfer(s, c, 300000),
              "300 kB each way with the NIC ring full now and then", NULL);
    nobufs_every = 0;
    reorder = 1;
    tap_check(transfer(s, c, 500000), "500 kB with reordering", NULL);
    reorder = 0;
    /* half-close: c says FIN, s still sends */
    tcp_ops.shutdown(c, SHUT_WR);
    run(100);
    char b[16];
    tap_check(tcp_ops.recv(s, b, sizeof b, 0, NULL) == 0 &&
                  (tcp_ops.poll(s) & POLLRDHUP),
              "shutdown(SHUT_WR): the peer reads end of stream", NULL);
    tap_check(transfer(s, c, 100000), "the other half still carries data",
              NULL);
    tap_check(tcp_ops.send(c, "x", 1, 0, NULL) == -EPIPE,
              "send after shutdown(SHUT_WR): EPIPE", NULL);
    tcp_ops.close(s);
    run(100);
    tap_check(tcp_ops.recv(c, b, sizeof b, 0, NULL) == 0 &&
                  (tcp_ops.poll(c) & POLLHUP),
              "both closed: end of stream and POLLHUP", NULL);
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    tap_check(tcp_tw_lookup(addr_from4(A), pc->lport, addr_from4(B),
                            htons(81)) != NULL,
              "the active closer is in TIME_WAIT", "state %d", pc->state);
    tcp_ops.close(c);
    tcp_ops.close(l);
    run(1000);
}

/* Toward a NIC that segments: the same transfers, losses and reordering
 * as test_bulk, with TCP handing 64 KiB segments and partial checksums
 * to the fake NIC that cuts them (tcp-world.h), then to one that hands
 * them whole to the receiver as a coalescing NIC does. */
static void test_bulk_tso(void)
{
    offloads = HC_NET_TX_CSUM | HC_NET_TX_TSO4;
    struct net_sock *l = listener(90, 8), *c, *s;
    int rc = connect_pair(l, 90, &c, &s);
    tap_check(rc == 0, "pair for bulk with TSO", "%d", rc);
    unsigned segs = tso_segs;
    tap_check(transfer(s, c, 1000000) && transfer(c, s, 1000000),
              "TSO: 1 MB each way", NULL);
    tap_check(tso_segs > segs && !tso_bad,
              "TSO: segments past the MSS, metadata right",
              "tso segments %u, bad %u", tso_segs - segs, tso_bad);
    drop_every = 13;
    uint64_t re = tcp_stats.retrans;
    tap_check(transfer(c, s, 500000) && tcp_stats.retrans > re,
              "TSO: 500 kB with every 13th segment lost, retransmitted", NULL);
    drop_every = 20;
    drop_also = 3;
    uint64_t sr = tcp_stats.sack_rexmits;
    tap_check(transfer(s, c, 500000) && tcp_stats.sack_rexmits > sr,
              "TSO: two of every 20 segments lost, holes resent from SACK",
              NULL);
    drop_also = drop_every = 0;
    nobufs_every = 7;
    reorder = 1;
    tap_check(transfer(c, s, 300000) && transfer(s, c, 300000),
              "TSO: 300 kB each way, ring full now and then, reordered", NULL);
    nobufs_every = reorder = 0;
    tso_whole = 1;
    segs = tso_segs;
    tap_check(transfer(s, c, 1000000) && tso_segs > segs,
              "coalesced receive: 1 MB in segments of up to 64 KiB", NULL);
    tso_whole = 0;
    tap_check(!tso_bad, "no bad offload metadata all along", "%u", tso_bad);
    offloads = 0;
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(1000);
}

/* A receiver behind a coalescing NIC acks each 64 KiB TSO segment once:
 * slow start must count the bytes those ACKs cover, not one MSS each,
 * or the window crawls (tcp_cc.c). */
static void test_stretch_acks(void)
{
    offloads = HC_NET_TX_CSUM | HC_NET_TX_TSO4;
    tso_whole = 1;
    struct net_sock *l = listener(93, 4), *c, *s;
    connect_pair(l, 93, &c, &s);
    tap_check(transfer(s, c, 1000000), "stretch ACKs: 1 MB through", NULL);
    struct tcp_pcb *ps = (struct tcp_pcb *)s;
    tap_check(ps->cwnd > 256 * 1024,
              "stretch ACKs: slow start counts the bytes they cover", "cwnd %u",
              ps->cwnd);
    tso_whole = 0;
    offloads = 0;
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(1000);
}

static void test_refused_and_reset(void)
{
    struct net_sock *c, *s, *l = listener(82, 8);
    struct sockaddr_in a = sin_of(B, 9);
    tcp_sock_create(&c);
    tcp_ops.connect(c, &a);
    run(100);
    int rc = tcp_ops.connect(c, &a);
    tap_check(rc == -ECONNREFUSED, "closed port: ECONNREFUSED", "%d", rc);
    tcp_ops.close(c);
    rc = connect_pair(l, 82, &c, &s);
    tcp_ops.send(c, "hello", 5, 0, NULL);
    run(100);
    tcp_ops.close(s); /* unread data: RST */
    run(100);
    char b[8];
    long k = tcp_ops.recv(c, b, sizeof b, 0, NULL);
    tap_check(rc == 0 && k == -ECONNRESET,
              "close with unread data resets the peer", "%d %ld", rc, k);
    tap_check(tcp_ops.recv(c, b, sizeof b, 0, NULL) == 0,
              "after the reset: end of stream", NULL);
    tcp_ops.close(c);
    tcp_ops.close(l);
}

/* A raw SYN from C (whose answers vanish). */
static void flood_syn(uint16_t sport, uint16_t dport)
{
    uint8_t opt[4] = {2, 4, 0x05, 0xb4};
    tcp_send_raw(addr_from4(C), addr_from4(B), htons(sport), htons(dport),
                 1000u * sport, 0, TH_SYN, 65535, opt, sizeof opt);
}

static void test_cookies(void)
{
    struct net_sock *l = listener(83, 4), *c, *s;
    for (uint16_t i = 0; i < 100; i++)
        flood_syn((uint16_t)(2000 + i), 83);
    pump();
    tap_check(tcp_stats.cookies_sent > 0, "SYN queue full: cookies sent",
              "%llu", (unsigned long long)tcp_stats.cookies_sent);
    int rc = connect_pair(l, 83, &c, &s);
    tap_check(rc == 0 && tcp_stats.cookies_ok == 1,
              "a real client still gets through, by cookie", "%d %llu", rc,
              (unsigned long long)tcp_stats.cookies_ok);
    struct tcp_pcb *ps = (struct tcp_pcb *)s;
    tap_check(ps->ws_ok && ps->sack_ok && ps->ts_ok,
              "window scale and SACK came back in the timestamp", NULL);
    tap_check(transfer(c, s, 200000) && transfer(s, c, 200000),
              "the cookie connection carries data both ways", NULL);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(2000);
}

static void test_nomem(void)
{
    struct net_sock *c, *l = listener(84, 4);
    struct sockaddr_in a = sin_of(B, 84);
    tcp_sock_create(&c);
    fail_alloc = 1;
    int rc = tcp_ops.connect(c, &a);
    tap_check(rc == -ENOBUFS, "no memory: connect gives ENOBUFS", "%d", rc);
    fail_alloc = 0;
    rc = tcp_ops.connect(c, &a);
    pump_n(2);      /* SYN and SYN-ACK */
    fail_alloc = 1; /* the server cannot get rings for the final ACK */
    pump_n(1);
    fail_alloc = 0;
    run(100);
    rc = tcp_ops.connect(c, &a);
    struct net_sock *s;
    tap_check(tcp_ops.accept(l, &s, NULL) == -EAGAIN,
              "the server refused the connection it had no memory for", NULL);
    char b[4];
    long k = tcp_ops.recv(c, b, sizeof b, 0, NULL);
    tap_check(k == -ECONNRESET || rc == -ECONNRESET, "the client saw a reset",
              "%d %ld", rc, k);
    tcp_ops.close(c);
    tcp_ops.close(l);
}

static void test_bind_rules(void)
{
    struct net_sock *x, *y;
    struct sockaddr_in a = sin_of(B, 90);
    tcp_sock_create(&x);
    tcp_sock_create(&y);
    int r1 = tcp_ops.bind(x, &a), r2 = tcp_ops.bind(y, &a);
    tap_check(r1 == 0 && r2 == -EADDRINUSE, "second bind: EADDRINUSE", "%d %d",
              r1, r2);
    tap_check(tcp_ops.bind(x, &a) == -EINVAL, "binding twice: EINVAL", NULL);
    int one = 1;
    tcp_ops.setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    tcp_ops.listen(x, 4);
    tap_check(tcp_ops.bind(y, &a) == -EADDRINUSE,
              "SO_REUSEADDR does not share a listening port", NULL);
    struct sockaddr_in other = sin_of(0x0900000a, 91);
    tap_check(tcp_ops.bind(y, &other) == -EADDRNOTAVAIL,
              "bind to a foreign address: EADDRNOTAVAIL", NULL);
    tcp_ops.close(x);
    tcp_ops.close(y);
    /* a server restarts while a connection of the old listener lives */
    struct net_sock *l, *c, *s, *l2;
    struct sockaddr_in a92 = sin_of(B, 92);
    tcp_sock_create(&l);
    tcp_ops.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    tcp_ops.bind(l, &a92);
    tcp_ops.listen(l, 4);
    connect_pair(l, 92, &c, &s);
    tcp_ops.close(l);
    tcp_sock_create(&l2);
    tcp_ops.setsockopt(l2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rb = tcp_ops.bind(l2, &a92);
    tap_check(rb == 0, "SO_REUSEADDR rebinds beside the old listener's child",
              "%d", rb);
    tcp_ops.close(l2);
    tcp_ops.close(c);
    tcp_ops.close(s);
    run(100);
}

static void test_peek_linger_keepalive(void)
{
    struct net_sock *l = listener(85, 4), *c, *s;
    connect_pair(l, 85, &c, &s);
    tcp_ops.send(c, "abcdef", 6, 0, NULL);
    run(10);
    char b[8] = {0};
    long k1 = tcp_ops.recv(s, b, 3, MSG_PEEK, NULL);
    long k2 = tcp_ops.recv(s, b, 8, 0, NULL);
    tap_check(k1 == 3 && k2 == 6 && memcmp(b, "abcdef", 6) == 0,
              "MSG_PEEK leaves the data for the next recv", "%ld %ld", k1, k2);
    /* keepalive: the peer vanishes, probes go unanswered */
    int one = 1, idle = 10, cnt = 3;
    tcp_ops.setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    tcp_ops.setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    tcp_ops.setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
    tcp_ops.setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    int bad = 0;
    tap_check(tcp_ops.setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &bad,
                                 sizeof bad) == -EINVAL,
              "TCP_KEEPCNT 0: EINVAL", NULL);
    drop_every = 1; /* every segment is lost from now on */
    for (int i = 0; i < 10 && ((struct tcp_pcb *)c)->state != TCPS_CLOSED;
         i++) {
        clock_ns += 11000 * MS;
        tcp_timer(clock_ns);
        qhead = qtail; /* the network eats everything */
    }
    drop_every = 0;
    int err = 0;
    socklen_t len = sizeof err;
    tcp_ops.getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    tap_check(err == ETIMEDOUT, "unanswered keepalives: ETIMEDOUT", "%d", err);
    /* SO_LINGER 0: close resets */
    struct linger lg = {1, 0};
    tcp_ops.setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    uint64_t rst = tcp_stats.rst_sent;
    tcp_ops.close(s);
    tap_check(tcp_stats.rst_sent == rst + 1, "SO_LINGER 0: close sends RST",
              NULL);
    tcp_ops.close(c);
    tcp_ops.close(l);
    run(100);
}

static void test_zero_window(void)
{
    struct net_sock *l = listener(87, 4), *c, *s;
    int sz = 2048; /* a 4 KiB ring on the receiver */
    tcp_ops.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    connect_pair(l, 87, &c, &s);
    static uint8_t big[20000];
    long n = tcp_ops.send(c, big, sizeof big, 0, NULL);
    run(50); /* the receiver's window fills and closes */
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    for (int i = 0; i < 40; i++) { /* 40 idle minutes, nobody reads */
        clock_ns += 60000 * MS;
        tcp_timer(clock_ns);
        pump();
    }
    int closed = pc->snd_wnd == 0;
    tap_check(n > 4096 && closed && pc->state == TCPS_ESTABLISHED,
              "a closed window is probed, not timed out",
              "sent %ld closed %d state %d", n, closed, pc->state);
    static uint8_t got[20000];
    size_t total = 0;
    for (int i = 0; i < 2000 && total < (size_t)n; i++) {
        long k = tcp_ops.recv(s, got + total, sizeof got - total, 0, NULL);
        if (k > 0)
            total += (size_t)k;
        run(1);
    }
    tap_check(total == (size_t)n, "the window reopens and the data flows",
              "%zu of %ld", total, n);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

static void test_icmp(void)
{
    struct net_sock *l = listener(89, 4), *c, *s;
    connect_pair(l, 89, &c, &s);
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    static uint8_t buf[30000];
    tcp_ops.send(c, buf, sizeof buf, 0, NULL);
    icmp_quote(pc, pc->snd_una - 5000, -EMSGSIZE, 600);
    tap_check(pc->mss == 1460,
              "an ICMP error quoting an old sequence is ignored", "mss %u",
              pc->mss);
    icmp_quote(pc, pc->snd_una, -EMSGSIZE, 600);
    tap_check(pc->mss == 560, "fragmentation needed lowers the MSS", "mss %u",
              pc->mss);
    icmp_quote(pc, pc->snd_una, -EHOSTUNREACH, 0);
    tap_check(pc->state == TCPS_ESTABLISHED && pc->soft_err == -EHOSTUNREACH,
              "host unreachable is a soft error when established", NULL);
    size_t n = 0;
    static uint8_t got[30000];
    for (int i = 0; i < 500 && n < sizeof got; i++) {
        long k = tcp_ops.recv(s, got + n, sizeof got - n, 0, NULL);
        if (k > 0)
            n += (size_t)k;
        run(1);
    }
    tap_check(n == sizeof got, "the data still arrives in smaller segments",
              "%zu", n);
    struct net_sock *c2;
    struct sockaddr_in a = sin_of(B, 9);
    tcp_sock_create(&c2);
    tcp_ops.connect(c2, &a);
    struct tcp_pcb *p2 = (struct tcp_pcb *)c2;
    icmp_quote(p2, p2->iss, -EHOSTUNREACH, 0);
    int rc = tcp_ops.connect(c2, &a);
    tap_check(rc == -EHOSTUNREACH, "an ICMP error ends a connect in SYN_SENT",
              "%d", rc);
    qhead = qtail;
    tcp_ops.close(c2);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

static void test_time_wait_reuse(void)
{
    struct net_sock *l = listener(86, 4), *c, *s, *c2, *s2;
    struct sockaddr_in me = sin_of(A, 40000);
    tcp_sock_create(&c);
    tcp_ops.bind(c, &me);
    struct sockaddr_in a = sin_of(B, 86);
    tcp_ops.connect(c, &a);
    run(100);
    tcp_ops.connect(c, &a);
    tcp_ops.accept(l, &s, NULL);
    tcp_ops.close(s); /* the server closes first: it holds TIME_WAIT */
    run(100);
    tcp_ops.close(c);
    run(100);
    struct tcp_tw *t =
        tcp_tw_lookup(addr_from4(B), htons(86), addr_from4(A), htons(40000));
    tap_check(t != NULL, "server side in TIME_WAIT", NULL);
    int one = 1;
    tcp_sock_create(&c2);
    tcp_ops.setsockopt(c2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rb = tcp_ops.bind(c2, &me);
    tcp_ops.connect(c2, &a);
    run(100);
    int rc = tcp_ops.connect(c2, &a);
    tap_check(rb == 0 && rc == 0 && tcp_ops.accept(l, &s2, NULL) == 0,
              "a new SYN reuses the 4-tuple in TIME_WAIT (RFC 6191)",
              "bind %d connect %d", rb, rc);
    tcp_ops.close(c2);
    tcp_ops.close(s2);
    tcp_ops.close(l);
    run(100);
}

static struct net_sock *sock6_on(uint16_t port, int v6only, int *bind_rc)
{
    struct net_sock *x;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    tcp_sock_create6(&x);
    tcp_ops.setsockopt(x, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    *bind_rc = tcp_ops.bind(x, (struct sockaddr_in *)(void *)&a);
    return x;
}

static void test_dual_stack(void)
{
    int rc, one = 1;
    struct net_sock *l = sock6_on(91, 0, &rc), *y, *c, *s;
    struct sockaddr_in b = sin_of(B, 91);
    tcp_sock_create(&y);
    int rc2 = tcp_ops.bind(y, &b);
    tap_check(rc == 0 && rc2 == -EADDRINUSE,
              "[::]:91 without V6ONLY holds the IPv4 port too", "%d %d", rc,
              rc2);
    tap_check(tcp_ops.setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one,
                                 sizeof one) == -EINVAL,
              "IPV6_V6ONLY after bind: EINVAL", NULL);
    tcp_ops.listen(l, 4);
    tcp_sock_create(&c);
    tcp_ops.connect(c, &b);
    run(100);
    struct sockaddr_in6 peer, me;
    rc = tcp_ops.accept(l, &s, (struct sockaddr_in *)(void *)&peer);
    net_addr mapped = addr_from4(A);
    tap_check(rc == 0 && peer.sin6_family == AF_INET6 &&
                  !memcmp(&peer.sin6_addr, &mapped, 16),
              "an IPv4 client reaches it, accepted as ::ffff:10.0.0.1", "%d",
              rc);
    tcp_ops.getname(s, 0, (struct sockaddr_in *)(void *)&me);
    mapped = addr_from4(B);
    tap_check(me.sin6_family == AF_INET6 &&
                  !memcmp(&me.sin6_addr, &mapped, 16) &&
                  me.sin6_port == htons(91),
              "its local name is [::ffff:10.0.0.2]:91", NULL);
    tap_check(transfer(c, s, 100000), "100000 bytes through it intact", NULL);
    tcp_ops.close(c), tcp_ops.close(s), tcp_ops.close(l), tcp_ops.close(y);
    run(1000);
    struct net_sock *z = sock6_on(92, 1, &rc), *v4;
    struct sockaddr_in any = sin_of(0, 92);
    tcp_sock_create(&v4);
    rc2 = tcp_ops.bind(v4, &any);
    tap_check(rc == 0 && rc2 == 0,
              "with V6ONLY, [::]:92 and 0.0.0.0:92 coexist", "%d %d", rc, rc2);
    tcp_ops.listen(v4, 4);
    tcp_ops.listen(z, 4);
    tcp_sock_create(&c);
    tcp_ops.connect(c, &(struct sockaddr_in){.sin_family = AF_INET,
                                             .sin_port = htons(92),
                                             .sin_addr.s_addr = B});
    run(100);
    tap_check(tcp_ops.accept(z, &s, NULL) == -EAGAIN &&
                  tcp_ops.accept(v4, &s, NULL) == 0,
              "an IPv4 client goes to the IPv4 listener, not the V6ONLY one",
              NULL);
    int v = 0;
    socklen_t vl = sizeof v;
    tcp_ops.getsockopt(z, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl);
    tap_check(v == 1, "getsockopt reads IPV6_V6ONLY back", NULL);
    tcp_ops.close(c), tcp_ops.close(s), tcp_ops.close(z), tcp_ops.close(v4);
    run(1000);
    z = sock6_on(93, 1, &rc);
    tcp_ops.listen(z, 4);
    tcp_sock_create(&c);
    struct sockaddr_in b93 = sin_of(B, 93);
    tcp_ops.connect(c, &b93);
    run(100);
    rc = tcp_ops.connect(c, &b93);
    tap_check(rc == -ECONNREFUSED && tcp_ops.accept(z, &s, NULL) == -EAGAIN,
              "a V6ONLY listener alone refuses IPv4", "%d", rc);
    tcp_ops.close(c), tcp_ops.close(z);
    run(1000);
}

/* A connection between two IPv6 addresses: the same TCP, 60 bytes of
 * headers, and Packet Too Big (ICMPv6) lowering the MSS. */
static void test_ipv6(void)
{
    struct net_sock *l, *c, *s;
    struct sockaddr_in6 b = {.sin6_family = AF_INET6,
                             .sin6_port = htons(94),
                             .sin6_addr = B6},
                        peer;
    tcp_sock_create6(&l);
    tcp_ops.bind(l, (struct sockaddr_in *)(void *)&b);
    tcp_ops.listen(l, 4);
    tcp_sock_create6(&c);
    int rc = tcp_ops.connect(c, (struct sockaddr_in *)(void *)&b);
    run(100);
    int rc2 = tcp_ops.accept(l, &s, (struct sockaddr_in *)(void *)&peer);
    tap_check(
        rc == -EINPROGRESS && rc2 == 0 && !memcmp(&peer.sin6_addr, &A6, 16),
        "IPv6: connect and accept, the peer is 2001:db8::1", "%d %d", rc, rc2);
    struct tcp_pcb *ps = (struct tcp_pcb *)s;
    tap_check(ps->mss == 1440, "IPv6: MSS 1440 on a 1500-byte link", "%u",
              ps->mss);
    tap_check(transfer(c, s, 200000) && transfer(s, c, 50000),
              "IPv6: 200000 and 50000 bytes intact", NULL);
    uint8_t quote[48] = {0x60, [6] = IPPROTO_TCP};
    uint32_t seq = htonl(ps->snd_una);
    memcpy(quote + 8, &B6, 16);
    memcpy(quote + 24, &A6, 16);
    memcpy(quote + 40, &ps->lport, 2);
    memcpy(quote + 42, &ps->rport, 2);
    memcpy(quote + 44, &seq, 4);
    tcp_icmp6_error(quote, sizeof quote, -EMSGSIZE, 1280);
    tap_check(ps->mss == 1220, "IPv6: Packet Too Big 1280 lowers it to 1220",
              "%u", ps->mss);
    tcp_ops.close(c), tcp_ops.close(s), tcp_ops.close(l);
    run(1000);
}

/* IPv6 toward a NIC that completes checksums (and segments IPv4): every
 * segment leaves with the pseudo-header sum where the NIC completes it
 * (tcp-world.h checks the metadata, completes it, and the receiver
 * checks the result), none past the MSS: TSO is IPv4's. */
static void test_ipv6_csum_offload(void)
{
    offloads = nif.offloads = HC_NET_TX_CSUM | HC_NET_TX_TSO4;
    struct net_sock *l, *c, *s;
    struct sockaddr_in6 b = {
        .sin6_family = AF_INET6, .sin6_port = htons(95), .sin6_addr = B6};
    tcp_sock_create6(&l);
    tcp_ops.bind(l, (struct sockaddr_in *)(void *)&b);
    tcp_ops.listen(l, 4);
    tcp_sock_create6(&c);
    tcp_ops.connect(c, (struct sockaddr_in *)(void *)&b);
    run(100);
    int rc = tcp_ops.accept(l, &s, NULL);
    unsigned partial = csum6_partial, full = csum6_full, bad = tso_bad,
             segs = tso_segs;
    tap_check(rc == 0 && transfer(c, s, 200000) && transfer(s, c, 50000),
              "IPv6 checksum offload: 200000 and 50000 bytes intact", "%d", rc);
    tap_check(csum6_partial - partial > 100 && csum6_full == full &&
                  tso_bad == bad,
              "IPv6 checksum offload: every segment left its checksum to "
              "the NIC, metadata right",
              "%u partial, %u full, %u bad", csum6_partial - partial,
              csum6_full - full, tso_bad - bad);
    tap_check(tso_segs == segs, "IPv6 checksum offload: no TSO for IPv6", "%u",
              tso_segs - segs);
    offloads = nif.offloads = 0;
    tcp_ops.close(c), tcp_ops.close(s), tcp_ops.close(l);
    run(1000);
}

/* Item: many kept-alive connections, each used once (a request, an
 * answer), hold no ring pages while idle, cost under 1 KiB per end, and
 * give their pages back once closed (issue 15: 10,000 connections). */
static int pair_use(struct net_sock *c, struct net_sock *s)
{
    static const char req[30] = "GET / HTTP/1.1", ans[300] = "HTTP/1.1 200";
    char buf[512];
    int ok = tcp_ops.send(c, req, sizeof req, 0, NULL) == sizeof req;
    run(10);
    ok &= tcp_ops.recv(s, buf, sizeof buf, 0, NULL) == sizeof req;
    ok &= tcp_ops.send(s, ans, sizeof ans, 0, NULL) == sizeof ans;
    run(10);
    return ok && tcp_ops.recv(c, buf, sizeof buf, 0, NULL) == sizeof ans;
}

static int holds_ring(struct net_sock *x)
{
    const struct tcp_pcb *p = (const struct tcp_pcb *)x;
    return p->snd.buf || p->rcv.buf;
}

static void test_many_idle(void)
{
    enum { PAIRS = 600 }; /* more than the 256 blocks TCP once had */
    static struct net_sock *c[PAIRS], *s[PAIRS];
    size_t before = pages_out;
    struct net_sock *l = listener(120, PAIRS);
    int made = 0, used = 0, holding = 0;
    for (int i = 0; i < PAIRS && made == i; i++)
        made += connect_pair(l, 120, &c[i], &s[i]) == 0;
    for (int i = 0; i < made; i++)
        used += pair_use(c[i], s[i]);
    run(1000); /* delayed ACKs and all */
    for (int i = 0; i < made; i++)
        holding += holds_ring(c[i]) + holds_ring(s[i]);
    size_t idle = (pages_out - before) * HC_PAGE_SIZE;
    tap_check(made == PAIRS && used == PAIRS,
              "600 connections made, each used once", "%d made %d used", made,
              used);
    tap_check(holding == 0, "idle, they hold no ring pages", "%d ends hold",
              holding);
    tap_check(idle < 2 * PAIRS * 1024, "under 1 KiB per idle end",
              "%zu bytes for %d ends", idle, 2 * made);
    for (int i = 0; i < made; i++) {
        tcp_ops.close(c[i]);
        tcp_ops.close(s[i]);
    }
    tcp_ops.close(l);
    run(1000);
    tap_check(pages_out <= before + 2 * 7, "closed, their pages come back",
              "%zu pages out, %zu before", pages_out, before);
}

/* A kept-alive connection's request and answer each take a one-page
 * ring and give it back: after the first exchange, the next ones take
 * their pages from the rings' spares, not from the page allocator,
 * which zeroes every page (slow under TCG: bench/http/profile). */
static void test_ring_spares(void)
{
    size_t before = pages_out;
    struct net_sock *l = listener(121, 4), *c, *s;
    int ok = connect_pair(l, 121, &c, &s) == 0 && pair_use(c, s);
    run(1000);
    size_t allocs = page_allocs;
    for (int i = 0; i < 50 && ok; i++) {
        ok = pair_use(c, s);
        run(1000);
    }
    tap_check(ok && page_allocs == allocs,
              "50 exchanges on a kept-alive connection take no fresh page",
              "ok %d, %zu pages taken", ok, page_allocs - allocs);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(10);
    size_t closed = pages_out;  /* the pair's last rings are spares now */
    for (int i = 0; i < 3; i++) /* idle: the clock moves, nothing else */
        tcp_timer(clock_ns += 1000 * MS);
    tap_check(pages_out < closed && pages_out <= before,
              "idle, the spare ring pages go back",
              "%zu pages out, %zu once closed, %zu before", pages_out, closed,
              before);
}

/* The peer's FIN is acknowledged by the application's own FIN when it
 * closes in time (one segment, not two), else by the delayed ACK. */
static int fin_ack_rides(struct net_sock *c, struct net_sock *s)
{
    tcp_ops.shutdown(c, SHUT_WR);
    pump_n(1); /* c's FIN reaches s */
    unsigned early = qtail - qhead;
    tcp_ops.close(s);
    unsigned sent = qtail - qhead;
    const struct tcp_hdr *th = (const void *)pkt_data(&q[qhead % QMAX]);
    const struct tcp_pcb *cp = (const struct tcp_pcb *)c;
    int ok = early == 0 && sent == 1 &&
             (th->flags & (TH_FIN | TH_ACK)) == (TH_FIN | TH_ACK) &&
             ntohl(th->ack) == cp->snd_max;
    tap_check(ok, "the peer's FIN: its ACK rides on the application's FIN",
              "%u sent at once, then %u", early, sent);
    return ok;
}

/* A reset numbered as the peer's FIN (one below rcv_nxt) closes, as on
 * Linux; two below it is still out of the window. */
static void test_rst_after_fin(struct net_sock *l)
{
    struct net_sock *c, *s;
    int ok = connect_pair(l, 123, &c, &s) == 0;
    run(1000);
    tcp_ops.shutdown(c, SHUT_WR);
    pump_n(1);
    const struct tcp_pcb *cp = (const struct tcp_pcb *)c;
    const struct tcp_pcb *sp = (const struct tcp_pcb *)s;
    struct raw_seg r = {.src = addr_to4(cp->laddr),
                        .dst = addr_to4(cp->raddr),
                        .sport = ntohs(cp->lport),
                        .dport = ntohs(cp->rport),
                        .seq = cp->snd_max - 2,
                        .flags = TH_RST};
    inject(&r);
    int held = sp->state == TCPS_CLOSE_WAIT;
    r.seq = cp->snd_max - 1; /* the FIN's own number */
    inject(&r);
    tap_check(ok && held && sp->state == TCPS_CLOSED,
              "a RST numbered as the peer's FIN resets (two below: ignored)",
              "held %d, state %d", held, sp->state);
    tcp_ops.close(s), tcp_ops.close(c);
    run(1000);
}

static void test_fin_ack(void)
{
    struct net_sock *l = listener(123, 4), *c, *s, *c2, *s2;
    int ok = connect_pair(l, 123, &c, &s) == 0 &&
             connect_pair(l, 123, &c2, &s2) == 0;
    run(1000);
    fin_ack_rides(c, s);
    tcp_ops.shutdown(c2, SHUT_WR);
    run(1000); /* s2 does not close: the delayed ACK answers */
    const struct tcp_pcb *cp = (const struct tcp_pcb *)c2;
    tap_check(ok && cp->snd_una == cp->snd_max,
              "the peer's FIN: acknowledged by the timer when no close comes",
              "snd_una %u snd_max %u", cp->snd_una, cp->snd_max);
    tcp_ops.close(c), tcp_ops.close(c2), tcp_ops.close(s2);
    run(1000);
    test_rst_after_fin(l);
    tcp_ops.close(l);
    run(1000);
}

/* net_watch's contract (epoll's ready list rests on it): the watcher
 * hears of every rise in readiness. */
static unsigned told[2];
static void tell(void *arg)
{
    told[(uintptr_t)arg]++;
}

static void test_watch(void)
{
    struct net_sock *l = listener(122, 4), *c, *s;
    char buf[64];
    net_watch(l, tell, (void *)0);
    int ok = connect_pair(l, 122, &c, &s) == 0;
    tap_check(ok && told[0] > 0, "watch: the listener hears of a connection",
              "told %u", told[0]);
    net_watch(s, tell, (void *)1);
    told[1] = 0;
    tcp_ops.send(c, "ping", 4, 0, NULL);
    run(10);
    tap_check(told[1] > 0 && (tcp_ops.poll(s) & POLLIN),
              "watch: the server hears of the data", "told %u", told[1]);
    tcp_ops.recv(s, buf, sizeof buf, 0, NULL);
    told[1] = 0;
    tcp_ops.send(s, buf, 4, 0, NULL);
    run(1000);
    tap_check(told[1] > 0, "watch: and of the ACK that frees its send ring",
              "told %u", told[1]);
    told[1] = 0;
    tcp_ops.shutdown(c, SHUT_WR);
    run(1000);
    tap_check(told[1] > 0 && (tcp_ops.poll(s) & POLLRDHUP),
              "watch: and of the peer's FIN", "told %u", told[1]);
    net_watch(s, NULL, NULL);
    told[1] = 0;
    tcp_ops.close(c);
    run(1000);
    tap_check(told[1] == 0, "watch: without a watcher no one is told",
              "told %u", told[1]);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(1000);
}

int main(void)
{
    test_dual_stack();
    test_ipv6();
    test_ipv6_csum_offload();
    test_bind_rules();
    test_peek_linger_keepalive();
    test_time_wait_reuse();
    test_zero_window();
    test_autogrow();
    test_recv_autogrow();
    test_icmp();
    test_handshake();
    test_bulk();
    test_bulk_tso();
    test_stretch_acks();
    test_refused_and_reset();
    test_cookies();
    test_nomem();
    test_many_idle();
    test_ring_spares();
    test_watch();
    test_fin_ack();
    return tap_done();
}
