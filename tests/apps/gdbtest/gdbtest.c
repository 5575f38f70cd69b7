/*
 * gdbtest: a program for gdb to walk through (tests/boot/gdbstub): a
 * global to print, lines without calls to step over one at a time (the
 * global is volatile so each line keeps its own store under -O2), a
 * call to see in a backtrace, and a known exit status.
 */
#include <stdio.h>

volatile int gdbtest_count = 41;

__attribute__((noinline)) static int gdbtest_report(void)
{
    printf("gdbtest: count %d\n", gdbtest_count);
    return gdbtest_count;
}

int main(void)
{
    gdbtest_count++;
    gdbtest_count += 10;
    int r = gdbtest_report(); /* not a tail call: main stays in the trace */
    gdbtest_count = 0;
    return r;
}
