/*
 * dev_console.c: the console as a file (descriptors 0, 1 and 2). Reads
 * block, polling every millisecond since the console raises no
 * interrupt. Every ioctl gets ENOTTY: it is a serial line, not a
 * terminal with a window size, so musl buffers stdout fully.
 */
#include <errno.h>
#include <sys/stat.h>
#include "file.h"
#include "posix.h"

#define READ_POLL_NS 1000000

static long console_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)f, (void)off;
    if (len == 0)
        return 0;
    for (;;) {
        size_t n = hc_console_read(buf, len);
        if (n)
            return (long)n;
        hc_thread_block(hc_clock_monotonic() + READ_POLL_NS);
    }
}

static long console_write(struct file *f, const void *buf, size_t len,
                          uint64_t off)
{
    (void)f, (void)off;
    hc_console_write(buf, len);
    return (long)len;
}

static int64_t console_size(struct file *f)
{
    (void)f;
    return -ESPIPE;
}

static int console_sync(struct file *f)
{
    (void)f;
    return 0;
}

static long console_ioctl(struct file *f, unsigned long req, long arg)
{
    (void)f, (void)req, (void)arg;
    return -ENOTTY;
}

const struct file_ops console_ops = {
    console_read,
    console_write,
    console_size,
    console_sync,
    console_ioctl,
    S_IFCHR | 0620,
    0,
};
