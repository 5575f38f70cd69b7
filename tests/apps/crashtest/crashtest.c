/*
 * crashtest: misbehaves on purpose, so tests can check that each kind of
 * crash gives a "PANIC:" report with a backtrace and exit status 255,
 * that a deadlock is reported instead of hanging, and that a system call
 * Kiln lacks fails with ENOSYS and is logged once.
 * Usage: crashtest null|text|exec|abort|deadlock|enosys|stack|thread-stack|
 *        smash|pagetable|pagetable-root|scattered
 */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Opaque to the compiler, which would otherwise turn a literal NULL
 * dereference into a trap of its own. */
static int *volatile null_pointer;

/* noinline keeps a named frame in the backtrace the tests look for. */
__attribute__((noinline)) static void crash_null(void)
{
    printf("read from NULL gave %d\n", *null_pointer);
}

__attribute__((noinline)) static void crash_text(void)
{
    volatile unsigned char *code = (volatile unsigned char *)crash_null;
    code[0] = 0xc3;
    printf("write to text succeeded\n");
}

__attribute__((noinline)) static void crash_exec(void)
{
    static unsigned char data[16] = {0xc3}; /* ret, in a no-execute page */
    void (*f)(void) = (void (*)(void))(void *)data;
    f();
    printf("execute from data succeeded\n");
}

/* A write past a local buffer over the canary, the saved frame pointer
 * and the return address. Zeros, so it is caught only if the canary is
 * not zero: the boot really set one. */
static volatile size_t smash_len = 64;

__attribute__((noinline)) static void crash_smash(void)
{
    char buf[16];
    memset(buf, 0, smash_len);
    printf("wrote %zu bytes into a 16-byte buffer: %d\n", smash_len, buf[0]);
}

/* A stray write into a page table, as an overflowed buffer next to one
 * would make: rewrite an entry with its own value, so nothing breaks if
 * it is allowed. The image runs in ring 0, so CR3 is readable. Depth 0
 * is the top-level table (boot.S's), depth 3 the one mapping this code
 * (allocated when mmu.c split the image's 2 MiB pages). */
#define PTE_ADDR 0x000ffffffffff000ull

__attribute__((noinline)) static void crash_pagetable(int depth)
{
    uint64_t cr3, va = (uintptr_t)crash_pagetable;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    volatile uint64_t *table = (volatile uint64_t *)(uintptr_t)(cr3 & PTE_ADDR);
    for (int level = 0; level < depth; level++)
        table = (volatile uint64_t
                     *)(uintptr_t)(table[(va >> (39 - 9 * level)) & 511] &
                                   PTE_ADDR);
    unsigned i = (va >> (39 - 9 * depth)) & 511;
    table[i] = table[i];
    printf("rewrote entry %u of the level-%d page table at %p\n", i, depth,
           (void *)table);
}

/* Every thread blocked for good: relocking a normal mutex we hold. */
static void deadlock(void)
{
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&m);
    pthread_mutex_lock(&m);
    printf("relocked a held mutex\n");
}

static int enosys_twice(void)
{
    for (int i = 0; i < 2; i++) {
        long r = syscall(SYS_ptrace, 0, 0, 0, 0); /* no debugger to attach */
        printf("ptrace: %ld, %s\n", r,
               r < 0 && errno == ENOSYS ? "ENOSYS" : "?");
    }
    return 0;
}

/* Recursion that no stack survives; the volatile array keeps each frame
 * big and the compiler from turning recursion into a loop. */
static volatile int depth_limit = 1 << 30;

__attribute__((noinline)) static int recurse(int depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    return depth < depth_limit ? recurse(depth + 1) + frame[0] : 0;
}

static void *recurse_thread(void *arg)
{
    (void)arg;
    recurse(0);
    return NULL;
}

static void thread_stack_overflow(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 32 * 1024);
    pthread_create(&t, &a, recurse_thread, NULL);
    pthread_join(t, NULL);
}

/* Run in 2 MiB, where no run of free RAM holds 1 MiB: the mapping's
 * pages are scattered (hc_pages_alloc_scattered), yet every byte holds
 * what was written, a partial munmap works, and its PROT_NONE page
 * faults as a guard page does. */
__attribute__((noinline)) static void crash_scattered(void)
{
    size_t len = (1 << 20) + 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("scattered: mmap failed\n");
        return;
    }
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i / 4096);
    for (size_t i = 0; i < len; i++)
        if (p[i] != (unsigned char)(i / 4096)) {
            printf("scattered: byte %zu lost\n", i);
            return;
        }
    if (munmap(p + len - (128 << 12), 128 << 12) ||
        mprotect(p, 4096, PROT_NONE)) {
        printf("scattered: munmap or mprotect failed\n");
        return;
    }
    printf("scattered: %zu bytes kept\n", len);
    fflush(stdout);
    printf("read %d\n", *(volatile unsigned char *)p);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    printf("crashtest: %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "null"))
        crash_null();
    else if (!strcmp(what, "text"))
        crash_text();
    else if (!strcmp(what, "exec"))
        crash_exec();
    else if (!strcmp(what, "abort"))
        abort();
    else if (!strcmp(what, "deadlock"))
        deadlock();
    else if (!strcmp(what, "stack"))
        recurse(0);
    else if (!strcmp(what, "thread-stack"))
        thread_stack_overflow();
    else if (!strcmp(what, "smash"))
        crash_smash();
    else if (!strcmp(what, "pagetable"))
        crash_pagetable(3);
    else if (!strcmp(what, "pagetable-root"))
        crash_pagetable(0);
    else if (!strcmp(what, "enosys"))
        return enosys_twice();
    else if (!strcmp(what, "scattered"))
        crash_scattered();
    else
        fprintf(stderr,
                "usage: crashtest null|text|exec|abort|deadlock|enosys|stack|"
                "thread-stack|smash|pagetable|pagetable-root|scattered\n");
    return 1;
}
