/*
 * fstest: every file system call, on a read-only tree (the boot archive:
 * reads work, changes fail with EROFS) or a writable one (an ext2 disk:
 * changes work and are left for the host to check with e2fsprogs).
 *
 * Usage: fstest ro|rw ROOT     (ROOT holds the host's t/ directory)
 * Prints "ok - NAME" / "not ok - NAME: detail" lines and ends with
 * "fstest: N checks, M failed"; the exit status is 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "fstest.h"

const char *root;
static int checks, failed;

const char *at_root(const char *rel)
{
    static char buf[8][512];
    static unsigned next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", strcmp(root, "/") ? root : "", rel);
    return b;
}

void check(const char *name, int ok)
{
    checks++;
    failed += !ok;
    printf("%s - %s\n", ok ? "ok" : "not ok", name);
}

void check_err(const char *name, long r, int want)
{
    int ok = r < 0 && errno == want;
    checks++;
    failed += !ok;
    if (ok)
        printf("ok - %s\n", name);
    else
        printf("not ok - %s: got %ld (%s), want %s\n", name, r,
               r < 0 ? strerror(errno) : "no error", strerror(want));
}

long slurp(const char *path, char *out, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    long n;
    while (got < len && (n = read(fd, out + got, len - got)) > 0)
        got += (size_t)n;
    close(fd);
    return (long)got;
}

unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 131 + i / 251);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "ro") && strcmp(argv[1], "rw"))) {
        fprintf(stderr, "usage: fstest ro|rw ROOT\n");
        return 2;
    }
    root = argv[2];
    test_read();
    test_paths();
    test_mmap_read();
    if (!strcmp(argv[1], "ro"))
        test_readonly();
    else
        test_write(), test_mmap_write();
    printf("fstest: %d checks, %d failed\n", checks, failed);
    return failed ? 1 : 0;
}
