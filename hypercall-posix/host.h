/*
 * host.h: what a program built on hypercall-posix (include/hypercall.h
 * inside a plain Linux process) supplies and may call.
 *
 * An ordinary host program defines host_main() and links main.c, which
 * parses the host options below and runs host_main on the first
 * cooperative thread:
 *
 *   PROG [--tap IF]... [--null-nic]... [--disk FILE[,ro]]...
 *        [--module FILE]... [--boot OPT]... [--mem MiB|NK] [--] ARGS...
 *
 * --module hands FILE over as the next boot module (a boot archive),
 * as a boot loader's module list would.
 *
 * A harness that owns main() itself (libFuzzer's) leaves main.c out and
 * calls host_setup() once, then host_run() for each piece of work.
 *
 * Limits: one process is one image; there is no way to undo
 * host_setup, so state left by components persists between host_run
 * calls (harnesses should clean up what they create).
 */
#ifndef KILN_HOST_H
#define KILN_HOST_H

#include <stddef.h>
#include <stdint.h>

/* The program's entry point, on thread 1. argv[0] is the program name,
 * then the ARGS after the host options. Its result is the exit status. */
int host_main(int argc, char **argv);

/* Parse the host options at the front of argv[1..] and set the host up
 * (memory, devices, command line). Returns the index in argv of the
 * first program argument, or -1 after printing a one-line error. */
int host_setup(int argc, char **argv);

/* Run fn(arg) on a new cooperative thread and schedule every thread
 * until that one has ended; the others stay where they are for the next
 * call. Only from outside any cooperative thread (main, a fuzz target);
 * while it waits, the caller is a thread too and takes one of the
 * HC_THREADS_MAX ids. */
void host_run(void (*fn)(void *), void *arg);

/* Add a NIC with no wire: frames sent go to sink (NULL: discarded),
 * nothing is ever received. Returns its index, or -ENOSPC. */
int host_nic_add_null(void (*sink)(unsigned idx, const void *frame,
                                   size_t len));

/* Add a NIC on fd, one end of a datagram socket pair (made
 * non-blocking here): each datagram is one frame behind a struct
 * virtio_net_hdr, as on a TAP, and no offloads are offered. A test
 * holds the other end, to fill and drain the wire as it likes. Returns
 * its index, -ENOSPC or -errno. */
int host_nic_add_socket(int fd);

/* Add a disk backed by len bytes at data (len a multiple of 512; the
 * caller keeps it alive). Returns its index, or -ENOSPC / -EINVAL. */
int host_disk_add_memory(void *data, size_t len, int read_only);

/* Hand over a boot module (module.c), as a boot loader would: len bytes
 * at data, kept alive by the caller. Returns its index or -ENOSPC. */
int host_module_add(const void *data, size_t len);

/* Virtual time for deterministic runs (fuzzing): from now on the
 * monotonic clock moves only when every thread is blocked (it jumps to
 * the earliest deadline) or when host_clock_advance() moves it. The
 * wall-clock offset becomes a fixed date. Call before host_setup. */
void host_clock_virtual(void);
void host_clock_advance(uint64_t ns);

/* Entropy from a seeded generator instead of getrandom(), so runs
 * repeat exactly (fuzzing only: these bytes are not secret). */
void host_entropy_seed(uint64_t seed);

#endif
