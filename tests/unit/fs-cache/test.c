/*
 * fs-cache/test.c: host unit test of ext2's name and inode caches
 * (components/fs/ext2_cache.c) on a counting block device (hostblk.h).
 *
 * A path stat'ed once is stat'ed again, and a missing name looked up
 * again, with zero device reads even after the block cache has been
 * emptied. Every operation that changes names or inodes (create, mkdir,
 * unlink, rmdir, rename over a name, rename of a directory, link,
 * truncate, write, setattr, an inode number reused by a new directory)
 * is followed by a comparison of every cached answer with the answer
 * the blocks give with the caches switched off; then a few thousand
 * random operations over more names than the caches hold, compared the
 * same way; and e2fsck -fn must find the image clean after all of it.
 * Reads: a whole-file read goes around the block cache yet sees a
 * change still in it, and two files read in small pieces at once each
 * get read-ahead (few device requests).
 *
 * links: components/fs/bcache.c components/fs/ext2_*.c
 */
#include "../fs-ext2/hostblk.h"
#include <sys/wait.h>
#include "../../../components/fs/ext2.h"
#include "tap.h"

static char tmp[256], img[300];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Inode of an absolute path, one component at a time. */
static int walk(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
    *ino = EXT2_ROOT_INO;
    while (*path) {
        path += strspn(path, "/");
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

/* walk and stat: what stat(2) costs the filesystem. */
static int path_stat(struct ext2_fs *fs, const char *path, struct ext2_stat *st)
{
    uint32_t ino;
    int err = walk(fs, path, &ino);
    if (err)
        return err;
    memset(st, 0, sizeof *st);
    return ext2_stat(fs, ino, st);
}

/* The same with the caches switched off: what the blocks say. */
static int path_stat_uncached(struct ext2_fs *fs, const char *path,
                              struct ext2_stat *st)
{
    struct ext2_cache *c = fs->cache;
    fs->cache = NULL;
    int err = path_stat(fs, path, st);
    fs->cache = c;
    return err;
}

/* Cached and uncached answers agree for path (both may be an error). */
static int agrees(struct ext2_fs *fs, const char *path)
{
    struct ext2_stat a, b;
    int ea = path_stat(fs, path, &a), eb = path_stat_uncached(fs, path, &b);
    if (ea != eb || (!ea && memcmp(&a, &b, sizeof a))) {
        printf("# %s: cached %d ino %u size %llu nlink %u, blocks say %d "
               "ino %u size %llu nlink %u\n",
               path, ea, ea ? 0 : a.ino, ea ? 0ull : (unsigned long long)a.size,
               ea ? 0 : a.nlink, eb, eb ? 0 : b.ino,
               eb ? 0ull : (unsigned long long)b.size, eb ? 0 : b.nlink);
        return 0;
    }
    return 1;
}

static int all_agree(struct ext2_fs *fs, const char *const *paths)
{
    int ok = 1;
    for (; *paths; paths++)
        ok &= agrees(fs, *paths);
    return ok;
}

static uint32_t ino_of(struct ext2_fs *fs, const char *path)
{
    uint32_t ino;
    return walk(fs, path, &ino) ? 0 : ino;
}

static int parent_of(struct ext2_fs *fs, const char *path, uint32_t *dir,
                     const char **name)
{
    const char *slash = strrchr(path, '/');
    char p[256];
    snprintf(p, sizeof p, "%.*s", (int)(slash - path), path);
    *name = slash + 1;
    return walk(fs, p, dir);
}

static int make(struct ext2_fs *fs, const char *path, uint32_t mode)
{
    uint32_t dir, ino;
    const char *name;
    int err = parent_of(fs, path, &dir, &name);
    return err ? err
               : ext2_create(fs, dir, name, strlen(name), mode, 0, 0, 0, &ino);
}

static int put(struct ext2_fs *fs, const char *path, size_t n)
{
    static uint8_t data[64 * 1024];
    memset(data, 'x', sizeof data);
    uint32_t ino;
    int err = walk(fs, path, &ino);
    if (err == -ENOENT)
        err = make(fs, path, S_IFREG | 0644);
    if (!err)
        err = walk(fs, path, &ino);
    long w = err ? err : ext2_file_write(fs, ino, data, n, 0);
    return w < 0 ? (int)w : 0;
}

/* unlink or rmdir, then release as the VFS does once nothing holds it */
static int rm(struct ext2_fs *fs, const char *path, int rmd)
{
    uint32_t dir, ino;
    const char *name;
    int err = parent_of(fs, path, &dir, &name);
    if (!err)
        err = ext2_dir_lookup(fs, dir, name, strlen(name), &ino);
    if (!err)
        err = ext2_unlink(fs, dir, name, strlen(name), rmd);
    return err ? err : ext2_release(fs, ino);
}

static int mv(struct ext2_fs *fs, const char *from, const char *to)
{
    uint32_t od, nd, victim = ino_of(fs, to);
    const char *on, *nn;
    int err = parent_of(fs, from, &od, &on);
    if (!err)
        err = parent_of(fs, to, &nd, &nn);
    if (!err)
        err = ext2_rename(fs, od, on, strlen(on), nd, nn, strlen(nn));
    if (!err && victim && victim != ino_of(fs, to))
        err = ext2_release(fs, victim);
    return err;
}

static int ln(struct ext2_fs *fs, const char *from, const char *to)
{
    uint32_t dir;
    const char *name;
    int err = parent_of(fs, to, &dir, &name);
    return err ? err : ext2_link(fs, ino_of(fs, from), dir, name, strlen(name));
}

static int fsck_clean(void)
{
    int r = sh("e2fsck -fn %s > %s/fsck.log 2>&1", img, tmp);
    if (r)
        sh("sed 's/^/#   /' %s/fsck.log | head -20", tmp);
    return r == 0;
}

static struct ext2_fs *fresh(unsigned bsize)
{
    struct ext2_fs *fs;
    if (sh("mkfs.ext2 -q -F -b %u -N 4096 %s 16M >/dev/null 2>&1", bsize,
           img) ||
        hostblk_attach(img, 0) < 0 || ext2_mount(0, 1, &fs))
        return NULL;
    return fs;
}

/* Every block the cache holds goes (written back first). */
static void evict_all(struct ext2_fs *fs)
{
    bcache_sync(&fs->dev);
    bcache_drop(&fs->dev);
}

static void test_no_reads(void)
{
    struct ext2_fs *fs = fresh(1024);
    struct ext2_stat st, again;
    uint32_t ino;
    tap_check(fs && fs->cache, "mounted, with caches", NULL);
    if (!fs)
        return;
    make(fs, "/a", S_IFDIR | 0755);
    make(fs, "/a/b", S_IFDIR | 0755);
    for (int i = 0; i < 200; i++) { /* a directory of several blocks */
        char p[64];
        snprintf(p, sizeof p, "/a/b/file-with-a-longish-name-%03d", i);
        make(fs, p, S_IFREG | 0644);
    }
    put(fs, "/a/b/file-with-a-longish-name-007", 5000);
    tap_check(path_stat(fs, "/a/b/file-with-a-longish-name-007", &st) == 0 &&
                  st.size == 5000,
              "first stat", NULL);
    tap_check(walk(fs, "/a/b/missing", &ino) == -ENOENT, "missing name", NULL);
    evict_all(fs);
    hostblk_reads = 0;
    int r = path_stat(fs, "/a/b/file-with-a-longish-name-007", &again);
    tap_check(r == 0 && !memcmp(&st, &again, sizeof st) && hostblk_reads == 0,
              "second stat of a path reads no block", "%lu device reads",
              hostblk_reads);
    hostblk_reads = 0;
    r = walk(fs, "/a/b/missing", &ino);
    tap_check(r == -ENOENT && hostblk_reads == 0,
              "second lookup of a missing name reads no block",
              "%d, %lu device reads", r, hostblk_reads);
    tap_check(ext2_unmount(fs) == 0 && fsck_clean(), "clean after", NULL);
}

/* One changing operation, then every path must read as the blocks say. */
#define CHANGE(fs, op, what, ...)                                              \
    do {                                                                       \
        const char *const paths_[] = {__VA_ARGS__, NULL};                      \
        int e_ = (op);                                                         \
        tap_check(e_ == 0 && all_agree(fs, paths_), what, "op %d", e_);        \
    } while (0)

static void test_invalidation(unsigned bsize)
{
    struct ext2_fs *fs = fresh(bsize);
    struct ext2_stat st;
    uint32_t ino;
    if (!fs) {
        tap_check(0, "mount", NULL);
        return;
    }
    make(fs, "/d", S_IFDIR | 0755);
    make(fs, "/e", S_IFDIR | 0755);
    put(fs, "/d/x", 100);
    put(fs, "/d/y", 200);
    const char *const seen[] = {"/d/x",   "/d/y",      "/d/z",     "/e/x",
                                "/d/sub", "/e/sub/..", "/d/sub/q", NULL};
    all_agree(fs, seen); /* fill the caches, misses too */

    uint32_t x = ino_of(fs, "/d/x");
    CHANGE(fs, mv(fs, "/d/x", "/d/y"), "rename over an existing name", "/d/x",
           "/d/y");
    tap_check(ino_of(fs, "/d/y") == x && walk(fs, "/d/x", &ino) == -ENOENT,
              "the new name is the moved inode, the old is gone", NULL);
    CHANGE(fs, rm(fs, "/d/y", 0), "unlink", "/d/y", "/d/x");
    CHANGE(fs, put(fs, "/d/y", 300), "create the unlinked name again", "/d/y");
    tap_check(path_stat(fs, "/d/y", &st) == 0 && st.size == 300,
              "and stat sees the new file", NULL);
    CHANGE(fs, put(fs, "/d/z", 10), "create a name looked up as missing",
           "/d/z");
    CHANGE(fs, ln(fs, "/d/z", "/e/x"), "link", "/d/z", "/e/x");
    tap_check(path_stat(fs, "/d/z", &st) == 0 && st.nlink == 2,
              "link count seen through the cache", NULL);
    uint32_t z = ino_of(fs, "/d/z");
    CHANGE(fs, ext2_truncate(fs, z, 3), "truncate", "/d/z", "/e/x");
    CHANGE(fs, put(fs, "/e/x", 9000), "write through the other name", "/d/z",
           "/e/x");
    uint32_t mode = 0600;
    CHANGE(fs, ext2_setattr(fs, z, &mode, NULL, NULL, NULL, NULL), "setattr",
           "/d/z");
    CHANGE(fs, make(fs, "/d/sub", S_IFDIR | 0755), "mkdir a missing name",
           "/d/sub", "/d/sub/..", "/d/sub/q");
    CHANGE(fs, put(fs, "/d/sub/q", 1), "create in it", "/d/sub/q");
    CHANGE(fs, mv(fs, "/d/sub", "/e/sub"), "rename a directory to another",
           "/d/sub", "/e/sub", "/e/sub/..", "/e/sub/q", "/d/sub/q");
    tap_check(ino_of(fs, "/e/sub/..") == ino_of(fs, "/e"), "its .. follows",
              NULL);
    CHANGE(fs, rm(fs, "/e/sub/q", 0), "empty it", "/e/sub/q");
    CHANGE(fs, rm(fs, "/e/sub", 1), "rmdir", "/e/sub", "/e/sub/..");
    CHANGE(fs, make(fs, "/e/sub", S_IFDIR | 0700), "mkdir the rmdir'd name",
           "/e/sub", "/e/sub/..", "/e/sub/q");
    tap_check(ext2_unmount(fs) == 0 && fsck_clean(), "clean after", NULL);
}

/* A directory freed and its inode number given to a new directory
 * elsewhere: the old one's names ("..", misses) must not answer. */
static void test_reuse(void)
{
    struct ext2_fs *fs = fresh(1024);
    if (!fs) {
        tap_check(0, "mount", NULL);
        return;
    }
    make(fs, "/p", S_IFDIR | 0755);
    make(fs, "/q", S_IFDIR | 0755);
    make(fs, "/p/old", S_IFDIR | 0755);
    const char *const seen[] = {"/p/old/..", "/p/old/.", "/p/old/f", NULL};
    all_agree(fs, seen);
    uint32_t gone = ino_of(fs, "/p/old");
    CHANGE(fs, rm(fs, "/p/old", 1), "rmdir", "/p/old", "/p/old/..");
    /* freed inodes come back only after a sync (ext2.h's pending list) */
    ext2_sync(fs);
    CHANGE(fs, make(fs, "/q/new", S_IFDIR | 0755), "mkdir elsewhere", "/q/new",
           "/q/new/..", "/q/new/.", "/q/new/f");
    tap_check(ino_of(fs, "/q/new") == gone &&
                  ino_of(fs, "/q/new/..") == ino_of(fs, "/q"),
              "a reused directory inode has its own ..", "ino %u was %u",
              ino_of(fs, "/q/new"), gone);
    tap_check(ext2_unmount(fs) == 0 && fsck_clean(), "clean after", NULL);
}

/* The expected byte at off of the file made with seed. */
static uint8_t byte_at(unsigned seed, size_t off)
{
    return (uint8_t)(off * 7 + seed + (off >> 10));
}

static int make_file(struct ext2_fs *fs, const char *path, unsigned seed,
                     size_t n)
{
    static uint8_t data[256 * 1024];
    for (size_t i = 0; i < n; i++)
        data[i] = byte_at(seed, i);
    int err = make(fs, path, S_IFREG | 0644);
    long w = err ? err : ext2_file_write(fs, ino_of(fs, path), data, n, 0);
    return w == (long)n ? 0 : -EIO;
}

static int bytes_ok(const uint8_t *p, unsigned seed, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != byte_at(seed, off + i))
            return 0;
    return 1;
}

/* Whole-block reads skip the cache but see its newer blocks; small
 * sequential reads of two files at once each get read-ahead. */
static void test_reads(void)
{
    enum { SIZE = 256 * 1024, PIECE = 512 };
    static uint8_t got[SIZE];
    struct ext2_fs *fs = fresh(1024);
    if (!fs || make_file(fs, "/a", 1, SIZE) || make_file(fs, "/b", 2, SIZE)) {
        tap_check(0, "make two files", NULL);
        return;
    }
    uint32_t a = ino_of(fs, "/a"), b = ino_of(fs, "/b");
    evict_all(fs);
    uint8_t patch[10];
    memset(patch, 0xee, sizeof patch);
    ext2_file_write(fs, a, patch, sizeof patch, 100 * 1024 + 5);
    hostblk_reads = 0;
    long r = ext2_file_read(fs, a, got, SIZE, 0);
    int ok = r == SIZE && bytes_ok(got, 1, 0, 100 * 1024 + 5) &&
             !memcmp(got + 100 * 1024 + 5, patch, sizeof patch) &&
             bytes_ok(got + 100 * 1024 + 15, 1, 100 * 1024 + 15,
                      SIZE - 100 * 1024 - 15);
    tap_check(ok, "a whole-file read has the cache's unwritten change", NULL);
    tap_check(hostblk_reads <= 16, "and takes few requests",
              "%lu requests for %d blocks", hostblk_reads, SIZE / 1024);
    evict_all(fs);
    hostblk_reads = 0;
    ok = 1;
    for (size_t off = 0; off < SIZE; off += PIECE) {
        ok &= ext2_file_read(fs, b, got, PIECE, off) == PIECE &&
              bytes_ok(got, 2, off, PIECE);
        ok &= ext2_file_read(fs, a, got + PIECE, PIECE, off) == PIECE;
    }
    tap_check(ok, "two files read in small pieces, interleaved", NULL);
    tap_check(hostblk_reads < 2 * SIZE / 1024 / 8,
              "each gets its own read-ahead", "%lu requests for %d blocks",
              hostblk_reads, 2 * SIZE / 1024);
    tap_check(ext2_unmount(fs) == 0 && fsck_clean(), "clean after", NULL);
}

/* Random operations over more names than the caches hold. */
#define NAMES 1500
static void test_random(void)
{
    struct ext2_fs *fs = fresh(4096);
    if (!fs) {
        tap_check(0, "mount", NULL);
        return;
    }
    make(fs, "/r", S_IFDIR | 0755);
    make(fs, "/s", S_IFDIR | 0755);
    unsigned seed = 1, bad = 0, ops = 0;
    char a[64], b[64];
    for (int step = 0; step < 6000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = seed >> 8;
        snprintf(a, sizeof a, "/%c/n%u", "rs"[k & 1], (k >> 1) % NAMES);
        snprintf(b, sizeof b, "/%c/n%u", "rs"[(k >> 12) & 1],
                 (k >> 13) % NAMES);
        int r;
        switch ((k >> 24) % 6) {
        case 0:
        case 1: r = put(fs, a, (k >> 4) % 9000); break;
        case 2: r = rm(fs, a, 0); break;
        case 3: r = mv(fs, a, b); break;
        case 4: r = ln(fs, a, b); break;
        default: r = ext2_truncate(fs, ino_of(fs, a), (k >> 3) % 5000);
        }
        ops += r == 0;
        bad += !agrees(fs, a) + !agrees(fs, b);
        if (step % 500 == 499)
            ext2_sync(fs);
    }
    for (unsigned i = 0; i < NAMES; i++) {
        snprintf(a, sizeof a, "/r/n%u", i);
        snprintf(b, sizeof b, "/s/n%u", i);
        bad += !agrees(fs, a) + !agrees(fs, b);
    }
    tap_check(bad == 0 && ops > 1000,
              "random operations: cached answers are the blocks' answers",
              "%u disagreements, %u operations done", bad, ops);
    tap_check(ext2_unmount(fs) == 0 && fsck_clean(), "clean after", NULL);
}

int main(void)
{
    if (sh("command -v mkfs.ext2 e2fsck >/dev/null") != 0) {
        printf("ok 1 - fs-cache # SKIP e2fsprogs missing (make deps)\n");
        return tap_done();
    }
    snprintf(tmp, sizeof tmp, "/tmp/fs-cache-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    snprintf(img, sizeof img, "%s/img", tmp);
    hostblk_quiet = 1;
    test_no_reads();
    test_invalidation(1024);
    test_invalidation(4096);
    test_reuse();
    test_reads();
    test_random();
    sh("rm -rf %s", tmp);
    return tap_done();
}
