/*
 * route.h: included first into tests/apps/fdtest's sources when they
 * are built as a host program (mk/host.mk's " * app:" line). After the
 * real libc headers, each descriptor call fdtest makes becomes one
 * system call through components/posix's syscall_dispatch (route.c),
 * as musl's syscall instruction does in an image, and its threads
 * become cooperative threads (hc_thread_create), as pthreads are in an
 * image. Function-like macros with every argument as a long, as a
 * system call sees them; calls with optional arguments are padded.
 *
 * Limits: only the calls tests/apps/fdtest makes; stdio still goes to
 * the process's own libc. signal() takes SIG_IGN or SIG_DFL (a handler
 * could not run here), so a SIGPIPE set to be ignored is ignored by
 * components/posix as in an image, not left pending.
 */
#ifndef FDTEST_ROUTE_H
#define FDTEST_ROUTE_H

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

/* One system call through components/posix: its result, or -1 with
 * errno set from a negative one. */
long route_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5);
#define ROUTE_SYS_(nr, a, b, c, d, e, f, ...)                                  \
    route_syscall((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d),      \
                  (long)(e), (long)(f))
#define ROUTE_SYS(...) ROUTE_SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

/* signal(SIG, SIG_IGN or SIG_DFL) through rt_sigaction. */
void (*route_signal(int sig, void (*handler)(int)))(int);
#define signal(s, h) route_signal(s, h)

#define syscall(...) ROUTE_SYS(__VA_ARGS__)
#define open(...) ROUTE_SYS(SYS_open, __VA_ARGS__)
#define fcntl(...) ROUTE_SYS(SYS_fcntl, __VA_ARGS__)
#define close(fd) ROUTE_SYS(SYS_close, fd)
#define read(fd, b, n) ROUTE_SYS(SYS_read, fd, b, n)
#define write(fd, b, n) ROUTE_SYS(SYS_write, fd, b, n)
#define lseek(fd, o, w) ROUTE_SYS(SYS_lseek, fd, o, w)
#define ioctl(...) ROUTE_SYS(SYS_ioctl, __VA_ARGS__)
#define fstat(fd, s) ROUTE_SYS(SYS_fstat, fd, s)
#define stat(p, s) ROUTE_SYS(SYS_newfstatat, AT_FDCWD, p, s, 0)
#define unlink(p) ROUTE_SYS(SYS_unlink, p)
#define access(p, m) ROUTE_SYS(SYS_access, p, m)
#define uname(u) ROUTE_SYS(SYS_uname, u)
#define dup(fd) ROUTE_SYS(SYS_dup, fd)
#define dup2(a, b) ROUTE_SYS(SYS_dup2, a, b)
#define dup3(a, b, f) ROUTE_SYS(SYS_dup3, a, b, f)
#define pipe(p) ROUTE_SYS(SYS_pipe, p)
#define pipe2(p, f) ROUTE_SYS(SYS_pipe2, p, f)
#define eventfd(v, f) ROUTE_SYS(SYS_eventfd2, v, f)
#define poll(p, n, t) ROUTE_SYS(SYS_poll, p, n, t)
#define select(n, r, w, x, t) ROUTE_SYS(SYS_select, n, r, w, x, t)
#define epoll_create1(f) ROUTE_SYS(SYS_epoll_create1, f)
#define epoll_ctl(e, o, fd, ev) ROUTE_SYS(SYS_epoll_ctl, e, o, fd, ev)
#define epoll_wait(e, ev, n, t) ROUTE_SYS(SYS_epoll_wait, e, ev, n, t)
#define socket(d, t, p) ROUTE_SYS(SYS_socket, d, t, p)
#define socketpair(d, t, p, s) ROUTE_SYS(SYS_socketpair, d, t, p, s)
#define bind(fd, a, n) ROUTE_SYS(SYS_bind, fd, a, n)
#define listen(fd, n) ROUTE_SYS(SYS_listen, fd, n)
#define accept(fd, a, n) ROUTE_SYS(SYS_accept, fd, a, n)
#define accept4(fd, a, n, f) ROUTE_SYS(SYS_accept4, fd, a, n, f)
#define connect(fd, a, n) ROUTE_SYS(SYS_connect, fd, a, n)
#define shutdown(fd, h) ROUTE_SYS(SYS_shutdown, fd, h)
#define getsockname(fd, a, n) ROUTE_SYS(SYS_getsockname, fd, a, n)
#define getpeername(fd, a, n) ROUTE_SYS(SYS_getpeername, fd, a, n)
#define getsockopt(fd, l, o, v, n) ROUTE_SYS(SYS_getsockopt, fd, l, o, v, n)
#define setsockopt(fd, l, o, v, n) ROUTE_SYS(SYS_setsockopt, fd, l, o, v, n)
#define send(fd, b, n, f) ROUTE_SYS(SYS_sendto, fd, b, n, f, 0, 0)
#define recv(fd, b, n, f) ROUTE_SYS(SYS_recvfrom, fd, b, n, f, 0, 0)
#define sendto(fd, b, n, f, a, l) ROUTE_SYS(SYS_sendto, fd, b, n, f, a, l)
#define recvfrom(fd, b, n, f, a, l) ROUTE_SYS(SYS_recvfrom, fd, b, n, f, a, l)
#define writev(fd, v, n) ROUTE_SYS(SYS_writev, fd, v, n)
#define sendmsg(fd, m, f) ROUTE_SYS(SYS_sendmsg, fd, m, f)
#define recvmsg(fd, m, f) ROUTE_SYS(SYS_recvmsg, fd, m, f)
#define sched_yield() ROUTE_SYS(SYS_sched_yield)
#define pthread_create(t, attr, fn, arg) route_thread_create(t, fn, arg)
#define pthread_join(t, ret) route_thread_join(t)

/* pthreads as cooperative threads (route.c). */
int route_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);
int route_thread_join(pthread_t t);

#endif
