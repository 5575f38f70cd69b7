/*
 * net-checksum/test.c: host unit test of components/net/checksum.c
 * against a plain byte-by-byte RFC 1071 sum, for every length and
 * alignment up to 200 bytes, pieces summed separately, and known
 * headers (an IPv4 header from RFC 1071's example style, a UDP
 * datagram with its pseudo-header), and a TCP/IPv6 frame whose checksum
 * is left partial for the NIC (hypercall.h's HC_NET_F_CSUM_PARTIAL) and
 * completed as a NIC does (inet_csum_finish).
 *
 * links: components/net/checksum.c
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

static uint16_t slow(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void test_random(void)
{
    uint8_t buf[256];
    int bad = 0;
    srand(7);
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n <= 200; n++) {
            for (size_t i = 0; i < sizeof buf; i++)
                buf[i] = (uint8_t)rand();
            if (inet_fold(inet_sum(buf + off, n, 0)) != slow(buf + off, n))
                bad++;
        }
    tap_check(!bad, "every length and alignment matches RFC 1071", "%d bad",
              bad);
    memset(buf, 0xff, sizeof buf);
    tap_check(inet_fold(inet_sum(buf, 200, 0)) == slow(buf, 200),
              "all-ones data (carries)", NULL);
}

static void test_pieces(void)
{
    uint8_t buf[100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    uint32_t s = inet_sum(buf, 40, 0);
    s = inet_sum(buf + 40, 33, s);
    tap_check(inet_fold(s) == slow(buf, 73), "pieces: even then odd", NULL);
    uint32_t a = inet_sum(buf, 20, 0) + inet_sum(buf + 20, 60, 0);
    tap_check(inet_fold(a) == slow(buf, 80), "sums added with +", NULL);
}

static void test_headers(void)
{
    /* A real IPv4 header (checksum 0xb861 from a textbook capture). */
    uint8_t ip[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                      0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
                      0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint16_t c = inet_fold(inet_sum(ip, 20, 0));
    tap_check(c == 0xb861, "IPv4 header checksum", "got %04x", c);
    uint16_t be = htons(c);
    memcpy(ip + 10, &be, 2);
    tap_check(inet_fold(inet_sum(ip, 20, 0)) == 0, "verifies to zero", NULL);

    uint8_t udp[12] = {0x30, 0x39, 0x00, 0x35, 0x00, 0x0c,
                       0,    0,    'a',  'b',  'c',  'd'};
    uint32_t src = inet_addr("10.0.0.1"), dst = inet_addr("10.0.0.2");
    uint32_t s = inet_pseudo(src, dst, 17, sizeof udp);
    c = inet_fold(inet_sum(udp, sizeof udp, s));
    uint8_t ph[24];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0, ph[9] = 17, ph[10] = 0, ph[11] = 12;
    memcpy(ph + 12, udp, 12);
    tap_check(c == slow(ph, 24), "UDP with pseudo-header", "%04x vs %04x", c,
              slow(ph, 24));
}

/* RFC 8200 section 8.1's pseudo-header, then the segment, summed
 * plainly: what a receiver checks. */
static uint16_t slow_tcp6(const uint8_t *ip6, const uint8_t *seg, size_t n)
{
    static uint8_t all[40 + 1600];
    memcpy(all, ip6 + 8, 32);
    all[32] = (uint8_t)(n >> 24), all[33] = (uint8_t)(n >> 16);
    all[34] = (uint8_t)(n >> 8), all[35] = (uint8_t)n;
    all[36] = all[37] = all[38] = 0, all[39] = 6;
    memcpy(all + 40, seg, n);
    return slow(all, 40 + n);
}

/* A segment leaving with offload: the field holds the folded
 * pseudo-header sum; the NIC sums from csum_start to the end and stores
 * the complement at csum_start + csum_offset. Odd and even lengths. */
static void test_ipv6_partial(void)
{
    enum { L2 = 14, L3 = 40 };
    static uint8_t f[L2 + L3 + 1500];
    int bad = 0;
    srand(11);
    for (size_t n = 20; n <= 1440 + 20; n += 71) {
        for (size_t i = 0; i < sizeof f; i++)
            f[i] = (uint8_t)rand();
        uint8_t *ip6 = f + L2, *seg = f + L2 + L3;
        uint32_t ps = inet_sum(ip6 + 8, 32, 0);
        uint8_t tail[8] = {0, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, 6};
        ps = inet_sum(tail, 8, ps);
        seg[16] = (uint8_t)(ps >> 8), seg[17] = (uint8_t)ps;
        struct hc_net_meta m = {.flags = HC_NET_F_CSUM_PARTIAL,
                                .csum_start = L2 + L3,
                                .csum_offset = 16};
        inet_csum_finish(f, L2 + L3 + n, &m);
        bad += slow_tcp6(ip6, seg, n) != 0;
    }
    tap_check(!bad, "IPv6 TCP: a partial checksum completed verifies", "%d bad",
              bad);
}

int main(void)
{
    test_random();
    test_pieces();
    test_headers();
    test_ipv6_partial();
    return tap_done();
}
