/*
 * tcp_timer.c: every TCP deadline. Each pcb has a few timers (deadlines
 * in ns, 0 when off): retransmission (RFC 6298, exponential backoff,
 * SYN and SYN-ACK retries as Linux counts them), delayed ACK (40 ms, and
 * the 1 ms retry after a full NIC ring), persist (zero-window probes),
 * keepalive, and the orphan FIN_WAIT_2 timeout. An orphan (closed by
 * the application) gets TCP_ORPHAN_RETRIES zero-window probes while
 * its peer takes no data, however the peer answers them. tcp_timer()
 * runs what is due; a cached earliest deadline keeps it from looking on
 * every wake-up, and then it walks only the blocks with a timer on (a
 * list they join when one is set and leave once none is), not every
 * connection: ten thousand idle kept-alive ones cost it nothing.
 */
#include <errno.h>
#include "tcp.h"

static uint64_t tcp_next = NET_NEVER;

static void list_add(struct tcp_pcb *head, struct tcp_pcb *p)
{
    p->tnext = head;
    p->tprev = head->tprev;
    head->tprev->tnext = p;
    head->tprev = p;
}

static void list_del(struct tcp_pcb *p)
{
    p->tprev->tnext = p->tnext;
    p->tnext->tprev = p->tprev;
    p->tnext = p->tprev = NULL;
}

void tcp_timer_forget(struct tcp_pcb *p)
{
    if (p->tnext)
        list_del(p);
}

void tcp_timer_set(struct tcp_pcb *p, uint64_t *t, uint64_t deadline)
{
    *t = deadline;
    if (p && !p->tnext)
        list_add(tcp_armed, p);
    if (deadline < tcp_next) {
        tcp_next = deadline;
        net_timer_kick(deadline);
    }
}

void tcp_rexmit_arm(struct tcp_pcb *p)
{
    tcp_timer_set(p, &p->t_rexmit, hc_clock_monotonic() + p->rto);
}

static uint64_t rto_clamp(uint64_t rto)
{
    if (rto < TCP_RTO_MIN)
        return TCP_RTO_MIN;
    return rto > TCP_RTO_MAX ? TCP_RTO_MAX : rto;
}

/* RFC 6298 2.2-2.3, in microseconds; clock granularity G = 1 ms. */
void tcp_rtt_sample(struct tcp_pcb *p, uint64_t rtt_ns)
{
    uint32_t r = (uint32_t)(rtt_ns / 1000);
    if (rtt_ns > 60000 * MS)
        return; /* nonsense (an old echoed timestamp) */
    if (!p->srtt_us) {
        p->srtt_us = r ? r : 1;
        p->rttvar_us = r / 2;
    } else {
        uint32_t d = r > p->srtt_us ? r - p->srtt_us : p->srtt_us - r;
        p->rttvar_us = p->rttvar_us - p->rttvar_us / 4 + d / 4;
        p->srtt_us = p->srtt_us - p->srtt_us / 8 + r / 8;
    }
    uint32_t k = 4 * p->rttvar_us;
    p->rto = rto_clamp(((uint64_t)p->srtt_us + (k > 1000 ? k : 1000)) * 1000);
    p->backoff = 0;
}

static void rexmit_syn(struct tcp_pcb *p, uint64_t now)
{
    int limit =
        p->state == TCPS_SYN_SENT ? TCP_SYN_RETRIES : TCP_SYNACK_RETRIES;
    if (p->backoff >= limit) {
        tcp_drop(p, p->soft_err ? p->soft_err : -ETIMEDOUT);
        return;
    }
    p->backoff++;
    p->rto = rto_clamp(p->rto * 2);
    tcp_send_syn(p);
    tcp_timer_set(p, &p->t_rexmit, now + p->rto);
}

/* RFC 6298 5.4-5.7: back off and go back to the first unacknowledged
 * byte (the ring still has it), with a congestion window of one. */
static void rexmit_timeout(struct tcp_pcb *p, uint64_t now)
{
    p->t_rexmit = 0;
    if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED) {
        rexmit_syn(p, now);
        return;
    }
    if (p->snd_una == p->snd_max)
        return;
    if (p->snd_wnd == 0 && !p->orphan) {
        /* The receiver closed its window on data in flight: not a loss.
         * Probe it (the persist timer) rather than time it out. */
        p->snd_nxt = p->snd_una;
        tcp_output(p);
        return;
    }
    if (p->backoff >= (p->orphan ? 8 : TCP_RETRIES)) {
        tcp_send_rst(p);
        tcp_drop(p, p->soft_err ? p->soft_err : -ETIMEDOUT);
        return;
    }
    p->backoff++;
    p->rto = rto_clamp(p->rto * 2);
    tcp_cc_timeout(p);
    p->snd_nxt = p->snd_una;
    p->timing = 0;
    tcp_output(p);
    if (!p->t_rexmit && p->used)
        tcp_timer_set(p, &p->t_rexmit, now + p->rto);
}

