/*
 * sys_proc.c: what a process knows about itself: its umask, resource
 * limits and CPU affinity, and the process calls a unikernel cannot
 * have. There is one process, so fork, vfork, a clone that is not a
 * thread, execve and execveat fail with ENOSYS ("Function not
 * implemented", which programs print plainly; EAGAIN would make some
 * retry forever) after one console line naming the call; wait4 and
 * waitid fail with ECHILD, the truth for a process without children.
 *
 * Limits: resource limits are reported and kept, not enforced, except
 * that RLIMIT_NOFILE cannot exceed the descriptor table (FILES_MAX),
 * which is what it reports; one CPU.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "file.h"
#include "kiln/log.h"
#include "posix.h"

#define MAIN_STACK (64 * 1024) /* hc_thread_create's default stack */
#define CPUSET_BYTES 8         /* Linux's cpumask for up to 64 CPUs */

static mode_t umask_now = 022; /* Linux's default for a login session */
static struct rlimit limits[RLIM_NLIMITS];
static int limits_ready;

/* The mode a new file or directory gets: Linux applies the umask. */
mode_t proc_create_mode(long mode)
{
    return (mode_t)mode & 07777 & ~umask_now;
}

long sys_umask(long mask)
{
    mode_t old = umask_now;
    umask_now = (mode_t)mask & 0777;
    return old;
}

static void limits_init(void)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        limits[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    limits[RLIMIT_NOFILE] = (struct rlimit){FILES_MAX, FILES_MAX};
    limits[RLIMIT_STACK] = (struct rlimit){MAIN_STACK, MAIN_STACK};
    limits[RLIMIT_CORE] = (struct rlimit){0, 0}; /* nowhere to dump one */
    limits[RLIMIT_NPROC] = (struct rlimit){HC_THREADS_MAX, HC_THREADS_MAX};
    limits[RLIMIT_SIGPENDING] = (struct rlimit){64, 64};
    limits_ready = 1;
}

static long limit_set(long res, const struct rlimit *n)
{
    if (n->rlim_cur > n->rlim_max)
        return -EINVAL;
    if (n->rlim_max > limits[res].rlim_max)
        return -EPERM; /* as Linux past nr_open or a fixed size */
    limits[res] = *n;
    return 0;
}

long sys_prlimit64(long pid, long res, long nv, long old)
{
    if (pid != 0 && pid != sys_getpid())
        return -ESRCH;
    if (res < 0 || res >= RLIM_NLIMITS)
        return -EINVAL;
    if (!limits_ready)
        limits_init();
    struct rlimit was = limits[res];
    long r = nv ? limit_set(res, (const struct rlimit *)nv) : 0;
    if (r == 0 && old)
        *(struct rlimit *)old = was;
    return r;
}

long sys_getrlimit(long res, long old)
{
    return sys_prlimit64(0, res, 0, old);
}

long sys_setrlimit(long res, long nv)
{
    return sys_prlimit64(0, res, nv, 0);
}

static long cpuset_check(long pid, long len)
{
    if (pid != 0 && pid != sys_getpid() && (pid < 1 || pid > HC_THREADS_MAX))
        return -ESRCH;
    return len < CPUSET_BYTES ? -EINVAL : 0;
}

/* Linux returns how many bytes of mask it wrote. */
long sys_sched_getaffinity(long pid, long len, long mask)
{
    long r = cpuset_check(pid, len);
    if (r < 0)
        return r;
    *(uint64_t *)mask = 1; /* CPU 0 */
    return CPUSET_BYTES;
}

long sys_sched_setaffinity(long pid, long len, long mask)
{
    long r = cpuset_check(pid, len);
    if (r < 0)
        return r;
    return (*(const uint64_t *)mask & 1) ? 0 : -EINVAL;
}

/* One line per call, the first time a program tries it. */
static long no_processes(const char *call, int *said)
{
    if (!*said)
        kiln_log("kiln: %s is not supported in a unikernel (one program, "
                 "no other processes); it fails with ENOSYS",
                 call);
    *said = 1;
    return -ENOSYS_EXPLAINED;
}

long sys_fork(void)
{
    static int said;
    return no_processes("fork", &said);
}

long sys_vfork(void)
{
    static int said;
    return no_processes("vfork", &said);
}

long proc_clone_process(void)
{
    static int said;
    return no_processes("clone of a process (fork, posix_spawn)", &said);
}

long sys_execve(long path, long argv, long envp)
{
    static int said;
    (void)path, (void)argv, (void)envp;
    return no_processes("execve", &said);
}

long sys_execveat(long dirfd, long path, long argv, long envp, long flags)
{
    static int said;
    (void)dirfd, (void)path, (void)argv, (void)envp, (void)flags;
    return no_processes("execveat", &said);
}

long sys_wait4(long pid, long status, long options, long ru)
{
    (void)ru;
    return vfork_wait ? vfork_wait(pid, status, options) : -ECHILD;
}

long sys_waitid(long type, long id, long info, long options, long ru)
{
    (void)type, (void)id, (void)info, (void)options, (void)ru;
    return -ECHILD;
}
