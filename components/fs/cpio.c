/*
 * cpio.c: the boot archive as a read-only filesystem. The archive is a
 * "newc" cpio (magic 070701 or 070702, as `cpio -H newc` and Linux's
 * initramfs use): per file a 110-byte header of hex fields, the path,
 * the data, each padded to 4 bytes, ending with "TRAILER!!!".
 *
 * At mount the archive is checked and indexed once (entries and a hash
 * of (parent, name) in pages of our own); file data stays where the boot
 * loader put it and reads copy from there. Paths may start with "./" or
 * "/"; directories an archive leaves out are made up (mode 0755); a
 * later entry for the same path replaces the earlier one, as in Linux.
 * Limits: compressed archives are refused; device nodes, FIFOs and
 * sockets are skipped; hard links keep separate inodes (GNU cpio stores
 * the data with the last link, which gets it; earlier ones read empty).
 */
#include <errno.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include "kiln/log.h"
#include "hypercall.h"
#include "fs.h"

#define HDR_LEN 110
#define RAMFS_MAGIC 0x858458f6 /* what Linux's statfs says for initramfs */

struct centry {
    const char *name; /* last component, not NUL-ended */
    uint32_t namelen;
    uint32_t parent;      /* index */
    uint32_t child, next; /* first child, next sibling: index + 1, 0 none */
    uint32_t mode, uid, gid, mtime, size;
    const uint8_t *data;
};

struct cpio {
    struct centry *e;
    uint32_t n, cap;
    uint32_t *hash; /* index + 1, 0: empty; open addressing */
    uint32_t hcap;  /* a power of two, > 2 * cap */
    size_t pages;   /* this struct, the entries and the hash */
};

/* One parsed header: its fields, name and data, inside the archive. */
struct chdr {
    uint32_t f[13]; /* ino mode uid gid nlink mtime size maj min rmaj rmin
                       namesize check */
    const char *name;
    const uint8_t *data;
    size_t next; /* offset of the following header */
};
enum { F_MODE = 1, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_NAMESIZE = 11 };

