/*
 * vfs_walk.c: path resolution. Components are looked up one at a time
 * from the cwd, an open directory or the root; "." and ".." are the
 * filesystem's except at mount roots (".." climbs to the directory the
 * mount sits in) and at the root ("/.." is "/"). A symlink met on the
 * way is spliced into the rest of the path, at most SYMLINKS_MAX times
 * per resolution (then ELOOP). Runs under the VFS lock, so the path
 * being rewritten lives in one buffer.
 */
#include <errno.h>
#include <string.h>
#include "kiln/table.h"
#include "vfs_int.h"

/* Both buffers are allocated on first use (kiln/table.h), not in the
 * image. */
static struct walk_buffers {
    char rest[FS_PATH_MAX]; /* what is left of the path */
    char target[FS_PATH_MAX];
} * bufs;
static char *rest, *target;

static void buffers_ready(void)
{
    if (bufs)
        return;
    kiln_table((void **)&bufs, sizeof *bufs, "no memory to walk paths");
    rest = bufs->rest;
    target = bufs->target;
}

int loc_attr(struct loc at, struct fs_attr *a)
{
    return at.m->ops->getattr(at.m, at.ino, a);
}

static int loc_eq(struct loc a, struct loc b)
{
    return a.m == b.m && a.ino == b.ino;
}

static int is_dir(struct loc at)
{
    struct fs_attr a;
    int r = loc_attr(at, &a);
    return r < 0 ? r : S_ISDIR(a.mode) ? 0 : -ENOTDIR;
}

int walk_up(struct loc dir, struct loc *out)
{
    if (loc_eq(dir, vfs_root())) {
        *out = dir;
        return 0;
    }
    if (dir.ino == dir.m->root) {
        *out = vfs_covered(dir.m);
        return 0;
    }
    out->m = dir.m;
    return dir.m->ops->lookup(dir.m, dir.ino, "..", &out->ino);
}

/* walk_name in a dir already known to be a directory. */
static int name_step(struct loc dir, const char *name, struct loc *out)
{
    int r;
    if (!strcmp(name, ".")) {
        *out = dir;
        return 0;
    }
    if (!strcmp(name, ".."))
        return walk_up(dir, out);
    out->m = dir.m;
    r = dir.m->ops->lookup(dir.m, dir.ino, name, &out->ino);
    if (r == -ENOENT) {
        struct fs_mount *stub = vfs_stub_mount(dir, name);
        if (!stub)
            return r;
        *out = (struct loc){stub, stub->root};
        r = 0;
    }
    if (r == 0)
        *out = vfs_cross_down(*out);
    return r;
}

/* The entry name in directory dir, going down into mounts. */
int walk_name(struct loc dir, const char *name, struct loc *out)
{
    int r = is_dir(dir);
    return r < 0 ? r : name_step(dir, name, out);
}

/* Put symlink at's target in front of next (the part after the link). */
static int splice(struct loc at, const char *next, int slash, struct loc *dir)
{
    long n = at.m->ops->readlink(at.m, at.ino, target, FS_PATH_MAX);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return -ENOENT;
    size_t tail = strlen(next), need = (size_t)n + 1 + tail + 1;
    if (need > FS_PATH_MAX)
        return -ENAMETOOLONG;
    memmove(rest + n + 1, next, tail + 1);
    memcpy(rest, target, (size_t)n);
    rest[n] = '/';
    if (!tail && !slash)
        rest[n] = '\0';
    if (target[0] == '/')
        *dir = vfs_root();
    return 0;
}

struct walk {
    struct loc at;      /* the directory reached so far */
    int at_dir;         /* at was seen to be a directory: no getattr again */
    int follow, parent; /* follow a final symlink; stop before the last */
    char *name;         /* parent: the last component goes here */
    int slash;          /* the path ended in '/' */
};

/* Take the component at *p (its length in len); the rest starts at next. */
static int walk_step(struct walk *w, char *p, size_t len, char *next,
                     unsigned *links)
{
    int last = !*next;
    char save = p[len];
    p[len] = '\0';
    struct loc to;
    int r = w->at_dir ? name_step(w->at, p, &to) : walk_name(w->at, p, &to);
    p[len] = save;
    if (r < 0)
        return r;
    struct fs_attr a;
    r = loc_attr(to, &a);
    if (r < 0)
        return r;
    if (S_ISLNK(a.mode) && (!last || w->follow || w->slash)) {
        if (++*links > SYMLINKS_MAX)
            return -ELOOP;
        w->at_dir = 0; /* an absolute target starts again at the root */
        return splice(to, next, w->slash && last, &w->at);
    }
    if (last && w->slash && !S_ISDIR(a.mode))
        return -ENOTDIR;
    w->at = to;
    w->at_dir = S_ISDIR(a.mode);
    return 1; /* moved on */
}

