/*
 * blkbench: sequential throughput of the raw disk /dev/vda. Writes MiB
 * from offset 0 with 4 KiB and then 64 KiB transfers, each pass ending
 * with fsync, reads the same range back with 4 KiB and 64 KiB transfers,
 * checks the data, and prints one line per case (MB = 10^6 bytes):
 *     blkbench: write 4096 B: 12.3 MB/s
 * The same source builds for Linux; bench/blk runs it in a Linux guest.
 * There O_DIRECT keeps the page cache out of the figures, and one thread
 * doing pread/pwrite keeps one request in flight, as Kiln's synchronous
 * driver does; Kiln has no page cache and accepts the flag. The disk's
 * contents are overwritten.
 * Usage: blkbench [MiB]  (default 8). Exit status 0; 1 when the disk is
 * missing, too small or fails; 2 on a bad argument.
 */
#define _GNU_SOURCE 1 /* O_DIRECT; the same definition as -D_GNU_SOURCE */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define DISK "/dev/vda"
#define PAGE 4096
#define MAX_XFER (64 * 1024)

static const size_t xfers[] = {4096, MAX_XFER};
#define NXFERS (sizeof xfers / sizeof xfers[0])

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass over [0, bytes) in xfer-sized transfers; seconds, or -1. */
static double pass(int fd, int writing, char *buf, size_t xfer, off_t bytes)
{
    double start = now();
    for (off_t off = 0; off < bytes; off += xfer) {
        ssize_t n =
            writing ? pwrite(fd, buf, xfer, off) : pread(fd, buf, xfer, off);
        if (n != (ssize_t)xfer)
            return -1;
    }
    if (writing && fsync(fd) < 0)
        return -1;
    return now() - start;
}

static int run_case(int fd, int writing, char *buf, size_t xfer, off_t bytes)
{
    const char *what = writing ? "write" : "read";
    double secs = pass(fd, writing, buf, xfer, bytes);
    if (secs < 0) {
        printf("blkbench: %s %zu B: I/O error\n", what, xfer);
        return -1;
    }
    printf("blkbench: %s %zu B: %.1f MB/s\n", what, xfer, bytes / secs / 1e6);
    fflush(stdout);
    return 0;
}

/* Every pass wrote the same bytes, so the last read must return them. */
static int check_data(const char *got, const char *want)
{
    if (memcmp(got, want, MAX_XFER) == 0)
        return 0;
    printf("blkbench: data read back differs from data written\n");
    return -1;
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 8;
    if (mib <= 0) {
        fprintf(stderr, "usage: blkbench [MiB]\n");
        return 2;
    }
    off_t bytes = (off_t)mib << 20;
    unsigned long long size = 0;
    int fd = open(DISK, O_RDWR | O_DIRECT);
    if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) < 0) {
        perror("blkbench: " DISK);
        return 1;
    }
    if (size < (unsigned long long)bytes) {
        fprintf(stderr, "blkbench: %s has %llu bytes, fewer than %ld MiB\n",
                DISK, size, mib);
        return 1;
    }
    char *pattern = aligned_alloc(PAGE, MAX_XFER);
    char *buf = aligned_alloc(PAGE, MAX_XFER);
    if (!pattern || !buf)
        return 1;
    for (size_t i = 0; i < MAX_XFER; i++)
        pattern[i] = (char)(i * 7 + 1);
    printf("blkbench: %ld MiB on %s\n", mib, DISK);
    int err = 0;
    for (size_t i = 0; i < NXFERS && !err; i++)
        err = run_case(fd, 1, pattern, xfers[i], bytes);
    for (size_t i = 0; i < NXFERS && !err; i++)
        err = run_case(fd, 0, buf, xfers[i], bytes);
    err = err || check_data(buf, pattern);
    close(fd);
    fflush(stdout);
    return err ? 1 : 0;
}
