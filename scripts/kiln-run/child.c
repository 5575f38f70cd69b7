/*
 * child.c: QEMU as kiln_cli's Spawned runs it: its stdio the terminal's,
 * its environment kiln's, SIGPIPE and SIGXFSZ ignored as Python leaves
 * them for its children. kiln waits for the exit; at --timeout, or on
 * SIGINT or SIGTERM to kiln, it stops QEMU (SIGTERM, then SIGKILL after
 * STOP_GRACE seconds). The signals are blocked and taken by sigtimedwait,
 * so no handler races the wait; QEMU starts with kiln's original mask.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "kiln-run.h"

#define STOP_GRACE 5.0 /* kiln_cli.Spawned.stop's */

extern char **environ;

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int exit_code(int status)
{
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

/* STOP_NONE once PID is reaped into *STATUS; else why it is not:
 * STOP_TIMEOUT at the TIMEOUT (none if 0), STOP_SIGNAL on another
 * signal of SET than SIGCHLD */
static int child_wait(pid_t pid, const sigset_t *set, double timeout,
                      int *status)
{
    double deadline = now() + timeout, left;
    struct timespec ts;

    for (;;) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return STOP_NONE;
        left = deadline - now();
        if (timeout > 0 && left <= 0)
            return STOP_TIMEOUT;
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
        int sig = sigtimedwait(set, NULL, timeout > 0 ? &ts : NULL);
        if (sig == SIGINT || sig == SIGTERM)
            return STOP_SIGNAL;
    }
}

static void child_stop(pid_t pid, int *status)
{
    sigset_t chld;

    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    kill(pid, SIGTERM);
    if (child_wait(pid, &chld, STOP_GRACE, status) != STOP_NONE) {
        kill(pid, SIGKILL);
        waitpid(pid, status, 0);
    }
}

static int spawn(pid_t *pid, char **argv, const sigset_t *mask)
{
    posix_spawnattr_t attr;
    int err;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    /* an ignored SIGCHLD inherited from our parent would reap QEMU
     * before kiln can read its status */
    signal(SIGCHLD, SIG_DFL);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    err = posix_spawn(pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    errno = err;
    return err ? -1 : 0;
}

int child_run(char **argv, double timeout, int *why)
{
    sigset_t set, old;
    pid_t pid;
    int status = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    if (spawn(&pid, argv, &old) != 0) {
        host_error(argv[0]);
        return CHILD_FAILED;
    }
    *why = child_wait(pid, &set, timeout, &status);
    if (*why != STOP_NONE)
        child_stop(pid, &status);
    return exit_code(status);
}
