/*
 * blkfront_io.c: sector I/O on a connected Xen disk (hc_blk_*).
 * Synchronous: the caller's transfer is cut into requests of up to
 * BLKF_SEGS pages, up to BLKF_SLOTS of them in flight, each through its
 * slot's granted bounce pages (copied in before a write, out after a
 * read). The calling thread waits in hc_thread_wait_io; the event
 * channel's upcall is what wakes it. One thread owns a disk's ring at a
 * time; others queue in order (threads are cooperative, so a flag and a
 * queue are enough).
 *
 * The backend is checked: a response index past what we posted, an
 * unknown id or operation, or no answer within BLK_TIMEOUT_NS takes the
 * disk out of service with one log line; later calls get -EIO.
 */
#include "blkfront.h"

#include <errno.h>
#include <string.h>

#define BLK_TIMEOUT_NS (30ull * 1000000000)
#define WAIT_SLICE_NS 10000000ull /* look at the ring even without an event */
#define CHUNK_MAX ((size_t)BLKF_SEGS * HC_PAGE_SIZE)

void blkf_fail(struct blkf_disk *d, const char *why)
{
    if (!d->dead)
        kprintf("kiln: xen disk %u: %s; disk disabled\n", (unsigned)d->vdev,
                why);
    d->dead = 1;
}

static int slot_free(const struct blkf_disk *d)
{
    for (int i = 0; i < BLKF_SLOTS; i++)
        if (!(d->inflight >> i & 1))
            return i;
    return -1;
}

/* Queue one request in slot i (not yet pushed to the backend). */
static void post(struct blkf_disk *d, int i, uint8_t op, uint64_t sector512,
                 uint8_t *buf, size_t len)
{
    struct blkf_slot *s = &d->slots[i];
    if (op == BLKIF_OP_WRITE)
        memcpy(s->pages, buf, len);
    s->dst = op == BLKIF_OP_READ ? buf : NULL;
    s->len = len;
    s->sector512 = sector512;
    d->ops[i] = op;
    d->inflight |= 1u << i;
    blkf_repost(d, i);
}

/* Slot i's request onto the ring; a write's data is in its pages. */
void blkf_repost(struct blkf_disk *d, int i)
{
    struct blkf_slot *s = &d->slots[i];
    struct blkif_request *req =
        RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
    blkring_fill(req, d->ops[i], (blkif_vdev_t)d->vdev, (uint64_t)i,
                 s->sector512, s->refs, s->len);
    d->ring.req_prod_pvt++;
}

void blkf_push(struct blkf_disk *d)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&d->ring, notify);
    if (notify)
        evtchn_notify(d->port);
}

/* Take one response: copy it out of the shared ring first (the backend
 * may rewrite the slot), check it, finish its slot. The request's
 * result: 0, -EIO or -EOPNOTSUPP; -EPROTO disables the disk. */
static int take(struct blkf_disk *d)
{
    struct blkif_response rsp = *RING_GET_RESPONSE(&d->ring, d->ring.rsp_cons);
    d->ring.rsp_cons++;
    int r = blkring_check(&rsp, d->inflight, d->ops, BLKF_SLOTS);
    if (r == -EPROTO) {
        blkf_fail(d, "response with an id or operation we did not send");
        return r;
    }
    struct blkf_slot *s = &d->slots[rsp.id];
    if (r == 0 && s->dst)
        memcpy(s->dst, s->pages, s->len);
    d->inflight &= ~(1u << rsp.id);
    return r;
}

/* Responses ready now, with the backend's index checked; arms the
 * event (rsp_event) before looking a last time, so none is missed. */
