/*
 * devices.c: the hypercall NIC and disk calls on bare metal, and device
 * discovery at boot. Disks are virtio-blk and NICs virtio-net, each over
 * PCI or MMIO, numbered in the order found.
 */
#include <errno.h>
#include "virtio.h"

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    return virtio_net_info(idx, out);
}

int hc_net_send(unsigned idx, const void *frame, size_t len)
{
    return virtio_net_send(idx, frame, len);
}

int hc_net_recv(unsigned idx, void *buf, size_t len)
{
    return virtio_net_recv(idx, buf, len);
}

int hc_blk_info(unsigned idx, struct hc_blk_info *out)
{
    return virtio_blk_info(idx, out);
}

int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t n)
{
    return virtio_blk_rw(idx, 0, sector, buf, n);
}

int hc_blk_write(unsigned idx, uint64_t sector, const void *buf, size_t n)
{
    return virtio_blk_rw(idx, 1, sector, (void *)buf, n);
}

int hc_blk_flush(unsigned idx)
{
    return virtio_blk_flush(idx);
}

static void probe(struct virtio_dev *d)
{
    virtio_blk_probe(d);
    virtio_net_probe(d);
}

/* Disks are numbered in the order found: PCI first, then virtio-mmio. */
void platform_devices_init(void)
{
    virtio_pci_scan(probe);
    virtio_mmio_scan(hc_cmdline(), probe);
}
