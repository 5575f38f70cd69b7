/*
 * clock.c: the monotonic clock is CLOCK_MONOTONIC counted from
 * clock_init(); the wall offset comes from CLOCK_REALTIME once, at
 * init. Virtual time (host_clock_virtual) replaces both with numbers
 * that only the scheduler and the harness move, so fuzz runs repeat.
 */
#include <time.h>
#include "hostint.h"

/* 2024-01-01T00:00:00Z: virtual time's fixed date. */
#define VIRTUAL_EPOCH_NS (1704067200ll * 1000000000ll)

static uint64_t start_ns;
static int64_t wall_offset;
static int virtual_time;
static uint64_t virtual_now;

static uint64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void clock_init(void)
{
    start_ns = read_ns(CLOCK_MONOTONIC);
    wall_offset =
        virtual_time ? VIRTUAL_EPOCH_NS : (int64_t)read_ns(CLOCK_REALTIME);
}

uint64_t hc_clock_monotonic(void)
{
    if (virtual_time)
        return virtual_now;
    return read_ns(CLOCK_MONOTONIC) - start_ns;
}

int64_t hc_clock_wall_offset(void)
{
    return wall_offset;
}

void host_clock_virtual(void)
{
    virtual_time = 1;
}

int clock_is_virtual(void)
{
    return virtual_time;
}

void clock_jump(uint64_t t)
{
    if (t > virtual_now)
        virtual_now = t;
}

void host_clock_advance(uint64_t ns)
{
    virtual_now += ns;
}
