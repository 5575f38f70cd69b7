/*
 * evtchn.c: Xen event channels, delivered through a per-vCPU upcall
 * vector (HVMOP_set_evtchn_upcall_vector, Xen 4.6+). The upcall scans
 * the two-level pending bitmap in shared info, skips masked ports,
 * clears each pending bit before calling the port's handler (so an
 * event raised during the handler is not lost) and counts as a device
 * interrupt, which wakes threads in hc_thread_wait_io.
 *
 * Idle (evtchn_idle) sleeps in SCHEDOP_poll on every port we bound, not
 * in `sti; hlt`: in the testbed (Xen 4.17 nested in QEMU TCG) the upcall
 * was seen taken between sti and hlt, despite sti's one-instruction
 * shadow, and the hlt then slept with nothing left to wake it (a blk
 * domU halted for good, its last timer event consumed). Xen decides
 * SCHEDOP_poll's wake-up from the pending bits themselves, which stay
 * set while interrupts are off, so an event that arrives before the
 * sleep ends it at once. The events are then taken with interrupts
 * still off, by running the upcall's dispatch directly.
 *
 * Limits: one vCPU; handlers only for ports below EVTCHN_HANDLERS; the
 * FIFO ABI is not used (two-level gives 4096 ports, plenty here); idle
 * watches at most POLL_PORTS_MAX ports (SCHEDOP_poll's limit).
 */
#include "xen.h"

#include <errno.h>
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>

#define EVTCHN_HANDLERS 256
#define BITS_PER_WORD 64
#define POLL_PORTS_MAX 128 /* Xen refuses longer SCHEDOP_poll lists */

struct port_handler {
    void (*fn)(unsigned port, void *arg);
    void *arg;
};

/* EVTCHN_HANDLERS of them (4 KiB), allocated by the first binding: not
 * in the image every guest loads. */
static struct port_handler *handlers;
static unsigned upcall_vector;
/* Every port we bound, handler or not (blkfront's have none): idle
 * must wake for each of them. */
static evtchn_port_t polled[POLL_PORTS_MAX];
static unsigned npolled;

static void port_clear(unsigned port)
{
    __atomic_and_fetch(&xen_shared->evtchn_pending[port / BITS_PER_WORD],
                       ~(1ul << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

static void word_dispatch(unsigned word)
{
    unsigned long ready;
    while ((ready = xen_shared->evtchn_pending[word] &
                    ~xen_shared->evtchn_mask[word])) {
        unsigned port = word * BITS_PER_WORD + (unsigned)__builtin_ctzl(ready);
        port_clear(port);
        if (handlers && port < EVTCHN_HANDLERS && handlers[port].fn)
            handlers[port].fn(port, handlers[port].arg);
    }
}

static void evtchn_upcall(void)
{
    volatile struct vcpu_info *v = &xen_shared->vcpu_info[0];
    v->evtchn_upcall_pending = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    unsigned long sel =
        __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned word = (unsigned)__builtin_ctzl(sel);
        sel &= sel - 1;
        word_dispatch(word);
    }
}

/* Registering the vector is per vCPU state that a saved domain does not
 * carry: enabling and resume both do it. */
static int vector_register(unsigned vector)
{
    struct xen_hvm_evtchn_upcall_vector up = {.vcpu = 0,
                                              .vector = (uint8_t)vector};
    return (int)hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector,
                           (long)&up);
}

/* 1 once Xen has the vector, -errno if it refused it, 0 before. */
static int vector_state;

/* The vector is chosen here, but Xen is told of it only when interrupts
 * will be taken (evtchn_upcall_enable): idle polls with interrupts off
 * and runs the upcall itself, so the boot makes no hypercall (a VM
 * exit, and Xen logs each registration) for it. */
int evtchn_init(void)
{
    unsigned vector = irq_alloc(evtchn_upcall);
    if (!vector)
        return -EBUSY;
    upcall_vector = vector;
    return 0;
}

int evtchn_upcall_enable(void)
{
    if (!vector_state) {
        int r = upcall_vector ? vector_register(upcall_vector) : -ENODEV;
        vector_state = r < 0 ? r : 1;
    }
    return vector_state < 0 ? vector_state : 0;
}

/* In a new domain every port we had is gone (and may be bound to
 * something else later): forget them all, so idle polls none of them,
 * and take the vector again if Xen had it. The callers bind their ports
 * anew. */
int evtchn_resume(void)
{
    npolled = 0;
    if (handlers)
        for (unsigned i = 0; i < EVTCHN_HANDLERS; i++)
            handlers[i] = (struct port_handler){0};
    if (!upcall_vector)
        return -ENODEV;
    return vector_state == 1 ? vector_register(upcall_vector) : 0;
}

/* The toolstack (libxl) takes a non-zero HVM_PARAM_CALLBACK_IRQ as the
 * sign of a guest with Xen drivers, and some versions ask a PVH guest
 * through control/shutdown only when it is set (others say "PV control
 * interface not available"). GSI 1, as Linux sets it: the per-vCPU
 * vector, registered first, takes precedence, so that GSI is never
 * raised. */
int evtchn_advertise(void)
{
    int r = evtchn_upcall_enable();
    if (r < 0)
        return r;
    struct xen_hvm_param p = {
        .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ, .value = 1};
    return (int)hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, (long)&p);
}

