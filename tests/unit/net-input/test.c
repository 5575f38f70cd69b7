/*
 * net-input/test.c: host unit test of the lower half of components/net
 * as a whole, frames in and frames out: ARP replies and resolution with
 * queued packets, MACs learned from on-link senders' packets (confirmed
 * by a request when used after 5 s), SYNs held before the lease taken by
 * listen() for their port, ping answers, ICMP errors (and when none may be
 * sent), UDP sockets receiving plain and fragmented datagrams and sending long
 * ones in fragments, loopback delivery (datagrams up to 64 KiB, in
 * fragments of the loopback's 16 KiB MTU), per-destination IP
 * identification (traffic to others must not show in the IDs a peer
 * sees), and then a long run of mutated
 * frames (truncated, bytes changed, lengths lied about) through
 * eth_input under ASan/UBSan: nothing may crash or read out of bounds.
 *
 * The interface table, the stack's thread and the clock are faked here
 * (netif.c is the guest's); hc_net_send records frames.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/eth.c components/net/arp.c components/net/route.c components/net/ipv4.c components/net/icmp.c components/net/udp.c components/net/udp_sock.c components/net/reasm.c components/net/checksum.c components/net/loopback.c components/net/dhcp.c components/net/socket.c components/net/tcp_isn.c components/net/early.c components/net/ipv6.c components/net/ip6_ext.c components/net/reasm6.c components/net/icmp6.c components/net/nd.c components/net/ra.c components/net/addr6.c components/net/mld.c components/net/l4.c components/net/scope6.c components/net/stableid6.c
 */
/* clang-format on */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

#define FRAMES_MAX 64

static uint64_t now_ns = 1000000000ull;
static struct netif eth0 = {
    .idx = 0, .present = 1, .mac = {2, 0, 0, 0, 0, 2}, .mtu = 1500};
static struct netif lo = {.present = 1, .loopback = 1, .mtu = 16384};
static const uint8_t peer_mac[6] = {2, 0, 0, 0, 0, 1};
static uint32_t me, peer;

static struct {
    uint8_t f[FRAMES_MAX][NET_FRAME_MAX];
    size_t len[FRAMES_MAX];
    int n;
} out;

/* ---- fakes -------------------------------------------------------------- */

uint64_t hc_clock_monotonic(void)
{
    return now_ns;
}
int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta)
{
    if (idx != 0 || len > NET_FRAME_MAX || meta)
        return -EINVAL;
    if (out.n < FRAMES_MAX) {
        memcpy(out.f[out.n], frame, len);
        out.len[out.n++] = len;
    }
    return 0;
}
struct netif *netif_get(unsigned i)
{
    return i == 0 ? &eth0 : NULL;
}
struct netif *netif_loopback(void)
{
    return &lo;
}
int netif_is_local(uint32_t a)
{
    return (a & 0xff) == 127 || (eth0.addr && a == eth0.addr);
}
void net_notify(void)
{
}
uint32_t net_random32(void)
{
    return (uint32_t)rand();
}
const char *hc_cmdline(void) /* addr6.c reads ip6.secret= from it */
{
    return "";
}
int hc_entropy(void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)rand();
    return 0;
}
void netif_kick(void)
{
}
void net_timer_kick(uint64_t d)
{
    (void)d;
}
void netif_describe(const struct netif *nif, const char *how)
{
    (void)nif, (void)how;
}
static int tcp_seen; /* segments tcp_input was given */
void tcp_input(const struct ip_info *ip, uint8_t *seg, size_t len)
{
    (void)ip, (void)seg, (void)len;
    tcp_seen++;
}
void tcp_icmp_error(const uint8_t *q, size_t len, int err, uint16_t mtu)
{
    (void)q, (void)len, (void)err, (void)mtu;
}
void tcp_icmp6_error(const uint8_t *q, size_t len, int err, uint16_t mtu)
{
    (void)q, (void)len, (void)err, (void)mtu;
}
int tcp_sock_create(struct net_sock **s)
{
    (void)s;
    return -ESOCKTNOSUPPORT;
}
int tcp_sock_create6(struct net_sock **s)
{
    (void)s;
    return -ESOCKTNOSUPPORT;
}

