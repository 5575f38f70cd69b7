/*
 * linuxprog: an ordinary Linux program that tests/exec/programs builds
 * with Debian's compilers (musl-gcc -static, gcc -static-pie) and boots
 * unmodified under the loader image. It checks threads (a mutex, a
 * condition variable, thread-local storage, join), a TCP connection over
 * loopback between two threads, close() of a socket another thread is
 * blocked reading (TCP, and AF_UNIX in recvmsg and accept), and files: it
 * writes, renames and reads back one on the ext2 disk mounted at /data, then
 * reads the archive's; and fork (musl's is the fork call, glibc's clone) with
 * wait, once more with 300 mappings that the child changes, and once with too
 * little memory left to copy the program's; and
 * system calls whose int arguments come with garbage in their registers'
 * upper halves, as glibc's assembly wrappers may leave them.
 * Usage: linuxprog WORD; prints "ok: ..." lines, then "linuxprog: all
 * checks passed WORD", and exits 1 at the first failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 1000
#define MAPPINGS 300 /* fork's copy held 160 once */
#define MAPPINGS_TEXT "300"
#define PAGE 4096
#define MIB (1 << 20)
#define BIG_MAX 4096 /* MiB: more than any guest here has */
#define SLACK 2      /* MiB */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static long total;
static int finished;
static __thread long mine;

static void fail(const char *what)
{
    printf("FAIL: %s\n", what);
    exit(1);
}

static void *adder(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        mine++;
        pthread_mutex_lock(&lock);
        total += (long)arg;
        pthread_mutex_unlock(&lock);
        if (i % 100 == 0)
            sched_yield();
    }
    pthread_mutex_lock(&lock);
    finished++;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&lock);
    return (void *)mine;
}

static void check_threads(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, adder, (void *)(i + 1)))
            fail("pthread_create");
    pthread_mutex_lock(&lock);
    while (finished < THREADS)
        pthread_cond_wait(&done_cond, &lock);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        if (pthread_join(t[i], &r) || (long)r != ROUNDS)
            fail("a thread's own thread-local count");
    }
    if (total != ROUNDS * (1 + 2 + 3 + 4) || mine != 0)
        fail("the threads' sum");
    printf("ok: threads\n");
}

static void *client(void *arg)
{
    int port = *(int *)arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0)
        fail("connect");
    const char msg[] = "ping over loopback";
    if (write(s, msg, sizeof msg) != sizeof msg)
        fail("client write");
    char back[64];
    if (read(s, back, sizeof back) != sizeof msg ||
        strcmp(back, "PING OVER LOOPBACK"))
        fail("client read");
    close(s);
    return NULL;
}

static void check_sockets(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(l, 4) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
        fail("listen");
    int port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, client, &port);
    int c = accept(l, NULL, NULL);
    char buf[64];
    ssize_t n = c < 0 ? -1 : read(c, buf, sizeof buf);
    if (n <= 0)
        fail("accept and read");
    for (ssize_t i = 0; i < n; i++)
        buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
    if (write(c, buf, (size_t)n) != n)
        fail("server write");
    pthread_join(t, NULL);
    close(c);
    close(l);
    printf("ok: sockets\n");
}

static int blocked_fd, blocked_ready;
static char blocked_got[8];
static long blocked_n;

static void *blocked_reader(void *arg)
{
    (void)arg;
    __atomic_store_n(&blocked_ready, 1, __ATOMIC_RELEASE);
    blocked_n = recv(blocked_fd, blocked_got, sizeof blocked_got, 0);
    return NULL;
}

/* close() of a socket that another thread is blocked reading: as on
 * Linux, the socket stays open until that read returns; the read gets
 * what the peer sends after the close, and only then does the peer see
 * the end of the stream. The reader is in recv once it has said it is
 * ready and main yields to it (Kiln's threads run until they block). */
