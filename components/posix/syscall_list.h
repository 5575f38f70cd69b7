/*
 * syscall_list.h: every Linux x86_64 system call Kiln implements, as
 * one X-macro list, shared by syscall.c (the dispatcher, the argument
 * counts and the map kiln-bake reads) and syscall_fns.c (the handlers'
 * table when no link supplies its own).
 */
#ifndef KILN_POSIX_SYSCALL_LIST_H
#define KILN_POSIX_SYSCALL_LIST_H

#include <sys/syscall.h>
#include "posix.h"

#define WITH_FRAME 7 /* five arguments, then the caller's registers */

/* One call's handler, which takes as many arguments as args[] says
 * (the member of that number). Counts and names are apart (args[],
 * names[]): padded beside a pointer, a count would cost 7 bytes a call
 * and a name's pointer 8, in every image. */
union syscall_fn {
    long (*f0)(void);
    long (*f1)(long);
    long (*f2)(long, long);
    long (*f3)(long, long, long);
    long (*f4)(long, long, long, long);
    long (*f5)(long, long, long, long, long);
    long (*f6)(long, long, long, long, long, long);
    long (*f7)(long, long, long, long, long, struct hc_syscall_frame *);
};

/* Every call: X(number, arguments, handler[, what else it needs]).
 * The last fields name what a call needs beyond its handler: ext2 (the
 * one writable and disk filesystem) for calls that read files or change
 * a tree, and raw disks (/dev/vdX, dev_block.c, and with them the disk
 * driver) for calls that read or flush, and mappings of files
 * (sys_mmap_file.c) for calls that open one, so a program that only
 * prints links none of them. */
