/*
 * forward_local.c: the router's own traffic, both families: what comes
 * to one of its addresses goes through the input chain, statefully, as
 * with nftables' `chain input { ct state established,related accept;
 * ...; policy drop; }`. A flow to the router whose first packet the
 * input chain accepts gets an entry in the flow table (only while a
 * chain hooks input for that family), and every packet the stack sends
 * (ipv4.c's and ipv6.c's transmit call fwd_local_out) moves its flow on
 * as a reply, so the later packets of that flow are `established`, and
 * an ICMP error about it `related`, exactly as for forwarded flows.
 *
 * Never filtered, as Linux's clients and kernel take them before any
 * chain: a DHCP server's answers to an interface asking for a lease,
 * and neighbour discovery and MLD (RFC 4861's hop limit 255, RFC 3810's
 * link-local sources), without which IPv6 does not work on the link.
 *
 * The router answers each side on that side's address only (RFC 1122
 * 3.3.4.2's strong model): a packet to another interface's address is
 * dropped, so the inside's status page is not reachable from outside.
 *
 * Limits: the router's own packets are not filtered (no output chain);
 * flows the router itself opens (other than DHCP) are not tracked until
 * their reply, so their replies are `new` to the input chain.
 */
#include <netinet/in.h>
#include <string.h>
#include "forward.h"
#include "ip6.h"
#include "kiln/byteorder.h"

#define ICMP6_MLD_QUERY 130
#define ICMP6_MLD_DONE 132
#define ICMP6_ND_FIRST 133 /* router solicitation */
#define ICMP6_ND_LAST 137  /* redirect */
#define ICMP6_MLD2_REPORT 143

static int local_drop(uint64_t *counter)
{
    (*counter)++;
    return 1;
}

/* ---- IPv4 --------------------------------------------------------------- */

static int other_if(const struct fwd *f)
{
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif != f->in && nif->addr && nif->addr == f->want.dst)
            return 1;
    return 0;
}

/* A DHCP server's answer to an interface that asks for a lease. */
static int is_dhcp_reply(const struct fwd *f)
{
    return f->in->use_dhcp && f->t.proto == IPPROTO_UDP &&
           f->t.sport == htons(67) && f->t.dport == htons(68);
}

/* An accepted new flow to us, tracked while an input chain needs it. */
static void local_track(int ct, uint8_t state, uint8_t fam,
                        const struct ct_tuple *t, uint64_t now)
{
    struct ct_tuple reply;
    if (ct >= 0 || state != FW_CT_NEW || !(fwd_rules.has_chain[FW_INPUT] & fam))
        return;
    fw_tuple_invert(t, &reply);
    if (ct_insert(t, &reply, now) < 0)
        fwd_stats.ct_full++; /* delivered all the same: the chain said so */
}

int fwd_local(struct fwd *f)
{
    const struct fw_rule *r;
    struct fwd_if_stats *s = &fwd_stats.nif[f->in->idx];
    f->out = NULL;
    if (other_if(f))
        return local_drop(&s->filtered);
    if (is_dhcp_reply(f)) {
        s->local++;
        return 0;
    }
    int v = fwd_eval(f, FW_INPUT, &r);
    if (v == FW_DROP)
        return local_drop(&s->filtered);
    if (v == FW_REJECT) {
        s->filtered++;
        return fwd_reject(f, r);
    }
    local_track(f->ct, f->state, FW_FAM_IP, &f->t, f->now);
    s->local++;
    return 0;
}

/* ---- IPv6 --------------------------------------------------------------- */

/* Neighbour discovery (from a neighbour: hop limit 255) or MLD. */
static int is_link_control(const struct fwd6 *f)
{
    if (f->t.proto != IPPROTO_ICMPV6 || f->frag || f->len < f->l4 + 4)
        return 0;
    uint8_t type = f->pkt[f->l4];
    if (type >= ICMP6_ND_FIRST && type <= ICMP6_ND_LAST)
        return f->pkt[7] == 255;
    return ((type >= ICMP6_MLD_QUERY && type <= ICMP6_MLD_DONE) ||
            type == ICMP6_MLD2_REPORT) &&
           ip6_is_linklocal(&f->t.src6);
}

int fwd6_local(struct fwd6 *f)
{
    const struct fw_rule *r;
    struct fwd_if_stats *s = &fwd_stats.nif[f->in->idx];
    if (is_link_control(f))
        return 0;
    struct fw_pkt p;
    fwd6_view(f, FW_INPUT, &p);
    int v = fw_eval(&fwd_rules, &p, &r);
    if (v == FW_DROP || v == FW_REJECT) {
        if (v == FW_REJECT)
            fwd6_reject(f, r);
        return local_drop(&s->filtered);
    }
    local_track(f->ct, f->state, FW_FAM_IP6, &f->t, f->now);
    s->local++;
    return 0;
}

/* ---- what the stack sends ------------------------------------------------ */

static int tuple_of_any(const uint8_t *pkt, size_t len, struct ct_tuple *t,
                        size_t *l4)
{
    if (len >= IP6_HLEN && pkt[0] >> 4 == 6) {
        struct ip6_walk w;
        ip6_walk(pkt, len, pkt[6], IP6_HLEN, 0, 0, &w);
        if (w.verdict != IP6W_DELIVER)
            return -1;
        *l4 = w.off;
        return fw_tuple_of6(pkt, len, w.off, w.nh, t);
    }
    if (len < 20 || (get16(pkt + 6) & 0x1fff))
        return -1; /* a later fragment: the first one moved the flow */
    *l4 = (size_t)(pkt[0] & 15) * 4;
    return fw_tuple_of(pkt, len, t);
}

void fwd_local_out(const struct netif *nif, const uint8_t *pkt, size_t len)
{
    struct ct_tuple t;
    size_t l4;
    int dir;
    if (!fwd_enabled() || nif->loopback || tuple_of_any(pkt, len, &t, &l4) < 0)
        return;
    int idx = ct_lookup(&t, &dir);
    if (idx < 0)
        return;
    uint8_t flags = t.proto == IPPROTO_TCP && len >= l4 + 14 ? pkt[l4 + 13] : 0;
    ct_update(idx, dir, flags, fwd_tick());
}