static void check_close_while_blocked(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    blocked_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
        connect(blocked_fd, (struct sockaddr *)&a, sizeof a) < 0)
        fail("a connection for the blocked reader");
    int c = accept(l, NULL, NULL);
    pthread_t t;
    if (c < 0 || pthread_create(&t, NULL, blocked_reader, NULL))
        fail("accept and start the blocked reader");
    while (!__atomic_load_n(&blocked_ready, __ATOMIC_ACQUIRE))
        sched_yield();
    sched_yield();
    close(blocked_fd);
    if (write(c, "late", 4) != 4)
        fail("write to the blocked reader");
    pthread_join(t, NULL);
    char b;
    if (blocked_n != 4 || memcmp(blocked_got, "late", 4))
        fail("the blocked read after another thread closed its socket");
    if (read(c, &b, 1) != 0)
        fail("the end of the stream once the blocked read returned");
    close(c);
    close(l);
    printf("ok: close while another thread reads\n");
}

static int unix_fd, unix_ready;
static long unix_n;
static char unix_got[8];

static void *unix_receiver(void *arg)
{
    struct iovec v = {unix_got, sizeof unix_got};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    (void)arg;
    __atomic_store_n(&unix_ready, 1, __ATOMIC_RELEASE);
    unix_n = recvmsg(unix_fd, &m, 0);
    return NULL;
}

static void *unix_acceptor(void *arg)
{
    (void)arg;
    __atomic_store_n(&unix_ready, 1, __ATOMIC_RELEASE);
    unix_n = accept(unix_fd, NULL, NULL);
    return NULL;
}

/* Start fn and yield until it is in its call (as check_close_while_blocked). */
static pthread_t unix_blocked(void *(*fn)(void *))
{
    pthread_t t;
    unix_ready = 0;
    if (pthread_create(&t, NULL, fn, NULL))
        fail("start a thread for AF_UNIX");
    while (!__atomic_load_n(&unix_ready, __ATOMIC_ACQUIRE))
        sched_yield();
    sched_yield();
    return t;
}

/* The same for AF_UNIX, through this libc's recvmsg and accept: close()
 * leaves each blocked call waiting on the socket, which then gets what
 * comes (the bytes, a connection to the name it still holds). */
static void check_unix_close_while_blocked(void)
{
    int sv[2];
    char b;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        fail("socketpair");
    unix_fd = sv[0];
    pthread_t t = unix_blocked(unix_receiver);
    close(sv[0]);
    if (write(sv[1], "late", 4) != 4)
        fail("write to the AF_UNIX socket blocked in recvmsg");
    pthread_join(t, NULL);
    if (unix_n != 4 || memcmp(unix_got, "late", 4) || read(sv[1], &b, 1) != 0)
        fail("recvmsg blocked while another thread closed its AF_UNIX socket");
    close(sv[1]);
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "\0linuxprog"};
    socklen_t alen = sizeof(sa_family_t) + 10;
    unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (unix_fd < 0 || bind(unix_fd, (struct sockaddr *)&a, alen) ||
        listen(unix_fd, 1))
        fail("an AF_UNIX listener");
    t = unix_blocked(unix_acceptor);
    close(unix_fd);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, alen))
        fail("connect to an AF_UNIX listener closed while accept waits");
    pthread_join(t, NULL);
    if (unix_n < 0)
        fail("accept blocked while another thread closed its listener");
    close((int)unix_n);
    close(c);
    printf("ok: AF_UNIX close while another thread waits\n");
}

