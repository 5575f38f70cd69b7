/*
 * module.c: boot modules in a process. There is no boot loader, so a
 * program hands modules over itself (host_module_add: a boot archive in
 * memory) before the components ask for them with hc_boot_module.
 */
#include <errno.h>
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

int hc_boot_module(unsigned idx, const void **data, size_t *len)
{
    if (idx >= nmodules)
        return -ENODEV;
    *data = modules[idx].data;
    *len = modules[idx].len;
    return 0;
}
