/*
 * tcp-attack/test.c: host unit test of components/net/tcp*.c against a
 * hostile peer, in tcp-world.h's fake network: segments are crafted
 * field by field (inject) the way scapy would send them. Each check
 * is the regression test of a security fix: the handshake-completing
 * ACK that carries more than the ring allocated under memory pressure,
 * RFC 5961's exact-match RST rule when the RST carries data, challenge
 * ACKs rate-limited, a per-peer connection cap, orphans that a zero
 * window cannot hold forever and a cap on orphans, send-ring growth
 * under memory pressure, path MTU news during the handshake, SYN cookie
 * timestamps that do not give away the uptime, and cookies accepted
 * only shortly after the SYN queue overflowed.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/tcp_*.c components/net/l4.c components/net/scope6.c components/net/checksum.c
 */
/* clang-format on */
#include <poll.h>
#include "tcp-world.h"

static uint8_t payload[60000];

/* A SYN from src:sport to B:dport with an MSS and (ts: ) timestamps. */
static void send_syn(uint32_t src, uint16_t sport, uint16_t dport, int ts)
{
    uint8_t opt[16] = {2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9};
    struct raw_seg r = {.src = src,
                        .dst = B,
                        .sport = sport,
                        .dport = dport,
                        .seq = 1000,
                        .flags = TH_SYN,
                        .win = 65535,
                        .opt = opt,
                        .optlen = ts ? 16 : 4};
    inject(&r);
}

/* The ACK completing src:sport's handshake (our ISN from the SYN-ACK
 * queued for src), carrying dlen bytes of payload. */
static void send_final_ack(uint32_t src, uint16_t sport, uint16_t dport,
                           size_t dlen)
{
    const struct tcp_hdr *sa = last_to(src);
    struct raw_seg r = {.src = src,
                        .dst = B,
                        .sport = sport,
                        .dport = dport,
                        .seq = 1001,
                        .ack = sa ? ntohl(sa->seq) + 1 : 0,
                        .flags = TH_ACK | TH_PSH,
                        .win = 65535,
                        .data = payload,
                        .dlen = dlen};
    inject(&r);
}

static struct tcp_pcb *find_peer(uint32_t raddr, uint16_t rport)
{
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        struct tcp_pcb *p = tcp_pcb_nth(i);
        if (p->used && addr_eq(p->raddr, addr_from4(raddr)) &&
            p->rport == htons(rport))
            return p;
    }
    return NULL;
}

/* Accept from l and read what arrived: whether it is payload's start. */
static int accept_check(struct net_sock *l, size_t *got)
{
    struct net_sock *s;
    static uint8_t buf[sizeof payload];
    *got = 0;
    if (tcp_ops.accept(l, &s, NULL) < 0)
        return 0;
    long k = tcp_ops.recv(s, buf, sizeof buf, 0, NULL);
    *got = k > 0 ? (size_t)k : 0;
    tcp_ops.close(s);
    return k > 0 && memcmp(buf, payload, *got) == 0;
}

/* Item: a half-open connection accepts into the window it announced
 * before it has rings; the rings it then gets under memory pressure are
 * smaller. The ACK's data beyond them must be dropped, not written. */
