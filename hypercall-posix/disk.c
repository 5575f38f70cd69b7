/*
 * disk.c: disks of a host process: files (--disk FILE[,ro]) read and
 * written with pread/pwrite and flushed with fdatasync, or memory
 * (host_disk_add_memory) for fuzzers. 512-byte sectors; a file's size
 * is rounded down to whole sectors. I/O is synchronous and does not let
 * other threads run meanwhile (the contract allows either).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hostint.h"

#define SECTOR 512u

struct disk {
    int fd;        /* -1: memory */
    uint8_t *data; /* memory disks */
    uint64_t sectors;
    uint8_t read_only;
};

static struct disk disks[HOST_DISKS_MAX];
static unsigned ndisks;

int host_disk_add_memory(void *data, size_t len, int read_only)
{
    if (len % SECTOR || !data)
        return -EINVAL;
    if (ndisks == HOST_DISKS_MAX)
        return -ENOSPC;
    disks[ndisks] = (struct disk){.fd = -1,
                                  .data = data,
                                  .sectors = len / SECTOR,
                                  .read_only = (uint8_t) !!read_only};
    return (int)ndisks++;
}

int disk_add_file(const char *spec)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", spec);
    size_t l = strlen(path);
    int ro = l > 3 && strcmp(path + l - 3, ",ro") == 0;
    if (ro)
        path[l - 3] = '\0';
    if (ndisks == HOST_DISKS_MAX) {
        fprintf(stderr, "host: --disk %s: at most %d disks\n", spec,
                HOST_DISKS_MAX);
        return -1;
    }
    int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
    if (size < 0) {
        fprintf(stderr, "host: --disk %s: %s\n", spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    disks[ndisks++] = (struct disk){
        .fd = fd, .sectors = (uint64_t)size / SECTOR, .read_only = (uint8_t)ro};
    return 0;
}

int hc_blk_info(unsigned idx, struct hc_blk_info *out)
{
    if (idx >= ndisks)
        return -ENODEV;
    out->sectors = disks[idx].sectors;
    out->sector_size = SECTOR;
    out->read_only = disks[idx].read_only;
    return 0;
}

/* The disk if [sector, sector + n) lies on it, else NULL. */
static struct disk *disk_range(unsigned idx, uint64_t sector, size_t n)
{
    if (idx >= ndisks)
        return NULL;
    struct disk *d = &disks[idx];
    if (sector > d->sectors || n > d->sectors - sector)
        return NULL;
    return d;
}

/* pread or pwrite all of len bytes at off; 0 or -EIO. */
static int file_io(struct disk *d, int write, void *buf, size_t len,
                   uint64_t off)
{
    while (len > 0) {
        ssize_t n = write ? pwrite(d->fd, buf, len, (off_t)off)
                          : pread(d->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        buf = (uint8_t *)buf + n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t nsectors)
{
    struct disk *d = disk_range(idx, sector, nsectors);
    if (!d)
        return idx >= ndisks ? -ENODEV : -EINVAL;
    if (d->fd < 0) {
        memcpy(buf, d->data + sector * SECTOR, nsectors * SECTOR);
        return 0;
    }
    return file_io(d, 0, buf, nsectors * SECTOR, sector * SECTOR);
}

int hc_blk_write(unsigned idx, uint64_t sector, const void *buf,
                 size_t nsectors)
{
    struct disk *d = disk_range(idx, sector, nsectors);
    if (!d)
        return idx >= ndisks ? -ENODEV : -EINVAL;
    if (d->read_only)
        return -EROFS;
    if (d->fd < 0) {
        memcpy(d->data + sector * SECTOR, buf, nsectors * SECTOR);
        return 0;
    }
    return file_io(d, 1, (void *)buf, nsectors * SECTOR, sector * SECTOR);
}

int hc_blk_flush(unsigned idx)
{
    if (idx >= ndisks)
        return -ENODEV;
    if (disks[idx].fd < 0 || fdatasync(disks[idx].fd) == 0)
        return 0;
    return errno == EROFS || errno == EINVAL ? 0 : -EIO;
}
