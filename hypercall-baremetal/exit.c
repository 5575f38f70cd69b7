/*
 * exit.c: ending the image. The status goes to QEMU two ways: as text
 * "exit=N" on the debug console port 0xe9 (exact, read by scripts/kiln),
 * and to the isa-debug-exit device at port 0xf4, which ends QEMU with
 * code (N << 1) | 1. Without that device (a real PC, or QEMU started by
 * hand) the writes are ignored and we power off through ACPI, or halt
 * with interrupts off where that is unavailable.
 */
#include "baremetal.h"

#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4

static void debugcon_write(const char *s)
{
    while (*s)
        outb(DEBUGCON_PORT, (uint8_t)*s++);
}

/* No libc here: exit must work even when a panic came from inside it. */
_Noreturn void platform_exit(int status)
{
    char line[] = "exit=000\n";
    status &= 0xff;
    line[5] = (char)('0' + status / 100);
    line[6] = (char)('0' + status / 10 % 10);
    line[7] = (char)('0' + status % 10);
    debugcon_write(line);
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    acpi_poweroff();
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void hc_exit(int status)
{
    platform_exit(status);
}
