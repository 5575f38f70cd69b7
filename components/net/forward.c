/*
 * forward.c: the router (RFC 1812 for IPv4). ipv4.c hands every packet
 * that passed its header checks to fwd_input when this file is linked,
 * which only an image that calls router.h does (app/router); before
 * router_enable it hands them straight back, so the stack is a host's.
 *
 * A packet goes, as in Linux's netfilter: reassembly (fragments are
 * filtered as whole datagrams, so no fragment can slip past a port
 * rule) -> connection tracking -> for a new flow, the prerouting nat
 * chain (dnat) -> route lookup on the translated destination -> to us:
 * the input chain, then the stack; else the forward chain -> for a new
 * flow, the postrouting nat chain (masquerade, snat) and its entry in
 * the flow table -> TTL, MTU -> out, translated (forward_out.c).
 *
 * Forwarding refuses (RFC 1812 4.2.2.11, 5.3.7, 5.3.5.2; RFC 3704):
 * martian sources and destinations (0/8, 127/8, 169.254/16 link-local,
 * multicast and class E, broadcasts, any subnet's directed broadcast),
 * and sources that do not route back through the interface they came
 * in on (strict reverse-path filter: spoofed sources). TTL 1 draws
 * Time Exceeded; DF and a larger packet than the next hop's MTU draw
 * Fragmentation Needed with that MTU; no route draws Net Unreachable.
 *
 * Bounded work: each received frame costs a hash lookup, one pass over
 * the rules and at most one datagram's fragments (or one coalesced
 * segment's pieces, forward_rx.c) sent; netif.c takes at
 * most RX_BUDGET frames from one NIC before the next NIC's turn, so a
 * flood on one cannot starve the others. Nothing here waits.
 *
 * IPv6 has its own way through (forward6.c) and shares the flow table;
 * the router's own traffic goes through forward_local.c.
 *
 * Limits: locally made packets are not filtered (no output chain).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "forward.h"
#include "kiln/byteorder.h"

#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define TH_SYN 0x02
#define TH_ACK 0x10
#define EXPIRE_EVERY_NS 1000000000ull

struct fwd_stats fwd_stats;
struct fw_ruleset fwd_rules;
static int fwd_on;
static uint64_t next_expire;

static int fwd_drop(uint64_t *counter)
{
    (*counter)++;
    return 1;
}

/* ---- flows -------------------------------------------------------------- */

