/*
 * ip6_ext.c: walking an IPv6 packet's extension header chain (RFC 8200
 * section 4) up to its upper-layer header or its fragment header.
 *
 * Hop-by-hop options must come first (else parameter problem code 1 at
 * the next-header field that named it). Options in hop-by-hop and
 * destination options headers are handled per the two high bits of
 * their type (4.2): skip, drop, drop with parameter problem code 2, or
 * that unless the destination is multicast. Routing headers with
 * segments left are not ours to process, being a host: type 0 among
 * them (RFC 5095 deprecated it) gets parameter problem code 0 at the
 * routing type; with no segments left a routing header is skipped.
 * "No next header" (59) drops.
 *
 * Limits against crafted chains (RFC 8504 section 5.3's advice): at
 * most IP6_EXT_MAX headers, at most IP6_OPTS_MAX options per header and
 * no run of padding longer than 7 bytes (what alignment can need); a
 * chain that passes the packet's end drops. Pure code, host unit tested
 * in tests/unit/net-ip6.
 */
#include "ip6.h"

#define IP6_EXT_MAX 8
#define IP6_OPTS_MAX 8
#define IP6_PAD_MAX 7

#define NH_HOP 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_NONE 59
#define NH_DSTOPTS 60
#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_ROUTER_ALERT 5

static void walk_param(struct ip6_walk *w, uint8_t code, size_t ptr)
{
    w->verdict = IP6W_PARAM;
    w->code = code;
    w->ptr = (uint32_t)ptr;
}

/* An option we do not know, per its action bits; 0 to go on. */
static int walk_unknown(const uint8_t *pkt, size_t at, int mcast,
                        struct ip6_walk *w)
{
    switch (pkt[at] >> 6) {
    case 0: return 0;
    case 1: w->verdict = IP6W_DROP; return -1;
    case 2: walk_param(w, 2, at); return -1;
    default:
        if (mcast)
            w->verdict = IP6W_DROP;
        else
            walk_param(w, 2, at);
        return -1;
    }
}

/* The options of the header at off (hlen bytes long); 0 if all pass. */
static int walk_options(const uint8_t *pkt, size_t off, size_t hlen, int mcast,
                        struct ip6_walk *w)
{
    size_t at = off + 2, end = off + hlen, pad = 0;
    unsigned opts = 0;
    while (at < end) {
        if (pkt[at] == OPT_PAD1) {
            at++;
            if (++pad > IP6_PAD_MAX)
                goto bad;
            continue;
        }
        if (at + 2 > end || at + 2 + pkt[at + 1] > end)
            goto bad; /* an option overruns its header */
        size_t olen = 2 + (size_t)pkt[at + 1];
        if (pkt[at] == OPT_PADN) {
            if ((pad += olen) > IP6_PAD_MAX)
                goto bad;
        } else {
            pad = 0;
            if (++opts > IP6_OPTS_MAX)
                goto bad;
            if (pkt[at] != OPT_ROUTER_ALERT &&
                walk_unknown(pkt, at, mcast, w) < 0)
                return -1;
        }
        at += olen;
    }
    return 0;
bad:
    w->verdict = IP6W_DROP;
    return -1;
}

/* A routing header at off: 0 to skip it, -1 with w set. */
static int walk_routing(const uint8_t *pkt, size_t off, struct ip6_walk *w)
{
    if (pkt[off + 3] == 0) /* segments left: nothing for us to do */
        return 0;
    walk_param(w, 0, off + 2); /* type 0 and every other: not a router */
    return -1;
}

/* The header at off: its length, or 0 with w set. */
static size_t walk_one(const uint8_t *pkt, size_t len, uint8_t nh, size_t off,
                       int mcast, struct ip6_walk *w)
{
    size_t hlen = nh == NH_FRAGMENT ? 8 : ((size_t)pkt[off + 1] + 1) * 8;
    if (off + hlen > len) {
        w->verdict = IP6W_DROP;
        return 0;
    }
    if ((nh == NH_HOP || nh == NH_DSTOPTS) &&
        walk_options(pkt, off, hlen, mcast, w) < 0)
        return 0;
    if (nh == NH_ROUTING && walk_routing(pkt, off, w) < 0)
        return 0;
    return hlen;
}

static int is_extension(uint8_t nh)
{
    return nh == NH_HOP || nh == NH_ROUTING || nh == NH_DSTOPTS ||
           nh == NH_FRAGMENT || nh == NH_NONE;
}

void ip6_walk(const uint8_t *pkt, size_t len, uint8_t nh, size_t off,
              int after_frag, int mcast, struct ip6_walk *w)
{
    size_t nh_at = 6; /* where the current next header value sits */
    *w = (struct ip6_walk){.verdict = IP6W_DROP};
    for (int n = 0; n <= IP6_EXT_MAX; n++) {
        if (!is_extension(nh)) {
            w->verdict = IP6W_DELIVER, w->nh = nh, w->off = off;
            w->ptr = (uint32_t)nh_at;
            return;
        }
        if (nh == NH_NONE || off + 2 > len || n == IP6_EXT_MAX)
            return; /* nothing follows, a cut chain, or a chain too long */
        if (nh == NH_HOP && (off != IP6_HLEN || after_frag)) {
            walk_param(w, 1, nh_at);
            return;
        }
        if (nh == NH_FRAGMENT) {
            if (!after_frag && off + 8 <= len)
                w->verdict = IP6W_FRAG, w->nh = nh, w->off = off;
            return;
        }
        size_t hlen = walk_one(pkt, len, nh, off, mcast, w);
        if (!hlen)
            return;
        nh_at = off;
        nh = pkt[off];
        off += hlen;
    }
}
