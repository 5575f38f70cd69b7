/*
 * tcp-ooo/test.c: host unit test of components/net/tcp_ooo.c, the
 * out-of-order range list: ranges merge when they touch or overlap,
 * stay sorted, are bounded (one too many is refused), survive sequence
 * number wrap-around, and advancing rcv_nxt over them delivers each byte
 * once; SACK blocks put the latest segment's range first (RFC 2018),
 * then the others from the highest down; plus the sequence comparisons
 * of tcp.h across the wrap.
 *
 * links: components/net/tcp_ooo.c
 */
#include <string.h>
#include "../../../components/net/tcp.h"
#include "tap.h"

static void test_seq(void)
{
    tap_check(seq_lt(0xfffffff0u, 0x10) && seq_gt(0x10, 0xfffffff0u) &&
                  seq_le(5, 5) && seq_ge(5, 5) && !seq_lt(5, 5) &&
                  seq_max(0xfffffff0u, 0x10) == 0x10,
              "sequence comparisons wrap", NULL);
}

static void test_merge(void)
{
    struct tcp_ooo q = {0};
    tcp_ooo_add(&q, 300, 400);
    tcp_ooo_add(&q, 100, 200);
    tcp_ooo_add(&q, 500, 600);
    tap_check(q.n == 3 && q.start[0] == 100 && q.start[1] == 300 &&
                  q.start[2] == 500,
              "ranges kept sorted", "n %u", q.n);
    tcp_ooo_add(&q, 200, 300); /* touches both neighbours */
    tap_check(q.n == 2 && q.start[0] == 100 && q.end[0] == 400,
              "a range filling a gap merges its neighbours", "n %u end %u", q.n,
              q.end[0]);
    tcp_ooo_add(&q, 150, 450); /* overlaps and extends */
    tap_check(q.n == 2 && q.end[0] == 450, "overlap extends a range", "end %u",
              q.end[0]);
    tcp_ooo_add(&q, 520, 530); /* inside */
    tap_check(q.n == 2 && q.start[1] == 500 && q.end[1] == 600,
              "a duplicate inside a range changes nothing", NULL);
}

static void test_bound(void)
{
    struct tcp_ooo q = {0};
    int rc = 0;
    for (uint32_t i = 0; i < TCP_OOO_MAX; i++)
        rc |= tcp_ooo_add(&q, 1000 + 100 * i, 1050 + 100 * i);
    tap_check(rc == 0 && q.n == TCP_OOO_MAX, "TCP_OOO_MAX ranges kept", NULL);
    tap_check(tcp_ooo_add(&q, 5000, 5010) < 0 && q.n == TCP_OOO_MAX,
              "one range too many is refused", NULL);
    tap_check(tcp_ooo_add(&q, 1050, 1100) == 0 && q.n == TCP_OOO_MAX - 1,
              "merging still works when full", "n %u", q.n);
}

static void test_advance(void)
{
    struct tcp_ooo q = {0};
    tcp_ooo_add(&q, 0xfffffff0u, 0x10); /* across the wrap */
    tcp_ooo_add(&q, 0x20, 0x30);
    uint32_t n = tcp_ooo_advance(&q, 0xffffffe0u);
    tap_check(n == 0xffffffe0u && q.n == 2, "advance stops at a hole", NULL);
    n = tcp_ooo_advance(&q, 0xfffffff0u);
    tap_check(n == 0x10 && q.n == 1, "advance across the wrap", "n %#x q.n %u",
              n, q.n);
    n = tcp_ooo_advance(&q, 0x25); /* in-order data overlapped a range */
    tap_check(n == 0x30 && q.n == 0, "advance over an overlapped range",
              "n %#x", n);
}

static int blocks_are(const struct tcp_ooo *b, const uint32_t *starts, int n)
{
    if (b->n != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (b->start[i] != starts[i])
            return 0;
    return 1;
}

static void test_sack_order(void)
{
    struct tcp_ooo q = {0}, b;
    tcp_ooo_add(&q, 100, 200);
    tcp_ooo_add(&q, 300, 400);
    tcp_ooo_add(&q, 500, 600);
    tcp_ooo_add(&q, 700, 800);
    tcp_ooo_sack_order(&q, &b);
    tap_check(blocks_are(&b, (const uint32_t[]){700, 500, 300, 100}, 4),
              "the latest range is the first SACK block", "first %u",
              b.start[0]);
    tcp_ooo_add(&q, 350, 450); /* extends a middle range */
    tcp_ooo_sack_order(&q, &b);
    tap_check(blocks_are(&b, (const uint32_t[]){300, 700, 500, 100}, 4) &&
                  b.end[0] == 450,
              "a range just extended comes first, the rest from the top down",
              "first %u..%u", b.start[0], b.end[0]);
    tcp_ooo_add(&q, 5000, 5010); /* refused: the order stays */
    tcp_ooo_sack_order(&q, &b);
    tap_check(b.start[0] == 300, "a refused segment does not lead", "first %u",
              b.start[0]);
    tcp_ooo_advance(&q, 450); /* the latest range delivered */
    tcp_ooo_sack_order(&q, &b);
    tap_check(blocks_are(&b, (const uint32_t[]){700, 500}, 2),
              "with the latest range delivered, the highest leads", "n %u",
              b.n);
}

int main(void)
{
    test_seq();
    test_merge();
    test_bound();
    test_advance();
    test_sack_order();
    return tap_done();
}
