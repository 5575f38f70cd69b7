/*
 * fstest.h: shared by the parts of tests/apps/fstest, a guest program that
 * runs every file system call Kiln offers against a tree the host made
 * (see tests/boot/fs-archive and fs-ext2 for its layout) and prints one
 * TAP line per check.
 */
#ifndef FSTEST_H
#define FSTEST_H

#include <stddef.h>
#include <sys/types.h>

extern const char *root; /* the directory holding t/ (and out/ for rw) */

/* root + "/" + rel, in one of a few rotating static buffers. */
const char *at_root(const char *rel);
void check(const char *name, int ok);
/* A call that must fail with errno want (r is its result). */
void check_err(const char *name, long r, int want);
/* The whole content of path, or -1; out gets up to len bytes. */
long slurp(const char *path, char *out, size_t len);
unsigned char pattern(size_t i);

void test_read(void);       /* fstest_read.c: reads, stat, dirs, links */
void test_paths(void);      /* fstest_read.c: cwd, access, dup, statfs */
void test_readonly(void);   /* fstest_write.c: every change gives EROFS */
void test_write(void);      /* fstest_write.c: changes, then left for host */
void test_mmap_read(void);  /* fstest_mmap.c: private mappings */
void test_mmap_write(void); /* fstest_mmap.c: shared ones, umask */

#endif
