/*
 * net-reasm/test.c: host unit test of components/net/reasm.c, IPv4
 * fragment reassembly: orders, duplicates, overlaps that must drop the
 * datagram, lengths past 64 KiB, inconsistent last fragments, the slot
 * limit and the 30 s timeout (with ICMP time exceeded). The clock and the page
 * allocator are this file's.
 *
 * links: components/net/reasm.c components/net/checksum.c
 */
#include <stdlib.h>
#include <string.h>
#include "../../../components/net/netint.h"
#include "tap.h"

static uint64_t now_ns = 1000;

uint64_t hc_clock_monotonic(void)
{
    return now_ns;
}

/* Time-exceeded messages reasm.c asked for, and the last one's quote. */
static int icmp_errors;
static uint8_t icmp_quote[28];

void icmp_send_error(const uint8_t *pkt, size_t len, uint8_t type, uint8_t code)
{
    if (type == 11 && code == 1 && len == sizeof icmp_quote) {
        icmp_errors++;
        memcpy(icmp_quote, pkt, len);
    }
}

static uint8_t data[65600];
static uint8_t frag[65600];

/* A fragment of datagram id: data[off, off+n), more fragments or not. */
static uint8_t *mk(uint16_t id, size_t off, size_t n, int more, size_t *len)
{
    memset(frag, 0, 20);
    frag[0] = 0x45;
    frag[2] = (uint8_t)((20 + n) >> 8), frag[3] = (uint8_t)(20 + n);
    frag[4] = (uint8_t)(id >> 8), frag[5] = (uint8_t)id;
    uint16_t f = (uint16_t)(off / 8) | (more ? 0x2000 : 0);
    frag[6] = (uint8_t)(f >> 8), frag[7] = (uint8_t)f;
    frag[8] = 64, frag[9] = 17;
    memcpy(frag + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    memcpy(frag + 20, data + off, n);
    *len = 20 + n;
    return frag;
}

static uint8_t *add(uint16_t id, size_t off, size_t n, int more, size_t *whole)
{
    size_t len;
    uint8_t *p = mk(id, off, n, more, &len);
    return reasm_add(p, len, whole);
}

static int whole_ok(const uint8_t *w, size_t wl, size_t n)
{
    return w && wl == 20 + n && w[0] == 0x45 &&
           (size_t)(w[2] << 8 | w[3]) == wl && !w[6] && !w[7] &&
           inet_fold(inet_sum(w, 20, 0)) == 0 && !memcmp(w + 20, data, n);
}

static void test_orders(void)
{
    size_t wl = 0;
    uint8_t *w;
    tap_check(!add(1, 0, 1480, 1, &wl) && !add(1, 1480, 1480, 1, &wl),
              "in order: incomplete until the last", NULL);
    w = add(1, 2960, 1000, 0, &wl);
    tap_check(whole_ok(w, wl, 3960), "in order: whole datagram", NULL);

    tap_check(!add(2, 2960, 1001, 0, &wl) && !add(2, 1480, 1480, 1, &wl),
              "reverse: incomplete", NULL);
    w = add(2, 0, 1480, 1, &wl);
    tap_check(whole_ok(w, wl, 3961), "reverse order, odd tail", NULL);

    add(3, 0, 800, 1, &wl);
    add(3, 0, 800, 1, &wl); /* exact duplicate: ignored */
    add(3, 800, 800, 1, &wl);
    w = add(3, 1600, 5, 0, &wl);
    tap_check(whole_ok(w, wl, 1605), "duplicates are ignored", NULL);
}

static void test_bad(void)
{
    size_t wl = 0;
    add(10, 0, 800, 1, &wl);
    add(10, 400, 800, 1, &wl); /* partial overlap: the datagram goes */
    add(10, 800, 800, 1, &wl);
    tap_check(!add(10, 1600, 100, 0, &wl), "partial overlap drops the datagram",
              NULL);

    add(11, 0, 800, 1, &wl);
    add(11, 1600, 800, 1, &wl);
    tap_check(!add(11, 800, 100, 0, &wl) && !add(11, 900, 8, 0, &wl),
              "a last fragment short of data seen drops it", NULL);

    add(12, 0, 800, 1, &wl);
    add(12, 800, 100, 0, &wl); /* total 900 known... */
    tap_check(!add(12, 1600, 800, 1, &wl), "data past the known end drops it",
              NULL);

    tap_check(!add(13, 65528, 16, 0, &wl), "past 65535 bytes is refused", NULL);
    tap_check(!add(14, 0, 801, 1, &wl), "a middle piece not of 8-byte blocks",
              NULL);
    size_t len;
    uint8_t *p = mk(15, 0, 16, 1, &len);
    p[0] = 0x44; /* IHL below 5 */
    tap_check(!reasm_add(p, len, &wl), "IHL below 5 is refused", NULL);
    p = mk(15, 0, 0, 1, &len);
    tap_check(!reasm_add(p, len, &wl), "an empty fragment is refused", NULL);
}

static void test_biggest(void)
{
    size_t wl = 0, off = 0;
    uint8_t *w = NULL;
    while (off < 65515) {
        size_t n = 65515 - off > 1480 ? 1480 : 65515 - off;
        w = add(20, off, n, off + n < 65515, &wl);
        off += n;
    }
    tap_check(whole_ok(w, wl, 65515), "a 65535-byte datagram", NULL);
}

static void test_options(void)
{
    size_t wl = 0, len;
    uint8_t *p = mk(30, 0, 16, 1, &len);
    memmove(p + 24, p + 20, 16);
    memset(p + 20, 1, 4); /* four NOP options */
    p[0] = 0x46;
    reasm_add(p, len + 4, &wl);
    uint8_t *w = add(30, 16, 4, 0, &wl);
    tap_check(whole_ok(w, wl, 20), "options in the first fragment dropped",
              NULL);
}

static void test_limits(void)
{
    size_t wl = 0;
    for (uint16_t id = 40; id < 45; id++) { /* one more than the slots */
        add(id, 0, 8, 1, &wl);
        now_ns += 1000;
    }
    tap_check(!add(40, 8, 8, 0, &wl), "the oldest is evicted when full", NULL);
    tap_check(add(44, 8, 8, 0, &wl) != NULL, "the newest completes", NULL);

    now_ns += 30000000001ull; /* let the slots above expire first */
    reasm_timer(now_ns);
    add(50, 0, 8, 1, &wl);
    uint64_t t = reasm_timer(now_ns);
    tap_check(t > now_ns && t <= now_ns + 30000000000ull,
              "the timer names a deadline within 30 s", "%llu",
              (unsigned long long)(t - now_ns));
    add(51, 8, 8, 1, &wl); /* no first fragment: nobody to tell */
    int before = icmp_errors;
    now_ns += 30000000001ull;
    reasm_timer(now_ns);
    tap_check(icmp_errors == before + 1 && icmp_quote[0] == 0x45 &&
                  icmp_quote[5] == 50 && !memcmp(icmp_quote + 20, data, 8),
              "time exceeded quotes the first fragment, once", "%d",
              icmp_errors - before);
    tap_check(!add(50, 8, 8, 0, &wl), "after 30 s the fragments are gone",
              NULL);
    now_ns += 30000000001ull;
    tap_check(reasm_timer(now_ns) == NET_NEVER, "then no deadline is left",
              NULL);
}

int main(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 8));
    test_orders();
    test_bad();
    test_biggest();
    test_options();
    test_limits();
    return tap_done();
}
