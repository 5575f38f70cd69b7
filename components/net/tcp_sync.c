/*
 * tcp_sync.c: segment processing in the synchronized states, in RFC
 * 9293 3.10.7.4 order: PAWS (RFC 7323), sequence acceptability, RST and
 * SYN under RFC 5961 (exact RST resets, in-window RST or any SYN gets a
 * challenge ACK, at most 1000 a second), ACK acceptability (RFC 5961 5.2), the
 * ACK's effects (send ring, RTT, congestion control, window, our FIN), then
 * data into the receive ring (in order, or out of order within the window),
 * then the peer's FIN.
 */
#include <errno.h>
#include "tcp.h"

/* A segment as trimmed to the window. */
struct seg {
    uint32_t seq, len; /* data */
    uint32_t seq0;     /* as sent: RFC 5961's RST check needs it untrimmed */
    const uint8_t *data;
    uint8_t flags;
    int fin;
};

/* The window we accept into: the receive ring's free space (or, half
 * open, the one the SYN-ACK announced). */
static uint32_t rcv_space(const struct tcp_pcb *p)
{
    return tcp_rcv_window(p);
}

/* Cut what lies past the window off s: the peer was told not to send
 * it, and the receive ring has no room for it. */
static void seg_clip(const struct tcp_pcb *p, struct seg *s)
{
    uint32_t end = p->rcv_nxt + rcv_space(p);
    if (!seq_gt(s->seq + s->len, end))
        return;
    s->len = seq_gt(end, s->seq) ? end - s->seq : 0;
    s->fin = 0;
}

/* RFC 9293 3.10.7.4 first check; trims s to the window. */
static int seq_acceptable(const struct tcp_pcb *p, struct seg *s)
{
    uint32_t wnd = rcv_space(p), nxt = p->rcv_nxt;
    uint32_t seglen = s->len + (uint32_t)s->fin;
    if (seglen == 0) {
        if (wnd == 0)
            return s->seq == nxt;
        return seq_ge(s->seq, nxt) && seq_lt(s->seq, nxt + wnd);
    }
    if (wnd == 0)
        return 0;
    if (!seq_lt(s->seq, nxt + wnd) || !seq_gt(s->seq + seglen, nxt))
        return 0;
    if (seq_lt(s->seq, nxt)) { /* drop the part we already have */
        uint32_t cut = nxt - s->seq;
        if (cut > s->len)
            cut = s->len;
        s->data += cut;
        s->len -= cut;
        s->seq += cut;
    }
    seg_clip(p, s);
    return 1;
}

/* RFC 2883: data we already had goes back as the first SACK block of
 * the ACK it draws, so the sender can tell a needless retransmission
 * (a loss probe, or a timeout while this guest was not running) from
 * a loss and undo its congestion window cut. */
static void dsack_note(struct tcp_pcb *p, uint32_t start, uint32_t end)
{
    if (p->sack_ok && seq_lt(start, end)) {
        p->dsack_start = start;
        p->dsack_end = end;
    }
}

/* RFC 5961 7: challenge ACKs, all connections together, at most
 * CHALLENGE_RATE a second (a token bucket holding a second's worth), so
 * a flood of forged RSTs and SYNs cannot turn into a flood of ACKs. */
#define CHALLENGE_RATE 1000
#define CHALLENGE_NS (1000 * MS / CHALLENGE_RATE) /* one token's time */
static uint64_t challenge_time;
static uint32_t challenge_tokens;

static int challenge_allowed(uint64_t now)
{
    uint64_t earned = (now - challenge_time) / CHALLENGE_NS;
    if (earned >= CHALLENGE_RATE - challenge_tokens) {
        challenge_tokens = CHALLENGE_RATE;
        challenge_time = now;
    } else {
        challenge_tokens += (uint32_t)earned;
        challenge_time += earned * CHALLENGE_NS;
    }
    if (!challenge_tokens)
        return 0;
    challenge_tokens--;
    return 1;
}

static void challenge_ack(struct tcp_pcb *p, uint64_t now)
{
    if (challenge_allowed(now))
        tcp_send_ack(p);
    else
        tcp_stats.challenge_limited++;
}

/* A peer that sent its FIN and then resets often numbers the RST as
 * its FIN (Linux's active reset after close; wrk at a run's end): one
 * below rcv_nxt. Linux takes it (tcp_reset_check), and so do we;
 * ignoring it cost an ACK and a FIN that each drew another RST. */
