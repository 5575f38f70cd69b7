/*
 * devices.c: NICs and disks on Xen come from netfront and blkfront,
 * which need event channels and xenstore (still to come). Until then
 * this target reports none: every call gives -ENODEV.
 */
#include <errno.h>
#include "xen.h"

void platform_devices_init(void)
{
    xen_console_ring_init();
}

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
