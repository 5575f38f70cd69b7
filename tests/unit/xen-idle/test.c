/*
 * xen-idle/test.c: host unit test of hypercall-xen/evtchn.c's idle, the
 * wait under every blocked thread on Xen. A fake Xen keeps the two-level
 * pending bits as Xen 4.17 does and answers SCHEDOP_poll as Xen does:
 * at once if a listed port is pending, else when an event comes or the
 * timeout passes. The fake CPU (a SIGSEGV handler: sti, cli and hlt
 * fault in a host process) takes a pending interrupt right after sti,
 * before hlt, as the nested testbed (Xen 4.17 in QEMU TCG) was seen to
 * do; a hlt with nothing left to wake it is the lost wake-up that hung
 * tests/apps/blktest as a domU. The idle must wake for an event that
 * came just before it, on a port without a handler (blkfront's) too.
 * The idle before the fix (arm the single-shot timer, then sti; hlt;
 * hypercall3 below serves it) fails three checks here: the event just
 * before, the timeout already past, the ports watched. Unmasking a port
 * with nothing pending needs no hypercall (each is a VM exit); the
 * unmask before that change fails "a new port is unmasked without a
 * hypercall", and the boot before the vector was registered lazily
 * fails "the boot registers no upcall vector".
 *
 * links: hypercall-xen/evtchn.c
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include "../../../hypercall-xen/xen.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include "tap.h"

#define VECTOR 0x21
#define NO_TIMER UINT64_MAX

static struct shared_info shared;
volatile struct shared_info *xen_shared = &shared;

static void (*upcall)(void);
static unsigned dispatched; /* upcalls run, by interrupt or directly */
static unsigned next_port = 1;
static uint64_t now = 1000000;      /* the fake Xen's system time */
static uint64_t timer = NO_TIMER;   /* the single-shot timer, if armed */
static int arrives_while_asleep;    /* port raised once the vCPU sleeps */
static int irq_raised, if_on, lost; /* the fake CPU */
static evtchn_port_t last_poll[128];
static unsigned last_npoll;

unsigned irq_alloc(void (*handler)(void))
{
    upcall = handler;
    return VECTOR;
}

void irq_free(unsigned vector)
{
    (void)vector;
    upcall = NULL;
}

void irq_dispatch(unsigned vector)
{
    (void)vector;
    dispatched++;
    upcall();
}

static int bit(volatile unsigned long *w, unsigned n)
{
    return (int)(w[n / 64] >> (n % 64) & 1);
}

/* Xen's evtchn_2l_set_pending: the vector is raised only when the
 * pending bit, the selector bit and upcall_pending each go 0 to 1. */
static void raise_port(unsigned port)
{
    volatile struct vcpu_info *v = &shared.vcpu_info[0];
    if (bit(shared.evtchn_pending, port))
        return;
    shared.evtchn_pending[port / 64] |= 1ul << (port % 64);
    if (bit(shared.evtchn_mask, port) ||
        (v->evtchn_pending_sel >> port / 64 & 1))
        return;
    v->evtchn_pending_sel |= 1ul << (port / 64);
    if (!v->evtchn_upcall_pending) {
        v->evtchn_upcall_pending = 1;
        irq_raised = 1;
    }
}

static unsigned timer_port;
static unsigned unmask_calls; /* EVTCHNOP_unmask hypercalls */

/* Time passes while the vCPU sleeps: the first of an event on the way
 * and the timer (timeout: poll's own, NO_TIMER for none) wakes it. */
static int sleep_until_woken(uint64_t timeout)
{
    if (arrives_while_asleep) {
        raise_port((unsigned)arrives_while_asleep);
        arrives_while_asleep = 0;
        return 1;
    }
    if (timer != NO_TIMER) {
        now = now > timer ? now : timer;
        timer = NO_TIMER;
        raise_port(timer_port);
        return 1;
    }
    if (timeout != NO_TIMER) {
        now = now > timeout ? now : timeout;
        return 1;
    }
    return 0;
}

static long sched_poll(struct sched_poll *p)
{
    evtchn_port_t *ports = p->ports.p;
    last_npoll = p->nr_ports;
    memcpy(last_poll, ports, p->nr_ports * sizeof *ports);
    for (unsigned i = 0; i < p->nr_ports; i++)
        if (bit(shared.evtchn_pending, ports[i]))
            return 0;
    if (p->timeout && p->timeout <= now)
        return 0;
    if (!sleep_until_woken(p->timeout ? p->timeout : NO_TIMER))
        lost++; /* Xen would never wake this vCPU */
    return 0;
}

