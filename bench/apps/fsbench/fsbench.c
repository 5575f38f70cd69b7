/*
 * fsbench: file system throughput for bench/fs, in plain POSIX so the
 * same source runs in Kiln and, built with musl-gcc, in a Linux guest.
 *
 *   fsbench [--mount DEV] DIR [MiB] [FILES]
 *
 * In DIR: write a MiB file sequentially in 64 KiB writes and fsync it;
 * read it back in 64 KiB reads; create FILES files of 1 KiB and sync;
 * stat each of them. Prints "fsbench: CASE RATE UNIT" per case. With
 * --mount (the Linux guest), DEV is mounted as ext2 on DIR first, and
 * the page cache is dropped before the read so that both systems read
 * from the disk (Kiln's block cache is far smaller than the file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

static char buf[CHUNK];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    printf("fsbench: FAIL %s: %s\n", what, strerror(errno));
    return 1;
}

/* Linux keeps file data in its page cache; drop it (no-op in Kiln). */
static void drop_caches(void)
{
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd >= 0) {
        write(fd, "3\n", 2);
        close(fd);
    }
}

static int seq_write(const char *path, long mib)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return fail("open for write");
    memset(buf, 0x5a, sizeof buf);
    double t0 = now();
    for (long i = 0; i < mib * 16; i++)
        if (write(fd, buf, CHUNK) != CHUNK)
            return fail("write");
    if (fsync(fd) || close(fd))
        return fail("fsync");
    printf("fsbench: seqwrite %.2f MB/s\n", mib * 1.048576 / (now() - t0));
    return 0;
}

static int seq_read(const char *path, long mib)
{
    drop_caches();
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail("open for read");
    double t0 = now();
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0)
        total += n;
    close(fd);
    if (n < 0 || total != mib * 1048576)
        return fail("read back");
    printf("fsbench: seqread %.2f MB/s\n", mib * 1.048576 / (now() - t0));
    return 0;
}

static int small_files(const char *dir, int files)
{
    char path[256];
    double t0 = now();
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/small/f%d", dir, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
        if (fd < 0 || write(fd, buf, 1024) != 1024 || close(fd))
            return fail("create small file");
    }
    sync();
    printf("fsbench: create %.0f files/s\n", files / (now() - t0));
    t0 = now();
    struct stat st;
    for (int i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/small/f%d", dir, i);
        if (stat(path, &st) || st.st_size != 1024)
            return fail("stat small file");
    }
    printf("fsbench: stat %.0f files/s\n", files / (now() - t0));
    return 0;
}

int main(int argc, char **argv)
{
    int a = 1;
    if (argc > 3 && !strcmp(argv[1], "--mount")) {
        mkdir(argv[3], 0755);
        if (mount(argv[2], argv[3], "ext2", 0, NULL))
            return fail("mount");
        a = 3;
    }
    if (argc <= a) {
        printf("usage: fsbench [--mount DEV] DIR [MiB] [FILES]\n");
        return 2;
    }
    const char *dir = argv[a];
    long mib = argc > a + 1 ? atol(argv[a + 1]) : 16;
    int files = argc > a + 2 ? atoi(argv[a + 2]) : 500;
    char path[256], sub[256];
    snprintf(path, sizeof path, "%s/seq", dir);
    snprintf(sub, sizeof sub, "%s/small", dir);
    if (mkdir(sub, 0755) && errno != EEXIST)
        return fail("mkdir small");
    int r =
        seq_write(path, mib) || seq_read(path, mib) || small_files(dir, files);
    if (a == 3)
        umount(dir);
    return r;
}
