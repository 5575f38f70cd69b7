/*
 * fuzz.c: libFuzzer harness for ext2 and the block cache. Each input is
 * a whole disk image (the seeds are small mkfs.ext2 -d images, see run),
 * copied onto one memory disk of DISK_BYTES. The harness mounts it
 * read-write, walks every directory (bounded), stats, reads and readlinks
 * what it finds, then writes, truncates, renames and unlinks, and
 * unmounts. Any crash, sanitizer report or hang is a bug; errors
 * (-EUCLEAN for corrupt metadata) are the expected outcome.
 *
 * components: fs
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ext2.h"
#include "host.h"
#include "hypercall.h"

#define DISK_BYTES (256 * 1024)
#define BUDGET 300 /* entries visited per input */

static uint8_t *disk;
static uint8_t data[16384];
static int budget;
static uint32_t files[3]; /* regular files found, for the write phase */
static unsigned nfiles;

static void walk_dir(struct ext2_fs *fs, uint32_t dir, int depth);

static void visit(struct ext2_fs *fs, const struct ext2_dent *d, int depth)
{
    struct ext2_stat st;
    if (ext2_stat(fs, d->ino, &st))
        return;
    if (S_ISREG(st.mode)) {
        for (uint64_t off = 0; off < 65536; off += sizeof data)
            if (ext2_file_read(fs, d->ino, data, sizeof data, off) <= 0)
                break;
        if (nfiles < 3)
            files[nfiles++] = d->ino;
    } else if (S_ISLNK(st.mode)) {
        ext2_readlink(fs, d->ino, (char *)data, sizeof data);
    } else if (S_ISDIR(st.mode) && depth < 4 && d->name[0] != '.') {
        walk_dir(fs, d->ino, depth + 1);
    }
}

static void walk_dir(struct ext2_fs *fs, uint32_t dir, int depth)
{
    struct ext2_dent d;
    uint64_t pos = 0;
    uint32_t ino;
    while (budget-- > 0 && ext2_dir_next(fs, dir, &pos, &d) == 1) {
        ext2_dir_lookup(fs, dir, d.name, d.name_len, &ino);
        visit(fs, &d, depth);
    }
}

/* Changes on whatever the walk found, then on new names. */
static void change(struct ext2_fs *fs)
{
    uint32_t ino, r = EXT2_ROOT_INO;
    memset(data, 'w', sizeof data);
    if (nfiles > 0)
        ext2_file_write(fs, files[0], data, 3000, 5000);
    if (nfiles > 1)
        ext2_truncate(fs, files[1], 100);
    if (nfiles > 2)
        ext2_unlink(fs, r, "a", 1, 0);
    if (!ext2_create(fs, r, "fz", 2, S_IFREG | 0644, 0, 0, 0, &ino))
        ext2_file_write(fs, ino, data, sizeof data, 0);
    if (!ext2_create(fs, r, "fd", 2, S_IFDIR | 0755, 0, 0, 0, &ino))
        ext2_rename(fs, r, "fz", 2, ino, "moved", 5);
    ext2_symlink(fs, r, "fl", 2, "target", 0, 0, &ino);
    if (!ext2_dir_lookup(fs, r, "d", 1, &ino)) {
        ext2_rename(fs, r, "d", 1, r, "fd", 2);
        ext2_unlink(fs, r, "d", 1, 1);
    }
    if (!ext2_dir_lookup(fs, r, "fl", 2, &ino) &&
        !ext2_unlink(fs, r, "fl", 2, 0))
        ext2_release(fs, ino);
}

static void one_input(void *arg)
{
    struct ext2_fs *fs;
    (void)arg;
    budget = BUDGET;
    nfiles = 0;
    if (ext2_mount(0, 1, &fs))
        return;
    walk_dir(fs, EXT2_ROOT_INO, 0);
    change(fs);
    int err = ext2_unmount(fs);
    if (getenv("FUZZ_EXT2_VERBOSE")) /* to see that a seed gets far */
        printf("visited %d entries, %u files; unmount %d\n", BUDGET - budget,
               nfiles, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
    static int ready;
    if (!ready) {
        static char *argv[] = {"fuzz-ext2", "--mem", "16", NULL};
        host_clock_virtual();
        disk = aligned_alloc(4096, DISK_BYTES);
        if (!disk || host_setup(3, argv) < 0 ||
            host_disk_add_memory(disk, DISK_BYTES, 0) != 0)
            abort();
        ready = 1;
    }
    if (len > DISK_BYTES)
        len = DISK_BYTES;
    memcpy(disk, in, len);
    memset(disk + len, 0, DISK_BYTES - len);
    host_run(one_input, NULL);
    return 0;
}
