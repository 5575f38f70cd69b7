/*
 * tcp_sack.c: using the peer's SACK blocks (RFC 2018) in loss recovery.
 * A small scoreboard (TCP_OOO_MAX ranges, the same structure as our
 * out-of-order queue) records what the peer holds beyond snd_una; during
 * fast recovery each duplicate or partial ACK resends the next hole
 * below a SACKed range, so several losses in one window are repaired in
 * about one round trip instead of one per round trip (NewReno alone).
 * Without SACK information recovery falls back to NewReno. Limits: no
 * pipe accounting (RFC 6675); the congestion window still follows
 * NewReno's inflation, and SACK information is dropped on a timeout.
 */
#include "tcp.h"

void tcp_sack_update(struct tcp_pcb *p, const struct tcp_opts *o, uint32_t ack)
{
    struct tcp_ooo *q = &p->sacked;
    /* forget what the cumulative ACK has covered */
    while (q->n && seq_le(q->end[0], ack)) {
        for (int j = 0; j + 1 < q->n; j++) {
            q->start[j] = q->start[j + 1];
            q->end[j] = q->end[j + 1];
        }
        q->n--;
    }
    if (q->n && seq_lt(q->start[0], ack))
        q->start[0] = ack;
    for (int i = 0; i < o->nsack; i++) {
        uint32_t s = o->sack[i][0], e = o->sack[i][1];
        if (!seq_lt(s, e) || seq_le(e, ack) || seq_gt(e, p->snd_max))
            continue; /* old, or claims what we never sent */
        if (seq_lt(s, ack))
            s = ack;
        tcp_ooo_add(q, s, e); /* when full, the block is just not used */
    }
}

int tcp_sack_rexmit(struct tcp_pcb *p)
{
    const struct tcp_ooo *q = &p->sacked;
    uint32_t h = seq_max(p->snd_una, p->rtx_next);
    uint32_t end = p->snd_buf_seq + p->snd_len;
    for (int i = 0; i < q->n; i++) {
        if (seq_lt(h, q->start[i])) {
            uint32_t len = q->start[i] - h, max = tcp_seg_max(p);
            if (len > max)
                len = max;
            if (seq_gt(h + len, end))
                len = seq_gt(end, h) ? end - h : 0;
            if (!len)
                return 0;
            tcp_stats.retrans++;
            tcp_stats.sack_rexmits++;
            tcp_send_seg(p, h, len, TH_ACK);
            p->rtx_next = h + len;
            return 1;
        }
        if (seq_lt(h, q->end[i]))
            h = q->end[i];
    }
    return 0;
}
