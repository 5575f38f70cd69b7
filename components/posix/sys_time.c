/*
 * sys_time.c: clocks and sleeps over hc_clock_monotonic. REALTIME is the
 * monotonic clock plus the wall-clock offset read at boot; CPU-time
 * clocks read the monotonic clock (one CPU, nothing else runs).
 */
#include <errno.h>
#include <time.h>
#include "posix.h"

#define NS 1000000000ll

static int clock_kind(long clk, int *realtime)
{
    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE: *realtime = 1; return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: *realtime = 0; return 0;
    default: return -EINVAL;
    }
}

long sys_clock_gettime(long clk, long ts)
{
    int realtime;
    if (clock_kind(clk, &realtime) < 0)
        return -EINVAL;
    int64_t ns = (int64_t)hc_clock_monotonic();
    if (realtime)
        ns += hc_clock_wall_offset();
    struct timespec *t = (struct timespec *)ts;
    t->tv_sec = ns / NS;
    t->tv_nsec = ns % NS;
    return 0;
}

long sys_clock_getres(long clk, long ts)
{
    int realtime;
    if (clock_kind(clk, &realtime) < 0)
        return -EINVAL;
    if (ts)
        *(struct timespec *)ts = (struct timespec){0, 1};
    return 0;
}

static int valid(const struct timespec *t)
{
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < NS;
}

/* Sleep until the monotonic clock reaches deadline or a signal comes
 * (-EINTR; Linux never restarts a sleep after a handler either). */
static int sleep_until(uint64_t deadline)
{
    while (hc_clock_monotonic() < deadline) {
        if (signal_pending_here())
            return -EINTR;
        hc_thread_block(deadline);
    }
    return 0;
}

/* Saturating: a time too far away to count in ns means "never". */
uint64_t timespec_ns(const struct timespec *t)
{
    if ((uint64_t)t->tv_sec >= UINT64_MAX / NS - 1)
        return UINT64_MAX;
    return (uint64_t)t->tv_sec * NS + (uint64_t)t->tv_nsec;
}

uint64_t add_ns(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

long sys_clock_nanosleep(long clk, long flags, long req, long rem)
{
    const struct timespec *t = (const struct timespec *)req;
    int realtime;
    if (clock_kind(clk, &realtime) < 0 || clk == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    if (!valid(t))
        return -EINVAL;
    uint64_t now = hc_clock_monotonic();
    if (!(flags & TIMER_ABSTIME)) {
        uint64_t end = add_ns(now, timespec_ns(t));
        int r = sleep_until(end);
        if (r < 0 && rem) {
            uint64_t now2 = hc_clock_monotonic();
            uint64_t left = end > now2 ? end - now2 : 0;
            *(struct timespec *)rem =
                (struct timespec){(time_t)(left / NS), (long)(left % NS)};
        }
        return r;
    }
    uint64_t target = timespec_ns(t);
    int64_t offset = realtime ? hc_clock_wall_offset() : 0;
    if (offset > 0 && target != UINT64_MAX)
        target = target > (uint64_t)offset ? target - (uint64_t)offset : 0;
    return sleep_until(target); /* a time already past returns at once */
}

long sys_nanosleep(long req, long rem)
{
    return sys_clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
}
