/*
 * arp.c: ARP for IPv4 over Ethernet (RFC 826). A bounded cache shared
 * by the interfaces: entries are learned from requests for us and from
 * replies, kept ARP_REACHABLE_NS, then re-confirmed by a request while
 * the old address is still used (so a busy flow never stalls). An
 * IPv4 packet for us from an on-link sender we have no entry for leaves
 * one too (arp_note), as IPv6 neighbour discovery keeps what it learns
 * unasked (RFC 4861 section 7.3.3): the answer goes out at once instead
 * of after a request's round trip (the first SYN's SYN-ACK). Such an
 * entry is trusted ARP_DELAY_NS, RFC 4861's DELAY_FIRST_PROBE_TIME,
 * and then confirmed by a request when next used, as a stale one is. A
 * miss sends up to ARP_TRIES requests a second apart and queues a few
 * packets (copies) until the answer; an address that never answers is
 * reported unreachable for ARP_FAILED_NS before it is tried again.
 *
 * Limits: ARP_MAX entries (the least recently used non-pending one is
 * replaced when full; arp_note takes only a free one), ARP_QUEUE_MAX
 * queued packets in all and ARP_QUEUE_PER per address; no proxy ARP;
 * conflicts are only logged.
 */
#include <errno.h>
#include <string.h>
#include "kiln/log.h"
#include "kiln/table.h"
#include "netint.h"

#define ARP_MAX 32
#define ARP_QUEUE_MAX 16
#define ARP_QUEUE_PER 4
#define ARP_TRIES 3
#define ARP_RETRY_NS 1000000000ull
#define ARP_REACHABLE_NS 60000000000ull
#define ARP_CONFIRM_NS 3000000000ull /* a stale entry's grace to answer */
#define ARP_DELAY_NS 5000000000ull   /* an entry arp_note made, unconfirmed */
#define ARP_FAILED_NS 3000000000ull
#define ARP_LEN 28
#define ARP_PAD 46 /* Ethernet's minimum payload */

enum { ARP_FREE, ARP_PENDING, ARP_VALID, ARP_FAILED };

struct arp_entry {
    struct netif *nif;
    uint32_t ip;
    uint8_t mac[6];
    uint8_t state;
    uint8_t tries;    /* requests sent (pending, or confirming if valid) */
    uint64_t expires; /* pending: next retry; valid: stale; failed: forget */
    uint64_t used;
};

struct arp_queued {
    struct arp_entry *e; /* NULL: slot free */
    uint32_t seq;        /* send order */
    uint16_t len;
    uint8_t buf[NET_FRAME_MAX]; /* ETH_HLEN of headroom, then the packet */
};

/* Allocated by the first lookup (kiln/table.h), not loaded by every image. */
static struct arp_entry *cache;
/* ARP_QUEUE_MAX of them (24 KiB), allocated when a packet first waits
 * for an answer, not carried in every image. */
static struct arp_queued *queue;
static uint32_t queue_seq;
static uint8_t arp_buf[ETH_HLEN + ARP_PAD];

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void arp_send(struct netif *nif, uint16_t op, const uint8_t *tmac,
                     uint32_t tip, const uint8_t *dst)
{
    uint8_t *a = arp_buf + ETH_HLEN;
    memset(a, 0, ARP_PAD);
    a[1] = 1;           /* Ethernet */
    a[2] = 0x08;        /* IPv4 */
    a[4] = 6, a[5] = 4; /* address lengths */
    a[7] = (uint8_t)op;
    memcpy(a + 8, nif->mac, 6);
    memcpy(a + 14, &nif->addr, 4);
    if (tmac)
        memcpy(a + 18, tmac, 6);
    memcpy(a + 24, &tip, 4);
    eth_send(nif, dst, 0x0806, a, ARP_PAD);
}

static void arp_request(struct arp_entry *e)
{
    arp_send(e->nif, 1, NULL, e->ip, bcast);
}

void arp_announce(struct netif *nif)
{
    arp_send(nif, 1, NULL, nif->addr, bcast);
}

static struct arp_entry *arp_find(const struct netif *nif, uint32_t ip)
{
    kiln_table((void **)&cache, ARP_MAX * sizeof *cache, "no memory for ARP");
    for (int i = 0; i < ARP_MAX; i++)
        if (cache[i].state != ARP_FREE && cache[i].nif == nif &&
            cache[i].ip == ip)
            return &cache[i];
    return NULL;
}

static void arp_unqueue(const struct arp_entry *e)
{
    if (!queue)
        return;
    for (int i = 0; i < ARP_QUEUE_MAX; i++)
        if (queue[i].e == e)
            queue[i].e = NULL;
}

/* A free entry, else the least recently used that is not pending. */
static struct arp_entry *arp_alloc(void)
{
    struct arp_entry *old = NULL;
    kiln_table((void **)&cache, ARP_MAX * sizeof *cache, "no memory for ARP");
    for (int i = 0; i < ARP_MAX; i++) {
        struct arp_entry *e = &cache[i];
        if (e->state == ARP_FREE)
            return e;
        if (e->state != ARP_PENDING && (!old || e->used < old->used))
            old = e;
    }
    if (old)
        arp_unqueue(old);
    return old;
}

static int arp_queue_count(const struct arp_entry *e)
{
    int n = 0;
    for (int i = 0; i < ARP_QUEUE_MAX; i++)
        n += queue[i].e == e;
    return n;
}

