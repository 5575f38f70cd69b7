/*
 * tcp_ooo.c: the out-of-order receive queue's bookkeeping. The bytes
 * themselves already sit in the receive ring at their sequence
 * positions; this keeps which ranges beyond rcv_nxt are filled, sorted
 * and merged, at most TCP_OOO_MAX of them (a segment that would need a
 * new range past that is dropped and the peer retransmits it). The same
 * ranges become our SACK blocks, the latest segment's first (RFC 2018
 * section 4: the sender learns at once what just arrived, even when
 * more ranges are held than one ACK's options carry). Pure code, host
 * unit tested.
 */
#include <string.h>
#include "tcp.h"

static void ooo_remove(struct tcp_ooo *q, int i)
{
    for (int j = i; j + 1 < q->n; j++) {
        q->start[j] = q->start[j + 1];
        q->end[j] = q->end[j + 1];
    }
    q->n--;
}

/* Merge range i with its followers while they touch or overlap. */
static void ooo_merge(struct tcp_ooo *q, int i)
{
    while (i + 1 < q->n && seq_ge(q->end[i], q->start[i + 1])) {
        q->end[i] = seq_max(q->end[i], q->end[i + 1]);
        ooo_remove(q, i + 1);
    }
}

int tcp_ooo_add(struct tcp_ooo *q, uint32_t s, uint32_t e)
{
    if (!seq_lt(s, e))
        return 0;
    int i = 0;
    while (i < q->n && seq_lt(q->end[i], s))
        i++;
    if (i < q->n && seq_le(q->start[i], e)) { /* touches range i */
        q->last = s;
        if (seq_lt(s, q->start[i]))
            q->start[i] = s;
        q->end[i] = seq_max(q->end[i], e);
        ooo_merge(q, i);
        return 0;
    }
    if (q->n == TCP_OOO_MAX)
        return -1;
    for (int j = q->n; j > i; j--) {
        q->start[j] = q->start[j - 1];
        q->end[j] = q->end[j - 1];
    }
    q->start[i] = s;
    q->end[i] = e;
    q->n++;
    q->last = s;
    return 0;
}

uint32_t tcp_ooo_advance(struct tcp_ooo *q, uint32_t rcv_nxt)
{
    while (q->n && seq_le(q->start[0], rcv_nxt)) {
        rcv_nxt = seq_max(rcv_nxt, q->end[0]);
        ooo_remove(q, 0);
    }
    return rcv_nxt;
}

/* The range holding seq, or -1. */
static int ooo_find(const struct tcp_ooo *q, uint32_t seq)
{
    for (int i = 0; i < q->n; i++)
        if (seq_le(q->start[i], seq) && seq_lt(seq, q->end[i]))
            return i;
    return -1;
}

static void ooo_copy(struct tcp_ooo *out, const struct tcp_ooo *q, int i)
{
    out->start[out->n] = q->start[i];
    out->end[out->n++] = q->end[i];
}

void tcp_ooo_sack_order(const struct tcp_ooo *q, struct tcp_ooo *out)
{
    int first = ooo_find(q, q->last);
    out->n = 0;
    if (first >= 0)
        ooo_copy(out, q, first);
    for (int i = q->n - 1; i >= 0; i--)
        if (i != first)
            ooo_copy(out, q, i);
}
