/*
 * vfs.c: the mount table, the table of vnodes (inodes held by open
 * files and the cwd), the lock that makes filesystems see one call at a
 * time, and the services fs.h promises filesystems (fs_now).
 *
 * Mounts come from the boot archive (the root; without one, an empty
 * root made at the first use) and mount= boot options.
 * A mount may cover an existing directory, or a name that does not exist
 * in its parent (a read-only archive cannot grow a /data directory): the
 * name then resolves to the mount, though readdir of the parent does not
 * list it. Limits: FS_MOUNTS_MAX mounts, no unmount before exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "kiln/lock.h"
#include "kiln/log.h"
#include "kiln/table.h"
#include "hypercall.h"
#include "vfs_int.h"

/* Filesystems linked in; weak so an image without one still links. */
extern const struct fs_type ext2_type __attribute__((weak));

static struct fs_mount mounts[FS_MOUNTS_MAX];
static unsigned nmounts;
/* Where mount i sits: the directory holding its name, and the name. */
static struct loc mount_parent[FS_MOUNTS_MAX];
static struct vnode *vnodes; /* VNODES_MAX of them, on first use: 7 KiB */
static struct vnode *cwd;

static struct kiln_lock lock;

/* Why a mount failed, in words. Not strerror: mounts happen before
 * musl is set up (its strerror needs the thread pointer). */
static const char *err_text(int e)
{
    switch (e) {
    case EINVAL: return "not this format or bad option";
    case ENOENT: return "no such directory";
    case ENOTDIR: return "not a directory";
    case ENODEV: return "no such device";
    case ENOMEM: return "out of memory or mount table full";
    case EUCLEAN: return "the filesystem is corrupt";
    case EOPNOTSUPP: return "uses a feature not supported";
    case EROFS: return "can only be mounted read-only";
    case EIO: return "I/O error";
    case EFBIG: return "too big";
    default: return "error";
    }
}

void fs_now(struct timespec *t)
{
    int64_t ns = (int64_t)hc_clock_monotonic() + hc_clock_wall_offset();
    t->tv_sec = ns / 1000000000;
    t->tv_nsec = ns % 1000000000;
}

void vfs_lock(void)
{
    kiln_lock(&lock);
}

void vfs_unlock(void)
{
    kiln_unlock(&lock);
}

static int loc_eq(struct loc a, struct loc b)
{
    return a.m == b.m && a.ino == b.ino;
}

/* Slots from vnode_top on are all free: the scans below stop there, so
 * a program holding few files (and stat, which holds one for a moment)
 * pays for few, not VNODES_MAX. */
static unsigned vnode_top;

struct vnode *vnode_new(struct loc at)
{
    kiln_table((void **)&vnodes, VNODES_MAX * sizeof *vnodes,
               "no memory for vnodes");
    unsigned free_slot = VNODES_MAX;
    for (unsigned i = 0; i < vnode_top; i++) {
        if (vnodes[i].refs && loc_eq(vnodes[i].at, at)) {
            vnodes[i].refs++;
            return &vnodes[i];
        }
        if (!vnodes[i].refs && free_slot == VNODES_MAX)
            free_slot = i;
    }
    if (free_slot == VNODES_MAX && vnode_top < VNODES_MAX)
        free_slot = vnode_top++;
    if (free_slot == VNODES_MAX)
        return NULL;
    vnodes[free_slot] = (struct vnode){at, 1};
    return &vnodes[free_slot];
}

int vnode_in_use(struct loc at)
{
    for (unsigned i = 0; i < vnode_top; i++)
        if (vnodes[i].refs && loc_eq(vnodes[i].at, at))
            return 1;
    return 0;
}

/* v's last reference went: lower the top past free slots, then let the
 * filesystem free the inode if no name is left. */
static void vnode_drop(struct vnode *v)
{
    while (vnode_top && !vnodes[vnode_top - 1].refs)
        vnode_top--;
    vfs_forget(v->at);
}

void vfs_forget(struct loc at)
{
    if (!vnode_in_use(at) && at.m->ops->release)
        at.m->ops->release(at.m, at.ino);
}

struct vnode *vfs_get(struct vnode *v)
{
    v->refs++;
    return v;
}

void vfs_put(struct vnode *v)
{
    if (!v)
        return;
    vfs_lock();
    if (--v->refs == 0)
        vnode_drop(v);
    vfs_unlock();
}

