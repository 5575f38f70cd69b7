/*
 * blkfront_ring.c: checks and encodings for blkfront that touch no
 * hypercall, so that host unit tests can feed them hostile input (see
 * blkfront_ring.h for the contract of each).
 */
#include "blkfront_ring.h"
#include "xs_codec.h"

#include <errno.h>
#include <string.h>

long blkring_ready(RING_IDX rsp_cons, RING_IDX rsp_prod, RING_IDX req_prod)
{
    RING_IDX ready = rsp_prod - rsp_cons;
    RING_IDX outstanding = req_prod - rsp_cons;
    return ready > outstanding ? -1 : (long)ready;
}

int blkring_check(const struct blkif_response *rsp, uint32_t inflight,
                  const uint8_t *ops, unsigned nslots)
{
    if (rsp->id >= nslots || !(inflight >> rsp->id & 1))
        return -EPROTO;
    if (rsp->operation != ops[rsp->id])
        return -EPROTO;
    switch (rsp->status) {
    case BLKIF_RSP_OKAY: return 0;
    case BLKIF_RSP_EOPNOTSUPP: return -EOPNOTSUPP;
    default: return -EIO;
    }
}

int blkring_fill(struct blkif_request *req, uint8_t op, blkif_vdev_t handle,
                 uint64_t id, blkif_sector_t sector, const grant_ref_t *refs,
                 size_t len)
{
    if (len % BLKRING_SECTOR ||
        len > BLKIF_MAX_SEGMENTS_PER_REQUEST * (size_t)BLKRING_PAGE)
        return -1;
    memset(req, 0, sizeof *req);
    req->operation = op;
    req->handle = handle;
    req->id = id;
    req->sector_number = sector;
    int n = 0;
    for (; len; n++) {
        size_t k = len < BLKRING_PAGE ? len : BLKRING_PAGE;
        req->seg[n].gref = refs[n];
        req->seg[n].first_sect = 0;
        req->seg[n].last_sect = (uint8_t)(k / BLKRING_SECTOR - 1);
        len -= k;
    }
    req->nr_segments = (uint8_t)n;
    return n;
}

/* Insertion into the sorted prefix out[0..n): lists are a few entries. */
static unsigned insert_sorted(uint32_t *out, unsigned n, uint32_t v)
{
    unsigned i = n;
    for (; i > 0 && out[i - 1] > v; i--)
        out[i] = out[i - 1];
    out[i] = v;
    return n + 1;
}

unsigned blkring_vbd_list(const char *names, size_t len, uint32_t *out,
                          unsigned max)
{
    unsigned n = 0;
    size_t at = 0;
    while (at < len) {
        const char *name = names + at;
        size_t k = strnlen(name, len - at);
        if (k == len - at)
            break; /* the last name lacks its NUL: ignore it */
        uint64_t v;
        if (xs_parse_u64(name, &v) == 0 && v <= UINT32_MAX && max) {
            if (n == max && v < out[n - 1])
                n--; /* full: the largest makes room for a smaller one */
            if (n < max)
                n = insert_sorted(out, n, (uint32_t)v);
        }
        at += k + 1;
    }
    return n;
}
