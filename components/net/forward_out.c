/*
 * forward_out.c: what the router sends. A forwarded packet leaves with
 * its TTL lowered and the IP checksum updated (RFC 1624), translated
 * toward its flow's tuple, and in fragments when it is larger than the
 * next hop's MTU and may be split (the header's first 20 bytes go in
 * each: options are not copied). Rejected packets draw an ICMP
 * destination unreachable or, for TCP, a reset that seems to come from
 * the address the packet was sent to (RFC 793's rules for a closed
 * port's RST). Also the counters' report (router.h).
 *
 * A packet the NIC's ring refuses waits in a small queue per NIC
 * (TXQ_LEN packets) for the ring to drain; past that it is lost and
 * counted (tx-lost). While that queue is full, the NIC whose packet
 * filled it is not read (fwd_rx_paused): its frames wait in its own
 * ring, and when that fills the host drops them before they cost the
 * router anything (limit: a NIC whose ring never drains again keeps
 * its feeders paused, their traffic to other NICs included; only a
 * wedged device does that). The router itself never waits. forwarded-out
 * counts frames (each fragment; a coalesced segment that leaves whole
 * for the NIC to cut counts one).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "forward.h"
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/copy.h"

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define BIG_PAGES ((ETH_HLEN + 65535 + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static uint8_t *big;
static uint8_t frag_frame[ETH_HLEN + NET_MTU_MAX];
static uint8_t rst_buf[NET_HEADROOM + 20];

uint8_t *fwd_big_buffer(void)
{
    if (!big)
        big = hc_pages_alloc(BIG_PAGES);
    return big;
}

static void fwd_ttl(uint8_t *ip)
{
    uint16_t old = get16(ip + 8);
    ip[8]--;
    nat_csum16(ip + 10, old, get16(ip + 8));
}

static int tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
    return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
           a->dport == b->dport;
}

static void fwd_translate(struct fwd *f)
{
    if (f->ct < 0)
        return;
    struct ct_entry *e = ct_get(f->ct);
    if (f->related) {
        if (e->flags & (CT_SNAT | CT_DNAT))
            nat_rewrite_error(f->pkt, f->len, f->want.dst, &e->t[1 - f->dir]);
    } else if (!tuple_eq(&f->t, &f->want)) {
        nat_rewrite(f->pkt, f->len, &f->want);
    }
}

/* ---- the holding queue ---------------------------------------------------
 * A NIC's transmit ring fills when packets come in faster than the host
 * takes them out: a forwarded packet then waits here (copied) rather
 * than being lost, and goes first when the ring has room: at the next
 * forwarded packet, or when the stack's thread calls fwd_flush. */

/* The next hop a packet waits for: an IPv4 address, or (v6) an IPv6 one. */
struct hop {
    uint8_t v6;
    uint32_t nh;
    struct in6_addr nh6;
};
struct txq_entry {
    struct hop hop;
    uint16_t len;
    uint8_t frame[ETH_HLEN + NET_MTU_MAX]; /* the IP packet at ETH_HLEN */
};
struct txq {
    unsigned head, n;
    struct txq_entry *e; /* TXQ_LEN of them, taken at the first use */
};