// clang-format off
#define SYSCALLS(X) \
    /* sys_io.c, fdtable.c, sys_file.c: descriptors and their data */ \
    X(SYS_read, 3, sys_read, ext2_type, block_open)                   \
    X(SYS_write, 3, sys_write)                                        \
    X(SYS_readv, 3, sys_readv, ext2_type, block_open)                 \
    X(SYS_writev, 3, sys_writev)                                      \
    X(SYS_pread64, 4, sys_pread, ext2_type, block_open)               \
    X(SYS_pwrite64, 4, sys_pwrite)                                    \
    X(SYS_sendfile, 4, sys_sendfile, ext2_type, block_open)           \
    X(SYS_lseek, 3, sys_lseek)                                        \
    X(SYS_ioctl, 3, sys_ioctl)                                        \
    X(SYS_fsync, 1, sys_fsync, ext2_type, block_open)                 \
    X(SYS_fdatasync, 1, sys_fsync, ext2_type, block_open)             \
    X(SYS_fstat, 2, sys_fstat)                                        \
    X(SYS_open, 3, sys_open, mmap_file)                               \
    X(SYS_openat, 4, sys_openat, mmap_file)                           \
    X(SYS_creat, 2, sys_creat, ext2_type, mmap_file)                  \
    X(SYS_close, 1, sys_close)                                        \
    X(SYS_dup, 1, sys_dup)                                            \
    X(SYS_dup2, 2, sys_dup2)                                          \
    X(SYS_dup3, 3, sys_dup3)                                          \
    X(SYS_fcntl, 3, sys_fcntl)                                        \
    X(SYS_getdents64, 3, sys_getdents64, ext2_type)                   \
    X(SYS_ftruncate, 2, sys_ftruncate, ext2_type)                     \
    X(SYS_fchdir, 1, sys_fchdir)                                      \
    X(SYS_fchmod, 2, sys_fchmod)                                      \
    X(SYS_fchown, 3, sys_fchown)                                      \
    X(SYS_fstatfs, 2, sys_fstatfs)                                    \
    X(SYS_sync, 0, sys_sync, ext2_type)                               \
    X(SYS_syncfs, 1, sys_syncfs, ext2_type)                           \
                                                                      \
    /* sys_pipe.c, sys_eventfd.c: descriptors over memory */          \
    X(SYS_pipe, 1, sys_pipe)                                          \
    X(SYS_pipe2, 2, sys_pipe2)                                        \
    X(SYS_eventfd, 1, sys_eventfd)                                    \
    X(SYS_eventfd2, 2, sys_eventfd2)                                  \
                                                                      \
    /* sys_path.c: names */                                           \
    X(SYS_stat, 2, sys_stat)                                          \
    X(SYS_lstat, 2, sys_lstat)                                        \
    X(SYS_newfstatat, 4, sys_newfstatat)                              \
    X(SYS_statx, 5, sys_statx)                                        \
    X(SYS_statfs, 2, sys_statfs)                                      \
    X(SYS_access, 2, sys_access)                                      \
    X(SYS_faccessat, 3, sys_faccessat)                                \
    X(SYS_faccessat2, 4, sys_faccessat2)                              \
    X(SYS_mkdir, 2, sys_mkdir, ext2_type)                             \
    X(SYS_mkdirat, 3, sys_mkdirat, ext2_type)                         \
    X(SYS_rmdir, 1, sys_rmdir, ext2_type)                             \
    X(SYS_unlink, 1, sys_unlink, ext2_type)                           \
    X(SYS_unlinkat, 3, sys_unlinkat, ext2_type)                       \
    X(SYS_rename, 2, sys_rename, ext2_type)                           \
    X(SYS_renameat, 4, sys_renameat, ext2_type)                       \
    X(SYS_renameat2, 5, sys_renameat2, ext2_type)                     \
    X(SYS_symlink, 2, sys_symlink, ext2_type)                         \
    X(SYS_symlinkat, 3, sys_symlinkat, ext2_type)                     \
    X(SYS_link, 2, sys_link, ext2_type)                               \
    X(SYS_linkat, 5, sys_linkat, ext2_type)                           \
    X(SYS_readlink, 3, sys_readlink)                                  \
    X(SYS_readlinkat, 4, sys_readlinkat)                              \
    X(SYS_truncate, 2, sys_truncate, ext2_type)                       \
    X(SYS_chmod, 2, sys_chmod)                                        \
    X(SYS_fchmodat, 3, sys_fchmodat)                                  \
    X(SYS_chown, 3, sys_chown)                                        \
    X(SYS_lchown, 3, sys_lchown)                                      \
    X(SYS_fchownat, 5, sys_fchownat)                                  \
    X(SYS_utimensat, 4, sys_utimensat)                                \
    X(SYS_chdir, 1, sys_chdir)                                        \
    X(SYS_getcwd, 2, sys_getcwd)                                      \
                                                                      \
    /* sys_mem.c */                                                   \
    X(SYS_brk, 1, sys_brk)                                            \
    X(SYS_mmap, 6, sys_mmap)                                          \
    X(SYS_munmap, 2, sys_munmap)                                      \
    X(SYS_mprotect, 3, sys_mprotect)                                  \
    X(SYS_mremap, 4, sys_mremap)                                      \
    X(SYS_madvise, 3, sys_madvise)                                    \
    X(SYS_msync, 3, sys_msync)                                        \
                                                                      \
    /* sys_socket.c, sys_sockmsg.c */                                 \
    X(SYS_socket, 3, sys_socket)                                      \
    X(SYS_socketpair, 4, sys_socketpair)                              \
    X(SYS_bind, 3, sys_bind)                                          \
    X(SYS_listen, 2, sys_listen)                                      \
    X(SYS_accept, 3, sys_accept)                                      \
    X(SYS_accept4, 4, sys_accept4)                                    \
    X(SYS_connect, 3, sys_connect)                                    \
    X(SYS_shutdown, 2, sys_shutdown)                                  \
    X(SYS_getsockname, 3, sys_getsockname)                            \
    X(SYS_getpeername, 3, sys_getpeername)                            \
    X(SYS_setsockopt, 5, sys_setsockopt)                              \
    X(SYS_getsockopt, 5, sys_getsockopt)                              \
    X(SYS_sendto, 6, sys_sendto)                                      \
    X(SYS_recvfrom, 6, sys_recvfrom)                                  \
    X(SYS_sendmsg, 3, sys_sendmsg)                                    \
    X(SYS_recvmsg, 3, sys_recvmsg)                                    \
                                                                      \
    /* sys_poll.c, sys_epoll.c */                                     \
    X(SYS_poll, 3, sys_poll)                                          \
    X(SYS_ppoll, 5, sys_ppoll)                                        \
    X(SYS_select, 5, sys_select)                                      \
    X(SYS_pselect6, 6, sys_pselect6)                                  \
    X(SYS_epoll_create, 1, sys_epoll_create)                          \
    X(SYS_epoll_create1, 1, sys_epoll_create1)                        \
    X(SYS_epoll_ctl, 4, sys_epoll_ctl)                                \
    X(SYS_epoll_wait, 4, sys_epoll_wait)                              \
    X(SYS_epoll_pwait, 6, sys_epoll_pwait)                            \
                                                                      \
    /* sys_time.c */                                                  \
    X(SYS_time, 1, sys_time)                                          \
    X(SYS_clock_gettime, 2, sys_clock_gettime)                        \
    X(SYS_clock_getres, 2, sys_clock_getres)                          \
    X(SYS_clock_nanosleep, 4, sys_clock_nanosleep)                    \
    X(SYS_nanosleep, 2, sys_nanosleep)                                \
                                                                      \
    /* sys_thread.c: threads, futexes, exits */                       \
    X(SYS_clone, WITH_FRAME, sys_clone)                               \
    X(SYS_futex, 6, sys_futex)                                        \
    X(SYS_set_tid_address, 1, sys_set_tid_address)                    \
    X(SYS_arch_prctl, 2, sys_arch_prctl)                              \
    X(SYS_prctl, 5, sys_prctl)                                        \
    X(SYS_sched_yield, 0, sys_sched_yield)                            \
    X(SYS_gettid, 0, sys_gettid)                                      \
    X(SYS_tkill, 2, sys_tkill)                                        \
    X(SYS_tgkill, 3, sys_tgkill)                                      \
    X(SYS_exit, 1, sys_exit)                                          \
    X(SYS_exit_group, 1, sys_exit_group)                              \
    X(SYS_set_robust_list, 2, sys_set_robust_list)                    \
    X(SYS_rseq, 4, sys_rseq)                                          \
    X(SYS_clone3, 2, sys_clone3)                                      \
                                                                      \
    /* sys_misc.c: identity, randomness, signals */                   \
    X(SYS_getpid, 0, sys_getpid)                                      \
    X(SYS_getppid, 0, sys_getppid)                                    \
    X(SYS_getuid, 0, sys_getuid)                                      \
    X(SYS_geteuid, 0, sys_getuid)                                     \
    X(SYS_getgid, 0, sys_getuid)                                      \
    X(SYS_getegid, 0, sys_getuid)                                     \
    X(SYS_uname, 1, sys_uname)                                        \
    X(SYS_sysinfo, 1, sys_sysinfo)                                    \
    X(SYS_getrandom, 3, sys_getrandom)                                \
                                                                      \
    /* sys_signal.c: signals, ITIMER_REAL */                          \
    X(SYS_rt_sigprocmask, 4, sys_rt_sigprocmask)                      \
    X(SYS_rt_sigaction, 4, sys_rt_sigaction)                          \
    X(SYS_rt_sigpending, 2, sys_rt_sigpending)                        \
    X(SYS_rt_sigsuspend, 2, sys_rt_sigsuspend)                        \
    X(SYS_rt_sigtimedwait, 4, sys_rt_sigtimedwait)                    \
    X(SYS_rt_sigreturn, WITH_FRAME, sys_rt_sigreturn)                 \
    X(SYS_sigaltstack, 2, sys_sigaltstack)                            \
    X(SYS_kill, 2, sys_kill)                                          \
    X(SYS_pause, 0, sys_pause)                                        \
    X(SYS_alarm, 1, sys_alarm)                                        \
    X(SYS_setitimer, 3, sys_setitimer)                                \
    X(SYS_getitimer, 2, sys_getitimer)                                \
                                                                      \
    /* sys_proc.c: umask, limits, affinity; no other processes */     \
    X(SYS_umask, 1, sys_umask)                                        \
    X(SYS_getrlimit, 2, sys_getrlimit)                                \
    X(SYS_setrlimit, 2, sys_setrlimit)                                \
    X(SYS_prlimit64, 4, sys_prlimit64)                                \
    X(SYS_sched_getaffinity, 3, sys_sched_getaffinity)                \
    X(SYS_sched_setaffinity, 3, sys_sched_setaffinity)                \
    X(SYS_fork, WITH_FRAME, sys_fork_frame)                           \
    X(SYS_vfork, WITH_FRAME, sys_vfork_frame)                         \
    X(SYS_execve, 3, sys_execve)                                      \
    X(SYS_execveat, 5, sys_execveat)                                  \
    X(SYS_wait4, 4, sys_wait4)                                        \
    X(SYS_waitid, 5, sys_waitid)
// clang-format on

/* The handlers in SYSCALLS' order, null where a handler is not in the
 * image. kiln-bake links one naming only the handlers the program's
 * code can reach; a link without one (host programs) takes
 * syscall_fns.c's, which names them all. */
extern const union syscall_fn syscall_fns[];

#endif