static unsigned mount_index(const struct fs_mount *m)
{
    return (unsigned)(m - mounts);
}

struct loc vfs_cross_down(struct loc at)
{
    for (unsigned i = nmounts; i-- > 1;) {
        struct fs_mount *m = &mounts[i];
        if (m->covered_ino && m->covered == (int)mount_index(at.m) &&
            m->covered_ino == at.ino)
            return vfs_cross_down((struct loc){m, m->root});
    }
    return at;
}

struct fs_mount *vfs_stub_mount(struct loc dir, const char *name)
{
    for (unsigned i = nmounts; i-- > 1;) {
        const char *slash = strrchr(mounts[i].path, '/');
        if (!mounts[i].covered_ino && loc_eq(mount_parent[i], dir) && slash &&
            !strcmp(slash + 1, name))
            return &mounts[i];
    }
    return NULL;
}

struct loc vfs_covered(struct fs_mount *m)
{
    unsigned i = mount_index(m);
    return i ? mount_parent[i] : vfs_root();
}

static void mount_root(void);

/* Without a boot archive the root is an empty one, made here at the
 * first use: a program that never names a file never pays for it. */
struct loc vfs_root(void)
{
    if (!nmounts)
        mount_root();
    return vfs_cross_down((struct loc){&mounts[0], mounts[0].root});
}

struct loc vfs_cwd_loc(void)
{
    return cwd ? cwd->at : vfs_root();
}

int vfs_chdir(struct vnode *dir)
{
    struct fs_attr a;
    vfs_lock();
    int r = loc_attr(dir->at, &a);
    if (r == 0 && !S_ISDIR(a.mode))
        r = -ENOTDIR;
    if (r == 0) {
        struct vnode *old = cwd;
        cwd = vfs_get(dir);
        if (old && --old->refs == 0)
            vnode_drop(old);
    }
    vfs_unlock();
    return r;
}

/* ---- mounting ------------------------------------------------------ */

static const struct fs_type *type_named(const char *name)
{
    const struct fs_type *types[] = {&cpio_type, &ext2_type};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i] && !strcmp(types[i]->name, name))
            return types[i];
    return NULL;
}

/* src cut to fit. Not snprintf, which would run musl's whole formatter
 * at every boot for this copy alone (slow to translate under TCG), nor
 * strlcpy, which the host build's glibc lacks. */