static int rst_after_fin(const struct tcp_pcb *p, uint32_t seq)
{
    return p->fin_rcvd && seq == p->rcv_nxt - 1 &&
           (p->state == TCPS_CLOSE_WAIT || p->state == TCPS_LAST_ACK ||
            p->state == TCPS_CLOSING);
}

static int rst_input(struct tcp_pcb *p, const struct seg *s, uint64_t now)
{
    /* RFC 5961 3.2: only a RST at exactly rcv_nxt, as sent (a RST with
     * data may start below it and be trimmed there), resets; another in
     * the window gets a challenge ACK. */
    if (s->seq0 != p->rcv_nxt && !rst_after_fin(p, s->seq0)) {
        challenge_ack(p, now);
        return 1;
    }
    switch (p->state) {
    case TCPS_SYN_RECEIVED: tcp_drop(p, p->passive ? 0 : -ECONNREFUSED); break;
    case TCPS_CLOSING:
    case TCPS_LAST_ACK: tcp_closed(p); break;
    case TCPS_CLOSE_WAIT: tcp_drop(p, -EPIPE); break;
    default: tcp_drop(p, -ECONNRESET); break;
    }
    return 1;
}

/* SYN_RECEIVED and our SYN-ACK acknowledged. */
static int syn_received_ack(struct tcp_pcb *p, const struct tcp_hdr *th,
                            uint64_t now)
{
    uint32_t ack = ntohl(th->ack);
    if (!seq_gt(ack, p->snd_una) || seq_gt(ack, p->snd_max)) {
        tcp_send_raw(p->laddr, p->raddr, p->lport, p->rport, ack, 0, TH_RST, 0,
                     NULL, 0);
        return -1;
    }
    if (tcp_alloc_rings(p) < 0) { /* out of memory: refuse cleanly */
        tcp_send_rst(p);
        tcp_drop(p, -ENOBUFS);
        return -1;
    }
    p->snd_una = ack;
    p->snd_buf_seq = ack;
    p->snd_wnd = (uint32_t)ntohs(th->win) << p->snd_wscale;
    p->max_snd_wnd = p->snd_wnd;
    p->snd_wl1 = ntohl(th->seq);
    p->snd_wl2 = ack;
    p->t_rexmit = 0;
    if (!p->backoff)
        tcp_rtt_sample(p, now - p->rtt_start);
    p->backoff = 0;
    tcp_cc_init(p);
    tcp_set_state(p, TCPS_ESTABLISHED);
    if (p->keepalive)
        tcp_timer_set(p, &p->t_keep, now + (uint64_t)p->keepidle * 1000 * MS);
    if (p->passive && p->parent)
        tcp_accept_ready(p);
    net_sock_notify(&p->sock);
    return 0;
}

/* Our FIN is acknowledged when snd_una passed the byte after the data. */
static int fin_acked(const struct tcp_pcb *p)
{
    return p->fin_queued && p->snd_una == p->snd_buf_seq + p->snd_len + 1;
}

static void new_ack(struct tcp_pcb *p, uint32_t ack, const struct tcp_opts *o,
                    uint64_t now)
{
    uint32_t acked = ack - p->snd_una;
    uint32_t end = p->snd_buf_seq + p->snd_len;
    uint32_t upto = seq_gt(ack, end) ? end : ack;
    if (seq_gt(upto, p->snd_buf_seq)) {
        p->snd_len -= upto - p->snd_buf_seq;
        p->snd_buf_seq = upto;
        if (!p->snd_len)
            tcp_ring_park(&p->snd); /* all acknowledged: hold no pages */
    }
    p->snd_una = ack;
    p->persist_probes = 0; /* progress, for an orphan too */
    if (seq_lt(p->snd_nxt, ack))
        p->snd_nxt = ack;
    if (p->ts_ok && o->has_ts && o->tsecr) {
        uint32_t ms = tcp_now_ms(now) + p->ts_offset - o->tsecr;
        tcp_rtt_sample(p, (uint64_t)ms * MS);
    } else if (p->timing && seq_ge(ack, p->rtt_seq)) {
        p->timing = 0;
        tcp_rtt_sample(p, now - p->rtt_start);
    }
    tcp_cc_ack(p, acked);
    if (p->snd_una == p->snd_max)
        p->t_rexmit = 0;
    else
        tcp_rexmit_arm(p);
    net_sock_notify(&p->sock);
}