#define TXQ_LEN 64 /* packets waiting for one NIC's ring */
#define TXQ_PAGES                                                              \
    ((TXQ_LEN * sizeof(struct txq_entry) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

static struct txq txqs[NETIF_MAX];
/* By input NIC: 1 + the NIC its last forwarded packet had to wait for,
 * or 0 (fwd_rx_paused). */
static uint8_t stalled_on[NETIF_MAX];

static int txq_hold(struct netif *nif, const struct hop *hop,
                    const uint8_t *pkt, size_t len)
{
    struct txq *q = &txqs[nif->idx];
    if (!q->e && !(q->e = hc_pages_alloc(TXQ_PAGES)))
        return -ENOBUFS;
    if (q->n == TXQ_LEN || len > NET_MTU_MAX)
        return -ENOBUFS;
    struct txq_entry *e = &q->e[(q->head + q->n++) % TXQ_LEN];
    e->hop = *hop;
    e->len = (uint16_t)len;
    kiln_copy(e->frame + ETH_HLEN, pkt, len);
    return 0;
}

static int hop_send(struct netif *nif, const struct hop *hop, uint8_t *pkt,
                    size_t len)
{
    return hop->v6 ? nd_output(nif, &hop->nh6, pkt, len)
                   : eth_output_ip(nif, hop->nh, pkt, len);
}

/* Send what waits on nif, in order, until its ring is full again; 1 if
 * some still waits. */
static int txq_flush(struct netif *nif)
{
    struct txq *q = &txqs[nif->idx];
    while (q->n) {
        struct txq_entry *e = &q->e[q->head];
        int r = hop_send(nif, &e->hop, e->frame + ETH_HLEN, e->len);
        if (r == -ENOBUFS)
            return 1;
        if (r < 0)
            fwd_stats.tx_lost++;
        else
            fwd_stats.nif[nif->idx].out++;
        q->head = (q->head + 1) % TXQ_LEN;
        q->n--;
    }
    return 0;
}

int fwd_held(const struct netif *nif)
{
    return txqs[nif->idx].n != 0;
}

void fwd_flush(void)
{
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (txqs[i].n)
            txq_flush(nif);
}

int fwd_rx_paused(const struct netif *nif)
{
    unsigned out = stalled_on[nif->idx];
    return out && txqs[out - 1].n == TXQ_LEN;
}

/* One packet (or fragment) out of nif, behind any that wait: 0 sent,
 * 1 held, or a negative errno (lost). */
static int hop_output(struct netif *nif, const struct hop *hop, uint8_t *pkt,
                      size_t len)
{
    int r = txq_flush(nif) ? -ENOBUFS : hop_send(nif, hop, pkt, len);
    if (r == -ENOBUFS)
        return txq_hold(nif, hop, pkt, len) < 0 ? -ENOBUFS : 1;
    if (r == 0)
        fwd_stats.nif[nif->idx].out++;
    return r;
}

static int fwd_output(struct netif *nif, uint32_t nh, uint8_t *pkt, size_t len)
{
    struct hop hop = {.nh = nh};
    return hop_output(nif, &hop, pkt, len);
}

int fwd_emit6(struct netif *out, const struct in6_addr *nh, uint8_t *pkt,
              size_t len)
{
    struct hop hop = {.v6 = 1, .nh6 = *nh};
    return hop_output(out, &hop, pkt, len) < 0 ? -1 : 0;
}

void fwd_note_stall(const struct netif *in, const struct netif *out)
{
    stalled_on[in->idx] = (uint8_t)(txqs[out->idx].n ? out->idx + 1 : 0);
}

/* Fragments of at most the MTU, payload in multiples of 8 bytes; -1
 * if some were lost. */
static int fwd_fragment(struct netif *out, uint32_t nh, const uint8_t *ip,
                        size_t total)
{
    uint8_t *h = frag_frame + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 15) * 4, len = total - ihl;
    size_t chunk = (size_t)(out->mtu - 20) & ~(size_t)7;
    uint16_t frag = get16(ip + 6);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        int more = off + n < len || (frag & IP_MF);
        memcpy(h, ip, 20);
        h[0] = 0x45;
        kiln_copy(h + 20, ip + ihl + off, n);
        put16(h + 2, (uint16_t)(20 + n));
        put16(h + 6,
              (uint16_t)(((frag & IP_OFFMASK) + off / 8) | (more ? IP_MF : 0)));
        put16(h + 10, 0);
        put16(h + 10, inet_fold(inet_sum(h, 20, 0)));
        if (fwd_output(out, nh, h, 20 + n) < 0)
            return -1;
    }
    return 0;
}

int fwd_emit(struct netif *out, uint32_t nh, uint8_t *pkt, size_t len)
{
    if (len > out->mtu)
        return fwd_fragment(out, nh, pkt, len);
    return fwd_output(out, nh, pkt, len) < 0 ? -1 : 0;
}

int fwd_send(struct fwd *f)
{
    fwd_ttl(f->pkt);
    fwd_translate(f);
    if (!(f->off.flags && fwd_send_offloaded(f) == 0) && fwd_send_plain(f) < 0)
        fwd_stats.tx_lost++;
    fwd_note_stall(f->in, f->out);
    return 1;
}

