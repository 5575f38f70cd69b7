/*
 * virtio_blk.c: virtio block devices (spec section 5.2) behind the
 * hypercall disk calls. One request queue; each request is a chain of
 * header, data and status byte. Requests are synchronous: the caller
 * sleeps until the device's interrupt (MSI-X on PCI, the wired line on
 * MMIO), or polls, yielding, where it has none. The
 * data buffer is split to respect the device's size_max and our own
 * per-request bound. A device that does not answer within
 * BLK_TIMEOUT_NS, or answers nonsense, is disabled with a message.
 *
 * The device never sees the caller's memory: data goes through one
 * bounce buffer per disk (REQUEST_MAX bytes, taken at probe), copied in
 * before a write and out after a read succeeds, as blkfront does with
 * its granted pages. So when a request times out, the caller gets -EIO
 * and may free or reuse its buffer at once: a device that writes late
 * (the reset virtio_fail asks for may not take) hits only the bounce
 * buffer and the header and status bytes, which stay the disk's for
 * good, as the dead disk's state is never freed. The copy costs one
 * memcpy per request, small beside the device's own work.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <stddef.h>
#include <string.h>
#include "kiln/lock.h"
#include "virtio.h"

#define SECTOR 512u
#define REQUEST_MAX (128u * 1024) /* bytes per request */
#define BLK_TIMEOUT_NS (30ull * 1000000000)
#define QUEUE_SIZE 16
#define WAIT_SLICE_NS 10000000ull /* re-check the ring even without an IRQ */

struct vblk {
    struct virtio_dev *dev;
    struct virtq vq;
    uint64_t capacity; /* sectors */
    uint32_t size_max;
    int read_only, can_flush, dead;
    struct virtio_blk_outhdr hdr; /* one request in flight at a time */
    uint8_t status;
    uint8_t *bounce; /* REQUEST_MAX bytes: all the device reads or writes */
    struct kiln_lock lock; /* a thread owns hdr, status and bounce */
};

/* Allocated per disk found, so images without disks carry no tables. */
static struct vblk *disks[BLK_MAX_DISKS];
static unsigned ndisks;

static uint64_t cfg64(struct virtio_dev *d, size_t off)
{
    uint32_t lo = *(volatile uint32_t *)(d->cfg + off);
    uint32_t hi = *(volatile uint32_t *)(d->cfg + off + 4);
    return (uint64_t)hi << 32 | lo;
}

void virtio_blk_probe(struct virtio_dev *d)
{
    if (d->type != VIRTIO_ID_BLK_TYPE)
        return;
    if (ndisks == BLK_MAX_DISKS) {
        virtio_fail(d, "too many disks");
        return;
    }
    struct vblk *b = hc_pages_alloc(PAGES_FOR(sizeof *b));
    uint8_t *bounce = hc_pages_alloc(PAGES_FOR(REQUEST_MAX));
    if (!b || !bounce) {
        if (b)
            hc_pages_free(b, PAGES_FOR(sizeof *b));
        if (bounce)
            hc_pages_free(bounce, PAGES_FOR(REQUEST_MAX));
        virtio_fail(d, "no memory for the disk's state");
        return;
    }
    uint64_t want = 1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_FLUSH |
                    1ull << VIRTIO_BLK_F_SIZE_MAX,
             got;
    if (virtio_negotiate(d, want, &got) < 0 ||
        virtio_queue_create(d, 0, &b->vq, QUEUE_SIZE) < 0) {
        hc_pages_free(b, PAGES_FOR(sizeof *b));
        hc_pages_free(bounce, PAGES_FOR(REQUEST_MAX));
        return;
    }
    disks[ndisks++] = b;
    b->dev = d;
    b->bounce = bounce;
    b->capacity = cfg64(d, offsetof(struct virtio_blk_config, capacity));
    b->read_only = (got >> VIRTIO_BLK_F_RO) & 1;
    b->can_flush = (got >> VIRTIO_BLK_F_FLUSH) & 1;
    b->size_max =
        (got >> VIRTIO_BLK_F_SIZE_MAX) & 1
            ? *(volatile uint32_t *)(d->cfg + offsetof(struct virtio_blk_config,
                                                       size_max))
            : 0;
    virtio_ready(d);
}

