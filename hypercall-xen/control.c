/*
 * control.c: what the toolstack asks of the domain through xenstore's
 * control/shutdown, the protocol `xl shutdown`, `xl reboot`, `xl save`
 * and `xl migrate` speak. The guest watches the key, writes "" back to
 * acknowledge a request (xl waits up to 60 s for that), then:
 *   poweroff, halt  the image ends with exit status 0 (exit=0 on the
 *                   console) and shutdown reason poweroff
 *   reboot          exit status 0, shutdown reason reboot (xl then
 *                   restarts the domain as its on_reboot says)
 *   suspend         suspend.c: saved, then resumed here or elsewhere
 * Anything else is acknowledged and ignored with one line.
 *
 * The watch is set up, and control/feature-poweroff, -reboot and
 * -suspend advertised, on the first idle after boot, not in the boot
 * itself: each request is a round trip through dom0 (see devices.c).
 * Requests are taken on the idle path (platform_idle), never from the
 * event upcall: the work makes xenstore requests of its own, which
 * wait for events. Not while a xenstore request or the frontends'
 * connection is in progress (a request then waits in the queue for the
 * next idle), and not at all by a program that never idles.
 *
 * Limits: poweroff does not ask the application to finish (there is no
 * signal to it from this layer): files not yet written back are lost,
 * as on a pulled plug; disk writes the application made are complete.
 */
#include "xen.h"

#include <errno.h>
#include <string.h>
#include <xen/sched.h>

#define CONTROL_PATH "control/shutdown"
#define CONTROL_TOKEN "kiln-control"
#define TX_RETRIES 8

static int watching; /* 1: set up; -1: failed, not tried again */
static int working;  /* a request is being handled: no second one */

/* The watch first, so a request written after the features is seen;
 * xenstored fires it once at once, which finds nothing to do. */
static int control_start(void)
{
    static const char *const features[] = {"control/feature-poweroff",
                                           "control/feature-reboot",
                                           "control/feature-suspend"};
    int r = xs_watch(CONTROL_PATH, CONTROL_TOKEN);
    for (unsigned i = 0; r == 0 && i < sizeof features / sizeof *features; i++)
        r = xs_write(0, features[i], "1");
    if (r == 0)
        r = evtchn_advertise();
    return r;
}

/* Read the request and write "" over it in one transaction, so one the
 * toolstack writes meanwhile is not wiped unseen. */
static int control_take_once(char *cmd, size_t cap)
{
    uint32_t tx;
    int r = xs_transaction_start(&tx);
    if (r < 0)
        return r;
    long n = xs_read(tx, CONTROL_PATH, cmd, cap);
    if (n < 0)
        cmd[0] = 0;
    r = n > 0 ? xs_write(tx, CONTROL_PATH, "") : 0;
    int e = xs_transaction_end(tx, r == 0 && n > 0);
    return r < 0 ? r : n > 0 ? e : 0;
}

static int control_take(char *cmd, size_t cap)
{
    int r = -EAGAIN;
    for (int i = 0; i < TX_RETRIES && r == -EAGAIN; i++)
        r = control_take_once(cmd, cap);
    return r;
}

static void control_do(const char *cmd)
{
    if (!strcmp(cmd, "poweroff") || !strcmp(cmd, "halt")) {
        kprintf("kiln: xen: the toolstack asked for %s\n", cmd);
        xen_shutdown(0, SHUTDOWN_poweroff);
    }
    if (!strcmp(cmd, "reboot")) {
        kprintf("kiln: xen: the toolstack asked for reboot\n");
        xen_shutdown(0, SHUTDOWN_reboot);
    }
    if (!strcmp(cmd, "suspend")) {
        xen_suspend();
        return;
    }
    kprintf("kiln: xen: control/shutdown \"%.32s\" ignored\n", cmd);
}

/* In a new domain the daemon has forgotten our watch (suspend.c). */
int xen_control_resume(void)
{
    if (watching <= 0)
        return 0;
    watching = 0;
    int r = control_start();
    watching = r == 0 ? 1 : -1;
    return r;
}

void xen_control_poll(void)
{
    if (working || watching < 0 || !xen_devices_settled() || xs_busy())
        return;
    working = 1;
    if (!watching) {
        int r = control_start();
        watching = r == 0 ? 1 : -1;
        if (r < 0)
            kprintf("kiln: xen: cannot watch %s (%d): xl shutdown and xl "
                    "save will not be answered\n",
                    CONTROL_PATH, r);
    }
    char cmd[40];
    if (watching > 0 && xs_poll_watch(CONTROL_TOKEN) &&
        control_take(cmd, sizeof cmd) == 0 && cmd[0])
        control_do(cmd);
    working = 0;
}
