/*
 * devices.c: what a Xen guest finds. A domU has the PV console ring and
 * xenstore, and through xenstore its vifs and disks (netfront.c,
 * blkfront.c); dom0 (the smoke tier) has none of these and keeps the
 * debug-port console with no NICs or disks.
 *
 * Every xenstore request is a round trip through dom0's xenstored, and
 * while xl is still setting the domain up dom0 answers one about every
 * 11 ms in the testbed (pipelined or not: Xen runs dom0's slice out
 * before the woken domU). So the boot step only maps the console ring
 * (xenstore's is set up by its first request); the devices are found
 * on the first hc_net_* or hc_blk_* call, which blocks (idling the
 * CPU) until they are found and connected, exactly as the boot step
 * did. A program that uses no NIC or disk makes no request at all; one
 * that does sees them ready on its first call. Finding them takes one
 * listing of device/ (which classes exist), then each frontend's own;
 * with boot=timeline a line says how many requests it took.
 */
#include "xen.h"

#include <errno.h>
#include "xs_codec.h"

/* This directory's C files are an archive (Makefile) and these
 * references weak, so an image has a frontend only when its code calls
 * hc_net_* (netfront.c) or hc_blk_* (blkfront_io.c). */
#pragma weak netfront_init
#pragma weak blkfront_init

static int finding; /* frontends are connecting: not the time to suspend */

void platform_devices_init(void)
{
    xen_console_ring_init();
}

void xen_devices_find(void)
{
    char classes[512]; /* on the stack, not in every image */
    static int found;
    if (found || xs_init() < 0) /* none in dom0 without xenstored */
        return;
    found = finding = 1;
    unsigned before = xs_requests();
    long n = xs_directory(0, "device", classes, sizeof classes);
    /* Unreadable (not merely absent): let each frontend look for itself. */
    int all = n < 0 && n != -ENOENT;
    if (netfront_init &&
        (all || (n > 0 && xs_list_has(classes, (size_t)n, "vif"))))
        netfront_init();
    if (blkfront_init &&
        (all || (n > 0 && xs_list_has(classes, (size_t)n, "vbd"))))
        blkfront_init();
    finding = 0;
    if (timeline_wanted())
        kprintf("boot: devices found with %u xenstore requests\n",
                xs_requests() - before);
}

int xen_devices_settled(void)
{
    return !finding && xs_init() == 0;
}