static void test_handshake_overflow(void)
{
    struct net_sock *l = listener(100, 8);
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13 + 7);
    send_syn(D, 5000, 100, 0);
    free_pages = 600; /* under a quarter of RAM free: 4 KiB rings */
    send_final_ack(D, 5000, 100, 30000);
    struct tcp_pcb *p = find_peer(D, 5000);
    tap_check(p && p->state == TCPS_ESTABLISHED && p->rcv.size == 4096 &&
                  p->rcv_unread == 4096,
              "a handshake ACK with 30000 bytes fills a 4 KiB ring, no more",
              "state %d size %u unread %u", p ? p->state : -1,
              p ? p->rcv.size : 0, p ? p->rcv_unread : 0);
    size_t got;
    int ok = accept_check(l, &got);
    tap_check(ok && got == 4096, "and the application reads those 4 KiB", "%zu",
              got);
    /* the same through a SYN cookie: fill the SYN queue first */
    free_pages = 8000;
    tcp_ops.close(l);
    l = listener(101, 4);
    for (uint16_t i = 0; i < 40; i++)
        send_syn(C, (uint16_t)(3000 + i), 101, 0);
    uint64_t ok0 = tcp_stats.cookies_ok;
    send_syn(D, 5001, 101, 0);
    free_pages = 600;
    send_final_ack(D, 5001, 101, 30000);
    p = find_peer(D, 5001);
    tap_check(tcp_stats.cookies_ok == ok0 + 1 && p && p->rcv_unread == 4096,
              "a cookie ACK with 30000 bytes fills a 4 KiB ring, no more",
              "cookies %llu unread %u",
              (unsigned long long)(tcp_stats.cookies_ok - ok0),
              p ? p->rcv_unread : 0);
    ok = accept_check(l, &got);
    tap_check(ok && got == 4096, "and the application reads those 4 KiB", "%zu",
              got);
    free_pages = 8000;
    tcp_ops.close(l);
    qhead = qtail;
    run(100);
}

/* A RST (with dlen bytes of data) from D:sport at seq. */
static void send_rst(uint16_t sport, uint16_t dport, uint32_t seq, size_t dlen)
{
    struct raw_seg r = {.src = D,
                        .dst = B,
                        .sport = sport,
                        .dport = dport,
                        .seq = seq,
                        .flags = TH_RST,
                        .data = payload,
                        .dlen = dlen};
    inject(&r);
}

/* An established connection from D:sport to B:dport, not accepted. */
static struct tcp_pcb *peer_conn(uint16_t sport, uint16_t dport)
{
    send_syn(D, sport, dport, 0);
    send_final_ack(D, sport, dport, 0);
    qhead = qtail;
    struct tcp_pcb *p = find_peer(D, sport);
    return p && p->state == TCPS_ESTABLISHED ? p : NULL;
}

/* Item: RFC 5961 3.2 on the sequence number as sent. A RST starting 50
 * bytes below rcv_nxt with 60 bytes of data overlaps the window; it is
 * trimmed to start at rcv_nxt, but it is not an exact match. */
static void test_rst_with_data(void)
{
    struct net_sock *l = listener(102, 8);
    struct tcp_pcb *p = peer_conn(5002, 102);
    tap_check(p != NULL, "a connection from a remote peer", NULL);
    if (!p)
        return;
    clock_ns += 2000 * MS; /* a full challenge ACK bucket */
    send_rst(5002, 102, p->rcv_nxt - 50, 60);
    const struct tcp_hdr *ack = last_to(D);
    tap_check(p->used && p->state == TCPS_ESTABLISHED && ack &&
                  ack->flags == TH_ACK,
              "a RST below rcv_nxt with data reaching it: challenge ACK",
              "state %d", p->state);
    send_rst(5002, 102, p->rcv_nxt, 0);
    tap_check(find_peer(D, 5002) == NULL, "a RST at rcv_nxt resets", NULL);
    tcp_ops.close(l);
    qhead = qtail;
}

/* Item: RFC 5961 7, challenge ACKs limited to 1000 a second in all. */
static void test_challenge_limit(void)
{
    struct net_sock *l = listener(103, 8);
    struct tcp_pcb *p = peer_conn(5003, 103);
    clock_ns += 2000 * MS;
    for (int i = 0; i < 1500; i++)
        send_rst(5003, 103, p->rcv_nxt + 100, 0);
    unsigned n = queued_to(D);
    tap_check(n == 1000 && p->state == TCPS_ESTABLISHED,
              "1500 in-window RSTs at once: 1000 challenge ACKs", "%u", n);
    qhead = qtail;
    clock_ns += 10 * MS;
    for (int i = 0; i < 20; i++)
        send_rst(5003, 103, p->rcv_nxt + 100, 0);
    n = queued_to(D);
    tap_check(n == 10, "10 ms later: 10 more", "%u", n);
    qhead = qtail;
    tcp_ops.close(l);
}

