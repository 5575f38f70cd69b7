/*
 * console.c: the console on Xen. Until the PV console ring is set up
 * (and always in dom0, which has none) bytes go to Xen's debug port
 * 0xe9, which Xen prints as "(dN) ..." when booted with guest_loglvl=all.
 * A domU's ring (HVM_PARAM_CONSOLE_PFN/EVTCHN) is what `xl console`
 * and `xl create -c` show; xenconsoled drains it. The ring itself, and
 * what a full or broken one does, is console_ring.c's. Input is read
 * by polling (dev_console), Enter's CR cooked to LF (console_in.c).
 */
#include "xen.h"

#include <xen/hvm/params.h>
#include "console_in.h"

#define DEBUG_PORT 0xe9

static struct consring cons;
static int in_after_cr; /* the last input byte was CR (console_in_cook) */

void platform_console_init(void)
{
    hypercall_init(); /* first: everything after may need Xen */
}

static void console_event(unsigned port, void *arg)
{
    (void)port, (void)arg; /* input arrived or output drained */
}

void xen_console_ring_init(void)
{
    uint64_t pfn, port;
    if (hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) < 0 || !pfn ||
        hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) < 0)
        return; /* dom0: the debug port stays */
    if (mmu_map_mmio(pfn * HC_PAGE_SIZE, HC_PAGE_SIZE) < 0 &&
        pfn * HC_PAGE_SIZE >= mmu_mapped_top())
        return;
    cons.port = (unsigned)port;
    if (evtchn_handle(cons.port, console_event, NULL) < 0)
        return;
    cons.ring =
        (volatile struct xencons_interface *)(uintptr_t)(pfn * HC_PAGE_SIZE);
}

/* In a new domain (suspend.c) the ring is where it was, its event
 * channel new; until then output waits (a notify to the old port is
 * refused, harmlessly). */
void xen_console_resume(void)
{
    uint64_t port;
    if (!cons.ring || hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) < 0)
        return;
    cons.port = (unsigned)port;
    evtchn_handle(cons.port, console_event, NULL);
}

void hc_console_write(const char *buf, size_t len)
{
    if (cons.ring) {
        consring_put(&cons, buf, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        outb(DEBUG_PORT, (uint8_t)buf[i]);
}

/* Before shutdown: let xenconsoled take what we wrote. */
void xen_console_flush(void)
{
    consring_drain(&cons);
}

size_t hc_console_read(char *buf, size_t len)
{
    size_t n = consring_get(&cons, buf, len);
    return n ? console_in_cook(buf, n, &in_after_cr) : 0;
}
