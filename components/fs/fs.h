/*
 * fs.h: the contract between the file layer (vfs.c, which components/posix
 * calls) and each filesystem (cpio.c: the boot archive; ext2*.c: disks).
 *
 * Model. A filesystem names its inodes by number (uint64_t, never 0) and
 * keeps no per-open state the VFS must know about: every operation gets
 * the mount and the inode number(s) it works on. The VFS owns the mount
 * table (struct fs_mount), path walking (".", "..", symlinks, mount
 * points), open files, the cwd, file positions, O_APPEND and access
 * checks. A filesystem owns its on-disk format and any memory it takes
 * (hc_pages_alloc, fixed tables; never malloc), hung off fs_mount.priv.
 *
 * Serialization. Operations may block (hc_blk_* I/O), but the VFS calls
 * at most one operation of any filesystem at a time (one sleeping lock
 * around each call), so a filesystem needs no locking of its own.
 *
 * Errors. Every operation returns 0 (or a count, where it says so) or a
 * negative errno and then should have changed nothing it can avoid
 * changing. Common ones: -ENOENT, -EEXIST, -ENOTDIR, -EISDIR, -ENOTEMPTY,
 * -ENOSPC, -EFBIG, -ENAMETOOLONG, -EIO (device error), -EUCLEAN (the
 * on-disk structure is corrupt: log one line with kiln_log and refuse).
 *
 * What the VFS checks before calling, so a filesystem need not:
 *  - names are one component: 1..FS_NAME_MAX bytes, no '/', NUL-ended,
 *    never "." or ".." for create/mkdir/symlink/unlink/rmdir/rename;
 *  - directory arguments are directories, and file arguments of read,
 *    write and truncate are regular files (getattr was asked first);
 *  - a mount flagged FS_MOUNT_RDONLY gets no modifying call (-EROFS),
 *    and a NULL modifying operation means read-only too;
 *  - unlink is never given a directory and rmdir never a non-directory;
 *    rename never moves a directory into its own subtree, and replaces
 *    an existing target only when the kinds agree (file over file, dir
 *    over dir: the filesystem checks that the dir is empty).
 *
 * Lifetime of inodes whose last name goes (unlink, rmdir, rename over).
 * The filesystem removes the name and lowers the link count but keeps
 * the inode and its data: it may still be open. The VFS calls release()
 * once no open file or cwd refers to that inode any more (at once if
 * none did); release frees the inode if its link count is 0.
 *
 * Times. Filesystems stamp atime/mtime/ctime themselves with fs_now()
 * as POSIX says (write and truncate: mtime+ctime; create/link/unlink/
 * rename: the directories' mtime+ctime; setattr: ctime). atime updates
 * are optional (like Linux's noatime).
 */
#ifndef KILN_FS_H
#define KILN_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define FS_NAME_MAX 255  /* bytes in one name, without the NUL */
#define FS_PATH_MAX 4096 /* bytes in a path, with the NUL */
#define FS_MOUNTS_MAX 8

struct fs_attr {
    uint64_t ino;
    uint32_t mode; /* S_IF* type | permission bits, kept as given */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t size;    /* bytes (a symlink: its target's length) */
    uint64_t blocks;  /* 512-byte units allocated, as st_blocks */
    uint32_t blksize; /* preferred I/O size, as st_blksize */
    struct timespec atime, mtime, ctime;
};

/* Which fields of struct fs_attr setattr() changes. */
#define FS_ATTR_MODE 1u /* permission bits only: the type never changes */
#define FS_ATTR_UID 2u
#define FS_ATTR_GID 4u
#define FS_ATTR_ATIME 8u
#define FS_ATTR_MTIME 16u

struct fs_dirent {
    uint64_t ino;
    uint8_t type; /* DT_REG, DT_DIR, DT_LNK, ... (DT_UNKNOWN if unknown) */
    char name[FS_NAME_MAX + 1]; /* NUL-ended */
};

struct fs_statfs {
    uint64_t magic; /* f_type as Linux reports it (EXT2_SUPER_MAGIC...) */
    uint64_t bsize; /* block size in bytes */
    uint64_t blocks, bfree, bavail;
    uint64_t files, ffree;
    uint64_t namelen;
};

/* What to mount: a disk (hc_blk_* index) or bytes in memory. */
struct fs_source {
    int disk;         /* hc_blk index, or -1 */
    const void *data; /* in-memory image (the boot archive), or NULL */
    size_t len;
};

#define FS_MOUNT_RDONLY 1u

struct fs_mount {
    const struct fs_type *type;
    const struct fs_ops *ops; /* set by type->mount */
    unsigned flags;           /* FS_MOUNT_*; mount may add RDONLY */
    uint64_t root;            /* root directory's inode, set by mount */
    void *priv;               /* the filesystem's own state */
    /* The VFS's own fields follow; filesystems leave them alone. */
    unsigned id; /* st_dev */
    int covered; /* index of the mount whose directory this hides */
    uint64_t covered_ino;
    char path[64]; /* where it is mounted, for messages */
};

struct fs_ops {
    /* Find name in directory dir; "." and ".." included (".." of the
     * root is the root). *ino gets its inode. -ENOENT if absent. */
    int (*lookup)(struct fs_mount *m, uint64_t dir, const char *name,
                  uint64_t *ino);

