/*
 * sigtest: Linux signal semantics through musl, in a booted image:
 * handlers with siginfo, the mask while a handler runs, SA_NODEFER,
 * SA_RESETHAND, blocked signals staying pending, alarm and pause,
 * ITIMER_REAL interrupting poll and epoll_wait (-EINTR), SA_RESTART
 * restarting a socket read, vector registers kept across a handler,
 * SIGPIPE from a write to a shut-down socket, and fork's clear refusal.
 * The last step raises SIGTERM with its default action: the image must
 * end with "killed by signal 15" and status 143, as Linux's shell says.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int failures;
static volatile int hits, last_sig, last_code, masked_inside;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
    sigset_t now;
    (void)uc;
    sigprocmask(SIG_BLOCK, NULL, &now);
    masked_inside = sigismember(&now, sig);
    last_sig = si->si_signo;
    last_code = si->si_code;
    hits++;
}

static void on_plain(int sig)
{
    last_sig = sig;
    hits++;
}

static void handle(int sig, int flags)
{
    struct sigaction sa = {0};
    if (flags & SA_SIGINFO)
        sa.sa_sigaction = on_info;
    else
        sa.sa_handler = on_plain;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void one_shot(long usec)
{
    struct itimerval it = {{0, 0}, {usec / 1000000, usec % 1000000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void check_handlers(void)
{
    handle(SIGUSR1, SA_SIGINFO);
    hits = 0;
    raise(SIGUSR1);
    check(hits == 1 && last_sig == SIGUSR1 && last_code == SI_TKILL,
          "raise runs a SA_SIGINFO handler with its siginfo");
    check(masked_inside == 1, "a signal is blocked while its handler runs");
    handle(SIGUSR2, SA_SIGINFO | SA_NODEFER);
    kill(getpid(), SIGUSR2);
    check(hits == 2 && last_code == SI_USER && masked_inside == 0,
          "kill(getpid()) delivers; SA_NODEFER leaves it unblocked");
    handle(SIGUSR1, SA_RESETHAND);
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    check(hits == 3 && now.sa_handler == SIG_DFL,
          "SA_RESETHAND runs once, then the action is the default");
}

static void check_pending(void)
{
    sigset_t set, pend;
    handle(SIGUSR2, 0);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    hits = 0;
    raise(SIGUSR2);
    sigpending(&pend);
    int waiting = hits == 0 && sigismember(&pend, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    check(waiting && hits == 1, "a blocked signal waits, then arrives");
    signal(SIGCHLD, SIG_DFL);
    raise(SIGCHLD);
    check(1, "SIGCHLD's default action is to ignore it");
}

/* ppoll's mask holds for the wait only: a blocked signal gets in, and
 * is blocked again once the handler is done. */
