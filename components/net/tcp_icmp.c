/*
 * tcp_icmp.c: ICMP errors about segments we sent (RFC 5927 checks, RFC
 * 1191 path MTU). The quoted sequence number must lie in what we have in
 * flight, or the message is ignored (a blind attacker cannot guess it).
 * "Fragmentation needed" lowers the MSS and resends; other errors abort
 * a connection still in SYN_SENT (as Linux) and are otherwise soft:
 * kept for SO_ERROR and for the error a timeout reports. ICMPv6 errors
 * (tcp_icmp6_error) get the same treatment; Packet Too Big is never
 * below 1280 there (icmp6.c).
 */
#include <errno.h>
#include <string.h>
#include "tcp.h"

/* An address as the quoted header stores it: network order, unaligned. */
static uint32_t addr_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void pmtu_lower(struct tcp_pcb *p, uint16_t mtu)
{
    if (mtu < 68 || mtu > NET_MTU_MAX)
        return;
    uint32_t iphlen = addr_is4(p->raddr) ? IP_HLEN : 40;
    uint32_t mss = (uint32_t)mtu - iphlen - TCP_HLEN;
    if (mss < TCP_MSS_MIN)
        mss = TCP_MSS_MIN;
    if (mss >= p->mss)
        return;
    p->mss = (uint16_t)mss;
    /* Only the SYN is in flight during the handshake, and it is small:
     * rewinding snd_nxt to the ISN would leave the established
     * connection with 4 GB "in flight". */
    if (p->state == TCPS_SYN_SENT || p->state == TCPS_SYN_RECEIVED)
        return;
    p->snd_nxt = p->snd_una; /* resend what was too big */
    tcp_output(p);
}

void tcp_icmp_error(const uint8_t *quoted, size_t len, int err, uint16_t mtu)
{
    if (len < IP_HLEN)
        return;
    size_t ihl = (size_t)(quoted[0] & 0xf) * 4;
    if (ihl < IP_HLEN || len < ihl + 8)
        return;
    const struct tcp_hdr *th = (const struct tcp_hdr *)(quoted + ihl);
    uint32_t src = addr_at(quoted + 12), dst = addr_at(quoted + 16);
    struct tcp_pcb *p =
        tcp_pcb_lookup(addr_from4(src), th->sport, addr_from4(dst), th->dport);
    tcp_icmp_pcb(p, th, err, mtu);
}

/* The checks and actions common to ICMP and ICMPv6, for the connection
 * p (NULL: none) that sent the quoted segment th. */
void tcp_icmp_pcb(struct tcp_pcb *p, const struct tcp_hdr *th, int err,
                  uint16_t mtu)
{
    if (!p)
        return;
    uint32_t seq = ntohl(th->seq);
    if (seq_lt(seq, p->snd_una) || seq_gt(seq, p->snd_max))
        return;
    if (err == -EMSGSIZE) {
        pmtu_lower(p, mtu);
        return;
    }
    if (p->state == TCPS_SYN_SENT) {
        tcp_drop(p, err);
        return;
    }
    p->soft_err = err;
}

void tcp_icmp6_error(const uint8_t *quoted, size_t len, int err, uint16_t mtu)
{
    if (len < 40 + 8 || quoted[6] != IPPROTO_TCP)
        return; /* extension headers in the quote: not followed */
    net_addr src, dst;
    memcpy(&src, quoted + 8, 16);
    memcpy(&dst, quoted + 24, 16);
    const struct tcp_hdr *th = (const struct tcp_hdr *)(quoted + 40);
    tcp_icmp_pcb(tcp_pcb_lookup(src, th->sport, dst, th->dport), th, err, mtu);
}
