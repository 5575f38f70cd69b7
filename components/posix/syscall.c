/*
 * syscall.c: every Linux x86_64 system call Kiln implements, in one
 * table, and the one place that calls them. Numbers come from musl's
 * <sys/syscall.h>, the same ones libc.a uses. A call not in the table
 * returns -ENOSYS and is logged once, so a missing feature shows up on
 * the console instead of as a mystery; adding a call is one line here
 * (its handler declared in posix.h).
 *
 * The table refers to handlers weakly and kiln-bake links only those of
 * the calls the program's code (and its libc) can make
 * (linker/syscalls.py): whatever a handler reaches (the TCP/IP stack,
 * ext2) comes with it, and nothing else does.
 *
 * Limits: numbers past the highest in the table (about 440) are simply
 * not implemented.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include "kiln/log.h"
#include "posix.h"

#define LOGGED_MAX 512
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
 * driver) for calls that read or flush, so a program that only prints
 * links neither. */
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
    X(SYS_open, 3, sys_open)                                          \
    X(SYS_openat, 4, sys_openat)                                      \
    X(SYS_creat, 2, sys_creat, ext2_type)                             \
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

/* Handlers are weak references: the image holds those kiln-bake asked
 * for (the program's calls) and leaves the rest, and their components,
 * out; an absent one is null here. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define WEAK(nr, args, fn, ...) _Pragma(STR(weak fn))
SYSCALLS(WEAK)

/* The map kiln-bake reads from a first link, "number handler [needs]"
 * a line, in a section that takes no memory in the image. */
