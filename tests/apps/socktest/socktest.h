/*
 * socktest.h: the map of tests/apps/socktest (helpers in socktest.c, checks
 * grouped by subject in the other files).
 */
#ifndef SOCKTEST_H
#define SOCKTEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000 /* bound on waiting for something that must happen */

/* socktest.c */
void check(int ok, const char *what);
struct sockaddr_in loop_addr(int port);
int tcp_listener(int port);
int tcp_pair(int port, int *c, int *s);
int wait_for(int fd, short events);
uint64_t now_ms(void);

/* tcp.c */
void test_errors(void);
void test_connect(void);
void test_data(void);
void test_shutdown(void);
void test_bulk(void);

/* events.c */
void test_epoll(void);
void test_epoll_ready(void);
void test_poll_select(void);
void test_udp(void);

/* ipv6.c */
void test_ipv6(void);

/* remote.c: against ip:port, an echo server with port+1 closed */
void test_remote(const char *ip, int port);
/* 64 KiB through the echo server connected to fd; 0 if intact. */
int echo_through(int fd);

/* remote6.c: the same against a link-local IPv6 address with %scope */
void test_remote6(const char *ip, int port);

#endif
