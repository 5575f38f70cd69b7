/*
 * tcp_input.c: the entry of every TCP segment. Validates the header
 * (length, data offset, options, checksum; failures are counted and
 * dropped silently), finds the connection, TIME_WAIT entry or listener,
 * answers segments for closed ports with RST (RFC 9293 3.10.7.1), and
 * handles SYN_SENT and TIME_WAIT here; synchronized states go to
 * tcp_sync.c, listeners to tcp_listen.c.
 */
#include <errno.h>
#include <string.h>
#include "tcp.h"

struct tcp_stats tcp_stats;

/* The peer's SYN options decide what the connection uses; p->mss, set
 * to what we announce, may be lower already (path MTU news about our
 * SYN). */
void tcp_apply_synopts(struct tcp_pcb *p, const struct tcp_opts *o)
{
    p->peer_mss = o->has_mss ? o->mss : TCP_MSS_NOOPT;
    if (p->peer_mss < TCP_MSS_MIN)
        p->peer_mss = TCP_MSS_MIN;
    p->mss = p->peer_mss < p->mss ? p->peer_mss : p->mss;
    p->ws_ok = o->has_ws;
    p->snd_wscale = o->has_ws ? o->ws : 0;
    if (!p->ws_ok)
        p->rcv_wscale = 0;
    p->sack_ok = o->sack_ok;
    p->ts_ok = o->has_ts;
    p->ts_recent = o->has_ts ? o->tsval : 0;
}

static void syn_sent_established(struct tcp_pcb *p, const struct tcp_hdr *th,
                                 uint64_t now)
{
    p->snd_una = ntohl(th->ack);
    p->snd_buf_seq = p->snd_una;
    p->snd_wnd = ntohs(th->win); /* never scaled in a SYN */
    p->max_snd_wnd = p->snd_wnd;
    p->snd_wl1 = ntohl(th->seq);
    p->snd_wl2 = p->snd_una;
    p->t_rexmit = 0;
    if (!p->backoff) /* Karn: only a SYN sent once gives a sample */
        tcp_rtt_sample(p, now - p->rtt_start);
    p->timing = 0;
    p->backoff = 0;
    tcp_cc_init(p);
    tcp_set_state(p, TCPS_ESTABLISHED);
    if (p->keepalive)
        tcp_timer_set(p, &p->t_keep, now + (uint64_t)p->keepidle * 1000 * MS);
    p->ack_now = 1;
    tcp_output(p);
    net_sock_notify(&p->sock);
}

static void syn_sent_input(struct tcp_pcb *p, const struct tcp_hdr *th,
                           const struct tcp_opts *o, uint64_t now)
{
    uint32_t ack = ntohl(th->ack);
    int has_ack = (th->flags & TH_ACK) != 0;
    if (has_ack && (seq_le(ack, p->iss) || seq_gt(ack, p->snd_max))) {
        if (!(th->flags & TH_RST))
            tcp_send_raw(p->laddr, p->raddr, p->lport, p->rport, ack, 0, TH_RST,
                         0, NULL, 0);
        return;
    }
    if (th->flags & TH_RST) {
        if (has_ack)
            tcp_drop(p, -ECONNREFUSED);
        return;
    }
    if (!(th->flags & TH_SYN))
        return;
    tcp_apply_synopts(p, o);
    p->irs = ntohl(th->seq);
    p->rcv_nxt = p->rcv_read = p->irs + 1;
    p->last_rcv = now;
    if (has_ack) {
        syn_sent_established(p, th, now);
        return;
    }
    /* simultaneous open: answer with SYN-ACK, same ISN */
    tcp_set_state(p, TCPS_SYN_RECEIVED);
    p->snd_wnd = ntohs(th->win);
    p->snd_wl1 = p->irs;
    tcp_send_syn(p);
}

