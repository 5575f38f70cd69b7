/*
 * gdbstub_chan.c: the gdb stub's channel on Xen: none yet. The PV
 * console carries the application's output, which would corrupt the
 * protocol; a second console (xl's `channel`) is the place for it.
 * Until then gdb=on says so in one line and the boot goes on.
 */
#include "xen.h"

int platform_gdb_open(void)
{
    kprintf("gdb=on: no gdb channel on Xen yet; the image runs without\n");
    return -1;
}

int platform_gdb_getc(void)
{
    return -1;
}

void platform_gdb_put(const char *buf, size_t len)
{
    (void)buf, (void)len;
}
