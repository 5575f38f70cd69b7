/*
 * dev_special.c: Linux's memory character devices, /dev/null,
 * /dev/zero, /dev/full, /dev/random and /dev/urandom, with their Linux
 * device numbers. The two random ones read hc_entropy (the hardware
 * generator is ready from boot, so /dev/random never waits); writing
 * to them is accepted and ignored, as mixing in is on Linux for users
 * without privilege. They open by name before the VFS is asked, and
 * stat answers for them whether or not the boot archive has /dev.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "memfile.h"
#include "posix.h"

enum { NUL, ZERO, FULL, RANDOM, URANDOM };

struct special {
    const char *path;
    unsigned minor; /* major is 1, "mem" */
};

static const struct special specials[] = {
    [NUL] = {"/dev/null", 3},        [ZERO] = {"/dev/zero", 5},
    [FULL] = {"/dev/full", 7},       [RANDOM] = {"/dev/random", 8},
    [URANDOM] = {"/dev/urandom", 9},
};

#define SPECIALS (sizeof specials / sizeof specials[0])

static long special_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)off;
    if (f->dev == NUL)
        return 0;
    if (f->dev == ZERO || f->dev == FULL) {
        memset(buf, 0, len);
        return (long)len;
    }
    return hc_entropy(buf, len) < 0 ? -EIO : (long)len;
}

static long special_write(struct file *f, const void *buf, size_t len,
                          uint64_t off)
{
    (void)buf, (void)off;
    return f->dev == FULL ? -ENOSPC : (long)len;
}

static int64_t special_size(struct file *f)
{
    (void)f;
    return 0; /* lseek works and always gives 0, as on Linux */
}

static int special_sync(struct file *f)
{
    (void)f;
    return -EINVAL;
}

static long special_ioctl(struct file *f, unsigned long req, long arg)
{
    (void)f, (void)req, (void)arg;
    return -ENOTTY;
}

static void special_fill(unsigned which, struct stat *st)
{
    *st = (struct stat){.st_mode = S_IFCHR | 0666,
                        .st_nlink = 1,
                        .st_rdev = makedev(1, specials[which].minor),
                        .st_ino = specials[which].minor,
                        .st_blksize = HC_PAGE_SIZE};
}

static int special_fstat(struct file *f, struct stat *st)
{
    special_fill(f->dev, st);
    return 0;
}

static const struct file_ops special_ops = {
    .read = special_read,
    .write = special_write,
    .size = special_size,
    .sync = special_sync,
    .ioctl = special_ioctl,
    .mode = S_IFCHR | 0666,
    .seekable = 1,
    .stat = special_fstat,
};

static int special_find(const char *path)
{
    for (unsigned i = 0; path && i < SPECIALS; i++)
        if (!strcmp(path, specials[i].path))
            return (int)i;
    return -ENOENT;
}

int special_open(const char *path, int flags, struct file *f)
{
    int which = special_find(path);
    if (which < 0)
        return which;
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    *f = (struct file){
        .ops = &special_ops, .dev = (unsigned)which, .flags = flags};
    return 0;
}

int special_stat(const char *path, struct stat *st)
{
    int which = special_find(path);
    if (which < 0)
        return which;
    special_fill((unsigned)which, st);
    return 0;
}
