/*
 * crashtest: misbehaves on purpose, so tests can check that each kind of
 * crash gives a "PANIC:" report with a backtrace and exit status 255,
 * that a deadlock is reported instead of hanging, and that a system call
 * Kiln lacks fails with ENOSYS and is logged once.
 * Usage: crashtest null|text|exec|abort|deadlock|enosys|stack|thread-stack
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    else if (!strcmp(what, "enosys"))
        return enosys_twice();
    else
        fprintf(stderr,
                "usage: crashtest null|text|exec|abort|deadlock|enosys|stack|"
                "thread-stack\n");
    return 1;
}
