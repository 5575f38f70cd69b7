/*
 * fixup.c: what the net fuzz harness does to a frame before the stack
 * sees it, so mutations get past the checks a random byte string
 * fails (checksums, our random MAC, the ISN of our SYN-ACK): the
 * fuzzer flags each frame with the fixes it wants. Also reads the
 * frames the stack sends, to learn the sequence number it expects and
 * the addresses it asks ARP for.
 *
 * Every offset is checked against the frame length; a frame too short
 * or neither IPv4 nor IPv6 is left as it is. For IPv6, FIX_CSUM fixes
 * the ICMPv6, TCP or UDP checksum of an unfragmented packet behind hop-by-hop,
 * routing and destination options headers, and FIX_ACK a TCP ack.
 */
#include <arpa/inet.h>
#include <string.h>
#include "fuzz.h"

static uint32_t seq_expected; /* host order: our last TCP seq + len */
static uint32_t arp_wanted;   /* network order, 0: none */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1071 sum, folded and complemented, of len bytes plus sum. */
static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (; len > 1; p += 2, len -= 2)
        sum += rd16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The IPv4 header of frame, its length in *ihl and the transport's in
 * *l4len; NULL if the frame has none whole. */
static uint8_t *ipv4_of(uint8_t *f, size_t len, size_t *ihl, size_t *l4len)
{
    if (len < 34 || rd16(f + 12) != 0x0800)
        return NULL;
    uint8_t *ip = f + 14;
    size_t hl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2);
    if (hl < 20 || 14 + hl > len)
        return NULL;
    if (tot > len - 14 || tot < hl)
        tot = len - 14;
    *ihl = hl;
    *l4len = tot - hl;
    return ip;
}

static void fix_transport(uint8_t *ip, size_t ihl, size_t l4len)
{
    uint8_t *l4 = ip + ihl;
    size_t at = ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : ip[9] == 1 ? 2 : 0;
    if (!at || l4len < at + 2 || (rd16(ip + 6) & 0x3fff))
        return; /* unknown, too short, or a fragment: leave it */
    wr16(l4 + at, 0);
    uint32_t pseudo = 0;
    if (ip[9] != 1) /* TCP and UDP sum a pseudo-header too */
        pseudo = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) +
                 ip[9] + (uint32_t)l4len;
    uint16_t c = csum(l4, l4len, pseudo);
    wr16(l4 + at, ip[9] == 17 && c == 0 ? 0xffff : c);
}

/* The ICMPv6 message, TCP segment or UDP datagram of an IPv6 frame, its length
 * and protocol; NULL if none. */
static uint8_t *l4_of6(uint8_t *f, size_t len, size_t *mlen, uint8_t *proto)
{
    if (len < 54 || rd16(f + 12) != 0x86dd)
        return NULL;
    uint8_t *ip = f + 14;
    size_t end = 40 + rd16(ip + 4), off = 40;
    if (end > len - 14)
        end = len - 14;
    uint8_t nh = ip[6];
    for (int n = 0; n < 8 && (nh == 0 || nh == 43 || nh == 60); n++) {
        if (off + 2 > end)
            return NULL;
        nh = ip[off];
        off += ((size_t)ip[off + 1] + 1) * 8;
    }
    if ((nh != 58 || off + 4 > end) && (nh != 6 || off + 20 > end) &&
        (nh != 17 || off + 8 > end))
        return NULL;
    *mlen = end - off;
    *proto = nh;
    return ip + off;
}

static void fix_ip6(uint8_t *f, size_t len, unsigned flags)
{
    size_t mlen;
    uint8_t proto;
    uint8_t *m = l4_of6(f, len, &mlen, &proto);
    if (!m)
        return;
    if ((flags & FIX_ACK) && proto == 6) {
        uint32_t v = htonl(seq_expected);
        memcpy(m + 8, &v, 4);
    }
    if (!(flags & FIX_CSUM))
        return;
    size_t at = proto == 6 ? 16 : proto == 17 ? 6 : 2;
    const uint8_t *ip = f + 14;
    uint32_t pseudo = (uint32_t)mlen + proto;
    for (int i = 8; i < 40; i += 2)
        pseudo += rd16(ip + i);
    wr16(m + at, 0);
    wr16(m + at, csum(m, mlen, pseudo));
}

