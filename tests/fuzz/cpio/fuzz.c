/*
 * fuzz.c: libFuzzer harness for the boot archive (components/fs/cpio.c).
 * Each input is an archive, copied into a buffer of exactly its size so
 * AddressSanitizer sees any read past it. The harness mounts it, walks
 * every directory (bounded) by readdir, looks each name up again, stats,
 * reads and readlinks what it finds, asks readdir with made-up cookies,
 * and unmounts. Refusing an archive (-EINVAL) is a fine outcome; a
 * crash, a sanitizer report or a hang is a bug.
 *
 * components: fs
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fs.h"
#include "host.h"
#include "hypercall.h"

#define BUDGET 500 /* entries visited per input */

static const uint8_t *input;
static size_t input_len;
static int budget;
static char data[4096];

static void walk(struct fs_mount *m, uint64_t dir, int depth);

static void visit(struct fs_mount *m, uint64_t dir, const struct fs_dirent *d,
                  int depth)
{
    struct fs_attr a;
    uint64_t ino;
    if (m->ops->lookup(m, dir, d->name, &ino) < 0 || ino != d->ino)
        abort(); /* readdir gave a name lookup cannot find */
    if (m->ops->getattr(m, ino, &a) < 0)
        return;
    if (S_ISREG(a.mode))
        m->ops->read(m, ino, data, sizeof data, a.size > 10 ? a.size - 10 : 0);
    else if (S_ISLNK(a.mode))
        m->ops->readlink(m, ino, data, sizeof data);
    else if (S_ISDIR(a.mode) && depth < 8 && strcmp(d->name, ".") &&
             strcmp(d->name, ".."))
        walk(m, ino, depth + 1);
}

static void walk(struct fs_mount *m, uint64_t dir, int depth)
{
    struct fs_dirent d;
    uint64_t cookie = 0;
    while (budget-- > 0 && m->ops->readdir(m, dir, &cookie, &d) == 1)
        visit(m, dir, &d, depth);
    const uint64_t odd[] = {3, 77, 1u << 30, UINT64_MAX >> 1};
    for (unsigned i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        cookie = odd[i];
        m->ops->readdir(m, dir, &cookie, &d);
    }
}

static void one_input(void *arg)
{
    (void)arg;
    struct fs_mount m = {0};
    struct fs_source src = {.disk = -1, .data = input, .len = input_len};
    struct fs_statfs st;
    uint64_t ino;
    budget = BUDGET;
    if (cpio_type.mount(&m, &src) < 0)
        return;
    walk(&m, m.root, 0);
    m.ops->lookup(&m, m.root, "..", &ino);
    m.ops->getattr(&m, 0, &(struct fs_attr){0});
    m.ops->getattr(&m, UINT64_MAX, &(struct fs_attr){0});
    m.ops->statfs(&m, &st);
    m.ops->unmount(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
    static int ready;
    if (!ready) {
        static char *argv[] = {"fuzz-cpio", "--mem", "64", NULL};
        host_clock_virtual();
        if (host_setup(3, argv) < 0)
            abort();
        ready = 1;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, in, len);
    input = copy;
    input_len = len;
    host_run(one_input, NULL);
    free(copy);
    return 0;
}