static long event_op(unsigned cmd, void *arg)
{
    switch (cmd) {
    case EVTCHNOP_bind_virq:
        ((struct evtchn_bind_virq *)arg)->port = timer_port = next_port++;
        return 0;
    case EVTCHNOP_alloc_unbound:
        ((struct evtchn_alloc_unbound *)arg)->port = next_port++;
        return 0;
    case EVTCHNOP_unmask: { /* Xen's evtchn_2l_unmask */
        unsigned port = ((struct evtchn_unmask *)arg)->port;
        unmask_calls++;
        if (!bit(shared.evtchn_mask, port))
            return 0;
        shared.evtchn_mask[port / 64] &= ~(1ul << (port % 64));
        if (bit(shared.evtchn_pending, port)) {
            shared.evtchn_pending[port / 64] &= ~(1ul << (port % 64));
            raise_port(port); /* the selector and the upcall, as Xen does */
        }
        return 0;
    }
    default: return 0;
    }
}

/* The upcall vector's registration and the callback parameter, in the
 * order they came: 'v' and 'c'. */
static char hvm_calls[8];
static unsigned nhvm_calls;

static long hvm_op(unsigned cmd, void *arg)
{
    if (cmd == HVMOP_set_evtchn_upcall_vector && nhvm_calls < 8)
        hvm_calls[nhvm_calls++] = 'v';
    if (cmd == HVMOP_set_param && nhvm_calls < 8 &&
        ((struct xen_hvm_param *)arg)->index == HVM_PARAM_CALLBACK_IRQ)
        hvm_calls[nhvm_calls++] = 'c';
    return 0;
}

long hypercall2(unsigned op, long a1, long a2)
{
    if (op == __HYPERVISOR_hvm_op)
        return hvm_op((unsigned)a1, (void *)a2);
    if (op == __HYPERVISOR_event_channel_op)
        return event_op((unsigned)a1, (void *)a2);
    if (op == __HYPERVISOR_sched_op && a1 == SCHEDOP_poll)
        return sched_poll((struct sched_poll *)a2);
    return 0;
}

/* Only the idle before the fix called this: the single-shot timer. */
long hypercall3(unsigned op, long a1, long a2, long a3)
{
    (void)a2;
    if (op == __HYPERVISOR_vcpu_op && a1 == VCPUOP_set_singleshot_timer) {
        timer = ((struct vcpu_set_singleshot_timer *)a3)->timeout_abs_ns;
        if (timer <= now) { /* already due: Xen raises it at once */
            timer = NO_TIMER;
            raise_port(timer_port);
        }
    }
    return 0;
}

static void take_interrupt(void)
{
    if (irq_raised && if_on) {
        irq_raised = 0;
        irq_dispatch(VECTOR);
    }
}

/* The fake CPU. sti: the pending interrupt is taken at once, inside
 * sti's shadow (what the testbed did). hlt: sleeps until an interrupt. */
