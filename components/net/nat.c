/*
 * nat.c: network address translation (RFC 3022's NAPT). A new flow's
 * reply tuple is chosen here: source NAT (masquerade: the outgoing
 * interface's address; snat: a given one) keeps the source port when no
 * other flow holds that reply tuple, else takes a random free port
 * above 1023 (the ICMP echo identifier likewise); destination NAT names
 * a new destination address and, optionally, port. Packets are then
 * rewritten toward their flow's tuple with RFC 1624's incremental
 * checksum updates (IP header, TCP/UDP with their pseudo-header), and an
 * ICMP error's quoted packet along with its outer destination, so the
 * error reaches the host that sent the quoted packet.
 *
 * Limits: no port ranges for snat; other protocols than TCP, UDP and
 * ICMP echo are translated by address only; a UDP datagram without a
 * checksum keeps none.
 */
#include <netinet/in.h>
#include <string.h>
#include "fw.h"
#include "netint.h"
#include "kiln/byteorder.h"

#define NAT_TRIES 64 /* random ports tried before the flow is refused */

static uint16_t fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)((s & 0xffff) + (s >> 16));
}

void nat_csum16(uint8_t *sum, uint16_t old, uint16_t new_)
{
    uint32_t s = (uint32_t)(uint16_t)~get16(sum) + (uint16_t)~old + new_;
    put16(sum, (uint16_t)~fold(s));
}

void nat_csum32(uint8_t *sum, uint32_t old, uint32_t new_)
{
    const uint8_t *o = (const uint8_t *)&old, *n = (const uint8_t *)&new_;
    nat_csum16(sum, get16(o), get16(n));
    nat_csum16(sum, get16(o + 2), get16(n + 2));
}

/* Where the transport checksum is, or NULL (none, or not in avail). */
static uint8_t *l4_sum(uint8_t *l4, size_t avail, uint8_t proto)
{
    size_t at = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
    if (!at || avail < at + 2)
        return NULL;
    if (proto == IPPROTO_UDP && !get16(l4 + at))
        return NULL; /* sent without a checksum */
    return l4 + at;
}

static void set_addr(uint8_t *ip, size_t off, uint32_t addr, uint8_t *sum)
{
    uint32_t old;
    memcpy(&old, ip + off, 4);
    if (old == addr)
        return;
    memcpy(ip + off, &addr, 4);
    nat_csum32(ip + 10, old, addr);
    if (sum)
        nat_csum32(sum, old, addr);
}

static void set_port(uint8_t *at, uint16_t port, uint8_t *sum)
{
    uint16_t old;
    memcpy(&old, at, 2);
    if (old == port)
        return;
    memcpy(at, &port, 2);
    if (sum)
        nat_csum16(sum, ntohs(old), ntohs(port));
}

/* Rewrite what of the packet at ip is there (avail bytes: a quote may be
 * cut short) toward want. */
static void rewrite(uint8_t *ip, size_t avail, const struct ct_tuple *want)
{
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    uint8_t *l4 = ip + ihl;
    size_t l4len = avail > ihl ? avail - ihl : 0;
    int first = !(get16(ip + 6) & 0x1fff);
    uint8_t *sum = first ? l4_sum(l4, l4len, ip[9]) : NULL;
    set_addr(ip, 12, want->src, sum);
    set_addr(ip, 16, want->dst, sum);
    if (!first)
        return;
    if ((ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP) && l4len >= 4) {
        set_port(l4, want->sport, sum);
        set_port(l4 + 2, want->dport, sum);
    } else if (ip[9] == IPPROTO_ICMP && l4len >= 8 &&
               (l4[0] == 0 || l4[0] == 8)) {
        set_port(l4 + 4, want->sport, l4 + 2); /* echo identifier */
    }
    if (sum && ip[9] == IPPROTO_UDP && !get16(sum))
        put16(sum, 0xffff); /* 0 would mean "no checksum" */
}

void nat_rewrite(uint8_t *pkt, size_t len, const struct ct_tuple *want)
{
    rewrite(pkt, len, want);
}

void nat_rewrite_error(uint8_t *pkt, size_t len, uint32_t outer_dst,
                       const struct ct_tuple *quoted)
{
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    uint8_t *icmp = pkt + ihl, *q = icmp + 8;
    set_addr(pkt, 16, outer_dst, NULL);
    rewrite(q, len - ihl - 8, quoted);
    put16(icmp + 2, 0);
    put16(icmp + 2, inet_fold(inet_sum(icmp, len - ihl, 0)));
}

static int has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
           proto == IPPROTO_ICMP;
}

/* Source NAT: the reply comes to addr, at a port no other flow's reply
 * uses there. */
static int nat_source(uint32_t addr, struct ct_tuple *reply)
{
    reply->dst = addr;
    if (!ct_tuple_used(reply))
        return 0;
    if (!has_ports(reply->proto) ||
        (reply->proto == IPPROTO_ICMP && !reply->dport))
        return -1;
    for (int i = 0; i < NAT_TRIES; i++) {
        uint16_t port = htons((uint16_t)(1024 + net_random32() % 64512));
        reply->dport = port;
        if (reply->proto == IPPROTO_ICMP)
            reply->sport = port; /* one identifier both ways */
        if (!ct_tuple_used(reply))
            return 0;
    }
    return -1;
}

int nat_choose(const struct fw_rule *r, uint32_t out_addr,
               const struct ct_tuple *cur, struct ct_tuple *reply)
{
    if (r->verdict == FW_DNAT) {
        reply->src = r->nat_addr;
        if (r->nat_port && cur->proto != IPPROTO_ICMP)
            reply->sport = htons(r->nat_port);
        return ct_tuple_used(reply) ? -1 : 0;
    }
    uint32_t addr = r->verdict == FW_SNAT ? r->nat_addr : out_addr;
    return addr ? nat_source(addr, reply) : -1;
}