/* ---- frames ------------------------------------------------------------- */

static uint8_t in[70000];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

/* An IPv4 packet from peer in an Ethernet frame; returns frame length. */
static size_t mk_ip(uint8_t proto, uint32_t dst, const void *payload, size_t n,
                    uint16_t frag)
{
    memcpy(in, eth0.mac, 6);
    memcpy(in + 6, peer_mac, 6);
    put16(in + 12, 0x0800);
    uint8_t *h = in + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(20 + n));
    put16(h + 4, 77);
    put16(h + 6, frag);
    h[8] = 64, h[9] = proto;
    memcpy(h + 12, &peer, 4);
    memcpy(h + 16, &dst, 4);
    put16(h + 10, inet_fold(inet_sum(h, 20, 0)));
    memcpy(h + 20, payload, n);
    return 14 + 20 + n;
}

static size_t mk_udp(uint32_t dst, uint16_t sport, uint16_t dport,
                     const void *data, size_t n)
{
    static uint8_t u[66000];
    put16(u, sport), put16(u + 2, dport), put16(u + 4, (uint16_t)(8 + n));
    put16(u + 6, 0);
    memcpy(u + 8, data, n);
    uint32_t s = inet_pseudo(peer, dst, 17, 8 + n);
    put16(u + 6, inet_fold(inet_sum(u, 8 + n, s)));
    return mk_ip(17, dst, u, 8 + n, 0);
}

static const uint8_t *out_ip(int i)
{
    return i < out.n && out.len[i] >= 34 && out.f[i][12] == 8 &&
                   out.f[i][13] == 0
               ? out.f[i] + 14
               : NULL;
}

static void test_arp(void)
{
    uint8_t a[42] = {0};
    memset(a, 0xff, 6);
    memcpy(a + 6, peer_mac, 6);
    a[12] = 8, a[13] = 6;
    uint8_t *p = a + 14;
    p[1] = 1, p[2] = 8, p[4] = 6, p[5] = 4, p[7] = 1;
    memcpy(p + 8, peer_mac, 6);
    memcpy(p + 14, &peer, 4);
    memcpy(p + 24, &me, 4);
    out.n = 0;
    eth_input(&eth0, a, sizeof a);
    const uint8_t *r = out.f[0] + 14;
    tap_check(out.n == 1 && r[7] == 2 && !memcmp(out.f[0], peer_mac, 6) &&
                  !memcmp(r + 8, eth0.mac, 6) && !memcmp(r + 14, &me, 4) &&
                  !memcmp(r + 18, peer_mac, 6),
              "ARP request for our address is answered", "%d frames", out.n);
    uint8_t mac[6];
    tap_check(arp_resolve(&eth0, peer, mac, NULL, 0) == 0 &&
                  !memcmp(mac, peer_mac, 6),
              "and the asker is cached", NULL);
    memcpy(p + 24, "\x0a\x00\x00\x63", 4);
    out.n = 0;
    eth_input(&eth0, a, sizeof a);
    tap_check(out.n == 0, "requests for other addresses are not", NULL);
}

/* A SYN forwarded to the address DHCP is about to give us, before the
 * ACK (QEMU's slirp does this): held, then delivered once bound. */
static void test_early(void)
{
    uint8_t syn[20] = {0, 80, 0, 80};
    syn[12] = 5 << 4, syn[13] = 2;
    eth0.addr = 0, eth0.use_dhcp = 1, tcp_seen = 0;
    for (int i = 0; i < 8; i++) /* multicast must not take the slots */
        eth_input(&eth0, in, mk_ip(6, inet_addr("224.0.0.251"), syn, 20, 0));
    eth_input(&eth0, in, mk_ip(6, me, syn, sizeof syn, 0));
    uint8_t big[600] = {0};
    eth_input(&eth0, in, mk_ip(6, me, big, sizeof big, 0));
    tap_check(tcp_seen == 0 && !early_due(),
              "before the lease a SYN to the offered address is not taken",
              NULL);
    eth0.addr = me;
    tap_check(early_due(), "once bound it is due", NULL);
    early_replay();
    tap_check(tcp_seen == 1 && !early_due(),
              "and delivered once (the large and multicast ones were not kept)",
              "%d", tcp_seen);
    eth0.addr = 0, tcp_seen = 0;
    eth_input(&eth0, in, mk_ip(6, inet_addr("10.0.0.99"), syn, sizeof syn, 0));
    eth0.addr = me;
    early_replay();
    tap_check(tcp_seen == 0, "one for another address is dropped at replay",
              NULL);
    now_ns += 5000000000ull;
    eth0.addr = 0;
    eth_input(&eth0, in, mk_ip(6, me, syn, sizeof syn, 0));
    now_ns += 5000000000ull;
    eth0.addr = me;
    early_replay();
    tap_check(tcp_seen == 0, "one held too long is dropped", NULL);
    eth0.use_dhcp = 0;
}

