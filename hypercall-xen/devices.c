/*
 * devices.c: what a Xen guest finds at boot. A domU has the PV console
 * ring and xenstore, and through xenstore its vifs and disks (netfront.c,
 * blkfront.c); dom0 (the smoke tier) has none of these and keeps the
 * debug-port console with no NICs or disks.
 *
 * Every xenstore request is a round trip through dom0's xenstored, and
 * while xl is still setting the domain up dom0 answers one about every
 * 11 ms in the testbed (pipelined or not). So one listing of device/
 * says which classes exist, and a domain without vifs or disks (hello)
 * reaches main after that one request, with no grant table set up.
 * boot=timeline adds a line with the number of requests made here.
 */
#include "xen.h"

#include <errno.h>
#include "xs_codec.h"

void platform_devices_init(void)
{
    static char classes[512];
    xen_console_ring_init();
    if (xs_init() < 0)
        return; /* dom0 without xenstored: nothing to find */
    unsigned before = xs_requests();
    long n = xs_directory(0, "device", classes, sizeof classes);
    /* Unreadable (not merely absent): let each frontend look for itself. */
    int all = n < 0 && n != -ENOENT;
    if (all || (n > 0 && xs_list_has(classes, (size_t)n, "vif")))
        netfront_init();
    if (all || (n > 0 && xs_list_has(classes, (size_t)n, "vbd")))
        blkfront_init();
    if (timeline_wanted())
        kprintf("boot: devices found with %u xenstore requests\n",
                xs_requests() - before);
}
