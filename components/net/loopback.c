/*
 * loopback.c: the loopback interface's queue. ip_send (ip6_send) copies
 * each packet for 127.0.0.0/8 (::1) or for one of our own addresses
 * here, and the stack's thread delivers it to ip_input (ip6_input) as if
 * it had arrived. Queueing (rather
 * than delivering inside the sender's call) keeps the protocols free of
 * re-entry: TCP never sees input for a connection while it is still
 * sending on it. With no NIC, the first loopback packet starts the
 * stack's thread (netif_kick), so programs can talk to themselves in an
 * image without a network.
 *
 * The queue is one byte ring (LOOP_BYTES, allocated at first use) of
 * records: an 8-byte length then the packet, padded to 8 bytes. A
 * record that would not fit before the ring's end is placed at its
 * start, the end marked with LOOP_WRAP.
 *
 * Limits: a full ring drops the packet (-ENOBUFS), as a full device
 * queue would; packets are at most the loopback MTU (NET_LOOP_MTU).
 */
#include <errno.h>
#include <string.h>
#include "netint.h"

#define LOOP_PAGES 64 /* 256 KiB */
#define LOOP_BYTES (LOOP_PAGES * HC_PAGE_SIZE)
#define LOOP_HDR 8
#define LOOP_WRAP UINT64_MAX
#define LOOP_BUDGET 64 /* packets per round, then the others' turn */

static uint8_t *ring;
static size_t head, tail, used; /* read and write offsets, bytes taken */

static size_t loop_round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Where a record of need bytes goes, or -1 if there is no room. Space
 * skipped at the ring's end counts as used until the reader passes it. */
static long loop_place(size_t need)
{
    size_t to_end = LOOP_BYTES - tail;
    if (used + need > LOOP_BYTES)
        return -1;
    if (tail >= head || !used) { /* the free space wraps around the end */
        if (need <= to_end)
            return (long)tail;
        if (used + to_end + need > LOOP_BYTES || need > head)
            return -1;
        if (to_end >= LOOP_HDR)
            memcpy(ring + tail, &(uint64_t){LOOP_WRAP}, LOOP_HDR);
        used += to_end;
        return 0;
    }
    return need <= head - tail ? (long)tail : -1;
}

int loop_send(const uint8_t *pkt, size_t len)
{
    if (!ring && !(ring = hc_pages_alloc(LOOP_PAGES)))
        return -ENOBUFS;
    if (!used)
        head = tail = 0; /* an empty ring starts over: fewer wraps */
    size_t need = LOOP_HDR + loop_round8(len);
    long at = loop_place(need);
    if (at < 0)
        return -ENOBUFS;
    uint64_t n = len;
    memcpy(ring + at, &n, LOOP_HDR);
    memcpy(ring + at + LOOP_HDR, pkt, len);
    tail = ((size_t)at + need) % LOOP_BYTES;
    used += need;
    netif_kick();
    return 0;
}

/* The record at head, skipping a wrap marker; 0 when empty. */
static uint64_t loop_peek(void)
{
    if (!used)
        return 0;
    size_t to_end = LOOP_BYTES - head;
    uint64_t n = LOOP_WRAP;
    if (to_end >= LOOP_HDR)
        memcpy(&n, ring + head, LOOP_HDR);
    if (n == LOOP_WRAP) {
        used -= to_end;
        head = 0;
        memcpy(&n, ring, LOOP_HDR);
    }
    return n;
}

int loop_drain(void)
{
    for (int i = 0; i < LOOP_BUDGET; i++) {
        uint64_t n = loop_peek();
        if (!n)
            return 0;
        /* The record stays taken while it is processed: packets sent in
         * answer are queued behind it, never over it. */
        uint8_t *pkt = ring + head + LOOP_HDR;
        if (pkt[0] >> 4 == 6)
            ip6_input(netif_loopback(), pkt, (size_t)n);
        else
            ip_input(netif_loopback(), pkt, (size_t)n);
        size_t need = LOOP_HDR + loop_round8((size_t)n);
        head = (head + need) % LOOP_BYTES;
        used -= need;
    }
    return used != 0;
}
