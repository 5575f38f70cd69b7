/*
 * tcp_opts.c: TCP options (RFC 9293 3.2, RFC 7323, RFC 2018): parse a
 * segment's option list strictly and write ours. Pure code, host unit
 * tested (tests/unit/tcp-opts).
 *
 * A malformed list (a length byte below 2 or past the end, a known
 * option of the wrong length) makes the whole segment invalid: it is
 * dropped rather than half understood.
 */
#include <string.h>
#include "tcp.h"
#include "kiln/byteorder.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_OK 4
#define OPT_SACK 5
#define OPT_TS 8

/* One option of kind k and total length n at p; -1 if its length is
 * wrong for its kind. */
static int opt_take(struct tcp_opts *o, uint8_t k, const uint8_t *p, size_t n)
{
    switch (k) {
    case OPT_MSS:
        if (n != 4)
            return -1;
        o->has_mss = 1;
        o->mss = (uint16_t)(p[2] << 8 | p[3]);
        return 0;
    case OPT_WS:
        if (n != 3)
            return -1;
        o->has_ws = 1;
        o->ws = p[2] > 14 ? 14 : p[2]; /* RFC 7323 2.3: clamp to 14 */
        return 0;
    case OPT_SACK_OK:
        if (n != 2)
            return -1;
        o->sack_ok = 1;
        return 0;
    case OPT_TS:
        if (n != 10)
            return -1;
        o->has_ts = 1;
        o->tsval = get32(p + 2);
        o->tsecr = get32(p + 6);
        return 0;
    case OPT_SACK:
        if (n < 10 || (n - 2) % 8)
            return -1;
        o->nsack = 0;
        for (size_t i = 2; i + 8 <= n && o->nsack < 4; i += 8, o->nsack++) {
            o->sack[o->nsack][0] = get32(p + i);
            o->sack[o->nsack][1] = get32(p + i + 4);
        }
        return 0;
    default: return 0; /* unknown options are skipped by length */
    }
}

int tcp_opts_parse(const uint8_t *opt, size_t len, struct tcp_opts *o)
{
    memset(o, 0, sizeof *o);
    size_t i = 0;
    while (i < len) {
        uint8_t k = opt[i];
        if (k == OPT_EOL)
            break;
        if (k == OPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return -1;
        size_t n = opt[i + 1];
        if (n < 2 || i + n > len)
            return -1;
        if (opt_take(o, k, opt + i, n) < 0)
            return -1;
        i += n;
    }
    return 0;
}

/* Our SYN options, laid out as Linux does (MSS, SACK-permitted with
 * timestamps, NOP + window scale) so middleboxes see a familiar shape. */
size_t tcp_opts_write_syn(uint8_t *p, const struct tcp_synopts *s)
{
    size_t n = 0;
    p[n++] = OPT_MSS;
    p[n++] = 4;
    p[n++] = s->mss >> 8;
    p[n++] = s->mss & 0xff;
    if (s->sack_ok && s->ts) {
        p[n++] = OPT_SACK_OK;
        p[n++] = 2;
    } else if (s->sack_ok) {
        p[n++] = OPT_NOP;
        p[n++] = OPT_NOP;
        p[n++] = OPT_SACK_OK;
        p[n++] = 2;
    }
    if (s->ts) {
        if (!s->sack_ok) {
            p[n++] = OPT_NOP;
            p[n++] = OPT_NOP;
        }
        p[n++] = OPT_TS;
        p[n++] = 10;
        put32(p + n, s->tsval);
        put32(p + n + 4, s->tsecr);
        n += 8;
    }
    if (s->ws >= 0) {
        p[n++] = OPT_NOP;
        p[n++] = OPT_WS;
        p[n++] = 3;
        p[n++] = (uint8_t)s->ws;
    }
    return n;
}

size_t tcp_opts_write(uint8_t *p, int ts, uint32_t tsval, uint32_t tsecr,
                      const struct tcp_ooo *sack, int nsack)
{
    size_t n = 0;
    if (ts) {
        p[n++] = OPT_NOP;
        p[n++] = OPT_NOP;
        p[n++] = OPT_TS;
        p[n++] = 10;
        put32(p + n, tsval);
        put32(p + n + 4, tsecr);
        n += 8;
    }
    int room = (int)(TCP_OPT_MAX - n - 4) / 8; /* blocks that still fit */
    if (nsack > room)
        nsack = room;
    if (sack && nsack > 0) {
        p[n++] = OPT_NOP;
        p[n++] = OPT_NOP;
        p[n++] = OPT_SACK;
        p[n++] = (uint8_t)(2 + 8 * nsack);
        for (int i = 0; i < nsack; i++, n += 8) {
            put32(p + n, sack->start[i]);
            put32(p + n + 4, sack->end[i]);
        }
    }
    return n;
}
