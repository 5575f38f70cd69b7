/*
 * panic.c: fatal errors and symbolized backtraces.
 *
 * Symbols come from a table the link step embeds (linker/ksyms.py runs nm
 * on a first link and links again with the table in .ksyms, after all
 * code, so no code address moves). Backtraces follow the frame-pointer
 * chain; our code keeps frame pointers, musl's may not, so a trace can
 * end early inside libc. Every pointer is checked before it is followed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "platform.h"

#define BACKTRACE_MAX 20

#define KSYM_NAME_MAX 256
/* Each pair unfolds into two bytes on the stack: 128 levels at most. */
#define KSYM_PAIRS_DEPTH 256

/* linker/ksyms.py: per symbol, in address order, the distance from the
 * previous address, the length of the prefix its name shares with the
 * previous name, and the rest of its name, where a byte b >= 0x80 stands
 * for the two of kiln_ksym_pairs[b - 0x80] (pairs only name earlier
 * pairs, so a name unfolds in at most 128 levels). */
extern const uint8_t kiln_ksyms[] __attribute__((weak));
extern const uint8_t kiln_ksym_pairs[][2] __attribute__((weak));
extern const uint32_t kiln_ksym_count __attribute__((weak));
extern char _text_start[], _text_end[];

static int panicking;

/* Unfold the NUL-ended rest at p into name[at..], up to name[max - 1];
 * returns the length reached. */
static size_t ksym_unfold(const uint8_t *p, char *name, size_t at, size_t max)
{
    uint8_t stack[KSYM_PAIRS_DEPTH];
    size_t top = 0;
    while (*p || top) {
        uint8_t b = top ? stack[--top] : *p++;
        if (b < 0x80) {
            if (at < max - 1)
                name[at++] = (char)b;
        } else if (top + 2 <= sizeof stack) {
            stack[top++] = kiln_ksym_pairs[b - 0x80][1];
            stack[top++] = kiln_ksym_pairs[b - 0x80][0];
        }
    }
    name[at] = '\0';
    return at;
}

/* The entry at p: its address added to *addr, its name rebuilt in name
 * (which holds the previous one). Returns the next entry. */
static const uint8_t *ksym_next(const uint8_t *p, uint64_t *addr, char *name)
{
    uint64_t delta = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        delta |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p++ & 0x80))
            break;
    }
    *addr += delta;
    size_t keep = *p++; /* at most 255, below KSYM_NAME_MAX */
    ksym_unfold(p, name, keep, KSYM_NAME_MAX);
    return p + strlen((const char *)p) + 1;
}

/* The name of the last symbol at or below addr, in a buffer the next
 * call reuses (only panics and traps print it, one at a time). */
const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    static char found[KSYM_NAME_MAX], cur[KSYM_NAME_MAX];
    if (!&kiln_ksym_count || addr < (uintptr_t)_text_start ||
        addr >= (uintptr_t)_text_end)
        return NULL;
    const uint8_t *p = kiln_ksyms;
    uint64_t at = 0, next = 0;
    int any = 0;
    for (uint32_t i = 0; i < kiln_ksym_count; i++) {
        p = ksym_next(p, &next, cur);
        if (next > addr)
            break;
        at = next;
        memcpy(found, cur, sizeof found);
        any = 1;
    }
    if (!any)
        return NULL;
    *offset = addr - at;
    return found;
}

static int plausible_frame(uint64_t rbp)
{
    return rbp >= HC_PAGE_SIZE && rbp % 8 == 0 &&
           (rbp + 16 <= pages_max_addr() || mmu_in_window(rbp));
}

void backtrace_from(uint64_t rbp)
{
    kputs("backtrace:\n");
    for (int i = 0; i < BACKTRACE_MAX && plausible_frame(rbp); i++) {
        const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = frame[1];
        if (ret < (uintptr_t)_text_start || ret >= (uintptr_t)_text_end)
            break;
        char label[16];
        snprintf(label, sizeof label, "  #%d ", i);
        uint64_t off;
        const char *name = ksym_lookup(ret - 1, &off);
        kprintf("%s%016lx %s+%#lx\n", label, ret, name ? name : "?",
                name ? off + 1 : 0);
        if (frame[0] <= rbp) /* stacks grow down: callers live above */
            break;
        rbp = frame[0];
    }
}

void panic_once(void)
{
    if (panicking++) {
        kputs("PANIC: another fault while reporting a panic\n");
        platform_exit(255);
    }
}

_Noreturn void panic(const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hc_abort(msg);
}

_Noreturn void hc_abort(const char *msg)
{
    panic_once();
    kprintf("PANIC: %s\n", msg);
    backtrace_from((uintptr_t)__builtin_frame_address(0));
    platform_exit(255);
}
