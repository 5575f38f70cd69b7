/*
 * tcp_cc.c: congestion control. Slow start and congestion avoidance
 * (RFC 5681) with appropriate byte counting (RFC 3465), fast retransmit on the
 * third duplicate ACK and NewReno fast recovery (RFC 6582) with partial-ACK
 * retransmission. The initial window is ten segments (RFC 6928), as
 * Linux uses.
 *
 * Byte counting has no per-ACK limit (RFC 3465's L), as in Linux: a
 * receiver behind a coalescing NIC (GRO) acknowledges a whole 64 KiB
 * TSO segment with one ACK, and a limit of one or two MSS per ACK would
 * keep slow start, and congestion avoidance counted per ACK, crawling
 * at a few segments per round trip. The bursts L guards against are the
 * TSO segments the window allows anyway.
 */
#include "tcp.h"

/* Past what the largest send ring can have in flight a bigger window
 * means nothing; the cap keeps a long loss-free transfer's from
 * wrapping around. */
#define CWND_MAX (4u * TCP_RING_MAX)

uint32_t tcp_flight(const struct tcp_pcb *p)
{
    return p->snd_max - p->snd_una;
}

void tcp_cc_init(struct tcp_pcb *p)
{
    p->cwnd = 10u * p->mss;
    p->ssthresh = UINT32_MAX;
    p->in_recovery = 0;
    p->dupacks = 0;
}

static uint32_t half_flight(const struct tcp_pcb *p)
{
    uint32_t h = tcp_flight(p) / 2;
    return h > 2u * p->mss ? h : 2u * p->mss;
}

/* New data acknowledged: acked bytes. */
void tcp_cc_ack(struct tcp_pcb *p, uint32_t acked)
{
    p->dupacks = 0;
    if (p->in_recovery) {
        if (seq_lt(p->snd_una, p->recover)) {
            /* Partial ACK (RFC 6582 3.2 step 5): resend the next hole,
             * deflate by what was acked, add back one segment. */
            if (!tcp_sack_rexmit(p))
                tcp_rexmit_one(p);
            p->cwnd = p->cwnd > acked ? p->cwnd - acked : 0;
            p->cwnd += p->mss;
            tcp_rexmit_arm(p);
            return;
        }
        uint32_t f = tcp_flight(p) + p->mss;
        p->cwnd = p->ssthresh < f ? p->ssthresh : f;
        p->in_recovery = 0;
        return;
    }
    if (p->cwnd < p->ssthresh) {
        p->cwnd += acked;
        if (p->cwnd > p->ssthresh)
            p->cwnd = p->ssthresh;
        if (p->cwnd > CWND_MAX)
            p->cwnd = CWND_MAX;
        return;
    }
    /* congestion avoidance: about one MSS per round trip, by bytes */
    uint32_t inc = (uint32_t)((uint64_t)p->mss * acked / p->cwnd);
    if (p->cwnd < CWND_MAX)
        p->cwnd += inc ? inc : 1;
}

int tcp_cc_dupack(struct tcp_pcb *p)
{
    if (p->in_recovery) {
        p->cwnd += p->mss; /* each dup ACK: a segment left the network */
        tcp_sack_rexmit(p);
        return 0;
    }
    if (++p->dupacks != 3)
        return 0;
    /* RFC 6582 3.2 step 2: not again for losses of the same window */
    if (seq_lt(p->snd_una, p->recover) && p->recover != p->snd_una)
        return 0;
    p->ssthresh = half_flight(p);
    p->recover = p->snd_max;
    p->in_recovery = 1;
    tcp_rexmit_one(p);
    p->rtx_next = p->snd_una + tcp_seg_max(p);
    p->cwnd = p->ssthresh + 3u * p->mss;
    tcp_rexmit_arm(p);
    return 1;
}

void tcp_cc_timeout(struct tcp_pcb *p)
{
    p->ssthresh = half_flight(p);
    p->cwnd = p->mss;
    p->in_recovery = 0;
    p->sacked.n = 0; /* the peer may have reneged: start over */
    p->rtx_next = p->snd_una;
    p->dupacks = 0;
    p->recover = p->snd_max;
}
