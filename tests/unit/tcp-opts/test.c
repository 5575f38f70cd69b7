/*
 * tcp-opts/test.c: host unit test of components/net/tcp_opts.c, TCP
 * option parsing and writing: what Linux's SYN carries parses into the
 * right values, malformed lists (zero or overlong lengths, wrong sizes
 * for known kinds, a length byte cut off) are rejected, unknown options
 * are skipped, and what we write parses back to what we meant.
 *
 * links: components/net/tcp_opts.c
 */
#include <string.h>
#include "../../../components/net/tcp.h"
#include "tap.h"

static void test_linux_syn(void)
{
    /* MSS 1460, SACK-permitted, TS 1/0, NOP, WS 7: a Linux SYN */
    const uint8_t o[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                         0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
    struct tcp_opts t;
    int rc = tcp_opts_parse(o, sizeof o, &t);
    tap_check(rc == 0 && t.has_mss && t.mss == 1460 && t.sack_ok && t.has_ts &&
                  t.tsval == 1 && t.tsecr == 0 && t.has_ws && t.ws == 7,
              "a Linux SYN's options parse", "rc %d mss %u ws %u", rc, t.mss,
              t.ws);
}

static void expect_bad(const char *what, const uint8_t *o, size_t n)
{
    struct tcp_opts t;
    tap_check(tcp_opts_parse(o, n, &t) < 0, what, "accepted");
}

static void test_malformed(void)
{
    const uint8_t zero_len[] = {2, 0, 5, 0xb4};
    const uint8_t long_len[] = {8, 12, 0, 0, 0, 1, 0, 0, 0, 0};
    const uint8_t bad_mss[] = {2, 3, 5, 1};
    const uint8_t cut[] = {1, 1, 2};
    const uint8_t bad_sack[] = {5, 6, 0, 0, 0, 1};
    const uint8_t bad_ws[] = {3, 4, 7, 0};
    expect_bad("option length 0 is rejected", zero_len, sizeof zero_len);
    expect_bad("option past the header is rejected", long_len, sizeof long_len);
    expect_bad("MSS of length 3 is rejected", bad_mss, sizeof bad_mss);
    expect_bad("a kind without its length byte is rejected", cut, sizeof cut);
    expect_bad("SACK of a partial block is rejected", bad_sack,
               sizeof bad_sack);
    expect_bad("window scale of length 4 is rejected", bad_ws, sizeof bad_ws);
}

static void test_skip_and_end(void)
{
    /* unknown kind 30 of length 4, then WS 20 (clamped to 14), EOL, junk */
    const uint8_t o[] = {30, 4, 9, 9, 3, 3, 20, 0, 0xff, 0xff};
    struct tcp_opts t;
    int rc = tcp_opts_parse(o, sizeof o, &t);
    tap_check(rc == 0 && t.has_ws && t.ws == 14 && !t.has_mss,
              "unknown options skipped, WS clamped to 14, EOL ends",
              "rc %d ws %u", rc, t.ws);
}

static void test_roundtrip(void)
{
    uint8_t buf[TCP_OPT_MAX];
    struct tcp_synopts s = {1448, 7, 1, 1, 12345, 678};
    size_t n = tcp_opts_write_syn(buf, &s);
    struct tcp_opts t;
    int rc = tcp_opts_parse(buf, n, &t);
    tap_check(rc == 0 && n % 4 == 0 && n <= TCP_OPT_MAX && t.mss == 1448 &&
                  t.ws == 7 && t.sack_ok && t.tsval == 12345 && t.tsecr == 678,
              "SYN options round-trip", "rc %d n %zu", rc, n);

    struct tcp_synopts m = {536, -1, 0, 0, 0, 0};
    n = tcp_opts_write_syn(buf, &m);
    rc = tcp_opts_parse(buf, n, &t);
    tap_check(rc == 0 && n == 4 && t.has_mss && !t.has_ws && !t.has_ts &&
                  !t.sack_ok,
              "a minimal SYN carries only MSS", "n %zu", n);

    struct tcp_ooo q = {
        .n = 3, .start = {100, 300, 500}, .end = {200, 400, 600}};
    n = tcp_opts_write(buf, 1, 7, 8, &q, 3);
    rc = tcp_opts_parse(buf, n, &t);
    tap_check(rc == 0 && n <= TCP_OPT_MAX && n % 4 == 0 && t.has_ts &&
                  t.nsack == 3 && t.sack[0][0] == 100 && t.sack[2][1] == 600,
              "timestamps and three SACK blocks fit and parse back",
              "n %zu nsack %u", n, t.nsack);
    struct tcp_ooo q4 = {.n = 4, .start = {1, 3, 5, 7}, .end = {2, 4, 6, 8}};
    n = tcp_opts_write(buf, 1, 7, 8, &q4, 4);
    tap_check(n <= TCP_OPT_MAX, "four SACK blocks with timestamps are cut",
              "n %zu", n);
}

int main(void)
{
    test_linux_syn();
    test_malformed();
    test_skip_and_end();
    test_roundtrip();
    return tap_done();
}