/* Submit one request and wait for its status; the caller holds the
 * disk. Only the disk's own memory is posted: data (len <= REQUEST_MAX)
 * goes through the bounce buffer. */
static int request_locked(struct vblk *b, uint32_t type, uint64_t sector,
                          void *data, uint32_t len)
{
    /* header (device reads), data (reads or writes), status (writes) */
    struct virtq_buf bufs[3] = {{&b->hdr, sizeof b->hdr}};
    unsigned n = 1, out = 1;
    if (len) {
        bufs[n++] = (struct virtq_buf){b->bounce, len};
        out += type == VIRTIO_BLK_T_OUT;
        if (type == VIRTIO_BLK_T_OUT)
            memcpy(b->bounce, data, len);
    }
    bufs[n++] = (struct virtq_buf){&b->status, 1};
    b->hdr = (struct virtio_blk_outhdr){.type = type, .sector = sector};
    b->status = 0xff;
    if (virtq_add(&b->vq, bufs, out, n - out) < 0)
        return -EIO;
    b->dev->t->notify(b->dev, 0);
    uint64_t give_up = hc_clock_monotonic() + BLK_TIMEOUT_NS;
    for (;;) {
        uint32_t used_len;
        const char *why = NULL;
        int r = virtq_get(&b->vq, &used_len, &why);
        if (r >= 0)
            break;
        if (r == VIRTQ_BROKEN || hc_clock_monotonic() > give_up) {
            b->dead = 1;
            virtio_fail(b->dev, why ? why : "no answer within 30 s");
            return -EIO;
        }
        if (b->dev->has_irq)
            hc_thread_wait_io(hc_clock_monotonic() + WAIT_SLICE_NS);
        else
            hc_thread_yield();
    }
    if (b->status != VIRTIO_BLK_S_OK)
        return -EIO;
    if (len && type == VIRTIO_BLK_T_IN)
        memcpy(data, b->bounce, len);
    return 0;
}

static int request(struct vblk *b, uint32_t type, uint64_t sector, void *data,
                   uint32_t len)
{
    kiln_lock(&b->lock);
    int r = b->dead ? -EIO : request_locked(b, type, sector, data, len);
    kiln_unlock(&b->lock);
    return r;
}

static struct vblk *disk(unsigned idx)
{
    return idx < ndisks && !disks[idx]->dead ? disks[idx] : NULL;
}

int virtio_blk_info(unsigned idx, struct hc_blk_info *out)
{
    struct vblk *b = disk(idx);
    if (!b)
        return -ENODEV;
    *out = (struct hc_blk_info){b->capacity, SECTOR, (uint8_t)b->read_only};
    return 0;
}

/* Read or write nsectors, split into requests the device accepts. */
int virtio_blk_rw(unsigned idx, int write, uint64_t sector, void *buf,
                  size_t nsectors)
{
    struct vblk *b = disk(idx);
    if (!b)
        return -ENODEV;
    if (sector > b->capacity || nsectors > b->capacity - sector)
        return -EINVAL;
    if (write && b->read_only)
        return -EROFS;
    uint32_t chunk = REQUEST_MAX;
    if (b->size_max && b->size_max < chunk)
        chunk = b->size_max & ~(SECTOR - 1);
    if (chunk < SECTOR)
        chunk = SECTOR;
    uint8_t *p = buf;
    while (nsectors) {
        uint32_t n =
            nsectors * SECTOR < chunk ? (uint32_t)(nsectors * SECTOR) : chunk;
        int r = request(b, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector,
                        p, n);
        if (r < 0)
            return r;
        p += n;
        sector += n / SECTOR;
        nsectors -= n / SECTOR;
    }
    return 0;
}

int virtio_blk_flush(unsigned idx)
{
    struct vblk *b = disk(idx);
    if (!b)
        return -ENODEV;
    return b->can_flush ? request(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0) : 0;
}
