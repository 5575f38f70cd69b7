/*
 * sched.h: the scheduler core (sched_core.c), which every host links
 * (images through platform/, host programs through mk/host.mk), and the
 * hooks each host supplies for it: the context switch, the stacks and
 * the idle wait. The images' hooks are in platform/sched.c, a Linux
 * process's in hypercall-posix/thread.c.
 *
 * The core implements hc_thread_self, _yield, _block, _wait_io, _wake
 * and _exit; a host implements hc_thread_create, _clone and _set_tls,
 * taking a slot with sched_slot() and making it runnable with
 * sched_admit(). Thread ids index the host's own per-thread table
 * (id - 1). It includes hypercall.h only, so the core stays pure code.
 */
#ifndef KILN_SCHED_H
#define KILN_SCHED_H

#include <stdint.h>
#include "hypercall.h"

/* ---- sched_core.c --------------------------------------------------- */

/* A free thread id, still free until sched_admit(); -EAGAIN if none. */
hc_tid sched_slot(void);
/* Thread tid (from sched_slot, its context ready) may run from now on. */
void sched_admit(hc_tid tid);
/* The caller runs as admitted thread tid from now on: it has switched
 * to tid's context itself (the boot path) or is that context (a host
 * program's main, for the length of host_run). */
void sched_enter(hc_tid tid);
/* The calling thread stops being one, without a switch: its slot is
 * free, its stack not the host's to release. */
void sched_leave(void);
/* The running thread, 0 outside every thread. */
hc_tid sched_current(void);
/* tid is a thread that has not ended (runnable or blocked). */
int sched_alive(hc_tid tid);

/* ---- hooks each host supplies --------------------------------------- */

/* Save from's context and run to's; returns when from runs again.
 * exiting: from has ended and will never run again. */
void sched_host_switch(hc_tid from, hc_tid to, int exiting);
/* tid has ended and is not running: give back its stack. */
void sched_host_release(hc_tid tid);
/* Look for device events without waiting; nonzero if any came since
 * the last look (then every thread in hc_thread_wait_io wakes).
 * io_waiters: how many threads wait for one (a host may skip the look
 * when none does). */
int sched_host_poll(int io_waiters);
/* How many devices could end a wait in hc_thread_wait_io. */
int sched_host_devices(void);
/* Nothing is runnable: wait until the monotonic clock reaches deadline
 * (0: none) or a device has an event; may return early. */
void sched_host_idle(uint64_t deadline, int io_waiters);

#endif
