/*
 * icmp6.c: ICMPv6 for a host (RFC 4443). Echo requests are answered,
 * those to a group we listen to as well (as Linux does), from our
 * address of the request's scope. Neighbour discovery goes to nd.c and
 * ra.c, multicast listener queries to mld.c. Packet Too Big is recorded
 * per destination (RFC 8201: never below 1280, forgotten after
 * PMTU_AGE_NS) and ip6_send fragments to it.
 *
 * Errors we send (RFC 4443 section 2.4): never about an ICMPv6 error or
 * a redirect, never to a multicast or unspecified source, and about a
 * packet sent to a multicast group only for Packet Too Big or a
 * parameter problem code 2 (the option's action bits asked for it).
 * The quote is as much of the packet as fits in the minimum MTU. A
 * token bucket limits them (2.4(f)) so a flood cannot make us an
 * amplifier.
 *
 * Errors about our packets go to TCP (tcp_icmp6_error) as ICMP's do,
 * and the hard ones (port unreachable, prohibited, parameter problem:
 * Linux's "fatal" list) to connected UDP sockets, which then fail their
 * next call with ECONNREFUSED and the like. Packet Too Big needs no
 * UDP socket: the path MTU is per destination, and ip6_send fragments
 * the next datagram to it.
 *
 * Limits: PMTU_MAX destinations remembered, the oldest replaced.
 */
#include <errno.h>
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define ICMP6_UNREACH 1
#define ICMP6_PTB 2
#define ICMP6_PARAM 4
#define ICMP6_ECHO 128
#define ICMP6_ECHOREPLY 129
#define ICMP6_MLD_QUERY 130
#define ICMP6_RS 133
#define ICMP6_REDIRECT 137
#define ICMP6_HLEN 8
#define ICMP6_QUOTE_MAX (IP6_MIN_MTU - IP6_HLEN - ICMP6_HLEN)
#define ICMP6_ECHO_PAGES 17      /* headroom + a 64 KiB reassembled echo */
#define ICMP6_RATE_NS 1000000ull /* one error token per ms */
#define ICMP6_BURST 50
#define PMTU_MAX 8
#define PMTU_AGE_NS 600000000000ull /* RFC 8201 section 4: 10 minutes */

struct pmtu {
    struct in6_addr dst;
    uint16_t mtu; /* 0: free */
    uint64_t expires;
};

static uint8_t *echo_buf;
#define ERR_BUF_LEN (NET6_HEADROOM + ICMP6_HLEN + ICMP6_QUOTE_MAX)
static uint8_t *err_buf; /* allocated by the first error (kiln/table.h) */
static uint64_t tokens_at;
static unsigned tokens = ICMP6_BURST;
static struct pmtu pmtus[PMTU_MAX];

static void icmp6_checksum(uint8_t *m, size_t len, const struct in6_addr *src,
                           const struct in6_addr *dst)
{
    put16(m + 2, 0);
    put16(m + 2, inet_fold(inet_sum(m, len, ip6_pseudo(src, dst, 58, len))));
}

static void icmp6_echo(const struct ip6_info *ip, const uint8_t *msg,
                       size_t len)
{
    if (!echo_buf && !(echo_buf = hc_pages_alloc(ICMP6_ECHO_PAGES)))
        return;
    const struct addr6 *a = NULL;
    if (ip->mcast && !(a = addr6_source(ip->nif, &ip->src)))
        return;
    const struct in6_addr *src = a ? &a->a : &ip->dst;
    uint8_t *r = echo_buf + NET6_HEADROOM;
    memcpy(r, msg, len);
    r[0] = ICMP6_ECHOREPLY;
    r[1] = 0;
    icmp6_checksum(r, len, src, &ip->src);
    ip6_send(ip->nif, echo_buf, len, src, &ip->src, 58, 0);
}

/* The entry for dst, else a free one, else the one to expire first. */
static struct pmtu *pmtu_slot(const struct in6_addr *dst)
{
    struct pmtu *p = pmtus, *e;
    for (e = pmtus; e < pmtus + PMTU_MAX; e++)
        if (e->mtu && !memcmp(&e->dst, dst, 16))
            return e;
    for (e = pmtus; e < pmtus + PMTU_MAX; e++) {
        if (!e->mtu)
            return e;
        if (e->expires < p->expires)
            p = e;
    }
    return p;
}

static void pmtu_record(const struct in6_addr *dst, uint32_t mtu)
{
    if (mtu < IP6_MIN_MTU)
        mtu = IP6_MIN_MTU; /* RFC 8201 section 4: never lower */
    struct pmtu *p = pmtu_slot(dst);
    p->dst = *dst;
    p->mtu = mtu > 0xffff ? 0xffff : (uint16_t)mtu;
    p->expires = hc_clock_monotonic() + PMTU_AGE_NS;
}

uint16_t icmp6_pmtu(const struct in6_addr *dst)
{
    for (struct pmtu *e = pmtus; e < pmtus + PMTU_MAX; e++)
        if (e->mtu && !memcmp(&e->dst, dst, 16))
            return e->mtu;
    return 0;
}

uint64_t icmp6_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (struct pmtu *e = pmtus; e < pmtus + PMTU_MAX; e++) {
        if (e->mtu && now >= e->expires)
            e->mtu = 0;
        else if (e->mtu && e->expires < next)
            next = e->expires;
    }
    return next;
}

/* The errno a transport gets for an ICMPv6 error (as Linux's
 * icmpv6_err_convert). */
