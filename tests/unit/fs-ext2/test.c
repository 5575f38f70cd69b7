/*
 * fs-ext2/test.c: host unit test of the block cache and ext2, checked
 * against e2fsprogs. For 1, 2 and 4 KiB blocks: mkfs.ext2 -d makes an
 * image from a directory made here; we mount it, read every file back,
 * then create, write (indirect blocks, sparse), truncate, link, rename,
 * unlink and rmdir; after unmount `e2fsck -fn` must call it clean and
 * `debugfs` must show what we wrote. Then hashed directories, a full
 * disk (ENOSPC, still clean), refused features and corrupt metadata.
 *
 * links: components/fs/bcache.c components/fs/ext2_*.c
 */
#include "hostblk.h"
#include <sys/wait.h>
#include "../../../components/fs/ext2.h"
#include "tap.h"

static char tmp[256], img[300], src[300];
static unsigned bsize;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

static void host_write(const char *name, const void *p, size_t n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", src, name);
    FILE *f = fopen(path, "w");
    fwrite(p, 1, n, f);
    fclose(f);
}

/* Inode of an absolute path, resolved by components. */
static int walk(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    *ino = EXT2_ROOT_INO;
    while (*path) {
        while (*path == '/')
            path++;
        size_t n = strcspn(path, "/");
        if (!n)
            break;
        int err = ext2_dir_lookup(fs, *ino, path, n, ino);
        if (err)
            return err;
        path += n;
    }
    return 0;
}

/* Split path into parent inode and last name. */
static int parent_of(struct ext2_fs *fs, const char *path, uint32_t *dir,
                     const char **name)
{
    const char *slash = strrchr(path, '/');
    char p[256];
    snprintf(p, sizeof p, "%.*s", (int)(slash - path), path);
    *name = slash + 1;
    return walk(fs, p, dir);
}

static int mkfile(struct ext2_fs *fs, const char *path, const void *data,
                  size_t n, uint64_t off)
{
    uint32_t dir, ino;
    const char *name;
    int err = parent_of(fs, path, &dir, &name);
    if (!err)
        err = ext2_create(fs, dir, name, strlen(name), S_IFREG | 0640, 1000,
                          100, 0, &ino);
    if (err)
        return err;
    long w = ext2_file_write(fs, ino, data, n, off);
    return w < 0 ? (int)w : w == (long)n ? 0 : -EIO;
}

/* unlink or rmdir, then release as the VFS does once nothing holds it */
static int rm(struct ext2_fs *fs, uint32_t dir, const char *name, int rmd)
{
    uint32_t ino;
    int err = ext2_dir_lookup(fs, dir, name, strlen(name), &ino);
    if (!err)
        err = ext2_unlink(fs, dir, name, strlen(name), rmd);
    return err ? err : ext2_release(fs, ino);
}

static int mkdir_p(struct ext2_fs *fs, const char *path)
{
    uint32_t dir, ino;
    const char *name;
    int err = parent_of(fs, path, &dir, &name);
    return err ? err
               : ext2_create(fs, dir, name, strlen(name), S_IFDIR | 0755, 0, 0,
                             0, &ino);
}

static int same_content(struct ext2_fs *fs, const char *path, const void *want,
                        size_t n)
{
    uint32_t ino;
    static uint8_t got[4 << 20];
    if (walk(fs, path, &ino))
        return 0;
    long r = ext2_file_read(fs, ino, got, sizeof got, 0);
    return r == (long)n && !memcmp(got, want, n);
}

static int fsck_clean(void)
{
    return sh("e2fsck -fn %s > %s/fsck.log 2>&1", img, tmp) == 0;
}

static int fsck_show(void)
{
    return sh("sed 's/^/#   /' %s/fsck.log | head -20", tmp);
}

static uint8_t big[1200 * 1024], other[300 * 1024];
static const char long_target[] =
    "a/target/that/is/longer/than/sixty/characters/so/it/needs/a/block/x";

static void make_source(void)
{
    sh("rm -rf %s && mkdir -p %s/sub/deeper", src, src);
    fill(big, sizeof big, 1);
    host_write("big.bin", big, sizeof big);
    host_write("small.txt", "hello ext2\n", 11);
    host_write("sub/deeper/nested.txt", "nested\n", 7);
    host_write("empty", "", 0);
    sh("cd %s && ln -s small.txt fast-link && ln -s %s slow-link", src,
       long_target);
    sh("dd if=/dev/zero of=%s/sparse bs=1 count=1 seek=3000000 2>/dev/null",
       src);
}

