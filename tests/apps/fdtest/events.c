/*
 * events.c: eventfd; dup, dup2, dup3 and fcntl; /dev/null and its kin;
 * poll, select and epoll woken by another thread.
 */
#include "fdtest.h"

static uint64_t efd_get(int fd)
{
    uint64_t v = 0;
    return read(fd, &v, sizeof v) == sizeof v ? v : (uint64_t)-1;
}

static int efd_put(int fd, uint64_t v)
{
    return write(fd, &v, sizeof v) == sizeof v;
}

static void *add_one(void *arg)
{
    efd_put(*(int *)arg, 1);
    return NULL;
}

void test_eventfd(void)
{
    int e = eventfd(3, 0);
    check(e >= 0 && efd_get(e) == 3, "eventfd starts at its initial value");
    check(efd_put(e, 5) && efd_put(e, 2) && efd_get(e) == 7,
          "writes add up, a read takes all");
    pthread_t t = spawn(add_one, &e);
    check(efd_get(e) == 1, "a blocked read wakes at another thread's write");
    join(t);
    char small[4];
    check(fails_with(read(e, small, sizeof small), EINVAL),
          "a read of less than 8 bytes: EINVAL");
    check(!efd_put(e, UINT64_MAX) && errno == EINVAL, "writing 2^64-1: EINVAL");
    close(e);

    e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    uint64_t v;
    check(fails_with(read(e, &v, sizeof v), EAGAIN),
          "EFD_NONBLOCK: EAGAIN at 0");
    check(fcntl(e, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC sets close-on-exec");
    check(efd_put(e, UINT64_MAX - 1) && !efd_put(e, 1) && errno == EAGAIN,
          "the counter stops at 2^64-2: EAGAIN");
    struct pollfd pf = {e, POLLIN | POLLOUT, 0};
    check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN,
          "a full counter is readable, not writable");
    close(e);

    e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    check(efd_get(e) == 1 && efd_get(e) == 1 &&
              fails_with(read(e, &v, 8), EAGAIN),
          "EFD_SEMAPHORE: each read takes 1");
    close(e);
    check(fails_with(eventfd(0, 0x40000000), EINVAL),
          "eventfd bad flags: EINVAL");
}

static void test_dup(void)
{
    int p[2] = {-1, -1}; /* a failed pipe must not name the console */
    char c;
    pipe(p);
    int d = dup(p[1]);
    check(d > p[1], "dup gives the lowest free descriptor");
    check(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0 &&
              (fcntl(d, F_GETFL) & O_NONBLOCK),
          "dup'd descriptors share the status flags");
    close(p[1]);
    check(write(d, "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z',
          "the pipe stays open while a dup of its end does");
    check(dup2(d, d) == d, "dup2 onto itself returns it");
    check(dup2(d, 200) == 200 && fcntl(200, F_GETFD) == 0,
          "dup2 to a chosen number, not close-on-exec");
    check(dup3(d, 201, O_CLOEXEC) == 201 && fcntl(201, F_GETFD) == FD_CLOEXEC,
          "dup3 with O_CLOEXEC");
    check(fails_with(dup3(d, d, 0), EINVAL), "dup3 onto itself: EINVAL");
    /* the call itself: musl's dup3 falls back to dup2 for such flags */
    check(fails_with(syscall(SYS_dup3, d, 202, 1), EINVAL),
          "dup3 with bad flags: EINVAL");
    check(fails_with(dup2(999, 5), EBADF) && fails_with(dup(-1), EBADF),
          "dup of a closed descriptor: EBADF");
    int hi = fcntl(d, F_DUPFD, 100), cl = fcntl(d, F_DUPFD_CLOEXEC, 100);
    check(hi >= 100 && cl > hi && fcntl(cl, F_GETFD) == FD_CLOEXEC &&
              fcntl(hi, F_GETFD) == 0,
          "F_DUPFD and F_DUPFD_CLOEXEC from a minimum");
    close(d), close(200), close(201), close(hi), close(cl);
    check(read(p[0], &c, 1) == 0, "end of file once the last dup closes");
    close(p[0]);
}

static void test_fcntl(void)
{
    int fd = open("/dev/null", O_RDWR), ro = open("/dev/null", O_RDONLY);
    check(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 &&
              fcntl(fd, F_GETFD) == FD_CLOEXEC,
          "F_SETFD then F_GETFD");
    check(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND),
          "F_SETFL O_APPEND");
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    check(fcntl(fd, F_GETLK, &l) == 0 && l.l_type == F_UNLCK,
          "F_GETLK: nothing conflicts, F_UNLCK");
    l.l_type = F_WRLCK;
    check(fcntl(fd, F_SETLK, &l) == 0 && fcntl(fd, F_SETLKW, &l) == 0,
          "F_SETLK and F_SETLKW take a lock");
    l.l_type = F_UNLCK; /* Linux: OFD locks conflict with these */
    check(fcntl(fd, F_SETLK, &l) == 0, "F_SETLK F_UNLCK lets go");
    l = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET};
    check(fcntl(fd, F_OFD_SETLK, &l) == 0 && fcntl(fd, F_OFD_GETLK, &l) == 0 &&
              l.l_type == F_UNLCK,
          "F_OFD_SETLK and F_OFD_GETLK");
    l = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
    check(ro >= 0 && fails_with(fcntl(ro, F_SETLK, &l), EBADF),
          "a write lock on a read-only descriptor: EBADF");
    l.l_type = 99;
    check(fails_with(fcntl(fd, F_SETLK, &l), EINVAL),
          "a bad lock type: EINVAL");
    int on = 1;
    check(ioctl(fd, FIONBIO, &on) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "ioctl FIONBIO sets O_NONBLOCK on any file");
    check(ioctl(ro, FIOCLEX) == 0 && fcntl(ro, F_GETFD) == FD_CLOEXEC &&
              ioctl(ro, FIONCLEX) == 0 && fcntl(ro, F_GETFD) == 0,
          "ioctl FIOCLEX and FIONCLEX on any file");
    check(fails_with(fcntl(999, F_GETFD), EBADF),
          "fcntl on no descriptor: EBADF");
    close(fd), close(ro);
}

