/*
 * fstest_read.c: the calls that only look, on the host's tree t/:
 *   t/hello.txt "hello, kiln\n" (0644)   t/sub/deep.txt "deep\n"
 *   t/link -> hello.txt                  t/abs -> ROOT/t/sub
 *   t/loop1 -> loop2, t/loop2 -> loop1   t/big: 200000 pattern() bytes
 *   t/mode600 (empty, 0600)              t/exec.sh (0755)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "fstest.h"

#define BIG_SIZE 200000

static void read_small(void)
{
    char buf[64] = {0};
    int fd = open(at_root("t/hello.txt"), O_RDONLY);
    check("open t/hello.txt", fd >= 0);
    check("read whole file",
          read(fd, buf, sizeof buf) == 12 && !memcmp(buf, "hello, kiln\n", 12));
    check("read at end gives 0", read(fd, buf, sizeof buf) == 0);
    check("pread at 7", pread(fd, buf, 5, 7) == 5 && !memcmp(buf, "kiln\n", 5));
    check("lseek SEEK_END", lseek(fd, 0, SEEK_END) == 12);
    check("lseek SEEK_SET past end",
          lseek(fd, 100, SEEK_SET) == 100 && read(fd, buf, 4) == 0);
    check_err("lseek before 0", lseek(fd, -1, SEEK_SET), EINVAL);
    char a[5], b[7];
    struct iovec v[2] = {{a, 5}, {b, 7}};
    lseek(fd, 0, SEEK_SET);
    check("readv", readv(fd, v, 2) == 12 && !memcmp(a, "hello", 5) &&
                       !memcmp(b, ", kiln\n", 7));
    check("lseek SEEK_CUR", lseek(fd, -5, SEEK_CUR) == 7);
    check("fsync on a read-only fd", fsync(fd) == 0 && fdatasync(fd) == 0);
    check("close", close(fd) == 0);
    check_err("read after close", read(fd, buf, 1), EBADF);
}

static void read_big(void)
{
    static char buf[BIG_SIZE + 100];
    int fd = open(at_root("t/big"), O_RDONLY);
    size_t got = 0;
    long n;
    while ((n = read(fd, buf + got, got % 2 ? 1000 : 4096)) > 0)
        got += (size_t)n;
    int same = got == BIG_SIZE;
    for (size_t i = 0; same && i < got; i++)
        same = (unsigned char)buf[i] == pattern(i);
    check("read t/big in odd pieces", same);
    check("pread across blocks",
          pread(fd, buf, 5000, 4090) == 5000 &&
              (unsigned char)buf[4999] == pattern(4090 + 4999));
    close(fd);
}

static void stat_calls(void)
{
    struct stat s, l, f;
    check("stat file", stat(at_root("t/hello.txt"), &s) == 0 &&
                           S_ISREG(s.st_mode) && s.st_size == 12 &&
                           (s.st_mode & 07777) == 0644);
    check("stat dir",
          stat(at_root("t"), &s) == 0 && S_ISDIR(s.st_mode) && s.st_nlink >= 3);
    check("lstat symlink", lstat(at_root("t/link"), &l) == 0 &&
                               S_ISLNK(l.st_mode) && l.st_size == 9);
    check("stat follows symlink", stat(at_root("t/link"), &s) == 0 &&
                                      S_ISREG(s.st_mode) && s.st_size == 12);
    int fd = open(at_root("t/hello.txt"), O_RDONLY);
    check("fstat same inode", fstat(fd, &f) == 0 && f.st_ino == s.st_ino &&
                                  f.st_dev == s.st_dev && f.st_size == 12);
    check("mode kept as given",
          stat(at_root("t/mode600"), &s) == 0 && (s.st_mode & 07777) == 0600);
    int dir = open(at_root("t"), O_RDONLY | O_DIRECTORY);
    check("fstatat relative",
          fstatat(dir, "link", &l, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISLNK(l.st_mode));
    check("fstatat AT_EMPTY_PATH",
          fstatat(fd, "", &s, AT_EMPTY_PATH) == 0 && s.st_ino == f.st_ino);
    struct statx x;
    check("statx",
          syscall(SYS_statx, dir, "hello.txt", 0, STATX_BASIC_STATS, &x) == 0 &&
              x.stx_size == 12 && x.stx_ino == f.st_ino);
    check_err("stat missing", stat(at_root("t/nope"), &s), ENOENT);
    check_err("stat through a file", stat(at_root("t/hello.txt/x"), &s),
              ENOTDIR);
    close(fd);
    close(dir);
}

static void read_dir(void)
{
    const char *want[] = {".",    "..",      "hello.txt", "sub",
                          "link", "abs",     "loop1",     "loop2",
                          "big",  "mode600", "exec.sh"};
    unsigned seen = 0, n = 0;
    DIR *d = opendir(at_root("t"));
    struct dirent *e;
    while (d && (e = readdir(d))) {
        n++;
        for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++)
            if (!strcmp(e->d_name, want[i]))
                seen |= 1u << i;
        if (!strcmp(e->d_name, "sub") && e->d_type != DT_DIR)
            seen = 0;
    }
    check("readdir lists every entry once", n == 11 && seen == 0x7ff);
    if (d)
        rewinddir(d);
    check("rewinddir starts again", d && readdir(d) != NULL);
    if (d)
        closedir(d);
    int fd = open(at_root("t"), O_RDONLY | O_DIRECTORY);
    char small[40];
    long r = syscall(SYS_getdents64, fd, small, sizeof small);
    check("getdents64 with a small buffer gives whole entries", r > 0);
    check_err("getdents64 on a file", syscall(SYS_getdents64, 0, small, 40),
              ENOTDIR);
    char c;
    check_err("read a directory", read(fd, &c, 1), EISDIR);
    char big[4096];
    const long odd[] = {3, 13, 12345, 1L << 40, 0x7fffffffffffffffL};
    for (unsigned i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        lseek(fd, odd[i], SEEK_SET);
        syscall(SYS_getdents64, fd, big, sizeof big);
    }
    lseek(fd, 0, SEEK_SET);
    check("getdents64 survives made-up positions",
          syscall(SYS_getdents64, fd, big, sizeof big) > 0);
    close(fd);
}

static void links_and_errors(void)
{
    char buf[256];
    check("readlink", readlink(at_root("t/link"), buf, sizeof buf) == 9 &&
                          !memcmp(buf, "hello.txt", 9));
    int dir = open(at_root("t"), O_RDONLY | O_DIRECTORY);
    long n = readlinkat(dir, "abs", buf, sizeof buf);
    const char *want = at_root("t/sub");
    check("readlinkat absolute target",
          n == (long)strlen(want) && !memcmp(buf, want, (size_t)n));
    check_err("readlink a file", readlink(at_root("t/hello.txt"), buf, 9),
              EINVAL);
    check("path through absolute symlink",
          slurp(at_root("t/abs/deep.txt"), buf, sizeof buf) == 5);
    check("dot-dot and dots", slurp(at_root("t/sub/.././/sub//../hello.txt"),
                                    buf, sizeof buf) == 12);
    struct stat r1, r2;
    check("/.. is /", stat("/../..//..", &r1) == 0 && stat("/", &r2) == 0 &&
                          r1.st_ino == r2.st_ino && r1.st_dev == r2.st_dev);
    int fd = openat(dir, "sub/deep.txt", O_RDONLY);
    check("openat relative to a dirfd", fd >= 0 && read(fd, buf, 9) == 5);
    close(fd);
    check_err("open missing", open(at_root("t/nope"), O_RDONLY), ENOENT);
    check_err("O_DIRECTORY on a file",
              open(at_root("t/hello.txt"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    check_err("O_NOFOLLOW on a symlink",
              open(at_root("t/link"), O_RDONLY | O_NOFOLLOW), ELOOP);
    check_err("symlink loop", open(at_root("t/loop1"), O_RDONLY), ELOOP);
    check_err("open a directory for writing", open(at_root("t"), O_WRONLY),
              EISDIR);
    check_err("openat on a file fd", openat(0, "x", O_RDONLY), ENOTDIR);
    close(dir);
}

static int pattern_at(const char *buf, size_t n, size_t from)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)buf[i] != pattern(from + i))
            return 0;
    return 1;
}

/* sendfile into a non-blocking pipe: at an offset, at the file's position,
 * and until the pipe is full; a pipe as the source is EINVAL. */