void evtchn_mask(unsigned port)
{
    __atomic_or_fetch(&xen_shared->evtchn_mask[port / BITS_PER_WORD],
                      1ul << (port % BITS_PER_WORD), __ATOMIC_SEQ_CST);
}

/* A port that is not pending is unmasked here, without Xen (one vCPU;
 * Linux does the same for its own): a hypercall is a VM exit, ~0.1 ms
 * in the testbed, and the boot unmasks a port per device. An event that
 * comes while the bit is cleared is marked for the upcall as Xen's
 * unmask would; a port already pending goes through Xen, which clears
 * the mask and raises the upcall for it. */
void evtchn_unmask(unsigned port)
{
    unsigned word = port / BITS_PER_WORD;
    unsigned long bit = 1ul << (port % BITS_PER_WORD);
    volatile struct vcpu_info *v = &xen_shared->vcpu_info[0];
    if (!(xen_shared->evtchn_pending[word] & bit)) {
        __atomic_and_fetch(&xen_shared->evtchn_mask[word], ~bit,
                           __ATOMIC_SEQ_CST);
        if ((xen_shared->evtchn_pending[word] & bit) &&
            !(__atomic_fetch_or(&v->evtchn_pending_sel, 1ul << word,
                                __ATOMIC_SEQ_CST) &
              (1ul << word)))
            v->evtchn_upcall_pending = 1;
        return;
    }
    struct evtchn_unmask u = {.port = port};
    hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_unmask, (long)&u);
}

static int poll_add(unsigned port)
{
    for (unsigned i = 0; i < npolled; i++)
        if (polled[i] == port)
            return 0;
    if (npolled == POLL_PORTS_MAX)
        return -ENOSPC;
    polled[npolled++] = port;
    return 0;
}

int evtchn_handle(unsigned port, void (*fn)(unsigned, void *), void *arg)
{
    size_t pages =
        (EVTCHN_HANDLERS * sizeof *handlers + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    if (port >= EVTCHN_HANDLERS || poll_add(port) < 0)
        return -ENOSPC;
    if (!handlers && !(handlers = hc_pages_alloc(pages)))
        return -ENOMEM;
    handlers[port] = (struct port_handler){fn, arg};
    evtchn_unmask(port);
    return 0;
}

int evtchn_idle(uint64_t timeout_abs_ns)
{
    struct sched_poll p = {.nr_ports = npolled, .timeout = timeout_abs_ns};
    set_xen_guest_handle(p.ports, polled);
    long r = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (long)&p);
    if (r < 0)
        return (int)r;
    /* The upcall's vector may not be raised yet (Xen can defer it), and
     * a window for it would reopen the race: dispatch here instead. The
     * vector, when it comes, finds nothing left, which is harmless. */
    evtchn_pending_dispatch();
    return 0;
}

int evtchn_pending_dispatch(void)
{
    if (!xen_shared->vcpu_info[0].evtchn_upcall_pending)
        return 0;
    irq_dispatch(upcall_vector);
    return 1;
}

/* One port only, and no handler run: the gdb stub waits here inside a
 * trap, where another port's handler (a frontend's) must not run. */
int evtchn_wait(unsigned port)
{
    evtchn_port_t one = port;
    struct sched_poll p = {.nr_ports = 1, .timeout = 0};
    set_xen_guest_handle(p.ports, &one);
    long r = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, (long)&p);
    port_clear(port);
    return (int)r;
}

int evtchn_bind_virq(unsigned virq, void (*fn)(unsigned, void *), void *arg)
{
    struct evtchn_bind_virq b = {.virq = virq, .vcpu = 0};
    long r =
        hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (long)&b);
    if (r < 0)
        return (int)r;
    r = evtchn_handle(b.port, fn, arg);
    return r < 0 ? (int)r : (int)b.port;
}

/* A new port that domain remote (a backend) may bind to, with a handler. */
int evtchn_alloc_unbound(domid_t remote, void (*fn)(unsigned, void *),
                         void *arg)
{
    struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = remote};
    long r = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
                        (long)&a);
    if (r < 0)
        return (int)r;
    r = evtchn_handle(a.port, fn, arg);
    return r < 0 ? (int)r : (int)a.port;
}

int evtchn_notify(unsigned port)
{
    struct evtchn_send s = {.port = port};
    return (int)hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
                           (long)&s);
}