static void on_privileged(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)si;
    greg_t *rip = &((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
    unsigned char op = *(unsigned char *)*rip;
    *rip += 1;
    if (op == 0xfb) { /* sti */
        if_on = 1;
        take_interrupt();
    } else if (op == 0xfa) { /* cli */
        if_on = 0;
    } else if (op == 0xf4) { /* hlt */
        if (!irq_raised && !sleep_until_woken(NO_TIMER))
            lost++; /* nothing will ever raise an interrupt */
        take_interrupt();
    } else {
        signal(SIGSEGV, SIG_DFL); /* a real fault: crash as usual */
        *rip -= 1;
    }
}

static int pending(unsigned port)
{
    return bit(shared.evtchn_pending, port);
}

static void test_event_before_idle(unsigned disk)
{
    unsigned before = dispatched;
    lost = 0;
    raise_port(disk); /* the disk answers while the thread goes to sleep */
    int r = evtchn_idle(0);
    tap_check(r == 0 && !lost,
              "an event just before idle (a disk's, no handler) ends it",
              "r %d, idle slept with nothing to wake it", r);
    tap_check(dispatched > before && !pending(disk),
              "the event is taken before idle returns",
              "upcalls %u -> %u, port pending %d", before, dispatched,
              pending(disk));
}

static void test_deadline_passed(void)
{
    lost = 0;
    int r = evtchn_idle(now - 1);
    tap_check(r == 0 && !lost, "a timeout already past ends idle at once",
              "r %d, idle slept with nothing to wake it", r);
}

static void test_sleeps_until(void)
{
    uint64_t until = now + 10000000;
    lost = 0;
    int r = evtchn_idle(until);
    tap_check(r == 0 && !lost && now >= until,
              "with nothing pending, idle sleeps until its timeout",
              "r %d lost %d now %llu", r, lost, (unsigned long long)now);
}

static void test_event_while_asleep(unsigned disk)
{
    unsigned before = dispatched;
    lost = 0;
    arrives_while_asleep = (int)disk;
    int r = evtchn_idle(0);
    tap_check(r == 0 && !lost && dispatched > before && !pending(disk),
              "an event while asleep wakes idle and is taken",
              "r %d lost %d upcalls %u -> %u", r, lost, before, dispatched);
}

static void test_ports_polled(unsigned disk)
{
    int timer_seen = 0, disk_seen = 0;
    evtchn_idle(now - 1);
    for (unsigned i = 0; i < last_npoll; i++) {
        timer_seen |= last_poll[i] == timer_port;
        disk_seen |= last_poll[i] == disk;
    }
    tap_check(timer_seen && disk_seen,
              "idle watches every bound port, handler or not",
              "%u ports, timer %d, disk %d", last_npoll, timer_seen, disk_seen);
}

static void count_event(unsigned port, void *arg)
{
    (void)port;
    ++*(unsigned *)arg;
}

/* Binding a port unmasks it; one with nothing pending is unmasked
 * without a hypercall (a VM exit each, before main, per device). */
static void test_unmask_without_xen(void)
{
    static unsigned seen;
    unsigned calls = unmask_calls;
    int port = evtchn_alloc_unbound(0, count_event, &seen);
    tap_check(port > 0 && unmask_calls == calls &&
                  !bit(shared.evtchn_mask, (unsigned)port),
              "a new port is unmasked without a hypercall",
              "port %d, %u unmask hypercalls, masked %d", port,
              unmask_calls - calls,
              port > 0 ? bit(shared.evtchn_mask, (unsigned)port) : -1);
    raise_port((unsigned)port);
    lost = 0;
    tap_check(evtchn_idle(0) == 0 && !lost && seen == 1,
              "and its next event reaches its handler", "seen %u, lost %d",
              seen, lost);
}

/* A port that went pending while masked still delivers its event: the
 * unmask goes through Xen, which raises the upcall for it. */
static void test_unmask_pending_through_xen(void)
{
    static unsigned seen;
    int port = evtchn_alloc_unbound(0, count_event, &seen);
    evtchn_mask((unsigned)port);
    raise_port((unsigned)port);
    unsigned calls = unmask_calls;
    evtchn_unmask((unsigned)port);
    lost = 0;
    tap_check(unmask_calls == calls + 1 && evtchn_idle(0) == 0 && !lost &&
                  seen == 1,
              "a port pending while masked is unmasked through Xen and "
              "its event taken",
              "%u unmask hypercalls, seen %u, lost %d", unmask_calls - calls,
              seen, lost);
}

/* Idle polls with interrupts off, so the boot does not tell Xen the
 * upcall vector (a VM exit); advertising Xen drivers to the toolstack
 * (the callback parameter, after boot) does, first, so that the
 * vector, not the parameter's GSI, is what Xen would raise. */
static void test_vector_when_advertised(void)
{
    tap_check(nhvm_calls == 0, "the boot registers no upcall vector",
              "%u hvm_op calls (%.8s)", nhvm_calls, hvm_calls);
    int r = evtchn_advertise();
    tap_check(r == 0 && nhvm_calls == 2 && hvm_calls[0] == 'v' &&
                  hvm_calls[1] == 'c',
              "advertising registers the vector, then the callback",
              "r %d, calls %.*s", r, (int)nhvm_calls, hvm_calls);
}

int main(void)
{
    struct sigaction sa = {.sa_sigaction = on_privileged,
                           .sa_flags = SA_SIGINFO | SA_NODEFER};
    sigaction(SIGSEGV, &sa, NULL);
    if (!tap_check(evtchn_init() == 0 &&
                       evtchn_bind_virq(VIRQ_TIMER, NULL, NULL) > 0,
                   "event channels and the timer's port", NULL))
        return tap_done();
    int disk = evtchn_alloc_unbound(0, NULL, NULL); /* as blkfront binds */
    tap_check(disk > 0, "a disk's port, without a handler", "%d", disk);
    test_event_before_idle((unsigned)disk);
    test_deadline_passed();
    test_sleeps_until();
    test_event_while_asleep((unsigned)disk);
    test_ports_polled((unsigned)disk);
    test_unmask_without_xen();
    test_unmask_pending_through_xen();
    test_vector_when_advertised();
    return tap_done();
}
