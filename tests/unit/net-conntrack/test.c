/*
 * net-conntrack/test.c: host unit test of the router's connection
 * tracking and NAT (components/net/conntrack.c, conntrack_tcp.c,
 * fw_packet.c, nat.c): flows found from both directions, TCP's states,
 * timeouts, the bounded table under a flood (not-yet-assured flows give
 * way, assured ones never do), and translated packets whose checksums
 * still verify, ICMP errors' quotes included. The keyed hash and the
 * random numbers are this file's. The "links:" line is longer than
 * clang-format's column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/conntrack.c components/net/conntrack_tcp.c components/net/fw_packet.c components/net/nat.c components/net/checksum.c
 */
/* clang-format on */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/fw.h"
#include "../../../components/net/netint.h"
#include "tap.h"

#define SEC 1000000000ull

uint64_t tcp_siphash(const uint8_t key[16], const uint8_t *msg, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ key[0];
    for (size_t i = 0; i < len; i++)
        h = (h ^ msg[i]) * 1099511628211ull;
    return h;
}

static uint32_t rnd = 12345;
uint32_t net_random32(void)
{
    rnd = rnd * 1103515245u + 12345u;
    return rnd >> 8;
}

static uint32_t ip4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a.s_addr;
}

static struct ct_tuple tup(const char *src, const char *dst, uint16_t sport,
                           uint16_t dport, uint8_t proto)
{
    struct ct_tuple t = {.src = ip4(src),
                         .dst = ip4(dst),
                         .sport = htons(sport),
                         .dport = htons(dport),
                         .proto = proto};
    return t;
}

static void test_lookup(void)
{
    ct_reset();
    struct ct_tuple o = tup("10.1.0.2", "8.8.8.8", 5000, 53, IPPROTO_UDP), r;
    fw_tuple_invert(&o, &r);
    r.dst = ip4("192.0.2.1"); /* masqueraded */
    int idx = ct_insert(&o, &r, 0), dir = -1;
    tap_check(idx >= 0 && ct_lookup(&o, &dir) == idx && dir == 0,
              "a flow is found by its original tuple", "%d %d", idx, dir);
    tap_check(ct_lookup(&r, &dir) == idx && dir == 1, "and by its reply tuple",
              "%d", dir);
    struct ct_tuple other = o;
    other.sport = htons(5001);
    tap_check(ct_lookup(&other, &dir) < 0 && ct_tuple_used(&r) &&
                  !ct_tuple_used(&other),
              "another port is another flow", NULL);
    tap_check(ct_update(idx, 0, 0, SEC) == FW_CT_NEW &&
                  ct_update(idx, 1, 0, SEC) == FW_CT_ESTABLISHED &&
                  (ct_get(idx)->flags & CT_ASSURED),
              "UDP is established once answered", NULL);
    tap_check(ct_expire(SEC + CT_UDP_STREAM_TIMEOUT - 1) != NET_NEVER &&
                  ct_count() == 1,
              "an answered UDP flow lives its stream timeout", NULL);
    ct_expire(SEC + CT_UDP_STREAM_TIMEOUT);
    tap_check(ct_count() == 0 && ct_lookup(&o, &dir) < 0, "then it expires",
              "%u", ct_count());
}

static void test_tcp(void)
{
    ct_reset();
    struct ct_tuple o = tup("10.1.0.2", "8.8.8.8", 5000, 80, IPPROTO_TCP), r;
    fw_tuple_invert(&o, &r);
    int idx = ct_insert(&o, &r, 0);
    struct ct_entry *e = ct_get(idx);
    tap_check(ct_update(idx, 1, 0x10, 1) == FW_CT_INVALID &&
                  e->tcp_state == CT_TCP_SYN_SENT,
              "an ACK before the SYN-ACK is invalid", NULL);
    tap_check(ct_update(idx, 0, 0x02, 1) == FW_CT_NEW &&
                  ct_update(idx, 1, 0x12, 1) == FW_CT_ESTABLISHED &&
                  e->tcp_state == CT_TCP_SYN_RECV && !(e->flags & CT_ASSURED),
              "SYN, SYN-ACK: answered, not yet assured", NULL);
    ct_update(idx, 0, 0x10, 2);
    tap_check(e->tcp_state == CT_TCP_ESTABLISHED && (e->flags & CT_ASSURED) &&
                  e->expires > 2 + 24 * 3600 * SEC,
              "the ACK establishes it, for days", NULL);
    ct_update(idx, 0, 0x11, 3);
    ct_update(idx, 1, 0x11, 3);
    tap_check(e->tcp_state == CT_TCP_TIME_WAIT &&
                  e->expires == 3 + ct_tcp_timeout(CT_TCP_TIME_WAIT),
              "two FINs: TIME_WAIT", "%d", e->tcp_state);
    ct_update(idx, 1, 0x04, 4);
    tap_check(e->tcp_state == CT_TCP_CLOSE, "RST: closed", NULL);
    tap_check(ct_tcp_next(CT_TCP_NONE, 0, 0x10) < 0 &&
                  ct_tcp_next(CT_TCP_CLOSE, 0, 0x02) == CT_TCP_SYN_SENT,
              "no flow from an ACK; a new SYN reopens a closed tuple", NULL);
}

