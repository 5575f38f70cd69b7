/*
 * gdbstub.c: gdb's remote serial protocol on a target's debug channel
 * (platform_gdb_*: COM2 on bare metal), for hosts without QEMU's own
 * stub. The boot option gdb=on stops the boot before the application
 * for gdb to attach; gdb then sets breakpoints (Z0: an int3 written
 * into the text, whose page is read-only, so with CR0.WP cleared for
 * that byte), steps (TF), reads and writes registers and memory, and
 * lists the scheduler's threads. The stub runs inside the #BP/#DB
 * handler, interrupts off, on its IST stack.
 *
 * Limits: registers are the stopped thread's only (other threads are
 * listed, their registers are not reachable); the 'g' packet carries
 * the general registers, rip, eflags and segment selectors, not the
 * FPU/SSE state; no hardware watchpoints; Ctrl-C does not interrupt a
 * running image (the channel raises no interrupt).
 */
#include <stddef.h>
#include <string.h>
#include "kiln/table.h"
#include "platform.h"
#include "sched.h"

#define GDB_PACKET_MAX 1024 /* qSupported's PacketSize */
#define GDB_BREAKPOINTS 64
#define GDB_REGS 24 /* rax..r15, rip (8 bytes); eflags..gs (4) */
#define RFLAGS_TF 0x100
#define OP_INT3 0xcc
#define CR0_WP (1ull << 16)

struct breakpoint {
    uint64_t addr;
    uint8_t saved;
    int used;
};

static int attached;
static int boot_stop;         /* the stop gdb has not asked about yet */
static struct trap_frame *tf; /* the stopped context */

struct gdb_buffers {
    struct breakpoint bps[GDB_BREAKPOINTS];
    char in[GDB_PACKET_MAX + 1], out[2 * GDB_PACKET_MAX + 1];
};
/* Only an image booted with gdb=on needs them: allocated then, not
 * loaded with every image's bss. */
static struct gdb_buffers *g;

/* gdb's amd64 register order, as offsets into the trap frame; -1: a
 * selector we do not save (reads as 0, writes ignored). */
static const int reg_offset[GDB_REGS] = {
    offsetof(struct trap_frame, rax),
    offsetof(struct trap_frame, rbx),
    offsetof(struct trap_frame, rcx),
    offsetof(struct trap_frame, rdx),
    offsetof(struct trap_frame, rsi),
    offsetof(struct trap_frame, rdi),
    offsetof(struct trap_frame, rbp),
    offsetof(struct trap_frame, rsp),
    offsetof(struct trap_frame, r8),
    offsetof(struct trap_frame, r9),
    offsetof(struct trap_frame, r10),
    offsetof(struct trap_frame, r11),
    offsetof(struct trap_frame, r12),
    offsetof(struct trap_frame, r13),
    offsetof(struct trap_frame, r14),
    offsetof(struct trap_frame, r15),
    offsetof(struct trap_frame, rip),
    offsetof(struct trap_frame, rflags),
    offsetof(struct trap_frame, cs),
    offsetof(struct trap_frame, ss),
    -1,
    -1,
    -1,
    -1,
};

static size_t reg_size(int n)
{
    return n <= 16 ? 8 : 4;
}