static void path_copy(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

static int mount_at(const struct fs_type *t, const struct fs_source *src,
                    unsigned flags, const char *path)
{
    if (nmounts == FS_MOUNTS_MAX)
        return -ENOMEM;
    struct fs_mount *m = &mounts[nmounts];
    /* place_mount has already said what this mount covers; keep it */
    *m = (struct fs_mount){.type = t,
                           .flags = flags,
                           .id = nmounts + 1,
                           .covered = m->covered,
                           .covered_ino = m->covered_ino};
    path_copy(m->path, sizeof m->path, path);
    int r = t->mount(m, src);
    if (r < 0)
        return r;
    if (!m->ops || !m->root)
        hc_abort("vfs: a filesystem mounted without ops or root");
    nmounts++;
    return 0;
}

/* Where a new mount goes: the directory named by path, or a name that
 * does not exist yet in an existing directory. */
static int place_mount(const char *path, unsigned idx)
{
    struct fs_mount *m = &mounts[idx];
    if (!strcmp(path, "/")) {
        struct loc r = vfs_root();
        m->covered = (int)mount_index(r.m);
        m->covered_ino = r.ino;
        mount_parent[idx] = r;
        return 0;
    }
    char name[FS_NAME_MAX + 1];
    int slash;
    struct loc dir, at;
    int r = walk_parent(NULL, path, &dir, name, &slash);
    if (r < 0)
        return r;
    mount_parent[idx] = dir;
    m->covered = (int)mount_index(dir.m);
    r = dir.m->ops->lookup(dir.m, dir.ino, name, &at.ino);
    if (r == -ENOENT) {
        m->covered_ino = 0;
        return 0;
    }
    struct fs_attr a;
    at.m = dir.m;
    if (r == 0)
        r = loc_attr(at, &a);
    if (r == 0 && !S_ISDIR(a.mode))
        r = -ENOTDIR;
    m->covered_ino = at.ino;
    return r;
}

/* Weak: the disk calls come with the code that reads disks (ext2's
 * block cache, raw disks); without them there is no disk to mount. */
#pragma weak hc_blk_info

static int disk_of(const char *src)
{
    struct hc_blk_info bi;
    if (!hc_blk_info || strncmp(src, "/dev/vd", 7) || src[7] < 'a' ||
        src[7] > 'z' || src[8] ||
        hc_blk_info((unsigned)(src[7] - 'a'), &bi) < 0)
        return -1;
    return src[7] - 'a';
}

/* Split SOURCE:TARGET:TYPE[:rw|:ro] (e.g. /dev/vda:/data:ext2:rw) into
 * f[0..3]; f[3] defaults to "rw". Returns 0 or -1. */
static int split_option(char *buf, char *f[4])
{
    f[0] = buf;
    f[3] = "rw";
    for (unsigned i = 1; i < 4; i++) {
        char *c = strchr(f[i - 1], ':');
        if (!c && i < 3)
            return -1;
        if (!c)
            break;
        *c = '\0';
        f[i] = c + 1;
    }
    if (f[1][0] != '/' || (strcmp(f[3], "rw") && strcmp(f[3], "ro")))
        return -1;
    return 0;
}

static int mount_option(const char *opt)
{
    char buf[FS_PATH_MAX], *f[4];
    snprintf(buf, sizeof buf, "%s", opt);
    if (split_option(buf, f) < 0) {
        kiln_log("vfs: mount=%s: want /dev/vdX:/DIR:TYPE[:rw|:ro]", opt);
        return -EINVAL;
    }
    const struct fs_type *t = type_named(f[2]);
    int disk = disk_of(f[0]);
    if (!t || disk < 0) {
        kiln_log("vfs: mount=%s: %s '%s'", opt,
                 t ? "no such disk" : "no filesystem type", t ? f[0] : f[2]);
        return -ENODEV;
    }
    struct fs_source src = {.disk = disk};
    unsigned flags = !strcmp(f[3], "ro") ? FS_MOUNT_RDONLY : 0;
    vfs_lock();
    int r = place_mount(f[1], nmounts);
    if (r == 0)
        r = mount_at(t, &src, flags, f[1]);
    vfs_unlock();
    if (r < 0)
        kiln_log("vfs: mount=%s failed: %s", opt, err_text(-r));
    else
        kiln_log("vfs: mounted %s on %s (%s, %s)", f[0], f[1], f[2],
                 mounts[nmounts - 1].flags & FS_MOUNT_RDONLY ? "ro" : "rw");
    return r;
}

static void mount_root(void)
{
    struct fs_source src = {.disk = -1};
    if (hc_boot_module(0, &src.data, &src.len) == 0) {
        int r = mount_at(&cpio_type, &src, FS_MOUNT_RDONLY, "/");
        if (r == 0)
            return;
        kiln_log("vfs: the boot module is not a usable newc cpio archive "
                 "(%s); / is empty",
                 err_text(-r));
    }
    src = (struct fs_source){.disk = -1};
    if (mount_at(&cpio_type, &src, FS_MOUNT_RDONLY, "/") < 0)
        hc_abort("vfs: cannot make an empty root");
}

int vfs_init(const char *const *mount_opts, unsigned n)
{
    int failed = 0;
    const void *data;
    size_t len;
    /* now when there is an archive, so a bad one is reported at boot,
     * or mounts to place in it */
    if (n || hc_boot_module(0, &data, &len) == 0)
        mount_root();
    for (unsigned i = 0; i < n; i++)
        failed += mount_option(mount_opts[i]) < 0;
    return failed;
}

void vfs_sync_all(void)
{
    vfs_lock();
    for (unsigned i = 0; i < nmounts; i++) {
        struct fs_mount *m = &mounts[i];
        if (m->ops->sync && !(m->flags & FS_MOUNT_RDONLY))
            m->ops->sync(m, 0);
    }
    vfs_unlock();
}

void vfs_unmount_all(void)
{
    if (!nmounts)
        return; /* the empty root was never needed */
    vfs_lock();
    for (unsigned i = nmounts; i-- > 0;) {
        struct fs_mount *m = &mounts[i];
        int r = m->ops->unmount ? m->ops->unmount(m)
                : m->ops->sync  ? m->ops->sync(m, 0)
                                : 0;
        if (r < 0)
            kiln_log("vfs: unmounting %s: %s", m->path, err_text(-r));
    }
    nmounts = 0;
    vfs_unlock();
}