static int hex8(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* Parse the header at off; every length is checked against len. */
static int parse_hdr(const uint8_t *a, size_t len, size_t off, struct chdr *h)
{
    if (len - off < HDR_LEN || memcmp(a + off, "07070", 5) ||
        (a[off + 5] != '1' && a[off + 5] != '2'))
        return -EINVAL;
    for (int i = 0; i < 13; i++)
        if (hex8((const char *)a + off + 6 + 8 * i, &h->f[i]) < 0)
            return -EINVAL;
    size_t ns = h->f[F_NAMESIZE], name_at = off + HDR_LEN;
    if (ns == 0 || ns > len - name_at || a[name_at + ns - 1] != '\0')
        return -EINVAL;
    size_t data_at = pad4(name_at + ns);
    if (data_at > len || h->f[F_SIZE] > len - data_at)
        return -EINVAL;
    h->name = (const char *)a + name_at;
    h->data = a + data_at;
    h->next = pad4(data_at + h->f[F_SIZE]);
    return 0;
}

static uint32_t hash_of(uint32_t parent, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ parent; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

/* The slot of (parent, name) in the hash: its entry, or the empty slot
 * where it would go. */
static uint32_t *slot_of(struct cpio *c, uint32_t parent, const char *name,
                         size_t len)
{
    uint32_t i = hash_of(parent, name, len) & (c->hcap - 1);
    for (;; i = (i + 1) & (c->hcap - 1)) {
        uint32_t *s = &c->hash[i];
        if (!*s)
            return s;
        const struct centry *e = &c->e[*s - 1];
        if (e->parent == parent && e->namelen == len &&
            !memcmp(e->name, name, len))
            return s;
    }
}

/* The entry for name in directory parent, made (as a directory) if
 * missing. Returns its index, or -1 when the table is full. */
static long child_of(struct cpio *c, uint32_t parent, const char *name,
                     size_t len)
{
    uint32_t *s = slot_of(c, parent, name, len);
    if (*s)
        return *s - 1;
    if (c->n == c->cap)
        return -1;
    uint32_t i = c->n++;
    struct centry *p = &c->e[parent];
    c->e[i] = (struct centry){.name = name,
                              .namelen = (uint32_t)len,
                              .parent = parent,
                              .next = p->child,
                              .mode = S_IFDIR | 0755,
                              .mtime = p->mtime};
    p->child = i + 1;
    *s = i + 1;
    return i;
}

/* The entry for an archive path, making the directories on the way.
 * Returns its index (0: the root), or -1 for a path we refuse ("..",
 * a component too long, a file used as a directory, a full table). */
static long entry_for(struct cpio *c, const char *path)
{
    uint32_t at = 0;
    for (const char *p = path;;) {
        p += strspn(p, "/");
        size_t len = strcspn(p, "/");
        if (!len)
            return at;
        if (len == 1 && p[0] == '.') {
            p++;
            continue;
        }
        if (len > FS_NAME_MAX || (len == 2 && !memcmp(p, "..", 2)) ||
            !S_ISDIR(c->e[at].mode))
            return -1;
        long i = child_of(c, at, p, len);
        if (i < 0)
            return -1;
        at = (uint32_t)i;
        p += len;
    }
}

static int kind_ok(uint32_t mode, uint32_t size)
{
    if (S_ISLNK(mode))
        return size > 0 && size < FS_PATH_MAX;
    return S_ISREG(mode) || S_ISDIR(mode);
}

/* Index one archive member. Returns 1 if it was skipped. */
static int add_member(struct cpio *c, const struct chdr *h)
{
    uint32_t mode = h->f[F_MODE];
    if (!kind_ok(mode, h->f[F_SIZE]))
        return 1;
    long i = entry_for(c, h->name);
    if (i < 0)
        return 1;
    struct centry *e = &c->e[i];
    if (e->child && !S_ISDIR(mode))
        return 1; /* would hide a directory's contents */
    e->mode = mode;
    e->uid = h->f[F_UID];
    e->gid = h->f[F_GID];
    e->mtime = h->f[F_MTIME];
    e->size = S_ISDIR(mode) ? 0 : h->f[F_SIZE];
    e->data = h->data;
    return 0;
}

/* Call fn on each member of the archive (several archives may follow
 * one another, with zero padding between, as Linux allows). */
static int each_member(const uint8_t *a, size_t len,
                       int (*fn)(struct cpio *, const struct chdr *),
                       struct cpio *c)
{
    int skipped = 0;
    for (size_t off = 0; off < len;) {
        if (!a[off]) {
            off++;
            continue;
        }
        struct chdr h;
        if (parse_hdr(a, len, off, &h) < 0)
            return -EINVAL;
        off = h.next;
        if (strcmp(h.name, "TRAILER!!!"))
            skipped += fn(c, &h);
    }
    return skipped;
}

/* First pass: an upper bound on entries (one per path component). */
static int count_member(struct cpio *c, const struct chdr *h)
{
    for (const char *p = h->name; *p; p++)
        c->cap += *p == '/';
    c->cap += 1;
    return 0;
}

static const struct fs_ops cpio_ops;

static struct cpio *cpio_alloc(uint32_t cap)
{
    uint32_t hcap = 16;
    while (hcap <= 2 * cap)
        hcap *= 2;
    size_t bytes = sizeof(struct cpio) + cap * sizeof(struct centry) +
                   hcap * sizeof(uint32_t);
    size_t pages = (bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE;
    struct cpio *c = hc_pages_alloc(pages);
    if (!c)
        return NULL;
    c->pages = pages;
    c->e = (struct centry *)(c + 1);
    c->hash = (uint32_t *)(c->e + cap);
    c->cap = cap;
    c->hcap = hcap;
    c->n = 1;
    c->e[0] = (struct centry){.name = "", .mode = S_IFDIR | 0755};
    return c;
}

static int cpio_mount(struct fs_mount *m, const struct fs_source *src)
{
    const uint8_t *a = src->data;
    size_t len = a ? src->len : 0;
    if (len >= 2 && a[0] == 0x1f && a[1] == 0x8b) {
        kiln_log("cpio: the archive is gzip-compressed; pack it uncompressed "
                 "(cpio -o -H newc)");
        return -EOPNOTSUPP;
    }
    struct cpio count = {0};
    if (each_member(a, len, count_member, &count) < 0) {
        kiln_log("cpio: not a newc cpio archive (bad header)");
        return -EINVAL;
    }
    if (count.cap > (1u << 24))
        return -EFBIG;
    struct cpio *c = cpio_alloc(count.cap + 1);
    if (!c)
        return -ENOMEM;
    int skipped = each_member(a, len, add_member, c);
    if (skipped)
        kiln_log("cpio: %d archive members skipped (device nodes, FIFOs, "
                 "sockets or bad paths)",
                 skipped);
    m->ops = &cpio_ops;
    m->root = 1;
    m->priv = c;
    m->flags |= FS_MOUNT_RDONLY;
    return 0;
}

/* ---- operations ------------------------------------------------------ */

static struct centry *entry(struct fs_mount *m, uint64_t ino)
{
    struct cpio *c = m->priv;
    return ino >= 1 && ino <= c->n ? &c->e[ino - 1] : NULL;
}

static int cpio_lookup(struct fs_mount *m, uint64_t dir, const char *name,
                       uint64_t *ino)
{
    struct cpio *c = m->priv;
    struct centry *d = entry(m, dir);
    if (!d)
        return -ENOENT;
    if (!S_ISDIR(d->mode))
        return -ENOTDIR;
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        *ino = name[1] ? d->parent + 1 : dir;
        return 0;
    }
    uint32_t *s = slot_of(c, (uint32_t)(dir - 1), name, strlen(name));
    if (!*s)
        return -ENOENT;
    *ino = *s;
    return 0;
}

static int cpio_getattr(struct fs_mount *m, uint64_t ino, struct fs_attr *a)
{
    struct cpio *c = m->priv;
    struct centry *e = entry(m, ino);
    if (!e)
        return -ENOENT;
    uint32_t links = S_ISDIR(e->mode) ? 2 : 1;
    for (uint32_t k = e->child; k; k = c->e[k - 1].next)
        links += S_ISDIR(c->e[k - 1].mode);
    struct timespec t = {.tv_sec = e->mtime};
    *a = (struct fs_attr){.ino = ino,
                          .mode = e->mode,
                          .nlink = links,
                          .uid = e->uid,
                          .gid = e->gid,
                          .size = e->size,
                          .blocks = (e->size + 511) / 512,
                          .blksize = HC_PAGE_SIZE,
                          .atime = t,
                          .mtime = t,
                          .ctime = t};
    return 0;
}

static long cpio_read(struct fs_mount *m, uint64_t ino, void *buf, size_t len,
                      uint64_t off)
{
    struct centry *e = entry(m, ino);
    if (!e)
        return -ENOENT;
    if (off >= e->size)
        return 0;
    size_t n = e->size - off < len ? (size_t)(e->size - off) : len;
    memcpy(buf, e->data + off, n);
    return (long)n;
}

static long cpio_readlink(struct fs_mount *m, uint64_t ino, char *buf,
                          size_t len)
{
    struct centry *e = entry(m, ino);
    if (!e || !S_ISLNK(e->mode))
        return e ? -EINVAL : -ENOENT;
    size_t n = e->size < len ? e->size : len;
    memcpy(buf, e->data, n);
    return (long)n;
}

/* Cookies: 0 ".", 1 "..", then 2 + (index + 1) of the next entry to
 * give, 2 at the end. */
static int cpio_readdir(struct fs_mount *m, uint64_t dir, uint64_t *cookie,
                        struct fs_dirent *out)
{
    struct cpio *c = m->priv;
    struct centry *d = entry(m, dir);
    if (!d || !S_ISDIR(d->mode))
        return d ? -ENOTDIR : -ENOENT;
    if (*cookie < 2) {
        *out = (struct fs_dirent){.ino = *cookie ? d->parent + 1 : dir,
                                  .type = DT_DIR};
        strcpy(out->name, *cookie ? ".." : ".");
        *cookie = *cookie ? 2 + d->child : 1;
        return 1;
    }
    uint64_t k = *cookie - 2;
    if (k == 0 || k > c->n)
        return 0;
    struct centry *e = &c->e[k - 1];
    out->ino = k;
    out->type = (uint8_t)((e->mode & S_IFMT) >> 12);
    memcpy(out->name, e->name, e->namelen);
    out->name[e->namelen] = '\0';
    *cookie = 2 + e->next;
    return 1;
}

static int cpio_statfs(struct fs_mount *m, struct fs_statfs *out)
{
    struct cpio *c = m->priv;
    *out = (struct fs_statfs){.magic = RAMFS_MAGIC,
                              .bsize = HC_PAGE_SIZE,
                              .files = c->n,
                              .namelen = FS_NAME_MAX};
    return 0;
}

static int cpio_unmount(struct fs_mount *m)
{
    struct cpio *c = m->priv;
    hc_pages_free(c, c->pages);
    m->priv = NULL;
    return 0;
}

static const struct fs_ops cpio_ops = {
    .lookup = cpio_lookup,
    .getattr = cpio_getattr,
    .read = cpio_read,
    .readlink = cpio_readlink,
    .readdir = cpio_readdir,
    .statfs = cpio_statfs,
    .unmount = cpio_unmount,
};

const struct fs_type cpio_type = {.name = "cpio", .mount = cpio_mount};
