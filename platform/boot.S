/*
 * boot.S: the two ways in (PVH and multiboot2), both in 32-bit protected
 * mode with paging off, and the switch to long mode.
 *
 * The boot page tables identity-map the first 1 GiB with 2 MiB pages;
 * mmu.c later refines them (page 0 unmapped, text RX, data NX) and maps
 * the rest of RAM. They stay in use, so nothing is lost; mmu.c makes
 * them read-only. They and the early stack are in .boot_region, which
 * kernel.ld places in the image's span but in no segment: loaders keep
 * the whole span free for the image (QEMU, Xen and GRUB reserve from
 * its lowest to its highest loaded byte; GRUB does because of the
 * address tag below, with the ISO's flat copy of the image), so it
 * costs no loaded bytes, and the code below zeroes the tables itself. The stack is only the
 * early one: it lasts until the page allocator exists, and main.c then
 * moves the boot to a stack from it (cpu_boot_stack_switch) with a
 * guard page below.
 * QEMU's multiboot1 loader rejects ELF64 files, so there is deliberately
 * no multiboot1 header: GRUB boots us through multiboot2.
 */
#include <xen/elfnote.h>

#define MB2_MAGIC 0xe85250d6 /* Multiboot2 spec, 3.1.1 */
#define MB2_BOOT_MAGIC 0x36d76289
#define BOOT_PVH 1
#define BOOT_MULTIBOOT2 2
#define EARLY_STACK_SIZE 4096 /* the steps up to memory (main.c) */

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long 0 /* i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    /* Address and entry tags (Multiboot2 spec 3.1.5, 3.1.6): GRUB then
     * loads the file as one flat span (scripts/mkiso gives it the
     * image as `objcopy -O binary` dumps it) and keeps all of it for
     * us, .boot_region included; from the ELF's segments alone it would
     * put its boot information or a module in .boot_region. */
    .short 2, 0 /* address tag */
    .long 24
    .long mb2_header, _image_start, _edata, _end
    .short 3, 0 /* entry address tag */
    .long 12
    .long mb2_start
    .long 0 /* tags are 8-byte aligned */
    .short 0, 0 /* end tag */
    .long 8
mb2_header_end:

    /* Xen PVH entry note: also how QEMU -kernel finds our 32-bit entry.
     * 8 bytes of descriptor: QEMU reads 8 from an ELF64 note, Xen takes
     * either size. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 8, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .quad pvh_start

    /* Marks the file as a Kiln image for scripts/kiln; desc is the ABI. */
    .section .note.kiln, "a", @note
    .balign 4
    .long 5, 4, 1
    .asciz "Kiln"
    .balign 4
    .ascii "1\0\0\0"

    .section .text.boot, "ax"
    .code32
    .globl pvh_start
pvh_start:
    rdtsc
    mov %eax, boot_tsc
    mov %edx, boot_tsc + 4
    mov %ebx, %edi
    mov $BOOT_PVH, %esi
    jmp start32

    .globl mb2_start
mb2_start:
    mov %eax, %ecx
    rdtsc
    mov %eax, boot_tsc
    mov %edx, boot_tsc + 4
    cmp $MB2_BOOT_MAGIC, %ecx
    jne halt32
    mov %ebx, %edi
    mov $BOOT_MULTIBOOT2, %esi

start32:
    mov $early_stack + EARLY_STACK_SIZE, %esp
    /* No loader zeroed .boot_region: clear the tables (edi is the boot
     * information's address, kept on the stack meanwhile). */
    push %edi
    cld
    xor %eax, %eax
    mov $boot_pml4, %edi
    mov $(boot_tables_end - boot_pml4) / 4, %ecx
    rep stosl
    pop %edi
    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> i * 2 MiB, present+rw+ps */
    movl $boot_pdpt + 3, boot_pml4
    movl $boot_pd + 3, boot_pdpt
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, boot_pd(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b
    /* Boot information may lie anywhere below 4 GiB (Xen puts a PVH
     * domU's start info and ACPI tables just below 4 GiB): map GiBs 1-3
     * with 1 GiB pages where the CPU has them, else the GiB holding the
     * start info with a second directory. mmu_init drops these. */
    mov $0x80000001, %eax
    cpuid
    bt $26, %edx /* Page1GB */
    jnc 4f
    movl $(1 << 30) | 0x83, boot_pdpt + 8
    movl $(2 << 30) | 0x83, boot_pdpt + 16
    movl $(3 << 30) | 0x83, boot_pdpt + 24
    jmp 3f
4:  mov %edi, %edx
    shr $30, %edx
    jz 3f
    movl $boot_pd_info + 3, boot_pdpt(, %edx, 8)
    shl $30, %edx
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or %edx, %eax
    or $0x83, %eax
    mov %eax, boot_pd_info(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 2b
3:

    /* PAE for long mode; OSFXSR and OSXMMEXCPT because compiled C uses
     * SSE registers from its first line */
    mov %cr4, %eax
    or $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx /* EFER: long mode + syscall enable */
    rdmsr
    or $((1 << 8) | (1 << 0)), %eax
    wrmsr
    mov %cr0, %eax
    and $~(1 << 2), %eax /* no FPU emulation */
    or $((1 << 31) | (1 << 16) | (1 << 1) | 1), %eax /* PG, WP, MP, PE */
    mov %eax, %cr0
    fninit
    lgdt gdt_ptr
    ljmp $0x08, $start64

halt32:
    cli
    hlt
    jmp halt32

    .code64
start64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $early_stack + EARLY_STACK_SIZE, %rsp
    xor %ebp, %ebp
    /* platform_boot(proto, info): esi/edi hold them, zero-extended */
    mov %esi, %eax
    mov %edi, %esi
    mov %eax, %edi
    call platform_boot
    ud2

    .section .data
    .balign 16
    .globl gdt
gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
    .quad 0, 0               /* 0x18: TSS, filled by cpu.c */
gdt_end:
    .globl gdt_ptr
gdt_ptr:
    .short gdt_end - gdt - 1
    .quad gdt

    .globl boot_tsc
    .balign 8
boot_tsc:
    .quad 0

    .section .boot_region, "aw", @nobits
    .balign 4096
    .globl boot_pml4, boot_pdpt, boot_pd, boot_pd_info
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096
boot_pd_info:
    .skip 4096
    .globl boot_tables_end
boot_tables_end:
early_stack:
    .skip EARLY_STACK_SIZE
