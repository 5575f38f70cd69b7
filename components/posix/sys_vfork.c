/*
 * sys_vfork.c: fork for programs that cannot do without it, such as
 * busybox httpd, which forks a child for each connection. There is one
 * address space, so the child runs in the parent's memory while the
 * parent waits, and the parent gets its memory back afterwards:
 *  1. the parent blocks in its clone call; a helper thread, on a stack of
 *     its own, copies the program's memory (every anonymous mapping, its
 *     stack with the parent's blocked frames included, and the brk area:
 *     sys_mem.c) and starts the child on the parent's stack, returning 0
 *     from the same call;
 *  2. the child gets a copy of the descriptor table (fdtable.c), so the
 *     sockets it closes or dups stay open in the parent;
 *  3. when the child exits, another helper puts back the pages the child
 *     changed and the parent's table, and the parent's clone returns the
 *     child's pid; wait4 then reports the child's status once.
 * Only an image whose program defines kiln_fork_by_vfork (app/exec) gets
 * this; others keep fork's ENOSYS (sys_proc.c).
 * Limits: the parent waits for the child to exit (a child that never
 * exits stops the parent); one child at a time (a child's fork gets
 * EAGAIN); execve fails, as there is no other program; memory the child
 * unmaps stays unmapped, and mappings with PROT_NONE pages past their
 * base are shared (sys_mem.c); each fork copies all the program's
 * memory, so it costs time and memory in proportion; without the memory
 * for that copy, fork fails with ENOMEM and a console line saying why.
 */
#include <errno.h>
#include <string.h>
#include "kiln/log.h"
#include "posix.h"

#define HELPER_STACK 16384
#define TLS_CANARY_OFFSET 0x28 /* the ABI's %fs:0x28 */
#define FIRST_PID 2

extern const int kiln_fork_by_vfork __attribute__((weak));

enum { IDLE, STARTING, RUNNING, EXITED, FAILED };

static struct {
    int state;
    struct hc_syscall_frame *frame; /* the parent's, on its stack */
    hc_tid parent, child;
    uintptr_t tls;         /* the parent's thread pointer */
    struct mem_copy *copy; /* copy_max, for one fork */
    size_t copy_max, ncopy;
    long pid, zombie_pid;
    int status;
} vf;

/* The fork fails with ENOMEM; why goes to the console, as a program
 * seldom says more than "fork: Out of memory". */
static void child_fail(const char *why)
{
    kiln_log("kiln: fork failed (ENOMEM): %s", why);
    vf.state = FAILED;
    hc_thread_wake(vf.parent);
    hc_thread_exit();
}

static size_t copy_pages(void)
{
    return (vf.copy_max * sizeof *vf.copy + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
}

/* A copy's entry for every mapping there is now: sized here, with no
 * sleep before mem_save, so no other thread maps more in between. */
static int copies_alloc(void)
{
    vf.copy_max = mem_copies_max();
    vf.copy = hc_pages_alloc(copy_pages());
    return vf.copy ? 0 : -1;
}

static void copies_free(void)
{
    if (vf.copy)
        hc_pages_free(vf.copy, copy_pages());
    vf.copy = NULL;
}

/* On a stack of its own, once the parent has blocked. sched_spawn_at
 * writes the kernel's canary into the child's thread block, which is
 * the parent's: put back the one the parent's frames were built with. */
static void child_start(void *unused)
{
    (void)unused;
    if (copies_alloc() < 0 || mem_save(vf.copy, vf.copy_max, &vf.ncopy) < 0)
        child_fail("no memory for a copy of the program's memory");
    uintptr_t *canary = (uintptr_t *)(vf.tls + TLS_CANARY_OFFSET);
    uintptr_t keep = vf.tls ? *canary : 0;
    struct hc_user_regs r;
    hc_syscall_regs_get(vf.frame, &r);
    hc_tid t = hc_thread_clone(vf.frame, r.rsp, vf.tls);
    if (vf.tls)
        *canary = keep;
    if (t < 0) {
        mem_restore(vf.copy, vf.ncopy, 0);
        child_fail("no thread for the child");
    }
    vf.child = t;
    vf.state = RUNNING;
    thread_started(t, vf.tls);
    hc_thread_exit();
}

/* On a stack of its own, once the child has gone. */
static void parent_resume(void *unused)
{
    (void)unused;
    mem_restore(vf.copy, vf.ncopy, 1);
    hc_thread_wake(vf.parent);
    hc_thread_exit();
}

long vfork_start(struct hc_syscall_frame *frame)
{
    if (!&kiln_fork_by_vfork)
        return proc_clone_process();
    if (vf.state != IDLE)
        return -EAGAIN; /* a child forking */
    vf.frame = frame;
    vf.parent = hc_thread_self();
    vf.tls = thread_tls(vf.parent);
    if (hc_thread_create(child_start, 0, HELPER_STACK, 0) < 0)
        return -EAGAIN;
    fds_fork();
    vf.state = STARTING;
    while (vf.state == STARTING || vf.state == RUNNING)
        hc_thread_block(0);
    long pid = vf.state == EXITED ? vf.pid : -ENOMEM;
    if (vf.state == FAILED)
        fds_unfork();
    copies_free();
    vf.state = IDLE, vf.child = 0;
    return pid;
}

/* In the child: end it and resume the parent; elsewhere return 0. */
int vfork_child_exit(long status)
{
    static long next_pid = FIRST_PID;
    if (vf.state != RUNNING || hc_thread_self() != vf.child)
        return 0;
    fds_unfork();
    vf.status = (int)(status & 0xff);
    vf.pid = vf.zombie_pid = next_pid++;
    vf.state = EXITED;
    if (hc_thread_create(parent_resume, 0, HELPER_STACK, 0) < 0)
        hc_abort("no thread to resume a fork's parent");
    hc_thread_exit();
}

/* wait4 for the child that exited, once; -ECHILD when there is none.
 * pid is an int, as Linux reads it (glibc leaves -1's upper half 0). */
long vfork_wait(long pid, long status, long options)
{
    (void)options;
    if (!vf.zombie_pid || ((int)pid > 0 && (int)pid != vf.zombie_pid))
        return -ECHILD;
    if (status)
        *(int *)status = vf.status << 8;
    long r = vf.zombie_pid;
    vf.zombie_pid = 0;
    return r;
}

/* musl's fork and anyone's vfork make these calls, not clone. */
long sys_fork_frame(long a, long b, long c, long d, long e,
                    struct hc_syscall_frame *frame)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return &kiln_fork_by_vfork ? vfork_start(frame) : sys_fork();
}

long sys_vfork_frame(long a, long b, long c, long d, long e,
                     struct hc_syscall_frame *frame)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return &kiln_fork_by_vfork ? vfork_start(frame) : sys_vfork();
}
