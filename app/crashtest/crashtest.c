/*
 * crashtest: faults on purpose, so tests can check that each kind of
 * crash gives a "PANIC:" report with a backtrace and exit status 255.
 * Usage: crashtest null|text|exec|abort
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    else
        fprintf(stderr, "usage: crashtest null|text|exec|abort\n");
    return 1;
}
