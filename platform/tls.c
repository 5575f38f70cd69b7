/*
 * tls.c: the thread pointer blocks the platform makes, and the stack
 * protector's canary in every block.
 *
 * Everything is built with -fstack-protector-strong: a function with a
 * local array or an address-taken local stores the canary found at
 * %fs:0x28 (the x86_64 ABI's place; musl's struct pthread keeps it
 * there too) below its return address and compares before returning.
 * So every thread pointer must address a block of at least 48 bytes,
 * and a block must not change its canary while a protected frame that
 * read it is still on the stack:
 *  - until musl sets its own, threads run on the boot block (%fs:0
 *    points to itself, as musl's vsnprintf wants); so do threads
 *    created without a block;
 *  - a block handed to hc_thread_create gets the canary written in;
 *  - hc_thread_set_tls writes it into the new block too, since the
 *    frames below musl's arch_prctl return under that block. musl's
 *    own __init_ssp stays out of the link (we define __stack_chk_fail,
 *    the symbol that would pull it in), so musl keeps that canary and
 *    pthread_create copies it to each new thread.
 * Limits: one canary for the whole image, chosen once at boot from
 * RDSEED/RDRAND; what runs before tls_canary_init checks against zero.
 */
#include "platform.h"

#define TLS_CANARY 5 /* %fs:0x28, in words */

static uintptr_t boot_block[32];

void tls_boot(void)
{
    boot_block[0] = (uintptr_t)boot_block;
    wrmsr(MSR_FS_BASE, (uintptr_t)boot_block);
}

/* Not itself protected: it changes the canary its own epilogue would
 * compare against. platform_boot, the only frame below it, never
 * returns. */
__attribute__((no_stack_protector)) void tls_canary_init(void)
{
    uint64_t canary;
    if (hc_entropy(&canary, sizeof canary) < 0)
        panic("no entropy for the stack protector's canary");
    /* A zero byte stops string functions from reading the canary out or
     * writing it back; the second one, so that an off-by-one NUL over
     * the first is still caught (musl does the same). */
    canary &= ~0xff00ull;
    boot_block[TLS_CANARY] = canary;
}

/* The block a thread runs on: its own, given the canary, or the boot
 * block when it has none. */
uintptr_t tls_prepare(uintptr_t tls)
{
    if (!tls)
        return (uintptr_t)boot_block;
    ((uintptr_t *)tls)[TLS_CANARY] = boot_block[TLS_CANARY];
    return tls;
}

/* Called by a function whose canary no longer matches: a write ran past
 * a local buffer towards the return address. */
_Noreturn void __stack_chk_fail(void)
{
    panic("stack smashing detected: a function's stack canary was "
          "overwritten (a local buffer overflowed)");
}
