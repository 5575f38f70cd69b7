/*
 * icmp.c: ICMP for a host (RFC 792, RFC 1122 section 3.2.2). Echo
 * requests are answered (not those sent to a broadcast address, as
 * Linux's default); destination unreachable and time exceeded are
 * passed to the transport that sent the quoted packet; we send
 * destination unreachable for closed UDP ports and unknown protocols,
 * and time exceeded when reassembly gives up (reasm.c); a router
 * (forward.c) sends them for what it cannot or may not forward.
 *
 * Never sent (RFC 1122 3.2.2): errors about ICMP errors, about
 * broadcast or multicast packets, about fragments other than the first,
 * or to a source that is not a unicast host. Errors are rate limited
 * (a token bucket) so a flood cannot turn us into an amplifier.
 *
 * Limits: no timestamp, address mask or redirect handling (redirects
 * are ignored, as a host may).
 */
#include <errno.h>
#include <string.h>
#include "netint.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_HLEN 8
#define ICMP_QUOTE_MAX (576 - IP_HLEN - ICMP_HLEN) /* RFC 1812 4.3.2.3 */
#define ICMP_ECHO_PAGES 17      /* NET_HEADROOM + a 64 KiB reassembled echo */
#define ICMP_RATE_NS 1000000ull /* one error token per ms */
#define ICMP_BURST 50

static uint8_t *echo_buf;
#define ERR_BUF_LEN (NET_HEADROOM + ICMP_HLEN + ICMP_QUOTE_MAX)
static uint8_t *err_buf;   /* allocated by the first error (kiln/table.h) */
static uint64_t tokens_at; /* when the bucket was last refilled */
static unsigned tokens = ICMP_BURST;

static void icmp_echo(const struct ip_info *ip, const uint8_t *msg, size_t len)
{
    if (ip->broadcast)
        return;
    if (!echo_buf && !(echo_buf = hc_pages_alloc(ICMP_ECHO_PAGES)))
        return;
    uint8_t *r = echo_buf + NET_HEADROOM;
    memcpy(r, msg, len);
    r[0] = ICMP_ECHOREPLY;
    r[1] = 0;
    put16(r + 2, 0);
    put16(r + 2, inet_fold(inet_sum(r, len, 0)));
    ip_send(echo_buf, len, ip->dst, ip->src, IPPROTO_ICMP, 0);
}

/* The error codes Linux gives a socket for destination unreachable. */
static int icmp_unreach_errno(uint8_t code)
{
    switch (code) {
    case 0: return -ENETUNREACH;
    case 2: return -ENOPROTOOPT;
    case 3: return -ECONNREFUSED;
    case 4: return -EMSGSIZE;
    default: return -EHOSTUNREACH;
    }
}

/* An error about a packet of ours: check the quote, tell its sender. */
static void icmp_error_in(const uint8_t *msg, size_t len)
{
    const uint8_t *q = msg + ICMP_HLEN;
    size_t qlen = len - ICMP_HLEN;
    if (qlen < IP_HLEN || q[0] >> 4 != 4)
        return;
    size_t ihl = (size_t)(q[0] & 15) * 4;
    uint32_t src;
    memcpy(&src, q + 12, 4);
    if (ihl < IP_HLEN || qlen < ihl + 8 || !netif_is_local(src))
        return; /* too short to name a port, or not about our packet */
    int err =
        msg[0] == ICMP_TIMXCEED ? -EHOSTUNREACH : icmp_unreach_errno(msg[1]);
    uint16_t mtu = (uint16_t)(msg[6] << 8 | msg[7]);
    if (q[9] == IPPROTO_TCP && tcp_icmp_error)
        tcp_icmp_error(q, qlen, err, msg[1] == 4 ? mtu : 0);
    else if (q[9] == IPPROTO_UDP && udp_icmp_error)
        udp_icmp_error(q, qlen, err);
}

void icmp_input(const struct ip_info *ip, uint8_t *msg, size_t len)
{
    if (len < ICMP_HLEN || inet_fold(inet_sum(msg, len, 0)))
        return;
    switch (msg[0]) {
    case ICMP_ECHO: icmp_echo(ip, msg, len); break;
    case ICMP_UNREACH:
    case ICMP_TIMXCEED: icmp_error_in(msg, len); break;
    default: break;
    }
}

static int icmp_rate_ok(void)
{
    uint64_t now = hc_clock_monotonic();
    uint64_t add = (now - tokens_at) / ICMP_RATE_NS;
    if (add) {
        tokens =
            tokens + add > ICMP_BURST ? ICMP_BURST : tokens + (unsigned)add;
        tokens_at = now;
    }
    if (!tokens)
        return 0;
    tokens--;
    return 1;
}

/* RFC 1122 3.2.2: the cases in which no error may be sent. */
static int icmp_may_answer(const uint8_t *pkt, size_t len)
{
    if (len < IP_HLEN)
        return 0;
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    uint32_t src;
    memcpy(&src, pkt + 12, 4);
    uint8_t first = (uint8_t)src;
    if (!src || src == 0xffffffffu || (first & 0xf0) >= 0xe0)
        return 0;
    if ((pkt[6] & 0x1f) || pkt[7]) /* not the first fragment */
        return 0;
    if (pkt[9] == IPPROTO_ICMP && len >= ihl + 1 && pkt[ihl] != ICMP_ECHO &&
        pkt[ihl] != ICMP_ECHOREPLY)
        return 0; /* about an ICMP error (or anything but a query) */
    return 1;
}

/* rest: the header's last 16 bits (the next-hop MTU of frag needed). */
static void icmp_error(const uint8_t *pkt, size_t len, uint8_t type,
                       uint8_t code, uint16_t rest)
{
    if (!icmp_may_answer(pkt, len) || !icmp_rate_ok())
        return;
    size_t q = len < ICMP_QUOTE_MAX ? len : ICMP_QUOTE_MAX;
    kiln_table((void **)&err_buf, ERR_BUF_LEN, "no memory for ICMP errors");
    uint8_t *m = err_buf + NET_HEADROOM;
    memset(m, 0, ICMP_HLEN);
    m[0] = type;
    m[1] = code;
    put16(m + 6, rest);
    memcpy(m + ICMP_HLEN, pkt, q);
    put16(m + 2, inet_fold(inet_sum(m, ICMP_HLEN + q, 0)));
    uint32_t src, dst;
    memcpy(&src, pkt + 16, 4); /* answer from the address it was sent to */
    memcpy(&dst, pkt + 12, 4);
    if (!netif_is_local(src))
        src = 0;
    ip_send(err_buf, ICMP_HLEN + q, src, dst, IPPROTO_ICMP, 0);
}

void icmp_send_error(const uint8_t *pkt, size_t len, uint8_t type, uint8_t code)
{
    icmp_error(pkt, len, type, code, 0);
}

void icmp_send_frag_needed(const uint8_t *pkt, size_t len, uint16_t mtu)
{
    icmp_error(pkt, len, ICMP_UNREACH, 4, mtu);
}

void icmp_send_unreach(const uint8_t *pkt, size_t len, uint8_t code)
{
    icmp_send_error(pkt, len, ICMP_UNREACH, code);
}