    /* Fill *a for inode ino. */
    int (*getattr)(struct fs_mount *m, uint64_t ino, struct fs_attr *a);

    /* Change the fields of a named by mask (FS_ATTR_*); stamp ctime. */
    int (*setattr)(struct fs_mount *m, uint64_t ino, const struct fs_attr *a,
                   unsigned mask);

    /* Copy up to len bytes at byte offset off into buf (the caller's
     * memory, may be the application's). Returns the count, 0 at or past
     * the end; holes read as zeros. */
    long (*read)(struct fs_mount *m, uint64_t ino, void *buf, size_t len,
                 uint64_t off);

    /* Write len bytes from buf at off, growing the file (and leaving a
     * hole between the old end and off). Returns the count written; when
     * the disk fills part-way, the count done so far, or -ENOSPC if none.
     * -EFBIG past the format's largest file. */
    long (*write)(struct fs_mount *m, uint64_t ino, const void *buf, size_t len,
                  uint64_t off);

    /* Set the size: shrinking frees blocks past it, growing leaves a
     * hole. */
    int (*truncate)(struct fs_mount *m, uint64_t ino, uint64_t size);

    /* Make a new regular file (create), directory (mkdir, with "." and
     * "..") or symlink to target (symlink) named name in dir, with mode's
     * permission bits (create/mkdir; the VFS adds no type bits, the
     * filesystem does) and uid/gid 0. *ino gets the new inode. -EEXIST
     * if the name exists. */
    int (*create)(struct fs_mount *m, uint64_t dir, const char *name,
                  uint32_t mode, uint64_t *ino);
    int (*mkdir)(struct fs_mount *m, uint64_t dir, const char *name,
                 uint32_t mode, uint64_t *ino);
    int (*symlink)(struct fs_mount *m, uint64_t dir, const char *name,
                   const char *target, uint64_t *ino);

    /* Copy a symlink's target into buf (no NUL added). Returns its
     * length, cut at len. -EINVAL if ino is not a symlink. */
    long (*readlink)(struct fs_mount *m, uint64_t ino, char *buf, size_t len);

    /* Remove name (a non-directory) from dir, lowering its link count.
     * See "Lifetime" above: do not free the inode here. */
    int (*unlink)(struct fs_mount *m, uint64_t dir, const char *name);

    /* Remove the empty directory name from dir (-ENOTEMPTY otherwise),
     * lowering the parent's link count. Do not free it here either. */
    int (*rmdir)(struct fs_mount *m, uint64_t dir, const char *name);

    /* Move odir/oname to ndir/nname atomically as far as the format
     * allows, replacing an existing nname (an empty directory only by a
     * directory: -ENOTEMPTY otherwise). A moved directory's ".." follows.
     * Renaming a name onto itself or onto another name of the same inode
     * does nothing and returns 0. The replaced inode, if any, is not
     * freed here (the VFS calls release for it). */
    int (*rename)(struct fs_mount *m, uint64_t odir, const char *oname,
                  uint64_t ndir, const char *nname);

    /* Optional (NULL: -EPERM): a new name nname in dir for inode ino. */
    int (*link)(struct fs_mount *m, uint64_t ino, uint64_t dir,
                const char *nname);

    /* Return the entry at *cookie (0: the first) in *out and set *cookie
     * to resume after it. Returns 1 with an entry, 0 at the end. Asking
     * again with a cookie the filesystem gave earlier, with the directory
     * unchanged, gives the same entry (the VFS re-asks when an entry does
     * not fit the application's buffer). Cookies fit in 63 bits. Any
     * other cookie (an application may lseek a directory anywhere) must
     * give an entry, the end or an error, never a crash. */
    int (*readdir)(struct fs_mount *m, uint64_t dir, uint64_t *cookie,
                   struct fs_dirent *out);

    /* No open file, cwd or name refers to ino any more as far as the VFS
     * knows: if its link count is 0, free it and its blocks. Optional. */
    int (*release)(struct fs_mount *m, uint64_t ino);

    /* Make everything written to ino (0: the whole filesystem) durable:
     * write back dirty blocks and hc_blk_flush. */
    int (*sync)(struct fs_mount *m, uint64_t ino);

    int (*statfs)(struct fs_mount *m, struct fs_statfs *out);

    /* Write everything back, mark the filesystem clean and let go of
     * priv's memory. Called once, at exit; m is not used afterwards. */
    int (*unmount)(struct fs_mount *m);
};

struct fs_type {
    const char *name; /* as in mount=...:NAME:... ("ext2", "cpio") */
    /* Check src and set m->ops, m->root, m->priv (and m->flags |=
     * FS_MOUNT_RDONLY if it can only be read). Refuse what cannot be used
     * safely, with one kiln_log line saying why: -EINVAL (not this format),
     * -EUCLEAN (corrupt), -EOPNOTSUPP (unsupported feature), -EROFS (rw
     * asked but only ro possible), -EIO. */
    int (*mount)(struct fs_mount *m, const struct fs_source *src);
};

/* Filesystem types (a type not linked in is simply unavailable). */
extern const struct fs_type cpio_type; /* cpio.c: newc archive, read-only */
extern const struct fs_type ext2_type; /* ext2*.c */

/* ---- services vfs.c offers to filesystems -------------------------- */

/* The wall clock now, for timestamps. */
void fs_now(struct timespec *t);

#endif
