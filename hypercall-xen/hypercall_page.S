/*
 * hypercall_page.S: the page Xen fills with one 32-byte entry stub per
 * hypercall (vmcall or vmmcall, whichever this CPU needs). Xen writes all
 * of it by physical address when hypercall_init names it, so nothing of
 * it need be loaded: it is in .text_unloaded, which linker/kernel.ld
 * places inside the text's pages (mapped executable) but in no segment,
 * 4 KiB the image no longer carries.
 */
    .section .text_unloaded, "aw", @nobits
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .skip 4096