void fixup_frame(uint8_t *f, size_t len, unsigned flags, const uint8_t mac[6])
{
    size_t ihl, l4len;
    if ((flags & FIX_MAC) && len >= 6)
        memcpy(f, mac, 6);
    fix_ip6(f, len, flags);
    uint8_t *ip = ipv4_of(f, len, &ihl, &l4len);
    if (!ip)
        return;
    if ((flags & FIX_ACK) && ip[9] == 6 && l4len >= 20) {
        uint32_t v = htonl(seq_expected);
        memcpy(ip + ihl + 8, &v, 4);
    }
    if (flags & FIX_CSUM) {
        wr16(ip + 10, 0);
        wr16(ip + 10, csum(ip, ihl, 0));
        fix_transport(ip, ihl, l4len);
    }
}

/* A frame the stack sent: remember what a peer would acknowledge. */
void fixup_observe(const uint8_t *f, size_t len)
{
    size_t ihl, l4len;
    if (len >= 42 && rd16(f + 12) == 0x0806 && rd16(f + 20) == 1) {
        memcpy(&arp_wanted, f + 38, 4); /* a request: its target IP */
        return;
    }
    const uint8_t *ip = ipv4_of((uint8_t *)f, len, &ihl, &l4len);
    const uint8_t *tcp = ip ? ip + ihl : NULL;
    uint8_t proto = ip ? ip[9] : 0;
    if (!ip)
        tcp = l4_of6((uint8_t *)f, len, &l4len, &proto);
    if (!tcp || proto != 6 || l4len < 20)
        return;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    uint32_t data = doff <= l4len ? (uint32_t)(l4len - doff) : 0;
    seq_expected = rd32(tcp + 4) + data + !!(tcp[13] & 0x02) /* SYN */ +
                   !!(tcp[13] & 0x01) /* FIN */;
}

int fixup_arp_reply(uint8_t *f, const uint8_t mac[6], uint32_t our_ip)
{
    static const uint8_t peer[6] = {2, 0, 0, 0, 0, 1};
    if (!arp_wanted || arp_wanted == our_ip) /* gratuitous: no answer */
        return 0;
    memcpy(f, mac, 6);
    memcpy(f + 6, peer, 6);
    wr16(f + 12, 0x0806);
    wr16(f + 14, 1);      /* Ethernet */
    wr16(f + 16, 0x0800); /* IPv4 */
    f[18] = 6;
    f[19] = 4;
    wr16(f + 20, 2); /* reply */
    memcpy(f + 22, peer, 6);
    memcpy(f + 28, &arp_wanted, 4);
    memcpy(f + 32, mac, 6);
    memcpy(f + 38, &our_ip, 4);
    arp_wanted = 0;
    return 42;
}

size_t fixup_frag_unit(uint8_t *f, size_t len)
{
    size_t ihl, l4len;
    uint8_t *ip = ipv4_of(f, len, &ihl, &l4len);
    if (!ip)
        return 0;
    size_t n = rd16(ip + 6) & 0x1fff;
    wr16(ip + 6, 0);
    return 8 * (n ? n : 1);
}

size_t fixup_fragment(const uint8_t *f, size_t len, size_t unit, unsigned k,
                      uint8_t *out)
{
    size_t ihl, l4len;
    const uint8_t *ip = ipv4_of((uint8_t *)f, len, &ihl, &l4len);
    size_t off = (size_t)k * unit;
    if (!ip || off >= l4len)
        return 0;
    size_t piece = l4len - off < unit ? l4len - off : unit;
    size_t head = 14 + ihl;
    memcpy(out, f, head);
    memcpy(out + head, ip + ihl + off, piece);
    uint8_t *oip = out + 14;
    wr16(oip + 2, (uint16_t)(ihl + piece));
    wr16(oip + 6, (uint16_t)(off / 8 | (off + piece < l4len ? 0x2000 : 0)));
    wr16(oip + 10, 0);
    wr16(oip + 10, csum(oip, ihl, 0));
    return head + piece;
}
