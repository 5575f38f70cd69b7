/*
 * reasm.c: IPv4 fragment reassembly (RFC 791 section 3.2, with RFC
 * 815's idea of tracking what is still missing). A datagram is keyed by
 * source, destination, protocol and identification. Its data goes into
 * one 64 KiB buffer at the fragment's offset; a bitmap of 8-byte blocks
 * records what arrived, so completeness is a count, not a hole list.
 *
 * Safety: every offset and length is checked against the 65535-byte
 * limit before copying (no "ping of death"); a fragment that partly
 * overlaps data already received drops the whole datagram (as RFC 5722
 * asks of IPv6, and Linux does for IPv4), an exact duplicate is ignored;
 * a last fragment that disagrees with the length known so far drops the
 * datagram. The result carries the first fragment's header without
 * options (IHL 5), its lengths and checksum rewritten.
 *
 * Limits: REASM_SLOTS datagrams at once, the oldest evicted for a new
 * one; each lives REASM_TIMEOUT_NS from its first fragment, then ICMP
 * time exceeded goes to its sender if the first fragment had come. Buffers are
 * taken with hc_pages_alloc when a slot is first used and kept.
 */
#include <string.h>
#include "netint.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define REASM_SLOTS 4
#define REASM_HDR 20
#define REASM_DATA_MAX (65535 - REASM_HDR)
#define REASM_BLOCKS ((REASM_DATA_MAX + 7) / 8)
#define REASM_PAGES 16 /* REASM_HDR + REASM_DATA_MAX bytes */
#define REASM_TIMEOUT_NS 30000000000ull

struct reasm_slot {
    uint8_t used, have_first, have_last, proto;
    uint16_t id;
    uint32_t src, dst;
    size_t total;  /* data length, once the last fragment came */
    size_t blocks; /* 8-byte blocks received */
    uint64_t expires;
    uint8_t *buf;
    uint8_t map[(REASM_BLOCKS + 7) / 8];
};

/* Allocated by the first fragment (kiln/table.h): 4 KiB no image loads. */
static struct reasm_slot *slots;

static struct reasm_slot *reasm_find(const uint8_t *pkt)
{
    uint32_t src, dst;
    memcpy(&src, pkt + 12, 4);
    memcpy(&dst, pkt + 16, 4);
    struct reasm_slot *s, *victim = NULL;
    kiln_table((void **)&slots, REASM_SLOTS * sizeof *slots,
               "no memory to reassemble IPv4");
    for (s = slots; s < slots + REASM_SLOTS; s++)
        if (s->used && s->src == src && s->dst == dst && s->proto == pkt[9] &&
            s->id == get16(pkt + 4))
            return s;
    for (s = slots; s < slots + REASM_SLOTS; s++) {
        if (!s->used) {
            victim = s;
            break;
        }
        if (!victim || s->expires < victim->expires)
            victim = s; /* when full, the one to expire first goes */
    }
    s = victim;
    if (!s->buf && !(s->buf = hc_pages_alloc(REASM_PAGES)))
        return NULL;
    *s = (struct reasm_slot){.used = 1,
                             .proto = pkt[9],
                             .id = get16(pkt + 4),
                             .src = src,
                             .dst = dst,
                             .expires = hc_clock_monotonic() + REASM_TIMEOUT_NS,
                             .buf = s->buf};
    return s;
}

static int map_get(const struct reasm_slot *s, size_t b)
{
    return s->map[b / 8] >> (b % 8) & 1;
}

/* Blocks [first, end) already present: 0 none, 1 all, 2 some. */
static int reasm_overlap(const struct reasm_slot *s, size_t first, size_t end)
{
    size_t have = 0;
    for (size_t b = first; b < end; b++)
        have += (size_t)map_get(s, b);
    return !have ? 0 : have == end - first ? 1 : 2;
}

static uint8_t *reasm_finish(struct reasm_slot *s, size_t *whole_len)
{
    uint8_t *h = s->buf;
    size_t len = REASM_HDR + s->total;
    h[0] = 0x45;
    h[2] = (uint8_t)(len >> 8);
    h[3] = (uint8_t)len;
    h[6] = h[7] = 0;
    h[10] = h[11] = 0;
    uint16_t c = inet_fold(inet_sum(h, REASM_HDR, 0));
    h[10] = (uint8_t)(c >> 8);
    h[11] = (uint8_t)c;
    s->used = 0; /* the buffer stays valid until the next reasm_add */
    *whole_len = len;
    return h;
}

uint8_t *reasm_add(const uint8_t *pkt, size_t len, size_t *whole_len)
{
    size_t ihl = (size_t)(pkt[0] & 15) * 4;
    if (ihl < REASM_HDR || len <= ihl)
        return NULL;
    uint16_t frag = get16(pkt + 6);
    size_t off = (size_t)(frag & 0x1fff) * 8, n = len - ihl;
    int more = (frag & 0x2000) != 0;
    if ((more && n % 8) || off + n > REASM_DATA_MAX)
        return NULL; /* a middle piece must be whole blocks; 64 KiB cap */
    struct reasm_slot *s = reasm_find(pkt);
    if (!s)
        return NULL;
    size_t first = off / 8, end = (off + n + 7) / 8;
    int bad = (!more && s->have_last && s->total != off + n) ||
              (!more && !s->have_last && reasm_overlap(s, end, REASM_BLOCKS)) ||
              (more && s->have_last && off + n > s->total);
    int overlap = reasm_overlap(s, first, end);
    if (bad || overlap == 2) {
        s->used = 0; /* inconsistent: drop everything of this datagram */
        return NULL;
    }
    if (overlap == 1)
        return NULL; /* a duplicate */
    memcpy(s->buf + REASM_HDR + off, pkt + ihl, n);
    for (size_t b = first; b < end; b++)
        s->map[b / 8] |= (uint8_t)(1u << (b % 8));
    s->blocks += end - first;
    if (!off) {
        memcpy(s->buf, pkt, REASM_HDR);
        s->have_first = 1;
    }
    if (!more) {
        s->total = off + n;
        s->have_last = 1;
    }
    if (s->have_first && s->have_last && s->blocks == (s->total + 7) / 8)
        return reasm_finish(s, whole_len);
    return NULL;
}

/* RFC 1122 3.3.2: tell the sender, if we have its first fragment (the
 * header and 8 bytes of data are the quote). */
static void reasm_expire(struct reasm_slot *s)
{
    s->used = 0;
    if (!s->have_first)
        return;
    uint8_t q[REASM_HDR + 8];
    memcpy(q, s->buf, sizeof q);
    q[0] = 0x45; /* only the first 20 header bytes were kept */
    icmp_send_error(q, sizeof q, 11, 1);
}

uint64_t reasm_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    if (!slots)
        return next;
    for (struct reasm_slot *s = slots; s < slots + REASM_SLOTS; s++) {
        if (s->used && now >= s->expires)
            reasm_expire(s);
        else if (s->used && s->expires < next)
            next = s->expires;
    }
    return next;
}
