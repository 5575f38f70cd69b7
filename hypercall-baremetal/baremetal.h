/*
 * baremetal.h: the bare-metal target (a PC or a QEMU/KVM guest). Adds
 * nothing to the platform's map but the list of this directory's files.
 */
#ifndef KILN_BAREMETAL_H
#define KILN_BAREMETAL_H

#include "../platform/platform.h"

/* acpi.c: returns only if ACPI power-off is unavailable or failed */
void acpi_poweroff(void);

/* rtc.c */
int64_t rtc_read_unix_seconds(void);

#endif
