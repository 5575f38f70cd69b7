/*
 * forward6.c: the router for IPv6 (RFC 8200 section 3, RFC 4443). ipv6.c
 * hands every packet whose fixed header passed its checks to
 * fwd6_input when this file is linked (app/router); before
 * router_enable, and for IPv6 while no forward chain sees IPv6 (an ip6
 * or inet table's), packets not for us are dropped as a host drops
 * them: a rule set written for IPv4 alone does not open IPv6 through the
 * router (Linux would need net.ipv6.conf.all.forwarding as well).
 *
 * A packet to us (one of the arriving interface's addresses, or a
 * multicast group) goes through the input chain (forward_local.c), then
 * the stack. Any other goes: extension headers walked to the transport
 * -> connection tracking (the same table as IPv4's; ICMPv6 errors are
 * related to the flow they quote) -> refusals: link-local and
 * unspecified addresses are never forwarded (RFC 4291 2.5.6), nor
 * multicast, nor sources that would not route back out of the interface
 * they came in on (RFC 3704) -> hop limit 1 draws Time Exceeded -> the
 * route (none: Destination Unreachable, no route) -> the forward chain
 * -> a new flow's entry -> a packet larger than the next link's MTU
 * draws Packet Too Big (routers never fragment IPv6) -> out, the hop
 * limit lowered (no header checksum to mend), held like IPv4's while
 * the NIC's ring is full (forward_out.c).
 *
 * Limits: no NAT66 (nat chains see IPv4 only); fragments are not
 * forwarded (Linux reassembles them to filter them; counted as
 * invalid); a reject answers ICMPv6 port unreachable (nft's default) or, for
 * every other kind (tcp reset included), administratively prohibited.
 */
#include <netinet/in.h>
#include <string.h>
#include "forward.h"
#include "ip6.h"
#include "kiln/byteorder.h"

#define TH_SYN 0x02
#define TH_ACK 0x10
#define ICMP6_ECHO_REPLY 129
#define ICMP6_UNREACH 1
#define ICMP6_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM 4

static int drop6(uint64_t *counter)
{
    (*counter)++;
    return 1;
}

static void addr_of(const uint8_t *p, struct in6_addr *a)
{
    memcpy(a, p, 16);
}

/* ---- flows -------------------------------------------------------------- */

