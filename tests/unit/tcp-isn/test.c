/*
 * tcp-isn/test.c: host unit test of components/net/tcp_isn.c: SipHash-2-4
 * against the reference vector of its paper, ISNs that differ per
 * 4-tuple and grow with the clock (RFC 6528), and SYN cookies that
 * validate for their own connection and MSS within two 64 s periods,
 * but not for another peer ISN, tuple, a flipped bit, or when stale.
 * A generator that fails now and then is asked again; one that keeps
 * failing stops the system (hc_abort) rather than leave a zero key.
 *
 * links: components/net/tcp_isn.c
 */
#include <setjmp.h>
#include <string.h>
#include "../../../components/net/tcp.h"
#include "tap.h"

static int entropy_fails; /* the next calls that fail (-1: all) */
static jmp_buf abort_jmp;

int hc_entropy(void *buf, size_t len)
{
    if (entropy_fails) {
        entropy_fails -= entropy_fails > 0;
        return -5; /* -EIO, buf untouched */
    }
    memset(buf, 0x5a, len);
    return 0;
}

_Noreturn void hc_abort(const char *msg)
{
    printf("# hc_abort: %s\n", msg);
    longjmp(abort_jmp, 1);
}

/* Runs before any other test: the secret is drawn once. */
static void test_entropy_failure(void)
{
    volatile int aborted = 0;
    entropy_fails = -1;
    if (setjmp(abort_jmp) == 0)
        tcp_isn(addr_from4(1), addr_from4(2), 80, 4000, 0);
    else
        aborted = 1;
    tap_check(aborted, "a generator that keeps failing: hc_abort, no zero key",
              NULL);
    entropy_fails = 2;
    uint32_t first = tcp_isn(addr_from4(1), addr_from4(2), 80, 4000, 0);
    uint8_t secret[32];
    memset(secret, 0x5a, sizeof secret);
    tcp_isn_init(secret);
    tap_check(first == tcp_isn(addr_from4(1), addr_from4(2), 80, 4000, 0),
              "two failures: the third draw is the key", "%#x", first);
}

static void test_siphash(void)
{
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    uint64_t h = tcp_siphash(key, msg, sizeof msg);
    tap_check(h == 0xa129ca6149be45e5ull, "SipHash-2-4 reference vector",
              "got %#llx", (unsigned long long)h);
    h = tcp_siphash(key, msg, 0);
    tap_check(h == 0x726fdb47dd0e0e31ull, "SipHash-2-4 of the empty message",
              "got %#llx", (unsigned long long)h);
}

static void test_isn(void)
{
    uint8_t secret[32];
    for (int i = 0; i < 32; i++)
        secret[i] = (uint8_t)(i * 7 + 1);
    tcp_isn_init(secret);
    uint64_t t = 1000000000ull;
    uint32_t a = tcp_isn(addr_from4(1), addr_from4(2), 80, 4000, t),
             b = tcp_isn(addr_from4(1), addr_from4(2), 80, 4001, t);
    tap_check(a != b, "ISNs differ per 4-tuple", NULL);
    uint32_t c =
        tcp_isn(addr_from4(1), addr_from4(2), 80, 4000, t + 4096 * 1000);
    tap_check(c - a == 1000, "ISN advances with a 4 us clock", "diff %u",
              c - a);
}

static void test_cookie(void)
{
    uint64_t t = 5000 * MS * 1000;
    uint32_t c =
        tcp_cookie_make(addr_from4(1), addr_from4(2), 80, 4000, 777, 1460, t);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 777, c,
                               t) == 1460,
              "a cookie validates with its MSS", NULL);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 777, c,
                               t + 64000 * MS) == 1460,
              "a cookie validates in the next period", NULL);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 777, c,
                               t + 130000 * MS) == 0,
              "a stale cookie is refused", NULL);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 778, c,
                               t) == 0,
              "another peer ISN is refused", NULL);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(3), 80, 4000, 777, c,
                               t) == 0,
              "another peer address is refused", NULL);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 777,
                               c ^ 1, t) == 0,
              "a flipped bit is refused", NULL);
    uint32_t m =
        tcp_cookie_make(addr_from4(1), addr_from4(2), 80, 4000, 777, 1000, t);
    tap_check(tcp_cookie_check(addr_from4(1), addr_from4(2), 80, 4000, 777, m,
                               t) == 536,
              "an odd MSS rounds down to the table", NULL);
}

int main(void)
{
    test_entropy_failure();
    test_siphash();
    test_isn();
    test_cookie();
    return tap_done();
}
