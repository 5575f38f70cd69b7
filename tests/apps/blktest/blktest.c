/*
 * blktest: checks the raw disks through plain POSIX calls on /dev/vda and
 * /dev/vdb. The host prepares disk 0 with sector i holding the text
 * "kiln sector <i>" (NUL-padded) and attaches disk 1 read-only.
 * The guest verifies disk 0, writes "guest wrote <i>" into the second
 * half, flushes, and checks that writing to disk 1 fails cleanly.
 * Usage: blktest [SECTORS_TO_CHECK]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SECTOR 512

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static int verify_pattern(int fd, long sectors, const char *fmt, long from)
{
    static char buf[64 * SECTOR], want[SECTOR];
    for (long s = from; s < sectors; s += 64) {
        long n = sectors - s < 64 ? sectors - s : 64;
        if (pread(fd, buf, n * SECTOR, s * SECTOR) != n * SECTOR)
            return -1;
        for (long i = 0; i < n; i++) {
            memset(want, 0, SECTOR);
            snprintf(want, SECTOR, fmt, s + i);
            if (memcmp(buf + i * SECTOR, want, SECTOR))
                return -1;
        }
    }
    return 0;
}

struct reader {
    int fd;
    long first, bad;
};

/* 100 reads of 8 sectors each, checked, while another thread does the
 * same elsewhere on the disk: requests to one disk must take turns. */
static void *read_repeatedly(void *arg)
{
    struct reader *r = arg;
    static __thread char buf[8 * SECTOR];
    char want[SECTOR];
    for (int round = 0; round < 100; round++) {
        long s = r->first + (round % 8) * 8;
        if (pread(r->fd, buf, sizeof buf, s * SECTOR) != sizeof buf) {
            r->bad++;
            continue;
        }
        for (int i = 0; i < 8; i++) {
            memset(want, 0, SECTOR);
            snprintf(want, SECTOR, "kiln sector %ld", s + i);
            r->bad += memcmp(buf + i * SECTOR, want, SECTOR) != 0;
        }
    }
    return NULL;
}

static void concurrent_reads(void)
{
    int fd = open("/dev/vda", O_RDONLY);
    struct reader r[2] = {{fd, 0, 0}, {fd, 512, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, read_repeatedly, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    close(fd);
    check(fd >= 0 && r[0].bad == 0 && r[1].bad == 0,
          "two threads reading one disk at once");
}

static void writable_disk(long sectors)
{
    int fd = open("/dev/vda", O_RDWR);
    check(fd >= 0, "open /dev/vda read-write");
    if (fd < 0)
        return;
    unsigned long long bytes = 0;
    ioctl(fd, BLKGETSIZE64, &bytes);
    printf("vda: %llu bytes\n", bytes);
    check(bytes >= (unsigned long long)sectors * SECTOR, "BLKGETSIZE64");
    check(verify_pattern(fd, sectors, "kiln sector %ld", 0) == 0,
          "host's pattern reads back");
    static char buf[SECTOR];
    for (long s = sectors / 2; s < sectors; s++) {
        memset(buf, 0, SECTOR);
        snprintf(buf, SECTOR, "guest wrote %ld", s);
        if (pwrite(fd, buf, SECTOR, s * SECTOR) != SECTOR)
            break;
    }
    check(fsync(fd) == 0, "fsync");
    check(verify_pattern(fd, sectors, "guest wrote %ld", sectors / 2) == 0,
          "guest's writes read back");
    check(pread(fd, buf, 100, 0) < 0 && errno == EINVAL,
          "unaligned read gives EINVAL");
    check(lseek(fd, 0, SEEK_END) == (off_t)bytes, "lseek to the end");
    check(lseek(fd, 1, SEEK_END) < 0 && errno == EINVAL,
          "lseek past the end gives EINVAL");
    check(read(fd, buf, SECTOR) == 0, "read at the end gives 0");
    check(write(fd, buf, SECTOR) < 0 && errno == ENOSPC,
          "write past the end gives ENOSPC");
    close(fd);
}

static void read_only_disk(void)
{
    check(open("/dev/vdb", O_RDWR) < 0 && errno == EROFS,
          "open read-only disk for writing gives EROFS");
    int fd = open("/dev/vdb", O_RDONLY);
    static char buf[SECTOR];
    check(fd >= 0 && pread(fd, buf, SECTOR, 0) == SECTOR &&
              !strcmp(buf, "kiln sector 0"),
          "read-only disk reads");
    check(write(fd, buf, SECTOR) < 0 && errno == EBADF,
          "write on a read-only descriptor gives EBADF");
    close(fd);
}

static int count_disks(void)
{
    char path[] = "/dev/vda";
    int n = 0;
    for (; path[7] <= 'z'; path[7]++, n++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            break;
        close(fd);
    }
    return n;
}

int main(int argc, char **argv)
{
    long sectors = argc > 1 ? atol(argv[1]) : 2048;
    printf("disks: %d\n", count_disks());
    check(open("/dev/vdz", O_RDONLY) < 0 && errno == ENOENT,
          "a missing disk gives ENOENT");
    check(open("/dev/vda", O_RDWR | O_CREAT | O_EXCL, 0600) < 0 &&
              errno == EEXIST,
          "O_CREAT|O_EXCL on a disk gives EEXIST");
    concurrent_reads();
    writable_disk(sectors);
    read_only_disk();
    printf("blktest: %s\n", failures ? "checks FAILED" : "all checks passed");
    return failures ? 1 : 0;
}
