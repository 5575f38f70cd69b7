/*
 * blkfront.c: Xen virtual disks. Not written yet: no disks.
 */
#include <errno.h>
#include "xen.h"

void blkfront_init(void)
{
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
