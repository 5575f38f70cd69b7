/*
 * hypercall.h: the one interface between Kiln's components and the host.
 *
 * Components (components/net, components/fs, components/posix) include
 * this header and libc, nothing else. Each host supplies it:
 *
 *   platform/ + hypercall-baremetal/   a PC or a QEMU/KVM guest
 *   platform/ + hypercall-xen/         a Xen PVH guest
 *   hypercall-posix/                   a plain Linux process
 *
 * Which one an image gets is decided by the link step alone. The calls
 * come in three groups, by who implements them:
 *
 *   1. The port: what each hypercall-<host>/ writes for its machine:
 *      console, clock, NICs, disks and exit. A new host writes these.
 *   2. The shared platform: what platform/ provides to every image
 *      (and hypercall-posix stands in for in a process): pages,
 *      threads, entropy, the command line and boot modules, abort.
 *   3. The Linux personality: the hooks between the platform's
 *      syscall entry and components/posix, which musl's libc calls
 *      into: syscall_dispatch and posix_main (components/posix
 *      implements them), hc_thread_clone and hc_thread_set_tls (the
 *      platform does).
 *
 * Execution model. One CPU, cooperative threads. A call runs to
 * completion unless it says it blocks; blocking calls switch to another
 * runnable thread and return when the condition holds. There is no
 * preemption, so code between blocking calls needs no locks. Interrupt
 * handlers never call into components.
 *
 * Error policy, stated once: a call that can fail returns a negative errno
 * value from <errno.h> (-EINVAL, -ENODEV, -EIO, ...). Success is 0 or a
 * non-negative count. A call refused before it starts (bad arguments, no
 * such device, a read-only disk, a full ring, no memory) changes nothing.
 * A failure partway through may leave the part before it done, and the
 * calls where that can happen say so: hc_blk_read and hc_blk_write
 * (-EIO after some sectors), hc_pages_protect (some pages changed), and
 * hc_net_recv, whose -EMSGSIZE consumes the frame it could not deliver.
 * Calls documented as not failing either succeed or do not return (they
 * panic with a message on the console and exit with status 255).
 */
#ifndef KILN_HYPERCALL_H
#define KILN_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

/* ==== 1. The port: each hypercall-<host>/ ============================== */

/* ---- console ---------------------------------------------------------- */

/* Write len bytes to the console ("\n" becomes "\r\n" on a serial
 * line). Never fails, never blocks on a reader (bytes may be dropped if
 * no console exists). */
void hc_console_write(const char *buf, size_t len);

/* Copy up to len bytes already received from the console into buf.
 * Non-blocking: returns the number copied, 0 when none is waiting. */
size_t hc_console_read(char *buf, size_t len);

/* ---- clock ------------------------------------------------------------ */

/* Monotonic nanoseconds since the image's first instruction. Never goes
 * backwards; resolution is the host's (TSC or pvclock: about 1 ns). */
uint64_t hc_clock_monotonic(void);

/* Nanoseconds to add to hc_clock_monotonic() to get UNIX time (UTC).
 * Read once at boot from the host's wall clock; 0 if the host has none. */
int64_t hc_clock_wall_offset(void);

/* ---- network interfaces ----------------------------------------------- */

/* Offloads a NIC may do (hc_net_info's offloads, a mask), modelled on
 * virtio-net's (virtio spec 1.1 section 5.1.6). A NIC with none works as
 * a plain Ethernet wire: every frame whole, every checksum on it final.
 *   HC_NET_TX_CSUM  send: completes a partial checksum (HC_NET_F_CSUM_PARTIAL)
 *   HC_NET_TX_TSO4  send: cuts one TCP/IPv4 frame of up to
 *                   HC_NET_GSO_FRAME_MAX bytes into gso_size-byte segments
 *   HC_NET_RX_CSUM  recv: may mark frames HC_NET_F_CSUM_VALID or
 *                   HC_NET_F_CSUM_PARTIAL
 *   HC_NET_RX_TSO4  recv: may deliver coalesced TCP/IPv4 frames of up to
 *                   HC_NET_GSO_FRAME_MAX bytes (pass a buffer that big) */
