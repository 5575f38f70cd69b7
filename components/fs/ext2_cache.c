/*
 * ext2_cache.c: the name cache ((directory, name) -> inode number, or
 * "absent") and the inode cache (inode number -> its 128-byte record),
 * so a path already walked and an inode already read cost no directory
 * scan, no group descriptor and no block, even after the block cache
 * has let those blocks go (a large file read through it does).
 *
 * Both mirror what the block cache holds, never lead it: ext2_dir.c
 * sets a name after each change to a directory entry (add, remove,
 * retarget), ext2_inode.c sets an inode after each successful write of
 * it, and a directory made or freed forgets all its names (an inode
 * number comes back as another directory). So a hit answers exactly
 * what a scan of the blocks would.
 *
 * Limits: fixed tables per mount (NCACHE_NAMES names of at most
 * NCACHE_NAME_MAX bytes; longer names are simply not cached,
 * ICACHE_INODES inodes), replaced by the clock algorithm (a hit sets a
 * reference bit; the hand clears bits and takes the first clear
 * entry). Without memory for the tables a mount runs uncached.
 */
#include <string.h>
#include "ext2.h"
#include "hypercall.h"
#include "kiln/log.h"

#define NCACHE_NAMES 1024
#define NCACHE_NAME_MAX 48
#define ICACHE_INODES 1024
#define BUCKETS 1024 /* a power of two, for both tables */

struct name_ent {
    uint32_t dir, ino; /* ino 0: the name is known to be absent */
    uint32_t hash;
    int16_t next; /* next in the bucket's chain, -1: end */
    uint8_t len;  /* 0: slot free */
    uint8_t ref;
    char name[NCACHE_NAME_MAX];
};

struct inode_ent {
    uint32_t ino; /* 0: slot free */
    int16_t next;
    uint8_t ref;
    struct ext2_inode in;
};

struct ext2_cache {
    struct name_ent names[NCACHE_NAMES];
    struct inode_ent inodes[ICACHE_INODES];
    int16_t name_head[BUCKETS], inode_head[BUCKETS];
    unsigned name_hand, inode_hand;
};

