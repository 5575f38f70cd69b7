/*
 * virtq.h: split virtqueues, shared by the virtio drivers and the host
 * unit test. Layout structs come from <linux/virtio_ring.h>.
 */
#ifndef KILN_VIRTQ_H
#define KILN_VIRTQ_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#define VIRTQ_MAX_SIZE 256
#define VIRTQ_EMPTY (-1)
#define VIRTQ_BROKEN (-2)

struct virtq {
    uint16_t size, free_head, num_free, last_used;
    int broken;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t in_flight;                 /* chains the device holds */
    uint16_t next[VIRTQ_MAX_SIZE];      /* our copy of the free links: the
                                           device can write desc[].next */
    uint16_t chain_len[VIRTQ_MAX_SIZE]; /* 0: head not in flight */
    uint64_t in_len[VIRTQ_MAX_SIZE];    /* device-writable bytes offered */
};

struct virtq_buf {
    void *addr;
    uint32_t len;
};

static inline size_t virtq_desc_bytes(uint16_t n)
{
    return 16u * n;
}
static inline size_t virtq_avail_bytes(uint16_t n)
{
    return 6u + 2u * n;
}
static inline size_t virtq_used_bytes(uint16_t n)
{
    return 6u + 8u * n;
}

int virtq_init(struct virtq *vq, uint16_t size, void *desc, void *avail,
               void *used);
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned out,
              unsigned in);
/* 1 unless the device said it needs no kick for what was just added
 * (VRING_USED_F_NO_NOTIFY, spec 2.7.7): it is polling the queue anyway,
 * and a kick is a costly exit to the hypervisor. */
int virtq_needs_kick(struct virtq *vq);
/* Interrupts for this queue's used chains: off is a hint the device may
 * ignore (VRING_AVAIL_F_NO_INTERRUPT, spec 2.7.7), for a queue whose
 * completions the driver collects when it next touches it anyway. On
 * returns 1 if chains were already used before the device could see the
 * flag cleared: no interrupt may come for those, so look at them now. */
void virtq_irq_off(struct virtq *vq);
int virtq_irq_on(struct virtq *vq);
/* 1 while the device has not yet handed back every chain added. */
int virtq_busy(struct virtq *vq);
/* why must not be NULL; it is set when the result is VIRTQ_BROKEN. */
int virtq_get(struct virtq *vq, uint32_t *len, const char **why);

#endif
