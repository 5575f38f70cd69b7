/*
 * fdtable.c: descriptors and the open files behind them. As in POSIX, a
 * descriptor names an open file description (kind, position, flags), and
 * dup() makes a second name for the same one: they share the position
 * and O_NONBLOCK. Both tables are fixed (FILES_MAX), allocated on first
 * use; the lowest free descriptor is used. Descriptors 0, 1 and 2 start
 * as the console.
 */
#include <errno.h>
#include <fcntl.h>
#include "file.h"
#include "kiln/table.h"
#include "posix.h"

struct open_file {
    struct file file;
    unsigned refs; /* descriptors naming it; 0: slot free */
};

/* Both tables, allocated on first use (kiln/table.h): 14 KiB. */
struct fd_table {
    struct open_file files[FILES_MAX];
    struct open_file *fds[FILES_MAX];
    uint8_t cloexec[FILES_MAX];
};
static struct fd_table *table;
static struct open_file *open_files, **fds;
static uint8_t *cloexec;

/* Every entry point comes through here before it touches a table. */
static void tables_ready(void)
{
    if (table)
        return;
    kiln_table((void **)&table, sizeof *table, "no memory for descriptors");
    open_files = table->files;
    fds = table->fds;
    cloexec = table->cloexec;
    open_files[0] =
        (struct open_file){{.ops = &console_ops, .flags = O_RDWR}, 3};
    fds[0] = fds[1] = fds[2] = &open_files[0];
}

struct file *fd_file(long fd)
{
    tables_ready();
    if (fd < 0 || fd >= FILES_MAX || !fds[fd])
        return NULL;
    return &fds[fd]->file;
}

static long lowest_free_fd(long from)
{
    tables_ready();
    for (long fd = from; fd < FILES_MAX; fd++)
        if (!fds[fd])
            return fd;
    return -EMFILE;
}

long fd_install(const struct file_ops *ops, void *priv, int flags)
{
    long fd = lowest_free_fd(0);
    if (fd < 0)
        return fd;
    for (unsigned i = 0; i < FILES_MAX; i++) {
        if (open_files[i].refs)
            continue;
        open_files[i] = (struct open_file){
            {.ops = ops, .flags = flags & ~O_CLOEXEC, .priv = priv}, 1};
        fds[fd] = &open_files[i];
        cloexec[fd] = !!(flags & O_CLOEXEC);
        return fd;
    }
    return -ENFILE;
}

/* Weak: without epoll_create in the image no epoll set can hold f. */
#pragma weak epoll_forget

/* Drop one reference; the last one releases the kind's state. */
static int unref(struct open_file *o)
{
    if (--o->refs)
        return 0;
    if (epoll_forget)
        epoll_forget(&o->file);
    int r = o->file.ops->release ? o->file.ops->release(&o->file) : 0;
    o->file.ops = NULL;
    return r;
}

long sys_close(long fd)
{
    if (!fd_file(fd))
        return -EBADF;
    struct open_file *o = fds[fd];
    fds[fd] = NULL;
    return unref(o);
}

/* Make newfd name the same open file as oldfd (closing what it named). */
static long dup_onto(long oldfd, long newfd, int flags)
{
    if (newfd != oldfd && fds[newfd])
        unref(fds[newfd]);
    fds[oldfd]->refs++;
    fds[newfd] = fds[oldfd];
    cloexec[newfd] = !!(flags & O_CLOEXEC);
    return newfd;
}

long sys_dup(long fd)
{
    if (!fd_file(fd))
        return -EBADF;
    long n = lowest_free_fd(0);
    return n < 0 ? n : dup_onto(fd, n, 0);
}

long sys_dup3(long oldfd, long newfd, long flags)
{
    if (flags & ~O_CLOEXEC || oldfd == newfd)
        return -EINVAL;
    if (!fd_file(oldfd))
        return -EBADF;
    if (newfd < 0 || newfd >= FILES_MAX)
        return -EBADF;
    return dup_onto(oldfd, newfd, (int)flags);
}

long sys_dup2(long oldfd, long newfd)
{
    if (!fd_file(oldfd))
        return -EBADF;
    return oldfd == newfd ? newfd : sys_dup3(oldfd, newfd, 0);
}

/* Record locks: one process, so no lock ever conflicts and none needs
 * keeping. The request is checked as Linux checks it, and F_GETLK
 * answers F_UNLCK: nothing stands in the way. */
static long fcntl_lock(struct file *f, int cmd, struct flock *l)
{
    int mode = f->flags & O_ACCMODE;
    if (!l)
        return -EFAULT;
    int ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    if ((ofd && l->l_pid != 0) || l->l_whence < SEEK_SET ||
        l->l_whence > SEEK_END)
        return -EINVAL;
    if (l->l_type != F_RDLCK && l->l_type != F_WRLCK && l->l_type != F_UNLCK)
        return -EINVAL;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        l->l_type = F_UNLCK;
        return 0;
    }
    if ((l->l_type == F_RDLCK && mode == O_WRONLY) ||
        (l->l_type == F_WRLCK && mode == O_RDONLY))
        return -EBADF;
    return 0;
}

/* The status flags F_SETFL may change, as in Linux. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_ASYNC)

long sys_fcntl(long fd, long cmd, long arg)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_GETFD: return cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD: cloexec[fd] = !!(arg & FD_CLOEXEC); return 0;
    case F_GETFL: return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
        return 0;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg < 0 || arg >= FILES_MAX)
            return -EINVAL;
        long n = lowest_free_fd(arg);
        return n < 0 ? n : dup_onto(fd, n, cmd == F_DUPFD ? 0 : O_CLOEXEC);
    }
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW: return fcntl_lock(f, (int)cmd, (struct flock *)arg);
    default: return -EINVAL;
    }
}

/* A fork child (sys_vfork.c) gets a copy of the table: what it closes or
 * dups stays its own, and the parent gets its own table back. */
static struct parent_table {
    struct open_file *fds[FILES_MAX];
    uint8_t cloexec[FILES_MAX];
} * parent;

void fds_fork(void)
{
    tables_ready();
    kiln_table((void **)&parent, sizeof *parent, "no memory to fork");
    for (unsigned fd = 0; fd < FILES_MAX; fd++) {
        parent->fds[fd] = fds[fd];
        parent->cloexec[fd] = cloexec[fd];
        if (fds[fd])
            fds[fd]->refs++;
    }
}

void fds_unfork(void)
{
    tables_ready();
    for (long fd = 0; fd < FILES_MAX; fd++)
        if (fds[fd])
            sys_close(fd);
    for (unsigned fd = 0; fd < FILES_MAX; fd++) {
        fds[fd] = parent->fds[fd];
        cloexec[fd] = parent->cloexec[fd];
    }
}
