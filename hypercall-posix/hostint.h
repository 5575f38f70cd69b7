/*
 * hostint.h: the map of hypercall-posix, its cross-file functions under
 * a heading per file. Only hypercall-posix includes this.
 */
#ifndef KILN_HOSTINT_H
#define KILN_HOSTINT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include "host.h"
#include "hypercall.h"

#define HOST_NICS_MAX 8
#define HOST_DISKS_MAX 8

/* console.c: console, command line, exit and abort */
void console_set_cmdline(const char *line); /* copied; too long: -1 */
/* printf-style message then hc_abort: for host misuse and failures */
_Noreturn void host_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* clock.c */
void clock_init(void);
int clock_is_virtual(void);
void clock_jump(uint64_t t); /* virtual time only: move forward to t */

/* pages.c */
#define MEM_MAX_MIB 4096
int pages_init(size_t kib); /* 0, or -1 after a message */

/* nic.c */
int nic_add_tap(const char *ifname); /* 0, or -1 after a message */
/* The descriptors to poll for received frames, and for room to send on
 * a NIC that refused a frame; returns how many. */
int nic_fill_pollfds(struct pollfd *fds, int max);
/* After ppoll on them: a NIC with room again stops asking for POLLOUT. */
void nic_polled(const struct pollfd *fds, int n);

/* disk.c */
int disk_add_file(const char *spec); /* FILE[,ro]: 0, or -1 + message */

/* module.c */
int module_add_file(const char *path); /* 0, or -1 after a message */

#endif