static struct ext2_fs *mount_img(int rw)
{
    struct ext2_fs *fs = NULL;
    hostblk_attach(img, !rw);
    int err = ext2_mount(0, rw, &fs);
    if (err)
        printf("# mount: %d\n", err);
    return err ? NULL : fs;
}

static void check_read(struct ext2_fs *fs)
{
    tap_check(same_content(fs, "/big.bin", big, sizeof big), "read big file",
              NULL);
    tap_check(same_content(fs, "/small.txt", "hello ext2\n", 11),
              "read small file", NULL);
    tap_check(same_content(fs, "/sub/deeper/nested.txt", "nested\n", 7),
              "read nested file", NULL);
    char link[200] = {0};
    uint32_t ino;
    walk(fs, "/fast-link", &ino);
    long n = ext2_readlink(fs, ino, link, sizeof link);
    tap_check(n == 9 && !memcmp(link, "small.txt", 9), "fast symlink", NULL);
    walk(fs, "/slow-link", &ino);
    n = ext2_readlink(fs, ino, link, sizeof link);
    tap_check(n == (long)strlen(long_target) &&
                  !memcmp(link, long_target, (size_t)n),
              "slow symlink", "%ld", n);
    uint8_t buf[4096];
    walk(fs, "/sparse", &ino);
    struct ext2_stat st;
    ext2_stat(fs, ino, &st);
    n = ext2_file_read(fs, ino, buf, sizeof buf, 2000000);
    tap_check(st.size == 3000001 && n == 4096 && all_bytes(buf, 4096, 0),
              "sparse file reads zeros", "size %llu",
              (unsigned long long)st.size);
}

/* Count entries of a directory through ext2_dir_next. */
static int count_entries(struct ext2_fs *fs, const char *path)
{
    uint32_t dir;
    uint64_t pos = 0;
    struct ext2_dent d;
    int n = 0;
    if (walk(fs, path, &dir))
        return -1;
    while (ext2_dir_next(fs, dir, &pos, &d) == 1)
        n++;
    return n;
}

