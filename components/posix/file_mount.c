/*
 * file_mount.c: the filesystems' start and end around the program: the
 * root and every mount= boot option mounted before main runs, and at
 * exit every shared file mapping written back and every filesystem
 * marked clean.
 *
 * The VFS (components/fs) comes only with the handlers of calls that
 * name or map files (kiln-bake links the handlers of the calls the
 * program can make), so it is reached here through weak references: a
 * program that makes no such call has no filesystem to mount, spends
 * no boot time on an empty root, and its mount= options are reported
 * as ignored.
 *
 * Limits: a mount= option that fails is reported by the VFS, and the
 * rest are still mounted.
 */
#include <string.h>
#include "../fs/vfs.h"
#include "kiln/log.h"
#include "posix.h"

#pragma weak vfs_init
#pragma weak vfs_unmount_all
#pragma weak mmap_file_sync_all

/* Mount the root and every mount= boot option, before main runs. */
void file_mount_all(const struct cmdline *c)
{
    const char *opts[CMDLINE_MAX_ARGS];
    unsigned n = 0;
    for (unsigned i = 0; i < c->nopt; i++)
        if (!strncmp(c->opt[i], "mount=", 6))
            opts[n++] = c->opt[i] + 6;
    if (vfs_init) {
        vfs_init(opts, n);
        return;
    }
    for (unsigned i = 0; i < n; i++)
        kiln_log("kiln: mount=%s ignored: the program names no file, so "
                 "its image has no filesystem",
                 opts[i]);
}

/* At exit: write everything back and mark filesystems clean. */
void file_unmount_all(void)
{
    if (mmap_file_sync_all)
        mmap_file_sync_all();
    if (vfs_unmount_all)
        vfs_unmount_all();
}