static void window_update(struct tcp_pcb *p, const struct tcp_hdr *th,
                          uint32_t seq, uint32_t ack)
{
    if (!(seq_lt(p->snd_wl1, seq) ||
          (p->snd_wl1 == seq && seq_le(p->snd_wl2, ack))))
        return;
    p->snd_wnd = (uint32_t)ntohs(th->win) << p->snd_wscale;
    p->snd_wl1 = seq;
    p->snd_wl2 = ack;
    if (p->snd_wnd > p->max_snd_wnd)
        p->max_snd_wnd = p->snd_wnd;
    if (p->snd_wnd && p->t_persist) {
        p->t_persist = 0;
        p->backoff = 0;
    }
}

/* Our FIN's acknowledgement moves the closing states on. Returns 1 when
 * p is gone. */
static int fin_ack_states(struct tcp_pcb *p, uint64_t now)
{
    if (!fin_acked(p))
        return 0;
    switch (p->state) {
    case TCPS_FIN_WAIT_1:
        tcp_set_state(p, TCPS_FIN_WAIT_2);
        if (p->orphan)
            tcp_timer_set(p, &p->t_close, now + TCP_FIN_TIMEOUT);
        net_sock_notify(&p->sock);
        return 0;
    case TCPS_CLOSING: tcp_tw_enter(p, now); return 1;
    case TCPS_LAST_ACK: tcp_closed(p); return 1;
    default: return 0;
    }
}

/* Returns -1 when the segment must go no further. */
static int ack_input(struct tcp_pcb *p, const struct tcp_hdr *th,
                     const struct tcp_opts *o, const struct seg *s,
                     uint64_t now)
{
    uint32_t ack = ntohl(th->ack);
    if (seq_gt(ack, p->snd_max)) { /* acks what we never sent */
        p->ack_now = 1;
        return -1;
    }
    if (seq_lt(ack, p->snd_una - p->max_snd_wnd)) { /* RFC 5961 5.2 */
        p->ack_now = 1;
        return -1;
    }
    uint32_t old_wnd = p->snd_wnd;
    if (p->sack_ok && (o->nsack || p->sacked.n))
        tcp_sack_update(p, o, ack);
    if (seq_gt(ack, p->snd_una))
        new_ack(p, ack, o, now);
    else if (ack == p->snd_una && !s->len && !s->fin &&
             p->snd_una != p->snd_max &&
             (((uint32_t)ntohs(th->win) << p->snd_wscale) == old_wnd ||
              (p->sack_ok && o->nsack)))
        tcp_cc_dupack(p); /* SACK blocks mark it a duplicate even when the
                             reader's progress moved the window */
    window_update(p, th, ntohl(th->seq), ack);
    return fin_ack_states(p, now) ? -2 : 0;
}

static void ack_policy(struct tcp_pcb *p, uint32_t len, uint64_t now)
{
    /* every second segment at once, else within 40 ms (RFC 5681 4.2); a
     * segment the NIC coalesced (longer than our MSS) stands for several */
    if (++p->segs_unacked >= 2 || len > p->adv_mss)
        p->ack_now = 1;
    else if (!p->t_delack)
        tcp_timer_set(p, &p->t_delack, now + TCP_DELACK);
}

static void data_input(struct tcp_pcb *p, const struct seg *s, uint64_t now)
{
    if (tcp_ring_put(&p->rcv, p->rcv_read, s->seq, s->data, s->len) < 0) {
        tcp_stats.rcv_nomem++; /* no pages for the ring: the peer resends */
        return;
    }
    if (s->seq == p->rcv_nxt) {
        uint32_t nxt = p->rcv_nxt + s->len;
        if (p->ooo.n) {
            nxt = tcp_ooo_advance(&p->ooo, nxt);
            p->ack_now = 1; /* a hole filled: tell the sender at once */
        }
        p->rcv_unread += nxt - p->rcv_nxt;
        p->rcv_nxt = nxt;
        ack_policy(p, s->len, now);
        net_sock_notify(&p->sock);
        return;
    }
    /* not kept: its bytes in the ring count for nothing */
    if (tcp_ooo_add(&p->ooo, s->seq, s->seq + s->len) < 0)
        tcp_stats.ooo_dropped++;
    p->ack_now = 1; /* duplicate ACK, with SACK blocks */
}

/* The peer's FIN, in order. Returns 1 when p is gone. */
static int fin_input(struct tcp_pcb *p, uint64_t now)
{
    p->rcv_nxt++;
    p->fin_rcvd = 1;
    net_sock_notify(&p->sock);
    switch (p->state) {
    case TCPS_SYN_RECEIVED:
    case TCPS_ESTABLISHED:
        /* The application mostly answers the end of the stream with a
         * close: its FIN carries the ACK (one segment, not two), as
         * Linux's delayed ACK does; else the timer sends it alone. A
         * peer that closed with our answer in flight resets each of the
         * two (wrk at a run's end: bench/http's OutRsts). */
        tcp_set_state(p, TCPS_CLOSE_WAIT);
        if (!p->t_delack)
            tcp_timer_set(p, &p->t_delack, now + TCP_DELACK);
        return 0;
    case TCPS_FIN_WAIT_1:
        p->ack_now = 1;
        tcp_set_state(p, TCPS_CLOSING);
        return 0;
    case TCPS_FIN_WAIT_2:
        tcp_send_ack(p);
        tcp_tw_enter(p, now);
        return 1;
    default: return 0;
    }
}