static unsigned count_peer(uint32_t raddr)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tcp_pcb_n; i++)
        n += tcp_pcb_nth(i)->used &&
             addr_eq(tcp_pcb_nth(i)->raddr, addr_from4(raddr));
    return n;
}

/* Item: one host cannot take every connection block. */
static void test_peer_cap(void)
{
    enum { EST = TCP_PEER_MAX - 24, TRIES = EST + 100 };
    struct net_sock *l = listener(104, TCP_BACKLOG_MAX);
    for (uint16_t i = 0; i < EST; i++) { /* all but 24 established */
        send_syn(C, (uint16_t)(6000 + i), 104, 0);
        send_final_ack(C, (uint16_t)(6000 + i), 104, 0);
        qhead = qtail; /* the fake wire holds QMAX packets */
    }
    for (uint16_t i = EST; i < TRIES; i++) /* and 100 half-open tries */
        send_syn(C, (uint16_t)(6000 + i), 104, 0);
    unsigned n = count_peer(C);
    tap_check(n == TCP_PEER_MAX,
              "one host holds at most TCP_PEER_MAX connections", "%u", n);
    send_syn(D, 6500, 104, 0);
    struct tcp_pcb *p = find_peer(D, 6500);
    tap_check(p && p->state == TCPS_SYN_RECEIVED,
              "another host still gets a half-open connection", NULL);
    uint64_t cookies = tcp_stats.cookies_ok;
    send_syn(C, 6000 + TRIES, 104, 0); /* answered by a cookie */
    send_final_ack(C, 6000 + TRIES, 104, 0);
    p = find_peer(C, 6000 + TRIES);
    n = count_peer(C);
    tap_check(p && p->state == TCPS_ESTABLISHED && n == TCP_PEER_MAX &&
                  tcp_stats.cookies_ok == cookies + 1,
              "its real client still gets in, in place of a half-open one",
              "%u", n);
    tcp_ops.close(l);
    qhead = qtail;
    /* a host whose share is all established connections */
    l = listener(104, TCP_BACKLOG_MAX);
    for (uint16_t i = 0; i <= TCP_PEER_MAX; i++) {
        send_syn(D, (uint16_t)(6600 + i), 104, 0);
        send_final_ack(D, (uint16_t)(6600 + i), 104, 0);
        qhead = qtail;
    }
    n = count_peer(D);
    tap_check(n == TCP_PEER_MAX && !find_peer(D, 6600 + TCP_PEER_MAX),
              "past its share of established ones, a host gets no more", "%u",
              n);
    tcp_ops.close(l);
    qhead = qtail;
}

/* Item: an orphan the peer keeps at a zero window, answering every
 * probe, is reset after TCP_ORPHAN_RETRIES probes. */
