/*
 * fdtable.c: descriptors and the open files behind them. As in POSIX, a
 * descriptor names an open file description (kind, position, flags), and
 * dup() makes a second name for the same one: they share the position
 * and O_NONBLOCK. Up to FILES_MAX of each, in chunks of FD_CHUNK made as
 * the program opens more (the first on first use) and given back when
 * the last chunk empties, so a program pays for the descriptors it
 * holds, not for FILES_MAX. The lowest free descriptor is used. Descriptors 0,
 * 1 and 2 start as the console.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include "file.h"
#include "kiln/table.h"
#include "posix.h"

struct open_file {
    struct file file;
    unsigned refs; /* descriptors naming it and calls holding it; 0: free */
};
_Static_assert(offsetof(struct open_file, file) == 0, "file_hold's cast");

/* FD_CHUNK descriptors and as many open files: 14 KiB. Open files never
 * move, since struct file pointers are held (epoll, sockets). */
#define FD_CHUNK 256
#define CHUNKS (FILES_MAX / FD_CHUNK)
struct fd_chunk {
    struct open_file files[FD_CHUNK];
    struct open_file *fds[FD_CHUNK];
    uint8_t cloexec[FD_CHUNK];
};
/* CHUNKS pointers, from the first chunk_add: not a page of bss. */
static struct fd_chunk **chunks;
static unsigned nchunks;
/* No descriptor below fd_hint and no open file below file_hint is free:
 * where the searches start, so opening is not a scan of everything. */
static unsigned fd_hint, file_hint;

static struct open_file **fd_slot(long fd)
{
    return &chunks[fd / FD_CHUNK]->fds[fd % FD_CHUNK];
}

static uint8_t *cloexec_at(long fd)
{
    return &chunks[fd / FD_CHUNK]->cloexec[fd % FD_CHUNK];
}

static struct open_file *file_at(unsigned i)
{
    return &chunks[i / FD_CHUNK]->files[i % FD_CHUNK];
}

