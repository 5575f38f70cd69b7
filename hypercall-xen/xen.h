/*
 * xen.h: the map of the Xen PVH target. Xen's ABI comes from Debian's
 * libxen-dev (<xen/...>). It runs on the shared platform (boot, page
 * tables, scheduler, RDRAND) and adds the hypercall page, shared info,
 * pvclock and the single-shot timer, event channels, the debug console
 * and shutdown, xenstore, grant tables, netfront and blkfront.
 */
#ifndef KILN_XEN_H
#define KILN_XEN_H

/* The Xen interface version we are written against (Xen 4.13+ ABI). */
#define __XEN_INTERFACE_VERSION__ 0x00040d00

#include "../platform/platform.h"
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/console.h>

/* hypercall.c */
void hypercall_init(void);
long hypercall2(unsigned op, long a1, long a2);
long hypercall3(unsigned op, long a1, long a2, long a3);

int hvm_get_param(unsigned index, uint64_t *value);

/* clock.c: shared info, mapped at clock init (NULL before) */
extern volatile struct shared_info *xen_shared;

/* clock.c: in a new domain, shared info again, the clock rebased to go
 * on from its last reading, the timer's VIRQ bound again (suspend.c) */
int clock_resume(void);

/* evtchn.c: event channels on vCPU 0 through the upcall vector */
int evtchn_init(void); /* 0 or -errno: then no events at all */
/* Have Xen raise the upcall vector (idle never needs it: it polls with
 * interrupts off): once, before interrupts are taken; 0 or -errno. */
int evtchn_upcall_enable(void);
/* In a new domain: every port forgotten, the upcall vector taken again. */
int evtchn_resume(void);
/* Tell the toolstack we have Xen drivers (HVM_PARAM_CALLBACK_IRQ). */
int evtchn_advertise(void);
/* Call fn(port, arg) from the upcall when port fires; unmasks it. */
int evtchn_handle(unsigned port, void (*fn)(unsigned, void *), void *arg);
/* Bind a virtual IRQ (VIRQ_*) to a new port with a handler; the port. */
int evtchn_bind_virq(unsigned virq, void (*fn)(unsigned, void *), void *arg);
/* A port a backend in domain remote binds to (EVTCHNOP_alloc_unbound),
 * with a handler; the port or -errno. */
int evtchn_alloc_unbound(domid_t remote, void (*fn)(unsigned, void *),
                         void *arg);
/* Sleep until an event on a port bound here, or until Xen's system time
 * reaches timeout_abs_ns (0: no timeout), then take the pending events
 * (interrupts stay off throughout). 0, or -errno if Xen refuses the
 * poll (then nothing was waited for). */
int evtchn_idle(uint64_t timeout_abs_ns);
/* Runs the event upcall if an event is marked for it; 1 if it ran. */
int evtchn_pending_dispatch(void);
/* Sleep until port is pending (no timeout), then clear it without
 * running its handler; interrupts stay off. 0 or -errno. */
int evtchn_wait(unsigned port);
void evtchn_mask(unsigned port);
void evtchn_unmask(unsigned port);
int evtchn_notify(unsigned port);

/* console_ring.c: a PV console ring and its event channel, both ways;
 * the primary console and the gdb channel each have one (ring NULL:
 * none, or given up after the backend broke it) */
struct consring {
    volatile struct xencons_interface *ring;
    unsigned port;
};
/* Write all of buf, waiting a while for the backend to make room, then
 * dropping the rest; a broken ring index sets ring to NULL. */
void consring_put(struct consring *c, const char *buf, size_t len);
/* Up to len input bytes, without waiting; 0 when there are none. */
size_t consring_get(struct consring *c, char *buf, size_t len);
/* Wait a while for the backend to take all output. */
void consring_drain(struct consring *c);

/* console.c: the PV console ring, once the MMU and events are up */
void xen_console_ring_init(void);
void xen_console_flush(void);
void xen_console_resume(void); /* the new domain's event channel */

/* gnttab.c: grants of our pages to another domain (dom0's backends);
 * the frontends set it up when they find a device (0 if already done) */
int gnttab_init(void);
/* A grant reference for page, or -ENOSPC when the table is full. */
int gnttab_grant(domid_t dom, const void *page, int readonly);
/* Take a grant back: 0, or -EBUSY while the other domain maps it. */
int gnttab_end(grant_ref_t ref);
/* In a new domain: the table's frames again, every grant rewritten. */
int gnttab_resume(void);

/* devices.c: find and connect the vifs and disks, once, on the first
 * hc_net_* or hc_blk_* call (blocks until done; see devices.c) */
void xen_devices_find(void);
/* 1 once there is xenstore and no frontend is being connected. */
int xen_devices_settled(void);

/* netfront.c, blkfront.c: find and start the domain's vifs and disks
 * (xenstore device/vif/N, device/vbd/N) and implement hc_net_* and
 * hc_blk_*; called once from xen_devices_find, and only when
 * xenstore's device/ lists their class */
void netfront_init(void);
void blkfront_init(void);
/* In a new domain: reconnect to the new backends (suspend.c). */
void netfront_resume(void);
void blkfront_resume(void);

/* exit.c: print exit=status, then SCHEDOP_shutdown with reason */
_Noreturn void xen_shutdown(int status, unsigned reason);

/* control.c: control/shutdown, taken on the idle path (platform_idle) */
void xen_control_poll(void);
int xen_control_resume(void); /* the watch again, in a new domain */

/* suspend.c: suspend; returns once resumed (same or new domain) */
void xen_suspend(void);
/* Call fn, once, in each new domain after the core is back. */
void xen_resume_hook(void (*fn)(void));

/* xenstore.c: requests block (idling) until the reply; -errno values */
/* The ring, set up once, by the first call (the first request makes
 * it): 0, or -ENODEV without a xenstore (dom0, no toolstack). */
int xs_init(void);
int xs_resume(void); /* the new domain's event channel, state reset */
int xs_busy(void);   /* a request is waiting for its reply */
/* Without waiting: 1 if a watch event for token arrived (taken), else 0;
 * 0 also while a request is in flight. */
int xs_poll_watch(const char *token);
long xs_read(uint32_t tx, const char *path, char *buf, size_t cap);
/* Child names of path, NUL-separated (see xenstore.c) */
long xs_directory(uint32_t tx, const char *path, char *buf, size_t cap);
int xs_write(uint32_t tx, const char *path, const char *value);
int xs_watch(const char *path, const char *token);
int xs_unwatch(const char *path, const char *token);
int xs_transaction_start(uint32_t *tx);
int xs_transaction_end(uint32_t tx, int commit); /* -EAGAIN: retry */
int xs_wait_watch(const char *token, uint64_t deadline);
unsigned xs_requests(void); /* requests sent since boot */

#endif