void test_dup_fcntl(void)
{
    test_dup();
    test_fcntl();
}

static int is_chr(const struct stat *st, unsigned minor)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 &&
           minor(st->st_rdev) == minor;
}

void test_devices(void)
{
    char buf[32], again[32];
    struct stat st;
    int fd = open("/dev/null", O_RDWR);
    check(fd >= 0 && read(fd, buf, sizeof buf) == 0 && write(fd, "x", 1) == 1,
          "/dev/null reads nothing and takes everything");
    check(fstat(fd, &st) == 0 && is_chr(&st, 3),
          "/dev/null is character device 1:3");
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 0xff, sizeof buf);
    check(fd >= 0 && read(fd, buf, sizeof buf) == sizeof buf && !buf[0] &&
              !memcmp(buf, buf + 1, sizeof buf - 1),
          "/dev/zero reads zeros");
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    check(fails_with(write(fd, "x", 1), ENOSPC), "/dev/full: ENOSPC");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    check(fd >= 0 && read(fd, buf, sizeof buf) == sizeof buf &&
              read(fd, again, sizeof again) == sizeof again &&
              memcmp(buf, again, sizeof buf),
          "/dev/urandom reads random bytes");
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    check(fd >= 0 && read(fd, buf, 16) == 16, "/dev/random reads");
    close(fd);
    check(stat("/dev/urandom", &st) == 0 && is_chr(&st, 9) &&
              stat("/dev/zero", &st) == 0 && is_chr(&st, 5),
          "stat of /dev/urandom and /dev/zero");
    check(access("/dev/null", R_OK | W_OK) == 0 &&
              fails_with(access("/dev/null", X_OK), EACCES),
          "access to /dev/null: read and write, not execute");
}

struct later {
    int fd;
    const void *data;
    size_t len;
};

static void *write_later(void *arg)
{
    struct later *l = arg;
    write(l->fd, l->data, l->len);
    return NULL;
}

void test_polling(void)
{
    int p[2] = {-1, -1}, e = eventfd(0, 0), s[2] = {-1, -1};
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    struct pollfd pf[3] = {
        {p[0], POLLIN, 0}, {e, POLLIN, 0}, {s[0], POLLIN, 0}};
    check(p[0] >= 0 && poll(pf, 3, 0) == 0, "poll: nothing ready yet");
    uint64_t one = 1;
    struct later l = {e, &one, sizeof one};
    pthread_t t = spawn(write_later, &l);
    check(poll(pf, 3, 5000) == 1 && pf[1].revents == POLLIN,
          "poll wakes when another thread writes an eventfd");
    join(t);
    read(e, &one, sizeof one);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s[0]}, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, s[0], &ev);
    ev.data.fd = p[0];
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll takes a pipe");
    l = (struct later){s[1], "u", 1};
    t = spawn(write_later, &l);
    check(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.fd == s[0],
          "epoll wakes when another thread writes a unix socket");
    join(t);
    l = (struct later){p[1], "q", 1};
    t = spawn(write_later, &l);
    char c;
    read(s[0], &c, 1);
    check(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.fd == p[0],
          "epoll wakes when another thread writes a pipe");
    join(t);
    fd_set rd;
    FD_ZERO(&rd);
    if (p[0] >= 0)
        FD_SET(p[0], &rd);
    struct timeval tv = {0, 0};
    check(select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd),
          "select: the pipe is readable");
    close(p[1]);
    read(p[0], &c, 1);
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    check(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLHUP),
          "poll: a read end without writer has POLLHUP");
    close(ep), close(p[0]), close(e), close(s[0]), close(s[1]);
}
