/*
 * syscall_fs.c: route the file system calls (sys_file.c, sys_path.c) by
 * number; syscall.c hands over every number it does not know itself.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include "posix.h"

static long at_call(long nr, const long a[6])
{
    switch (nr) {
    case SYS_newfstatat: return sys_newfstatat(a[0], a[1], a[2], a[3]);
    case SYS_statx: return sys_statx(a[0], a[1], a[2], a[3], a[4]);
    case SYS_mkdirat: return sys_mkdirat(a[0], a[1], a[2]);
    case SYS_unlinkat: return sys_unlinkat(a[0], a[1], a[2]);
    case SYS_renameat: return sys_renameat2(a[0], a[1], a[2], a[3], 0);
    case SYS_renameat2: return sys_renameat2(a[0], a[1], a[2], a[3], a[4]);
    case SYS_symlinkat: return sys_symlinkat(a[0], a[1], a[2]);
    case SYS_linkat: return sys_linkat(a[0], a[1], a[2], a[3], a[4]);
    case SYS_readlinkat: return sys_readlinkat(a[0], a[1], a[2], a[3]);
    case SYS_faccessat: return sys_faccessat2(a[0], a[1], a[2], 0);
    case SYS_faccessat2: return sys_faccessat2(a[0], a[1], a[2], a[3]);
    case SYS_utimensat: return sys_utimensat(a[0], a[1], a[2], a[3]);
    case SYS_fchmodat: return sys_fchmodat(a[0], a[1], a[2]);
    default: return syscall_unknown(nr);
    }
}

long fs_syscall(long nr, const long a[6])
{
    switch (nr) {
    case SYS_creat: return sys_creat(a[0], a[1]);
    case SYS_sync: return sys_sync();
    case SYS_syncfs: return sys_syncfs(a[0]);
    case SYS_getdents64: return sys_getdents64(a[0], a[1], a[2]);
    case SYS_ftruncate: return sys_ftruncate(a[0], a[1]);
    case SYS_truncate: return sys_truncate(a[0], a[1]);
    case SYS_fchdir: return sys_fchdir(a[0]);
    case SYS_chdir: return sys_chdir(a[0]);
    case SYS_getcwd: return sys_getcwd(a[0], a[1]);
    case SYS_fchmod: return sys_fchmod(a[0], a[1]);
    case SYS_chmod: return sys_fchmodat(AT_FDCWD, a[0], a[1]);
    case SYS_fstatfs: return sys_fstatfs(a[0], a[1]);
    case SYS_statfs: return sys_statfs(a[0], a[1]);
    case SYS_stat: return sys_stat(a[0], a[1]);
    case SYS_lstat: return sys_lstat(a[0], a[1]);
    case SYS_mkdir: return sys_mkdir(a[0], a[1]);
    case SYS_rmdir: return sys_rmdir(a[0]);
    case SYS_unlink: return sys_unlink(a[0]);
    case SYS_rename: return sys_rename(a[0], a[1]);
    case SYS_symlink: return sys_symlinkat(a[0], AT_FDCWD, a[1]);
    case SYS_link: return sys_linkat(AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
    case SYS_readlink: return sys_readlinkat(AT_FDCWD, a[0], a[1], a[2]);
    case SYS_access: return sys_faccessat2(AT_FDCWD, a[0], a[1], 0);
    default: return at_call(nr, a);
    }
}
