/*
 * net-ip6/test.c: host unit test of the pure parsers of components/net's
 * IPv6 half: the extension header walk (ip6_ext.c: hop-by-hop placement,
 * option action bits, routing headers, padding and length limits, cut
 * chains), fragment reassembly (reasm6.c: orders, exact duplicates,
 * RFC 5722 overlaps that kill the datagram and what comes after, bad
 * lengths, the 60 s timeout with its ICMPv6 error), the ip6= option
 * (ip6config.c) and RFC 7217 identifiers with their ip6.secret= key
 * (stableid6.c, against vectors from tests/net/ipv6/stableid.py, a
 * SipHash of its own). The clock and icmp6_error are this file's.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: components/net/ip6_ext.c components/net/reasm6.c components/net/ip6config.c components/net/stableid6.c components/net/tcp_isn.c
 */
/* clang-format on */
#include <errno.h>
#include <string.h>
#include "../../../components/net/ip6.h"
#include "tap.h"

static uint64_t now_ns = 1000;

uint64_t hc_clock_monotonic(void)
{
    return now_ns;
}

int hc_entropy(void *buf, size_t len) /* tcp_isn.c's; its keys unused */
{
    memset(buf, 7, len);
    return 0;
}

static int time_exceeded;

void icmp6_error(struct netif *nif, const uint8_t *pkt, size_t len,
                 uint8_t type, uint8_t code, uint32_t param)
{
    (void)nif, (void)pkt, (void)len, (void)param;
    if (type == 3 && code == 1)
        time_exceeded++;
}

/* ---- the walk --------------------------------------------------------- */

static uint8_t pkt[2048];

/* An IPv6 header whose next header is nh, then the bytes ext. */
static size_t mkpkt(uint8_t nh, const uint8_t *ext, size_t n)
{
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0x60;
    pkt[4] = (uint8_t)(n >> 8), pkt[5] = (uint8_t)n;
    pkt[6] = nh;
    if (n)
        memcpy(pkt + IP6_HLEN, ext, n);
    return IP6_HLEN + n;
}

static struct ip6_walk walk(uint8_t nh, const uint8_t *ext, size_t n, int mc)
{
    struct ip6_walk w;
    size_t len = mkpkt(nh, ext, n);
    ip6_walk(pkt, len, nh, IP6_HLEN, 0, mc, &w);
    return w;
}

/* A destination options header (next 58) holding option type t. */
static const uint8_t *opt_hdr(uint8_t t)
{
    static uint8_t h[8];
    uint8_t x[8] = {58, 0, t, 4, 0, 0, 0, 0};
    memcpy(h, x, 8);
    return h;
}

static void test_walk(void)
{
    struct ip6_walk w = walk(58, NULL, 0, 0);
    tap_check(w.verdict == IP6W_DELIVER && w.nh == 58 && w.off == 40 &&
                  w.ptr == 6,
              "no extension headers: ICMPv6 at 40", NULL);
    static const uint8_t hbh_ra[8] = {17, 0, 5, 2, 0, 0, 1, 0};
    w = walk(0, hbh_ra, 8, 0);
    tap_check(w.verdict == IP6W_DELIVER && w.nh == 17 && w.off == 48 &&
                  w.ptr == 40,
              "hop-by-hop with router alert and PadN: UDP at 48", NULL);
    static const uint8_t do_hbh[16] = {0,  0, 1, 4, 0, 0, 0, 0,
                                       58, 0, 1, 4, 0, 0, 0, 0};
    w = walk(60, do_hbh, 16, 0);
    tap_check(w.verdict == IP6W_PARAM && w.code == 1 && w.ptr == 40,
              "hop-by-hop after destination options: code 1 at 40",
              "verdict %d code %u ptr %u", w.verdict, w.code, w.ptr);
    w = walk(60, opt_hdr(0x1e), 8, 0);
    tap_check(w.verdict == IP6W_DELIVER, "option action 00 skipped", NULL);
    w = walk(60, opt_hdr(0x5e), 8, 0);
    tap_check(w.verdict == IP6W_DROP, "option action 01 drops", NULL);
    w = walk(60, opt_hdr(0x9e), 8, 1);
    tap_check(w.verdict == IP6W_PARAM && w.code == 2 && w.ptr == 42,
              "option action 10 to a group: code 2 at the option", NULL);
    w = walk(60, opt_hdr(0xde), 8, 1);
    tap_check(w.verdict == IP6W_DROP, "option action 11 to a group: drop",
              NULL);
    w = walk(60, opt_hdr(0xde), 8, 0);
    tap_check(w.verdict == IP6W_PARAM && w.code == 2,
              "option action 11 to us: code 2", NULL);
}

