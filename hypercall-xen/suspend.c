/*
 * suspend.c: suspend and resume of a PVH domain, for `xl save`,
 * `xl restore`, `xl save -c` (checkpoint) and `xl migrate`. control.c
 * calls it on the idle path when the toolstack writes "suspend", so no
 * thread is in the middle of a driver call: the threads waiting for I/O
 * stay parked until the devices are back, and see a pause.
 *
 * SCHEDOP_shutdown(SHUTDOWN_suspend) returns when the domain runs again:
 *   1  the suspend was cancelled (a checkpoint, or a failed save): the
 *      same domain goes on, everything still in place;
 *   0  a new domain, built from the saved memory by `xl restore` or the
 *      receiving end of a migration, maybe on another host. Its memory
 *      and vCPU state are ours, but what Xen and dom0 kept for the old
 *      domain is gone: shared info, the upcall vector, every event
 *      channel, the grant table, xenstore's watches and every backend.
 * The new domain gets them back in the order they depend on each other:
 * the hypercall page (Intel and AMD differ), shared info and the clock
 * (clock.c; everything after reads time), the event channels of the
 * timer, console and xenstore (their ports come from the new domain's
 * HVM parameters), the grant table (gnttab.c), the control watch, then
 * each frontend reconnects to its new backend (netfront.c,
 * blkfront_resume.c), re-issuing the disk requests that were in flight.
 *
 * Limits: one vCPU; a frontend whose new backend does not connect is
 * disabled with a line, as at boot.
 */
#include "xen.h"

#include <xen/sched.h>

#define RESUME_HOOKS 4

/* The frontends' reconnections, registered when they start: this
 * directory is an archive, and a frontend (and its resume) is in an
 * image only when its program uses it (devices.c). */
static void (*hooks[RESUME_HOOKS])(void);
static unsigned nhooks;

void xen_resume_hook(void (*fn)(void))
{
    for (unsigned i = 0; i < nhooks; i++)
        if (hooks[i] == fn)
            return;
    if (nhooks < RESUME_HOOKS)
        hooks[nhooks++] = fn;
}

static void resume_step(const char *what, int r)
{
    if (r < 0)
        kprintf("kiln: xen: resume: %s failed (%d)\n", what, r);
}

/* The new domain's half; nothing before clock_resume may read the time
 * (the old shared info's clock is gone, and its version may be odd). */
static void resume_new_domain(void)
{
    hypercall_init();
    int r = clock_resume();
    if (r < 0) /* no clock, no events: nothing after this could work */
        panic("resume: no shared info or event channels in the new "
              "domain (%d)",
              r);
    xen_console_resume();
    resume_step("xenstore", xs_resume());
    resume_step("grant table", gnttab_resume());
    resume_step("control watch", xen_control_resume());
    for (unsigned i = 0; i < nhooks; i++)
        hooks[i]();
}

void xen_suspend(void)
{
    uint64_t t0 = hc_clock_monotonic(); /* the last reading before */
    kprintf("kiln: xen: suspending\n");
    xen_console_flush();
    struct sched_shutdown s = {SHUTDOWN_suspend};
    long r = hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (long)&s);
    if (r < 0) {
        kprintf("kiln: xen: Xen refused to suspend (%ld); running on\n", r);
        return;
    }
    if (r == 0)
        resume_new_domain();
    kprintf("kiln: xen: resumed %s, %llu us after the request\n",
            r ? "in the same domain (suspend cancelled)" : "in a new domain",
            (unsigned long long)((hc_clock_monotonic() - t0) / 1000));
}
