/*
 * xen.h: the Xen PVH target. Xen's ABI comes from Debian's libxen-dev
 * (<xen/...>). This first version boots as a PVH guest (dom0 or domU)
 * on the shared platform: the TSC clock (frequency from Xen's CPUID
 * leaf), the emulated local APIC timer, RDRAND. It adds the hypercall
 * page, the debug console and shutdown. Event channels, xenstore,
 * netfront and blkfront are still to come.
 */
#ifndef KILN_XEN_H
#define KILN_XEN_H

/* The Xen interface version we are written against (Xen 4.13+ ABI). */
#define __XEN_INTERFACE_VERSION__ 0x00040d00

#include "../platform/platform.h"

/* hypercall.c */
void hypercall_init(void);
long hypercall2(unsigned op, long a1, long a2);

#endif
