/*
 * kiln/table.h: a table allocated on its first use. Tables sized for the
 * most a program may ever have (descriptors, signals, mappings) would
 * sit in the image's bss, loaded and kept by every guest whether it
 * uses them or not; from zeroed pages on first use they cost a program
 * nothing until it reaches them, and the image stays small (README,
 * "How small and how fast").
 *
 * Header-only over hc_pages_alloc. Running out of memory for a table
 * the program cannot run without is fatal, with a line saying which.
 */
#ifndef KILN_TABLE_H
#define KILN_TABLE_H

#include <stddef.h>
#include "hypercall.h"

/* *slot, allocated (zeroed) when still NULL; bytes is rounded up to
 * whole pages. Aborts, naming what, when no memory is left. */
static inline void *kiln_table(void **slot, size_t bytes, const char *what)
{
    if (!*slot) {
        *slot = hc_pages_alloc((bytes + HC_PAGE_SIZE - 1) / HC_PAGE_SIZE);
        if (!*slot)
            hc_abort(what);
    }
    return *slot;
}

#endif
