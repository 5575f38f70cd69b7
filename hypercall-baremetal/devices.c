/*
 * devices.c: the hypercall NIC and disk calls on bare metal. This target
 * has no device drivers yet (virtio and e1000 come with issue 3), so it
 * reports zero NICs and zero disks, which is the contract's way of
 * saying "none", and rejects every index.
 */
#include <errno.h>
#include "baremetal.h"

int hc_net_info(unsigned idx, struct hc_net_info *out)
{
    (void)idx, (void)out;
    return -ENODEV;
}

int hc_net_send(unsigned idx, const void *frame, size_t len)
{
    (void)idx, (void)frame, (void)len;
    return -ENODEV;
}

int hc_net_recv(unsigned idx, void *buf, size_t len)
{
    (void)idx, (void)buf, (void)len;
    return -ENODEV;
}

int hc_blk_info(unsigned idx, struct hc_blk_info *out)
{
    (void)idx, (void)out;
    return -ENODEV;
}

int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t n)
{
    (void)idx, (void)sector, (void)buf, (void)n;
    return -ENODEV;
}

int hc_blk_write(unsigned idx, uint64_t sector, const void *buf, size_t n)
{
    (void)idx, (void)sector, (void)buf, (void)n;
    return -ENODEV;
}

int hc_blk_flush(unsigned idx)
{
    (void)idx;
    return -ENODEV;
}