static int can_take_data(const struct tcp_pcb *p)
{
    return p->state == TCPS_ESTABLISHED || p->state == TCPS_FIN_WAIT_1 ||
           p->state == TCPS_FIN_WAIT_2;
}

/* PAWS (RFC 7323 5.3): an old timestamp marks an old duplicate. */
static int paws_reject(const struct tcp_pcb *p, const struct tcp_hdr *th,
                       const struct tcp_opts *o)
{
    return p->ts_ok && o->has_ts && !(th->flags & TH_RST) &&
           seq_lt(o->tsval, p->ts_recent);
}

static void ts_update(struct tcp_pcb *p, const struct tcp_opts *o,
                      const struct seg *s)
{
    if (p->ts_ok && o->has_ts && seq_le(s->seq, p->last_ack_sent) &&
        seq_ge(o->tsval, p->ts_recent))
        p->ts_recent = o->tsval;
}

/* Everything after the acceptability checks; returns 1 when p is gone. */
static int sync_body(struct tcp_pcb *p, const struct tcp_hdr *th,
                     const struct tcp_opts *o, struct seg *s, uint64_t now)
{
    if (p->state == TCPS_SYN_RECEIVED) {
        if (syn_received_ack(p, th, now) < 0)
            return !p->used || p->state == TCPS_CLOSED;
        /* s was trimmed to the window a half-open connection announces;
         * the ring it just got may be smaller (memory pressure). */
        seg_clip(p, s);
    }
    int r = ack_input(p, th, o, s, now);
    if (r == -2)
        return 1;
    if (r < 0)
        return 0;
    if (s->len && can_take_data(p)) {
        if (p->orphan) { /* nobody will read it: Linux resets */
            tcp_send_rst(p);
            tcp_drop(p, -ECONNRESET);
            return 1;
        }
        data_input(p, s, now);
    }
    if (s->fin && s->seq + s->len == p->rcv_nxt && !p->fin_rcvd)
        return fin_input(p, now);
    return 0;
}

void tcp_input_established(struct tcp_pcb *p, const struct tcp_hdr *th,
                           const struct tcp_opts *o, const uint8_t *data,
                           uint32_t dlen, uint64_t now)
{
    struct seg s = {.seq = ntohl(th->seq),
                    .len = dlen,
                    .seq0 = ntohl(th->seq),
                    .data = data,
                    .flags = th->flags,
                    .fin = (th->flags & TH_FIN) != 0};
    if (p->state == TCPS_SYN_RECEIVED &&
        (th->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
        s.seq == p->irs) { /* its SYN again: our SYN-ACK was lost */
        tcp_send_syn(p);
        return;
    }
    if (paws_reject(p, th, o)) {
        tcp_send_ack(p);
        return;
    }
    if (!seq_acceptable(p, &s)) {
        if (th->flags & TH_RST) {
            if (rst_after_fin(p, s.seq0))
                rst_input(p, &s, now);
            return;
        }
        if (seq_le(s.seq + s.len, p->rcv_nxt))
            dsack_note(p, s.seq, s.seq + s.len);
        tcp_send_ack(p);
        return;
    }
    if (s.seq != s.seq0) /* its head was a duplicate */
        dsack_note(p, s.seq0, s.seq);
    p->last_rcv = now;
    /* An orphan's zero-window probes stay counted until the peer takes
     * data (new_ack): answering them is not enough. */
    if (!p->orphan)
        p->persist_probes = 0;
    if (p->keepalive && p->t_keep) {
        p->t_keep = now + (uint64_t)p->keepidle * 1000 * MS;
        p->keep_probes = 0;
    }
    if (th->flags & TH_RST) {
        rst_input(p, &s, now);
        return;
    }
    if (th->flags & TH_SYN) { /* RFC 5961 4.2, in any synchronized state */
        challenge_ack(p, now);
        return;
    }
    if (!(th->flags & TH_ACK))
        return;
    ts_update(p, o, &s);
    if (sync_body(p, th, o, &s, now))
        return;
    tcp_output(p);
}