/* ---- hex ------------------------------------------------------------- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *hex_put(char *o, const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t b = ((const uint8_t *)p)[i];
        *o++ = digits[b >> 4];
        *o++ = digits[b & 15];
    }
    *o = '\0';
    return o;
}

/* n bytes from 2n hex digits; -1 if any is not one. */
static int hex_get(const char *s, void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[2 * i]),
            lo = hi < 0 ? -1 : hex_digit(s[2 * i + 1]);
        if (lo < 0)
            return -1;
        ((uint8_t *)p)[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* A big-endian hex number at *s, which moves past it. */
static uint64_t hex_num(const char **s)
{
    uint64_t v = 0;
    for (int d; (d = hex_digit(**s)) >= 0; (*s)++)
        v = v << 4 | (uint64_t)d;
    return v;
}

/* ---- packets ---------------------------------------------------------- */

/* The next packet's body into in[], acknowledged; bad checksums get '-'
 * and gdb sends again. Bytes between packets (acks, Ctrl-C) are skipped. */
static const char *packet_get(void)
{
    for (;;) {
        while (platform_gdb_getc() != '$')
            ;
        size_t n = 0;
        uint8_t sum = 0;
        int c;
        while ((c = platform_gdb_getc()) != '#' && n < GDB_PACKET_MAX)
            sum += (uint8_t)(g->in[n++] = (char)c);
        g->in[n] = '\0';
        char cs[2] = {(char)platform_gdb_getc(), (char)platform_gdb_getc()};
        uint8_t want;
        if (c == '#' && hex_get(cs, &want, 1) == 0 && want == sum) {
            platform_gdb_put("+", 1);
            return g->in;
        }
        platform_gdb_put("-", 1);
    }
}

/* Send body until gdb acknowledges it. */
static void packet_put(const char *body)
{
    uint8_t sum = 0;
    for (const char *p = body; *p; p++)
        sum += (uint8_t)*p;
    char tail[4] = {'#'};
    hex_put(tail + 1, &sum, 1);
    do {
        platform_gdb_put("$", 1);
        platform_gdb_put(body, strlen(body));
        platform_gdb_put(tail, 3);
    } while (platform_gdb_getc() == '-');
}

/* ---- memory ----------------------------------------------------------- */

static int range_mapped(uint64_t a, uint64_t len)
{
    if (a + len < a)
        return 0;
    for (uint64_t p = ALIGN_DOWN(a, HC_PAGE_SIZE); p < a + len;
         p += HC_PAGE_SIZE)
        if (!mmu_is_mapped(p))
            return 0;
    return 1;
}

/* Write into any mapped page, the read-only text included (breakpoints):
 * CR0.WP is cleared for the copy; page tables stay out of reach. */
static int mem_write(uint64_t a, const void *src, size_t len)
{
    if (!range_mapped(a, len) || mmu_is_table(a) || mmu_is_table(a + len - 1))
        return -1;
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_WP) : "memory");
    memcpy((void *)(uintptr_t)a, src, len);
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
    return 0;
}

/* m addr,len */
static const char *cmd_read_mem(const char *p)
{
    uint64_t a = hex_num(&p);
    uint64_t len = *p == ',' ? (p++, hex_num(&p)) : 0;
    if (len > GDB_PACKET_MAX / 2 || !range_mapped(a, len))
        return "E14";
    hex_put(g->out, (const void *)(uintptr_t)a, len);
    return g->out;
}

/* M addr,len:bytes */
static const char *cmd_write_mem(const char *p)
{
    uint8_t buf[GDB_PACKET_MAX / 2];
    uint64_t a = hex_num(&p);
    uint64_t len = *p == ',' ? (p++, hex_num(&p)) : 0;
    if (*p++ != ':' || len > sizeof buf || strlen(p) != 2 * len ||
        hex_get(p, buf, len) < 0)
        return "E01";
    return len == 0 || mem_write(a, buf, len) == 0 ? "OK" : "E14";
}

/* ---- breakpoints -------------------------------------------------------- */

static struct breakpoint *bp_find(uint64_t a)
{
    for (int i = 0; i < GDB_BREAKPOINTS; i++)
        if (g->bps[i].used && g->bps[i].addr == a)
            return &g->bps[i];
    return NULL;
}

static int bp_insert(uint64_t a)
{
    static const uint8_t int3 = OP_INT3;
    if (bp_find(a))
        return 0;
    for (int i = 0; i < GDB_BREAKPOINTS; i++) {
        if (g->bps[i].used)
            continue;
        if (!range_mapped(a, 1))
            return -1;
        g->bps[i].saved = *(volatile uint8_t *)(uintptr_t)a;
        if (mem_write(a, &int3, 1) < 0)
            return -1;
        g->bps[i] = (struct breakpoint){a, g->bps[i].saved, 1};
        return 0;
    }
    return -1;
}

