/*
 * exit.c: ending a Xen domain. The status is printed first ("exit=N",
 * the line kiln reads), then SCHEDOP_shutdown gives the toolstack the
 * reason: poweroff, crash for a panic (255), or reboot when the
 * toolstack asked for one (control.c), so on_poweroff, on_crash and
 * on_reboot in the domain's config decide what happens next.
 */
#include "xen.h" /* first: Xen's headers need stdint */
#include <xen/sched.h>

_Noreturn void xen_shutdown(int status, unsigned reason)
{
    char line[EXIT_LINE_SIZE];
    status &= 0xff;
    exit_line(status, line);
    hc_console_write(line, EXIT_LINE_SIZE - 1);
    xen_console_flush();
    struct sched_shutdown s = {reason};
    hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (long)&s);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void platform_exit(int status)
{
    xen_shutdown(status,
                 (status & 0xff) == 255 ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

_Noreturn void hc_exit(int status)
{
    platform_exit(status);
}