/* A flood of new flows fills the table, then replaces its own. */
static void test_full(void)
{
    ct_reset();
    struct ct_tuple o, r;
    int idx = -1;
    for (unsigned i = 0; i < ROUTER_CT_MAX; i++) {
        o = tup("10.1.0.2", "8.8.8.8", (uint16_t)(1000 + i), 80, IPPROTO_TCP);
        fw_tuple_invert(&o, &r);
        idx = ct_insert(&o, &r, i);
        if (i < 10) { /* ten established flows */
            ct_update(idx, 1, 0x12, i);
            ct_update(idx, 0, 0x10, i);
        }
    }
    tap_check(ct_count() == ROUTER_CT_MAX && ct_evicted() == 0,
              "the table fills", "%u", ct_count());
    for (unsigned i = 0; i < 3 * ROUTER_CT_MAX; i++) {
        o = tup("198.18.0.1", "10.1.0.2", (uint16_t)(1000 + i), 80,
                IPPROTO_TCP);
        fw_tuple_invert(&o, &r);
        idx = ct_insert(&o, &r, 1000000 + i);
        if (idx < 0)
            break;
    }
    tap_check(idx >= 0 && ct_count() == ROUTER_CT_MAX &&
                  ct_evicted() == 3 * ROUTER_CT_MAX,
              "a SYN flood pushes out half-open flows, never past the bound",
              "%d %u", idx, ct_count());
    int dir, kept = 0;
    for (unsigned i = 0; i < 10; i++) {
        o = tup("10.1.0.2", "8.8.8.8", (uint16_t)(1000 + i), 80, IPPROTO_TCP);
        kept += ct_lookup(&o, &dir) >= 0;
    }
    tap_check(kept == 10, "established flows stay through it", "%d", kept);
    ct_reset();
    for (unsigned i = 0; i < ROUTER_CT_MAX; i++) {
        o = tup("10.1.0.3", "8.8.8.8", (uint16_t)(1000 + i), 53, IPPROTO_UDP);
        fw_tuple_invert(&o, &r);
        ct_update(ct_insert(&o, &r, 0), 1, 0, 0);
    }
    o = tup("10.1.0.4", "8.8.8.8", 1, 53, IPPROTO_UDP);
    fw_tuple_invert(&o, &r);
    tap_check(ct_insert(&o, &r, 0) < 0 && ct_count() == ROUTER_CT_MAX,
              "full of assured flows: a new one is refused", NULL);
}

/* ---- packets ------------------------------------------------------------ */

static uint8_t pkt[256];

static size_t mk(uint8_t proto, const char *src, const char *dst,
                 uint16_t sport, uint16_t dport, size_t data)
{
    memset(pkt, 0, sizeof pkt);
    size_t l4 = proto == IPPROTO_TCP ? 20 : 8, len = 20 + l4 + data;
    pkt[0] = 0x45, pkt[2] = 0, pkt[3] = (uint8_t)len, pkt[8] = 64;
    pkt[9] = proto;
    uint32_t s = ip4(src), d = ip4(dst);
    memcpy(pkt + 12, &s, 4);
    memcpy(pkt + 16, &d, 4);
    uint8_t *t = pkt + 20;
    for (size_t i = 0; i < data; i++)
        t[l4 + i] = (uint8_t)(i * 7 + 1);
    if (proto == IPPROTO_ICMP) {
        t[0] = 8;
        t[4] = (uint8_t)(sport >> 8), t[5] = (uint8_t)sport;
        uint16_t c = inet_fold(inet_sum(t, l4 + data, 0));
        t[2] = (uint8_t)(c >> 8), t[3] = (uint8_t)c;
    } else {
        t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;
        t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;
        if (proto == IPPROTO_TCP)
            t[12] = 0x50, t[13] = 0x02;
        else
            t[5] = (uint8_t)(l4 + data);
        uint8_t *sum = t + (proto == IPPROTO_TCP ? 16 : 6);
        uint16_t c = inet_fold(
            inet_sum(t, l4 + data, inet_pseudo(s, d, proto, l4 + data)));
        sum[0] = (uint8_t)(c >> 8), sum[1] = (uint8_t)c;
    }
    uint16_t c = inet_fold(inet_sum(pkt, 20, 0));
    pkt[10] = (uint8_t)(c >> 8), pkt[11] = (uint8_t)c;
    return len;
}

