/*
 * hypercall_page.S: the page Xen fills with one 32-byte entry stub per
 * hypercall (vmcall or vmmcall, whichever this CPU needs). It lives in
 * text so it is executable; Xen writes it by physical address.
 */
    .section .text.xen_hypercall_page, "ax"
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .skip 4096
