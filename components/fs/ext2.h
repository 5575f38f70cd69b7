/*
 * ext2.h: ext2 revision 1 (as `mkfs.ext2` makes it), 1 to 4 KiB blocks,
 * read and write, and the map of its files:
 *
 *   ext2_super.c  mount, unmount, sync, superblock and group descriptors
 *   ext2_alloc.c  block and inode bitmaps, free counts
 *   ext2_inode.c  inodes, block maps (direct and indirect), file data
 *   ext2_trunc.c  truncate and inode release
 *   ext2_dir.c    directory entries (linear; hashed dirs read linearly)
 *   ext2_ops.c    the name-level operations a VFS calls
 *   ext2_cache.c  the name and inode caches in front of ext2_dir.c and
 *                 ext2_inode.c
 *   ext2_readahead.c  how far ahead to read a file read sequentially
 *
 * Limits: no journal replay (a journal needing recovery is refused), no
 * extents or 64-bit block numbers (ext4), no checksums (metadata_csum
 * mounts read-only), extended attributes are kept but not interpreted.
 * Everything read from disk is checked; bad metadata gives -EUCLEAN
 * (or -EIO for device errors) and a log line.
 *
 * Locking: none; the VFS makes one call at a time (fs.h).
 */
#ifndef KILN_FS_EXT2_H
#define KILN_FS_EXT2_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "bcache.h"

#define EXT2_MOUNTS_MAX 8
#define EXT2_PENDING_MAX 512 /* freed blocks held back until the next sync */
#define EXT2_PENDING_INO_MAX 128 /* and freed inodes */
#define EXT2_RA_FILES 8 /* files whose reads are followed for read-ahead */
#define EXT2_ROOT_INO 2
#define EXT2_NAME_MAX 255
#define EXT2_MAGIC 0xef53
#define EXT2_NDIR 12 /* direct block pointers in an inode */
#define EXT2_FAST_LINK_MAX 60

/* ---- on-disk layout (little-endian, as x86 is) ---- */

struct ext2_super {
    uint32_t inodes_count, blocks_count, r_blocks_count;
    uint32_t free_blocks_count, free_inodes_count;
    uint32_t first_data_block, log_block_size, log_frag_size;
    uint32_t blocks_per_group, frags_per_group, inodes_per_group;
    uint32_t mtime, wtime;
    uint16_t mnt_count;
    int16_t max_mnt_count;
    uint16_t magic, state, errors, minor_rev_level;
    uint32_t lastcheck, checkinterval, creator_os, rev_level;
    uint16_t def_resuid, def_resgid;
    uint32_t first_ino;
    uint16_t inode_size, block_group_nr;
    uint32_t feature_compat, feature_incompat, feature_ro_compat;
    uint8_t uuid[16];
    char volume_name[16];
    char last_mounted[64];
    uint32_t algorithm_usage_bitmap;
    uint8_t prealloc_blocks, prealloc_dir_blocks;
    uint16_t reserved_gdt_blocks;
    uint8_t journal_uuid[16];
    uint32_t journal_inum, journal_dev, last_orphan;
    uint32_t hash_seed[4];
    uint8_t def_hash_version, jnl_backup_type;
    uint16_t desc_size;
    uint8_t rest[1024 - 256];
};

#define EXT2_STATE_VALID 1
#define EXT2_STATE_ERRORS 2

