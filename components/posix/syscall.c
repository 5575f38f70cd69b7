/*
 * syscall.c: every Linux x86_64 system call Kiln implements, in one
 * table indexed by number, and the one place that calls them. Numbers
 * come from musl's <sys/syscall.h>, the same ones libc.a uses. A call
 * not in the table returns -ENOSYS and is logged once, so a missing
 * feature shows up on the console instead of as a mystery; adding a
 * call is one line here (its handler declared in posix.h).
 *
 * Limits: the table is as long as the highest number in it (about 440
 * entries of 24 bytes); numbers past it are simply not implemented.
 */
#include <errno.h>
#include <sys/syscall.h>
#include "kiln/log.h"
#include "posix.h"

#define LOGGED_MAX 512
#define WITH_FRAME 7 /* five arguments, then the caller's registers */

/* One call: its Linux name and its handler, which takes as many
 * arguments as `args` says (the member of fn of that number). */
struct syscall {
    const char *name;
    int args;
    union {
        long (*f0)(void);
        long (*f1)(long);
        long (*f2)(long, long);
        long (*f3)(long, long, long);
        long (*f4)(long, long, long, long);
        long (*f5)(long, long, long, long, long);
        long (*f6)(long, long, long, long, long, long);
        long (*f7)(long, long, long, long, long, struct hc_syscall_frame *);
    } fn;
};

