/*
 * hypercall.c: finding Xen and calling it. CPUID leaves 0x40000000+
 * (or +0x100 next to Hyper-V's) carry the "XenVMMXenVMM" signature;
 * leaf 2 names the MSR that installs the hypercall page.
 */
#include "xen.h"

#include <xen/hvm/hvm_op.h>

extern char hypercall_page[];

static uint32_t xen_base(void)
{
    for (uint32_t base = 0x40000000; base <= 0x40000100; base += 0x100) {
        uint32_t r[4];
        cpuid(base, 0, r);
        if (r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e &&
            r[0] >= base + 2)
            return base;
    }
    return 0;
}

void hypercall_init(void)
{
    uint32_t base = xen_base(), r[4];
    if (!base)
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
