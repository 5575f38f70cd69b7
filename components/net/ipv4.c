/*
 * ipv4.c: IPv4 input and output (RFC 791, RFC 1122 section 3.2).
 *
 * Input validates version, header length, total length against the
 * frame (Ethernet padding is trimmed), the header checksum and the
 * source address; skips options (never acted on); passes fragments
 * through reasm.c; and delivers to ICMP, UDP or TCP what is addressed
 * to us, to a broadcast address, or (for DHCP's offers) anything UDP on
 * an interface that has no address yet; what else comes before DHCP
 * binds is held by early.c. A host, not a router, unless forward.c is
 * linked (app/router): then every packet goes to it first. Unknown
 * protocols get ICMP protocol unreachable.
 *
 * Output builds the 20-byte header in the caller's headroom and
 * fragments datagrams longer than the interface MTU (unless DF, then
 * -EMSGSIZE). Fragments are copied into one frame buffer each in turn;
 * it holds the largest MTU's frame (the loopback's, NET_LOOP_MTU),
 * taken from the page allocator at the first fragmented datagram.
 *
 * Offloads: a packet sent with hc_net_meta (ip_send_meta) goes to the
 * NIC with it; a segmenting one (TSO) may pass the MTU, as the NIC cuts
 * it. Received, the NIC's word on the transport checksum reaches the
 * transport in ip_info.csum_ok, except for reassembled fragments.
 *
 * Identification (RFC 6864: unique per source, destination and
 * protocol while fragments may live) comes from RFC 7739 section 5.3's
 * hash-based scheme: a keyed hash of the three picks one of IPID_BUCKETS
 * counters and an offset. One global counter would let any peer count
 * the datagrams we send to everyone else between two of its own; here
 * it sees only its bucket's, which the secret key hides the sharers of.
 */
#include <errno.h>
#include <string.h>
#include "netint.h"
#include "kiln/table.h"
#include "tcp.h" /* tcp_siphash: the stack's keyed hash */
#include "kiln/byteorder.h"

#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define IP_TTL_DEFAULT 64
#define IP_MAX 65535

#define IPID_BUCKETS 256 /* a power of two */
#define FRAG_PAGES ((ETH_HLEN + NET_LOOP_MTU + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)
/* The largest packet frag_buf holds: more than NET_LOOP_MTU. */
#define FRAG_MTU (FRAG_PAGES * HC_PAGE_SIZE - ETH_HLEN)

static uint16_t *ipid_counter; /* IPID_BUCKETS, allocated by the first use */
static uint8_t ipid_key[16];
static int ipid_keyed;
static uint8_t *frag_buf; /* FRAG_PAGES, at the first fragmented datagram */

static int is_martian_src(uint32_t a)
{
    uint8_t first = ((const uint8_t *)&a)[0];
    return a == 0xffffffffu || (first & 0xf0) == 0xe0 || first == 127;
}

static int ip_is_bcast(const struct netif *nif, uint32_t dst)
{
    return dst == 0xffffffffu || (nif->addr && nif->mask != 0xffffffffu &&
                                  dst == (nif->addr | ~nif->mask));
}

/* 1 if a packet to dst arriving on nif is ours to deliver. */
static int ip_accepts(const struct netif *nif, uint32_t dst, uint8_t proto)
{
    if (nif->loopback || netif_is_local(dst))
        return !(((const uint8_t *)&dst)[0] == 127 && !nif->loopback);
    if (ip_is_bcast(nif, dst))
        return 1;
    return !nif->addr && proto == IPPROTO_UDP; /* DHCP before its lease */
}

static void ip_deliver(const struct ip_info *info, uint8_t *pkt, size_t ihl,
                       size_t total)
{
    uint8_t *data = pkt + ihl;
    size_t len = total - ihl;
    switch (pkt[9]) {
    case IPPROTO_ICMP: icmp_input(info, data, len); break;
    case IPPROTO_UDP: udp_input(info, data, len); break;
    case IPPROTO_TCP:
        if (tcp_input) {
            tcp_input(info, data, len);
            break;
        }
        /* fall through - an image without TCP does not speak it */
    default:
        if (!info->broadcast)
            icmp_send_unreach(pkt, total, 2);
    }
}

void ip_input(struct netif *nif, uint8_t *pkt, size_t len)
{
    if (len < IP_HLEN || pkt[0] >> 4 != 4)
        return;
    size_t ihl = (size_t)(pkt[0] & 15) * 4, total = get16(pkt + 2);
    if (ihl < IP_HLEN || total < ihl || total > len)
        return;
    if (!nif->loopback && inet_fold(inet_sum(pkt, ihl, 0)))
        return; /* loopback packets were made here and never corrupted */
    uint32_t src, dst;
    memcpy(&src, pkt + 12, 4);
    memcpy(&dst, pkt + 16, 4);
    if (!nif->loopback && (is_martian_src(src) || netif_is_local(src)))
        return; /* forged, or our own packet looped back by the network */
    if (fwd_input && !nif->loopback) {
        if (fwd_input(nif, &pkt, &total))
            return; /* a router's: forwarded or filtered (forward.c) */
        ihl = (size_t)(pkt[0] & 15) * 4; /* reassembled or translated */
        memcpy(&dst, pkt + 16, 4);
    }
    if (!ip_accepts(nif, dst, pkt[9])) {
        early_hold(nif, pkt, total); /* before DHCP binds (early.c) */
        return;
    }
    uint8_t csum_ok = nif->rx_csum_ok;
    if (get16(pkt + 6) & (IP_MF | IP_OFFMASK)) {
        if (!(pkt = reasm_add(pkt, total, &total)))
            return;
        ihl = (size_t)(pkt[0] & 15) * 4;
        csum_ok = 0; /* the NIC saw one fragment, not the datagram */
    }
    struct ip_info info = {
        .nif = nif,
        .src = src,
        .dst = dst,
        .ttl = pkt[8],
        .tos = pkt[1],
        .broadcast = (uint8_t)ip_is_bcast(nif, dst),
        .csum_ok = csum_ok,
        .hdr = pkt,
    };
    ip_deliver(&info, pkt, ihl, total);
}