static void check_files(const char *word)
{
    FILE *f = fopen("/data/new.txt", "w");
    if (!f || fprintf(f, "written by %s\n", word) < 0 || fclose(f))
        fail("write /data/new.txt");
    if (rename("/data/new.txt", "/data/out.txt"))
        fail("rename");
    char line[128];
    f = fopen("/data/out.txt", "r");
    if (!f || !fgets(line, sizeof line, f) || strncmp(line, "written by ", 11))
        fail("read /data/out.txt back");
    fclose(f);
    int fd = open("/etc/motd.txt", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
    if (n <= 0 || (line[n] = 0, !strstr(line, "from the archive")))
        fail("read the archive's /etc/motd.txt");
    close(fd);
    printf("ok: files\n");
}

/* fork: the child's changes to memory and descriptors stay its own,
 * and wait reports its status. */
static void check_fork(void)
{
    static int shared = 1;
    int fd = open("/etc/motd.txt", O_RDONLY);
    pid_t pid = fork();
    if (pid == 0) {
        shared = 2;
        close(fd);
        _exit(3);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        fail("fork and wait");
    char c;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 3 || shared != 1 ||
        read(fd, &c, 1) != 1)
        fail("the child's status, memory or descriptors");
    close(fd);
    printf("ok: fork\n");
}

/* The page of mapping i holds i's own byte. */
static unsigned char fill_of(int i)
{
    return (unsigned char)(i % 251 + 1);
}

static int page_holds(const unsigned char *p, unsigned char v)
{
    for (int i = 0; i < PAGE; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

/* fork with more mappings than Kiln's fork once copied (160): the child
 * finds each page as the parent left it and overwrites it; the parent
 * then finds every one of its own again. */
static void check_fork_mappings(void)
{
    static unsigned char *page[MAPPINGS];
    for (int i = 0; i < MAPPINGS; i++) {
        page[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page[i] == MAP_FAILED)
            fail("mmap of one page");
        memset(page[i], fill_of(i), PAGE);
    }
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        for (int i = 0; i < MAPPINGS; i++) {
            bad += !page_holds(page[i], fill_of(i));
            memset(page[i], 0, PAGE);
        }
        _exit(bad ? 1 : 4);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        fail("fork and wait with " MAPPINGS_TEXT " mappings");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 4)
        fail("the child's view of " MAPPINGS_TEXT " mappings");
    for (int i = 0; i < MAPPINGS; i++)
        if (!page_holds(page[i], fill_of(i)) || munmap(page[i], PAGE))
            fail("the parent's pages after the child changed them");
    printf("ok: fork with " MAPPINGS_TEXT " mappings\n");
}

/* fork short of memory for its copy of the program's: Kiln's fork
 * fails with ENOMEM (and a console line, which the run script checks)
 * and the parent keeps every byte; Linux would share the pages and
 * fork. The program maps 1 MiB at a time until mmap says no, then gives
 * SLACK MiB back for the kernel's own needs. */
static void check_fork_nomem(void)
{
    static unsigned char *mib[BIG_MAX];
    int n = 0;
    while (n < BIG_MAX &&
           (mib[n] = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED)
        n++;
    for (int k = 0; k < SLACK && n > 0; k++)
        munmap(mib[--n], MIB);
    for (int i = 0; i < n; i++)
        mib[i][0] = mib[i][MIB - 1] = fill_of(i);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int err = errno, status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) != pid)
        fail("wait after a fork short of memory");
    for (int i = 0; i < n; i++)
        if (mib[i][0] != fill_of(i) || mib[i][MIB - 1] != fill_of(i) ||
            munmap(mib[i], MIB))
            fail("the parent's memory after a fork short of memory");
    if (n < 2 * SLACK)
        fail("mapping memory until mmap failed");
    printf("ok: fork short of memory: %s\n", pid < 0 && err == ENOMEM ? "ENOMEM"
                                             : pid > 0                ? "forked"
                                                       : "error");
}

/* A system call with three arguments as raw registers: a C wrapper
 * would convert an int argument and clear its upper half. */
static long raw3(long nr, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

/* Linux reads an int argument from the register's low half only. */
static void check_registers(void)
{
    const long junk = 0x5a5a5a5a00000000L;
    char c;
    int fd = open("/etc/motd.txt", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || raw3(SYS_fcntl, junk | fd, junk | F_GETFD, 0) != FD_CLOEXEC)
        fail("fcntl(F_GETFD) with garbage in the upper halves");
    if (raw3(SYS_read, junk | fd, (long)&c, 1) != 1 || c != 'h')
        fail("read with garbage above the descriptor");
    if (raw3(SYS_lseek, junk | fd, 0, junk | SEEK_SET) != 0)
        fail("lseek with garbage above the descriptor and whence");
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (raw3(SYS_poll, (long)&p, junk | 1, junk | 0) != 1 ||
        !(p.revents & POLLIN))
        fail("poll with garbage above nfds and the timeout");
    if (raw3(SYS_close, junk | fd, 0, 0) != 0)
        fail("close with garbage above the descriptor");
    printf("ok: registers\n");
}

int main(int argc, char **argv)
{
    const char *word = argc > 1 ? argv[1] : "nobody";
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with the kernel's lines */
    check_threads();
    check_sockets();
    check_close_while_blocked();
    check_unix_close_while_blocked();
    check_files(word);
    check_fork();
    check_fork_mappings();
    check_fork_nomem();
    check_registers();
    printf("linuxprog: all checks passed %s\n", word);
    return 0;
}