/* One more chunk; -1 at FILES_MAX or without memory. */
static int chunk_add(void)
{
    if (nchunks == CHUNKS)
        return -1;
    kiln_table((void **)&chunks, CHUNKS * sizeof *chunks,
               "no memory for descriptors");
    chunks[nchunks] = hc_pages_alloc(
        (sizeof(struct fd_chunk) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE);
    if (!chunks[nchunks])
        return -1;
    nchunks++;
    return 0;
}

/* Whether chunk c names no open file and holds none. */
static int chunk_empty(unsigned c)
{
    for (unsigned i = 0; i < FD_CHUNK; i++)
        if (chunks[c]->fds[i] || chunks[c]->files[i].refs)
            return 0;
    return 1;
}

/* The empty chunks at the end go back (the first stays). A fork's
 * saved table keeps its files referenced, so their chunks stay. */
static void chunks_trim(void)
{
    while (nchunks > 1 && chunk_empty(nchunks - 1)) {
        nchunks--;
        hc_pages_free(chunks[nchunks],
                      (sizeof(struct fd_chunk) + HC_PAGE_SIZE - 1) /
                          HC_PAGE_SIZE);
        chunks[nchunks] = NULL;
    }
}

/* Every entry point comes through here before it touches a table. */
static void tables_ready(void)
{
    if (nchunks)
        return;
    if (chunk_add() < 0)
        hc_abort("no memory for descriptors");
    struct open_file *o = file_at(0);
    *o = (struct open_file){{.ops = &console_ops, .flags = O_RDWR}, 3};
    *fd_slot(0) = *fd_slot(1) = *fd_slot(2) = o;
}

struct file *fd_file(long fd)
{
    tables_ready();
    if (fd < 0 || fd >= (long)nchunks * FD_CHUNK || !*fd_slot(fd))
        return NULL;
    return &(*fd_slot(fd))->file;
}

/* The lowest free descriptor from 'from', making a chunk if need be. */
static long lowest_free_fd(long from)
{
    tables_ready();
    long fd = from > (long)fd_hint ? from : (long)fd_hint;
    for (;; fd++) {
        while (fd >= (long)nchunks * FD_CHUNK)
            if (chunk_add() < 0)
                return -EMFILE;
        if (!*fd_slot(fd))
            break;
    }
    if (from <= (long)fd_hint)
        fd_hint = (unsigned)fd;
    return fd;
}

static struct open_file *file_free_slot(void)
{
    for (unsigned i = file_hint;; i++) {
        if (i == nchunks * FD_CHUNK && chunk_add() < 0)
            return NULL;
        if (!file_at(i)->refs) {
            file_hint = i;
            return file_at(i);
        }
    }
}

long fd_install(const struct file_ops *ops, void *priv, int flags)
{
    long fd = lowest_free_fd(0);
    if (fd < 0)
        return fd;
    struct open_file *o = file_free_slot();
    if (!o)
        return -ENFILE;
    *o = (struct open_file){
        {.ops = ops, .flags = flags & ~O_CLOEXEC, .priv = priv}, 1};
    *fd_slot(fd) = o;
    *cloexec_at(fd) = !!(flags & O_CLOEXEC);
    return fd;
}

/* Weak: without epoll_create in the image no epoll set can hold f. */
#pragma weak epoll_forget

/* Drop one reference; the last one releases the kind's state. */
static int unref(struct open_file *o)
{
    if (--o->refs)
        return 0;
    for (unsigned c = 0; c < nchunks; c++) /* o's index lowers the hint */
        if (o >= chunks[c]->files && o < chunks[c]->files + FD_CHUNK) {
            unsigned i = c * FD_CHUNK + (unsigned)(o - chunks[c]->files);
            file_hint = i < file_hint ? i : file_hint;
        }
    if (epoll_forget)
        epoll_forget(&o->file);
    int r = o->file.ops->release ? o->file.ops->release(&o->file) : 0;
    o->file.ops = NULL;
    return r;
}

void file_hold(struct file *f)
{
    ((struct open_file *)f)->refs++;
}

/* The last reference released: its chunk may go back, as after close. */
void file_unhold(struct file *f)
{
    struct open_file *o = (struct open_file *)f;
    if (o->refs > 1) {
        o->refs--;
        return;
    }
    unref(o);
    if (nchunks > 1)
        chunks_trim();
}

long sys_close(long fd)
{
    if (!fd_file(fd))
        return -EBADF;
    struct open_file *o = *fd_slot(fd);
    *fd_slot(fd) = NULL;
    if (fd < (long)fd_hint)
        fd_hint = (unsigned)fd;
    int r = unref(o);
    if (nchunks > 1)
        chunks_trim();
    return r;
}

/* Make newfd name the same open file as oldfd (closing what it named). */
static long dup_onto(long oldfd, long newfd, int flags)
{
    if (newfd != oldfd && *fd_slot(newfd))
        unref(*fd_slot(newfd));
    (*fd_slot(oldfd))->refs++;
    *fd_slot(newfd) = *fd_slot(oldfd);
    *cloexec_at(newfd) = !!(flags & O_CLOEXEC);
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
    while (newfd >= (long)nchunks * FD_CHUNK)
        if (chunk_add() < 0)
            return -ENOMEM;
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
    case F_GETFD: return *cloexec_at(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: *cloexec_at(fd) = !!(arg & FD_CLOEXEC); return 0;
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
 * dups stays its own, and the parent gets its own table back. The copy
 * is kept per chunk, each made at the first fork that needs it. */
struct parent_chunk {
    struct open_file *fds[FD_CHUNK];
    uint8_t cloexec[FD_CHUNK];
};
static struct parent_chunk **parent; /* CHUNKS, at the first fork */
static unsigned parent_n;

void fds_fork(void)
{
    tables_ready();
    kiln_table((void **)&parent, CHUNKS * sizeof *parent, "no memory to fork");
    for (unsigned c = 0; c < nchunks; c++) {
        struct parent_chunk *pc =
            kiln_table((void **)&parent[c], sizeof *pc, "no memory to fork");
        for (unsigned i = 0; i < FD_CHUNK; i++) {
            pc->fds[i] = chunks[c]->fds[i];
            pc->cloexec[i] = chunks[c]->cloexec[i];
            if (pc->fds[i])
                pc->fds[i]->refs++;
        }
    }
    parent_n = nchunks;
}

void fds_unfork(void)
{
    tables_ready();
    for (long fd = 0; fd < (long)nchunks * FD_CHUNK; fd++)
        if (*fd_slot(fd))
            sys_close(fd);
    while (nchunks < parent_n) /* the closes gave back empty chunks */
        if (chunk_add() < 0)
            hc_abort("no memory to give a fork's parent its descriptors");
    for (unsigned c = 0; c < parent_n; c++)
        for (unsigned i = 0; i < FD_CHUNK; i++) {
            chunks[c]->fds[i] = parent[c]->fds[i];
            chunks[c]->cloexec[i] = parent[c]->cloexec[i];
        }
    fd_hint = 0;
}