static void check_wait_mask(void)
{
    sigset_t set, none, after;
    struct timespec second = {1, 0};
    handle(SIGUSR2, 0);
    sigemptyset(&set);
    sigemptyset(&none);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    hits = 0;
    raise(SIGUSR2);
    int r = ppoll(NULL, 0, &second, &none);
    sigprocmask(SIG_BLOCK, NULL, &after);
    check(r == -1 && errno == EINTR && hits == 1 &&
              sigismember(&after, SIGUSR2),
          "ppoll's mask lets a blocked signal in for the wait only");
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void check_sigwait(void)
{
    sigset_t set;
    siginfo_t si;
    struct timespec brief = {0, 20000000};
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    handle(SIGALRM, 0);
    hits = 0;
    one_shot(50000);
    int got = sigwaitinfo(&set, &si);
    int timed = sigtimedwait(&set, &si, &brief);
    check(got == SIGALRM && si.si_signo == SIGALRM && hits == 0 &&
              timed == -1 && errno == EAGAIN,
          "sigwaitinfo takes a blocked timer signal; sigtimedwait times out");
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void check_timers(void)
{
    handle(SIGALRM, 0);
    hits = 0;
    alarm(1);
    int r = pause();
    check(r == -1 && errno == EINTR && hits == 1 && last_sig == SIGALRM,
          "alarm wakes pause, which fails with EINTR");
    one_shot(50000);
    r = poll(NULL, 0, -1);
    check(r == -1 && errno == EINTR && hits == 2,
          "ITIMER_REAL interrupts poll with EINTR");
    int ep = epoll_create1(0);
    struct epoll_event ev;
    one_shot(50000);
    r = epoll_wait(ep, &ev, 1, -1);
    check(r == -1 && errno == EINTR && hits == 3,
          "ITIMER_REAL interrupts epoll_wait with EINTR");
    struct itimerval every = {{0, 20000}, {0, 20000}}, left;
    setitimer(ITIMER_REAL, &every, NULL);
    while (hits < 6)
        pause();
    setitimer(ITIMER_REAL, &(struct itimerval){0}, &left);
    check(left.it_interval.tv_usec == 20000, "an interval timer repeats");
}

static void *wait_alarm(void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    *(int *)arg = pause();
    return NULL;
}

/* The process's signal goes to the thread that does not block it,
 * though it sleeps, never to one of the stack's own threads. */
static void check_routing(void)
{
    sigset_t set;
    pthread_t t;
    int r = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    handle(SIGALRM, 0);
    hits = 0;
    pthread_create(&t, NULL, wait_alarm, &r);
    sched_yield(); /* let it reach pause() */
    one_shot(50000);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    check(r == -1 && hits == 1,
          "a timer signal wakes the thread that does not block it");
}

static int udp_bound(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct timeval tv = {0, 300000};
    bind(s, (struct sockaddr *)&a, sizeof a);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

static void check_restart(void)
{
    char c;
    int s = udp_bound();
    handle(SIGALRM, 0);
    hits = 0;
    one_shot(50000);
    long r = recv(s, &c, 1, 0);
    check(r == -1 && errno == EINTR && hits == 1,
          "without SA_RESTART a blocked recv fails with EINTR");
    handle(SIGALRM, SA_RESTART);
    one_shot(50000);
    r = recv(s, &c, 1, 0);
    check(r == -1 && errno == EAGAIN && hits == 2,
          "with SA_RESTART recv resumes after the handler (then times out)");
    close(s);
}

static void clobber(int sig)
{
    (void)sig;
    volatile double x = 1.0;
    __asm__ volatile("xorps %%xmm8, %%xmm8" ::: "xmm8");
    hits += (int)x;
}

static void check_vector_state(void)
{
    signal(SIGUSR1, clobber);
    double kept;
    register double v __asm__("xmm8") = 2.5;
    __asm__ volatile("" : "+x"(v));
    raise(SIGUSR1);
    __asm__ volatile("" : "+x"(v));
    kept = v;
    check(kept == 2.5, "vector registers survive a handler");
}

static void check_sigpipe(void)
{
    int sv[2], ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(7001),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(ls, (struct sockaddr *)&a, sizeof a);
    listen(ls, 1);
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    connect(sv[0], (struct sockaddr *)&a, sizeof a);
    sv[1] = accept(ls, NULL, NULL);
    shutdown(sv[0], SHUT_WR);
    handle(SIGPIPE, 0);
    hits = 0;
    long r = send(sv[0], "x", 1, MSG_NOSIGNAL);
    int quiet = r == -1 && errno == EPIPE && hits == 0;
    r = write(sv[0], "x", 1);
    check(quiet && r == -1 && errno == EPIPE && hits == 1 &&
              last_sig == SIGPIPE,
          "EPIPE raises SIGPIPE, except with MSG_NOSIGNAL");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* in order with the console's lines */
    check_handlers();
    check_pending();
    check_wait_mask();
    check_timers();
    check_routing();
    check_sigwait();
    check_restart();
    check_vector_state();
    check_sigpipe();
    pid_t p = fork();
    check(p == -1 && errno == ENOSYS, "fork fails with ENOSYS");
    printf("sigtest: %s\n", failures ? "FAILED" : "all checks passed");
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return 1;
}
