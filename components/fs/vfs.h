/*
 * vfs.h: what the file layer offers components/posix, which turns it
 * into Linux's file system calls. Paths are resolved from a base vnode
 * (an open directory, or the cwd when base is NULL) unless absolute.
 * Results are 0 / a count, or a negative errno as Linux gives for the
 * same call. A vnode is a counted reference to one inode of one mount;
 * the caller owns each reference it gets and drops it with vfs_put.
 */
#ifndef KILN_VFS_H
#define KILN_VFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "fs.h"

struct vnode;

/* Mount the root (the boot archive if there is one, else an empty
 * read-only directory) and each mount= option ("/dev/vdX:/dir:TYPE:rw"
 * or ":ro"), in order. A mount that fails is logged and skipped.
 * Returns the number of mounts that failed. */
int vfs_init(const char *const *mount_opts, unsigned n);

/* Write everything back (sync, syncfs). */
void vfs_sync_all(void);

/* Write everything back and unmount, at exit. */
void vfs_unmount_all(void);

/* Open path (O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, the
 * access mode) and give its vnode in *out and its type bits in *mode. */
int vfs_open(struct vnode *base, const char *path, int flags, mode_t mode,
             struct vnode **out, mode_t *type);
void vfs_put(struct vnode *v);
struct vnode *vfs_get(struct vnode *v); /* one more reference */

long vfs_read(struct vnode *v, void *buf, size_t len, uint64_t off);
long vfs_write(struct vnode *v, const void *buf, size_t len, uint64_t off);
int64_t vfs_size(struct vnode *v);
int vfs_ftruncate(struct vnode *v, uint64_t size);
int vfs_fsync(struct vnode *v);
int vfs_fstat(struct vnode *v, struct stat *st);
int vfs_fstatfs(struct vnode *v, struct fs_statfs *out);
/* Set times (UTIME_NOW/UTIME_OMIT as in utimensat) and permissions. */
int vfs_futimens(struct vnode *v, const struct timespec t[2]);
int vfs_fchmod(struct vnode *v, mode_t mode);
/* -EROFS if v lies on a read-only mount, else 0. */
int vfs_writable(struct vnode *v);
/* Next entry of directory v at *cookie; 1, 0 at the end, or -errno. */
int vfs_readdir(struct vnode *v, uint64_t *cookie, struct fs_dirent *out);

/* Path calls; follow: whether a final symlink is followed. */
int vfs_lookup(struct vnode *base, const char *path, int follow,
               struct vnode **out);
int vfs_stat(struct vnode *base, const char *path, int follow, struct stat *st);
int vfs_mkdir(struct vnode *base, const char *path, mode_t mode);
int vfs_unlink(struct vnode *base, const char *path);
int vfs_rmdir(struct vnode *base, const char *path);
/* flags: RENAME_NOREPLACE (others: -EINVAL). */
int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase,
               const char *npath, unsigned flags);
int vfs_symlink(const char *target, struct vnode *base, const char *path);
int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase,
             const char *npath);
long vfs_readlink(struct vnode *base, const char *path, char *buf, size_t len);
int vfs_truncate(struct vnode *base, const char *path, uint64_t size);
/* F_OK or R_OK|W_OK|X_OK as root: only EROFS and missing x bits deny. */
int vfs_access(struct vnode *base, const char *path, int mode, int follow);

/* The cwd: chdir to a directory; getcwd writes the absolute path. */
int vfs_chdir(struct vnode *dir);
long vfs_getcwd(char *buf, size_t len);

#endif
