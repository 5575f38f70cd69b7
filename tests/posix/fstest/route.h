/*
 * route.h: included first into tests/apps/fstest's sources when they are built
 * as a host program (mk/host.mk's " * app:" line). After the real libc
 * headers, each file call fstest makes becomes a route_* call (route.c)
 * that goes through components/posix's syscall_dispatch, as musl's
 * syscall instruction does in an image, instead of to Linux.
 *
 * Function-like macros, so "struct stat" stays glibc's type (which is
 * the kernel's layout on x86_64, as components/posix expects). Calls
 * with optional arguments (open, fcntl, syscall) are padded with zeros
 * and every argument is converted to long, as a syscall sees them.
 * Limits: only the calls tests/apps/fstest makes; stdio (printf) still writes
 * to the process's own stdout.
 */
#ifndef FSTEST_ROUTE_H
#define FSTEST_ROUTE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* One system call through components/posix: its result, or -1 with
 * errno set from a negative one. */
long route_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5);
#define ROUTE_SYS_(nr, a, b, c, d, e, f, ...)                                  \
    route_syscall((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d),      \
                  (long)(e), (long)(f))
#define ROUTE_SYS(...) ROUTE_SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

#define syscall(...) ROUTE_SYS(__VA_ARGS__)
#define open(...) ROUTE_SYS(SYS_open, __VA_ARGS__)
#define openat(...) ROUTE_SYS(SYS_openat, __VA_ARGS__)
#define fcntl(...) ROUTE_SYS(SYS_fcntl, __VA_ARGS__)
#define close(fd) ROUTE_SYS(SYS_close, fd)
#define read(fd, b, n) ROUTE_SYS(SYS_read, fd, b, n)
#define write(fd, b, n) ROUTE_SYS(SYS_write, fd, b, n)
#define pread(fd, b, n, o) ROUTE_SYS(SYS_pread64, fd, b, n, o)
#define pwrite(fd, b, n, o) ROUTE_SYS(SYS_pwrite64, fd, b, n, o)
#define readv(fd, v, n) ROUTE_SYS(SYS_readv, fd, v, n)
#define writev(fd, v, n) ROUTE_SYS(SYS_writev, fd, v, n)
#define lseek(fd, o, w) ROUTE_SYS(SYS_lseek, fd, o, w)
#define pipe2(p, f) ROUTE_SYS(SYS_pipe2, p, f)
#define sendfile(o, i, off, n) ROUTE_SYS(SYS_sendfile, o, i, off, n)
#define fsync(fd) ROUTE_SYS(SYS_fsync, fd)
#define fdatasync(fd) ROUTE_SYS(SYS_fdatasync, fd)
#define ftruncate(fd, n) ROUTE_SYS(SYS_ftruncate, fd, n)
#define truncate(p, n) ROUTE_SYS(SYS_truncate, p, n)
#define dup(fd) ROUTE_SYS(SYS_dup, fd)
#define dup2(a, b) ROUTE_SYS(SYS_dup2, a, b)
#define dup3(a, b, f) ROUTE_SYS(SYS_dup3, a, b, f)
#define fstat(fd, s) ROUTE_SYS(SYS_fstat, fd, s)
#define stat(p, s) ROUTE_SYS(SYS_newfstatat, AT_FDCWD, p, s, 0)
#define lstat(p, s)                                                            \
    ROUTE_SYS(SYS_newfstatat, AT_FDCWD, p, s, AT_SYMLINK_NOFOLLOW)
#define fstatat(d, p, s, f) ROUTE_SYS(SYS_newfstatat, d, p, s, f)
#define statfs(p, s) ROUTE_SYS(SYS_statfs, p, s)
#define fstatfs(fd, s) ROUTE_SYS(SYS_fstatfs, fd, s)
#define access(p, m) ROUTE_SYS(SYS_access, p, m)
#define faccessat(d, p, m, f) ROUTE_SYS(SYS_faccessat2, d, p, m, f)
#define chdir(p) ROUTE_SYS(SYS_chdir, p)
#define fchdir(fd) ROUTE_SYS(SYS_fchdir, fd)
#define mkdir(p, m) ROUTE_SYS(SYS_mkdir, p, m)
#define mkdirat(d, p, m) ROUTE_SYS(SYS_mkdirat, d, p, m)
#define rmdir(p) ROUTE_SYS(SYS_rmdir, p)
#define unlink(p) ROUTE_SYS(SYS_unlink, p)
#define unlinkat(d, p, f) ROUTE_SYS(SYS_unlinkat, d, p, f)
#define rename(a, b) ROUTE_SYS(SYS_rename, a, b)
#define renameat(d, a, e, b) ROUTE_SYS(SYS_renameat, d, a, e, b)
#define symlink(t, p) ROUTE_SYS(SYS_symlink, t, p)
#define link(a, b) ROUTE_SYS(SYS_link, a, b)
#define readlink(p, b, n) ROUTE_SYS(SYS_readlink, p, b, n)
#define readlinkat(d, p, b, n) ROUTE_SYS(SYS_readlinkat, d, p, b, n)
#define chmod(p, m) ROUTE_SYS(SYS_chmod, p, m)
#define chown(p, u, g) ROUTE_SYS(SYS_chown, p, u, g)
#define lchown(p, u, g) ROUTE_SYS(SYS_lchown, p, u, g)
#define fchown(f, u, g) ROUTE_SYS(SYS_fchown, f, u, g)
#define fchownat(d, p, u, g, f) ROUTE_SYS(SYS_fchownat, d, p, u, g, f)
#define mmap(a, n, p, f, fd, o) ((void *)ROUTE_SYS(SYS_mmap, a, n, p, f, fd, o))
#define munmap(a, n) ROUTE_SYS(SYS_munmap, a, n)
#define msync(a, n, f) ROUTE_SYS(SYS_msync, a, n, f)
#define madvise(a, n, f) ROUTE_SYS(SYS_madvise, a, n, f)
#define mremap(a, n, m, f) ((void *)ROUTE_SYS(SYS_mremap, a, n, m, f))
#define utimensat(d, p, t, f) ROUTE_SYS(SYS_utimensat, d, p, t, f)
#define sync() route_sync()
#define getcwd(b, n) route_getcwd(b, n)
#define opendir(p) route_opendir(p)
#define readdir(d) route_readdir(d)
#define rewinddir(d) route_rewinddir(d)
#define closedir(d) route_closedir(d)

/* The calls whose libc part is more than the system call (route.c). */
void route_sync(void);
char *route_getcwd(char *buf, size_t size);
DIR *route_opendir(const char *path);
struct dirent *route_readdir(DIR *d);
void route_rewinddir(DIR *d);
int route_closedir(DIR *d);

#endif
