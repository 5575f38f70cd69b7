/*
 * early.c: packets for us that arrive while DHCP has not bound yet,
 * held until it has. A DHCP server that is also the router (QEMU's user
 * networking, many home routers) may forward a connection to the
 * address it is offering as soon as our DISCOVER taught it our MAC:
 * before our ACK arrives the address is not ours, and IPv4 input must
 * not take the packet. Dropped, it costs the peer its retransmission
 * timeout: QEMU's slirp resends a forwarded SYN only after seconds, and
 * that was `make run`'s first HTTP answer. Held, it is replayed through
 * ip_input once the interface has an address, where every check is
 * applied again (what is not for the bound address is dropped then).
 *
 * A listen() replays at once the TCP segments held for its port
 * (early_replay_port, from socket.c): the SYN-ACK leaves while the
 * application goes on to its event loop, and the peer's ACK and request
 * arrive meanwhile instead of after it. The stack's thread replays the
 * rest only after yielding once (netif.c), so the application woken by
 * the lease runs first and its listeners exist when the SYNs come in.
 * Each packet keeps its Ethernet source for ARP (arp_note).
 *
 * Limits: EARLY_MAX unicast packets of at most EARLY_LEN bytes (a SYN
 * with its options, an echo request) for all interfaces together;
 * larger ones, multicast and the rest are dropped as before. A packet held
 * longer than EARLY_LIFE_NS is dropped: its sender has retransmitted by then.
 */
#include <string.h>
#include "netint.h"
#include "kiln/table.h"

#define EARLY_MAX 4
#define EARLY_LEN 128
#define EARLY_LIFE_NS 3000000000ull

struct early_pkt {
    struct netif *nif; /* NULL: the slot is free */
    uint64_t at;
    size_t len;
    uint8_t src[6]; /* the Ethernet source; src[0] bit 0 set: none */
    uint8_t pkt[EARLY_LEN];
};

/* EARLY_MAX, allocated by the first packet held (kiln/table.h). */
static struct early_pkt *held;

/* Unicast only: multicast on a busy link would fill the slots first. */
static int early_unicast(const uint8_t *pkt)
{
    return pkt[16] < 224;
}

void early_hold(struct netif *nif, const uint8_t *pkt, size_t len)
{
    uint64_t now = hc_clock_monotonic();
    if (!nif->use_dhcp || nif->addr || len > EARLY_LEN || !early_unicast(pkt))
        return;
    kiln_table((void **)&held, EARLY_MAX * sizeof *held,
               "no memory to hold early packets");
    for (int i = 0; i < EARLY_MAX; i++) {
        struct early_pkt *e = &held[i];
        if (e->nif && now - e->at < EARLY_LIFE_NS)
            continue;
        e->nif = nif, e->at = now, e->len = len;
        memcpy(e->pkt, pkt, len);
        static const uint8_t none[6] = {1}; /* multicast: never learned */
        memcpy(e->src, nif->rx_src ? nif->rx_src : none, 6);
        return;
    }
}

int early_due(void)
{
    for (int i = 0; held && i < EARLY_MAX; i++)
        if (held[i].nif && held[i].nif->addr)
            return 1;
    return 0;
}

/* 1 if e is a TCP segment to port (network order), 0 if not or too
 * short to tell. */
static int early_to_port(const struct early_pkt *e, uint16_t port)
{
    size_t ihl = (size_t)(e->pkt[0] & 15) * 4;
    return e->pkt[9] == 6 && e->len >= ihl + 4 &&
           !memcmp(e->pkt + ihl + 2, &port, 2);
}

/* Free slot i; ip_input the packet if its interface is bound by now and
 * it is not stale (ip_input may hold again: the slot is free first). */
static void early_release(int i, uint64_t now)
{
    struct early_pkt *e = &held[i];
    struct netif *nif = e->nif;
    e->nif = NULL;
    if (!nif->addr || now - e->at >= EARLY_LIFE_NS)
        return;
    uint8_t pkt[EARLY_LEN], src[6];
    memcpy(pkt, e->pkt, e->len);
    memcpy(src, e->src, 6);
    nif->rx_src = src[0] & 1 ? NULL : src;
    ip_input(nif, pkt, e->len);
    nif->rx_src = NULL;
}

void early_replay(void)
{
    uint64_t now = hc_clock_monotonic();
    for (int i = 0; held && i < EARLY_MAX; i++) {
        struct early_pkt *e = &held[i];
        if (e->nif && (e->nif->addr || now - e->at >= EARLY_LIFE_NS))
            early_release(i, now);
    }
}

void early_replay_port(uint16_t port)
{
    uint64_t now = hc_clock_monotonic();
    for (int i = 0; held && i < EARLY_MAX; i++)
        if (held[i].nif && held[i].nif->addr && early_to_port(&held[i], port))
            early_release(i, now);
}