static void do_writes(struct ext2_fs *fs)
{
    fill(other, sizeof other, 2);
    tap_check(mkdir_p(fs, "/new") == 0, "mkdir", NULL);
    tap_check(mkdir_p(fs, "/new/a") == 0, "nested mkdir", NULL);
    tap_check(mkfile(fs, "/new/a/file", other, sizeof other, 0) == 0,
              "write 300 KiB file", NULL);
    tap_check(mkfile(fs, "/new/holey", "end", 3, 5 << 20) == 0,
              "sparse write at 5 MiB", NULL);
    tap_check(mkfile(fs, "/new/huge", "x", 1, 3ull << 30) == 0,
              "sparse write at 3 GiB (large_file)", NULL);
    tap_check(mkdir_p(fs, "/new") == -EEXIST, "mkdir existing: EEXIST", NULL);
    uint32_t dir, ino;
    walk(fs, "/new", &dir);
    tap_check(ext2_symlink(fs, dir, "sl", 2, long_target, 0, 0, &ino) == 0,
              "create slow symlink", NULL);
    tap_check(ext2_symlink(fs, dir, "fl", 2, "a/file", 0, 0, &ino) == 0,
              "create fast symlink", NULL);
    walk(fs, "/big.bin", &ino);
    tap_check(ext2_truncate(fs, ino, 5000) == 0, "truncate shrink", NULL);
    tap_check(ext2_truncate(fs, ino, 100000) == 0, "truncate extend", NULL);
    uint8_t buf[100000];
    tap_check(ext2_file_read(fs, ino, buf, sizeof buf, 0) == 100000 &&
                  !memcmp(buf, big, 5000) && all_bytes(buf + 5000, 95000, 0),
              "truncated file: kept head, zero tail", NULL);
    walk(fs, "/small.txt", &ino);
    tap_check(ext2_link(fs, ino, dir, "hard", 4) == 0, "hard link", NULL);
    tap_check(ext2_rename(fs, EXT2_ROOT_INO, "sub", 3, dir, "moved", 5) == 0,
              "rename directory to another parent", NULL);
    uint32_t a;
    walk(fs, "/new/a", &a);
    tap_check(ext2_rename(fs, dir, "moved", 5, a, "x", 1) == 0,
              "rename directory deeper", NULL);
    walk(fs, "/new/a/x", &ino);
    tap_check(ext2_rename(fs, a, "x", 1, ino, "y", 1) == -EINVAL,
              "rename directory under itself: EINVAL", NULL);
    tap_check(rm(fs, EXT2_ROOT_INO, "empty", 0) == 0, "unlink", NULL);
    tap_check(rm(fs, dir, "a", 1) == -ENOTEMPTY, "rmdir non-empty: ENOTEMPTY",
              NULL);
    tap_check(rm(fs, dir, "a", 0) == -EISDIR, "unlink directory: EISDIR", NULL);
    char name[48];
    int bad = 0;
    mkdir_p(fs, "/many");
    walk(fs, "/many", &dir);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "entry-with-a-longish-name-%d", i);
        bad |= ext2_create(fs, dir, name, strlen(name), S_IFREG | 0644, 0, 0, 0,
                           &ino);
    }
    for (int i = 0; i < 300; i += 2) {
        snprintf(name, sizeof name, "entry-with-a-longish-name-%d", i);
        bad |= rm(fs, dir, name, 0);
    }
    tap_check(!bad && count_entries(fs, "/many") == 152,
              "300 creates, 150 unlinks, 152 entries", NULL);
    mkdir_p(fs, "/gone");
    mkfile(fs, "/gone/f", other, 5000, 0);
    walk(fs, "/gone", &dir);
    tap_check(rm(fs, dir, "f", 0) == 0 && rm(fs, EXT2_ROOT_INO, "gone", 1) == 0,
              "rmdir after emptying", NULL);
    /* replace a file by rename, the old one held open: freed at release */
    mkfile(fs, "/r1", "one", 3, 0);
    mkfile(fs, "/r2", "two", 3, 0);
    walk(fs, "/r2", &ino);
    tap_check(ext2_rename(fs, EXT2_ROOT_INO, "r1", 2, EXT2_ROOT_INO, "r2", 2) ==
                  0,
              "rename over an existing file", NULL);
    tap_check(ext2_file_read(fs, ino, buf, 10, 0) == 3 &&
                  !memcmp(buf, "two", 3),
              "replaced file still readable while open", NULL);
    tap_check(ext2_release(fs, ino) == 0 && ext2_release(fs, ino) == 0,
              "release the replaced file (twice: no-op)", NULL);
}

static void check_after(void)
{
    if (!tap_check(fsck_clean(), "e2fsck -fn clean after writes", NULL))
        fsck_show();
    FILE *f;
    char path[400];
    snprintf(path, sizeof path, "%s/want", tmp);
    f = fopen(path, "w");
    fwrite(other, 1, sizeof other, f);
    fclose(f);
    tap_check(sh("debugfs -R 'dump /new/a/file %s/got' %s >/dev/null 2>&1 && "
                 "cmp -s %s/got %s/want",
                 tmp, img, tmp, tmp) == 0,
              "debugfs dumps the written file", NULL);
    tap_check(sh("debugfs -R 'cat /new/a/x/deeper/nested.txt' %s 2>/dev/null "
                 "| grep -qx nested",
                 img) == 0,
              "debugfs follows the renamed directories", NULL);
    tap_check(sh("debugfs -R 'stat /new/sl' %s 2>/dev/null | grep -q "
                 "'Fast link dest' ; test $? = 1",
                 img) == 0,
              "slow symlink is not fast", NULL);
    tap_check(sh("debugfs -R 'cat /r2' %s 2>/dev/null | grep -qx one", img) ==
                  0,
              "renamed-over name holds the new file", NULL);
}

