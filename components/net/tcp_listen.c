/*
 * tcp_listen.c: passive opens. A SYN to a listener makes a half-open
 * child pcb (no rings until the handshake completes) while the SYN
 * queue has room; past that, or when few pcbs are left, the SYN-ACK
 * carries a SYN cookie (tcp_isn.c) and no state is kept, so a SYN flood
 * cannot keep real clients out. Completed connections wait in the
 * listener's accept queue, bounded by listen()'s backlog as in Linux
 * (a full queue drops the SYN or final ACK; the peer retries). One
 * remote host holds at most TCP_PEER_MAX connections: past that its
 * SYNs get cookies, and its completed handshakes take the place of its
 * own half-open connections. A cookie ACK is taken only within two
 * minutes of the last cookie sent.
 *
 * Cookie timestamps: when the peer offers timestamps, our TSval's low
 * 5 bits carry its window scale (4 bits, 15: none) and SACK-permitted,
 * and come back in the final ACK's TSecr; the clock they count starts
 * at a keyed offset per 4-tuple (tcp_ts_offset), not at boot. Without
 * timestamps a cookie connection has neither window scaling nor SACK.
 */
#include <errno.h>
#include "tcp.h"

#define COOKIE_TS_OFFSET 64 /* later TSvals stay above the cookie's */
/* A cookie ACK is taken only this long after the listener last sent a
 * cookie (as Linux's tcp_synq_no_recent_overflow): a cookie lives two
 * 64 s periods (tcp_isn.c), and without an overflow nobody was sent one,
 * so a guessed cookie cannot open a connection. */
#define COOKIE_RECENT (128000 * MS)

static unsigned syn_queue_max(const struct tcp_pcb *l)
{
    unsigned m = l->backlog < 16 ? 16 : l->backlog;
    return m > TCP_SYN_QUEUE_MAX ? TCP_SYN_QUEUE_MAX : m;
}

static int accept_full(const struct tcp_pcb *l)
{
    return l->acc_count > l->backlog; /* Linux lets backlog + 1 wait */
}

/* Whether raddr already holds its share of the connection table. */
static int peer_full(net_addr raddr)
{
    if (net_l4_is_local(raddr) || !tcp_peer_full(raddr))
        return 0;
    tcp_stats.peer_limited++;
    return 1;
}

/* raddr at its share completes a handshake: the connection takes the
 * place of one of raddr's own half-open ones, if it has any (a host
 * that floods SYNs does not lock its own real clients out). */
static int peer_reclaim(net_addr raddr)
{
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        struct tcp_pcb *p = tcp_pcb_nth(i);
        if (p->used && p->passive && addr_eq(p->raddr, raddr) &&
            p->state == TCPS_SYN_RECEIVED) {
            tcp_drop(p, 0);
            return 1;
        }
    }
    return 0;
}

static uint16_t our_mss(net_addr raddr)
{
    return (uint16_t)(net_l4_room(raddr) - TCP_HLEN);
}

static void cookie_synack(const struct ip_info *ip, const struct tcp_hdr *th,
                          const struct tcp_opts *o, uint64_t now)
{
    uint16_t mine = our_mss(ip_src_addr(ip));
    uint16_t mss = o->has_mss && o->mss < mine ? o->mss : mine;
    if (!o->has_mss)
        mss = TCP_MSS_NOOPT;
    uint32_t seq = ntohl(th->seq);
    uint32_t cookie = tcp_cookie_make(ip_dst_addr(ip), ip_src_addr(ip),
                                      th->dport, th->sport, seq, mss, now);
    uint32_t bits = (o->has_ws ? o->ws : 15u) | (o->sack_ok ? 16u : 0u);
    uint32_t ts0 =
        tcp_now_ms(now) +
        tcp_ts_offset(ip_dst_addr(ip), ip_src_addr(ip), th->dport, th->sport);
    struct tcp_synopts so = {
        .mss = mine,
        .ws = o->has_ws ? TCP_WSCALE : -1,
        .sack_ok = o->sack_ok && o->has_ts,
        .ts = o->has_ts,
        .tsval = ((ts0 + 32) & ~31u) | bits,
        .tsecr = o->tsval,
    };
    uint8_t opt[TCP_OPT_MAX];
    size_t n = tcp_opts_write_syn(opt, &so);
    tcp_send_raw(ip_dst_addr(ip), ip_src_addr(ip), th->dport, th->sport, cookie,
                 seq + 1, TH_SYN | TH_ACK, 65535, opt, n);
    tcp_stats.cookies_sent++;
}

