/*
 * console.c: the console through Xen's debug port 0xe9, which Xen shows
 * on its own console as "(dN) ..." when booted with guest_loglvl=all.
 * Enough for the smoke tier; the PV console ring comes with xenstore.
 * There is no console input yet.
 */
#include "xen.h"

#define DEBUG_PORT 0xe9

void platform_console_init(void)
{
    hypercall_init(); /* first: everything after may need Xen */
}

void hc_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        outb(DEBUG_PORT, (uint8_t)buf[i]);
}

size_t hc_console_read(char *buf, size_t len)
{
    (void)buf, (void)len;
    return 0;
}