static void test_blocksize(unsigned bs)
{
    bsize = bs;
    printf("# block size %u\n", bs);
    make_source();
    sh("rm -f %s && mkfs.ext2 -q -F -b %u -d %s %s 16M >/dev/null 2>&1", img,
       bs, src, img);
    struct ext2_fs *fs = mount_img(1);
    if (!tap_check(fs != NULL, "mount rw", NULL))
        return;
    check_read(fs);
    do_writes(fs);
    hostblk_writes = 0;
    tap_check(ext2_unmount(fs) == 0, "unmount", NULL);
    printf("# %lu write requests in all\n", hostblk_writes);
    check_after();
    fs = mount_img(0);
    hostblk_reads = 0;
    tap_check(fs && same_content(fs, "/new/a/file", other, sizeof other),
              "remount ro and read back", NULL);
    unsigned long blocks = sizeof other / bs;
    tap_check(hostblk_reads < blocks / 4 + 8, "read-ahead: few requests",
              "%lu requests for %lu blocks", hostblk_reads, blocks);
    if (fs)
        ext2_unmount(fs);
}

/* A directory indexed by e2fsck -D is read linearly; changing it drops
 * the index flag and e2fsck stays happy. */
static void test_htree(void)
{
    printf("# hashed directory\n");
    sh("rm -rf %s && mkdir -p %s/h", src, src);
    for (int i = 0; i < 400; i++) {
        char name[64];
        snprintf(name, sizeof name, "h/file-number-%04d", i);
        host_write(name, name, strlen(name));
    }
    sh("rm -f %s && mkfs.ext2 -q -F -b 1024 -d %s %s 8M >/dev/null && "
       "e2fsck -fyD %s >/dev/null 2>&1",
       img, src, img, img);
    tap_check(sh("debugfs -R 'htree /h' %s 2>/dev/null | grep -q 'Root node'",
                 img) == 0,
              "e2fsck -D indexed the directory", NULL);
    struct ext2_fs *fs = mount_img(1);
    if (!tap_check(fs != NULL, "mount", NULL))
        return;
    int ok = 1;
    for (int i = 0; i < 400; i += 37) {
        char name[64];
        snprintf(name, sizeof name, "/h/file-number-%04d", i);
        ok &= same_content(fs, name, name + 1, strlen(name + 1));
    }
    tap_check(ok && count_entries(fs, "/h") == 402,
              "hashed directory: lookups and readdir", NULL);
    uint32_t dir, ino;
    walk(fs, "/h", &dir);
    tap_check(rm(fs, dir, "file-number-0005", 0) == 0 &&
                  ext2_create(fs, dir, "added", 5, S_IFREG | 0644, 0, 0, 0,
                              &ino) == 0,
              "change the hashed directory", NULL);
    ext2_unmount(fs);
    if (!tap_check(fsck_clean(), "e2fsck clean after changing it", NULL))
        fsck_show();
}

/* Fill the disk with data, then with inodes; ENOSPC, then clean. */
static void test_enospc(void)
{
    printf("# full disk\n");
    sh("rm -rf %s && mkdir -p %s && rm -f %s && "
       "mkfs.ext2 -q -F -b 1024 -N 64 %s 2M >/dev/null 2>&1",
       src, src, img, img);
    struct ext2_fs *fs = mount_img(1);
    if (!tap_check(fs != NULL, "mount", NULL))
        return;
    uint32_t ino;
    int err = ext2_create(fs, EXT2_ROOT_INO, "fill", 4, S_IFREG | 0644, 0, 0, 0,
                          &ino);
    long w = 0;
    uint64_t off = 0;
    while (!err && (w = ext2_file_write(fs, ino, other, sizeof other, off)) > 0)
        off += (uint64_t)w;
    tap_check(w == -ENOSPC && off > 1500000, "write until ENOSPC",
              "%ld after %llu", w, (unsigned long long)off);
    int n = 0;
    char name[48];
    do {
        snprintf(name, sizeof name, "d%d", n++);
        err = ext2_create(fs, EXT2_ROOT_INO, name, strlen(name), S_IFDIR | 0755,
                          0, 0, 0, &ino);
    } while (!err && n < 1000);
    tap_check(err == -ENOSPC, "mkdir on a full disk: ENOSPC", "%d", err);
    ext2_truncate(fs, 12, 400000);
    walk(fs, "/fill", &ino);
    ext2_truncate(fs, ino, 300000);
    n = 0;
    do {
        snprintf(name, sizeof name, "f%d", n++);
        err = ext2_create(fs, EXT2_ROOT_INO, name, strlen(name), S_IFREG | 0644,
                          0, 0, 0, &ino);
    } while (!err && n < 1000);
    tap_check(err == -ENOSPC && n < 100, "creates until inodes run out",
              "%d after %d", err, n);
    tap_check(ext2_unmount(fs) == 0, "unmount", NULL);
    if (!tap_check(fsck_clean(), "e2fsck clean after ENOSPC", NULL))
        fsck_show();
}

