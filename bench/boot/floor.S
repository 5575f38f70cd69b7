/*
 * floor.S: the empty-guest floor for the boot benchmark.
 *
 * The smallest image Kiln's runner accepts: a Xen PVH entry note, the
 * Kiln ABI note, and a 32-bit entry whose first instructions report
 * "exit=0" on the debugcon port (0xe9) and then exit through QEMU's
 * isa-debug-exit (port 0xf4). Booting it measures what QEMU, its
 * firmware and the PVH loader cost before any kernel code runs; the
 * benchmark divides a real image's boot time by this.
 *
 * It also carries a multiboot2 header, so GRUB can boot it from an ISO
 * and the ISO paths of `kiln run --iso` can be measured and tested the
 * same way. Limits: no stack, no console output on COM1.
 */

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define KILN_NOTE_ABI 1
#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

	.section .note.kiln, "a", @note
	.balign 4
	/* Xen note. The descriptor is 8 bytes: QEMU's PVH loader reads a
	 * 64-bit value from an ELF64 note (Linux uses .quad too); Xen
	 * accepts 4- or 8-byte numeric notes. */
	.long 4, 8, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.quad _start

	/* Kiln note: ABI version "1". */
	.long 5, 4, KILN_NOTE_ABI
	.asciz "Kiln"
	.balign 4
	.ascii "1\0\0\0"

	/* Multiboot2 header: magic, architecture, length, checksum, and
	 * only the end tag; GRUB then loads the ELF and jumps to e_entry in
	 * 32-bit protected mode, the same state PVH gives us. */
	.section .multiboot, "a"
	.balign 8
mb2_start:
	.long MB2_MAGIC, MB2_ARCH_I386, mb2_end - mb2_start
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_end - mb2_start))
	.short 0, 0
	.long 8
mb2_end:

	.text
	.code32
	.globl _start
_start:
	/* PVH: flat 32-bit protected mode, paging off, no stack. */
	mov $DEBUGCON_PORT, %dx
	mov $msg, %esi
	mov $msg_len, %ecx
	cld
	rep outsb
	xor %eax, %eax
	mov $DEBUG_EXIT_PORT, %dx
	outl %eax, %dx
	/* Not reached under QEMU; elsewhere, stop quietly. */
1:	cli
	hlt
	jmp 1b

msg:	.ascii "exit=0\n"
	.set msg_len, . - msg
