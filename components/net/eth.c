/*
 * eth.c: Ethernet II framing. Input keeps frames for our MAC and
 * broadcast and dispatches IPv4 and ARP; output resolves the next hop
 * (broadcast, IPv4 multicast mapping, or ARP) and prepends the header in
 * the headroom the caller left, so nothing is copied.
 *
 * IPv6 frames go to ipv6.c, multicast ones (33:33:...) included: which
 * groups we listen to is IPv6's to decide (addr6_listens).
 *
 * Limits: no VLAN tags, no 802.3 length frames, no IPv4 multicast
 * reception (we join no IPv4 groups).
 */
#include <errno.h>
#include <string.h>
#include "netint.h"

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd

static const uint8_t eth_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void eth_input(struct netif *nif, uint8_t *frame, size_t len)
{
    if (len < ETH_HLEN)
        return;
    uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
    if (type == ETHERTYPE_IPV6 && frame[0] == 0x33 && frame[1] == 0x33) {
        ip6_input(nif, frame + ETH_HLEN, len - ETH_HLEN); /* RFC 2464 */
        return;
    }
    if (memcmp(frame, nif->mac, 6) && memcmp(frame, eth_bcast, 6))
        return; /* another host's unicast, or multicast we did not join */
    if (type == ETHERTYPE_IP) {
        nif->rx_src = frame + 6; /* ARP may learn the sender (ipv4.c) */
        ip_input(nif, frame + ETH_HLEN, len - ETH_HLEN);
        nif->rx_src = NULL;
    } else if (type == ETHERTYPE_ARP)
        arp_input(nif, frame + ETH_HLEN, len - ETH_HLEN);
    else if (type == ETHERTYPE_IPV6)
        ip6_input(nif, frame + ETH_HLEN, len - ETH_HLEN);
}

int eth_send(struct netif *nif, const uint8_t dst[6], uint16_t type,
             uint8_t *payload, size_t len)
{
    return eth_send_meta(nif, dst, type, payload, len, NULL);
}

int eth_send_meta(struct netif *nif, const uint8_t dst[6], uint16_t type,
                  uint8_t *payload, size_t len, const struct hc_net_meta *m)
{
    uint8_t *f = payload - ETH_HLEN;
    memcpy(f, dst, 6);
    memcpy(f + 6, nif->mac, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    int r = hc_net_send(nif->idx, f, len + ETH_HLEN, m);
    return r == -EAGAIN ? -ENOBUFS : r;
}

static int eth_is_bcast(const struct netif *nif, uint32_t nh)
{
    return nh == 0xffffffffu || (nif->mask && nh == (nif->addr | ~nif->mask));
}

int eth_output_ip(struct netif *nif, uint32_t nh, uint8_t *pkt, size_t len)
{
    return eth_output_ip_meta(nif, nh, pkt, len, NULL);
}

/* An offloaded packet is not queued for ARP: the queue holds frames
 * whose checksums are final and whose size fits the MTU. The sender
 * (TCP) retries on -ENOBUFS; by then the answer has usually come. */
int eth_output_ip_meta(struct netif *nif, uint32_t nh, uint8_t *pkt, size_t len,
                       const struct hc_net_meta *m)
{
    uint8_t mac[6];
    const uint8_t *b = (const uint8_t *)&nh;
    if (eth_is_bcast(nif, nh)) {
        memcpy(mac, eth_bcast, 6);
    } else if ((b[0] & 0xf0) == 0xe0) { /* RFC 1112 section 6.4 */
        mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
        mac[3] = b[1] & 0x7f, mac[4] = b[2], mac[5] = b[3];
    } else {
        int r = arp_resolve(nif, nh, mac, m ? NULL : pkt, len);
        if (r == -EAGAIN)
            return m ? -ENOBUFS : 0; /* else queued until the answer */
        if (r < 0)
            return r;
    }
    return eth_send_meta(nif, mac, ETHERTYPE_IP, pkt, len, m);
}