/* Patch 4 bytes of the superblock at offset off. */
static void sb_or(unsigned off, uint32_t bits)
{
    int fd = open(img, O_RDWR);
    uint32_t v;
    pread(fd, &v, 4, 1024 + off);
    v |= bits;
    pwrite(fd, &v, 4, 1024 + off);
    close(fd);
}

/* The state field of the superblock on disk. */
static unsigned sb_state(void)
{
    uint16_t v = 0;
    int fd = open(img, O_RDONLY);
    pread(fd, &v, 2, 1024 + 58);
    close(fd);
    return v;
}

static int mount_err(int rw)
{
    struct ext2_fs *fs;
    hostblk_attach(img, 0);
    int err = ext2_mount(0, rw, &fs);
    if (!err)
        ext2_unmount(fs);
    return err;
}

static void test_refusals(void)
{
    printf("# refused features and corrupt metadata\n");
    hostblk_quiet = 1;
    sh("rm -f %s && mkfs.ext2 -q -F -b 1024 %s 4M >/dev/null && cp %s %s.orig",
       img, img, img, img);
    sb_or(96, 0x40); /* extents */
    tap_check(mount_err(0) == -EOPNOTSUPP, "unknown incompat feature refused",
              NULL);
    sh("cp %s.orig %s", img, img);
    sb_or(96, 0x4); /* needs_recovery */
    tap_check(mount_err(0) == -EOPNOTSUPP, "journal needing recovery refused",
              NULL);
    sh("cp %s.orig %s", img, img);
    sb_or(100, 0x400); /* metadata_csum */
    tap_check(mount_err(1) == -EROFS && mount_err(0) == 0,
              "unknown ro_compat: read-only only", NULL);
    sh("cp %s.orig %s", img, img);
    sb_or(24, 7); /* block size log */
    tap_check(mount_err(0) == -EUCLEAN, "bad block size refused", NULL);
    sh("cp %s.orig %s", img, img);
    sb_or(56, 0x4); /* magic */
    tap_check(mount_err(0) == -EINVAL, "no magic: not ext2", NULL);
    sh("cp %s.orig %s", img, img);
    tap_check(mount_err(1) == 0 && fsck_clean(), "clean after rw mount", NULL);
    struct ext2_fs *fs;
    hostblk_attach(img, 0);
    ext2_mount(0, 1, &fs);
    tap_check(sb_state() == 0, "state says in use while mounted rw", NULL);
    tap_check(mount_err(0) == -EBUSY, "a mounted disk cannot be mounted twice",
              NULL);
    bcache_drop(&fs->dev); /* a crash: never unmounted */
    ext2_cache_free(fs);   /* (the crashed machine's memory goes too) */
    fs->in_use = 0;
    tap_check(mount_err(1) == 0, "not cleanly unmounted: mounts (warns)", NULL);
    tap_check(sb_state() == 0, "and stays marked not clean", NULL);
    sh("e2fsck -fy %s >/dev/null 2>&1", img);
    tap_check(mount_err(1) == 0 && sb_state() == 1 && fsck_clean(),
              "clean again after e2fsck", NULL);
    hostblk_quiet = 0;
}

int main(void)
{
    if (sh("command -v mkfs.ext2 e2fsck debugfs >/dev/null") != 0) {
        printf("ok 1 - fs-ext2 # SKIP e2fsprogs missing (make deps)\n");
        return tap_done();
    }
    snprintf(tmp, sizeof tmp, "/tmp/fs-ext2-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    snprintf(img, sizeof img, "%s/img", tmp);
    snprintf(src, sizeof src, "%s/src", tmp);
    test_blocksize(1024);
    test_blocksize(2048);
    test_blocksize(4096);
    test_htree();
    test_enospc();
    test_refusals();
    sh("rm -rf %s", tmp);
    return tap_done();
}
