/*
 * tcp_output.c: building and sending segments. tcp_output() sends what
 * the send ring, the peer's window, the congestion window and Nagle
 * allow, in full-sized segments, plus a pending ACK; everything else
 * (SYN, RST, ACK, raw replies without a connection) goes through
 * tcp_send_seg / tcp_send_raw. Segments are built on the stack in front
 * of NET_HEADROOM bytes for the lower layers.
 *
 * ip_send() returning -ENOBUFS means the NIC's ring is full: we stop,
 * note it, and a 1 ms timer (or the next input) resumes; the connection
 * is not charged with a loss.
 *
 * Offloads (hypercall.h's hc_net_meta): toward a NIC that completes
 * checksums we store only the pseudo-header sum, IPv4's or IPv6's (the
 * metadata's offsets count IPv4's headroom; l4.c moves them for IPv6);
 * toward one that also segments (TSO, IPv4 only), new data goes out in
 * segments of up to TSO_DATA_MAX bytes, whole multiples of the MSS that
 * the NIC cuts at gso_size, the data one MSS-sized segment would carry
 * after the same options. The window, Nagle and SWS rules apply to the
 * whole as to one segment; retransmissions stay one MSS each. Those
 * segments are built in one page-allocated buffer, taken at the first.
 */
#include <errno.h>
#include <string.h>
#include "tcp.h"

#define SEG_BUF (NET_HEADROOM + TCP_HLEN + TCP_OPT_MAX + NET_MTU_MAX)
/* The data of one segment for the NIC to cut: the IPv4 total length
 * (65535) less the headers. */
#define TSO_DATA_MAX (65535 - IP_HLEN - TCP_HLEN - TCP_OPT_MAX)
#define TSO_BUF (NET_HEADROOM + TCP_HLEN + TCP_OPT_MAX + TSO_DATA_MAX)
#define TCP_CSUM_AT 16 /* the checksum's offset in the TCP header */

static uint8_t *tso_buf; /* TSO_BUF bytes, at the first TSO segment */

uint32_t tcp_now_ms(uint64_t now)
{
    return (uint32_t)(now / MS);
}

static uint32_t ts_val(const struct tcp_pcb *p)
{
    return tcp_now_ms(hc_clock_monotonic()) + p->ts_offset;
}

uint32_t tcp_rcv_window(const struct tcp_pcb *p)
{
    if (!p->rcv.size) /* half-open: the ring it will get */
        return p->rcvbuf < TCP_RING_MAX ? p->rcvbuf : TCP_RING_MAX;
    return p->rcv.size - p->rcv_unread;
}

/* The window field for p: scaled, and at most 65535 without scaling. */
static uint16_t win_field(const struct tcp_pcb *p, int syn)
{
    uint32_t w = tcp_rcv_window(p);
    if (syn || !p->ws_ok)
        return w > 65535 ? 65535 : (uint16_t)w;
    w >>= p->rcv_wscale;
    return w > 65535 ? 65535 : (uint16_t)w;
}

static void put_hdr(uint8_t *seg, uint16_t sport, uint16_t dport, uint32_t seq,
                    uint32_t ack, uint8_t flags, uint16_t win, size_t optlen)
{
    struct tcp_hdr *th = (struct tcp_hdr *)seg;
    th->sport = sport;
    th->dport = dport;
    th->seq = htonl(seq);
    th->ack = htonl(ack);
    th->off = (uint8_t)(((TCP_HLEN + optlen) / 4) << 4);
    th->flags = flags;
    th->win = htons(win);
    th->sum = 0;
    th->urp = 0;
}

/* The checksum, or for a NIC that completes it the pseudo-header sum
 * and the metadata saying so; segmentation too when the data (after
 * hlen bytes of header) is longer than gso_size. */