static void test_orphan_zero_window(void)
{
    struct net_sock *l = listener(105, 4), *c, *s;
    int sz = 2048; /* a 4 KiB ring on the receiver, who never reads */
    tcp_ops.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    connect_pair(l, 105, &c, &s);
    static uint8_t big[20000];
    long n = tcp_ops.send(c, big, sizeof big, 0, NULL);
    run(50);
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    tcp_ops.close(c);
    int held = pc->used && pc->snd_wnd == 0;
    for (int i = 0; i < 60 && pc->used; i++) { /* up to an idle hour */
        clock_ns += 60000 * MS;
        tcp_timer(clock_ns);
        pump();
    }
    tap_check(n > 4096 && held && !pc->used,
              "an orphan held at a zero window is reset in the end",
              "sent %ld held %d used %d probes %u", n, held, pc->used,
              pc->persist_probes);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

/* Item: close() past TCP_ORPHAN_MAX orphans resets. */
static void test_orphan_cap(void)
{
    enum { PAIRS = TCP_ORPHAN_MAX / 2 + 1 };
    static struct net_sock *c[PAIRS], *s[PAIRS];
    struct net_sock *l = listener(106, PAIRS);
    int made = 0;
    for (int i = 0; i < PAIRS; i++)
        made += connect_pair(l, 106, &c[i], &s[i]) == 0;
    uint64_t aborts = tcp_stats.orphan_aborts;
    for (int i = 0; i < PAIRS; i++) { /* nothing delivered meanwhile */
        tcp_ops.close(s[i]);
        tcp_ops.close(c[i]);
    }
    unsigned orphans = tcp_orphan_count();
    tap_check(made == PAIRS && orphans == TCP_ORPHAN_MAX &&
                  tcp_stats.orphan_aborts == aborts + 2,
              "closes past TCP_ORPHAN_MAX orphans reset", "%d pairs %u orphans",
              made, orphans);
    tcp_ops.close(l);
    run(1000);
}

/* Item: a bulk sender's ring does not grow while under half of RAM is
 * free (the autogrow case of tcp-conn otherwise). */
static void test_grow_pressure(void)
{
    struct net_sock *l = listener(107, 4), *c, *s;
    int big = 128 * 1024;
    tcp_ops.setsockopt(l, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    connect_pair(l, 107, &c, &s);
    free_pages = 3700; /* 45% free */
    static uint8_t buf[200000];
    for (int i = 0; i < 100; i++) {
        tcp_ops.send(c, buf, sizeof buf, 0, NULL);
        if (i % 2)
            run(1);
    }
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    tap_check(pc->snd.size == TCP_RING_DEFAULT,
              "with under half of RAM free a send ring does not grow", "%u",
              pc->snd.size);
    free_pages = 8000;
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

/* Item: "fragmentation needed" about our SYN or SYN-ACK lowers the MSS
 * and leaves the sequence numbers alone. */
static void test_pmtu_handshake(void)
{
    struct net_sock *l = listener(108, 4), *c, *s;
    struct sockaddr_in a = sin_of(B, 108);
    tcp_sock_create(&c);
    tcp_ops.connect(c, &a);
    struct tcp_pcb *pc = (struct tcp_pcb *)c;
    icmp_quote(pc, pc->iss, -EMSGSIZE, 600); /* about our SYN */
    pump_n(1);                               /* the SYN reaches B */
    struct tcp_pcb *ps = find_peer(A, ntohs(pc->lport));
    if (ps)
        icmp_quote(ps, ps->iss, -EMSGSIZE, 700); /* about B's SYN-ACK */
    run(100);
    int rc = tcp_ops.connect(c, &a);
    tap_check(rc == 0 && tcp_ops.accept(l, &s, NULL) == 0 && ps,
              "the handshake completes after fragmentation-needed", "%d", rc);
    if (rc)
        return;
    tap_check(pc->mss == 560 && ps->mss == 660, "both sides took the lower MSS",
              "%u %u", pc->mss, ps->mss);
    char buf[3000];
    long k1 = tcp_ops.send(c, payload, sizeof buf, 0, NULL);
    long k2 = tcp_ops.send(s, payload, sizeof buf, 0, NULL);
    run(100);
    long r1 = tcp_ops.recv(s, buf, sizeof buf, 0, NULL);
    long r2 = tcp_ops.recv(c, buf, sizeof buf, 0, NULL);
    tap_check(k1 == 3000 && k2 == 3000 && r1 == 3000 && r2 == 3000,
              "and the connection carries data both ways",
              "sent %ld %ld received %ld %ld", k1, k2, r1, r2);
    tcp_ops.close(c);
    tcp_ops.close(s);
    tcp_ops.close(l);
    run(100);
}

/* The TSval of segment th, 0 if it carries none. */
static uint32_t tsval_of(const struct tcp_hdr *th)
{
    const uint8_t *o = (const uint8_t *)th + TCP_HLEN;
    size_t n = (size_t)(th->off >> 4) * 4 - TCP_HLEN;
    for (size_t i = 0; i < n && o[i];)
        if (o[i] == 1)
            i++;
        else if (o[i] == 8 && i + 10 <= n)
            return (uint32_t)o[i + 2] << 24 | (uint32_t)o[i + 3] << 16 |
                   (uint32_t)o[i + 4] << 8 | o[i + 5];
        else
            i += o[i + 1] ? o[i + 1] : n;
    return 0;
}

/* Whether a TSval is within a minute of the uptime in ms. */
static int shows_uptime(uint32_t tsval)
{
    uint32_t up = (uint32_t)(clock_ns / MS);
    return tsval - up < 60000 || up - tsval < 60000;
}

/* Item: the timestamps of a SYN cookie connection do not tell the
 * uptime (they used to start at it). */
static void test_cookie_timestamps(void)
{
    struct net_sock *l = listener(109, 4), *s;
    for (uint16_t i = 0; i < 40; i++)
        send_syn(C, (uint16_t)(7000 + i), 109, 0);
    send_syn(D, 7100, 109, 1);
    const struct tcp_hdr *sa = last_to(D);
    uint32_t ts = sa ? tsval_of(sa) : 0;
    tap_check(sa && ts && !shows_uptime(ts),
              "a cookie SYN-ACK's TSval does not show the uptime", "%u at %llu",
              ts, (unsigned long long)(clock_ns / MS));
    uint8_t opt[12] = {1, 1, 8, 10, 0, 0, 0, 10};
    for (int i = 0; i < 4; i++)
        opt[8 + i] = (uint8_t)(ts >> (24 - 8 * i));
    struct raw_seg r = {.src = D,
                        .dst = B,
                        .sport = 7100,
                        .dport = 109,
                        .seq = 1001,
                        .ack = sa ? ntohl(sa->seq) + 1 : 0,
                        .flags = TH_ACK,
                        .win = 65535,
                        .opt = opt,
                        .optlen = sizeof opt};
    inject(&r);
    int ok = tcp_ops.accept(l, &s, NULL) == 0;
    ok = ok && tcp_ops.send(s, "hello", 5, 0, NULL) == 5;
    const struct tcp_hdr *d = last_to(D);
    ts = d ? tsval_of(d) : 0;
    tap_check(ok && ts && !shows_uptime(ts),
              "nor do the connection's later segments", "%u", ts);
    if (ok)
        tcp_ops.close(s);
    tcp_ops.close(l);
    qhead = qtail;
}

/* Item: a valid cookie ACK opens nothing when no cookie was sent
 * recently (the SYN queue never overflowed): a cookie is a 24-bit
 * guess away. */
static void test_cookie_no_overflow(void)
{
    struct net_sock *l = listener(110, 4);
    clock_ns += 300000 * MS; /* the last overflow anywhere is long past */
    uint32_t cookie = tcp_cookie_make(addr_from4(B), addr_from4(D), htons(110),
                                      htons(7200), 1000, 1460, clock_ns);
    uint64_t ok0 = tcp_stats.cookies_ok;
    struct raw_seg r = {.src = D,
                        .dst = B,
                        .sport = 7200,
                        .dport = 110,
                        .seq = 1001,
                        .ack = cookie + 1,
                        .flags = TH_ACK,
                        .win = 65535};
    inject(&r);
    const struct tcp_hdr *rst = last_to(D);
    tap_check(tcp_stats.cookies_ok == ok0 && !find_peer(D, 7200) && rst &&
                  (rst->flags & TH_RST),
              "a cookie ACK without a recent SYN queue overflow: RST", NULL);
    tcp_ops.close(l);
    qhead = qtail;
}

int main(void)
{
    test_handshake_overflow();
    test_rst_with_data();
    test_challenge_limit();
    test_peer_cap();
    test_orphan_zero_window();
    test_orphan_cap();
    test_grow_pressure();
    test_pmtu_handshake();
    test_cookie_timestamps();
    test_cookie_no_overflow();
    return tap_done();
}
