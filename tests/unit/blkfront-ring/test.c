/*
 * blkfront-ring/test.c: host unit test of hypercall-xen/blkfront_ring.c,
 * what blkfront believes of a Xen block backend. Hostile responses must
 * be refused: a response index running past the requests we posted,
 * ids we never sent or already finished, a mismatched operation. Also
 * the segment list of a request and the vbd listing (its numbers are
 * xs_parse_u64's, tested in tests/unit/xs-codec).
 *
 * links: hypercall-xen/blkfront_ring.c hypercall-xen/xs_codec.c
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "../../../hypercall-xen/blkfront_ring.h"
#include "tap.h"

static void test_ready(void)
{
    tap_check(blkring_ready(0, 0, 0) == 0, "nothing posted, nothing ready",
              NULL);
    tap_check(blkring_ready(3, 5, 7) == 2, "two of four answered", NULL);
    tap_check(blkring_ready(3, 7, 7) == 4, "all answered", NULL);
    tap_check(blkring_ready(3, 8, 7) == -1,
              "an index past our requests is refused", NULL);
    tap_check(blkring_ready(3, 2, 7) == -1,
              "an index behind our consumer is refused", NULL);
    tap_check(blkring_ready(UINT32_MAX - 1, 1, 2) == 3,
              "indexes that wrapped around 2^32", NULL);
    tap_check(blkring_ready(UINT32_MAX - 1, 3, 2) == -1,
              "past our requests across the wrap is refused", NULL);
}

static struct blkif_response rsp(uint64_t id, uint8_t op, int16_t status)
{
    struct blkif_response r;
    memset(&r, 0, sizeof r);
    r.id = id, r.operation = op, r.status = status;
    return r;
}

static void test_check(void)
{
    uint8_t ops[4] = {BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_READ,
                      BLKIF_OP_FLUSH_DISKCACHE};
    uint32_t inflight = 0xb; /* slots 0, 1 and 3 */
    struct blkif_response r = rsp(1, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    tap_check(blkring_check(&r, inflight, ops, 4) == 0, "a good write", NULL);
    r = rsp(0, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    tap_check(blkring_check(&r, inflight, ops, 4) == -EIO,
              "the backend's error is -EIO", NULL);
    r = rsp(3, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP);
    tap_check(blkring_check(&r, inflight, ops, 4) == -EOPNOTSUPP,
              "a refused flush is -EOPNOTSUPP", NULL);
    r = rsp(0, BLKIF_OP_READ, 77);
    tap_check(blkring_check(&r, inflight, ops, 4) == -EIO,
              "an unknown status is an error", NULL);
    r = rsp(2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    tap_check(blkring_check(&r, inflight, ops, 4) == -EPROTO,
              "an id not in flight (done already) is refused", NULL);
    r = rsp(4, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    tap_check(blkring_check(&r, 0xffffffff, ops, 4) == -EPROTO,
              "an id past our slots is refused", NULL);
    r = rsp(UINT64_MAX, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    tap_check(blkring_check(&r, 0xffffffff, ops, 4) == -EPROTO,
              "a huge id is refused", NULL);
    r = rsp(1, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    tap_check(blkring_check(&r, inflight, ops, 4) == -EPROTO,
              "a read answer to a write is refused", NULL);
}

static void test_fill(void)
{
    grant_ref_t refs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        refs[i] = 100 + i;
    struct blkif_request req;
    int n = blkring_fill(&req, BLKIF_OP_READ, 51712, 3, 40, refs, 512);
    tap_check(n == 1 && req.nr_segments == 1 && req.seg[0].gref == 100 &&
                  req.seg[0].first_sect == 0 && req.seg[0].last_sect == 0 &&
                  req.id == 3 && req.handle == 51712 && req.sector_number == 40,
              "one sector is one segment of one sector", NULL);
    n = blkring_fill(&req, BLKIF_OP_WRITE, 1, 0, 0, refs, 4096 + 1536);
    tap_check(n == 2 && req.seg[0].last_sect == 7 && req.seg[1].gref == 101 &&
                  req.seg[1].last_sect == 2,
              "a page and three sectors", "n=%d", n);
    n = blkring_fill(&req, BLKIF_OP_READ, 1, 0, 0, refs,
                     BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096);
    tap_check(n == BLKIF_MAX_SEGMENTS_PER_REQUEST &&
                  req.seg[n - 1].last_sect == 7,
              "the largest request", NULL);
    tap_check(blkring_fill(&req, BLKIF_OP_READ, 1, 0, 0, refs,
                           BLKIF_MAX_SEGMENTS_PER_REQUEST * 4096 + 512) == -1,
              "one sector more is refused", NULL);
    tap_check(blkring_fill(&req, BLKIF_OP_READ, 1, 0, 0, refs, 100) == -1,
              "a partial sector is refused", NULL);
    n = blkring_fill(&req, BLKIF_OP_FLUSH_DISKCACHE, 1, 2, 0, refs, 0);
    tap_check(n == 0 && req.nr_segments == 0, "a flush has no segments", NULL);
}

static void test_vbd_list(void)
{
    uint32_t out[4];
    const char names[] = "51728\0"
                         "51712\0"
                         "junk\0"
                         "768\0";
    unsigned n = blkring_vbd_list(names, sizeof names - 1, out, 4);
    tap_check(n == 3 && out[0] == 768 && out[1] == 51712 && out[2] == 51728,
              "numbers sorted, a name that is not one skipped", "n=%u", n);
    n = blkring_vbd_list(names, sizeof names - 1, out, 2);
    tap_check(n == 2 && out[0] == 768 && out[1] == 51712,
              "more disks than room: the smallest are kept", NULL);
    const char cut[] = {'5', '1', '7', '1', '2', 0, '9', '9'};
    n = blkring_vbd_list(cut, sizeof cut, out, 4);
    tap_check(n == 1 && out[0] == 51712,
              "a last name without its NUL is ignored", NULL);
    tap_check(blkring_vbd_list("", 0, out, 4) == 0, "an empty listing", NULL);
    tap_check(blkring_vbd_list("99999999999\0", 12, out, 4) == 0,
              "a number past 32 bits is skipped", NULL);
}

int main(void)
{
    test_ready();
    test_check();
    test_fill();
    test_vbd_list();
    return tap_done();
}
