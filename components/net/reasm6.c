/*
 * reasm6.c: IPv6 fragment reassembly (RFC 8200 section 4.5). A datagram
 * is keyed by source, destination and the 32-bit identification. Its
 * fragmentable part goes into one buffer at each fragment's offset, and
 * the (offset, end) of each fragment is kept, so an overlap is found
 * exactly: RFC 5722 then drops the whole datagram, and the slot stays
 * "dead" until its timeout so that fragments still to come of it are
 * dropped too rather than starting it again. An exact duplicate is
 * ignored (8200 allows that). A middle fragment whose length is not a
 * multiple of 8, or one reaching past 65535 bytes, gets a parameter
 * problem (code 0, at the payload length or the offset field).
 *
 * The result is an IPv6 header (the first fragment's, with its next
 * header set to the fragment header's and its payload length to the
 * data's) followed by the data: the unfragmentable extension headers
 * were already processed for each fragment, so they are not kept.
 *
 * Limits: REASM6_SLOTS datagrams at once (the one to expire first is
 * evicted for a new one), REASM6_FRAGS fragments each (more drops the
 * datagram: a flood of tiny fragments costs a bounded amount of work);
 * each lives REASM6_TIMEOUT_NS from its first fragment, then ICMPv6
 * time exceeded (code 1) goes to its sender if the first fragment came.
 * Buffers come from hc_pages_alloc when a slot is first used and stay.
 */
#include <string.h>
#include "ip6.h"
#include "kiln/byteorder.h"
#include "kiln/table.h"

#define REASM6_SLOTS 4
#define REASM6_FRAGS 64
#define REASM6_DATA_MAX 65535
#define REASM6_PAGES                                                           \
    ((IP6_HLEN + REASM6_DATA_MAX + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)
#define REASM6_TIMEOUT_NS 60000000000ull

struct reasm6_slot {
    uint8_t used, dead, have_first, have_last;
    uint32_t id;
    struct in6_addr src, dst;
    size_t total; /* data length, once the last fragment came */
    size_t got;   /* data bytes received */
    unsigned nfrags;
    uint32_t frag[REASM6_FRAGS][2]; /* offset, end */
    uint64_t expires;
    uint8_t *buf;                      /* IP6_HLEN, then the data */
    uint8_t first_quote[IP6_HLEN + 8]; /* for time exceeded */
    size_t quote_len;
};

/* Allocated by the first fragment (kiln/table.h): 2.5 KiB no image loads. */
static struct reasm6_slot *slots;

static int reasm6_match(const struct reasm6_slot *s, const uint8_t *pkt,
                        uint32_t id)
{
    return s->used && s->id == id && !memcmp(&s->src, pkt + 8, 16) &&
           !memcmp(&s->dst, pkt + 24, 16);
}

static struct reasm6_slot *reasm6_find(const uint8_t *pkt, uint32_t id)
{
    struct reasm6_slot *s, *victim = NULL;
    kiln_table((void **)&slots, REASM6_SLOTS * sizeof *slots,
               "no memory to reassemble IPv6");
    for (s = slots; s < slots + REASM6_SLOTS; s++)
        if (reasm6_match(s, pkt, id))
            return s;
    for (s = slots; s < slots + REASM6_SLOTS; s++) {
        if (!s->used) {
            victim = s;
            break;
        }
        if (!victim || s->expires < victim->expires)
            victim = s;
    }
    s = victim;
    if (!s->buf && !(s->buf = hc_pages_alloc(REASM6_PAGES)))
        return NULL;
    uint8_t *buf = s->buf;
    memset(s, 0, sizeof *s);
    s->used = 1, s->id = id, s->buf = buf;
    memcpy(&s->src, pkt + 8, 16);
    memcpy(&s->dst, pkt + 24, 16);
    s->expires = hc_clock_monotonic() + REASM6_TIMEOUT_NS;
    return s;
}

/* 0 new, 1 an exact duplicate, 2 an overlap. */
static int reasm6_overlap(const struct reasm6_slot *s, size_t off, size_t end)
{
    for (unsigned i = 0; i < s->nfrags; i++) {
        if (s->frag[i][0] == off && s->frag[i][1] == end)
            return 1;
        if (off < s->frag[i][1] && s->frag[i][0] < end)
            return 2;
    }
    return 0;
}

/* Inconsistent with what came before (RFC 8200 4.5's checks). */
static int reasm6_bad(const struct reasm6_slot *s, size_t off, size_t end,
                      int more)
{
    if (!more && s->have_last && s->total != end)
        return 1;
    if (s->have_last && end > s->total)
        return 1;
    if (!more)
        for (unsigned i = 0; i < s->nfrags; i++)
            if (s->frag[i][1] > end)
                return 1;
    return s->nfrags == REASM6_FRAGS;
}

static uint8_t *reasm6_finish(struct reasm6_slot *s, size_t *whole_len)
{
    put16(s->buf + 4, (uint16_t)s->total);
    s->used = 0; /* the buffer stays valid until the next reasm6_add */
    *whole_len = IP6_HLEN + s->total;
    return s->buf;
}

static void reasm6_first(struct reasm6_slot *s, const uint8_t *pkt, size_t len,
                         uint8_t nh)
{
    memcpy(s->buf, pkt, IP6_HLEN);
    s->buf[6] = nh;
    s->have_first = 1;
    s->quote_len = len < sizeof s->first_quote ? len : sizeof s->first_quote;
    memcpy(s->first_quote, pkt, s->quote_len);
}

uint8_t *reasm6_add(const uint8_t *pkt, size_t len, size_t frag_off,
                    size_t *whole_len, uint32_t *param)
{
    const uint8_t *fh = pkt + frag_off;
    size_t data = frag_off + 8, n = len - data;
    size_t off = get16(fh + 2) & ~7u;
    int more = fh[3] & 1;
    *param = UINT32_MAX;
    if (more && (n % 8 || !n)) {
        *param = 4; /* the payload length: not whole 8-byte blocks */
        return NULL;
    }
    if (off + n > REASM6_DATA_MAX) {
        *param = (uint32_t)frag_off + 2;
        return NULL;
    }
    struct reasm6_slot *s = reasm6_find(pkt, get32(fh + 4));
    if (!s || s->dead)
        return NULL;
    int o = reasm6_overlap(s, off, off + n);
    if (o == 1)
        return NULL;
    if (o == 2 || reasm6_bad(s, off, off + n, more)) {
        s->dead = 1; /* RFC 5722: this datagram, and what is to come */
        return NULL;
    }
    memcpy(s->buf + IP6_HLEN + off, pkt + data, n);
    s->frag[s->nfrags][0] = (uint32_t)off;
    s->frag[s->nfrags++][1] = (uint32_t)(off + n);
    s->got += n;
    if (!off)
        reasm6_first(s, pkt, len, fh[0]);
    if (!more)
        s->total = off + n, s->have_last = 1;
    if (s->have_first && s->have_last && s->got == s->total)
        return reasm6_finish(s, whole_len);
    return NULL;
}

static void reasm6_expire(struct reasm6_slot *s)
{
    s->used = 0;
    if (s->have_first && !s->dead)
        icmp6_error(NULL, s->first_quote, s->quote_len, 3, 1, 0);
}

uint64_t reasm6_timer(uint64_t now)
{
    uint64_t next = NET_NEVER;
    if (!slots)
        return next;
    for (struct reasm6_slot *s = slots; s < slots + REASM6_SLOTS; s++) {
        if (s->used && now >= s->expires)
            reasm6_expire(s);
        else if (s->used && s->expires < next)
            next = s->expires;
    }
    return next;
}