/* The state of a packet that belongs to no flow yet. */
static uint8_t fwd_new_state(const struct fwd *f)
{
    size_t ihl = (size_t)(f->pkt[0] & 15) * 4;
    if (f->t.proto == IPPROTO_TCP)
        return (f->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN ? FW_CT_NEW
                                                            : FW_CT_INVALID;
    if (f->t.proto == IPPROTO_ICMP && f->pkt[ihl] == 0)
        return FW_CT_INVALID; /* an echo reply to no request */
    return FW_CT_NEW;
}

/* An ICMP error about a tracked flow's packet: related to it. */
static int fwd_track_error(struct fwd *f)
{
    struct ct_tuple q, inv;
    if (!fw_icmp_error_quote(f->pkt, f->len, &q))
        return 0;
    fw_tuple_invert(&q, &inv);
    int d, idx = ct_lookup(&inv, &d);
    if (idx < 0) {
        f->state = FW_CT_INVALID;
        return 1;
    }
    struct ct_entry *e = ct_get(idx);
    f->ct = idx;
    f->dir = d;
    f->related = 1;
    f->state = FW_CT_RELATED;
    f->want = f->t;
    f->want.dst = e->t[1 - d].src; /* the quoted packet's first sender */
    return 1;
}

static void fwd_track(struct fwd *f)
{
    size_t ihl = (size_t)(f->pkt[0] & 15) * 4;
    f->ct = -1;
    f->want = f->t;
    if (f->t.proto == IPPROTO_TCP && f->len >= ihl + 14)
        f->tcp_flags = f->pkt[ihl + 13];
    if (fwd_track_error(f))
        return;
    int idx = ct_lookup(&f->t, &f->dir);
    if (idx < 0) {
        f->state = fwd_new_state(f);
        fw_tuple_invert(&f->t, &f->reply);
        return;
    }
    f->ct = idx;
    f->state = (uint8_t)ct_update(idx, f->dir, f->tcp_flags, f->now);
    fw_tuple_invert(&ct_get(idx)->t[1 - f->dir], &f->want);
}

/* ---- rules -------------------------------------------------------------- */

static void fwd_view(const struct fwd *f, int hook, struct fw_pkt *p)
{
    size_t ihl = (size_t)(f->pkt[0] & 15) * 4;
    memset(p, 0, sizeof *p);
    p->hook = (uint8_t)hook;
    p->family = FW_FAM_IP;
    p->iif = hook == FW_POSTROUTING ? 0 : (uint8_t)(f->in->idx + 1);
    p->oif = f->out ? (uint8_t)(f->out->idx + 1) : 0;
    p->proto = f->t.proto;
    p->ct = f->state;
    p->src = f->t.src; /* source NAT comes after the filter */
    p->dst = f->want.dst;
    p->has_ports = f->t.proto == IPPROTO_TCP || f->t.proto == IPPROTO_UDP;
    p->sport = ntohs(f->t.sport);
    p->dport = ntohs(f->want.dport);
    p->icmp_type = f->t.proto == IPPROTO_ICMP ? f->pkt[ihl] : -1;
    p->len = f->len;
}

/* The verdict of hook's chain, with the rule that gave it. */
int fwd_eval(struct fwd *f, int hook, const struct fw_rule **r)
{
    struct fw_pkt p;
    fwd_view(f, hook, &p);
    return fw_eval(&fwd_rules, &p, r);
}

/* prerouting: dnat. -1 when the packet is dropped. */
static int fwd_prerouting(struct fwd *f)
{
    const struct fw_rule *r;
    int v = fwd_eval(f, FW_PREROUTING, &r);
    if (v == FW_DROP)
        return -1;
    if (v != FW_DNAT)
        return 0;
    if (nat_choose(r, 0, &f->t, &f->reply) < 0) {
        fwd_stats.nat_full++;
        return -1;
    }
    fw_tuple_invert(&f->reply, &f->want);
    return 0;
}

/* postrouting (masquerade, snat), then the flow's entry. */
static int fwd_new_flow(struct fwd *f)
{
    const struct fw_rule *r;
    int v = fwd_eval(f, FW_POSTROUTING, &r);
    if (v == FW_DROP)
        return -1;
    if ((v == FW_MASQUERADE || v == FW_SNAT) &&
        nat_choose(r, f->out->addr, &f->want, &f->reply) < 0) {
        fwd_stats.nat_full++;
        return -1;
    }
    int idx = ct_insert(&f->t, &f->reply, f->now);
    if (idx < 0) {
        fwd_stats.ct_full++;
        return -1;
    }
    ct_get(idx)->flags |=
        (uint8_t)((f->reply.src != f->t.dst || f->reply.sport != f->t.dport
                       ? CT_DNAT
                       : 0) |
                  (f->reply.dst != f->t.src || f->reply.dport != f->t.sport
                       ? CT_SNAT
                       : 0));
    f->ct = idx;
    fw_tuple_invert(&f->reply, &f->want);
    return 0;
}

/* ---- where it goes ------------------------------------------------------ */

static int is_martian(uint32_t a)
{
    const uint8_t *b = (const uint8_t *)&a;
    return b[0] == 0 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
           b[0] >= 224;
}

/* A subnet's directed broadcast (RFC 2644: not forwarded). */
static int is_subnet_bcast(uint32_t a)
{
    struct netif *nif;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif->addr && nif->mask != 0xffffffffu &&
            a == (nif->addr | ~nif->mask))
            return 1;
    return 0;
}

/* For us: ours, a broadcast, multicast, or DHCP before an address. */
static int fwd_is_local(const struct fwd *f)
{
    uint32_t dst = f->want.dst;
    return netif_is_local(dst) || dst == 0xffffffffu ||
           ((const uint8_t *)&dst)[0] >= 224 || !f->in->addr ||
           (f->in->mask != 0xffffffffu && dst == (f->in->addr | ~f->in->mask));
}

static int fwd_spoofed(const struct fwd *f)
{
    uint32_t nh;
    struct netif *back = route_lookup(f->t.src, &nh);
    return !back || back != f->in; /* strict reverse path (RFC 3704) */
}

static int fwd_refused(const struct fwd *f)
{
    return is_martian(f->t.src) || is_martian(f->want.dst) ||
           is_subnet_bcast(f->t.src) || is_subnet_bcast(f->want.dst) ||
           fwd_spoofed(f);
}

