/*
 * virtio_mmio.c: the virtio-mmio transport, version 2 (spec section
 * 4.2), as on QEMU microvm and Firecracker-class VMMs. There is no bus
 * to enumerate: devices are named on the command line the way Linux
 * takes them, virtio_mmio.device=<size>@<base>:<irq> (virtio_mmio_opt.c
 * reads them). Version 1 (legacy) windows are refused with a message.
 */
#include <linux/virtio_mmio.h>
#include "virtio.h"

#define MMIO_MAX_DEVICES 8
#define MMIO_MAGIC 0x74726976 /* "virt" */

static struct virtio_dev *mmio_devs[MMIO_MAX_DEVICES];
static unsigned nmmio;

static uint32_t rd(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(d->regs + off) = v;
}

static uint64_t mmio_features(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t lo = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    return lo | (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static void mmio_set_features(struct virtio_dev *d, uint64_t f)
{
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static uint8_t mmio_status(struct virtio_dev *d)
{
    return (uint8_t)rd(d, VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(struct virtio_dev *d, uint8_t s)
{
    wr(d, VIRTIO_MMIO_STATUS, s);
}

static uint16_t mmio_queue_max(struct virtio_dev *d, uint16_t q)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    if (rd(d, VIRTIO_MMIO_QUEUE_READY))
        return 0; /* already in use: not ours to take */
    uint32_t max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
    return max > 0xffff ? 0xffff : (uint16_t)max;
}

static void write64(struct virtio_dev *d, unsigned lo_off, uint64_t v)
{
    wr(d, lo_off, (uint32_t)v);
    wr(d, lo_off + 4, (uint32_t)(v >> 32));
}

static int mmio_queue_setup(struct virtio_dev *d, uint16_t q, struct virtq *vq)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, vq->size);
    write64(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uintptr_t)vq->desc);
    write64(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uintptr_t)vq->avail);
    write64(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uintptr_t)vq->used);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

static void mmio_notify(struct virtio_dev *d, uint16_t q)
{
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static const struct virtio_transport mmio_transport = {
    mmio_features,  mmio_set_features, mmio_status, mmio_set_status,
    mmio_queue_max, mmio_queue_setup,  mmio_notify,
};

/* The line is level-triggered: acknowledge every device's status so it
 * drops; the waiting thread then finds its work in the rings. */
static void mmio_interrupt(void)
{
    for (unsigned i = 0; i < nmmio; i++) {
        uint32_t status = rd(mmio_devs[i], VIRTIO_MMIO_INTERRUPT_STATUS);
        if (status)
            wr(mmio_devs[i], VIRTIO_MMIO_INTERRUPT_ACK, status);
    }
}

static int irq_setup(unsigned irq)
{
    static unsigned vector;
    if (!vector)
        vector = irq_alloc(mmio_interrupt);
    return vector ? ioapic_route(irq, vector, 1, 0) : -1;
}

/* Is there a modern virtio device at d->regs? Says why not. */
static int usable(struct virtio_dev *d)
{
    if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != MMIO_MAGIC) {
        kprintf("kiln: %s: no virtio device there\n", d->name);
        return 0;
    }
    if (rd(d, VIRTIO_MMIO_VERSION) != 2) {
        kprintf("kiln: %s skipped: legacy virtio-mmio (version %u); "
                "QEMU: -global virtio-mmio.force-legacy=false\n",
                d->name, rd(d, VIRTIO_MMIO_VERSION));
        return 0;
    }
    return rd(d, VIRTIO_MMIO_DEVICE_ID) != 0; /* 0: an empty slot */
}

static void add_device(uint64_t base, unsigned irq,
                       void (*probe)(struct virtio_dev *d))
{
    if (mmu_map_mmio(base, HC_PAGE_SIZE) < 0)
        return;
    struct virtio_dev *d = hc_pages_alloc(PAGES_FOR(sizeof *d));
    if (!d)
        return;
    d->regs = (volatile uint8_t *)(uintptr_t)base;
    virtio_mmio_opt_name(d->name_buf, sizeof d->name_buf, base);
    d->name = d->name_buf;
    if (!usable(d)) {
        hc_pages_free(d, PAGES_FOR(sizeof *d));
        return;
    }
    d->type = rd(d, VIRTIO_MMIO_DEVICE_ID);
    d->t = &mmio_transport;
    d->cfg = d->regs + VIRTIO_MMIO_CONFIG;
    mmio_devs[nmmio++] = d;
    d->has_irq = irq_setup(irq) == 0;
    probe(d);
}

void virtio_mmio_scan(const char *cmdline, void (*probe)(struct virtio_dev *d))
{
    const char *s = cmdline;
    while (nmmio < MMIO_MAX_DEVICES && (s = virtio_mmio_opt_next(s))) {
        unsigned irq;
        uint64_t base;
        if (virtio_mmio_opt_parse(s, &base, &irq) == 0)
            add_device(base, irq, probe);
        else
            kprintf("kiln: ignoring malformed virtio_mmio.device=%.40s\n", s);
    }
}
