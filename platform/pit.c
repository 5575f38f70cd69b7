/*
 * pit.c: measure the TSC against the i8254 PIT, whose 1.193182 MHz input
 * is fixed by the PC architecture. Channel 0 counts down in mode 0 and
 * we read it back with latch commands: port 0x61 (channel 2's gate) is
 * absent on QEMU microvm, so it is not used. A 2 ms window resolves the
 * frequency to about 0.05% (a tick in 2386). Returns 0 when no PIT counts
 * or the host keeps disturbing the measurement.
 *
 * The first window can be opened early in the boot (pit_window_open) and
 * closed when the frequency is first needed (tsc.c), so the boot's own
 * work fills it instead of a busy wait. A window that outlived the
 * count's 55 ms wrap (the OUT pin, read back, is high) or whose end
 * readings were disturbed is measured again.
 */
#include "platform.h"

#define PIT_HZ 1193182u
#define PIT_WINDOW_TICKS (PIT_HZ / 500)
#define PIT_ALIVE_TSC (1ull << 26) /* a PIT ticks well within ~60 ms */
#define PIT_TRIES 8
#define PIT_SPREAD_MAX 100 /* bracketing reads within 1% of a window */

static uint16_t pit_count(void)
{
    outb(0x43, 0x00); /* latch channel 0 */
    uint8_t lo = inb(0x40);
    return (uint16_t)(lo | inb(0x40) << 8);
}

/* A PIT reading with the TSC at that moment: the middle of two TSC
 * reads around it. spread is their distance: large when the vCPU was
 * descheduled in between, on a busy host. */
struct pit_sample {
    uint16_t count;
    uint64_t tsc, spread;
};

static struct pit_sample pit_sample(void)
{
    uint64_t a = rdtsc();
    uint16_t c = pit_count();
    uint64_t b = rdtsc();
    return (struct pit_sample){c, a + (b - a) / 2, b - a};
}

/* Channel 0's OUT pin through the read-back command (status only): in
 * mode 0 it goes high when the count passes zero and stays high. */
static int pit_wrapped(void)
{
    outb(0x43, 0xe2);
    return inb(0x40) >> 7;
}

static void pit_start(void)
{
    outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
}

/* One window from s0: TSC ticks per second, or 0 if a sample was
 * disturbed. */
static uint64_t pit_window_from(struct pit_sample s0)
{
    struct pit_sample s1;
    uint16_t ticks;
    do {
        s1 = pit_sample();
        ticks = (uint16_t)(s0.count - s1.count);
    } while (ticks < PIT_WINDOW_TICKS);
    uint64_t dtsc = s1.tsc - s0.tsc;
    if ((s0.spread + s1.spread) * PIT_SPREAD_MAX > dtsc)
        return 0;
    return dtsc * PIT_HZ / ticks;
}

static uint64_t pit_window(void)
{
    return pit_window_from(pit_sample());
}

static struct pit_sample opened;
static int is_open;

/* The window's start is the least disturbed of a few samples (the first
 * is slow under TCG, the code being new), since it cannot be retaken. */
void pit_window_open(void)
{
    pit_start();
    opened = pit_sample();
    for (unsigned tries = 1; tries < PIT_TRIES; tries++) {
        struct pit_sample s = pit_sample();
        if (s.spread < opened.spread)
            opened = s;
    }
    is_open = 1;
}

/* The window pit_window_open began, or 0 when there is none, the PIT has
 * not counted since (absent, or stopped), it wrapped, or its end kept
 * being disturbed; its end is retaken as pit_measure_tsc's windows are. */
uint64_t pit_window_close(void)
{
    if (!is_open)
        return 0;
    is_open = 0;
    if (pit_count() == opened.count || pit_wrapped())
        return 0;
    uint64_t hz = 0;
    for (unsigned tries = 0; !hz && tries < PIT_TRIES; tries++)
        hz = pit_window_from(opened);
    return pit_wrapped() ? 0 : hz;
}

uint64_t pit_measure_tsc(void)
{
    pit_start();
    uint16_t first = pit_count();
    uint64_t start = rdtsc();
    while (pit_count() == first) /* is it counting at all? */
        if (rdtsc() - start > PIT_ALIVE_TSC)
            return 0;
    /* Both clocks run in real time, even under emulation, so only a
     * delay at a window's ends can skew the result: a window whose end
     * readings were disturbed is measured again. */
    (void)pit_sample(); /* the first run of new code is slow under TCG */
    for (unsigned tries = 0; tries < PIT_TRIES; tries++) {
        uint64_t hz = pit_window();
        if (hz)
            return hz;
    }
    return 0;
}