static int bp_remove(uint64_t a)
{
    struct breakpoint *b = bp_find(a);
    if (!b)
        return 0;
    b->used = 0;
    return mem_write(a, &b->saved, 1);
}

/* Z0,addr,kind / z0,addr,kind: software breakpoints only. */
static const char *cmd_breakpoint(const char *p)
{
    int insert = p[0] == 'Z';
    if (p[1] != '0' || p[2] != ',')
        return ""; /* hardware ones and watchpoints: unsupported */
    p += 3;
    uint64_t a = hex_num(&p);
    return (insert ? bp_insert(a) : bp_remove(a)) == 0 ? "OK" : "E01";
}

/* ---- registers -------------------------------------------------------- */

static char *reg_put(char *o, int n)
{
    uint64_t v =
        reg_offset[n] < 0 ? 0 : *(uint64_t *)((char *)tf + reg_offset[n]);
    return hex_put(o, &v, reg_size(n)); /* little-endian, as gdb wants */
}

static int reg_set(int n, const char *hex)
{
    uint64_t v = 0;
    if (hex_get(hex, &v, reg_size(n)) < 0)
        return -1;
    /* Selectors stay: a wrong cs or ss would fault the return. */
    if (reg_offset[n] >= 0 && n <= 17)
        *(uint64_t *)((char *)tf + reg_offset[n]) = v;
    return 0;
}

static const char *cmd_read_regs(void)
{
    char *o = g->out;
    for (int n = 0; n < GDB_REGS; n++)
        o = reg_put(o, n);
    return g->out;
}

static const char *cmd_write_regs(const char *p)
{
    for (int n = 0; n < GDB_REGS && *p; p += 2 * reg_size(n), n++)
        if (strlen(p) < 2 * reg_size(n) || reg_set(n, p) < 0)
            return "E01";
    return "OK";
}

/* p n */
static const char *cmd_read_reg(const char *p)
{
    uint64_t n = hex_num(&p);
    if (n >= GDB_REGS)
        return "E45";
    reg_put(g->out, (int)n);
    return g->out;
}

/* P n=value */
static const char *cmd_write_reg(const char *p)
{
    uint64_t n = hex_num(&p);
    if (n >= GDB_REGS || *p != '=' || strlen(p + 1) != 2 * reg_size((int)n))
        return "E01";
    return reg_set((int)n, p + 1) == 0 ? "OK" : "E01";
}

/* ---- threads and stops ------------------------------------------------ */

/* The boot runs outside every thread; it becomes thread 1. */
static hc_tid thread_now(void)
{
    hc_tid t = sched_current();
    return t > 0 ? t : 1;
}

static const char *stop_reply(void)
{
    char *o = g->out;
    memcpy(o, "T05thread:", 10);
    o += 10;
    uint8_t t = (uint8_t)thread_now();
    o = hex_put(o, &t, 1);
    *o++ = ';';
    *o = '\0';
    return g->out;
}

static const char *cmd_thread_list(void)
{
    char *o = g->out;
    *o++ = 'm';
    for (hc_tid t = 1; t <= HC_THREADS_MAX && o < g->out + sizeof g->out - 8;
         t++) {
        if (!sched_alive(t) && t != thread_now())
            continue;
        if (o[-1] != 'm')
            *o++ = ',';
        uint8_t b[2] = {(uint8_t)(t >> 8), (uint8_t)t};
        o = hex_put(o, b, 2);
    }
    *o = '\0';
    return g->out;
}

static const char *cmd_thread_alive(const char *p)
{
    const char *q = p + 1;
    hc_tid t = (hc_tid)hex_num(&q);
    return sched_alive(t) || t == thread_now() ? "OK" : "E01";
}

