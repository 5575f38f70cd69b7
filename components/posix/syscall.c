/*
 * syscall.c: the one place that calls the system calls Kiln implements
 * (one table, syscall_list.h). Numbers come from musl's
 * <sys/syscall.h>, the same ones libc.a uses. A call not in the table
 * returns -ENOSYS and is logged once, so a missing feature shows up on
 * the console instead of as a mystery; adding a call is one line in
 * syscall_list.h (its handler declared in posix.h).
 *
 * kiln-bake links only the handlers of the calls the program's code
 * (and its libc) can make (linker/syscalls.py), in a handlers' table
 * of its own (syscall_fns) that names no other: whatever a handler
 * reaches (the TCP/IP stack, ext2) comes with it, and nothing else
 * does, not even another handler of the same file.
 *
 * Limits: numbers past the highest in the table (about 440) are simply
 * not implemented.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include "kiln/log.h"
#include "posix.h"
#include "syscall_list.h"

#define LOGGED_MAX 512

#define STR_(x) #x
#define STR(x) STR_(x)

/* The map kiln-bake reads from a first link, "number handler [needs]"
 * a line in the table's order (it writes syscall_fns from it), in a
 * section that takes no memory in the image. */
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
 * Likewise UDP's sockets (components/net/udp_sock.c) with SOCK_DGRAM,
 * and TCP (components/net/tcp_*.c) with SOCK_STREAM, and fork's copy
 * of the program (sys_vfork.c) with a clone that is not a thread's. */
// clang-format off
#define SYSCALL_ARG_NEEDS(X)                                          \
    X(SYS_socket, 1, 0xffff, AF_UNIX, unix_socket)                    \
    X(SYS_socket, 2, 0xf, SOCK_DGRAM, udp_sock_create)                \
    X(SYS_socket, 2, 0xf, SOCK_STREAM, tcp_sock_create, tcp_input,    \
      tcp_icmp_error, tcp_timer)                                      \
    X(SYS_socketpair, 1, 0xffff, AF_UNIX, unix_socketpair)            \
    X(SYS_clone, 1, CLONE_THREAD, 0, vfork_start)
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
    const union syscall_fn *fn = &syscall_fns[s];
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
    else if (!syscall_fns[s].f0)
        r = not_implemented(nr, syscall_name(s), "linked into this image");
    else {
        syscall_narrow(s, a, in);
        r = syscall_call(s, in, frame);
    }
    if (r == -ENOSYS && s >= 0 && syscall_fns[s].f0 && nr != SYS_rt_sigreturn)
        r = not_implemented(nr, syscall_name(s),
                            "implemented for these arguments");
    if (r == -ENOSYS_EXPLAINED)
        r = -ENOSYS;
    signal_sigpipe(nr, in, r);
    return signal_deliver(nr, r, frame);
}
