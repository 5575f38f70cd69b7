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
 * The stack's thread replays only after yielding once (netif.c), so the
 * application woken by the lease runs first and its listener exists
 * when the SYN comes in.
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

void early_replay(void)
{
    uint64_t now = hc_clock_monotonic();
    for (int i = 0; held && i < EARLY_MAX; i++) {
        struct early_pkt *e = &held[i];
        if (!e->nif || (!e->nif->addr && now - e->at < EARLY_LIFE_NS))
            continue;
        struct netif *nif = e->nif;
        e->nif = NULL; /* ip_input may hold again: free the slot first */
        if (nif->addr && now - e->at < EARLY_LIFE_NS) {
            uint8_t pkt[EARLY_LEN];
            memcpy(pkt, e->pkt, e->len);
            ip_input(nif, pkt, e->len);
        }
    }
}