static int walk(struct walk *w)
{
    unsigned links = 0;
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            return w->parent ? -EBUSY : 0; /* "/", "a/": no last name */
        size_t len = strcspn(p, "/");
        if (len > FS_NAME_MAX)
            return -ENAMETOOLONG;
        char *next = p + len;
        size_t slashes = strspn(next, "/");
        w->slash = slashes && !next[slashes];
        next += slashes;
        if (w->parent && !*next) {
            memcpy(w->name, p, len);
            w->name[len] = '\0';
            int dots = !strcmp(w->name, ".") || !strcmp(w->name, "..");
            return dots ? -EINVAL : w->at_dir ? 0 : is_dir(w->at);
        }
        int r = walk_step(w, p, len, next, &links);
        if (r < 0)
            return r;
        p = r ? next : rest; /* 0: a symlink was spliced into rest */
    }
}

static int walk_start(struct walk *w, struct vnode *base, const char *path)
{
    size_t n = strnlen(path, FS_PATH_MAX);
    if (n == FS_PATH_MAX)
        return -ENAMETOOLONG;
    if (n == 0)
        return -ENOENT;
    buffers_ready();
    memcpy(rest, path, n + 1);
    w->at = path[0] == '/' ? vfs_root() : base ? base->at : vfs_cwd_loc();
    return walk(w);
}

int walk_path(struct vnode *base, const char *path, int follow, struct loc *out)
{
    struct walk w = {.follow = follow};
    int r = walk_start(&w, base, path);
    if (r == 0)
        *out = w.at;
    return r;
}

int walk_parent(struct vnode *base, const char *path, struct loc *dir,
                char name[FS_NAME_MAX + 1], int *slash)
{
    struct walk w = {.parent = 1, .name = name};
    int r = walk_start(&w, base, path);
    if (r == 0) {
        *dir = w.at;
        *slash = w.slash;
    }
    return r;
}

/* The name child has in directory dir, found by reading dir. */
static int name_in(struct loc dir, uint64_t child, char *name)
{
    uint64_t cookie = 0;
    struct fs_dirent d;
    int r;
    while ((r = dir.m->ops->readdir(dir.m, dir.ino, &cookie, &d)) == 1)
        if (d.ino == child && strcmp(d.name, ".") && strcmp(d.name, "..")) {
            memcpy(name, d.name, strlen(d.name) + 1);
            return 0;
        }
    return r < 0 ? r : -ENOENT;
}

/* Put "/" s in front of the path being built backwards at *p. */
static int prepend(char **p, const char *s, int slash)
{
    size_t n = strlen(s);
    if ((size_t)(*p - target) < n + (size_t)slash)
        return -ENAMETOOLONG;
    *p -= n;
    memcpy(*p, s, n);
    if (slash)
        *--*p = '/';
    return 0;
}

/* Climb from the cwd to the root by "..", naming each directory from
 * its parent's entries; a mount root is named by its mount path. The
 * result is the physical path (no symlinks), as Linux's getcwd. */
static int cwd_path(char **p)
{
    char name[FS_NAME_MAX + 1];
    struct loc at = vfs_cwd_loc(), root = vfs_root(), up;
    int r = 0;
    while (r == 0 && !loc_eq(at, root)) {
        if (at.ino == at.m->root)
            return prepend(p, at.m->path, 0);
        r = walk_up(at, &up);
        if (r == 0)
            r = name_in(up, at.ino, name);
        if (r == 0)
            r = prepend(p, name, 1);
        at = up;
    }
    return r;
}

long vfs_getcwd(char *buf, size_t len)
{
    vfs_lock();
    buffers_ready();
    char *p = target + FS_PATH_MAX - 1;
    *p = '\0';
    int r = cwd_path(&p);
    if (r == 0 && !*p)
        r = prepend(&p, "/", 0);
    size_t n = strlen(p) + 1;
    if (r == 0 && n > len)
        r = -ERANGE;
    if (r == 0)
        memcpy(buf, p, n);
    vfs_unlock();
    return r < 0 ? r : (long)n;
}
