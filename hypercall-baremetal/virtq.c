/*
 * virtq.c: split virtqueues (virtio 1.x, section 2.7) with the layouts
 * from linux-libc-dev's <linux/virtio_ring.h>.
 *
 * The device is not trusted: every used-ring entry is checked (the index
 * may not run ahead of the chains it holds, the id must name a chain we
 * gave it, the length must fit the buffers we offered), and the free
 * list lives in our own memory, never read back from the shared table. The
 * first bad entry marks the queue broken for good and every later call fails,
 * so a misbehaving backend costs us the device, never memory safety. Pure code
 * apart from the fences: tests/unit/virtq feeds it rings.
 */
#include <string.h>
#include "virtq.h"

/* The device runs beside us and shares the rings. Our stores to the
 * descriptors and the avail entry must be visible before the avail
 * index that publishes them (a release fence), and nothing in the used
 * entry may be read before the used index that says it is there (an
 * acquire fence); on x86 both cost only a compiler barrier. Every
 * shared field the device writes is read exactly once, through a
 * volatile access, into a local that is then checked and used: the
 * compiler may neither cache the index across calls nor fetch an entry
 * twice (once for the check, once for the use). */
#define publish_fence() __atomic_thread_fence(__ATOMIC_RELEASE)
#define consume_fence() __atomic_thread_fence(__ATOMIC_ACQUIRE)

static uint16_t read_once16(const uint16_t *p)
{
    return *(const volatile uint16_t *)p;
}

static uint32_t read_once32(const uint32_t *p)
{
    return *(const volatile uint32_t *)p;
}

int virtq_init(struct virtq *vq, uint16_t size, void *desc, void *avail,
               void *used)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return -1;
    memset(vq, 0, sizeof *vq);
    vq->size = size;
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;
    memset(desc, 0, virtq_desc_bytes(size));
    memset(avail, 0, virtq_avail_bytes(size));
    memset(used, 0, virtq_used_bytes(size));
    for (uint16_t i = 0; i < size; i++)
        vq->next[i] = (uint16_t)(i + 1);
    vq->free_head = 0;
    vq->num_free = size;
    return 0;
}

/* Queue one chain: out buffers (device reads) then in buffers (device
 * writes). Returns the head id, or -1 when the ring is full or broken. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned out,
              unsigned in)
{
    if (vq->broken || out > vq->num_free || in > vq->num_free - out ||
        out + in == 0)
        return -1;
    unsigned n = out + in;
    uint16_t head = vq->free_head, i = head;
    uint64_t in_len = 0;
    for (unsigned k = 0; k < n; k++) {
        struct vring_desc *d = &vq->desc[i];
        d->addr = (uintptr_t)bufs[k].addr;
        d->len = bufs[k].len;
        d->flags = (uint16_t)((k >= out ? VRING_DESC_F_WRITE : 0) |
                              (k + 1 < n ? VRING_DESC_F_NEXT : 0));
        d->next = vq->next[i];
        if (k >= out)
            in_len += bufs[k].len;
        i = vq->next[i];
    }
    vq->free_head = i;
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->in_flight++;
    vq->chain_len[head] = (uint16_t)n;
    vq->in_len[head] = in_len;
    uint16_t idx = vq->avail->idx; /* only we write it */
    vq->avail->ring[idx % vq->size] = head;
    publish_fence();
    *(volatile uint16_t *)&vq->avail->idx = (uint16_t)(idx + 1);
    return head;
}

static int broken(struct virtq *vq, const char **why, const char *what)
{
    vq->broken = 1;
    *why = what;
    return VIRTQ_BROKEN;
}

static void free_chain(struct virtq *vq, uint16_t head)
{
    uint16_t i = head;
    for (uint16_t k = 1; k < vq->chain_len[head]; k++)
        i = vq->next[i];
    vq->next[i] = vq->free_head;
    vq->free_head = head;
    vq->in_flight--;
    vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[head]);
    vq->chain_len[head] = 0;
}

/* Take one finished chain. Returns its head id with *len the bytes the
 * device wrote, VIRTQ_EMPTY when none is finished, VIRTQ_BROKEN (with
 * *why) when the device handed back something impossible. */
int virtq_get(struct virtq *vq, uint32_t *len, const char **why)
{
    if (vq->broken)
        return broken(vq, why, "queue already disabled");
    uint16_t used_idx = read_once16(&vq->used->idx);
    consume_fence();
    uint16_t pending = (uint16_t)(used_idx - vq->last_used);
    if (pending == 0)
        return VIRTQ_EMPTY;
    if (pending > vq->in_flight)
        return broken(vq, why, "used index ran ahead of what we queued");
    struct vring_used_elem *ue = &vq->used->ring[vq->last_used % vq->size];
    struct vring_used_elem e = {read_once32(&ue->id), read_once32(&ue->len)};
    if (e.id >= vq->size || vq->chain_len[e.id] == 0)
        return broken(vq, why, "used id names no request in flight");
    if (e.len > vq->in_len[e.id])
        return broken(vq, why, "used length exceeds the buffers offered");
    vq->last_used++;
    free_chain(vq, (uint16_t)e.id);
    *len = e.len;
    return (int)e.id;
}

int virtq_needs_kick(struct virtq *vq)
{
    /* The new avail index must be visible before we read the flag, or a
     * device that just turned kicks on would miss ours (a full fence). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(*(volatile uint16_t *)&vq->used->flags & VRING_USED_F_NO_NOTIFY);
}

void virtq_irq_off(struct virtq *vq)
{
    volatile uint16_t *flags = &vq->avail->flags; /* only we write it */
    *flags = (uint16_t)(*flags | VRING_AVAIL_F_NO_INTERRUPT);
}

int virtq_irq_on(struct virtq *vq)
{
    volatile uint16_t *flags = &vq->avail->flags;
    *flags = (uint16_t)(*flags & ~VRING_AVAIL_F_NO_INTERRUPT);
    /* The cleared flag must be visible before we read the used index,
     * or a device finishing now could skip its interrupt unseen. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return read_once16(&vq->used->idx) != vq->last_used;
}

int virtq_busy(struct virtq *vq)
{
    uint16_t done = (uint16_t)(read_once16(&vq->used->idx) - vq->last_used);
    return !vq->broken && done < vq->in_flight;
}
