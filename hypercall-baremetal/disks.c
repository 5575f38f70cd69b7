/*
 * disks.c: the hypercall disk calls on bare metal: virtio-blk, over PCI
 * or MMIO, numbered in the order found (PCI first). Linked only into
 * images whose code calls hc_blk_* (devices.c says how).
 */
#include "virtio.h"

void disks_find(void)
{
    virtio_find(VIRTIO_ID_BLK_TYPE, virtio_blk_probe);
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