static void arp_enqueue(struct arp_entry *e, const uint8_t *pkt, size_t len)
{
    size_t pages =
        (ARP_QUEUE_MAX * sizeof *queue + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (!queue && !(queue = hc_pages_alloc(pages)))
        return; /* dropped, as a full queue would */
    if (len > NET_MTU_MAX || arp_queue_count(e) >= ARP_QUEUE_PER)
        return; /* dropped, as a full queue would */
    for (int i = 0; i < ARP_QUEUE_MAX; i++)
        if (!queue[i].e) {
            queue[i].e = e;
            queue[i].seq = queue_seq++;
            queue[i].len = (uint16_t)len;
            memcpy(queue[i].buf + ETH_HLEN, pkt, len);
            return;
        }
}

/* Send what waited for e, oldest first. */
static void arp_flush(struct arp_entry *e)
{
    if (!queue)
        return;
    for (;;) {
        struct arp_queued *first = NULL;
        for (int i = 0; i < ARP_QUEUE_MAX; i++)
            if (queue[i].e == e &&
                (!first || (int32_t)(queue[i].seq - first->seq) < 0))
                first = &queue[i];
        if (!first)
            return;
        first->e = NULL;
        eth_send(e->nif, e->mac, 0x0800, first->buf + ETH_HLEN, first->len);
    }
}

int arp_resolve(struct netif *nif, uint32_t nh, uint8_t mac[6],
                const uint8_t *pkt, size_t len)
{
    uint64_t now = hc_clock_monotonic();
    struct arp_entry *e = arp_find(nif, nh);
    if (e && e->state == ARP_VALID) {
        e->used = now;
        if (now >= e->expires && !e->tries) { /* stale: confirm it */
            e->tries = 1;
            e->expires = now + ARP_CONFIRM_NS;
            arp_request(e);
        }
        memcpy(mac, e->mac, 6);
        return 0;
    }
    if (e && e->state == ARP_FAILED)
        return -EHOSTUNREACH;
    if (!e) {
        if (!(e = arp_alloc()))
            return -ENOBUFS; /* every entry is being resolved */
        *e = (struct arp_entry){.nif = nif,
                                .ip = nh,
                                .state = ARP_PENDING,
                                .tries = 1,
                                .expires = now + ARP_RETRY_NS,
                                .used = now};
        arp_request(e);
    }
    if (pkt)
        arp_enqueue(e, pkt, len);
    return -EAGAIN;
}

/* A free entry, or NULL: an unasked sender never displaces another. */
static struct arp_entry *arp_free_entry(void)
{
    kiln_table((void **)&cache, ARP_MAX * sizeof *cache, "no memory for ARP");
    for (int i = 0; i < ARP_MAX; i++)
        if (cache[i].state == ARP_FREE)
            return &cache[i];
    return NULL;
}

void arp_note(struct netif *nif, uint32_t ip, const uint8_t mac[6])
{
    struct arp_entry *e;
    if (!nif->addr || ip == nif->addr || ((ip ^ nif->addr) & nif->mask) ||
        ip == (nif->addr | ~nif->mask) || (mac[0] & 1) || arp_find(nif, ip) ||
        !(e = arp_free_entry()))
        return;
    uint64_t now = hc_clock_monotonic();
    *e = (struct arp_entry){.nif = nif,
                            .ip = ip,
                            .state = ARP_VALID,
                            .expires = now + ARP_DELAY_NS,
                            .used = now};
    memcpy(e->mac, mac, 6);
}

static void arp_learn(struct arp_entry *e, const uint8_t *mac)
{
    memcpy(e->mac, mac, 6);
    e->state = ARP_VALID;
    e->tries = 0;
    e->expires = hc_clock_monotonic() + ARP_REACHABLE_NS;
    arp_flush(e);
}

void arp_input(struct netif *nif, const uint8_t *a, size_t len)
{
    if (len < ARP_LEN || a[0] || a[1] != 1 || a[2] != 0x08 || a[3] ||
        a[4] != 6 || a[5] != 4 || a[6] || (a[7] != 1 && a[7] != 2))
        return;
    const uint8_t *smac = a + 8;
    uint32_t sip, tip;
    memcpy(&sip, a + 14, 4);
    memcpy(&tip, a + 24, 4);
    if (!nif->addr || (smac[0] & 1) || !sip || sip == 0xffffffffu)
        return; /* unconfigured, or a sender we must not cache */
    if (sip == nif->addr) {
        if (memcmp(smac, nif->mac, 6))
            kiln_log("net: eth%u: another host claims our address", nif->idx);
        return;
    }
    struct arp_entry *e = arp_find(nif, sip);
    if (!e && tip == nif->addr && (e = arp_alloc()))
        *e = (struct arp_entry){
            .nif = nif, .ip = sip, .used = hc_clock_monotonic()};
    if (e)
        arp_learn(e, smac);
    if (a[7] == 1 && tip == nif->addr)
        arp_send(nif, 2, smac, sip, smac);
}

static uint64_t arp_expire(struct arp_entry *e, uint64_t now)
{
    if (now < e->expires)
        return e->expires;
    if (e->state == ARP_PENDING && e->tries < ARP_TRIES) {
        e->tries++;
        e->expires = now + ARP_RETRY_NS;
        arp_request(e);
        return e->expires;
    }
    if (e->state == ARP_PENDING) { /* never answered */
        arp_unqueue(e);
        e->state = ARP_FAILED;
        e->expires = now + ARP_FAILED_NS;
        return e->expires;
    }
    if (e->state == ARP_VALID && !e->tries)
        return NET_NEVER; /* stale: confirmed when next used */
    e->state = ARP_FREE;  /* failed long enough, or stale and silent */
    return NET_NEVER;
}

uint64_t arp_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    for (int i = 0; cache && i < ARP_MAX; i++) {
        if (cache[i].state == ARP_FREE)
            continue;
        uint64_t t = arp_expire(&cache[i], now);
        if (t < next)
            next = t;
    }
    return next;
}
