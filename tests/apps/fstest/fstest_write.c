/*
 * fstest_write.c: the calls that change things. On a read-only tree
 * each must fail with EROFS and change nothing; on a writable one they
 * work, and what they leave in ROOT/out is checked by the host:
 *   out/result.txt "fstest wrote this\n", mode 0600, mtime 1000000000
 *   out/big.bin    300000 pattern() bytes      out/lnk -> result.txt
 *   out/sparse     1 MiB, all zeros            out/sub/moved.txt "moved\n"
 *   out/renamed.txt "renamed\n"                out/many/f25 .. f49 "N\n"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "fstest.h"

#define BIG_OUT 300000

void test_readonly(void)
{
    const char *f = at_root("t/hello.txt");
    struct timespec t[2] = {{1, 0}, {1, 0}};
    check_err("create on a read-only fs",
              open(at_root("t/new"), O_CREAT | O_WRONLY, 0644), EROFS);
    check_err("open for writing", open(f, O_WRONLY), EROFS);
    check_err("open O_RDWR", open(f, O_RDWR), EROFS);
    check_err("mkdir", mkdir(at_root("t/newdir"), 0755), EROFS);
    check_err("mkdir existing is EEXIST", mkdir(at_root("t/sub"), 0755),
              EEXIST);
    check_err("unlink", unlink(f), EROFS);
    check_err("rmdir", rmdir(at_root("t/sub")), EROFS);
    check_err("rename", rename(f, at_root("t/x")), EROFS);
    check_err("symlink", symlink("x", at_root("t/newlink")), EROFS);
    check_err("link", link(f, at_root("t/hard")), EROFS);
    check_err("truncate", truncate(f, 0), EROFS);
    check_err("utimensat", utimensat(AT_FDCWD, f, t, 0), EROFS);
    check_err("chmod", chmod(f, 0600), EROFS);
    check_err("chown", chown(f, 0, 0), EROFS);
    check_err("access W_OK", access(f, W_OK), EROFS);
    int fd = open(f, O_RDONLY);
    check_err("write to a read-only fd", write(fd, "x", 1), EBADF);
    check_err("ftruncate a read-only fd", ftruncate(fd, 0), EINVAL);
    close(fd);
    char buf[16];
    check("file unchanged", slurp(f, buf, sizeof buf) == 12);
}

static long put(const char *path, const char *text, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0)
        return -1;
    long n = write(fd, text, strlen(text));
    return close(fd) < 0 ? -1 : n;
}

static int same(const char *path, const char *text)
{
    char buf[256];
    long n = slurp(path, buf, sizeof buf);
    return n == (long)strlen(text) && !memcmp(buf, text, (size_t)n);
}

static void write_small(void)
{
    const char *p = at_root("out/result.txt");
    char buf[64];
    int fd = open(p, O_CREAT | O_EXCL | O_RDWR, 0640);
    check("create with O_EXCL", fd >= 0);
    check_err("O_EXCL on an existing file",
              open(p, O_CREAT | O_EXCL | O_RDWR, 0640), EEXIST);
    check("write", write(fd, "abc", 3) == 3);
    check("pwrite past the end leaves a hole",
          pwrite(fd, "xyz", 3, 10) == 3 && pread(fd, buf, 13, 0) == 13 &&
              !memcmp(buf, "abc\0\0\0\0\0\0\0xyz", 13));
    struct iovec v[2] = {{"12", 2}, {"345", 3}};
    check("writev", lseek(fd, 0, SEEK_END) == 13 && writev(fd, v, 2) == 5);
    check("fstat size", lseek(fd, 0, SEEK_END) == 18);
    check("fsync and fdatasync", fsync(fd) == 0 && fdatasync(fd) == 0);
    close(fd);
    fd = open(p, O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    check("O_APPEND writes at the end",
          write(fd, "END", 3) == 3 && lseek(fd, 0, SEEK_CUR) == 21);
    close(fd);
    check("O_TRUNC empties",
          put(p, "", O_TRUNC) == 0 && slurp(p, buf, sizeof buf) == 0);
    check("rewrite", put(p, "fstest wrote this\n", O_TRUNC) == 18 &&
                         same(p, "fstest wrote this\n"));
}

static void write_big(void)
{
    static unsigned char buf[BIG_OUT];
    for (size_t i = 0; i < BIG_OUT; i++)
        buf[i] = pattern(i);
    int fd = open(at_root("out/big.bin"), O_CREAT | O_TRUNC | O_RDWR, 0644);
    size_t done = 0;
    while (done < BIG_OUT) {
        size_t n = done % 3 ? 4096 : 777;
        if (n > BIG_OUT - done)
            n = BIG_OUT - done;
        if (write(fd, buf + done, n) != (long)n)
            break;
        done += n;
    }
    check("write 300000 bytes in pieces", done == BIG_OUT && fsync(fd) == 0);
    memset(buf, 0, sizeof buf);
    int ok = pread(fd, buf, BIG_OUT, 0) == BIG_OUT;
    for (size_t i = 0; ok && i < BIG_OUT; i++)
        ok = buf[i] == pattern(i);
    check("read it back", ok);
    close(fd);
}

static void sizes(void)
{
    const char *p = at_root("out/sparse");
    struct stat s;
    char buf[16];
    int fd = open(p, O_CREAT | O_RDWR, 0644);
    check("ftruncate grows a sparse file",
          ftruncate(fd, 1 << 20) == 0 && fstat(fd, &s) == 0 &&
              s.st_size == 1 << 20 && s.st_blocks < 64);
    check("a hole reads as zeros",
          pread(fd, buf, 16, 512 * 1024) == 16 && !memcmp(buf, "\0\0\0\0", 4));
    close(fd);
    const char *q = at_root("out/shrink");
    check("ftruncate shrinks", put(q, "0123456789", 0) == 10 &&
                                   truncate(q, 3) == 0 && same(q, "012"));
    check("truncate grows with zeros",
          truncate(q, 5) == 0 && slurp(q, buf, 16) == 5 && !buf[4]);
    check_err("truncate a directory", truncate(at_root("out"), 0), EISDIR);
    check("unlink", unlink(q) == 0 && access(q, F_OK) < 0 && errno == ENOENT);
}

static void dirs(void)
{
    check("mkdir", mkdir(at_root("out/d1"), 0755) == 0);
    check_err("mkdir existing", mkdir(at_root("out/d1"), 0755), EEXIST);
    int out = open(at_root("out"), O_RDONLY | O_DIRECTORY);
    check("mkdirat", mkdirat(out, "d1/d2", 0700) == 0);
    check_err("rmdir non-empty", rmdir(at_root("out/d1")), ENOTEMPTY);
    check_err("unlink a directory", unlink(at_root("out/d1")), EISDIR);
    check_err("rmdir a file", rmdir(at_root("out/result.txt")), ENOTDIR);
    check("unlinkat AT_REMOVEDIR", unlinkat(out, "d1/d2", AT_REMOVEDIR) == 0);
    check("rmdir", rmdir(at_root("out/d1")) == 0);
    struct stat s;
    check_err("gone", stat(at_root("out/d1"), &s), ENOENT);
    check("mkdir out/sub", mkdir(at_root("out/sub"), 0755) == 0);
    check("mkdir out/many", mkdir(at_root("out/many"), 0755) == 0);
    close(out);
}

static void renames(void)
{
    const char *a = at_root("out/a"), *b = at_root("out/renamed.txt");
    check("rename a file", put(a, "renamed\n", 0) == 8 && rename(a, b) == 0 &&
                               same(b, "renamed\n") && access(a, F_OK) < 0);
    int out = open(at_root("out"), O_RDONLY | O_DIRECTORY);
    put(at_root("out/m"), "moved\n", 0);
    check("renameat into a subdirectory",
          renameat(out, "m", out, "sub/moved.txt") == 0 &&
              same(at_root("out/sub/moved.txt"), "moved\n"));
    put(at_root("out/old"), "old\n", 0);
    put(at_root("out/new"), "new\n", 0);
    check_err("RENAME_NOREPLACE",
              syscall(SYS_renameat2, out, "new", out, "old", 1), EEXIST);
    check("rename over an existing file",
          rename(at_root("out/new"), at_root("out/old")) == 0 &&
              same(at_root("out/old"), "new\n"));
    check("unlinkat", unlinkat(out, "old", 0) == 0);
    check_err("rename a dir into itself",
              rename(at_root("out/sub"), at_root("out/sub/x")), EINVAL);
    check_err("rename a file over a dir",
              rename(at_root("out/renamed.txt"), at_root("out/sub")), EISDIR);
    mkdir(at_root("out/e"), 0755);
    check_err("rename a dir over a non-empty dir",
              rename(at_root("out/e"), at_root("out/sub")), ENOTEMPTY);
    check("rename a dir", rename(at_root("out/e"), at_root("out/f")) == 0 &&
                              rmdir(at_root("out/f")) == 0);
    close(out);
}

static void symlinks_and_times(void)
{
    char buf[64];
    const char *l = at_root("out/lnk"), *r = at_root("out/result.txt");
    check("symlink", symlink("result.txt", l) == 0);
    check("readlink new symlink",
          readlink(l, buf, sizeof buf) == 10 && !memcmp(buf, "result.txt", 10));
    check("open through new symlink", same(l, "fstest wrote this\n"));
    check_err("symlink over existing", symlink("x", l), EEXIST);
    struct timespec t[2] = {{1000000000, 5}, {1000000000, 0}};
    struct stat s;
    check("utimensat", utimensat(AT_FDCWD, r, t, 0) == 0 && stat(r, &s) == 0 &&
                           s.st_mtim.tv_sec == 1000000000 &&
                           s.st_atim.tv_sec == 1000000000);
    check("chmod", chmod(r, 0600) == 0 && stat(r, &s) == 0 &&
                       (s.st_mode & 07777) == 0600 && S_ISREG(s.st_mode));
    int fd = open(r, O_RDONLY);
    check("chown, lchown, fchown, fchownat: one owner, root",
          chown(r, 65534, 65534) == 0 && lchown(r, 0, 0) == 0 &&
              fchown(fd, 0, (gid_t)-1) == 0 &&
              fchownat(AT_FDCWD, r, 0, 0, AT_SYMLINK_NOFOLLOW) == 0 &&
              stat(r, &s) == 0 && s.st_uid == 0 && s.st_gid == 0);
    close(fd);
    check_err("chown of a missing file", chown(at_root("out/none"), 0, 0),
              ENOENT);
    check_err("fchownat with a bad flag", fchownat(AT_FDCWD, r, 0, 0, 0x8000),
              EINVAL);
    check_err("fchown of a closed fd", fchown(fd, 0, 0), EBADF);
}

static void open_unlinked(void)
{
    const char *g = at_root("out/ghost");
    char buf[8];
    int fd = open(g, O_CREAT | O_RDWR, 0644);
    struct stat s;
    check("unlink an open file",
          write(fd, "boo", 3) == 3 && unlink(g) == 0 && access(g, F_OK) < 0);
    check("it stays readable until closed",
          pread(fd, buf, 3, 0) == 3 && !memcmp(buf, "boo", 3) &&
              fstat(fd, &s) == 0 && s.st_nlink == 0);
    close(fd);
}

static void many_files(void)
{
    char name[64], text[16];
    int ok = 1;
    for (int i = 0; i < 50 && ok; i++) {
        snprintf(name, sizeof name, "out/many/f%d", i);
        snprintf(text, sizeof text, "%d\n", i);
        ok = put(at_root(name), text, O_EXCL) == (long)strlen(text);
    }
    check("create 50 files", ok);
    for (int i = 0; i < 25 && ok; i++) {
        snprintf(name, sizeof name, "out/many/f%d", i);
        ok = unlink(at_root(name)) == 0;
    }
    check("unlink 25 of them", ok);
    DIR *d = opendir(at_root("out/many"));
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    check("readdir sees the other 25", n == 27);
}

void test_write(void)
{
    check("mkdir out", mkdir(at_root("out"), 0755) == 0);
    write_small();
    write_big();
    sizes();
    dirs();
    renames();
    symlinks_and_times();
    open_unlinked();
    many_files();
    check("sync", (sync(), 1));
}
