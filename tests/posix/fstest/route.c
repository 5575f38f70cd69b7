/*
 * route.c: the other end of route.h. Every routed call becomes one
 * syscall_dispatch, the entry musl's syscall instruction reaches in an
 * image, so tests/apps/fstest exercises components/posix and components/fs
 * exactly as a guest does. What libc adds on top of a system call
 * (getcwd's string result, the directory streams over getdents64) is
 * done here the way musl does it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "hypercall.h"
#include "route.h"

#define DIRBUF 2048

/* The kernel's records as glibc reads them on x86_64: what
 * components/posix writes (with glibc's headers here) is what the
 * application gets, with no conversion. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
_Static_assert(sizeof(struct stat) == 144, "struct stat is not the kernel's");
_Static_assert(sizeof(struct statfs) == 120, "struct statfs differs");
_Static_assert(sizeof(struct statx) == 256, "struct statx differs");

/* A directory stream; DIR is opaque, so route_* cast to and from it. */
struct route_dir {
    int fd;
    size_t pos, len; /* the records in buf not yet returned */
    char buf[DIRBUF];
    struct dirent ent;
};

long route_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5)
{
    const long a[6] = {a0, a1, a2, a3, a4, a5};
    long r = syscall_dispatch(nr, a, NULL);
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

void route_sync(void)
{
    ROUTE_SYS(SYS_sync);
}

char *route_getcwd(char *buf, size_t size)
{
    long r = ROUTE_SYS(SYS_getcwd, buf, size);
    if (r < 0)
        return NULL;
    if (r == 0 || buf[0] != '/') {
        errno = ENOENT;
        return NULL;
    }
    return buf;
}

DIR *route_opendir(const char *path)
{
    struct route_dir *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->fd < 0) {
        free(d);
        return NULL;
    }
    return (DIR *)d;
}

/* The next record, reading more with getdents64 when buf is used up.
 * A record that does not fit what getdents64 returned is the posix
 * layer's bug: EIO, so fstest's checks fail instead of looping. */
struct dirent *route_readdir(DIR *dir)
{
    struct route_dir *d = (struct route_dir *)dir;
    const size_t head = offsetof(struct linux_dirent64, d_name);
    if (d->pos >= d->len) {
        long n = ROUTE_SYS(SYS_getdents64, d->fd, d->buf, sizeof d->buf);
        if (n <= 0)
            return NULL; /* the end (errno kept), or an error in errno */
        d->len = (size_t)n;
        d->pos = 0;
    }
    struct linux_dirent64 k;
    if (d->len - d->pos < sizeof k)
        goto bad;
    memcpy(&k, d->buf + d->pos, sizeof k);
    if (k.d_reclen <= head || k.d_reclen > d->len - d->pos)
        goto bad;
    size_t name = k.d_reclen - head;
    if (name > sizeof d->ent.d_name)
        name = sizeof d->ent.d_name;
    d->ent.d_ino = k.d_ino;
    d->ent.d_off = k.d_off;
    d->ent.d_reclen = k.d_reclen;
    d->ent.d_type = k.d_type;
    memcpy(d->ent.d_name, d->buf + d->pos + head, name);
    d->ent.d_name[name - 1] = '\0'; /* padding; the name ends before */
    d->pos += k.d_reclen;
    return &d->ent;
bad:
    errno = EIO;
    d->pos = d->len;
    return NULL;
}

void route_rewinddir(DIR *dir)
{
    struct route_dir *d = (struct route_dir *)dir;
    lseek(d->fd, 0, SEEK_SET);
    d->pos = d->len = 0;
}

int route_closedir(DIR *dir)
{
    struct route_dir *d = (struct route_dir *)dir;
    int r = close(d->fd);
    free(d);
    return r;
}