/* How many frames sent since out.n was reset are ARP requests for ip. */
static int arp_requests_for(uint32_t ip)
{
    int n = 0;
    for (int i = 0; i < out.n; i++)
        n += out.len[i] >= 42 && out.f[i][12] == 8 && out.f[i][13] == 6 &&
             out.f[i][21] == 1 && !memcmp(out.f[i] + 38, &ip, 4);
    return n;
}

/* A SYN from an on-link host we never asked about: its frame names its
 * MAC, so the SYN-ACK need not wait for an ARP round trip. */
static void test_arp_note(void)
{
    uint8_t syn[20] = {0, 80, 0, 80}, mac[6];
    syn[12] = 5 << 4, syn[13] = 2;
    uint32_t saved = peer, host = inet_addr("10.0.0.77");
    uint32_t far = inet_addr("192.0.2.7");
    peer = host;
    eth_input(&eth0, in, mk_ip(6, me, syn, sizeof syn, 0));
    out.n = 0;
    int r = arp_resolve(&eth0, host, mac, NULL, 0);
    tap_check(r == 0 && !memcmp(mac, peer_mac, 6),
              "an on-link sender's MAC is known from its packet", "r=%d", r);
    tap_check(arp_requests_for(host) == 0, "and used without asking at first",
              "%d frames", out.n);
    now_ns += 5000000000ull; /* RFC 4861's DELAY_FIRST_PROBE_TIME */
    r = arp_resolve(&eth0, host, mac, NULL, 0);
    tap_check(r == 0 && arp_requests_for(host) == 1,
              "5 s later its next use confirms it with a request", "r=%d", r);
    peer = far;
    eth_input(&eth0, in, mk_ip(6, me, syn, sizeof syn, 0));
    peer = inet_addr("10.0.0.78");
    eth_input(&eth0, in, mk_ip(6, inet_addr("10.0.0.255"), syn, 20, 0));
    out.n = 0;
    tap_check(arp_resolve(&eth0, far, mac, NULL, 0) == -EAGAIN &&
                  arp_resolve(&eth0, peer, mac, NULL, 0) == -EAGAIN,
              "not from an off-link sender, nor from a broadcast", NULL);
    peer = saved;
    static const uint8_t other[6] = {2, 0, 0, 0, 0, 0x66};
    uint8_t f[80];
    size_t n = mk_ip(6, me, syn, sizeof syn, 0);
    memcpy(f, in, n);
    memcpy(f + 6, other, 6);
    eth_input(&eth0, f, n);
    tap_check(arp_resolve(&eth0, peer, mac, NULL, 0) == 0 &&
                  !memcmp(mac, peer_mac, 6),
              "an entry ARP made is not changed by a packet", NULL);
}

/* The listener's fake socket for test_early_listen. */
static uint16_t listen_port;
static int fake_listen(struct net_sock *s, int backlog)
{
    (void)s, (void)backlog;
    return 0;
}
static int fake_getname(struct net_sock *s, int peer_side,
                        struct sockaddr_in *a)
{
    (void)s, (void)peer_side;
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = listen_port;
    return 0;
}

/* SYNs held before the lease go in at listen() for their port, not
 * later, and the others stay held. */
