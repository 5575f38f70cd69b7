/*
 * proc.c: the process-wide state of components/posix, through
 * syscall_dispatch in a Linux process under ASan and UBSan: umask and
 * the mode it gives new files, resource limits, CPU affinity, the
 * refused process calls, and signal bookkeeping that needs no handler
 * to run (masks, pending sets, kill's targets, alarm's remainder).
 * Prints TAP lines; run checks the console's lines around them.
 *
 * components: fs posix net
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "file.h"
#include "host.h"
#include "hypercall.h"
#include "posix.h"
#include "../../unit/tap.h"

/* start.c's posix_main is linked with components/posix but never runs
 * here: these stand in for what the image's link step supplies. */
const char kiln_app_name[] = "proc";
char _tdata_start[1], _tdata_end[1], _tbss_end[1], _tls_align[1];

/* The kernel's struct sigaction on x86_64. */
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static long call(long nr, long a0, long a1, long a2, long a3)
{
    const long a[6] = {a0, a1, a2, a3};
    return syscall_dispatch(nr, a, NULL);
}

static void check_umask(void)
{
    tap_check(call(SYS_umask, 077, 0, 0, 0) == 022,
              "the umask starts at 022, as on Linux", NULL);
    tap_check(proc_create_mode(0666) == 0600,
              "a new file's mode loses the umask's bits", "%o",
              proc_create_mode(0666));
    tap_check(call(SYS_umask, 022, 0, 0, 0) == 077,
              "umask returns the previous mask", NULL);
}

static void check_limits(void)
{
    struct rlimit r = {0};
    tap_check(call(SYS_getrlimit, RLIMIT_NOFILE, (long)&r, 0, 0) == 0 &&
                  r.rlim_cur == FILES_MAX && r.rlim_max == FILES_MAX,
              "RLIMIT_NOFILE is the descriptor table's size", "%lu/%lu",
              (unsigned long)r.rlim_cur, (unsigned long)r.rlim_max);
    struct rlimit lower = {64, FILES_MAX}, higher = {64, FILES_MAX + 1};
    tap_check(call(SYS_setrlimit, RLIMIT_NOFILE, (long)&lower, 0, 0) == 0 &&
                  call(SYS_getrlimit, RLIMIT_NOFILE, (long)&r, 0, 0) == 0 &&
                  r.rlim_cur == 64,
              "the soft limit can be lowered", NULL);
    tap_check(call(SYS_setrlimit, RLIMIT_NOFILE, (long)&higher, 0, 0) == -EPERM,
              "the hard limit cannot pass the table", NULL);
    tap_check(call(SYS_prlimit64, 0, RLIMIT_AS, 0, (long)&r) == 0 &&
                  r.rlim_cur == RLIM_INFINITY,
              "prlimit64 reads another limit", NULL);
    tap_check(call(SYS_prlimit64, 2, RLIMIT_AS, 0, (long)&r) == -ESRCH,
              "prlimit64 of another process gives -ESRCH", NULL);
}

static void check_affinity(void)
{
    uint64_t m[2] = {0, 0}, two = 2;
    tap_check(call(SYS_sched_getaffinity, 0, sizeof m, (long)m, 0) == 8 &&
                  m[0] == 1,
              "one CPU in the affinity mask", "%#lx", (unsigned long)m[0]);
    tap_check(call(SYS_sched_setaffinity, 0, 8, (long)&two, 0) == -EINVAL,
              "a mask without CPU 0 is refused", NULL);
}

static void check_processes(void)
{
    for (int i = 0; i < 2; i++)
        tap_check(call(SYS_fork, 0, 0, 0, 0) == -ENOSYS, "fork gives -ENOSYS",
                  NULL);
    tap_check(call(SYS_clone, SIGCHLD, 0, 0, 0) == -ENOSYS,
              "a clone that is not a thread gives -ENOSYS", NULL);
    tap_check(call(SYS_wait4, -1, 0, 0, 0) == -ECHILD,
              "wait4 gives -ECHILD: there are no children", NULL);
}

static void ignore_me(int sig)
{
    (void)sig;
}

static void check_signal_state(void)
{
    struct ksigaction sa = {.handler = ignore_me}, old;
    uint64_t usr1 = 1ull << (SIGUSR1 - 1), set = 0;
    call(SYS_rt_sigaction, SIGUSR1, (long)&sa, 0, 8);
    call(SYS_rt_sigprocmask, SIG_BLOCK, (long)&usr1, 0, 8);
    tap_check(call(SYS_kill, 1, SIGUSR1, 0, 0) == 0 &&
                  call(SYS_rt_sigpending, (long)&set, 8, 0, 0) == 0 &&
                  set == usr1,
              "a blocked signal sent to ourselves is pending", "%#lx",
              (unsigned long)set);
    sa.handler = SIG_IGN;
    call(SYS_rt_sigaction, SIGUSR1, (long)&sa, (long)&old, 8);
    call(SYS_rt_sigpending, (long)&set, 8, 0, 0);
    tap_check(old.handler == ignore_me && set == 0,
              "ignoring a signal discards it", NULL);
    tap_check(call(SYS_kill, 2, SIGUSR1, 0, 0) == -ESRCH,
              "kill of another process gives -ESRCH", NULL);
    tap_check(call(SYS_rt_sigaction, SIGKILL, (long)&sa, 0, 8) == -EINVAL,
              "SIGKILL's action cannot change", NULL);
    uint64_t all = ~0ull, now = 0;
    call(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&now, 8);
    call(SYS_rt_sigprocmask, SIG_SETMASK, (long)&now, (long)&now, 8);
    tap_check(!(now & (1ull << (SIGKILL - 1))), "SIGKILL cannot be blocked",
              NULL);
    tap_check(call(SYS_alarm, 5, 0, 0, 0) == 0 &&
                  call(SYS_alarm, 0, 0, 0, 0) == 5,
              "alarm returns the seconds left of the previous one", NULL);
}

int host_main(int argc, char **argv)
{
    (void)argc, (void)argv;
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the console's lines */
    check_umask();
    check_limits();
    check_affinity();
    check_processes();
    check_signal_state();
    return tap_done();
}
