/*
 * udp.c: UDP (RFC 768, RFC 1122 section 4.1) below the sockets: input
 * and the one way out.
 *
 * Input verifies length and checksum (a zero checksum means none was
 * sent; IPv6 refuses it, RFC 8200 8.1), gives DHCP's port 68 to dhcp.c
 * while an interface has no lease yet, and hands the datagram to the
 * sockets (udp_sock.c); a closed port gets ICMP port unreachable unless
 * it was a broadcast. udp_output builds an IPv4 datagram for DHCP and
 * the sockets.
 *
 * The sockets are apart because the stack needs this file (DHCP) but a
 * program that never makes a SOCK_DGRAM socket needs no sockets:
 * kiln-bake links udp_sock.c only for one whose code can (syscall.c's
 * SYSCALL_ARG_NEEDS); without it every port is closed.
 */
#include <string.h>
#include "kiln/byteorder.h"
#include "ip6.h"

#define DHCP_CLIENT_PORT 68

static int udp_checksum_ok(const struct ip_info *ip, const uint8_t *d,
                           size_t len)
{
    if (ip->nif->loopback || ip->csum_ok)
        return 1; /* made here, or the NIC checked it */
    if (!get16(d + 6))
        return !ip->v6; /* none sent: IPv4 allows it, IPv6 does not */
    uint32_t s =
        net_l4_pseudo(ip_src_addr(ip), ip_dst_addr(ip), IPPROTO_UDP, len);
    return inet_fold(inet_sum(d, len, s)) == 0;
}

void udp_input(const struct ip_info *ip, uint8_t *d, size_t len)
{
    if (len < UDP_HLEN)
        return;
    size_t ulen = get16(d + 4);
    if (ulen < UDP_HLEN || ulen > len || !udp_checksum_ok(ip, d, ulen))
        return;
    uint16_t sport, dport;
    memcpy(&sport, d, 2);
    memcpy(&dport, d + 2, 2);
    if (!ip->v6 && dport == htons(DHCP_CLIENT_PORT) && ip->nif->use_dhcp) {
        dhcp_input(ip->nif, d + UDP_HLEN, ulen - UDP_HLEN);
        return;
    }
    if (!ip->v6 && !ip->nif->addr && !ip->nif->loopback)
        return; /* accepted before a lease only for DHCP */
    if ((udp_sock_demux &&
         udp_sock_demux(ip, sport, dport, d + UDP_HLEN, ulen - UDP_HLEN)) ||
        ip->broadcast)
        return;
    size_t whole = (size_t)(d - ip->hdr) + len;
    if (ip->v6)
        icmp6_error(ip->nif, ip->hdr, whole, 1, 4, 0); /* port unreachable */
    else
        icmp_send_unreach(ip->hdr, whole, 3);
}

/* ---- output ---------------------------------------------------------------
 */

int udp_output(struct netif *nif, uint8_t *buf, size_t len, uint32_t src,
               uint32_t dst, uint16_t sport, uint16_t dport)
{
    uint8_t *d = buf + NET_HEADROOM;
    size_t ulen = UDP_HLEN + len;
    memcpy(d, &sport, 2);
    memcpy(d + 2, &dport, 2);
    put16(d + 4, (uint16_t)ulen);
    put16(d + 6, 0);
    uint32_t s = nif || src ? src : route_source(dst); /* DHCP: 0.0.0.0 */
    uint16_t c = inet_fold(inet_sum(d, ulen, inet_pseudo(s, dst, 17, ulen)));
    put16(d + 6, c ? c : 0xffff); /* 0 would mean "no checksum" */
    if (nif)
        return ip_send_if(nif, buf, ulen, src, dst, IPPROTO_UDP);
    return ip_send(buf, ulen, s, dst, IPPROTO_UDP, 0);
}
