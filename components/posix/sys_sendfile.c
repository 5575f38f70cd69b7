/*
 * sys_sendfile.c: sendfile, as nginx and other servers use it to send a
 * file to a socket: the file is read with pread at its own position (or
 * at *offset, which then moves instead of the file's), through a few
 * pages taken for the call, and written to out_fd with write, so any
 * descriptor write takes works as the destination. A short write ends
 * the call with what was written; only what was written counts as read.
 * Limits: a copy, not zero-copy.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "posix.h"

#define CHUNK_PAGES 4
#define CHUNK (CHUNK_PAGES * HC_PAGE_SIZE)

/* Copy up to count bytes from in at pos to out; bytes written or -errno. */
static long copy_out(long out, long in, uint64_t pos, size_t count, char *buf)
{
    size_t done = 0;
    while (done < count) {
        size_t want = count - done < CHUNK ? count - done : CHUNK;
        long n = sys_pread(in, (long)buf, (long)want, (long)(pos + done));
        if (n <= 0) /* in must be a file: a pipe's ESPIPE is EINVAL */
            return done ? (long)done : n == -ESPIPE ? -EINVAL : n;
        long w = sys_write(out, (long)buf, n);
        if (w < 0)
            return done ? (long)done : w;
        done += (size_t)w;
        if (w < n)
            break;
    }
    return (long)done;
}

long sys_sendfile(long out, long in, long offset, long count)
{
    if (count < 0)
        return -EINVAL;
    long pos = offset ? *(const long *)offset : sys_lseek(in, 0, SEEK_CUR);
    if (pos < 0)
        return pos == -ESPIPE ? -EINVAL : pos; /* in must be a file */
    char *buf = hc_pages_alloc(CHUNK_PAGES);
    if (!buf)
        return -ENOMEM;
    long r = copy_out(out, in, (uint64_t)pos, (size_t)count, buf);
    hc_pages_free(buf, CHUNK_PAGES);
    if (r > 0 && offset)
        *(long *)offset = pos + r;
    else if (r > 0)
        sys_lseek(in, pos + r, SEEK_SET);
    return r;
}
