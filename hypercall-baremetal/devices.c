/*
 * devices.c: device discovery at boot. An image carries the drivers of
 * the devices its program can use and no others: the NIC drivers come
 * with nics.c, which defines hc_net_*, and the disk driver with
 * disks.c, which defines hc_blk_*. This directory's C files are an
 * archive (Makefile), so the link takes nics.c only when some code in
 * the image calls hc_net_* (components/net, or a program that drives
 * NICs itself), and the references here are weak: they find each
 * class's devices when that class is in the image, and are null when
 * it is not.
 */
#include "baremetal.h"

#pragma weak nics_find
#pragma weak disks_find

void platform_devices_init(void)
{
    if (nics_find)
        nics_find();
    if (disks_find)
        disks_find();
}

/* A PC has no source of a memory map other than the boot loader's. */
int platform_memory_map(struct bootinfo *bi)
{
    (void)bi;
    return -1;
}
