/*
 * dev_block.c: disks as raw block devices, /dev/vda for disk 0, /dev/vdb
 * for disk 1, ..., as Linux names virtio disks. Transfers go straight to
 * the device, so offsets and lengths must be multiples of the sector
 * size (like Linux's O_DIRECT), otherwise EINVAL. Reads stop at the end
 * of the disk; writes past it get ENOSPC. BLKGETSIZE64 and BLKSSZGET
 * answer as on Linux; fsync flushes the device's write cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/stat.h>
#include "file.h"
#include "posix.h"

#define PREFIX "/dev/vd"

struct span {
    uint64_t first, count; /* sectors */
    uint32_t sector_size;
};

/* Which sectors a transfer covers, cut at the end of the disk. */
static int span_of(struct file *f, size_t len, uint64_t off, struct span *s)
{
    struct hc_blk_info bi;
    int r = hc_blk_info(f->dev, &bi);
    if (r < 0)
        return r;
    if (off % bi.sector_size || len % bi.sector_size)
        return -EINVAL;
    s->sector_size = bi.sector_size;
    s->first = off / bi.sector_size;
    s->count = 0;
    if (s->first < bi.sectors) {
        uint64_t want = len / bi.sector_size, left = bi.sectors - s->first;
        s->count = want < left ? want : left;
    }
    return 0;
}

static long block_read(struct file *f, void *buf, size_t len, uint64_t off)
{
    struct span s;
    int r = span_of(f, len, off, &s);
    if (r == 0 && s.count)
        r = hc_blk_read(f->dev, s.first, buf, s.count);
    return r < 0 ? r : (long)(s.count * s.sector_size);
}

static long block_write(struct file *f, const void *buf, size_t len,
                        uint64_t off)
{
    struct span s;
    int r = span_of(f, len, off, &s);
    if (r == 0 && len && !s.count)
        return -ENOSPC;
    if (r == 0 && s.count)
        r = hc_blk_write(f->dev, s.first, buf, s.count);
    return r < 0 ? r : (long)(s.count * s.sector_size);
}

static int64_t block_size(struct file *f)
{
    struct hc_blk_info bi;
    int r = hc_blk_info(f->dev, &bi);
    return r < 0 ? r : (int64_t)(bi.sectors * bi.sector_size);
}

static int block_sync(struct file *f)
{
    return hc_blk_flush(f->dev);
}

static long block_ioctl(struct file *f, unsigned long req, long arg)
{
    struct hc_blk_info bi;
    int r = hc_blk_info(f->dev, &bi);
    if (r < 0)
        return r;
    if (req == BLKGETSIZE64) {
        *(uint64_t *)arg = bi.sectors * bi.sector_size;
        return 0;
    }
    if (req == BLKSSZGET) {
        *(int *)arg = (int)bi.sector_size;
        return 0;
    }
    if (req == BLKROGET) {
        *(int *)arg = bi.read_only;
        return 0;
    }
    return -ENOTTY;
}

static const struct file_ops block_ops = {
    .read = block_read,
    .write = block_write,
    .size = block_size,
    .sync = block_sync,
    .ioctl = block_ioctl,
    .mode = S_IFBLK | 0660,
    .seekable = 1,
};

/* /dev/vdX -> disk X - 'a'. Returns 0, -ENOENT or -EROFS. */
int block_open(const char *path, int flags, struct file *f)
{
    size_t n = strlen(PREFIX);
    if (strncmp(path, PREFIX, n) || path[n] < 'a' || path[n] > 'z' ||
        path[n + 1])
        return -ENOENT;
    struct hc_blk_info bi;
    unsigned dev = (unsigned)(path[n] - 'a');
    if (hc_blk_info(dev, &bi) < 0)
        return -ENOENT;
    if ((flags & O_ACCMODE) != O_RDONLY && bi.read_only)
        return -EROFS;
    *f = (struct file){.ops = &block_ops, .dev = dev, .flags = flags};
    return 0;
}