static const struct hc_net_meta *seg_sum(struct tcp_hdr *th, size_t n,
                                         size_t hlen, uint32_t gso_size,
                                         net_addr src, net_addr dst,
                                         struct hc_net_meta *m)
{
    uint32_t ps = net_l4_pseudo(src, dst, IPPROTO_TCP, n);
    if (!(net_l4_offloads(dst) & HC_NET_TX_CSUM)) {
        th->sum = htons(inet_fold(inet_sum(th, n, ps)));
        return NULL;
    }
    th->sum = htons((uint16_t)ps);
    *m = (struct hc_net_meta){.flags = HC_NET_F_CSUM_PARTIAL,
                              .csum_start = NET_HEADROOM,
                              .csum_offset = TCP_CSUM_AT};
    if (gso_size && n - hlen > gso_size && addr_is4(dst)) {
        m->gso_type = HC_NET_GSO_TCPV4;
        m->gso_size = (uint16_t)gso_size;
        m->hdr_len = (uint16_t)(NET_HEADROOM + hlen);
    }
    return m;
}

static int seg_finish(uint8_t *buf, size_t n, size_t hlen, uint32_t gso_size,
                      net_addr src, net_addr dst)
{
    struct tcp_hdr *th = (struct tcp_hdr *)(buf + NET_HEADROOM);
    struct hc_net_meta m;
    const struct hc_net_meta *mp = seg_sum(th, n, hlen, gso_size, src, dst, &m);
    tcp_stats.out_segs++;
    return net_l4_send_meta(buf, n, src, dst, IPPROTO_TCP, 1, mp);
}

int tcp_send_raw(net_addr src, net_addr dst, uint16_t sport, uint16_t dport,
                 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
                 const uint8_t *opt, size_t optlen)
{
    uint8_t buf[NET_HEADROOM + TCP_HLEN + TCP_OPT_MAX];
    uint8_t *seg = buf + NET_HEADROOM;
    put_hdr(seg, sport, dport, seq, ack, flags, win, optlen);
    if (optlen)
        memcpy(seg + TCP_HLEN, opt, optlen);
    if (flags & TH_RST)
        tcp_stats.rst_sent++;
    return seg_finish(buf, TCP_HLEN + optlen, TCP_HLEN + optlen, 0, src, dst);
}

/* Our SACK blocks in out, their number: a duplicate first (RFC 2883),
 * then the out-of-order ranges in RFC 2018's order, as many as out
 * holds (more than one ACK's options carry). */
static int sack_blocks(const struct tcp_pcb *p, struct tcp_ooo *out)
{
    struct tcp_ooo ranges;
    out->n = 0;
    if (!p->sack_ok)
        return 0;
    if (p->dsack_start != p->dsack_end) {
        out->start[0] = p->dsack_start;
        out->end[0] = p->dsack_end;
        out->n = 1;
    }
    tcp_ooo_sack_order(&p->ooo, &ranges);
    for (int i = 0; i < ranges.n && out->n < TCP_OOO_MAX; i++) {
        out->start[out->n] = ranges.start[i];
        out->end[out->n++] = ranges.end[i];
    }
    return out->n;
}

/* Options for a segment of p with len data bytes; returns their size. */
static size_t seg_opts(struct tcp_pcb *p, uint8_t *o, uint8_t flags,
                       uint32_t len)
{
    if (flags & TH_SYN) {
        int synack = (flags & TH_ACK) != 0;
        struct tcp_synopts s = {
            .mss = p->adv_mss,
            .ws = (!synack || p->ws_ok) ? (int8_t)p->rcv_wscale : -1,
            .sack_ok = !synack || p->sack_ok,
            .ts = !synack || p->ts_ok,
            .tsval = ts_val(p),
            .tsecr = p->ts_recent,
        };
        return tcp_opts_write_syn(o, &s);
    }
    if (flags & TH_RST)
        return 0;
    struct tcp_ooo blocks;
    int nsack = sack_blocks(p, &blocks);
    if (nsack) {
        int room = (int)p->mss - (p->ts_ok ? 12 : 0) - (int)len - 4;
        if (nsack > room / 8)
            nsack = room >= 8 ? room / 8 : 0;
    }
    return tcp_opts_write(o, p->ts_ok, ts_val(p), p->ts_recent,
                          nsack ? &blocks : NULL, nsack);
}

/* After any segment carrying our ACK: nothing is owed any more (the
 * ENOBUFS retry has its own timer, t_retry, which this leaves alone). */
static void ack_sent(struct tcp_pcb *p)
{
    p->t_delack = 0;
    p->segs_unacked = 0;
    p->ack_now = 0;
    p->dsack_end = p->dsack_start; /* reported once */
    p->last_ack_sent = p->rcv_nxt;
    p->rcv_adv = p->rcv_nxt + tcp_rcv_window(p);
}

