/*
 * stack.c: the stack a Linux kernel hands a new process (the x86_64
 * psABI, "Initial Process Stack"): at %rsp argc, then argv and envp
 * each ended by NULL, then the auxiliary vector; the strings, the 16
 * random bytes of AT_RANDOM and the platform name above them.
 * There is no vDSO (no AT_SYSINFO_EHDR): libc then makes real system
 * calls for the clock, which land in components/posix like the rest.
 * Limits: STACK_BYTES of stack with a guard page below it, as
 * RLIMIT_STACK's 8 MiB is more than small guests have.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include "exec.h"

#define STACK_BYTES (2ul << 20)
#define AUXV_MAX 24

struct cursor {
    char *top; /* strings grow down from here */
};

static char *push_bytes(struct cursor *c, const void *p, size_t n)
{
    c->top -= n;
    memcpy(c->top, p, n);
    return c->top;
}

static char *push_str(struct cursor *c, const char *s)
{
    return push_bytes(c, s, strlen(s) + 1);
}

/* CPUID leaf 1's EDX, which Linux gives as AT_HWCAP on x86. */
static unsigned long hwcap(void)
{
    unsigned a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d;
}

static size_t put_auxv(size_t *v, const struct exec_start *s, char *rnd,
                       char *platform, char *execfn)
{
    const struct elf_image *im = s->im;
    const size_t aux[][2] = {
        {AT_PHDR, s->base + im->phdr},
        {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, im->phnum},
        {AT_PAGESZ, ELF_PAGE},
        {AT_BASE, 0}, /* no interpreter */
        {AT_FLAGS, 0},
        {AT_ENTRY, s->base + im->entry},
        {AT_UID, 0},
        {AT_EUID, 0},
        {AT_GID, 0},
        {AT_EGID, 0},
        {AT_SECURE, 0},
        {AT_RANDOM, (uintptr_t)rnd},
        {AT_HWCAP, hwcap()},
        {AT_HWCAP2, 0},
        {AT_CLKTCK, 100},
        {AT_EXECFN, (uintptr_t)execfn},
        {AT_PLATFORM, (uintptr_t)platform},
        {AT_NULL, 0},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof aux / sizeof aux[0]; i++) {
        v[n++] = aux[i][0];
        v[n++] = aux[i][1];
    }
    return n;
}

static int count(char **v)
{
    int n = 0;
    while (v[n])
        n++;
    return n;
}

/* The stack's memory, a guard page below it; its top, or 0. */
static char *stack_alloc(void)
{
    char *p = mmap(NULL, STACK_BYTES + ELF_PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p, ELF_PAGE, PROT_NONE) < 0)
        return 0;
    return p + STACK_BYTES + ELF_PAGE;
}

uintptr_t stack_build(const struct exec_start *s)
{
    struct cursor c = {stack_alloc()};
    if (!c.top)
        return 0;
    int nenv = count(s->envp);
    char **strs = calloc((size_t)(s->argc + nenv), sizeof *strs);
    if (!strs)
        return 0;
    char *execfn = push_str(&c, s->execfn);
    char *platform = push_str(&c, "x86_64");
    for (int i = nenv - 1; i >= 0; i--)
        strs[s->argc + i] = push_str(&c, s->envp[i]);
    for (int i = s->argc - 1; i >= 0; i--)
        strs[i] = push_str(&c, s->argv[i]);
    char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
        return 0;
    char *at_random = push_bytes(&c, rnd, sizeof rnd);
    size_t words = 1 + (size_t)s->argc + 1 + (size_t)nenv + 1 + 2 * AUXV_MAX;
    size_t *v = (size_t *)(((uintptr_t)c.top - words * 8) & ~(uintptr_t)15);
    size_t n = 0;
    v[n++] = (size_t)s->argc;
    for (int i = 0; i < s->argc; i++)
        v[n++] = (uintptr_t)strs[i];
    v[n++] = 0;
    for (int i = 0; i < nenv; i++)
        v[n++] = (uintptr_t)strs[s->argc + i];
    v[n++] = 0;
    put_auxv(v + n, s, at_random, platform, execfn);
    free(strs);
    return (uintptr_t)v;
}
