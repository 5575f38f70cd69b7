/*
 * hostblk.h: the part of hypercall.h that components/fs uses, played by
 * a host process: disk 0 is a file opened with hostblk_attach, pages come
 * from aligned_alloc, the console is stderr, one thread. Counts of device
 * requests let tests see read-ahead and write coalescing.
 */
#ifndef KILN_TEST_HOSTBLK_H
#define KILN_TEST_HOSTBLK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hypercall.h"

static int hostblk_fd = -1;
static int hostblk_ro;
static unsigned long hostblk_reads, hostblk_writes, hostblk_flushes;
static int hostblk_quiet;

static int hostblk_attach(const char *path, int ro)
{
    if (hostblk_fd >= 0)
        close(hostblk_fd);
    hostblk_fd = open(path, ro ? O_RDONLY : O_RDWR);
    hostblk_ro = ro;
    return hostblk_fd;
}

int hc_blk_info(unsigned idx, struct hc_blk_info *out)
{
    struct stat st;
    if (idx || hostblk_fd < 0 || fstat(hostblk_fd, &st))
        return -ENODEV;
    out->sectors = (uint64_t)st.st_size / 512;
    out->sector_size = 512;
    out->read_only = (uint8_t)hostblk_ro;
    return 0;
}

static int hostblk_range(unsigned idx, uint64_t sector, size_t n)
{
    struct hc_blk_info bi;
    if (hc_blk_info(idx, &bi) || sector + n > bi.sectors)
        return -EINVAL;
    return 0;
}

int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t n)
{
    hostblk_reads++;
    if (hostblk_range(idx, sector, n))
        return -EINVAL;
    ssize_t r = pread(hostblk_fd, buf, n * 512, (off_t)sector * 512);
    return r == (ssize_t)(n * 512) ? 0 : -EIO;
}

int hc_blk_write(unsigned idx, uint64_t sector, const void *buf, size_t n)
{
    hostblk_writes++;
    if (hostblk_range(idx, sector, n))
        return -EINVAL;
    if (hostblk_ro)
        return -EROFS;
    ssize_t r = pwrite(hostblk_fd, buf, n * 512, (off_t)sector * 512);
    return r == (ssize_t)(n * 512) ? 0 : -EIO;
}

int hc_blk_flush(unsigned idx)
{
    hostblk_flushes++;
    return idx ? -ENODEV : 0;
}

void *hc_pages_alloc(size_t n)
{
    void *p = aligned_alloc(HC_PAGE_SIZE, n * HC_PAGE_SIZE);
    if (p)
        memset(p, 0, n * HC_PAGE_SIZE);
    return p;
}

void hc_pages_free(void *p, size_t n)
{
    (void)n;
    free(p);
}

void hc_console_write(const char *buf, size_t len)
{
    if (!hostblk_quiet)
        fprintf(stderr, "# %.*s", (int)len, buf);
}

uint64_t hc_clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t hc_clock_wall_offset(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
           (int64_t)hc_clock_monotonic();
}

hc_tid hc_thread_self(void)
{
    return 1;
}
int hc_thread_block(uint64_t deadline)
{
    (void)deadline;
    fprintf(stderr, "# a single-threaded test blocked\n");
    abort();
}
int hc_thread_wake(hc_tid tid)
{
    (void)tid;
    return -ESRCH;
}

#endif