static void tw_ack(const struct tcp_tw *t)
{
    uint8_t opt[TCP_OPT_MAX];
    uint32_t now_ms = tcp_now_ms(hc_clock_monotonic());
    size_t n = tcp_opts_write(opt, t->ts_ok, now_ms + t->ts_offset,
                              t->ts_recent, NULL, 0);
    tcp_send_raw(t->laddr, t->raddr, t->lport, t->rport, t->snd_nxt, t->rcv_nxt,
                 TH_ACK, (uint16_t)(65535u >> t->rcv_wscale), opt, n);
}

/* A segment for a TIME_WAIT entry. Returns 0 when it is a new SYN that
 * may reopen the 4-tuple (RFC 6191: a higher sequence number or a newer
 * timestamp), so the caller hands it to the listener. */
static int tw_input(struct tcp_tw *t, const struct tcp_hdr *th,
                    const struct tcp_opts *o, uint32_t dlen, uint64_t now)
{
    if (th->flags & TH_RST)
        return 1; /* RFC 1337: ignore, do not cut TIME_WAIT short */
    uint32_t seq = ntohl(th->seq);
    if ((th->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        /* Our ISNs grow with a clock per 4-tuple, so a higher sequence
         * number is the usual sign; a newer timestamp is the other. */
        int newer = seq_gt(seq, t->rcv_nxt) ||
                    (t->ts_ok && o->has_ts && seq_gt(o->tsval, t->ts_recent));
        if (newer) {
            t->used = 0;
            return 0;
        }
        tw_ack(t);
        return 1;
    }
    if (th->flags & TH_FIN) /* our last ACK was lost: again, from now */
        tcp_timer_set(NULL, &t->expire, now + TCP_TW_TIME);
    if ((th->flags & TH_FIN) || dlen)
        tw_ack(t);
    return 1;
}

/* Header checks; the options parsed into o. Returns the header length,
 * 0 to drop. */
static size_t seg_check(const struct ip_info *ip, const uint8_t *seg,
                        size_t len, struct tcp_opts *o)
{
    const struct tcp_hdr *th = (const struct tcp_hdr *)seg;
    if (len < TCP_HLEN) {
        tcp_stats.bad_hdr++;
        return 0;
    }
    size_t hlen = (size_t)(th->off >> 4) * 4;
    if (hlen < TCP_HLEN || hlen > len) {
        tcp_stats.bad_hdr++;
        return 0;
    }
    uint32_t ps =
        net_l4_pseudo(ip_src_addr(ip), ip_dst_addr(ip), IPPROTO_TCP, len);
    if (!ip->csum_ok && inet_fold(inet_sum(seg, len, ps)) != 0) {
        tcp_stats.bad_sum++;
        return 0;
    }
    if (ip->broadcast || !th->sport || !th->dport ||
        tcp_opts_parse(seg + TCP_HLEN, hlen - TCP_HLEN, o) < 0) {
        tcp_stats.bad_hdr++;
        return 0;
    }
    return hlen;
}

void tcp_input(const struct ip_info *ip, uint8_t *seg, size_t len)
{
    struct tcp_opts o;
    tcp_stats.in_segs++;
    size_t hlen = seg_check(ip, seg, len, &o);
    if (!hlen)
        return;
    const struct tcp_hdr *th = (const struct tcp_hdr *)seg;
    uint32_t dlen = (uint32_t)(len - hlen);
    uint64_t now = hc_clock_monotonic();
    struct tcp_pcb *p =
        tcp_pcb_lookup(ip_dst_addr(ip), th->dport, ip_src_addr(ip), th->sport);
    if (p) {
        if (p->state == TCPS_SYN_SENT)
            syn_sent_input(p, th, &o, now);
        else
            tcp_input_established(p, th, &o, seg + hlen, dlen, now);
        return;
    }
    struct tcp_tw *t =
        tcp_tw_lookup(ip_dst_addr(ip), th->dport, ip_src_addr(ip), th->sport);
    if (t && tw_input(t, th, &o, dlen, now))
        return;
    struct tcp_pcb *l = tcp_listener_lookup(ip_dst_addr(ip), th->dport);
    if (l) {
        tcp_listen_input(l, ip, th, &o, seg + hlen, dlen, now);
        return;
    }
    tcp_reply_rst(ip, th, dlen);
}
