/*
 * syscall.c: route Linux x86_64 system-call numbers to their handlers.
 * Numbers come from musl's <sys/syscall.h>, the same ones libc.a uses.
 * A call we do not implement returns -ENOSYS and is logged once, so a
 * missing feature shows up on the console instead of as a mystery.
 */
#include <errno.h>
#include <sys/syscall.h>
#include "kiln/log.h"
#include "posix.h"

#define LOGGED_MAX 512

static uint8_t logged[LOGGED_MAX / 8];

long syscall_unknown(long nr)
{
    if (nr >= 0 && nr < LOGGED_MAX && !(logged[nr / 8] & (1 << (nr % 8)))) {
        logged[nr / 8] |= (uint8_t)(1 << (nr % 8));
        kiln_log("kiln: system call %ld is not implemented (ENOSYS)", nr);
    }
    return -ENOSYS;
}

static long io_call(long nr, const long a[6])
{
    switch (nr) {
    case SYS_read: return sys_read(a[0], a[1], a[2]);
    case SYS_write: return sys_write(a[0], a[1], a[2]);
    case SYS_readv: return sys_readv(a[0], a[1], a[2]);
    case SYS_writev: return sys_writev(a[0], a[1], a[2]);
    case SYS_ioctl: return sys_ioctl(a[0], a[1], a[2]);
    case SYS_close: return sys_close(a[0]);
    case SYS_open: return sys_open(a[0], a[1], a[2]);
    case SYS_openat: return sys_openat(a[0], a[1], a[2], a[3]);
    case SYS_pread64: return sys_pread(a[0], a[1], a[2], a[3]);
    case SYS_pwrite64: return sys_pwrite(a[0], a[1], a[2], a[3]);
    case SYS_lseek: return sys_lseek(a[0], a[1], a[2]);
    case SYS_fsync:
    case SYS_fdatasync: return sys_fsync(a[0]);
    case SYS_fstat: return sys_fstat(a[0], a[1]);
    case SYS_dup: return sys_dup(a[0]);
    case SYS_dup2: return sys_dup2(a[0], a[1]);
    case SYS_dup3: return sys_dup3(a[0], a[1], a[2]);
    case SYS_fcntl: return sys_fcntl(a[0], a[1], a[2]);
    case SYS_brk: return sys_brk(a[0]);
    case SYS_mmap: return sys_mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_munmap: return sys_munmap(a[0], a[1]);
    case SYS_mprotect: return sys_mprotect(a[0], a[1], a[2]);
    case SYS_mremap: return sys_mremap(a[0], a[1], a[2], a[3]);
    case SYS_madvise: return sys_madvise(a[0], a[1], a[2]);
    default: return fs_syscall(nr, a);
    }
}

static long socket_call(long nr, const long a[6])
{
    switch (nr) {
    case SYS_socket: return sys_socket(a[0], a[1], a[2]);
    case SYS_socketpair: return sys_socketpair(a[0], a[1], a[2], a[3]);
    case SYS_bind: return sys_bind(a[0], a[1], a[2]);
    case SYS_listen: return sys_listen(a[0], a[1]);
    case SYS_accept: return sys_accept(a[0], a[1], a[2]);
    case SYS_accept4: return sys_accept4(a[0], a[1], a[2], a[3]);
    case SYS_connect: return sys_connect(a[0], a[1], a[2]);
    case SYS_shutdown: return sys_shutdown(a[0], a[1]);
    case SYS_getsockname: return sys_getsockname(a[0], a[1], a[2]);
    case SYS_getpeername: return sys_getpeername(a[0], a[1], a[2]);
    case SYS_setsockopt: return sys_setsockopt(a[0], a[1], a[2], a[3], a[4]);
    case SYS_getsockopt: return sys_getsockopt(a[0], a[1], a[2], a[3], a[4]);
    case SYS_sendto: return sys_sendto(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_recvfrom: return sys_recvfrom(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_sendmsg: return sys_sendmsg(a[0], a[1], a[2]);
    case SYS_recvmsg: return sys_recvmsg(a[0], a[1], a[2]);
    default: return io_call(nr, a);
    }
}

/* readv/writev on a socket are one transfer, not one per iovec. */
static long vector_call(long nr, const long a[6])
{
    struct file *f;
    if (sock_get(a[0], &f) < 0)
        return io_call(nr, a);
    return sock_rw_iov(a[0], a[1], a[2], nr == SYS_writev);
}

static long poll_call(long nr, const long a[6])
{
    switch (nr) {
    case SYS_poll: return sys_poll(a[0], a[1], a[2]);
    case SYS_ppoll: return sys_ppoll(a[0], a[1], a[2], a[3], a[4]);
    case SYS_select: return sys_select(a[0], a[1], a[2], a[3], a[4]);
    case SYS_pselect6: return sys_pselect6(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_epoll_create: return sys_epoll_create(a[0]);
    case SYS_epoll_create1: return sys_epoll_create1(a[0]);
    case SYS_epoll_ctl: return sys_epoll_ctl(a[0], a[1], a[2], a[3]);
    case SYS_epoll_wait: return sys_epoll_wait(a[0], a[1], a[2], a[3]);
    case SYS_epoll_pwait:
        return sys_epoll_pwait(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_readv:
    case SYS_writev: return vector_call(nr, a);
    default: return socket_call(nr, a);
    }
}

static long time_call(long nr, const long a[6])
{
    switch (nr) {
    case SYS_clock_gettime: return sys_clock_gettime(a[0], a[1]);
    case SYS_clock_getres: return sys_clock_getres(a[0], a[1]);
    case SYS_clock_nanosleep:
        return sys_clock_nanosleep(a[0], a[1], a[2], a[3]);
    case SYS_nanosleep: return sys_nanosleep(a[0], a[1]);
    default: return poll_call(nr, a);
    }
}

static long process_call(long nr, const long a[6],
                         const struct hc_syscall_frame *frame)
{
    switch (nr) {
    case SYS_clone: return sys_clone(a[0], a[1], a[2], a[3], a[4], frame);
    case SYS_futex: return sys_futex(a[0], a[1], a[2], a[3], a[4], a[5]);
    case SYS_set_tid_address: return sys_set_tid_address(a[0]);
    case SYS_exit: return sys_exit(a[0]);
    case SYS_exit_group: return sys_exit_group(a[0]);
    case SYS_arch_prctl: return sys_arch_prctl(a[0], a[1]);
    case SYS_tkill: return sys_tkill(a[0], a[1]);
    case SYS_tgkill: return sys_tkill(a[1], a[2]);
    case SYS_sched_yield: hc_thread_yield(); return 0;
    case SYS_gettid: return hc_thread_self();
    case SYS_getpid: return 1;
    case SYS_getppid: return 0;
    case SYS_getuid:
    case SYS_geteuid:
    case SYS_getgid:
    case SYS_getegid: return 0;
    default: return time_call(nr, a);
    }
}

long syscall_dispatch(long nr, const long a[6],
                      const struct hc_syscall_frame *frame)
{
    switch (nr) {
    case SYS_uname: return sys_uname(a[0]);
    case SYS_getrandom: return sys_getrandom(a[0], a[1], a[2]);
    case SYS_sysinfo: return sys_sysinfo(a[0]);
    case SYS_rt_sigprocmask: return sys_rt_sigprocmask(a[0], a[1], a[2], a[3]);
    case SYS_rt_sigaction: return sys_rt_sigaction(a[0], a[1], a[2], a[3]);
    default: return process_call(nr, a, frame);
    }
}