#define CACHE_PAGES                                                            \
    ((sizeof(struct ext2_cache) + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE)

void ext2_cache_init(struct ext2_fs *fs)
{
    struct ext2_cache *c = hc_pages_alloc(CACHE_PAGES);
    if (!c) {
        kiln_log("fs: no memory for the name and inode caches; uncached");
        return;
    }
    for (unsigned i = 0; i < BUCKETS; i++)
        c->name_head[i] = c->inode_head[i] = -1;
    fs->cache = c;
}

void ext2_cache_free(struct ext2_fs *fs)
{
    if (fs->cache)
        hc_pages_free(fs->cache, CACHE_PAGES);
    fs->cache = NULL;
}

/* ---- names ---------------------------------------------------------- */

/* FNV-1a over the name, mixed with the directory. */
static uint32_t name_hash(uint32_t dir, const char *name, size_t len)
{
    uint32_t h = 2166136261u ^ (dir * 0x9e3779b1u);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

static struct name_ent *name_find(struct ext2_cache *c, uint32_t dir,
                                  const char *name, size_t len, uint32_t h)
{
    for (int i = c->name_head[h % BUCKETS]; i >= 0; i = c->names[i].next) {
        struct name_ent *e = &c->names[i];
        if (e->hash == h && e->dir == dir && e->len == len &&
            !memcmp(e->name, name, len))
            return e;
    }
    return NULL;
}

static void name_unchain(struct ext2_cache *c, struct name_ent *e)
{
    int16_t self = (int16_t)(e - c->names),
            *p = &c->name_head[e->hash % BUCKETS];
    while (*p != self)
        p = &c->names[*p].next;
    *p = e->next;
    e->len = 0;
}

/* A slot to reuse, by the clock: its reference bit had a full turn. */
static struct name_ent *name_victim(struct ext2_cache *c)
{
    for (;;) {
        struct name_ent *e = &c->names[c->name_hand];
        c->name_hand = (c->name_hand + 1) % NCACHE_NAMES;
        if (e->len && e->ref) {
            e->ref = 0;
            continue;
        }
        if (e->len)
            name_unchain(c, e);
        return e;
    }
}

int ext2_ncache_get(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len, uint32_t *ino)
{
    if (!fs->cache || len > NCACHE_NAME_MAX)
        return 0;
    struct name_ent *e =
        name_find(fs->cache, dir, name, len, name_hash(dir, name, len));
    if (!e)
        return 0;
    e->ref = 1;
    *ino = e->ino;
    return 1;
}

void ext2_ncache_set(struct ext2_fs *fs, uint32_t dir, const char *name,
                     size_t len, uint32_t ino)
{
    struct ext2_cache *c = fs->cache;
    if (!c || !len || len > NCACHE_NAME_MAX)
        return;
    uint32_t h = name_hash(dir, name, len);
    struct name_ent *e = name_find(c, dir, name, len, h);
    if (!e) {
        e = name_victim(c);
        e->dir = dir;
        e->hash = h;
        e->len = (uint8_t)len;
        memcpy(e->name, name, len);
        e->next = c->name_head[h % BUCKETS];
        c->name_head[h % BUCKETS] = (int16_t)(e - c->names);
    }
    e->ino = ino;
    e->ref = 1;
}

void ext2_ncache_drop(struct ext2_fs *fs, uint32_t dir, const char *name,
                      size_t len)
{
    if (!fs->cache || len > NCACHE_NAME_MAX)
        return;
    struct name_ent *e =
        name_find(fs->cache, dir, name, len, name_hash(dir, name, len));
    if (e)
        name_unchain(fs->cache, e);
}

void ext2_ncache_forget_dir(struct ext2_fs *fs, uint32_t dir)
{
    struct ext2_cache *c = fs->cache;
    for (unsigned i = 0; c && i < NCACHE_NAMES; i++)
        if (c->names[i].len && c->names[i].dir == dir)
            name_unchain(c, &c->names[i]);
}

/* ---- inodes --------------------------------------------------------- */

static struct inode_ent *inode_find(struct ext2_cache *c, uint32_t ino)
{
    for (int i = c->inode_head[ino % BUCKETS]; i >= 0; i = c->inodes[i].next)
        if (c->inodes[i].ino == ino)
            return &c->inodes[i];
    return NULL;
}

static void inode_unchain(struct ext2_cache *c, struct inode_ent *e)
{
    int16_t self = (int16_t)(e - c->inodes),
            *p = &c->inode_head[e->ino % BUCKETS];
    while (*p != self)
        p = &c->inodes[*p].next;
    *p = e->next;
    e->ino = 0;
}

static struct inode_ent *inode_victim(struct ext2_cache *c)
{
    for (;;) {
        struct inode_ent *e = &c->inodes[c->inode_hand];
        c->inode_hand = (c->inode_hand + 1) % ICACHE_INODES;
        if (e->ino && e->ref) {
            e->ref = 0;
            continue;
        }
        if (e->ino)
            inode_unchain(c, e);
        return e;
    }
}

const struct ext2_inode *ext2_icache_peek(struct ext2_fs *fs, uint32_t ino)
{
    struct inode_ent *e = fs->cache ? inode_find(fs->cache, ino) : NULL;
    if (!e)
        return NULL;
    e->ref = 1;
    return &e->in;
}

void ext2_icache_set(struct ext2_fs *fs, uint32_t ino,
                     const struct ext2_inode *in)
{
    struct ext2_cache *c = fs->cache;
    if (!c)
        return;
    struct inode_ent *e = inode_find(c, ino);
    if (!e) {
        e = inode_victim(c);
        e->ino = ino;
        e->next = c->inode_head[ino % BUCKETS];
        c->inode_head[ino % BUCKETS] = (int16_t)(e - c->inodes);
    }
    e->in = *in;
    e->ref = 1;
}
