/*
 * fdtest.h: the map of tests/apps/fdtest (helpers in fdtest.c, checks
 * grouped by subject in the other files).
 */
#ifndef FDTEST_H
#define FDTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pipe2, dup3, accept4, F_OFD_*: Linux has them */
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

/* fdtest.c */
void check(int ok, const char *what);
/* A failed call's errno is err: r == -1 && errno == err. */
int fails_with(long r, int err);
int on_kiln(void);
pthread_t spawn(void *(*fn)(void *), void *arg);
void join(pthread_t t);

/* pipes.c */
void test_pipes(void);
void test_pipe_threads(void);

/* events.c: eventfd, dup, fcntl, the devices, poll/epoll across kinds */
void test_eventfd(void);
void test_dup_fcntl(void);
void test_devices(void);
void test_polling(void);

/* unixsock.c */
void test_unix_stream(void);
void test_unix_names(void);
void test_unix_records(void);

/* unixwait.c: close and shutdown while another thread is blocked */
void test_unix_blocked(void);

#endif
