/*
 * module.c: boot modules in a process. There is no boot loader, so a
 * program hands modules over itself (host_module_add: a boot archive in
 * memory, or --module FILE, read whole into memory that is never freed)
 * before the components ask for them with hc_boot_module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hostint.h"

#define MODULES_MAX 4

static struct {
    const void *data;
    size_t len;
} modules[MODULES_MAX];
static unsigned nmodules;

int host_module_add(const void *data, size_t len)
{
    if (nmodules == MODULES_MAX)
        return -ENOSPC;
    modules[nmodules].data = data;
    modules[nmodules].len = len;
    return (int)nmodules++;
}

/* The whole of f into memory; NULL with errno set. */
static void *module_read(FILE *f, size_t *len)
{
    char *data = NULL;
    size_t cap = 0, n;
    *len = 0;
    do {
        if (*len == cap) {
            char *more = realloc(data, cap = cap ? 2 * cap : 65536);
            if (!more) {
                free(data);
                return NULL;
            }
            data = more;
        }
        n = fread(data + *len, 1, cap - *len, f);
        *len += n;
    } while (n > 0);
    if (ferror(f)) {
        int e = errno; /* fread's reason (EISDIR for a directory) */
        free(data);
        errno = e ? e : EIO;
        return NULL;
    }
    return data;
}

int module_add_file(const char *path)
{
    size_t len;
    FILE *f = fopen(path, "rb");
    void *data = f ? module_read(f, &len) : NULL;
    if (!data) {
        fprintf(stderr, "host: --module %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    if (host_module_add(data, len) < 0) {
        fprintf(stderr, "host: --module %s: at most %d modules\n", path,
                MODULES_MAX);
        free(data);
        return -1;
    }
    return 0;
}

int hc_boot_module(unsigned idx, const void **data, size_t *len)
{
    if (idx >= nmodules)
        return -ENODEV;
    *data = modules[idx].data;
    *len = modules[idx].len;
    return 0;
}
