/*
 * hypercall.c: finding Xen and calling it. Xen's CPUID leaves (found by
 * platform/tsc.c's cpuid_xen_base, which the clock shares): leaf 2
 * names the MSR that installs the hypercall page.
 */
#include "xen.h"

#include <xen/hvm/hvm_op.h>

extern char hypercall_page[];

void hypercall_init(void)
{
    uint32_t last, base = cpuid_xen_base(&last), r[4];
    if (!base || last < base + 2)
        panic("not running on Xen (no XenVMMXenVMM CPUID leaf); this is "
              "the Xen image: boot the -baremetal one elsewhere");
    cpuid(base + 2, 0, r); /* eax: pages, ebx: MSR */
    wrmsr(r[1], (uintptr_t)hypercall_page);
}

long hypercall2(unsigned op, long a1, long a2)
{
    long ret;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    __asm__ volatile("call *%[entry]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi)
                     : [entry] "r"(hypercall_page + op * 32)
                     : "memory", "rcx", "r11");
    return ret;
}

long hypercall3(unsigned op, long a1, long a2, long a3)
{
    long ret;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    __asm__ volatile("call *%[entry]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                     : [entry] "r"(hypercall_page + op * 32)
                     : "memory", "rcx", "r11");
    return ret;
}

int hvm_get_param(unsigned index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long r = hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, (long)&p);
    if (r < 0)
        return (int)r;
    *value = p.value;
    return 0;
}