static void child_inherit(struct tcp_pcb *c, const struct tcp_pcb *l,
                          const struct ip_info *ip, const struct tcp_hdr *th)
{
    c->laddr = ip_dst_addr(ip);
    c->raddr = ip_src_addr(ip);
    c->lport = th->dport;
    c->rport = th->sport;
    tcp_peer_add(c); /* passive: counts against raddr's share */
    c->parent = tcp_pcb_index(l);
    c->v6sock = l->v6sock;
    c->v6only = l->v6only;
    c->nodelay = l->nodelay;
    c->reuseaddr = l->reuseaddr; /* so a restarted server can bind again */
    c->reuseport = l->reuseport;
    c->keepalive = l->keepalive;
    c->keepidle = l->keepidle;
    c->keepintvl = l->keepintvl;
    c->keepcnt = l->keepcnt;
    c->sndbuf = l->sndbuf;
    c->rcvbuf = l->rcvbuf;
    c->sndbuf_locked = l->sndbuf_locked; /* set sizes stay set, as Linux's */
    c->rcvbuf_locked = l->rcvbuf_locked;
    c->user_mss = l->user_mss;
    c->linger_on = l->linger_on;
    c->linger_s = l->linger_s;
}

static void syn_input(struct tcp_pcb *l, const struct ip_info *ip,
                      const struct tcp_hdr *th, const struct tcp_opts *o,
                      uint64_t now)
{
    if (accept_full(l)) {
        tcp_stats.syn_dropped++;
        return;
    }
    struct tcp_pcb *c = NULL;
    if (l->syn_count < syn_queue_max(l) && tcp_pcb_free_count() > 16 &&
        !peer_full(ip_src_addr(ip)))
        c = tcp_pcb_alloc();
    if (!c) {
        l->cookie_sent = now;
        cookie_synack(ip, th, o, now);
        return;
    }
    child_inherit(c, l, ip, th);
    tcp_pcb_init_conn(c, now);
    tcp_apply_synopts(c, o);
    c->irs = ntohl(th->seq);
    c->rcv_nxt = c->rcv_read = c->irs + 1;
    c->iss = tcp_isn(c->laddr, c->raddr, c->lport, c->rport, now);
    c->snd_una = c->iss;
    c->snd_nxt = c->snd_max = c->iss + 1;
    c->snd_buf_seq = c->iss + 1;
    c->snd_wnd = ntohs(th->win);
    tcp_set_state(c, TCPS_SYN_RECEIVED);
    l->syn_count++;
    c->rtt_start = now;
    tcp_send_syn(c);
    tcp_rexmit_arm(c);
}

static void cookie_opts(struct tcp_pcb *c, const struct tcp_opts *o,
                        uint16_t mss)
{
    struct tcp_opts so = {.has_mss = 1, .mss = mss};
    if (o->has_ts) {
        uint32_t bits = o->tsecr & 31;
        so.has_ts = 1;
        so.tsval = o->tsval;
        so.sack_ok = (bits & 16) != 0;
        so.has_ws = (bits & 15) != 15;
        so.ws = (uint8_t)(bits & 15);
    }
    tcp_apply_synopts(c, &so);
    if (o->has_ts)
        c->ts_offset = tcp_ts_offset(c->laddr, c->raddr, c->lport, c->rport) +
                       COOKIE_TS_OFFSET;
}