#define HC_NET_TX_CSUM 0x1u
#define HC_NET_TX_TSO4 0x2u
#define HC_NET_RX_CSUM 0x4u
#define HC_NET_RX_TSO4 0x8u
#define HC_NET_GSO_FRAME_MAX (14 + 65535) /* Ethernet + the largest IPv4 */

struct hc_net_info {
    uint8_t mac[6];
    uint16_t mtu;
    uint8_t link_up;   /* frames sent while 0 are lost (e1000 autonegotiates
                          for about half a second after boot) */
    uint32_t offloads; /* HC_NET_TX_* | HC_NET_RX_* */
};

/* What travels with one frame besides its bytes; all zero for a plain
 * frame. Offsets count from the frame's first (Ethernet) byte.
 *
 * HC_NET_F_CSUM_PARTIAL: the transport checksum is left to the NIC. The
 *   16-bit field at csum_start + csum_offset holds the folded sum of the
 *   pseudo-header (not complemented; its length is the whole transport
 *   length); the NIC sums from csum_start to the end of the frame and
 *   stores the complement there. Received, it means the sender (a guest
 *   on the same host) left it so: the bytes are intact, the field is not
 *   final (a forwarder must complete it).
 * HC_NET_F_CSUM_VALID (received only): the NIC checked the transport
 *   checksum and it is right.
 * gso_type HC_NET_GSO_TCPV4 (with CSUM_PARTIAL): on send, the NIC cuts
 *   the frame into segments of gso_size payload bytes each (the last
 *   shorter) behind copies of its hdr_len bytes of Ethernet, IPv4 and TCP
 *   headers, fixing the IP length, identification (+1 each) and
 *   checksums, and keeping FIN and PSH for the last segment only. The
 *   frame's IP total length and pseudo-header cover the whole. Received,
 *   it says the frame was coalesced from segments of gso_size bytes. */
