/*
 * panic.c: fatal errors and symbolized backtraces.
 *
 * Symbols come from a table the link step embeds (linker/ksyms.sh runs nm
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

/* linker/ksyms.sh: addresses, sorted, then the names in that order. */
extern const uint32_t kiln_ksyms[] __attribute__((weak));
extern const uint32_t kiln_ksym_count __attribute__((weak));
extern const char kiln_ksym_names[] __attribute__((weak));
extern char _text_start[], _text_end[];

static int panicking;

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    if (!&kiln_ksym_count || addr < (uintptr_t)_text_start ||
        addr >= (uintptr_t)_text_end)
        return NULL;
    uint32_t lo = 0, hi = kiln_ksym_count;
    while (lo < hi) { /* last symbol at or below addr */
        uint32_t mid = (lo + hi) / 2;
        if (kiln_ksyms[mid] <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    *offset = addr - kiln_ksyms[lo - 1];
    const char *name = kiln_ksym_names;
    for (uint32_t i = 0; i < lo - 1; i++)
        name += strlen(name) + 1;
    return name;
}

static int plausible_frame(uint64_t rbp)
{
    return rbp >= HC_PAGE_SIZE && rbp % 8 == 0 && rbp + 16 <= pages_max_addr();
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