/* RFC 793's reset for a segment no connection wants. */
static void fwd_send_rst(const uint8_t *ip, size_t len)
{
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    const uint8_t *th = ip + ihl;
    if (len < ihl + 20 || (th[13] & TH_RST))
        return;
    size_t seglen = len - ihl - (size_t)(th[12] >> 4) * 4;
    uint8_t *t = rst_buf + NET_HEADROOM;
    uint32_t src, dst;
    memcpy(&src, ip + 16, 4);
    memcpy(&dst, ip + 12, 4);
    memset(t, 0, 20);
    memcpy(t, th + 2, 2);
    memcpy(t + 2, th, 2);
    if (th[13] & TH_ACK) {
        memcpy(t + 4, th + 8, 4);
        t[13] = TH_RST;
    } else {
        put32(t + 8, get32(th + 4) + (uint32_t)seglen + !!(th[13] & TH_SYN) +
                         !!(th[13] & TH_FIN));
        t[13] = TH_RST | TH_ACK;
    }
    t[12] = 5 << 4;
    put16(t + 16,
          inet_fold(inet_sum(t, 20, inet_pseudo(src, dst, IPPROTO_TCP, 20))));
    ip_send(rst_buf, 20, src, dst, IPPROTO_TCP, 0);
}

int fwd_reject(struct fwd *f, const struct fw_rule *r)
{
    if (r->reject_with == FW_REJECT_TCP_RST)
        fwd_send_rst(f->pkt, f->len);
    else
        icmp_send_unreach(f->pkt, f->len, r->reject_with);
    return 1;
}

/* ---- the report -----------------------------------------------------------
 */

struct out {
    char *buf;
    size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->len < o->size) {
        int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
        if (n > 0)
            o->len += (size_t)n;
    }
    va_end(ap);
    if (o->len >= o->size)
        o->len = o->size - 1;
}

static void report_rules(struct out *o)
{
    static const char *hooks[] = {"prerouting", "input", "forward",
                                  "postrouting"};
    for (unsigned i = 0; i < fwd_rules.nrules; i++) {
        const struct fw_rule *r = &fwd_rules.rules[i];
        put(o, "rule line %u packets %llu bytes %llu: %s\n", r->line,
            (unsigned long long)r->packets, (unsigned long long)r->bytes,
            r->text);
    }
    for (int f = 0; f < 2; f++)
        for (int h = 0; h < FW_HOOKS; h++)
            if (fwd_rules.has_chain[h] & (f ? FW_FAM_IP6 : FW_FAM_IP))
                put(o, "policy %s%s %s packets %llu\n", hooks[h],
                    f ? " ip6" : "",
                    fwd_rules.policy[f][h] == FW_DROP ? "drop" : "accept",
                    (unsigned long long)fwd_rules.policy_packets[f][h]);
}

size_t router_report(char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    const struct fwd_stats *s = &fwd_stats;
    struct netif *nif;
    if (!size)
        return 0;
    buf[0] = 0;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        put(&o,
            "eth%u forwarded-in %llu forwarded-out %llu local %llu "
            "filtered %llu\n",
            i, (unsigned long long)s->nif[i].in,
            (unsigned long long)s->nif[i].out,
            (unsigned long long)s->nif[i].local,
            (unsigned long long)s->nif[i].filtered);
    put(&o,
        "dropped ttl-exceeded %llu frag-needed %llu martian %llu "
        "no-route %llu conntrack-full %llu nat-full %llu invalid %llu "
        "tx-lost %llu\n",
        (unsigned long long)s->ttl, (unsigned long long)s->too_big,
        (unsigned long long)s->martian, (unsigned long long)s->no_route,
        (unsigned long long)s->ct_full, (unsigned long long)s->nat_full,
        (unsigned long long)s->invalid, (unsigned long long)s->tx_lost);
    put(&o, "conntrack %u/%u evicted %llu\n", ct_count(), ROUTER_CT_MAX,
        (unsigned long long)ct_evicted());
    put(&o, "offloaded %llu coalesced %llu cut into %llu\n",
        (unsigned long long)s->offloaded, (unsigned long long)s->coalesced,
        (unsigned long long)s->pieces);
    report_rules(&o);
    return o.len;
}
