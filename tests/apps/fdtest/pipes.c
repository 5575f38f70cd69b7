/*
 * pipes.c: pipe and pipe2: data, ends, flags, capacity, end of file,
 * EPIPE, and the blocking paths between two threads.
 */
#include "fdtest.h"

#define CAP 65536
#define BULK 200000
#define ATOMIC_WRITES 24 /* 2 * 24 * PIPE_BUF fits in got */

static char big[BULK], got[BULK];

static void test_pipe_basics(void)
{
    int p[2] = {-1, -1}; /* a failed pipe must not name the console */
    char buf[16] = {0};
    struct stat st;
    check(pipe(p) == 0 && p[0] >= 0 && p[1] > p[0],
          "pipe gives two descriptors");
    check(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode),
          "fstat says a pipe is a FIFO");
    check(write(p[1], "hello", 5) == 5 && read(p[0], buf, sizeof buf) == 5 &&
              !memcmp(buf, "hello", 5),
          "bytes written come out of the read end");
    check(p[1] >= 0 && fails_with(read(p[1], buf, 1), EBADF),
          "reading the write end: EBADF");
    check(p[0] >= 0 && fails_with(write(p[0], "x", 1), EBADF),
          "writing the read end: EBADF");
    check(fails_with(lseek(p[0], 0, SEEK_CUR), ESPIPE),
          "lseek on a pipe: ESPIPE");
    int n = -1;
    write(p[1], "abc", 3);
    check(ioctl(p[0], FIONREAD, &n) == 0 && n == 3,
          "FIONREAD counts the bytes");
    read(p[0], buf, sizeof buf);
    close(p[1]);
    check(read(p[0], buf, sizeof buf) == 0, "no writer left: end of file");
    close(p[0]);
    check(fails_with(pipe2(p, 0x40000000), EINVAL),
          "pipe2 with bad flags: EINVAL");
}

static void test_pipe_flags(void)
{
    int p[2] = {-1, -1}; /* a failed pipe must not name the console */
    char buf[4096];
    check(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2(O_NONBLOCK|O_CLOEXEC)");
    check(fcntl(p[0], F_GETFD) == FD_CLOEXEC &&
              fcntl(p[1], F_GETFD) == FD_CLOEXEC,
          "both ends are close-on-exec");
    check(p[0] >= 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK) &&
              (fcntl(p[1], F_GETFL) & O_NONBLOCK),
          "both ends are non-blocking");
    check((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY &&
              (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY,
          "F_GETFL gives each end's access mode");
    check(fails_with(read(p[0], buf, 1), EAGAIN),
          "empty and non-blocking: EAGAIN");
    memset(buf, 'p', sizeof buf);
    long total = 0, n;
    while ((n = write(p[1], buf, sizeof buf)) > 0)
        total += n;
    check(fails_with(n, EAGAIN) && total == CAP, "a pipe holds 64 KiB");
    struct pollfd pf = {p[1], POLLOUT, 0};
    check(p[1] >= 0 && poll(&pf, 1, 0) == 0, "a full pipe is not writable");
    check(read(p[0], buf, sizeof buf) == sizeof buf &&
              write(p[1], buf, sizeof buf) == sizeof buf,
          "reading makes room for a write");
    close(p[0]);
    check(fails_with(write(p[1], buf, 1), EPIPE), "no reader left: EPIPE");
    check(p[1] >= 0 && write(p[1], buf, 0) == 0,
          "writing nothing with no reader left: 0, as Linux");
    pf = (struct pollfd){p[1], POLLOUT, 0};
    check(poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR),
          "poll: a write end without reader has POLLERR");
    close(p[1]);
}

struct pipe_job {
    int fd;
    char fill;
};

static void *write_bulk(void *arg)
{
    struct pipe_job *j = arg;
    for (long off = 0; off < BULK;) {
        long n =
            write(j->fd, big + off, BULK - off < 10000 ? BULK - off : 10000);
        if (n <= 0)
            break;
        off += n;
    }
    close(j->fd);
    return NULL;
}

static void *write_atomic(void *arg)
{
    struct pipe_job *j = arg;
    char blk[PIPE_BUF];
    memset(blk, j->fill, sizeof blk);
    for (int i = 0; i < ATOMIC_WRITES; i++)
        if (write(j->fd, blk, sizeof blk) != sizeof blk)
            break;
    return NULL;
}

static void *close_fd(void *arg)
{
    close(*(int *)arg);
    return NULL;
}

/* Read exactly len bytes, or fewer at the end. */
static long read_all(int fd, char *buf, long len)
{
    long done = 0, n;
    while (done < len && (n = read(fd, buf + done, len - done)) > 0)
        done += n;
    return done;
}

/* Every PIPE_BUF block read is one writer's: no interleaving. */
static int blocks_whole(const char *b, long len)
{
    for (long off = 0; off < len; off += PIPE_BUF)
        for (long i = 1; i < PIPE_BUF; i++)
            if (b[off + i] != b[off])
                return 0;
    return 1;
}

void test_pipe_threads(void)
{
    int p[2] = {-1, -1}; /* a failed pipe must not name the console */
    for (long i = 0; i < BULK; i++)
        big[i] = (char)(i * 7 + i / 251);
    pipe(p);
    struct pipe_job j = {p[1], 0};
    pthread_t t = spawn(write_bulk, &j);
    check(read_all(p[0], got, BULK) == BULK && !memcmp(big, got, BULK),
          "200 KB through a 64 KiB pipe: writer and reader take turns");
    join(t);
    check(read(p[0], got, 1) == 0, "the writer's close ends the reader's file");
    close(p[0]);

    pipe(p);
    struct pipe_job a = {p[1], 'a'}, b = {p[1], 'b'};
    pthread_t ta = spawn(write_atomic, &a), tb = spawn(write_atomic, &b);
    long want = 2L * ATOMIC_WRITES * PIPE_BUF;
    check(read_all(p[0], got, want) == want && blocks_whole(got, want),
          "two writers of PIPE_BUF bytes never interleave");
    join(ta), join(tb);

    t = spawn(close_fd, &p[1]);
    check(read(p[0], got, 1) == 0, "a blocked reader wakes at the last close");
    join(t);
    close(p[0]);

    pipe(p);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    while (write(p[1], big, 4096) > 0)
        ;
    fcntl(p[1], F_SETFL, 0);
    t = spawn(close_fd, &p[0]);
    check(fails_with(write(p[1], big, 4096), EPIPE),
          "a blocked writer gets EPIPE when the reader goes");
    join(t);
    close(p[1]);
}

void test_pipes(void)
{
    test_pipe_basics();
    test_pipe_flags();
}