static void test_early_listen(void)
{
    uint8_t syn80[20] = {0, 99, 0, 80}, syn81[20] = {0, 99, 0, 81};
    syn80[12] = syn81[12] = 5 << 4, syn80[13] = syn81[13] = 2;
    eth0.addr = 0, eth0.use_dhcp = 1, tcp_seen = 0;
    eth_input(&eth0, in, mk_ip(6, me, syn80, sizeof syn80, 0));
    eth_input(&eth0, in, mk_ip(6, me, syn81, sizeof syn81, 0));
    eth0.addr = me;
    struct net_sock_ops ops = {.listen = fake_listen, .getname = fake_getname};
    struct net_sock s = {.ops = &ops};
    listen_port = htons(80);
    tap_check(net_listen(&s, 8) == 0 && tcp_seen == 1 && early_due(),
              "listen() takes the held SYN for its port at once", "%d",
              tcp_seen);
    early_replay();
    tap_check(tcp_seen == 2 && !early_due(),
              "the other port's is replayed later, as before", "%d", tcp_seen);
    eth0.use_dhcp = 0;
}

static void test_ping(void)
{
    uint8_t e[64];
    memset(e, 0x5a, sizeof e);
    e[0] = 8, e[1] = 0, put16(e + 2, 0);
    put16(e + 2, inet_fold(inet_sum(e, sizeof e, 0)));
    out.n = 0;
    eth_input(&eth0, in, mk_ip(1, me, e, sizeof e, 0));
    const uint8_t *h = out_ip(0);
    tap_check(h && h[9] == 1 && h[20] == 0 && !memcmp(h + 12, &me, 4) &&
                  !memcmp(h + 16, &peer, 4) && !inet_fold(inet_sum(h, 20, 0)) &&
                  !inet_fold(inet_sum(h + 20, sizeof e, 0)) &&
                  !memcmp(h + 24, e + 4, sizeof e - 4),
              "echo request gets a well-formed echo reply", NULL);
    out.n = 0;
    size_t n = mk_ip(1, me, e, sizeof e, 0);
    in[14 + 10] ^= 1; /* bad header checksum */
    eth_input(&eth0, in, n);
    uint32_t bcast = me | htonl(0xff);
    eth_input(&eth0, in, mk_ip(1, bcast, e, sizeof e, 0));
    tap_check(out.n == 0, "bad checksum and broadcast pings: no answer", NULL);
}

static void test_icmp_errors(void)
{
    out.n = 0;
    eth_input(&eth0, in, mk_udp(me, 1000, 9, "hello", 5));
    const uint8_t *h = out_ip(0);
    tap_check(h && h[9] == 1 && h[20] == 3 && h[21] == 3 &&
                  !inet_fold(inet_sum(h + 20, out.len[0] - 34, 0)) &&
                  !memcmp(h + 28, in + 14, 20),
              "closed UDP port: ICMP port unreachable quoting the packet",
              NULL);
    out.n = 0;
    eth_input(&eth0, in, mk_udp(0xffffffffu, 1000, 9, "hello", 5));
    eth_input(&eth0, in, mk_ip(99, me, "xxxxxxxx", 8, 0));
    h = out_ip(0);
    tap_check(out.n == 1 && h && h[20] == 3 && h[21] == 2,
              "broadcast: none; unknown protocol: protocol unreachable",
              "%d frames", out.n);
    uint8_t err[36] = {3, 3};
    memcpy(err + 8, in + 14, 28);
    put16(err + 2, inet_fold(inet_sum(err, sizeof err, 0)));
    out.n = 0;
    eth_input(&eth0, in, mk_ip(77, me, err, sizeof err, 0)); /* no error */
    tap_check(out.n == 1, "sanity: unknown protocol answered", NULL);
    out.n = 0;
    size_t n = mk_ip(1, me, err, sizeof err, 0x0010); /* not 1st fragment */
    eth_input(&eth0, in, n);
    tap_check(out.n == 0, "no ICMP error about a non-first fragment", NULL);
}

static struct net_sock *bound_udp(uint16_t port)
{
    struct net_sock *s;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (net_socket(SOCK_DGRAM, 0, &s) || net_bind(s, &a))
        return NULL;
    return s;
}