/* RFC 1812 5.2.3's checks before anything is decided about it. */
static int fwd_limits(struct fwd *f)
{
    if (f->pkt[8] <= 1) {
        icmp_send_error(f->pkt, f->len, 11, 0);
        return fwd_drop(&fwd_stats.ttl);
    }
    if (fwd_wire_len(f) > f->out->mtu && (get16(f->pkt + 6) & IP_DF)) {
        icmp_send_frag_needed(f->pkt, f->len, f->out->mtu);
        return fwd_drop(&fwd_stats.too_big);
    }
    return 0;
}

static int fwd_forward(struct fwd *f)
{
    const struct fw_rule *r;
    f->out = route_lookup(f->want.dst, &f->nh);
    if (!f->out || f->out->loopback) {
        icmp_send_unreach(f->pkt, f->len, 0);
        return fwd_drop(&fwd_stats.no_route);
    }
    if (fwd_refused(f))
        return fwd_drop(&fwd_stats.martian);
    if (fwd_limits(f))
        return 1;
    int v = fwd_eval(f, FW_FORWARD, &r);
    if (v == FW_DROP || v == FW_REJECT) {
        fwd_stats.nif[f->in->idx].filtered++;
        return v == FW_REJECT ? fwd_reject(f, r) : 1;
    }
    if (f->ct < 0 && f->state == FW_CT_NEW && fwd_new_flow(f) < 0)
        return fwd_drop(&fwd_stats.nif[f->in->idx].filtered);
    fwd_stats.nif[f->in->idx].in++;
    return fwd_send(f);
}

static int fwd_packet(struct fwd *f)
{
    if (fw_tuple_of(f->pkt, f->len, &f->t) < 0)
        return fwd_drop(&fwd_stats.invalid); /* cut short: no ports */
    fwd_track(f);
    if (f->ct < 0 && f->state == FW_CT_NEW && fwd_prerouting(f) < 0)
        return fwd_drop(&fwd_stats.nif[f->in->idx].filtered);
    if (fwd_is_local(f))
        return fwd_local(f);
    return fwd_forward(f);
}

/* A fragment: the whole datagram once it is complete, with headroom. */
static uint8_t *fwd_reassemble(uint8_t *pkt, size_t *len)
{
    uint8_t *big = fwd_big_buffer();
    if (!big)
        return NULL;
    size_t whole;
    uint8_t *d = reasm_add(pkt, *len, &whole);
    if (!d)
        return NULL;
    memcpy(big + ETH_HLEN, d, whole);
    *len = whole;
    return big + ETH_HLEN;
}

int fwd_enabled(void)
{
    return fwd_on;
}

uint64_t fwd_tick(void)
{
    uint64_t now = hc_clock_monotonic();
    if (now >= next_expire) {
        ct_expire(now);
        next_expire = now + EXPIRE_EVERY_NS;
    }
    return now;
}

int fwd_input(struct netif *nif, uint8_t **pkt, size_t *len)
{
    if (!fwd_on)
        return 0;
    struct fwd f = {.in = nif, .pkt = *pkt, .len = *len};
    if (fwd_rx_offloads(nif, f.pkt, f.len, &f.off) < 0)
        return fwd_drop(&fwd_stats.invalid);
    f.now = fwd_tick();
    if (get16(f.pkt + 6) & (IP_MF | IP_OFFMASK)) {
        if (!(f.pkt = fwd_reassemble(f.pkt, &f.len)))
            return 1; /* held until the rest comes */
        *pkt = f.pkt;
        *len = f.len;
    }
    return fwd_packet(&f);
}

/* ---- router.h ----------------------------------------------------------- */

int router_load_rules(const char *text, size_t len, char *err, size_t errlen)
{
    static struct fw_ruleset parsed; /* the rules in force stay until done */
    if (fw_parse(text, len, &parsed, err, errlen) < 0)
        return -EINVAL;
    fwd_rules = parsed;
    return 0;
}

int router_set_mtu(unsigned idx, unsigned mtu)
{
    struct netif *nif = netif_get(idx);
    if (!nif || mtu < 576 || mtu > nif->mtu)
        return -EINVAL;
    nif->mtu = (uint16_t)mtu;
    return 0;
}

unsigned router_address(unsigned idx)
{
    struct netif *nif = netif_get(idx);
    return nif ? nif->addr : 0;
}

void router_enable(void)
{
    fwd_big_buffer(); /* now, not at the first fragment */
    fwd_on = 1;
}