static void persist_fire(struct tcp_pcb *p, uint64_t now)
{
    p->t_persist = 0;
    if (p->snd_wnd) { /* a small window: send what fits, once */
        p->force = 1;
        tcp_output(p);
        p->force = 0;
        return;
    }
    /* Nobody answers any more; or, for an orphan, its peer answers and
     * keeps the window shut (tcp_sync.c leaves its count alone). */
    if (++p->persist_probes > (p->orphan ? TCP_ORPHAN_RETRIES : TCP_RETRIES)) {
        tcp_send_rst(p);
        tcp_drop(p, -ETIMEDOUT);
        return;
    }
    /* Linux's form of probe: an old sequence number the peer answers
     * with an ACK carrying its current window. */
    tcp_send_seg(p, p->snd_una - 1, 0, TH_ACK);
    if (p->backoff < 12)
        p->backoff++;
    uint64_t d = rto_clamp(p->rto << p->backoff);
    tcp_timer_set(p, &p->t_persist, now + d);
}

static void keep_fire(struct tcp_pcb *p, uint64_t now)
{
    p->t_keep = 0;
    if (!p->keepalive ||
        (p->state != TCPS_ESTABLISHED && p->state != TCPS_CLOSE_WAIT))
        return;
    if (p->keep_probes >= p->keepcnt) {
        tcp_send_rst(p);
        tcp_drop(p, -ETIMEDOUT);
        return;
    }
    p->keep_probes++;
    tcp_send_seg(p, p->snd_una - 1, 0, TH_ACK);
    tcp_timer_set(p, &p->t_keep, now + (uint64_t)p->keepintvl * 1000 * MS);
}

static void delack_fire(struct tcp_pcb *p)
{
    p->t_delack = 0;
    if (p->state != TCPS_CLOSED && p->state != TCPS_LISTEN &&
        p->state != TCPS_SYN_SENT)
        tcp_send_ack(p);
}

/* Run p's due timers (each may free p, so check used between). */
static void pcb_timers(struct tcp_pcb *p, uint64_t now)
{
    if (p->t_retry && p->t_retry <= now) {
        p->t_retry = 0;
        /* A SYN or SYN-ACK the NIC or ARP could not take yet (the
         * peer's address is being resolved) goes now, not after a whole
         * SYN timeout: the peer's own would fire first. */
        if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED)
            tcp_send_syn(p);
        else
            tcp_output(p);
    }
    if (p->used && p->t_delack && p->t_delack <= now)
        delack_fire(p);
    if (p->used && p->t_rexmit && p->t_rexmit <= now)
        rexmit_timeout(p, now);
    if (p->used && p->t_persist && p->t_persist <= now)
        persist_fire(p, now);
    if (p->used && p->t_keep && p->t_keep <= now)
        keep_fire(p, now);
    if (p->used && p->t_close && p->t_close <= now) {
        p->t_close = 0;
        tcp_send_rst(p);
        tcp_closed(p);
    }
}

static uint64_t pcb_next(const struct tcp_pcb *p, uint64_t next)
{
    const uint64_t t[6] = {p->t_rexmit, p->t_delack, p->t_persist,
                           p->t_keep,   p->t_close,  p->t_retry};
    for (int i = 0; i < 6; i++)
        if (t[i] && t[i] < next)
            next = t[i];
    return next;
}

/* Run the armed blocks' due timers. They are moved to a list of their
 * own first and taken from its head one at a time, so blocks that a
 * timer frees or arms meanwhile (any of them) are handled right: a
 * block leaves the armed list for good only with no timer on. */
static uint64_t armed_run(uint64_t now, uint64_t next)
{
    struct tcp_pcb todo = {.tnext = &todo, .tprev = &todo};
    struct tcp_pcb *armed = tcp_armed; /* NULL before the first block */
    if (armed && armed->tnext != armed) {
        todo.tnext = armed->tnext, todo.tprev = armed->tprev;
        todo.tnext->tprev = todo.tprev->tnext = &todo;
        armed->tnext = armed->tprev = armed;
    }
    while (todo.tnext != &todo) {
        struct tcp_pcb *p = todo.tnext;
        list_del(p);
        pcb_timers(p, now); /* may free p: then it is on no list */
        uint64_t n = p->used ? pcb_next(p, NET_NEVER) : NET_NEVER;
        if (n != NET_NEVER && !p->tnext)
            list_add(tcp_armed, p);
        next = n < next ? n : next;
    }
    return next;
}

uint64_t tcp_timer(uint64_t now)
{
    tcp_pcb_trim(); /* no block is held here */
    tcp_ring_spares_expire(now);
    if (now < tcp_next)
        return tcp_next;
    tcp_next = NET_NEVER; /* timers set while running lower it again */
    uint64_t next = armed_run(now, tcp_tw_timer(now));
    if (next < tcp_next)
        tcp_next = next;
    return tcp_next;
}
