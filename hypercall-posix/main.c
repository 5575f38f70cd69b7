/*
 * main.c: the process entry of an ordinary host program: set the host
 * up from the options, run host_main() on the first cooperative thread
 * and exit with its result. Harnesses with a main() of their own
 * (libFuzzer) link everything in hypercall-posix but this file.
 */
#include "hostint.h"

static int prog_argc;
static char **prog_argv;

static void main_thread(void *unused)
{
    (void)unused;
    hc_exit(host_main(prog_argc, prog_argv));
}

int main(int argc, char **argv)
{
    int first = host_setup(argc, argv);
    if (first < 0)
        return 2;
    argv[first - 1] = argv[0]; /* the program name, then its arguments */
    prog_argc = argc - first + 1;
    prog_argv = argv + first - 1;
    host_run(main_thread, NULL); /* which ends the process */
    hc_exit(0);
}