static void test_udp(void)
{
    struct net_sock *s = bound_udp(5000), *t;
    tap_check(s && net_socket(SOCK_DGRAM, 0, &t) == 0 &&
                  net_bind(t, &(struct sockaddr_in){.sin_family = AF_INET,
                                                    .sin_port = htons(5000)}) ==
                      -EADDRINUSE,
              "bind; a second bind of the port is EADDRINUSE", NULL);
    net_close(t);
    char buf[4000], big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)i;
    eth_input(&eth0, in, mk_udp(me, 1234, 5000, "abc", 3));
    struct sockaddr_in from;
    long n = net_recv(s, buf, sizeof buf, 0, &from);
    tap_check(n == 3 && !memcmp(buf, "abc", 3) &&
                  from.sin_addr.s_addr == peer && from.sin_port == htons(1234),
              "a datagram is received with its sender", "n=%ld", n);
    tap_check(net_recv(s, buf, sizeof buf, 0, NULL) == -EAGAIN &&
                  net_poll(s) == POLLOUT,
              "then the queue is empty", NULL);

    /* The same 3000 bytes in three fragments, out of order. */
    size_t len = mk_udp(me, 1234, 5000, big, sizeof big);
    static uint8_t whole[3100];
    memcpy(whole, in + 34, len - 34);
    size_t pieces[3][2] = {{1480, 1480}, {0, 1480}, {2960, 48}};
    for (int i = 0; i < 3; i++) {
        int more = pieces[i][0] < 2960;
        size_t fl = mk_ip(17, me, whole + pieces[i][0], pieces[i][1],
                          (uint16_t)(pieces[i][0] / 8 | (more ? 0x2000 : 0)));
        eth_input(&eth0, in, fl);
    }
    n = net_recv(s, buf, sizeof buf, 0, NULL);
    tap_check(n == 3000 && !memcmp(buf, big, 3000) && !all_bytes(buf, 8, 0),
              "a fragmented datagram is reassembled", "n=%ld", n);

    out.n = 0;
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(7), .sin_addr.s_addr = peer};
    n = net_send(s, big, sizeof big, 0, &to);
    int ok = n == 3000 && out.n == 3;
    size_t total = 0;
    for (int i = 0; ok && i < 3; i++) {
        const uint8_t *h = out_ip(i);
        ok = h && !inet_fold(inet_sum(h, 20, 0)) && out.len[i] <= 1514;
        total += h ? out.len[i] - 34 : 0;
    }
    tap_check(ok && total == 3008, "a long datagram leaves in fragments",
              "n=%ld frames %d total %zu", n, out.n, total);
    net_close(s);
}

static void test_loopback(void)
{
    struct net_sock *s = bound_udp(6000), *c;
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(6000),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    net_socket(SOCK_DGRAM, 0, &c);
    int sent = 0;
    for (int i = 0; i < 100; i++)
        sent += net_send(c, "0123456789", 10, 0, &to) == 10;
    while (loop_drain())
        ;
    int got = 0;
    char b[16];
    while (net_recv(s, b, sizeof b, 0, NULL) == 10)
        got++;
    tap_check(sent == 100 && got == 100,
              "100 datagrams over loopback, none lost", "%d/%d", sent, got);
    net_close(s);
    net_close(c);
}

/* One datagram of n bytes to dst over loopback, drained and received
 * by a socket on port 6001: 1 if it came back whole. */
static int loop_roundtrip(uint32_t dst, size_t n)
{
    static char tx[65507], rx[65600];
    for (size_t i = 0; i < n; i++)
        tx[i] = (char)(i * 13 + (i >> 9));
    struct net_sock *s = bound_udp(6001), *c;
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(6001), .sin_addr.s_addr = dst};
    net_socket(SOCK_DGRAM, 0, &c);
    long sent = net_send(c, tx, n, 0, &to);
    while (loop_drain())
        ;
    long got = net_recv(s, rx, sizeof rx, 0, NULL);
    net_close(s);
    net_close(c);
    return sent == (long)n && got == (long)n && !memcmp(rx, tx, n);
}

/* Datagrams past the loopback MTU leave in 16 KiB fragments, which must
 * fit the fragment buffer (ASan watches) and reassemble. */
