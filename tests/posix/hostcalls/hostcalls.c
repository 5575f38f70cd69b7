/*
 * hostcalls.c: checks hypercall-posix itself, the include/hypercall.h
 * of a Linux process: threads, block/wake, deadlines, wait_io, pages,
 * entropy, command line, disks and TAP frames. tests/posix/hostcalls/run
 * drives it.
 *
 *   hostcalls checks          the in-process checks, TAP lines
 *   hostcalls disk            checks on --disk 0 (rw) and 1 (ro)
 *   hostcalls echo            echo one frame of EtherType 0x88b5 on NIC 0
 *   hostcalls double-free | overflow | deadlock    must end in a panic
 *   hostcalls page-overflow   must fault on the guard after a page
 *
 * components: none
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "hypercall.h"
#include "../../unit/tap.h"

#define MS 1000000ull

static char order[16];
static int order_len;

static void log_turns(void *arg)
{
    for (int i = 0; i < 3; i++) {
        order[order_len++] = *(const char *)arg;
        hc_thread_yield();
    }
}

static void check_round_robin(void)
{
    static const char a = 'a', b = 'b';
    order_len = 0;
    hc_tid ta = hc_thread_create(log_turns, (void *)&a, 0, 0);
    hc_tid tb = hc_thread_create(log_turns, (void *)&b, 0, 0);
    tap_check(ta > 0 && tb > 0 && ta != tb, "threads created", "%d %d", ta, tb);
    while (order_len < 6)
        hc_thread_yield();
    order[order_len] = '\0';
    tap_check(strcmp(order, "ababab") == 0, "yield takes turns", "order %s",
              order);
}

static hc_tid sleeper;
static int sleeper_result = 1;

static void sleep_until_woken(void *unused)
{
    (void)unused;
    sleeper_result = hc_thread_block(0);
}

static void check_block_wake(void)
{
    sleeper = hc_thread_create(sleep_until_woken, NULL, 0, 0);
    hc_thread_yield(); /* it runs and blocks */
    tap_check(sleeper_result == 1, "a blocked thread waits", NULL);
    tap_check(hc_thread_wake(sleeper) == 0, "wake a blocked thread", NULL);
    tap_check(hc_thread_wake(sleeper) == -ESRCH, "wake twice gives -ESRCH",
              NULL);
    hc_thread_yield();
    tap_check(sleeper_result == 0, "the woken block returns 0", "got %d",
              sleeper_result);
    tap_check(hc_thread_wake(HC_THREADS_MAX + 1) == -ESRCH,
              "wake of a bad id gives -ESRCH", NULL);
}

static void check_deadlines(void)
{
    uint64_t t0 = hc_clock_monotonic();
    int r = hc_thread_block(t0 + 20 * MS);
    uint64_t t1 = hc_clock_monotonic();
    tap_check(r == -ETIMEDOUT && t1 >= t0 + 20 * MS,
              "block times out at its deadline", "r %d after %llu ns", r,
              (unsigned long long)(t1 - t0));
    r = hc_thread_wait_io(hc_clock_monotonic() + 5 * MS);
    tap_check(r == -ETIMEDOUT, "wait_io without a device times out", "r %d", r);
    int64_t wall = hc_clock_wall_offset();
    tap_check(wall > 1600000000ll * 1000000000ll, "wall offset is UNIX time",
              "%lld", (long long)wall);
}

static void check_pages(void)
{
    struct hc_mem_stats s0, s1;
    hc_pages_stats(&s0);
    uint8_t *p = hc_pages_alloc(3);
    hc_pages_stats(&s1);
    tap_check(p && (uintptr_t)p % HC_PAGE_SIZE == 0, "pages are aligned", "%p",
              (void *)p);
    tap_check(p && all_bytes(p, 3 * HC_PAGE_SIZE, 0), "pages are zeroed", NULL);
    tap_check(s1.free_pages == s0.free_pages - 3, "stats count them", NULL);
    memset(p, 0x5a, 3 * HC_PAGE_SIZE);
    /* the last page: its guard goes with it, so one page and a guard fit */
    hc_pages_free(p + 2 * HC_PAGE_SIZE, 1);
    uint8_t *q = hc_pages_alloc(1);
    tap_check(q == p + 2 * HC_PAGE_SIZE && all_bytes(q, HC_PAGE_SIZE, 0),
              "a freed page comes back zeroed", NULL);
    tap_check(hc_pages_protect(p, 3, 0) == 0 && hc_pages_protect(p, 3, 1) == 0,
              "protect and restore", NULL);
    int stray = 0;
    tap_check(hc_pages_protect(&stray, 1, 0) == -EINVAL,
              "protect of foreign memory gives -EINVAL", NULL);
    hc_pages_free(p, 3);
    tap_check(hc_pages_alloc(s0.total_pages + 1) == NULL,
              "too many pages gives NULL", NULL);
}

static void check_misc(void)
{
    uint64_t a = 0, b = 0;
    tap_check(hc_entropy(&a, sizeof a) == 0 && hc_entropy(&b, sizeof b) == 0 &&
                  a != b,
              "entropy differs between calls", NULL);
    tap_check(strcmp(hc_cmdline(), "ip=dhcp key=value") == 0,
              "--boot options make the command line", "\"%s\"", hc_cmdline());
    struct hc_net_info ni;
    struct hc_blk_info bi;
    tap_check(hc_net_info(0, &ni) == -ENODEV && hc_blk_info(0, &bi) == -ENODEV,
              "no devices unless given", NULL);
}

int hostcalls_checks(void)
{
    check_round_robin();
    check_block_wake();
    check_deadlines();
    check_pages();
    check_misc();
    return tap_done();
}

int hostcalls_disk(void)
{
    struct hc_blk_info rw, ro;
    static uint8_t buf[1024], back[1024];
    tap_check(hc_blk_info(0, &rw) == 0 && rw.sectors == 8 &&
                  rw.sector_size == 512 && !rw.read_only,
              "disk 0: 8 writable sectors", NULL);
    tap_check(hc_blk_info(1, &ro) == 0 && ro.read_only, "disk 1: read-only",
              NULL);
    memset(buf, 0xc3, sizeof buf);
    tap_check(hc_blk_write(0, 6, buf, 2) == 0 && hc_blk_flush(0) == 0 &&
                  hc_blk_read(0, 6, back, 2) == 0 &&
                  memcmp(buf, back, sizeof buf) == 0,
              "write, flush and read back", NULL);
    tap_check(hc_blk_read(0, 7, back, 2) == -EINVAL &&
                  hc_blk_read(0, UINT64_MAX, back, 1) == -EINVAL,
              "reads past the end give -EINVAL", NULL);
    tap_check(hc_blk_write(1, 0, buf, 1) == -EROFS,
              "write to a read-only disk gives -EROFS", NULL);
    tap_check(hc_blk_read(2, 0, back, 1) == -ENODEV, "no disk 2", NULL);
    return tap_done();
}
