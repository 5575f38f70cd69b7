/*
 * fstest_mmap.c: mmap of files (MAP_PRIVATE copies, MAP_SHARED written
 * back on msync, munmap and exit), anonymous memory's madvise and
 * mremap, and the umask on new files.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fstest.h"

#define PAGE 4096
#define HELLO "hello, kiln\n"

static int zero_from(const char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (p[i])
            return 0;
    return 1;
}

void test_mmap_read(void)
{
    char back[16] = {0};
    int fd = open(at_root("t/hello.txt"), O_RDONLY);
    char *p = mmap(NULL, 12, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("mmap MAP_PRIVATE shows the file",
          p != MAP_FAILED && memcmp(p, HELLO, 12) == 0);
    check("mmap: the rest of the page is zero",
          p != MAP_FAILED && zero_from(p, 12, PAGE));
    if (p != MAP_FAILED)
        p[0] = 'J';
    check("a MAP_PRIVATE change stays out of the file",
          slurp(at_root("t/hello.txt"), back, sizeof back) == 12 &&
              memcmp(back, HELLO, 12) == 0);
    check("munmap of a file mapping", munmap(p, 12) == 0);
    check_err("mmap at an unaligned offset",
              (long)mmap(NULL, 12, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL);
    check_err("MAP_SHARED writable on a read-only descriptor",
              (long)mmap(NULL, 12, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
              EACCES);
    close(fd);
    check_err("mmap of a closed descriptor",
              (long)mmap(NULL, 12, PROT_READ, MAP_PRIVATE, fd, 0), EBADF);
}

static int make_file(const char *rel, const char *text)
{
    int fd = open(at_root(rel), O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd >= 0 && write(fd, text, strlen(text)) != (long)strlen(text))
        return -1;
    return fd;
}

static void shared_write_back(void)
{
    char got[9] = {0};
    int fd = make_file("out/shared.txt", "aaaaaaaa");
    char *p = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int mapped = p != MAP_FAILED;
    check("mmap MAP_SHARED of a read-write file", mapped);
    if (!mapped)
        return;
    memcpy(p, "bbbb", 4);
    check("msync writes a shared mapping back", msync(p, PAGE, MS_SYNC) == 0 &&
                                                    pread(fd, got, 8, 0) == 8 &&
                                                    !strcmp(got, "bbbbaaaa"));
    memcpy(p + 4, "cccc", 4);
    p[8] = 'x'; /* past the end of the file: never written */
    check("munmap writes a shared mapping back",
          munmap(p, PAGE) == 0 && pread(fd, got, 8, 0) == 8 &&
              !strcmp(got, "bbbbcccc") && lseek(fd, 0, SEEK_END) == 8);
    close(fd);
    /* Left mapped: the exit writes it back (the host reads it). */
    fd = make_file("out/mapped.txt", "................................");
    p = mmap(NULL, 32, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED)
        memcpy(p, "written through a shared mapping", 32);
    close(fd);
}

static void anonymous(void)
{
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 7, 2 * PAGE);
    check("MADV_DONTNEED zeroes anonymous memory",
          madvise(p + PAGE, PAGE, MADV_DONTNEED) == 0 && p[0] == 7 &&
              zero_from(p, PAGE, 2 * PAGE));
    char *q = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    check("mremap grows and keeps the contents",
          q != MAP_FAILED && q[0] == 7 && q[PAGE] == 0);
    check("mremap shrinks in place",
          q != MAP_FAILED && mremap(q, 8 * PAGE, PAGE, 0) == q);
    munmap(q, PAGE);
}

void test_mmap_write(void)
{
    shared_write_back();
    anonymous();
    struct stat s;
    int fd = open(at_root("out/umask.txt"), O_CREAT | O_WRONLY, 0666);
    check("a new file's mode loses the umask (022)",
          fd >= 0 && fstat(fd, &s) == 0 && (s.st_mode & 07777) == 0644);
    close(fd);
    mkdir(at_root("out/umaskdir"), 0777);
    check("so does a new directory's", stat(at_root("out/umaskdir"), &s) == 0 &&
                                           (s.st_mode & 07777) == 0755);
}