static void test_walk_limits(void)
{
    static const uint8_t rh0[24] = {58, 2, 0, 1};
    struct ip6_walk w = walk(43, rh0, 24, 0);
    tap_check(w.verdict == IP6W_PARAM && w.code == 0 && w.ptr == 42,
              "routing type 0 with segments left: code 0 at its type", NULL);
    static const uint8_t rh0_done[24] = {58, 2, 0, 0};
    w = walk(43, rh0_done, 24, 0);
    tap_check(w.verdict == IP6W_DELIVER && w.off == 64,
              "routing header with no segments left skipped", NULL);
    uint8_t chain[9 * 8];
    for (int k = 8; k <= 9; k++) {
        for (int i = 0; i < k; i++) {
            uint8_t h[8] = {i == k - 1 ? 58 : 60, 0, 1, 4, 0, 0, 0, 0};
            memcpy(chain + i * 8, h, 8);
        }
        w = walk(60, chain, (size_t)k * 8, 0);
        tap_check(w.verdict == (k == 8 ? IP6W_DELIVER : IP6W_DROP),
                  k == 8 ? "8 extension headers pass"
                         : "9 extension headers drop",
                  "verdict %d", w.verdict);
    }
    static const uint8_t pad14[16] = {58, 1, 1, 12};
    w = walk(0, pad14, 16, 0);
    tap_check(w.verdict == IP6W_DROP, "14 bytes of padding drop", NULL);
    static const uint8_t overrun[8] = {58, 0, 0x1e, 9};
    w = walk(60, overrun, 8, 0);
    tap_check(w.verdict == IP6W_DROP, "an option past its header drops", NULL);
    w = walk(60, (const uint8_t *)"\x3a\x05\x01\x04\0\0\0\0", 8, 0);
    tap_check(w.verdict == IP6W_DROP, "a header past the packet drops", NULL);
    w = walk(59, NULL, 0, 0);
    tap_check(w.verdict == IP6W_DROP, "no next header drops", NULL);
    static const uint8_t frag[16] = {58, 0, 0, 1, 0, 0, 0, 7};
    w = walk(44, frag, 16, 0);
    tap_check(w.verdict == IP6W_FRAG && w.off == 40,
              "a fragment header is found", NULL);
}

/* ---- reassembly ------------------------------------------------------- */

static uint8_t data[65600], frag[65600];

static uint8_t *add(uint32_t id, size_t off, size_t n, int more, size_t *whole,
                    uint32_t *param)
{
    memset(frag, 0, 48);
    frag[0] = 0x60;
    frag[4] = (uint8_t)((8 + n) >> 8), frag[5] = (uint8_t)(8 + n);
    frag[6] = 44;
    frag[8] = 0x20, frag[23] = 1;  /* src 2000::1 */
    frag[24] = 0x20, frag[39] = 2; /* dst 2000::2 */
    frag[40] = 58;
    uint16_t o = (uint16_t)(off | (more ? 1 : 0));
    frag[42] = (uint8_t)(o >> 8), frag[43] = (uint8_t)o;
    frag[44] = (uint8_t)(id >> 24), frag[47] = (uint8_t)id;
    memcpy(frag + 48, data + off, n);
    return reasm6_add(frag, 48 + n, 40, whole, param);
}

static int whole_ok(const uint8_t *w, size_t wl, size_t n)
{
    return w && wl == 40 + n && w[6] == 58 && w[4] == (uint8_t)(n >> 8) &&
           w[5] == (uint8_t)n && !memcmp(w + 40, data, n);
}

static void test_reasm(void)
{
    size_t wl = 0;
    uint32_t p;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    add(1, 16, 16, 0, &wl, &p);
    add(1, 0, 8, 1, &wl, &p);
    add(1, 0, 8, 1, &wl, &p); /* an exact duplicate */
    uint8_t *w = add(1, 8, 8, 1, &wl, &p);
    tap_check(whole_ok(w, wl, 32), "out of order with a duplicate", NULL);
    add(2, 0, 24, 1, &wl, &p);
    w = add(2, 16, 24, 1, &wl, &p); /* overlaps 16..24 */
    w = add(2, 40, 16, 0, &wl, &p);
    tap_check(!w, "an overlap drops the datagram", NULL);
    add(2, 0, 24, 1, &wl, &p);
    add(2, 24, 16, 1, &wl, &p);
    w = add(2, 40, 16, 0, &wl, &p);
    tap_check(!w, "and its later fragments too (RFC 5722)", NULL);
    add(9, 0, 16, 1, &wl, &p);
    add(9, 8, 16, 1, &wl, &p); /* 8 bytes too many, and 24..32 missing */
    w = add(9, 32, 8, 0, &wl, &p);
    uint8_t *w2 = add(9, 24, 8, 1, &wl, &p);
    tap_check(!w && !w2, "an overlap's bytes never stand in for a hole", NULL);
    w = add(3, 0, 13, 1, &wl, &p);
    tap_check(!w && p == 4, "a middle fragment not of 8-byte blocks: length",
              "param %u", p);
    w = add(4, 65528, 16, 0, &wl, &p);
    tap_check(!w && p == 42, "past 65535 bytes: the offset field", NULL);
    w = add(5, 0, 65528, 1, &wl, &p);
    w = add(5, 65528, 7, 0, &wl, &p);
    tap_check(whole_ok(w, wl, 65535), "a 65535-byte datagram", NULL);
    add(6, 0, 8, 1, &wl, &p);
    w = add(6, 16, 8, 0, &wl, &p);
    w = add(6, 8, 16, 1, &wl, &p); /* reaches past the last */
    tap_check(!w, "a fragment past the last one's end drops", NULL);
}

