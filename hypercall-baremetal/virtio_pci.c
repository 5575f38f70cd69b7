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
    uint64_t desc = (uintptr_t)vq->desc, avail = (uintptr_t)vq->avail,
             used = (uintptr_t)vq->used;
    COMMON(d, queue_desc_lo) = (uint32_t)desc;
    COMMON(d, queue_desc_hi) = (uint32_t)(desc >> 32);
    COMMON(d, queue_avail_lo) = (uint32_t)avail;
    COMMON(d, queue_avail_hi) = (uint32_t)(avail >> 32);
    COMMON(d, queue_used_lo) = (uint32_t)used;
    COMMON(d, queue_used_hi) = (uint32_t)(used >> 32);
    d->notify_off[q] = COMMON(d, queue_notify_off);
    COMMON(d, queue_enable) = 1;
    return 0;
}

static void pci_notify(struct virtio_dev *d, uint16_t q)
{
    *(volatile uint16_t *)(d->notify + d->notify_off[q] * d->notify_mult) = q;
}

static const struct virtio_transport pci_transport = {
    pci_features,  pci_set_features, pci_status, pci_set_status,
    pci_queue_max, pci_queue_setup,  pci_notify,
};

/* Map the structure a virtio capability points at; NULL if unusable. */
static volatile uint8_t *cap_region(const struct pci_dev *p, uint8_t cap)
{
    uint8_t bar = pci_read8(p, (uint8_t)(cap + 4));
    uint32_t offset = pci_read32(p, (uint8_t)(cap + 8));
    uint32_t length = pci_read32(p, (uint8_t)(cap + 12));
    uint64_t base = pci_bar(p, bar);
    if (!base || length == 0)
        return NULL;
    mmu_map_mmio(base + offset, length);
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

static int find_structures(struct virtio_dev *d, const struct pci_dev *p)
{
    for (uint8_t c = pci_find_cap(p, PCI_CAP_VENDOR, 0); c;
         c = pci_find_cap(p, PCI_CAP_VENDOR, c)) {
        switch (pci_read8(p, (uint8_t)(c + 3))) {
        case VIRTIO_PCI_CAP_COMMON_CFG:
            d->common = d->common ? d->common : cap_region(p, c);
            break;
        case VIRTIO_PCI_CAP_NOTIFY_CFG:
            if (!d->notify) {
                d->notify = cap_region(p, c);
                d->notify_mult = pci_read32(p, (uint8_t)(c + 16));
            }
            break;
        case VIRTIO_PCI_CAP_DEVICE_CFG:
            d->cfg = d->cfg ? d->cfg : cap_region(p, c);
            break;
        }
    }
    return d->common && d->notify && d->cfg ? 0 : -1;
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
            kprintf("kiln: %s skipped: no modern virtio interface\n", d->name);
            hc_pages_free(d, PAGES_FOR(sizeof *d));
            continue;
        }
        d->has_irq = msix_setup(&p[i]) == 0;
        probe(d);
    }
}