static void send_file(void)
{
    static char buf[BIG_SIZE];
    int fd = open(at_root("t/big"), O_RDONLY), p[2];
    off_t off = 10;
    check("sendfile: a pipe to send into",
          fd >= 0 && pipe2(p, O_NONBLOCK) == 0);
    check("sendfile at an offset moves the offset, not the file",
          sendfile(p[1], fd, &off, 100) == 100 && off == 110 &&
              lseek(fd, 0, SEEK_CUR) == 0 && read(p[0], buf, 200) == 100 &&
              pattern_at(buf, 100, 10));
    long n = sendfile(p[1], fd, NULL, BIG_SIZE);
    check("sendfile into a full pipe sends what fits, the file moves as much",
          n == 65536 && lseek(fd, 0, SEEK_CUR) == n &&
              read(p[0], buf, sizeof buf) == n &&
              pattern_at(buf, (size_t)n, 0));
    check_err("sendfile from a pipe", sendfile(p[1], p[0], NULL, 10), EINVAL);
    check_err("sendfile from a closed fd", sendfile(p[1], 99, NULL, 10), EBADF);
    close(p[0]);
    close(p[1]);
    close(fd);
}

void test_read(void)
{
    read_small();
    read_big();
    stat_calls();
    read_dir();
    links_and_errors();
    send_file();
}

