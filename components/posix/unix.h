/*
 * unix.h: AF_UNIX sockets inside the image, shared by sys_unix.c (the
 * sockets, their names and connections) and unix_msg.c (moving data).
 * No file system is involved: names live in one in-memory table.
 */
#ifndef KILN_POSIX_UNIX_H
#define KILN_POSIX_UNIX_H

#include <stdint.h>
#include "memfile.h"

#define UNIX_MAX 64
#define UNIX_BUF 32768 /* each socket's receive ring */
#define UNIX_BACKLOG_MAX 16
#define UNIX_PATH 108 /* sizeof sun_path */

enum { UNIX_SHUT_RD = 1, UNIX_SHUT_WR = 2 };

/* A name as bound: the bytes of sun_path that count (a path's up to its
 * NUL, an abstract name's all, its first byte 0). len 0: unnamed. */
struct uaddr {
    unsigned len;
    char path[UNIX_PATH];
};

struct usock {
    int used, type, listening;
    int connected; /* stream/seqpacket: was connected (peer may be gone) */
    int shut;      /* UNIX_SHUT_* */
    int err;       /* pending error, reported once (ECONNRESET...) */
    int peer_died; /* dgram: the connected peer closed (ECONNREFUSED) */
    size_t want;   /* room the last record that did not fit needed */
    struct usock *peer;
    struct uaddr name;
    struct ring rx; /* streams: bytes; datagrams: records (unix_msg.c) */
    struct usock *backlog[UNIX_BACKLOG_MAX];
    unsigned nbacklog, maxbacklog;
};

/* sys_unix.c */
extern const struct file_ops unix_ops;
struct usock *unix_lookup(const struct uaddr *a, int type);
int unix_nonblock(const struct file *f, int flags);
long unix_addr_from_user(long uaddr, long len, struct uaddr *a);
long unix_addr_to_user(const struct uaddr *a, long uaddr, long ulen);

/* unix_msg.c: one transfer; iov as struct iovec, to/from may be NULL */
struct iovec;
long unix_send(struct file *f, const struct iovec *v, long cnt, int flags,
               const struct uaddr *to);
long unix_recv(struct file *f, const struct iovec *v, long cnt, int flags,
               struct uaddr *from, int *trunc);
unsigned unix_poll(struct file *f);
long unix_inq(struct usock *s); /* FIONREAD */

#endif