static void ip_header(uint8_t *h, size_t total, uint16_t id, uint16_t frag,
                      uint8_t proto, uint32_t src, uint32_t dst)
{
    h[0] = 0x45;
    h[1] = 0;
    put16(h + 2, (uint16_t)total);
    put16(h + 4, id);
    put16(h + 6, frag);
    h[8] = IP_TTL_DEFAULT;
    h[9] = proto;
    put16(h + 10, 0);
    memcpy(h + 12, &src, 4);
    memcpy(h + 16, &dst, 4);
    put16(h + 10, inet_fold(inet_sum(h, IP_HLEN, 0)));
}

static int ip_transmit(struct netif *nif, uint32_t nh, uint8_t *ip, size_t len,
                       const struct hc_net_meta *m)
{
    if (nif->loopback) {
        if (m) /* ip_offloads says none, but no packet goes out unsummed */
            inet_csum_finish(ip - ETH_HLEN, ETH_HLEN + len, m);
        return loop_send(ip, len);
    }
    if (fwd_local_out) /* a router's flow table sees our replies */
        fwd_local_out(nif, ip, len);
    return eth_output_ip_meta(nif, nh, ip, len, m);
}

/* The next identification toward dst (see the top of the file). */
static uint16_t ip_next_id(uint32_t src, uint32_t dst, uint8_t proto)
{
    if (!ipid_keyed) {
        for (size_t i = 0; i < sizeof ipid_key; i += 4) {
            uint32_t r = net_random32();
            memcpy(ipid_key + i, &r, 4);
        }
        ipid_keyed = 1;
    }
    uint32_t w[3] = {src, dst, proto};
    uint64_t h = tcp_siphash(ipid_key, (const uint8_t *)w, sizeof w);
    kiln_table((void **)&ipid_counter, IPID_BUCKETS * sizeof *ipid_counter,
               "no memory for IP identifiers");
    uint16_t *counter = &ipid_counter[h & (IPID_BUCKETS - 1)];
    return (uint16_t)((h >> 32) + (*counter)++);
}

/* Fragments of at most the MTU and of what frag_buf holds, payload in
 * multiples of 8 bytes. */
static int ip_fragment(struct netif *nif, uint32_t nh, const uint8_t *data,
                       size_t len, uint32_t src, uint32_t dst, uint8_t proto)
{
    if (!frag_buf && !(frag_buf = hc_pages_alloc(FRAG_PAGES)))
        return -ENOBUFS;
    size_t mtu = nif->mtu < FRAG_MTU ? nif->mtu : FRAG_MTU;
    size_t chunk = (mtu - IP_HLEN) & ~(size_t)7;
    uint16_t id = ip_next_id(src, dst, proto);
    uint8_t *h = frag_buf + ETH_HLEN;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        uint16_t frag = (uint16_t)(off / 8) | (off + n < len ? IP_MF : 0);
        memcpy(h + IP_HLEN, data + off, n);
        ip_header(h, IP_HLEN + n, id, frag, proto, src, dst);
        int r = ip_transmit(nif, nh, h, IP_HLEN + n, NULL);
        if (r < 0)
            return r;
    }
    return 0;
}

static int ip_output(struct netif *nif, uint32_t nh, uint8_t *buf, size_t len,
                     uint32_t src, uint32_t dst, uint8_t proto, int df,
                     const struct hc_net_meta *m)
{
    if (len > IP_MAX - IP_HLEN)
        return -EMSGSIZE;
    int gso = m && m->gso_type != HC_NET_GSO_NONE;
    if (IP_HLEN + len > nif->mtu && !gso) {
        if (df)
            return -EMSGSIZE;
        return ip_fragment(nif, nh, buf + NET_HEADROOM, len, src, dst, proto);
    }
    uint8_t *h = buf + ETH_HLEN;
    ip_header(h, IP_HLEN + len, ip_next_id(src, dst, proto), df ? IP_DF : 0,
              proto, src, dst);
    return ip_transmit(nif, nh, h, IP_HLEN + len, m);
}

int ip_send(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint8_t proto,
            int df)
{
    return ip_send_meta(buf, len, src, dst, proto, df, NULL);
}

uint32_t ip_offloads(uint32_t dst)
{
    uint32_t nh;
    struct netif *nif = route_lookup(dst, &nh);
    return nif ? nif->offloads : 0;
}

int ip_send_meta(uint8_t *buf, size_t len, uint32_t src, uint32_t dst,
                 uint8_t proto, int df, const struct hc_net_meta *m)
{
    uint32_t nh;
    struct netif *nif = route_lookup(dst, &nh);
    if (!nif)
        return -ENETUNREACH;
    if (!src && !(src = route_source(dst)))
        return -ENETUNREACH;
    return ip_output(nif, nh, buf, len, src, dst, proto, df, m);
}

int ip_send_if(struct netif *nif, uint8_t *buf, size_t len, uint32_t src,
               uint32_t dst, uint8_t proto)
{
    uint32_t nh = dst;
    if (nif->addr && nif->gw && !ip_is_bcast(nif, dst) &&
        ((dst ^ nif->addr) & nif->mask))
        nh = nif->gw;
    return ip_output(nif, nh, buf, len, src, dst, proto, 0, NULL);
}
