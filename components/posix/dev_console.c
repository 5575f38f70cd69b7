/*
 * dev_console.c: the console as a file (descriptors 0, 1 and 2). Reads
 * block, polling every millisecond since the console raises no
 * interrupt. Every ioctl gets ENOTTY: it is a serial line, not a
 * terminal with a window size, so musl buffers stdout fully.
 */
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include "file.h"
#include "posix.h"

#define READ_POLL_NS 1000000

/* Output never blocks; input is ready only when bytes are waiting, and
 * hc_console_read cannot peek, so one byte is held back for the next
 * read. */
static char held;
static int holding;

static long console_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    (void)f, (void)off;
    if (len == 0)
        return 0;
    if (holding) {
        holding = 0;
        *(char *)buf = held;
        return 1 + (long)hc_console_read((char *)buf + 1, len - 1);
    }
    for (;;) {
        size_t n = hc_console_read(buf, len);
        if (n)
            return (long)n;
        if (signal_pending_here())
            return -ERESTARTSYS;
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

static unsigned console_poll(struct file *f)
{
    (void)f;
    if (!holding && hc_console_read(&held, 1) == 1)
        holding = 1;
    return POLLOUT | (holding ? POLLIN : 0);
}

const struct file_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .size = console_size,
    .sync = console_sync,
    .ioctl = console_ioctl,
    .mode = S_IFCHR | 0620,
    .poll = console_poll,
};