static int icmp6_errno(uint8_t type, uint8_t code)
{
    if (type == ICMP6_PTB)
        return -EMSGSIZE;
    if (type == ICMP6_UNREACH && code == 4)
        return -ECONNREFUSED;
    if (type == ICMP6_UNREACH && (code == 1 || code == 5 || code == 6))
        return -EACCES; /* prohibited, policy, reject route */
    return type == ICMP6_PARAM ? -EPROTO : -EHOSTUNREACH;
}

/* An error about a packet of ours: Packet Too Big is remembered for the
 * destination; TCP hears of it (RFC 5927's checks are tcp_icmp.c's). */
static void icmp6_error_in(const uint8_t *msg, size_t len)
{
    if (len < ICMP6_HLEN + IP6_HLEN)
        return;
    struct in6_addr src, dst;
    memcpy(&src, msg + ICMP6_HLEN + 8, 16);
    memcpy(&dst, msg + ICMP6_HLEN + 24, 16);
    if (!addr6_find(NULL, &src))
        return; /* not about a packet we sent */
    uint32_t mtu = get32(msg + 4);
    if (msg[0] == ICMP6_PTB) {
        pmtu_record(&dst, mtu);
        mtu = icmp6_pmtu(&dst);
    }
    int err = icmp6_errno(msg[0], msg[1]);
    if (tcp_icmp6_error)
        tcp_icmp6_error(msg + ICMP6_HLEN, len - ICMP6_HLEN, err,
                        msg[0] == ICMP6_PTB ? (uint16_t)mtu : 0);
    if ((err == -ECONNREFUSED || err == -EACCES || err == -EPROTO) &&
        udp_icmp6_error)
        udp_icmp6_error(msg + ICMP6_HLEN, len - ICMP6_HLEN, err);
}

void icmp6_input(const struct ip6_info *ip, uint8_t *msg, size_t len)
{
    if (len < 4 ||
        inet_fold(inet_sum(msg, len, ip6_pseudo(&ip->src, &ip->dst, 58, len))))
        return;
    if (msg[0] >= ICMP6_RS && msg[0] <= ICMP6_REDIRECT) {
        if (msg[0] == 134)
            ra_input(ip, msg, len);
        else
            nd_input(ip, msg, len);
        return;
    }
    if (len < ICMP6_HLEN)
        return;
    switch (msg[0]) {
    case ICMP6_ECHO: icmp6_echo(ip, msg, len); break;
    case ICMP6_UNREACH:
    case ICMP6_PTB:
    case 3: /* time exceeded */
    case ICMP6_PARAM: icmp6_error_in(msg, len); break;
    case ICMP6_MLD_QUERY: mld_query(ip, msg, len); break;
    default: break;
    }
}

/* ---- errors ------------------------------------------------------------- */

static int icmp6_rate_ok(void)
{
    uint64_t now = hc_clock_monotonic();
    uint64_t add = (now - tokens_at) / ICMP6_RATE_NS;
    if (add) {
        tokens =
            tokens + add > ICMP6_BURST ? ICMP6_BURST : tokens + (unsigned)add;
        tokens_at = now;
    }
    if (!tokens)
        return 0;
    tokens--;
    return 1;
}

/* 1 if the upper-layer message of pkt is an ICMPv6 error or redirect. */
static int icmp6_about_error(const uint8_t *pkt, size_t len)
{
    struct ip6_walk w;
    ip6_walk(pkt, len, pkt[6], IP6_HLEN, 0, 0, &w);
    if (w.verdict != IP6W_DELIVER || w.nh != 58 || w.off >= len)
        return 0;
    return pkt[w.off] < 128 || pkt[w.off] == ICMP6_REDIRECT;
}

/* RFC 4443 2.4(e). */
static int icmp6_may_answer(const uint8_t *pkt, size_t len, uint8_t type,
                            uint8_t code)
{
    if (len < IP6_HLEN)
        return 0;
    struct in6_addr s, d; /* copies: packets need not be aligned */
    memcpy(&s, pkt + 8, 16);
    memcpy(&d, pkt + 24, 16);
    if (ip6_is_multicast(&s) || ip6_is_unspecified(&s))
        return 0;
    if (ip6_is_multicast(&d) &&
        !(type == ICMP6_PTB || (type == ICMP6_PARAM && code == 2)))
        return 0;
    return !icmp6_about_error(pkt, len);
}

void icmp6_error(struct netif *nif, const uint8_t *pkt, size_t len,
                 uint8_t type, uint8_t code, uint32_t param)
{
    if (!icmp6_may_answer(pkt, len, type, code) || !icmp6_rate_ok())
        return;
    struct in6_addr src, dst;
    memcpy(&src, pkt + 24, 16); /* from the address it was sent to */
    memcpy(&dst, pkt + 8, 16);
    size_t q = len < ICMP6_QUOTE_MAX ? len : ICMP6_QUOTE_MAX;
    kiln_table((void **)&err_buf, ERR_BUF_LEN, "no memory for ICMPv6 errors");
    uint8_t *m = err_buf + NET6_HEADROOM;
    m[0] = type;
    m[1] = code;
    put32(m + 4, param);
    memcpy(m + ICMP6_HLEN, pkt, q);
    const struct in6_addr *from = &src;
    const struct addr6 *a = NULL;
    if (ip6_is_multicast(&src) || !addr6_find(NULL, &src)) {
        if (!(a = addr6_source(nif, &dst)))
            return;
        from = &a->a;
    }
    icmp6_checksum(m, ICMP6_HLEN + q, from, &dst);
    ip6_send(nif, err_buf, ICMP6_HLEN + q, from, &dst, 58, 0);
}