static void test_loopback_big(void)
{
    tap_check(loop_roundtrip(htonl(INADDR_LOOPBACK), 20000),
              "a 20000-byte datagram over loopback, fragmented", NULL);
    tap_check(loop_roundtrip(htonl(INADDR_LOOPBACK), 65507),
              "a 65507-byte datagram over loopback, fragmented", NULL);
    tap_check(loop_roundtrip(me, 40000),
              "a 40000-byte datagram to our own address", NULL);
}

/* The IP ID of a one-byte datagram sent to dst (a frame to the gateway
 * or on the link), or -1 if none left. */
static int ip_id_to(struct net_sock *s, uint32_t dst)
{
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = dst};
    out.n = 0;
    net_send(s, "x", 1, 0, &to);
    const uint8_t *h = out_ip(0);
    return h ? h[4] << 8 | h[5] : -1;
}

static void test_ip_id(void)
{
    struct net_sock *s;
    net_socket(SOCK_DGRAM, 0, &s);
    int first = ip_id_to(s, peer), ok = first >= 0;
    for (int i = 1; i <= 50; i++) { /* others, through the gateway */
        uint32_t other = htonl(0xc6336400u + (uint32_t)i); /* 198.51.100.i */
        ok &= ip_id_to(s, other) >= 0;
    }
    int second = ip_id_to(s, peer);
    unsigned step = (unsigned)(uint16_t)(second - first);
    tap_check(ok && second >= 0 && step >= 1 && step < 10,
              "datagrams to 50 others barely move a peer's IP IDs",
              "ID %d then %d", first, second);
    int ids[20], distinct = 1;
    for (int i = 0; i < 20; i++)
        ids[i] = ip_id_to(s, peer);
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < i; j++)
            distinct &= ids[i] != ids[j] && ids[i] >= 0;
    tap_check(distinct, "successive datagrams to one peer get distinct IDs",
              NULL);
    net_close(s);
}

/* Mutations of valid frames: nothing may crash (ASan/UBSan watch). */
static void test_mutations(void)
{
    static uint8_t base[4][1600], f[1600];
    size_t blen[4];
    uint8_t e[40] = {8};
    blen[0] = mk_ip(1, me, e, sizeof e, 0), memcpy(base[0], in, blen[0]);
    blen[1] = mk_udp(me, 1, 5000, "hello", 5), memcpy(base[1], in, blen[1]);
    blen[2] = mk_ip(17, me, "12345678", 8, 0x2001), memcpy(base[2], in, 42);
    uint8_t a[42] = {0};
    memcpy(a, eth0.mac, 6);
    a[12] = 8, a[13] = 6;
    blen[3] = 42, memcpy(base[3], a, 42);
    struct net_sock *s = bound_udp(5000);
    char b[2000];
    srand(1);
    for (int i = 0; i < 200000; i++) {
        int k = rand() % 4;
        size_t n = blen[k];
        memcpy(f, base[k], n);
        for (int m = rand() % 4; m >= 0; m--)
            f[14 + rand() % (int)(n - 14)] = (uint8_t)rand();
        if (rand() % 4 == 0)
            n = 14 + (size_t)rand() % (n - 13);
        out.n = 0;
        eth_input(&eth0, f, n);
        while (net_recv(s, b, sizeof b, 0, NULL) >= 0)
            ;
        now_ns += 1000000;
        if (i % 1000 == 0) {
            arp_timer(now_ns);
            reasm_timer(now_ns);
        }
    }
    net_close(s);
    tap_check(1, "200000 mutated frames handled without a fault", NULL);
}

int main(void)
{
    me = inet_addr("10.0.0.2");
    peer = inet_addr("10.0.0.1");
    eth0.addr = me;
    eth0.mask = inet_addr("255.255.255.0");
    eth0.gw = peer;
    lo.addr = inet_addr("127.0.0.1");
    lo.mask = inet_addr("255.0.0.0");
    test_arp();
    test_early();
    test_arp_note();
    test_early_listen();
    test_ping();
    test_icmp_errors();
    test_udp();
    test_loopback();
    test_loopback_big();
    test_ip_id();
    test_mutations();
    return tap_done();
}
