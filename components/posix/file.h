/*
 * file.h: open files behind file descriptors. A file is a kind (its
 * operations) plus a position; sys_io.c does the descriptor bookkeeping
 * and the system calls, dev_*.c implement the kinds. components/fs will
 * add regular files as one more kind.
 */
#ifndef KILN_POSIX_FILE_H
#define KILN_POSIX_FILE_H

#include <stdint.h>
#include <sys/types.h>

struct stat;

#define FILES_MAX 16384 /* fdtable.c makes room as they are opened */

struct file;
struct file_ops {
    /* Transfer at byte offset off; return bytes done or -errno. */
    long (*read)(struct file *f, void *buf, size_t len, uint64_t off);
    long (*write)(struct file *f, const void *buf, size_t len, uint64_t off);
    int64_t (*size)(struct file *f); /* -errno if it has none */
    int (*sync)(struct file *f);
    long (*ioctl)(struct file *f, unsigned long req, long arg);
    mode_t mode; /* S_IF* type and permission bits for fstat */
    int seekable;
    /* Readiness for poll/epoll (POLLIN, POLLOUT, ...); NULL: always
     * ready to read and write, like a regular file. */
    unsigned (*poll)(struct file *f);
    /* The last descriptor for f closed: let go of priv. NULL: nothing. */
    int (*release)(struct file *f);
    /* fstat for kinds whose mode varies per file; NULL: from mode. */
    int (*stat)(struct file *f, struct stat *st);
};

struct file {
    const struct file_ops *ops; /* NULL: descriptor not open */
    unsigned dev;               /* which device, for device files */
    uint64_t pos;
    int flags;  /* O_ACCMODE, O_APPEND and O_NONBLOCK as opened */
    void *priv; /* the kind's own state (a socket, an open inode) */
};

/* sys_io.c: the descriptor table, for the kinds that make descriptors */
/* A new descriptor (the lowest free) for a file of this kind, or -EMFILE. */
long fd_install(const struct file_ops *ops, void *priv, int flags);
/* The open file behind fd, or NULL (EBADF). */
struct file *fd_file(long fd);
/* A call that may sleep on f holds it, as Linux's fget does: if another
 * thread closes the descriptor meanwhile, f and what it names stay open
 * until file_unhold, not released under the sleeper. */
void file_hold(struct file *f);
void file_unhold(struct file *f);

/* dev_console.c */
extern const struct file_ops console_ops;

/* dev_block.c: /dev/vda, /dev/vdb, ... as raw disks */
int block_open(const char *path, int flags, struct file *f);

#endif
