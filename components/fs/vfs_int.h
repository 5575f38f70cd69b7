/*
 * vfs_int.h: the map of the file layer's own files (vfs.c: lock, vnodes,
 * mounts; vfs_walk.c: path resolution; vfs_ops.c: the calls of vfs.h).
 */
#ifndef KILN_VFS_INT_H
#define KILN_VFS_INT_H

#include "vfs.h"

#define VNODES_MAX 300  /* open files (FILES_MAX) + cwd + slack */
#define SYMLINKS_MAX 40 /* per resolution, as Linux's ELOOP limit */

/* A place in the tree: one inode of one mount. */
struct loc {
    struct fs_mount *m;
    uint64_t ino;
};

struct vnode {
    struct loc at;
    unsigned refs; /* 0: slot free */
};

/* vfs.c */
/* Every vfs.h call runs under this lock: one filesystem call at a time
 * (fs.h's promise), and the scratch buffers below are shared. */
void vfs_lock(void);
void vfs_unlock(void);
struct vnode *vnode_new(struct loc at); /* NULL: table full (ENFILE) */
int vnode_in_use(struct loc at);
/* A name went away: release its inode unless a vnode still holds it. */
void vfs_forget(struct loc at);
struct loc vfs_root(void);
struct loc vfs_cwd_loc(void);
/* The mount hidden under the directory at, if any, else at itself. */
struct loc vfs_cross_down(struct loc at);
/* A mount on a name that does not exist in parent dir, or NULL. */
struct fs_mount *vfs_stub_mount(struct loc dir, const char *name);
/* The place a mount root covers (for ".."); its root for "/". */
struct loc vfs_covered(struct fs_mount *m);

/* vfs_walk.c */
/* Resolve path from base (NULL: cwd). follow: follow a final symlink.
 * A trailing '/' requires a directory. */
int walk_path(struct vnode *base, const char *path, int follow,
              struct loc *out);
/* Resolve all but the last component: its directory in *dir and the
 * name (1..FS_NAME_MAX bytes, never "." or "..": -EINVAL/-EEXIST...)
 * copied into name. *slash is set if the path ended in '/'. */
int walk_parent(struct vnode *base, const char *path, struct loc *dir,
                char name[FS_NAME_MAX + 1], int *slash);
int loc_attr(struct loc at, struct fs_attr *a);
/* One step: name (may be "." or "..") in directory dir, into mounts. */
int walk_name(struct loc dir, const char *name, struct loc *out);
/* ".." of dir, across mount roots; the root's is itself. */
int walk_up(struct loc dir, struct loc *out);

#endif