static void test_reasm_timeout(void)
{
    size_t wl;
    uint32_t p;
    now_ns += 61000000000ull; /* expire what the tests above left */
    reasm6_timer(now_ns);
    time_exceeded = 0;
    add(7, 0, 8, 1, &wl, &p);
    add(8, 8, 8, 0, &wl, &p);
    now_ns += 59000000000ull;
    reasm6_timer(now_ns);
    tap_check(time_exceeded == 0, "nothing expires before 60 s", NULL);
    now_ns += 2000000000ull;
    reasm6_timer(now_ns);
    tap_check(time_exceeded == 1,
              "at 60 s: time exceeded only for the one with its first part",
              "%d", time_exceeded);
}

/* ---- ip6= ------------------------------------------------------------- */

static void test_config(void)
{
    struct ip6_config c;
    tap_check(ip6config_parse("off", &c) == 0 && c.off, "ip6=off", NULL);
    tap_check(ip6config_parse("auto", &c) == 0 && !c.off && !c.have_addr,
              "ip6=auto", NULL);
    int r = ip6config_parse("2001:db8::2/64,fe80::1", &c);
    tap_check(r == 0 && c.have_addr && c.plen == 64 &&
                  c.addr.s6_addr[15] == 2 && c.gw.s6_addr[0] == 0xfe &&
                  c.gw.s6_addr[15] == 1,
              "ip6=2001:db8::2/64,fe80::1", "%s", c.why);
    r = ip6config_parse("2001:db8::2/64,2001:db8::1", &c);
    tap_check(r == 0, "a gateway inside the prefix", "%s", c.why);
    static const char *const bad[] = {
        "2001:db8::2",     "2001:db8::2/0",
        "2001:db8::2/129", "2001:db8::2/6x",
        "2001:db8:::2/64", "::1/128",
        "ff02::1/64",      "2001:db8::2/64,2001:db9::1",
        "2001:db8::2/64,", "dhcp"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = ip6config_parse(bad[i], &c);
        tap_check(r == -EINVAL && c.why[0], bad[i], "accepted");
    }
}

/* ---- RFC 7217 --------------------------------------------------------- */

static void test_stableid(void)
{
    uint8_t key[16], iid[8];
    static const uint8_t want_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                         0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
                                         0xcc, 0xdd, 0xee, 0xff};
    const char *line = "ip=dhcp ip6.secret=00112233445566778899AABBCCDDEEFF";
    tap_check(stableid6_secret(line, key) == 1 && !memcmp(key, want_key, 16),
              "ip6.secret= read from the command line", NULL);
    tap_check(stableid6_secret("ip=dhcp -- ip6.secret=0011", key) == 0 &&
                  stableid6_secret("", key) == 0,
              "no ip6.secret= (or only among the program's arguments)", NULL);
    static const char *const bad[] = {
        "ip6.secret=0011", "ip6.secret=00112233445566778899aabbccddeefg",
        "ip6.secret=00112233445566778899aabbccddeeff00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        tap_check(stableid6_secret(bad[i], key) == -1, bad[i], "accepted");
    /* stableid.py 2001:db8:78:: 52:54:00:12:34:56 0011...eeff 0 and 1 */
    static const uint8_t prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x78, 0, 0};
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    static const uint8_t want0[8] = {0x5e, 0x89, 0x6a, 0x1a,
                                     0xff, 0xeb, 0xad, 0x67},
                         want1[8] = {0xb7, 0x52, 0xe6, 0xed,
                                     0x43, 0x45, 0xe6, 0xcd};
    uint8_t n = stableid6_iid(want_key, prefix, mac, 0, iid);
    tap_check(n == 0 && !memcmp(iid, want0, 8),
              "RFC 7217 identifier, counter 0", NULL);
    n = stableid6_iid(want_key, prefix, mac, 1, iid);
    tap_check(n == 1 && !memcmp(iid, want1, 8),
              "RFC 7217 identifier, counter 1 (after a DAD conflict)", NULL);
}

int main(void)
{
    test_walk();
    test_walk_limits();
    test_reasm();
    test_reasm_timeout();
    test_config();
    test_stableid();
    return tap_done();
}