static const char *cmd_query(const char *p)
{
    if (!strncmp(p, "qSupported", 10))
        return "PacketSize=400;swbreak+";
    if (!strcmp(p, "qfThreadInfo"))
        return cmd_thread_list();
    if (!strcmp(p, "qsThreadInfo"))
        return "l";
    if (!strcmp(p, "qC")) {
        uint8_t t = (uint8_t)thread_now();
        g->out[0] = 'Q', g->out[1] = 'C';
        hex_put(g->out + 2, &t, 1);
        return g->out;
    }
    if (!strcmp(p, "qAttached"))
        return "1";
    return "";
}

/* ---- the command loop ------------------------------------------------- */

enum resume { STAY, RUN, STEP, DETACH };

static void resume_at(const char *p)
{
    if (*p) /* c addr / s addr: resume there */
        tf->rip = hex_num(&p);
}

/* One command: the reply in *reply, and whether to leave the stop. */
static enum resume command(const char *p, const char **reply)
{
    *reply = "";
    switch (p[0]) {
    case '?': *reply = stop_reply(); break;
    case 'g': *reply = cmd_read_regs(); break;
    case 'G': *reply = cmd_write_regs(p + 1); break;
    case 'p': *reply = cmd_read_reg(p + 1); break;
    case 'P': *reply = cmd_write_reg(p + 1); break;
    case 'm': *reply = cmd_read_mem(p + 1); break;
    case 'M': *reply = cmd_write_mem(p + 1); break;
    case 'Z':
    case 'z': *reply = cmd_breakpoint(p); break;
    case 'H': *reply = "OK"; break;
    case 'T': *reply = cmd_thread_alive(p); break;
    case 'q': *reply = cmd_query(p); break;
    case 'c': resume_at(p + 1); return RUN;
    case 's': resume_at(p + 1); return STEP;
    case 'D': *reply = "OK"; return DETACH;
    case 'k': platform_exit(137); /* as if killed (128 + SIGKILL) */
    }
    return STAY;
}

static void detach(void)
{
    for (int i = 0; i < GDB_BREAKPOINTS; i++)
        if (g->bps[i].used)
            bp_remove(g->bps[i].addr);
    attached = 0;
}

/* Talk to gdb until it resumes the image. */
static void stopped(int announce)
{
    if (announce)
        packet_put(stop_reply());
    for (;;) {
        const char *reply;
        enum resume r = command(packet_get(), &reply);
        if (r == STAY || r == DETACH)
            packet_put(reply);
        tf->rflags &= ~(uint64_t)RFLAGS_TF;
        if (r == STEP)
            tf->rflags |= RFLAGS_TF;
        if (r == DETACH)
            detach();
        if (r != STAY)
            return;
    }
}

int gdbstub_trap(struct trap_frame *frame)
{
    if (!attached)
        return 0;
    tf = frame;
    /* int3 traps after itself: report (and resume at) the breakpoint. */
    if (frame->vector == 3 && bp_find(frame->rip - 1))
        frame->rip--;
    stopped(!boot_stop);
    boot_stop = 0;
    return 1;
}

/* 1 if the boot options (before "--") include the word gdb=on. */
static int gdb_wanted(void)
{
    const char *s = hc_cmdline(), *w = "gdb=on";
    size_t n = strlen(w);
    for (const char *p = s; *p && strncmp(p, "--", 2); p++)
        if ((p == s || p[-1] == ' ') && !strncmp(p, w, n) &&
            (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

void gdbstub_boot(void)
{
    if (!gdb_wanted() || platform_gdb_open() < 0)
        return;
    kiln_table((void **)&g, sizeof *g, "gdb: no memory for the stub");
    attached = boot_stop = 1;
    kprintf("gdb: waiting for gdb on the debug channel\n");
    /* gdb connects after this and asks ('?') why we stopped: a stop
     * reply sent before then would be junk to it. */
    __asm__ volatile("int3");
}