#define EXT2_COMPAT_HAS_JOURNAL 0x4
#define EXT2_INCOMPAT_FILETYPE 0x2
#define EXT2_INCOMPAT_RECOVER 0x4
#define EXT2_INCOMPAT_SUPPORTED EXT2_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x1
#define EXT2_RO_COMPAT_LARGE_FILE 0x2
#define EXT2_RO_COMPAT_SUPPORTED                                               \
    (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

struct ext2_gd {
    uint32_t block_bitmap, inode_bitmap, inode_table;
    uint16_t free_blocks_count, free_inodes_count, used_dirs_count;
    uint16_t flags;
    uint8_t pad[12];
};

struct ext2_inode {
    uint16_t mode, uid;
    uint32_t size, atime, ctime, mtime, dtime;
    uint16_t gid, links_count;
    uint32_t blocks; /* 512-byte units, metadata blocks included */
    uint32_t flags, osd1;
    uint32_t block[15];
    uint32_t generation, file_acl, size_high, faddr;
    uint16_t blocks_hi, file_acl_high, uid_high, gid_high;
    uint32_t osd2_rest;
};

#define EXT2_INDEX_FL 0x1000           /* hashed directory */
#define EXT2_UNSUPPORTED_FL 0x10080000 /* extents, inline data (ext4) */
#define EXT2_GOOD_OLD_INODE_SIZE 128

struct ext2_dirent {
    uint32_t inode;
    uint16_t rec_len;
    uint8_t name_len, file_type;
    char name[];
};

enum {
    EXT2_FT_UNKNOWN,
    EXT2_FT_REG,
    EXT2_FT_DIR,
    EXT2_FT_CHR,
    EXT2_FT_BLK,
    EXT2_FT_FIFO,
    EXT2_FT_SOCK,
    EXT2_FT_SYMLINK
};

/* ---- a mounted filesystem ---- */

/* Where the last read of a file ended and how far ahead it reads. */
struct ext2_ra {
    uint32_t ino;
    unsigned window; /* blocks */
    uint64_t next;   /* byte offset a sequential read starts at */
    uint64_t used;   /* stamp, for reuse of the least recent slot */
};

struct ext2_fs {
    int in_use, rw;
    struct bdev dev;
    struct ext2_super sb; /* our copy; ext2_super_dirty writes it */
    uint32_t bsize, ptrs; /* block size; block numbers per block */
    uint32_t ngroups, bpg, ipg, inode_size, first_ino;
    uint32_t gdt_block, gd_per_block;
    uint32_t itable_blocks; /* per group */
    int filetype;           /* directory entries carry a type */
    uint32_t goal;          /* where a file's first block is sought */
    uint32_t hint_dir;      /* directory and block of the last name found */
    uint64_t hint_blk;
    struct ext2_cache *cache;         /* names and inodes (ext2_cache.c); NULL:
                                         none, every call reads the blocks */
    struct ext2_ra ra[EXT2_RA_FILES]; /* ext2_readahead.c */
    uint64_t ra_clock;
    /* Blocks and inodes freed since the last sync stay marked used until
     * it has written the inodes and directories that no longer point at
     * them, so none is reused while a stale pointer to it may still be on
     * disk (a power cut would show another file's data or name). */
    uint32_t pending[EXT2_PENDING_MAX];
    unsigned npending;
    uint32_t pending_ino[EXT2_PENDING_INO_MAX];
    uint8_t pending_dir[EXT2_PENDING_INO_MAX];
    unsigned npending_ino;
};

/* What stat needs from an inode. */
struct ext2_stat {
    uint32_t ino, mode, nlink, uid, gid, rdev;
    uint64_t size, blocks; /* blocks in 512-byte units */
    uint32_t atime, mtime, ctime;
};

/* One directory entry for getdents. */
struct ext2_dent {
    uint32_t ino;
    uint8_t type; /* DT_* (same numbers as d_type) */
    uint8_t name_len;
    char name[EXT2_NAME_MAX + 1];
};

/* ext2_super.c */
int ext2_mount(unsigned disk, int rw, struct ext2_fs **out);
int ext2_unmount(struct ext2_fs *fs);
int ext2_sync(struct ext2_fs *fs);
struct ext2_gd *ext2_gd_get(struct ext2_fs *fs, uint32_t group, struct bbuf **b,
                            int *err);
int ext2_super_dirty(struct ext2_fs *fs);
int ext2_corrupt(struct ext2_fs *fs, const char *what, uint64_t value);
uint32_t ext2_now(void);

/* ext2_alloc.c */
int ext2_block_alloc(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_block_free(struct ext2_fs *fs, uint32_t blk);
int ext2_frees_settle(struct ext2_fs *fs);
int ext2_inode_alloc(struct ext2_fs *fs, uint32_t near, int dir, uint32_t *out);
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino, int dir);
int ext2_block_valid(struct ext2_fs *fs, uint32_t blk);

/* ext2_inode.c */
int ext2_iread(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);
/* ino's record to look at, not keep: the cache's own, or read into buf
 * when not cached. NULL with *err set on failure. */
const struct ext2_inode *ext2_iview(struct ext2_fs *fs, uint32_t ino,
                                    struct ext2_inode *buf, int *err);
int ext2_iwrite(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
int ext2_iinit(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_isize(const struct ext2_inode *in);
int ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
int ext2_bmap(struct ext2_fs *fs, struct ext2_inode *in, uint64_t lblk,
              int alloc, uint32_t *out);
long ext2_file_read(struct ext2_fs *fs, uint32_t ino, void *buf, size_t len,
                    uint64_t off);
long ext2_file_write(struct ext2_fs *fs, uint32_t ino, const void *buf,
                     size_t len, uint64_t off);
uint64_t ext2_max_size(struct ext2_fs *fs);

/* ext2_trunc.c */
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);
int ext2_trunc_blocks(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
int ext2_inode_release(struct ext2_fs *fs, uint32_t ino);

/* ext2_dir.c */
int ext2_dir_lookup(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len, uint32_t *ino);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                 uint32_t ino, unsigned ftype);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len);
int ext2_dir_retarget(struct ext2_fs *fs, uint32_t dir, const char *name,
                      size_t len, uint32_t ino, unsigned ftype);
int ext2_dir_empty(struct ext2_fs *fs, uint32_t dir);
int ext2_dir_init(struct ext2_fs *fs, uint32_t dir, uint32_t parent);
int ext2_dir_next(struct ext2_fs *fs, uint32_t dir, uint64_t *pos,
                  struct ext2_dent *out);
unsigned ext2_ftype(uint32_t mode);

/* ext2_cache.c: a name's get returns 1 on a hit (*ino 0: known to be
 * absent), 0 on a miss; a set records what the blocks now say. */
void ext2_cache_init(struct ext2_fs *fs);
void ext2_cache_free(struct ext2_fs *fs);
int ext2_ncache_get(struct ext2_fs *fs, uint32_t dir, const char *name,
                    size_t len, uint32_t *ino);
void ext2_ncache_set(struct ext2_fs *fs, uint32_t dir, const char *name,
                     size_t len, uint32_t ino);
void ext2_ncache_drop(struct ext2_fs *fs, uint32_t dir, const char *name,
                      size_t len);
/* dir was made or freed: none of the names cached under it hold. */
void ext2_ncache_forget_dir(struct ext2_fs *fs, uint32_t dir);
/* The cached record of ino, or NULL; valid until the next cache call. */
const struct ext2_inode *ext2_icache_peek(struct ext2_fs *fs, uint32_t ino);
void ext2_icache_set(struct ext2_fs *fs, uint32_t ino,
                     const struct ext2_inode *in);

/* ext2_readahead.c: the blocks to read ahead of a read of ino at off;
 * then where it ended. */
unsigned ext2_ra_window(struct ext2_fs *fs, uint32_t ino, uint64_t off);
void ext2_ra_done(struct ext2_fs *fs, uint32_t ino, uint64_t end);

/* ext2_ops.c: name-level operations (the VFS's entry points) */
int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                uint32_t *ino);
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                 const char *target, uint32_t uid, uint32_t gid, uint32_t *ino);
long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len);
int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name,
              size_t len);
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                int is_rmdir);
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname,
                size_t olen, uint32_t ndir, const char *nname, size_t nlen);
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const uint32_t *mode,
                 const uint32_t *uid, const uint32_t *gid,
                 const uint32_t *atime, const uint32_t *mtime);
/* Free ino if no name is left (after unlink, rmdir or rename over it,
 * once no open file holds it); 0 if it is still named. */
int ext2_release(struct ext2_fs *fs, uint32_t ino);

#endif