int tcp_send_seg(struct tcp_pcb *p, uint32_t seq, uint32_t len, uint8_t flags)
{
    uint8_t small[SEG_BUF];
    uint8_t *buf = len > NET_MTU_MAX ? tso_buf : small; /* tcp_burst_max */
    uint8_t *seg = buf + NET_HEADROOM;
    size_t optlen = seg_opts(p, seg + TCP_HLEN, flags, len);
    uint32_t ack = (flags & TH_ACK) ? p->rcv_nxt : 0;
    put_hdr(seg, p->lport, p->rport, seq, ack, flags,
            win_field(p, flags & TH_SYN), optlen);
    if (len)
        tcp_ring_get(&p->snd, seq, seg + TCP_HLEN + optlen, len);
    /* a NIC that segments cuts at what one segment would carry */
    uint32_t gso_size = p->mss - (uint32_t)optlen;
    int rc = seg_finish(buf, TCP_HLEN + optlen + len, TCP_HLEN + optlen,
                        gso_size, p->laddr, p->raddr);
    if (rc == -ENOBUFS) {
        if (!p->t_retry)
            tcp_timer_set(p, &p->t_retry, hc_clock_monotonic() + MS);
        return rc;
    }
    if (rc < 0) /* no route or no ARP answer: the retransmission timer */
        return rc;
    if (flags & TH_ACK)
        ack_sent(p);
    return 0;
}

int tcp_send_syn(struct tcp_pcb *p)
{
    uint8_t flags = p->state == TCPS_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK;
    return tcp_send_seg(p, p->iss, 0, flags);
}

void tcp_send_ack(struct tcp_pcb *p)
{
    if (tcp_send_seg(p, p->snd_nxt, 0, TH_ACK) < 0)
        p->ack_now = 1;
}

void tcp_send_rst(struct tcp_pcb *p)
{
    tcp_stats.rst_sent++;
    tcp_send_seg(p, p->snd_nxt, 0, TH_RST | TH_ACK);
}

void tcp_reply_rst(const struct ip_info *ip, const struct tcp_hdr *th,
                   size_t dlen)
{
    if (th->flags & TH_RST || ip->broadcast)
        return;
    if (th->flags & TH_ACK) {
        tcp_send_raw(ip_dst_addr(ip), ip_src_addr(ip), th->dport, th->sport,
                     ntohl(th->ack), 0, TH_RST, 0, NULL, 0);
        return;
    }
    uint32_t seglen =
        (uint32_t)dlen + !!(th->flags & TH_SYN) + !!(th->flags & TH_FIN);
    tcp_send_raw(ip_dst_addr(ip), ip_src_addr(ip), th->dport, th->sport, 0,
                 ntohl(th->seq) + seglen, TH_RST | TH_ACK, 0, NULL, 0);
}

/* Data bytes one segment may carry after the options we always send. */
uint32_t tcp_seg_max(const struct tcp_pcb *p)
{
    return p->mss - (p->ts_ok ? 12 : 0);
}

/* Data one segment from tcp_output may carry: a whole number of
 * tcp_seg_max toward a NIC that segments (once tso_buf is there). */
static uint32_t tcp_burst_max(const struct tcp_pcb *p)
{
    uint32_t max = tcp_seg_max(p), need = HC_NET_TX_CSUM | HC_NET_TX_TSO4;
    if ((net_l4_offloads(p->raddr) & need) != need)
        return max;
    if (!tso_buf && !(tso_buf = hc_pages_alloc((TSO_BUF + HC_PAGE_SIZE - 1) /
                                               HC_PAGE_SIZE)))
        return max;
    return TSO_DATA_MAX - TSO_DATA_MAX % max;
}

static int can_send_data(const struct tcp_pcb *p)
{
    switch (p->state) {
    case TCPS_ESTABLISHED:
    case TCPS_CLOSE_WAIT:
    case TCPS_FIN_WAIT_1:
    case TCPS_CLOSING:
    case TCPS_LAST_ACK: return 1;
    default: return 0;
    }
}

/* How much of the unsent data to put in the next segment (0: wait), and
 * whether it carries our FIN. Nagle (RFC 896) and sender-side silly
 * window avoidance (RFC 9293 3.8.6.2.1) decide small segments. */