static long ready(struct blkf_disk *d)
{
    for (int armed = 0;; armed = 1) {
        RING_IDX prod =
            __atomic_load_n(&d->ring.sring->rsp_prod, __ATOMIC_ACQUIRE);
        long n = blkring_ready(d->ring.rsp_cons, prod, d->ring.req_prod_pvt);
        if (n < 0)
            blkf_fail(d, "backend's response index ran past our requests");
        if (n != 0 || armed)
            return n;
        d->ring.sring->rsp_event = d->ring.rsp_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

/* Wait for and take at least one response. The worst result among
 * them is kept in *err; -EIO if the disk had to be disabled. */
static int collect(struct blkf_disk *d, int *err)
{
    uint64_t give_up = hc_clock_monotonic() + BLK_TIMEOUT_NS;
    long n;
    while ((n = ready(d)) == 0) {
        if (hc_clock_monotonic() > give_up) {
            blkf_fail(d, "no answer within 30 s");
            return -EIO;
        }
        hc_thread_wait_io(hc_clock_monotonic() + WAIT_SLICE_NS);
    }
    if (n < 0)
        return -EIO;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* responses after the index */
    while (n--) {
        int r = take(d);
        if (r == -EPROTO)
            return -EIO;
        if (r < 0 && !*err)
            *err = r;
    }
    return 0;
}

/* Move len bytes at 512-byte sector, keeping up to BLKF_SLOTS requests
 * in flight; stops posting after the first error and drains the rest. */
static int transfer(struct blkf_disk *d, uint8_t op, uint64_t sector512,
                    uint8_t *buf, size_t len)
{
    int err = 0;
    while ((len && !err) || d->inflight) {
        int i;
        while (len && !err && (i = slot_free(d)) >= 0) {
            size_t k = len < CHUNK_MAX ? len : CHUNK_MAX;
            post(d, i, op, sector512, buf, k);
            buf += k, len -= k, sector512 += k / BLKRING_SECTOR;
        }
        blkf_push(d);
        if (collect(d, &err) < 0)
            return -EIO;
    }
    return err;
}

static struct blkf_disk *disk(unsigned idx)
{
    xen_devices_find(); /* the first call finds them */
    return idx < blkf_ndisks && !blkf_disks[idx]->dead ? blkf_disks[idx] : NULL;
}

int hc_blk_info(unsigned idx, struct hc_blk_info *out)
{
    struct blkf_disk *d = disk(idx);
    if (!d)
        return -ENODEV;
    *out = (struct hc_blk_info){d->sectors512 / (d->sector_size / 512),
                                d->sector_size, (uint8_t)d->read_only};
    return 0;
}

static int rw(unsigned idx, uint8_t op, uint64_t sector, void *buf,
              size_t nsectors)
{
    struct blkf_disk *d = disk(idx);
    if (!d)
        return -ENODEV;
    uint64_t per = d->sector_size / BLKRING_SECTOR;
    uint64_t cap = d->sectors512 / per;
    if (sector > cap || nsectors > cap - sector)
        return -EINVAL;
    if (op == BLKIF_OP_WRITE && d->read_only)
        return -EROFS;
    kiln_lock(&d->lock);
    int r = d->dead
                ? -EIO
                : transfer(d, op, sector * per, buf, nsectors * d->sector_size);
    kiln_unlock(&d->lock);
    return r < 0 ? -EIO : 0;
}

int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t nsectors)
{
    return rw(idx, BLKIF_OP_READ, sector, buf, nsectors);
}

int hc_blk_write(unsigned idx, uint64_t sector, const void *buf,
                 size_t nsectors)
{
    /* The buffer is only read (copied into the bounce pages). */
    return rw(idx, BLKIF_OP_WRITE, sector, (void *)buf, nsectors);
}

/* A flush is a request with no segments. A backend that then refuses
 * the operation it offered gets no more flushes: it has no cache we can
 * reach, so its writes are as durable as it makes them. */
int hc_blk_flush(unsigned idx)
{
    struct blkf_disk *d = disk(idx);
    if (!d)
        return -ENODEV;
    if (!d->flush_op || d->read_only)
        return 0;
    kiln_lock(&d->lock);
    int err = 0;
    if (d->dead) {
        err = -EIO;
    } else {
        post(d, 0, d->flush_op, 0, NULL, 0);
        blkf_push(d);
        if (collect(d, &err) < 0)
            err = -EIO;
    }
    if (err == -EOPNOTSUPP) {
        kprintf("kiln: xen disk %u: backend refuses flushes; not sent again\n",
                (unsigned)d->vdev);
        d->flush_op = 0;
        err = 0;
    }
    kiln_unlock(&d->lock);
    return err < 0 ? -EIO : 0;
}
