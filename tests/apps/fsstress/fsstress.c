/*
 * fsstress: file system load for the full-disk and power-cut tests, in
 * plain POSIX (it runs on Linux too).
 *
 *   fsstress enospc DIR     fill DIR with data until ENOSPC, then with
 *                           directories and empty files until ENOSPC,
 *                           free some and write again; prints
 *                           "fsstress: enospc ok" when every step
 *                           behaved.
 *   fsstress powercut DIR   forever: write file DIR/kN (content a function
 *                           of N), fsync it and print "fsstress: synced
 *                           N SIZE"; between those, churn (writes,
 *                           renames, truncates, unlinks) on DIR/tmp*
 *                           without fsync. The host kills the machine at
 *                           some point and checks every synced kN.
 *
 * Exit status 0 on success, 1 on a failed check (with a line saying
 * which).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

static unsigned char buf[CHUNK];

static int fail(const char *what)
{
    printf("fsstress: FAIL %s: %s\n", what, strerror(errno));
    return 1;
}

/* Content of synced file n: its size and byte i. */
static size_t synced_size(unsigned n)
{
    return 1000 + (n * 7919u) % 150000;
}

static unsigned char synced_byte(unsigned n, size_t i)
{
    return (unsigned char)((i * 31 + n * 7 + (i >> 10)) & 0xff);
}

/* Write len bytes of buf in chunks; returns bytes written, stops at the
 * first error (errno kept). */
static size_t write_all(int fd, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        ssize_t w = write(fd, buf, n);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    return done;
}

/* Data until ENOSPC; returns bytes written or -1. */
static long fill_data(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/fill", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return fail("open fill"), -1;
    memset(buf, 0xa5, sizeof buf);
    size_t n = write_all(fd, (size_t)1 << 40);
    int e = errno;
    if (fsync(fd) || close(fd))
        return fail("fsync fill"), -1;
    errno = e;
    if (e != ENOSPC)
        return fail("fill stopped without ENOSPC"), -1;
    return (long)n;
}

/* Names until ENOSPC: directories, then empty files. */
static int fill_names(const char *dir, const char *kind)
{
    char path[256];
    for (int i = 0; i < 100000; i++) {
        snprintf(path, sizeof path, "%s/%s%d", dir, kind, i);
        int r = kind[0] == 'd' ? mkdir(path, 0755)
                               : open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (r < 0)
            return errno == ENOSPC ? i : (fail(path), -1);
        if (kind[0] != 'd')
            close(r);
    }
    errno = 0;
    return fail("no ENOSPC after 100000 names"), -1;
}

static int mode_enospc(const char *dir)
{
    long bytes = fill_data(dir);
    if (bytes < 0)
        return 1;
    printf("fsstress: ENOSPC after %ld bytes of data\n", bytes);
    int dirs = fill_names(dir, "d"), files = fill_names(dir, "f");
    if (dirs < 0 || files < 0)
        return 1;
    printf("fsstress: then %d directories, %d files\n", dirs, files);
    char path[256];
    snprintf(path, sizeof path, "%s/fill", dir);
    if (truncate(path, bytes / 2))
        return fail("truncate fill");
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0)
        return fail("reopen fill");
    size_t again = write_all(fd, (size_t)bytes);
    if (errno != ENOSPC || again < (size_t)bytes / 4)
        return fail("second fill");
    if (fsync(fd) || close(fd))
        return fail("fsync after the second fill");
    printf("fsstress: enospc ok\n");
    return 0;
}

static int write_synced(const char *dir, unsigned n)
{
    char path[256];
    size_t size = synced_size(n);
    snprintf(path, sizeof path, "%s/k%u", dir, n);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return fail(path);
    for (size_t off = 0; off < size;) {
        size_t len = size - off < CHUNK ? size - off : CHUNK;
        for (size_t i = 0; i < len; i++)
            buf[i] = synced_byte(n, off + i);
        if (write(fd, buf, len) != (ssize_t)len)
            return fail("write synced file");
        off += len;
    }
    if (fsync(fd) || close(fd))
        return fail("fsync");
    printf("fsstress: synced %u %zu\n", n, size);
    fflush(stdout);
    return 0;
}

/* Unsynced changes of every kind on the tmp files. */
static void churn(const char *dir, unsigned n)
{
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/tmp%u", dir, n % 7);
    snprintf(b, sizeof b, "%s/tmp%u", dir, (n + 3) % 7);
    int fd = open(a, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) {
        memset(buf, (int)n, sizeof buf);
        lseek(fd, (off_t)(n % 5) * 40000, SEEK_SET);
        write_all(fd, 20000 + (n % 3) * 30000);
        close(fd);
    }
    if (n % 3 == 0)
        rename(a, b);
    if (n % 4 == 1)
        truncate(b, (off_t)(n % 11) * 1000);
    if (n % 5 == 2)
        unlink(b);
    snprintf(a, sizeof a, "%s/tdir%u", dir, n % 3);
    if (mkdir(a, 0755) < 0 && errno == EEXIST)
        rmdir(a);
}

static int mode_powercut(const char *dir)
{
    for (unsigned n = 0;; n++) {
        churn(dir, n);
        if (write_synced(dir, n))
            return 1;
        /* old synced files stay: the host checks all of them */
        if (n > 400)
            return 0;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: fsstress enospc|powercut DIR\n");
        return 2;
    }
    if (!strcmp(argv[1], "enospc"))
        return mode_enospc(argv[2]);
    if (!strcmp(argv[1], "powercut"))
        return mode_powercut(argv[2]);
    printf("fsstress: unknown mode %s\n", argv[1]);
    return 2;
}