static uint32_t next_len(struct tcp_pcb *p, uint32_t burst, int *fin)
{
    uint32_t end = p->snd_buf_seq + p->snd_len;
    uint32_t avail = seq_lt(p->snd_nxt, end) ? end - p->snd_nxt : 0;
    uint32_t cwnd = p->cwnd;
    if (!p->in_recovery && p->dupacks < 3) /* limited transmit, RFC 3042 */
        cwnd += p->dupacks * p->mss;
    uint32_t wnd = p->snd_wnd < cwnd ? p->snd_wnd : cwnd;
    uint32_t flight = p->snd_nxt - p->snd_una;
    uint32_t usable = wnd > flight ? wnd - flight : 0;
    uint32_t max = tcp_seg_max(p), len = avail;
    if (len > burst)
        len = burst;
    if (len > usable)
        len = usable;
    *fin = p->fin_queued && len == avail && seq_le(p->snd_nxt, end);
    if (len > max && !*fin) /* whole segments: the rules below take the tail */
        len -= len % max;
    if (len >= max || *fin || p->force)
        return len;
    if (len == 0)
        return 0;
    if (len < avail) /* window-limited: only if a good share of it */
        return len >= p->max_snd_wnd / 2 ? len : 0;
    if (p->cork || p->more)
        return 0;
    if (!p->nodelay && flight)
        return 0; /* Nagle: wait for the ACK of what is in flight */
    return len;
}

/* Nothing is in flight but data waits, behind a zero window (probe it)
 * or a window too small to be worth a segment (RFC 9293 3.8.6.2.1: the
 * override timeout sends what fits). */
static void persist_check(struct tcp_pcb *p)
{
    uint32_t end = p->snd_buf_seq + p->snd_len;
    if (seq_lt(p->snd_nxt, end) && p->snd_nxt == p->snd_una && !p->t_persist &&
        !p->cork && !p->more) {
        p->t_rexmit = 0;
        tcp_timer_set(p, &p->t_persist, hc_clock_monotonic() + p->rto);
    }
}

void tcp_output(struct tcp_pcb *p)
{
    int sent = 0;
    uint32_t burst = tcp_burst_max(p);
    while (can_send_data(p)) {
        int fin;
        uint32_t len = next_len(p, burst, &fin);
        if (!len && !fin)
            break;
        uint32_t seq = p->snd_nxt;
        uint8_t flags = TH_ACK | (fin ? TH_FIN : 0);
        if (len && seq_ge(seq + len, p->snd_buf_seq + p->snd_len))
            flags |= TH_PSH;
        int rc = tcp_send_seg(p, seq, len, flags);
        if (rc < 0) {
            if (rc != -ENOBUFS && !p->t_rexmit)
                tcp_rexmit_arm(p); /* try again, backing off */
            break;
        }
        sent = 1;
        if (seq_lt(seq, p->snd_max))
            tcp_stats.retrans++;
        else if (!p->ts_ok && !p->timing && len) {
            p->timing = 1; /* Karn: time only new data */
            p->rtt_seq = seq + len;
            p->rtt_start = hc_clock_monotonic();
        }
        p->snd_nxt = seq + len + (uint32_t)fin;
        if (seq_gt(p->snd_nxt, p->snd_max))
            p->snd_max = p->snd_nxt;
        if (!p->t_rexmit)
            tcp_rexmit_arm(p);
        p->t_persist = 0;
    }
    if (!sent && p->ack_now)
        tcp_send_ack(p);
    persist_check(p);
}

void tcp_rexmit_one(struct tcp_pcb *p)
{
    uint32_t end = p->snd_buf_seq + p->snd_len;
    uint32_t len = seq_lt(p->snd_una, end) ? end - p->snd_una : 0;
    uint8_t flags = TH_ACK;
    if (len > tcp_seg_max(p))
        len = tcp_seg_max(p);
    if (p->fin_queued && p->snd_una + len == end && seq_gt(p->snd_max, end))
        flags |= TH_FIN;
    if (!len && !(flags & TH_FIN))
        return;
    tcp_stats.retrans++;
    tcp_send_seg(p, p->snd_una, len, flags);
}
