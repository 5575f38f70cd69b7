/*
 * console_ring.c: one PV console ring (struct xencons_interface) and its
 * event channel, both ways. The primary console (console.c, drained by
 * xenconsoled) and the gdb channel (gdbstub_chan.c, a second console
 * that QEMU serves) each have one; only where the ring comes from
 * differs. A full output ring waits for the backend, yielding the CPU to
 * dom0, for at most RING_WAIT_NS, then drops bytes: a dead backend must
 * not hang the guest. Every index the backend wrote is checked
 * (ring_used) before it is trusted.
 * Limits: input is polled; the caller decides when to look.
 */
#include "xen.h"

#include <xen/sched.h>
#include "xs_codec.h"

#define RING_WAIT_NS 2000000000ull

static void yield_to_dom0(void)
{
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

/* Room in the output ring, waiting a while for the backend; 0 if it
 * never drains, -1 if its index is impossible. */
static long out_room(struct consring *c, uint64_t deadline)
{
    for (;;) {
        long used = ring_used(c->ring->out_cons, c->ring->out_prod,
                              sizeof c->ring->out);
        if (used < 0)
            return -1;
        if ((size_t)used < sizeof c->ring->out)
            return (long)(sizeof c->ring->out - (size_t)used);
        if (hc_clock_monotonic() >= deadline)
            return 0;
        evtchn_notify(c->port);
        yield_to_dom0();
    }
}

void consring_put(struct consring *c, const char *buf, size_t len)
{
    uint64_t deadline = hc_clock_monotonic() + RING_WAIT_NS;
    while (len && c->ring) {
        long room = out_room(c, deadline);
        if (room <= 0) {
            if (room < 0)
                c->ring = NULL; /* broken backend: the caller falls back */
            return;
        }
        size_t n = len < (size_t)room ? len : (size_t)room;
        ring_write(c->ring->out, sizeof c->ring->out, c->ring->out_prod, buf,
                   n);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        c->ring->out_prod += (uint32_t)n;
        evtchn_notify(c->port);
        buf += n, len -= n;
    }
}

void consring_drain(struct consring *c)
{
    uint64_t deadline = hc_clock_monotonic() + RING_WAIT_NS;
    while (c->ring && c->ring->out_cons != c->ring->out_prod &&
           hc_clock_monotonic() < deadline) {
        evtchn_notify(c->port);
        yield_to_dom0();
    }
}

size_t consring_get(struct consring *c, char *buf, size_t len)
{
    if (!c->ring)
        return 0;
    long avail =
        ring_used(c->ring->in_cons, c->ring->in_prod, sizeof c->ring->in);
    if (avail <= 0)
        return 0;
    size_t n = len < (size_t)avail ? len : (size_t)avail;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ring_read(c->ring->in, sizeof c->ring->in, c->ring->in_cons, buf, n);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    c->ring->in_cons += (uint32_t)n;
    evtchn_notify(c->port);
    return n;
}
