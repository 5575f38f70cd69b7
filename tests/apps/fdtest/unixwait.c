/*
 * unixwait.c: AF_UNIX calls that one thread is blocked in while another
 * closes or shuts down the socket. As on Linux, close() of the
 * descriptor does not end a blocked recvmsg, accept or connect: the
 * socket stays open (its name, its peer) until the call returns, and
 * the call goes on to its normal end. shutdown(SHUT_RDWR) ends a
 * blocked recvmsg (the end of the stream) and a blocked accept
 * (EINVAL).
 *
 * The blocked thread must be inside its call before main acts. On Kiln
 * threads run until they block, so once it has said it is about to
 * call and main has yielded, it is blocked; on Linux main waits until
 * /proc shows the thread asleep.
 */
#include "fdtest.h"

#define TRIES 1000000 /* yields before giving up on the thread */

struct waiter {
    int fd;
    int ready, tid; /* set by the thread before its call */
    long r;
    int err;
    char buf[8];
    struct sockaddr_un to;
    socklen_t tolen;
};

static void about_to_call(struct waiter *w)
{
    w->tid = (int)syscall(SYS_gettid);
    __atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
}

static void *in_recvmsg(void *arg)
{
    struct waiter *w = arg;
    struct iovec v = {w->buf, sizeof w->buf};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    about_to_call(w);
    w->r = recvmsg(w->fd, &m, 0);
    w->err = errno;
    return NULL;
}

static void *in_accept(void *arg)
{
    struct waiter *w = arg;
    about_to_call(w);
    w->r = accept(w->fd, NULL, NULL);
    w->err = errno;
    return NULL;
}

static void *in_connect(void *arg)
{
    struct waiter *w = arg;
    about_to_call(w);
    w->r = connect(w->fd, (struct sockaddr *)&w->to, w->tolen);
    w->err = errno;
    return NULL;
}

/* Linux: whether thread tid sleeps ('S' after the name in its stat). */
static int linux_asleep(int tid)
{
    char path[64], st[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -1 : read(fd, st, sizeof st - 1);
    if (fd >= 0)
        close(fd);
    st[n > 0 ? n : 0] = 0;
    char *end = strrchr(st, ')');
    return end && end[1] == ' ' && end[2] == 'S';
}

/* Start fn(w) and return once it is blocked in its call. */
static pthread_t start_blocked(void *(*fn)(void *), struct waiter *w)
{
    pthread_t t = spawn(fn, w);
    int kiln = on_kiln();
    for (int i = 0; i < TRIES; i++) {
        sched_yield();
        if (__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE) &&
            (kiln || linux_asleep(w->tid)))
            break;
    }
    return t;
}

static socklen_t abstract_name(struct sockaddr_un *a, const char *name)
{
    *a = (struct sockaddr_un){.sun_family = AF_UNIX};
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                       strlen(name));
}

static int listener_at(struct sockaddr_un *a, socklen_t len, int backlog)
{
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(l, (struct sockaddr *)a, len) != 0 || listen(l, backlog) != 0)
        check(0, "a listener for the blocked calls");
    return l;
}

static void close_recvmsg(void)
{
    struct waiter w = {0};
    int s[2] = {-1, -1};
    char b;
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    w.fd = s[0];
    pthread_t t = start_blocked(in_recvmsg, &w);
    check(close(s[0]) == 0 && write(s[1], "late", 4) == 4,
          "close() of a socket blocked in recvmsg: the peer still writes");
    join(t);
    check(w.r == 4 && !memcmp(w.buf, "late", 4),
          "the blocked recvmsg gets what came after the close");
    check(recv(s[1], &b, 1, MSG_DONTWAIT) == 0,
          "once that recvmsg returned, the peer reads the end");
    close(s[1]);
}

static void close_accept(void)
{
    struct waiter w = {0};
    struct sockaddr_un a;
    socklen_t alen = abstract_name(&a, "kiln-fdtest-held");
    w.fd = listener_at(&a, alen, 4);
    pthread_t t = start_blocked(in_accept, &w);
    close(w.fd);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(connect(c, (struct sockaddr *)&a, alen) == 0,
          "close() of a listener blocked in accept: its name still connects");
    join(t);
    check(w.r >= 0, "the blocked accept returns that connection");
    close((int)w.r);
    close(c);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(fails_with(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED),
          "once that accept returned, the listener is gone: ECONNREFUSED");
    close(c);
}

static void close_connect(void)
{
    struct waiter w = {0};
    char b;
    w.tolen = abstract_name(&w.to, "kiln-fdtest-full");
    int l = listener_at(&w.to, w.tolen, 0); /* room for one */
    int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
    check(connect(c1, (struct sockaddr *)&w.to, w.tolen) == 0,
          "a listener's backlog filled");
    w.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    pthread_t t = start_blocked(in_connect, &w);
    close(w.fd);
    int a1 = accept(l, NULL, NULL);
    join(t);
    check(w.r == 0,
          "close() of a socket blocked in connect: it connects once the "
          "listener has room");
    int a2 = accept(l, NULL, NULL);
    check(a2 >= 0 && recv(a2, &b, 1, MSG_DONTWAIT) == 0,
          "once that connect returned, its connection reads the end");
    close(a2), close(a1), close(c1), close(l);
}

static void shutdown_wakes(void)
{
    struct waiter w = {0}, v = {0};
    int s[2] = {-1, -1};
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    w.fd = s[0];
    pthread_t t = start_blocked(in_recvmsg, &w);
    check(shutdown(s[0], SHUT_RDWR) == 0, "shutdown(SHUT_RDWR) of a socket "
                                          "blocked in recvmsg");
    join(t);
    check(w.r == 0, "the blocked recvmsg returns the end of the stream");
    close(s[0]), close(s[1]);

    struct sockaddr_un a;
    socklen_t alen = abstract_name(&a, "kiln-fdtest-shut");
    v.fd = listener_at(&a, alen, 4);
    t = start_blocked(in_accept, &v);
    int r = shutdown(v.fd, SHUT_RDWR);
    check(r == 0, "shutdown(SHUT_RDWR) of a listener blocked in accept");
    if (r != 0) /* the accept would wait for ever: end it */
        close(v.fd), v.fd = -1;
    join(t);
    check(v.r == -1 && v.err == EINVAL, "the blocked accept fails: EINVAL");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(fails_with(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED),
          "a listener shut for reading refuses connections: ECONNREFUSED");
    close(c), close(v.fd);
}

void test_unix_blocked(void)
{
    close_recvmsg();
    close_accept();
    close_connect();
    shutdown_wakes();
}
