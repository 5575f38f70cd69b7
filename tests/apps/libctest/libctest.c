/*
 * libctest: libc behaviours that depend on the POSIX personality and the
 * scheduler getting Linux's semantics right, each found broken once:
 * argv outliving a main thread that calls pthread_exit, per-thread
 * floating-point rounding modes, vector registers kept across a system
 * call that switches threads, "forever" timeouts that must not wrap
 * into "now", and a wall clock taken from the host.
 * Usage: libctest WORD (WORD is read back through argv).
 */
#include <fenv.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static void *round_up_and_wait(void *arg)
{
    fesetround(FE_UPWARD);
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL); /* main runs meanwhile */
    *(int *)arg = fegetround() == FE_UPWARD;
    return NULL;
}

static void fp_environment_is_per_thread(void)
{
    pthread_t t;
    int kept = 0;
    pthread_create(&t, NULL, round_up_and_wait, &kept);
    sched_yield(); /* the thread changes its rounding mode and sleeps */
    check(fegetround() == FE_TONEAREST, "rounding mode is per thread");
    pthread_join(t, NULL);
    check(kept, "a thread keeps its own rounding mode across switches");
}

static volatile int clobbering = 1;

static void *clobber_xmm7(void *arg)
{
    static const double junk = -1.0;
    (void)arg;
    while (clobbering) {
        __asm__ volatile("movsd %0, %%xmm7" : : "m"(junk) : "xmm7");
        sched_yield();
    }
    return NULL;
}

static void vectors_kept_across_syscall(void)
{
    pthread_t t;
    double in = 1234.5, out = 0;
    pthread_create(&t, NULL, clobber_xmm7, NULL);
    __asm__ volatile("movsd %1, %%xmm7\n\t"
                     "mov $24, %%eax\n\t" /* sched_yield: runs the other */
                     "syscall\n\t"
                     "movsd %%xmm7, %0"
                     : "=m"(out)
                     : "m"(in)
                     : "rax", "rcx", "r11", "xmm7", "memory");
    clobbering = 0;
    pthread_join(t, NULL);
    check(out == in, "xmm registers survive a system call");
}

static volatile int woke;

static void *sleep_forever(void *arg)
{
    struct timespec forever = {LONG_MAX, 999999999};
    (void)arg;
    nanosleep(&forever, NULL);
    woke = 1;
    return NULL;
}

static void forever_is_not_now(void)
{
    pthread_t t;
    struct timespec ms = {0, 20 * 1000000};
    pthread_create(&t, NULL, sleep_forever, NULL);
    pthread_detach(t);
    nanosleep(&ms, NULL);
    check(!woke, "nanosleep with a huge timeout still sleeps");
}

/* The wall clock comes from the host (RTC, Xen's shared info): it must
 * not read 1970. */
static void wall_clock_is_set(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    check(now.tv_sec > 1577836800, "the wall clock is after 2020");
}

static const char *expected_word;

/* Map every free page once (they come zeroed), largest runs first, then
 * give them back: freed memory that something still points to is then
 * overwritten, wherever it was. */
static void take_every_free_page(void)
{
    enum { MAPS = 100 };
    static void *map[MAPS];
    static size_t len[MAPS];
    int n = 0;
    for (size_t size = 64 * 4096; size >= 4096 && n < MAPS;) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            size /= 2;
            continue;
        }
        memset(p, 0x5a, size);
        map[n] = p;
        len[n++] = size;
    }
    while (n--)
        munmap(map[n], len[n]);
}

/* Runs after main has called pthread_exit and its stack is gone. */
static void *read_argv_later(void *arg)
{
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL); /* main exits meanwhile; its stack is reaped */
    take_every_free_page();
    check(!strcmp((const char *)arg, expected_word),
          "argv outlives the main thread");
    printf("libctest: %s\n", failures ? "checks FAILED" : "all checks passed");
    exit(failures ? 1 : 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: libctest WORD\n");
        return 2;
    }
    fp_environment_is_per_thread();
    vectors_kept_across_syscall();
    forever_is_not_now();
    wall_clock_is_set();
    static char copy[64];
    snprintf(copy, sizeof copy, "%s", argv[1]);
    expected_word = copy;
    pthread_t t;
    pthread_create(&t, NULL, read_argv_later, argv[1]);
    fflush(stdout);
    pthread_exit(NULL);
}
