/*
 * exit.c: ending a Xen domain. The status is printed first ("exit=N",
 * the line kiln reads), then SCHEDOP_shutdown says poweroff, or crash
 * for a panic (255), so the toolstack can tell them apart.
 */
#include "xen.h" /* first: Xen's headers need stdint */
#include <xen/sched.h>

_Noreturn void platform_exit(int status)
{
    char line[EXIT_LINE_SIZE];
    status &= 0xff;
    exit_line(status, line);
    hc_console_write(line, EXIT_LINE_SIZE - 1);
    xen_console_flush();
    struct sched_shutdown s = {status == 255 ? SHUTDOWN_crash
                                             : SHUTDOWN_poweroff};
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (long)&s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void hc_exit(int status)
{
    platform_exit(status);
}