static void cwd_calls(void)
{
    char buf[256];
    const char *sub = at_root("t/sub");
    check("chdir", chdir(sub) == 0);
    check("getcwd after chdir", getcwd(buf, sizeof buf) && !strcmp(buf, sub));
    check("relative open in cwd", slurp("deep.txt", buf, sizeof buf) == 5);
    check("chdir ..",
          chdir("..") == 0 && slurp("hello.txt", buf, sizeof buf) == 12);
    check_err("getcwd too small", getcwd(buf, 2) ? 0 : -1, ERANGE);
    int fd = open(sub, O_RDONLY | O_DIRECTORY);
    check("fchdir",
          fchdir(fd) == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, sub));
    close(fd);
    check("chdir through a symlink", chdir(at_root("t/abs")) == 0 &&
                                         getcwd(buf, sizeof buf) &&
                                         !strcmp(buf, sub));
    check_err("chdir to a file", chdir(at_root("t/hello.txt")), ENOTDIR);
    check("chdir /",
          chdir("/") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, "/"));
}

static void access_calls(void)
{
    check("access F_OK", access(at_root("t/hello.txt"), F_OK) == 0);
    check("access R_OK", access(at_root("t/hello.txt"), R_OK) == 0);
    check_err("access X_OK without x bits",
              access(at_root("t/hello.txt"), X_OK), EACCES);
    check("access X_OK", access(at_root("t/exec.sh"), X_OK) == 0);
    int dir = open(at_root("t"), O_RDONLY | O_DIRECTORY);
    check("faccessat", faccessat(dir, "sub", R_OK | X_OK, 0) == 0);
    check_err("access missing", access(at_root("t/nope"), F_OK), ENOENT);
    close(dir);
}

static void fd_calls(void)
{
    char c;
    int fd = open(at_root("t/hello.txt"), O_RDONLY);
    int d = dup(fd);
    check("dup shares the position",
          read(fd, &c, 1) == 1 && read(d, &c, 1) == 1 && c == 'e');
    check("dup2", dup2(fd, 20) == 20 && lseek(20, 0, SEEK_CUR) == 2);
    check("dup3 O_CLOEXEC",
          dup3(fd, 21, O_CLOEXEC) == 21 && fcntl(21, F_GETFD) == FD_CLOEXEC);
    check("fcntl F_GETFL", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
    check("fcntl F_DUPFD", fcntl(fd, F_DUPFD, 30) == 30);
    close(20);
    close(21);
    close(30);
    close(d);
    check("fd still open after closing dups", read(fd, &c, 1) == 1);
    close(fd);
}

static void statfs_calls(void)
{
    struct statfs s, f;
    int fd = open(at_root("t/hello.txt"), O_RDONLY);
    check("statfs", statfs(at_root("t"), &s) == 0 && s.f_bsize > 0);
    check("fstatfs", fstatfs(fd, &f) == 0 && f.f_type == s.f_type);
    close(fd);
}

void test_paths(void)
{
    cwd_calls();
    access_calls();
    fd_calls();
    statfs_calls();
}
