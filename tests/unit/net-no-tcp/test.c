/*
 * net-no-tcp/test.c: host unit test of the stack as an image links it
 * for a program that makes no SOCK_STREAM socket: without TCP (no
 * tcp_*.c here, so tcp_input and the rest are null), a TCP segment to
 * us is a protocol the host does not speak and gets ICMP protocol
 * unreachable quoting it (RFC 1122 3.2.2.1); a stream socket cannot be
 * made (ESOCKTNOSUPPORT) while a datagram one can; an ICMP error about
 * a TCP segment does not reach into the missing code.
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
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

#define FRAMES_MAX 8

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
    return 1000000000ull;
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
const char *hc_cmdline(void)
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

/* ---- frames ------------------------------------------------------------- */

static uint8_t in[1600];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

/* An IPv4 packet from peer to us in an Ethernet frame; its length. */
static size_t mk_ip(uint8_t proto, const void *payload, size_t n)
{
    memcpy(in, eth0.mac, 6);
    memcpy(in + 6, peer_mac, 6);
    put16(in + 12, 0x0800);
    uint8_t *h = in + 14;
    memset(h, 0, 20);
    h[0] = 0x45;
    put16(h + 2, (uint16_t)(20 + n));
    put16(h + 4, 77);
    h[8] = 64, h[9] = proto;
    memcpy(h + 12, &peer, 4);
    memcpy(h + 16, &me, 4);
    put16(h + 10, inet_fold(inet_sum(h, 20, 0)));
    memcpy(h + 20, payload, n);
    return 14 + 20 + n;
}

/* A SYN from peer's port 40000 to our port 80, checksummed. */
static size_t mk_syn(void)
{
    uint8_t t[20] = {0};
    put16(t, 40000), put16(t + 2, 80);
    t[12] = 5 << 4, t[13] = 0x02; /* header length, SYN */
    put16(t + 14, 65535);
    put16(t + 16,
          inet_fold(inet_sum(t, sizeof t,
                             inet_pseudo(peer, me, IPPROTO_TCP, sizeof t))));
    return mk_ip(IPPROTO_TCP, t, sizeof t);
}

static const uint8_t *out_ip(int i)
{
    return i < out.n && out.len[i] >= 34 && out.f[i][12] == 8 &&
                   out.f[i][13] == 0
               ? out.f[i] + 14
               : NULL;
}

/* peer's MAC, learnt from its ARP request, so answers need no queue. */
static void learn_peer(void)
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
    eth_input(&eth0, a, sizeof a);
}

static void test_syn(void)
{
    out.n = 0;
    size_t n = mk_syn();
    eth_input(&eth0, in, n);
    const uint8_t *h = out_ip(0);
    tap_check(out.n == 1 && h && h[9] == IPPROTO_ICMP && h[20] == 3 &&
                  h[21] == 2 && !memcmp(h + 28, in + 14, 28) &&
                  !inet_fold(inet_sum(h + 20, out.len[0] - 34, 0)),
              "a SYN without TCP: ICMP protocol unreachable quoting it",
              "%d frames, type %d code %d", out.n, h ? h[20] : -1,
              h ? h[21] : -1);
}

static void test_icmp_about_tcp(void)
{
    /* Port unreachable about a segment of ours: nobody to tell. */
    uint8_t err[36] = {3, 3};
    uint8_t q[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_TCP};
    memcpy(q + 12, &me, 4);
    memcpy(q + 16, &peer, 4);
    memcpy(err + 8, q, sizeof q);
    put16(err + 2, inet_fold(inet_sum(err, sizeof err, 0)));
    out.n = 0;
    eth_input(&eth0, in, mk_ip(IPPROTO_ICMP, err, sizeof err));
    tap_check(out.n == 0, "an ICMP error about TCP is dropped quietly",
              "%d frames", out.n);
}

static void test_sockets(void)
{
    struct net_sock *s = NULL;
    tap_check(net_socket(SOCK_STREAM, 0, &s) == -ESOCKTNOSUPPORT &&
                  net_socket6(SOCK_STREAM, 0, &s) == -ESOCKTNOSUPPORT,
              "no stream sockets: ESOCKTNOSUPPORT", NULL);
    tap_check(net_socket(SOCK_DGRAM, 0, &s) == 0 && s, "datagram sockets still",
              NULL);
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
    tap_check(!tcp_input && !tcp_timer && !tcp_sock_create,
              "sanity: no TCP linked", NULL);
    learn_peer();
    test_syn();
    test_icmp_about_tcp();
    test_sockets();
    return tap_done();
}