/* A bare ACK to a listener: the end of a cookie handshake, or junk. */
static void cookie_ack(struct tcp_pcb *l, const struct ip_info *ip,
                       const struct tcp_hdr *th, const struct tcp_opts *o,
                       const uint8_t *data, uint32_t dlen, uint64_t now)
{
    uint32_t seq = ntohl(th->seq), ack = ntohl(th->ack);
    uint16_t mss = 0;
    if (l->cookie_sent && now - l->cookie_sent <= COOKIE_RECENT)
        mss = tcp_cookie_check(ip_dst_addr(ip), ip_src_addr(ip), th->dport,
                               th->sport, seq - 1, ack - 1, now);
    if (!mss) {
        tcp_reply_rst(ip, th, dlen);
        return;
    }
    if (accept_full(l) ||
        (peer_full(ip_src_addr(ip)) && !peer_reclaim(ip_src_addr(ip))))
        return; /* the peer's data or retransmission tries again */
    struct tcp_pcb *c = tcp_pcb_alloc();
    if (!c) {
        tcp_reply_rst(ip, th, dlen);
        return;
    }
    tcp_stats.cookies_ok++;
    child_inherit(c, l, ip, th);
    tcp_pcb_init_conn(c, now);
    cookie_opts(c, o, mss);
    c->iss = ack - 1;
    c->snd_una = c->snd_nxt = c->snd_max = c->snd_buf_seq = ack;
    c->irs = seq - 1;
    c->rcv_nxt = c->rcv_read = c->last_ack_sent = seq;
    c->rtt_start = now;
    c->backoff = 1; /* no RTT sample from a handshake we did not time */
    tcp_set_state(c, TCPS_SYN_RECEIVED);
    l->syn_count++;
    c->snd_una = ack - 1; /* so the ACK below completes the handshake */
    tcp_input_established(c, th, o, data, dlen, now);
}

void tcp_listen_input(struct tcp_pcb *l, const struct ip_info *ip,
                      const struct tcp_hdr *th, const struct tcp_opts *o,
                      const uint8_t *data, uint32_t dlen, uint64_t now)
{
    if (th->flags & TH_RST)
        return;
    if (th->flags & TH_ACK) {
        if (th->flags & TH_SYN)
            tcp_reply_rst(ip, th, dlen);
        else
            cookie_ack(l, ip, th, o, data, dlen, now);
        return;
    }
    if (th->flags & TH_SYN)
        syn_input(l, ip, th, o, now);
}

void tcp_accept_ready(struct tcp_pcb *c)
{
    struct tcp_pcb *l = tcp_pcb_at(c->parent);
    if (l->syn_count)
        l->syn_count--;
    c->acc_next = 0;
    if (l->acc_tail)
        tcp_pcb_at(l->acc_tail)->acc_next = tcp_pcb_index(c);
    else
        l->acc_head = tcp_pcb_index(c);
    l->acc_tail = tcp_pcb_index(c);
    l->acc_count++;
    c->queued = 1;
    net_sock_notify(&l->sock);
}

/* Take c out of its listener's queues (it was reset, or is accepted). */
void tcp_child_unlink(struct tcp_pcb *c)
{
    struct tcp_pcb *l = tcp_pcb_at(c->parent);
    if (!l)
        return;
    c->parent = 0;
    if (!c->queued) {
        if (l->syn_count)
            l->syn_count--;
        return;
    }
    c->queued = 0;
    uint16_t me = tcp_pcb_index(c), prev = 0;
    for (uint16_t i = l->acc_head; i; prev = i, i = tcp_pcb_at(i)->acc_next) {
        if (i != me)
            continue;
        if (prev)
            tcp_pcb_at(prev)->acc_next = c->acc_next;
        else
            l->acc_head = c->acc_next;
        if (l->acc_tail == me)
            l->acc_tail = prev;
        l->acc_count--;
        return;
    }
}

void tcp_listen_close(struct tcp_pcb *l)
{
    uint16_t me = tcp_pcb_index(l);
    for (unsigned i = 0; i < tcp_pcb_n; i++) {
        struct tcp_pcb *c = tcp_pcb_nth(i);
        if (!c->used || c->parent != me)
            continue;
        tcp_send_rst(c);
        c->parent = 0;
        tcp_pcb_free(c);
    }
    l->acc_head = l->acc_tail = 0;
    l->acc_count = l->syn_count = 0;
}
