/*
 * memfile.h: the map of the file kinds that live only in memory (pipes,
 * eventfds, AF_UNIX sockets, /dev/null and friends) and the two helpers
 * they share: a byte ring and one list of waiting threads. Their system
 * calls are declared in posix.h beside the others.
 */
#ifndef KILN_POSIX_MEMFILE_H
#define KILN_POSIX_MEMFILE_H

#include <stddef.h>
#include <stdint.h>
#include "file.h"
#include "hypercall.h"

/* ring.c: a byte ring over whole pages */
struct ring {
    char *buf;
    size_t cap, head, len;
};
int ring_init(struct ring *r, size_t bytes); /* 0, or -1: no memory */
void ring_free(struct ring *r);
size_t ring_room(const struct ring *r);
void ring_put(struct ring *r, const void *src, size_t n);
void ring_peek(const struct ring *r, void *dst, size_t n, size_t off);
void ring_drop(struct ring *r, size_t n);
void ring_get(struct ring *r, void *dst, size_t n);

/* fdwait.c: one list of threads waiting on any of these kinds */
void fdwait_enrol(void); /* poll_sleep: be woken by fdwait_notify too */
void fdwait_leave(void);
int fdwait_block(uint64_t deadline); /* 0, or -ETIMEDOUT */
void fdwait_notify(void);            /* something changed: wake them all */

/* dev_special.c: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom */
int special_open(const char *path, int flags, struct file *f); /* or -ENOENT */
struct stat;
int special_stat(const char *path, struct stat *st); /* or -ENOENT */

/* sys_unix.c, unix_msg.c: AF_UNIX sockets. sys_socket.c and
 * sys_sockmsg.c route a call here when unix_is(fd); each takes the
 * arguments of the sys_ call it stands in for. */
int unix_is(long fd); /* fd is an AF_UNIX socket */
long unix_socket(long type, long proto);
long unix_socketpair(long type, long proto, long sv);
long unix_bind(long fd, long addr, long len);
long unix_listen(long fd, long backlog);
long unix_accept4(long fd, long addr, long len, long flags);
long unix_connect(long fd, long addr, long len);
long unix_shutdown(long fd, long how);
long unix_getsockname(long fd, long addr, long len);
long unix_getpeername(long fd, long addr, long len);
long unix_setsockopt(long fd, long level, long name, long val, long len);
long unix_getsockopt(long fd, long level, long name, long val, long lenp);
long unix_sendto(long fd, long buf, long len, long flags, long addr, long alen);
long unix_recvfrom(long fd, long buf, long len, long flags, long addr,
                   long alen);
long unix_sendmsg(long fd, long msg, long flags);
long unix_recvmsg(long fd, long msg, long flags);
long unix_rw_iov(long fd, long iov, long cnt, int write);

/* Weak: the two files come only with a program whose code can make an
 * AF_UNIX socket (syscall.c's SYSCALL_ARG_NEEDS); in any other image
 * these are null and no descriptor is one. */
#pragma weak unix_is
#pragma weak unix_socket
#pragma weak unix_socketpair
#pragma weak unix_bind
#pragma weak unix_listen
#pragma weak unix_accept4
#pragma weak unix_connect
#pragma weak unix_shutdown
#pragma weak unix_getsockname
#pragma weak unix_getpeername
#pragma weak unix_setsockopt
#pragma weak unix_getsockopt
#pragma weak unix_sendto
#pragma weak unix_recvfrom
#pragma weak unix_sendmsg
#pragma weak unix_recvmsg
#pragma weak unix_rw_iov

static inline int unix_fd(long fd)
{
    return unix_is && unix_is(fd);
}

#endif