#define HC_NET_F_CSUM_PARTIAL 0x1u
#define HC_NET_F_CSUM_VALID 0x2u
#define HC_NET_GSO_NONE 0
#define HC_NET_GSO_TCPV4 1
struct hc_net_meta {
    uint8_t flags;    /* HC_NET_F_* */
    uint8_t gso_type; /* HC_NET_GSO_* */
    uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* Describe NIC number idx (0, 1, ...). Returns 0, or -ENODEV past the
 * last NIC; so the count is the first idx that gives -ENODEV. A host may
 * find its NICs and disks on the first hc_net_* or hc_blk_* call rather
 * than at boot (Xen does): that call blocks until they are ready. */
int hc_net_info(unsigned idx, struct hc_net_info *out);

/* Queue one Ethernet frame (no FCS) for sending, with meta (NULL: a plain
 * frame). Non-blocking: returns 0, -EAGAIN when the transmit ring is full,
 * -EINVAL for a bad length (over mtu + 14 unless segmented) or for meta
 * asking an offload hc_net_info did not offer. After -EAGAIN the NIC
 * raises a device event (ending hc_thread_wait_io) once the ring has room
 * again; while it has room, finished sends need not raise any. */
int hc_net_send(unsigned idx, const void *frame, size_t len,
                const struct hc_net_meta *meta);

/* Take one received frame into buf, and what came with it into *meta
 * (unless meta is NULL; a caller that passes NULL must cope with partial
 * checksums itself if the NIC offers HC_NET_RX_CSUM). Non-blocking:
 * returns its length, -EAGAIN when none is waiting, -EIO once the device
 * has failed, or -EMSGSIZE if it did not fit: that frame is consumed and
 * lost, and the next call takes the next one. */
int hc_net_recv(unsigned idx, void *buf, size_t len, struct hc_net_meta *meta);

/* ---- block devices ---------------------------------------------------- */

struct hc_blk_info {
    uint64_t sectors;     /* capacity in sectors */
    uint32_t sector_size; /* bytes, a power of two >= 512 */
    uint8_t read_only;
};

/* Describe disk idx; -ENODEV past the last one, as for NICs. */
int hc_blk_info(unsigned idx, struct hc_blk_info *out);

/* Synchronous sector I/O: the calling thread blocks until the device
 * answers. Return 0, -ENODEV, -EINVAL (range) or -EROFS (write to a
 * read-only disk), all before any transfer, or -EIO: then a transfer of
 * several sectors may have been done in part (some sectors written,
 * part of buf filled), in no promised order. hc_blk_flush returns when
 * earlier writes are durable. */
int hc_blk_read(unsigned idx, uint64_t sector, void *buf, size_t nsectors);
int hc_blk_write(unsigned idx, uint64_t sector, const void *buf,
                 size_t nsectors);
int hc_blk_flush(unsigned idx);

/* ---- exit ------------------------------------------------------------- */

/* End the image with status (0..255), which reaches the host (QEMU's exit
 * code through kiln, Xen's shutdown reason). Output already written to
 * the console is delivered first. */
_Noreturn void hc_exit(int status);

/* ==== 2. The shared platform: platform/ (hypercall-posix in a process) == */

/* ---- memory ----------------------------------------------------------- */

#define HC_PAGE_SIZE 4096u

/* Allocate n contiguous, zeroed, 4 KiB-aligned pages of RAM. Addresses
 * are identity-mapped. Returns NULL when no run of n free pages exists. */
void *hc_pages_alloc(size_t n);

/* Allocate n zeroed pages at contiguous addresses for the CPU alone: a
 * run of RAM as hc_pages_alloc gives when one is free, otherwise single
 * pages from anywhere, mapped together above RAM, so a small guest's
 * scattered free pages still make one large buffer. Never give these
 * addresses to a device: they need not be physical. Freed and protected
 * like the others. Returns NULL when fewer than n pages are free. */
void *hc_pages_alloc_scattered(size_t n);

/* Return n pages starting at p (any sub-range of earlier allocations may
 * be freed). Freeing a page that is not allocated is a panic. */
void hc_pages_free(void *p, size_t n);

/* Allocate the n pages starting at page-aligned address p, for programs
 * linked to run at a fixed address (app/exec loads Linux executables
 * linked at 4 MiB). Zeroed, as from hc_pages_alloc, and freed the same
 * way. Returns 0, -EINVAL for pages that are not allocatable RAM (the
 * image, a boot module, a hole), or -EBUSY when some page is in use. */
int hc_pages_reserve(void *p, size_t n);

/* Set the rights of n allocated pages at p: HC_PAGES_NONE (any touch
 * faults, for stack guards and PROT_NONE), HC_PAGES_RW (the default),
 * HC_PAGES_R or HC_PAGES_RX (a loaded program's text; never writable and
 * executable at once). Give pages back HC_PAGES_RW before freeing them.
 * Returns 0, -EINVAL for pages that are not allocatable RAM, or -ENOMEM
 * when it needs a page-table page and none is free; restoring
 * HC_PAGES_RW never fails. A failure partway leaves the pages before it
 * changed. */
#define HC_PAGES_NONE 0
#define HC_PAGES_RW 1
#define HC_PAGES_R 2
#define HC_PAGES_RX 3
int hc_pages_protect(void *p, size_t n, int access);

/* Fill *out with the allocator's counts at this moment (for sysinfo()
 * and for sizing caches by the memory there is). Never fails. */
struct hc_mem_stats {
    size_t total_pages; /* usable RAM managed by the allocator */
    size_t free_pages;  /* of which free now */
};
void hc_pages_stats(struct hc_mem_stats *out);

/* ---- entropy ---------------------------------------------------------- */

/* Fill buf with len bytes from the CPU's hardware generator (RDSEED or
 * RDRAND on x86). Never a clock-derived fallback: a host without a
 * generator panics at boot. Returns 0, or -EIO if the generator keeps
 * failing (a hardware fault). */
int hc_entropy(void *buf, size_t len);

/* ---- threads ---------------------------------------------------------- */

/* Thread ids are 1..HC_THREADS_MAX, unique among live threads. */
typedef int hc_tid;
#define HC_THREADS_MAX 64

/* Start fn(arg) on a new thread with a stack of stack_size bytes (0 for a
 * default of 64 KiB) below an inaccessible guard page, so an overflow
 * faults, and thread pointer tls. A tls block must hold at least 48
 * bytes: the host may write the stack protector's canary at offset
 * 0x28, the x86_64 ABI's place; 0 gives the host's own block. The new
 * thread runs when the caller next blocks or yields. Returns its id or
 * -EAGAIN. */
hc_tid hc_thread_create(void (*fn)(void *), void *arg, size_t stack_size,
                        uintptr_t tls);

/* The calling thread's id. Never fails; only a thread may call it (and
 * every call below: a host program's threads run under host_run). */
hc_tid hc_thread_self(void);

/* Let every other runnable thread run once, then return. */
void hc_thread_yield(void);

/* Block the caller until hc_thread_wake() names it or until the monotonic
 * clock reaches deadline (0: no deadline). Returns 0 when woken, -ETIMEDOUT
 * at the deadline. A wake sent before the block is not remembered: check
 * your condition before blocking, there is no preemption in between.
 * If every thread is blocked, none with a deadline and none waiting in
 * hc_thread_wait_io for a device that exists, nothing can wake one: the
 * image panics ("deadlock"). */
int hc_thread_block(uint64_t deadline);

/* Block the caller until a device interrupt arrives (a frame received, a
 * request finished) or until deadline (0: none). Returns 0 after an
 * interrupt, -ETIMEDOUT at the deadline. The interrupt may have been for
 * another device: check yours again, and give a deadline if your device
 * may have no interrupt. */
int hc_thread_wait_io(uint64_t deadline);

/* Make a blocked thread runnable. Returns 0, or -ESRCH if tid is not
 * blocked (not an error for callers that wake optimistically). */
int hc_thread_wake(hc_tid tid);

/* End the calling thread. The last thread to exit ends the image with
 * status 0. */
_Noreturn void hc_thread_exit(void);

/* ---- boot ------------------------------------------------------------- */

/* The kernel command line as the boot loader gave it ("" if none). */
const char *hc_cmdline(void);

/* Module idx (0, 1, ...) the boot loader handed over (PVH modlist: QEMU
 * -initrd, Xen ramdisk=; multiboot2 module tags: GRUB module2), in boot
 * order. *data and *len get its bytes, identity-mapped, read-write and
 * kept out of the page allocator for the image's life (the caller may
 * keep pointers into them). Returns 0, or -ENODEV past the last one. */
int hc_boot_module(unsigned idx, const void **data, size_t *len);

/* Print "PANIC: " msg, the registers and a backtrace; exit with 255. */
_Noreturn void hc_abort(const char *msg);

/* ==== 3. The Linux personality: platform/ and components/posix ========= */

/* The registers of a thread at a syscall instruction (see
 * syscall_dispatch below); layout is the platform's. */
struct hc_syscall_frame;

/* Implemented by the platform, for components/posix's clone(): start a
 * thread that resumes after the syscall described by frame, as the
 * child of Linux's clone(): same registers, syscall result 0, stack
 * pointer sp, thread pointer tls. Returns its id or -EAGAIN. */
hc_tid hc_thread_clone(const struct hc_syscall_frame *frame, uintptr_t sp,
                       uintptr_t tls);

/* Implemented by the platform, for arch_prctl(ARCH_SET_FS): set the
 * calling thread's thread pointer (FS base on x86_64). */
void hc_thread_set_tls(uintptr_t tls);

/* Implemented by the platform, for components/posix's signals: the
 * registers a system call returns to, and where its vector state
 * (512 bytes, FXSAVE layout) is restored from on return. set replaces
 * all but rax (the call's result) and the vector state (write *fpu).
 * rcx and r11 are clobbered by every system call, as on Linux. */
struct hc_user_regs {
    uint64_t rdi, rsi, rdx, r10, r8, r9, rbp, rbx, r12, r13, r14, r15;
    uint64_t rax, rip, rsp, rflags;
    void *fpu;
};
void hc_syscall_regs_get(const struct hc_syscall_frame *frame,
                         struct hc_user_regs *out);
void hc_syscall_regs_set(struct hc_syscall_frame *frame,
                         const struct hc_user_regs *in);

/* Implemented by components/posix, called by the host on every system
 * call a thread makes (musl's syscall instruction). nr and args are
 * Linux's x86_64 ones; the result is Linux's (negative errno on error).
 * frame is NULL when a host program calls it directly (no signal
 * handler can run then). */
long syscall_dispatch(long nr, const long args[6],
                      struct hc_syscall_frame *frame);

/* Implemented by components/posix: the first thread's body. Builds the
 * process entry state from hc_cmdline() and runs the application. */
_Noreturn void posix_main(void *unused);

#endif
