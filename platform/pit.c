/*
 * pit.c: measure the TSC against the i8254 PIT, whose 1.193182 MHz input
 * is fixed by the PC architecture. Channel 0 counts down in mode 0 and
 * we read it back with latch commands: port 0x61 (channel 2's gate) is
 * absent on QEMU microvm, so it is not used. A 2 ms window resolves the
 * frequency to about 0.05% (a tick in 2386). Returns 0 when no PIT counts.
 */
#include "platform.h"

#define PIT_HZ 1193182u
#define PIT_WINDOW_TICKS (PIT_HZ / 500)
#define PIT_ALIVE_TSC (1ull << 26) /* a PIT ticks well within ~60 ms */

static uint16_t pit_count(void)
{
    outb(0x43, 0x00); /* latch channel 0 */
    uint8_t lo = inb(0x40);
    return (uint16_t)(lo | inb(0x40) << 8);
}

uint64_t pit_measure_tsc(void)
{
    outb(0x43, 0x30); /* channel 0, lobyte/hibyte, mode 0, binary */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t first = pit_count();
    uint64_t start = rdtsc();
    while (pit_count() == first) /* align to a tick edge */
        if (rdtsc() - start > PIT_ALIVE_TSC)
            return 0;
    first = pit_count();
    start = rdtsc();
    while ((uint16_t)(first - pit_count()) < PIT_WINDOW_TICKS)
        ;
    return (rdtsc() - start) * PIT_HZ / PIT_WINDOW_TICKS;
}