/* 1 if the IP header's and the transport's checksums verify. */
static int sums_ok(const uint8_t *p, size_t len)
{
    uint32_t s, d;
    memcpy(&s, p + 12, 4);
    memcpy(&d, p + 16, 4);
    if (inet_fold(inet_sum(p, 20, 0)))
        return 0;
    if (p[9] == IPPROTO_ICMP)
        return !inet_fold(inet_sum(p + 20, len - 20, 0));
    return !inet_fold(
        inet_sum(p + 20, len - 20, inet_pseudo(s, d, p[9], len - 20)));
}

static void test_nat(void)
{
    static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
    static const char *names[] = {"TCP", "UDP", "ICMP echo"};
    for (int i = 0; i < 3; i++) {
        ct_reset();
        size_t len = mk(protos[i], "10.1.0.2", "8.8.8.8", 5000, 53, 33);
        struct ct_tuple t, reply, want;
        fw_tuple_of(pkt, len, &t);
        fw_tuple_invert(&t, &reply);
        struct fw_rule masq = {.verdict = FW_MASQUERADE};
        nat_choose(&masq, ip4("192.0.2.1"), &t, &reply);
        int idx = ct_insert(&t, &reply, 0);
        fw_tuple_invert(&reply, &want);
        nat_rewrite(pkt, len, &want);
        struct ct_tuple after;
        fw_tuple_of(pkt, len, &after);
        char what[80];
        snprintf(what, sizeof what,
                 "masqueraded %s keeps its port, sums verify", names[i]);
        tap_check(idx >= 0 && after.src == ip4("192.0.2.1") &&
                      after.sport == t.sport && sums_ok(pkt, len),
                  what, NULL);
        /* a second host with the same port gets another one */
        len = mk(protos[i], "10.1.0.3", "8.8.8.8", 5000, 53, 33);
        fw_tuple_of(pkt, len, &t);
        fw_tuple_invert(&t, &reply);
        nat_choose(&masq, ip4("192.0.2.1"), &t, &reply);
        fw_tuple_invert(&reply, &want);
        nat_rewrite(pkt, len, &want);
        fw_tuple_of(pkt, len, &after);
        snprintf(what, sizeof what, "a clashing %s flow gets another port",
                 names[i]);
        tap_check(after.sport != t.sport && ntohs(after.sport) >= 1024 &&
                      sums_ok(pkt, len),
                  what, "%u", ntohs(after.sport));
    }
    ct_reset();
    size_t len = mk(IPPROTO_TCP, "203.0.113.9", "192.0.2.1", 40000, 8080, 0);
    struct ct_tuple t, reply, want, after;
    fw_tuple_of(pkt, len, &t);
    fw_tuple_invert(&t, &reply);
    struct fw_rule dnat = {
        .verdict = FW_DNAT, .nat_addr = ip4("10.1.0.2"), .nat_port = 80};
    nat_choose(&dnat, 0, &t, &reply);
    fw_tuple_invert(&reply, &want);
    nat_rewrite(pkt, len, &want);
    fw_tuple_of(pkt, len, &after);
    tap_check(after.dst == ip4("10.1.0.2") && ntohs(after.dport) == 80 &&
                  after.src == t.src && sums_ok(pkt, len),
              "dnat to ADDR:PORT, sums verify", NULL);
}

