/*
 * virtio.c: the transport-independent steps of bringing up a virtio 1.x
 * device (spec section 3.1.1): reset, acknowledge, negotiate features
 * (VERSION_1 required: we drive modern devices only), create queues,
 * and declare the driver ready, or failed with a logged reason.
 */
#include <linux/virtio_config.h>
#include "virtio.h"

#define RESET_SPINS 1000000

/* Writing 0 resets; the device says it is done by reading back 0. */
static void reset(struct virtio_dev *d)
{
    d->t->set_status(d, 0);
    for (int i = 0; i < RESET_SPINS && d->t->status(d) != 0; i++)
        __asm__ volatile("pause");
}

int virtio_negotiate(struct virtio_dev *d, uint64_t wanted, uint64_t *got)
{
    reset(d);
    d->t->set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    d->t->set_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    uint64_t offered = d->t->features(d);
    if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
        virtio_fail(d, "legacy device (no VIRTIO_F_VERSION_1)");
        return -1;
    }
    *got = offered & (wanted | 1ull << VIRTIO_F_VERSION_1);
    d->t->set_features(d, *got);
    uint8_t s = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                VIRTIO_CONFIG_S_FEATURES_OK;
    d->t->set_status(d, s);
    if (!(d->t->status(d) & VIRTIO_CONFIG_S_FEATURES_OK)) {
        virtio_fail(d, "device refused our features");
        return -1;
    }
    return 0;
}

static void *ring_pages(size_t bytes)
{
    return hc_pages_alloc((bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE);
}

int virtio_queue_create(struct virtio_dev *d, uint16_t q, struct virtq *vq,
                        uint16_t max_size)
{
    uint16_t offered = q < VIRTIO_MAX_QUEUES ? d->t->queue_max(d, q) : 0;
    if (offered == 0) {
        virtio_fail(d, "queue not available");
        return -1;
    }
    uint16_t size = 1; /* the largest power of two within both limits */
    while (size * 2 <= offered && size * 2 <= max_size)
        size = (uint16_t)(size * 2);
    void *desc = ring_pages(virtq_desc_bytes(size));
    void *avail = ring_pages(virtq_avail_bytes(size));
    void *used = ring_pages(virtq_used_bytes(size));
    if (!desc || !avail || !used) {
        virtio_fail(d, "no memory for a virtqueue");
        return -1;
    }
    virtq_init(vq, size, desc, avail, used);
    if (d->t->queue_setup(d, q, vq) < 0) {
        virtio_fail(d, "queue setup rejected");
        return -1;
    }
    return 0;
}

void virtio_ready(struct virtio_dev *d)
{
    d->t->set_status(d, d->t->status(d) | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Tell the device we gave up, then reset it: a reset stops it from
 * touching buffers it still holds, which the callers are about to reuse
 * (spec 2.1.2, 4.1.4.3.2). */
void virtio_fail(struct virtio_dev *d, const char *why)
{
    d->t->set_status(d, d->t->status(d) | VIRTIO_CONFIG_S_FAILED);
    reset(d);
    kprintf("kiln: %s disabled: %s\n", d->name, why);
}