static const struct syscall syscalls[] = {
    /* sys_io.c, fdtable.c, sys_file.c: descriptors and their data */
    [SYS_read] = {"read", 3, {.f3 = sys_read}},
    [SYS_write] = {"write", 3, {.f3 = sys_write}},
    [SYS_readv] = {"readv", 3, {.f3 = sys_readv}},
    [SYS_writev] = {"writev", 3, {.f3 = sys_writev}},
    [SYS_pread64] = {"pread64", 4, {.f4 = sys_pread}},
    [SYS_pwrite64] = {"pwrite64", 4, {.f4 = sys_pwrite}},
    [SYS_sendfile] = {"sendfile", 4, {.f4 = sys_sendfile}},
    [SYS_lseek] = {"lseek", 3, {.f3 = sys_lseek}},
    [SYS_ioctl] = {"ioctl", 3, {.f3 = sys_ioctl}},
    [SYS_fsync] = {"fsync", 1, {.f1 = sys_fsync}},
    [SYS_fdatasync] = {"fdatasync", 1, {.f1 = sys_fsync}},
    [SYS_fstat] = {"fstat", 2, {.f2 = sys_fstat}},
    [SYS_open] = {"open", 3, {.f3 = sys_open}},
    [SYS_openat] = {"openat", 4, {.f4 = sys_openat}},
    [SYS_creat] = {"creat", 2, {.f2 = sys_creat}},
    [SYS_close] = {"close", 1, {.f1 = sys_close}},
    [SYS_dup] = {"dup", 1, {.f1 = sys_dup}},
    [SYS_dup2] = {"dup2", 2, {.f2 = sys_dup2}},
    [SYS_dup3] = {"dup3", 3, {.f3 = sys_dup3}},
    [SYS_fcntl] = {"fcntl", 3, {.f3 = sys_fcntl}},
    [SYS_getdents64] = {"getdents64", 3, {.f3 = sys_getdents64}},
    [SYS_ftruncate] = {"ftruncate", 2, {.f2 = sys_ftruncate}},
    [SYS_fchdir] = {"fchdir", 1, {.f1 = sys_fchdir}},
    [SYS_fchmod] = {"fchmod", 2, {.f2 = sys_fchmod}},
    [SYS_fchown] = {"fchown", 3, {.f3 = sys_fchown}},
    [SYS_fstatfs] = {"fstatfs", 2, {.f2 = sys_fstatfs}},
    [SYS_sync] = {"sync", 0, {.f0 = sys_sync}},
    [SYS_syncfs] = {"syncfs", 1, {.f1 = sys_syncfs}},

    /* sys_pipe.c, sys_eventfd.c: descriptors over memory */
    [SYS_pipe] = {"pipe", 1, {.f1 = sys_pipe}},
    [SYS_pipe2] = {"pipe2", 2, {.f2 = sys_pipe2}},
    [SYS_eventfd] = {"eventfd", 1, {.f1 = sys_eventfd}},
    [SYS_eventfd2] = {"eventfd2", 2, {.f2 = sys_eventfd2}},

    /* sys_path.c: names */
    [SYS_stat] = {"stat", 2, {.f2 = sys_stat}},
    [SYS_lstat] = {"lstat", 2, {.f2 = sys_lstat}},
    [SYS_newfstatat] = {"newfstatat", 4, {.f4 = sys_newfstatat}},
    [SYS_statx] = {"statx", 5, {.f5 = sys_statx}},
    [SYS_statfs] = {"statfs", 2, {.f2 = sys_statfs}},
    [SYS_access] = {"access", 2, {.f2 = sys_access}},
    [SYS_faccessat] = {"faccessat", 3, {.f3 = sys_faccessat}},
    [SYS_faccessat2] = {"faccessat2", 4, {.f4 = sys_faccessat2}},
    [SYS_mkdir] = {"mkdir", 2, {.f2 = sys_mkdir}},
    [SYS_mkdirat] = {"mkdirat", 3, {.f3 = sys_mkdirat}},
    [SYS_rmdir] = {"rmdir", 1, {.f1 = sys_rmdir}},
    [SYS_unlink] = {"unlink", 1, {.f1 = sys_unlink}},
    [SYS_unlinkat] = {"unlinkat", 3, {.f3 = sys_unlinkat}},
    [SYS_rename] = {"rename", 2, {.f2 = sys_rename}},
    [SYS_renameat] = {"renameat", 4, {.f4 = sys_renameat}},
    [SYS_renameat2] = {"renameat2", 5, {.f5 = sys_renameat2}},
    [SYS_symlink] = {"symlink", 2, {.f2 = sys_symlink}},
    [SYS_symlinkat] = {"symlinkat", 3, {.f3 = sys_symlinkat}},
    [SYS_link] = {"link", 2, {.f2 = sys_link}},
    [SYS_linkat] = {"linkat", 5, {.f5 = sys_linkat}},
    [SYS_readlink] = {"readlink", 3, {.f3 = sys_readlink}},
    [SYS_readlinkat] = {"readlinkat", 4, {.f4 = sys_readlinkat}},
    [SYS_truncate] = {"truncate", 2, {.f2 = sys_truncate}},
    [SYS_chmod] = {"chmod", 2, {.f2 = sys_chmod}},
    [SYS_fchmodat] = {"fchmodat", 3, {.f3 = sys_fchmodat}},
    [SYS_chown] = {"chown", 3, {.f3 = sys_chown}},
    [SYS_lchown] = {"lchown", 3, {.f3 = sys_lchown}},
    [SYS_fchownat] = {"fchownat", 5, {.f5 = sys_fchownat}},
    [SYS_utimensat] = {"utimensat", 4, {.f4 = sys_utimensat}},
    [SYS_chdir] = {"chdir", 1, {.f1 = sys_chdir}},
    [SYS_getcwd] = {"getcwd", 2, {.f2 = sys_getcwd}},

    /* sys_mem.c */
    [SYS_brk] = {"brk", 1, {.f1 = sys_brk}},
    [SYS_mmap] = {"mmap", 6, {.f6 = sys_mmap}},
    [SYS_munmap] = {"munmap", 2, {.f2 = sys_munmap}},
    [SYS_mprotect] = {"mprotect", 3, {.f3 = sys_mprotect}},
    [SYS_mremap] = {"mremap", 4, {.f4 = sys_mremap}},
    [SYS_madvise] = {"madvise", 3, {.f3 = sys_madvise}},
    [SYS_msync] = {"msync", 3, {.f3 = sys_msync}},

    /* sys_socket.c, sys_sockmsg.c */
    [SYS_socket] = {"socket", 3, {.f3 = sys_socket}},
    [SYS_socketpair] = {"socketpair", 4, {.f4 = sys_socketpair}},
    [SYS_bind] = {"bind", 3, {.f3 = sys_bind}},
    [SYS_listen] = {"listen", 2, {.f2 = sys_listen}},
    [SYS_accept] = {"accept", 3, {.f3 = sys_accept}},
    [SYS_accept4] = {"accept4", 4, {.f4 = sys_accept4}},
    [SYS_connect] = {"connect", 3, {.f3 = sys_connect}},
    [SYS_shutdown] = {"shutdown", 2, {.f2 = sys_shutdown}},
    [SYS_getsockname] = {"getsockname", 3, {.f3 = sys_getsockname}},
    [SYS_getpeername] = {"getpeername", 3, {.f3 = sys_getpeername}},
    [SYS_setsockopt] = {"setsockopt", 5, {.f5 = sys_setsockopt}},
    [SYS_getsockopt] = {"getsockopt", 5, {.f5 = sys_getsockopt}},
    [SYS_sendto] = {"sendto", 6, {.f6 = sys_sendto}},
    [SYS_recvfrom] = {"recvfrom", 6, {.f6 = sys_recvfrom}},
    [SYS_sendmsg] = {"sendmsg", 3, {.f3 = sys_sendmsg}},
    [SYS_recvmsg] = {"recvmsg", 3, {.f3 = sys_recvmsg}},

    /* sys_poll.c, sys_epoll.c */
    [SYS_poll] = {"poll", 3, {.f3 = sys_poll}},
    [SYS_ppoll] = {"ppoll", 5, {.f5 = sys_ppoll}},
    [SYS_select] = {"select", 5, {.f5 = sys_select}},
    [SYS_pselect6] = {"pselect6", 6, {.f6 = sys_pselect6}},
    [SYS_epoll_create] = {"epoll_create", 1, {.f1 = sys_epoll_create}},
    [SYS_epoll_create1] = {"epoll_create1", 1, {.f1 = sys_epoll_create1}},
    [SYS_epoll_ctl] = {"epoll_ctl", 4, {.f4 = sys_epoll_ctl}},
    [SYS_epoll_wait] = {"epoll_wait", 4, {.f4 = sys_epoll_wait}},
    [SYS_epoll_pwait] = {"epoll_pwait", 6, {.f6 = sys_epoll_pwait}},

    /* sys_time.c */
    [SYS_time] = {"time", 1, {.f1 = sys_time}},
    [SYS_clock_gettime] = {"clock_gettime", 2, {.f2 = sys_clock_gettime}},
    [SYS_clock_getres] = {"clock_getres", 2, {.f2 = sys_clock_getres}},
    [SYS_clock_nanosleep] = {"clock_nanosleep", 4, {.f4 = sys_clock_nanosleep}},
    [SYS_nanosleep] = {"nanosleep", 2, {.f2 = sys_nanosleep}},

    /* sys_thread.c: threads, futexes, exits */
    [SYS_clone] = {"clone", WITH_FRAME, {.f7 = sys_clone}},
    [SYS_futex] = {"futex", 6, {.f6 = sys_futex}},
    [SYS_set_tid_address] = {"set_tid_address", 1, {.f1 = sys_set_tid_address}},
    [SYS_arch_prctl] = {"arch_prctl", 2, {.f2 = sys_arch_prctl}},
    [SYS_prctl] = {"prctl", 5, {.f5 = sys_prctl}},
    [SYS_sched_yield] = {"sched_yield", 0, {.f0 = sys_sched_yield}},
    [SYS_gettid] = {"gettid", 0, {.f0 = sys_gettid}},
    [SYS_tkill] = {"tkill", 2, {.f2 = sys_tkill}},
    [SYS_tgkill] = {"tgkill", 3, {.f3 = sys_tgkill}},
    [SYS_exit] = {"exit", 1, {.f1 = sys_exit}},
    [SYS_exit_group] = {"exit_group", 1, {.f1 = sys_exit_group}},
    [SYS_set_robust_list] = {"set_robust_list", 2, {.f2 = sys_set_robust_list}},
    [SYS_rseq] = {"rseq", 4, {.f4 = sys_rseq}},
    [SYS_clone3] = {"clone3", 2, {.f2 = sys_clone3}},

    /* sys_misc.c: identity, randomness, signals */
    [SYS_getpid] = {"getpid", 0, {.f0 = sys_getpid}},
    [SYS_getppid] = {"getppid", 0, {.f0 = sys_getppid}},
    [SYS_getuid] = {"getuid", 0, {.f0 = sys_getuid}},
    [SYS_geteuid] = {"geteuid", 0, {.f0 = sys_getuid}},
    [SYS_getgid] = {"getgid", 0, {.f0 = sys_getuid}},
    [SYS_getegid] = {"getegid", 0, {.f0 = sys_getuid}},
    [SYS_uname] = {"uname", 1, {.f1 = sys_uname}},
    [SYS_sysinfo] = {"sysinfo", 1, {.f1 = sys_sysinfo}},
    [SYS_getrandom] = {"getrandom", 3, {.f3 = sys_getrandom}},

    /* sys_signal.c: signals, ITIMER_REAL */
    [SYS_rt_sigprocmask] = {"rt_sigprocmask", 4, {.f4 = sys_rt_sigprocmask}},
    [SYS_rt_sigaction] = {"rt_sigaction", 4, {.f4 = sys_rt_sigaction}},
    [SYS_rt_sigpending] = {"rt_sigpending", 2, {.f2 = sys_rt_sigpending}},
    [SYS_rt_sigsuspend] = {"rt_sigsuspend", 2, {.f2 = sys_rt_sigsuspend}},
    [SYS_rt_sigtimedwait] = {"rt_sigtimedwait", 4, {.f4 = sys_rt_sigtimedwait}},
    [SYS_rt_sigreturn] = {"rt_sigreturn", WITH_FRAME, {.f7 = sys_rt_sigreturn}},
    [SYS_sigaltstack] = {"sigaltstack", 2, {.f2 = sys_sigaltstack}},
    [SYS_kill] = {"kill", 2, {.f2 = sys_kill}},
    [SYS_pause] = {"pause", 0, {.f0 = sys_pause}},
    [SYS_alarm] = {"alarm", 1, {.f1 = sys_alarm}},
    [SYS_setitimer] = {"setitimer", 3, {.f3 = sys_setitimer}},
    [SYS_getitimer] = {"getitimer", 2, {.f2 = sys_getitimer}},

    /* sys_proc.c: umask, limits, affinity; no other processes */
    [SYS_umask] = {"umask", 1, {.f1 = sys_umask}},
    [SYS_getrlimit] = {"getrlimit", 2, {.f2 = sys_getrlimit}},
    [SYS_setrlimit] = {"setrlimit", 2, {.f2 = sys_setrlimit}},
    [SYS_prlimit64] = {"prlimit64", 4, {.f4 = sys_prlimit64}},
    [SYS_sched_getaffinity] = {"sched_getaffinity",
                               3,
                               {.f3 = sys_sched_getaffinity}},
    [SYS_sched_setaffinity] = {"sched_setaffinity",
                               3,
                               {.f3 = sys_sched_setaffinity}},
    [SYS_fork] = {"fork", WITH_FRAME, {.f7 = sys_fork_frame}},
    [SYS_vfork] = {"vfork", WITH_FRAME, {.f7 = sys_vfork_frame}},
    [SYS_execve] = {"execve", 3, {.f3 = sys_execve}},
    [SYS_execveat] = {"execveat", 5, {.f5 = sys_execveat}},
    [SYS_wait4] = {"wait4", 4, {.f4 = sys_wait4}},
    [SYS_waitid] = {"waitid", 5, {.f5 = sys_waitid}},
};

