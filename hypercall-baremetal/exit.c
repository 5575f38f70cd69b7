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

void (*exit_drain_nics)(void);

_Noreturn void platform_exit(int status)
{
    char line[EXIT_LINE_SIZE];
    timeline_exit();
    if (exit_drain_nics)
        exit_drain_nics();
    status &= 0xff;
    exit_line(status, line);
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