/* An ICMP error about a masqueraded packet goes back to its sender. */
static void test_error(void)
{
    size_t qlen = mk(IPPROTO_UDP, "192.0.2.1", "8.8.8.8", 61000, 53, 20);
    uint8_t quoted[64];
    memcpy(quoted, pkt, 28); /* header + 8, as RFC 792 quotes */
    uint8_t err[20 + 8 + 28];
    memset(err, 0, sizeof err);
    err[0] = 0x45, err[3] = sizeof err, err[8] = 64, err[9] = IPPROTO_ICMP;
    uint32_t s = ip4("198.51.100.1"), d = ip4("192.0.2.1");
    memcpy(err + 12, &s, 4);
    memcpy(err + 16, &d, 4);
    err[20] = 3, err[21] = 3;
    memcpy(err + 28, quoted, 28);
    uint16_t c = inet_fold(inet_sum(err + 20, sizeof err - 20, 0));
    err[22] = (uint8_t)(c >> 8), err[23] = (uint8_t)c;
    c = inet_fold(inet_sum(err, 20, 0));
    err[10] = (uint8_t)(c >> 8), err[11] = (uint8_t)c;
    struct ct_tuple q, orig = tup("10.1.0.2", "8.8.8.8", 5000, 53, IPPROTO_UDP);
    tap_check(fw_icmp_error_quote(err, sizeof err, &q) && q.src == d &&
                  ntohs(q.sport) == 61000,
              "an ICMP error names the flow it quotes", NULL);
    nat_rewrite_error(err, sizeof err, orig.src, &orig);
    struct ct_tuple q2;
    fw_icmp_error_quote(err, sizeof err, &q2);
    uint32_t outer;
    memcpy(&outer, err + 16, 4);
    tap_check(outer == orig.src && q2.src == orig.src &&
                  q2.sport == orig.sport && !inet_fold(inet_sum(err, 20, 0)) &&
                  !inet_fold(inet_sum(err + 20, sizeof err - 20, 0)) &&
                  !inet_fold(inet_sum(err + 28, 20, 0)),
              "its outer destination and quote are translated back", NULL);
    (void)qlen;
}

/* An IPv6 TCP segment (no extension headers) from a to b. */
static size_t pkt6(uint8_t *p, const char *a, const char *b, uint16_t sport,
                   uint16_t dport)
{
    memset(p, 0, 60);
    p[0] = 0x60;
    p[5] = 20;
    p[6] = IPPROTO_TCP;
    p[7] = 64;
    inet_pton(AF_INET6, a, p + 8);
    inet_pton(AF_INET6, b, p + 24);
    p[40] = (uint8_t)(sport >> 8), p[41] = (uint8_t)sport;
    p[42] = (uint8_t)(dport >> 8), p[43] = (uint8_t)dport;
    p[53] = 0x02; /* SYN */
    return 60;
}

static void test_v6(void)
{
    uint8_t p[60], r[60], err[8 + 40 + 8 + 48];
    struct ct_tuple t, back, v4, q;
    int dir;
    ct_reset();
    fw_tuple_of6(p, pkt6(p, "fd00:1::2", "fd00:2::2", 40000, 80), 40, 6, &t);
    fw_tuple_of6(r, pkt6(r, "fd00:2::2", "fd00:1::2", 80, 40000), 40, 6, &back);
    fw_tuple_invert(&t, &v4);
    int idx = ct_insert(&t, &v4, 0);
    tap_check(idx >= 0 && t.v6 && ct_lookup(&back, &dir) == idx && dir == 1,
              "an IPv6 flow is found from its reply", NULL);
    v4 = t;
    v4.v6 = 0;
    memset(&v4.src6, 0, 16);
    memset(&v4.dst6, 0, 16);
    back = t;
    back.src6.s6_addr[15] ^= 1;
    tap_check(ct_lookup(&v4, &dir) < 0 && ct_lookup(&back, &dir) < 0,
              "another address, or IPv4 with the same ports, is another flow",
              NULL);
    /* Packet too big from a router on the way, quoting the reply */
    memset(err, 0, sizeof err);
    err[0] = 0x60;
    err[6] = IPPROTO_ICMPV6;
    err[40] = 2;
    memcpy(err + 48, r, 48);
    tap_check(fw_icmp6_error_quote(err, sizeof err, 40, &q) && q.v6 &&
                  ntohs(q.sport) == 80 && ct_lookup(&q, &dir) == idx,
              "an ICMPv6 error names the flow it quotes", NULL);
    err[40] = 128;
    tap_check(!fw_icmp6_error_quote(err, sizeof err, 40, &q),
              "an echo request is no error", NULL);
}

int main(void)
{
    test_v6();
    test_lookup();
    test_tcp();
    test_full();
    test_nat();
    test_error();
    return tap_done();
}