#define SYSCALLS_MAX (long)(sizeof syscalls / sizeof syscalls[0])

/* Log once per number: a call in a loop must not flood the console. */
static long not_implemented(long nr, const char *name)
{
    static uint8_t logged[LOGGED_MAX / 8];
    if (nr < 0 || nr >= LOGGED_MAX || (logged[nr / 8] & (1 << (nr % 8))))
        return -ENOSYS;
    logged[nr / 8] |= (uint8_t)(1 << (nr % 8));
    if (name)
        kiln_log("kiln: system call %ld (%s) is not implemented for these "
                 "arguments (ENOSYS)",
                 nr, name);
    else
        kiln_log("kiln: system call %ld is not implemented (ENOSYS)", nr);
    return -ENOSYS;
}

static long syscall_call(const struct syscall *s, const long a[6],
                         struct hc_syscall_frame *frame)
{
    switch (s->args) {
    case 0: return s->fn.f0();
    case 1: return s->fn.f1(a[0]);
    case 2: return s->fn.f2(a[0], a[1]);
    case 3: return s->fn.f3(a[0], a[1], a[2]);
    case 4: return s->fn.f4(a[0], a[1], a[2], a[3]);
    case 5: return s->fn.f5(a[0], a[1], a[2], a[3], a[4]);
    case 6: return s->fn.f6(a[0], a[1], a[2], a[3], a[4], a[5]);
    default: return s->fn.f7(a[0], a[1], a[2], a[3], a[4], frame);
    }
}

/* Signals are delivered here and nowhere else: on the way back from
 * every call (sys_signal.c). */
long syscall_dispatch(long nr, const long a[6], struct hc_syscall_frame *frame)
{
    const struct syscall *s = nr >= 0 && nr < SYSCALLS_MAX ? &syscalls[nr] : 0;
    long r =
        !s || !s->name ? not_implemented(nr, NULL) : syscall_call(s, a, frame);
    if (r == -ENOSYS && s && s->name && nr != SYS_rt_sigreturn)
        r = not_implemented(nr, s->name); /* rt_sigreturn's r is restored */
    if (r == -ENOSYS_EXPLAINED)
        r = -ENOSYS;
    signal_sigpipe(nr, a, r);
    return signal_deliver(nr, r, frame);
}
