/*
 * fdtest: the descriptor kinds that live in memory, with the errno
 * values Linux gives: pipes, eventfds, dup/fcntl, /dev/null and its
 * kin, AF_UNIX sockets, and poll/select/epoll over them, including the
 * paths where one thread blocks until another acts. Every check prints
 * "ok: ..." or "FAIL: ..."; the last line is "fdtest: all N checks
 * passed" or "fdtest: N of M checks failed" (exit status 1). Plain
 * POSIX with Linux's calls, so it runs on Linux too, which is how its
 * expectations are checked: `gcc -O2 -o /tmp/fdtest
 * tests/apps/fdtest/[a-z]*.c -lpthread && /tmp/fdtest`. The few checks
 * of Kiln's own limits (no descriptor passing) run only on Kiln.
 */
#include "fdtest.h"

static int checks, failed;

void check(int ok, const char *what)
{
    checks++;
    if (!ok)
        failed++;
    printf("%s: %s", ok ? "ok" : "FAIL", what);
    if (!ok)
        printf(" (errno %d: %s)", errno, strerror(errno));
    printf("\n");
}

int fails_with(long r, int err)
{
    return r == -1 && errno == err;
}

int on_kiln(void)
{
    struct utsname u;
    return uname(&u) == 0 && strcmp(u.sysname, "Kiln") == 0;
}

pthread_t spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) {
        printf("fdtest: pthread_create failed\n");
        exit(2);
    }
    return t;
}

void join(pthread_t t)
{
    pthread_join(t, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* EPIPE is what is checked */
    test_pipes();
    test_pipe_threads();
    test_eventfd();
    test_dup_fcntl();
    test_devices();
    test_polling();
    test_unix_stream();
    test_unix_names();
    test_unix_records();
    test_unix_blocked();
    if (failed) {
        printf("fdtest: %d of %d checks failed\n", failed, checks);
        return 1;
    }
    printf("fdtest: all %d checks passed\n", checks);
    return 0;
}
