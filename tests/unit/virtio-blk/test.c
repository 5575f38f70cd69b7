/*
 * virtio-blk/test.c: host unit test of hypercall-baremetal/virtio_blk.c
 * over the real virtqueue and setup code (virtq.c, virtio.c), with the
 * test as the device behind a fake transport: reads and writes go to a
 * 64-sector disk in memory, split and copied as the driver sees fit.
 *
 * What it guards: the device must never be handed the caller's buffer.
 * A device that stops answering is given up after 30 s (the fake clock
 * advances a second per reading), the caller gets -EIO and may reuse
 * its buffer; when the device then writes late, only driver-owned
 * memory may change.
 *
 * tests/unit/run reads one "links:" line, longer than clang-format's
 * column limit, hence the off/on below.
 */
/* clang-format off */
/*
 * links: hypercall-baremetal/virtio_blk.c hypercall-baremetal/virtq.c hypercall-baremetal/virtio.c
 */
/* clang-format on */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "../../../hypercall-baremetal/virtio.h"
#include "tap.h"

#define SECTORS 64

static uint8_t disk[SECTORS * 512];
static struct virtio_blk_config blk_cfg = {.capacity = SECTORS};
static struct virtq *queue;
static uint8_t status_reg;
static uint64_t now_ns;
static char last_msg[200];

/* The device's view of requests. */
static int silent;                       /* take requests, never answer */
static const uint8_t *user_lo, *user_hi; /* the caller's buffer */
static int saw_user;                     /* a descriptor pointed into it */
static uint8_t *held;                    /* silent: the data buffer it kept */
static uint32_t held_len;

/* ---- fakes ----------------------------------------------------------------
 */

uint64_t hc_clock_monotonic(void)
{
    return now_ns += 1000000000ull;
}
hc_tid hc_thread_self(void)
{
    return 1;
}
int hc_thread_block(uint64_t deadline)
{
    (void)deadline;
    return 0;
}
int hc_thread_wait_io(uint64_t deadline)
{
    (void)deadline;
    return 0;
}
int hc_thread_wake(hc_tid t)
{
    (void)t;
    return 0;
}
void hc_thread_yield(void)
{
}
void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
}

/* ---- the device ------------------------------------------------------------
 */

static uint64_t t_features(struct virtio_dev *d)
{
    (void)d;
    return 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_FLUSH;
}
static void t_set_features(struct virtio_dev *d, uint64_t f)
{
    (void)d, (void)f;
}
static uint8_t t_status(struct virtio_dev *d)
{
    (void)d;
    return status_reg;
}
static void t_set_status(struct virtio_dev *d, uint8_t s)
{
    (void)d;
    status_reg = s;
}
static uint16_t t_queue_max(struct virtio_dev *d, uint16_t q)
{
    (void)d;
    return q == 0 ? 16 : 0;
}
static int t_queue_setup(struct virtio_dev *d, uint16_t q, struct virtq *vq)
{
    (void)d, (void)q;
    queue = vq;
    return 0;
}

static int in_user(const uint8_t *p, uint32_t len)
{
    return user_lo && p < user_hi && p + len > user_lo;
}

/* Carry out the chain at head: header, optional data, status. */
static void serve(uint16_t head)
{
    struct vring_desc *dh = &queue->desc[head];
    struct virtio_blk_outhdr *h = (void *)(uintptr_t)dh->addr;
    struct vring_desc *dd = &queue->desc[dh->next], *ds = dd;
    uint32_t len = 0;
    uint8_t *data = NULL;
    if (dd->flags & VRING_DESC_F_NEXT) {
        data = (uint8_t *)(uintptr_t)dd->addr;
        len = dd->len;
        ds = &queue->desc[dd->next];
        saw_user |= in_user(data, len);
    }
    if (silent) {
        held = data, held_len = len;
        return;
    }
    uint8_t *at = disk + h->sector * 512;
    if (h->type == VIRTIO_BLK_T_IN)
        memcpy(data, at, len);
    else if (h->type == VIRTIO_BLK_T_OUT)
        memcpy(at, data, len);
    *(uint8_t *)(uintptr_t)ds->addr = VIRTIO_BLK_S_OK;
    struct vring_used_elem *e = &queue->used->ring[queue->used->idx % 16];
    e->id = head;
    e->len = h->type == VIRTIO_BLK_T_IN ? len + 1 : 1;
    queue->used->idx++;
}

static void t_notify(struct virtio_dev *d, uint16_t q)
{
    (void)d, (void)q;
    serve(queue->avail->ring[(uint16_t)(queue->avail->idx - 1) % 16]);
}

static const struct virtio_transport transport = {
    t_features,  t_set_features, t_status, t_set_status,
    t_queue_max, t_queue_setup,  t_notify,
};
static struct virtio_dev dev = {
    .t = &transport,
    .name = "test-blk",
    .type = VIRTIO_ID_BLK_TYPE,
    .cfg = (volatile uint8_t *)&blk_cfg,
};

/* ---- tests -----------------------------------------------------------------
 */

static void test_io(void)
{
    struct hc_blk_info info;
    virtio_blk_probe(&dev);
    tap_check(virtio_blk_info(0, &info) == 0 && info.sectors == SECTORS,
              "the disk is probed with its capacity", "%s", last_msg);
    for (size_t i = 0; i < sizeof disk; i++)
        disk[i] = (uint8_t)(i * 31 + (i >> 9));
    static uint8_t buf[8 * 512];
    user_lo = buf, user_hi = buf + sizeof buf;
    int r = virtio_blk_rw(0, 0, 3, buf, 8);
    tap_check(r == 0 && !memcmp(buf, disk + 3 * 512, sizeof buf),
              "a read returns the disk's bytes", "r=%d", r);
    memset(buf, 0x5c, sizeof buf);
    r = virtio_blk_rw(0, 1, 10, buf, 2);
    tap_check(r == 0 && all_bytes(disk + 10 * 512, 1024, 0x5c) &&
                  disk[12 * 512] != 0x5c,
              "a write lands on the disk, no further", "r=%d", r);
    tap_check(virtio_blk_flush(0) == 0, "flush", NULL);
    tap_check(!saw_user, "the device never saw the caller's buffer", NULL);
}

static void test_timeout(void)
{
    uint8_t *buf = malloc(4 * 512);
    memset(buf, 0x11, 4 * 512);
    user_lo = buf, user_hi = buf + 4 * 512;
    saw_user = 0;
    silent = 1;
    int r = virtio_blk_rw(0, 0, 0, buf, 4);
    tap_check(r == -EIO && strstr(last_msg, "disabled"),
              "no answer: -EIO after the timeout, one line", "r=%d: %s", r,
              last_msg);
    if (held)
        memset(held, 0xee, held_len); /* the device writes late */
    tap_check(!saw_user && all_bytes(buf, 4 * 512, 0x11),
              "a late write by the device misses the caller's buffer", NULL);
    free(buf);
    struct hc_blk_info info;
    tap_check(virtio_blk_info(0, &info) == -ENODEV &&
                  virtio_blk_rw(0, 0, 0, disk, 1) == -ENODEV,
              "the disk is gone for good", NULL);
}

int main(void)
{
    test_io();
    test_timeout();
    return tap_done();
}