static uint8_t new_state6(const struct fwd6 *f)
{
    if (f->t.proto == IPPROTO_TCP)
        return (f->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN ? FW_CT_NEW
                                                            : FW_CT_INVALID;
    if (f->t.proto == IPPROTO_ICMPV6 && f->pkt[f->l4] == ICMP6_ECHO_REPLY)
        return FW_CT_INVALID;
    return FW_CT_NEW;
}

/* The packet's flow and its state (FW_CT_*), as forward.c's fwd_track. */
void fwd6_track(struct fwd6 *f)
{
    struct ct_tuple q, inv;
    int d;
    f->ct = -1;
    if (f->t.proto == IPPROTO_TCP && f->len >= f->l4 + 14)
        f->tcp_flags = f->pkt[f->l4 + 13];
    if (f->t.proto == IPPROTO_ICMPV6 &&
        fw_icmp6_error_quote(f->pkt, f->len, f->l4, &q)) {
        fw_tuple_invert(&q, &inv);
        f->ct = ct_lookup(&inv, &d);
        f->state = f->ct < 0 ? FW_CT_INVALID : FW_CT_RELATED;
        return;
    }
    f->ct = ct_lookup(&f->t, &d);
    f->state = f->ct < 0 ? new_state6(f)
                         : (uint8_t)ct_update(f->ct, d, f->tcp_flags, f->now);
}

void fwd6_view(const struct fwd6 *f, int hook, struct fw_pkt *p)
{
    memset(p, 0, sizeof *p);
    p->hook = (uint8_t)hook;
    p->family = FW_FAM_IP6;
    p->iif = (uint8_t)(f->in->idx + 1);
    p->oif = f->out ? (uint8_t)(f->out->idx + 1) : 0;
    p->proto = f->t.proto;
    p->ct = f->state;
    p->src6 = f->t.src6;
    p->dst6 = f->t.dst6;
    p->has_ports = f->t.proto == IPPROTO_TCP || f->t.proto == IPPROTO_UDP;
    p->sport = ntohs(f->t.sport);
    p->dport = ntohs(f->t.dport);
    p->icmp_type = f->t.proto == IPPROTO_ICMPV6 ? f->pkt[f->l4] : -1;
    p->len = f->len;
}

void fwd6_reject(const struct fwd6 *f, const struct fw_rule *r)
{
    uint8_t code = r->reject_with == 3 ? 4 : 1; /* port, or prohibited */
    icmp6_error(f->in, f->pkt, f->len, ICMP6_UNREACH, code, 0);
}

/* ---- where it goes ------------------------------------------------------ */

/* Addresses a router never forwards between links (RFC 4291 2.5.6). */
static int refused6(const struct fwd6 *f)
{
    struct in6_addr nh;
    const struct in6_addr *s = &f->t.src6, *d = &f->t.dst6;
    if (ip6_is_linklocal(s) || ip6_is_linklocal(d) || ip6_is_unspecified(s) ||
        ip6_is_multicast(d))
        return 1;
    return ip6_route(s, &nh) != f->in; /* strict reverse path (RFC 3704) */
}

/* A packet to one of our addresses or groups; drop (1) one to another
 * interface's address, as forward.c does for IPv4. */
static int for_us6(const struct fwd6 *f, int *other)
{
    struct netif *nif;
    *other = 0;
    if (ip6_is_multicast(&f->t.dst6) || addr6_find(f->in, &f->t.dst6))
        return 1;
    for (unsigned i = 0; (nif = netif_get(i)); i++)
        if (nif != f->in && addr6_find(nif, &f->t.dst6))
            *other = 1;
    return *other;
}

/* A partial checksum (a sender on the same host) completed: the next
 * link's receivers must see a final one. */
static int make_plain6(struct fwd6 *f)
{
    const struct hc_net_meta *m = f->in->rx_meta;
    if (!m)
        return 0;
    if (m->gso_type != HC_NET_GSO_NONE)
        return -1; /* no NIC coalesces IPv6 here (HC_NET_RX_TSO4) */
    inet_csum_finish(f->pkt - ETH_HLEN, f->len + ETH_HLEN, m);
    return 0;
}

static int send6(struct fwd6 *f, const struct in6_addr *nh)
{
    uint16_t mtu = f->out->mtu, ra_mtu = if6_of(f->out)->mtu;
    if (ra_mtu && ra_mtu < mtu)
        mtu = ra_mtu; /* a router advertisement's, or mtu= lowered it */
    if (f->len > mtu) {
        icmp6_error(f->in, f->pkt, f->len, ICMP6_TOO_BIG, 0, mtu);
        return drop6(&fwd_stats.too_big);
    }
    if (make_plain6(f) < 0)
        return drop6(&fwd_stats.invalid);
    f->pkt[7]--;
    fwd_stats.nif[f->in->idx].in++;
    if (fwd_emit6(f->out, nh, f->pkt, f->len) < 0)
        fwd_stats.tx_lost++;
    fwd_note_stall(f->in, f->out);
    return 1;
}

static int forward6(struct fwd6 *f)
{
    const struct fw_rule *r;
    struct in6_addr nh;
    if (f->frag)
        return drop6(&fwd_stats.invalid);
    if (refused6(f))
        return drop6(&fwd_stats.martian);
    if (f->pkt[7] <= 1) {
        icmp6_error(f->in, f->pkt, f->len, ICMP6_TIME_EXCEEDED, 0, 0);
        return drop6(&fwd_stats.ttl);
    }
    f->out = ip6_route(&f->t.dst6, &nh);
    if (!f->out || f->out->loopback) {
        icmp6_error(f->in, f->pkt, f->len, ICMP6_UNREACH, 0, 0);
        return drop6(&fwd_stats.no_route);
    }
    struct fw_pkt p;
    fwd6_view(f, FW_FORWARD, &p);
    int v = fw_eval(&fwd_rules, &p, &r);
    if (v == FW_DROP || v == FW_REJECT) {
        if (v == FW_REJECT)
            fwd6_reject(f, r);
        return drop6(&fwd_stats.nif[f->in->idx].filtered);
    }
    struct ct_tuple reply;
    fw_tuple_invert(&f->t, &reply);
    if (f->ct < 0 && f->state == FW_CT_NEW &&
        ct_insert(&f->t, &reply, f->now) < 0)
        return drop6(&fwd_stats.ct_full);
    return send6(f, &nh);
}

/* The transport past the extension headers: 0, or 1 when taken. */
static int walk6(struct fwd6 *f)
{
    struct ip6_walk w;
    ip6_walk(f->pkt, f->len, f->pkt[6], IP6_HLEN, 0,
             ip6_is_multicast(&f->t.dst6), &w);
    if (w.verdict == IP6W_DROP)
        return drop6(&fwd_stats.invalid);
    if (w.verdict == IP6W_PARAM) {
        icmp6_error(f->in, f->pkt, f->len, ICMP6_PARAM, w.code, w.ptr);
        return drop6(&fwd_stats.invalid);
    }
    f->frag = w.verdict == IP6W_FRAG;
    f->l4 = w.off;
    if (fw_tuple_of6(f->pkt, f->len, f->frag ? f->len : w.off,
                     f->frag ? IPPROTO_FRAGMENT : w.nh, &f->t) < 0)
        return drop6(&fwd_stats.invalid); /* cut short: no ports */
    return 0;
}

int fwd6_input(struct netif *nif, uint8_t *pkt, size_t len)
{
    if (!fwd_enabled())
        return 0;
    struct fwd6 f = {.in = nif, .pkt = pkt, .len = len};
    f.now = hc_clock_monotonic();
    addr_of(pkt + 8, &f.t.src6);
    addr_of(pkt + 24, &f.t.dst6);
    int other;
    if (for_us6(&f, &other)) {
        if (other)
            return drop6(&fwd_stats.nif[nif->idx].filtered);
        if (walk6(&f))
            return 1;
        fwd6_track(&f);
        return fwd6_local(&f);
    }
    if (!(fwd_rules.has_chain[FW_FORWARD] & FW_FAM_IP6))
        return 0; /* not an IPv6 router: the host drops it */
    if (walk6(&f))
        return 1;
    fwd6_track(&f);
    return forward6(&f);
}
