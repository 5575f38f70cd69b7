/*
 * ext2_rename.c: rename(2) on ext2. The new name is made to point at the
 * inode before the old name goes, so a power cut in between leaves two
 * names (a link count e2fsck corrects), never none. A directory moved to
 * another parent gets its ".." rewritten and both parents' link counts
 * adjusted; moving a directory under itself is refused (EINVAL).
 */
#include <errno.h>
#include <sys/stat.h>
#include "ext2.h"

#define WALK_MAX 4096 /* deeper ".." chains than this are corrupt */

/* Whether dir is anc or lies below it (following ".." to the root). */
static int dir_below(struct ext2_fs *fs, uint32_t dir, uint32_t anc)
{
    for (int n = 0; n < WALK_MAX; n++) {
        if (dir == anc)
            return 1;
        if (dir == EXT2_ROOT_INO)
            return 0;
        int err = ext2_dir_lookup(fs, dir, "..", 2, &dir);
        if (err)
            return err;
    }
    return ext2_corrupt(fs, "directory depth below", anc);
}

static int links_add(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode in;
    int err = ext2_iread(fs, ino, &in);
    if (err)
        return err;
    if (delta < 0 && !in.links_count)
        return ext2_corrupt(fs, "link count", ino);
    in.links_count += delta;
    in.ctime = ext2_now();
    return ext2_iwrite(fs, ino, &in);
}

/* Check that the source (smode) may replace the target (dino, dmode). */
static int replace_allowed(struct ext2_fs *fs, uint32_t smode, uint32_t dino,
                           uint32_t dmode)
{
    if (S_ISDIR(smode) && !S_ISDIR(dmode))
        return -ENOTDIR;
    if (!S_ISDIR(smode) && S_ISDIR(dmode))
        return -EISDIR;
    if (!S_ISDIR(dmode))
        return 0;
    int empty = ext2_dir_empty(fs, dino);
    return empty < 0 ? empty : empty ? 0 : -ENOTEMPTY;
}

/* The replaced target loses its name: a directory loses both links and
 * its parent the ".." link it held. Freed later by ext2_release. */
static int drop_target(struct ext2_fs *fs, uint32_t ndir, uint32_t dino,
                       uint32_t dmode)
{
    int err = links_add(fs, dino, S_ISDIR(dmode) ? -2 : -1);
    if (!err && S_ISDIR(dmode))
        err = links_add(fs, ndir, -1);
    return err;
}

static int is_dots(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') ||
           (len == 2 && name[0] == '.' && name[1] == '.');
}

struct rename_plan {
    uint32_t sino, dino; /* source; replaced target (0: none) */
    struct ext2_inode s, d;
    int moved_dir; /* a directory changes parent */
};

/* Everything that can refuse the rename, before any change. Returns 0
 * with the plan, 1 if there is nothing to do, or -errno. */
static int rename_check(struct ext2_fs *fs, uint32_t odir, const char *oname,
                        size_t olen, uint32_t ndir, const char *nname,
                        size_t nlen, struct rename_plan *p)
{
    if (!fs->rw)
        return -EROFS;
    if (is_dots(oname, olen) || is_dots(nname, nlen))
        return -EINVAL;
    if (nlen > EXT2_NAME_MAX)
        return -ENAMETOOLONG;
    int err = ext2_dir_lookup(fs, odir, oname, olen, &p->sino);
    if (!err)
        err = ext2_iread(fs, p->sino, &p->s);
    if (err)
        return err;
    err = ext2_dir_lookup(fs, ndir, nname, nlen, &p->dino);
    if (err == -ENOENT)
        p->dino = 0;
    else if (err)
        return err;
    else if (p->dino == p->sino)
        return 1; /* same file: POSIX says do nothing */
    if (p->dino && ((err = ext2_iread(fs, p->dino, &p->d)) ||
                    (err = replace_allowed(fs, p->s.mode, p->dino, p->d.mode))))
        return err;
    p->moved_dir = S_ISDIR(p->s.mode) && odir != ndir;
    if (p->moved_dir && (err = dir_below(fs, ndir, p->sino)) != 0)
        return err < 0 ? err : -EINVAL;
    return 0;
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname,
                size_t olen, uint32_t ndir, const char *nname, size_t nlen)
{
    struct rename_plan p;
    int err = rename_check(fs, odir, oname, olen, ndir, nname, nlen, &p);
    if (err)
        return err < 0 ? err : 0;
    unsigned ft = ext2_ftype(p.s.mode);
    err = p.dino ? ext2_dir_retarget(fs, ndir, nname, nlen, p.sino, ft)
                 : ext2_dir_add(fs, ndir, nname, nlen, p.sino, ft);
    if (!err)
        err = ext2_dir_remove(fs, odir, oname, olen);
    if (!err && p.moved_dir) {
        err = ext2_dir_retarget(fs, p.sino, "..", 2, ndir, EXT2_FT_DIR);
        if (!err)
            err = links_add(fs, odir, -1);
        if (!err)
            err = links_add(fs, ndir, 1);
    }
    if (!err)
        err = links_add(fs, p.sino, 0); /* ctime */
    if (!err && p.dino)
        err = drop_target(fs, ndir, p.dino, p.d.mode);
    return err;
}
