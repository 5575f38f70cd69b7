/*
 * devices.c: the hypercall NIC and disk calls on bare metal, and device
 * discovery at boot. Disks are virtio-blk; NICs are virtio-net or e1000.
 * Devices are numbered in the order found: virtio PCI, e1000, then
 * virtio-mmio.
 */
#include <errno.h>
#include "virtio.h"

/* NICs of every driver, in the order their drivers found them. */
static struct {
    const struct nic_ops *ops;
    unsigned unit; /* the driver's own number for it */
} nics[NICS_MAX];
static unsigned nnics;

void nic_register(const struct nic_ops *ops, unsigned unit)
{
    if (nnics == NICS_MAX) {
        kprintf("kiln: more than %d NICs; the extra one is ignored\n",
                NICS_MAX);
        return;
    }
    nics[nnics].ops = ops;
    nics[nnics++].unit = unit;
}

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    return idx < nnics ? nics[idx].ops->info(nics[idx].unit, out) : -ENODEV;
}

int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta)
{
    return idx < nnics ? nics[idx].ops->send(nics[idx].unit, frame, len, meta)
                       : -ENODEV;
}

int hc_net_recv(unsigned idx, void *buf, size_t len, struct hc_net_meta *meta)
{
    return idx < nnics ? nics[idx].ops->recv(nics[idx].unit, buf, len, meta)
                       : -ENODEV;
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
    e1000_scan();
    virtio_mmio_scan(hc_cmdline(), probe);
}

/* A PC has no source of a memory map other than the boot loader's. */
int platform_memory_map(struct bootinfo *bi)
{
    (void)bi;
    return -1;
}