#define MAP(nr, args, fn, ...)                                                 \
    __asm__(".pushsection .kiln.syscalls, \"\", @progbits\n\t.ascii \"" STR(   \
        nr) " " #fn " " #__VA_ARGS__ "\\n\"\n\t.popsection");
SYSCALLS(MAP)

/* Parts a call needs only for some values of one argument: X(number,
 * argument (1-6), mask, value, what it needs). kiln-bake links them
 * when the program's code can make the call with (argument & mask) ==
 * value, or with an argument only known at run time (linker/
 * syscalls.py traces it back as it does the number): AF_UNIX sockets
 * (sys_unix.c, unix_msg.c) come only with a program that asks for one;
 * without them sys_socket.c says EAFNOSUPPORT and no descriptor is one.
 * Likewise UDP's sockets (components/net/udp_sock.c) with SOCK_DGRAM. */
// clang-format off
#define SYSCALL_ARG_NEEDS(X)                                          \
    X(SYS_socket, 1, 0xffff, AF_UNIX, unix_socket)                    \
    X(SYS_socket, 2, 0xf, SOCK_DGRAM, udp_sock_create)                \
    X(SYS_socketpair, 1, 0xffff, AF_UNIX, unix_socketpair)
// clang-format on

/* "number:argument&mask=value needs" a line, beside the calls' lines. */
#define ARG_MAP(nr, arg, mask, value, ...)                                     \
    __asm__(".pushsection .kiln.syscalls, \"\", @progbits\n\t.ascii \"" STR(   \
        nr) ":" STR(arg) "&" STR(mask) "=" STR(value) " " #__VA_ARGS__         \
                                                      "\\n\"\n\t.popsection");
SYSCALL_ARG_NEEDS(ARG_MAP)

/* The table is dense, in the order above; slot[nr] is an entry's index
 * plus one (0: not a call of this table). */
#define SLOT(nr, args, fn, ...) SLOT_##nr,
enum { SYSCALLS(SLOT) SYSCALLS_N };
#define INDEX(nr, args, fn, ...) [nr] = SLOT_##nr + 1,
static const uint8_t slot[] = {SYSCALLS(INDEX)};
_Static_assert(SYSCALLS_N < 255, "slot[] holds an index in a byte");

/* Arguments Linux reads as 32 bits, as its SYSCALL_DEFINE prototypes
 * declare them (or truncates at once, as fdget does a descriptor): I32,
 * sign-extended (int, pid_t, descriptors, flags, modes), and U32,
 * zero-extended (unsigned counts and lengths that may pass 2^31). Only
 * the register's low half is the value: a program's own assembly
 * wrapper (glibc's) leaves the upper half as the caller left it, which
 * Linux's prototypes drop. Handlers take longs, so the dispatcher drops
 * it for all of them here; a call not listed has only 64-bit arguments
 * (pointers, sizes, offsets). */
#define I32(n) (1u << ((n)-1))
#define U32(n) (0x100u << ((n)-1))
#define NARROW(nr, bits) [SLOT_##nr] = (bits),
// clang-format off
static const uint16_t narrow[SYSCALLS_N] = {
    NARROW(SYS_read, I32(1))
    NARROW(SYS_write, I32(1))
    NARROW(SYS_readv, I32(1))
    NARROW(SYS_writev, I32(1))
    NARROW(SYS_pread64, I32(1))
    NARROW(SYS_pwrite64, I32(1))
    NARROW(SYS_sendfile, I32(1) | I32(2))
    NARROW(SYS_lseek, I32(1) | U32(3))
    NARROW(SYS_ioctl, I32(1) | U32(2))
    NARROW(SYS_fsync, I32(1))
    NARROW(SYS_fdatasync, I32(1))
    NARROW(SYS_fstat, I32(1))
    NARROW(SYS_open, I32(2) | I32(3))
    NARROW(SYS_openat, I32(1) | I32(3) | I32(4))
    NARROW(SYS_creat, I32(2))
    NARROW(SYS_close, I32(1))
    NARROW(SYS_dup, I32(1))
    NARROW(SYS_dup2, I32(1) | I32(2))
    NARROW(SYS_dup3, I32(1) | I32(2) | I32(3))
    NARROW(SYS_fcntl, I32(1) | U32(2))
    NARROW(SYS_getdents64, I32(1) | U32(3))
    NARROW(SYS_ftruncate, I32(1))
    NARROW(SYS_fchdir, I32(1))
    NARROW(SYS_fchmod, I32(1) | I32(2))
    NARROW(SYS_fchown, I32(1) | I32(2) | I32(3))
    NARROW(SYS_fstatfs, I32(1))
    NARROW(SYS_syncfs, I32(1))
    NARROW(SYS_pipe2, I32(2))
    NARROW(SYS_eventfd, U32(1))
    NARROW(SYS_eventfd2, U32(1) | I32(2))
    /* names */
    NARROW(SYS_newfstatat, I32(1) | I32(4))
    NARROW(SYS_statx, I32(1) | U32(3) | U32(4))
    NARROW(SYS_access, I32(2))
    NARROW(SYS_faccessat, I32(1) | I32(3))
    NARROW(SYS_faccessat2, I32(1) | I32(3) | I32(4))
    NARROW(SYS_mkdir, I32(2))
    NARROW(SYS_mkdirat, I32(1) | I32(3))
    NARROW(SYS_unlinkat, I32(1) | I32(3))
    NARROW(SYS_renameat, I32(1) | I32(3))
    NARROW(SYS_renameat2, I32(1) | I32(3) | U32(5))
    NARROW(SYS_symlinkat, I32(2))
    NARROW(SYS_linkat, I32(1) | I32(3) | I32(5))
    NARROW(SYS_readlink, I32(3))
    NARROW(SYS_readlinkat, I32(1) | I32(4))
    NARROW(SYS_chmod, I32(2))
    NARROW(SYS_fchmodat, I32(1) | I32(3))
    NARROW(SYS_chown, I32(2) | I32(3))
    NARROW(SYS_lchown, I32(2) | I32(3))
    NARROW(SYS_fchownat, I32(1) | I32(3) | I32(4) | I32(5))
    NARROW(SYS_utimensat, I32(1) | I32(4))
    /* memory: mmap's prot and flags are unsigned long in Linux */
    NARROW(SYS_mmap, I32(5))
    NARROW(SYS_madvise, I32(3))
    NARROW(SYS_msync, I32(3))
    /* sockets */
    NARROW(SYS_socket, I32(1) | I32(2) | I32(3))
    NARROW(SYS_socketpair, I32(1) | I32(2) | I32(3))
    NARROW(SYS_bind, I32(1) | I32(3))
    NARROW(SYS_listen, I32(1) | I32(2))
    NARROW(SYS_accept, I32(1))
    NARROW(SYS_accept4, I32(1) | I32(4))
    NARROW(SYS_connect, I32(1) | I32(3))
    NARROW(SYS_shutdown, I32(1) | I32(2))
    NARROW(SYS_getsockname, I32(1))
    NARROW(SYS_getpeername, I32(1))
    NARROW(SYS_setsockopt, I32(1) | I32(2) | I32(3) | I32(5))
    NARROW(SYS_getsockopt, I32(1) | I32(2) | I32(3))
    NARROW(SYS_sendto, I32(1) | U32(4) | I32(6))
    NARROW(SYS_recvfrom, I32(1) | U32(4))
    NARROW(SYS_sendmsg, I32(1) | U32(3))
    NARROW(SYS_recvmsg, I32(1) | U32(3))
    /* waiting, clocks */
    NARROW(SYS_poll, U32(2) | I32(3))
    NARROW(SYS_ppoll, U32(2))
    NARROW(SYS_select, I32(1))
    NARROW(SYS_pselect6, I32(1))
    NARROW(SYS_epoll_create, I32(1))
    NARROW(SYS_epoll_create1, I32(1))
    NARROW(SYS_epoll_ctl, I32(1) | I32(2) | I32(3))
    NARROW(SYS_epoll_wait, I32(1) | I32(3) | I32(4))
    NARROW(SYS_epoll_pwait, I32(1) | I32(3) | I32(4))
    NARROW(SYS_clock_gettime, I32(1))
    NARROW(SYS_clock_getres, I32(1))
    NARROW(SYS_clock_nanosleep, I32(1) | I32(2))
    /* threads; clone's flags as Linux's lower_32_bits(clone_flags) */
    NARROW(SYS_clone, U32(1))
    NARROW(SYS_futex, I32(2) | U32(3) | U32(6))
    NARROW(SYS_arch_prctl, I32(1))
    NARROW(SYS_prctl, I32(1))
    NARROW(SYS_tkill, I32(1) | I32(2))
    NARROW(SYS_tgkill, I32(1) | I32(2) | I32(3))
    NARROW(SYS_exit, I32(1))
    NARROW(SYS_exit_group, I32(1))
    NARROW(SYS_rseq, U32(2) | I32(3) | U32(4))
    NARROW(SYS_getrandom, U32(3))
    /* signals, processes */
    NARROW(SYS_rt_sigprocmask, I32(1))
    NARROW(SYS_rt_sigaction, I32(1))
    NARROW(SYS_kill, I32(1) | I32(2))
    NARROW(SYS_alarm, U32(1))
    NARROW(SYS_setitimer, I32(1))
    NARROW(SYS_getitimer, I32(1))
    NARROW(SYS_umask, I32(1))
    NARROW(SYS_getrlimit, U32(1))
    NARROW(SYS_setrlimit, U32(1))
    NARROW(SYS_prlimit64, I32(1) | U32(2))
    NARROW(SYS_sched_getaffinity, I32(1) | U32(2))
    NARROW(SYS_sched_setaffinity, I32(1) | U32(2))
    NARROW(SYS_execveat, I32(1) | I32(5))
    NARROW(SYS_wait4, I32(1) | I32(3))
    NARROW(SYS_waitid, I32(1) | I32(2) | I32(4))
};
// clang-format on

// clang-format off
#define FN_(args, fn) {.f##args = fn}
// clang-format on
#define FN(args, fn) FN_(args, fn)
#define ENTRY(nr, args, fn, ...) FN(args, fn),
static const union syscall_fn fns[] = {SYSCALLS(ENTRY)};
#define ARGS(nr, args, fn, ...) args,
static const uint8_t args[] = {SYSCALLS(ARGS)};
/* "SYS_read\0SYS_write\0...", in the table's order. */
#define NAME(nr, args, fn, ...) #nr "\0"
static const char names[] = SYSCALLS(NAME);

static const char *syscall_name(int s)
{
    const char *n = names;
    for (int i = 0; i < s; i++)
        n += strlen(n) + 1;
    return n + 4; /* past "SYS_" */
}

#define SLOTS_MAX (long)(sizeof slot / sizeof slot[0])

/* Log once per number: a call in a loop must not flood the console. */
static long not_implemented(long nr, const char *name, const char *why)
{
    static uint8_t logged[LOGGED_MAX / 8];
    if (nr < 0 || nr >= LOGGED_MAX || (logged[nr / 8] & (1 << (nr % 8))))
        return -ENOSYS;
    logged[nr / 8] |= (uint8_t)(1 << (nr % 8));
    if (name)
        kiln_log("kiln: system call %ld (%s) is not %s (ENOSYS)", nr, name,
                 why);
    else
        kiln_log("kiln: system call %ld is not implemented (ENOSYS)", nr);
    return -ENOSYS;
}

static long syscall_call(int s, const long a[6], struct hc_syscall_frame *frame)
{
    const union syscall_fn *fn = &fns[s];
    switch (args[s]) {
    case 0: return fn->f0();
    case 1: return fn->f1(a[0]);
    case 2: return fn->f2(a[0], a[1]);
    case 3: return fn->f3(a[0], a[1], a[2]);
    case 4: return fn->f4(a[0], a[1], a[2], a[3]);
    case 5: return fn->f5(a[0], a[1], a[2], a[3], a[4]);
    case 6: return fn->f6(a[0], a[1], a[2], a[3], a[4], a[5]);
    default: return fn->f7(a[0], a[1], a[2], a[3], a[4], frame);
    }
}

/* The table's index of call nr, -1 if it has none. */
static int syscall_find(long nr)
{
    return nr >= 0 && nr < SLOTS_MAX ? slot[nr] - 1 : -1;
}

/* The arguments as the handler's Linux prototype reads them (narrow). */
static void syscall_narrow(int s, const long a[6], long out[6])
{
    unsigned bits = narrow[s];
    for (int i = 0; i < 6; i++)
        out[i] = bits & I32(i + 1)   ? (long)(int)a[i]
                 : bits & U32(i + 1) ? (long)(uint32_t)a[i]
                                     : a[i];
}

/* Signals are delivered here and nowhere else: on the way back from
 * every call (sys_signal.c). A handler left out of the image (kiln-bake
 * found no code that makes the call) says so once. */
long syscall_dispatch(long nr, const long a[6], struct hc_syscall_frame *frame)
{
    int s = syscall_find(nr);
    long in[6] = {a[0], a[1], a[2], a[3], a[4], a[5]}, r;
    if (s < 0)
        r = not_implemented(nr, NULL, NULL);
    else if (!fns[s].f0)
        r = not_implemented(nr, syscall_name(s), "linked into this image");
    else {
        syscall_narrow(s, a, in);
        r = syscall_call(s, in, frame);
    }
    if (r == -ENOSYS && s >= 0 && fns[s].f0 && nr != SYS_rt_sigreturn)
        r = not_implemented(nr, syscall_name(s),
                            "implemented for these arguments");
    if (r == -ENOSYS_EXPLAINED)
        r = -ENOSYS;
    signal_sigpipe(nr, in, r);
    return signal_deliver(nr, r, frame);
}
