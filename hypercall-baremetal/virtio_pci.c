/*
 * virtio_pci.c: the modern virtio PCI transport (spec section 4.1): the
 * vendor capabilities locate the common configuration, notification,
 * ISR and device configuration structures inside memory BARs. Devices
 * are 1af4:1040+type (modern) or the transitional 1af4:1000/1001, of
 * which only the modern interface is used.
 */
#include <linux/virtio_pci.h>
#include <stddef.h>
#include <stdio.h>
#include "virtio.h"

#define VIRTIO_VENDOR 0x1af4
#define PCI_CAP_VENDOR 0x09
#define CAP_REGION_MAX (1u << 20)
#define DEVICE_CFG_MIN 12 /* blk: capacity, size_max; net: MAC, status */
#define COMMON(d, field)                                                       \
    (*(volatile __typeof__(((struct virtio_pci_common_cfg *)0)->field)         \
           *)((d)->common + offsetof(struct virtio_pci_common_cfg, field)))

static uint64_t pci_features(struct virtio_dev *d)
{
    COMMON(d, device_feature_select) = 0;
    uint64_t lo = COMMON(d, device_feature);
    COMMON(d, device_feature_select) = 1;
    return lo | (uint64_t)COMMON(d, device_feature) << 32;
}

static void pci_set_features(struct virtio_dev *d, uint64_t f)
{
    COMMON(d, guest_feature_select) = 0;
    COMMON(d, guest_feature) = (uint32_t)f;
    COMMON(d, guest_feature_select) = 1;
    COMMON(d, guest_feature) = (uint32_t)(f >> 32);
}

static uint8_t pci_status(struct virtio_dev *d)
{
    return COMMON(d, device_status);
}

static void pci_set_status(struct virtio_dev *d, uint8_t s)
{
    COMMON(d, device_status) = s;
}

static uint16_t pci_queue_max(struct virtio_dev *d, uint16_t q)
{
    COMMON(d, queue_select) = q;
    return COMMON(d, queue_size);
}

static int pci_queue_setup(struct virtio_dev *d, uint16_t q, struct virtq *vq)
{
    COMMON(d, queue_select) = q;
    COMMON(d, queue_size) = vq->size;
    COMMON(d, queue_msix_vector) = d->has_irq ? 0 : VIRTIO_MSI_NO_VECTOR;
    if (COMMON(d, queue_msix_vector) == VIRTIO_MSI_NO_VECTOR)
        d->has_irq = 0; /* the device could not take the vector: poll */
    uint64_t desc = (uintptr_t)vq->desc, avail = (uintptr_t)vq->avail,
             used = (uintptr_t)vq->used;
    COMMON(d, queue_desc_lo) = (uint32_t)desc;
    COMMON(d, queue_desc_hi) = (uint32_t)(desc >> 32);
    COMMON(d, queue_avail_lo) = (uint32_t)avail;
    COMMON(d, queue_avail_hi) = (uint32_t)(avail >> 32);
    COMMON(d, queue_used_lo) = (uint32_t)used;
    COMMON(d, queue_used_hi) = (uint32_t)(used >> 32);
    /* the device names where to notify: it must lie inside the area */
    uint64_t at = (uint64_t)COMMON(d, queue_notify_off) * d->notify_mult;
    if (at + 2 > d->notify_len)
        return -1;
    d->notify_at[q] = (uint32_t)at;
    COMMON(d, queue_enable) = 1;
    return 0;
}

static void pci_notify(struct virtio_dev *d, uint16_t q)
{
    *(volatile uint16_t *)(d->notify + d->notify_at[q]) = q;
}

static const struct virtio_transport pci_transport = {
    pci_features,  pci_set_features, pci_status, pci_set_status,
    pci_queue_max, pci_queue_setup,  pci_notify,
};

/* Map the structure a virtio capability points at, if it is at least
 * `need` bytes and no bigger than a sane register window (the device
 * says where and how long; we decide whether to believe it). */
static volatile uint8_t *cap_region(const struct pci_dev *p, uint8_t cap,
                                    uint32_t need, uint32_t *length)
{
    uint8_t bar = pci_read8(p, (uint8_t)(cap + 4));
    uint32_t offset = pci_read32(p, (uint8_t)(cap + 8));
    *length = pci_read32(p, (uint8_t)(cap + 12));
    uint64_t base = pci_bar(p, bar);
    if (!base || *length < need || *length > CAP_REGION_MAX)
        return NULL;
    if (mmu_map_mmio(base + offset, *length) < 0)
        return NULL;
    return (volatile uint8_t *)(uintptr_t)(base + offset);
}

static unsigned device_type(uint16_t id)
{
    if (id >= 0x1040 && id <= 0x107f)
        return id - 0x1040u;
    if (id == 0x1000)
        return VIRTIO_ID_NET_TYPE;
    if (id == 0x1001)
        return VIRTIO_ID_BLK_TYPE;
    return 0;
}

/* Map the structures the vendor capabilities name: 0, or -1 after a
 * line saying why the device is skipped. A capability list that loops
 * is refused outright: a device that broken gets none of our memory. */
static int find_structures(struct virtio_dev *d, const struct pci_dev *p)
{
    uint32_t len;
    uint8_t caps[PCI_CAP_MAX];
    int n = pci_caps(p, PCI_CAP_VENDOR, caps, PCI_CAP_MAX);
    if (n < 0) {
        kprintf("kiln: %s skipped: its capability list does not end within "
                "%d entries (a loop)\n",
                d->name, PCI_CAP_MAX);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        uint8_t c = caps[i];
        switch (pci_read8(p, (uint8_t)(c + 3))) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            if (!d->common)
                d->common = cap_region(
                    p, c, sizeof(struct virtio_pci_common_cfg), &len);
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
            if (!d->notify) {
                d->notify = cap_region(p, c, 2, &d->notify_len);
                d->notify_mult = pci_read32(p, (uint8_t)(c + 16));
            }
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            if (!d->cfg)
                d->cfg = cap_region(p, c, DEVICE_CFG_MIN, &len);
            break;
        }
    }
    if (d->common && d->notify && d->cfg)
        return 0;
    kprintf("kiln: %s skipped: no modern virtio interface\n", d->name);
    return -1;
}

/* MSI-X needs no acknowledgement, so one handler does for all: taking
 * the interrupt is what wakes the waiting thread. */
static void msix_interrupt(void)
{
}

static int msix_setup(const struct pci_dev *p)
{
    static unsigned vector;
    if (!vector)
        vector = irq_alloc(msix_interrupt);
    return vector ? pci_msix_enable(p, vector) : -1;
}

void virtio_pci_scan(void (*probe)(struct virtio_dev *d))
{
    unsigned n;
    const struct pci_dev *p = pci_devices(&n);
    for (unsigned i = 0; i < n; i++) {
        if (p[i].vendor != VIRTIO_VENDOR || !device_type(p[i].device))
            continue;
        struct virtio_dev *d = hc_pages_alloc(PAGES_FOR(sizeof *d));
        if (!d)
            return;
        d->t = &pci_transport;
        d->type = device_type(p[i].device);
        snprintf(d->name_buf, sizeof d->name_buf, "virtio-pci %02x:%02x.%x",
                 p[i].bus, p[i].slot, p[i].func);
        d->name = d->name_buf;
        pci_enable(&p[i]);
        if (find_structures(d, &p[i]) < 0) {
            hc_pages_free(d, PAGES_FOR(sizeof *d));
            continue;
        }
        d->has_irq = msix_setup(&p[i]) == 0;
        probe(d);
    }
}
