/*
 * console.c: the console on Xen. Until the PV console ring is set up
 * (and always in dom0, which has none) bytes go to Xen's debug port
 * 0xe9, which Xen prints as "(dN) ..." when booted with guest_loglvl=all.
 * A domU's ring (HVM_PARAM_CONSOLE_PFN/EVTCHN) is what `xl console`
 * and `xl create -c` show; xenconsoled drains it. A full ring waits for
 * xenconsoled, yielding the CPU to dom0, for at most RING_WAIT_NS, then
 * drops bytes: a dead console must not hang the guest. Input is read
 * by polling (dev_console), Enter's CR cooked to LF (console_in.c).
 */
#include "xen.h"

#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/sched.h>
#include "console_in.h"
#include "xs_codec.h"

#define DEBUG_PORT 0xe9
#define RING_WAIT_NS 2000000000ull

static volatile struct xencons_interface *ring;
static unsigned ring_port;
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
    ring_port = (unsigned)port;
    if (evtchn_handle(ring_port, console_event, NULL) < 0)
        return;
    ring = (volatile struct xencons_interface *)(uintptr_t)(pfn * HC_PAGE_SIZE);
}

/* In a new domain (suspend.c) the ring is where it was, its event
 * channel new; until then output waits (a notify to the old port is
 * refused, harmlessly). */
void xen_console_resume(void)
{
    uint64_t port;
    if (!ring || hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) < 0)
        return;
    ring_port = (unsigned)port;
    evtchn_handle(ring_port, console_event, NULL);
}

static void yield_to_dom0(void)
{
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

/* Room in the output ring, waiting a while for xenconsoled; 0 if it
 * never drains, -1 if its index is impossible. */
static long out_room(uint64_t deadline)
{
    for (;;) {
        long used = ring_used(ring->out_cons, ring->out_prod, sizeof ring->out);
        if (used < 0)
            return -1;
        if ((size_t)used < sizeof ring->out)
            return (long)(sizeof ring->out - (size_t)used);
        if (hc_clock_monotonic() >= deadline)
            return 0;
        evtchn_notify(ring_port);
        yield_to_dom0();
    }
}

static void ring_put(const char *buf, size_t len)
{
    uint64_t deadline = hc_clock_monotonic() + RING_WAIT_NS;
    while (len) {
        long room = out_room(deadline);
        if (room <= 0) {
            if (room < 0)
                ring = NULL; /* broken backend: back to the debug port */
            return;
        }
        size_t n = len < (size_t)room ? len : (size_t)room;
        ring_write(ring->out, sizeof ring->out, ring->out_prod, buf, n);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        ring->out_prod += (uint32_t)n;
        evtchn_notify(ring_port);
        buf += n, len -= n;
    }
}

void hc_console_write(const char *buf, size_t len)
{
    if (ring) {
        ring_put(buf, len);
        return;
    }
    for (size_t i = 0; i < len; i++)
        outb(DEBUG_PORT, (uint8_t)buf[i]);
}

/* Before shutdown: let xenconsoled take what we wrote. */
void xen_console_flush(void)
{
    uint64_t deadline = hc_clock_monotonic() + RING_WAIT_NS;
    while (ring && ring->out_cons != ring->out_prod &&
           hc_clock_monotonic() < deadline) {
        evtchn_notify(ring_port);
        yield_to_dom0();
    }
}

size_t hc_console_read(char *buf, size_t len)
{
    if (!ring)
        return 0;
    long avail = ring_used(ring->in_cons, ring->in_prod, sizeof ring->in);
    if (avail <= 0)
        return 0;
    size_t n = len < (size_t)avail ? len : (size_t)avail;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ring_read(ring->in, sizeof ring->in, ring->in_cons, buf, n);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ring->in_cons += (uint32_t)n;
    evtchn_notify(ring_port);
    return console_in_cook(buf, n, &in_after_cr);
}
