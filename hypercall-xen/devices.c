/*
 * devices.c: what a Xen guest finds at boot. A domU has the PV console
 * ring and xenstore, and through xenstore its vifs and disks (netfront.c,
 * blkfront.c); dom0 (the smoke tier) has none of these and keeps the
 * debug-port console with no NICs or disks.
 */
#include "xen.h"

void platform_devices_init(void)
{
    xen_console_ring_init();
    if (xs_init() < 0)
        return; /* dom0 without xenstored: nothing to find */
    if (gnttab_init() < 0)
        return;
    netfront_init();
    blkfront_init();
}
